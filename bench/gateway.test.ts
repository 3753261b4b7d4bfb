import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runGatewayBench } from './gateway.ts';

// `npm run bench` is a contract: this runs its gateway part end to end at the smallest size
// (its own embedded PostgreSQL, the real server as a child process, the load generator), so a
// broken bench is found by the tests, not by the next person who measures.

test('the gateway bench runs end to end and reports every figure, with no failed message', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'yibao-bench-'));
  fs.chmodSync(dir, 0o755); // PostgreSQL runs as another user when the tests run as root
  try {
    const r = await runGatewayBench({ quick: true, clients: 4, seconds: 1, dir });
    assert.equal(r.errors, 0);
    assert.equal(r.persons, 2000);
    assert.ok(r.flows > 0 && r.settlements > 0, JSON.stringify(r));
    for (const [k, v] of Object.entries(r)) if (k !== 'seed_seconds') assert.ok(Number.isFinite(v), `${k} is a number`);
    assert.ok((r.flow_cpu_server_ms ?? 0) > 0 && (r.flow_cpu_postgres_ms ?? 0) > 0, 'the CPU of both sides is measured (Linux)');
    assert.ok(r.flow_p50_ms <= r.flow_p99_ms && r.settle_p50_ms <= r.settle_p99_ms);
    assert.ok(r.analysis_per_s > 0 && r.analysis_p99_ms > 0, '3101 was measured');
    assert.ok(r.flow_messages_per_commit > 0, 'messages per committed transaction are counted');
    assert.ok(r.seed_seconds !== null, 'a fresh folder is seeded');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
