import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../src/server/app.ts';
import { staffCookie } from './support/auth.ts';
import { freshDatabase, type TestDatabase } from './support/db.ts';

// A session cookie the client mangled is no session at all: the request goes on as an
// anonymous one (401 where a session is needed), never a 500.

let db: TestDatabase;
let app: FastifyInstance;
before(async () => {
  db = await freshDatabase();
  app = await buildApp({ pool: db.pool, now: () => new Date() });
});
after(async () => {
  await app.close();
  await db.drop();
});

const MANGLED = ['%', '%E0%A4%A', '%zz', 'abc%', '%%%', '%C0%AF', '%ED%A0%80'];

test('a malformed session cookie is an anonymous request, on every kind of route', async () => {
  for (const value of MANGLED) {
    const cookie = `yibao_session=${value}`;
    const health = await app.inject({ method: 'GET', url: '/healthz', headers: { cookie } });
    assert.equal(health.statusCode, 200, `/healthz with ${cookie}: ${health.body}`);
    const me = await app.inject({ method: 'GET', url: '/api/v1/auth/me', headers: { cookie } });
    assert.equal(me.statusCode, 401, `/auth/me with ${cookie}: ${me.body}`);
    assert.equal(me.json().error, 'unauthenticated');
    const regions = await app.inject({ method: 'GET', url: '/api/v1/regions', headers: { cookie } });
    assert.equal(regions.statusCode, 401, `/regions with ${cookie}`);
    const signOut = await app.inject({ method: 'POST', url: '/api/v1/auth/sign-out', headers: { cookie } });
    assert.equal(signOut.statusCode, 200, `sign-out with ${cookie}: ${signOut.body}`);
    const openapi = await app.inject({ method: 'GET', url: '/openapi.json', headers: { cookie } });
    assert.equal(openapi.statusCode, 200, `/openapi.json with ${cookie}`);
  }
});

test('a malformed cookie of another name does not spoil a good session', async () => {
  const good = await staffCookie(db.pool, { username: 'cookie.admin', role: 'admin', regions: ['000000'] });
  for (const cookie of [`other=%; ${good}`, `${good}; other=%E0%A4%A`]) {
    const me = await app.inject({ method: 'GET', url: '/api/v1/auth/me', headers: { cookie } });
    assert.equal(me.statusCode, 200, `${cookie}: ${me.body}`);
    assert.equal(me.json().principal.username, 'cookie.admin');
  }
});
