import type { IsoDate } from '../../engine/calendar.ts';
import { regionPatterns } from '../cooperation/cases.ts';
import type { Queryable } from '../db.ts';

// Supervision cases (024_supervision_cases.sql) as rows: the case's own facts beside the case
// machine's row (cases, kind 'supervision'), the findings it holds, the funds its settlements
// paid, and the suspensions of direct settlement with the institution's flag. SQL only: the
// moves are src/engine/cases.ts, applying them src/app/supervision/cases.ts.

export interface SupervisionCaseRow {
  case_id: number;
  case_no: string;
  fixmedins_code: string;
  fixmedins_name: string;
  admdvs: string;
  amount_fen: number;
  opened_by: string;
  first_reviewed_by: string | null;
  appeal: Record<string, unknown> | null;
  decision: Record<string, unknown> | null;
  decided_at: Date | null;
  decided_by: string | null;
  recovery_fen: number;
  penalty_fen: number;
  recovery_transfer: number | null;
}

const SELECT_SUPERVISION = `SELECT s.case_id::int, s.case_no, s.fixmedins_code, i.fixmedins_name, s.admdvs, s.amount_fen, s.opened_by, s.first_reviewed_by,
       s.appeal, s.decision, s.decided_at, s.decided_by, s.recovery_fen, s.penalty_fen, s.recovery_transfer::int
  FROM supervision_cases s JOIN institutions i ON i.fixmedins_code = s.fixmedins_code`;

export async function nextSupervisionSerial(q: Queryable): Promise<number> {
  return Number((await q.query<{ n: string }>(`SELECT nextval('supervision_case_serial')::text AS n`)).rows[0]!.n);
}

export async function insertSupervisionCase(q: Queryable, r: { case_id: number; case_no: string; fixmedins_code: string; admdvs: string; amount_fen: number; opened_by: string }): Promise<void> {
  await q.query(`INSERT INTO supervision_cases (case_id, case_no, fixmedins_code, admdvs, amount_fen, opened_by) VALUES ($1, $2, $3, $4, $5, $6)`, [
    r.case_id, r.case_no, r.fixmedins_code, r.admdvs, r.amount_fen, r.opened_by,
  ]);
}

export async function findSupervisionCase(q: Queryable, caseNo: string): Promise<SupervisionCaseRow | undefined> {
  return (await q.query<SupervisionCaseRow>(`${SELECT_SUPERVISION} WHERE s.case_no = $1`, [caseNo])).rows[0];
}

export async function setFirstReviewer(q: Queryable, caseId: number, by: string | null): Promise<void> {
  await q.query(`UPDATE supervision_cases SET first_reviewed_by = $2 WHERE case_id = $1`, [caseId, by]);
}

export async function setAppeal(q: Queryable, caseId: number, appeal: Record<string, unknown>): Promise<void> {
  await q.query(`UPDATE supervision_cases SET appeal = $2 WHERE case_id = $1`, [caseId, JSON.stringify(appeal)]);
}

export async function writeDecision(
  q: Queryable,
  caseId: number,
  d: { decision: Record<string, unknown>; at: Date; by: string; recovery_fen: number; penalty_fen: number; recovery_transfer: number | null },
): Promise<void> {
  await q.query(
    `UPDATE supervision_cases SET decision = $2, decided_at = $3, decided_by = $4, recovery_fen = $5, penalty_fen = $6, recovery_transfer = $7 WHERE case_id = $1`,
    [caseId, JSON.stringify(d.decision), d.at, d.by, d.recovery_fen, d.penalty_fen, d.recovery_transfer],
  );
}

// ---- findings ----------------------------------------------------------------------------

export interface CaseFindingRow {
  id: number;
  status: 'open' | 'in_case' | 'closed';
  case_id: number | null;
  case_no: string | null;
  rule_code: string;
  rule_type: string;
  severity: string;
  mdtrt_id: string;
  setl_id: string | null;
  psn_no: string;
  fixmedins_code: string;
  mdtrtarea_admvs: string;
  insuplc_admdvs: string;
  institution_admdvs: string;
  lines: string[];
  related: string[];
  amount_fen: number;
  vola_cont: { zh: string; en: string };
  found_at: Date;
}

const SELECT_FINDING = `SELECT f.id::int, f.status, f.case_id::int, c.number AS case_no, f.rule_code, f.rule_type, f.severity, f.mdtrt_id, f.setl_id, f.psn_no,
       f.fixmedins_code, f.mdtrtarea_admvs, f.insuplc_admdvs, i.admdvs AS institution_admdvs, f.lines, f.related, f.amount_fen, f.vola_cont, f.found_at
  FROM supervision_findings f JOIN institutions i ON i.fixmedins_code = f.fixmedins_code LEFT JOIN cases c ON c.id = f.case_id`;

/** The findings named, locked (a finding goes into one case only), in the order asked. */
export async function lockFindings(q: Queryable, ids: readonly number[]): Promise<CaseFindingRow[]> {
  await q.query(`SELECT 1 FROM supervision_findings WHERE id = ANY($1::bigint[]) ORDER BY id FOR UPDATE`, [ids]);
  return (await q.query<CaseFindingRow>(`${SELECT_FINDING} WHERE f.id = ANY($1::bigint[]) ORDER BY f.id`, [ids])).rows;
}

export async function caseFindings(q: Queryable, caseId: number): Promise<CaseFindingRow[]> {
  return (await q.query<CaseFindingRow>(`${SELECT_FINDING} WHERE f.case_id = $1 ORDER BY f.id`, [caseId])).rows;
}

export async function takeFindingsIntoCase(q: Queryable, caseId: number, ids: readonly number[]): Promise<void> {
  await q.query(`UPDATE supervision_findings SET status = 'in_case', case_id = $1 WHERE id = ANY($2::bigint[]) AND status = 'open'`, [caseId, ids]);
}

/** The case's findings close with it (they keep its id). */
export async function closeCaseFindings(q: Queryable, caseId: number, reason: string): Promise<void> {
  await q.query(`UPDATE supervision_findings SET status = 'closed', closed_reason = $2 WHERE case_id = $1 AND status = 'in_case'`, [caseId, reason]);
}

/** What one settlement's funds paid, per fund type (the personal account's 310200 and cash excluded by the caller). */
export interface SettlementFunds {
  setl_id: string;
  fixmedins_code: string;
  insuplc_admdvs: string;
  mdtrtarea_admvs: string;
  funds: { fund_pay_type: string; fund_payamt: number }[];
}

/**
 * What the funds paid on the standing settlements of a case's findings (a cancelled one has
 * already given its fund back), per fund type, each settlement once.
 */
export async function fundsPaidOfCase(q: Queryable, caseId: number): Promise<SettlementFunds[]> {
  const r = await q.query<{ setl_id: string; fixmedins_code: string; insuplc_admdvs: string; mdtrtarea_admvs: string; setldetail: { fund_pay_type: string; fund_payamt: number }[] }>(
    `SELECT s.setl_id, s.fixmedins_code, s.insuplc_admdvs, s.mdtrtarea_admvs, s.setldetail
       FROM settlements s
      WHERE s.kind = 'settle' AND s.status = 'settled'
        AND s.setl_id IN (SELECT setl_id FROM supervision_findings WHERE case_id = $1 AND setl_id IS NOT NULL)
      ORDER BY s.setl_id`,
    [caseId],
  );
  return r.rows.map((s) => ({
    setl_id: s.setl_id, fixmedins_code: s.fixmedins_code, insuplc_admdvs: s.insuplc_admdvs, mdtrtarea_admvs: s.mdtrtarea_admvs,
    funds: s.setldetail.map((d) => ({ fund_pay_type: d.fund_pay_type, fund_payamt: Number(d.fund_payamt) })),
  }));
}

/**
 * A recovery's shares of other regions' insured people's settlements, as negative rows of
 * cross_region_owed (migration 027), one per settlement: the next clearing run of the pair
 * carries them as a cancellation's row is carried, so paying the statement leaves the two
 * regions' mutual accounts even. Only the shares the recovery legs sent through those accounts
 * (insured region ≠ treatment region, the rule of recoveryLegs); dated `at`, the month of `at`.
 */
export async function insertRecoveryOwed(
  q: Queryable,
  r: { case_no: string; key: string; at: Date; month: string; shares: readonly { setl_id: string; fund_pay_type: string; amount_fen: number }[] },
): Promise<number> {
  if (r.shares.length === 0) return 0;
  const w = await q.query(
    `INSERT INTO cross_region_owed (setl_id, insuplc_admdvs, mdtrtarea_admvs, fixmedins_code, clr_month, amount_fen, setl_time, orig_setl_id, insutype, by_fund, recovery_key)
     SELECT $1 || ':' || s.setl_id, s.insuplc_admdvs, s.mdtrtarea_admvs, s.fixmedins_code, $2, -x.amount, $3, s.setl_id, s.insutype, x.by_fund, $4
       FROM (SELECT setl_id, sum(amount_fen)::bigint AS amount, jsonb_object_agg(fund_pay_type, -amount_fen) AS by_fund
               FROM (SELECT setl_id, fund_pay_type, sum(amount_fen) AS amount_fen
                       FROM jsonb_to_recordset($5::jsonb) AS x(setl_id text, fund_pay_type text, amount_fen bigint) GROUP BY 1, 2) per_fund
              GROUP BY setl_id) x
       JOIN settlements s ON s.setl_id = x.setl_id
      WHERE s.insuplc_admdvs <> s.mdtrtarea_admvs`,
    [r.case_no, r.month, r.at, r.key, JSON.stringify(r.shares)],
  );
  return w.rowCount ?? 0;
}

// ---- suspensions -------------------------------------------------------------------------

export interface SuspensionRow {
  id: number;
  fixmedins_code: string;
  case_id: number;
  begins_on: IsoDate;
  ends_on: IsoDate | null;
  created_at: Date;
  created_by: string;
  lifted_at: Date | null;
  lifted_by: string | null;
  lift_reason: string | null;
}

const SELECT_SUSPENSION = `SELECT id::int, fixmedins_code, case_id::int, begins_on, ends_on, created_at, created_by, lifted_at, lifted_by, lift_reason FROM institution_suspensions`;

export async function insertSuspension(q: Queryable, s: { fixmedins_code: string; case_id: number; begins_on: IsoDate; ends_on: IsoDate | null; at: Date; by: string }): Promise<SuspensionRow> {
  return (await q.query<SuspensionRow>(
    `INSERT INTO institution_suspensions (fixmedins_code, case_id, begins_on, ends_on, created_at, created_by) VALUES ($1, $2, $3, $4, $5, $6)
     RETURNING id::int, fixmedins_code, case_id::int, begins_on, ends_on, created_at, created_by, lifted_at, lifted_by, lift_reason`,
    [s.fixmedins_code, s.case_id, s.begins_on, s.ends_on, s.at, s.by],
  )).rows[0]!;
}

export async function caseSuspension(q: Queryable, caseId: number, lock = false): Promise<SuspensionRow | undefined> {
  return (await q.query<SuspensionRow>(`${SELECT_SUSPENSION} WHERE case_id = $1${lock ? ' FOR UPDATE' : ''}`, [caseId])).rows[0];
}

export async function liftSuspensionRow(q: Queryable, id: number, at: Date, by: string, reason: string): Promise<void> {
  await q.query(`UPDATE institution_suspensions SET lifted_at = $2, lifted_by = $3, lift_reason = $4 WHERE id = $1`, [id, at, by, reason]);
}

/**
 * The institution's flag from its suspensions in force on `day` (not lifted, not ended):
 * the last day suspended, 'infinity' while one runs until lifted, NULL when none. Returns it.
 */
export async function refreshSuspensionFlag(q: Queryable, fixmedinsCode: string, day: IsoDate): Promise<string | null> {
  const r = await q.query<{ until: string | null }>(
    `UPDATE institutions SET direct_settlement_suspended_until = (
        SELECT max(coalesce(ends_on, 'infinity'::date)) FROM institution_suspensions
         WHERE fixmedins_code = $1 AND lifted_at IS NULL AND coalesce(ends_on, 'infinity'::date) >= $2::date)
      WHERE fixmedins_code = $1 RETURNING direct_settlement_suspended_until AS until`,
    [fixmedinsCode, day],
  );
  return r.rows[0]?.until ?? null;
}

/** The institution's flag as it stands: the last day its direct settlement is suspended ('infinity': until lifted), or null. */
export async function suspendedUntil(q: Queryable, fixmedinsCode: string): Promise<string | null> {
  return (await q.query<{ until: string | null }>(`SELECT direct_settlement_suspended_until AS until FROM institutions WHERE fixmedins_code = $1`, [fixmedinsCode])).rows[0]?.until ?? null;
}

// ---- the queue ---------------------------------------------------------------------------

export interface SupervisionQueueRow {
  case_no: string;
  state: string;
  fixmedins_code: string;
  fixmedins_name: string;
  admdvs: string;
  amount_fen: number;
  findings: number;
  opened_at: Date;
  due_on: IsoDate | null;
  overdue: boolean;
  escalation_level: number;
  recovery_fen: number;
}

/**
 * Supervision cases of the regions (each covering the divisions under it; undefined: all) or
 * of one institution, optionally in some states; open ones earliest deadline first, then the
 * closed newest first.
 */
export async function supervisionQueue(q: Queryable, f: { regions?: readonly string[] | undefined; fixmedins_code?: string | undefined; states?: readonly string[] | undefined; asOf: IsoDate; limit?: number }): Promise<SupervisionQueueRow[]> {
  const r = await q.query<SupervisionQueueRow>(
    `SELECT s.case_no, c.state, s.fixmedins_code, i.fixmedins_name, s.admdvs, s.amount_fen,
            (SELECT count(*)::int FROM supervision_findings f WHERE f.case_id = s.case_id) AS findings,
            c.opened_at, c.due_on, coalesce(c.due_on < $4::date, false) AS overdue, c.escalation_level, s.recovery_fen
       FROM supervision_cases s JOIN cases c ON c.id = s.case_id JOIN institutions i ON i.fixmedins_code = s.fixmedins_code
      WHERE ($1::text[] IS NULL OR s.admdvs LIKE ANY($1::text[])) AND ($2::text IS NULL OR s.fixmedins_code = $2)
        AND ($3::text[] IS NULL OR c.state = ANY($3::text[]))
      ORDER BY c.due_on IS NULL, c.due_on, c.opened_at DESC, s.case_id DESC LIMIT $5`,
    [regionPatterns(f.regions), f.fixmedins_code ?? null, f.states ?? null, f.asOf, f.limit ?? 500],
  );
  return r.rows;
}

/** Case numbers of supervision cases in their appeal window whose deadline has passed by `asOf`, in the regions given (undefined: all). */
export async function lapsedAppeals(q: Queryable, asOf: IsoDate, regions?: readonly string[]): Promise<string[]> {
  const r = await q.query<{ number: string }>(
    `SELECT number FROM cases WHERE kind = 'supervision' AND state = 'appeal' AND due_on < $1::date
        AND ($2::text[] IS NULL OR region LIKE ANY($2::text[])) ORDER BY due_on, id`,
    [asOf, regionPatterns(regions)],
  );
  return r.rows.map((x) => x.number);
}
