import { invalid } from '../../engine/errors.ts';
import { formatYuan, MAX_ABS_FEN, type Fen } from '../../engine/money.ts';

// The interface speaks yuan with two decimals as JSON numbers; everything inside is integer
// fen. These two functions are the only crossing, so no float arithmetic reaches a ledger.

/** Integer fen → yuan as a JSON number (12345 → 123.45). */
export function fenToYuan(fen: number): number {
  if (!Number.isSafeInteger(fen)) throw new Error(`fenToYuan: ${fen} is not an integer amount of fen`);
  return Number((fen / 100).toFixed(2));
}

/**
 * Yuan as sent by a client (number or numeric string, at most two decimals) → integer fen.
 * Parsed from the decimal text, never multiplied as a float (0.29 * 100 = 28.999…). Decimal
 * only (no hex, exponent or Infinity), and within `bounds` (by default ±MAX_ABS_FEN).
 */
export function yuanToFen(value: unknown, field: string, bounds: { min?: number; max?: number } = {}): number {
  const text = typeof value === 'number' && Number.isFinite(value) ? String(value) : typeof value === 'string' ? value.trim() : undefined;
  const m = text === undefined ? null : /^(-)?(\d{1,13})(?:\.(\d{1,2})0*)?$/.exec(text);
  if (!m) {
    throw invalid(field, '应为金额（元，最多两位小数）', `expected an amount in yuan with at most two decimals, got ${JSON.stringify(value) ?? 'nothing'}`);
  }
  const abs = Number(m[2]) * 100 + Number((m[3] ?? '').padEnd(2, '0'));
  const fen = m[1] && abs !== 0 ? -abs : abs;
  const min = bounds.min ?? -MAX_ABS_FEN;
  const max = bounds.max ?? MAX_ABS_FEN;
  if (fen < min || fen > max) {
    const range = `${formatYuan(min as Fen)} … ${formatYuan(max as Fen)}`;
    throw invalid(field, `金额应在 ${range} 元之间`, `the amount must be within ${range} yuan, got ${JSON.stringify(value)}`);
  }
  return fen;
}
