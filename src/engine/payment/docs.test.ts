// The worked examples of docs/payment-rules.md, recomputed: each figure the doc shows is checked.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { formatYuanGrouped } from '../money.ts';
import { formatTenThousandths } from './arith.ts';
import { buildDipGroups, dipCasePayment, dipCaseScore, dipPointValue, type DipStay } from './dip.ts';
import { drgCasePayment } from './drg.ts';
import { loadPaymentRules } from './rules.ts';
import { dipRulesDoc, drgCase } from './testing.ts';
import { monthlyAdvance } from './year-end.ts';

const root = path.resolve(import.meta.dirname, '../../..');
const doc = fs.readFileSync(path.join(root, 'docs/payment-rules.md'), 'utf8');
const cs = loadPaymentRules(JSON.parse(fs.readFileSync(path.join(root, 'payment-rules/430100-2026.json'), 'utf8')));
const shows = (fen: number): void => assert.ok(doc.includes(`**${formatYuanGrouped(fen)}**`), `the doc shows **${formatYuanGrouped(fen)}**`);

test('the DRG worked examples', () => {
  const ex1 = drgCasePayment(drgCase({ drg: 'BR25', total_cost_fen: 700000, patient_paid_fen: 190000 }), cs);
  [ex1.standard_fen, ex1.hospital_payment_fen, ex1.surplus_fen].forEach(shows);
  const ex2 = drgCasePayment(drgCase({ drg: 'BR25', insutype: '390', hospital_level: '2', total_cost_fen: 700000, patient_paid_fen: 190000 }), cs);
  [ex2.standard_fen, ex2.hospital_payment_fen, -ex2.surplus_fen].forEach(shows);
  for (const lv of ['1', '2', '3']) shows(drgCasePayment(drgCase({ drg: 'ES35', insutype: '390', hospital_level: lv }), cs).standard_fen);
  const ex4 = drgCasePayment(drgCase({ drg: 'IC29', total_cost_fen: 15000000, patient_paid_fen: 3000000 }), cs);
  assert.equal(ex4.kind, 'high_cost');
  [ex4.standard_fen, ex4.standard_fen * 3, ex4.payment_fen, ex4.hospital_payment_fen, -ex4.surplus_fen].forEach(shows);
  const ex5 = drgCasePayment(drgCase({ drg: 'BR25', total_cost_fen: 250000, patient_paid_fen: 50000 }), cs);
  assert.equal(ex5.kind, 'low_cost');
  [Math.round(ex5.standard_fen * 0.4), ex5.hospital_payment_fen].forEach(shows);
  shows(monthlyAdvance(1234567, cs).advance_fen);
});

test('the DIP worked example', () => {
  const dip = loadPaymentRules(dipRulesDoc()).dip!;
  const st = (year: number, dx: string, proc: string | null, yuan: number): DipStay => ({ year, principal_diagnosis: dx, main_procedure: proc, total_cost_fen: yuan * 100 });
  const catalog = buildDipGroups([
    st(2023, 'I63.9', null, 8000), st(2023, 'I63.9', null, 10000), st(2024, 'I63.9', null, 10000), st(2025, 'I63.9', null, 11000), st(2025, 'I63.9', null, 13000),
    st(2023, 'K35.8', '47.0901', 6000), st(2024, 'K35.8', '47.0901', 7000), st(2025, 'K35.8', '47.0901', 8000),
    st(2024, 'J18.9', null, 2000), st(2025, 'J18.9', null, 3000),
  ], dip);
  for (const key of ['I63.9|-', 'K35.8|47.0901', 'J18|comprehensive-conservative']) {
    const g = catalog.groups[key]!;
    shows(g.mean_fen);
    assert.ok(doc.includes(`**${formatTenThousandths(g.rw_tt)}**`), `RW ${g.rw_tt}`);
  }
  shows(catalog.all_mean_fen);
  const pv = dipPointValue({
    fund_available_fen: 2100000, reimbursement_ratio_bp: 7000, catalog, rules: dip,
    cases_this_year: [
      { stay: { principal_diagnosis: 'I63.9', main_procedure: null, total_cost_fen: 1130000 }, coefficient_bp: 10000 },
      { stay: { principal_diagnosis: 'I63.9', main_procedure: null, total_cost_fen: 1130000 }, coefficient_bp: 10000 },
      { stay: { principal_diagnosis: 'K35.8', main_procedure: '47.0901', total_cost_fen: 760000 }, coefficient_bp: 9000 },
    ],
  });
  shows(pv.point_value_fen);
  const p = dipCasePayment({ principal_diagnosis: 'I63.9', main_procedure: null, total_cost_fen: 1000000, patient_paid_fen: 300000, other_funds_paid_fen: 50000, basic_fund_paid_fen: 0 }, catalog, 800000, 9000, dip);
  shows(p.payment_fen);
  shows(p.hospital_payment_fen);
  for (const yuan of [4520, 33900, 67800]) {
    assert.ok(doc.includes(`**${formatTenThousandths(dipCaseScore(yuan * 100, catalog.groups['I63.9|-']!, dip).score_tt)}**`));
  }
});
