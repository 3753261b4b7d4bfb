import { chinaDate, workingDaysBetween } from '../../engine/calendar.ts';
import { CASE_MACHINE } from '../../engine/cases.ts';
import { actorLabel, writeAudit, type Actor } from '../../store/audit.ts';
import { getCase } from '../../store/cooperation/cases.ts';
import { loadCalendar } from '../../store/cooperation/calendar.ts';
import { findPerson } from '../../store/cooperation/common.ts';
import { notify } from '../../store/cooperation/notifications.ts';
import type { Queryable } from '../../store/db.ts';
import { keepPromise, writeApplicationState, type ApplicationRow } from '../../store/service/applications.ts';
import { moveCaseOnly } from '../cooperation/case-moves.ts';

// One move of a one-window application, as every path makes it (a clerk's accept or refusal,
// the person's withdrawal, a linked review's close): the case machine's move, the row's mirror
// of state and deadline, the audit entry naming the actor and the person, and the person told
// when it ends (with the request to rate it).

export type ApplicationMove = 'accept' | 'complete' | 'refuse' | 'cancel';

export async function stepApplication(
  c: Queryable, now: Date, actor: Actor, app: ApplicationRow, move: ApplicationMove,
  opts: { reasons?: string[] | null; comment?: string | null },
): Promise<ApplicationRow> {
  const kase = await getCase(c, 'one_window', app.application_no, 'application_no', true);
  const today = chinaDate(now);
  const calendar = await loadCalendar(c, app.region);
  // what is left of the promise, not a new one: the due day stays the item's promised day
  const left = workingDaysBetween(calendar, today, app.promised_on);
  const moved = await moveCaseOnly(c, now, actor, kase, move, {
    comment: opts.comment ?? (opts.reasons?.join('；') || null),
    clock: { calendar, facts: { home: app.region, dest: null, timeLimitDays: left } },
  });
  let due = moved.case.due_on;
  if (due !== null && due > app.promised_on) due = await keepPromise(c, kase.id, app.promised_on);
  const ended = due === null ? now : null;
  await writeApplicationState(c, app.id, { status: moved.to, due_on: due, ended_at: ended, refusal_reasons: move === 'refuse' ? opts.reasons ?? null : null });
  await writeAudit(c, { actor: actorLabel(actor), now }, `application.${move}`, `application:${app.application_no}`, {
    psn_no: app.psn_no, from: moved.from, to: moved.to, reasons: opts.reasons ?? null, comment: opts.comment ?? null,
    ...(actor.type === 'grid_worker' ? { grid_worker: actor.id } : {}),
  });
  if (moved.to === 'completed' || moved.to === 'refused') {
    const person = await findPerson(c, { psn_no: app.psn_no });
    const st = CASE_MACHINE.one_window.states[moved.to]!;
    await notify(c, now, person, {
      subject: `application:${app.application_no}`,
      title: { zh: `办事申请${st.zh}`, en: `Application ${st.en}` },
      body: moved.to === 'completed'
        ? { zh: `申请 ${app.application_no} 已办结，请对本次服务作出评价（好差评）。`, en: `Application ${app.application_no} is completed; please rate the service.` }
        : { zh: `申请 ${app.application_no} 不予办理：${(opts.reasons ?? []).join('；')}。欢迎对本次服务作出评价。`, en: `Application ${app.application_no} was refused: ${(opts.reasons ?? []).join('; ')}. Please rate the service.` },
    });
  }
  return { ...app, status: moved.to, due_on: due, ended_at: ended, refusal_reasons: move === 'refuse' ? opts.reasons ?? null : app.refusal_reasons };
}
