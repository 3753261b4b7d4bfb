import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runClearingBench } from './clearing.ts';

// The clearing part of `npm run bench` at a small size (its own embedded PostgreSQL, the
// month generated in SQL, both levels run): a broken bench, or statements that no longer
// equal the plain aggregate of their rows, is found by the tests.

test('the clearing bench runs end to end: every row in one line, the statements equal the GROUP BY to the fen', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'yibao-bench-clearing-'));
  fs.chmodSync(dir, 0o755); // PostgreSQL runs as another user when the tests run as root
  try {
    const r = await runClearingBench({ settlements: 5000, dir, log: () => undefined });
    assert.equal(r.settlements, 5000);
    assert.equal(r.lines, 5000, 'each collected row is one line of one statement');
    assert.equal(r.totals_match, true);
    assert.ok(r.statements > 16, `statements at both levels: ${r.statements}`);
    // 25 late arrivals (one in 200) and 10 cancellations of cleared September settlements.
    assert.equal(r.adjustments, 35);
    for (const [k, v] of Object.entries(r)) if (typeof v === 'number') assert.ok(Number.isFinite(v) && v >= 0, `${k} is a number`);
    assert.ok(r.clearing_seconds >= r.clearing_province_seconds && r.clearing_to_group_by > 0);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
