import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildApp } from '../src/server/app.ts';
import { freshDatabase } from './support/db.ts';

test('GET /healthz answers 200 when the database answers', async () => {
  const db = await freshDatabase();
  const app = await buildApp({ pool: db.pool, now: () => new Date() });
  try {
    const res = await app.inject({ method: 'GET', url: '/healthz' });
    assert.equal(res.statusCode, 200);
    assert.deepEqual(res.json(), { status: 'ok' });
    const migrated = await db.pool.query('SELECT count(*)::int AS n FROM schema_migrations');
    assert.ok(migrated.rows[0].n >= 1, 'the template database carries the migrations');
  } finally {
    await app.close();
    await db.drop();
  }
});
