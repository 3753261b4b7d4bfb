import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../src/server/app.ts';
import { seedAll } from '../src/cli/seed.ts';
import { readConfig } from '../src/server/config.ts';
import { ROUTES } from '../src/server/auth/access.ts';
import { DEMO_PASSWORD } from '../src/demo/staff.ts';
import { checkLedger } from '../src/store/ledger.ts';
import { freshDatabase, type TestDatabase } from './support/db.ts';

// Supervision cases over REST on the seeded demo (its planted wrong claims at Zhuzhou and the
// scan that found them), signed in with the demo's own accounts through POST /auth/staff:
// Hunan's supervisor opens a case from a planted finding of 株洲市中心医院, Hunan's reviewer
// makes the first review and the supervisor the second, the hospital's own account (zz.hospital)
// appeals with a file, the supervisor decides a recovery that reaches the ledger once however
// often it is submitted. Another hospital's account (sf.hospital) sees none of it; an institution's
// account is refused on every other route; refused moves change nothing.

/** The FHIR routes an institution's account may call (its own visits and settlements, decided by the hook; organizations; terminology). */
const INSTITUTION_FHIR = ['metadata', 'CodeSystem', 'CodeSystem/:id', 'Organization', 'Organization/:id', 'Claim', 'Claim/:id', 'ClaimResponse', 'ClaimResponse/:id', 'ExplanationOfBenefit', 'ExplanationOfBenefit/:id']
  .map((r) => `GET /fhir/R4/${r}`);
const ZZ = 'H43021100001'; // 株洲市中心医院 (zz.hospital)
const SF = 'H43020400001'; // 株洲市石峰区人民医院 (sf.hospital)

let db: TestDatabase;
let app: FastifyInstance;
const cookies: Record<string, string> = {};

async function signIn(username: string): Promise<string> {
  const res = await app.inject({ method: 'POST', url: '/api/v1/auth/staff', payload: { username, password: DEMO_PASSWORD } });
  assert.equal(res.statusCode, 200, `${username}: ${res.body}`);
  return String(res.headers['set-cookie']).split(';')[0]!;
}

type Json = Record<string, any>;
async function call(who: string, method: string, url: string, payload?: unknown): Promise<{ status: number; json: Json; body: string; headers: Record<string, unknown>; raw: Buffer }> {
  const res = await app.inject({ method: method as 'GET', url, headers: { cookie: cookies[who]! }, ...(payload !== undefined ? { payload: payload as Json } : {}) });
  let json: Json = {};
  try { json = res.json(); } catch { /* a file */ }
  return { status: res.statusCode, json, body: res.body, headers: res.headers, raw: res.rawPayload };
}

/** What a refused request must leave as it was: the case, its history, its evidence, its files, the ledger. */
async function snapshot(caseNo: string): Promise<string> {
  const r = await db.pool.query(
    `SELECT c.state, c.due_on, s.first_reviewed_by, s.appeal, s.decision, s.recovery_fen, s.recovery_transfer,
            (SELECT count(*) FROM case_events e WHERE e.case_id = c.id) AS events, (SELECT count(*) FROM case_evidence e WHERE e.case_id = c.id) AS evidence,
            (SELECT count(*) FROM supervision_case_files f WHERE f.case_id = c.id) AS files, (SELECT count(*) FROM ledger_transfers) AS transfers,
            (SELECT count(*) FROM audit_log) AS audit
       FROM supervision_cases s JOIN cases c ON c.id = s.case_id WHERE s.case_no = $1`, [caseNo]);
  return JSON.stringify(r.rows[0]);
}

/** An open planted finding of an institution on a settlement the funds paid. */
async function openFinding(code: string): Promise<number | undefined> {
  const r = await db.pool.query<{ id: number }>(
    `SELECT f.id::int FROM supervision_findings f JOIN settlements s ON s.setl_id = f.setl_id
      WHERE f.fixmedins_code = $1 AND f.status = 'open' AND s.fund_pay_sumamt > 0 AND f.amount_fen > 0 ORDER BY f.id LIMIT 1`, [code]);
  return r.rows[0]?.id;
}

before(async () => {
  db = await freshDatabase();
  await seedAll(db.pool, { ...readConfig({}), demoPersons: 300 }, () => undefined);
  app = await buildApp({ pool: db.pool, now: () => new Date() });
  for (const u of ['hn.supervisor', 'hn.reviewer', 'zz.hospital', 'sf.hospital', 'jj.clerk', 'cs.reviewer']) cookies[u] = await signIn(u);
});
after(async () => {
  await app?.close();
  await db?.drop();
});

describe('institution accounts', () => {
  test('an institution signs in as its institution and may call only its findings, its cases, its appeal and who-am-I', async () => {
    const me = await call('zz.hospital', 'GET', '/api/v1/auth/me');
    assert.equal(me.status, 200, me.body);
    assert.equal(me.json.principal.role, 'institution');
    assert.equal(me.json.principal.fixmedins_code, ZZ);
    assert.deepEqual(me.json.principal.regions, [], 'it sees no region');
    assert.equal(me.json.acts_for, 'institution');
    assert.equal(me.json.fixmedins_code, ZZ);
    // the FHIR API (docs/fhir.md): its own visits and settlements, reference data and terminology
    assert.deepEqual(me.json.routes.filter((r: string) => r.startsWith('GET /fhir/R4/')).sort(), [...INSTITUTION_FHIR].sort());
    assert.deepEqual(me.json.routes.filter((r: string) => !r.startsWith('POST /api/v1/auth/') && !r.startsWith('GET /fhir/R4/')).sort(), [
      'GET /api/v1/auth/me', 'GET /api/v1/supervision/cases', 'GET /api/v1/supervision/cases/:case_no', 'GET /api/v1/supervision/cases/:case_no/evidence/:id',
      'GET /api/v1/supervision/findings', 'GET /api/v1/supervision/findings/:id', 'POST /api/v1/supervision/cases/:case_no/appeal',
    ]);
    assert.ok(Object.entries(me.json.can).every(([k, v]) => v === (k === 'read_fhir')), 'no capability of the staff pages; the FHIR API for its own');
  });

  test('every other route refuses an institution account (never a 2xx), the reference reads and lists with a 403', async () => {
    const allowed = new Set(['GET /api/v1/auth/me', 'GET /api/v1/supervision/cases', 'GET /api/v1/supervision/cases/:case_no', 'GET /api/v1/supervision/cases/:case_no/evidence/:id',
      'GET /api/v1/supervision/findings', 'GET /api/v1/supervision/findings/:id', 'POST /api/v1/supervision/cases/:case_no/appeal', 'POST /api/v1/auth/staff', 'POST /api/v1/auth/code',
      'POST /api/v1/auth/person', 'POST /api/v1/auth/sign-out',
      // its own sessions only, and ending them would end this test's too (test/sign-in-abuse.test.ts covers it)
      'POST /api/v1/auth/sign-out-everywhere', ...INSTITUTION_FHIR]);
    let refused = 0;
    for (const key of Object.keys(ROUTES)) {
      if (allowed.has(key)) continue;
      const [method, route] = key.split(' ') as [string, string];
      const url = route.replace(/:(\w+)/g, (_, n: string) => (n === 'admdvs' || n === 'list_admdvs' ? '430200' : n === 'year' ? '2026' : n === 'fixmedins_code' ? ZZ : '1'));
      const r = await call('zz.hospital', method, url, method === 'GET' || method === 'DELETE' ? undefined : {});
      assert.ok(r.status >= 400 && r.status < 500, `${key}: ${r.status} ${r.body.slice(0, 200)}`);
      if (r.status === 403) refused++;
    }
    for (const url of ['/api/v1/regions', '/api/v1/institutions', `/api/v1/institutions/${ZZ}`, '/api/v1/agreements', '/api/v1/filings/queue', '/api/v1/supervision/rules', '/api/v1/supervision/scans', '/api/v1/dashboard/enrollment', '/api/v1/grid/persons', '/api/v1/staff-inbox']) {
      const r = await call('zz.hospital', 'GET', url);
      assert.equal(r.status, 403, `${url}: ${r.body}`);
    }
    assert.ok(refused > 50, `${refused} routes answered 403`);
  });

  test('the finding queue answers an institution with its own findings only, whatever the query names', async () => {
    const own = await call('zz.hospital', 'GET', '/api/v1/supervision/findings?limit=500');
    assert.equal(own.status, 200, own.body);
    assert.ok(own.json.items.length > 0, 'the planted findings of 株洲市中心医院');
    assert.ok(own.json.items.every((f: Json) => f.fixmedins_code === ZZ));
    const trick = await call('zz.hospital', 'GET', `/api/v1/supervision/findings?fixmedins_code=${SF}`);
    assert.equal(trick.status, 200);
    assert.ok(trick.json.items.every((f: Json) => f.fixmedins_code === ZZ), 'another institution named in the query is not shown');
    const all = await call('hn.supervisor', 'GET', '/api/v1/supervision/findings?limit=500');
    assert.ok(all.json.items.some((f: Json) => f.fixmedins_code !== ZZ), 'the supervisor sees other institutions too');
    // one finding: its own yes, another's no (decided from the loaded finding)
    const mine = await call('zz.hospital', 'GET', `/api/v1/supervision/findings/${own.json.items[0].id}`);
    assert.equal(mine.status, 200, mine.body);
    const other = all.json.items.find((f: Json) => f.fixmedins_code !== ZZ);
    const foreign = await call('zz.hospital', 'GET', `/api/v1/supervision/findings/${other.id}`);
    assert.equal(foreign.status, 403, foreign.body);
    assert.equal((await call('zz.hospital', 'GET', '/api/v1/supervision/findings/999999999')).status, 403, 'an unknown one looks the same');
  });
});

describe('a case over REST, from a planted finding to its recovery', () => {
  let caseNo: string;
  let findingId: number;

  test('the supervisor opens a case from a finding; the institution may not', async () => {
    findingId = (await openFinding(ZZ))!;
    assert.ok(findingId, 'an open planted finding of 株洲市中心医院 on a settlement the funds paid');
    const refused = await call('zz.hospital', 'POST', '/api/v1/supervision/cases', { finding_ids: [findingId], reason: '自己立案' });
    assert.equal(refused.status, 403, refused.body);
    const bad = await call('hn.supervisor', 'POST', '/api/v1/supervision/cases', { finding_ids: [], reason: '立案' });
    assert.equal(bad.status, 400, bad.body);
    assert.match(bad.body, /finding_ids/);
    const far = await call('jj.clerk', 'POST', '/api/v1/supervision/cases', { finding_ids: [findingId], reason: '立案' });
    assert.equal(far.status, 403, 'a clerk of Jiujiang may not');
    const opened = await call('hn.supervisor', 'POST', '/api/v1/supervision/cases', { finding_ids: [findingId], reason: '规则命中，立案核查' });
    assert.equal(opened.status, 201, opened.body);
    caseNo = opened.json.case_no;
    assert.equal(opened.json.state, 'opened');
    assert.equal(opened.json.fixmedins_code, ZZ);
    assert.deepEqual(opened.json.findings.map((f: Json) => f.id), [findingId]);
    assert.ok(opened.json.amount_fen > 0);
    assert.deepEqual(opened.json.moves.sort(), ['assign', 'dismiss']);
    const again = await call('hn.supervisor', 'POST', '/api/v1/supervision/cases', { finding_ids: [findingId], reason: '再立案' });
    assert.equal(again.status, 409, again.body);
    assert.equal(again.json.details[0].field, 'finding_ids[0]');
  });

  test('refused moves are 409 or 400 naming the field, and change nothing', async () => {
    const before = await snapshot(caseNo);
    const decide = await call('hn.supervisor', 'POST', `/api/v1/supervision/cases/${caseNo}/moves`, { move: 'decide', reason: '直接处理', decision: { kinds: ['recovery'] } });
    assert.equal(decide.status, 409, decide.body);
    assert.equal(decide.json.details[0].field, 'case_no');
    assert.match(decide.json.message, /初审和复审.*\/.*both reviews/);
    const appeal = await call('zz.hospital', 'POST', `/api/v1/supervision/cases/${caseNo}/appeal`, { statement: '提前申诉', evidence: [{ name: 'a.txt', mime: 'text/plain', base64: Buffer.from('x').toString('base64') }] });
    assert.equal(appeal.status, 409, appeal.body);
    const unknown = await call('hn.supervisor', 'POST', `/api/v1/supervision/cases/${caseNo}/moves`, { move: 'fly', reason: '？' });
    assert.equal(unknown.status, 400, unknown.body);
    assert.match(unknown.body, /move/);
    const noDecision = await call('hn.supervisor', 'POST', `/api/v1/supervision/cases/${caseNo}/moves`, { move: 'decide', reason: '处理' });
    assert.equal(noDecision.status, 400, noDecision.body);
    assert.equal(noDecision.json.details[0].field, 'decision');
    const noReason = await call('hn.supervisor', 'POST', `/api/v1/supervision/cases/${caseNo}/moves`, { move: 'assign', reason: '' });
    assert.equal(noReason.status, 400, noReason.body);
    assert.match(noReason.body, /reason/);
    const wrongDesk = await call('hn.supervisor', 'POST', `/api/v1/supervision/cases/${caseNo}/moves`, { move: 'first_review_pass', reason: '初审' });
    assert.equal(wrongDesk.status, 409, `the case is not in first review: ${wrongDesk.body}`);
    const lift = await call('hn.supervisor', 'POST', `/api/v1/supervision/cases/${caseNo}/moves`, { move: 'lift_suspension', reason: '解除' });
    assert.equal(lift.status, 409, lift.body);
    const institutionMove = await call('zz.hospital', 'POST', `/api/v1/supervision/cases/${caseNo}/moves`, { move: 'dismiss', reason: '撤案' });
    assert.equal(institutionMove.status, 403, institutionMove.body);
    assert.equal(await snapshot(caseNo), before, 'nothing changed');
  });

  test('assign, the first review by the reviewer, the second by the supervisor: the appeal window opens', async () => {
    const assign = await call('hn.supervisor', 'POST', `/api/v1/supervision/cases/${caseNo}/moves`, { move: 'assign', reason: '分派初审' });
    assert.equal(assign.status, 200, assign.body);
    assert.equal(assign.json.state, 'first_review');
    const asReviewer = await call('hn.reviewer', 'GET', `/api/v1/supervision/cases/${caseNo}`);
    assert.deepEqual(asReviewer.json.moves.sort(), ['dismiss', 'first_review_pass']);
    const far = await call('cs.reviewer', 'GET', `/api/v1/supervision/cases/${caseNo}`);
    assert.equal(far.status, 403, 'a Changsha reviewer does not work a Zhuzhou case');
    const first = await call('hn.reviewer', 'POST', `/api/v1/supervision/cases/${caseNo}/moves`, { move: 'first_review_pass', reason: '初审：重复收费属实' });
    assert.equal(first.status, 200, first.body);
    assert.equal(first.json.first_reviewed_by, 'staff:hn.reviewer');
    const second = await call('hn.supervisor', 'POST', `/api/v1/supervision/cases/${caseNo}/moves`, { move: 'second_review_pass', reason: '复审同意' });
    assert.equal(second.status, 200, second.body);
    assert.equal(second.json.state, 'appeal');
    assert.match(second.json.appeal_due_on, /^\d{4}-\d{2}-\d{2}$/);
    assert.deepEqual(second.json.moves, [], 'the supervisor waits for the window');
    assert.deepEqual(second.json.events.map((e: Json) => e.move), ['submit', 'assign', 'first_review_pass', 'second_review_pass']);
    assert.ok(second.json.events.every((e: Json) => e.actor && e.at && e.comment), 'who, when and why of every step');
  });

  test('the institution sees its own case only; another institution is refused', async () => {
    const list = await call('zz.hospital', 'GET', '/api/v1/supervision/cases');
    assert.equal(list.status, 200, list.body);
    assert.deepEqual(list.json.items.map((c: Json) => c.case_no), [caseNo]);
    const view = await call('zz.hospital', 'GET', `/api/v1/supervision/cases/${caseNo}`);
    assert.equal(view.status, 200, view.body);
    assert.deepEqual(view.json.moves.sort(), ['appeal', 'waive_appeal']);
    const other = await call('sf.hospital', 'GET', '/api/v1/supervision/cases');
    assert.deepEqual(other.json.items, [], 'not another institution\'s case');
    const trick = await call('sf.hospital', 'GET', `/api/v1/supervision/cases?fixmedins_code=${ZZ}`);
    assert.deepEqual(trick.json.items, []);
    assert.equal((await call('sf.hospital', 'GET', `/api/v1/supervision/cases/${caseNo}`)).status, 403);
    assert.equal((await call('sf.hospital', 'GET', `/api/v1/supervision/findings/${findingId}`)).status, 403);
    assert.equal((await call('zz.hospital', 'GET', '/api/v1/supervision/cases/JG430211202601019999999')).status, 403, 'an unknown case looks the same');
    const before = await snapshot(caseNo);
    const foreignAppeal = await call('sf.hospital', 'POST', `/api/v1/supervision/cases/${caseNo}/appeal`, { waive: true, reason: '放弃' });
    assert.equal(foreignAppeal.status, 403, foreignAppeal.body);
    assert.equal(await snapshot(caseNo), before);
    // the supervisor's filters
    const queue = await call('hn.supervisor', 'GET', `/api/v1/supervision/cases?state=appeal&fixmedins_code=${ZZ}&admdvs=430200&overdue=false`);
    assert.deepEqual(queue.json.items.map((c: Json) => c.case_no), [caseNo]);
    assert.equal(queue.json.items[0].state_name.zh, '申诉期');
    assert.deepEqual((await call('hn.supervisor', 'GET', '/api/v1/supervision/cases?overdue=true')).json.items, []);
    assert.deepEqual((await call('hn.supervisor', 'GET', '/api/v1/supervision/cases?admdvs=430100')).json.items, [], 'Changsha has none');
    assert.equal((await call('hn.supervisor', 'GET', '/api/v1/supervision/cases?state=nowhere')).status, 400);
  });

  test('the institution appeals with a file; bad files are refused by their field and change nothing', async () => {
    const before = await snapshot(caseNo);
    const url = `/api/v1/supervision/cases/${caseNo}/appeal`;
    const none = await call('zz.hospital', 'POST', url, { statement: '我院收费无误' });
    assert.equal(none.status, 400, none.body);
    assert.equal(none.json.details[0].field, 'evidence');
    const garbled = await call('zz.hospital', 'POST', url, { statement: '我院收费无误', evidence: [{ name: 'a.pdf', mime: 'application/pdf', base64: '***' }] });
    assert.equal(garbled.status, 400, garbled.body);
    assert.equal(garbled.json.details[0].field, 'evidence[0].base64');
    const exe = await call('zz.hospital', 'POST', url, { statement: '我院收费无误', evidence: [{ name: 'a.exe', mime: 'application/x-msdownload', base64: 'TVo=' }] });
    assert.equal(exe.status, 400, exe.body);
    assert.equal(exe.json.details[0].field, 'evidence[0].mime');
    const both = await call('zz.hospital', 'POST', url, { waive: true, statement: '？' });
    assert.equal(both.status, 400, both.body);
    assert.equal(await snapshot(caseNo), before, 'nothing changed');

    const pdf = Buffer.from('%PDF-1.4\n% 收费明细说明 / the charges explained\n%%EOF\n');
    const appeal = await call('zz.hospital', 'POST', url, { statement: '两条收费为两次独立检查，附医嘱', evidence: [{ name: '医嘱单.pdf', mime: 'application/pdf', base64: pdf.toString('base64') }] });
    assert.equal(appeal.status, 200, appeal.body);
    assert.equal(appeal.json.state, 'investigation');
    assert.equal(appeal.json.files.length, 1);
    assert.equal(appeal.json.files[0].name, '医嘱单.pdf');
    assert.equal(appeal.json.evidence[0].ref, `file:${appeal.json.files[0].id}`);
    assert.equal(appeal.json.appeal.by, `hospital:${ZZ}`);
    assert.match(appeal.json.appeal.by_name, /zz\.hospital/, 'who of its staff appealed');
    assert.deepEqual(appeal.json.moves, [], 'nothing more for the institution');
    const fileUrl = `/api/v1/supervision/cases/${caseNo}/evidence/${appeal.json.files[0].id}`;
    for (const who of ['zz.hospital', 'hn.supervisor']) {
      const file = await call(who, 'GET', fileUrl);
      assert.equal(file.status, 200, file.body);
      assert.equal(file.headers['content-type'], 'application/pdf');
      assert.match(String(file.headers['content-disposition']), /^attachment/);
      assert.deepEqual(file.raw, pdf, 'the file as uploaded');
    }
    assert.equal((await call('sf.hospital', 'GET', fileUrl)).status, 403);
    assert.equal((await call('zz.hospital', 'GET', `/api/v1/supervision/cases/${caseNo}/evidence/999999`)).status, 404);
    const twice = await call('zz.hospital', 'POST', url, { statement: '再申诉', evidence: [{ name: 'b.txt', mime: 'text/plain', base64: 'eA==' }] });
    assert.equal(twice.status, 409, twice.body);
  });

  test('the supervisor decides a recovery: one transfer however often it is submitted, the ledger balanced', async () => {
    const moves = `/api/v1/supervision/cases/${caseNo}/moves`;
    const view = await call('hn.supervisor', 'GET', `/api/v1/supervision/cases/${caseNo}`);
    assert.deepEqual(view.json.moves, ['decide']);
    const tooMuch = await call('hn.supervisor', 'POST', moves, { move: 'decide', reason: '追回', decision: { kinds: ['recovery'], recovery_fen: 999_999_999 } });
    assert.equal(tooMuch.status, 400, tooMuch.body);
    assert.equal(tooMuch.json.details[0].field, 'recovery_fen');
    const badKind = await call('hn.supervisor', 'POST', moves, { move: 'decide', reason: '追回', decision: { kinds: ['jail'] } });
    assert.equal(badKind.status, 400, badKind.body);
    assert.equal(badKind.json.details[0].field, 'kinds[0]');
    const transfersBefore = (await db.pool.query('SELECT count(*)::int AS n FROM ledger_transfers')).rows[0].n;

    const decision = { move: 'decide', reason: '重复收费属实，追回并警告', decision: { kinds: ['warning', 'recovery'] } };
    const first = await call('hn.supervisor', 'POST', moves, decision);
    assert.equal(first.status, 200, first.body);
    assert.equal(first.json.state, 'decided');
    assert.equal(first.json.replayed, false);
    assert.ok(first.json.recovery_fen > 0);
    assert.equal(first.json.recovery_transfer.key, `recovery:${caseNo}`);
    assert.equal(first.json.recovery_transfer.amount_fen, first.json.recovery_fen);
    assert.deepEqual(first.json.moves, ['close']);
    const again = await call('hn.supervisor', 'POST', moves, decision);
    assert.equal(again.status, 200, again.body);
    assert.equal(again.json.replayed, true, 'the same decision again is answered, not applied');
    const other = await call('hn.supervisor', 'POST', moves, { move: 'decide', reason: '改判', decision: { kinds: ['no_violation'] } });
    assert.equal(other.status, 409, other.body);

    const transfers = await db.pool.query(`SELECT kind, amount_fen::int FROM ledger_transfers WHERE key = $1`, [`recovery:${caseNo}`]);
    assert.deepEqual(transfers.rows, [{ kind: 'recovery', amount_fen: first.json.recovery_fen }], 'one recovery transfer');
    assert.equal((await db.pool.query('SELECT count(*)::int AS n FROM ledger_transfers')).rows[0].n, transfersBefore + 1);
    const ledger = await checkLedger(db.pool);
    assert.equal(ledger.debits_fen, ledger.credits_fen, 'debits equal credits');
    assert.deepEqual(ledger.unbalanced, []);
    assert.deepEqual(ledger.drifted, []);
    // the institution sees its decision and recovery
    const seen = await call('zz.hospital', 'GET', `/api/v1/supervision/cases/${caseNo}`);
    assert.equal(seen.json.recovery_fen, first.json.recovery_fen);
    assert.deepEqual(seen.json.moves, []);
    const close = await call('hn.supervisor', 'POST', moves, { move: 'close', reason: '已追回，结案' });
    assert.equal(close.status, 200, close.body);
    assert.equal(close.json.state, 'closed');
    assert.equal(close.json.findings[0].status, 'closed');
  });

  test('a waiver: the institution gives up its appeal and the case goes to investigation', async () => {
    const id = await openFinding(ZZ);
    assert.ok(id, 'another open finding of the hospital');
    const opened = await call('hn.supervisor', 'POST', '/api/v1/supervision/cases', { finding_ids: [id], reason: '立案' });
    const no = opened.json.case_no as string;
    const move = (who: string, m: string) => call(who, 'POST', `/api/v1/supervision/cases/${no}/moves`, { move: m, reason: m });
    assert.equal((await move('hn.supervisor', 'assign')).status, 200);
    assert.equal((await move('hn.reviewer', 'first_review_pass')).status, 200);
    assert.equal((await move('hn.supervisor', 'second_review_pass')).status, 200);
    const waived = await call('zz.hospital', 'POST', `/api/v1/supervision/cases/${no}/appeal`, { waive: true, reason: '我院认可，不申诉' });
    assert.equal(waived.status, 200, waived.body);
    assert.equal(waived.json.state, 'investigation');
    assert.equal(waived.json.appeal.waived, true);
  });
});
