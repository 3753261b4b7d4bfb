import type { Queryable } from '../db.ts';
import { findYearEnd, yearEndLines, type YearEndLineView, type YearEndRow } from './year-end.ts';
import { regionPrefix } from '../auth/principal.ts';

// What the payment pages read (docs/payment.md, "Pages"): a region's year of case payments by
// hospital and by group, the outliers waiting for review, the months; a hospital's own cases;
// one stay's lists, groupings and prices. Current prices only, unless a stay's history is asked.

export interface HospitalYear {
  fixmedins_code: string;
  fixmedins_name: string;
  hosp_lv: string;
  cases: number;
  cmi_e4: number;
  total_cost_fen: number;
  standard_fen: number;
  hospital_payment_fen: number;
  basic_fund_paid_fen: number;
  surplus_fen: number;
  cross_region_cases: number;
}

export interface GroupYear {
  group_code: string;
  cases: number;
  weight_e4: number;
  mean_cost_fen: number;
  mean_standard_fen: number;
  surplus_fen: number;
}

export interface CaseLine {
  setl_id: string;
  fixmedins_code: string;
  psn_no: string;
  dscg_date: string;
  group_code: string;
  weight_e4: number;
  kind: string;
  total_cost_fen: number;
  standard_fen: number;
  hospital_payment_fen: number;
  surplus_fen: number;
  review: boolean;
  cross_region: boolean;
  explanation: unknown;
}

export interface MonthLine {
  month: string;
  cases: number;
  standard_fen: number;
  hospital_payment_fen: number;
  basic_fund_paid_fen: number;
}

const CURRENT = `c.superseded_at IS NULL AND c.admdvs = $1 AND c.year = $2`;

export async function hospitalsOfYear(q: Queryable, admdvs: string, year: number): Promise<HospitalYear[]> {
  const r = await q.query<HospitalYear>(
    `SELECT c.fixmedins_code, i.fixmedins_name, i.hosp_lv, count(*)::int AS cases, round(avg(c.weight_e4))::int AS cmi_e4,
            sum(c.total_cost_fen)::bigint AS total_cost_fen, sum(c.standard_fen)::bigint AS standard_fen, sum(c.hospital_payment_fen)::bigint AS hospital_payment_fen,
            sum(c.basic_fund_paid_fen)::bigint AS basic_fund_paid_fen, sum(c.surplus_fen)::bigint AS surplus_fen,
            count(*) FILTER (WHERE c.insuplc_admdvs <> c.admdvs)::int AS cross_region_cases
       FROM case_payments c JOIN institutions i USING (fixmedins_code)
      WHERE ${CURRENT}
      GROUP BY c.fixmedins_code, i.fixmedins_name, i.hosp_lv ORDER BY c.fixmedins_code`,
    [admdvs, year],
  );
  return r.rows;
}

/** Groups of the year, most cases first (`order` 'cases') or largest loss first ('loss'). */
export async function groupsOfYear(q: Queryable, admdvs: string, year: number, order: 'cases' | 'loss', limit: number, fixmedinsCode?: string): Promise<GroupYear[]> {
  const r = await q.query<GroupYear>(
    `SELECT c.group_code, count(*)::int AS cases, round(avg(c.weight_e4))::int AS weight_e4, round(avg(c.total_cost_fen))::bigint AS mean_cost_fen,
            round(avg(c.standard_fen))::bigint AS mean_standard_fen, sum(c.surplus_fen)::bigint AS surplus_fen
       FROM case_payments c WHERE ${CURRENT} AND ($4::text IS NULL OR c.fixmedins_code = $4)
      GROUP BY c.group_code
      ORDER BY ${order === 'cases' ? 'count(*) DESC' : 'sum(c.surplus_fen) ASC'}, c.group_code LIMIT $3`,
    [admdvs, year, limit, fixmedinsCode ?? null],
  );
  return r.rows;
}

const CASE_COLUMNS = `c.setl_id, c.fixmedins_code, s.psn_no, to_char(l.dscg_time AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM-DD') AS dscg_date, c.group_code, c.weight_e4, c.kind,
  c.total_cost_fen, c.standard_fen, c.hospital_payment_fen, c.surplus_fen, c.review, c.insuplc_admdvs <> c.admdvs AS cross_region, c.explanation`;

/** Cases of the year: a hospital's own (newest discharge first), or the outliers waiting for review. */
export async function casesOfYear(q: Queryable, admdvs: string, year: number, f: { fixmedins_code?: string; review?: boolean; limit: number }): Promise<CaseLine[]> {
  const r = await q.query<CaseLine>(
    `SELECT ${CASE_COLUMNS}
       FROM case_payments c JOIN settlements s USING (setl_id) JOIN settlement_lists l ON l.id = c.list_id
      WHERE ${CURRENT} AND ($3::text IS NULL OR c.fixmedins_code = $3) AND ($4::boolean IS NULL OR c.review = $4)
      ORDER BY l.dscg_time DESC, c.setl_id LIMIT $5`,
    [admdvs, year, f.fixmedins_code ?? null, f.review ?? null, f.limit],
  );
  return r.rows;
}

export async function monthsOfYear(q: Queryable, admdvs: string, year: number, fixmedinsCode?: string): Promise<MonthLine[]> {
  const r = await q.query<MonthLine>(
    `SELECT to_char(l.dscg_time AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM') AS month, count(*)::int AS cases, sum(c.standard_fen)::bigint AS standard_fen,
            sum(c.hospital_payment_fen)::bigint AS hospital_payment_fen, sum(c.basic_fund_paid_fen)::bigint AS basic_fund_paid_fen
       FROM case_payments c JOIN settlement_lists l ON l.id = c.list_id
      WHERE ${CURRENT} AND ($3::text IS NULL OR c.fixmedins_code = $3)
      GROUP BY 1 ORDER BY 1`,
    [admdvs, year, fixmedinsCode ?? null],
  );
  return r.rows;
}

export interface YearTotals {
  cases: number;
  cmi_e4: number | null;
  total_cost_fen: number;
  standard_fen: number;
  hospital_payment_fen: number;
  basic_fund_paid_fen: number;
  surplus_fen: number;
  review_cases: number;
}

/** The year's sums over every current case of the region (or of one hospital). */
export async function totalsOfYear(q: Queryable, admdvs: string, year: number, fixmedinsCode?: string): Promise<YearTotals> {
  const r = await q.query<YearTotals>(
    `SELECT count(*)::int AS cases, round(avg(c.weight_e4))::int AS cmi_e4, coalesce(sum(c.total_cost_fen), 0)::bigint AS total_cost_fen,
            coalesce(sum(c.standard_fen), 0)::bigint AS standard_fen, coalesce(sum(c.hospital_payment_fen), 0)::bigint AS hospital_payment_fen,
            coalesce(sum(c.basic_fund_paid_fen), 0)::bigint AS basic_fund_paid_fen, coalesce(sum(c.surplus_fen), 0)::bigint AS surplus_fen,
            count(*) FILTER (WHERE c.review)::int AS review_cases
       FROM case_payments c WHERE ${CURRENT} AND ($3::text IS NULL OR c.fixmedins_code = $3)`,
    [admdvs, year, fixmedinsCode ?? null],
  );
  return r.rows[0]!;
}

/** The region's year-end settlement of the year, if it was run, with its lines (one hospital's when named). */
export async function yearEndOf(q: Queryable, admdvs: string, year: number, fixmedinsCode?: string): Promise<{ year_end: YearEndRow; lines: YearEndLineView[] } | undefined> {
  const yearEnd = await findYearEnd(q, admdvs, year);
  return yearEnd ? { year_end: yearEnd, lines: await yearEndLines(q, yearEnd.id, fixmedinsCode) } : undefined;
}

/** The two regions of a stay's settlement (insured, treatment), for deciding who may read it. */
export async function settlementRegions(q: Queryable, setlId: string): Promise<{ insuplc_admdvs: string; mdtrtarea_admvs: string } | undefined> {
  const r = await q.query<{ insuplc_admdvs: string; mdtrtarea_admvs: string }>(`SELECT insuplc_admdvs, mdtrtarea_admvs FROM settlements WHERE setl_id = $1`, [setlId]);
  return r.rows[0];
}

export interface StayFacts {
  setl_id: string;
  psn_no: string;
  psn_name: string;
  fixmedins_code: string;
  fixmedins_name: string;
  insutype: string;
  insuplc_admdvs: string;
  mdtrtarea_admvs: string;
  setl_time: Date;
  medfee_fen: number;
}

/** A settled stay's own facts, as the case page heads them. */
export async function stayFacts(q: Queryable, setlId: string): Promise<StayFacts | undefined> {
  const r = await q.query<StayFacts>(
    `SELECT s.setl_id, s.psn_no, p.psn_name, s.fixmedins_code, i.fixmedins_name, s.insutype, s.insuplc_admdvs, s.mdtrtarea_admvs, s.setl_time, s.medfee_sumamt::bigint AS medfee_fen
       FROM settlements s JOIN persons p USING (psn_no) JOIN institutions i ON i.fixmedins_code = s.fixmedins_code WHERE s.setl_id = $1`,
    [setlId],
  );
  return r.rows[0];
}

export interface PaymentRegionRow {
  admdvs: string;
  name: string;
  year: number;
  method: 'drg' | 'dip';
}

/** The pooling regions and years that have payment rules stored, within regions (all when undefined). */
export async function regionsWithPaymentRules(q: Queryable, regions: readonly string[] | undefined): Promise<PaymentRegionRow[]> {
  const prefixes = regions?.map(regionPrefix) ?? null;
  const r = await q.query<PaymentRegionRow>(
    `SELECT DISTINCT ON (d.admdvs, (d.doc->>'year')::int) d.admdvs, coalesce(g.name, d.admdvs) AS name, (d.doc->>'year')::int AS year, d.doc->>'method' AS method
       FROM documents d LEFT JOIN regions g ON g.code = d.admdvs
      WHERE d.kind = 'payment_rules' AND ($1::text[] IS NULL OR EXISTS (SELECT 1 FROM unnest($1::text[]) p WHERE d.admdvs LIKE p || '%'))
      ORDER BY d.admdvs, (d.doc->>'year')::int DESC, d.version DESC`,
    [prefixes],
  );
  return r.rows;
}

/** A year's priced cases as the payment simulator reads them (current prices, not paid by item). */
export interface SimulationCaseRow {
  setl_id: string;
  fixmedins_code: string;
  hosp_lv: string;
  insutype: string;
  group_code: string;
  adrg: string | null;
  principal_diagnosis: string;
  main_procedure: string | null;
  adm_time: Date;
  dscg_time: Date;
  dscg_way: string;
  total_cost_fen: number;
  patient_paid_fen: number;
  other_funds_paid_fen: number;
  basic_fund_paid_fen: number;
}

export async function simulationCases(q: Queryable, admdvs: string, year: number): Promise<SimulationCaseRow[]> {
  const r = await q.query<SimulationCaseRow>(
    `SELECT c.setl_id, c.fixmedins_code, i.hosp_lv, s.insutype, c.group_code, g.adrg, l.principal_diagnosis, l.main_procedure, l.adm_time, l.dscg_time, l.dscg_way,
            c.total_cost_fen, c.patient_paid_fen, c.other_funds_paid_fen, c.basic_fund_paid_fen
       FROM case_payments c JOIN institutions i USING (fixmedins_code) JOIN settlements s USING (setl_id)
       JOIN settlement_lists l ON l.id = c.list_id LEFT JOIN case_groupings g ON g.list_id = c.list_id
      WHERE c.admdvs = $1 AND c.year = $2 AND c.superseded_at IS NULL AND c.kind <> 'by_item'
      ORDER BY c.setl_id`,
    [admdvs, year],
  );
  return r.rows;
}
