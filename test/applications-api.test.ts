import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../src/server/app.ts';
import { seedServiceItems } from '../src/store/documents/seed.ts';
import { personCookie, staffCookie } from './support/auth.ts';
import { freshDatabase, type TestDatabase } from './support/db.ts';
import { insertCoopBase, insertPerson } from './support/coop-rows.ts';

// One-window applications over REST against the real database: each channel (online, window
// with the identity checked, proxy with consent), the refusals (unknown item, channel, missing
// materials, no consent, a withdrawn consent, a non-proxy item — the proxy's audited), the
// deadline on the calendar (National Day, the make-up Saturday), reminders and overdue
// escalation, the rating once, a poor rating's follow-up, a filing applied for as an item, and
// the staff queue's pages.

let db: TestDatabase;
let app: FastifyInstance;
const WEDNESDAY = new Date('2026-09-30T02:00:00Z'); // 10:00 in Beijing, the day before National Day
let clock = WEDNESDAY;
let clerk: string;
let reviewer: string;
let supervisor: string;
let farClerk: string;
let grid: string;
let admin: string;
let tan: { psn_no: string; certno: string };
let other: { psn_no: string; certno: string };
let tanCookie: string;
let otherCookie: string;

before(async () => {
  db = await freshDatabase();
  await insertCoopBase(db.pool);
  await seedServiceItems(db.pool);
  app = await buildApp({ pool: db.pool, now: () => clock });
  clerk = await staffCookie(db.pool, { username: 'cs.window', role: 'clerk', regions: ['430100'] });
  reviewer = await staffCookie(db.pool, { username: 'cs.review', role: 'reviewer', regions: ['430100'] });
  supervisor = await staffCookie(db.pool, { username: 'hn.super', role: 'supervisor', regions: ['430000'] });
  farClerk = await staffCookie(db.pool, { username: 'jj.window', role: 'clerk', regions: ['360400'] });
  grid = await staffCookie(db.pool, { username: 'fr.grid', role: 'grid_worker', regions: ['430102'] });
  admin = await staffCookie(db.pool, { username: 'svc.admin', role: 'admin', regions: ['000000'] });
  tan = await insertPerson(db.pool, '430102', { name: '谭测试' });
  other = await insertPerson(db.pool, '430102', { name: '无授权' });
  await db.pool.query(`INSERT INTO grid_consents (consent_ref, username, psn_no, granted_on, evidence) VALUES ('GC-T1', 'fr.grid', $1, '2026-01-01', 'signed form')`, [tan.psn_no]);
  tanCookie = await personCookie(db.pool, tan.psn_no);
  otherCookie = await personCookie(db.pool, other.psn_no);
});
after(async () => {
  await app?.close();
  await db?.drop();
});

async function call(method: 'GET' | 'POST', url: string, cookie: string, payload?: object): Promise<{ status: number; body: any }> {
  const res = await app.inject({ method, url, headers: { cookie }, ...(payload ? { payload } : {}) });
  return { status: res.statusCode, body: res.body ? res.json() : null };
}

const idCard = (p: { psn_no: string }) => [{ code: 'id_card', ref: `id:${p.psn_no}` }];

async function audits(action: string): Promise<{ actor: string; subject: string; detail: Record<string, unknown> }[]> {
  return (await db.pool.query(`SELECT actor, subject, detail FROM audit_log WHERE action = $1 ORDER BY id`, [action])).rows;
}

async function count(table: string): Promise<number> {
  return Number((await db.pool.query(`SELECT count(*) AS n FROM ${table}`)).rows[0].n);
}

describe('the catalogue', () => {
  test('listed for anyone signed in; a new version is checked, its errors naming the field', async () => {
    const list = await call('GET', '/api/v1/service-items', tanCookie);
    assert.equal(list.status, 200, JSON.stringify(list.body));
    assert.equal(list.body.admdvs, '000000');
    assert.ok(list.body.items.some((i: { code: string }) => i.code === 'filing'));
    assert.ok(list.body.rating_reasons.length > 5);
    const bad = await call('POST', '/api/v1/service-items', admin, { catalogue_id: 'service-items-430100', admdvs: '430100', version: 1, items: [{ ...list.body.items[0], fee: 500 }] });
    assert.equal(bad.status, 400);
    assert.equal(bad.body.details[0].field, '/items/0/fee');
    assert.equal((await call('POST', '/api/v1/service-items', clerk, { admdvs: '430100' })).status, 403);
    // Nanchang's own list: only the card, promised in 2 days
    const card = list.body.items.find((i: { code: string }) => i.code === 'card');
    const own = await call('POST', '/api/v1/service-items', admin, { catalogue_id: 'service-items-360100', admdvs: '360100', version: 1, items: [{ ...card, time_limit_working_days: 2 }] });
    assert.equal(own.status, 201, JSON.stringify(own.body));
    const nanchang = await call('GET', '/api/v1/service-items?admdvs=360100', clerk);
    assert.deepEqual([nanchang.body.admdvs, nanchang.body.items.length], ['360100', 1]);
    assert.equal((await call('GET', '/api/v1/service-items?admdvs=430100', clerk)).body.admdvs, '000000', 'a region without its own falls back to the national list');
  });
});

describe('online, by the person', () => {
  test('received → in process → completed, the deadline counted over National Day and the make-up Saturday; never completed from received', async () => {
    const a = await call('POST', '/api/v1/applications', tanCookie, { psn_no: tan.psn_no, item_code: 'card', materials: idCard(tan), form: { kind: 'loss' } });
    assert.equal(a.status, 201, JSON.stringify(a.body));
    assert.deepEqual([a.body.channel, a.body.status, a.body.region, a.body.received_by], ['online', 'received', '430100', `person:${tan.psn_no}`]);
    // 5 working days from Wednesday 30 September: 8, 9, 10 (Saturday, worked), 12, 13 October
    assert.equal(a.body.promised_on, '2026-10-13');
    assert.equal(a.body.due_on, '2026-10-13');
    const no = a.body.application_no as string;
    const skip = await call('POST', `/api/v1/applications/${no}/complete`, clerk, {});
    assert.equal(skip.status, 409, JSON.stringify(skip.body));
    assert.equal(skip.body.details[0].field, 'application_no');
    assert.equal((await call('POST', `/api/v1/applications/${no}/accept`, tanCookie, {})).status, 403, 'the person does not accept their own');
    const accepted = await call('POST', `/api/v1/applications/${no}/accept`, clerk, {});
    assert.deepEqual([accepted.body.status, accepted.body.due_on], ['in_process', '2026-10-13'], 'the promise stays');
    const done = await call('POST', `/api/v1/applications/${no}/complete`, clerk, { comment: '已补卡' });
    assert.equal(done.body.status, 'completed');
    assert.equal(done.body.due_on, null);
    assert.deepEqual(done.body.events.map((e: { move: string }) => e.move), ['submit', 'accept', 'complete']);
    // rated once
    const rated = await call('POST', `/api/v1/applications/${no}/rating`, tanCookie, { score: 5, reasons: ['quick'] });
    assert.equal(rated.status, 201, JSON.stringify(rated.body));
    assert.equal(rated.body.follow_up_no, null);
    const again = await call('POST', `/api/v1/applications/${no}/rating`, tanCookie, { score: 1, reasons: ['slow'] });
    assert.equal(again.status, 409);
    assert.equal((await call('GET', `/api/v1/applications/${no}`, tanCookie)).body.rating.score, 5);
    // the other person sees nothing of it
    assert.equal((await call('GET', `/api/v1/applications/${no}`, otherCookie)).status, 403);
    const inbox = (await db.pool.query(`SELECT title_zh FROM notifications WHERE psn_no = $1 AND channel = 'in_app' ORDER BY id`, [tan.psn_no])).rows.map((r) => r.title_zh);
    assert.ok(inbox.includes('办事申请已受理') && inbox.includes('办事申请已办结'), inbox.join(', '));
  });

  test('refused by name: unknown item, an item not online, missing materials (each named), nothing written', async () => {
    const before = await count('applications');
    const unknown = await call('POST', '/api/v1/applications', tanCookie, { psn_no: tan.psn_no, item_code: 'no_such_item' });
    assert.deepEqual([unknown.status, unknown.body.details[0].field], [400, 'item_code']);
    const offline = await call('POST', '/api/v1/applications', tanCookie, { psn_no: tan.psn_no, item_code: 'designated_change', materials: [] });
    assert.deepEqual([offline.status, offline.body.details[0].field], [400, 'item_code']);
    assert.match(offline.body.details[0].en, /online/);
    const missing = await call('POST', '/api/v1/applications', tanCookie, { psn_no: tan.psn_no, item_code: 'cash_claim', materials: idCard(tan) });
    assert.deepEqual([missing.status, missing.body.details[0].field], [400, 'materials']);
    assert.equal(missing.body.details[0].zh, '缺少材料：医疗费用票据、费用明细清单、本人银行账户');
    assert.equal(missing.body.details[0].en, 'missing material: invoice, fee_list, bank_account');
    assert.equal(await count('applications'), before);
    assert.equal(await count('cases WHERE kind = \'one_window\''), before);
  });
});

describe('at a window', () => {
  test('the clerk records the certificate checked, which must be the person\'s', async () => {
    const base = { psn_no: other.psn_no, item_code: 'info_change', materials: idCard(other) };
    const none = await call('POST', '/api/v1/applications', clerk, base);
    assert.deepEqual([none.status, none.body.details[0].field], [400, 'identity_checked']);
    const wrong = await call('POST', '/api/v1/applications', clerk, { ...base, identity_checked: { cert_type: '01', certno: tan.certno } });
    assert.deepEqual([wrong.status, wrong.body.details[0].field], [400, 'identity_checked.certno']);
    const ok = await call('POST', '/api/v1/applications', clerk, { ...base, identity_checked: { cert_type: '01', certno: other.certno.toLowerCase() } });
    assert.equal(ok.status, 201, JSON.stringify(ok.body));
    assert.deepEqual([ok.body.channel, ok.body.received_by, ok.body.identity_checked.certno], ['window', 'staff:cs.window', other.certno.toUpperCase()]);
    // refusal needs reasons; a clerk of another region sees none of it
    const no = ok.body.application_no;
    assert.deepEqual([(await call('POST', `/api/v1/applications/${no}/refuse`, clerk, { reasons: [] })).body.details[0].field], ['reasons']);
    assert.equal((await call('GET', `/api/v1/applications/${no}`, farClerk)).status, 403);
    const refused = await call('POST', `/api/v1/applications/${no}/refuse`, clerk, { reasons: ['变更证明与户籍不符'] });
    assert.deepEqual([refused.body.status, refused.body.refusal_reasons], ['refused', ['变更证明与户籍不符']]);
  });
});

describe('by a grid worker as proxy', () => {
  test('only for a consenting person, only on proxy items; every act audited with both; withdrawal effective at once', async () => {
    const ok = await call('POST', '/api/v1/applications', grid, { psn_no: tan.psn_no, item_code: 'certificate', materials: idCard(tan) });
    assert.equal(ok.status, 201, JSON.stringify(ok.body));
    assert.deepEqual([ok.body.channel, ok.body.grid_worker, ok.body.consent_ref], ['proxy', 'fr.grid', 'GC-T1']);
    const submitted = (await audits('application.submit')).find((a) => a.subject === `application:${ok.body.application_no}`)!;
    assert.equal(submitted.actor, 'grid_worker:fr.grid');
    assert.deepEqual([submitted.detail.psn_no, submitted.detail.grid_worker], [tan.psn_no, 'fr.grid']);

    const notProxy = await call('POST', '/api/v1/applications', grid, { psn_no: tan.psn_no, item_code: 'transfer', materials: idCard(tan) });
    assert.deepEqual([notProxy.status, notProxy.body.details[0].field], [403, 'item_code']);
    const refusedItem = (await audits('application.proxy_refused')).at(-1)!;
    assert.deepEqual([refusedItem.actor, refusedItem.detail.psn_no, refusedItem.detail.item_code], ['grid_worker:fr.grid', tan.psn_no, 'transfer']);

    const noConsent = await call('POST', '/api/v1/applications', grid, { psn_no: other.psn_no, item_code: 'certificate', materials: idCard(other) });
    assert.deepEqual([noConsent.status, noConsent.body.details[0].field], [403, 'consent']);
    const refusedPerson = (await audits('grid.proxy_refused')).at(-1)!;
    assert.deepEqual([refusedPerson.actor, refusedPerson.detail.psn_no], ['grid_worker:fr.grid', other.psn_no]);

    // the worker lists their consenting persons' applications only
    const mine = await call('GET', '/api/v1/applications', grid);
    assert.ok(mine.body.items.length > 0 && mine.body.items.every((i: { psn_no: string }) => i.psn_no === tan.psn_no));

    // withdrawn by the person: the next proxy request is refused
    assert.equal((await call('POST', '/api/v1/grid/consents/GC-T1/withdraw', otherCookie)).status, 403, 'not another person\'s consent');
    const w = await call('POST', '/api/v1/grid/consents/GC-T1/withdraw', tanCookie);
    assert.equal(w.status, 200, JSON.stringify(w.body));
    assert.equal(w.body.revoked_on, '2026-09-30');
    assert.equal((await call('POST', '/api/v1/grid/consents/GC-T1/withdraw', tanCookie)).status, 409);
    const after = await call('POST', '/api/v1/applications', grid, { psn_no: tan.psn_no, item_code: 'certificate', materials: idCard(tan) });
    assert.deepEqual([after.status, after.body.details[0].field], [403, 'consent']);
    assert.equal((await call('GET', `/api/v1/applications/${ok.body.application_no}`, grid)).status, 403);
    const withdrawn = (await audits('grid.consent_withdraw')).at(-1)!;
    assert.deepEqual([withdrawn.actor, withdrawn.detail.psn_no, withdrawn.detail.grid_worker], [`person:${tan.psn_no}`, tan.psn_no, 'fr.grid']);
    // consent again for the later tests
    await db.pool.query(`INSERT INTO grid_consents (consent_ref, username, psn_no, granted_on, evidence) VALUES ('GC-T2', 'fr.grid', $1, '2026-09-30', 'signed again')`, [tan.psn_no]);
  });
});

describe('ratings and follow-ups', () => {
  test('a poor rating opens a follow-up with its deadline in the staff inbox; staff answer it, once', async () => {
    const a = await call('POST', '/api/v1/applications', tanCookie, { psn_no: tan.psn_no, item_code: 'insurance_query', materials: idCard(tan) });
    const no = a.body.application_no;
    assert.equal(a.body.promised_on, '2026-09-30', 'done at once: 0 working days');
    assert.equal((await call('POST', `/api/v1/applications/${no}/rating`, tanCookie, { score: 2, reasons: ['slow'] })).status, 409, 'not before it ends');
    await call('POST', `/api/v1/applications/${no}/accept`, clerk, {});
    await call('POST', `/api/v1/applications/${no}/complete`, clerk, {});
    assert.deepEqual((await call('POST', `/api/v1/applications/${no}/rating`, tanCookie, { score: 2 })).body.details[0].field, 'reasons', 'a poor rating says why');
    const poor = await call('POST', `/api/v1/applications/${no}/rating`, grid, { score: 2, reasons: ['slow', 'unclear'], comment: '等了很久' });
    assert.equal(poor.status, 201, JSON.stringify(poor.body));
    assert.match(poor.body.follow_up_no, /^430100HF/);
    const d = await call('GET', `/api/v1/applications/${no}`, clerk);
    assert.deepEqual([d.body.follow_up.state, d.body.follow_up.due_on], ['open', '2026-10-13']);
    const msg = (await db.pool.query(`SELECT admdvs, subject FROM staff_messages WHERE subject LIKE 'rating_follow_up:%'`)).rows;
    assert.ok(msg.some((m) => m.admdvs === '430100'));
    assert.equal((await call('POST', `/api/v1/applications/${no}/follow-up/answer`, tanCookie, { answer: 'x' })).status, 403);
    const ans = await call('POST', `/api/v1/applications/${no}/follow-up/answer`, clerk, { answer: '已回访并补发完整记录' });
    assert.equal(ans.status, 200, JSON.stringify(ans.body));
    assert.equal(ans.body.answered_by, 'staff:cs.window');
    assert.equal((await call('POST', `/api/v1/applications/${no}/follow-up/answer`, clerk, { answer: '再答' })).status, 409);
    const summary = await call('GET', '/api/v1/service-summary', supervisor);
    assert.equal(summary.status, 200, JSON.stringify(summary.body));
    assert.ok(summary.body.ratings.some((r: { score: number; count: number }) => r.score === 2 && r.count >= 1));
    assert.ok(summary.body.follow_ups.answered >= 1);
    assert.ok(summary.body.deadlines.ended >= 1);
  });
});

describe('the clock', () => {
  test('reminded the working day before, escalated to the region\'s inbox once overdue, listed as overdue; kept across a restart', async () => {
    const a = await call('POST', '/api/v1/applications', tanCookie, { psn_no: tan.psn_no, item_code: 'card', materials: idCard(tan) });
    const no = a.body.application_no;
    clock = new Date('2026-10-12T01:00:00Z'); // Monday, the reminder day
    const reminded = await call('POST', '/api/v1/cases/remind', supervisor, {});
    assert.ok(reminded.body.reminded.some((r: { kind: string; number: string }) => r.kind === 'one_window' && r.number === no), JSON.stringify(reminded.body));
    const note = (await db.pool.query(`SELECT body_zh AS body FROM notifications WHERE psn_no = $1 AND subject = $2 ORDER BY id DESC LIMIT 1`, [tan.psn_no, `one_window:${no}`])).rows[0];
    assert.match(note.body, /2026-10-13/);
    clock = new Date('2026-10-14T01:00:00Z'); // the day after the promise
    const esc = await call('POST', '/api/v1/filings/escalate', supervisor, {});
    assert.ok(esc.body.escalated.some((e: { kind: string; case_no: string; notified: string }) => e.kind === 'one_window' && e.case_no === no && e.notified === '430100'), JSON.stringify(esc.body));
    assert.equal((await call('POST', '/api/v1/filings/escalate', supervisor, {})).body.escalated.filter((e: { case_no?: string }) => e.case_no === no).length, 0, 'once a day');
    const overdue = await call('GET', '/api/v1/applications?overdue=true&state=open', clerk);
    assert.ok(overdue.body.items.some((i: { application_no: string; overdue: boolean }) => i.application_no === no && i.overdue));
    // a restart: a new server on the same database sees the same deadline and level
    const again = await buildApp({ pool: db.pool, now: () => clock });
    try {
      const res = await again.inject({ method: 'GET', url: `/api/v1/applications/${no}`, headers: { cookie: clerk } });
      assert.deepEqual([res.json().due_on, res.json().overdue, res.json().escalation_level], ['2026-10-13', true, 1]);
    } finally {
      await again.close();
    }
    clock = WEDNESDAY;
  });
});

describe('the follow-up\'s clock and the applicant\'s withdrawal', () => {
  test('a poor rating\'s follow-up is reminded and escalated in the handling region\'s inbox', async () => {
    const a = await call('POST', '/api/v1/applications', tanCookie, { psn_no: tan.psn_no, item_code: 'certificate', materials: idCard(tan) });
    const no = a.body.application_no;
    await call('POST', `/api/v1/applications/${no}/accept`, clerk, {});
    await call('POST', `/api/v1/applications/${no}/complete`, clerk, {});
    const fu = (await call('POST', `/api/v1/applications/${no}/rating`, tanCookie, { score: 1, reasons: ['discourteous'] })).body.follow_up_no as string;
    clock = new Date('2026-10-12T01:00:00Z');
    const reminded = await call('POST', '/api/v1/cases/remind', supervisor, {});
    assert.ok(reminded.body.reminded.some((r: { kind: string; number: string; notified?: string }) => r.kind === 'rating_follow_up' && r.number === fu && r.notified === '430100'), JSON.stringify(reminded.body));
    clock = new Date('2026-10-14T01:00:00Z');
    const esc = await call('POST', '/api/v1/filings/escalate', supervisor, {});
    assert.ok(esc.body.escalated.some((e: { kind: string; case_no: string }) => e.kind === 'rating_follow_up' && e.case_no === fu), JSON.stringify(esc.body));
    const inbox = (await db.pool.query(`SELECT subject FROM staff_messages WHERE admdvs = '430100' AND subject LIKE $1 ORDER BY id`, [`rating_follow_up:${fu}:%`])).rows.map((r) => r.subject);
    assert.deepEqual(inbox.map((x: string) => x.split(':')[2]), ['open', 'remind', 'escalate']);
    clock = WEDNESDAY;
  });

  test('the applicant withdraws an open application; not twice, not someone else\'s, nothing added after', async () => {
    const a = await call('POST', '/api/v1/applications', tanCookie, { psn_no: tan.psn_no, item_code: 'info_change', materials: idCard(tan) });
    const no = a.body.application_no;
    assert.equal((await call('POST', `/api/v1/applications/${no}/cancel`, otherCookie, {})).status, 403);
    const c = await call('POST', `/api/v1/applications/${no}/cancel`, tanCookie, { comment: '不办了' });
    assert.deepEqual([c.status, c.body.status, c.body.due_on], [200, 'cancelled', null]);
    assert.equal((await call('POST', `/api/v1/applications/${no}/cancel`, tanCookie, {})).status, 409);
    assert.equal((await call('POST', `/api/v1/applications/${no}/materials`, tanCookie, { materials: [{ code: 'change_proof', ref: 'x' }] })).status, 409, 'no materials after the end');
  });
});

describe('filing and recognition as items', () => {
  test('a filing applied for as an item opens the filing; its approval completes the application in the same transaction', async () => {
    const a = await call('POST', '/api/v1/applications', tanCookie, {
      psn_no: tan.psn_no, item_code: 'filing',
      form: { kind: 'resettled_retiree', mdtrtarea_admdvs: '360100', begndate: '2026-10-08' },
      materials: [{ code: 'residence_permit', ref: 'doc-rp' }, { code: 'retirement_proof', ref: 'doc-ret' }],
    });
    assert.equal(a.status, 201, JSON.stringify(a.body));
    assert.deepEqual([a.body.status, a.body.linked_kind], ['in_process', 'filing_review']);
    const filingNo = a.body.linked_no as string;
    const filing = await call('GET', `/api/v1/filings/${filingNo}`, tanCookie);
    assert.equal(filing.body.status ?? filing.body.filing?.status, 'pending_review');
    assert.equal((await call('POST', `/api/v1/applications/${a.body.application_no}/complete`, clerk, {})).status, 409, 'it follows the filing');
    assert.equal((await call('POST', `/api/v1/applications/${a.body.application_no}/cancel`, tanCookie, {})).status, 409, 'withdrawn by revoking the filing');
    const approved = await call('POST', `/api/v1/filings/${filingNo}/review`, clerk, { decision: 'approve' });
    assert.equal(approved.status, 200, JSON.stringify(approved.body));
    const d = await call('GET', `/api/v1/applications/${a.body.application_no}`, tanCookie);
    assert.equal(d.body.status, 'completed');
    assert.deepEqual(d.body.events.map((e: { move: string }) => e.move), ['submit', 'accept', 'complete']);
    // a filing's own materials are checked by the filing's rules, named as before
    const bad = await call('POST', '/api/v1/applications', tanCookie, { psn_no: tan.psn_no, item_code: 'filing', form: { kind: 'posted_worker', mdtrtarea_admdvs: '110100', begndate: '2026-10-08' }, materials: [] });
    assert.deepEqual([bad.status, bad.body.details[0].field], [400, 'evidence']);
  });

  test('a filing the person revokes withdraws its application', async () => {
    const a = await call('POST', '/api/v1/applications', tanCookie, {
      psn_no: tan.psn_no, item_code: 'filing', form: { kind: 'temporary_other', mdtrtarea_admdvs: '110100', begndate: '2026-10-08', enddate: '2026-10-20' }, materials: [],
    });
    assert.equal(a.status, 201, JSON.stringify(a.body));
    const r = await call('POST', `/api/v1/filings/${a.body.linked_no}/revoke`, tanCookie, { reason: '不去了' });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    const d = await call('GET', `/api/v1/applications/${a.body.application_no}`, tanCookie);
    assert.equal(d.body.status, 'cancelled');
    assert.equal(d.body.events.at(-1).actor, `person:${tan.psn_no}`);
  });

  test('a recognition rejected refuses its application with the reviewer\'s reason', async () => {
    const a = await call('POST', '/api/v1/applications', grid, {
      psn_no: tan.psn_no, item_code: 'recognition',
      form: { opsp_dise_code: 'CP01', diag_code: 'I10', ide_fixmedins_code: 'H43010200001', diag_dr_codg: 'D001', diag_dr_name: '王医生', hosp_ide_date: '2026-09-29' },
      materials: [{ code: 'diagnosis', ref: 'doc-dx' }],
    });
    assert.equal(a.status, 201, JSON.stringify(a.body));
    const r = await call('POST', `/api/v1/recognitions/${a.body.linked_no}/review`, reviewer, { decision: 'reject', reason: '诊断依据不足' });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    const d = await call('GET', `/api/v1/applications/${a.body.application_no}`, tanCookie);
    assert.deepEqual([d.body.status, d.body.refusal_reasons], ['refused', ['诊断依据不足']]);
  });
});

describe('the staff queue', () => {
  test('the caller\'s regions only, filtered by state and item, in keyset pages', async () => {
    const first = await call('GET', '/api/v1/applications?limit=2', clerk);
    assert.equal(first.status, 200, JSON.stringify(first.body));
    assert.equal(first.body.items.length, 2);
    assert.ok(first.body.next_after);
    const second = await call('GET', `/api/v1/applications?limit=2&after=${first.body.next_after}`, clerk);
    const seen = new Set(first.body.items.map((i: { application_no: string }) => i.application_no));
    assert.ok(second.body.items.every((i: { application_no: string }) => !seen.has(i.application_no)));
    const cards = await call('GET', '/api/v1/applications?item=card&state=completed', clerk);
    assert.ok(cards.body.items.length >= 1 && cards.body.items.every((i: { item_code: string; status: string }) => i.item_code === 'card' && i.status === 'completed'));
    assert.deepEqual((await call('GET', '/api/v1/applications', farClerk)).body.items, []);
    const own = await call('GET', '/api/v1/applications', otherCookie);
    assert.ok(own.body.items.every((i: { psn_no: string }) => i.psn_no === other.psn_no));
  });
});
