import type { IsoDate } from '../../engine/calendar.ts';
import type { CaseKind } from '../../engine/cases.ts';
import { notFound } from '../../engine/errors.ts';
import { regionPrefix } from '../auth/principal.ts';
import type { Queryable } from '../db.ts';

// Cases (办件) as rows: the one table of every kind's workflow (state, deadline, reminder,
// escalation), its events, evidence and comments, and the one queue query. SQL only: which
// moves are allowed is src/engine/cases.ts, applying one is src/app/cooperation/cases.ts.

export interface CaseRow {
  id: number;
  kind: CaseKind;
  number: string;
  region: string;
  psn_no: string | null;
  state: string;
  opened_at: Date;
  due_on: IsoDate | null;
  remind_on: IsoDate | null;
  reminded_at: Date | null;
  escalation_level: number;
  escalated_at: Date | null;
  closed_at: Date | null;
}

const SELECT_CASE = `SELECT id::int, kind, number, region, psn_no, state, opened_at, due_on, remind_on, reminded_at, escalation_level, escalated_at, closed_at FROM cases`;

export async function findCase(q: Queryable, kind: CaseKind, number: string, lock = false): Promise<CaseRow | undefined> {
  return (await q.query<CaseRow>(`${SELECT_CASE} WHERE kind = $1 AND number = $2${lock ? ' FOR UPDATE' : ''}`, [kind, number])).rows[0];
}

export async function getCase(q: Queryable, kind: CaseKind, number: string, field: string, lock = false): Promise<CaseRow> {
  const row = await findCase(q, kind, number, lock);
  if (!row) throw notFound(field, '查无此办件', 'no such case');
  return row;
}

export type NewCase = Pick<CaseRow, 'kind' | 'number' | 'region' | 'psn_no' | 'state' | 'opened_at' | 'due_on' | 'remind_on'>;

export async function insertCase(q: Queryable, c: NewCase): Promise<CaseRow> {
  const r = await q.query<CaseRow>(
    `INSERT INTO cases (kind, number, region, psn_no, state, opened_at, due_on, remind_on, closed_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, CASE WHEN $7::date IS NULL THEN $6::timestamptz END)
     RETURNING id::int, kind, number, region, psn_no, state, opened_at, due_on, remind_on, reminded_at, escalation_level, escalated_at, closed_at`,
    [c.kind, c.number, c.region, c.psn_no, c.state, c.opened_at, c.due_on, c.remind_on],
  );
  return r.rows[0]!;
}

/** A case's new state: entering an open state sets its clock (and a fresh reminder); entering a closed one stops it. */
export async function updateCaseState(q: Queryable, id: number, at: Date, state: string, clock: { due_on: IsoDate | null; remind_on: IsoDate | null }): Promise<void> {
  await q.query(
    `UPDATE cases SET state = $2, due_on = $3, remind_on = $4, reminded_at = NULL,
       closed_at = CASE WHEN $3::date IS NULL THEN $5::timestamptz END WHERE id = $1`,
    [id, state, clock.due_on, clock.remind_on, at],
  );
}

export async function insertCaseEvent(q: Queryable, e: { case_id: number; at: Date; actor: string; move: string; from_state: string | null; to_state: string; comment: string | null }): Promise<void> {
  await q.query('INSERT INTO case_events (case_id, at, actor, move, from_state, to_state, comment) VALUES ($1, $2, $3, $4, $5, $6, $7)', [
    e.case_id, e.at, e.actor, e.move, e.from_state, e.to_state, e.comment,
  ]);
}

export interface CaseEventRow {
  at: Date;
  actor: string;
  move: string;
  from_state: string | null;
  to_state: string;
  comment: string | null;
}

export async function caseEvents(q: Queryable, caseId: number): Promise<CaseEventRow[]> {
  return (await q.query<CaseEventRow>('SELECT at, actor, move, from_state, to_state, comment FROM case_events WHERE case_id = $1 ORDER BY id', [caseId])).rows;
}

export interface Evidence {
  kind: string;
  ref: string;
  description?: string | null;
}

export async function addCaseEvidence(q: Queryable, caseId: number, at: Date, by: string, evidence: readonly Evidence[]): Promise<void> {
  for (const e of evidence) {
    await q.query('INSERT INTO case_evidence (case_id, kind, ref, description, added_at, added_by) VALUES ($1, $2, $3, $4, $5, $6)', [caseId, e.kind, e.ref, e.description ?? null, at, by]);
  }
}

export async function caseEvidence(q: Queryable, caseId: number): Promise<{ kind: string; ref: string; description: string | null }[]> {
  return (await q.query<{ kind: string; ref: string; description: string | null }>('SELECT kind, ref, description FROM case_evidence WHERE case_id = $1 ORDER BY id', [caseId])).rows;
}

export async function addCaseComment(q: Queryable, caseId: number, at: Date, actor: string, body: string): Promise<void> {
  await q.query('INSERT INTO case_comments (case_id, at, actor, body) VALUES ($1, $2, $3, $4)', [caseId, at, actor, body]);
}

export async function caseComments(q: Queryable, caseId: number): Promise<{ at: Date; actor: string; body: string }[]> {
  return (await q.query<{ at: Date; actor: string; body: string }>('SELECT at, actor, body FROM case_comments WHERE case_id = $1 ORDER BY id', [caseId])).rows;
}

/** LIKE patterns for staff regions (a province covers its cities, a city its counties); none: everywhere. */
export function regionPatterns(regions: readonly string[] | undefined): string[] | null {
  return regions === undefined ? null : regions.map((r) => `${regionPrefix(r)}%`);
}

export interface QueueFilter {
  kinds: readonly CaseKind[];
  /** The open states of those kinds (the engine's openStates). */
  states: readonly string[];
  /** One insured place exactly (the queue's `insuplc_admdvs` argument). */
  insuplc?: string | undefined;
  /** A staff member's regions, each covering the divisions under it; undefined: all. */
  regions?: readonly string[] | undefined;
  asOf: IsoDate;
}

export interface QueueRow {
  id: number;
  kind: CaseKind;
  number: string;
  region: string;
  psn_no: string | null;
  state: string;
  due_on: IsoDate;
  overdue: boolean;
  escalation_level: number;
  opened_at: Date;
  // the subject's columns a queue item shows
  filing_kind: string | null;
  mdtrtarea_admdvs: string | null;
  review_due: IsoDate | null;
  opsp_dise_code: string | null;
  opsp_dise_name: string | null;
}

/**
 * The one queue: open cases of the kinds asked, in the regions asked (in SQL), earliest
 * deadline first, each with its overdue flag against `asOf`.
 */
export async function caseQueue(q: Queryable, f: QueueFilter): Promise<QueueRow[]> {
  const r = await q.query<QueueRow>(
    `SELECT c.id::int, c.kind, c.number, c.region, c.psn_no, c.state, c.due_on, c.due_on < $4::date AS overdue, c.escalation_level, c.opened_at,
            fl.kind AS filing_kind, fl.mdtrtarea_admdvs, rc.review_due, rc.opsp_dise_code, rc.opsp_dise_name
       FROM cases c
       LEFT JOIN filings fl ON c.kind = 'filing_review' AND fl.filing_no = c.number
       LEFT JOIN recognitions rc ON c.kind = 'recognition_review' AND rc.recognition_no = c.number
      WHERE c.due_on IS NOT NULL AND c.kind = ANY($1::text[]) AND c.state = ANY($2::text[])
        AND ($3::text IS NULL OR c.region = $3) AND ($5::text[] IS NULL OR c.region LIKE ANY($5::text[]))
      ORDER BY c.due_on, c.opened_at, c.id LIMIT 1000`,
    [f.kinds, f.states, f.insuplc ?? null, f.asOf, regionPatterns(f.regions)],
  );
  return r.rows;
}

/**
 * Raises by one level every open case of `states` past its deadline in the regions given,
 * at most once a day; returns the cases escalated.
 */
export async function escalateCases(q: Queryable, now: Date, f: { kinds: readonly CaseKind[]; states: readonly string[]; asOf: IsoDate; regions: readonly string[] | undefined }): Promise<CaseRow[]> {
  const r = await q.query<CaseRow>(
    `UPDATE cases SET escalation_level = escalation_level + 1, escalated_at = $2
      WHERE due_on IS NOT NULL AND kind = ANY($3::text[]) AND state = ANY($4::text[]) AND due_on < $1::date
        AND ($5::text[] IS NULL OR region LIKE ANY($5::text[]))
        AND (escalated_at IS NULL OR (escalated_at AT TIME ZONE 'Asia/Shanghai')::date < $1::date)
      RETURNING id::int, kind, number, region, psn_no, state, opened_at, due_on, remind_on, reminded_at, escalation_level, escalated_at, closed_at`,
    [f.asOf, now, f.kinds, f.states, regionPatterns(f.regions)],
  );
  return r.rows.sort((a, b) => a.id - b.id);
}

/** Open cases whose reminder day has come and whose deadline has not passed, reminder not yet sent; marked sent. */
export async function takeDueReminders(q: Queryable, now: Date, asOf: IsoDate, regions: readonly string[] | undefined): Promise<CaseRow[]> {
  const r = await q.query<CaseRow>(
    `UPDATE cases SET reminded_at = $2
      WHERE due_on IS NOT NULL AND reminded_at IS NULL AND remind_on <= $1::date AND due_on >= $1::date
        AND ($3::text[] IS NULL OR region LIKE ANY($3::text[]))
      RETURNING id::int, kind, number, region, psn_no, state, opened_at, due_on, remind_on, reminded_at, escalation_level, escalated_at, closed_at`,
    [asOf, now, regionPatterns(regions)],
  );
  return r.rows.sort((a, b) => a.id - b.id);
}
