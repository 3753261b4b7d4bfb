import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runSimulateBench } from './simulate.ts';

// The simulation part of `npm run bench` end to end at a small size: the demo's settlements and
// their copies re-settle to what was stored, the draft is priced over every one of them, and
// every figure is a number. Its speeds are the bench's to report.

test('the simulation bench runs end to end: the copies verify, every settlement is simulated, the figures are numbers', async () => {
  const r = await runSimulateBench({ settlements: 600, persons: 300, log: () => undefined });
  assert.ok(r.settlements >= 600, JSON.stringify(r));
  assert.equal(r.verify.different, 0);
  assert.ok(r.verify.checked > 0 && r.verify.checked <= r.settlements);
  assert.ok(r.persons > 0 && r.persons <= r.settlements);
  for (const [k, v] of Object.entries(r)) if (typeof v === 'number') assert.ok(Number.isFinite(v) && v >= 0, `${k} is a number: ${v}`);
  assert.ok(r.simulate_claims_per_s > 0 && r.engine_claims_per_s > 0);
  assert.ok(Math.abs(r.simulate_to_engine - r.simulate_claims_per_s / r.engine_claims_per_s) < 0.01);
});
