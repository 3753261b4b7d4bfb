import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { YibaoError } from '../errors.ts';
import { buildDipGroups, diagnosisParts, dipBudgetPointValue, dipCasePayment, dipCaseScore, dipGroupOf, dipPointValue, type DipStay } from './dip.ts';
import { loadPaymentRules } from './rules.ts';
import { dipRulesDoc } from './testing.ts';

const dip = loadPaymentRules(dipRulesDoc()).dip!;
const st = (year: number, dx: string, proc: string | null, yuan: number): DipStay => ({ year, principal_diagnosis: dx, main_procedure: proc, total_cost_fen: yuan * 100 });

// Three years, weighted 1:2:7 (oldest first); min_cases 3.
// I63.9 conservative: 2023 8,000 and 10,000 (mean 9,000); 2024 10,000; 2025 11,000 and 13,000 (mean 12,000)
//   → (1×9,000 + 2×10,000 + 7×12,000) ÷ 10 = 11,300.00
// K35.8 with 47.0901: 2023 6,000; 2024 7,000; 2025 8,000 → (6,000 + 14,000 + 56,000) ÷ 10 = 7,600.00
// J18.9 conservative: only 2 stays, into J18's comprehensive group: 2024 2,000; 2025 3,000
//   → (2×2,000 + 7×3,000) ÷ 9 = 2,777.78 (2,777.777…)
// All cases: 2023 mean 8,000; 2024 (10,000 + 2,000 + 7,000) ÷ 3 = 6,333.33…; 2025 35,000 ÷ 4 = 8,750
//   → (8,000 + 2 × 6,333.33… + 7 × 8,750) ÷ 10 = 8,191.666…
// RW: 11,300 ÷ 8,191.666… = 1.37945… → 1.3795; 7,600 ÷ … = 0.92777… → 0.9278; 2,777.77… ÷ … = 0.33909… → 0.3391
const history: DipStay[] = [
  st(2023, 'I63.900', null, 8000), st(2023, 'I63.901', null, 10000), st(2024, 'I63.9', null, 10000), st(2025, 'I63.900x001', null, 11000), st(2025, 'I63.9', null, 13000),
  st(2023, 'K35.800', '47.0901', 6000), st(2024, 'K35.8', '47.0901', 7000), st(2025, 'K35.801', '47.0901', 8000),
  st(2024, 'J18.900', null, 2000), st(2025, 'J18.9', '', 3000),
];
const catalog = buildDipGroups(history, dip);

test('DIP groups: core by subcategory × procedure with enough cases, the rest comprehensive; 1:2:7 means and scores by hand', () => {
  assert.deepEqual(catalog.years, [2023, 2024, 2025]);
  assert.deepEqual(catalog.year_weights, [1, 2, 7]);
  assert.equal(catalog.core_groups, 2);
  // J18's from its own stays; I63's and K35's from their core stays, so every category seen has one
  assert.equal(catalog.comprehensive_groups, 3);
  assert.equal(catalog.groups['J18|comprehensive-conservative']!.from_core_stays, false);
  assert.equal(catalog.groups['I63|comprehensive-conservative']!.from_core_stays, true);
  assert.equal(catalog.groups['I63|comprehensive-conservative']!.mean_fen, 1130000);
  assert.equal(catalog.all_mean_fen, 819167);
  const a = catalog.groups['I63.9|-']!;
  assert.equal(a.kind, 'core');
  assert.equal(a.mean_fen, 1130000);
  assert.equal(a.rw_tt, 13795);
  assert.deepEqual(a.cases_by_year, { '2023': 2, '2024': 1, '2025': 2 });
  const c = catalog.groups['K35.8|47.0901']!;
  assert.equal(c.mean_fen, 760000);
  assert.equal(c.rw_tt, 9278);
  const b = catalog.groups['J18|comprehensive-conservative']!;
  assert.equal(b.kind, 'comprehensive');
  assert.equal(b.mean_fen, 277778);
  assert.equal(b.rw_tt, 3391);
  assert.equal(b.cases, 2);
});

test('a group missing a year is weighted over the years it has; fewer years take the latest weights', () => {
  const two = buildDipGroups([st(2024, 'A01.0', null, 1000), st(2025, 'A01.0', null, 2000)], { min_cases: 1, year_weights: [1, 2, 7] });
  assert.deepEqual(two.year_weights, [2, 7]);
  assert.equal(two.groups['A01.0|-']!.mean_fen, 177778); // (2×1,000 + 7×2,000) ÷ 9 = 1,777.78
  assert.equal(two.groups['A01.0|-']!.rw_tt, 10000);
  assert.throws(() => buildDipGroups([st(2021, 'A01.0', null, 1), st(2022, 'A01.0', null, 1), st(2023, 'A01.0', null, 1), st(2024, 'A01.0', null, 1)], dip), (e: unknown) => e instanceof YibaoError && e.details[0]!.field === 'stays/year');
});

test('the granularity: I63.900x001 → I63.9, category I63; a bad code is refused naming the field', () => {
  assert.deepEqual(diagnosisParts('i63.900x001'), { subcategory: 'I63.9', category: 'I63' });
  assert.deepEqual(diagnosisParts('I10'), { subcategory: 'I10', category: 'I10' });
  assert.throws(() => diagnosisParts('63.9'), (e: unknown) => e instanceof YibaoError && e.details[0]!.field === 'principal_diagnosis');
  assert.equal(dipGroupOf({ principal_diagnosis: 'J18.000', main_procedure: null }, catalog).key, 'J18|comprehensive-conservative');
  assert.equal(dipGroupOf({ principal_diagnosis: 'K35.8', main_procedure: '47.0901' }, catalog).key, 'K35.8|47.0901');
  assert.equal(dipGroupOf({ principal_diagnosis: 'I63.1', main_procedure: null }, catalog).key, 'I63|comprehensive-conservative');
  // no conservative stay of K35 was seen: the category's other comprehensive group
  assert.equal(dipGroupOf({ principal_diagnosis: 'K35.8', main_procedure: null }, catalog).key, 'K35|comprehensive-procedure');
  assert.throws(() => dipGroupOf({ principal_diagnosis: 'Z99.0', main_procedure: null }, catalog), (e: unknown) => e instanceof YibaoError && e.kind === 'not_found');
});

test('the settlement point value: (fund ÷ reimbursement ratio) ÷ Σ score × coefficient', () => {
  // two I63.9 cases at a level-3 hospital (1.3795 each) and one K35.8 at level 2 (0.9278 × 0.9 = 0.83502): Σ 3.59402
  // fund 21,000 ÷ 70% = 30,000; 30,000 ÷ 3.59402 = 8,347.1989… → 8,347.20 yuan per point
  const pv = dipPointValue({
    fund_available_fen: 2100000,
    reimbursement_ratio_bp: 7000,
    catalog,
    cases_this_year: [
      { stay: { principal_diagnosis: 'I63.9', main_procedure: null, total_cost_fen: 1130000 }, coefficient_bp: 10000 },
      { stay: { principal_diagnosis: 'I63.9', main_procedure: null, total_cost_fen: 1000000 }, coefficient_bp: 10000 },
      { stay: { principal_diagnosis: 'K35.8', main_procedure: '47.0901', total_cost_fen: 760000 }, coefficient_bp: 9000 },
    ],
    rules: dip,
  });
  assert.equal(pv.allowed_cost_fen, 3000000);
  assert.equal(pv.total_score_tt, 35940); // 3.59402 shown to 1/10000
  assert.equal(pv.point_value_fen, 834720);
  // the budget point value: expected cost 30,000 ÷ 3.5940 = 8,347.25 yuan
  assert.equal(dipBudgetPointValue({ expected_total_cost_fen: 3000000, total_score_tt: 35940 }).point_value_fen, 834725);
});

test('deviation bands on I63.9 (mean 11,300, RW 1.3795)', () => {
  const s = (yuan: number) => dipCaseScore(yuan * 100, catalog.groups['I63.9|-']!, dip);
  assert.deepEqual(s(4520), { band: 'low_cost', score_tt: 5518 }); // 0.4 × mean: 1.3795 × 0.4
  assert.deepEqual(s(5650), { band: 'normal', score_tt: 13795 }); // exactly 0.5 ×
  assert.deepEqual(s(22600), { band: 'normal', score_tt: 13795 }); // exactly 2 ×
  assert.deepEqual(s(33900), { band: 'high_cost', score_tt: 27590 }); // 3 ×: 1.3795 × ((3 − 2) + 1)
  assert.deepEqual(s(56500), { band: 'high_cost', score_tt: 55180 }); // exactly 5 ×: × 4
  assert.deepEqual(s(67800), { band: 'review', score_tt: 68975 }); // 6 ×: × 5, to review
});

test('a DIP case: score × point value × coefficient, less the patient and other funds', () => {
  // normal case at a level-2 hospital: 1.3795 × 8,000.00 × 0.9 = 9,932.40; patient paid 3,000, assistance 500
  const p = dipCasePayment({ principal_diagnosis: 'I63.9', main_procedure: null, total_cost_fen: 1000000, patient_paid_fen: 300000, other_funds_paid_fen: 50000, basic_fund_paid_fen: 650000 }, catalog, 800000, 9000, dip);
  assert.equal(p.kind, 'normal');
  assert.equal(p.payment_fen, 993240);
  assert.equal(p.standard_fen, 993240);
  assert.equal(p.hospital_payment_fen, 643240);
  assert.equal(p.surplus_fen, -6760);
  assert.equal(p.adjustment_fen, -6760);
  assert.equal(p.explanation.reduce((s, x) => s + (x.fen ?? 0), 0), 643240);
  const review = dipCasePayment({ principal_diagnosis: 'I63.9', main_procedure: null, total_cost_fen: 6780000, patient_paid_fen: 1000000, other_funds_paid_fen: 0, basic_fund_paid_fen: 5780000 }, catalog, 800000, 10000, dip);
  assert.equal(review.kind, 'review');
  assert.equal(review.review, true);
  assert.equal(review.payment_fen, 5518000); // 6.8975 × 8,000
  assert.match(review.explanation.map((x) => x.zh).join('\n'), /待专家评审/);
});

test('property: a DIP case explanation sums to its hospital payment', () => {
  fc.assert(
    fc.property(fc.integer({ min: 0, max: 20_000_000 }), fc.integer({ min: 1, max: 2_000_000 }), fc.constantFrom(8000, 9000, 10000), fc.integer({ min: 0, max: 100 }), (cost, pv, coef, share) => {
      const patient = Math.floor((cost * share) / 100);
      const p = dipCasePayment({ principal_diagnosis: 'K35.8', main_procedure: '47.0901', total_cost_fen: cost, patient_paid_fen: patient, other_funds_paid_fen: 0, basic_fund_paid_fen: 0 }, catalog, pv, coef, dip);
      assert.equal(p.explanation.reduce((s, x) => s + (x.fen ?? 0), 0), p.hospital_payment_fen);
      assert.equal(p.payment_fen - p.patient_paid_fen, p.hospital_payment_fen);
    }),
    { numRuns: 300 },
  );
});
