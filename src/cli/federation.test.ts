import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseReconcileArgs, reconcileSummary } from './federation.ts';

test('reconcile takes one China day with one peer, and says what stays open', () => {
  const a = parseReconcileArgs(['--peer', 'jiangxi', '--day', '2026-12-02', '--repair']);
  assert.equal(a.from.toISOString(), '2026-12-01T16:00:00.000Z');
  assert.equal(a.to.toISOString(), '2026-12-02T16:00:00.000Z');
  assert.equal(a.repair, true);
  assert.throws(() => parseReconcileArgs(['--peer', 'jiangxi']), /usage/);
  assert.throws(() => parseReconcileArgs(['--day', '2026-12-02']), /usage/);
  const lines = reconcileSummary({ peer: 'jiangxi', from: 'a', to: 'b', matched: 3, differing: [], only_here: [], only_there: [], repaired: ['hunan:1:1'], unrepaired: [{ fed_id: 'hunan:2:1', why: 'the peer has no record of it' }] });
  assert.match(lines[0]!, /3 agree/);
  assert.match(lines.join('\n'), /open\thunan:2:1\tthe peer has no record of it/);
});
