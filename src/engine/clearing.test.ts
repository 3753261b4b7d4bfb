import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildStatements, clearingLegs, mayResolve, monthBounds, payableLines, statementState, netPositions, pairOf, type ClearingRow } from './clearing.ts';

const row = (setl_id: string, ins: string, trt: string, amount: number, at = '2026-11-10T02:00:00Z', extra: Partial<ClearingRow> = {}): ClearingRow => ({
  setl_id, kind: amount < 0 ? 'cancel' : 'settle', orig_setl_id: null, insuplc_admdvs: ins, mdtrtarea_admvs: trt, insutype: '310',
  setl_time: new Date(at), amount_fen: amount, by_fund: { '310100': amount }, cancels_cleared: false, ...extra,
});

test('a month is bounded in China time', () => {
  const { start, end } = monthBounds('202611');
  assert.equal(start.toISOString(), '2026-10-31T16:00:00.000Z');
  assert.equal(end.toISOString(), '2026-11-30T16:00:00.000Z');
  assert.equal(monthBounds('202612').end.toISOString(), '2026-12-31T16:00:00.000Z');
});

test('pairs by level: provinces across, pooling regions within one province', () => {
  assert.deepEqual(pairOf('province', '360400', '430200'), ['360000', '430000']);
  assert.equal(pairOf('province', '430100', '430200'), undefined);
  assert.deepEqual(pairOf('city', '430100', '430200'), ['430100', '430200']);
  assert.equal(pairOf('city', '360400', '430200'), undefined);
  assert.equal(pairOf('city', '430200', '430200'), undefined);
});

test('statements per pair, deterministic, with adjustments; nets sum to zero', () => {
  const rows = [
    row('3', '360400', '430200', 5000),
    row('1', '360400', '430100', 17000, '2026-11-02T02:00:00Z', { by_fund: { '310100': 14000, '310200': 3000 } }),
    row('2', '430200', '360400', 8000),
    row('4', '360400', '430200', -2000, '2026-11-20T02:00:00Z', { cancels_cleared: true }),
    row('5', '360400', '430200', 1000, '2026-10-31T15:59:59Z'), // 23:59:59 on 31 October in China: late
    row('6', '430100', '430200', 999), // within Hunan: not at the province level
  ];
  const a = buildStatements('202611', 'province', rows);
  const b = buildStatements('202611', 'province', [...rows].reverse());
  assert.deepEqual(a, b, 'the order of the rows does not matter');
  assert.deepEqual(a.map((s) => [s.insured_admdvs, s.treatment_admdvs, s.totals.amount_fen, s.totals.count]), [['360000', '430000', 21000, 4], ['430000', '360000', 8000, 1]]);
  assert.deepEqual(a[0]!.lines.map((l) => l.setl_id), ['5', '1', '3', '4']);
  assert.deepEqual(a[0]!.totals.by_fund, { '310100': 18000, '310200': 3000 });
  assert.equal(a[0]!.totals.adjustments_count, 2);
  assert.equal(a[0]!.totals.adjustments_fen, -1000);
  const nets = netPositions(a);
  assert.deepEqual(nets.positions, [{ admdvs: '360000', net_fen: -13000 }, { admdvs: '430000', net_fen: 13000 }]);
  assert.deepEqual(nets.pairs, [{ payer: '360000', payee: '430000', amount_fen: 13000 }]);
  const city = buildStatements('202611', 'city', rows);
  assert.deepEqual(city.map((s) => [s.insured_admdvs, s.treatment_admdvs, s.totals.amount_fen]), [['430100', '430200', 999]]);
  assert.throws(() => buildStatements('202610', 'province', rows), /not after the month/);
});

test('the legs pay each pooling pair and the banks; a negative statement runs the other way', () => {
  const [s] = buildStatements('202611', 'province', [row('1', '360400', '430100', 17000), row('2', '360400', '430200', 3000)]);
  assert.deepEqual(clearingLegs(s!), [
    { debit: 'owed_by:430100:360400', credit: 'owed_to:360400:430100', amount: 17000 },
    { debit: 'owed_by:430200:360400', credit: 'owed_to:360400:430200', amount: 3000 },
    { debit: 'bank:430000', credit: 'bank:360000', amount: 20000 },
  ]);
  const [neg] = buildStatements('202611', 'province', [row('9', '360400', '430200', -500)]);
  assert.deepEqual(clearingLegs(neg!), [
    { debit: 'owed_to:360400:430200', credit: 'owed_by:430200:360400', amount: 500 },
    { debit: 'bank:360000', credit: 'bank:430000', amount: 500 },
  ]);
});

test("a statement's state from its confirmations, payment and open disputes; who resolves a dispute; which lines are paid", () => {
  const st = (insured: boolean, treatment: boolean, paid: boolean, open: number) => statementState({ insured_confirmed: insured, treatment_confirmed: treatment, paid, open_disputes: open });
  assert.equal(st(false, false, false, 0), 'drafted');
  assert.equal(st(true, false, false, 0), 'confirmed_by_insured');
  assert.equal(st(false, true, false, 0), 'confirmed_by_treatment');
  assert.equal(st(true, true, false, 0), 'confirmed');
  assert.equal(st(true, false, false, 1), 'disputed', 'an open contest shows before payment');
  assert.equal(st(true, true, true, 1), 'paid_in_part');
  assert.equal(st(true, true, true, 0), 'paid');
  assert.equal(mayResolve('insured', 'withdrawn', 'insured'), true);
  assert.equal(mayResolve('insured', 'withdrawn', 'treatment'), false, 'only the side that contests may withdraw');
  assert.equal(mayResolve('insured', 'upheld', 'treatment'), true);
  assert.equal(mayResolve('insured', 'upheld', 'insured'), false, 'the other side concedes');
  const l = (setl_id: string, orig_setl_id: string | null = null) => ({ setl_id, orig_setl_id });
  const lines = [l('A'), l('B'), l('C'), l('D'), l('X', 'E'), l('Y', 'F')];
  const disputes = new Map([['A', 'open'], ['B', 'upheld'], ['C', 'withdrawn']] as const);
  assert.deepEqual(payableLines(lines, disputes, new Set(['E'])).map((x) => x.setl_id), ['C', 'D', 'Y'], 'open and upheld wait or go; a cancellation of an upheld original repays nothing');
});
