import type { Queryable } from '../db.ts';
import { SETTLEMENT_COLUMNS, type StoredSettlement } from './service.ts';
import type { VisitRow } from './visits.ts';

// Reads for the 5201-style queries, 5303, the portal, and 3201/3202 reconciliation.

export async function visitsOf(q: Queryable, f: { psn_no: string; fixmedins_code?: string; begndate?: string; enddate?: string; med_type?: string; mdtrt_id?: string }): Promise<VisitRow[]> {
  const r = await q.query<VisitRow>(
    `SELECT mdtrt_id, kind, status, psn_no, insutype, psn_type, fixmedins_code, hosp_lv, mdtrtarea_admvs, insuplc_admdvs, med_type, begntime, endtime,
            ipt_otp_no, mdtrt_cert_type, mdtrt_cert_no, emergency_flag, dise_codes, cross_region_status, eligibility, info
       FROM visits
      WHERE psn_no = $1 AND ($2::text IS NULL OR fixmedins_code = $2) AND ($3::date IS NULL OR begntime >= ($3::date::timestamp AT TIME ZONE 'Asia/Shanghai'))
        AND ($4::date IS NULL OR begntime < (($4::date + 1)::timestamp AT TIME ZONE 'Asia/Shanghai')) AND ($5::text IS NULL OR med_type = $5)
        AND ($6::text IS NULL OR mdtrt_id = $6)
      ORDER BY begntime DESC LIMIT 500`,
    [f.psn_no, f.fixmedins_code ?? null, f.begndate ?? null, f.enddate ?? null, f.med_type ?? null, f.mdtrt_id ?? null],
  );
  return r.rows;
}

export async function settlementsOf(q: Queryable, f: { psn_no?: string; mdtrt_id?: string; setl_id?: string; fixmedins_code?: string }): Promise<StoredSettlement[]> {
  const r = await q.query<StoredSettlement>(
    `SELECT ${SETTLEMENT_COLUMNS} FROM settlements
      WHERE ($1::text IS NULL OR psn_no = $1) AND ($2::text IS NULL OR mdtrt_id = $2) AND ($3::text IS NULL OR setl_id = $3) AND ($4::text IS NULL OR fixmedins_code = $4)
      ORDER BY setl_time DESC, setl_id DESC LIMIT 500`,
    [f.psn_no ?? null, f.mdtrt_id ?? null, f.setl_id ?? null, f.fixmedins_code ?? null],
  );
  return r.rows;
}

export interface ChronicDrugRecord {
  mdtrt_id: string;
  setl_id: string;
  feedetl_sn: string;
  fixmedins_code: string;
  fixmedins_name: string;
  med_type: string;
  mdtrtarea_admvs: string;
  opsp_dise_code: string | null;
  opsp_dise_name: string | null;
  setl_time: Date;
  fee_ocur_time: Date | null;
  med_list_codg: string;
  medins_list_codg: string | null;
  med_chrgitm_type: string;
  cnt: string;
  pric: number;
  det_item_fee_sumamt: number;
}

/** Fee-item types that are drugs: western medicine, Chinese herbal pieces, Chinese patent medicine. */
const DRUG_ITEM_TYPES = ['09', '10', '11'];

/**
 * A person's chronic-disease drug records (5205) at every institution: the drug lines of
 * settlements still in force whose visit was a chronic-disease one (med_type 14, or a visit
 * settled on a recognised chronic disease, as at a pharmacy), settled within [begndate,
 * enddate] (China time), newest first. What a doctor prescribing for a chronic patient needs
 * to see what was dispensed elsewhere.
 */
export async function chronicDrugRecords(q: Queryable, f: { psn_no: string; begndate: string; enddate: string }): Promise<ChronicDrugRecord[]> {
  const r = await q.query<ChronicDrugRecord>(
    `SELECT l.mdtrt_id, l.setl_id, l.feedetl_sn, v.fixmedins_code, i.fixmedins_name, v.med_type, v.mdtrtarea_admvs,
            v.eligibility #>> '{terms,chronicDisease,diseaseCode}' AS opsp_dise_code,
            v.eligibility #>> '{terms,chronicDisease,diseaseName}' AS opsp_dise_name,
            s.setl_time, l.fee_ocur_time, l.med_list_codg, l.medins_list_codg, l.med_chrgitm_type, l.cnt::text AS cnt, l.pric, l.det_item_fee_sumamt
       FROM visits v
       JOIN fee_lines l ON l.mdtrt_id = v.mdtrt_id AND l.status = 'uploaded' AND l.med_chrgitm_type = ANY($4::text[])
       JOIN settlements s ON s.setl_id = l.setl_id AND s.kind = 'settle' AND s.status = 'settled'
       JOIN institutions i ON i.fixmedins_code = v.fixmedins_code
      WHERE v.psn_no = $1 AND (v.med_type = '14' OR jsonb_typeof(v.eligibility #> '{terms,chronicDisease}') = 'object')
        AND s.setl_time >= ($2::date::timestamp AT TIME ZONE 'Asia/Shanghai') AND s.setl_time < (($3::date + 1)::timestamp AT TIME ZONE 'Asia/Shanghai')
      ORDER BY s.setl_time DESC, l.mdtrt_id, l.seq
      LIMIT 1000`,
    [f.psn_no, f.begndate, f.enddate, DRUG_ITEM_TYPES],
  );
  return r.rows;
}

export async function accumulatorRows(q: Queryable, psnNo: string, year: number | undefined): Promise<Array<{ year: number; acc: Record<string, unknown>; settlements: number }>> {
  const r = await q.query<{ year: number; acc: Record<string, unknown>; settlements: number }>(
    `SELECT year, acc, settlements FROM accumulators WHERE psn_no = $1 AND ($2::int IS NULL OR year = $2) ORDER BY year DESC`,
    [psnNo, year ?? null],
  );
  return r.rows;
}

export interface InstitutionTotals {
  medfee_sumamt: number;
  fund_pay_sumamt: number;
  acct_pay: number;
  psn_cash_pay: number;
  setl_cnt: number;
}

/**
 * An institution's totals over settlement days [begndate, enddate] (China time), optionally by
 * insutype and clearing type; cancellations count with their negative amounts, and as −1 in
 * the count, the way the platform's 对总账 counts them.
 */
export async function institutionTotals(q: Queryable, f: { fixmedins_code: string; begndate: string; enddate: string; insutype?: string; clr_type?: string }): Promise<InstitutionTotals> {
  const r = await q.query<InstitutionTotals>(
    `SELECT coalesce(sum(medfee_sumamt), 0)::bigint AS medfee_sumamt, coalesce(sum(fund_pay_sumamt), 0)::bigint AS fund_pay_sumamt,
            coalesce(sum(acct_pay), 0)::bigint AS acct_pay, coalesce(sum(psn_cash_pay), 0)::bigint AS psn_cash_pay,
            coalesce(sum(CASE WHEN kind = 'settle' THEN 1 ELSE -1 END), 0)::int AS setl_cnt
       FROM settlements
      WHERE fixmedins_code = $1 AND setl_time >= ($2::date::timestamp AT TIME ZONE 'Asia/Shanghai') AND setl_time < (($3::date + 1)::timestamp AT TIME ZONE 'Asia/Shanghai')
        AND ($4::text IS NULL OR insutype = $4) AND ($5::text IS NULL OR clr_type = $5)`,
    [f.fixmedins_code, f.begndate, f.enddate, f.insutype ?? null, f.clr_type ?? null],
  );
  return r.rows[0]!;
}

export interface DetailRow {
  setl_id: string;
  mdtrt_id: string;
  psn_no: string;
  kind: 'settle' | 'cancel';
  medfee_sumamt: number;
  fund_pay_sumamt: number;
  acct_pay: number;
}

export async function institutionDetails(q: Queryable, f: { fixmedins_code: string; begndate: string; enddate: string; insutype?: string; clr_type?: string }): Promise<DetailRow[]> {
  const r = await q.query<DetailRow>(
    `SELECT setl_id, mdtrt_id, psn_no, kind, medfee_sumamt, fund_pay_sumamt, acct_pay FROM settlements
      WHERE fixmedins_code = $1 AND setl_time >= ($2::date::timestamp AT TIME ZONE 'Asia/Shanghai') AND setl_time < (($3::date + 1)::timestamp AT TIME ZONE 'Asia/Shanghai')
        AND ($4::text IS NULL OR insutype = $4) AND ($5::text IS NULL OR clr_type = $5)
      ORDER BY setl_id`,
    [f.fixmedins_code, f.begndate, f.enddate, f.insutype ?? null, f.clr_type ?? null],
  );
  return r.rows;
}

/** Cross-region amounts of a clearing month: what each insured region owes each treatment region. */
export async function crossRegionOwed(q: Queryable, clrMonth: string): Promise<Array<{ insuplc_admdvs: string; mdtrtarea_admvs: string; amount_fen: number; setl_cnt: number }>> {
  const r = await q.query<{ insuplc_admdvs: string; mdtrtarea_admvs: string; amount_fen: number; setl_cnt: number }>(
    `SELECT insuplc_admdvs, mdtrtarea_admvs, sum(amount_fen)::bigint AS amount_fen, count(*)::int AS setl_cnt FROM cross_region_owed
      WHERE clr_month = $1 GROUP BY 1, 2 ORDER BY 1, 2`,
    [clrMonth],
  );
  return r.rows;
}

/** The lines a message uploaded (for 2601 of a 2204/2301). */
export async function linesOfMessage(q: Queryable, mdtrtId: string | undefined, msgid: string, fixmedinsCode: string): Promise<Array<{ mdtrt_id: string; feedetl_sn: string; status: string; setl_id: string | null }>> {
  const r = await q.query<{ mdtrt_id: string; feedetl_sn: string; status: string; setl_id: string | null }>(
    `SELECT l.mdtrt_id, l.feedetl_sn, l.status, l.setl_id FROM fee_lines l JOIN visits v ON v.mdtrt_id = l.mdtrt_id
      WHERE l.upload_msgid = $1 AND v.fixmedins_code = $2 AND ($3::text IS NULL OR l.mdtrt_id = $3) FOR UPDATE OF l`,
    [msgid, fixmedinsCode, mdtrtId ?? null],
  );
  return r.rows;
}
