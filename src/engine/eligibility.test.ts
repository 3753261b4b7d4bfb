import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { decideEligibility, type AgreementFact, type EligibilityFacts, type InstitutionFact } from './eligibility.ts';
import { DEFAULT_FILING_POLICY, type FilingFact } from './filing-rules.ts';
import { NATIONAL_LIST, icdInRange, type ChronicDisease, type RecognitionFact } from './chronic-disease.ts';

const changshaHospital: InstitutionFact = {
  fixmedinsCode: 'H43010000001',
  fixmedinsType: '1',
  admdvs: '430102',
  poolingAdmdvs: '430100',
  settlesCrossProvOutpatient: true,
  settlesInpatient: true,
  settlesChronic: true,
  settlesOutpatientPooling: true,
};

const national: ChronicDisease[] = [
  { listAdmdvs: NATIONAL_LIST, code: 'NAT-HTN', name: '高血压', icd10Ranges: ['I10-I15'], validityMonths: null, validFrom: '2021-09-01', validTo: null },
  { listAdmdvs: NATIONAL_LIST, code: 'NAT-ESRD', name: '尿毒症透析', icd10Ranges: ['N18.5'], validityMonths: null, validFrom: '2021-09-01', validTo: null },
];

const ganxiang: AgreementFact = {
  agreementNo: 'GX-2026',
  name: '赣湘10设区市医保合作协议',
  begndate: '2026-01-01',
  enddate: null,
  members: ['360400', '430100'],
  clauses: [
    { kind: 'extra_chronic_diseases', begndate: '2026-01-01', enddate: null },
    { kind: 'inpatient_dip_budget', begndate: '2026-01-01', enddate: null },
    { kind: 'pooling_pharmacies', begndate: '2026-01-01', enddate: null },
  ],
  extraDiseases: [{ code: 'GX-PD', name: '帕金森病', icd10Ranges: ['G20'] }],
  poolingPharmacies: ['P43010000009'],
};

function facts(over: Partial<EligibilityFacts> = {}): EligibilityFacts {
  return {
    psnNo: '36040000000001',
    insuplcAdmdvs: '360400',
    enrollments: [{ insutype: '310', psnInsuStas: '1', insuplcAdmdvs: '360400', begndate: '2000-01-01', enddate: null }],
    institution: changshaHospital,
    visit: { medType: '21', begndate: '2026-06-01', enddate: '2026-06-10' },
    filings: [],
    recognitions: [],
    agreements: [],
    nationalDiseases: national,
    drug: null,
    policy: DEFAULT_FILING_POLICY,
    ...over,
  };
}

const retireeFiling: FilingFact = {
  filingNo: 'F-1',
  kind: 'resettled_retiree',
  status: 'effective',
  insuplcAdmdvs: '360400',
  mdtrtareaAdmdvs: '430100',
  begndate: '2026-03-01',
  enddate: null,
  effectiveOn: '2026-03-01',
  revokedOn: null,
  fixmedinsCode: null,
};

function recognition(diagCode: string, name: string, over: Partial<RecognitionFact> = {}): RecognitionFact {
  return {
    recognitionNo: 'R-' + diagCode,
    status: 'recognised',
    insuplcAdmdvs: '360400',
    diseaseCode: 'JJ-' + diagCode,
    diseaseName: name,
    diagCode,
    begndate: '2026-01-01',
    enddate: null,
    revokedOn: null,
    respDrCodg: 'D001',
    ...over,
  };
}

test('the Jiujiang retiree filed long-term to Changsha settles like a local', () => {
  const d = decideEligibility(facts({ filings: [retireeFiling] }));
  assert.equal(d.allowed, true);
  assert.equal(d.status, 'long_term_filed');
  assert.equal(d.terms.treatedAsLocal, true);
  assert.equal(d.terms.reduced, false);
  assert.equal(d.terms.filingNo, 'F-1');
  assert.equal(d.crossProvince, true);
});

test('without a filing: cross-province reduced terms, in-province by policy, refusal when the policy says so', () => {
  const unfiled = decideEligibility(facts());
  assert.equal(unfiled.status, 'unfiled');
  assert.equal(unfiled.allowed, true);
  assert.equal(unfiled.terms.reduced, true);
  const refused = decideEligibility(facts({ policy: { ...DEFAULT_FILING_POLICY, crossProvinceUnfiledAllowed: false } }));
  assert.equal(refused.allowed, false);

  const inProvince = { ...changshaHospital, fixmedinsCode: 'H36010000001', admdvs: '360102', poolingAdmdvs: '360100' };
  const waived = decideEligibility(facts({ institution: inProvince, policy: { ...DEFAULT_FILING_POLICY, inProvinceUnfiledAllowed: true } }));
  assert.equal(waived.status, 'in_province_unfiled');
  assert.equal(waived.terms.reduced, true);
  const notWaived = decideEligibility(facts({ institution: inProvince }));
  assert.equal(notWaived.allowed, false);
  assert.equal(notWaived.status, 'unfiled');
});

test('local care, emergencies, referrals to another hospital, not enrolled', () => {
  const home = { ...changshaHospital, fixmedinsCode: 'H36040000001', admdvs: '360402', poolingAdmdvs: '360400' };
  assert.equal(decideEligibility(facts({ institution: home })).status, 'local');
  assert.equal(decideEligibility(facts({ visit: { medType: '21', begndate: '2026-06-01', enddate: '2026-06-02', emergencyFlag: true } })).status, 'emergency');
  const referral: FilingFact = { ...retireeFiling, kind: 'referral', enddate: '2026-08-31', fixmedinsCode: 'H43010000777' };
  assert.equal(decideEligibility(facts({ filings: [referral] })).status, 'unfiled', 'the referral names another hospital');
  assert.equal(decideEligibility(facts({ filings: [{ ...referral, fixmedinsCode: changshaHospital.fixmedinsCode }] })).status, 'referral_filed');
  const none = decideEligibility(facts({ enrollments: [] }));
  assert.equal(none.allowed, false);
  assert.equal(none.status, null);
  assert.equal(none.reasons[0]?.code, 'not_enrolled');
});

test('a filing made after admission counts at discharge; a revoked one does not', () => {
  const late = { ...retireeFiling, begndate: '2026-06-05', effectiveOn: '2026-06-05' };
  const d = decideEligibility(facts({ filings: [late] }));
  assert.equal(d.status, 'long_term_filed');
  assert.ok(d.reasons.some((r) => r.en.includes('after admission')));
  const revoked = decideEligibility(facts({ filings: [{ ...retireeFiling, status: 'revoked', revokedOn: '2026-05-01' }] }));
  assert.equal(revoked.status, 'unfiled');
});

test('chronic diseases: national list across provinces, agreement-only disease only between members', () => {
  const visit = { medType: '14' as const, begndate: '2026-06-01', enddate: '2026-06-01', diagCode: 'G20.x00' };
  const pd = recognition('G20.x00', '帕金森病');
  const member = decideEligibility(facts({ visit, recognitions: [pd], agreements: [ganxiang] }));
  assert.equal(member.allowed, true);
  assert.equal(member.terms.chronicDisease?.basis, 'agreement');
  assert.equal(member.terms.chronicDisease?.agreementNo, 'GX-2026');

  const beijing = { ...changshaHospital, fixmedinsCode: 'H11010000001', admdvs: '110101', poolingAdmdvs: '110100' };
  const nonMember = decideEligibility(facts({ institution: beijing, visit, recognitions: [pd], agreements: [ganxiang] }));
  assert.equal(nonMember.allowed, false);
  assert.equal(nonMember.reasons.at(-1)?.code, 'chronic_not_cross_province');

  const htn = decideEligibility(facts({ institution: beijing, visit: { ...visit, diagCode: 'I10.x00' }, recognitions: [recognition('I10.x00', '高血压')] }));
  assert.equal(htn.allowed, true);
  assert.equal(htn.terms.chronicDisease?.basis, 'national_cross_province');

  const expired = decideEligibility(facts({ visit, recognitions: [{ ...pd, enddate: '2026-05-31' }], agreements: [ganxiang] }));
  assert.equal(expired.allowed, false);
});

test('inpatient stays between agreement members enter the treatment place DIP budget; designated pharmacies', () => {
  assert.equal(decideEligibility(facts({ filings: [retireeFiling], agreements: [ganxiang] })).terms.inpatientPayment, 'treatment_place_dip_budget');
  assert.equal(decideEligibility(facts({ filings: [retireeFiling] })).terms.inpatientPayment, 'treatment_place_rules');
  const pharmacy = { ...changshaHospital, fixmedinsCode: 'P43010000009', fixmedinsType: '2' as const };
  const visit = { medType: '41' as const, begndate: '2026-06-01', enddate: '2026-06-01' };
  assert.equal(decideEligibility(facts({ institution: pharmacy, visit, agreements: [ganxiang] })).allowed, true);
  assert.equal(decideEligibility(facts({ institution: { ...pharmacy, fixmedinsCode: 'P43010000010' }, visit, agreements: [ganxiang] })).allowed, false);
});

test('separately paid drugs need the recognised disease, the responsible doctor and a designated dispenser', () => {
  const drug = { drugCode: 'XDRUG1', drugName: '曲妥珠单抗', icd10Ranges: ['C50'], dispensers: ['H43010000001'] };
  const rec = recognition('C50.900', '乳腺癌');
  const visit = { medType: '11' as const, begndate: '2026-06-01', enddate: '2026-06-01', drug: { drugCode: 'XDRUG1', drCodg: 'D001' } };
  const ok = decideEligibility(facts({ filings: [retireeFiling], visit, drug, recognitions: [rec] }));
  assert.equal(ok.allowed, true, JSON.stringify(ok.reasons));
  assert.equal(ok.terms.separatelyPaidDrug?.drugCode, 'XDRUG1');
  assert.equal(decideEligibility(facts({ filings: [retireeFiling], visit: { ...visit, drug: { drugCode: 'XDRUG1', drCodg: 'D999' } }, drug, recognitions: [rec] })).allowed, false);
  assert.equal(decideEligibility(facts({ filings: [retireeFiling], visit, drug: { ...drug, dispensers: [] }, recognitions: [rec] })).allowed, false);
  assert.equal(decideEligibility(facts({ filings: [retireeFiling], visit, drug, recognitions: [] })).allowed, false);
});

test('ICD-10 ranges', () => {
  assert.ok(icdInRange('E11.900', 'E10-E14'));
  assert.ok(!icdInRange('E15.000', 'E10-E14'));
  assert.ok(icdInRange('N18.500', 'N18.5'));
  assert.ok(!icdInRange('N18.400', 'N18.5'));
  assert.ok(icdInRange('D05.100', 'C00-D09'));
  assert.ok(!icdInRange('D10.000', 'C00-D09'));
  assert.ok(icdInRange('I10.x00x002', 'I10'));
  assert.ok(icdInRange('Z94.001', 'Z94'));
});

test('property: a decision is consistent with the filings it was given', () => {
  const day = fc.integer({ min: 0, max: 400 }).map((n) => new Date(Date.UTC(2026, 0, 1 + n)).toISOString().slice(0, 10));
  const filing = fc.record({
    kind: fc.constantFrom('resettled_retiree', 'long_term_resident', 'posted_worker', 'referral', 'emergency', 'temporary_other'),
    status: fc.constantFrom('pending_review', 'effective', 'rejected', 'revoked', 'superseded'),
    dest: fc.constantFrom('430100', '430000', '110100'),
    begndate: day,
    length: fc.option(fc.integer({ min: 0, max: 300 }), { nil: null }),
    revokedAfter: fc.option(fc.integer({ min: 0, max: 300 }), { nil: null }),
  });
  fc.assert(
    fc.property(fc.array(filing, { maxLength: 5 }), day, fc.integer({ min: 0, max: 20 }), (raw, begndate, stay) => {
      const shift = (d: string, n: number): string => new Date(Date.parse(d + 'T00:00:00Z') + n * 86400_000).toISOString().slice(0, 10);
      const filings: FilingFact[] = raw.map((r, i) => ({
        filingNo: `F${i}`,
        kind: r.kind,
        status: r.status,
        insuplcAdmdvs: '360400',
        mdtrtareaAdmdvs: r.dest,
        begndate: r.begndate,
        enddate: r.length === null ? null : shift(r.begndate, r.length),
        effectiveOn: r.status === 'pending_review' || r.status === 'rejected' ? null : r.begndate,
        revokedOn: r.status === 'revoked' || r.status === 'superseded' ? shift(r.begndate, r.revokedAfter ?? 0) : null,
        fixmedinsCode: null,
      }));
      const visit = { medType: '21' as const, begndate, enddate: shift(begndate, stay) };
      const d = decideEligibility(facts({ filings, visit }));
      assert.ok(d.allowed, 'cross-province unfiled care is allowed by the default policy');
      if (d.terms.filingNo !== null) {
        const used = filings.find((f) => f.filingNo === d.terms.filingNo)!;
        assert.ok(used.mdtrtareaAdmdvs !== '110100' && used.status !== 'pending_review' && used.status !== 'rejected');
        assert.ok(used.begndate <= visit.enddate && (used.enddate === null || used.enddate >= visit.begndate));
        if (used.revokedOn !== null) assert.ok(visit.enddate < used.revokedOn, 'a revoked filing counts only before its revocation');
      } else {
        assert.equal(d.status, 'unfiled');
        assert.equal(d.terms.reduced, true);
      }
      assert.equal(d.terms.treatedAsLocal, d.status === 'long_term_filed');
    }),
  );
});
