import { buildCalendar, type CalendarDay, type WorkingCalendar } from '../../engine/calendar.ts';
import { provinceOf } from '../../engine/filing-rules.ts';
import type { Queryable } from '../db.ts';

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

export async function calendarDay(q: Queryable, admdvs: string, day: string): Promise<{ kind: string; name: string } | undefined> {
  return (await q.query<{ kind: string; name: string }>('SELECT kind, name FROM calendar_days WHERE admdvs = $1 AND day = $2', [admdvs, day])).rows[0];
}

export async function writeCalendarDay(q: Queryable, admdvs: string, day: CalendarDay): Promise<void> {
  await q.query(
    `INSERT INTO calendar_days (admdvs, day, kind, name) VALUES ($1, $2, $3, $4)
     ON CONFLICT (admdvs, day) DO UPDATE SET kind = $3, name = $4`,
    [admdvs, day.day, day.kind, day.name],
  );
}

/** Deletes a day's row; returns what it was, or undefined when there was none. */
export async function removeCalendarDay(q: Queryable, admdvs: string, day: string): Promise<{ kind: string; name: string } | undefined> {
  return (await q.query<{ kind: string; name: string }>('DELETE FROM calendar_days WHERE admdvs = $1 AND day = $2 RETURNING kind, name', [admdvs, day])).rows[0];
}
