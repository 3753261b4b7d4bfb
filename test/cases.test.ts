import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../src/server/app.ts';
import { commentOnCase, escalateOverdue, sendReminders } from '../src/app/cooperation/cases.ts';
import { checkCommitment, createFiling, reviewFiling, revokeFiling } from '../src/app/cooperation/filings.ts';
import { applyRecognition, reviewRecognition } from '../src/app/cooperation/recognitions.ts';
import { YibaoError } from '../src/engine/errors.ts';
import { CASE_MACHINE, type CaseKind } from '../src/engine/cases.ts';
import type { Actor } from '../src/store/audit.ts';
import { findCase } from '../src/store/cooperation/cases.ts';
import { filingDetail, reviewQueue } from '../src/store/cooperation/filings.ts';
import { recognitionQueue } from '../src/store/cooperation/recognitions.ts';
import { migrate, migrationsDir } from '../src/store/migrate.ts';
import { staffCookie } from './support/auth.ts';
import { freshDatabase, type TestDatabase } from './support/db.ts';
import { INSTITUTIONS, insertCoopBase, insertPerson } from './support/coop-rows.ts';

// The case workflow against the real database: filings and recognitions move only through the
// case machine, their rows keep the status of the case's state, the queue filters regions in
// SQL, overdue cases of both kinds escalate once a day, reminders go out once, and migration
// 013 carries an existing filing's events across.

let db: TestDatabase;
let app: FastifyInstance;
const WEDNESDAY = new Date('2026-09-30T02:00:00Z'); // 10:00 in Beijing, the day before National Day
const CLERK: Actor = { type: 'staff', id: 'cases.clerk', role: 'clerk' };
const REVIEWER: Actor = { type: 'staff', id: 'cases.reviewer', role: 'reviewer' };
const SYSTEM: Actor = { type: 'system', id: 'sla' };

before(async () => {
  db = await freshDatabase();
  await insertCoopBase(db.pool);
  app = await buildApp({ pool: db.pool, now: () => WEDNESDAY });
});
after(async () => {
  await app.close();
  await db.drop();
});

function filingOf(psn_no: string, over: Record<string, unknown> = {}): Parameters<typeof createFiling>[2] {
  return {
    psn_no,
    kind: 'resettled_retiree',
    mdtrtarea_admdvs: '430100',
    begndate: '2026-10-01',
    enddate: null,
    filer: { type: 'person', id: psn_no },
    commitment: false,
    evidence: [{ kind: 'residence_permit', ref: 'doc-rp' }, { kind: 'retirement_proof', ref: 'doc-ret' }],
    ...over,
  };
}

function recognitionOf(psn_no: string): Parameters<typeof applyRecognition>[2] {
  return {
    psn_no,
    opsp_dise_code: 'CP01',
    diag_code: 'I10',
    ide_fixmedins_code: INSTITUTIONS.jiujiangHospital,
    diag_dr_codg: 'D001',
    diag_dr_name: '王医生',
    hosp_ide_date: '2026-09-29',
    filer: { type: 'person', id: psn_no },
    evidence: [{ kind: 'diagnosis', ref: 'doc-dx' }],
  };
}

async function refused(p: Promise<unknown>, kind: string, field: string): Promise<YibaoError> {
  const e = await p.then(() => assert.fail('not refused'), (x: unknown) => x);
  assert.ok(e instanceof YibaoError, String(e));
  assert.equal(e.kind, kind, e.message);
  assert.equal(e.details[0]!.field, field);
  return e;
}

/** Every case of both kinds shows the status its subject row shows. */
async function assertConsistent(): Promise<void> {
  const r = await db.pool.query<{ kind: CaseKind; number: string; state: string; status: string }>(
    `SELECT c.kind, c.number, c.state, coalesce(f.status, rc.status) AS status FROM cases c
       LEFT JOIN filings f ON c.kind = 'filing_review' AND f.filing_no = c.number
       LEFT JOIN recognitions rc ON c.kind = 'recognition_review' AND rc.recognition_no = c.number`,
  );
  assert.ok(r.rows.length > 0);
  for (const row of r.rows) assert.equal(CASE_MACHINE[row.kind].status(row.state), row.status, `${row.number}: case ${row.state}, row ${row.status}`);
}

describe('filings and recognitions on the case machine', () => {
  test('a filing opens a case with the review deadline in working days; approving closes it; the detail shows the events', async () => {
    const p = await insertPerson(db.pool, '360400');
    const f = await createFiling(db.pool, WEDNESDAY, filingOf(p.psn_no));
    assert.equal(f.review_due, '2026-10-10', 'cross-province: 10-08, 10-09 and Saturday 10-10 (调休)');
    const opened = (await findCase(db.pool, 'filing_review', f.filing_no))!;
    assert.equal(opened.state, 'pending_review');
    assert.equal(opened.due_on, f.review_due);
    assert.equal(opened.remind_on, '2026-10-09');
    assert.equal(opened.region, '360400');
    assert.equal(opened.closed_at, null);

    await refused(reviewFiling(db.pool, WEDNESDAY, { type: 'person', id: p.psn_no }, f.filing_no, { decision: 'approve', reason: null }), 'forbidden', 'filing_no');
    const approved = await reviewFiling(db.pool, WEDNESDAY, CLERK, f.filing_no, { decision: 'approve', reason: '材料齐全' });
    assert.equal(approved.status, 'effective');
    const closed = (await findCase(db.pool, 'filing_review', f.filing_no))!;
    assert.equal(closed.state, 'effective');
    assert.equal(closed.due_on, null);
    assert.ok(closed.closed_at);

    const before = (await db.pool.query('SELECT count(*)::int AS n FROM case_events')).rows[0].n;
    const twice = await refused(reviewFiling(db.pool, WEDNESDAY, CLERK, f.filing_no, { decision: 'reject', reason: 'x' }), 'conflict', 'filing_no');
    assert.equal(twice.details[0]!.zh, '备案状态为 effective，无需审核');
    assert.equal((await db.pool.query('SELECT count(*)::int AS n FROM case_events')).rows[0].n, before, 'a refused move writes nothing');

    const detail = await filingDetail(db.pool, f.filing_no);
    assert.deepEqual(
      detail.events.map((e) => { const { at: _at, ...rest } = e as Record<string, unknown>; return rest; }),
      [
        { actor: `person:${p.psn_no}`, action: 'submit', from_status: null, to_status: 'pending_review', reason: null },
        { actor: 'staff:cases.clerk', action: 'approve', from_status: 'pending_review', to_status: 'effective', reason: '材料齐全' },
      ],
    );
    assert.deepEqual(detail.evidence, [{ kind: 'residence_permit', ref: 'doc-rp', description: null }, { kind: 'retirement_proof', ref: 'doc-ret', description: null }]);

    // remarks stay with the case, outside the filing's events
    await commentOnCase(db.pool, WEDNESDAY, CLERK, 'filing_review', f.filing_no, 'filing_no', '已电话核实居住地');
    const remarks = await commentOnCase(db.pool, WEDNESDAY, REVIEWER, 'filing_review', f.filing_no, 'filing_no', ' 同意 ');
    assert.deepEqual(remarks.map((r) => [r.actor, r.body]), [['staff:cases.clerk', '已电话核实居住地'], ['staff:cases.reviewer', '同意']]);
    assert.equal((await filingDetail(db.pool, f.filing_no)).events.length, 2);
    await refused(commentOnCase(db.pool, WEDNESDAY, CLERK, 'filing_review', f.filing_no, 'filing_no', '  '), 'invalid', 'body');
    await refused(commentOnCase(db.pool, WEDNESDAY, { type: 'person', id: p.psn_no }, 'filing_review', f.filing_no, 'filing_no', '催办'), 'invalid', 'actor');
    await refused(commentOnCase(db.pool, WEDNESDAY, CLERK, 'filing_review', 'NO-SUCH', 'filing_no', '意见'), 'not_found', 'filing_no');
    await assertConsistent();
  });

  test('a filing under commitment waits in commitment_check (status effective) until checked; a revoked one records a late check', async () => {
    const p = await insertPerson(db.pool, '360400');
    const f = await createFiling(db.pool, WEDNESDAY, filingOf(p.psn_no, { commitment: true, evidence: [{ kind: 'commitment_letter', ref: 'doc-c' }] }));
    assert.equal(f.status, 'effective');
    const kase = (await findCase(db.pool, 'filing_review', f.filing_no))!;
    assert.equal(kase.state, 'commitment_check');
    assert.equal(kase.due_on, f.commitment_check_due);
    const queue = await reviewQueue(db.pool, '2026-09-30', '360400');
    assert.equal(queue.find((i) => i.filing_no === f.filing_no)?.task, 'commitment_check');
    const verified = await checkCommitment(db.pool, WEDNESDAY, REVIEWER, f.filing_no, 'verified', null);
    assert.equal(verified.status, 'effective');
    assert.equal((await findCase(db.pool, 'filing_review', f.filing_no))!.state, 'effective');
    assert.ok(!(await reviewQueue(db.pool, '2026-09-30', '360400')).some((i) => i.filing_no === f.filing_no));

    const q = await insertPerson(db.pool, '360400');
    const g = await createFiling(db.pool, WEDNESDAY, filingOf(q.psn_no, { commitment: true, evidence: [{ kind: 'commitment_letter', ref: 'doc-c2' }] }));
    await revokeFiling(db.pool, WEDNESDAY, { type: 'person', id: q.psn_no }, g.filing_no, '不去了');
    const late = await checkCommitment(db.pool, WEDNESDAY, CLERK, g.filing_no, 'failed', '材料不实');
    assert.equal(late.status, 'revoked');
    const events = (await filingDetail(db.pool, g.filing_no)).events as { action: string; from_status: string; to_status: string }[];
    assert.deepEqual(events.map((e) => [e.action, e.from_status, e.to_status]), [
      ['submit', null, 'effective'],
      ['revoke', 'effective', 'revoked'],
      ['commitment_failed', 'revoked', 'revoked'],
    ]);
    await assertConsistent();
  });

  test('a recognition opens a case with five working days; only a reviewer decides it', async () => {
    const p = await insertPerson(db.pool, '360400');
    const r = await applyRecognition(db.pool, WEDNESDAY, recognitionOf(p.psn_no));
    assert.equal(r.review_due, '2026-10-13');
    const kase = (await findCase(db.pool, 'recognition_review', r.recognition_no))!;
    assert.equal(kase.state, 'pending_review');
    assert.equal(kase.due_on, '2026-10-13');
    const evidence = await db.pool.query('SELECT kind, ref FROM case_evidence WHERE case_id = $1', [kase.id]);
    assert.deepEqual(evidence.rows, [{ kind: 'diagnosis', ref: 'doc-dx' }]);
    await refused(reviewRecognition(db.pool, WEDNESDAY, CLERK, r.recognition_no, 'approve', null), 'forbidden', 'recognition_no');
    const done = await reviewRecognition(db.pool, WEDNESDAY, REVIEWER, r.recognition_no, 'approve', null);
    assert.equal(done.status, 'recognised');
    const again = await refused(reviewRecognition(db.pool, WEDNESDAY, REVIEWER, r.recognition_no, 'approve', null), 'conflict', 'recognition_no');
    assert.equal(again.details[0]!.en, 'the recognition is recognised, not waiting for review');
    const moves = await db.pool.query('SELECT move, from_state, to_state, actor FROM case_events WHERE case_id = $1 ORDER BY id', [kase.id]);
    assert.deepEqual(moves.rows, [
      { move: 'submit', from_state: null, to_state: 'pending_review', actor: `person:${p.psn_no}` },
      { move: 'approve', from_state: 'pending_review', to_state: 'recognised', actor: 'staff:cases.reviewer' },
    ]);
    await assertConsistent();
  });

  test('overdue reviews of both kinds escalate once a day, in the escalating regions only', async () => {
    const jx = await insertPerson(db.pool, '360400');
    const hn = await insertPerson(db.pool, '430100');
    const f = await createFiling(db.pool, WEDNESDAY, filingOf(jx.psn_no, { mdtrtarea_admdvs: '360100' })); // in-province: due 10-08
    const r = await applyRecognition(db.pool, WEDNESDAY, recognitionOf(hn.psn_no)); // due 10-13
    assert.equal(f.review_due, '2026-10-08');
    const onTime = await reviewQueue(db.pool, '2026-10-08');
    assert.equal(onTime.find((i) => i.filing_no === f.filing_no)?.overdue, false, 'the due day itself is on time');
    assert.equal((await reviewQueue(db.pool, '2026-10-09')).find((i) => i.filing_no === f.filing_no)?.overdue, true);
    assert.equal((await recognitionQueue(db.pool, '2026-10-14')).find((i) => i.recognition_no === r.recognition_no)?.overdue, true);

    const day1 = new Date('2026-10-14T01:00:00Z');
    const jiangxiOnly = await escalateOverdue(db.pool, day1, { type: 'staff', id: 'jx.sup', role: 'supervisor' }, '2026-10-14', ['360000']);
    assert.ok(jiangxiOnly.some((e) => 'filing_no' in e && e.filing_no === f.filing_no));
    assert.ok(!jiangxiOnly.some((e) => 'recognition_no' in e && e.recognition_no === r.recognition_no), 'the Changsha recognition is not Jiangxi’s');
    const all = await escalateOverdue(db.pool, day1, SYSTEM, '2026-10-14');
    assert.deepEqual(all.filter((e) => 'recognition_no' in e && e.recognition_no === r.recognition_no), [{ recognition_no: r.recognition_no, escalation_level: 1 }]);
    assert.ok(!all.some((e) => 'filing_no' in e && e.filing_no === f.filing_no), 'once a day');
    const day2 = await escalateOverdue(db.pool, new Date('2026-10-15T01:00:00Z'), SYSTEM, '2026-10-15');
    assert.ok(day2.some((e) => 'filing_no' in e && e.filing_no === f.filing_no && e.escalation_level === 2));
    const detail = await filingDetail(db.pool, f.filing_no);
    assert.equal(detail.filing.escalation_level, 2);
    assert.deepEqual((detail.events as { action: string }[]).map((e) => e.action), ['submit', 'escalate', 'escalate']);
    const audit = await db.pool.query("SELECT action FROM audit_log WHERE subject = $1 AND action LIKE '%.escalate'", [`recognition:${r.recognition_no}`]);
    assert.deepEqual(audit.rows, [{ action: 'recognition.escalate' }, { action: 'recognition.escalate' }], 'on 10-14 and on 10-15');
    await refused(escalateOverdue(db.pool, day1, { type: 'person', id: jx.psn_no }, '2026-10-16'), 'forbidden', 'filing_no');
    await assertConsistent();
  });

  test('the queue is one query filtered by several regions; the single insured place still works', async () => {
    const jx = await insertPerson(db.pool, '360400');
    const cs = await insertPerson(db.pool, '430100');
    const bj = await insertPerson(db.pool, '110100');
    const a = await createFiling(db.pool, WEDNESDAY, filingOf(jx.psn_no));
    const b = await createFiling(db.pool, WEDNESDAY, filingOf(cs.psn_no, { mdtrtarea_admdvs: '110100' }));
    const c = await createFiling(db.pool, WEDNESDAY, filingOf(bj.psn_no, { mdtrtarea_admdvs: '430100' }));
    const numbers = (items: { filing_no: string }[]): string[] => items.map((i) => i.filing_no).filter((n) => [a, b, c].some((x) => x.filing_no === n));
    assert.deepEqual(numbers(await reviewQueue(db.pool, '2026-09-30', undefined, ['360000', '430100'])).sort(), [a.filing_no, b.filing_no].sort());
    assert.deepEqual(numbers(await reviewQueue(db.pool, '2026-09-30', '110100')), [c.filing_no]);
    assert.deepEqual(numbers(await reviewQueue(db.pool, '2026-09-30', undefined, [])), [], 'no regions: nothing');
    const items = await reviewQueue(db.pool, '2026-09-30');
    for (let i = 1; i < items.length; i++) assert.ok(items[i - 1]!.due <= items[i]!.due, 'earliest deadline first');

    // through REST, for a reviewer serving Jiangxi and Changsha
    const cookie = await staffCookie(db.pool, { username: 'cases.two', role: 'reviewer', regions: ['360000', '430100'] });
    const res = await app.inject({ method: 'GET', url: '/api/v1/filings/queue?as_of=2026-09-30', headers: { cookie } });
    assert.equal(res.statusCode, 200, res.body);
    const sent = (res.json() as { items: { filing_no: string; working_days_left: number }[] }).items;
    assert.deepEqual(numbers(sent).sort(), [a.filing_no, b.filing_no].sort());
    assert.equal(sent.find((i) => i.filing_no === a.filing_no)?.working_days_left, 3);
  });

  test('the reminder pass tells each person once when the deadline nears', async () => {
    const p = await insertPerson(db.pool, '360400');
    const f = await createFiling(db.pool, WEDNESDAY, filingOf(p.psn_no)); // due 10-10, remind 10-09
    assert.ok(!(await sendReminders(db.pool, WEDNESDAY, '2026-10-08')).some((x) => x.number === f.filing_no), 'not yet');
    const sent = await sendReminders(db.pool, WEDNESDAY, '2026-10-09', ['360000']);
    assert.deepEqual(sent.filter((x) => x.number === f.filing_no), [{ kind: 'filing_review', number: f.filing_no, due_on: '2026-10-10' }]);
    const inbox = await db.pool.query("SELECT title_zh FROM notifications WHERE psn_no = $1 AND channel = 'in_app' AND title_zh LIKE '%即将到期'", [p.psn_no]);
    assert.deepEqual(inbox.rows, [{ title_zh: '异地就医备案审核即将到期' }]);
    assert.ok(!(await sendReminders(db.pool, WEDNESDAY, '2026-10-09')).some((x) => x.number === f.filing_no), 'once');
    const cookie = await staffCookie(db.pool, { username: 'cases.sup', role: 'supervisor', regions: ['430000'] });
    const res = await app.inject({ method: 'POST', url: '/api/v1/cases/remind', headers: { cookie }, payload: { as_of: '2026-10-09' } });
    assert.equal(res.statusCode, 200, res.body);
    assert.ok(Array.isArray((res.json() as { reminded: unknown[] }).reminded));
  });
});

describe('migration 013', () => {
  test('carries an existing filing, its events and evidence, and a pending recognition across', async () => {
    const old = await freshDatabase();
    try {
      await insertCoopBase(old.pool);
      const p = await insertPerson(old.pool, '360400');
      // the schema as it was before 013
      await old.pool.query(`
        DROP TABLE case_comments, case_evidence, case_events, cases CASCADE; -- CASCADE: the later tables' references to cases (023)
        ALTER TABLE filings ADD COLUMN escalation_level integer NOT NULL DEFAULT 0, ADD COLUMN escalated_at timestamptz;
        CREATE TABLE filing_evidence (id bigserial PRIMARY KEY, filing_id bigint NOT NULL REFERENCES filings (id), kind text NOT NULL, ref text NOT NULL, description text);
        CREATE TABLE filing_events (id bigserial PRIMARY KEY, filing_id bigint NOT NULL REFERENCES filings (id), at timestamptz NOT NULL, actor text NOT NULL,
          action text NOT NULL, from_status text, to_status text NOT NULL, reason text);
        CREATE TABLE recognition_evidence (id bigserial PRIMARY KEY, recognition_id bigint NOT NULL REFERENCES recognitions (id), kind text NOT NULL, ref text NOT NULL, description text);
        DELETE FROM schema_migrations WHERE name = '013_cases.sql';`);
      const ins = (no: string, status: string, commitment: boolean, extra: string): Promise<unknown> => old.pool.query(
        `INSERT INTO filings (filing_no, psn_no, insuplc_admdvs, mdtrtarea_admdvs, kind, term, begndate, filer_type, filer_id, commitment, commitment_check,
           commitment_check_due, status, submitted_at, review_due, escalation_level, escalated_at)
         VALUES ($1, $2, '360400', '430100', 'resettled_retiree', 'long_term', '2026-03-02', 'person', $2, $3, $4, $5, $6, '2026-03-02T02:00:00Z', $7, $8, $9)`,
        [no, p.psn_no, commitment, commitment ? 'pending' : null, commitment ? '2026-03-30' : null, status, status === 'pending_review' ? '2026-03-05' : null,
          extra === 'escalated' ? 2 : 0, extra === 'escalated' ? '2026-03-09T01:00:00Z' : null],
      );
      await ins('OLD-DECIDED', 'revoked', false, '');
      await ins('OLD-PENDING', 'pending_review', false, 'escalated');
      await ins('OLD-PROMISE', 'effective', true, '');
      await old.pool.query(`
        INSERT INTO filing_evidence (filing_id, kind, ref) SELECT id, 'residence_permit', 'doc-1' FROM filings WHERE filing_no = 'OLD-DECIDED';
        INSERT INTO filing_events (filing_id, at, actor, action, from_status, to_status, reason)
        SELECT id, e.at::timestamptz, e.actor, e.action, e.f, e.t, e.reason FROM filings,
          (VALUES ('2026-03-02T02:00:00Z', 'person:x', 'submit', NULL, 'pending_review', NULL),
                  ('2026-03-03T02:00:00Z', 'staff:jj', 'approve', 'pending_review', 'effective', '材料齐全'),
                  ('2026-03-20T02:00:00Z', 'staff:jj', 'revoke', 'effective', 'revoked', '迁回')) AS e (at, actor, action, f, t, reason)
        WHERE filing_no = 'OLD-DECIDED';
        INSERT INTO filing_events (filing_id, at, actor, action, from_status, to_status, reason)
        SELECT id, '2026-03-02T02:00:00Z', 'person:y', 'submit', NULL, 'effective', '告知承诺 / under commitment' FROM filings WHERE filing_no = 'OLD-PROMISE';`);
      await old.pool.query(
        `INSERT INTO recognitions (recognition_no, psn_no, insuplc_admdvs, dise_list_admdvs, opsp_dise_code, opsp_dise_name, diag_code, ide_fixmedins_code,
           diag_dr_codg, diag_dr_name, hosp_ide_date, begndate, filer_type, filer_id, status, submitted_at, review_due)
         VALUES ('OLD-MT', $1, '360400', '000000', 'CP01', '高血压', 'I10', $2, 'D1', '王医生', '2026-03-01', '2026-03-01', 'person', $1, 'pending_review', '2026-03-02T02:00:00Z', '2026-03-09')`,
        [p.psn_no, INSTITUTIONS.jiujiangHospital],
      );
      await old.pool.query(`INSERT INTO recognition_evidence (recognition_id, kind, ref) SELECT id, 'diagnosis', 'dx-1' FROM recognitions WHERE recognition_no = 'OLD-MT'`);

      assert.deepEqual(await migrate(old.pool), ['013_cases.sql']);
      assert.ok(fs.existsSync(path.join(migrationsDir(), '013_cases.sql')));

      const decided = await filingDetail(old.pool, 'OLD-DECIDED');
      assert.deepEqual(decided.events.map((e) => { const x = e as Record<string, unknown>; return [x.action, x.from_status, x.to_status, x.actor, x.reason]; }), [
        ['submit', null, 'pending_review', 'person:x', null],
        ['approve', 'pending_review', 'effective', 'staff:jj', '材料齐全'],
        ['revoke', 'effective', 'revoked', 'staff:jj', '迁回'],
      ]);
      assert.deepEqual(decided.evidence, [{ kind: 'residence_permit', ref: 'doc-1', description: null }]);
      const closed = (await findCase(old.pool, 'filing_review', 'OLD-DECIDED'))!;
      assert.equal(closed.state, 'revoked');
      assert.equal(closed.due_on, null);
      assert.equal(closed.closed_at?.toISOString(), '2026-03-20T02:00:00.000Z', 'closed at its last move');

      const pending = (await findCase(old.pool, 'filing_review', 'OLD-PENDING'))!;
      assert.deepEqual([pending.state, pending.due_on, pending.escalation_level], ['pending_review', '2026-03-05', 2]);
      assert.equal((await filingDetail(old.pool, 'OLD-PENDING')).filing.escalation_level, 2);
      const promise = (await findCase(old.pool, 'filing_review', 'OLD-PROMISE'))!;
      assert.deepEqual([promise.state, promise.due_on], ['commitment_check', '2026-03-30']);
      const promiseEvents = await old.pool.query('SELECT move, to_state FROM case_events WHERE case_id = $1', [promise.id]);
      assert.deepEqual(promiseEvents.rows, [{ move: 'submit', to_state: 'commitment_check' }]);
      assert.deepEqual(((await filingDetail(old.pool, 'OLD-PROMISE')).events[0] as { to_status: string }).to_status, 'effective', 'the filing still reads effective');

      const queue = await reviewQueue(old.pool, '2026-03-06');
      assert.deepEqual(queue.map((i) => [i.filing_no, i.task, i.overdue]), [['OLD-PENDING', 'review', true], ['OLD-PROMISE', 'commitment_check', false]]);
      const rq = await recognitionQueue(old.pool, '2026-03-06');
      assert.deepEqual(rq.map((i) => [i.recognition_no, i.review_due, i.overdue]), [['OLD-MT', '2026-03-09', false]]);
      const mt = (await findCase(old.pool, 'recognition_review', 'OLD-MT'))!;
      const mtEvidence = await old.pool.query('SELECT kind, ref FROM case_evidence WHERE case_id = $1', [mt.id]);
      assert.deepEqual(mtEvidence.rows, [{ kind: 'diagnosis', ref: 'dx-1' }]);
      const gone = await old.pool.query("SELECT count(*)::int AS n FROM information_schema.tables WHERE table_name IN ('filing_events', 'filing_evidence', 'recognition_evidence')");
      assert.equal(gone.rows[0].n, 0);
      // the migrated cases move on: the pending filing is approved through the machine
      const approved = await reviewFiling(old.pool, new Date('2026-03-06T02:00:00Z'), CLERK, 'OLD-PENDING', { decision: 'approve', reason: null });
      assert.equal(approved.status, 'effective');
    } finally {
      await old.drop();
    }
  });
});
