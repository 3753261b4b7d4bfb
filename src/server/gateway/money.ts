import { invalid } from '../../engine/errors.ts';

// The interface speaks yuan with two decimals as JSON numbers; everything inside is integer
// fen. These two functions are the only crossing, so no float arithmetic reaches a ledger.

/** Integer fen → yuan as a JSON number (12345 → 123.45). */
export function fenToYuan(fen: number): number {
  if (!Number.isSafeInteger(fen)) throw new Error(`fenToYuan: ${fen} is not an integer amount of fen`);
  return Number((fen / 100).toFixed(2));
}

/**
 * Yuan as sent by a client (number or numeric string, at most two decimals) → integer fen.
 * Parsed from the decimal text, never multiplied as a float (0.29 * 100 = 28.999…).
 */
export function yuanToFen(value: unknown, field: string): number {
  const text = typeof value === 'number' && Number.isFinite(value) ? String(value) : typeof value === 'string' ? value.trim() : undefined;
  const m = text === undefined ? null : /^(-)?(\d{1,13})(?:\.(\d{1,2})0*)?$/.exec(text);
  if (!m) {
    throw invalid(field, '应为金额（元，最多两位小数）', `expected an amount in yuan with at most two decimals, got ${JSON.stringify(value) ?? 'nothing'}`);
  }
  const fen = Number(m[2]) * 100 + Number((m[3] ?? '').padEnd(2, '0'));
  return m[1] && fen !== 0 ? -fen : fen;
}
