import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { YibaoError } from '../errors.ts';
import { drgCasePayment } from './drg.ts';
import { drgDipBudgetFen, loadPaymentRules, parseWeightsCsv, PAYMENT_DEFAULTS } from './rules.ts';
import { dipRulesDoc, drgCase, drgRulesDoc } from './testing.ts';

const root = path.resolve(import.meta.dirname, '../../..');
const readJson = (p: string): unknown => JSON.parse(fs.readFileSync(path.join(root, p), 'utf8'));

/** The fields a refused document names. */
function fields(doc: unknown): string[] {
  try {
    loadPaymentRules(doc);
  } catch (e) {
    assert.ok(e instanceof YibaoError, String(e));
    assert.equal(e.kind, 'invalid');
    for (const d of e.details) assert.ok(d.zh.length > 0 && d.en.length > 0);
    return [...new Set(e.details.map((d) => d.field))];
  }
  return [];
}

test('the shipped documents load: Changsha by DRG with its 2023 weights, Zhuzhou by DIP', () => {
  const cs = loadPaymentRules(readJson('payment-rules/430100-2026.json'));
  assert.equal(cs.method, 'drg');
  assert.equal(Object.keys(cs.drg!.weights).length, 734);
  assert.equal(cs.drg!.weights['AA19'], 265936); // 心脏移植 26.5936
  assert.equal(cs.drg!.weights['SB11'], 30000); // written "3"
  assert.deepEqual(cs.drg!.by_item_drgs, ['NG19', 'RA39', 'RA49']);
  assert.equal(cs.drg!.base_rate_fen_by_insutype['310'], 980000);
  assert.equal(drgDipBudgetFen(cs), 240000000); // 3,000,000 yuan × 80%: the demo's scale
  const zz = loadPaymentRules(readJson('payment-rules/430200-2026.json'));
  assert.equal(zz.method, 'dip');
  assert.deepEqual(zz.dip!.year_weights, [1, 2, 7]);
  // the worked example of docs/payment-rules.md: GB25 at a level-3 hospital for an employee
  const p = drgCasePayment(drgCase({ drg: 'ES35', total_cost_fen: 1000000 }), cs);
  assert.equal(p.standard_fen, Math.round((cs.drg!.weights['ES35']! * 9800 * 100) / 10000)); // basic group: coefficient 1.0
});

test('the Changsha document has the weights of the csv, when the csv is in the repository', (t) => {
  const csv = path.join(root, 'catalogs/drg/changsha-2023-weights.csv');
  if (!fs.existsSync(csv)) return t.skip('catalogs/drg/changsha-2023-weights.csv is not here yet');
  const table = parseWeightsCsv(fs.readFileSync(csv, 'utf8'));
  const cs = loadPaymentRules(readJson('payment-rules/430100-2026.json'));
  assert.deepEqual(cs.drg!.weights, table.weights);
  assert.deepEqual(cs.drg!.basic_groups, [...table.basic_groups].sort());
});

test('parseWeightsCsv reads weights digit by digit and names bad lines', () => {
  const t = parseWeightsCsv('\uFEFFDRG编码,DRG名称,初始权重,基础病组,不稳定病组\r\nAA19,心脏移植,26.5936,否,※\r\nES35,呼吸系统感染,0.745,是,\r\nNG19,辅助生殖技术,无,否,※\r\nSB11,全身性感染,3,否,\r\n');
  assert.deepEqual(t.weights, { AA19: 265936, ES35: 7450, SB11: 30000 });
  assert.deepEqual(t.without_weight, ['NG19']);
  assert.deepEqual(t.basic_groups, ['ES35']);
  assert.deepEqual(t.unstable_groups, ['AA19', 'NG19']);
  const bad = (text: string): string => {
    try {
      parseWeightsCsv(text);
    } catch (e) {
      assert.ok(e instanceof YibaoError);
      return e.details.map((d) => d.field).join(' ');
    }
    return '';
  };
  const head = 'DRG编码,DRG名称,初始权重\n';
  assert.equal(bad(`${head}AA19,x,1.23456\n`), 'line 2/初始权重');
  assert.equal(bad(`${head}AA19,x,-1\n`), 'line 2/初始权重');
  assert.equal(bad(`${head}AA19,x,0\n`), 'line 2/初始权重');
  assert.equal(bad(`${head}AA1,x,1\n`), 'line 2/DRG编码');
  assert.equal(bad(`${head}AA19,x,1\nAA19,y,2\n`), 'line 3/DRG编码');
  assert.equal(bad('code,weight\n'), 'line 1');
});

test('defaults fill what a document leaves out; null turns a special case off', () => {
  const doc = drgRulesDoc();
  const r = loadPaymentRules({ ...doc, budget: { total_fen: 100, drg_dip_share_bp: 8000 } });
  assert.equal(r.budget.advance_share_bp, PAYMENT_DEFAULTS.advance_share_bp);
  assert.deepEqual(r.drg!.high_cost, { multiple_bp: 30000, excess_share_bp: 10000 });
  assert.deepEqual(r.drg!.low_cost, { fraction_bp: 4000, pay: { pay: 'by_item', cap_standard_bp: null } });
  assert.equal(r.drg!.death!.max_days, 1);
  const off = loadPaymentRules({ ...doc, drg: { ...doc.drg, high_cost: null, death: { pay: { pay: 'reduced_weight', weight_share_bp: 5000 } } } });
  assert.equal(off.drg!.high_cost, null);
  assert.deepEqual(off.drg!.death, { max_days: 1, pay: { pay: 'reduced_weight', weight_share_bp: 5000 } });
  const dip = loadPaymentRules({ ...dipRulesDoc(), dip: {} }).dip!;
  assert.deepEqual(dip, { min_cases: 15, year_weights: [1, 2, 7], low_band_bp: 5000, high_band_bp: 20000, review_band_bp: 50000, hospital_coefficient_bp_by_level: { '3': 10000, '2': 9000, '1': 8000 }, reimbursement_ratio_bp: 7000, point_value_fen: null });
});

test('invalid documents are refused with every field named', () => {
  const doc = drgRulesDoc();
  assert.deepEqual(fields({ ...doc, method: 'fee_for_service' }), ['/method']);
  assert.deepEqual(fields({ ...doc, year: 2026.5 }), ['/year']);
  assert.deepEqual(fields({ ...doc, rules_id: 'payment-430100-2025' }), ['/rules_id']);
  assert.deepEqual(fields({ ...doc, budget: { total_fen: -1, drg_dip_share_bp: 12000 } }), ['/budget/total_fen', '/budget/drg_dip_share_bp']);
  assert.deepEqual(fields({ ...doc, drg: { ...doc.drg, weights: { GB25: 0.8 } } }), ['/drg/weights/GB25']);
  assert.deepEqual(fields({ ...doc, drg: { ...doc.drg, weights: { ...(doc.drg['weights'] as object), gb25: 8000 } } }), ['/drg/weights/gb25']);
  assert.deepEqual(fields({ ...doc, drg: { ...doc.drg, hospital_coefficient_bp_by_level: { '3': 10000, '三': 9000 } } }), ['/drg/hospital_coefficient_bp_by_level/三']);
  assert.deepEqual(fields({ ...doc, drg: { ...doc.drg, base_rate_fen_by_insutype: {} } }), ['/drg/base_rate_fen_by_insutype']);
  assert.deepEqual(fields({ ...doc, drg: { ...doc.drg, high_cost: { multiple_bp: 9000 } } }), ['/drg/high_cost/multiple_bp']);
  assert.deepEqual(fields({ ...doc, drg: { ...doc.drg, low_cost: { fraction_bp: 9000 }, high_cost: { multiple_bp: 8000 + 10000 } } }), []);
  assert.deepEqual(fields({ ...doc, drg: { ...doc.drg, basic_groups: ['ZZ99'] } }), ['/drg/basic_groups/0']);
  assert.deepEqual(fields({ ...doc, drg: { ...doc.drg, by_item_drgs: ['GB25'] } }), ['/drg/by_item_drgs/0']);
  assert.deepEqual(fields({ ...doc, drg: { ...doc.drg, per_diem: { drgs: ['XX19'], rate_fen_per_day: 100 } } }), ['/drg/per_diem/drgs/0']);
  assert.deepEqual(fields({ ...doc, drg: { ...doc.drg, weight: {} } }), ['/drg/weight']);
  assert.deepEqual(fields({ ...doc, drg: undefined }), ['/drg']);
  const { scheme: _omit, ...noScheme } = doc.drg;
  assert.deepEqual(fields({ ...doc, drg: noScheme }), ['/drg/scheme']);
  const dip = dipRulesDoc();
  assert.deepEqual(fields({ ...dip, dip: { low_band_bp: 10000, review_band_bp: 15000 } }), ['/dip/low_band_bp', '/dip/review_band_bp']);
  assert.deepEqual(fields({ ...dip, dip: { year_weights: [] } }), ['/dip/year_weights']);
  assert.deepEqual(fields({ ...dip, dip: { reimbursement_ratio_bp: 0 } }), ['/dip/reimbursement_ratio_bp']);
});
