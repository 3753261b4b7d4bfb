// The SQL of the monthly expense-data sharing report (协议数据共享, issue 15 §4): for an
// agreement's members, each member's insured people's settlements in force in the other members
// during a month, by treatment member and institution, with the fund parts of the settlements
// and the after-settlement findings still open on them. The report itself is shaped in
// src/app/supervision/sharing.ts.
import type { Queryable } from '../db.ts';

/** The parts a settlement's amounts split into (setlinfo, in fen): the funds, the personal account, cash, the hospital's part. */
export const FUND_PARTS = ['hifp_pay', 'cvlserv_pay', 'hifmi_pay', 'hifob_pay', 'maf_pay', 'hifes_pay', 'oth_pay', 'acct_pay', 'psn_cash_pay', 'hosp_part_amt'] as const;
export type FundPart = (typeof FUND_PARTS)[number];

/** An agreement's members (region codes), for the access check; undefined when there is no such agreement. */
export async function agreementMembers(q: Queryable, agreementNo: string): Promise<string[] | undefined> {
  const r = await q.query<{ members: string[] | null }>(
    `SELECT array_agg(m.admdvs ORDER BY m.admdvs) FILTER (WHERE m.admdvs IS NOT NULL) AS members
       FROM agreements a LEFT JOIN agreement_members m ON m.agreement_id = a.id WHERE a.agreement_no = $1 GROUP BY a.id`,
    [agreementNo],
  );
  const row = r.rows[0];
  return row ? (row.members ?? []) : undefined;
}

export interface SharingClause {
  begndate: string;
  enddate: string | null;
  params: Record<string, unknown>;
}

/** The agreement's data_sharing clause, if it has one. */
export async function dataSharingClause(q: Queryable, agreementNo: string): Promise<SharingClause | undefined> {
  const r = await q.query<SharingClause>(
    `SELECT to_char(c.begndate, 'YYYY-MM-DD') AS begndate, to_char(c.enddate, 'YYYY-MM-DD') AS enddate, c.params
       FROM agreement_clauses c JOIN agreements a ON a.id = c.agreement_id WHERE a.agreement_no = $1 AND c.kind = 'data_sharing'`,
    [agreementNo],
  );
  return r.rows[0];
}

export interface SharingRow {
  insured_admdvs: string;
  treatment_admdvs: string;
  fixmedins_code: string;
  fixmedins_name: string;
  setl_cnt: number;
  psn_cnt: number;
  medfee_sumamt: number;
  fund_pay_sumamt: number;
  parts: Record<FundPart, number>;
}

export interface SharingFindingRow {
  insured_admdvs: string;
  treatment_admdvs: string;
  fixmedins_code: string;
  rule_type: string;
  n: number;
  amount_fen: number;
}

// Each settlement in force of the month, with the member it was insured in and the member it
// was treated in (a member's prefix: 430100 → 4301), only when those two differ.
const MONTH_SETTLEMENTS = `
  WITH m AS (
    SELECT am.admdvs, regexp_replace(am.admdvs, '(00)+$', '') AS prefix
      FROM agreement_members am JOIN agreements a ON a.id = am.agreement_id WHERE a.agreement_no = $1
  ), s AS (
    SELECT s.*, mi.admdvs AS insured_member, mt.admdvs AS treatment_member
      FROM settlements s
      JOIN m mi ON s.insuplc_admdvs LIKE mi.prefix || '%'
      JOIN m mt ON s.mdtrtarea_admvs LIKE mt.prefix || '%'
     WHERE s.kind = 'settle' AND s.status = 'settled' AND mi.admdvs <> mt.admdvs
       AND s.setl_time >= $2 AND s.setl_time < $3
  )`;

/** The month's settlements by insured member, treatment member and institution, with the fund parts summed. */
export async function sharingRows(q: Queryable, agreementNo: string, from: Date, to: Date): Promise<SharingRow[]> {
  const parts = FUND_PARTS.map((p) => `coalesce(sum((s.setlinfo->>'${p}')::bigint), 0)::bigint AS ${p}`).join(', ');
  const r = await q.query<Omit<SharingRow, 'parts'> & Record<FundPart, string>>(
    `${MONTH_SETTLEMENTS}
     SELECT s.insured_member AS insured_admdvs, s.treatment_member AS treatment_admdvs, s.fixmedins_code, i.fixmedins_name,
            count(*)::int AS setl_cnt, count(DISTINCT s.psn_no)::int AS psn_cnt,
            sum(s.medfee_sumamt)::bigint AS medfee_sumamt, sum(s.fund_pay_sumamt)::bigint AS fund_pay_sumamt, ${parts}
       FROM s JOIN institutions i ON i.fixmedins_code = s.fixmedins_code
      GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3`,
    [agreementNo, from, to],
  );
  return r.rows.map((x) => ({
    insured_admdvs: x.insured_admdvs, treatment_admdvs: x.treatment_admdvs, fixmedins_code: x.fixmedins_code, fixmedins_name: x.fixmedins_name,
    setl_cnt: x.setl_cnt, psn_cnt: x.psn_cnt, medfee_sumamt: Number(x.medfee_sumamt), fund_pay_sumamt: Number(x.fund_pay_sumamt),
    parts: Object.fromEntries(FUND_PARTS.map((p) => [p, Number(x[p])])) as Record<FundPart, number>,
  }));
}

/** The after-settlement findings not closed on those settlements, by the same keys and rule type. */
export async function sharingFindings(q: Queryable, agreementNo: string, from: Date, to: Date): Promise<SharingFindingRow[]> {
  const r = await q.query<SharingFindingRow>(
    `${MONTH_SETTLEMENTS}
     SELECT s.insured_member AS insured_admdvs, s.treatment_member AS treatment_admdvs, s.fixmedins_code, f.rule_type,
            count(*)::int AS n, sum(f.amount_fen)::bigint AS amount_fen
       FROM s JOIN supervision_findings f ON f.setl_id = s.setl_id AND f.stage = 'after' AND f.status <> 'closed'
      GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4`,
    [agreementNo, from, to],
  );
  return r.rows.map((x) => ({ ...x, amount_fen: Number(x.amount_fen) }));
}

/** Region names, for the report's headings. */
export async function regionNames(q: Queryable, codes: readonly string[]): Promise<Map<string, string>> {
  const r = await q.query<{ code: string; name: string }>(`SELECT code, name FROM regions WHERE code = ANY($1::text[])`, [codes]);
  return new Map(r.rows.map((x) => [x.code, x.name]));
}
