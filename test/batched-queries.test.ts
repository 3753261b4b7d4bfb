import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { batchedQueries, type Queryable } from '../src/store/db.ts';
import { freshDatabase, type TestDatabase } from './support/db.ts';

// batchedQueries: queries issued together go in one round trip, in order, with parameters as
// literals that PostgreSQL types from context the way it types untyped parameters.

let db: TestDatabase;
before(async () => {
  db = await freshDatabase();
});
after(async () => db.drop());

function counting(q: Queryable): { q: Queryable; calls: () => number } {
  let n = 0;
  const wrapped = { query: (...args: unknown[]) => ((n += 1), (q.query as (...a: unknown[]) => unknown)(...args)) } as unknown as Queryable;
  return { q: wrapped, calls: () => n };
}

test('queries issued together share one round trip and keep their parameters', async () => {
  const c = counting(db.pool);
  const b = batchedQueries(c.q);
  const [a, x, y] = await Promise.all([
    b.query(`SELECT $1::text AS t, $2::int AS n, $3::text AS z, $4::boolean AS f`, ["it's $1 'quoted'", 42, null, true]),
    b.query({ text: `SELECT $1::text[] AS arr, $2::timestamptz AS at, $3::jsonb AS j, '$1 stays' AS lit`, values: [['a', 'b"c'], new Date('2026-03-15T02:00:00Z'), JSON.stringify({ k: [1, 'v'] })] }),
    b.query(`SELECT count(*)::int AS n FROM regions WHERE code = ANY($1)`, [['000000']]),
  ]);
  assert.equal(c.calls(), 1, 'one round trip');
  assert.deepEqual(a.rows[0], { t: "it's $1 'quoted'", n: 42, z: null, f: true });
  assert.deepEqual(x.rows[0], { arr: ['a', 'b"c'], at: new Date('2026-03-15T02:00:00Z'), j: { k: [1, 'v'] }, lit: '$1 stays' });
  assert.equal(y.rows[0].n, 0);
});

test('statements run in order, each with its own snapshot; an error rejects the batch', async () => {
  const client = await db.pool.connect();
  try {
    await client.query('BEGIN');
    await client.query('CREATE TEMP TABLE t (n int)');
    const b = batchedQueries(client);
    const [, seen] = await Promise.all([b.query(`INSERT INTO t VALUES ($1)`, [7]), b.query(`SELECT n FROM t`)]);
    assert.deepEqual(seen.rows, [{ n: 7 }], 'the later statement sees the earlier one');
    const results = await Promise.allSettled([b.query(`SELECT 1 AS one`), b.query(`SELECT * FROM no_such_table`)]);
    assert.deepEqual(results.map((r) => r.status), ['rejected', 'rejected']);
  } finally {
    await client.query('ROLLBACK');
    client.release();
  }
});
