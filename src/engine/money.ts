// Money is integer fen; ratios are integer basis points (10000 = 100%). No float ever touches
// an amount: yuan arrive as decimal text (or JSON numbers, read through their shortest decimal
// form) and are parsed digit by digit. Rounding happens only in mulBp, with the rule the
// policy names for that step, so the interface's identities hold to the fen.
import { assertInvariant, invalid } from './errors.ts';

declare const fenBrand: unique symbol;
declare const bpBrand: unique symbol;
/** An amount in fen (分), an integer. Yuan never mix with it: convert with yuanToFen. */
export type Fen = number & { readonly [fenBrand]: true };
/** A ratio in basis points: 10000 = 100%, 500 = 5%. */
export type Bp = number & { readonly [bpBrand]: true };

export const ROUNDINGS = {
  half_up: { zh: '四舍五入', en: 'round half away from zero' },
  half_even: { zh: '银行家舍入（四舍六入五成双）', en: 'round half to even' },
  down: { zh: '舍去（向零取整）', en: 'round toward zero (truncate)' },
} as const;
export type Rounding = keyof typeof ROUNDINGS;

export const ZERO_FEN = 0 as Fen;
export const FULL_BP = 10000 as Bp;
/** Largest amount accepted anywhere (a balance, a statement's total): 10^13 fen, sums of many stay far below 2^53. */
export const MAX_ABS_FEN = 1e13;
/** Largest fee line (its total or its price): 10,000,000.00 yuan, above the dearest single treatments. */
export const MAX_LINE_FEN = 1e9;
/** Largest bill (a visit's unsettled lines, one message's lines, a settlement): 100,000,000.00 yuan; × 10000 bp stays below 2^53. */
export const MAX_BILL_FEN = 1e10;
/** Largest count on a fee line, and its decimals (the interface's cnt is numeric(16,4)). */
export const MAX_CNT = 1e6;
export const CNT_DECIMALS = 4;

/** Brand an integer as fen; refuses fractions and amounts beyond MAX_ABS_FEN. */
export function fen(n: number): Fen {
  if (!Number.isSafeInteger(n) || Math.abs(n) > MAX_ABS_FEN) {
    throw invalid('amount_fen', `金额必须是分为单位的整数：${n}`, `an amount must be an integer number of fen: ${n}`);
  }
  return n as Fen;
}

/** Brand an integer as basis points (0..10000 unless `allowAbove`). */
export function bp(n: number): Bp {
  if (!Number.isSafeInteger(n) || n < 0 || n > 10000) {
    throw invalid('ratio_bp', `比例必须是 0 到 10000 之间的整数（基点）：${n}`, `a ratio must be an integer 0..10000 basis points: ${n}`);
  }
  return n as Bp;
}

// Yuan text: a sign, whole yuan, at most two decimals (trailing zeros past them allowed: "17.550").
// Thirteen digits reach past MAX_ABS_FEN so that a too-large amount is told as out of range.
const YUAN_TEXT = /^(-)?(\d{1,13})(?:\.(\d{1,2})0*)?$/;

/**
 * The one crossing from yuan into fen. Parses the decimal text digit by digit, never a float
 * multiplication (0.29 * 100 = 28.999…): "17.55", " 12 ", or a JSON number read through its
 * shortest decimal text, which is what the sender wrote (17.55). More than two decimals, hex,
 * exponents (1e21 prints as "1e+21") and non-finite numbers are refused, and so is an amount
 * outside `bounds` (by default ±MAX_ABS_FEN). "-0" is 0.
 */
export function yuanToFen(value: unknown, field = 'amount', bounds: { min?: number; max?: number } = {}): Fen {
  const text = typeof value === 'number' && Number.isFinite(value) ? String(value) : typeof value === 'string' ? value.trim() : undefined;
  const m = text === undefined ? null : YUAN_TEXT.exec(text);
  if (!m) {
    throw invalid(field, '应为金额（元，最多两位小数）', `expected an amount in yuan with at most two decimals, got ${JSON.stringify(value) ?? 'nothing'}`);
  }
  const abs = Number(m[2]) * 100 + Number((m[3] ?? '').padEnd(2, '0'));
  const amount = m[1] && abs !== 0 ? -abs : abs;
  const min = bounds.min ?? -MAX_ABS_FEN;
  const max = bounds.max ?? MAX_ABS_FEN;
  if (amount < min || amount > max) {
    const range = `${formatYuan(min as Fen)} … ${formatYuan(max as Fen)}`;
    throw invalid(field, `金额应在 ${range} 元之间`, `the amount must be within ${range} yuan, got ${JSON.stringify(value)}`);
  }
  return amount as Fen;
}

/**
 * The one crossing from fen back to yuan: a JSON number for the interface (12345 → 123.45; fen/100
 * is the double nearest the two-decimal value, so it prints as exactly that). Refuses a fraction
 * of a fen, which would mean an arithmetic slip upstream.
 */
export function fenToYuan(amount: number): number {
  if (!Number.isSafeInteger(amount)) throw new Error(`fenToYuan: ${amount} is not an integer amount of fen`);
  return amount / 100 + 0; // + 0 turns -0 into 0
}

/** Fen as yuan text with exactly two decimals: "12.28", "-0.23". */
export function formatYuan(amount: number): string {
  const neg = amount < 0;
  const abs = neg ? -amount : amount;
  const whole = Math.floor(abs / 100);
  const frac = abs - whole * 100;
  return `${neg ? '-' : ''}${whole}.${frac < 10 ? '0' : ''}${frac}`;
}

/** Fen as yuan text for people, thousands grouped: "2,637.14", "-1,234.50". */
export function formatYuanGrouped(amount: number): string {
  return formatYuan(amount).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

/** Parse a percentage or fraction the interface sends (selfpay_prop 0.05) into basis points. */
export function fractionToBp(fraction: number, field = 'ratio'): Bp {
  const n = Math.round(fraction * 10000);
  if (Math.abs(n - fraction * 10000) > 1e-6) {
    throw invalid(field, `比例精度超过万分之一：${fraction}`, `ratio finer than one basis point: ${fraction}`);
  }
  return bp(n);
}

export function bpToFraction(ratio: number): number {
  return ratio / 10000;
}

/** Divide an integer by 10000 with a rounding rule; negative amounts round symmetrically (refunds mirror charges). */
function div10000(product: number, rounding: Rounding): number {
  const neg = product < 0;
  const abs = neg ? -product : product;
  let q = Math.floor(abs / 10000);
  const r = abs - q * 10000;
  if (rounding === 'half_up') {
    if (r >= 5000) q += 1;
  } else if (rounding === 'half_even') {
    if (r > 5000 || (r === 5000 && q % 2 === 1)) q += 1;
  }
  return neg ? -q : q;
}

/** amount × ratio, rounded to the fen by the given rule: mulBp(1755, 7000, 'down') = 1228. */
export function mulBp(amount: Fen, ratio: Bp, rounding: Rounding): Fen {
  const product = amount * ratio;
  // Past 2^53 the product is no longer exact and the rounding would be silently wrong.
  assertInvariant(Number.isSafeInteger(product), `mulBp: ${amount} × ${ratio} is not exact`);
  return div10000(product, rounding) as Fen;
}

/**
 * The smallest base whose mulBp(base, ratio, rounding) reaches `target`, for a non-negative
 * target and ratio > 0: how much of a bill the remaining cap covers.
 */
export function baseForPayment(target: Fen, ratio: Bp, rounding: Rounding): Fen {
  if (target <= 0) return ZERO_FEN;
  let base = Math.ceil((target * 10000) / ratio);
  // Walk at most a few fen to land on the rounding rule's exact boundary.
  while (base > 0 && div10000((base - 1) * ratio, rounding) >= target) base -= 1;
  while (div10000(base * ratio, rounding) < target) base += 1;
  return base as Fen;
}

export const addFen = (a: Fen, b: Fen): Fen => (a + b) as Fen;
export const subFen = (a: Fen, b: Fen): Fen => (a - b) as Fen;
export const minFen = (a: Fen, b: Fen): Fen => (a < b ? a : b);
export const maxFen = (a: Fen, b: Fen): Fen => (a > b ? a : b);
/** Clamp to ≥ 0: a remaining deductible or cap is never negative. */
export const nonNegative = (a: Fen): Fen => (a > 0 ? a : ZERO_FEN);
