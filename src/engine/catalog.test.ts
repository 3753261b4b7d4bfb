import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { classifyFeeLine, loadCatalog, type FeeLine } from './catalog.ts';
import { feeDetailResult, feeLineFromInterface } from './interface.ts';
import { item, TEST_DEFAULTS } from './testing.ts';
import { YibaoError } from './errors.ts';
import type { Bp, Fen } from './money.ts';
import { nhsaFixture } from '../../test/support/fixtures.ts';

const root = path.resolve(import.meta.dirname, '../..');
const fixture = (name: string): { output: { result: Record<string, unknown>[] } } =>
  nhsaFixture(name);
const adult = { gend: '1', age: 35 };
const outpatient = { med_type: '11' as const };
const line = (sn: string, amount: number, extra: Partial<FeeLine> = {}): FeeLine => ({
  feedetl_sn: sn, med_list_codg: 'X1', det_item_fee_sumamt: amount as Fen, cnt: 1, pric: amount as Fen, ...extra,
});

test('golden 2204: 4.52 at 5% first self-pay → 0.23 preselfpay, 4.29 in scope (the sample response)', () => {
  const sample = fixture('2204-response.his-mock.json').output.result[0]!;
  const raw = { feedetl_sn: 'yp570', med_list_codg: 'XA02BCA211E001010101012', det_item_fee_sumamt: 4.52, cnt: 1, pric: 4.52 };
  const c = classifyFeeLine(item('XA02BCA211E001010101012', '02'), feeLineFromInterface(raw), adult, outpatient, TEST_DEFAULTS);
  assert.equal(c.preselfpay_amt, 23);
  assert.equal(c.inscp_scp_amt, 429);
  const out = feeDetailResult(c);
  for (const k of ['chrgitm_lv', 'selfpay_prop', 'pric_uplmt_amt', 'overlmt_amt', 'fulamt_ownpay_amt', 'preselfpay_amt', 'inscp_scp_amt', 'det_item_fee_sumamt', 'feedetl_sn', 'med_chrgitm_type']) {
    assert.equal(out[k], sample[k], k);
  }
});

test('DOMAIN §4 example: price 120, limit 110, 乙 10% → 10 over limit, 11 first self-pay, 99 in scope', () => {
  const it = item('S1', '02', { list_type: 'service', pric_uplmt_fen: 11000 as Fen });
  const c = classifyFeeLine(it, line('1', 12000), adult, outpatient, TEST_DEFAULTS);
  assert.deepEqual([c.overlmt_amt, c.preselfpay_amt, c.inscp_scp_amt, c.fulamt_ownpay_amt], [1000, 1100, 9900, 0]);
  // Two units: the excess counts per unit.
  const c2 = classifyFeeLine(it, line('2', 24000, { cnt: 2, pric: 12000 as Fen }), adult, outpatient, TEST_DEFAULTS);
  assert.deepEqual([c2.overlmt_amt, c2.preselfpay_amt, c2.inscp_scp_amt], [2000, 2200, 19800]);
});

test('out of catalog and 丙 are fully self-paid; 甲 fully in scope; item override beats region default', () => {
  const none = classifyFeeLine(undefined, line('1', 500), adult, outpatient, TEST_DEFAULTS);
  assert.equal(none.fulamt_ownpay_amt, 500);
  assert.equal(none.chrgitm_lv, '03');
  assert.match(none.reason.en, /not in the treatment place/);
  const c = classifyFeeLine(item('C', '03'), line('2', 500), adult, outpatient, TEST_DEFAULTS);
  assert.equal(c.fulamt_ownpay_amt, 500);
  const a = classifyFeeLine(item('A', '01'), line('3', 500), adult, outpatient, TEST_DEFAULTS);
  assert.equal(a.inscp_scp_amt, 500);
  const b = classifyFeeLine(item('B', '02', { selfpay_prop_bp: 3000 as Bp }), line('4', 1000), adult, outpatient, TEST_DEFAULTS);
  assert.deepEqual([b.preselfpay_amt, b.inscp_scp_amt, b.selfpay_prop], [300, 700, 3000]);
});

test('restrictions: sex, age, hospital approval of an indication, inpatient only', () => {
  const female = item('F', '01', { restrict: { gend: '2' } });
  assert.equal(classifyFeeLine(female, line('1', 100), adult, outpatient, TEST_DEFAULTS).fulamt_ownpay_amt, 100);
  assert.equal(classifyFeeLine(female, line('1', 100), { gend: '2', age: 30 }, outpatient, TEST_DEFAULTS).inscp_scp_amt, 100);
  const child = item('G', '02', { restrict: { max_age: 17 } });
  assert.equal(classifyFeeLine(child, line('1', 100), adult, outpatient, TEST_DEFAULTS).fulamt_ownpay_amt, 100);
  assert.equal(classifyFeeLine(child, line('1', 100), { gend: '1', age: 10 }, outpatient, TEST_DEFAULTS).inscp_scp_amt, 95);
  const appr = item('H', '02', { restrict: { hosp_appr: { zh: '限抢救', en: 'resuscitation only' } } });
  const refused = classifyFeeLine(appr, line('1', 100), adult, outpatient, TEST_DEFAULTS);
  assert.equal(refused.fulamt_ownpay_amt, 100);
  assert.match(refused.reason.zh, /限抢救/);
  assert.equal(classifyFeeLine(appr, line('1', 100, { hosp_appr_flag: '1' }), adult, outpatient, TEST_DEFAULTS).inscp_scp_amt, 95);
  const ip = item('I', '01', { restrict: { inpatient_only: true } });
  assert.equal(classifyFeeLine(ip, line('1', 100), adult, outpatient, TEST_DEFAULTS).fulamt_ownpay_amt, 100);
  assert.equal(classifyFeeLine(ip, line('1', 100), adult, { med_type: '21' }, TEST_DEFAULTS).inscp_scp_amt, 100);
});

test('property: a refund line classifies as the exact mirror of its charge; parts add up', () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 1, max: 10_000_000 }),
      fc.constantFrom('01', '02', '03' as const),
      fc.option(fc.integer({ min: 1, max: 10_000_000 }), { nil: null }),
      fc.integer({ min: 0, max: 10000 }),
      fc.integer({ min: 1, max: 20 }),
      (price, lv, limit, prop, cnt) => {
        const it = item('P', lv, { pric_uplmt_fen: limit as Fen | null, selfpay_prop_bp: prop as Bp });
        const charge = classifyFeeLine(it, line('1', price * cnt, { cnt, pric: price as Fen }), adult, outpatient, TEST_DEFAULTS);
        const refund = classifyFeeLine(it, line('2', -price * cnt, { cnt: -cnt, pric: price as Fen }), adult, outpatient, TEST_DEFAULTS);
        for (const k of ['fulamt_ownpay_amt', 'overlmt_amt', 'preselfpay_amt', 'inscp_scp_amt'] as const) {
          assert.equal(refund[k], charge[k] === 0 ? 0 : -charge[k], k);
          assert.ok(charge[k] >= 0);
        }
        assert.equal(charge.fulamt_ownpay_amt + charge.overlmt_amt + charge.preselfpay_amt + charge.inscp_scp_amt, price * cnt);
      },
    ),
  );
});

test('demo catalogs load: base plus every regional override', () => {
  const dir = path.join(root, 'catalogs');
  const base = JSON.parse(fs.readFileSync(path.join(dir, 'base.json'), 'utf8'));
  const regions = fs.readdirSync(dir).filter((f) => /^\d{6}\.json$/.test(f));
  assert.equal(regions.length, 16);
  for (const f of regions) {
    const cat = loadCatalog(base, JSON.parse(fs.readFileSync(path.join(dir, f), 'utf8')));
    assert.equal(cat.admdvs, f.slice(0, 6));
    assert.ok(cat.items.size >= 35, f);
    const kinds = new Set([...cat.items.values()].map((i) => i.chrgitm_lv));
    assert.deepEqual([...kinds].sort(), ['01', '02', '03']);
  }
});

test('a bad catalog is refused with every problem listed', () => {
  const bad = {
    catalog_id: 'x', admdvs: '36', version: 0, effective_from: '2026-01-01', source: 's',
    defaults: { selfpay_prop_bp: { drug: 20000, service: 0, consumable: 0 }, preselfpay_rounding: 'up' },
    items: [{ med_list_codg: 'x', name: 'n', list_type: 'drug', med_chrgitm_type: '09', chrgitm_lv: '04' }],
  };
  try {
    loadCatalog(bad);
    assert.fail('accepted a bad catalog');
  } catch (e) {
    assert.ok(e instanceof YibaoError);
    const fields = e.details.map((d) => d.field);
    for (const f of ['/admdvs', '/version', '/defaults/preselfpay_rounding', '/items/0/med_list_codg', '/items/0/chrgitm_lv']) {
      assert.ok(fields.includes(f), `missing ${f} in ${fields.join(', ')}`);
    }
  }
});
