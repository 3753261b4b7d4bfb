import { buildCalendar, isIsoDate, type CalendarDay, type WorkingCalendar } from '../../engine/calendar.ts';
import { invalid, notFound } from '../../engine/errors.ts';
import { provinceOf } from '../../engine/filing-rules.ts';
import type { Queryable } from '../db.ts';
import { actorLabel, writeAudit, type Actor } from '../audit.ts';

// Working-day calendars: the national schedule ('000000') overlaid by the province's and the
// pooling region's own rows.

export const NATIONAL_CALENDAR = '000000';

function layersOf(admdvs: string): string[] {
  const province = provinceOf(admdvs);
  return [...new Set([NATIONAL_CALENDAR, province, admdvs])];
}

export async function loadCalendar(q: Queryable, admdvs: string): Promise<WorkingCalendar> {
  const codes = layersOf(admdvs);
  const r = await q.query<{ admdvs: string; day: string; kind: 'holiday' | 'workday'; name: string }>(
    'SELECT admdvs, day, kind, name FROM calendar_days WHERE admdvs = ANY($1)',
    [codes],
  );
  const layers = codes.map((c) => r.rows.filter((row) => row.admdvs === c).map((row): CalendarDay => ({ day: row.day, kind: row.kind, name: row.name })));
  return buildCalendar(layers);
}

export async function listCalendarDays(q: Queryable, admdvs: string, year: number): Promise<{ days: (CalendarDay & { admdvs: string })[]; years: unknown[] }> {
  const codes = layersOf(admdvs);
  const days = await q.query(
    `SELECT admdvs, to_char(day, 'YYYY-MM-DD') AS day, kind, name FROM calendar_days
     WHERE admdvs = ANY($1) AND day >= make_date($2, 1, 1) AND day < make_date($2 + 1, 1, 1) ORDER BY day, admdvs`,
    [codes, year],
  );
  const years = await q.query('SELECT admdvs, year, status, source, note FROM calendar_years WHERE admdvs = ANY($1) AND year = $2', [codes, year]);
  return { days: days.rows, years: years.rows };
}

export async function setCalendarDay(q: Queryable, now: Date, actor: Actor, admdvs: string, day: CalendarDay): Promise<void> {
  if (!/^[0-9]{6}$/.test(admdvs)) throw invalid('admdvs', '区划应为 6 位代码', 'admdvs must be a 6-digit code');
  if (!isIsoDate(day.day)) throw invalid('day', '日期应为 yyyy-mm-dd', 'day must be yyyy-mm-dd');
  if (day.kind !== 'holiday' && day.kind !== 'workday') throw invalid('kind', '类型应为 holiday 或 workday', "kind must be 'holiday' or 'workday'");
  if (!day.name?.trim()) throw invalid('name', '名称不能为空', 'name must not be empty');
  const before = await q.query('SELECT kind, name FROM calendar_days WHERE admdvs = $1 AND day = $2', [admdvs, day.day]);
  await q.query(
    `INSERT INTO calendar_days (admdvs, day, kind, name) VALUES ($1, $2, $3, $4)
     ON CONFLICT (admdvs, day) DO UPDATE SET kind = $3, name = $4`,
    [admdvs, day.day, day.kind, day.name],
  );
  await writeAudit(q, { actor: actorLabel(actor), now }, 'calendar.set_day', `calendar:${admdvs}:${day.day}`, { before: before.rows[0] ?? null, after: { kind: day.kind, name: day.name } });
}

export async function deleteCalendarDay(q: Queryable, now: Date, actor: Actor, admdvs: string, day: string): Promise<void> {
  if (!/^[0-9]{6}$/.test(admdvs)) throw invalid('admdvs', '区划应为 6 位代码', 'admdvs must be a 6-digit code');
  if (!isIsoDate(day)) throw invalid('day', '日期应为 yyyy-mm-dd', 'day must be yyyy-mm-dd');
  const r = await q.query('DELETE FROM calendar_days WHERE admdvs = $1 AND day = $2 RETURNING kind, name', [admdvs, day]);
  if (r.rowCount === 0) throw notFound('day', '该日无日历记录', 'no calendar entry on that day');
  await writeAudit(q, { actor: actorLabel(actor), now }, 'calendar.delete_day', `calendar:${admdvs}:${day}`, { before: r.rows[0] });
}
