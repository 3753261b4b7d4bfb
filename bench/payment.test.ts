import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runPaymentBench } from './payment.ts';

// The DIP year-end part of `npm run bench` at a small size (its own embedded PostgreSQL, the
// stays and history generated in SQL, the year-end run through the platform): a broken bench,
// or a year-end whose lines, transfers or ledger do not hold, is found by the tests.

test('the DIP year-end bench runs end to end: every case repriced once, one transfer per hospital with a balance, the ledger balanced', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'yibao-bench-payment-'));
  fs.chmodSync(dir, 0o755); // PostgreSQL runs as another user when the tests run as root
  try {
    const r = await runPaymentBench({ stays: 2000, dir, log: () => undefined });
    assert.equal(r.stays, 2000);
    assert.equal(r.history, 5700);
    assert.equal(r.checks_ok, true);
    assert.ok(r.hospitals > 1 && r.point_value_fen !== null && r.point_value_fen > 0);
    assert.ok(r.dip_year_end_seconds > 0 && r.dip_year_end_to_group_by > 0);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
