import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { YibaoError } from '../errors.ts';
import { drgCasePayment } from './drg.ts';
import { loadPaymentRules } from './rules.ts';
import { payYear, simulatePayment, type PaymentCase } from './simulate.ts';
import { drgCase, drgRulesDoc, dipRulesDoc } from './testing.ts';
import { monthlyAdvance, yearEndSettlement } from './year-end.ts';
import type { DipStay } from './dip.ts';

const rules = loadPaymentRules(drgRulesDoc());

test('the monthly advance is the advance share of the month fund payments, half up', () => {
  assert.equal(monthlyAdvance(1234567, rules).advance_fen, 1111110); // 12,345.67 × 90% = 11,111.103
  assert.equal(monthlyAdvance(5, rules).advance_fen, 5); // 4.5 fen → 5
  assert.throws(() => monthlyAdvance(-1, rules), (e: unknown) => e instanceof YibaoError && e.details[0]!.field === 'fund_paid_in_month_fen');
});

test('year-end by hand: due, advanced, balance, CMI and groups per hospital', () => {
  const normal = drgCasePayment(drgCase(), rules); // GB25 0.8: hospital 5,940
  const es = drgCasePayment(drgCase({ drg: 'ES35', total_cost_fen: 1000000, patient_paid_fen: 200000 }), rules); // 1.2 × 9,800 = 11,760; hospital 9,760
  const h2 = drgCasePayment(drgCase({ hospital_level: '2' }), rules); // 0.8 × 9,800 × 0.9 = 7,056; hospital 5,156
  const y = yearEndSettlement({
    method: 'drg',
    budget: rules.budget,
    hospitals: [
      { code: 'H43010000001', level: '3', cases: [normal, es, normal], advanced_fen: 2000000 },
      { code: 'H43010000002', level: '2', cases: [h2], advanced_fen: 400000 },
    ],
  });
  const [a, b] = y.hospitals;
  assert.equal(a!.due_fen, 594000 + 976000 + 594000);
  assert.equal(a!.balance_fen, 2164000 - 2000000); // the fund pays 1,640.00
  assert.equal(a!.cmi_tt, 9333); // (0.8 + 1.2 + 0.8) ÷ 3 = 0.93333…
  assert.equal(a!.surplus_fen, 84000 + 176000 + 84000);
  assert.deepEqual(a!.by_group.map((g) => [g.group, g.cases, g.hospital_payment_fen]), [['ES35', 1, 976000], ['GB25', 2, 1188000]]);
  assert.equal(b!.balance_fen, 515600 - 400000);
  assert.equal(y.balance_fen, y.due_fen - y.advanced_fen);
  assert.equal(y.budget_fen, 800_000_000_00);
  assert.throws(() => yearEndSettlement({ method: 'dip', budget: rules.budget, hospitals: [{ code: 'H', level: '3', cases: [normal], advanced_fen: 0 }] }), YibaoError);
});

test('property: Σ balances = Σ due − Σ advanced, and a hospital that got back more than due pays back', () => {
  fc.assert(
    fc.property(fc.array(fc.tuple(fc.integer({ min: 0, max: 5 }), fc.integer({ min: 0, max: 3_000_000 })), { minLength: 1, maxLength: 8 }), (hs) => {
      const y = yearEndSettlement({
        method: 'drg',
        budget: rules.budget,
        hospitals: hs.map(([n, adv], i) => ({ code: `H${i}`, level: '3', cases: Array.from({ length: n }, () => drgCasePayment(drgCase(), rules)), advanced_fen: adv })),
      });
      assert.equal(y.hospitals.reduce((s, h) => s + h.balance_fen, 0), y.due_fen - y.advanced_fen);
      for (const h of y.hospitals) assert.equal(h.balance_fen < 0, h.advanced_fen > h.due_fen);
    }),
  );
});

const cases: PaymentCase[] = [
  { ...drgCase(), id: 'c1', hospital_code: 'H1' },
  { ...drgCase({ drg: 'ES35', total_cost_fen: 1000000, patient_paid_fen: 200000 }), id: 'c2', hospital_code: 'H1' },
  { ...drgCase({ hospital_level: '2' }), id: 'c3', hospital_code: 'H2' },
];

test('the simulator: a base rate of 10,000 instead of 9,800 raises each case by its weight × 200', () => {
  const after = loadPaymentRules({ ...drgRulesDoc(), version: 2, drg: { ...drgRulesDoc().drg, base_rate_fen_by_insutype: { '310': 1000000, '390': 860000 } } });
  const sim = simulatePayment(cases, rules, after);
  assert.equal(sim.totals.difference.payment_fen, 16000 + 24000 + 14400); // 0.8 × 200; 1.2 × 200; 0.8 × 200 × 0.9
  assert.deepEqual(sim.hospitals.map((h) => [h.code, h.difference.hospital_payment_fen]), [['H1', 40000], ['H2', 14400]]);
  assert.deepEqual(sim.groups.map((g) => [g.group, g.before.cases, g.difference.payment_fen]), [['ES35', 1, 24000], ['GB25', 2, 30400]]);
  assert.equal(sim.changed_cases[0]!.id, 'c2');
  assert.equal(simulatePayment(cases, rules, rules).totals.difference.payment_fen, 0);
});

test('DIP over a year: the point value spends the fund, and a fixed point value is simulated against it', () => {
  const doc = dipRulesDoc();
  const history: DipStay[] = [];
  const year: PaymentCase[] = [];
  for (let y = 2023; y <= 2025; y++) for (let i = 0; i < 4; i++) history.push({ year: y, principal_diagnosis: i % 2 ? 'I63.9' : 'K35.8', main_procedure: i % 2 ? null : '47.0901', total_cost_fen: (5000 + 1000 * i + 100 * (y - 2023)) * 100 });
  for (let i = 0; i < 6; i++) {
    year.push({ ...drgCase({ hospital_level: i < 3 ? '3' : '2', total_cost_fen: (6000 + 500 * i) * 100, patient_paid_fen: 100000 }), id: `d${i}`, hospital_code: i < 3 ? 'H1' : 'H2', principal_diagnosis: i % 2 ? 'I63.9' : 'K35.8', main_procedure: i % 2 ? null : '47.0901' });
  }
  const small = { ...doc, budget: { total_fen: 4000000, drg_dip_share_bp: 8000, advance_share_bp: 9000 } }; // DIP share 32,000; ÷ 70% = 45,714.29
  const r = loadPaymentRules(small);
  const paid = payYear(year, r, { history });
  const total = paid.cases.reduce((s, c) => s + c.payment.payment_fen, 0);
  assert.ok(Math.abs(total - Math.round((3200000 * 10000) / 7000)) <= year.length, `payments ${total} spend the allowed cost to the rounding`);
  const fixed = loadPaymentRules({ ...small, version: 2, dip: { ...doc.dip, point_value_fen: (paid.point_value_fen ?? 0) + 10000 } });
  const sim = simulatePayment(year, r, fixed, { history });
  assert.equal(sim.after.point_value_fen, paid.point_value_fen! + 10000);
  assert.ok(sim.totals.difference.payment_fen > 0);
});
