import { EMPTY_ACCUMULATORS, type Accumulators, type Settlement } from '../../engine/index.ts';
import type { StoredInput } from '../../engine/replay.ts';
import { CLR_TYPE_OF_VISIT } from '../../engine/codes.ts';
import { owedByFund } from '../../engine/clearing.ts';
import { assertInvariant } from '../../engine/errors.ts';
import { together, type Queryable } from '../db.ts';
import { chinaDate } from '../../engine/calendar.ts';
import { atCommit } from '../group-commit.ts';
import type { CheckedTransfer } from '../../engine/ledger.ts';
import { accountsJson, balanceRows, DECLARE_ACCOUNTS, INSERT_LEGS, LEDGER_BALANCES, legsJson, PERSONAL_BALANCE_SQL } from '../ledger.ts';
import { insertFederationRecord, type FederationRecord } from '../federation/settlements.ts';
import { toLine, unsettledLinesJson, type LineRow, type StoredLine, type VisitRow } from './visits.ts';

// The reads and writes of settlement, whose rules are the use cases of src/app/settlement/
// (visit.ts, open-visit.ts, upload-fees.ts, settle-visit.ts, cancel-settlement.ts): the
// accumulators under a row lock, the settlement's reads in one round trip and its writes in
// one statement (the balances at commit), the settlement rows. Every function runs inside the
// caller's transaction (the gateway's, which also records the answer).

type Obj = Record<string, unknown>;

// ---- accumulators ----------------------------------------------------------------------

function readAccumulators(raw: unknown): Accumulators {
  return { ...EMPTY_ACCUMULATORS, ...(raw as Partial<Accumulators>) };
}

/** The person's year row, created when absent and locked until the transaction ends. */
export async function lockAccumulators(q: Queryable, psnNo: string, year: number): Promise<Accumulators> {
  // One statement creates or locks the row (ON CONFLICT DO UPDATE takes the row lock).
  const r = await q.query<{ acc: unknown }>({ name: 'settlement_lock_accumulators', text: `INSERT INTO accumulators (psn_no, year, acc) VALUES ($1, $2, '{}') ON CONFLICT (psn_no, year) DO UPDATE SET year = EXCLUDED.year RETURNING acc`, values: [psnNo, year] });
  return readAccumulators(r.rows[0]!.acc);
}

export async function readAccumulatorsOf(q: Queryable, psnNo: string, year: number): Promise<Accumulators> {
  const r = await q.query<{ acc: unknown }>(`SELECT acc FROM accumulators WHERE psn_no = $1 AND year = $2`, [psnNo, year]);
  return readAccumulators(r.rows[0]?.acc ?? {});
}

export function assertNonNegative(acc: Accumulators): void {
  for (const [k, v] of Object.entries(acc)) {
    if (typeof v === 'number') assertInvariant(v >= 0, `accumulator ${k} stays non-negative`);
    else for (const [d, x] of Object.entries(v as Record<string, number>)) assertInvariant(x >= 0, `accumulator ${k}.${d} stays non-negative`);
  }
}

// ---- settlement: the repository functions of src/app/settlement/settle-visit.ts ----------

/** What a settlement reads after the visit, in the round trip of `readSettlementInputs`. */
export interface SettlementInputs {
  /** The person's accumulators of the year, locked unless this is a preview. */
  acc: Accumulators;
  /** The visit's unsettled lines. */
  lines: StoredLine[];
  balc_fen: number | null;
  /** The card's password hash, null when the card has none. */
  pwd_sha256: string | null;
  /** Whether the person is enrolled in the civil-servant supplement (320). */
  cvl: boolean;
  idet: string[] | null;
  /** The settlement's serial (its setl_id); null for a preview. */
  serial: number | null;
  /** Standing settlements of this visit (a stay's mid-stay ones) and their deductible paid. */
  segments: number;
  /** The institution's direct settlement suspended until this day ('infinity': until lifted; 023, a supervision decision), or null. */
  suspended_until: string | null;
  stay_dedc: string;
}

/**
 * One round trip, two statements in this order: the person's year row, locked (it
 * serialises every settlement of this person: caps and deductibles hold); then, with a
 * snapshot taken after the lock so the account cannot move under this settlement, the
 * visit's unsettled lines (the visit is locked), the balance, card password, civil-servant
 * enrollment, identities and setl_id.
 */
export async function readSettlementInputs(q: Queryable, visit: VisitRow, day: string, year: number, preview: boolean): Promise<SettlementInputs> {
  const b = together(q);
  const [acc, extra] = await Promise.all([
    preview ? readAccumulatorsOf(b, visit.psn_no, year) : lockAccumulators(b, visit.psn_no, year),
    b.query<{ lines: LineRow[]; balc_fen: number | null; pwd_sha256: string | null; cvl: boolean; idet: string[] | null; serial: number | null; segments: number; stay_dedc: string; suspended_until: string | null }>({ name: 'settlement_reads', text: `SELECT ${unsettledLinesJson('$6')} AS lines,
            ${PERSONAL_BALANCE_SQL('$1')} AS balc_fen,
            (SELECT pwd_sha256 FROM person_certs WHERE mdtrt_cert_type = $2 AND mdtrt_cert_no = $3) AS pwd_sha256,
            EXISTS (SELECT 1 FROM enrollments WHERE psn_no = $1 AND insutype = '320' AND psn_insu_stas = '1') AS cvl,
            (SELECT array_agg(psn_idet_type) FROM person_identities WHERE psn_no = $1 AND begntime <= $4 AND (endtime IS NULL OR endtime >= $4)) AS idet,
            CASE WHEN $5 THEN NULL ELSE nextval('settlement_serial') END AS serial,
            st.segments, st.stay_dedc,
            (SELECT direct_settlement_suspended_until FROM institutions WHERE fixmedins_code = $7) AS suspended_until
       FROM (SELECT count(*)::int AS segments, coalesce(sum((setlinfo->>'act_pay_dedc')::bigint), 0)::text AS stay_dedc
               FROM settlements WHERE mdtrt_id = $6 AND kind = 'settle' AND status = 'settled') st`, values: [visit.psn_no, visit.mdtrt_cert_type ?? '', visit.mdtrt_cert_no ?? '', day, preview, visit.mdtrt_id, visit.fixmedins_code] }),
  ]);
  const row = extra.rows[0]!;
  return { acc, lines: row.lines.map(toLine), balc_fen: row.balc_fen, pwd_sha256: row.pwd_sha256, cvl: row.cvl, idet: row.idet, serial: row.serial, segments: row.segments, stay_dedc: row.stay_dedc, suspended_until: row.suspended_until };
}

export interface SettlementWrite {
  setl_id: string;
  kind: 'settle' | 'cancel';
  orig_setl_id: string | null;
  shard: number;
  visit: VisitRow;
  setl_time: Date;
  year: number;
  mid_setl: boolean;
  status: string;
  policy_id: string;
  policy_version: number;
  setlinfo: Settlement['setlinfo'];
  setldetail: Settlement['setldetail'];
  increments: Accumulators;
  explanation: Obj;
  msgid: string;
  /** Lines that this settlement prices (settle) or releases (cancel). */
  line_sns: string[];
  visit_status: string;
  acc: Accumulators;
  settlements_delta: number;
  /** The settlement's ledger transfer (key 'setl:' || setl_id), checked by the engine. */
  transfer: CheckedTransfer;
  eligibility: Obj | null;
  /** The engine's whole input (034_simulation.sql); null on a cancellation or a peer's settlement. */
  inputs: StoredInput | null;
  /** A cross-deployment settlement's record on this side (issue 17): it replaces the in-deployment cross-region debt. */
  federation?: FederationRecord;
}

/**
 * Every write of a settlement or cancellation in one statement (one round trip): the
 * settlement row, its lines, the visit, the accumulators, the ledger accounts it names, the
 * ledger transfer with its legs, and the cross-region debt. The balances (the personal
 * account's among them) follow at commit.
 */
export async function writeSettlement(q: Queryable, w: SettlementWrite): Promise<void> {
  const s = w.setlinfo;
  const t = w.transfer;
  // Between deployments what is owed is kept in federation_settlements and cleared by the hub.
  const cross = w.visit.insuplc_admdvs !== w.visit.mdtrtarea_admvs && w.federation === undefined;
  // A cancellation's setlinfo is negated already, so what it owes is negative (it was negated twice before 015).
  const owed = cross ? s.fund_pay_sumamt + s.acct_pay : 0;
  // What the clearing run totals by fund type (migration 019), from the same amounts.
  const byFund = cross ? owedByFund(w.kind, w.setldetail, s.acct_pay) : {};
  assertInvariant(Object.values(byFund).reduce((a, b) => a + b, 0) === owed, 'what a cross-region settlement owes adds up by fund type');
  const month = chinaDate(w.setl_time).slice(0, 7).replace('-', '');
  await q.query({ name: 'settlement_write', text: `WITH s AS (
       INSERT INTO settlements (setl_id, kind, orig_setl_id, status, mdtrt_id, psn_no, fixmedins_code, insuplc_admdvs, mdtrtarea_admvs, insutype,
         psn_type, med_type, clr_type, mid_setl, setl_time, setl_year, cross_region_status, policy_id, policy_version, medfee_sumamt,
         fund_pay_sumamt, acct_pay, psn_cash_pay, hosp_part_amt, setlinfo, setldetail, increments, explanation, msgid, inputs)
       VALUES ($1, $2, $3, 'settled', $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $23, $24, $25, $26, $27, $28, $43)
       RETURNING setl_id),
     orig AS (UPDATE settlements SET status = 'cancelled' WHERE setl_id = $3),
     fl AS (UPDATE fee_lines SET setl_id = CASE WHEN $2 = 'settle' THEN $1 ELSE NULL END WHERE mdtrt_id = $4 AND feedetl_sn = ANY($29::text[])),
     v AS (UPDATE visits SET status = $30, cross_region_status = $16, eligibility = coalesce($31::jsonb, eligibility) WHERE mdtrt_id = $4),
     a AS (UPDATE accumulators SET acc = $32, settlements = settlements + $33 WHERE psn_no = $5 AND year = $15),
     ac AS (${DECLARE_ACCOUNTS('$34')}),
     t AS (INSERT INTO ledger_transfers (kind, key, cause_kind, cause_id, setl_id, reverses, amount_fen, at)
           SELECT $2, $41, 'settlement', s.setl_id, s.setl_id, $35, $36, $14 FROM s RETURNING id),
     lg AS (${INSERT_LEGS('t', '$37')}),
     cr AS (INSERT INTO cross_region_owed (setl_id, insuplc_admdvs, mdtrtarea_admvs, fixmedins_code, clr_month, amount_fen, setl_time, orig_setl_id, insutype, by_fund)
            SELECT s.setl_id, $7, $8, $6, $38, $39, $14, $3, $9, $42 FROM s WHERE $40)
     SELECT 1`, values: [
      w.setl_id, w.kind, w.orig_setl_id, w.visit.mdtrt_id, w.visit.psn_no, w.visit.fixmedins_code, w.visit.insuplc_admdvs, w.visit.mdtrtarea_admvs,
      w.visit.insutype, w.visit.psn_type, w.visit.med_type, CLR_TYPE_OF_VISIT[w.visit.kind], w.mid_setl, w.setl_time, w.year, w.status, w.policy_id,
      w.policy_version, s.medfee_sumamt, s.fund_pay_sumamt, s.acct_pay, s.psn_cash_pay, s.hosp_part_amt, JSON.stringify(s), JSON.stringify(w.setldetail),
      JSON.stringify(w.increments), JSON.stringify(w.explanation), w.msgid, w.line_sns, w.visit_status,
      w.eligibility === null ? null : JSON.stringify(w.eligibility), JSON.stringify(w.acc), w.settlements_delta, accountsJson(t), t.reverses, t.amount, legsJson(t),
      month, owed, cross, t.key, JSON.stringify(byFund), w.inputs === null ? null : JSON.stringify(w.inputs),
    ] });
  if (w.federation) await insertFederationRecord(q, w.federation, w.setl_time);
  await atCommit(q, LEDGER_BALANCES, balanceRows(t.changes, w.shard));
}

/** Whether the visit has a settlement that is not cancelled (a stay's mid-stay ones included). */
export async function hasStandingSettlement(q: Queryable, mdtrtId: string): Promise<boolean> {
  const r = await q.query(`SELECT 1 FROM settlements WHERE mdtrt_id = $1 AND kind = 'settle' AND status = 'settled' LIMIT 1`, [mdtrtId]);
  return (r.rowCount ?? 0) > 0;
}

export interface StoredSettlement {
  setl_id: string;
  kind: 'settle' | 'cancel';
  orig_setl_id: string | null;
  status: 'settled' | 'cancelled';
  mdtrt_id: string;
  psn_no: string;
  fixmedins_code: string;
  insuplc_admdvs: string;
  mdtrtarea_admvs: string;
  insutype: string;
  psn_type: string;
  med_type: string;
  clr_type: string;
  mid_setl: boolean;
  setl_time: Date;
  setl_year: number;
  cross_region_status: string;
  policy_id: string;
  policy_version: number;
  setlinfo: Settlement['setlinfo'];
  setldetail: Settlement['setldetail'];
  increments: Accumulators;
  explanation: Obj;
  msgid: string;
}

export const SETTLEMENT_COLUMNS = `setl_id, kind, orig_setl_id, status, mdtrt_id, psn_no, fixmedins_code, insuplc_admdvs, mdtrtarea_admvs, insutype, psn_type,
  med_type, clr_type, mid_setl, setl_time, setl_year, cross_region_status, policy_id, policy_version, setlinfo, setldetail, increments, explanation, msgid`;

export async function findSettlement(q: Queryable, setlId: string, lock = false): Promise<StoredSettlement | undefined> {
  const r = await q.query<StoredSettlement>(`SELECT ${SETTLEMENT_COLUMNS} FROM settlements WHERE setl_id = $1${lock ? ' FOR UPDATE' : ''}`, [setlId]);
  return r.rows[0];
}

/** Whether a stay has a standing settlement later than this one (setl_id comes from one sequence). */
export async function hasLaterStandingSettlement(q: Queryable, mdtrtId: string, setlId: string): Promise<boolean> {
  const later = await q.query(`SELECT 1 FROM settlements WHERE mdtrt_id = $1 AND kind = 'settle' AND status = 'settled' AND setl_id::bigint > $2::bigint`, [mdtrtId, setlId]);
  return (later.rowCount ?? 0) > 0;
}

/** The ledger transfer a settlement made (the one its cancellation reverses). */
export async function settlementTransferId(q: Queryable, setlId: string): Promise<number> {
  return (await q.query<{ id: number }>(`SELECT id FROM ledger_transfers WHERE key = $1`, [settlementKey(setlId)])).rows[0]!.id;
}

export async function nextSettlementSerial(q: Queryable): Promise<number> {
  return (await q.query<{ n: number }>(`SELECT nextval('settlement_serial') AS n`)).rows[0]!.n;
}

/** The fee lines a settlement priced. */
export async function settledLineSns(q: Queryable, mdtrtId: string, setlId: string): Promise<string[]> {
  return (await q.query<{ feedetl_sn: string }>(`SELECT feedetl_sn FROM fee_lines WHERE mdtrt_id = $1 AND setl_id = $2`, [mdtrtId, setlId])).rows.map((r) => r.feedetl_sn);
}

/** A settlement's or cancellation's ledger key: its setl_id, one transfer each. */
export function settlementKey(setlId: string): string {
  return `setl:${setlId}`;
}

/** A cancelled pharmacy sale's lines end with it. */
export async function cancelVisitLines(q: Queryable, mdtrtId: string): Promise<void> {
  await q.query(`UPDATE fee_lines SET status = 'cancelled' WHERE mdtrt_id = $1`, [mdtrtId]);
}
