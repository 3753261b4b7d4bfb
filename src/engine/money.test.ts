import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { baseForPayment, fenToYuan, formatYuan, formatYuanGrouped, fractionToBp, MAX_BILL_FEN, mulBp, yuanToFen, type Bp, type Fen } from './money.ts';
import { YibaoError } from './errors.ts';

test('yuan parse exactly, from text and from JSON numbers', () => {
  assert.equal(yuanToFen('17.55'), 1755);
  assert.equal(yuanToFen(17.55), 1755);
  assert.equal(yuanToFen(4.52), 452);
  assert.equal(yuanToFen('0.1'), 10);
  assert.equal(yuanToFen(-4.5), -450);
  assert.equal(yuanToFen(100000), 10000000);
  assert.equal(yuanToFen(' 12 '), 1200);
  for (const bad of ['1.234', 'abc', '', '1e3', 0.001, Number.NaN, '1,000']) {
    assert.throws(() => yuanToFen(bad as string), YibaoError, String(bad));
  }
});

test('formatYuan prints two decimals', () => {
  assert.equal(formatYuan(1228 as Fen), '12.28');
  assert.equal(formatYuan(5 as Fen), '0.05');
  assert.equal(formatYuan(-23 as Fen), '-0.23');
  assert.equal(formatYuan(10000000 as Fen), '100000.00');
});

test('rounding rules of the seeds: fund down, first self-pay half up', () => {
  // 17.55 × 70% = 12.285: the village clinic's fund paid 12.28 (down); half up would give 12.29.
  assert.equal(mulBp(1755 as Fen, 7000 as Bp, 'down'), 1228);
  assert.equal(mulBp(1755 as Fen, 7000 as Bp, 'half_up'), 1229);
  assert.equal(mulBp(1755 as Fen, 7000 as Bp, 'half_even'), 1228);
  // 4.52 × 5% = 0.226 → 0.23 (the 2204 sample).
  assert.equal(mulBp(452 as Fen, 500 as Bp, 'half_up'), 23);
  assert.equal(mulBp(452 as Fen, 500 as Bp, 'down'), 22);
  // half even: 0.125 → 0.12, 0.135 → 0.14
  assert.equal(mulBp(25 as Fen, 5000 as Bp, 'half_even'), 12);
  assert.equal(mulBp(27 as Fen, 5000 as Bp, 'half_even'), 14);
  // refunds mirror charges
  assert.equal(mulBp(-452 as Fen, 500 as Bp, 'half_up'), -23);
  assert.equal(mulBp(-1755 as Fen, 7000 as Bp, 'down'), -1228);
});

test('fractionToBp reads the interface selfpay_prop', () => {
  assert.equal(fractionToBp(0.05), 500);
  assert.equal(fractionToBp(0.1), 1000);
  assert.throws(() => fractionToBp(0.00001));
});

test('property: mulBp stays within one fen of the exact product and never exceeds the amount', () => {
  fc.assert(
    fc.property(fc.integer({ min: -1e9, max: 1e9 }), fc.integer({ min: 0, max: 10000 }), fc.constantFrom('down', 'half_up', 'half_even' as const), (a, r, mode) => {
      const got = mulBp(a as Fen, r as Bp, mode);
      const exact = (a * r) / 10000;
      assert.ok(Math.abs(got - exact) < 1, `${a}×${r} ${mode}: ${got} vs ${exact}`);
      assert.ok(Math.abs(got) <= Math.abs(a));
      if (mode === 'down') assert.ok(Math.abs(got) <= Math.abs(exact));
    }),
  );
});

test('property: baseForPayment is the smallest base reaching the target', () => {
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 1e8 }), fc.integer({ min: 1, max: 10000 }), fc.constantFrom('down', 'half_up', 'half_even' as const), (t, r, mode) => {
      const b = baseForPayment(t as Fen, r as Bp, mode);
      assert.ok(mulBp(b, r as Bp, mode) >= t);
      assert.ok(mulBp((b - 1) as Fen, r as Bp, mode) < t);
    }),
  );
});

test('mulBp refuses a product past 2^53 instead of rounding it wrong (issue 11, defect 4)', () => {
  assert.throws(() => mulBp(1e13 as Fen, 7000 as Bp, 'down'), /not exact/);
  assert.equal(mulBp(MAX_BILL_FEN as Fen, 7000 as Bp, 'down'), 7e9);
});

test('yuan ↔ fen: the one crossing, at its edges', () => {
  // A float sum that is not two decimals is refused, never rounded into a fen.
  assert.throws(() => yuanToFen(0.1 + 0.2), YibaoError);
  assert.equal(yuanToFen(0.3), 30);
  assert.equal(yuanToFen('0.29'), 29); // 0.29 * 100 is 28.999… as a float
  assert.equal(yuanToFen('-0.01'), -1);
  assert.equal(yuanToFen('-12.5'), -1250);
  assert.ok(Object.is(yuanToFen('-0'), 0), '-0 yuan is 0 fen, not -0');
  assert.equal(yuanToFen('17.550'), 1755, 'trailing zeros past the fen are no finer amount');
  // Exponent forms: 1e21 prints as "1e+21", 1e-7 as "1e-7"; neither is an amount.
  for (const bad of [1e21, -1e21, 1e-7, '1e21', '0x10', Infinity, '12.5.1', '--1', true, null]) {
    assert.throws(() => yuanToFen(bad, 'input.data.acct_pay'), (e: unknown) => e instanceof YibaoError && e.details[0]?.field === 'input.data.acct_pay', String(bad));
  }
  // Beyond MAX_ABS_FEN, or outside the caller's bounds, is out of range.
  assert.equal(yuanToFen('100000000000'), 1e13);
  assert.throws(() => yuanToFen('100000000000.01'), YibaoError);
  assert.throws(() => yuanToFen('-0.01', 'pric', { min: 0 }), YibaoError);
  assert.equal(yuanToFen('0', 'pric', { min: 0, max: 100 }), 0);
  assert.throws(() => yuanToFen('1.01', 'pric', { min: 0, max: 100 }), YibaoError);
});

test('fenToYuan answers the two-decimal JSON number, and refuses a fraction of a fen', () => {
  assert.equal(JSON.stringify(fenToYuan(263714)), '2637.14');
  assert.equal(JSON.stringify(fenToYuan(-23)), '-0.23');
  assert.equal(JSON.stringify(fenToYuan(-0)), '0');
  assert.ok(Object.is(fenToYuan(-0), 0));
  assert.throws(() => fenToYuan(0.5));
  assert.throws(() => fenToYuan(Number.NaN));
  fc.assert(
    fc.property(fc.integer({ min: -1e13, max: 1e13 }), (f) => {
      const y = fenToYuan(f);
      // The same number as rounding through two-decimal text, and it reads back to the same fen.
      return Object.is(y, Number((f / 100).toFixed(2)) + 0) && yuanToFen(y) === f && yuanToFen(formatYuan(f)) === f;
    }),
  );
});

test('formatYuanGrouped groups whole yuan by thousands, as the pages and plain words show them', () => {
  assert.equal(formatYuanGrouped(263714), '2,637.14');
  assert.equal(formatYuanGrouped(-123450), '-1,234.50');
  assert.equal(formatYuanGrouped(12345678901), '123,456,789.01');
  assert.equal(formatYuanGrouped(5), '0.05');
  assert.equal(formatYuanGrouped(99999), '999.99');
});
