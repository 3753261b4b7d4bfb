// Resident identity numbers (公民身份号码) under GB 11643-1999: 6-digit address code, 8-digit
// birth date, 3-digit sequence (odd for men, even for women) and an ISO 7064 MOD 11-2 check
// character. Pure: the caller passes "today" when a future birth date must be refused.

const WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2] as const;
const CHECK_CHARS = '10X98765432';

/**
 * Province-level prefixes that can open an ID number (the first two digits of the address
 * code). Only the province is checked: the county of an old ID may have been abolished or
 * renamed since it was issued, and the number stays valid for life.
 */
export const ID_PROVINCE_PREFIXES: ReadonlySet<string> = new Set([
  '11', '12', '13', '14', '15', '21', '22', '23', '31', '32', '33', '34', '35', '36', '37',
  '41', '42', '43', '44', '45', '46', '50', '51', '52', '53', '54', '61', '62', '63', '64', '65',
  '71', '81', '82',
]);

export type Gend = '1' | '2'; // GB/T 2261.1: 1 male, 2 female

export interface IdCardInfo {
  certno: string; // normalised: upper-case X
  admdvs: string; // the 6-digit address code
  brdy: string; // yyyy-mm-dd
  gend: Gend;
}

export type IdCardProblem = {
  code: 'length' | 'characters' | 'region' | 'date' | 'check_digit';
  zh: string;
  en: string;
};

export type IdCardResult = { ok: true; value: IdCardInfo } | { ok: false; problem: IdCardProblem };

/** The check character for the first 17 digits. */
export function checkChar(first17: string): string {
  let sum = 0;
  for (let i = 0; i < 17; i++) sum += (first17.charCodeAt(i) - 48) * WEIGHTS[i]!;
  return CHECK_CHARS[sum % 11]!;
}

function isRealDate(y: number, m: number, d: number): boolean {
  if (m < 1 || m > 12 || d < 1) return false;
  const leap = (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
  const days = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][m - 1]!;
  return d <= days;
}

/**
 * Validates an 18-character ID number and derives birth date and sex. `today` (yyyy-mm-dd),
 * when given, refuses birth dates after it.
 */
export function parseIdCard(input: string, today?: string): IdCardResult {
  const certno = input.trim().toUpperCase();
  if (certno.length !== 18) {
    return { ok: false, problem: { code: 'length', zh: `身份证号应为 18 位，实为 ${certno.length} 位`, en: `an ID number has 18 characters, got ${certno.length}` } };
  }
  if (!/^[0-9]{17}[0-9X]$/.test(certno)) {
    return { ok: false, problem: { code: 'characters', zh: '身份证号前 17 位应为数字，末位为数字或 X', en: 'expected 17 digits and a final digit or X' } };
  }
  if (!ID_PROVINCE_PREFIXES.has(certno.slice(0, 2))) {
    return { ok: false, problem: { code: 'region', zh: `地址码 ${certno.slice(0, 6)} 不属于任何省级行政区`, en: `address code ${certno.slice(0, 6)} belongs to no province` } };
  }
  const y = Number(certno.slice(6, 10));
  const m = Number(certno.slice(10, 12));
  const d = Number(certno.slice(12, 14));
  const brdy = `${certno.slice(6, 10)}-${certno.slice(10, 12)}-${certno.slice(12, 14)}`;
  if (y < 1900 || !isRealDate(y, m, d) || (today !== undefined && brdy > today)) {
    return { ok: false, problem: { code: 'date', zh: `出生日期 ${certno.slice(6, 14)} 不是有效日期`, en: `birth date ${certno.slice(6, 14)} is not a real date` } };
  }
  const expected = checkChar(certno);
  if (certno[17] !== expected) {
    return { ok: false, problem: { code: 'check_digit', zh: `校验码应为 ${expected}`, en: `the check character should be ${expected}` } };
  }
  const gend: Gend = Number(certno[16]) % 2 === 1 ? '1' : '2';
  return { ok: true, value: { certno, admdvs: certno.slice(0, 6), brdy, gend } };
}

/** Builds a valid ID number: address code, birth date (yyyy-mm-dd), sequence 0-999 (its parity is the sex). */
export function makeIdCard(admdvs: string, brdy: string, sequence: number): string {
  if (!/^[0-9]{6}$/.test(admdvs)) throw new Error(`address code must be 6 digits: ${admdvs}`);
  if (!/^[0-9]{4}-[0-9]{2}-[0-9]{2}$/.test(brdy)) throw new Error(`birth date must be yyyy-mm-dd: ${brdy}`);
  if (!Number.isInteger(sequence) || sequence < 0 || sequence > 999) throw new Error(`sequence must be 0-999: ${sequence}`);
  const first17 = admdvs + brdy.replace(/-/g, '') + String(sequence).padStart(3, '0');
  return first17 + checkChar(first17);
}

/** A sequence number with the parity of `gend`, from any integer `n` (deterministic). */
export function sequenceFor(gend: Gend, n: number): number {
  const base = Math.abs(Math.trunc(n)) % 500;
  return base * 2 + (gend === '1' ? 1 : 0);
}

/**
 * Age in whole years on `onDate` for a birth date, both yyyy-mm-dd: the one age rule for the
 * gateway's answers, the catalog's age limits and the demo. A 29 February birthday turns on
 * 1 March in a common year; a date before the birth date is age 0, never negative.
 */
export function ageOn(brdy: string, onDate: string): number {
  const years = Number(onDate.slice(0, 4)) - Number(brdy.slice(0, 4));
  return Math.max(0, onDate.slice(5) < brdy.slice(5) ? years - 1 : years);
}
