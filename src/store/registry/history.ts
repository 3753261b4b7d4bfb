import { chinaDate } from '../../engine/calendar.ts';
import type { Queryable } from '../db.ts';

import { listContributions, getPersonalAccount, type Contribution, type PersonalAccount } from './contributions.ts';
import { listEnrollments } from './enrollments.ts';
import { listIdentities, type Identity } from './identities.ts';
import { requirePersonByCertno, type Person } from './persons.ts';
import type { Type } from 'typebox';
import type { EnrollmentPeriodSchema } from './schemas.ts';

// 参保缴费信息跨省查询: one person's enrollment and contribution history across every region
// this deployment holds, each period with its region's name and pooling region, and the
// contributions paid in each.

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

/** Every enrollment period of the person in every region this deployment holds, oldest first. */
export async function enrollmentPeriods(q: Queryable, psnNo: string): Promise<EnrollmentPeriod[]> {
  const enrollments = await listEnrollments(q, psnNo);
  const codes = [...new Set(enrollments.flatMap((e) => [e.insuplc_admdvs, e.insuplc_admdvs.slice(0, 2) + '0000']))];
  const names = new Map(
    (await q.query<{ code: string; name: string; pooling_admdvs: string | null }>('SELECT code, name, pooling_admdvs FROM regions WHERE code = ANY($1)', [codes])).rows.map((r) => [r.code, r]),
  );
  return enrollments.map((e) => {
    const province = e.insuplc_admdvs.slice(0, 2) + '0000';
    return {
      ...e,
      admdvs_name: names.get(e.insuplc_admdvs)?.name ?? '',
      pooling_admdvs: names.get(e.insuplc_admdvs)?.pooling_admdvs ?? null,
      province_admdvs: province,
      province_name: names.get(province)?.name ?? '',
    };
  });
}

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
