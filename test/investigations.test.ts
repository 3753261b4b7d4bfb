import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../src/server/app.ts';
import { readConfig } from '../src/server/config.ts';
import { seedAll } from '../src/cli/seed.ts';
import { createAgreement } from '../src/app/cooperation/agreements.ts';
import { setCalendarDay } from '../src/app/cooperation/calendar.ts';
import { escalateOverdue, sendReminders } from '../src/app/cooperation/cases.ts';
import { moveInvestigation, raiseInvestigation, type InvestigationWho } from '../src/app/supervision/investigations.ts';
import { openSupervisionCase } from '../src/app/supervision/cases.ts';
import type { Fixtures } from '../src/demo/generate.ts';
import { refuses } from './support/refusals.ts';
import { staffCookie } from './support/auth.ts';
import { freshDatabase, type TestDatabase } from './support/db.ts';

// 协查 requests on the seeded demo (the 赣湘 agreement): Jiujiang's supervisor asks Changsha's
// about the Jiujiang retiree's stay there; the loop, the agreement's say, the sides, the
// visits a request may name, the deadline in working days on the answering city's calendar,
// the reminder and escalation messages to the bureau that must act, and the supervision cases'
// escalation through the same pass.

const committed = JSON.parse(fs.readFileSync(path.resolve(import.meta.dirname, '../demo/fixtures.json'), 'utf8')) as Fixtures;
const RETIREE = committed.personas.find((p) => p.key === 'jiujiang_retiree_in_changsha')!;
const TRAVELLER = committed.personas.find((p) => p.key === 'zhuzhou_shifeng_resident')!;

const JX: InvestigationWho = { actor: { type: 'staff', id: 'jx.supervisor', role: 'supervisor' }, regions: ['360000'] };
const HN: InvestigationWho = { actor: { type: 'staff', id: 'hn.supervisor', role: 'supervisor' }, regions: ['430000'] };
const SYSTEM = { type: 'system' as const, id: 'daily' };

let db: TestDatabase;
let app: FastifyInstance;
let stay: { mdtrt_id: string; setl_id: string };
let outpatient: { mdtrt_id: string };
let elsewhere: { mdtrt_id: string }; // the Zhuzhou traveller's visit in Beijing: no agreement
const now = new Date();

const counts = async () => (await db.pool.query<{ r: number; c: number; e: number; a: number }>(
  `SELECT (SELECT count(*)::int FROM investigation_requests) AS r, (SELECT count(*)::int FROM cases WHERE kind = 'investigation_request') AS c,
          (SELECT count(*)::int FROM case_events) AS e, (SELECT count(*)::int FROM investigation_attachments) AS a`,
)).rows[0]!;
const messages = async (caseNo: string) => (await db.pool.query<{ admdvs: string; subject: string; urgent: boolean }>(
  `SELECT admdvs, subject, urgent FROM staff_messages WHERE subject LIKE $1 ORDER BY id`, [`%:${caseNo}:%`],
)).rows;

before(async () => {
  db = await freshDatabase();
  await seedAll(db.pool, { ...readConfig({}), demoPersons: 60 }, () => undefined);
  app = await buildApp({ pool: db.pool, now: () => now });
  const visit = async (psn: string, kind: string, prefix: string) => (await db.pool.query(
    `SELECT v.mdtrt_id, s.setl_id FROM visits v LEFT JOIN settlements s ON s.mdtrt_id = v.mdtrt_id AND s.kind = 'settle'
      WHERE v.psn_no = $1 AND v.kind = $2 AND left(v.mdtrtarea_admvs, 2) = $3 ORDER BY v.begntime LIMIT 1`, [psn, kind, prefix],
  )).rows[0];
  stay = await visit(RETIREE.psn_no, 'inpatient', '43');
  outpatient = await visit(RETIREE.psn_no, 'outpatient', '43');
  elsewhere = await visit(TRAVELLER.psn_no, 'outpatient', '11');
  assert.ok(stay && outpatient && elsewhere, 'the demo has the retiree\'s stay and visit in Changsha and the traveller\'s in Beijing');
});
after(async () => {
  await app?.close();
  await db?.drop();
});

describe('the demo', () => {
  test('seeds one request run through its closed loop (Jiujiang asked Changsha) and one open near its deadline', async () => {
    const r = await db.pool.query<{ case_no: string; state: string; requesting_admdvs: string; answering_admdvs: string; moves: string[] }>(
      `SELECT r.case_no, c.state, r.requesting_admdvs, r.answering_admdvs, array_agg(e.move ORDER BY e.id) AS moves
         FROM investigation_requests r JOIN cases c ON c.id = r.case_id JOIN case_events e ON e.case_id = c.id GROUP BY r.case_id, 1, 2, 3, 4 ORDER BY r.case_id`,
    );
    assert.equal(r.rows.length, 2, JSON.stringify(r.rows));
    assert.deepEqual(r.rows[0], { case_no: r.rows[0]!.case_no, state: 'closed', requesting_admdvs: '360400', answering_admdvs: '430100', moves: ['submit', 'accept', 'answer', 'confirm'] });
    assert.equal(r.rows[1]!.state, 'requested');
    const open = (await db.pool.query<{ due_on: string; today: string }>(
      `SELECT c.due_on::text, (now() AT TIME ZONE 'Asia/Shanghai')::date::text AS today FROM cases c WHERE c.kind = 'investigation_request' AND c.number = $1`, [r.rows[1]!.case_no],
    )).rows[0]!;
    assert.ok(open.due_on >= open.today, `not overdue: due ${open.due_on}`);
    assert.ok(Date.parse(open.due_on) - Date.parse(open.today) <= 5 * 86_400_000, `near its deadline: due ${open.due_on}, today ${open.today}`);
    assert.match(r.rows[1]!.requesting_admdvs, /^36/);
    assert.match(r.rows[1]!.answering_admdvs, /^43/);
    const acc = await db.pool.query(`SELECT username, role, regions FROM staff_accounts WHERE username IN ('jx.supervisor', 'hn.supervisor') ORDER BY username`);
    assert.deepEqual(acc.rows, [{ username: 'hn.supervisor', role: 'supervisor', regions: ['430000'] }, { username: 'jx.supervisor', role: 'supervisor', regions: ['360000'] }]);
  });
});

describe('the loop', () => {
  test('raised, accepted, answered, returned as incomplete, answered again, confirmed; each move by its own side, the wrong one refused and nothing changed', async () => {
    const raised = await raiseInvestigation(db.pool, now, JX, {
      psn_no: RETIREE.psn_no, visits: [{ mdtrt_id: stay.mdtrt_id, setl_id: stay.setl_id }, { mdtrt_id: outpatient.mdtrt_id }],
      subject: '核实住院及门诊费用', reason: '费用偏高', attachments: [{ name: '函.pdf', mime: 'application/pdf', content_base64: Buffer.from('%PDF-1.4 demo').toString('base64') }],
    });
    assert.equal(raised.state, 'requested');
    assert.equal(raised.requesting_admdvs, '360400');
    assert.equal(raised.answering_admdvs, '430100');
    assert.equal(raised.agreement_no, 'GX10-HXB-2');
    assert.deepEqual([raised.accept_days, raised.answer_days], [5, 30], 'the demo clause names no days: the defaults');
    assert.equal(raised.visits.length, 2);
    assert.ok(raised.visits.every((v) => v.fixmedins_name && typeof v.medfee_sumamt === 'number'));
    assert.deepEqual(raised.my_sides, ['requesting']);
    assert.deepEqual(raised.allowed_moves, []);
    const no = raised.case_no;

    // the asking side may not accept; the answering side may not answer before accepting
    const before = await counts();
    const e1 = await refuses(moveInvestigation(db.pool, now, JX, no, { move: 'accept' }), 'forbidden', 'case_no');
    assert.match(e1.details[0]!.en, /treatment place/);
    await refuses(moveInvestigation(db.pool, now, HN, no, { move: 'answer', answer: { findings: 'x', conclusion: 'no_violation' } }), 'conflict', 'case_no');
    await refuses(moveInvestigation(db.pool, now, HN, no, { move: 'refuse' }), 'invalid', 'reason');
    assert.deepEqual(await counts(), before, 'nothing written by the refused moves');

    const accepted = await moveInvestigation(db.pool, now, HN, no, { move: 'accept', reason: '受理' });
    assert.equal(accepted.state, 'accepted');
    assert.equal(accepted.accepted_by, 'staff:hn.supervisor');
    await refuses(moveInvestigation(db.pool, now, HN, no, { move: 'answer', answer: { findings: '无', conclusion: 'no_violation', recovery_fen: 100 } }), 'invalid', 'answer.recovery_fen');
    // a reference that looks like one of yibao's supervision cases must be one, of the answering city
    await refuses(moveInvestigation(db.pool, now, HN, no, { move: 'answer', answer: { findings: '重复收费两项', conclusion: 'violation', recovery_fen: 12_345, recovery_ref: 'JG430100202612030000001' } }), 'invalid', 'answer.recovery_ref');
    const answered = await moveInvestigation(db.pool, now, HN, no, { move: 'answer', answer: { findings: '重复收费两项', conclusion: 'violation', recovery_fen: 12_345, recovery_ref: '长医保稽〔2026〕12号' } });
    assert.equal(answered.state, 'answered');
    assert.equal(answered.answer?.recovery_fen, 12_345);
    await refuses(moveInvestigation(db.pool, now, HN, no, { move: 'confirm' }), 'forbidden', 'case_no');
    const returned = await moveInvestigation(db.pool, now, JX, no, { move: 'return', reason: '未附核查记录' });
    assert.equal(returned.state, 'accepted');
    assert.equal(returned.answers[0]!.returned?.reason, '未附核查记录');
    await moveInvestigation(db.pool, now, HN, no, { move: 'answer', answer: { findings: '重复收费两项，附核查记录', conclusion: 'violation', recovery_fen: 12_345, recovery_ref: '长医保稽〔2026〕12号' }, attachments: [{ name: '核查记录.txt', mime: 'text/plain', content_base64: Buffer.from('记录').toString('base64') }] });
    const closed = await moveInvestigation(db.pool, now, JX, no, { move: 'confirm' });
    assert.equal(closed.state, 'closed');
    assert.equal(closed.due_on, null);
    assert.deepEqual(closed.events.map((e) => [e.move, e.actor]), [
      ['submit', 'staff:jx.supervisor'], ['accept', 'staff:hn.supervisor'], ['answer', 'staff:hn.supervisor'], ['return', 'staff:jx.supervisor'], ['answer', 'staff:hn.supervisor'], ['confirm', 'staff:jx.supervisor'],
    ]);
    assert.deepEqual(closed.attachments.map((a) => [a.name, a.side]), [['函.pdf', 'requesting'], ['核查记录.txt', 'answering']]);
    assert.equal(closed.answers.length, 2);
    await refuses(moveInvestigation(db.pool, now, JX, no, { move: 'confirm' }), 'conflict', 'case_no');
  });

  test('refused (不予受理) from requested, with its reason', async () => {
    const raised = await raiseInvestigation(db.pool, now, JX, { psn_no: RETIREE.psn_no, visits: [{ mdtrt_id: outpatient.mdtrt_id }], subject: '核实', reason: '抽查' });
    const r = await moveInvestigation(db.pool, now, HN, raised.case_no, { move: 'refuse', reason: '该就诊已由本地稽核结案' });
    assert.equal(r.state, 'refused');
    assert.equal(r.refusal?.reason, '该就诊已由本地稽核结案');
  });
});

describe('what a request may name', () => {
  test('no agreement between the two cities (or none in force that day) → refused naming visits, nothing written', async () => {
    const zz: InvestigationWho = { actor: { type: 'staff', id: 'zz.sup', role: 'supervisor' }, regions: ['430200'] };
    const before = await counts();
    const e = await refuses(raiseInvestigation(db.pool, now, zz, { psn_no: TRAVELLER.psn_no, visits: [{ mdtrt_id: elsewhere.mdtrt_id }], subject: '核实', reason: '抽查' }), 'invalid', 'visits');
    assert.match(e.details[0]!.en, /no agreement in force/);
    await refuses(raiseInvestigation(db.pool, new Date('2023-06-01T02:00:00Z'), JX, { psn_no: RETIREE.psn_no, visits: [{ mdtrt_id: stay.mdtrt_id }], subject: '核实', reason: '抽查' }), 'invalid', 'visits');
    assert.deepEqual(await counts(), before);
  });

  test('visits not the person\'s, in the insured city, in two cities, a settlement of another visit: refused by field; a person not of the caller\'s regions is not found', async () => {
    const before = await counts();
    const ask = (visits: { mdtrt_id: string; setl_id?: string }[], psn = RETIREE.psn_no, who = JX) => raiseInvestigation(db.pool, now, who, { psn_no: psn, visits, subject: '核实', reason: '抽查' });
    await refuses(ask([{ mdtrt_id: elsewhere.mdtrt_id }]), 'invalid', 'visits[0].mdtrt_id');
    await refuses(ask([{ mdtrt_id: 'NO-SUCH-VISIT' }]), 'invalid', 'visits[0].mdtrt_id');
    await refuses(ask([{ mdtrt_id: stay.mdtrt_id, setl_id: 'NO-SUCH-SETL' }]), 'invalid', 'visits[0].setl_id');
    const home = (await db.pool.query(`SELECT mdtrt_id FROM visits WHERE left(mdtrtarea_admvs, 4) = left(insuplc_admdvs, 4) AND left(insuplc_admdvs, 2) = '36' LIMIT 1`)).rows[0];
    if (home) {
      const p = (await db.pool.query(`SELECT psn_no FROM visits WHERE mdtrt_id = $1`, [home.mdtrt_id])).rows[0].psn_no as string;
      await refuses(ask([{ mdtrt_id: home.mdtrt_id }], p), 'invalid', 'visits[0].mdtrt_id');
    }
    await refuses(ask([{ mdtrt_id: stay.mdtrt_id }], RETIREE.psn_no, HN), 'not_found', 'psn_no');
    await refuses(ask([{ mdtrt_id: stay.mdtrt_id }, { mdtrt_id: stay.mdtrt_id }]), 'invalid', 'visits[1].mdtrt_id');
    await refuses(raiseInvestigation(db.pool, now, JX, { psn_no: RETIREE.psn_no, visits: [{ mdtrt_id: stay.mdtrt_id }], subject: '核实', reason: '抽查', attachments: [{ name: 'a', mime: 'nope', content_base64: 'AAAA' }] }), 'invalid', 'attachments[0].mime');
    assert.deepEqual(await counts(), before);
  });

  test('an agreement\'s clause days are checked when it is created', async () => {
    await refuses(createAgreement(db.pool, now, SYSTEM, {
      agreement_no: 'BAD-DAYS', name: '坏条款', begndate: '2026-01-01', members: ['360400', '430100'],
      clauses: [{ kind: 'assistance_investigation', params: { accept_days: 0, answer_days: 'ten' } }],
    }), 'invalid', ['clauses/0/params/accept_days', 'clauses/0/params/answer_days']);
  });
});

describe('deadlines, reminders, escalation', () => {
  let no: string;
  test('the deadline counts working days of the answering city\'s calendar, over a weekend and a local holiday', async () => {
    await createAgreement(db.pool, now, SYSTEM, {
      agreement_no: 'JJ-CS-XC', name: '九江长沙协查协议', begndate: '2026-06-01', members: ['360400', '430100'],
      clauses: [{ kind: 'assistance_investigation', params: { accept_days: 3, answer_days: 4 } }],
    });
    await setCalendarDay(db.pool, now, SYSTEM, '430100', { day: '2026-11-17', kind: 'holiday', name: '测试：长沙本地休息日' });
    // raised on Friday 13 November: Mon 16 (1), Tue 17 off in Changsha, Wed 18 (2), Thu 19 (3)
    const friday = new Date('2026-11-13T02:00:00Z');
    const r = await raiseInvestigation(db.pool, friday, JX, { psn_no: RETIREE.psn_no, visits: [{ mdtrt_id: stay.mdtrt_id }], subject: '核实', reason: '抽查' });
    assert.equal(r.agreement_no, 'JJ-CS-XC', 'the newer agreement with its own days');
    assert.deepEqual([r.accept_days, r.answer_days], [3, 4]);
    assert.equal(r.due_on, '2026-11-19');
    no = r.case_no;
  });

  test('a reminder to the answering bureau the working day before, once; overdue, one escalation message, a rerun writes none', async () => {
    const at = (d: string) => new Date(`${d}T01:00:00Z`);
    assert.deepEqual(await messages(no), []);
    const early = await sendReminders(db.pool, at('2026-11-17'), '2026-11-17');
    assert.ok(!early.some((x) => x.number === no), 'not before its day');
    const sent = await sendReminders(db.pool, at('2026-11-18'), '2026-11-18');
    assert.deepEqual(sent.filter((x) => x.number === no), [{ kind: 'investigation_request', number: no, due_on: '2026-11-19', notified: '430100' }]);
    assert.deepEqual(await messages(no), [{ admdvs: '430100', subject: `investigation_request:${no}:remind:requested:2026-11-19`, urgent: false }]);
    await sendReminders(db.pool, at('2026-11-18'), '2026-11-18');
    assert.equal((await messages(no)).length, 1, 'a rerun reminds no one again');

    const esc = await escalateOverdue(db.pool, at('2026-11-20'), SYSTEM, '2026-11-20');
    assert.deepEqual(esc.filter((x) => 'case_no' in x && x.case_no === no), [{ kind: 'investigation_request', case_no: no, escalation_level: 1, notified: '430100' }]);
    const again = await escalateOverdue(db.pool, at('2026-11-20'), SYSTEM, '2026-11-20');
    assert.ok(!again.some((x) => 'case_no' in x && x.case_no === no), 'once a day');
    const m = await messages(no);
    assert.equal(m.length, 2);
    assert.deepEqual(m[1], { admdvs: '430100', subject: `investigation_request:${no}:escalate:requested:2026-11-19:1`, urgent: true });
    const ev = await db.pool.query(`SELECT e.move FROM case_events e JOIN cases c ON c.id = e.case_id WHERE c.number = $1 ORDER BY e.id`, [no]);
    assert.deepEqual(ev.rows.map((x) => x.move), ['submit', 'escalate']);

    // answered: the asking side's turn, its bureau reminded and escalated
    await moveInvestigation(db.pool, at('2026-11-20'), HN, no, { move: 'accept' });
    await moveInvestigation(db.pool, at('2026-11-20'), HN, no, { move: 'answer', answer: { findings: '未发现问题', conclusion: 'no_violation' } });
    const late = await escalateOverdue(db.pool, at('2027-03-01'), SYSTEM, '2027-03-01');
    assert.deepEqual(late.filter((x) => 'case_no' in x && x.case_no === no).map((x) => 'notified' in x && x.notified), ['360400']);
  });

  test('a supervision case escalates too, with a message to the institution\'s bureau; a rerun writes none', async () => {
    const f = (await db.pool.query<{ id: number; admdvs: string }>(
      `SELECT f.id::int, i.admdvs FROM supervision_findings f JOIN institutions i ON i.fixmedins_code = f.fixmedins_code WHERE f.status = 'open' ORDER BY f.id LIMIT 1`,
    )).rows[0]!;
    const kase = await openSupervisionCase(db.pool, now, { actor: { type: 'staff', id: 'hn.supervisor', role: 'supervisor' }, scope: { kind: 'staff', regions: ['430000'] } }, { finding_ids: [f.id], reason: '疑点立案' });
    const far = '2027-06-01';
    const first = await escalateOverdue(db.pool, new Date(`${far}T01:00:00Z`), SYSTEM, far);
    assert.deepEqual(first.filter((x) => 'case_no' in x && x.case_no === kase.case_no), [{ kind: 'supervision', case_no: kase.case_no, escalation_level: 1, notified: f.admdvs }]);
    await escalateOverdue(db.pool, new Date(`${far}T03:00:00Z`), SYSTEM, far);
    const m = await messages(kase.case_no);
    assert.deepEqual(m, [{ admdvs: f.admdvs, subject: `supervision:${kase.case_no}:escalate:opened:${kase.due_on}:1`, urgent: true }]);
  });
});

describe('REST', () => {
  test('the boxes, a request\'s detail with its allowed moves, the moves and attachments; a foreign supervisor is told it does not exist', async () => {
    const jx = await staffCookie(db.pool, { username: 'jx.supervisor', role: 'supervisor', regions: ['360000'] });
    const hn = await staffCookie(db.pool, { username: 'hn.supervisor', role: 'supervisor', regions: ['430000'] });
    const dy = await staffCookie(db.pool, { username: 'dy.supervisor', role: 'supervisor', regions: ['510600'] });
    const call = async (method: 'GET' | 'POST', url: string, cookie: string, payload?: object) => {
      const r = await app.inject({ method, url, headers: { cookie }, ...(payload ? { payload } : {}) });
      return { status: r.statusCode, json: () => r.json(), body: r.body, headers: r.headers };
    };
    const raised = await call('POST', '/api/v1/supervision/investigations', jx, {
      psn_no: RETIREE.psn_no, visits: [{ mdtrt_id: stay.mdtrt_id }], subject: '核实住院', reason: '抽查',
      attachments: [{ name: '协查函.txt', mime: 'text/plain', content_base64: Buffer.from('请协助').toString('base64') }],
    });
    assert.equal(raised.status, 201, raised.body);
    const no = raised.json().case_no as string;
    const inbox = await call('GET', '/api/v1/supervision/investigations?box=inbox', hn);
    assert.ok(inbox.json().items.some((i: { case_no: string }) => i.case_no === no));
    const outbox = await call('GET', '/api/v1/supervision/investigations?box=outbox', jx);
    assert.ok(outbox.json().items.some((i: { case_no: string }) => i.case_no === no));
    assert.ok(!(await call('GET', '/api/v1/supervision/investigations?box=inbox', jx)).json().items.some((i: { case_no: string }) => i.case_no === no));
    const seen = await call('GET', `/api/v1/supervision/investigations/${no}`, hn);
    assert.deepEqual(seen.json().allowed_moves, ['accept', 'refuse']);
    assert.equal((await call('GET', `/api/v1/supervision/investigations/${no}`, dy)).status, 404);
    assert.equal((await call('POST', `/api/v1/supervision/investigations/${no}/moves`, dy, { move: 'accept' })).status, 404);
    assert.equal((await call('POST', `/api/v1/supervision/investigations/${no}/moves`, jx, { move: 'accept' })).status, 403);
    const bad = await call('POST', `/api/v1/supervision/investigations/${no}/moves`, hn, { move: 'dance' });
    assert.equal(bad.status, 400);
    assert.equal((await call('POST', `/api/v1/supervision/investigations/${no}/moves`, hn, { move: 'accept', reason: '受理' })).json().state, 'accepted');
    const att = seen.json().attachments[0];
    const file = await call('GET', `/api/v1/supervision/investigations/${no}/attachments/${att.id}`, hn);
    assert.equal(file.status, 200);
    assert.equal(file.body, '请协助');
    assert.match(String(file.headers['content-type']), /text\/plain/);
    assert.equal((await call('GET', `/api/v1/supervision/investigations/${no}/attachments/${att.id}`, dy)).status, 404);
  });
});
