import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runCoverageBench, syntheticProvince } from './coverage.ts';

// The coverage bench's province is the same on every run, and a province is analysed well under
// the 5 s goal, far faster than all pairs.
test('the synthetic province is deterministic and analysed in under 5 s', () => {
  const a = syntheticProvince();
  const b = syntheticProvince();
  assert.ok(a.villages.length > 25_000, `${a.villages.length} villages`);
  assert.deepEqual(a.villages.slice(0, 50), b.villages.slice(0, 50));
  assert.equal(a.points.length, b.points.length);
  const r = runCoverageBench({ subset: 300 });
  assert.ok(r.coverage_seconds < 5, `${r.coverage_seconds} s`);
  assert.ok(r.covered_share! > 0.5 && r.covered_share! < 1);
  assert.ok(r.speedup_vs_all_pairs > 5, `${r.speedup_vs_all_pairs}×`);
});
