import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runFloodBench } from './flood.ts';

// The flood part of `npm run bench` end to end at the smallest size: the real server with
// admission limits, three times its capacity offered. Its speed figures are the bench's to
// report; what this checks is what must hold at any speed: some of the flood is shed, and
// nothing is lost or paid twice.

test('the flood bench runs end to end: load is shed, every flow settles once, the ledger balances', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'yibao-flood-'));
  fs.chmodSync(dir, 0o755); // PostgreSQL runs as another user when the tests run as root
  try {
    const r = await runFloodBench({ quick: true, clients: 4, seconds: 2, dir });
    assert.equal(r.errors, 0, JSON.stringify(r));
    assert.ok(r.capacity_flows_per_s > 0 && r.flood_flows_begun > 0, JSON.stringify(r));
    assert.ok(r.shed > 0, `three times the capacity sheds some messages: ${JSON.stringify(r)}`);
    assert.equal(r.flows_lost, 0);
    assert.equal(r.settled_twice, 0);
    assert.equal(r.ledger_balanced, true);
    for (const [k, v] of Object.entries(r)) if (typeof v === 'number') assert.ok(Number.isFinite(v), `${k} is a number`);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
