import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Principal } from '../../store/auth/principal.ts';
import { accountBalance, findTransfer } from '../../store/ledger.ts';
import { HOSPITAL, OTHER_HOSPITAL, RESIDENT, RETIREE, ok } from '../../../test/support/gateway-world.ts';
import { refuses } from '../../../test/support/refusals.ts';
import { assertBooksHold, lines, openSettlementWorld, type SettlementWorld } from '../../../test/support/settlement-world.ts';
import { checkTransfer } from '../../engine/ledger.ts';
import { recoveryLegs } from '../ledger/legs.ts';
import { confirmStatement } from '../clearing/confirm.ts';
import { runClearing } from '../clearing/run.ts';
import { statementLines } from '../../store/clearing/views.ts';
import {
  SYSTEM,
  appealSupervisionCase,
  decideSupervisionCase,
  directSettlementSuspendedOn,
  endLapsedAppeals,
  liftSuspension,
  moveSupervisionCase,
  openSupervisionCase,
  supervisionCase,
  supervisionCases,
  waiveAppeal,
  whoOfInstitution,
  whoOfStaff,
} from './cases.ts';

// Supervision cases against the real database, with settlements made through the real gateway:
// findings of a settled visit opened as a case, reviewed twice, appealed within working days,
// decided with a recovery that reaches the ledger once however often it is submitted, illegal
// moves refused with nothing changed, and a suspension of direct settlement that 2207 obeys
// until it is lifted, each with its audit rows. Findings are inserted as the scan would write
// them (supervision_findings, 022).

let w: SettlementWorld;
before(async () => {
  w = await openSettlementWorld();
  // a local holiday of Zhuzhou (the hospital's pooling region) inside the appeal window below
  await w.db.pool.query(`INSERT INTO calendar_days (admdvs, day, kind, name) VALUES ('430200', '2026-03-19', 'holiday', '测试假日')`);
});
after(async () => w.close());

const staff = (username: string, role: 'reviewer' | 'supervisor' | 'admin', regions: string[]): Extract<Principal, { kind: 'staff' }> =>
  ({ kind: 'staff', username, display_name: username, role, regions });
const SUPERVISOR = whoOfStaff(staff('zz.supervisor', 'supervisor', ['430200']));
const REVIEWER = whoOfStaff(staff('zz.reviewer', 'reviewer', ['430000']));
const ADMIN = whoOfStaff(staff('zz.admin', 'admin', ['430200']));
const JIUJIANG = whoOfStaff(staff('jj.supervisor', 'supervisor', ['360400']));
const THE_HOSPITAL = whoOfInstitution(HOSPITAL);
const ANOTHER_HOSPITAL = whoOfInstitution(OTHER_HOSPITAL);

/** China time on a day of March 2026, 10:00. */
const at = (day: number): Date => new Date(`2026-03-${String(day).padStart(2, '0')}T02:00:00Z`);

let visitNo = 0;
/** A settled outpatient visit of the resident at the hospital (gateway clock: 2026-03-15): its setl_id and mdtrt_id. */
async function settledVisit(): Promise<{ mdtrt_id: string; setl_id: string }> {
  const mdtrtId = await registered();
  const setl = ok(await w.call('2207', { data: { psn_no: RESIDENT.psn_no, mdtrt_id: mdtrtId, medfee_sumamt: 52.6, acct_used_flag: '0', insutype: '390' } }));
  return { mdtrt_id: mdtrtId, setl_id: setl.setlinfo.setl_id };
}

async function registered(): Promise<string> {
  visitNo++;
  const out = ok(await w.call('2201', { data: { psn_no: RESIDENT.psn_no, insutype: '390', begntime: '2026-03-15 10:00:00', mdtrt_cert_type: '02', mdtrt_cert_no: RESIDENT.certno, ipt_otp_no: `MZ-SUP-${visitNo}`, dept_code: '01', dept_name: '内科', caty: 'A03' } }));
  const mdtrtId = out.data.mdtrt_id as string;
  ok(await w.call('2203', { mdtrtinfo: { mdtrt_id: mdtrtId, psn_no: RESIDENT.psn_no, med_type: '11', begntime: '2026-03-15 10:00:00' }, diseinfo: [{ diag_type: '1', diag_srt_no: 1, diag_code: 'J06.900', diag_name: '急性上呼吸道感染', maindiag_flag: '1' }] }));
  ok(await w.call('2204', { feedetail: lines(mdtrtId, RESIDENT.psn_no) }));
  return mdtrtId;
}

let fingerprint = 0;
/** A finding as the after-settlement scan writes it. */
async function finding(v: { mdtrt_id: string; setl_id: string }, line: string, amountFen: number, fixmedins = HOSPITAL): Promise<number> {
  fingerprint++;
  const r = await w.db.pool.query<{ id: number }>(
    `INSERT INTO supervision_findings (fingerprint, stage, rule_code, rule_version, rule_type, severity, mdtrt_id, setl_id, psn_no, fixmedins_code, mdtrtarea_admvs, insuplc_admdvs, lines, amount_fen, vola_cont, found_at)
     VALUES ($1, 'after', 'R-DUP-01', 1, 'duplicate_charging', 'suspect', $2, $3, $4, $5, '430204', '430200', ARRAY[$6], $7, $8, $9) RETURNING id::int`,
    [`fp-${fingerprint}`, v.mdtrt_id, v.setl_id, RESIDENT.psn_no, fixmedins, line, amountFen, JSON.stringify({ zh: '重复收费', en: 'charged twice' }), at(15)],
  );
  return r.rows[0]!.id;
}

/** What a refused move must leave as it was: the case, its events, the ledger, the findings, the audit. */
async function snapshot(): Promise<string> {
  const q = (sql: string) => w.db.pool.query(sql).then((r) => JSON.stringify(r.rows));
  return [
    await q(`SELECT id, state, due_on, closed_at FROM cases WHERE kind = 'supervision' ORDER BY id`),
    await q(`SELECT count(*) FROM case_events`),
    await q(`SELECT case_id, decision, recovery_fen, appeal, first_reviewed_by FROM supervision_cases ORDER BY case_id`),
    await q(`SELECT id, status, case_id FROM supervision_findings ORDER BY id`),
    await q(`SELECT count(*), coalesce(sum(amount_fen), 0) FROM ledger_transfers`),
    await q(`SELECT count(*) FROM audit_log`),
    await q(`SELECT fixmedins_code, direct_settlement_suspended_until FROM institutions ORDER BY 1`),
    await q(`SELECT count(*) FROM institution_suspensions`),
  ].join('\n');
}

async function unchanged(work: () => Promise<unknown>): Promise<void> {
  const before = await snapshot();
  await work();
  assert.equal(await snapshot(), before, 'the refused move changed nothing');
}

/** Through both reviews into the appeal window. */
async function toAppeal(caseNo: string, day: number): Promise<void> {
  await moveSupervisionCase(w.db.pool, at(day), SUPERVISOR, caseNo, 'assign', '交初审');
  await moveSupervisionCase(w.db.pool, at(day), REVIEWER, caseNo, 'first_review_pass', '初审：同一项目同日收费两次');
  await moveSupervisionCase(w.db.pool, at(day), SUPERVISOR, caseNo, 'second_review_pass', '复审属实，告知机构申诉');
}

test('finding → case → 初审 → 复审 → 申诉 → 调查 → recovery: the ledger balanced, the transfer made once however often the decision is sent', async () => {
  const v = await settledVisit();
  const f1 = await finding(v, 'L1', 1250);
  const f2 = await finding(v, 'L2', 3010);

  // another region's staff do not see the findings; an institution opens nothing
  await refuses(openSupervisionCase(w.db.pool, at(16), JIUJIANG, { finding_ids: [f1, f2], reason: '立案' }), 'not_found', 'finding_ids[0]');
  await refuses(openSupervisionCase(w.db.pool, at(16), THE_HOSPITAL, { finding_ids: [f1], reason: '立案' }), 'forbidden', 'finding_ids');
  await refuses(openSupervisionCase(w.db.pool, at(16), SUPERVISOR, { finding_ids: [f1, f1], reason: '立案' }), 'invalid', 'finding_ids[1]');
  await refuses(openSupervisionCase(w.db.pool, at(16), SUPERVISOR, { finding_ids: [f1], reason: ' ' }), 'invalid', 'reason');

  const opened = await openSupervisionCase(w.db.pool, at(16), SUPERVISOR, { finding_ids: [f1, f2], reason: '规则 R-DUP-01 疑点，立案核查' });
  const no = opened.case_no;
  assert.match(no, /^JG430204202603160{5}\d$/);
  assert.equal(opened.state, 'opened');
  assert.equal(opened.amount_fen, 4260);
  assert.deepEqual(opened.findings.map((f) => [f.id, f.status, f.case_no]), [[f1, 'in_case', no], [f2, 'in_case', no]]);
  assert.equal(opened.due_on, '2026-03-24', "5 working days on the pooling region's calendar (03-19 a local holiday)");
  // a finding goes into one case only
  await refuses(openSupervisionCase(w.db.pool, at(16), SUPERVISOR, { finding_ids: [f2], reason: '再立案' }), 'conflict', 'finding_ids[0]');

  await toAppeal(no, 16);
  const inAppeal = await supervisionCase(w.db.pool, THE_HOSPITAL, no);
  assert.equal(inAppeal.state, 'appeal');
  // 5 working days from Monday 03-16: 17, 18, (19 a holiday), 20, 23, 24
  assert.equal(inAppeal.due_on, '2026-03-24');
  assert.equal(inAppeal.first_reviewed_by, 'staff:zz.reviewer');

  const appealed = await appealSupervisionCase(w.db.pool, at(24), THE_HOSPITAL, no, { statement: '第二次收费为另一次注射，附医嘱', evidence: [{ kind: 'doctor_order', ref: 'doc-yz-001', description: '医嘱单' }] });
  assert.equal(appealed.state, 'investigation', 'the due day itself is still on time');
  assert.deepEqual(appealed.evidence.map((e) => e.ref), ['doc-yz-001']);
  assert.equal(appealed.appeal?.['statement'], '第二次收费为另一次注射，附医嘱');

  const fundPaid = (await w.db.pool.query<{ f: number }>(`SELECT fund_pay_sumamt AS f FROM settlements WHERE setl_id = $1`, [v.setl_id])).rows[0]!.f;
  assert.ok(fundPaid > 0, 'the fund paid part of the visit');
  const payableBefore = await accountBalance(w.db.pool, `medins_payable:${HOSPITAL}`);
  const fundsBefore = (await w.db.pool.query<{ b: number }>(`SELECT coalesce(sum(debits_fen - credits_fen), 0)::bigint AS b FROM ledger_balances WHERE account LIKE 'fund:430200:%'`)).rows[0]!.b;

  const decision = { kinds: ['recovery', 'penalty'] as const, reason: '查实重复收费，追回并处 2 倍罚款', penalty_multiple: 2 };
  const first = await decideSupervisionCase(w.db.pool, at(30), SUPERVISOR, no, { ...decision, kinds: [...decision.kinds] });
  assert.equal(first.replayed, false);
  const recovered = Math.min(4260, fundPaid);
  assert.equal(first.case.state, 'decided');
  assert.equal(first.case.recovery_fen, recovered, "the findings' amount, at most what the fund paid");
  assert.equal(first.case.penalty_fen, recovered * 2);
  const t = first.case.recovery_transfer!;
  assert.equal(t.kind, 'recovery');
  assert.equal(t.key, `recovery:${no}`);
  assert.equal(t.amount_fen, recovered);
  assert.ok(t.legs.every((l) => l.credit === `medins_payable:${HOSPITAL}` && l.debit.startsWith('fund:430200:')), JSON.stringify(t.legs));

  // sent again (a retry): the same answer, nothing written twice
  const events = (await supervisionCase(w.db.pool, SUPERVISOR, no)).events.length;
  const again = await decideSupervisionCase(w.db.pool, at(30), SUPERVISOR, no, { ...decision, kinds: [...decision.kinds] });
  assert.equal(again.replayed, true);
  assert.equal(again.case.events.length, events);
  const transfers = await w.db.pool.query(`SELECT id FROM ledger_transfers WHERE kind = 'recovery' AND key = $1`, [`recovery:${no}`]);
  assert.equal(transfers.rows.length, 1, 'the recovery is applied once');
  // a different decision on a decided case is refused
  await unchanged(() => refuses(decideSupervisionCase(w.db.pool, at(30), SUPERVISOR, no, { kinds: ['warning'], reason: '改为警告' }), 'conflict', 'case_no'));

  assert.equal(await accountBalance(w.db.pool, `medins_payable:${HOSPITAL}`), payableBefore - recovered, "the institution's payable gives the amount back");
  const fundsAfter = (await w.db.pool.query<{ b: number }>(`SELECT coalesce(sum(debits_fen - credits_fen), 0)::bigint AS b FROM ledger_balances WHERE account LIKE 'fund:430200:%'`)).rows[0]!.b;
  assert.equal(fundsAfter, fundsBefore + recovered, 'the fund receives it');
  await assertBooksHold(w.db.pool);
  // the settlement itself is untouched
  const s = await w.db.pool.query(`SELECT status, fund_pay_sumamt FROM settlements WHERE setl_id = $1`, [v.setl_id]);
  assert.deepEqual(s.rows[0], { status: 'settled', fund_pay_sumamt: fundPaid });

  const closed = await moveSupervisionCase(w.db.pool, at(31), SUPERVISOR, no, 'close', '追回款已入基金，结案');
  assert.equal(closed.state, 'closed');
  assert.deepEqual(closed.findings.map((f) => f.status), ['closed', 'closed']);
  // who, when and why of every move
  assert.deepEqual(closed.events.map((e) => [e.move, e.actor]), [
    ['submit', 'staff:zz.supervisor'], ['assign', 'staff:zz.supervisor'], ['first_review_pass', 'staff:zz.reviewer'], ['second_review_pass', 'staff:zz.supervisor'],
    ['appeal', `hospital:${HOSPITAL}`], ['decide', 'staff:zz.supervisor'], ['close', 'staff:zz.supervisor'],
  ]);
  assert.ok(closed.events.every((e) => e.comment && e.at instanceof Date));
  const audit = await w.db.pool.query<{ action: string }>(`SELECT action FROM audit_log WHERE subject = $1 ORDER BY id`, [`supervision_case:${no}`]);
  assert.deepEqual(audit.rows.map((r) => r.action), ['supervision_case.open', 'supervision_case.assign', 'supervision_case.first_review_pass', 'supervision_case.second_review_pass', 'supervision_case.appeal', 'supervision_case.decide', 'ledger.recovery', 'supervision_case.close']);
  assert.ok(await findTransfer(w.db.pool, `recovery:${no}`));

  // who sees it: the region's staff and the institution; not another region, not another institution
  await refuses(supervisionCase(w.db.pool, JIUJIANG, no), 'not_found', 'case_no');
  await refuses(supervisionCase(w.db.pool, ANOTHER_HOSPITAL, no), 'not_found', 'case_no');
  assert.deepEqual((await supervisionCases(w.db.pool, JIUJIANG, { asOf: '2026-03-31' })).map((c) => c.case_no), []);
  assert.ok((await supervisionCases(w.db.pool, THE_HOSPITAL, { asOf: '2026-03-31' })).some((c) => c.case_no === no));
  assert.ok((await supervisionCases(w.db.pool, REVIEWER, { asOf: '2026-03-31', states: ['closed'] })).some((c) => c.case_no === no));
});

test('illegal moves are refused naming the field and change nothing; the appeal deadline counts working days', async () => {
  const v = await settledVisit();
  const f = await finding(v, 'L3', 1000);
  const no = (await openSupervisionCase(w.db.pool, at(16), SYSTEM, { finding_ids: [f], reason: '事后扫描自动立案' })).case_no;

  // deciding an unreviewed case
  const e = await refuses(decideSupervisionCase(w.db.pool, at(16), SUPERVISOR, no, { kinds: ['recovery'], reason: '直接追回' }), 'conflict', 'case_no');
  assert.match(e.details[0]!.zh, /尚未完成初审和复审/);
  await unchanged(() => refuses(decideSupervisionCase(w.db.pool, at(16), SUPERVISOR, no, { kinds: ['recovery'], reason: '直接追回' }), 'conflict', 'case_no'));
  // the reviewer does not assign; the institution does not review; skipping the first review is refused
  await unchanged(() => refuses(moveSupervisionCase(w.db.pool, at(16), REVIEWER, no, 'assign', '分派'), 'forbidden', 'case_no'));
  await unchanged(() => refuses(moveSupervisionCase(w.db.pool, at(16), SUPERVISOR, no, 'second_review_pass', '复审'), 'conflict', 'case_no'));
  await unchanged(() => refuses(appealSupervisionCase(w.db.pool, at(16), THE_HOSPITAL, no, { statement: '申诉', evidence: [{ kind: 'x', ref: 'y' }] }), 'conflict', 'case_no'));
  // unknown or invisible cases
  await unchanged(() => refuses(moveSupervisionCase(w.db.pool, at(16), SUPERVISOR, 'JG-NONE', 'assign', '分派'), 'not_found', 'case_no'));
  await unchanged(() => refuses(moveSupervisionCase(w.db.pool, at(16), JIUJIANG, no, 'assign', '分派'), 'not_found', 'case_no'));

  // the second review is another person's: an administrator may sit at both desks, not review twice
  await moveSupervisionCase(w.db.pool, at(16), ADMIN, no, 'assign', '交初审');
  await moveSupervisionCase(w.db.pool, at(16), ADMIN, no, 'first_review_pass', '初审属实');
  await unchanged(() => refuses(moveSupervisionCase(w.db.pool, at(16), ADMIN, no, 'second_review_pass', '复审属实'), 'forbidden', 'case_no'));
  // returned to the first review and passed again by the reviewer, then the second review
  await moveSupervisionCase(w.db.pool, at(16), SUPERVISOR, no, 'return_to_first_review', '初审意见不完整，退回');
  await moveSupervisionCase(w.db.pool, at(16), REVIEWER, no, 'first_review_pass', '补充意见后初审通过');
  const appeal = await moveSupervisionCase(w.db.pool, at(16), ADMIN, no, 'second_review_pass', '复审属实');
  assert.equal(appeal.due_on, '2026-03-24', 'Monday 03-16 + 5 working days, the local holiday 03-19 skipped');

  // in the window: no decision, and its end is not declared early
  await unchanged(() => refuses(decideSupervisionCase(w.db.pool, at(20), SUPERVISOR, no, { kinds: ['warning'], reason: '警告' }), 'conflict', 'case_no'));
  await unchanged(() => refuses(moveSupervisionCase(w.db.pool, at(24), SYSTEM, no, 'appeal_lapsed', '申诉期满'), 'conflict', 'case_no'));
  // an appeal without evidence, and an appeal after the deadline, are refused
  await unchanged(() => refuses(appealSupervisionCase(w.db.pool, at(20), THE_HOSPITAL, no, { statement: '不服', evidence: [] }), 'invalid', 'evidence'));
  const late = await refuses(appealSupervisionCase(w.db.pool, at(25), THE_HOSPITAL, no, { statement: '不服', evidence: [{ kind: 'note', ref: 'doc-1' }] }), 'conflict', 'case_no');
  assert.match(late.details[0]!.en, /ended on 2026-03-24/);
  await unchanged(() => refuses(appealSupervisionCase(w.db.pool, at(25), THE_HOSPITAL, no, { statement: '不服', evidence: [{ kind: 'note', ref: 'doc-1' }] }), 'conflict', 'case_no'));
  await unchanged(() => refuses(waiveAppeal(w.db.pool, at(25), THE_HOSPITAL, no, '放弃'), 'conflict', 'case_no'));
  // another institution cannot appeal it
  await unchanged(() => refuses(appealSupervisionCase(w.db.pool, at(20), ANOTHER_HOSPITAL, no, { statement: '不服', evidence: [{ kind: 'note', ref: 'doc-1' }] }), 'not_found', 'case_no'));

  // after the deadline the daily pass ends the window (once: a second pass finds nothing)
  assert.deepEqual(await endLapsedAppeals(w.db.pool, at(24)), []);
  assert.deepEqual(await endLapsedAppeals(w.db.pool, at(25), ['360400']), [], 'another region\'s pass');
  assert.deepEqual(await endLapsedAppeals(w.db.pool, at(25)), [no]);
  assert.deepEqual(await endLapsedAppeals(w.db.pool, at(25)), []);
  assert.equal((await supervisionCase(w.db.pool, SYSTEM, no)).state, 'investigation');
  assert.equal((await supervisionCase(w.db.pool, SYSTEM, no)).events.at(-1)!.actor, 'system:supervision');
  // bad decisions, each naming its field, nothing written
  const cap = (await w.db.pool.query<{ f: number }>(`SELECT fund_pay_sumamt AS f FROM settlements WHERE setl_id = $1`, [v.setl_id])).rows[0]!.f;
  await unchanged(() => refuses(decideSupervisionCase(w.db.pool, at(26), THE_HOSPITAL, no, { kinds: ['no_violation'], reason: '自认无违规' }), 'forbidden', 'case_no'));
  await unchanged(() => refuses(decideSupervisionCase(w.db.pool, at(26), REVIEWER, no, { kinds: ['warning'], reason: '警告' }), 'forbidden', 'case_no'));
  await unchanged(() => refuses(decideSupervisionCase(w.db.pool, at(26), SUPERVISOR, no, { kinds: ['recovery'], recovery_fen: cap + 1, reason: '多追' }), 'invalid', 'recovery_fen'));
  await unchanged(() => refuses(decideSupervisionCase(w.db.pool, at(26), SUPERVISOR, no, { kinds: ['recovery', 'penalty'], penalty_multiple: 7, reason: '重罚' }), 'invalid', 'penalty_multiple'));
  await unchanged(() => refuses(decideSupervisionCase(w.db.pool, at(26), SUPERVISOR, no, { kinds: ['penalty'], penalty_multiple: 2, reason: '只罚' }), 'invalid', 'kinds'));
  await unchanged(() => refuses(decideSupervisionCase(w.db.pool, at(26), SUPERVISOR, no, { kinds: ['no_violation', 'warning'], reason: '矛盾' }), 'invalid', 'kinds'));
  await unchanged(() => refuses(decideSupervisionCase(w.db.pool, at(26), SUPERVISOR, no, { kinds: ['suspension'], reason: '暂停' }), 'invalid', 'suspension_ends_on'));
  await unchanged(() => refuses(decideSupervisionCase(w.db.pool, at(26), SUPERVISOR, no, { kinds: ['suspension'], suspension_ends_on: '2026-03-20', reason: '暂停' }), 'invalid', 'suspension_ends_on'));
  await unchanged(() => refuses(decideSupervisionCase(w.db.pool, at(26), SUPERVISOR, no, { kinds: ['bogus' as 'warning'], reason: '?' }), 'invalid', 'kinds[0]'));
  await unchanged(() => refuses(liftSuspension(w.db.pool, at(26), SUPERVISOR, no, '解除'), 'conflict', 'case_no'));

  // a staff-given amount below the cap; no violation closes nothing in the ledger
  const d = await decideSupervisionCase(w.db.pool, at(26), SUPERVISOR, no, { kinds: ['recovery'], recovery_fen: 1, reason: '追回 0.01 元' });
  assert.equal(d.case.recovery_fen, 1);
  assert.equal(d.case.recovery_transfer!.amount_fen, 1);
  await assertBooksHold(w.db.pool);
  await unchanged(() => refuses(liftSuspension(w.db.pool, at(26), SUPERVISOR, no, '解除'), 'conflict', 'case_no'));
});

test('a decision of no violation closes the findings and posts nothing; a dismissed case frees nothing twice', async () => {
  const v = await settledVisit();
  const f = await finding(v, 'L1', 500);
  const g = await finding(v, 'L2', 600);
  const a = (await openSupervisionCase(w.db.pool, at(16), SUPERVISOR, { finding_ids: [f], reason: '立案' })).case_no;
  await toAppeal(a, 16);
  await waiveAppeal(w.db.pool, at(17), THE_HOSPITAL, a, '认可复审意见，不申诉');
  const transfers = (await w.db.pool.query(`SELECT count(*)::int AS n FROM ledger_transfers`)).rows[0].n;
  const d = await decideSupervisionCase(w.db.pool, at(18), SUPERVISOR, a, { kinds: ['no_violation'], reason: '经调查为两次独立诊疗' });
  assert.deepEqual(d.case.findings.map((x) => x.status), ['closed']);
  assert.equal(d.case.recovery_transfer, null);
  assert.equal((await w.db.pool.query(`SELECT count(*)::int AS n FROM ledger_transfers`)).rows[0].n, transfers);

  const b = (await openSupervisionCase(w.db.pool, at(16), SUPERVISOR, { finding_ids: [g], reason: '立案' })).case_no;
  const dismissed = await moveSupervisionCase(w.db.pool, at(16), SUPERVISOR, b, 'dismiss', '疑点不成立');
  assert.equal(dismissed.state, 'closed');
  assert.deepEqual(dismissed.findings.map((x) => x.status), ['closed']);
  await refuses(openSupervisionCase(w.db.pool, at(16), SUPERVISOR, { finding_ids: [g], reason: '再立案' }), 'conflict', 'finding_ids[0]');
});

test('a suspension of direct settlement: set with an audit row, 2207 and 2206 refused while it runs, lifted by a later move', async () => {
  const v = await settledVisit();
  const f = await finding(v, 'L2', 3010);
  // the gateway's clock is 2026-03-15: the whole case runs that day (the institution waives its appeal)
  const no = (await openSupervisionCase(w.db.pool, at(15), SUPERVISOR, { finding_ids: [f], reason: '立案' })).case_no;
  await toAppeal(no, 15);
  await waiveAppeal(w.db.pool, at(15), THE_HOSPITAL, no, '不申诉');
  const pending = await registered();
  // the decision sent twice at once (a double click): one is made, the other answers it; one transfer, one suspension
  const decision = { kinds: ['warning', 'recovery', 'suspension'] as ('warning' | 'recovery' | 'suspension')[], suspension_ends_on: '2026-06-30', reason: '警告、追回并暂停直接结算至 6 月底' };
  const both = await Promise.all([decideSupervisionCase(w.db.pool, at(15), SUPERVISOR, no, decision), decideSupervisionCase(w.db.pool, at(15), SUPERVISOR, no, decision)]);
  assert.deepEqual(both.map((x) => x.replayed).sort(), [false, true]);
  assert.equal((await w.db.pool.query(`SELECT count(*)::int AS n FROM ledger_transfers WHERE key = $1`, [`recovery:${no}`])).rows[0].n, 1);
  assert.equal((await w.db.pool.query(`SELECT count(*)::int AS n FROM institution_suspensions WHERE fixmedins_code = $1`, [HOSPITAL])).rows[0].n, 1);
  const d = both[0]!;
  assert.deepEqual(d.case.suspension && { begins_on: d.case.suspension.begins_on, ends_on: d.case.suspension.ends_on, lifted_at: d.case.suspension.lifted_at }, { begins_on: '2026-03-15', ends_on: '2026-06-30', lifted_at: null });
  assert.equal(await directSettlementSuspendedOn(w.db.pool, HOSPITAL, '2026-03-15'), '2026-06-30');
  assert.equal(await directSettlementSuspendedOn(w.db.pool, HOSPITAL, '2026-07-01'), null, 'it ends on its day without any pass');
  assert.equal(await directSettlementSuspendedOn(w.db.pool, OTHER_HOSPITAL, '2026-03-15'), null);
  const set = await w.db.pool.query(`SELECT actor, detail FROM audit_log WHERE action = 'institution.direct_settlement_suspended' AND subject = $1`, [`institution:${HOSPITAL}`]);
  assert.equal(set.rows.length, 1);
  assert.equal(set.rows[0].actor, 'staff:zz.supervisor');
  assert.equal(set.rows[0].detail.case_no, no);

  // the institution's settlements are refused while suspended (the pre-settlement too), nothing written
  const settlements = (await w.db.pool.query(`SELECT count(*)::int AS n FROM settlements`)).rows[0].n;
  for (const infno of ['2206', '2207']) {
    const refused = await w.call(infno, { data: { psn_no: RESIDENT.psn_no, mdtrt_id: pending, medfee_sumamt: 52.6, acct_used_flag: '0', insutype: '390' } });
    assert.equal(refused.body.infcode, -1);
    assert.match(refused.body.err_msg, /fixmedins_code.*直接结算已被暂停至 2026-06-30/);
  }
  assert.equal((await w.db.pool.query(`SELECT count(*)::int AS n FROM settlements`)).rows[0].n, settlements);

  // lifted by a later move: who, when, why on the row and in the audit; the flag cleared
  await refuses(liftSuspension(w.db.pool, at(15), REVIEWER, no, '整改到位'), 'forbidden', 'case_no');
  await refuses(liftSuspension(w.db.pool, at(15), SUPERVISOR, no, ''), 'invalid', 'reason');
  const lifted = await liftSuspension(w.db.pool, at(15), SUPERVISOR, no, '整改到位，提前恢复');
  assert.equal(lifted.suspension!.lifted_by, 'staff:zz.supervisor');
  assert.equal(lifted.suspension!.lift_reason, '整改到位，提前恢复');
  assert.equal(lifted.state, 'decided');
  assert.equal(lifted.events.at(-1)!.move, 'lift_suspension');
  assert.equal(await directSettlementSuspendedOn(w.db.pool, HOSPITAL, '2026-03-15'), null);
  const restored = await w.db.pool.query(`SELECT detail FROM audit_log WHERE action = 'institution.direct_settlement_restored' AND subject = $1`, [`institution:${HOSPITAL}`]);
  assert.equal(restored.rows.length, 1);
  await refuses(liftSuspension(w.db.pool, at(15), SUPERVISOR, no, '再解除'), 'conflict', 'case_no');
  // settling works again
  ok(await w.call('2207', { data: { psn_no: RESIDENT.psn_no, mdtrt_id: pending, medfee_sumamt: 52.6, acct_used_flag: '0', insutype: '390' } }));
  await assertBooksHold(w.db.pool);
});

test('recovery legs: shared over the funds in proportion to the fen, back along each settlement\'s path (across regions through the mutual accounts)', () => {
  const paid = [
    { setl_id: 'S1', fixmedins_code: 'H43020400001', insuplc_admdvs: '430200', mdtrtarea_admvs: '430200', funds: [{ fund_pay_type: '390101', fund_payamt: 100 }, { fund_pay_type: '390201', fund_payamt: 200 }] },
    { setl_id: 'S2', fixmedins_code: 'H43020400001', insuplc_admdvs: '360400', mdtrtarea_admvs: '430200', funds: [{ fund_pay_type: '310100', fund_payamt: 700 }] },
  ];
  const { legs, shares } = recoveryLegs(paid, 101);
  // 101 × 100/1000 = 10.1, × 200/1000 = 20.2, × 700/1000 = 70.7 → 10, 20, 71 (the largest remainder takes the fen)
  assert.deepEqual(shares.map((x) => [x.setl_id, x.fund_pay_type, x.amount_fen]), [['S1', '390101', 10], ['S1', '390201', 20], ['S2', '310100', 71]]);
  assert.deepEqual(legs, [
    { debit: 'fund:430200:390101', credit: 'medins_payable:H43020400001', amount: 10 },
    { debit: 'fund:430200:390201', credit: 'medins_payable:H43020400001', amount: 20 },
    { debit: 'owed_by:430200:360400', credit: 'medins_payable:H43020400001', amount: 71 },
    { debit: 'fund:360400:310100', credit: 'owed_to:360400:430200', amount: 71 },
  ]);
  const checked = checkTransfer({ kind: 'recovery', key: 'recovery:T', cause: { kind: 'supervision_case', id: 'T' }, legs, reverses: null, memo: null });
  assert.equal(checked.changes.find((c) => c.account === 'medins_payable:H43020400001')!.credits, 101, 'the institution gives back exactly the amount');
  // all of it, or more than was paid
  assert.equal(recoveryLegs(paid, 1000).shares.reduce((a, x) => a + x.amount_fen, 0), 1000);
  assert.throws(() => recoveryLegs(paid, 1001), /at most the 1000 fen/);
  assert.throws(() => recoveryLegs(paid, 0), /invariant/);
});

test("a recovery on another region's insured person's settlement reaches the pair's next statement, and paying it leaves their mutual accounts even", async () => {
  // the Jiujiang retiree settles at the Zhuzhou hospital: Jiangxi owes Hunan what its fund paid
  const reg = ok(await w.call('2201', { data: { mdtrt_cert_type: '03', mdtrt_cert_no: RETIREE.card, card_sn: RETIREE.card_sn, insutype: '310' } }));
  const mdtrtId = reg.data.mdtrt_id as string;
  ok(await w.call('2204', { feedetail: lines(mdtrtId, RETIREE.psn_no, 'X', 40) }));
  const setlId = ok(await w.call('2207', { data: { psn_no: RETIREE.psn_no, mdtrt_id: mdtrtId, acct_used_flag: '0' } })).setlinfo.setl_id as string;
  const s = (await w.db.pool.query<{ insuplc_admdvs: string; mdtrtarea_admvs: string; fund_pay_sumamt: number }>(
    `SELECT insuplc_admdvs, mdtrtarea_admvs, fund_pay_sumamt FROM settlements WHERE setl_id = $1`, [setlId])).rows[0]!;
  assert.notEqual(s.insuplc_admdvs.slice(0, 2), s.mdtrtarea_admvs.slice(0, 2), 'a cross-province settlement');
  assert.ok(s.fund_pay_sumamt > 100, 'the fund paid');
  fingerprint++;
  const f = (await w.db.pool.query<{ id: number }>(
    `INSERT INTO supervision_findings (fingerprint, stage, rule_code, rule_version, rule_type, severity, mdtrt_id, setl_id, psn_no, fixmedins_code, mdtrtarea_admvs, insuplc_admdvs, lines, amount_fen, vola_cont, found_at)
     VALUES ($1, 'after', 'R-DUP-01', 1, 'duplicate_charging', 'suspect', $2, $3, $4, $5, $6, $7, ARRAY['X1'], 100, '{"zh":"重复收费","en":"charged twice"}', $8) RETURNING id::int`,
    [`fp-${fingerprint}`, mdtrtId, setlId, RETIREE.psn_no, HOSPITAL, s.mdtrtarea_admvs, s.insuplc_admdvs, at(15)],
  )).rows[0]!.id;
  const no = (await openSupervisionCase(w.db.pool, at(16), SUPERVISOR, { finding_ids: [f], reason: '异地就医结算疑点' })).case_no;
  await toAppeal(no, 16);
  await waiveAppeal(w.db.pool, at(17), THE_HOSPITAL, no, '放弃申诉');
  const decided = await decideSupervisionCase(w.db.pool, at(20), SUPERVISOR, no, { kinds: ['recovery'], reason: '查实，追回', recovery_fen: 100 });
  assert.ok(decided.case.recovery_transfer!.legs.some((l) => l.debit === `owed_by:${s.mdtrtarea_admvs}:${s.insuplc_admdvs}`), 'back through the mutual accounts');
  // the same decision again writes no second row
  await decideSupervisionCase(w.db.pool, at(20), SUPERVISOR, no, { kinds: ['recovery'], reason: '查实，追回', recovery_fen: 100 });
  const owedRows = (await w.db.pool.query(`SELECT setl_id, orig_setl_id, amount_fen::int AS amount_fen, by_fund, clr_month, recovery_key FROM cross_region_owed WHERE recovery_key IS NOT NULL`)).rows;
  assert.equal(owedRows.length, 1);
  assert.equal(owedRows[0].setl_id, `${no}:${setlId}`);
  assert.equal(owedRows[0].orig_setl_id, setlId);
  assert.equal(owedRows[0].amount_fen, -100);
  assert.equal(Object.values(owedRows[0].by_fund as Record<string, number>).reduce((a, b) => a + b, 0), -100, 'the fund parts add up');
  assert.equal(owedRows[0].clr_month, '202603');

  // March's province run: the statement carries the settlement and the recovery's negative line
  await runClearing(w.db.pool, { month: '202603', level: 'province', dryRun: false, now: at(31) });
  const st = (await w.db.pool.query<{ id: number; amount_fen: number; insured_admdvs: string; treatment_admdvs: string }>(
    `SELECT id::int AS id, amount_fen::int AS amount_fen, insured_admdvs, treatment_admdvs FROM clearing_statements WHERE month = '202603' AND level = 'province' AND insured_admdvs = $1`,
    [`${s.insuplc_admdvs.slice(0, 2)}0000`])).rows;
  assert.equal(st.length, 1);
  const shown = await statementLines(w.db.pool, st[0]!.id);
  const rec = shown.find((l) => l.setl_id === `${no}:${setlId}`)!;
  assert.equal(rec.kind, 'recovery');
  assert.equal(rec.orig_setl_id, setlId);
  assert.equal(rec.amount_fen, -100);
  assert.equal(rec.psn_no, RETIREE.psn_no, 'shown with the settlement it recovered from');
  assert.equal(shown.reduce((a, l) => a + l.amount_fen, 0), st[0]!.amount_fen, 'the statement is the sum of its lines, the recovery included');
  const owedBySettlement = (await w.db.pool.query<{ a: number }>(`SELECT amount_fen::int AS a FROM cross_region_owed WHERE setl_id = $1`, [setlId])).rows[0]!.a;
  assert.ok(shown.some((l) => l.setl_id === setlId && l.amount_fen === owedBySettlement));

  // both sides confirm: the payment posts the statement's legs; every March row of the pair is on it
  for (const side of ['insured', 'treatment'] as const) {
    await confirmStatement(w.db.pool, { statement_id: st[0]!.id, side, by: `${side}.finance`, regions: [side === 'insured' ? st[0]!.insured_admdvs : st[0]!.treatment_admdvs], now: at(31) });
  }
  assert.equal(await accountBalance(w.db.pool, `owed_by:${s.mdtrtarea_admvs}:${s.insuplc_admdvs}`), 0, "the treatment region's claim is settled to the fen");
  assert.equal(await accountBalance(w.db.pool, `owed_to:${s.insuplc_admdvs}:${s.mdtrtarea_admvs}`), 0, "the insured region's debt too");
  await assertBooksHold(w.db.pool);
});
