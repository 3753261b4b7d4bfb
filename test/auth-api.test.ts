import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../src/server/app.ts';
import { makeIdCard } from '../src/engine/idcard.ts';
import { LoggingSender } from '../src/store/cooperation/notifications.ts';
import { createTestStaff, staffCookie } from './support/auth.ts';
import { freshDatabase, type TestDatabase } from './support/db.ts';
import { insertCoopBase, insertPerson } from './support/coop-rows.ts';

// Sign-in and scoping through the REST API against a real PostgreSQL: passwords and one-time
// codes, sessions that end, roles, and the rule that a person sees only themself and staff
// only their regions — on the routes that existed before sign-in did.

let db: TestDatabase;
let app: FastifyInstance;
let clock = new Date('2026-03-02T02:00:00Z'); // Monday 10:00 in Beijing
const sms = new LoggingSender('sms');
let jiujiang: { psn_no: string; certno: string };
let changsha: { psn_no: string; certno: string };
const PASSWORD = 'correct horse battery';

before(async () => {
  db = await freshDatabase();
  await insertCoopBase(db.pool);
  jiujiang = await withValidCertno(await insertPerson(db.pool, '360402', { name: '九江参保人', tel: '13912345678' }), makeIdCard('360402', '1956-01-01', 11));
  changsha = await withValidCertno(await insertPerson(db.pool, '430102', { name: '长沙参保人' }), makeIdCard('430102', '1960-05-05', 12));
  await createTestStaff(db.pool, { username: 'jj.clerk', role: 'clerk', regions: ['360400'], password: PASSWORD });
  await createTestStaff(db.pool, { username: 'cs.clerk', role: 'clerk', regions: ['430100'], password: PASSWORD });
  await createTestStaff(db.pool, { username: 'hn.supervisor', role: 'supervisor', regions: ['430000'], password: PASSWORD });
  await createTestStaff(db.pool, { username: 'jj.grid', role: 'grid_worker', regions: ['360402'], password: PASSWORD });
  app = await buildApp({ pool: db.pool, now: () => clock, codeSender: sms });
});
after(async () => {
  await app.close();
  await db.drop();
});

/** The registry routes check ID numbers, so these persons get real ones. */
async function withValidCertno(p: { psn_no: string; certno: string }, certno: string): Promise<{ psn_no: string; certno: string }> {
  await db.pool.query('UPDATE persons SET certno = $2 WHERE psn_no = $1', [p.psn_no, certno]);
  return { psn_no: p.psn_no, certno };
}

async function call(method: 'GET' | 'POST', url: string, cookie: string | undefined, payload?: object) {
  const res = await app.inject({ method, url, ...(payload ? { payload } : {}), ...(cookie ? { headers: { cookie } } : {}) });
  return { status: res.statusCode, body: res.json(), setCookie: res.headers['set-cookie'] as string | undefined };
}

async function staffSignIn(username: string, password = PASSWORD): Promise<string> {
  const r = await call('POST', '/api/v1/auth/staff', undefined, { username, password });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  return r.setCookie!.split(';')[0]!;
}

function lastCode(): string {
  const text = sms.sent.at(-1)?.text ?? '';
  const m = /(\d{6})/.exec(text);
  assert.ok(m, `a code was sent: ${text}`);
  return m[1]!;
}

describe('staff sign-in', () => {
  test('a right password opens an HttpOnly session; a wrong one is 401 and audited', async () => {
    const wrong = await call('POST', '/api/v1/auth/staff', undefined, { username: 'jj.clerk', password: 'wrong password' });
    assert.equal(wrong.status, 401);
    assert.match(wrong.body.message, /密码/);
    const unknown = await call('POST', '/api/v1/auth/staff', undefined, { username: 'nobody', password: PASSWORD });
    assert.equal(unknown.status, 401, 'an unknown account looks like a wrong password');
    const ok = await call('POST', '/api/v1/auth/staff', undefined, { username: 'jj.clerk', password: PASSWORD });
    assert.equal(ok.status, 200);
    assert.match(ok.setCookie!, /^yibao_session=[\w-]{40,}; HttpOnly; SameSite=Strict; Path=\//);
    const me = await call('GET', '/api/v1/auth/me', ok.setCookie!.split(';')[0]);
    assert.equal(me.body.principal.username, 'jj.clerk');
    assert.equal(me.body.role_name.zh, '经办员');
    const audit = await db.pool.query(`SELECT action FROM audit_log WHERE actor = 'jj.clerk' AND action LIKE 'auth.%' ORDER BY id`);
    assert.deepEqual(audit.rows.map((r) => r.action), ['auth.sign_in_failed', 'auth.sign_in']);
    const stored = await db.pool.query(`SELECT password_hash FROM staff_accounts WHERE username = 'jj.clerk'`);
    assert.match(stored.rows[0].password_hash, /^scrypt\$32768\$8\$1\$/, 'memory-hard hash, never the password');
  });

  test('five wrong passwords lock the account, even against the right one', async () => {
    await createTestStaff(db.pool, { username: 'locked.clerk', role: 'clerk', regions: ['360400'], password: PASSWORD });
    for (let i = 0; i < 5; i++) assert.equal((await call('POST', '/api/v1/auth/staff', undefined, { username: 'locked.clerk', password: 'nope nope nope' })).status, 401);
    const right = await call('POST', '/api/v1/auth/staff', undefined, { username: 'locked.clerk', password: PASSWORD });
    assert.equal(right.status, 403);
    assert.match(right.body.message, /锁定/);
  });

  test('a session ends after 30 idle minutes and on sign-out', async () => {
    const cookie = await staffSignIn('jj.clerk');
    assert.equal((await call('GET', `/api/v1/persons/${jiujiang.certno}`, cookie)).status, 200);
    clock = new Date(clock.getTime() + 31 * 60_000);
    assert.equal((await call('GET', `/api/v1/persons/${jiujiang.certno}`, cookie)).status, 401, 'idle too long');
    const fresh = await staffSignIn('jj.clerk');
    await call('POST', '/api/v1/auth/sign-out', fresh);
    assert.equal((await call('GET', `/api/v1/persons/${jiujiang.certno}`, fresh)).status, 401, 'signed out');
  });
});

describe('insured persons sign in with a one-time code', () => {
  test('the code goes through the sender; a wrong code is refused; the right one opens a session once', async () => {
    const sent = await call('POST', '/api/v1/auth/code', undefined, { certno: jiujiang.certno });
    assert.equal(sent.status, 200);
    assert.equal(sent.body.sent_to, '139****5678');
    const code = lastCode();
    const wrong = code === '000000' ? '111111' : '000000';
    assert.equal((await call('POST', '/api/v1/auth/person', undefined, { certno: jiujiang.certno, code: wrong })).status, 401);
    assert.equal((await call('POST', '/api/v1/auth/person', undefined, { certno: jiujiang.certno, code: 'abc' })).status, 400);
    const ok = await call('POST', '/api/v1/auth/person', undefined, { certno: jiujiang.certno, code });
    assert.equal(ok.status, 200);
    assert.equal(ok.body.principal.psn_no, jiujiang.psn_no);
    assert.equal((await call('POST', '/api/v1/auth/person', undefined, { certno: jiujiang.certno, code })).status, 401, 'a code works once');
  });

  test('a second code within a minute is refused; five wrong tries spend a code', async () => {
    clock = new Date(clock.getTime() + 10 * 60_000);
    await call('POST', '/api/v1/auth/code', undefined, { certno: changsha.certno });
    assert.equal((await call('POST', '/api/v1/auth/code', undefined, { certno: changsha.certno })).status, 429, 'a second code within a minute waits (Retry-After)');
    const code = lastCode();
    const wrong = code === '000000' ? '111111' : '000000';
    for (let i = 0; i < 5; i++) await call('POST', '/api/v1/auth/person', undefined, { certno: changsha.certno, code: wrong });
    assert.equal((await call('POST', '/api/v1/auth/person', undefined, { certno: changsha.certno, code })).status, 401, 'spent after five wrong tries');
  });

  test('an unregistered ID number gets the same answer and no code', async () => {
    const before = sms.sent.length;
    const r = await call('POST', '/api/v1/auth/code', undefined, { certno: '110101195601010017' });
    assert.equal(r.status, 200);
    assert.equal(sms.sent.length, before);
  });
});

describe('scoping on the existing routes', () => {
  test('no session: 401 on every person route', async () => {
    for (const url of [`/api/v1/persons/${jiujiang.certno}`, `/api/v1/persons/${jiujiang.certno}/insurance-history`, `/api/v1/filings?psn_no=${jiujiang.psn_no}`, `/api/v1/inbox/${jiujiang.psn_no}`, '/api/v1/filings/queue']) {
      assert.equal((await call('GET', url, undefined)).status, 401, url);
    }
  });

  test('a person sees their own record and no one else\'s', async () => {
    clock = new Date(clock.getTime() + 10 * 60_000);
    await call('POST', '/api/v1/auth/code', undefined, { certno: jiujiang.certno });
    const cookie = (await call('POST', '/api/v1/auth/person', undefined, { certno: jiujiang.certno, code: lastCode() })).setCookie!.split(';')[0]!;
    assert.equal((await call('GET', `/api/v1/persons/${jiujiang.certno}/insurance-history`, cookie)).status, 200);
    assert.equal((await call('GET', `/api/v1/persons/${changsha.certno}`, cookie)).status, 403);
    assert.equal((await call('GET', `/api/v1/inbox/${changsha.psn_no}`, cookie)).status, 403);
    assert.equal((await call('GET', `/api/v1/filings?psn_no=${changsha.psn_no}`, cookie)).status, 403);
    assert.equal((await call('GET', '/api/v1/filings/queue', cookie)).status, 403, 'queues are staff work');
    // Filing as themself: the session, not the body, names the filer.
    const filed = await call('POST', '/api/v1/filings', cookie, {
      psn_no: jiujiang.psn_no, kind: 'long_term_resident', mdtrtarea_admdvs: '430100', begndate: '2026-03-02',
      filer: { type: 'staff', id: 'someone' }, evidence: [{ kind: 'residence_proof', ref: 'RP-1' }],
    });
    assert.equal(filed.status, 201, JSON.stringify(filed.body));
    const row = await db.pool.query('SELECT filer_type, filer_id FROM filings WHERE filing_no = $1', [filed.body.filing_no]);
    assert.deepEqual(row.rows[0], { filer_type: 'person', filer_id: jiujiang.psn_no });
    assert.equal((await call('POST', '/api/v1/filings', cookie, { psn_no: changsha.psn_no, kind: 'temporary_other', mdtrtarea_admdvs: '360400', begndate: '2026-03-02' })).status, 403, 'not for someone else');
  });

  test('staff see their regions only; the queue holds only their regions; decisions carry their name', async () => {
    const jj = await staffSignIn('jj.clerk');
    const cs = await staffSignIn('cs.clerk');
    assert.equal((await call('GET', `/api/v1/persons/${jiujiang.certno}`, jj)).status, 200);
    const other = await call('GET', `/api/v1/persons/${changsha.certno}`, jj);
    assert.equal(other.status, 403);
    assert.match(other.body.message, /无权/);
    assert.equal((await call('GET', `/api/v1/persons/${changsha.certno}/insurance-history`, jj)).status, 403);
    assert.equal((await call('POST', `/api/v1/persons/${changsha.certno}/contributions`, jj, { year: 2026, amount_fen: 38000, payer: 'person' })).status, 403);
    assert.equal((await call('POST', '/api/v1/persons', jj, { certno: makeIdCard('430102', '1990-01-01', 13), psn_name: '李四', insuplc_admdvs: '430102' })).status, 403, 'cannot register into another region');

    const queueCs = await call('GET', '/api/v1/filings/queue?as_of=2026-03-02', cs);
    assert.equal(queueCs.status, 200);
    assert.equal(queueCs.body.items.length, 0, 'the Jiujiang filing is not in Changsha’s queue');
    const queueJj = await call('GET', '/api/v1/filings/queue?as_of=2026-03-02', jj);
    const item = queueJj.body.items[0];
    assert.ok(item, 'the Jiujiang filing is in Jiujiang’s queue');
    assert.equal(typeof item.working_days_left, 'number');
    assert.equal((await call('POST', `/api/v1/filings/${item.filing_no}/review`, cs, { decision: 'approve' })).status, 403, 'another region');
    const ok = await call('POST', `/api/v1/filings/${item.filing_no}/review`, jj, { decision: 'approve', reason: '材料齐全' });
    assert.equal(ok.status, 200);
    assert.equal(ok.body.decided_by, 'staff:jj.clerk');
  });

  test('roles: a supervisor reads but does not decide; a clerk does not write agreements', async () => {
    const sup = await staffSignIn('hn.supervisor');
    assert.equal((await call('GET', `/api/v1/persons/${changsha.certno}`, sup)).status, 200, 'Hunan covers Changsha');
    assert.equal((await call('GET', `/api/v1/persons/${jiujiang.certno}`, sup)).status, 403, 'not Jiangxi');
    assert.equal((await call('POST', '/api/v1/filings/F-none/review', sup, { decision: 'approve' })).status, 403);
    const jj = await staffSignIn('jj.clerk');
    assert.equal((await call('POST', '/api/v1/agreements', jj, { agreement_no: 'X', name: 'x', begndate: '2026-01-01', members: ['360400', '430100'], clauses: [] })).status, 403);
    assert.equal((await call('GET', '/api/v1/dashboard/enrollment', jj)).status, 403);
    assert.equal((await call('GET', '/api/v1/dashboard/enrollment', sup)).status, 200);
  });

  test('a grid worker acts only for persons who consented', async () => {
    const admin = await staffCookie(db.pool, { username: 'root', role: 'admin', regions: ['000000'] });
    const grid = await staffSignIn('jj.grid');
    assert.equal((await call('GET', `/api/v1/persons/${jiujiang.certno}`, grid)).status, 403, 'no consent yet');
    const consent = await call('POST', '/api/v1/grid/consents', admin, { consent_ref: 'C-1', username: 'jj.grid', psn_no: jiujiang.psn_no, granted_on: '2026-03-01' });
    assert.equal(consent.status, 201, JSON.stringify(consent.body));
    assert.equal((await call('POST', '/api/v1/grid/consents', admin, { consent_ref: 'C-1', username: 'jj.grid', psn_no: jiujiang.psn_no, granted_on: '2026-03-01' })).status, 409);
    assert.equal((await call('POST', '/api/v1/grid/consents', admin, { consent_ref: 'C-2', username: 'jj.clerk', psn_no: jiujiang.psn_no, granted_on: '2026-03-01' })).status, 400, 'only grid workers');
    assert.equal((await call('GET', `/api/v1/persons/${jiujiang.certno}`, grid)).status, 200);
    assert.equal((await call('GET', `/api/v1/persons/${changsha.certno}`, grid)).status, 403);
    const mine = await call('GET', '/api/v1/grid/persons', grid);
    assert.deepEqual(mine.body.persons.map((p: { psn_no: string }) => p.psn_no), [jiujiang.psn_no]);
    const filed = await call('POST', '/api/v1/filings', grid, { psn_no: jiujiang.psn_no, kind: 'temporary_other', mdtrtarea_admdvs: '110100', begndate: '2026-03-10', enddate: '2026-04-10' });
    assert.equal(filed.status, 201, JSON.stringify(filed.body));
    const row = await db.pool.query('SELECT filer_type, filer_id, consent_ref FROM filings WHERE filing_no = $1', [filed.body.filing_no]);
    assert.deepEqual(row.rows[0], { filer_type: 'grid_worker', filer_id: 'jj.grid', consent_ref: 'C-1' });
  });

  test('a malformed request is still a 400, not a 500, for a signed-in caller', async () => {
    const jj = await staffSignIn('jj.clerk');
    assert.equal((await call('GET', '/api/v1/institutions/nearest?lat=abc&lng=1', jj)).status, 400);
    assert.equal((await call('GET', '/api/v1/dashboard/queues/items?queue=x&month=2026-01', await staffSignIn('hn.supervisor'))).status, 400);
    assert.equal((await call('POST', '/api/v1/policies/simulate', jj, { claims: '{not json' })).status, 400);
  });
});
