import type { Queryable } from '../db.ts';
import type { SettlementList } from '../../engine/settlement-list.ts';

// The SQL of settlement lists (4101A-4103), their groupings and the cases' hospital payments
// (migration 021). Each upload is a new version; the newest is `current`.

/** A stay's settlement as the list needs it, with the patient's registry facts. */
export interface ListedSettlement {
  setl_id: string;
  kind: 'settle' | 'cancel';
  status: 'settled' | 'cancelled';
  mdtrt_id: string;
  psn_no: string;
  fixmedins_code: string;
  visit_kind: string;
  insutype: string;
  insuplc_admdvs: string;
  mdtrtarea_admvs: string;
  setl_time: Date;
  medfee_sumamt: number;
  fund_pay_sumamt: number;
  acct_pay: number;
  psn_cash_pay: number;
  hosp_part_amt: number;
  hifp_pay: number;
  setldetail: { fund_pay_type: string; fund_payamt: number }[];
  hosp_lv: string;
  gend: '1' | '2';
  brdy: string;
}

/** The settlement, locked (unless asked not to) so two uploads of one stay's list take turns. */
export async function lockListedSettlement(q: Queryable, setlId: string, lock = true): Promise<ListedSettlement | undefined> {
  const r = await q.query<ListedSettlement>(
    `SELECT s.setl_id, s.kind, s.status, s.mdtrt_id, s.psn_no, s.fixmedins_code, v.kind AS visit_kind, s.insutype, s.insuplc_admdvs, s.mdtrtarea_admvs,
            s.setl_time, s.medfee_sumamt::bigint AS medfee_sumamt, s.fund_pay_sumamt::bigint AS fund_pay_sumamt, s.acct_pay::bigint AS acct_pay,
            s.psn_cash_pay::bigint AS psn_cash_pay, s.hosp_part_amt::bigint AS hosp_part_amt, COALESCE((s.setlinfo->>'hifp_pay')::bigint, 0) AS hifp_pay, s.setldetail,
            v.hosp_lv, p.gend, to_char(p.brdy, 'YYYY-MM-DD') AS brdy
       FROM settlements s JOIN visits v USING (mdtrt_id) JOIN persons p ON p.psn_no = s.psn_no
      WHERE s.setl_id = $1
      ${lock ? 'FOR UPDATE OF s' : ''}`,
    [setlId],
  );
  return r.rows[0];
}

export interface ListRow {
  id: number;
  setl_list_id: string;
  version: number;
  setl_id: string;
  mdtrt_id: string;
  psn_no: string;
  fixmedins_code: string;
  stas_type: '0' | '1';
  adm_time: Date;
  dscg_time: Date;
  dscg_way: string;
  principal_diagnosis: string;
  main_procedure: string | null;
  setlinfo: Record<string, unknown>;
  diseinfo: unknown[];
  oprninfo: unknown[];
  icuinfo: unknown[];
  msgid: string;
  uploaded_at: Date;
}

const LIST_COLUMNS = `id::bigint AS id, setl_list_id, version, setl_id, mdtrt_id, psn_no, fixmedins_code, stas_type, adm_time, dscg_time, dscg_way,
  principal_diagnosis, main_procedure, setlinfo, diseinfo, oprninfo, icuinfo, msgid, uploaded_at`;

export async function currentList(q: Queryable, setlId: string): Promise<ListRow | undefined> {
  const r = await q.query<ListRow>(`SELECT ${LIST_COLUMNS} FROM settlement_lists WHERE setl_id = $1 AND current`, [setlId]);
  return r.rows[0];
}

/** Every version of a stay's list, newest first. */
export async function listVersions(q: Queryable, setlId: string): Promise<ListRow[]> {
  const r = await q.query<ListRow>(`SELECT ${LIST_COLUMNS} FROM settlement_lists WHERE setl_id = $1 ORDER BY version DESC`, [setlId]);
  return r.rows;
}

export async function nextListId(q: Queryable): Promise<string> {
  const r = await q.query<{ n: string }>(`SELECT nextval('settlement_list_serial')::text AS n`);
  return r.rows[0]!.n;
}

/** A new version of a stay's list; the one before stops being current. */
export async function insertListVersion(
  q: Queryable,
  row: { setl_list_id: string; version: number; list: SettlementList; fixmedins_code: string; setlinfo: Record<string, unknown>; msgid: string; at: Date },
): Promise<ListRow> {
  const l = row.list;
  await q.query(`UPDATE settlement_lists SET current = false WHERE setl_id = $1 AND current`, [l.setl_id]);
  const principal = l.diagnoses.find((d) => d.diag_type === '1' && d.maindiag)!.diag_code;
  const main = l.procedures.find((x) => x.main)?.oprn_oprt_code ?? null;
  const r = await q.query<ListRow>(
    `INSERT INTO settlement_lists (setl_list_id, version, setl_id, mdtrt_id, psn_no, fixmedins_code, stas_type, current, adm_time, dscg_time, dscg_way,
       principal_diagnosis, main_procedure, setlinfo, diseinfo, oprninfo, icuinfo, msgid, uploaded_at)
     VALUES ($1, $2, $3, $4, $5, $6, '1', true, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17)
     RETURNING ${LIST_COLUMNS}`,
    [
      row.setl_list_id, row.version, l.setl_id, l.mdtrt_id, l.psn_no, row.fixmedins_code, l.adm_time, l.dscg_time, l.dscg_way, principal, main,
      JSON.stringify(row.setlinfo), JSON.stringify(l.diagnoses), JSON.stringify(l.procedures), JSON.stringify(l.icu), row.msgid, row.at,
    ],
  );
  return r.rows[0]!;
}

/** 4102: the current version's status; false when it already had it. */
export async function setListStatus(q: Queryable, setlId: string, stasType: '0' | '1'): Promise<boolean> {
  const r = await q.query(`UPDATE settlement_lists SET stas_type = $2 WHERE setl_id = $1 AND current AND stas_type <> $2`, [setlId, stasType]);
  return (r.rowCount ?? 0) > 0;
}

export interface GroupingRow {
  list_id: number;
  setl_id: string;
  scheme: string;
  scheme_version: number;
  mdc: string | null;
  adrg: string | null;
  drg: string;
  status: 'grouped' | 'ungroupable';
  explanation: unknown;
  grouped_at: Date;
}

export async function insertGrouping(q: Queryable, g: GroupingRow): Promise<void> {
  await q.query(
    // A list version is grouped once: grouping it again (a resubmitted list) gives the same group.
    `INSERT INTO case_groupings (list_id, setl_id, scheme, scheme_version, mdc, adrg, drg, status, explanation, grouped_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
     ON CONFLICT (list_id) DO NOTHING`,
    [g.list_id, g.setl_id, g.scheme, g.scheme_version, g.mdc, g.adrg, g.drg, g.status, JSON.stringify(g.explanation), g.grouped_at],
  );
}

/** Every grouping of a stay, newest list version first. */
export async function groupingsOf(q: Queryable, setlId: string): Promise<(GroupingRow & { version: number })[]> {
  const r = await q.query<GroupingRow & { version: number }>(
    `SELECT g.list_id::bigint AS list_id, g.setl_id, g.scheme, g.scheme_version, g.mdc, g.adrg, g.drg, g.status, g.explanation, g.grouped_at, l.version
       FROM case_groupings g JOIN settlement_lists l ON l.id = g.list_id WHERE g.setl_id = $1 ORDER BY l.version DESC`,
    [setlId],
  );
  return r.rows;
}

export interface CasePaymentRow {
  id: number;
  setl_id: string;
  list_id: number;
  fixmedins_code: string;
  admdvs: string;
  insuplc_admdvs: string;
  year: number;
  method: 'drg' | 'dip';
  rules_id: string;
  rules_version: number;
  group_code: string;
  weight_e4: number;
  score_e4: number;
  kind: string;
  total_cost_fen: number;
  standard_fen: number;
  payment_fen: number;
  patient_paid_fen: number;
  other_funds_paid_fen: number;
  hospital_payment_fen: number;
  surplus_fen: number;
  review: boolean;
  basic_fund_paid_fen: number;
  fund_pay_type: string;
  explanation: unknown;
  priced_at: Date;
  superseded_at: Date | null;
  year_end_id: number | null;
  reversed_by_year_end_id: number | null;
}

const PAYMENT_FIELDS = ['id', 'setl_id', 'list_id', 'fixmedins_code', 'admdvs', 'insuplc_admdvs', 'year', 'method', 'rules_id', 'rules_version', 'group_code',
  'weight_e4', 'score_e4', 'kind', 'total_cost_fen', 'standard_fen', 'payment_fen', 'patient_paid_fen', 'other_funds_paid_fen', 'hospital_payment_fen', 'surplus_fen', 'review',
  'basic_fund_paid_fen', 'fund_pay_type', 'explanation', 'priced_at', 'superseded_at', 'year_end_id', 'reversed_by_year_end_id'];
const BIGINT_IDS = new Set(['id', 'list_id', 'year_end_id', 'reversed_by_year_end_id']);

/** The columns of a CasePaymentRow, of the table under an alias when given (`c.`). */
export function paymentColumns(alias = ''): string {
  const at = alias ? `${alias}.` : '';
  return PAYMENT_FIELDS.map((f) => (BIGINT_IDS.has(f) ? `${at}${f}::bigint AS ${f}` : `${at}${f}`)).join(', ');
}
const PAYMENT_COLUMNS = paymentColumns();

export async function currentPayment(q: Queryable, setlId: string): Promise<CasePaymentRow | undefined> {
  const r = await q.query<CasePaymentRow>(`SELECT ${PAYMENT_COLUMNS} FROM case_payments WHERE setl_id = $1 AND superseded_at IS NULL`, [setlId]);
  return r.rows[0];
}

/** The stay's prices, newest first (the history of its regroupings). */
export async function paymentsOf(q: Queryable, setlId: string): Promise<CasePaymentRow[]> {
  const r = await q.query<CasePaymentRow>(`SELECT ${PAYMENT_COLUMNS} FROM case_payments WHERE setl_id = $1 ORDER BY id DESC`, [setlId]);
  return r.rows;
}

/** Closes the stay's current price (a regrouping, a withdrawn list or a cancelled settlement). */
export async function supersedePayment(q: Queryable, setlId: string, at: Date): Promise<CasePaymentRow | undefined> {
  const r = await q.query<CasePaymentRow>(`UPDATE case_payments SET superseded_at = $2 WHERE setl_id = $1 AND superseded_at IS NULL RETURNING ${PAYMENT_COLUMNS}`, [setlId, at]);
  return r.rows[0];
}

export async function insertPayment(q: Queryable, p: Omit<CasePaymentRow, 'id' | 'superseded_at' | 'year_end_id' | 'reversed_by_year_end_id'>): Promise<CasePaymentRow> {
  const r = await q.query<CasePaymentRow>(
    `INSERT INTO case_payments (setl_id, list_id, fixmedins_code, admdvs, insuplc_admdvs, year, method, rules_id, rules_version, group_code, weight_e4, score_e4, kind,
       total_cost_fen, standard_fen, payment_fen, patient_paid_fen, other_funds_paid_fen, hospital_payment_fen, surplus_fen, review, basic_fund_paid_fen, fund_pay_type,
       explanation, priced_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $23, $24, $25) RETURNING ${PAYMENT_COLUMNS}`,
    [
      p.setl_id, p.list_id, p.fixmedins_code, p.admdvs, p.insuplc_admdvs, p.year, p.method, p.rules_id, p.rules_version, p.group_code, p.weight_e4, p.score_e4, p.kind,
      p.total_cost_fen, p.standard_fen, p.payment_fen, p.patient_paid_fen, p.other_funds_paid_fen, p.hospital_payment_fen, p.surplus_fen, p.review, p.basic_fund_paid_fen,
      p.fund_pay_type, JSON.stringify(p.explanation), p.priced_at,
    ],
  );
  return r.rows[0]!;
}
