import { isIsoDate, type CalendarDay } from '../../engine/calendar.ts';
import { invalid, notFound } from '../../engine/errors.ts';
import { actorLabel, writeAudit, type Actor } from '../../store/audit.ts';
import { calendarDay, removeCalendarDay, writeCalendarDay } from '../../store/cooperation/calendar.ts';
import type { Queryable } from '../../store/db.ts';

// Staff edits of the working-day calendars (a holiday, an adjusted working day): checked here,
// written by the store, audited with before and after. Every deadline counted after the edit
// reads the new day.

export async function setCalendarDay(q: Queryable, now: Date, actor: Actor, admdvs: string, day: CalendarDay): Promise<void> {
  if (!/^[0-9]{6}$/.test(admdvs)) throw invalid('admdvs', '区划应为 6 位代码', 'admdvs must be a 6-digit code');
  if (!isIsoDate(day.day)) throw invalid('day', '日期应为 yyyy-mm-dd', 'day must be yyyy-mm-dd');
  if (day.kind !== 'holiday' && day.kind !== 'workday') throw invalid('kind', '类型应为 holiday 或 workday', "kind must be 'holiday' or 'workday'");
  if (!day.name?.trim()) throw invalid('name', '名称不能为空', 'name must not be empty');
  const before = await calendarDay(q, admdvs, day.day);
  await writeCalendarDay(q, admdvs, day);
  await writeAudit(q, { actor: actorLabel(actor), now }, 'calendar.set_day', `calendar:${admdvs}:${day.day}`, { before: before ?? null, after: { kind: day.kind, name: day.name } });
}

export async function deleteCalendarDay(q: Queryable, now: Date, actor: Actor, admdvs: string, day: string): Promise<void> {
  if (!/^[0-9]{6}$/.test(admdvs)) throw invalid('admdvs', '区划应为 6 位代码', 'admdvs must be a 6-digit code');
  if (!isIsoDate(day)) throw invalid('day', '日期应为 yyyy-mm-dd', 'day must be yyyy-mm-dd');
  const before = await removeCalendarDay(q, admdvs, day);
  if (!before) throw notFound('day', '该日无日历记录', 'no calendar entry on that day');
  await writeAudit(q, { actor: actorLabel(actor), now }, 'calendar.delete_day', `calendar:${admdvs}:${day}`, { before });
}
