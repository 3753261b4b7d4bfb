import { isIsoDate, type IsoDate } from '../../engine/calendar.ts';
import { CASE_MACHINE, clockOf, INVESTIGATION_ACTING_SIDE, type CaseKind } from '../../engine/cases.ts';
import { invalid } from '../../engine/errors.ts';
import { followLinkedApplication } from '../service/linked-sync.ts';
import { moveCaseOnly, type ClockInputs } from './case-moves.ts';
import { actorLabel, writeAudit, type Actor } from '../../store/audit.ts';
import { addCaseComment, caseComments, escalateCases, getCase, takeDueReminders, type CaseRow } from '../../store/cooperation/cases.ts';
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

export { openCase, type ClockInputs, type OpenCase } from './case-moves.ts';

/**
 * Moves a case (moveCaseOnly in ./case-moves.ts: checked against the machine, recorded, its
 * clock set). When the case is a review an application opened (a filing, a recognition, …),
 * the application follows it in the same transaction (src/app/service/linked-sync.ts).
 */
export async function moveCase(
  c: Queryable,
  now: Date,
  actor: Actor,
  kase: CaseRow,
  move: string,
  opts: { to?: string; comment: string | null; clock?: ClockInputs },
): Promise<{ from: string; to: string; status: string; case: CaseRow }> {
  const moved = await moveCaseOnly(c, now, actor, kase, move, opts);
  if (moved.to !== moved.from) await followLinkedApplication(c, now, moved.case, opts.comment, actor);
  return moved;
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
  | { kind: BureauKind; case_no: string; escalation_level: number; notified: string };

/** The states of a kind whose clocks escalate. */
const escalatingStates = (kind: CaseKind): string[] => Object.entries(CASE_MACHINE[kind].states).filter(([, s]) => s.clock?.escalates).map(([n]) => n);

// Supervision cases and 协查 requests are worked by bureaus, not by a person: their reminders
// and escalations go to the staff inbox of the bureau that must act (a supervision case: the
// institution's region; a request: the side whose turn it is). staff_messages is UNIQUE per
// (region, subject) and the subject names the state, the deadline and the level, so a rerun
// sends nothing twice while a new deadline or level gets its own message.
// One-window applications escalate to their handling region's inbox too (their reminders go to
// the person), and a poor rating's follow-up is the region's work from the start.
const BUREAU_KINDS = { supervision: '基金监管案件', investigation_request: '异地协查请求', one_window: '办事申请', rating_follow_up: '差评回访' } as const;
const BUREAU_KINDS_EN = { supervision: 'Supervision case', investigation_request: 'Investigation request', one_window: 'Application', rating_follow_up: 'Rating follow-up' } as const;
type BureauKind = keyof typeof BUREAU_KINDS;

function actingRegion(kind: BureauKind, region: string, inv?: InvestigationClockRow): string {
  if (kind !== 'investigation_request' || !inv) return region;
  return INVESTIGATION_ACTING_SIDE[inv.state] === 'requesting' ? inv.requesting_admdvs : inv.answering_admdvs;
}

function bureauWords(kind: BureauKind, no: string, state: string, due: IsoDate, what: 'remind' | 'escalate', level: number): { title: { zh: string; en: string }; body: { zh: string; en: string } } {
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
    const bureau: { kind: BureauKind; row: CaseRow; inv?: InvestigationClockRow }[] = [
      ...(await escalateCases(c, now, { kinds: ['supervision'], states: escalatingStates('supervision'), asOf, regions })).map((row) => ({ kind: 'supervision' as const, row })),
      ...(await escalateCases(c, now, { kinds: ['one_window', 'rating_follow_up'], states: [...escalatingStates('one_window'), ...escalatingStates('rating_follow_up')], asOf, regions }))
        .map((row) => ({ kind: row.kind as 'one_window' | 'rating_follow_up', row })),
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
      if (row.kind === 'supervision' || row.kind === 'rating_follow_up') {
        const to = row.region;
        await sendStaffMessage(c, now, [to], { subject: `${row.kind}:${row.number}:remind:${row.state}:${row.due_on}`, ...bureauWords(row.kind, row.number, row.state, row.due_on!, 'remind', 0), urgent: false });
        await writeAudit(c, { actor: 'system:reminder', now }, `${row.kind}.remind`, `${row.kind}:${row.number}`, { due_on: row.due_on, state: row.state, notified: to });
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
