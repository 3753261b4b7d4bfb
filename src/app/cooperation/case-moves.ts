import { chinaDate, type IsoDate, type WorkingCalendar } from '../../engine/calendar.ts';
import { CASE_MACHINE, clockOf, deadlineOf, planMove, type CaseKind, type DeadlineFacts } from '../../engine/cases.ts';
import { assertInvariant } from '../../engine/errors.ts';
import { actorLabel, type Actor } from '../../store/audit.ts';
import { addCaseEvidence, insertCase, insertCaseEvent, updateCaseState, type CaseRow, type Evidence } from '../../store/cooperation/cases.ts';
import type { Queryable } from '../../store/db.ts';

// The two primitive moves of the case machine: open a case and move it, each checked against
// the machine (src/engine/cases.ts), recorded as an event, the new state's deadline set in
// working days. ./cases.ts wraps the move so that an application opened on a review case
// follows it; src/app/service moves applications with these directly (no cycle).

/** What a move into an open state needs to set its clock. */
export interface ClockInputs {
  calendar: WorkingCalendar;
  facts: DeadlineFacts;
}

export interface OpenCase {
  kind: CaseKind;
  number: string;
  region: string;
  psnNo: string | null;
  /** The state the case opens in (the machine's `submit` moves say which it may open in, and for whom). */
  to: string;
  comment: string | null;
  evidence?: readonly Evidence[];
  clock?: ClockInputs;
}

function clockFor(kind: CaseKind, state: string, today: IsoDate, clock: ClockInputs | undefined): { due_on: IsoDate | null; remind_on: IsoDate | null } {
  if (!clockOf(kind, state)) return { due_on: null, remind_on: null };
  assertInvariant(clock, `entering ${kind}.${state} needs a calendar and the deadline's facts`);
  const d = deadlineOf(kind, state, clock.calendar, today, clock.facts)!;
  return { due_on: d.due, remind_on: d.remindOn };
}

/** Opens a case: the opening move, its event and evidence, and the first state's clock. */
export async function openCase(c: Queryable, now: Date, actor: Actor, o: OpenCase): Promise<CaseRow> {
  const move = 'submit';
  const step = planMove(o.kind, null, move, actor, o.to);
  const clock = clockFor(o.kind, step.to, chinaDate(now), o.clock);
  const row = await insertCase(c, { kind: o.kind, number: o.number, region: o.region, psn_no: o.psnNo, state: step.to, opened_at: now, ...clock });
  if (o.evidence && o.evidence.length > 0) await addCaseEvidence(c, row.id, now, actorLabel(actor), o.evidence);
  await insertCaseEvent(c, { case_id: row.id, at: now, actor: actorLabel(actor), move, from_state: null, to_state: step.to, comment: o.comment });
  return row;
}

/**
 * Moves a case: refused (409 naming the subject's number) unless the machine allows the move
 * from the case's state, and (403) unless the actor may make it. Records the event; a new open
 * state gets its deadline and reminder, a closed one stops the clock. Returns the state reached
 * and the status the subject's row shows for it.
 */
export async function moveCaseOnly(
  c: Queryable,
  now: Date,
  actor: Actor,
  kase: CaseRow,
  move: string,
  opts: { to?: string; comment: string | null; clock?: ClockInputs },
): Promise<{ from: string; to: string; status: string; case: CaseRow }> {
  const step = planMove(kase.kind, kase.state, move, actor, opts.to);
  // a move within the same state (escalate, a late check, a renewal) keeps the state and its clock
  let next = kase;
  if (step.to !== kase.state) {
    const clock = clockFor(kase.kind, step.to, chinaDate(now), opts.clock);
    await updateCaseState(c, kase.id, now, step.to, clock);
    next = { ...kase, state: step.to, due_on: clock.due_on, remind_on: clock.remind_on, reminded_at: null, closed_at: clock.due_on === null ? now : null };
  }
  await insertCaseEvent(c, { case_id: kase.id, at: now, actor: actorLabel(actor), move, from_state: kase.state, to_state: step.to, comment: opts.comment });
  return { from: kase.state, to: step.to, status: CASE_MACHINE[kase.kind].status(step.to), case: next };
}

