import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../src/server/app.ts';
import { CALL_SERVICE_PATH } from '../src/server/gateway/route.ts';
import { freshDatabase, type TestDatabase } from './support/db.ts';
import { HOSPITAL, NOW, RESIDENT, envelope, post, seedRegistry, signInAs } from './support/gateway-world.ts';

// Overload (issue 18, docs/operations.md "Overload"): past its limits the gateway sheds a
// message at once with a clear "busy, retry with the same msgid" and does nothing for it; one
// institution's flood cannot take another's slots; a shed message retried later is processed.

let db: TestDatabase;
let app: FastifyInstance;
let hospitalSign = '';
let pharmacySign = '';

before(async () => {
  db = await freshDatabase();
  await seedRegistry(db.pool);
  app = await buildApp({ pool: db.pool, now: () => NOW, admission: { total: 12, perInstitution: 4 } });
  hospitalSign = await signInAs(app);
  pharmacySign = await signInAs(app, 'P43020400002');
});

after(async () => {
  await app.close();
  await db.drop();
});

test('a flood from one institution: the excess is shed at once and writes nothing; another institution is served; a shed message retried is processed', async () => {
  const count = async (sql: string) => (await db.pool.query<{ n: number }>(sql)).rows[0]!.n;
  const visitsBefore = await count(`SELECT count(*)::int AS n FROM visits`);
  const flood = Array.from({ length: 40 }, () => envelope('2201', { data: { psn_no: RESIDENT.psn_no, insutype: '390' } }, { sign_no: hospitalSign }));
  // While the hospital floods, the pharmacy asks who a person is (its own slots).
  const [answers, other] = await Promise.all([
    Promise.all(flood.map(async (e) => {
      const res = await app.inject({ method: 'POST', url: CALL_SERVICE_PATH, headers: { 'content-type': 'application/json' }, payload: JSON.stringify(e) });
      return { body: res.json() as Record<string, any>, retryAfter: res.headers['retry-after'] };
    })),
    post(app, envelope('1101', { data: { mdtrt_cert_type: '02', mdtrt_cert_no: RESIDENT.certno, psn_cert_type: '01', certno: RESIDENT.certno } }, { fixmedins_code: 'P43020400002', sign_no: pharmacySign })),
  ]);
  const ok = answers.filter((a) => a.body.infcode === 0);
  const shed = answers.filter((a) => a.body.infcode === -1);
  assert.ok(shed.length > 0, 'some of the flood was shed');
  assert.ok(ok.length >= 4, 'the institution\'s own slots kept working');
  for (const a of shed) assert.match(a.body.err_msg, /busy: this institution already has 4 messages in flight; this one was not processed, retry it later with the same msgid/);
  for (const a of shed) assert.equal(a.retryAfter, '1', 'a shed answer tells the sender to wait (Retry-After)');
  for (const a of ok) assert.equal(a.retryAfter, undefined, 'an accepted answer has no Retry-After');
  assert.equal(other.body.infcode, 0, `another institution is served during the flood: ${other.body.err_msg}`);
  assert.equal(await count(`SELECT count(*)::int AS n FROM visits`), visitsBefore + ok.length, 'a shed message wrote nothing');
  const shedIds = flood.filter((_e, i) => answers[i]!.body.infcode === -1).map((e) => String(e['msgid']));
  assert.equal((await db.pool.query(`SELECT 1 FROM gateway_messages WHERE fixmedins_code = $1 AND msgid = ANY($2::text[])`, [HOSPITAL, shedIds])).rowCount, 0, 'not even logged');
  // Retried later with the same msgid, a shed message is processed like any other.
  const retried = await post(app, flood[flood.findIndex((_e, i) => answers[i]!.body.infcode === -1)]!);
  assert.equal(retried.body.infcode, 0, retried.body.err_msg);
  assert.equal(await count(`SELECT count(*)::int AS n FROM visits`), visitsBefore + ok.length + 1);
});
