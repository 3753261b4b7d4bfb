import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { loadCatalog } from '../catalog.ts';
import { YibaoError } from '../errors.ts';
import type { Fen } from '../money.ts';
import { judgeClaim, lookbackDays, rulesFor, type CatalogLookup } from './judge.ts';
import { compileLibrary, loadSupervisionRules } from './rules.ts';
import type { ClaimView, LineView } from './types.ts';

const json = (f: string): unknown => JSON.parse(fs.readFileSync(new URL(`../../../${f}`, import.meta.url), 'utf8'));
const shipped = json('supervision-rules/national-2026.json') as { rules: Array<Record<string, unknown>> } & Record<string, unknown>;
const library = compileLibrary([loadSupervisionRules(shipped)]);
const catalog = loadCatalog(json('catalogs/base.json'), json('catalogs/430100.json'));
const itemOf: CatalogLookup = (_admdvs, code) => catalog.items.get(code);

let sn = 0;
function line(code: string, pricYuan: number, cnt = 1, at: string | null = '2026-03-02 09:00:00', extra: Partial<LineView> = {}): LineView {
  const item = catalog.items.get(code);
  const amount = Math.round(pricYuan * 100 * cnt) as Fen;
  return {
    feedetl_sn: `L${++sn}`, med_list_codg: code, list_type: item?.list_type ?? null, med_chrgitm_type: item?.med_chrgitm_type ?? '14', chrgitm_lv: item?.chrgitm_lv ?? '03',
    cnt, pric: Math.round(pricYuan * 100) as Fen, det_item_fee_sumamt: amount, pric_uplmt_fen: item?.pric_uplmt_fen ?? null,
    inscp_scp_amt: amount, fulamt_ownpay_amt: 0 as Fen, fee_ocur_time: at, init_feedetl_sn: null, ...extra,
  };
}
let visitNo = 0;
function claim(over: Partial<ClaimView> & { lines: readonly LineView[] }): ClaimView {
  return {
    mdtrt_id: `V${++visitNo}`, setl_id: `S${visitNo}`, kind: 'outpatient', psn_no: 'P1', gend: '1', age: 50, insutype: '310', med_type: '11',
    fixmedins_code: 'H43010000001', fixmedins_type: '1', hosp_lv: '3', mdtrtarea_admvs: '430102', insuplc_admdvs: '430102',
    begntime: '2026-03-02 08:00:00', endtime: '2026-03-02 10:00:00', dise_codes: ['J06.900'], fund_pay_sumamt: 10000 as Fen, ...over,
  };
}
const stay = (begin: string, end: string, over: Partial<ClaimView> = {}): ClaimView =>
  claim({ kind: 'inpatient', med_type: '21', begntime: `${begin} 09:00:00`, endtime: `${end} 10:00:00`, dise_codes: ['K35.800'], lines: [line('120400006', 100, 20, `${begin} 12:00:00`)], ...over });
const fired = (c: ClaimView, history: ClaimView[] = [], stage: 'before' | 'during' | 'after' = 'after'): string[] => judgeClaim(library, stage, c, history, itemOf).map((f) => f.rule_type).sort();

test('a plain outpatient visit fires nothing', () => {
  assert.deepEqual(fired(claim({ lines: [line('001101000010000', 10), line('XA02BCA211E001010101012', 30, 2), line('120400006', 25)] })), []);
});

test('duplicate charging: the same item at the same minute twice; refunded charges do not count', () => {
  const a = line('120400006', 25);
  const b = line('120400006', 25);
  const f = judgeClaim(library, 'after', claim({ lines: [a, b] }), [], itemOf);
  assert.equal(f.length, 1);
  assert.deepEqual(f[0]!.lines, [b.feedetl_sn]);
  assert.equal(f[0]!.amount_fen, 2500);
  assert.equal(f[0]!.blocking, true);
  const refund = line('120400006', 25, -1, '2026-03-02 09:30:00', { det_item_fee_sumamt: -2500 as Fen, init_feedetl_sn: b.feedetl_sn });
  assert.deepEqual(fired(claim({ lines: [a, b, refund] })), []);
  assert.deepEqual(fired(claim({ lines: [a, line('120400006', 25, 1, '2026-03-02 15:00:00')] })), [], 'a second infusion later the same day is not a duplicate');
});

test('over-standard charging: the price above the limit, and more bed-days in a day than one', () => {
  const f = judgeClaim(library, 'after', claim({ lines: [line('110200001', 15)] }), [], itemOf);
  assert.equal(f[0]!.rule_type, 'over_standard_charging');
  assert.equal(f[0]!.amount_fen, 300, '15 yuan against a 12-yuan limit');
  const beds = stay('2026-03-01', '2026-03-05', { lines: [line('110900001', 30, 2, '2026-03-02 08:00:00'), line('120400006', 100, 10, '2026-03-02 08:00:00')] });
  const g = judgeClaim(library, 'after', beds, [], itemOf).find((x) => x.rule_type === 'over_standard_charging')!;
  assert.equal(g.amount_fen, 3000, 'one bed-day too many at 30 yuan');
  assert.deepEqual(fired(stay('2026-03-01', '2026-03-05', { lines: [line('110900001', 30, 1, '2026-03-02 08:00:00'), line('110900001', 30, 1, '2026-03-03 08:00:00'), line('120400006', 100, 10)] })), []);
});

test('beyond the payment scope: a drug paid for breast cancer only, on another diagnosis', () => {
  const drug = line('XL01XCQ163B002010102266', 5000);
  assert.deepEqual(fired(claim({ kind: 'inpatient', dise_codes: ['C34.900'], lines: [drug] })), ['beyond_payment_scope']);
  assert.deepEqual(fired(claim({ kind: 'inpatient', dise_codes: ['C50.900'], lines: [drug] })), []);
  assert.deepEqual(fired(claim({ kind: 'inpatient', dise_codes: ['C34.900'], lines: [{ ...drug, inscp_scp_amt: 0 as Fen, fulamt_ownpay_amt: drug.det_item_fee_sumamt }] })), [], 'self-paid: the fund paid nothing');
});

test('split charging: a consultation fee billed beside the package that includes it', () => {
  assert.deepEqual(fired(claim({ lines: [line('001101000010000', 10), line('110200001', 12)] })), ['split_charging']);
  assert.deepEqual(fired(claim({ lines: [line('001101000010000', 10, 1, '2026-03-02 09:00:00'), line('110200001', 12, 1, '2026-03-05 09:00:00')] })), [], 'on another day');
});

test('item swapping: an ordinary bed billed at a special-needs ward price', () => {
  const f = fired(stay('2026-03-01', '2026-03-04', { lines: [line('110900001', 380, 1, '2026-03-02 08:00:00'), line('120400006', 100, 10)] }));
  assert.deepEqual(f, ['item_swapping', 'over_standard_charging']);
});

test('excessive tests: a second CT within seven days at another hospital fires on the later visit only', () => {
  const first = claim({ begntime: '2026-03-01 08:00:00', lines: [line('210300001', 150, 1, '2026-03-01 09:00:00')] });
  const second = claim({ fixmedins_code: 'H43010000002', begntime: '2026-03-05 08:00:00', lines: [line('210300001', 150, 1, '2026-03-05 09:00:00')] });
  const f = judgeClaim(library, 'after', second, [first], itemOf);
  assert.equal(f[0]!.rule_type, 'excessive_tests');
  assert.deepEqual(f[0]!.related, [first.mdtrt_id]);
  assert.deepEqual(fired(first, [second]), [], 'the first of the two is not excessive');
  const later = claim({ begntime: '2026-03-09 08:00:00', lines: [line('210300001', 150, 1, '2026-03-09 09:00:00')] });
  assert.deepEqual(fired(later, [first]), [], 'eight days on');
});

test('sex- and age-restricted items', () => {
  assert.deepEqual(fired(claim({ gend: '1', lines: [line('XG03DAH090B002010101108', 5)] })), ['sex_restricted']);
  assert.deepEqual(fired(claim({ gend: '2', lines: [line('XG03DAH090B002010101108', 5)] })), []);
  assert.deepEqual(fired(claim({ gend: '2', lines: [line('XG04CAT017E004010100356', 30)] })), ['sex_restricted']);
  const gh = line('XH01ACC124B002010103375', 80);
  assert.deepEqual(fired(claim({ age: 30, dise_codes: ['E23.000'], lines: [gh] })), ['age_restricted']);
  assert.deepEqual(fired(claim({ age: 12, dise_codes: ['E23.000'], lines: [gh] })), []);
});

test('split admission: readmitted within fifteen days for the same category, not after sixteen or for another', () => {
  const first = stay('2026-03-01', '2026-03-08');
  assert.deepEqual(fired(stay('2026-03-20', '2026-03-25'), [first]), ['split_admission']);
  assert.deepEqual(fired(stay('2026-03-24', '2026-03-29'), [first]), []);
  assert.deepEqual(fired(stay('2026-03-20', '2026-03-25', { dise_codes: ['I21.000'] }), [first]), []);
  assert.deepEqual(fired(first, [stay('2026-03-20', '2026-03-25')]), [], 'the earlier stay is not the split one');
});

test('bed-hanging: a pharmacy visit in the middle of a stay, and a stay without daily charges', () => {
  const s = stay('2026-03-01', '2026-03-10');
  const pharmacy = claim({ kind: 'pharmacy', begntime: '2026-03-05 15:00:00', lines: [line('XA02BCA211E001010101012', 30)] });
  const f = judgeClaim(library, 'after', s, [pharmacy], itemOf);
  assert.deepEqual(f.map((x) => x.rule_type), ['bed_hanging']);
  assert.deepEqual(f[0]!.related, [pharmacy.mdtrt_id]);
  const onDischargeDay = claim({ kind: 'outpatient', begntime: '2026-03-10 15:00:00', lines: [line('120400006', 25)] });
  assert.deepEqual(fired(s, [onDischargeDay]), [], 'the day of discharge is outside');
  assert.deepEqual(fired(stay('2026-03-01', '2026-03-11', { lines: [line('XA02BCA211E001010101012', 30, 3)] })), ['bed_hanging'], 'ten days, drugs only');
});

test('overlapping stays at two hospitals, reported once on the later one', () => {
  const a = stay('2026-03-01', '2026-03-10');
  const b = stay('2026-03-05', '2026-03-12', { fixmedins_code: 'H43010000002' });
  assert.ok(fired(b, [a]).includes('overlapping_stays'));
  assert.ok(!fired(a, [b]).includes('overlapping_stays'));
  assert.ok(!fired(stay('2026-03-10', '2026-03-12', { fixmedins_code: 'H43010000002' }), [a]).includes('overlapping_stays'), 'a transfer on the day of discharge');
});

test('over-quantity prescribing: twelve weeks of amlodipine at a pharmacy, then more at a hospital a week later', () => {
  const first = claim({ kind: 'pharmacy', fixmedins_type: '2', hosp_lv: '0', begntime: '2026-03-01 09:00:00', lines: [line('XC08CAA001A001010100026', 20, 3, '2026-03-01 09:00:00')] });
  const second = claim({ begntime: '2026-03-08 09:00:00', lines: [line('XC08CAA001A001010100026', 20, 2, '2026-03-08 09:00:00')] });
  const f = judgeClaim(library, 'after', second, [first], itemOf);
  assert.equal(f[0]!.rule_type, 'over_quantity_prescribing');
  assert.deepEqual(f[0]!.related, [first.mdtrt_id]);
  // On hand after the second: 84 − 7 + 56 = 133 days, 49 beyond 84: 49/28 boxes at 20 yuan.
  assert.equal(f[0]!.amount_fen, Math.round((49 / 28) * 2000));
  const refill = claim({ begntime: '2026-05-20 09:00:00', lines: [line('XC08CAA001A001010100026', 20, 3, '2026-05-20 09:00:00')] });
  assert.deepEqual(fired(refill, [first]), [], 'a refill when the first is nearly used');
});

test('qualification mismatch: dialysis at a level-1 clinic', () => {
  assert.deepEqual(fired(claim({ hosp_lv: '1', lines: [line('311000011', 380)] })), ['qualification_mismatch']);
  assert.deepEqual(fired(claim({ hosp_lv: '2', lines: [line('311000011', 380)] })), []);
});

test('rules run at their stages, scenarios, insurance types and regions; a region replaces a national rule by code', () => {
  const swap = stay('2026-03-01', '2026-03-04', { lines: [line('110900001', 380, 1, '2026-03-02 08:00:00'), line('120400006', 100, 10)] });
  assert.ok(!fired(swap, [], 'during').includes('item_swapping'), 'swapping is an after-settlement rule');
  const hunan = { ...shipped, rules_id: 'supervision-hunan', admdvs: '430000', rules: [{ ...shipped.rules[6]!, severity: 'violation', insutypes: ['390'], regions: ['430100'] }] };
  const lib = compileLibrary([loadSupervisionRules(shipped), loadSupervisionRules(hunan)]);
  const man = claim({ gend: '1', insutype: '390', lines: [line('XG03DAH090B002010101108', 5)] });
  assert.equal(rulesFor(lib, 'after', man).find((r) => r.code === 'JG-XB-001')!.severity, 'violation');
  assert.equal(rulesFor(lib, 'after', { ...man, insutype: '310' }).find((r) => r.code === 'JG-XB-001')!.severity, 'suspect');
  assert.equal(rulesFor(lib, 'after', { ...man, mdtrtarea_admvs: '360402' }).find((r) => r.code === 'JG-XB-001')!.severity, 'suspect');
  assert.ok(lookbackDays(library) >= 16);
});

test('a rule document is refused naming the field', () => {
  const refused = (doc: unknown): string[] => {
    try {
      loadSupervisionRules(doc);
    } catch (err) {
      assert.ok(err instanceof YibaoError);
      return err.details.map((d) => d.field);
    }
    return [];
  };
  const rule = (i: number, over: Record<string, unknown>) => ({ ...shipped, rules: shipped.rules.map((r, j) => (j === i ? { ...r, ...over } : r)) });
  assert.deepEqual(refused(rule(8, { params: { days: 0, diagnosis_match: 'category', same_institution: false } })), ['/rules/8/params/days']);
  assert.deepEqual(refused(rule(8, { params: { days: 15, same_institution: false } })), ['/rules/8/params/diagnosis_match']);
  assert.deepEqual(refused(rule(1, { blocking: true })), ['/rules/1/blocking']);
  assert.deepEqual(refused(rule(2, { type: 'fortune_telling' })), ['/rules/2/type']);
  assert.deepEqual(refused(rule(3, { code: 'JG-CF-001' })), ['/rules/3/code']);
  assert.deepEqual(refused({ ...shipped, admdvs: '430000', rules: [{ ...shipped.rules[0]!, regions: ['360400'] }] }), ['/rules/0/regions/0']);
  assert.deepEqual(refused(rule(4, { params: { pairs: [{ billed: '110900001', actual: '110900011', price_min_yuan: 300, price_max_yuan: 100, name: { zh: 'x', en: 'x' } }] } })), ['/rules/4/params/pairs/0/price_max_yuan']);
});
