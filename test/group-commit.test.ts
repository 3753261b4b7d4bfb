import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { conflict } from '../src/engine/errors.ts';
import { atCommit, GroupCommit, type CommitAggregate, type SharedRead } from '../src/store/group-commit.ts';
import type { Queryable } from '../src/store/db.ts';
import { freshDatabase, type TestDatabase } from './support/db.ts';

// Group commit: units with different keys share a transaction; a refusal that wrote nothing
// stays alone in failing; a failure after a write reruns every unit alone; units with a key in
// common never share a transaction; what units defer to the commit is merged.

let db: TestDatabase;
before(async () => {
  db = await freshDatabase();
  await db.pool.query(`CREATE TABLE gc_rows (k text PRIMARY KEY, tx bigint NOT NULL)`);
  await db.pool.query(`CREATE TABLE gc_totals (name text PRIMARY KEY, n bigint NOT NULL)`);
});
after(async () => db.drop());

/** The opening read: each unit's argument echoed back by one statement for the batch. */
const ECHO: SharedRead<string, string> = {
  query: (items) => ({ text: `SELECT x FROM unnest($1::text[]) WITH ORDINALITY AS u(x, i) ORDER BY i`, values: [items] }),
  split: (r) => r.rows.map((row: { x: string }) => row.x),
};

const TOTALS: CommitAggregate<number> = {
  merge: (items) => ({ text: `INSERT INTO gc_totals (name, n) VALUES ('sum', $1) ON CONFLICT (name) DO UPDATE SET n = gc_totals.n + EXCLUDED.n`, values: [items.reduce((a, b) => a + b, 0)] }),
};
const NO_RECORD: CommitAggregate<never> = { merge: () => undefined };

type Plan = 'write' | 'refuse' | 'write-then-refuse';

function unit(gc: GroupCommit, key: string, plan: Plan = 'write', row = key): Promise<{ key: string; tx: number }> {
  return gc.submit({
    keys: [key],
    shareable: true,
    opening: { read: ECHO, item: key },
    run: async (q: Queryable, opened: string) => {
      assert.equal(opened, key, 'each unit gets its own row of the shared read');
      const tx = Number((await q.query<{ tx: string }>(`SELECT txid_current() AS tx`)).rows[0]!.tx);
      if (plan === 'refuse') throw conflict('k', `拒绝 ${key}`, `refused ${key}`);
      await q.query(`INSERT INTO gc_rows (k, tx) VALUES ($1, $2)`, [row, tx]);
      await atCommit(q, TOTALS, 1);
      if (plan === 'write-then-refuse') throw conflict('k', `写后拒绝 ${key}`, `refused after writing ${key}`);
      return { key: row, tx };
    },
    commit: () => ({ aggregate: NO_RECORD, item: undefined as never }),
  });
}

async function rows(): Promise<Map<string, number>> {
  const r = await db.pool.query<{ k: string; tx: string }>(`SELECT k, tx FROM gc_rows`);
  return new Map(r.rows.map((x) => [x.k, Number(x.tx)]));
}

test('units with different keys share one transaction, and their deferred totals merge', async () => {
  const gc = new GroupCommit(db.pool, { inFlight: 1, maxUnits: 32 });
  const done = await Promise.all(['a1', 'a2', 'a3', 'a4'].map((k) => unit(gc, k)));
  assert.equal(new Set(done.map((d) => d.tx)).size, 1, 'one transaction for the four');
  const stored = await rows();
  for (const d of done) assert.equal(stored.get(d.key), d.tx);
  const total = (await db.pool.query<{ n: string }>(`SELECT n FROM gc_totals WHERE name = 'sum'`)).rows[0]!;
  assert.equal(Number(total.n), 4, 'one merged addition per transaction, summing every unit');
});

test('a refusal that wrote nothing fails alone; the others of its transaction commit', async () => {
  const gc = new GroupCommit(db.pool, { inFlight: 1, maxUnits: 32 });
  const results = await Promise.allSettled([unit(gc, 'b1'), unit(gc, 'b2', 'refuse'), unit(gc, 'b3')]);
  assert.deepEqual(results.map((r) => r.status), ['fulfilled', 'rejected', 'fulfilled']);
  const ok = results.filter((r) => r.status === 'fulfilled').map((r) => (r as PromiseFulfilledResult<{ tx: number }>).value.tx);
  assert.equal(ok[0], ok[1], 'still shared');
  const stored = await rows();
  assert.ok(stored.has('b1') && stored.has('b3') && !stored.has('b2'));
});

test('a failure after a write rolls the batch back and reruns each unit alone: only the failing one is missing', async () => {
  const gc = new GroupCommit(db.pool, { inFlight: 1, maxUnits: 32 });
  const before = Number((await db.pool.query<{ n: string }>(`SELECT n FROM gc_totals WHERE name = 'sum'`)).rows[0]!.n);
  const results = await Promise.allSettled([unit(gc, 'c1'), unit(gc, 'c2', 'write-then-refuse'), unit(gc, 'c3')]);
  assert.deepEqual(results.map((r) => r.status), ['fulfilled', 'rejected', 'fulfilled']);
  const [c1, , c3] = results.map((r) => (r.status === 'fulfilled' ? r.value.tx : 0));
  assert.notEqual(c1, c3, 'rerun in transactions of their own');
  const stored = await rows();
  assert.ok(stored.has('c1') && stored.has('c3') && !stored.has('c2'), 'the failing unit wrote nothing');
  const after = Number((await db.pool.query<{ n: string }>(`SELECT n FROM gc_totals WHERE name = 'sum'`)).rows[0]!.n);
  assert.equal(after - before, 2, 'the failing unit’s deferred addition is not applied');
});

test('units with a key in common never share a transaction', async () => {
  const gc = new GroupCommit(db.pool, { inFlight: 1, maxUnits: 32 });
  const done = await Promise.all([unit(gc, 'e1', 'write', 'e1#1'), unit(gc, 'e2', 'write', 'e2#1'), unit(gc, 'e1', 'write', 'e1#2')]);
  assert.equal(done[0]!.tx, done[1]!.tx, 'different keys share');
  assert.notEqual(done[0]!.tx, done[2]!.tx, 'the same key waits for the next transaction');
});

test('a statement stuck past the timeout fails its batch and frees the slot; the next batch runs', async () => {
  const gc = new GroupCommit(db.pool, { inFlight: 1, maxUnits: 32, statementTimeoutMs: 200 });
  const stuck = gc.submit({
    keys: ['slow'], shareable: false, opening: { read: ECHO, item: 'slow' },
    run: async (q: Queryable) => (await q.query(`SELECT pg_sleep(5)`)).rowCount,
    commit: () => undefined,
  });
  await assert.rejects(stuck, (err: { code?: string }) => err.code === '57014', 'cancelled by the statement timeout');
  const next = await unit(gc, 't1');
  assert.equal(next.key, 't1', 'the slot is free again');
});
