// Golden and worked cases for settle(). Each hand computation is in the comments beside it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { classifyFeeLine, loadCatalog, type Catalog, type FeeLine } from './catalog.ts';
import { diseaseLookupFromTable, loadPolicy, type Policy, type PolicyDocument } from './policy.ts';
import { settle, EMPTY_ACCUMULATORS, type Accumulators } from './settle.ts';
import { settlementOutput } from './interface.ts';
import { inScopeLine, residentPolicyDoc, settlementInput } from './testing.ts';
import { YibaoError } from './errors.ts';
import { MAX_BILL_FEN, type Fen } from './money.ts';
import { nhsaFixture } from '../../test/support/fixtures.ts';

const root = path.resolve(import.meta.dirname, '../..');
const readJson = (p: string): unknown => JSON.parse(fs.readFileSync(path.join(root, p), 'utf8'));
const lookup = diseaseLookupFromTable(readJson('catalogs/icd/diagnoses.json') as Record<string, string>);
const demoPolicy = (id: string): Policy => loadPolicy(readJson(`policies/${id}.json`), lookup);
const demoCatalog = (admdvs: string): Catalog => loadCatalog(readJson('catalogs/base.json'), readJson(`catalogs/${admdvs}.json`));
const policyOf = (edit: (d: PolicyDocument) => void = () => {}): Policy => {
  const d = residentPolicyDoc();
  edit(d);
  return loadPolicy(d, lookup);
};
const Y = (yuan: number): Fen => Math.round(yuan * 100) as Fen;
const acc = (over: Partial<Accumulators>): Accumulators => ({ ...EMPTY_ACCUMULATORS, ...over });

test('golden seed 003: village clinic 17.55 hypertension drug → fund 12.28, patient 5.27 (70%, no deductible)', () => {
  const policy = demoPolicy('430700-390-2026');
  const catalog = demoCatalog('430700');
  const fee: FeeLine = { feedetl_sn: '1', med_list_codg: 'XC08CAA001A001010100026', det_item_fee_sumamt: 1755 as Fen, cnt: 1, pric: 1755 as Fen };
  const c = classifyFeeLine(catalog.items.get(fee.med_list_codg), fee, { gend: '2', age: 67 }, { med_type: '11' }, catalog.defaults);
  // With and without a hypertension diagnosis (general pooling, or the two-diseases scheme) the village level pays 70%.
  for (const dise_codes of [[], ['I10.x00']]) {
    const s = settle(policy, settlementInput([c], { admdvs: '430700', hosp_lv: '9', dise_codes }));
    assert.equal(s.setlinfo.medfee_sumamt, 1755);
    assert.equal(s.setlinfo.hifp_pay, 1228); // 17.55 × 70% = 12.285, the fund rounds down
    assert.equal(s.setlinfo.psn_part_amt, 527);
    assert.equal(s.setlinfo.act_pay_dedc, 0);
    assert.deepEqual(s.setldetail.map((d) => [d.fund_pay_type, d.fund_payamt]), [['390100', 1228]]);
  }
});

test('golden 2206 sample: employee outpatient, 4.52 乙 drug, all into the deductible, paid from the personal account', () => {
  const sample = (nhsaFixture('2206-response.his-mock.json') as { output: { setlinfo: Record<string, number> } }).output.setlinfo;
  const policy = demoPolicy('430700-310-2026');
  const catalog = demoCatalog('430700'); // Hunan demo: drugs 5% first self-pay
  const fee: FeeLine = { feedetl_sn: 'yp570', med_list_codg: 'XA02BCA211E001010101012', det_item_fee_sumamt: 452 as Fen, cnt: 1, pric: 452 as Fen };
  const c = classifyFeeLine(catalog.items.get(fee.med_list_codg), fee, { gend: '1', age: 35 }, { med_type: '11' }, catalog.defaults);
  const s = settle(policy, settlementInput([c], { admdvs: '430700', insutype: '310', psn_type: '1101', acct_used: true, balance_fen: 137815 }));
  const out = settlementOutput(s).setlinfo;
  for (const k of ['medfee_sumamt', 'fulamt_ownpay_amt', 'overlmt_selfpay', 'preselfpay_amt', 'inscp_scp_amt', 'act_pay_dedc', 'hifp_pay', 'pool_prop_selfpay', 'fund_pay_sumamt', 'psn_part_amt', 'acct_pay', 'psn_cash_pay', 'balc', 'hosp_part_amt', 'maf_pay']) {
    assert.equal(out[k], sample[k], k);
  }
  assert.deepEqual(s.setldetail.map((d) => [d.fund_pay_type, d.fund_payamt]), [['310200', 452]]);
});

test('outpatient: deductible, ratio, retiree uplift, annual cap', () => {
  // Employees 430700: 300 deductible, level 2 60%, retirees +5, cap 2,000 / 3,000.
  const p = demoPolicy('430700-310-2026');
  // 1,000 in scope, nothing used: deductible 300, (700) × 60% = 420.
  let s = settle(p, settlementInput([inScopeLine('1', Y(1000))], { admdvs: '430700', insutype: '310', hosp_lv: '2' }));
  assert.deepEqual([s.setlinfo.act_pay_dedc, s.setlinfo.hifp_pay, s.setlinfo.pool_prop_selfpay], [Y(300), Y(420), Y(280)]);
  // A retiree: 65% → 455.
  s = settle(p, settlementInput([inScopeLine('1', Y(1000))], { admdvs: '430700', insutype: '310', hosp_lv: '2', retiree: true }));
  assert.equal(s.setlinfo.hifp_pay, Y(455));
  // 250 of the deductible already used, 1,900 of the 2,000 cap paid: deductible 50, 950 × 60% = 570, capped at 100.
  s = settle(p, settlementInput([inScopeLine('1', Y(1000))], { admdvs: '430700', insutype: '310', hosp_lv: '2', acc: acc({ outpatient_deductible_used_fen: Y(250), outpatient_pool_paid_fen: Y(1900) }) }));
  assert.deepEqual([s.setlinfo.act_pay_dedc, s.setlinfo.hifp_pay], [Y(50), Y(100)]);
  assert.deepEqual([s.increments.outpatient_deductible_used_fen, s.increments.outpatient_pool_paid_fen], [Y(50), Y(100)]);
  assert.equal(s.setldetail[0]!.crt_payb_lmt_amt, 0);
});

test('inpatient: deductible and ratio by level (Nanchang residents 600 / 60% at level 3)', () => {
  const p = demoPolicy('360300-390-2026');
  // 30,000 in scope at level 3: (30,000 − 600) × 60% = 17,640; person 12,360; below the 17,000 critical-illness deductible.
  const s = settle(p, settlementInput([inScopeLine('1', Y(20000)), inScopeLine('2', Y(10000))], { admdvs: '360300', med_type: '21', hosp_lv: '3' }));
  assert.deepEqual([s.setlinfo.act_pay_dedc, s.setlinfo.hifp_pay, s.setlinfo.hifmi_pay, s.setlinfo.psn_part_amt], [Y(600), Y(17640), 0, Y(12360)]);
  assert.equal(s.increments.serious_base_fen, Y(12360));
  assert.equal(s.increments.admissions, 1);
  // Line shares add up: 20,000 : 10,000 of 17,640.
  assert.deepEqual(s.lines.map((l) => l.fund_pay_fen), [Y(11760), Y(5880)]);
  assert.deepEqual(s.lines.map((l) => l.psn_part_fen), [Y(8240), Y(4120)]);
  assert.deepEqual(s.steps.map((x) => x.step), ['classify', 'deductible', 'pooled_fund', 'serious_illness', 'cash']);
});

test("inpatient: Jiujiang's deductible falls with each admission; the 2026a version does not", () => {
  const falling = demoPolicy('360400-310-2026b');
  const flat = demoPolicy('360400-310-2026a');
  const run = (p: Policy, n: number) => settle(p, settlementInput([inScopeLine('1', Y(5000))], { admdvs: '360400', insutype: '310', med_type: '21', hosp_lv: '2', admission: n })).setlinfo.act_pay_dedc;
  assert.deepEqual([1, 2, 3, 4, 5, 9].map((n) => run(falling, n)), [Y(500), Y(375), Y(250), Y(125), 0, 0]);
  assert.deepEqual([1, 2, 5].map((n) => run(flat, n)), [Y(500), Y(500), Y(500)]);
  // Level 2, third admission: (5,000 − 250) × 90% = 4,275.
  assert.equal(settle(falling, settlementInput([inScopeLine('1', Y(5000))], { admdvs: '360400', insutype: '310', med_type: '21', hosp_lv: '2', admission: 3 })).setlinfo.hifp_pay, Y(4275));
});

test('mid-stay settlement: two segments of one stay pay one deductible and count one admission', () => {
  const p = demoPolicy('360400-310-2026b');
  const o = { admdvs: '360400', insutype: '310', med_type: '21', hosp_lv: '2' } as const;
  // Level 2, second admission of the year: deductible 375. The first segment (300) falls all into it.
  const first = settle(p, settlementInput([inScopeLine('1', Y(300))], { ...o, admission: 2, acc: acc({ admissions: 1 }) }));
  assert.deepEqual([first.setlinfo.act_pay_dedc, first.setlinfo.hifp_pay, first.increments.admissions], [Y(300), 0, 1]);
  // The second segment keeps the admission's number and pays only the remaining 75: (1,000 − 75) × 90% = 832.50.
  const second = settle(p, settlementInput([inScopeLine('2', Y(1000))], { ...o, admission: 2, continues_admission: true, deductible_paid_this_stay_fen: first.setlinfo.act_pay_dedc, acc: acc({ admissions: 2 }) }));
  assert.deepEqual([second.setlinfo.act_pay_dedc, second.setlinfo.hifp_pay, second.increments.admissions], [Y(75), Y(832.5), 0]);
  assert.equal(first.setlinfo.act_pay_dedc + second.setlinfo.act_pay_dedc, Y(375), 'one deductible for the stay');
  const step = second.steps.find((x) => x.step === 'deductible')!;
  assert.deepEqual(step.in, { base: Y(1000), deductible_paid_this_stay: Y(300), deductible_remaining: Y(75) });
  // Earlier segments that paid the whole deductible leave none; the identities still hold.
  const third = settle(p, settlementInput([inScopeLine('3', Y(100))], { ...o, admission: 2, continues_admission: true, deductible_paid_this_stay_fen: Y(375), acc: acc({ admissions: 2 }) }));
  assert.deepEqual([third.setlinfo.act_pay_dedc, third.setlinfo.hifp_pay, third.increments.admissions], [0, Y(90), 0]);
  for (const s of [first, second, third]) {
    const i = s.setlinfo;
    assert.equal(i.medfee_sumamt, i.fulamt_ownpay_amt + i.overlmt_selfpay + i.preselfpay_amt + i.inscp_scp_amt);
    assert.equal(i.medfee_sumamt, i.fund_pay_sumamt + i.psn_part_amt + i.hosp_part_amt);
    assert.equal(i.psn_part_amt, i.acct_pay + i.psn_cash_pay);
  }
  assert.throws(() => settle(p, settlementInput([inScopeLine('4', Y(10))], { ...o, deductible_paid_this_stay_fen: -1 })), YibaoError);
});

test('employees: the pooled cap bites and the large-amount subsidy pays 90% of what lies beyond it', () => {
  const p = demoPolicy('430700-310-2026');
  // 99,000 of 100,000 paid. 10,000 at level 3: deductible 800, 9,200 eligible at 85% = 7,820, only 1,000 left.
  // 1,000 is 85% of 1,176.48 (smallest base), so 8,023.52 lies beyond the cap: 90% = 7,221.16 (down).
  const s = settle(p, settlementInput([inScopeLine('1', Y(10000))], { admdvs: '430700', insutype: '310', med_type: '21', hosp_lv: '3', acc: acc({ inpatient_pool_paid_fen: Y(99000) }) }));
  assert.deepEqual([s.setlinfo.hifp_pay, s.setlinfo.pool_prop_selfpay, s.setlinfo.hifob_pay, s.setlinfo.psn_part_amt], [Y(1000), 17648 as Fen, 722116 as Fen, 177884 as Fen]);
  assert.deepEqual(s.setldetail.map((d) => d.fund_pay_type), ['310100', '330100']);
});

test('critical illness with the tilt for a 低保 resident, then medical assistance and re-assistance', () => {
  const p = demoPolicy('360300-390-2026');
  // 68,400 at level 3: 600 deductible, 67,800 × 60% = 40,680 from the pool; burden 27,720.
  // 低保 tilt: deductible 17,000 halved to 8,500, ratio 60 + 5 = 65%, no cap: (27,720 − 8,500) × 65% = 12,493.
  // Assistance (低保, no deductible, 70%): (27,720 − 12,493) = 15,227 × 70% = 10,658.90. Left 4,568.10.
  // Re-assistance: burden 4,568.10 below the 10,000 threshold → 0 this time.
  const s = settle(p, settlementInput([inScopeLine('1', Y(68400))], { admdvs: '360300', med_type: '21', hosp_lv: '3', identities: ['minimum_living'] }));
  assert.deepEqual([s.setlinfo.hifp_pay, s.setlinfo.hifmi_pay, s.setlinfo.maf_pay, s.setlinfo.psn_part_amt], [Y(40680), Y(12493), Y(10658.9), Y(4568.1)]);
  assert.equal(s.increments.reassistance_burden_fen, Y(4568.1));
  // Later that year with 8,000 of burden already counted: 8,000 + 4,568.10 crosses 10,000 by 2,568.10 → 50% = 1,284.05.
  const s2 = settle(p, settlementInput([inScopeLine('1', Y(68400))], { admdvs: '360300', med_type: '21', hosp_lv: '3', identities: ['minimum_living'], acc: acc({ reassistance_burden_fen: Y(8000), serious_base_fen: Y(100000) }) }));
  // Critical illness: base already above the halved deductible, 27,720 × 65% = 18,018; assistance (9,702 × 70%) = 6,791.40;
  // left 2,910.60; re-assistance: 8,000 + 2,910.60 − 10,000 = 910.60 × 50% = 455.30.
  assert.deepEqual([s2.setlinfo.hifmi_pay, s2.setlinfo.maf_pay, s2.setlinfo.psn_part_amt], [Y(18018), Y(6791.4 + 455.3), Y(2910.6 - 455.3)]);
  // Without the identity: ordinary 17,000 deductible at 60%: (27,720 − 17,000) × 60% = 6,432.
  const s3 = settle(p, settlementInput([inScopeLine('1', Y(68400))], { admdvs: '360300', med_type: '21', hosp_lv: '3' }));
  assert.deepEqual([s3.setlinfo.hifmi_pay, s3.setlinfo.maf_pay], [Y(6432), 0]);
});

test('critical illness tiers ascend (Hunan demo: 10,000 deductible; 60% / 70% from 50,000 / 80% from 100,000)', () => {
  const p = demoPolicy('430100-390-2026');
  // The pooled cap is used up, so the whole 80,000 at level 3 is burden; the year base goes 40,000 → 120,000:
  // 10,000 × 60% (to 50,000) + 50,000 × 70% (to 100,000) + 20,000 × 80% = 6,000 + 35,000 + 16,000 = 57,000.
  const s = settle(p, settlementInput([inScopeLine('1', Y(80000))], { admdvs: '430100', med_type: '21', hosp_lv: '3', acc: acc({ serious_base_fen: Y(40000), inpatient_pool_paid_fen: Y(100000) }) }));
  assert.equal(s.setlinfo.hifp_pay, 0);
  assert.equal(s.setlinfo.hifmi_pay, Y(57000));
});

test('cross-region: ratio cut for in-province travel without filing, or an extra first self-pay share (Deyang demo)', () => {
  const changde = demoPolicy('430700-390-2026');
  // Level 1 inpatient 10,000: (10,000 − 100) × (90% − 10) = 7,920.
  const s = settle(changde, settlementInput([inScopeLine('1', Y(10000))], { admdvs: '430700', med_type: '21', hosp_lv: '1', status: 'in_province_unfiled' }));
  assert.equal(s.setlinfo.hifp_pay, Y(7920));
  assert.equal(s.steps[1]!.step, 'cross_region');
  // Long-term filers are treated as locals: 8,910.
  assert.equal(settle(changde, settlementInput([inScopeLine('1', Y(10000))], { admdvs: '430700', med_type: '21', hosp_lv: '1', status: 'long_term_filed' })).setlinfo.hifp_pay, Y(8910));
  const deyang = demoPolicy('510600-390-2026');
  // Unfiled: 20% of the in-scope 10,000 becomes first self-pay: 8,000 in scope, (8,000 − 100) × 90% = 7,110.
  const d = settle(deyang, settlementInput([inScopeLine('1', Y(10000))], { admdvs: '510600', med_type: '21', hosp_lv: '1', status: 'unfiled' }));
  assert.deepEqual([d.setlinfo.preselfpay_amt, d.setlinfo.inscp_scp_amt, d.setlinfo.hifp_pay], [Y(2000), Y(8000), Y(7110)]);
});

test('referral out (med_type 23) uses the referral deductible', () => {
  const p = demoPolicy('430700-390-2026');
  // 2,000 deductible; referral filing cuts 10 points: (10,000 − 2,000) × (60 − 10)% = 4,000 at level 3.
  const s = settle(p, settlementInput([inScopeLine('1', Y(10000))], { admdvs: '430700', med_type: '23', hosp_lv: '3', status: 'referral_filed' }));
  assert.deepEqual([s.setlinfo.act_pay_dedc, s.setlinfo.hifp_pay], [Y(2000), Y(4000)]);
});

test('outpatient chronic disease: per-disease ratio and cap; an unlisted diagnosis is refused', () => {
  const p = demoPolicy('430700-390-2026');
  // Hypertension, 70%, cap 3,000 with 2,900 used: 500 × 70% = 350, capped at 100.
  const s = settle(p, settlementInput([inScopeLine('1', Y(500))], { admdvs: '430700', med_type: '14', dise_codes: ['I10.x00x002'], acc: acc({ chronic_paid_fen: { hypertension: Y(2900) } }) }));
  assert.equal(s.setlinfo.hifp_pay, Y(100));
  assert.deepEqual(s.increments.chronic_paid_fen, { hypertension: Y(100) });
  assert.throws(() => settle(p, settlementInput([inScopeLine('1', Y(500))], { admdvs: '430700', med_type: '14', dise_codes: ['J06.900'] })), (e: unknown) => e instanceof YibaoError && e.details[0]!.field === 'visit.dise_codes');
});

test('two diseases: no deductible, own cap; other lines go through general pooling', () => {
  const p = policyOf((d) => {
    d.outpatient.deductible_yuan = 50;
  });
  // Diabetes drug 300 at 50% = 150 (cap 500 with 400 used → 100); another drug 100 at level 1: deductible 50, 50 × 60% = 30.
  const s = settle(p, settlementInput([inScopeLine('1', Y(300), { two_diseases: 'diabetes' }), inScopeLine('2', Y(100))], { dise_codes: ['E11.900'], acc: acc({ two_diseases_paid_fen: { diabetes: Y(400) } }) }));
  assert.equal(s.setlinfo.hifp_pay, Y(130));
  assert.equal(s.setlinfo.act_pay_dedc, Y(50));
  // Without the diagnosis the drug is ordinary pooling: 400 − 50 = 350 × 60% = 210.
  const s2 = settle(p, settlementInput([inScopeLine('1', Y(300), { two_diseases: 'diabetes' }), inScopeLine('2', Y(100))]));
  assert.equal(s2.setlinfo.hifp_pay, Y(210));
});

test('separately paid drug: own ratio, no deductible', () => {
  const p = policyOf();
  // Inpatient level 3: trastuzumab 10,000 at 70% = 7,000; other 1,000: deductible 600, 400 × 60% = 240.
  const s = settle(p, settlementInput([inScopeLine('1', Y(10000), { separately_paid: true }), inScopeLine('2', Y(1000))], { med_type: '21', hosp_lv: '3' }));
  assert.equal(s.setlinfo.hifp_pay, Y(7240));
  assert.equal(s.increments.separately_paid_fen, Y(7000));
});

test('civil-servant subsidy (Beijing demo) and hospital-borne excess over price limits (Tianjin demo)', () => {
  const bj = demoPolicy('110000-310-2026');
  // Level 3 inpatient 10,000: (10,000 − 800) × 85% = 7,820; civil servant 50% of the remaining 2,180 = 1,090.
  const s = settle(bj, settlementInput([inScopeLine('1', Y(10000))], { admdvs: '110000', insutype: '310', psn_type: '1102', med_type: '21', hosp_lv: '3' }));
  assert.deepEqual([s.setlinfo.hifp_pay, s.setlinfo.cvlserv_pay, s.setlinfo.psn_part_amt], [Y(7820), Y(1090), Y(1090)]);
  const tj = demoPolicy('120000-390-2026');
  const over = inScopeLine('1', Y(1200), { overlmt_amt: Y(100), inscp_scp_amt: Y(1100) });
  const t = settle(tj, settlementInput([over], { admdvs: '120000', med_type: '21', hosp_lv: '1' }));
  // Level 1 inpatient: (1,100 − 100) × 90% = 900; the 100 over the limit is the hospital's; the person pays 200.
  assert.deepEqual([t.setlinfo.hifp_pay, t.setlinfo.hosp_part_amt, t.setlinfo.psn_part_amt], [Y(900), Y(100), Y(200)]);
  assert.deepEqual(t.lines.map((l) => [l.fund_pay_fen, l.hosp_part_fen, l.psn_part_fen]), [[Y(900), Y(100), Y(200)]]);
});

test('refund lines net out; a bill that nets negative is refused', () => {
  const p = policyOf();
  const s = settle(p, settlementInput([inScopeLine('1', Y(100)), inScopeLine('2', Y(-40))], { hosp_lv: '1' }));
  assert.equal(s.setlinfo.medfee_sumamt, Y(60));
  assert.equal(s.setlinfo.hifp_pay, Y(36));
  assert.throws(() => settle(p, settlementInput([inScopeLine('1', Y(10)), inScopeLine('2', Y(-40))])), YibaoError);
});

test('mismatched policy, region or medical type is refused with the field named', () => {
  const p = policyOf();
  const fields = (f: () => unknown): string => {
    try {
      f();
      return 'accepted';
    } catch (e) {
      return e instanceof YibaoError ? e.details[0]!.field : 'other';
    }
  };
  assert.equal(fields(() => settle(p, settlementInput([inScopeLine('1', Y(1))], { insutype: '310' }))), 'person.insutype');
  assert.equal(fields(() => settle(p, settlementInput([inScopeLine('1', Y(1))], { admdvs: '430700' }))), 'visit.insuplc_admdvs');
  assert.equal(fields(() => settle(p, settlementInput([inScopeLine('1', Y(1))], { med_type: '52' }))), 'visit.med_type');
});

test('the explanation names each rule and its numbers', () => {
  const p = demoPolicy('430700-390-2026');
  const s = settle(p, settlementInput([inScopeLine('1', Y(17.55))], { admdvs: '430700', hosp_lv: '9' }));
  const pool = s.steps.find((x) => x.step === 'pooled_fund')!;
  assert.equal(pool.rule, '/outpatient/ratio_bp_by_lv/9');
  assert.equal(pool.in['ratio_bp'], 7000);
  assert.equal(pool.out['hifp_pay'], 1228);
  assert.ok(pool.zh.length > 0 && pool.en.length > 0);
});

test('a bill past MAX_BILL_FEN is refused by name, never summed past exact arithmetic (issue 11, defect 4)', () => {
  const p = policyOf();
  // Two lines of 99,999,999,999.99 yuan once settled for 199,999,999,999.98.
  const huge = [inScopeLine('1', 9_999_999_999_999 as Fen), inScopeLine('2', 9_999_999_999_999 as Fen)];
  assert.throws(() => settle(p, settlementInput(huge)), (e: unknown) => e instanceof YibaoError && e.details[0]!.field === 'lines');
  // At the limit it settles, and every identity holds.
  const s = settle(p, settlementInput([inScopeLine('1', (MAX_BILL_FEN / 2) as Fen), inScopeLine('2', (MAX_BILL_FEN / 2) as Fen)]));
  assert.equal(s.setlinfo.medfee_sumamt, MAX_BILL_FEN);
});
