import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type pg from 'pg';
import { together } from '../src/store/db.ts';
import { freshDatabase, type TestDatabase } from './support/db.ts';

// together(): on a pipelined client, queries issued in one turn of the event loop leave in one
// socket write, keep their parameters, and run in the order issued.

let db: TestDatabase;
before(async () => {
  db = await freshDatabase();
});
after(async () => db.drop());

/** Counts the writes that reach the client's socket. */
function countWrites(client: pg.PoolClient): () => number {
  const stream = (client as unknown as { connection: { stream: Record<string, (...a: unknown[]) => unknown> } }).connection.stream;
  let n = 0;
  for (const m of ['_write', '_writev']) {
    const orig = stream[m]!.bind(stream);
    stream[m] = (...a: unknown[]) => ((n += 1), orig(...a));
  }
  return () => n;
}

test('queries issued together leave in one write and keep their parameters', async () => {
  const client = await db.pool.connect();
  try {
    const writes = countWrites(client);
    const t = together(client);
    const [a, x, y] = await Promise.all([
      t.query(`SELECT $1::text AS t, $2::int AS n, $3::text AS z, $4::boolean AS f`, ["it's $1 'quoted'", 42, null, true]),
      t.query({ text: `SELECT $1::text[] AS arr, $2::timestamptz AS at, $3::jsonb AS j, '$1 stays' AS lit`, values: [['a', 'b"c'], new Date('2026-03-15T02:00:00Z'), JSON.stringify({ k: [1, 'v'] })] }),
      t.query({ name: 'together_test_named', text: `SELECT count(*)::int AS n FROM regions WHERE code = ANY($1)`, values: [['000000']] }),
    ]);
    assert.equal(writes(), 1, 'one write for three queries');
    assert.deepEqual(a.rows[0], { t: "it's $1 'quoted'", n: 42, z: null, f: true });
    assert.deepEqual(x.rows[0], { arr: ['a', 'b"c'], at: new Date('2026-03-15T02:00:00Z'), j: { k: [1, 'v'] }, lit: '$1 stays' });
    assert.equal(y.rows[0].n, 0);
    // Queries awaited one after another take one write each.
    await t.query('SELECT 1');
    await t.query('SELECT 2');
    assert.equal(writes(), 3);
  } finally {
    client.release();
  }
});

test('statements run in order, each with its own snapshot; a failure aborts what follows in the transaction', async () => {
  const client = await db.pool.connect();
  try {
    await client.query('BEGIN');
    await client.query('CREATE TEMP TABLE t (n int)');
    const t = together(client);
    const [, seen] = await Promise.all([t.query(`INSERT INTO t VALUES ($1)`, [7]), t.query(`SELECT n FROM t`)]);
    assert.deepEqual(seen.rows, [{ n: 7 }], 'the later statement sees the earlier one');
    const results = await Promise.allSettled([t.query(`SELECT 1 AS one`), t.query(`SELECT * FROM no_such_table`), t.query(`SELECT 2 AS two`)]);
    assert.deepEqual(results.map((r) => r.status), ['fulfilled', 'rejected', 'rejected']);
    assert.equal(((results[2] as PromiseRejectedResult).reason as { code?: string }).code, '25P02', 'in failed transaction');
  } finally {
    await client.query('ROLLBACK');
    client.release();
  }
});

test('on a pool, queries issued together run side by side', async () => {
  const t = together(db.pool);
  const [a, b] = await Promise.all([t.query(`SELECT $1::int AS n`, [1]), t.query(`SELECT $1::int AS n`, [2])]);
  assert.deepEqual([a.rows[0].n, b.rows[0].n], [1, 2]);
});
