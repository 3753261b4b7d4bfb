// Working-day calendars (工作日历). Review clocks are counted in working days: weekends do not
// count, public holidays (法定节假日放假) do not count even on a weekday, and adjusted working
// days (调休上班) count even on a weekend. Holidays are data (the State Council's yearly
// schedule, maintained by staff), never computed here.

/** An ISO date, yyyy-mm-dd. */
export type IsoDate = string;

export type CalendarDayKind = 'holiday' | 'workday';

export interface CalendarDay {
  day: IsoDate;
  kind: CalendarDayKind;
  name: string;
}

/** The calendar of one region: the national days overlaid by the province's and the region's own. */
export interface WorkingCalendar {
  /** Days off that would otherwise be working days (and holidays on weekends, harmlessly). */
  holidays: ReadonlySet<IsoDate>;
  /** Weekend days that are working days (调休上班). */
  workdays: ReadonlySet<IsoDate>;
}

const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** Whether year-month-day is a day of the Gregorian calendar (year 1 on: there is no year 0000). */
export function isCalendarDay(year: number, month: number, day: number): boolean {
  if (!Number.isInteger(year) || year < 1 || month < 1 || month > 12 || day < 1) return false;
  const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
  const days = month === 2 ? (leap ? 29 : 28) : [4, 6, 9, 11].includes(month) ? 30 : 31;
  return day <= days;
}

export function isIsoDate(value: unknown): value is IsoDate {
  if (typeof value !== 'string') return false;
  const m = ISO_DATE.exec(value);
  return m !== null && isCalendarDay(Number(m[1]), Number(m[2]), Number(m[3]));
}

function toUtc(day: IsoDate): Date {
  if (!isIsoDate(day)) throw new Error(`not an ISO date: ${day}`);
  return new Date(`${day}T00:00:00Z`);
}

export function addDays(day: IsoDate, n: number): IsoDate {
  const d = toUtc(day);
  d.setUTCDate(d.getUTCDate() + n);
  return d.toISOString().slice(0, 10);
}

/** Adds calendar months, clamping to the month's last day (2026-08-31 + 6 months = 2027-02-28). */
export function addMonths(day: IsoDate, months: number): IsoDate {
  const d = toUtc(day);
  const y = d.getUTCFullYear();
  const m = d.getUTCMonth() + months;
  const last = new Date(Date.UTC(y, m + 1, 0)).getUTCDate();
  return new Date(Date.UTC(y, m, Math.min(d.getUTCDate(), last))).toISOString().slice(0, 10);
}

/** 0 Sunday … 6 Saturday. */
export function weekday(day: IsoDate): number {
  return toUtc(day).getUTCDay();
}

/** The date in China (UTC+8, no daylight saving) of an instant: deadlines are Beijing dates. */
export function chinaDate(instant: Date): IsoDate {
  return new Date(instant.getTime() + 8 * 3600_000).toISOString().slice(0, 10);
}

/**
 * Builds one region's calendar from layers, most general first (national, province, region):
 * a later layer's entry for a day replaces an earlier one's.
 */
export function buildCalendar(layers: readonly (readonly CalendarDay[])[]): WorkingCalendar {
  const byDay = new Map<IsoDate, CalendarDayKind>();
  for (const layer of layers) for (const d of layer) byDay.set(d.day, d.kind);
  const holidays = new Set<IsoDate>();
  const workdays = new Set<IsoDate>();
  for (const [day, kind] of byDay) (kind === 'holiday' ? holidays : workdays).add(day);
  return { holidays, workdays };
}

export function isWorkingDay(cal: WorkingCalendar, day: IsoDate): boolean {
  if (cal.workdays.has(day)) return true;
  if (cal.holidays.has(day)) return false;
  const w = weekday(day);
  return w !== 0 && w !== 6;
}

/**
 * The Nth working day after `from` (`from` itself never counts: an application received on
 * a Friday with 1 working day is due on Monday). n = 0 gives `from` if it is a working day,
 * else the next working day.
 */
export function addWorkingDays(cal: WorkingCalendar, from: IsoDate, n: number): IsoDate {
  if (!Number.isInteger(n) || n < 0 || n > 366) throw new Error(`working days out of range: ${n}`);
  let day = from;
  if (n === 0) {
    while (!isWorkingDay(cal, day)) day = addDays(day, 1);
    return day;
  }
  let left = n;
  // A year has ~250 working days; 3 years of look-ahead bounds the loop on any sane calendar.
  for (let guard = 0; guard < 3 * 366; guard++) {
    day = addDays(day, 1);
    if (isWorkingDay(cal, day) && --left === 0) return day;
  }
  throw new Error(`calendar has no ${n} working days after ${from}`);
}

/** Working days strictly after `from` up to and including `to` (0 when to <= from). */
export function workingDaysBetween(cal: WorkingCalendar, from: IsoDate, to: IsoDate): number {
  let count = 0;
  for (let day = addDays(from, 1); day <= to; day = addDays(day, 1)) if (isWorkingDay(cal, day)) count++;
  return count;
}
