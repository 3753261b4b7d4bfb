import type { Queryable } from '../db.ts';
import { regionPrefix } from '../auth/principal.ts';
import type { ClaimedTotals, PlatformTotals } from '../../engine/institution-clearing.ts';

// SQL of institutions' clearing with the fund (docs/clearing.md, "Institutions"): the
// settlements an application covers, the applications, the reserve, and the institution's view
// of the cross-region clearing (read through clearing_lines.setl_id and its statement).


const IN_PERIOD = `s.fixmedins_code = $1 AND s.clr_type = $2
  AND s.setl_time >= ($3::date::timestamp AT TIME ZONE 'Asia/Shanghai') AND s.setl_time < (($4::date + 1)::timestamp AT TIME ZONE 'Asia/Shanghai')`;

/** The setl_ids of an institution's settlements and cancellations of a clearing type in a period (China dates). */
export async function settlementsInPeriod(q: Queryable, f: { fixmedins_code: string; clr_type: string; begndate: string; enddate: string }): Promise<string[]> {
  const r = await q.query<{ setl_id: string }>(`SELECT s.setl_id FROM settlements s WHERE ${IN_PERIOD} ORDER BY s.setl_time, s.setl_id`, [f.fixmedins_code, f.clr_type, f.begndate, f.enddate]);
  return r.rows.map((x) => x.setl_id);
}

/** The totals of the given settlements. */
export async function totalsOf(q: Queryable, setlIds: readonly string[]): Promise<PlatformTotals> {
  const t = await q.query<Omit<PlatformTotals, 'by_fund'>>(
    `SELECT coalesce(sum(CASE WHEN kind = 'settle' THEN 1 ELSE -1 END), 0)::int AS setl_cnt, coalesce(sum(medfee_sumamt), 0)::bigint AS medfee_sumamt,
            coalesce(sum(fund_pay_sumamt), 0)::bigint AS fund_pay_sumamt, coalesce(sum(acct_pay), 0)::bigint AS acct_pay, coalesce(sum(psn_cash_pay), 0)::bigint AS psn_cash_pay
       FROM settlements WHERE setl_id = ANY($1::text[])`,
    [setlIds],
  );
  const f = await q.query<{ fund_pay_type: string; amount: number }>(
    `SELECT d->>'fund_pay_type' AS fund_pay_type, sum((d->>'fund_payamt')::bigint)::bigint AS amount
       FROM settlements s, jsonb_array_elements(s.setldetail) d
      WHERE s.setl_id = ANY($1::text[]) AND d->>'fund_pay_type' NOT IN ('310200', '999996')
      GROUP BY 1 ORDER BY 1`,
    [setlIds],
  );
  const by_fund: Record<string, number> = {};
  for (const r of f.rows) if (Number(r.amount) !== 0) by_fund[r.fund_pay_type] = Number(r.amount);
  const row = t.rows[0]!;
  if (Number(row.acct_pay) !== 0) by_fund['310200'] = Number(row.acct_pay);
  return { setl_cnt: row.setl_cnt, medfee_sumamt: Number(row.medfee_sumamt), fund_pay_sumamt: Number(row.fund_pay_sumamt), acct_pay: Number(row.acct_pay), psn_cash_pay: Number(row.psn_cash_pay), by_fund };
}

export type ApplicationState = 'applied' | 'cancelled' | 'approved' | 'refused';

export interface ApplicationRow {
  id: number;
  fixmedins_code: string;
  fixmedins_name: string;
  /** The institution's region, as the institution is now (decides who may review). */
  admdvs: string;
  clr_type: string;
  clr_way: string;
  setl_optins: string;
  begndate: string;
  enddate: string;
  claimed: ClaimedTotals;
  platform: PlatformTotals;
  state: ApplicationState;
  msgid: string;
  applied_at: Date;
  cancelled_at: Date | null;
  decided_by: string | null;
  decided_at: Date | null;
  reasons: string | null;
  reserve_bp: number | null;
  paid_fen: number | null;
  reserve_fen: number | null;
  payment_transfer_id: number | null;
  released_at: Date | null;
  release_transfer_id: number | null;
}

const COLUMNS = `a.id::int AS id, a.fixmedins_code, i.fixmedins_name, i.admdvs, a.clr_type, a.clr_way, a.setl_optins, to_char(a.begndate, 'YYYY-MM-DD') AS begndate,
  to_char(a.enddate, 'YYYY-MM-DD') AS enddate, a.claimed, a.platform, a.state, a.msgid, a.applied_at, a.cancelled_at, a.decided_by, a.decided_at, a.reasons,
  a.reserve_bp, a.paid_fen::bigint AS paid_fen, a.reserve_fen::bigint AS reserve_fen, a.payment_transfer_id::int AS payment_transfer_id, a.released_at,
  a.release_transfer_id::int AS release_transfer_id`;

function row(r: ApplicationRow): ApplicationRow {
  return { ...r, paid_fen: r.paid_fen === null ? null : Number(r.paid_fen), reserve_fen: r.reserve_fen === null ? null : Number(r.reserve_fen) };
}

export async function insertApplication(
  q: Queryable,
  a: { fixmedins_code: string; clr_type: string; clr_way: string; setl_optins: string; begndate: string; enddate: string; claimed: ClaimedTotals; platform: PlatformTotals; msgid: string; at: Date; setl_ids: readonly string[] },
): Promise<number> {
  const r = await q.query<{ id: number }>(
    `INSERT INTO institution_clearing_applications (fixmedins_code, clr_type, clr_way, setl_optins, begndate, enddate, claimed, platform, msgid, applied_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id::int AS id`,
    [a.fixmedins_code, a.clr_type, a.clr_way, a.setl_optins, a.begndate, a.enddate, JSON.stringify(a.claimed), JSON.stringify(a.platform), a.msgid, a.at],
  );
  const id = r.rows[0]!.id;
  await q.query(`INSERT INTO institution_clearing_lines (application_id, setl_id) SELECT $1, unnest($2::text[])`, [id, a.setl_ids]);
  return id;
}

/** A live (applied or approved) application of the institution and clearing type whose period overlaps the given one. */
export async function overlappingApplication(q: Queryable, f: { fixmedins_code: string; clr_type: string; begndate: string; enddate: string }): Promise<number | undefined> {
  const r = await q.query<{ id: number }>(
    `SELECT id::int AS id FROM institution_clearing_applications
      WHERE fixmedins_code = $1 AND clr_type = $2 AND state IN ('applied', 'approved') AND begndate <= $4::date AND enddate >= $3::date ORDER BY id LIMIT 1`,
    [f.fixmedins_code, f.clr_type, f.begndate, f.enddate],
  );
  return r.rows[0]?.id;
}

/** Serialises the applications of one institution (the overlap check, then the insert). */
export async function lockInstitutionApplications(q: Queryable, fixmedinsCode: string): Promise<void> {
  await q.query(`SELECT pg_advisory_xact_lock(hashtext('institution_clearing:' || $1))`, [fixmedinsCode]);
}

export async function findApplication(q: Queryable, id: number, forUpdate = false): Promise<ApplicationRow | undefined> {
  const r = await q.query<ApplicationRow>(
    `SELECT ${COLUMNS} FROM institution_clearing_applications a JOIN institutions i USING (fixmedins_code) WHERE a.id = $1${forUpdate ? ' FOR UPDATE OF a' : ''}`,
    [id],
  );
  return r.rows[0] ? row(r.rows[0]) : undefined;
}

/** Applications, newest first, of the institutions in the given regions (undefined: everywhere). */
export async function listApplications(q: Queryable, f: { regions?: readonly string[]; state?: string; fixmedins_code?: string }): Promise<ApplicationRow[]> {
  const prefixes = f.regions?.map(regionPrefix) ?? null;
  const r = await q.query<ApplicationRow>(
    `SELECT ${COLUMNS} FROM institution_clearing_applications a JOIN institutions i USING (fixmedins_code)
      WHERE ($1::text[] IS NULL OR EXISTS (SELECT 1 FROM unnest($1::text[]) p WHERE i.admdvs LIKE p || '%'))
        AND ($2::text IS NULL OR a.state = $2) AND ($3::text IS NULL OR a.fixmedins_code = $3)
      ORDER BY a.id DESC LIMIT 500`,
    [prefixes, f.state ?? null, f.fixmedins_code ?? null],
  );
  return r.rows.map(row);
}

export async function linesOfApplication(q: Queryable, id: number): Promise<string[]> {
  const r = await q.query<{ setl_id: string }>(`SELECT setl_id FROM institution_clearing_lines WHERE application_id = $1 ORDER BY setl_id`, [id]);
  return r.rows.map((x) => x.setl_id);
}

export async function markCancelled(q: Queryable, id: number, at: Date): Promise<void> {
  await q.query(`UPDATE institution_clearing_applications SET state = 'cancelled', cancelled_at = $2 WHERE id = $1 AND state = 'applied'`, [id, at]);
}

export async function markDecided(
  q: Queryable,
  id: number,
  d: { state: 'approved' | 'refused'; by: string; at: Date; reasons: string | null; reserve_bp?: number; paid_fen?: number; reserve_fen?: number; transfer_id?: number | null },
): Promise<void> {
  await q.query(
    `UPDATE institution_clearing_applications SET state = $2, decided_by = $3, decided_at = $4, reasons = $5, reserve_bp = $6, paid_fen = $7, reserve_fen = $8, payment_transfer_id = $9
      WHERE id = $1 AND state = 'applied'`,
    [id, d.state, d.by, d.at, d.reasons, d.reserve_bp ?? null, d.paid_fen ?? null, d.reserve_fen ?? null, d.transfer_id ?? null],
  );
}

export async function markReleased(q: Queryable, ids: readonly number[], transferId: number | null, at: Date): Promise<void> {
  await q.query(`UPDATE institution_clearing_applications SET released_at = $2, release_transfer_id = $3 WHERE id = ANY($1::bigint[]) AND released_at IS NULL`, [ids, at, transferId]);
}

/** Approved applications of an institution whose period ends in the year and whose reserve is still held, locked. */
export async function heldReserves(q: Queryable, fixmedinsCode: string, year: number): Promise<{ id: number; reserve_fen: number }[]> {
  const r = await q.query<{ id: number; reserve_fen: number }>(
    `SELECT id::int AS id, reserve_fen::bigint AS reserve_fen FROM institution_clearing_applications
      WHERE fixmedins_code = $1 AND state = 'approved' AND released_at IS NULL AND extract(year FROM enddate) = $2
      ORDER BY id FOR UPDATE`,
    [fixmedinsCode, year],
  );
  return r.rows.map((x) => ({ id: x.id, reserve_fen: Number(x.reserve_fen) }));
}

export interface InstitutionRow {
  fixmedins_code: string;
  fixmedins_name: string;
  admdvs: string;
}

export async function findInstitution(q: Queryable, code: string): Promise<InstitutionRow | undefined> {
  const r = await q.query<InstitutionRow>(`SELECT fixmedins_code, fixmedins_name, admdvs FROM institutions WHERE fixmedins_code = $1`, [code]);
  return r.rows[0];
}

/** An account's balance (debits − credits) from the legs of transfers posted before `before`. */
export async function balanceBefore(q: Queryable, account: string, before: Date): Promise<number> {
  const r = await q.query<{ b: number }>(
    `SELECT (coalesce((SELECT sum(l.amount_fen) FROM ledger_legs l JOIN ledger_transfers t ON t.id = l.transfer_id WHERE l.debit_account = $1 AND t.at < $2), 0)
           - coalesce((SELECT sum(l.amount_fen) FROM ledger_legs l JOIN ledger_transfers t ON t.id = l.transfer_id WHERE l.credit_account = $1 AND t.at < $2), 0))::bigint AS b`,
    [account, before],
  );
  return Number(r.rows[0]!.b);
}

// ---- the institution's cross-region clearing results (3260-3262) -------------------------

export interface InstitutionClearingLine {
  setl_id: string;
  mdtrt_id: string;
  psn_no: string;
  kind: 'settle' | 'cancel';
  setl_time: Date;
  insuplc_admdvs: string;
  mdtrtarea_admvs: string;
  /** What the insured side's fund and personal account paid (fund_pay_sumamt + acct_pay), fen. */
  amount_fen: number;
  statement_id: number;
  month: string;
  level: string;
  insured_admdvs: string;
  treatment_admdvs: string;
  state: string;
}

/** The institution's settlements held by clearing statements of the months from..to (YYYYMM). */
export async function institutionClearingLines(q: Queryable, fixmedinsCode: string, fromYm: string, toYm: string): Promise<InstitutionClearingLine[]> {
  const r = await q.query<InstitutionClearingLine>(
    `SELECT s.setl_id, s.mdtrt_id, s.psn_no, s.kind, s.setl_time, s.insuplc_admdvs, s.mdtrtarea_admvs, (s.fund_pay_sumamt + s.acct_pay)::bigint AS amount_fen,
            st.id::int AS statement_id, st.month, st.level, st.insured_admdvs, st.treatment_admdvs, st.state
       FROM settlements s JOIN clearing_lines l ON l.setl_id = s.setl_id JOIN clearing_statements st ON st.id = l.statement_id
      WHERE s.fixmedins_code = $1 AND st.month BETWEEN $2 AND $3
      ORDER BY st.month, st.id, s.setl_time, s.setl_id`,
    [fixmedinsCode, fromYm, toYm],
  );
  return r.rows.map((x) => ({ ...x, amount_fen: Number(x.amount_fen) }));
}

export interface ConfirmationRow {
  fixmedins_code: string;
  clr_ym: string;
  setl_cnt: number;
  amount_fen: number;
  opter: string | null;
  confirmed_at: Date;
}

export async function confirmationsOf(q: Queryable, fixmedinsCode: string, fromYm: string, toYm: string): Promise<ConfirmationRow[]> {
  const r = await q.query<ConfirmationRow>(
    `SELECT fixmedins_code, clr_ym, setl_cnt, amount_fen::bigint AS amount_fen, opter, confirmed_at FROM institution_clearing_confirmations
      WHERE fixmedins_code = $1 AND clr_ym BETWEEN $2 AND $3 ORDER BY clr_ym`,
    [fixmedinsCode, fromYm, toYm],
  );
  return r.rows.map((x) => ({ ...x, amount_fen: Number(x.amount_fen) }));
}

/** Records the confirmation; false when the month was confirmed before. */
export async function insertConfirmation(q: Queryable, c: { fixmedins_code: string; clr_ym: string; setl_cnt: number; amount_fen: number; opter: string | null; msgid: string; at: Date }): Promise<boolean> {
  const r = await q.query(
    `INSERT INTO institution_clearing_confirmations (fixmedins_code, clr_ym, setl_cnt, amount_fen, opter, msgid, confirmed_at) VALUES ($1, $2, $3, $4, $5, $6, $7)
     ON CONFLICT DO NOTHING`,
    [c.fixmedins_code, c.clr_ym, c.setl_cnt, c.amount_fen, c.opter, c.msgid, c.at],
  );
  return r.rowCount === 1;
}
