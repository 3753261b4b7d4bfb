import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../src/server/app.ts';
import { makeIdCard } from '../src/engine/idcard.ts';
import { LoggingSender } from '../src/store/cooperation/notifications.ts';
import { CODE_FAILURES_PER_CERTNO, CODE_REQUESTS_PER_CERTNO, CODE_REQUESTS_PER_IP, STAFF_IP_FAILURES } from '../src/app/auth/limits.ts';
import { createTestStaff } from './support/auth.ts';
import { freshDatabase, type TestDatabase } from './support/db.ts';
import { insertCoopBase, insertPerson } from './support/coop-rows.ts';

// Issue 18, item 5: a password guesser and a code guesser against the REST API on a real
// PostgreSQL, each from addresses of its own (Fastify inject's remoteAddress) with the app's
// clock moved by the test: locks, per-address limits, codes that expire and work once, sessions
// that end and can be revoked, and the audit trail of all of it.

let db: TestDatabase;
let app: FastifyInstance;
let clock = new Date('2026-03-02T02:00:00Z');
const sms = new LoggingSender('sms');
const PASSWORD = 'correct horse battery';
const persons: { psn_no: string; certno: string }[] = [];

before(async () => {
  db = await freshDatabase();
  await insertCoopBase(db.pool);
  for (let i = 0; i < 4; i++) {
    const p = await insertPerson(db.pool, '360402', { name: `参保人${i}`, tel: `1391234567${i}` });
    const certno = makeIdCard('360402', '1956-01-01', 21 + i);
    await db.pool.query('UPDATE persons SET certno = $2 WHERE psn_no = $1', [p.psn_no, certno]);
    persons.push({ psn_no: p.psn_no, certno });
  }
  for (const username of ['g.clerk', 'k.clerk', 's.clerk', 'v.clerk']) await createTestStaff(db.pool, { username, role: 'clerk', regions: ['360400'], password: PASSWORD });
  await createTestStaff(db.pool, { username: 'jj.admin', role: 'admin', regions: ['360400'], password: PASSWORD });
  await createTestStaff(db.pool, { username: 'cs.admin', role: 'admin', regions: ['430100'], password: PASSWORD });
  app = await buildApp({ pool: db.pool, now: () => clock, codeSender: sms });
});
after(async () => {
  await app.close();
  await db.drop();
});

const later = (minutes: number): void => {
  clock = new Date(clock.getTime() + minutes * 60_000);
};

async function call(ip: string, method: 'GET' | 'POST', url: string, payload?: object, cookie?: string) {
  const res = await app.inject({ method, url, remoteAddress: ip, ...(payload ? { payload } : {}), ...(cookie ? { headers: { cookie } } : {}) });
  return {
    status: res.statusCode, body: res.json() as { error?: string; message?: string; details?: { field: string }[]; ended?: number },
    retryAfter: res.headers['retry-after'] as string | undefined, cookie: (res.headers['set-cookie'] as string | undefined)?.split(';')[0],
  };
}
const signIn = (ip: string, username: string, password: string) => call(ip, 'POST', '/api/v1/auth/staff', { username, password });
const askCode = (ip: string, certno: string) => call(ip, 'POST', '/api/v1/auth/code', { certno });
const enterCode = (ip: string, certno: string, code: string) => call(ip, 'POST', '/api/v1/auth/person', { certno, code });
const lastCode = (): string => /(\d{6})/.exec(sms.sent.at(-1)?.text ?? '')![1]!;
const otherThan = (code: string): string => (code === '000000' ? '111111' : '000000');

async function audit(action: string, subject: string): Promise<{ actor: string; detail: Record<string, unknown> }[]> {
  const r = await db.pool.query(`SELECT actor, detail FROM audit_log WHERE action = $1 AND subject = $2 ORDER BY id`, [action, subject]);
  return r.rows;
}

describe('a password guesser', () => {
  test('five wrong passwords lock the account; the right one is refused while locked, with Retry-After; it opens after 15 minutes', async () => {
    const ip = '10.0.1.1';
    for (let i = 0; i < 5; i++) assert.equal((await signIn(ip, 'g.clerk', `guess number ${i}`)).status, 401);
    const locked = await signIn(ip, 'g.clerk', PASSWORD);
    assert.equal(locked.status, 403);
    assert.match(locked.body.message!, /锁定.*locked/s);
    assert.equal(locked.retryAfter, '900', 'locked for 15 minutes from the fifth wrong password');
    // from another address too: the lock is the account's
    assert.equal((await signIn('10.0.1.2', 'g.clerk', PASSWORD)).status, 403);
    later(14);
    const still = await signIn(ip, 'g.clerk', PASSWORD);
    assert.equal(still.status, 403);
    assert.equal(still.retryAfter, '60');
    later(2);
    assert.equal((await signIn(ip, 'g.clerk', PASSWORD)).status, 200);

    const failed = await audit('auth.sign_in_failed', 'g.clerk');
    assert.equal(failed.length, 5);
    assert.ok(failed.every((r) => r.detail.ip === ip && r.detail.reason === 'wrong_password'), JSON.stringify(failed));
    assert.equal((await audit('auth.locked', 'g.clerk')).length, 1);
    const refused = await audit('auth.sign_in_refused', 'g.clerk');
    assert.deepEqual(refused.map((r) => r.detail.ip), [ip, '10.0.1.2', ip]);
    assert.deepEqual((await audit('auth.sign_in', 'g.clerk')).map((r) => r.detail), [{ kind: 'staff', ip }]);
  });

  test('a known and an unknown username get the same answers, step by step, in similar time', async () => {
    later(60);
    const ip = '10.0.2.1';
    const answers = async (username: string) => {
      const steps: { status: number; body: unknown; retryAfter: string | undefined; ms: number }[] = [];
      for (let i = 0; i < 7; i++) {
        const t0 = performance.now();
        const r = await signIn(ip, username, i === 6 ? PASSWORD : `guess number ${i}`);
        steps.push({ status: r.status, body: r.body, retryAfter: r.retryAfter, ms: performance.now() - t0 });
      }
      return steps;
    };
    const known = await answers('k.clerk');
    const unknown = await answers('nobody.here');
    assert.deepEqual(unknown.map(({ ms: _, ...s }) => s), known.map(({ ms: _, ...s }) => s));
    assert.deepEqual(known.map((s) => s.status), [401, 401, 401, 401, 401, 403, 403]);
    // both hash a password (a decoy for the unknown name), so neither is the fast one
    const mean = (xs: { ms: number }[]) => xs.reduce((a, s) => a + s.ms, 0) / xs.length;
    const ratio = mean(unknown) / mean(known);
    assert.ok(ratio > 1 / 3 && ratio < 3, `unknown/known time ${ratio.toFixed(2)} (${mean(unknown).toFixed(1)} ms / ${mean(known).toFixed(1)} ms)`);
    assert.equal((await audit('auth.locked', 'nobody.here')).length, 1);
    assert.ok((await audit('auth.sign_in_failed', 'nobody.here')).every((r) => r.detail.reason === 'unknown_account'));
  });

  test('many usernames from one address: the address is limited (429, Retry-After), even for a right password; another address still signs in', async () => {
    later(60);
    const ip = '10.0.3.1';
    for (let i = 0; i < STAFF_IP_FAILURES.max; i++) assert.equal((await signIn(ip, `spray${i}`, 'a guess')).status, 401, `try ${i}`);
    const limited = await signIn(ip, 'spray-next', 'a guess');
    assert.equal(limited.status, 429);
    assert.equal(limited.body.error, 'rate_limited');
    assert.match(limited.body.message!, /尝试次数过多.*too many attempts/s);
    assert.ok(Number(limited.retryAfter) > 0 && Number(limited.retryAfter) <= STAFF_IP_FAILURES.windowMs / 1000, limited.retryAfter);
    const right = await signIn(ip, 's.clerk', PASSWORD);
    assert.equal(right.status, 429, 'the address is refused before any password is checked');
    assert.deepEqual(right.body, limited.body);
    assert.equal((await signIn('10.0.3.2', 's.clerk', PASSWORD)).status, 200, 'another address is not limited');
    const rows = await db.pool.query(`SELECT detail FROM audit_log WHERE action = 'auth.rate_limited' AND detail->>'ip' = $1`, [ip]);
    assert.equal(rows.rowCount, 2);
    assert.ok(rows.rows.every((r) => r.detail.limit === STAFF_IP_FAILURES.name));
    later(STAFF_IP_FAILURES.windowMs / 60_000);
    assert.equal((await signIn(ip, 's.clerk', PASSWORD)).status, 200, 'the window ends');
  });
});

describe('a code guesser', () => {
  test('wrong codes on one ID number: a code dies after 5 tries, the ID number is stopped after 10 failures', async () => {
    later(120);
    const ip = '10.0.4.1';
    const { certno } = persons[0]!;
    assert.equal((await askCode(ip, certno)).status, 200);
    const first = lastCode();
    for (let i = 0; i < 5; i++) assert.equal((await enterCode(ip, certno, otherThan(first))).status, 401);
    assert.equal((await enterCode(ip, certno, first)).status, 401, 'the code is spent after five wrong tries');
    later(1.1);
    assert.equal((await askCode(ip, certno)).status, 200);
    const second = lastCode();
    // 6 failures so far (the spent code's right one counted too): 4 more reach the ID number's limit
    for (let i = 0; i < CODE_FAILURES_PER_CERTNO.max - 6; i++) assert.equal((await enterCode(ip, certno, otherThan(second))).status, 401);
    const stopped = await enterCode('10.0.4.2', certno, second);
    assert.equal(stopped.status, 429, 'even the right code, from another address');
    assert.ok(Number(stopped.retryAfter) > 0);
    assert.equal(stopped.body.details![0]!.field, 'code');
    const limited = await db.pool.query(`SELECT detail FROM audit_log WHERE action = 'auth.rate_limited' AND subject = $1`, [certno]);
    assert.deepEqual(limited.rows.map((r) => [r.detail.limit, r.detail.ip]), [[CODE_FAILURES_PER_CERTNO.name, '10.0.4.2']]);
    const failed = await audit('auth.sign_in_failed', persons[0]!.psn_no);
    assert.equal(failed.length, 10);
    assert.ok(failed.every((r) => r.detail.ip === ip));
  });

  test('a flood of code requests: one a minute and five an hour per ID number, registered or not; ten an hour per address', async () => {
    later(120);
    const ip = '10.0.5.1';
    const flood = async (certno: string) => {
      const statuses: number[] = [];
      statuses.push((await askCode(ip, certno)).status);
      statuses.push((await askCode(ip, certno)).status); // within the minute
      for (let i = 1; i < CODE_REQUESTS_PER_CERTNO.max + 1; i++) {
        later(1.1);
        statuses.push((await askCode(ip, certno)).status);
      }
      return statuses;
    };
    const sentBefore = sms.sent.length;
    const known = await flood(persons[1]!.certno);
    assert.equal(sms.sent.length - sentBefore, CODE_REQUESTS_PER_CERTNO.max, 'five codes sent, no more');
    const unknown = await flood(makeIdCard('360402', '1970-01-01', 99));
    assert.deepEqual(known, [200, 429, 200, 200, 200, 200, 429]);
    assert.deepEqual(unknown, known, 'an unregistered ID number is limited alike');
    const resend = await askCode(ip, persons[1]!.certno);
    assert.equal(resend.status, 429);
    assert.ok(Number(resend.retryAfter) > 60, 'the hour, not the minute');
    assert.deepEqual(resend.body, (await askCode(ip, makeIdCard('360402', '1970-01-01', 99))).body);
    assert.equal((await audit('auth.code_requested', persons[1]!.psn_no)).length, 5);

    // the address: ten requests an hour across ID numbers (the floods above made ten: the
    // unregistered number's last try and the two above were already refused for the address)
    const other = await askCode(ip, persons[2]!.certno);
    assert.equal(other.status, 429);
    assert.equal((await askCode('10.0.5.2', persons[2]!.certno)).status, 200, 'another address may ask');
    const rows = await db.pool.query(`SELECT 1 FROM audit_log WHERE action = 'auth.rate_limited' AND detail->>'limit' = $1 AND detail->>'ip' = $2`, [CODE_REQUESTS_PER_IP.name, ip]);
    assert.equal(rows.rowCount, 4);
  });

  test('an expired code and a used code are refused', async () => {
    later(120);
    const ip = '10.0.6.1';
    const { certno, psn_no } = persons[3]!;
    await askCode(ip, certno);
    const stale = lastCode();
    later(5.05);
    assert.equal((await enterCode(ip, certno, stale)).status, 401, 'five minutes: expired');
    await askCode(ip, certno);
    const fresh = lastCode();
    const ok = await enterCode(ip, certno, fresh);
    assert.equal(ok.status, 200);
    const again = await enterCode(ip, certno, fresh);
    assert.equal(again.status, 401, 'a code works once');
    assert.deepEqual(again.body, (await enterCode(ip, certno, otherThan(fresh))).body, 'a used code is answered like a wrong one');
    assert.deepEqual((await audit('auth.sign_in_failed', psn_no)).map((r) => r.detail.reason), ['expired', 'used', 'used']);
    assert.deepEqual((await audit('auth.sign_in', psn_no)).map((r) => r.detail), [{ kind: 'person', ip }]);
  });
});

describe('sessions', () => {
  const me = (cookie: string) => call('10.0.7.9', 'GET', '/api/v1/auth/me', undefined, cookie);

  test('a session ends after 30 idle minutes, and after 12 hours however much it is used', async () => {
    later(120);
    const idle = (await signIn('10.0.7.1', 'v.clerk', PASSWORD)).cookie!;
    later(29);
    assert.equal((await me(idle)).status, 200);
    later(31);
    assert.equal((await me(idle)).status, 401, 'idle for 31 minutes');
    const busy = (await signIn('10.0.7.1', 'v.clerk', PASSWORD)).cookie!;
    for (let m = 0; m < 12 * 60 - 20; m += 20) {
      later(20);
      assert.equal((await me(busy)).status, 200);
    }
    later(21);
    assert.equal((await me(busy)).status, 401, 'twelve hours at most');
  });

  test('sign out everywhere ends every session of the caller at once', async () => {
    later(60);
    const a = (await signIn('10.0.8.1', 'v.clerk', PASSWORD)).cookie!;
    const b = (await signIn('10.0.8.2', 'v.clerk', PASSWORD)).cookie!;
    const out = await call('10.0.8.1', 'POST', '/api/v1/auth/sign-out-everywhere', {}, a);
    assert.equal(out.status, 200);
    assert.equal(out.body.ended, 2);
    assert.equal((await me(a)).status, 401);
    assert.equal((await me(b)).status, 401, 'the other device too');
    const rows = await audit('auth.sessions_revoked', 'v.clerk');
    assert.deepEqual(rows.at(-1), { actor: 'v.clerk', detail: { kind: 'staff', ended: 2, ip: '10.0.8.1' } });
  });

  test("an administrator revokes a staff account's sessions in their regions; the token is refused at once", async () => {
    later(60);
    const user = (await signIn('10.0.9.1', 'v.clerk', PASSWORD)).cookie!;
    const local = (await signIn('10.0.9.2', 'jj.admin', PASSWORD)).cookie!;
    const foreign = (await signIn('10.0.9.3', 'cs.admin', PASSWORD)).cookie!;
    assert.equal((await call('10.0.9.3', 'POST', '/api/v1/staff/v.clerk/sessions/revoke', {}, foreign)).status, 403, 'not their region');
    assert.equal((await call('10.0.9.1', 'POST', '/api/v1/staff/v.clerk/sessions/revoke', {}, user)).status, 403, 'a clerk may not');
    assert.equal((await call('10.0.9.2', 'POST', '/api/v1/staff/no.such/sessions/revoke', {}, local)).status, 404);
    assert.equal((await me(user)).status, 200);
    const r = await call('10.0.9.2', 'POST', '/api/v1/staff/v.clerk/sessions/revoke', {}, local);
    assert.equal(r.status, 200);
    assert.deepEqual(r.body, { subject: 'v.clerk', ended: 1 });
    assert.equal((await me(user)).status, 401);
    assert.equal((await me(local)).status, 200, "the administrator's own session stays");
    assert.deepEqual((await audit('auth.sessions_revoked', 'v.clerk')).at(-1), { actor: 'jj.admin', detail: { kind: 'staff', ended: 1, ip: '10.0.9.2' } });
  });
});
