import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../src/server/app.ts';
import { seedAll } from '../src/cli/seed.ts';
import { readConfig } from '../src/server/config.ts';
import { addWorkingDays, buildCalendar, type CalendarDay } from '../src/engine/calendar.ts';
import { remainingOf } from '../src/engine/assistance.ts';
import { documentRegistry } from '../src/store/documents/registry.ts';
import { inTransaction } from '../src/store/db.ts';
import { checkLedger } from '../src/store/ledger.ts';
import { settlementBurdens } from '../src/store/assistance.ts';
import { loadCalendar } from '../src/store/cooperation/calendar.ts';
import { staffCookie } from './support/auth.ts';
import { freshDatabase, type TestDatabase } from './support/db.ts';

// Medical assistance on application over REST on a small seeded demo: a Zhuzhou person with
// settlements of the year is recorded as 低保; a clerk applies at the window, a grid worker by
// proxy (refused without the person's consent), the reviewer approves (the amount computed from
// the stored settlements, explained to the fen), the notice runs on Zhuzhou's calendar with a
// holiday in it, the notice pass pays once — the whole path inside 10 working days. Paying twice
// or concurrently posts one transfer; the yearly cap holds at its boundary; an objection stops
// the payment; bad input names its field; re-assistance and subsidies run and do not repeat.

const RULES = path.resolve(import.meta.dirname, '../assistance-rules/430200-2026.json');
let db: TestDatabase;
let app: FastifyInstance;
let clock = new Date('2026-11-02T02:00:00Z'); // Monday 10:00 in China
const cookie: Record<string, string> = {};
type Json = Record<string, any>;
let P: { psn_no: string; certno: string; setl: { setl_id: string; remaining: number }[] };
let other: { psn_no: string; certno: string; setl_id: string };

async function call(who: string, method: string, url: string, payload?: unknown): Promise<{ status: number; json: Json; body: string }> {
  const res = await app.inject({ method: method as 'GET', url, headers: { cookie: cookie[who]! }, ...(payload !== undefined ? { payload: payload as Json } : {}) });
  let json: Json = {};
  try { json = res.json(); } catch { /* empty */ }
  return { status: res.statusCode, json, body: res.body };
}
const day = (d: Date): string => new Date(d.getTime() + 8 * 3600_000).toISOString().slice(0, 10);
const at = (isoDay: string): Date => new Date(`${isoDay}T02:00:00Z`);
const transfersOf = async (no: string) => (await db.pool.query(`SELECT id, amount_fen::bigint AS amount FROM ledger_transfers WHERE key = $1`, [`assistance_payment:${no}`])).rows;

async function storeRules(version: number, change: (d: Json) => void): Promise<void> {
  const doc = JSON.parse(fs.readFileSync(RULES, 'utf8')) as Json;
  doc.version = version;
  change(doc);
  await inTransaction(db.pool, (q) => documentRegistry.store(q, { kind: 'assistance_rules', doc, stored_by: 'test', note: `v${version}` }));
}

async function apply(who: string, body: Json): Promise<string> {
  const r = await call(who, 'POST', '/api/v1/assistance/applications', body);
  assert.equal(r.status, 201, r.body);
  return r.json.application_no as string;
}
const outside = (amount_fen: number) => ({ description: '外购药品', amount_fen, paid_on: '2026-10-20', materials: [{ kind: 'invoice', ref: 'inv-1.pdf' }] });

before(async () => {
  db = await freshDatabase();
  await seedAll(db.pool, { ...readConfig({}), demoPersons: 60 }, () => undefined);
  app = await buildApp({ pool: db.pool, now: () => clock });
  cookie.admin = await staffCookie(db.pool, { username: 'ma.admin', role: 'admin', regions: ['000000'] });
  cookie.clerk = await staffCookie(db.pool, { username: 'ma.clerk', role: 'clerk', regions: ['430200'] });
  cookie.reviewer = await staffCookie(db.pool, { username: 'ma.reviewer', role: 'reviewer', regions: ['430200'] });
  cookie.cs_reviewer = await staffCookie(db.pool, { username: 'ma.cs.reviewer', role: 'reviewer', regions: ['430100'] });
  cookie.grid = await staffCookie(db.pool, { username: 'ma.grid', role: 'grid_worker', regions: ['430200'] });
  // persons insured in Zhuzhou with settlements of 2026 that left a burden: P a resident (for the subsidy), another one
  const people = async (resident: boolean) => (await db.pool.query<{ psn_no: string; certno: string }>(
    `SELECT p.psn_no, p.certno FROM persons p JOIN settlements s ON s.psn_no = p.psn_no AND s.kind = 'settle' AND s.status = 'settled' AND s.setl_year = 2026
      WHERE left(p.insuplc_admdvs, 4) = '4302' AND (s.setlinfo->>'inscp_scp_amt')::bigint - (s.setlinfo->>'hifp_pay')::bigint - (s.setlinfo->>'maf_pay')::bigint > 100
        AND NOT EXISTS (SELECT 1 FROM person_identities i WHERE i.psn_no = p.psn_no)
        AND (NOT $1 OR EXISTS (SELECT 1 FROM enrollments e WHERE e.psn_no = p.psn_no AND e.insutype = '390' AND e.psn_insu_stas = '1'))
        AND NOT EXISTS (SELECT 1 FROM contributions k WHERE k.psn_no = p.psn_no AND k.year = 2026 AND k.payer = 'assistance')
      GROUP BY p.psn_no, p.certno ORDER BY count(*) DESC, p.psn_no`, [resident])).rows;
  const residents = await people(true);
  assert.ok(residents.length > 0, 'the demo has a Zhuzhou resident with a burden left');
  const others = (await people(false)).filter((x) => x.psn_no !== residents[0]!.psn_no);
  assert.ok(others.length > 0, 'and another Zhuzhou person');
  const burdens = async (psn: string) => (await settlementBurdens(db.pool, psn, 2026)).filter((b) => remainingOf(b) > 0).map((b) => ({ setl_id: b.setl_id, remaining: remainingOf(b) }));
  P = { ...residents[0]!, setl: await burdens(residents[0]!.psn_no) };
  other = { ...others[0]!, setl_id: (await burdens(others[0]!.psn_no))[0]!.setl_id };
  // 低保 since January (the civil-affairs roster), so the rules' minimum_living group (70%, no deductible) applies
  const id = await call('admin', 'POST', `/api/v1/persons/${P.certno}/identities`, { psn_idet_type: '2102', begntime: '2026-01-01', source: 'civil_affairs' });
  assert.equal(id.status, 201, id.body);
  // a holiday in Zhuzhou on Wednesday: every deadline steps over it
  const h = await call('admin', 'PUT', '/api/v1/calendars/430200/days/2026-11-04', { kind: 'holiday', name: '测试假日' });
  assert.ok(h.status < 300, h.body);
});
after(async () => {
  await app?.close();
  await db?.drop();
});

describe('the demo', () => {
  test('a Zhuzhou resident has one application paid (by sf.grid, with consent), one in its notice, one with an objection', async () => {
    const r = await db.pool.query(
      `SELECT c.state, a.channel, a.paid_fen FROM medical_assistance_applications a JOIN cases c ON c.id = a.case_id ORDER BY a.submitted_at`);
    assert.deepEqual(r.rows.map((x) => x.state).sort(), ['objection_review', 'paid', 'public_notice']);
    const paid = r.rows.find((x) => x.state === 'paid')!;
    assert.equal(paid.channel, 'proxy');
    assert.ok(Number(paid.paid_fen) > 0);
  });
});

describe('bad input and who may apply', () => {
  test('bad input is refused naming the field, and nothing is stored', async () => {
    const count = async () => (await db.pool.query(`SELECT count(*)::int AS n FROM medical_assistance_applications`)).rows[0].n;
    const before = await count();
    const cases: [Json, string][] = [
      [{ psn_no: P.psn_no }, 'setl_ids'],
      [{ psn_no: P.psn_no, setl_ids: [other.setl_id] }, 'setl_ids[0]'],
      [{ psn_no: P.psn_no, setl_ids: [P.setl[0]!.setl_id, P.setl[0]!.setl_id] }, 'setl_ids'],
      [{ psn_no: P.psn_no, outside: [{ ...outside(100), materials: [] }] }, 'outside[0].materials'],
      [{ psn_no: P.psn_no, outside: [{ ...outside(100), paid_on: '2025-05-01' }] }, 'outside[0].paid_on'],
      [{ psn_no: P.psn_no, year: 2030, setl_ids: [P.setl[0]!.setl_id] }, 'year'],
    ];
    for (const [body, field] of cases) {
      const r = await call('clerk', 'POST', '/api/v1/assistance/applications', body);
      assert.equal(r.status, 400, `${field}: ${r.body}`);
      assert.ok(r.json.details.some((d: Json) => d.field === field && d.zh && d.en), `${field}: ${r.body}`);
    }
    // a person of no eligible group: 409 naming psn_no
    const none = await call('clerk', 'POST', '/api/v1/assistance/applications', { psn_no: other.psn_no, setl_ids: [other.setl_id] });
    assert.equal(none.status, 409, none.body);
    assert.equal(none.json.details[0].field, 'psn_no');
    // another region's reviewer cannot read or review the queue's applications
    assert.equal(await count(), before);
  });

  test('a grid worker without the person\'s consent is refused; with it the application is a proxy one, audited with both', async () => {
    const refused = await call('grid', 'POST', '/api/v1/assistance/applications', { psn_no: P.psn_no, outside: [outside(1000)] });
    assert.equal(refused.status, 403, refused.body);
    const consent = await call('admin', 'POST', '/api/v1/grid/consents', { psn_no: P.psn_no, consent_ref: 'MA-CONSENT-1', username: 'ma.grid', granted_on: day(clock) });
    assert.ok(consent.status < 300, consent.body);
    const no = await apply('grid', { psn_no: P.psn_no, outside: [outside(1000)], reason: '网格员代办' });
    const got = await call('grid', 'GET', `/api/v1/assistance/applications/${no}`);
    assert.equal(got.status, 200, got.body);
    assert.equal(got.json.channel, 'proxy');
    assert.equal(got.json.proxy_username, 'ma.grid');
    assert.equal(got.json.consent_ref, 'MA-CONSENT-1');
    const audit = await db.pool.query(`SELECT actor, detail FROM audit_log WHERE action = 'medical_assistance.apply' AND subject = $1`, [`medical_assistance:${no}`]);
    assert.equal(audit.rows[0].actor, 'grid_worker:ma.grid');
    assert.equal(audit.rows[0].detail.psn_no, P.psn_no);
    assert.equal(audit.rows[0].detail.consent_ref, 'MA-CONSENT-1');
    // Changsha's reviewer sees nothing of it
    assert.equal((await call('cs_reviewer', 'GET', `/api/v1/assistance/applications/${no}`)).status, 403);
    // withdrawn, reviewed away so later tests are not disturbed
    const rej = await call('reviewer', 'POST', `/api/v1/assistance/applications/${no}/review`, { decision: 'reject', reason: '材料不全' });
    assert.equal(rej.status, 200, rej.body);
    assert.equal(rej.json.state, 'rejected');
  });
});

describe('the path from application to payment', () => {
  let no: string;
  test('applied at the window, reviewed, published, paid by the notice pass within 10 working days on Zhuzhou\'s calendar', async () => {
    const s = P.setl[0]!;
    no = await apply('clerk', { psn_no: P.psn_no, setl_ids: [s.setl_id], reason: '住院自付较重' });
    const cal = await loadCalendar(db.pool, '430200');
    const start = day(clock);
    let got = (await call('clerk', 'GET', `/api/v1/assistance/applications/${no}`)).json;
    assert.equal(got.state, 'pending_review');
    assert.equal(got.channel, 'window');
    assert.equal(got.due_on, addWorkingDays(cal, start, 10), 'the whole path: 10 working days');
    assert.equal(got.due_on, addWorkingDays(buildCalendar([[{ day: '2026-11-04', kind: 'holiday', name: 'x' } as CalendarDay]]), start, 10), 'the holiday is skipped');
    assert.equal(got.step_due_on, addWorkingDays(cal, start, 3), 'review: 3 working days');
    // the reviewer on the next working day (Tuesday); the amount is 70% of the stored remaining burden
    clock = at('2026-11-03');
    const preview = await call('reviewer', 'GET', `/api/v1/assistance/applications/${no}/preview`);
    assert.equal(preview.status, 200, preview.body);
    const r = await call('reviewer', 'POST', `/api/v1/assistance/applications/${no}/review`, { decision: 'approve' });
    assert.equal(r.status, 200, r.body);
    got = r.json;
    assert.equal(got.state, 'public_notice');
    const expected = Math.floor((s.remaining * 7000) / 10_000);
    assert.equal(got.computed_fen, expected);
    assert.equal(preview.json.amount_fen, expected);
    // the explanation: the settlement's line, the burden, the ratio, the cap's room, the amount
    const steps = got.explanation.lines.map((l: Json) => l.step);
    assert.deepEqual(steps, ['settlement', 'burden', 'deductible', 'ratio', 'cap', 'amount']);
    assert.equal(got.explanation.lines[0].amount_fen, s.remaining);
    assert.equal(got.explanation.lines.at(-1).amount_fen, got.computed_fen);
    assert.equal(got.notice_ends_on, addWorkingDays(cal, '2026-11-03', 5));
    // the notice pass before the notice ends pays nothing; the day after, it pays
    clock = at(got.notice_ends_on);
    assert.deepEqual((await call('clerk', 'POST', '/api/v1/assistance/notice-pass', {})).json.items, []);
    clock = at(addWorkingDays(cal, got.notice_ends_on, 1));
    const pass = await call('clerk', 'POST', '/api/v1/assistance/notice-pass', {});
    assert.equal(pass.status, 200, pass.body);
    assert.deepEqual(pass.json.items, [{ application_no: no, paid_fen: expected }]);
    got = (await call('clerk', 'GET', `/api/v1/assistance/applications/${no}`)).json;
    assert.equal(got.state, 'paid');
    assert.equal(got.paid_fen, expected);
    assert.ok(day(clock) <= got.due_on, `paid on ${day(clock)}, due ${got.due_on}`);
    assert.deepEqual(got.events.map((e: Json) => e.move), ['submit', 'approve', 'end_notice', 'pay']);
    // the transfer: from Zhuzhou's assistance fund to the person
    const t = await db.pool.query(`SELECT l.debit_account AS debit, l.credit_account AS credit, l.amount_fen::bigint AS amount FROM ledger_legs l JOIN ledger_transfers t ON t.id = l.transfer_id WHERE t.key = $1`, [`assistance_payment:${no}`]);
    assert.deepEqual(t.rows, [{ debit: `psn_cash:${P.psn_no}`, credit: 'fund:430200:610100', amount: expected }]);
    // the person sees it
    const mine = await call('admin', 'GET', `/api/v1/assistance/applications?psn_no=${P.psn_no}`);
    assert.ok(mine.json.items.some((i: Json) => i.application_no === no && i.state === 'paid'));
  });

  test('paying again, or several payments and passes at once, posts one transfer', async () => {
    const again = await call('clerk', 'POST', `/api/v1/assistance/applications/${no}/pay`);
    assert.equal(again.status, 200, again.body);
    assert.equal(again.json.replayed, true);
    assert.equal((await transfersOf(no)).length, 1);
    // a second application, approved, its notice over: passes and payments race
    const cal = await loadCalendar(db.pool, '430200');
    const n2 = await apply('clerk', { psn_no: P.psn_no, outside: [outside(50_000)] });
    const r = await call('reviewer', 'POST', `/api/v1/assistance/applications/${n2}/review`, { decision: 'approve', outside_accepted_fen: [40_000] });
    assert.equal(r.status, 200, r.body);
    assert.equal(r.json.computed_fen, 28_000, '70% of the 40,000 fen the reviewer accepted, not of the 50,000 declared');
    clock = at(addWorkingDays(cal, r.json.notice_ends_on, 1));
    const results = await Promise.all([
      call('clerk', 'POST', '/api/v1/assistance/notice-pass', {}), call('reviewer', 'POST', '/api/v1/assistance/notice-pass', {}),
      call('clerk', 'POST', `/api/v1/assistance/applications/${n2}/pay`), call('reviewer', 'POST', `/api/v1/assistance/applications/${n2}/pay`),
    ]);
    for (const x of results) assert.ok([200, 409].includes(x.status), x.body);
    for (let i = 0; i < 2; i++) assert.equal((await call('clerk', 'POST', `/api/v1/assistance/applications/${n2}/pay`)).json.replayed, true);
    const ts = await transfersOf(n2);
    assert.equal(ts.length, 1);
    assert.equal(Number(ts[0].amount), 28_000);
    const ledger = await checkLedger(db.pool);
    assert.equal(ledger.debits_fen, ledger.credits_fen);
    assert.deepEqual(ledger.unbalanced, []);
    assert.deepEqual(ledger.drifted, []);
  });

  test('an objection during the notice stops the payment; upheld, it rejects; dismissed, the notice goes on', async () => {
    const cal = await loadCalendar(db.pool, '430200');
    const n3 = await apply('clerk', { psn_no: P.psn_no, outside: [outside(10_000)] });
    const n4 = await apply('clerk', { psn_no: P.psn_no, outside: [outside(10_000)] });
    for (const n of [n3, n4]) assert.equal((await call('reviewer', 'POST', `/api/v1/assistance/applications/${n}/review`, { decision: 'approve', outside_accepted_fen: [10_000] })).status, 200);
    // objections are recorded by staff; the reviewer cannot pay meanwhile
    const o = await call('clerk', 'POST', `/api/v1/assistance/applications/${n3}/objections`, { objector: '同村村民', contact: '电话', reason: '家中有经营性收入' });
    assert.equal(o.status, 200, o.body);
    assert.equal(o.json.state, 'objection_review');
    assert.equal(o.json.objections.length, 1);
    await call('clerk', 'POST', `/api/v1/assistance/applications/${n4}/objections`, { objector: '匿名', reason: '重复申请' });
    // a missing reason names the field
    const bad = await call('clerk', 'POST', `/api/v1/assistance/applications/${n3}/objections`, { objector: 'x', reason: '' });
    assert.equal(bad.status, 400, bad.body);
    const paying = await call('clerk', 'POST', `/api/v1/assistance/applications/${n3}/pay`);
    assert.equal(paying.status, 409, paying.body);
    assert.equal(paying.json.details[0].field, 'application_no');
    // the notice pass after the notice's end does not touch an application under objection
    const noticeEnd = o.json.notice_ends_on;
    clock = at(addWorkingDays(cal, noticeEnd, 1));
    const pass = await call('clerk', 'POST', '/api/v1/assistance/notice-pass', {});
    assert.ok(!pass.json.items.some((i: Json) => i.application_no === n3 || i.application_no === n4));
    assert.equal((await transfersOf(n3)).length, 0);
    // upheld: rejected, never paid
    const up = await call('reviewer', 'POST', `/api/v1/assistance/applications/${n3}/objections/resolve`, { resolution: 'upheld', reason: '核实有经营收入' });
    assert.equal(up.status, 200, up.body);
    assert.equal(up.json.state, 'rejected');
    assert.equal((await call('clerk', 'POST', `/api/v1/assistance/applications/${n3}/pay`)).status, 409);
    assert.equal((await transfersOf(n3)).length, 0);
    // dismissed after the notice ended: on to payment
    const down = await call('reviewer', 'POST', `/api/v1/assistance/applications/${n4}/objections/resolve`, { resolution: 'dismissed', reason: '经核实不属实' });
    assert.equal(down.status, 200, down.body);
    assert.equal(down.json.state, 'approved');
    const paid = await call('clerk', 'POST', `/api/v1/assistance/applications/${n4}/pay`);
    assert.equal(paid.status, 200, paid.body);
    assert.equal(paid.json.paid_fen, 7_000);
  });

  test('the yearly cap holds at its boundary: the room left is paid, then nothing more', async () => {
    const year = await db.pool.query(
      `SELECT (SELECT coalesce(sum((setlinfo->>'maf_pay')::bigint), 0) FROM settlements WHERE psn_no = $1 AND setl_year = 2026 AND kind = 'settle' AND status = 'settled')
            + (SELECT coalesce(sum(paid_fen), 0) FROM medical_assistance_applications WHERE psn_no = $1 AND year = 2026 AND paid_at IS NOT NULL) AS paid`, [P.psn_no]);
    const paidSoFar = Number(year.rows[0].paid);
    // the region's rules v2: the 低保 cap 1,000 fen above what the person has had this year
    await storeRules(2, (d) => { d.groups.find((g: Json) => g.identity === 'minimum_living').annual_cap_fen = paidSoFar + 1_000; });
    const a = await apply('clerk', { psn_no: P.psn_no, outside: [outside(100_000)] });
    const b = await apply('clerk', { psn_no: P.psn_no, outside: [outside(100_000)] });
    // both reviewed before either is paid: each computed at the room of 1,000 fen
    for (const n of [a, b]) {
      const r = await call('reviewer', 'POST', `/api/v1/assistance/applications/${n}/review`, { decision: 'approve', outside_accepted_fen: [100_000] });
      assert.equal(r.status, 200, r.body);
      assert.equal(r.json.computed_fen, 1_000);
      assert.equal(r.json.explanation.lines.find((l: Json) => l.step === 'cap').amount_fen, 1_000);
    }
    const cal = await loadCalendar(db.pool, '430200');
    clock = at(addWorkingDays(cal, day(clock), 7));
    await call('clerk', 'POST', '/api/v1/assistance/notice-pass', {});
    const [va, vb] = [(await call('clerk', 'GET', `/api/v1/assistance/applications/${a}`)).json, (await call('clerk', 'GET', `/api/v1/assistance/applications/${b}`)).json];
    assert.equal(va.state, 'paid');
    assert.equal(vb.state, 'paid');
    assert.deepEqual([va.paid_fen, vb.paid_fen].sort((x, y) => x - y), [0, 1_000], 'the second payment is cut to nothing at the cap');
    const cut = [va, vb].find((v) => v.paid_fen === 0)!;
    assert.ok(cut.explanation.lines.some((l: Json) => l.step === 'cut_at_payment' && l.amount_fen === 1_000));
    assert.equal(cut.payment_transfer, null);
    const total = await db.pool.query(
      `SELECT (SELECT coalesce(sum((setlinfo->>'maf_pay')::bigint), 0) FROM settlements WHERE psn_no = $1 AND setl_year = 2026 AND kind = 'settle' AND status = 'settled')
            + (SELECT coalesce(sum(paid_fen), 0) FROM medical_assistance_applications WHERE psn_no = $1 AND year = 2026 AND type = 'assistance' AND paid_at IS NOT NULL) AS paid`, [P.psn_no]);
    assert.equal(Number(total.rows[0].paid), paidSoFar + 1_000, 'the year\'s assistance is exactly the cap');
    // at the cap: a new application computes 0 and cannot be approved
    const c = await apply('clerk', { psn_no: P.psn_no, outside: [outside(10_000)] });
    const r = await call('reviewer', 'POST', `/api/v1/assistance/applications/${c}/review`, { decision: 'approve', outside_accepted_fen: [10_000] });
    assert.equal(r.status, 409, r.body);
    assert.equal((await call('reviewer', 'POST', `/api/v1/assistance/applications/${c}/review`, { decision: 'reject', reason: '已达年度救助限额' })).json.state, 'rejected');
  });
});

describe('re-assistance and contribution subsidies', () => {
  test('the scan proposes cases once; staff confirm one; a rerun proposes nothing twice', async () => {
    // rules v3: a low threshold so the small demo's burdens are above it
    await storeRules(3, (d) => { d.reassistance.burden_threshold_fen = 100; d.groups.find((g: Json) => g.identity === 'minimum_living').annual_cap_fen = 100_000_000; });
    const first = await call('reviewer', 'POST', '/api/v1/assistance/reassistance-scans', { admdvs: '430200', year: 2026 });
    assert.equal(first.status, 200, first.body);
    assert.ok(first.json.proposed.length > 0, first.body);
    const again = await call('reviewer', 'POST', '/api/v1/assistance/reassistance-scans', { admdvs: '430200', year: 2026 });
    assert.deepEqual(again.json.proposed, []);
    assert.equal(again.json.already, first.json.proposed.length);
    const queue = await call('reviewer', 'GET', '/api/v1/assistance/queue?state=proposed');
    assert.equal(queue.json.items.length, first.json.proposed.length);
    const no = first.json.proposed[0].application_no;
    const c = await call('reviewer', 'POST', `/api/v1/assistance/applications/${no}/proposal`, { decision: 'confirm' });
    assert.equal(c.status, 200, c.body);
    assert.equal(c.json.state, 'pending_review');
    assert.equal(c.json.type, 'reassistance');
    // a foreign region's scan is refused
    assert.equal((await call('reviewer', 'POST', '/api/v1/assistance/reassistance-scans', { admdvs: '430100', year: 2026 })).status, 403);
  });

  test('subsidies: the preview writes nothing, apply posts once per person and year, balanced', async () => {
    const before = (await db.pool.query(`SELECT count(*)::int AS n FROM ledger_transfers`)).rows[0].n;
    const preview = await call('admin', 'POST', '/api/v1/assistance/subsidies', { admdvs: '430200', year: 2026, apply: false });
    assert.equal(preview.status, 200, preview.body);
    const mine = preview.json.items.find((i: Json) => i.psn_no === P.psn_no);
    assert.deepEqual(mine && { identity: mine.identity, amount_fen: mine.amount_fen }, { identity: 'minimum_living', amount_fen: 28_000 });
    assert.equal((await db.pool.query(`SELECT count(*)::int AS n FROM ledger_transfers`)).rows[0].n, before);
    const applied = await call('admin', 'POST', '/api/v1/assistance/subsidies', { admdvs: '430200', year: 2026, apply: true });
    assert.equal(applied.status, 200, applied.body);
    assert.equal(applied.json.persons, preview.json.persons);
    assert.equal(applied.json.total_fen, applied.json.by_group.reduce((a: number, g: Json) => a + g.fen, 0));
    const rerun = await call('admin', 'POST', '/api/v1/assistance/subsidies', { admdvs: '430200', year: 2026, apply: true });
    assert.equal(rerun.json.persons, 0);
    assert.equal(rerun.json.already, preview.json.already + applied.json.persons);
    const contrib = await db.pool.query(`SELECT amount_fen::bigint AS a FROM contributions WHERE psn_no = $1 AND year = 2026 AND payer = 'assistance'`, [P.psn_no]);
    assert.deepEqual(contrib.rows.map((r) => Number(r.a)), [28_000]);
    const ledger = await checkLedger(db.pool);
    assert.equal(ledger.debits_fen, ledger.credits_fen);
    assert.deepEqual(ledger.unbalanced, []);
    // a field named when wrong
    const bad = await call('admin', 'POST', '/api/v1/assistance/subsidies', { admdvs: '430200', year: 2026, apply: true, as_of: '2026-13-01' });
    assert.equal(bad.status, 400, bad.body);
    assert.equal(bad.json.details[0].field, 'as_of');
  });
});

describe('through the one window', () => {
  test('a one-window application of the item medical_assistance opens the assistance case in its transaction and is completed when it is paid', async () => {
    // the other person becomes 低保 so that they may apply; their own settlement, not P's, so P's cap plays no part
    const id = await call('admin', 'POST', `/api/v1/persons/${other.certno}/identities`, { psn_idet_type: '2102', begntime: '2026-01-01', source: 'civil_affairs' });
    assert.equal(id.status, 201, id.body);
    clock = at('2026-11-16');
    const materials = [{ code: 'id_card', ref: `id:${other.psn_no}` }, { code: 'invoice', ref: 'inv-9.pdf' }];
    const identity_checked = { cert_type: '01', certno: other.certno };
    // a bad assistance form names the assistance field and leaves neither application behind
    const count = async () => (await db.pool.query(`SELECT (SELECT count(*) FROM applications)::int AS a, (SELECT count(*) FROM medical_assistance_applications)::int AS m`)).rows[0];
    const before = await count();
    const bad = await call('clerk', 'POST', '/api/v1/applications', { psn_no: other.psn_no, item_code: 'medical_assistance', materials, identity_checked, form: { setl_ids: [P.setl[0]!.setl_id] } });
    assert.equal(bad.status, 400, bad.body);
    assert.equal(bad.json.details[0].field, 'setl_ids[0]');
    assert.deepEqual(await count(), before);
    const r = await call('clerk', 'POST', '/api/v1/applications', { psn_no: other.psn_no, item_code: 'medical_assistance', materials, identity_checked, form: { setl_ids: [other.setl_id], reason: '门诊自付较重' } });
    assert.equal(r.status, 201, r.body);
    const appNo = r.json.application_no as string;
    assert.equal(r.json.linked_kind, 'medical_assistance');
    const no = r.json.linked_no as string;
    const ma = (await call('clerk', 'GET', `/api/v1/assistance/applications/${no}`)).json;
    assert.deepEqual([ma.state, ma.channel, ma.psn_no], ['pending_review', 'window', other.psn_no]);
    // approval alone does not complete the matter; payment does
    assert.equal((await call('reviewer', 'POST', `/api/v1/assistance/applications/${no}/review`, { decision: 'approve' })).status, 200);
    assert.notEqual((await call('clerk', 'GET', `/api/v1/applications/${appNo}`)).json.status, 'completed');
    const cal = await loadCalendar(db.pool, '430200');
    clock = at(addWorkingDays(cal, ma.notice_ends_on ?? (await call('clerk', 'GET', `/api/v1/assistance/applications/${no}`)).json.notice_ends_on, 1));
    const pass = await call('clerk', 'POST', '/api/v1/assistance/notice-pass', {});
    assert.ok(pass.json.items.some((i: Json) => i.application_no === no && i.paid_fen > 0), pass.body);
    const done = (await call('clerk', 'GET', `/api/v1/applications/${appNo}`)).json;
    assert.equal(done.status, 'completed', JSON.stringify(done.events));
    assert.equal((await transfersOf(no)).length, 1);
  });
});
