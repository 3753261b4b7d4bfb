import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../src/server/app.ts';
import { seedSettlementDocuments } from '../src/store/documents/seed.ts';
import { runSoak } from '../bench/soak.ts';
import { freshDatabase, type TestDatabase } from './support/db.ts';
import { HOSPITAL, RESIDENT, seedRegistry } from './support/gateway-world.ts';

// The soak's short form (issue 18): a few seconds of the mixed load at half the measured
// capacity, the jobs half-way, and the books checked at the end.

let db: TestDatabase;
let app: FastifyInstance;
before(async () => {
  db = await freshDatabase();
  await seedRegistry(db.pool);
  await seedSettlementDocuments(db.pool);
  app = await buildApp({ pool: db.pool, now: () => new Date() });
});
after(async () => {
  await app.close();
  await db.drop();
});

test('a short soak: traffic at half the capacity, the dashboard and a clearing run half-way, the books hold at the end', async () => {
  const lines: string[] = [];
  const r = await runSoak(app, db.pool, { hospital: HOSPITAL, region: '430200', persons: [{ psn_no: RESIDENT.psn_no, certno: RESIDENT.certno, insutype: '390' }], lines: [['XJ01CAA040E001010102231', 12.5, 2], ['110200001', 10, 1]] },
    { minutes: 0.1, clients: 2, capacitySeconds: 2, log: (l) => void lines.push(l) });
  assert.ok(r.capacity_flows_per_s > 0, lines.join('\n'));
  assert.ok(r.settlements > 0 && r.cancellations > 0, `settled ${r.settlements}, cancelled ${r.cancellations}`);
  assert.ok(r.minutes.length >= 1 && r.minutes.every((m) => m.p99_ms >= m.p50_ms), 'percentiles per minute');
  assert.equal(r.minutes.reduce((a, m) => a + m.errors, 0), 0, lines.join('\n'));
  assert.ok(r.clearing.month.length === 6 && r.recount_ms >= 0, 'the jobs ran half-way');
  for (const infno of ['1101', '5206', '2201', '2204', '2207', '2401', '5303', '2301', '2402', '2303', '2304']) assert.ok((r.answered[infno] ?? 0) > 0, `${infno} answered: ${JSON.stringify(r.answered)}`);
  assert.ok(r.books.accumulators_compared > 0, 'the settlements added to the accumulators');
  assert.deepEqual({ ...r.books, accumulators_compared: 0 }, { debits_equal_credits: true, drifted: 0, unbalanced: 0, accumulators_compared: 0, accumulators_off: 0 });
});
