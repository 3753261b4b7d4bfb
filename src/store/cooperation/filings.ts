import type { IsoDate } from '../../engine/calendar.ts';
import { CASE_MACHINE, clockOf, openStates } from '../../engine/cases.ts';
import { notFound } from '../../engine/errors.ts';
import type { FilerType, FilingFact, FilingKind, FilingStatus } from '../../engine/filing-rules.ts';
import type { Queryable } from '../db.ts';
import { caseQueue } from './cases.ts';

// Filings for care elsewhere (异地就医备案) as rows: reads, the queue's items, and the writes the
// use cases of src/app/cooperation/filings.ts make. A filing's review is a case
// (src/store/cooperation/cases.ts): its events, evidence and escalation live there.

export interface FilingRow {
  filing_no: string;
  psn_no: string;
  insuplc_admdvs: string;
  mdtrtarea_admdvs: string;
  kind: FilingKind;
  term: 'long_term' | 'temporary';
  begndate: IsoDate;
  enddate: IsoDate | null;
  status: FilingStatus;
  commitment: boolean;
  commitment_check: 'pending' | 'verified' | 'failed' | null;
  commitment_check_due: IsoDate | null;
  filer_type: FilerType;
  filer_id: string;
  fixmedins_code: string | null;
  submitted_at: Date;
  review_due: IsoDate | null;
  escalation_level: number;
  effective_on: IsoDate | null;
  decided_by: string | null;
  decision_reason: string | null;
  revoked_on: IsoDate | null;
  replaces_filing_no: string | null;
  id: number;
}

const SELECT_FILING = `SELECT f.id::int, f.filing_no, f.psn_no, f.insuplc_admdvs, f.mdtrtarea_admdvs, f.kind, f.term, f.begndate, f.enddate,
  f.status, f.commitment, f.commitment_check, f.commitment_check_due, f.filer_type, f.filer_id, f.fixmedins_code, f.submitted_at,
  f.review_due, coalesce((SELECT k.escalation_level FROM cases k WHERE k.kind = 'filing_review' AND k.number = f.filing_no), 0) AS escalation_level,
  f.effective_on, f.decided_by, f.decision_reason, f.revoked_on,
  (SELECT r.filing_no FROM filings r WHERE r.id = f.replaces_id) AS replaces_filing_no
  FROM filings f`;

type FactColumns = 'filing_no' | 'kind' | 'status' | 'insuplc_admdvs' | 'mdtrtarea_admdvs' | 'begndate' | 'enddate' | 'effective_on' | 'revoked_on' | 'fixmedins_code';

/**
 * A person's filings, only the columns toFilingFact reads, as one JSON array (dates stay
 * yyyy-mm-dd): an expression for a statement that reads more than filings. `param` names the
 * person's psn_no, e.g. `$2`.
 */
export const filingFactsJson = (param: string): string =>
  `(SELECT coalesce(json_agg(x ORDER BY x.id), '[]') FROM (SELECT id, filing_no, kind, status, insuplc_admdvs, mdtrtarea_admdvs, begndate, enddate,
     effective_on, revoked_on, fixmedins_code FROM filings WHERE psn_no = ${param}) x)`;

export function toFilingFact(r: Pick<FilingRow, FactColumns>): FilingFact {
  return {
    filingNo: r.filing_no,
    kind: r.kind,
    status: r.status,
    insuplcAdmdvs: r.insuplc_admdvs,
    mdtrtareaAdmdvs: r.mdtrtarea_admdvs,
    begndate: r.begndate,
    enddate: r.enddate,
    effectiveOn: r.effective_on,
    revokedOn: r.revoked_on,
    fixmedinsCode: r.fixmedins_code,
  };
}

export async function filingsOf(q: Queryable, psnNo: string): Promise<FilingRow[]> {
  return (await q.query<FilingRow>(`${SELECT_FILING} WHERE f.psn_no = $1 ORDER BY f.id`, [psnNo])).rows;
}

export async function getFiling(q: Queryable, filingNo: string, lock = false): Promise<FilingRow> {
  const r = await q.query<FilingRow>(`${SELECT_FILING} WHERE f.filing_no = $1${lock ? ' FOR UPDATE OF f' : ''}`, [filingNo]);
  const row = r.rows[0];
  if (!row) throw notFound('filing_no', '查无此备案', 'no such filing');
  return row;
}

const FILING_CASE = "(SELECT id FROM cases WHERE kind = 'filing_review' AND number = $1)";

/** A filing with its case's evidence and events, the events in the filing's own words (its statuses). */
export async function filingDetail(q: Queryable, filingNo: string): Promise<{ filing: FilingRow; evidence: unknown[]; events: unknown[] }> {
  const filing = await getFiling(q, filingNo);
  const evidence = await q.query(`SELECT kind, ref, description FROM case_evidence WHERE case_id = ${FILING_CASE} ORDER BY id`, [filingNo]);
  const events = await q.query<{ at: Date; actor: string; move: string; from_state: string | null; to_state: string; comment: string | null }>(
    `SELECT at, actor, move, from_state, to_state, comment FROM case_events WHERE case_id = ${FILING_CASE} ORDER BY id`,
    [filingNo],
  );
  const status = CASE_MACHINE.filing_review.status;
  return {
    filing,
    evidence: evidence.rows,
    events: events.rows.map((e) => ({ at: e.at, actor: e.actor, action: e.move, from_status: e.from_state === null ? null : status(e.from_state), to_status: status(e.to_state), reason: e.comment })),
  };
}

export async function filingEvidence(q: Queryable, filingNo: string): Promise<{ kind: string; ref: string; description: string | null }[]> {
  return (await q.query<{ kind: string; ref: string; description: string | null }>(`SELECT kind, ref, description FROM case_evidence WHERE case_id = ${FILING_CASE} ORDER BY id`, [filingNo])).rows;
}

export async function institutionExists(q: Queryable, code: string): Promise<boolean> {
  return ((await q.query('SELECT 1 FROM institutions WHERE fixmedins_code = $1', [code])).rowCount ?? 0) > 0;
}

export async function nextFilingSerial(q: Queryable): Promise<number> {
  return (await q.query<{ n: number }>("SELECT nextval('filing_serial')::int AS n")).rows[0]!.n;
}

/** A new filing's row, with its columns as the use case decided them. */
export interface NewFiling {
  filing_no: string;
  psn_no: string;
  insuplc_admdvs: string;
  mdtrtarea_admdvs: string;
  kind: FilingKind;
  term: 'long_term' | 'temporary';
  begndate: IsoDate;
  enddate: IsoDate | null;
  filer_type: FilerType;
  filer_id: string;
  filer_name: string | null;
  consent_ref: string | null;
  fixmedins_code: string | null;
  referring_fixmedins_code: string | null;
  diag_code: string | null;
  diag_name: string | null;
  reason: string | null;
  mdtrt_id: string | null;
  tel: string | null;
  addr: string | null;
  commitment: boolean;
  commitment_check: 'pending' | null;
  commitment_check_due: IsoDate | null;
  status: FilingStatus;
  submitted_at: Date;
  review_due: IsoDate | null;
  effective_on: IsoDate | null;
  replaces_id: number | null;
}

export async function insertFilingRow(q: Queryable, f: NewFiling): Promise<void> {
  await q.query(
    `INSERT INTO filings (filing_no, psn_no, insuplc_admdvs, mdtrtarea_admdvs, kind, term, begndate, enddate, filer_type, filer_id, filer_name,
       consent_ref, fixmedins_code, referring_fixmedins_code, diag_code, diag_name, reason, mdtrt_id, tel, addr, commitment, commitment_check,
       commitment_check_due, status, submitted_at, review_due, effective_on, replaces_id)
     VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16,$17,$18,$19,$20,$21,$22,$23,$24,$25,$26,$27,$28)`,
    [
      f.filing_no, f.psn_no, f.insuplc_admdvs, f.mdtrtarea_admdvs, f.kind, f.term, f.begndate, f.enddate, f.filer_type, f.filer_id, f.filer_name,
      f.consent_ref, f.fixmedins_code, f.referring_fixmedins_code, f.diag_code, f.diag_name, f.reason, f.mdtrt_id, f.tel, f.addr, f.commitment,
      f.commitment_check, f.commitment_check_due, f.status, f.submitted_at, f.review_due, f.effective_on, f.replaces_id,
    ],
  );
}

export async function writeFilingDecision(q: Queryable, id: number, d: { status: FilingStatus; decided_by: string; decided_at: Date; decision_reason: string | null; effective_on: IsoDate | null }): Promise<void> {
  await q.query('UPDATE filings SET status = $2, decided_by = $3, decided_at = $4, decision_reason = $5, effective_on = $6 WHERE id = $1', [
    id, d.status, d.decided_by, d.decided_at, d.decision_reason, d.effective_on,
  ]);
}

/** A filing ended (revoked, superseded by a change). */
export async function writeFilingEnd(q: Queryable, id: number, e: { status: FilingStatus; revoked_on: IsoDate; revoked_by: string; revoke_reason: string | null }): Promise<void> {
  await q.query('UPDATE filings SET status = $2, revoked_on = $3, revoked_by = $4, revoke_reason = $5 WHERE id = $1', [id, e.status, e.revoked_on, e.revoked_by, e.revoke_reason]);
}

export async function writeCommitmentCheck(
  q: Queryable,
  id: number,
  c: { commitment_check: 'verified' | 'failed'; status: FilingStatus; revoked_on: IsoDate | null; revoked_by: string | null; revoke_reason: string | null },
): Promise<void> {
  await q.query('UPDATE filings SET commitment_check = $2, status = $3, revoked_on = $4, revoked_by = $5, revoke_reason = $6 WHERE id = $1', [
    id, c.commitment_check, c.status, c.revoked_on, c.revoked_by, c.revoke_reason,
  ]);
}

export interface QueueItem {
  filing_no: string;
  psn_no: string;
  kind: FilingKind;
  insuplc_admdvs: string;
  mdtrtarea_admdvs: string;
  task: 'review' | 'commitment_check';
  due: IsoDate;
  overdue: boolean;
  escalation_level: number;
  submitted_at: Date;
}

const FILING_OPEN = openStates(['filing_review']);

/**
 * The filing queue: pending reviews and due commitment checks, earliest deadline first, from
 * the one case queue. `insuplc` picks one insured place; `regions` (a staff member's) each
 * cover the divisions under them; neither: all.
 */
export async function reviewQueue(q: Queryable, asOf: IsoDate, insuplc?: string, regions?: readonly string[]): Promise<QueueItem[]> {
  const rows = await caseQueue(q, { kinds: ['filing_review'], states: FILING_OPEN, insuplc, regions, asOf });
  return rows.map((r) => ({
    filing_no: r.number,
    psn_no: r.psn_no!,
    kind: r.filing_kind as FilingKind,
    insuplc_admdvs: r.region,
    mdtrtarea_admdvs: r.mdtrtarea_admdvs!,
    task: clockOf('filing_review', r.state)!.task as QueueItem['task'],
    due: r.due_on,
    overdue: r.overdue,
    escalation_level: r.escalation_level,
    submitted_at: r.opened_at,
  }));
}
