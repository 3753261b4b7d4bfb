import { chinaDate, isCalendarDay, isIsoDate } from './calendar.ts';

// The platform's one date and time parser, for the gateway and the REST API alike. A date or
// time a client sends must be a real calendar day and time (no 30 February, no 25:00, no year
// 0000: new Date() would roll these forward or PostgreSQL would refuse them) and must fall in
// the window of its kind of field, around the platform's clock. The windows are data
// (docs/interface.md, "Dates and times").

/** A window's bound: a fixed date (yyyy-MM-dd) or a number of days from the platform's clock (China date). */
export type DateBound = string | number;

export interface DateWindow {
  zh: string;
  en: string;
  earliest: DateBound;
  latest: DateBound;
}

export const DATE_WINDOWS = {
  /** When care happened: visit times (2201/2401/2403/2402/2102), fee times. Late uploads of a long stay, never the future. */
  care: { zh: '就医时间', en: 'a time of care', earliest: -1096, latest: 1 },
  /** A day asked about: 1101/2001 begntime/endtime, query ranges (52xx, 5301-5304), statement periods (3201/3202). */
  query: { zh: '查询日期', en: 'a date asked about', earliest: '1990-01-01', latest: 366 },
  /** Begin and end of filings and identifications (2501-2507): open-ended filings end by 2099. */
  filing: { zh: '备案日期', en: 'a filing date', earliest: '1990-01-01', latest: '2099-12-31' },
  /** Dates kept in the registry and the REST API (enrollment, contribution, identity, agreement, review dates). */
  record: { zh: '登记日期', en: 'a registry date', earliest: '1900-01-01', latest: '2099-12-31' },
} as const satisfies Record<string, DateWindow>;

export type DateWindowName = keyof typeof DATE_WINDOWS;

export interface CivilTime {
  /** yyyy-MM-dd */
  date: string;
  hour: number;
  minute: number;
  second: number;
}

// yyyy-MM-dd[( |T)HH:mm:ss[.fff]] or yyyyMMdd[HHmmss]: the two forms real HIS send.
const DASHED = /^(\d{4})-(\d{2})-(\d{2})(?:[ T](\d{2}):(\d{2}):(\d{2})(?:\.\d{1,6})?)?$/;
const COMPACT = /^(\d{4})(\d{2})(\d{2})(?:(\d{2})(\d{2})(\d{2}))?$/;

/** The text as a calendar date and time of day, or undefined when it is not a real one. */
export function parseCivilTime(text: string): CivilTime | undefined {
  const m = DASHED.exec(text) ?? COMPACT.exec(text);
  if (!m) return undefined;
  const [year, month, day] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const [hour, minute, second] = [Number(m[4] ?? 0), Number(m[5] ?? 0), Number(m[6] ?? 0)];
  if (!isCalendarDay(year, month, day)) return undefined;
  if (hour > 23 || minute > 59 || second > 59) return undefined;
  return { date: `${m[1]}-${m[2]}-${m[3]}`, hour, minute, second };
}

/** A bound as a yyyy-MM-dd date, days counted from the clock's China date. */
function boundDate(bound: DateBound, now?: Date): string {
  if (typeof bound === 'string') return bound;
  if (!now) throw new Error('a window counted from the clock needs the clock');
  return chinaDate(new Date(now.getTime() + bound * 86_400_000));
}

/** The window's first and last allowed dates (yyyy-MM-dd) at this clock. */
export function windowDates(name: DateWindowName, now?: Date): { earliest: string; latest: string } {
  const w: DateWindow = DATE_WINDOWS[name];
  return { earliest: boundDate(w.earliest, now), latest: boundDate(w.latest, now) };
}

/** China Standard Time (UTC+8, no daylight saving) → the instant. */
export function chinaInstant(t: CivilTime): Date {
  const [y, mo, d] = t.date.split('-').map(Number) as [number, number, number];
  // Date.UTC reads years 0-99 as 1900-1999; 2000 is a leap year, so any real day fits before the year is set.
  const at = new Date(Date.UTC(2000, mo - 1, d, t.hour, t.minute, t.second));
  at.setUTCFullYear(y);
  return new Date(at.getTime() - 8 * 3600_000);
}

/** Why a real day falls outside the window of its kind of field, or undefined when it is inside. */
export function outsideWindow(day: string, text: string, window: DateWindowName, now?: Date): { zh: string; en: string } | undefined {
  const { earliest, latest } = windowDates(window, now);
  if (day >= earliest && day <= latest) return undefined;
  const w = DATE_WINDOWS[window];
  return { zh: `${w.zh}应在 ${earliest} 至 ${latest} 之间`, en: `${w.en} must fall from ${earliest} to ${latest}, got "${text}"` };
}

/**
 * What is wrong with a yyyy-MM-dd date of this kind of field, in Chinese and English, or
 * undefined when it is a real day inside the window: for validators that collect problems.
 */
export function dateProblem(value: unknown, window: DateWindowName, now?: Date): { zh: string; en: string } | undefined {
  if (!isIsoDate(value)) return { zh: '应为真实存在的日期 yyyy-mm-dd', en: `expected a real calendar date yyyy-mm-dd, got ${JSON.stringify(value)}` };
  return outsideWindow(value, value, window, now);
}
