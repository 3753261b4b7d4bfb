import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runPaymentBench } from './payment.ts';

// The DIP year-end part of `npm run bench` at a small size (its own embedded PostgreSQL, the
// year and its history generated in SQL, runYearEnd for Zhuzhou's 2026): a broken bench, or a
// year-end whose transfers, balances, ledger or repricing no longer check, is found here.

test('the DIP year-end bench runs end to end: one transfer per hospital with a balance, every case repriced once, the books balance', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'yibao-bench-payment-'));
  fs.chmodSync(dir, 0o755); // PostgreSQL runs as another user when the tests run as root
  try {
    const r = await runPaymentBench({ stays: 2000, dir, log: () => undefined });
    assert.deepEqual(Object.keys(r).sort(), ['checks', 'checks_ok', 'dip_year_end_group_by_seconds', 'dip_year_end_seconds', 'history', 'hospitals', 'point_value_fen', 'ratio', 'seed_seconds', 'stays']);
    assert.equal(r.stays, 2000);
    assert.equal(r.history, 1800 + 1900 + 2000, 'three years of history: 0.9, 0.95 and 1 × the stays');
    assert.deepEqual(Object.entries(r.checks).filter(([, v]) => !v), [], 'every check holds');
    assert.equal(r.checks_ok, true);
    assert.ok(r.hospitals > 10, `the region's hospitals: ${r.hospitals}`);
    assert.ok(r.point_value_fen > 0, 'a settlement point value');
    for (const [k, v] of Object.entries(r)) if (typeof v === 'number') assert.ok(Number.isFinite(v) && v >= 0, `${k} is a number`);
    assert.ok(r.dip_year_end_seconds > 0 && r.ratio > 0);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
