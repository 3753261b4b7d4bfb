import { chinaDate } from '../../engine/calendar.ts';
import type { Queryable } from '../../store/db.ts';
import { listContributions, getPersonalAccount, type Contribution, type PersonalAccount } from '../../store/registry/contributions.ts';
import { listEnrollments } from '../../store/registry/enrollments.ts';
import { listIdentities, type Identity } from '../../store/registry/identities.ts';
import type { Person } from '../../store/registry/persons.ts';
import { regionNames } from '../../store/registry/regions.ts';
import type { Type } from 'typebox';
import type { EnrollmentPeriodSchema } from '../../store/registry/schemas.ts';
import { requirePersonByCertno } from './persons.ts';

// 参保缴费信息跨省查询 (5310 and REST): one person's enrollment and contribution history across
// every region this deployment holds, each period with its region's name, its province and
// its pooling region, and the contributions paid in each.

/** An enrollment period with the names of its region and province. */
export type EnrollmentPeriod = Type.Static<typeof EnrollmentPeriodSchema>;

export interface HistoryPeriod extends EnrollmentPeriod {
  contributions: Contribution[];
}

export interface InsuranceHistory {
  person: Person;
  as_of: string;
  periods: HistoryPeriod[];
  /** Regions the person has been insured in, in the order they were entered. */
  regions: Array<{ admdvs: string; name: string; province_name: string }>;
  provinces: string[];
  contributions_total_fen: number;
  identities: Identity[];
  personal_account: PersonalAccount | null;
}

/** A division's province: its first two digits and four zeros. */
const provinceOf = (admdvs: string): string => admdvs.slice(0, 2) + '0000';

/** Every enrollment period of the person in every region this deployment holds, oldest first. */
export async function enrollmentPeriods(q: Queryable, psnNo: string): Promise<EnrollmentPeriod[]> {
  const enrollments = await listEnrollments(q, psnNo);
  const names = await regionNames(q, [...new Set(enrollments.flatMap((e) => [e.insuplc_admdvs, provinceOf(e.insuplc_admdvs)]))]);
  return enrollments.map((e) => {
    const province = provinceOf(e.insuplc_admdvs);
    return {
      ...e,
      admdvs_name: names.get(e.insuplc_admdvs)?.name ?? '',
      pooling_admdvs: names.get(e.insuplc_admdvs)?.pooling_admdvs ?? null,
      province_admdvs: province,
      province_name: names.get(province)?.name ?? '',
    };
  });
}

/** The history of the person with this ID number (malformed: 400; unknown: 404, naming certno). */
export async function insuranceHistory(q: Queryable, certno: string, now: Date): Promise<InsuranceHistory> {
  const person = await requirePersonByCertno(q, certno);
  const [enrollments, contributions, identities, account] = [
    await enrollmentPeriods(q, person.psn_no),
    await listContributions(q, person.psn_no),
    await listIdentities(q, person.psn_no),
    await getPersonalAccount(q, person.psn_no),
  ];
  const periods: HistoryPeriod[] = enrollments.map((e) => ({ ...e, contributions: contributions.filter((c) => c.enrollment_id === e.id) }));
  const regions: InsuranceHistory['regions'] = [];
  for (const p of periods) {
    if (!regions.some((r) => r.admdvs === p.insuplc_admdvs)) regions.push({ admdvs: p.insuplc_admdvs, name: p.admdvs_name, province_name: p.province_name });
  }
  return {
    person,
    as_of: chinaDate(now),
    periods,
    regions,
    provinces: [...new Set(periods.map((p) => p.province_admdvs))],
    contributions_total_fen: contributions.reduce((s, c) => s + c.amount_fen, 0),
    identities,
    personal_account: account ?? null,
  };
}
