import { chinaDate } from '../../engine/calendar.ts';
import { netPositions, type ClearingLevel, type NetPosition } from '../../engine/clearing.ts';
import { invalid } from '../../engine/errors.ts';
import type { Queryable } from '../../store/db.ts';
import { regionsCover } from '../../store/auth/principal.ts';
import { statementsBetween } from '../../store/clearing/positions.ts';
import { parseMonth } from './run.ts';

// The net positions (轧差) of each clearing month over a range, for the finance page's chart:
// every stored statement of the month is netted (so the positions over all regions still sum to
// zero, asserted by netPositions), then only the regions the caller covers are answered.

export interface MonthPositions {
  month: string;
  /** The month's statements at the level, and how many of them are paid. */
  statements: number;
  paid: number;
  positions: NetPosition[];
}

/** YYYYMM of the month `n` months before `month`. */
function monthsBefore(month: string, n: number): string {
  const i = Number(month.slice(0, 4)) * 12 + Number(month.slice(4, 6)) - 1 - n;
  return `${Math.floor(i / 12)}${String((i % 12) + 1).padStart(2, '0')}`;
}

/**
 * Months `from`..`to` (YYYY-MM or YYYYMM; by default the twelve months up to `now`'s in China
 * time), at most 120 of them; `regions` undefined: every region.
 */
export async function positionsOverMonths(q: Queryable, input: { from?: string; to?: string; level: ClearingLevel; regions: readonly string[] | undefined; now: Date }): Promise<{ from: string; to: string; level: ClearingLevel; months: MonthPositions[] }> {
  if (input.level !== 'province' && input.level !== 'city') throw invalid('level', '清算层级应为 province 或 city', 'the level is province or city');
  const current = chinaDate(input.now).slice(0, 7).replace('-', '');
  const to = input.to === undefined ? current : parseField('to', input.to);
  const from = input.from === undefined ? monthsBefore(to, 11) : parseField('from', input.from);
  if (from > to) throw invalid('from', '起始月份不能晚于截止月份', 'from must not be after to');
  if (from < monthsBefore(to, 119)) throw invalid('from', '最多查询 120 个月', 'at most 120 months at once');
  const rows = await statementsBetween(q, from, to, input.level);
  const byMonth = new Map<string, typeof rows>();
  for (const r of rows) byMonth.set(r.month, [...(byMonth.get(r.month) ?? []), r]);
  const months: MonthPositions[] = [];
  for (const [month, list] of byMonth) {
    const { positions } = netPositions(list.map((s) => ({ insured_admdvs: s.insured_admdvs, treatment_admdvs: s.treatment_admdvs, totals: { amount_fen: s.amount_fen } })));
    const mine = input.regions === undefined ? positions : positions.filter((p) => regionsCover(input.regions!, p.admdvs));
    months.push({ month, statements: list.length, paid: list.filter((s) => s.state === 'paid').length, positions: mine });
  }
  return { from, to, level: input.level, months };
}

/** A month of the query, refused naming its own field. */
function parseField(field: 'from' | 'to', month: string): string {
  try {
    return parseMonth(month);
  } catch {
    throw invalid(field, `${field} 应为 YYYY-MM 或 YYYYMM`, `${field} is YYYY-MM or YYYYMM`);
  }
}
