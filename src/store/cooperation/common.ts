import { notFound } from '../../engine/errors.ts';
import { defaultPoolingRegion, DEFAULT_FILING_POLICY, type FilingPolicy } from '../../engine/filing-rules.ts';
import type { Queryable } from '../db.ts';

// Shared by the cooperation repositories: persons, regions and the filing policy (who acts and
// the audit trail are src/store/audit.ts).

export interface PersonRow {
  psn_no: string;
  certno: string;
  psn_name: string;
  tel: string | null;
  insuplc_admdvs: string;
}

/** Finds a person by psn_no or certno; `lock` serialises one person's filings and applications. */
export async function findPerson(q: Queryable, key: { psn_no?: string | undefined; certno?: string | undefined }, lock = false, field = 'psn_no'): Promise<PersonRow> {
  const byNo = key.psn_no !== undefined;
  const r = await q.query<PersonRow>(
    `SELECT psn_no, certno, psn_name, tel, insuplc_admdvs FROM persons WHERE ${byNo ? 'psn_no' : 'certno'} = $1${lock ? ' FOR UPDATE' : ''}`,
    [byNo ? key.psn_no : key.certno],
  );
  const row = r.rows[0];
  if (!row) throw notFound(byNo ? field : 'certno', '查无此参保人', 'no such insured person');
  return row;
}

// Pooling regions change only when the regions are re-imported (yibao seed --regions), which
// an operator follows with a restart; a division's answer is kept for the process's life, so
// the hot path (every registration, every eligibility check) does not ask again. Only
// divisions the registry knows are kept: one added later is looked up again until it exists.
const pooling = new Map<string, string>();

/** The pooling region (统筹区) of a division: the registry's pooling_admdvs, else its city. */
export async function poolingRegionOf(q: Queryable, admdvs: string): Promise<string> {
  const known = pooling.get(admdvs);
  if (known !== undefined) return known;
  const r = await q.query<{ pooling_admdvs: string | null; is_pooling: boolean }>('SELECT pooling_admdvs, is_pooling FROM regions WHERE code = $1', [admdvs]);
  const row = r.rows[0];
  const found = row?.is_pooling ? admdvs : row?.pooling_admdvs ? row.pooling_admdvs : defaultPoolingRegion(admdvs) ?? admdvs;
  if (row) pooling.set(admdvs, found);
  return found;
}

export async function regionExists(q: Queryable, admdvs: string): Promise<boolean> {
  return ((await q.query('SELECT 1 FROM regions WHERE code = $1', [admdvs])).rowCount ?? 0) > 0;
}

export async function loadFilingPolicy(q: Queryable, insuplc: string): Promise<FilingPolicy> {
  const r = await q.query('SELECT * FROM filing_policies WHERE insuplc_admdvs = $1', [insuplc]);
  const row = r.rows[0] as Record<string, unknown> | undefined;
  if (!row) return DEFAULT_FILING_POLICY;
  return {
    inProvinceUnfiledAllowed: row.in_province_unfiled_allowed as boolean,
    crossProvinceUnfiledAllowed: row.cross_province_unfiled_allowed as boolean,
    temporaryValidityMonths: row.temporary_validity_months as number,
    longTermChangeAfterMonths: row.long_term_change_after_months as number,
    reviewDaysInProvince: row.review_days_in_province as number,
    reviewDaysCrossProvince: row.review_days_cross_province as number,
    commitmentCheckDays: row.commitment_check_days as number,
  };
}

export async function saveFilingPolicy(q: Queryable, insuplc: string, p: FilingPolicy): Promise<void> {
  await q.query(
    `INSERT INTO filing_policies (insuplc_admdvs, in_province_unfiled_allowed, cross_province_unfiled_allowed, temporary_validity_months,
       long_term_change_after_months, review_days_in_province, review_days_cross_province, commitment_check_days)
     VALUES ($1,$2,$3,$4,$5,$6,$7,$8)
     ON CONFLICT (insuplc_admdvs) DO UPDATE SET in_province_unfiled_allowed = $2, cross_province_unfiled_allowed = $3,
       temporary_validity_months = $4, long_term_change_after_months = $5, review_days_in_province = $6,
       review_days_cross_province = $7, commitment_check_days = $8`,
    [insuplc, p.inProvinceUnfiledAllowed, p.crossProvinceUnfiledAllowed, p.temporaryValidityMonths, p.longTermChangeAfterMonths, p.reviewDaysInProvince, p.reviewDaysCrossProvince, p.commitmentCheckDays],
  );
}

/** yyyymmdd of a Beijing date, for document numbers. */
export function compactDate(day: string): string {
  return day.replace(/-/g, '');
}
