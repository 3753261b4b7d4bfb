import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { fenToYuan, yuanToFen } from '../../engine/money.ts';
import { ageOn } from '../../engine/idcard.ts';
import { compactMillis, dateTime } from './time.ts';
import { canonicalJson, differingPaths } from './canonical.ts';

test('yuan ↔ fen: exact decimal parsing, never float multiplication', () => {
  assert.equal(yuanToFen('0.29', 'x'), 29);
  assert.equal(yuanToFen(0.29, 'x'), 29);
  assert.equal(yuanToFen('12.5', 'x'), 1250);
  assert.equal(yuanToFen('17.550', 'x'), 1755);
  assert.equal(yuanToFen(-3.01, 'x'), -301);
  assert.equal(yuanToFen('100', 'x'), 10000);
  for (const bad of ['1.234', 'abc', '', null, undefined, {}, '1e3', NaN]) {
    assert.throws(() => yuanToFen(bad, 'input.data.medfee_sumamt'), /input\.data\.medfee_sumamt/);
  }
  assert.equal(fenToYuan(123456), 1234.56);
  assert.equal(fenToYuan(5), 0.05);
  assert.throws(() => fenToYuan(1.5));
  fc.assert(
    fc.property(fc.integer({ min: -1e12, max: 1e12 }), (fen) => yuanToFen(fenToYuan(fen), 'x') === fen),
  );
});

test('times are written in China time', () => {
  const at = new Date('2026-12-31T16:30:05.007Z'); // 2027-01-01 00:30:05.007 in China
  assert.equal(compactMillis(at), '20270101003005007');
  assert.equal(dateTime(at), '2027-01-01 00:30:05');
  assert.equal(ageOn('1980-05-20', '2026-05-19'), 45);
  assert.equal(ageOn('1980-05-20', '2026-05-20'), 46);
  assert.equal(ageOn('2024-02-29', '2025-02-28'), 0);
  assert.equal(ageOn('2024-02-29', '2025-03-01'), 1);
});

test('canonical JSON sorts keys at every depth; differences are named by path', () => {
  assert.equal(canonicalJson({ b: 1, a: { d: [2, { z: 1, y: null }], c: 'x' } }), '{"a":{"c":"x","d":[2,{"y":null,"z":1}]},"b":1}');
  assert.deepEqual(differingPaths({ input: { data: { a: 1, b: [1, 2] } } }, { input: { data: { a: 2, b: [1, 3] } } }), ['input.data.a', 'input.data.b[1]']);
  assert.deepEqual(differingPaths({ a: 1 }, { a: 1 }), []);
});
