import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { makeIdCard } from '../../engine/idcard.ts';
import { LoggingSender } from '../../store/cooperation/notifications.ts';
import { freshDatabase, type TestDatabase } from '../../../test/support/db.ts';
import { insertPerson, insertRegions } from '../../../test/support/registry-rows.ts';
import { createStaff, recordConsent } from './accounts.ts';
import { principalOfSession, SESSION_MAX_MS, signOut } from './sessions.ts';
import { personSignIn, requestSignInCode, staffSignIn } from './sign-in.ts';
import { refuses } from '../../../test/support/refusals.ts';

// The rules of accounts, sessions and sign-in as the use cases decide them, on a real database
// with a clock the test moves. (test/auth-api.test.ts covers the same through the REST API:
// wrong passwords, the lock, idle sessions, codes that work once.)

let db: TestDatabase;
const T0 = new Date('2026-11-23T01:00:00Z');
const at = (minutes: number): Date => new Date(T0.getTime() + minutes * 60_000);
const PASSWORD = 'a long enough password';
const certno = makeIdCard('430204', '1960-02-03', 41);
const psn_no = '4302000000000041';

before(async () => {
  db = await freshDatabase();
  await insertRegions(db.pool, [['430000', '湖南省', 'province', null], ['430200', '株洲市', 'city', '430000'], ['430204', '石峰区', 'county', '430200']]);
  await insertPerson(db.pool, { psn_no, certno, psn_name: '测试', gend: '1', brdy: '1960-02-03', insuplc_admdvs: '430204' });
  await db.pool.query(`UPDATE persons SET tel = '13912345678' WHERE psn_no = $1`, [psn_no]);
});
after(async () => db.drop());


const staff = (username: string, over: Partial<Parameters<typeof createStaff>[1]> = {}) =>
  createStaff(db.pool, { username, display_name: username, role: 'clerk', regions: ['430200'], password: PASSWORD, ...over }, 'admin', T0);

describe('staff accounts', () => {
  test('a known role, a password of at least 10 characters, 6-digit regions, a username used once', async () => {
    await refuses(staff('a.clerk', { role: 'boss' as never }), 'invalid', 'role');
    await refuses(staff('a.clerk', { password: '123456789' }), 'invalid', 'password');
    await refuses(staff('a.clerk', { regions: [] }), 'invalid', 'regions');
    await refuses(staff('a.clerk', { regions: ['4302'] }), 'invalid', 'regions');
    assert.equal((await db.pool.query(`SELECT 1 FROM staff_accounts WHERE username = 'a.clerk'`)).rowCount, 0);
    await staff('a.clerk', { password: '1234567890' });
    await refuses(staff('a.clerk'), 'conflict', 'username');
    const audit = await db.pool.query(`SELECT actor, detail FROM audit_log WHERE action = 'staff.create' AND subject = 'a.clerk'`);
    assert.deepEqual(audit.rows, [{ actor: 'admin', detail: { role: 'clerk', regions: ['430200'] } }]);
  });

  test("an institution account is bound to one stored institution; its principal carries it and no region", async () => {
    await db.pool.query(`INSERT INTO institutions (fixmedins_code, fixmedins_name, fixmedins_type, admdvs, hosp_lv) VALUES ('H43020400009', '测试医院', '1', '430204', '3') ON CONFLICT DO NOTHING`);
    await refuses(staff('a.hospital', { role: 'institution' }), 'invalid', 'fixmedins_code');
    await refuses(staff('a.hospital', { role: 'institution', fixmedins_code: 'H43020499999' }), 'invalid', 'fixmedins_code');
    await refuses(staff('b.clerk', { fixmedins_code: 'H43020400009' }), 'invalid', 'fixmedins_code');
    // the table holds the rule too: an institution account without its institution is not stored
    await assert.rejects(db.pool.query(`INSERT INTO staff_accounts (username, display_name, role, regions, password_hash) VALUES ('x.hospital', 'x', 'institution', '{430204}', 'x')`), /staff_accounts_institution_bound/);
    await staff('a.hospital', { role: 'institution', fixmedins_code: 'H43020400009', regions: ['000000'] });
    const row = await db.pool.query(`SELECT role, regions, fixmedins_code FROM staff_accounts WHERE username = 'a.hospital'`);
    assert.deepEqual(row.rows, [{ role: 'institution', regions: ['430204'], fixmedins_code: 'H43020400009' }], 'its stored region is the institution\'s, whatever was asked');
    const s = await staffSignIn(db.pool, 'a.hospital', PASSWORD, at(0));
    assert.deepEqual(s.principal, { kind: 'staff', username: 'a.hospital', display_name: 'a.hospital', role: 'institution', regions: [], fixmedins_code: 'H43020400009' });
  });

  test('a consent is given only to a grid worker, under a reference used once', async () => {
    await staff('b.grid', { role: 'grid_worker' });
    const consent = { consent_ref: 'GC-1', username: 'a.clerk', psn_no, granted_on: '2026-11-01', evidence: '' };
    await refuses(recordConsent(db.pool, consent, 'admin', T0), 'invalid', 'username');
    await recordConsent(db.pool, { ...consent, username: 'b.grid' }, 'admin', T0);
    await refuses(recordConsent(db.pool, { ...consent, username: 'b.grid' }, 'admin', T0), 'conflict', 'consent_ref');
  });
});

describe('staff sign-in and sessions', () => {
  test('the lock lasts 15 minutes; then the right password opens and clears the count', async () => {
    await staff('c.clerk');
    for (let i = 0; i < 5; i++) await refuses(staffSignIn(db.pool, 'c.clerk', 'wrong wrong', at(0)), 'unauthenticated', 'password');
    await refuses(staffSignIn(db.pool, 'c.clerk', PASSWORD, at(14)), 'forbidden', 'username');
    const s = await staffSignIn(db.pool, ' C.Clerk ', PASSWORD, at(16));
    assert.equal(s.principal.kind === 'staff' && s.principal.username, 'c.clerk', 'the username is trimmed and lower-cased');
    const row = await db.pool.query(`SELECT failed_signins, locked_until FROM staff_accounts WHERE username = 'c.clerk'`);
    assert.deepEqual(row.rows[0], { failed_signins: 0, locked_until: null });
  });

  test('a disabled account cannot sign in, and its open sessions stop', async () => {
    await staff('d.clerk');
    const s = await staffSignIn(db.pool, 'd.clerk', PASSWORD, at(0));
    assert.ok(await principalOfSession(db.pool, s.token, at(1)));
    await db.pool.query(`UPDATE staff_accounts SET disabled = true WHERE username = 'd.clerk'`);
    assert.equal(await principalOfSession(db.pool, s.token, at(2)), undefined);
    await refuses(staffSignIn(db.pool, 'd.clerk', PASSWORD, at(3)), 'unauthenticated', 'password');
  });

  test('a session in use still ends after 12 hours; sign-out ends it at once', async () => {
    await staff('e.clerk');
    const s = await staffSignIn(db.pool, 'e.clerk', PASSWORD, at(0));
    assert.equal(s.expires_at.getTime(), at(0).getTime() + SESSION_MAX_MS);
    for (let m = 20; m < 12 * 60; m += 20) assert.ok(await principalOfSession(db.pool, s.token, at(m)), `alive at ${m} minutes`);
    assert.equal(await principalOfSession(db.pool, s.token, at(12 * 60 + 1)), undefined);
    const t = await staffSignIn(db.pool, 'e.clerk', PASSWORD, at(0));
    await signOut(db.pool, t.token, at(1));
    assert.equal(await principalOfSession(db.pool, t.token, at(2)), undefined);
  });
});

describe('one-time codes', () => {
  const sms = new LoggingSender('sms');
  const lastCode = (): string => /([0-9]{6})/.exec(sms.sent.at(-1)?.text ?? '')![1]!;

  test('a code is good for 5 minutes; a new one can be asked for after a minute', async () => {
    assert.deepEqual(await requestSignInCode(db.pool, certno, at(100), sms), { sent_to: '139****5678' });
    await refuses(requestSignInCode(db.pool, certno, at(100.9), sms), 'rate_limited', 'certno');
    const stale = lastCode();
    await refuses(personSignIn(db.pool, certno, stale, at(105.1)), 'unauthenticated', 'code');
    await requestSignInCode(db.pool, ` ${certno.toLowerCase()} `, at(106), sms);
    const s = await personSignIn(db.pool, certno, ` ${lastCode()} `, at(110.9));
    assert.equal(s.principal.kind === 'person' && s.principal.psn_no, psn_no);
  });
});
