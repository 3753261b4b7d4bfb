import assert from 'node:assert/strict';
import { test } from 'node:test';
import { recountDueIn } from './dashboard.ts';

const EVERY = 10 * 60_000;
const now = new Date('2026-11-30T08:00:00Z');
const ago = (ms: number): Date => new Date(now.getTime() - ms);

test('a restarted server recounts the dashboard only when its figures are due', () => {
  assert.equal(recountDueIn(null, now, EVERY), 0, 'never counted: now');
  assert.equal(recountDueIn(ago(EVERY + 1), now, EVERY), 0, 'older than the interval: now');
  assert.equal(recountDueIn(ago(EVERY), now, EVERY), 0, 'exactly due: now');
  assert.equal(recountDueIn(ago(4 * 60_000), now, EVERY), 6 * 60_000, 'counted 4 minutes ago: in 6');
  assert.equal(recountDueIn(ago(-60_000), now, EVERY), EVERY, 'a clock behind the database: at most one interval');
});
