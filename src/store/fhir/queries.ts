import { regionPrefix } from '../auth/principal.ts';
import type { Queryable } from '../db.ts';

// The FHIR API's reads (src/server/fhir/): the rows behind each resource, read by id or searched,
// always filtered in SQL by what the caller may see (FhirScope), one page at a time in keyset
// order, one statement a page (fee lines, diagnoses and the coverage a visit is billed to ride
// along as JSON). The mapping to FHIR is the server's; nothing here knows FHIR's shapes.

/** Whose rows a caller may see: a staff member's regions (undefined: everywhere), one person's, one institution's. */
export type FhirScope =
  | { kind: 'regions'; regions: readonly string[] | undefined }
  | { kind: 'person'; psn_no: string }
  | { kind: 'institution'; fixmedins_code: string };

/** [from, to): instants; either end may be open. */
export interface Window {
  from?: Date;
  to?: Date;
}

/** One page: how many rows, and the keyset position after which it starts (the last row of the page before). */
export interface PageRequest {
  count: number;
  after?: { at?: string; id: string };
}

/** A page's rows and, when more follow, the key of its last row (the next page's `after`). */
export interface Page<T> {
  rows: T[];
  next?: { at?: string; id: string };
}

/** Builds a statement's parameters as they are used. */
class Params {
  readonly values: unknown[] = [];
  add(v: unknown): string {
    this.values.push(v);
    return `$${this.values.length}`;
  }
}

const patterns = (regions: readonly string[] | undefined): string[] | null => (regions === undefined ? null : regions.map((r) => `${regionPrefix(r)}%`));

/** The scope as a predicate over the given columns: any of `regionCols` in the caller's regions, or the person's, or the institution's. */
function scoped(p: Params, scope: FhirScope, cols: { regions: readonly string[]; psn_no?: string; fixmedins_code?: string }): string {
  if (scope.kind === 'person') return cols.psn_no ? `${cols.psn_no} = ${p.add(scope.psn_no)}` : 'false';
  if (scope.kind === 'institution') return cols.fixmedins_code ? `${cols.fixmedins_code} = ${p.add(scope.fixmedins_code)}` : 'false';
  const pats = patterns(scope.regions);
  if (pats === null) return 'true';
  const arr = `${p.add(pats)}::text[]`;
  return `(${cols.regions.map((c) => `${c} LIKE ANY(${arr})`).join(' OR ')})`;
}

function window(p: Params, col: string, w: Window | undefined): string[] {
  const out: string[] = [];
  if (w?.from) out.push(`${col} >= ${p.add(w.from)}`);
  if (w?.to) out.push(`${col} < ${p.add(w.to)}`);
  return out;
}

/** Keyset after (at, id) for rows ordered by a time then a text id; or by a text id alone. */
function keyset(p: Params, timeCol: string | undefined, idCol: string, after: PageRequest['after']): string[] {
  if (!after) return [];
  if (timeCol && after.at !== undefined) return [`(${timeCol}, ${idCol} COLLATE "C") > (${p.add(after.at)}::timestamptz, ${p.add(after.id)} COLLATE "C")`];
  return [`${idCol} COLLATE "C" > ${p.add(after.id)} COLLATE "C"`];
}

async function page<T extends Record<string, unknown>>(q: Queryable, sql: string, p: Params, req: PageRequest, key: (row: T) => { at?: string; id: string }): Promise<Page<T>> {
  const r = await q.query<T>(`${sql} LIMIT ${p.add(req.count + 1)}`, p.values);
  const rows = r.rows.slice(0, req.count);
  return r.rows.length > req.count ? { rows, next: key(rows[rows.length - 1]!) } : { rows };
}

/** A timestamp as the keyset carries it: to the microsecond, so no row is met twice or skipped. */
const cursorAt = (col: string): string => `to_char(${col} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS cursor_at`;

const where = (conds: string[]): string => (conds.length ? `WHERE ${conds.join(' AND ')}` : '');

// ── persons (Patient) ─────────────────────────────────────────────────────────────────────────

export interface PatientRow extends Record<string, unknown> {
  psn_no: string;
  psn_cert_type: string;
  certno: string;
  psn_name: string;
  gend: string;
  brdy: string;
  tel: string | null;
  addr: string | null;
  insuplc_admdvs: string;
  /** The pooling region the person is insured in (its bureau manages them). */
  pooling_admdvs: string;
  /** Where they live (else where they are insured), with the names of its county, city and province. */
  home_admdvs: string;
  home_name: string | null;
  city_name: string | null;
  province_name: string | null;
}

export interface PatientFilter {
  psn_no?: string;
  certno?: string;
  /** An identifier of no named system: the psn_no or the ID number. */
  any?: string;
}

export async function searchPatients(q: Queryable, scope: FhirScope, f: PatientFilter, req: PageRequest): Promise<Page<PatientRow>> {
  const p = new Params();
  const conds = [scoped(p, scope, { regions: ['x.insuplc_admdvs'], psn_no: 'x.psn_no' })];
  if (f.psn_no !== undefined) conds.push(`x.psn_no = ${p.add(f.psn_no)}`);
  if (f.certno !== undefined) conds.push(`upper(x.certno) = upper(${p.add(f.certno)})`);
  if (f.any !== undefined) {
    const v = p.add(f.any);
    conds.push(`(x.psn_no = ${v} OR upper(x.certno) = upper(${v}))`);
  }
  conds.push(...keyset(p, undefined, 'x.psn_no', req.after));
  const sql = `SELECT x.psn_no, x.psn_cert_type, x.certno, x.psn_name, x.gend, x.brdy, x.tel, x.addr, x.insuplc_admdvs,
                      coalesce(ins.pooling_admdvs, x.insuplc_admdvs) AS pooling_admdvs,
                      coalesce(x.live_admdvs, x.insuplc_admdvs) AS home_admdvs, home.name AS home_name, city.name AS city_name, prov.name AS province_name
                 FROM persons x
                 JOIN regions ins ON ins.code = x.insuplc_admdvs
                 LEFT JOIN regions home ON home.code = coalesce(x.live_admdvs, x.insuplc_admdvs)
                 LEFT JOIN regions city ON city.code = left(coalesce(x.live_admdvs, x.insuplc_admdvs), 4) || '00'
                 LEFT JOIN regions prov ON prov.code = left(coalesce(x.live_admdvs, x.insuplc_admdvs), 2) || '0000'
                 ${where(conds)} ORDER BY x.psn_no COLLATE "C"`;
  return page<PatientRow>(q, sql, p, req, (r) => ({ id: r.psn_no }));
}

// ── enrollments (Coverage) ────────────────────────────────────────────────────────────────────

export interface CoverageRow extends Record<string, unknown> {
  id: string;
  psn_no: string;
  insutype: string;
  psn_type: string;
  insuplc_admdvs: string;
  pooling_admdvs: string;
  emp_name: string | null;
  psn_insu_stas: string;
  psn_insu_date: string;
  end_date: string | null;
}

export async function searchCoverages(q: Queryable, scope: FhirScope, f: { id?: string; psn_no?: string }, req: PageRequest): Promise<Page<CoverageRow>> {
  const p = new Params();
  // an enrollment is its region's, and the person's current region's (a transfer keeps the history visible there)
  const conds = [scoped(p, scope, { regions: ['e.insuplc_admdvs', 'x.insuplc_admdvs'], psn_no: 'e.psn_no' })];
  if (f.id !== undefined) conds.push(`e.id::text = ${p.add(f.id)}`);
  if (f.psn_no !== undefined) conds.push(`e.psn_no = ${p.add(f.psn_no)}`);
  if (req.after) conds.push(`e.id > ${p.add(req.after.id)}::bigint`);
  const sql = `SELECT e.id::text AS id, e.psn_no, e.insutype, e.psn_type, e.insuplc_admdvs, coalesce(g.pooling_admdvs, e.insuplc_admdvs) AS pooling_admdvs,
                      e.emp_name, e.psn_insu_stas, e.psn_insu_date, e.end_date
                 FROM enrollments e JOIN persons x ON x.psn_no = e.psn_no JOIN regions g ON g.code = e.insuplc_admdvs
                 ${where(conds)} ORDER BY e.id`;
  return page<CoverageRow>(q, sql, p, req, (r) => ({ id: r.id }));
}

/** The enrollment and its person's current region: the hook decides a Coverage's scope from them. */
export async function coverageScope(q: Queryable, id: string): Promise<{ psn_no: string; insuplc_admdvs: string; person_admdvs: string } | undefined> {
  if (!/^[0-9]{1,18}$/.test(id)) return undefined;
  const r = await q.query<{ psn_no: string; insuplc_admdvs: string; person_admdvs: string }>(
    `SELECT e.psn_no, e.insuplc_admdvs, x.insuplc_admdvs AS person_admdvs FROM enrollments e JOIN persons x ON x.psn_no = e.psn_no WHERE e.id = $1::bigint`,
    [id],
  );
  return r.rows[0];
}

// ── institutions and bureaus (Organization) ───────────────────────────────────────────────────

export interface OrganizationRow extends Record<string, unknown> {
  /** The Organization's id: the fixmedins_code, or `bureau-<admdvs>` for a pooling region's (or a province's) bureau. */
  id: string;
  kind: 'institution' | 'bureau';
  code: string;
  name: string;
  hosp_lv: string | null;
  admdvs: string;
  address: string | null;
  region_name: string | null;
  /** A city's bureau: its province's bureau; an institution: its pooling region's bureau (null above). */
  part_of: string | null;
}

export const BUREAU_PREFIX = 'bureau-';

export async function searchOrganizations(q: Queryable, f: { id?: string; fixmedins_code?: string; admdvs?: string }, req: PageRequest): Promise<Page<OrganizationRow>> {
  const p = new Params();
  const conds: string[] = [];
  if (f.id !== undefined) conds.push(`o.id = ${p.add(f.id)}`);
  if (f.fixmedins_code !== undefined) conds.push(`o.kind = 'institution' AND o.code = ${p.add(f.fixmedins_code)}`);
  if (f.admdvs !== undefined) conds.push(`o.kind = 'bureau' AND o.code = ${p.add(f.admdvs)}`);
  conds.push(...keyset(p, undefined, 'o.id', req.after));
  const sql = `SELECT * FROM (
                 SELECT i.fixmedins_code AS id, 'institution' AS kind, i.fixmedins_code AS code, i.fixmedins_name AS name, i.hosp_lv, i.admdvs,
                        nullif(i.address, '') AS address, g.name AS region_name, '${BUREAU_PREFIX}' || coalesce(g.pooling_admdvs, i.admdvs) AS part_of
                   FROM institutions i JOIN regions g ON g.code = i.admdvs
                 UNION ALL
                 SELECT '${BUREAU_PREFIX}' || g.code, 'bureau', g.code, g.name || '医疗保障局', NULL, g.code, NULL, g.name,
                        CASE WHEN g.level <> 'province' THEN '${BUREAU_PREFIX}' || left(g.code, 2) || '0000' END
                   FROM regions g WHERE g.is_pooling OR g.level = 'province') o
               ${where(conds)} ORDER BY o.id COLLATE "C"`;
  return page<OrganizationRow>(q, sql, p, req, (r) => ({ id: r.id }));
}

// ── visits (Claim) ────────────────────────────────────────────────────────────────────────────

export interface ClaimLine {
  seq: number;
  feedetl_sn: string;
  med_list_codg: string;
  chrgitm_lv: string;
  med_chrgitm_type: string;
  cnt: number;
  pric: number;
  det_item_fee_sumamt: number;
  fee_ocur_time: string | null;
}

export interface ClaimDiagnosis {
  diag_type: string;
  diag_srt_no: number;
  diag_code: string;
  diag_name: string;
  maindiag_flag: boolean;
}

export interface ClaimRow extends Record<string, unknown> {
  /** The keyset's time, to the microsecond. */
  cursor_at: string;
  mdtrt_id: string;
  kind: 'outpatient' | 'inpatient' | 'pharmacy';
  status: string;
  psn_no: string;
  insutype: string;
  fixmedins_code: string;
  insuplc_admdvs: string;
  mdtrtarea_admvs: string;
  med_type: string;
  begntime: Date;
  endtime: Date | null;
  emergency_flag: boolean;
  dise_codes: string[];
  created_at: Date;
  /** The enrollment the visit is billed to: of its insurance type, begun by the visit's day. */
  coverage_id: string | null;
  lines: ClaimLine[];
  diagnoses: ClaimDiagnosis[];
}

/** The enrollment a visit or settlement of a person is billed to, as a lateral subquery over `alias`. */
const COVERAGE_OF = (alias: string, at: string): string => `(SELECT e.id::text FROM enrollments e
   WHERE e.psn_no = ${alias}.psn_no AND e.insutype = ${alias}.insutype AND e.psn_insu_date <= (${at} AT TIME ZONE 'Asia/Shanghai')::date
   ORDER BY (e.end_date IS NULL OR e.end_date >= (${at} AT TIME ZONE 'Asia/Shanghai')::date) DESC, e.psn_insu_date DESC, e.id DESC LIMIT 1)`;

export async function searchClaims(q: Queryable, scope: FhirScope, f: { mdtrt_id?: string; psn_no?: string; created?: Window }, req: PageRequest): Promise<Page<ClaimRow>> {
  const p = new Params();
  const conds = [scoped(p, scope, { regions: ['v.insuplc_admdvs', 'v.mdtrtarea_admvs'], psn_no: 'v.psn_no', fixmedins_code: 'v.fixmedins_code' })];
  if (f.mdtrt_id !== undefined) conds.push(`v.mdtrt_id = ${p.add(f.mdtrt_id)}`);
  if (f.psn_no !== undefined) conds.push(`v.psn_no = ${p.add(f.psn_no)}`);
  conds.push(...window(p, 'v.created_at', f.created), ...keyset(p, 'v.created_at', 'v.mdtrt_id', req.after));
  const sql = `SELECT v.mdtrt_id, v.kind, v.status, v.psn_no, v.insutype, v.fixmedins_code, v.insuplc_admdvs, v.mdtrtarea_admvs, v.med_type,
                      v.begntime, v.endtime, v.emergency_flag, v.dise_codes, v.created_at, ${cursorAt('v.created_at')}, ${COVERAGE_OF('v', 'v.begntime')} AS coverage_id,
                      coalesce((SELECT json_agg(json_build_object('seq', l.seq, 'feedetl_sn', l.feedetl_sn, 'med_list_codg', l.med_list_codg, 'chrgitm_lv', l.chrgitm_lv,
                                  'med_chrgitm_type', l.med_chrgitm_type, 'cnt', l.cnt, 'pric', l.pric, 'det_item_fee_sumamt', l.det_item_fee_sumamt,
                                  'fee_ocur_time', to_char(l.fee_ocur_time AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM-DD')) ORDER BY l.seq, l.feedetl_sn)
                                  FROM fee_lines l WHERE l.mdtrt_id = v.mdtrt_id AND l.status = 'uploaded'), '[]') AS lines,
                      coalesce((SELECT json_agg(json_build_object('diag_type', d.diag_type, 'diag_srt_no', d.diag_srt_no, 'diag_code', d.diag_code, 'diag_name', d.diag_name,
                                  'maindiag_flag', d.maindiag_flag) ORDER BY d.maindiag_flag DESC, d.diag_type, d.diag_srt_no)
                                  FROM visit_diagnoses d WHERE d.mdtrt_id = v.mdtrt_id), '[]') AS diagnoses
                 FROM visits v ${where(conds)} ORDER BY v.created_at, v.mdtrt_id COLLATE "C"`;
  return page<ClaimRow>(q, sql, p, req, (r) => ({ at: r.cursor_at, id: r.mdtrt_id }));
}

/** A visit's person and regions and institution: the hook decides a Claim's scope from them. */
export async function claimScope(q: Queryable, mdtrtId: string): Promise<{ psn_no: string; insuplc_admdvs: string; mdtrtarea_admvs: string; fixmedins_code: string } | undefined> {
  const r = await q.query<{ psn_no: string; insuplc_admdvs: string; mdtrtarea_admvs: string; fixmedins_code: string }>(
    'SELECT psn_no, insuplc_admdvs, mdtrtarea_admvs, fixmedins_code FROM visits WHERE mdtrt_id = $1',
    [mdtrtId],
  );
  return r.rows[0];
}

// ── settlements (ClaimResponse, ExplanationOfBenefit) ────────────────────────────────────────

export interface SettlementRow extends Record<string, unknown> {
  /** The keyset's time, to the microsecond. */
  cursor_at: string;
  setl_id: string;
  status: 'settled' | 'cancelled';
  mdtrt_id: string;
  psn_no: string;
  fixmedins_code: string;
  insuplc_admdvs: string;
  mdtrtarea_admvs: string;
  insutype: string;
  med_type: string;
  clr_type: string;
  setl_time: Date;
  cross_region_status: string;
  policy_id: string;
  policy_version: number;
  medfee_sumamt: number;
  fund_pay_sumamt: number;
  acct_pay: number;
  psn_cash_pay: number;
  hosp_part_amt: number;
  /** Every amount of setlinfo in fen, as the engine returned it. */
  setlinfo: Record<string, unknown>;
  setldetail: Array<{ fund_pay_type: string; fund_payamt: number; inscp_scp_amt?: number }>;
  /** The engine's steps (the explanation's `steps`). */
  steps: Array<{ step: string; zh: string; en: string; rule: string }> | null;
  /** The settlement that cancelled this one, if any. */
  cancelled_by: string | null;
  coverage_id: string | null;
}

export interface SettlementFilter {
  setl_id?: string;
  psn_no?: string;
  mdtrt_id?: string;
  created?: Window;
}

/**
 * Settlements (a cancellation is shown on its settlement, as its status and `cancelled_by`, not
 * as a resource of its own). Ordered by setl_time then setl_id: one patient's year walks the
 * index settlements_psn (psn_no, setl_time).
 */
export async function searchSettlements(q: Queryable, scope: FhirScope, f: SettlementFilter, req: PageRequest): Promise<Page<SettlementRow>> {
  const p = new Params();
  const conds = [`s.kind = 'settle'`, scoped(p, scope, { regions: ['s.insuplc_admdvs', 's.mdtrtarea_admvs'], psn_no: 's.psn_no', fixmedins_code: 's.fixmedins_code' })];
  if (f.setl_id !== undefined) conds.push(`s.setl_id = ${p.add(f.setl_id)}`);
  if (f.psn_no !== undefined) conds.push(`s.psn_no = ${p.add(f.psn_no)}`);
  if (f.mdtrt_id !== undefined) conds.push(`s.mdtrt_id = ${p.add(f.mdtrt_id)}`);
  conds.push(...window(p, 's.setl_time', f.created), ...keyset(p, 's.setl_time', 's.setl_id', req.after));
  const sql = `SELECT s.setl_id, s.status, s.mdtrt_id, s.psn_no, s.fixmedins_code, s.insuplc_admdvs, s.mdtrtarea_admvs, s.insutype, s.med_type, s.clr_type,
                      s.setl_time, s.cross_region_status, s.policy_id, s.policy_version, s.medfee_sumamt, s.fund_pay_sumamt, s.acct_pay, s.psn_cash_pay, s.hosp_part_amt,
                      s.setlinfo, s.setldetail, s.explanation -> 'steps' AS steps, ${cursorAt('s.setl_time')},
                      (SELECT c.setl_id FROM settlements c WHERE c.orig_setl_id = s.setl_id AND c.kind = 'cancel') AS cancelled_by,
                      ${COVERAGE_OF('s', 's.setl_time')} AS coverage_id
                 FROM settlements s ${where(conds)} ORDER BY s.setl_time, s.setl_id COLLATE "C"`;
  return page<SettlementRow>(q, sql, p, req, (r) => ({ at: r.cursor_at, id: r.setl_id }));
}

/** A settlement's person, regions and institution (a cancellation row is not one): the hook decides its scope from them. */
export async function settlementScope(q: Queryable, setlId: string): Promise<{ psn_no: string; insuplc_admdvs: string; mdtrtarea_admvs: string; fixmedins_code: string } | undefined> {
  const r = await q.query<{ psn_no: string; insuplc_admdvs: string; mdtrtarea_admvs: string; fixmedins_code: string }>(
    `SELECT psn_no, insuplc_admdvs, mdtrtarea_admvs, fixmedins_code FROM settlements WHERE setl_id = $1 AND kind = 'settle'`,
    [setlId],
  );
  return r.rows[0];
}

// ── clearing statements (PaymentReconciliation) ──────────────────────────────────────────────

export interface StatementRow extends Record<string, unknown> {
  /** The keyset's time, to the microsecond. */
  cursor_at: string;
  id: string;
  month: string;
  level: 'province' | 'city';
  insured_admdvs: string;
  treatment_admdvs: string;
  insured_name: string | null;
  treatment_name: string | null;
  amount_fen: number;
  totals: { count?: number; by_fund?: Record<string, number>; adjustments_fen?: number; adjustments_count?: number };
  state: string;
  created_at: Date;
  paid_at: Date | null;
}

/** Clearing statements a staff member covering either side may see (statements have no person or institution). */
export async function searchStatements(q: Queryable, scope: FhirScope, f: { id?: string; created?: Window }, req: PageRequest): Promise<Page<StatementRow>> {
  const p = new Params();
  const conds = [scoped(p, scope, { regions: ['c.insured_admdvs', 'c.treatment_admdvs'] })];
  if (f.id !== undefined) conds.push(`c.id::text = ${p.add(f.id)}`);
  conds.push(...window(p, 'c.created_at', f.created));
  if (req.after?.at !== undefined) conds.push(`(c.created_at, c.id) > (${p.add(req.after.at)}::timestamptz, ${p.add(req.after.id)}::bigint)`);
  const sql = `SELECT c.id::text AS id, c.month, c.level, c.insured_admdvs, c.treatment_admdvs, gi.name AS insured_name, gt.name AS treatment_name,
                      c.amount_fen::bigint AS amount_fen, c.totals, c.state, c.created_at, c.paid_at, ${cursorAt('c.created_at')}
                 FROM clearing_statements c LEFT JOIN regions gi ON gi.code = c.insured_admdvs LEFT JOIN regions gt ON gt.code = c.treatment_admdvs
                 ${where(conds)} ORDER BY c.created_at, c.id`;
  return page<StatementRow>(q, sql, p, req, (r) => ({ at: r.cursor_at, id: r.id }));
}
