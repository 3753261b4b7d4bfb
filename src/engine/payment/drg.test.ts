import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { YibaoError } from '../errors.ts';
import { drgCasePayment, drgStandardFen } from './drg.ts';
import { loadPaymentRules } from './rules.ts';
import { drgCase, drgRulesDoc } from './testing.ts';
import type { CasePayment } from './types.ts';

const rules = loadPaymentRules(drgRulesDoc());
const withDrg = (drg: Record<string, unknown>) => loadPaymentRules({ ...drgRulesDoc(), drg: { ...drgRulesDoc().drg, ...drg } });
const partsSum = (p: CasePayment): number => p.explanation.reduce((s, x) => s + (x.fen ?? 0), 0);

test('the Changsha example: weight 0.8 × 9,800 yuan × 1.0 = 7,840.00; the patient paid 1,900, the hospital is paid 5,940', () => {
  const p = drgCasePayment(drgCase(), rules);
  assert.equal(p.kind, 'normal');
  assert.equal(p.standard_fen, 784000);
  assert.equal(p.payment_fen, 784000);
  assert.equal(p.hospital_payment_fen, 594000);
  assert.equal(p.surplus_fen, 84000); // cost 7,000.00: the hospital keeps 840.00
  assert.equal(p.adjustment_fen, 84000); // the fund had paid 5,100.00 by item
  assert.equal(partsSum(p), 594000);
  assert.match(p.explanation[0]!.zh, /权重 0\.8000 × 基准费率 9800\.00 元 × 3 级医院系数 1\.0000 = 7840\.00 元/);
});

test('a level-2 hospital and a resident: coefficient 0.9, base rate 8,600; other funds are deducted too', () => {
  const p = drgCasePayment(drgCase({ insutype: '390', hospital_level: '2', other_funds_paid_fen: 30000 }), rules);
  // 0.8 × 8600 × 0.9 = 6192.00
  assert.equal(p.standard_fen, 619200);
  assert.equal(p.hospital_payment_fen, 619200 - 190000 - 30000);
  assert.equal(partsSum(p), p.hospital_payment_fen);
});

test('a basic group pays one coefficient at every level (同病同价)', () => {
  const l1 = drgCasePayment(drgCase({ drg: 'OC19', hospital_level: '1', total_cost_fen: 400000 }), rules);
  const l3 = drgCasePayment(drgCase({ drg: 'OC19', hospital_level: '3', total_cost_fen: 400000 }), rules);
  assert.equal(l1.standard_fen, 441000); // 0.45 × 9800
  assert.equal(l3.standard_fen, 441000);
});

test('one rounding, half up, of the exact product', () => {
  assert.equal(drgStandardFen(12345, 987654, 9000), 1097333); // 1.2345 × 9876.54 × 0.9 = 10973.329767… → 10973.33
  assert.equal(drgStandardFen(12345, 987655, 9000), 1097334); // 10973.340877… → 10973.34
  assert.equal(drgStandardFen(1, 5000, 10000), 1); // 0.5 fen rounds up
  assert.equal(drgStandardFen(1, 4999, 10000), 0);
  // the dearest group at the dearest rate stays exact past 2^53 in the product
  assert.equal(drgStandardFen(9_999_999, 99_999_999, 30000), 299999967000); // product 2.99…e19, exact in BigInt
});

test('high cost: above 3 × the standard, the excess is paid by item', () => {
  // standard 7,840; threshold 23,520; cost 30,000 → 7,840 + 6,480 = 14,320
  const p = drgCasePayment(drgCase({ total_cost_fen: 3000000, patient_paid_fen: 500000 }), rules);
  assert.equal(p.kind, 'high_cost');
  assert.equal(p.payment_fen, 1432000);
  assert.equal(p.hospital_payment_fen, 932000);
  assert.equal(p.surplus_fen, 1432000 - 3000000);
  // exactly at the threshold is not high-cost
  assert.equal(drgCasePayment(drgCase({ total_cost_fen: 2352000 }), rules).kind, 'normal');
  const half = withDrg({ high_cost: { multiple_bp: 20000, excess_share_bp: 5000 } });
  // threshold 15,680; excess 14,320 at 50% = 7,160 → 15,000
  assert.equal(drgCasePayment(drgCase({ total_cost_fen: 3000000 }), half).payment_fen, 1500000);
});

test('low cost: below 40% of the standard, paid by item or by a reduced weight', () => {
  // 40% of 7,840 = 3,136
  const p = drgCasePayment(drgCase({ total_cost_fen: 300000, patient_paid_fen: 60000 }), rules);
  assert.equal(p.kind, 'low_cost');
  assert.equal(p.payment_fen, 300000);
  assert.equal(p.hospital_payment_fen, 240000);
  assert.equal(p.surplus_fen, 0);
  assert.equal(drgCasePayment(drgCase({ total_cost_fen: 313600 }), rules).kind, 'normal');
  const reduced = withDrg({ low_cost: { fraction_bp: 4000, pay: { pay: 'reduced_weight', weight_share_bp: 5000 } } });
  const r = drgCasePayment(drgCase({ total_cost_fen: 300000, patient_paid_fen: 60000 }), reduced);
  assert.equal(r.payment_fen, 392000); // weight 0.4 × 9,800
  assert.equal(r.score_tt, 4000);
  assert.equal(r.surplus_fen, 92000);
});

test('item cost, when given, is what a by-item case is paid', () => {
  const p = drgCasePayment(drgCase({ total_cost_fen: 300000, item_cost_fen: 280000, patient_paid_fen: 60000 }), rules);
  assert.equal(p.payment_fen, 280000);
});

test('short stays, deaths and transfers follow their own rules, in that order of precedence after deaths', () => {
  const short = drgCasePayment(drgCase({ los_days: 1, total_cost_fen: 900000 }), rules);
  assert.equal(short.kind, 'short_stay');
  assert.equal(short.payment_fen, 784000); // by item, capped at the standard
  const death = drgCasePayment(drgCase({ los_days: 1, dscg_way: '5', total_cost_fen: 900000 }), rules);
  assert.equal(death.kind, 'death');
  assert.equal(death.payment_fen, 900000); // by item, no cap
  const lateDeath = drgCasePayment(drgCase({ los_days: 6, dscg_way: '5' }), rules);
  assert.equal(lateDeath.kind, 'normal');
  const transfer = drgCasePayment(drgCase({ los_days: 5, dscg_way: '2', total_cost_fen: 500000 }), rules);
  assert.equal(transfer.kind, 'transfer');
  assert.equal(transfer.payment_fen, 500000);
  const off = withDrg({ death: null, transfer: null, short_stay: null });
  assert.equal(drgCasePayment(drgCase({ los_days: 1, dscg_way: '5' }), off).kind, 'normal');
});

test('new technology is paid by item on top and left out of the comparisons', () => {
  // cost 30,000 of which 8,000 new technology: 22,000 < 23,520, so not high-cost
  const p = drgCasePayment(drgCase({ total_cost_fen: 3000000, new_tech_fen: 800000, patient_paid_fen: 500000 }), rules);
  assert.equal(p.kind, 'normal');
  assert.equal(p.payment_fen, 784000 + 800000);
  assert.equal(p.hospital_payment_fen, 784000 + 800000 - 500000);
  assert.ok(p.explanation.some((s) => s.step === 'new_technology' && s.fen === 800000));
});

test('per-diem and by-item groups', () => {
  const pd = drgCasePayment(drgCase({ drg: 'TR11', los_days: 40, total_cost_fen: 1500000 }), rules);
  assert.equal(pd.kind, 'per_diem');
  assert.equal(pd.payment_fen, 40 * 45000);
  const bi = drgCasePayment(drgCase({ drg: 'NG19', total_cost_fen: 2500000 }), rules);
  assert.equal(bi.kind, 'by_item');
  assert.equal(bi.payment_fen, 2500000);
});

test('unknown groups, levels and insurance types are refused naming the field', () => {
  const field = (f: () => unknown): string => {
    try {
      f();
    } catch (e) {
      assert.ok(e instanceof YibaoError);
      return e.details[0]!.field;
    }
    return 'none';
  };
  assert.equal(field(() => drgCasePayment(drgCase({ drg: 'ZZ99' }), rules)), 'drg');
  assert.equal(field(() => drgCasePayment(drgCase({ hospital_level: '9' }), rules)), 'hospital_level');
  assert.equal(field(() => drgCasePayment(drgCase({ insutype: '320' }), rules)), 'insutype');
  assert.equal(field(() => drgCasePayment(drgCase({ total_cost_fen: -1 }), rules)), 'total_cost_fen');
  assert.equal(field(() => drgCasePayment(drgCase({ los_days: 1.5 }), rules)), 'los_days');
});

test('property: the explanation parts sum to the hospital payment; payment = hospital + patient + other funds', () => {
  const groups = ['GB25', 'ES35', 'FM19', 'OC19', 'TR11', 'NG19'];
  fc.assert(
    fc.property(
      fc.record({
        drg: fc.constantFrom(...groups),
        insutype: fc.constantFrom('310', '390'),
        hospital_level: fc.constantFrom('1', '2', '3'),
        los_days: fc.integer({ min: 0, max: 60 }),
        dscg_way: fc.constantFrom('1', '2', '3', '4', '5', '9'),
        total_cost_fen: fc.integer({ min: 0, max: 50_000_000 }),
        new_share: fc.integer({ min: 0, max: 100 }),
        patient_share: fc.integer({ min: 0, max: 100 }),
        other_fen: fc.integer({ min: 0, max: 1_000_000 }),
      }),
      (r) => {
        const newTech = Math.floor((r.total_cost_fen * r.new_share) / 400);
        const patient = Math.floor((r.total_cost_fen * r.patient_share) / 100);
        const p = drgCasePayment({ ...drgCase(), ...r, new_tech_fen: newTech, patient_paid_fen: patient, other_funds_paid_fen: r.other_fen }, rules);
        assert.equal(partsSum(p), p.hospital_payment_fen);
        assert.equal(p.hospital_payment_fen + p.patient_paid_fen + p.other_funds_paid_fen, p.payment_fen);
        assert.equal(p.surplus_fen, p.payment_fen - r.total_cost_fen);
        assert.ok(Number.isSafeInteger(p.payment_fen) && p.payment_fen >= 0);
      },
    ),
    { numRuns: 500 },
  );
});
