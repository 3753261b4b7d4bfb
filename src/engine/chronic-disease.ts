// Outpatient chronic and special diseases (门诊慢特病): ICD-10 ranges, the national
// cross-province list, recognition validity. Pure.

import { Problems } from './errors.ts';
import { addDays, addMonths, isIsoDate, type IsoDate } from './calendar.ts';

/** The code under which the national cross-province list is stored (not a region). */
export const NATIONAL_LIST = '000000';

export interface ChronicDisease {
  /** The list it belongs to: a pooling region, or NATIONAL_LIST. */
  listAdmdvs: string;
  code: string;
  name: string;
  /** ICD-10 ranges: 'I10', 'E10-E14', 'N18.5', 'C00-D09'. */
  icd10Ranges: readonly string[];
  /** Months a recognition lasts; null: until revoked. */
  validityMonths: number | null;
  validFrom: IsoDate;
  validTo: IsoDate | null;
}

const ICD = /^[A-Z][0-9]{2}(\.[0-9A-Za-z]{1,6}([a-z0-9]{0,6})?)?$/;

/** Normalises a medical-insurance ICD-10 code: upper-case letter, dot kept ('i10.x00' → 'I10.X00'). */
export function normaliseIcd(code: string): string {
  return code.trim().toUpperCase();
}

export function isIcd10Range(range: string): boolean {
  const parts = range.split('-');
  if (parts.length > 2) return false;
  return parts.every((p) => ICD.test(normaliseIcd(p)) || /^[A-Z][0-9]{2}\.[0-9X]+$/.test(normaliseIcd(p)));
}

/**
 * Whether a diagnosis falls in a range. A single code matches itself and its subdivisions
 * ('N18.5' matches 'N18.500'); 'E10-E14' compares the 3-character categories inclusively.
 */
export function icdInRange(diagnosis: string, range: string): boolean {
  const code = normaliseIcd(diagnosis).replace(/\s/g, '');
  const [lo, hi] = range.split('-').map(normaliseIcd);
  if (lo === undefined) return false;
  if (hi === undefined) {
    const stripped = lo.replace(/X+$/, '');
    return code === lo || code.startsWith(stripped.includes('.') ? stripped : stripped + '.') || code === stripped;
  }
  const cat = code.slice(0, 3);
  return cat >= lo.slice(0, 3) && cat <= hi.slice(0, 3);
}

export function diseaseMatches(d: Pick<ChronicDisease, 'icd10Ranges'>, diagnosis: string): boolean {
  return d.icd10Ranges.some((r) => icdInRange(diagnosis, r));
}

function listedOn(d: Pick<ChronicDisease, 'validFrom' | 'validTo'>, day: IsoDate): boolean {
  return d.validFrom <= day && (d.validTo === null || day <= d.validTo);
}

/** The national cross-province entry covering a diagnosis on a date, if any. */
export function nationalEntryFor(
  national: readonly ChronicDisease[],
  diagnosis: string,
  day: IsoDate,
): ChronicDisease | undefined {
  return national.find((d) => listedOn(d, day) && diseaseMatches(d, diagnosis));
}

export function checkDiseaseDefinition(d: { code: string; name: string; icd10Ranges: readonly string[]; validFrom: string; validTo: string | null }): void {
  const p = new Problems();
  if (!/^[A-Za-z0-9_.-]{1,30}$/.test(d.code)) p.add('code', '病种代码应为 1-30 位字母数字', 'code must be 1-30 letters or digits');
  if (!d.name.trim()) p.add('name', '病种名称不能为空', 'name must not be empty');
  if (d.icd10Ranges.length === 0) p.add('icd10_ranges', '至少一个 ICD-10 范围', 'at least one ICD-10 range');
  d.icd10Ranges.forEach((r, i) => {
    if (!isIcd10Range(r)) p.add(`icd10_ranges/${i}`, `ICD-10 范围格式错误：${r}`, `malformed ICD-10 range: ${r}`);
  });
  if (!isIsoDate(d.validFrom)) p.add('valid_from', '日期应为 yyyy-mm-dd', 'valid_from must be yyyy-mm-dd');
  if (d.validTo !== null && (!isIsoDate(d.validTo) || d.validTo < d.validFrom)) {
    p.add('valid_to', '结束日期应晚于开始日期', 'valid_to must be a date not before valid_from');
  }
  p.throwIfAny();
}

/** A recognition's end: the disease's validity from the start, or null (until revoked). */
export function recognitionEnd(begndate: IsoDate, validityMonths: number | null): IsoDate | null {
  return validityMonths === null ? null : addDays(addMonths(begndate, validityMonths), -1);
}

export const RECOGNITION_STATUSES = {
  pending_review: { zh: '待审核', en: 'waiting for review' },
  recognised: { zh: '已认定', en: 'recognised' },
  rejected: { zh: '未通过', en: 'rejected' },
  revoked: { zh: '已撤销', en: 'revoked' },
} as const;
export type RecognitionStatus = keyof typeof RECOGNITION_STATUSES;

export interface RecognitionFact {
  recognitionNo: string;
  status: RecognitionStatus;
  insuplcAdmdvs: string;
  diseaseCode: string;
  diseaseName: string;
  diagCode: string;
  begndate: IsoDate;
  enddate: IsoDate | null;
  revokedOn: IsoDate | null;
  /** The responsible doctor (责任医师) for separately paid drugs. */
  respDrCodg: string | null;
}

export function recognitionValidOn(r: RecognitionFact, day: IsoDate): boolean {
  if (r.status !== 'recognised' && r.status !== 'revoked') return false;
  if (r.revokedOn !== null && day >= r.revokedOn) return false;
  return r.begndate <= day && (r.enddate === null || day <= r.enddate);
}
