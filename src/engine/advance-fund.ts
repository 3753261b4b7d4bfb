import { invalid } from './errors.ts';

// Advance funds (预付金, DOMAIN.md §10): the insured side pays the treatment side ahead, each
// cross-region settlement draws on it, and the month's clearing settles the rest. These are the
// pure rules: the size, the use rate, the warning level. Money is integer fen; rates are basis
// points (1 bp = 0.01%), never floats.

/** The policy data of advance funds (a typed config object, checked by checkAdvanceFundPolicy). */
export interface AdvanceFundPolicy {
  /** The size is this many months' average of the previous year's cross-region payments (default 2). */
  size_months: number;
  /** Use rate, in basis points, from which a yellow warning is raised (default 7000 = 70%). */
  yellow_bp: number;
  /** Use rate, in basis points, from which a red warning (an urgent top-up) is raised (default 9000 = 90%). */
  red_bp: number;
  /** Working days the insured side has to top up after a red warning (default 5). */
  top_up_working_days: number;
}

export const DEFAULT_ADVANCE_FUND_POLICY: AdvanceFundPolicy = { size_months: 2, yellow_bp: 7000, red_bp: 9000, top_up_working_days: 5 };

export type WarningLevel = 'none' | 'yellow' | 'red';

/** Refuses a policy whose values are not whole numbers in range, or whose thresholds are out of order. */
export function checkAdvanceFundPolicy(p: AdvanceFundPolicy): AdvanceFundPolicy {
  const whole = (field: keyof AdvanceFundPolicy, min: number, max: number): void => {
    const v = p[field];
    if (!Number.isInteger(v) || v < min || v > max) throw invalid(field, `${field} 须为 ${min}-${max} 的整数`, `${field} must be a whole number from ${min} to ${max}`);
  };
  whole('size_months', 1, 12);
  whole('yellow_bp', 1, 10000);
  whole('red_bp', 1, 10000);
  whole('top_up_working_days', 1, 60);
  if (p.yellow_bp >= p.red_bp) throw invalid('yellow_bp', '黄色预警线须低于红色预警线', 'yellow_bp must be below red_bp');
  return p;
}

/**
 * The advance fund's size: `size_months` times the previous year's monthly average of the
 * insured side's cross-region payments in the treatment place (total ÷ 12), rounded half up
 * to the fen. A year whose cancellations outweigh its settlements gives 0.
 */
export function advanceFundSize(previousYearTotalFen: number, p: AdvanceFundPolicy = DEFAULT_ADVANCE_FUND_POLICY): number {
  if (!Number.isSafeInteger(previousYearTotalFen)) throw invalid('amount_fen', '金额须为整数分', 'the amount must be whole fen');
  if (previousYearTotalFen <= 0) return 0;
  return Math.floor((previousYearTotalFen * p.size_months * 2 + 12) / 24);
}

/**
 * The use rate in basis points (consumed ÷ size, rounded down so a threshold is reached only
 * when truly reached). An empty fund that has been drawn on is used past all thresholds.
 */
export function useRateBp(consumedFen: number, sizeFen: number): number {
  if (consumedFen <= 0) return 0;
  if (sizeFen <= 0) return Number.MAX_SAFE_INTEGER;
  return Math.floor((consumedFen * 10000) / sizeFen);
}

export function warningLevel(rateBp: number, p: AdvanceFundPolicy = DEFAULT_ADVANCE_FUND_POLICY): WarningLevel {
  if (rateBp >= p.red_bp) return 'red';
  if (rateBp >= p.yellow_bp) return 'yellow';
  return 'none';
}

/** The levels a rate has reached, lowest first: a jump from none to red raises both, each once. */
export function levelsReached(rateBp: number, p: AdvanceFundPolicy = DEFAULT_ADVANCE_FUND_POLICY): ('yellow' | 'red')[] {
  const l = warningLevel(rateBp, p);
  return l === 'red' ? ['yellow', 'red'] : l === 'yellow' ? ['yellow'] : [];
}

/** The account an insured region's advance fund with a treatment region is held in (ledger.ts, advance_fund). */
export const advanceAccount = (insured: string, treatment: string): string => `advance:${insured}:${treatment}`;
export const bankAccount = (admdvs: string): string => `bank:${admdvs}`;
