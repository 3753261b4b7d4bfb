import { chinaDate } from '../engine/calendar.ts';
import type { Pool } from '../store/db.ts';
import { createAgreement } from '../app/cooperation/agreements.ts';
import { getAgreement } from '../store/cooperation/agreements.ts';
import { setCalendarDay } from '../app/cooperation/calendar.ts';
import { setFilingPolicy } from '../app/cooperation/filing-policy.ts';
import { loadFilingPolicy } from '../store/cooperation/common.ts';
import type { Actor } from '../store/audit.ts';
import { createFiling, reviewFiling } from '../app/cooperation/filings.ts';
import { applyRecognition, reviewRecognition, upsertDisease } from '../app/cooperation/recognitions.ts';
import { deliverOutbox, LoggingSender } from '../store/cooperation/notifications.ts';
import { poolingPharmacies } from '../store/registry/institutions.ts';
import type { FixturePersona } from './fixture-rows.ts';
import type { Fixtures } from './generate.ts';

// Demo data for issue 4: the 赣湘 10-cities agreement (seed 000), Changde's in-province waiver
// (seed 003), local chronic-disease lists, and filings and recognitions for persons the
// registry's generator created (passed in, so this seeder does not depend on its numbering).
// It goes through the store like any client: every row is validated and audited.

export const GANXIANG_CITIES = ['360400', '360300', '360700', '360900', '360800', '430100', '430200', '430300', '430600', '431000'] as const;

export interface CooperationDemoInput {
  now: Date;
  /** Insured in a Jiangxi member city, resettled to Changsha (异地安置退休). */
  retiree: { psn_no: string };
  /** Anyone from a member city who travels (temporary filing under commitment, by a grid worker). */
  traveller?: { psn_no: string; destination: string };
  /** A person recognised with hypertension by a designated hospital, and one waiting for review. */
  chronic?: { psn_no: string; hospital: string }[];
  /** Designated cross-border pooling pharmacies (at least two per member county is the goal). */
  pharmacies?: { county_admdvs: string; fixmedins_code: string }[];
  /** The agreement's start; the seed gives 11月16-17日 without a year. */
  agreementBegins?: string;
  log?: (line: string) => void;
}

export interface CooperationDemoResult {
  agreementNo: string;
  filings: string[];
  recognitions: string[];
  messagesSent: number;
}

const STAFF: Actor = { type: 'staff', id: 'demo-staff', name: '演示经办员' };

export async function seedCooperationDemo(pool: Pool, input: CooperationDemoInput): Promise<CooperationDemoResult> {
  const { now } = input;
  const agreementNo = 'GX10-HXB-2';
  const exists = await getAgreement(pool, agreementNo).then(() => true, () => false);
  if (!exists) {
    await createAgreement(pool, now, STAFF, {
      agreement_no: agreementNo,
      name: '深化赣湘10设区市医疗保障合作协议',
      begndate: input.agreementBegins ?? '2024-01-01',
      members: [...GANXIANG_CITIES],
      clauses: [
        { kind: 'extra_chronic_diseases', params: { note: '经两省医保部门协商新增；演示病种为示例 / demo diseases are examples' } },
        { kind: 'pooling_pharmacies', params: { goal_per_county: 2 } },
        { kind: 'inpatient_dip_budget' },
        { kind: 'data_sharing', params: { report: 'periodic inpatient expense analysis' } },
        { kind: 'assistance_investigation', params: { loop: 'insured place requests, treatment place verifies and replies' } },
      ],
      extra_diseases: [
        { code: 'GX01', name: '帕金森病', icd10_ranges: ['G20'] },
        { code: 'GX02', name: '慢性心力衰竭', icd10_ranges: ['I50'] },
        { code: 'GX03', name: '精神分裂症', icd10_ranges: ['F20'] },
      ],
      pooling_pharmacies: input.pharmacies ?? [],
    });
  }

  // Changde waives filing for in-province travel (seed 003); its 10-point lower ratio is the settlement policy's.
  const changde = await loadFilingPolicy(pool, '430700').catch(() => null);
  if (changde) await setFilingPolicy(pool, now, STAFF, '430700', { ...changde, inProvinceUnfiledAllowed: true }).catch(() => undefined);

  // A local day off in Jiujiang, to show regional calendar layers.
  await setCalendarDay(pool, now, STAFF, '360400', { day: '2026-12-31', kind: 'holiday', name: '演示：本地调整休息日' });

  for (const city of ['360400', '430100']) {
    await upsertDisease(pool, now, STAFF, { list_admdvs: city, code: `${city}-PD`, name: '帕金森病', icd10_ranges: ['G20'], validity_months: 24, valid_from: '2020-01-01', valid_to: null });
    await upsertDisease(pool, now, STAFF, { list_admdvs: city, code: `${city}-HF`, name: '慢性心力衰竭', icd10_ranges: ['I50'], validity_months: 24, valid_from: '2020-01-01', valid_to: null });
  }

  const filings: string[] = [];
  const retiree = await createFiling(pool, now, {
    psn_no: input.retiree.psn_no,
    kind: 'resettled_retiree',
    mdtrtarea_admdvs: '430100',
    begndate: chinaDate(now),
    enddate: null,
    filer: { type: 'person', id: input.retiree.psn_no },
    commitment: false,
    evidence: [
      { kind: 'residence_permit', ref: 'demo/residence-permit.pdf' },
      { kind: 'retirement_proof', ref: 'demo/retirement.pdf' },
    ],
  });
  await reviewFiling(pool, now, STAFF, retiree.filing_no, { decision: 'approve', reason: '材料齐全 / documents complete' });
  filings.push(retiree.filing_no);
  if (input.traveller) {
    const t = await createFiling(pool, now, {
      psn_no: input.traveller.psn_no,
      kind: 'temporary_other',
      mdtrtarea_admdvs: input.traveller.destination,
      begndate: chinaDate(now),
      enddate: null,
      filer: { type: 'grid_worker', id: 'grid-demo-01', name: '网格员', consent_ref: 'demo/consent-01' },
      commitment: true,
      evidence: [{ kind: 'commitment_letter', ref: 'demo/commitment.pdf' }],
    });
    filings.push(t.filing_no);
  }

  const recognitions: string[] = [];
  for (const [i, c] of (input.chronic ?? []).entries()) {
    const r = await applyRecognition(pool, now, {
      psn_no: c.psn_no,
      opsp_dise_code: 'CP01',
      diag_code: 'I10.x00',
      ide_fixmedins_code: c.hospital,
      diag_dr_codg: `DEMO-DR-${i + 1}`,
      diag_dr_name: '演示医师',
      hosp_ide_date: chinaDate(now),
      filer: { type: 'person', id: c.psn_no },
      evidence: [{ kind: 'diagnosis', ref: `demo/diagnosis-${i + 1}.pdf` }],
    });
    // The first is approved; later ones stay in the queue for the workbench to show.
    if (i === 0) await reviewRecognition(pool, now, STAFF, r.recognition_no, 'approve', '诊断明确 / diagnosis established');
    recognitions.push(r.recognition_no);
  }

  const messagesSent = await deliverOutbox(pool, [new LoggingSender('sms', input.log), new LoggingSender('wechat', input.log)], now);
  return { agreementNo, filings, recognitions, messagesSent };
}

/** The cooperation demo for the registry's personas: who files, who is recognised, which pharmacies the agreement names. */
export async function seedCooperationForFixtures(pool: Pool, fixtures: Fixtures, now: Date, log?: (line: string) => void): Promise<CooperationDemoResult> {
  const persona = (key: string): FixturePersona => {
    const p = fixtures.personas.find((x) => x.key === key);
    if (!p) throw new Error(`demo persona ${key} is missing from the fixtures`);
    return p;
  };
  const institution = (key: string): string => {
    const i = fixtures.institutions.find((x) => x.key === key);
    if (!i) throw new Error(`demo institution ${key} is missing from the fixtures`);
    return i.fixmedins_code;
  };
  return seedCooperationDemo(pool, {
    now,
    retiree: persona('jiujiang_retiree_in_changsha'),
    traveller: { psn_no: persona('zhuzhou_shifeng_resident').psn_no, destination: '110100' },
    chronic: [
      { psn_no: persona('changde_elder_hypertension').psn_no, hospital: institution('changde_level3_hospital') },
      { psn_no: persona('zhuzhou_employee_with_account').psn_no, hospital: institution('zhuzhou_level3_hospital') },
    ],
    pharmacies: await poolingPharmacies(pool, GANXIANG_CITIES, 2),
    log,
  });
}
