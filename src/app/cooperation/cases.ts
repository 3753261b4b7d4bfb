import { chinaDate, isIsoDate, type IsoDate, type WorkingCalendar } from '../../engine/calendar.ts';
import { CASE_MACHINE, clockOf, deadlineOf, INVESTIGATION_ACTING_SIDE, planMove, type CaseKind, type DeadlineFacts } from '../../engine/cases.ts';
import { assertInvariant, invalid } from '../../engine/errors.ts';
import { actorLabel, writeAudit, type Actor } from '../../store/audit.ts';
import {
  addCaseComment,
  addCaseEvidence,
  caseComments,
  escalateCases,
  getCase,
  insertCase,
  insertCaseEvent,
  takeDueReminders,
  updateCaseState,
  type CaseRow,
  type Evidence,
} from '../../store/cooperation/cases.ts';
import { findPerson } from '../../store/cooperation/common.ts';
import { notify } from '../../store/cooperation/notifications.ts';
import { inTransaction, type Pool, type Queryable } from '../../store/db.ts';
import { sendStaffMessage } from '../../store/cooperation/staff-messages.ts';
import { escalateInvestigations, takeDueInvestigationReminders, type InvestigationClockRow } from '../../store/supervision/investigations.ts';

// The one move function of the case machine (src/engine/cases.ts): every state change of a
// filing or recognition review goes through openCase or moveCase, which check the move against
// the machine, record the event, set the new state's deadline in working days on the insured
// place's calendar and schedule its reminder. The subject's row (filings, recognitions) keeps
// its status; the use case writes the status the machine gives for the new state.

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
export async function moveCase(
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

/** The subject a case kind's audit entries and answers name. */
const SUBJECT: Partial<Record<CaseKind, { audit: string; number: 'filing_no' | 'recognition_no' }>> = {
  filing_review: { audit: 'filing', number: 'filing_no' },
  recognition_review: { audit: 'recognition', number: 'recognition_no' },
};

/** The kinds on the queues today, with the states whose clocks escalate. */
const ESCALATING: { kinds: CaseKind[]; states: string[] } = (() => {
  const kinds = (Object.keys(SUBJECT) as CaseKind[]).filter((k) => CASE_MACHINE[k].inUse);
  const states = [...new Set(kinds.flatMap((k) => Object.entries(CASE_MACHINE[k].states).filter(([, s]) => s.clock?.escalates).map(([n]) => n)))];
  return { kinds, states };
})();

export type Escalated =
  | { filing_no: string; escalation_level: number }
  | { recognition_no: string; escalation_level: number }
  | { kind: 'supervision' | 'investigation_request'; case_no: string; escalation_level: number; notified: string };

/** The states of a kind whose clocks escalate. */
const escalatingStates = (kind: CaseKind): string[] => Object.entries(CASE_MACHINE[kind].states).filter(([, s]) => s.clock?.escalates).map(([n]) => n);

// Supervision cases and 协查 requests are worked by bureaus, not by a person: their reminders
// and escalations go to the staff inbox of the bureau that must act (a supervision case: the
// institution's region; a request: the side whose turn it is). staff_messages is UNIQUE per
// (region, subject) and the subject names the state, the deadline and the level, so a rerun
// sends nothing twice while a new deadline or level gets its own message.
const BUREAU_KINDS = { supervision: '基金监管案件', investigation_request: '异地协查请求' } as const;
const BUREAU_KINDS_EN = { supervision: 'Supervision case', investigation_request: 'Investigation request' } as const;

function actingRegion(kind: 'supervision' | 'investigation_request', region: string, inv?: InvestigationClockRow): string {
  if (kind === 'supervision' || !inv) return region;
  return INVESTIGATION_ACTING_SIDE[inv.state] === 'requesting' ? inv.requesting_admdvs : inv.answering_admdvs;
}

function bureauWords(kind: 'supervision' | 'investigation_request', no: string, state: string, due: IsoDate, what: 'remind' | 'escalate', level: number): { title: { zh: string; en: string }; body: { zh: string; en: string } } {
  const st = CASE_MACHINE[kind].states[state] ?? { zh: state, en: state };
  const task = clockOf(kind, state)?.task ?? state;
  return what === 'remind'
    ? {
        title: { zh: `${BUREAU_KINDS[kind]}即将到期`, en: `${BUREAU_KINDS_EN[kind]} due soon` },
        body: { zh: `${BUREAU_KINDS[kind]} ${no}（${st.zh}）须于 ${due} 前办理。`, en: `${BUREAU_KINDS_EN[kind]} ${no} (${st.en}) is due by ${due} (${task}).` },
      }
    : {
        title: { zh: `${BUREAU_KINDS[kind]}已逾期（督办 ${level} 级）`, en: `${BUREAU_KINDS_EN[kind]} overdue (escalation level ${level})` },
        body: { zh: `${BUREAU_KINDS[kind]} ${no}（${st.zh}）应于 ${due} 前办理，已逾期，请尽快处理。`, en: `${BUREAU_KINDS_EN[kind]} ${no} (${st.en}) was due by ${due} (${task}) and is overdue.` },
      };
}

/**
 * Escalates every overdue case once a day: level + 1, an `escalate` move, audit. Filings and
 * recognitions as before; supervision cases and 协查 requests also write one staff message to
 * the bureau that must act. `regions` (a supervisor's) limits it to their cases (a filing or
 * recognition insured there, a supervision case of an institution there, a request with either
 * side there); undefined: everywhere.
 */
export async function escalateOverdue(pool: Pool, now: Date, actor: Actor, asOf: IsoDate, regions?: readonly string[]): Promise<Escalated[]> {
  if (!isIsoDate(asOf)) throw invalid('as_of', '日期应为 yyyy-mm-dd', 'as_of must be yyyy-mm-dd');
  return inTransaction(pool, async (c) => {
    const rows = await escalateCases(c, now, { ...ESCALATING, asOf, regions });
    const out: Escalated[] = [];
    for (const row of rows) {
      const subject = SUBJECT[row.kind]!;
      const due = row.due_on!;
      await moveCase(c, now, actor, row, 'escalate', { comment: `逾期（应于 ${due} 前审核）/ overdue since ${due}` });
      await writeAudit(c, { actor: actorLabel(actor), now }, `${subject.audit}.escalate`, `${subject.audit}:${row.number}`, { escalation_level: row.escalation_level, review_due: due, as_of: asOf });
      out.push(subject.number === 'filing_no' ? { filing_no: row.number, escalation_level: row.escalation_level } : { recognition_no: row.number, escalation_level: row.escalation_level });
    }
    const bureau: { kind: 'supervision' | 'investigation_request'; row: CaseRow; inv?: InvestigationClockRow }[] = [
      ...(await escalateCases(c, now, { kinds: ['supervision'], states: escalatingStates('supervision'), asOf, regions })).map((row) => ({ kind: 'supervision' as const, row })),
    ];
    for (const inv of await escalateInvestigations(c, now, { states: escalatingStates('investigation_request'), asOf, regions })) {
      bureau.push({ kind: 'investigation_request', row: await getCase(c, 'investigation_request', inv.number, 'case_no'), inv });
    }
    for (const { kind, row, inv } of bureau) {
      const due = row.due_on!;
      const to = actingRegion(kind, row.region, inv);
      await moveCase(c, now, actor, row, 'escalate', { comment: `逾期（应于 ${due} 前办理）/ overdue since ${due}` });
      await sendStaffMessage(c, now, [to], { subject: `${kind}:${row.number}:escalate:${row.state}:${due}:${row.escalation_level}`, ...bureauWords(kind, row.number, row.state, due, 'escalate', row.escalation_level), urgent: true });
      await writeAudit(c, { actor: actorLabel(actor), now }, `${kind}.escalate`, `${kind}:${row.number}`, { escalation_level: row.escalation_level, state: row.state, due_on: due, as_of: asOf, notified: to });
      out.push({ kind, case_no: row.number, escalation_level: row.escalation_level, notified: to });
    }
    return out;
  });
}

/**
 * The reminder pass: each open case whose reminder day has come (and whose deadline has not
 * passed) is reminded once: a filing's or recognition's person in the kind's words, a
 * supervision case's or 协查 request's bureau (the side that must act) in its staff inbox.
 */
export async function sendReminders(pool: Pool, now: Date, asOf: IsoDate, regions?: readonly string[]): Promise<{ kind: CaseKind; number: string; due_on: IsoDate; notified?: string }[]> {
  if (!isIsoDate(asOf)) throw invalid('as_of', '日期应为 yyyy-mm-dd', 'as_of must be yyyy-mm-dd');
  return inTransaction(pool, async (c) => {
    // requests first, by either side; the generic pass below then finds them reminded
    const invs = await takeDueInvestigationReminders(c, now, asOf, regions);
    const rows = (await takeDueReminders(c, now, asOf, regions)).filter((r) => r.kind !== 'investigation_request');
    const out: { kind: CaseKind; number: string; due_on: IsoDate; notified?: string }[] = [];
    for (const row of rows) {
      if (row.kind === 'supervision') {
        const to = row.region;
        await sendStaffMessage(c, now, [to], { subject: `supervision:${row.number}:remind:${row.state}:${row.due_on}`, ...bureauWords('supervision', row.number, row.state, row.due_on!, 'remind', 0), urgent: false });
        await writeAudit(c, { actor: 'system:reminder', now }, 'supervision.remind', `supervision:${row.number}`, { due_on: row.due_on, state: row.state, notified: to });
        out.push({ kind: row.kind, number: row.number, due_on: row.due_on!, notified: to });
        continue;
      }
      const words = CASE_MACHINE[row.kind].reminder?.(row.number, row.due_on!, clockOf(row.kind, row.state)?.task ?? '');
      if (words && row.psn_no) {
        const person = await findPerson(c, { psn_no: row.psn_no });
        await notify(c, now, person, { subject: `${SUBJECT[row.kind]?.audit ?? row.kind}:${row.number}`, ...words });
      }
      await writeAudit(c, { actor: 'system:reminder', now }, `${SUBJECT[row.kind]?.audit ?? row.kind}.remind`, `${SUBJECT[row.kind]?.audit ?? row.kind}:${row.number}`, { due_on: row.due_on, state: row.state });
      out.push({ kind: row.kind, number: row.number, due_on: row.due_on! });
    }
    for (const inv of invs) {
      const to = actingRegion('investigation_request', '', inv);
      await sendStaffMessage(c, now, [to], { subject: `investigation_request:${inv.number}:remind:${inv.state}:${inv.due_on}`, ...bureauWords('investigation_request', inv.number, inv.state, inv.due_on, 'remind', 0), urgent: false });
      await writeAudit(c, { actor: 'system:reminder', now }, 'investigation_request.remind', `investigation_request:${inv.number}`, { due_on: inv.due_on, state: inv.state, notified: to });
      out.push({ kind: 'investigation_request', number: inv.number, due_on: inv.due_on, notified: to });
    }
    return out;
  });
}

/**
 * A staff remark on a case (办理意见) outside any move: kept with the case, in order. Returns
 * the case's remarks. No route sends them yet; a decision's reason stays on its move's event.
 */
export async function commentOnCase(pool: Pool, now: Date, actor: Actor, kind: CaseKind, number: string, field: string, body: string): Promise<{ at: Date; actor: string; body: string }[]> {
  const text = body.trim();
  if (!text) throw invalid('body', '意见不能为空', 'the remark must not be empty');
  if (text.length > 2000) throw invalid('body', '意见不超过 2000 字', 'the remark is at most 2000 characters');
  if (actor.type !== 'staff' && actor.type !== 'system') throw invalid('actor', '仅经办人员可填写办理意见', 'only staff write remarks on a case');
  return inTransaction(pool, async (c) => {
    const kase = await getCase(c, kind, number, field, true);
    await addCaseComment(c, kase.id, now, actorLabel(actor), text);
    return caseComments(c, kase.id);
  });
}
