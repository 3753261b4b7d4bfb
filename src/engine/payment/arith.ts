// Exact arithmetic for payment: products of weights (1/10000), rates (fen) and coefficients (bp)
// pass 2^53 for the dearest groups, so they are taken in BigInt and rounded to an integer once,
// half away from zero (四舍五入), the rounding every figure in docs/payment-rules.md uses.
import { assertInvariant } from '../errors.ts';

/** num ÷ den rounded half away from zero; den > 0. */
export function roundDiv(num: bigint, den: bigint): bigint {
  assertInvariant(den > 0n, 'roundDiv: the divisor must be positive');
  const neg = num < 0n;
  const abs = neg ? -num : num;
  const q = (abs * 2n + den) / (den * 2n);
  return neg ? -q : q;
}

/** roundDiv for integers within 2^53: num ÷ den half away from zero, den > 0. */
export function roundDivNumber(num: number, den: number): number {
  const neg = num < 0;
  const abs = neg ? -num : num;
  let q = Math.floor(abs / den);
  let r = abs - q * den;
  if (r < 0) { q -= 1; r += den; } else if (r >= den) { q += 1; r -= den; }
  if (2 * r >= den) q += 1;
  return neg ? -q : q;
}

/** Back to a number, asserting it is exact. */
export function toSafe(n: bigint, what: string): number {
  assertInvariant(n <= BigInt(Number.MAX_SAFE_INTEGER) && n >= BigInt(Number.MIN_SAFE_INTEGER), `${what}: ${n} is beyond 2^53`);
  return Number(n);
}

/** The product of integers, divided by `den` and rounded once: the one rounding of a payment. */
export function mulDivRound(factors: readonly number[], den: bigint, what: string): number {
  // Fast path: while the float product stays within 2^53 it is the exact product.
  let f = 1;
  for (const x of factors) f *= x;
  const d = Number(den);
  if (Math.abs(f) <= Number.MAX_SAFE_INTEGER && d <= Number.MAX_SAFE_INTEGER && factors.every(Number.isSafeInteger)) return roundDivNumber(f, d);
  let p = 1n;
  for (const f of factors) {
    assertInvariant(Number.isSafeInteger(f), `${what}: ${f} is not an integer`);
    p *= BigInt(f);
  }
  return toSafe(roundDiv(p, den), what);
}

/** Ten-thousandths as decimal text: 8000 → "0.8000". */
export function formatTenThousandths(n: number): string {
  const neg = n < 0;
  const abs = Math.abs(n);
  return `${neg ? '-' : ''}${Math.floor(abs / 10000)}.${String(abs % 10000).padStart(4, '0')}`;
}
