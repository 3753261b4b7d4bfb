import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { FastifyInstance } from 'fastify';
import { HOSPITAL, OTHER_HOSPITAL, RESIDENT, RETIREE, envelope, ok, post, signInAs } from './support/gateway-world.ts';
import { assertBooksHold, lines, openSettlementWorld, type SettlementWorld } from './support/settlement-world.ts';
import { staffCookie } from './support/auth.ts';
import { buildApp } from '../src/server/app.ts';
import { runClearing } from '../src/app/clearing/run.ts';
import { approveApplication, institutionPaymentStatement, refuseApplication, releaseReserve, reviewApplication, idOfEvt } from '../src/app/clearing/institutions.ts';
import { YibaoError } from '../src/engine/errors.ts';
import { accountBalance, findTransfer } from '../src/store/ledger.ts';

// Institutions' clearing with the fund through the real gateway and the staff routes: the
// Zhuzhou hospital (430204) settles the Jiujiang retiree (cross-region) and a Zhuzhou resident in
// March, applies in April for the first half of March (3203), cancels and applies again (3204);
// finance staff of Zhuzhou review, approve (the payment less the 5% reserve) and release;
// 3260-3262 show and confirm March's cross-region clearing.

let w: SettlementWorld;
const apps: FastifyInstance[] = [];
let hn: string;
let jx: string;
before(async () => {
  w = await openSettlementWorld();
  hn = await staffCookie(w.db.pool, { username: 'zz.finance', role: 'finance', regions: ['430200'] });
  jx = await staffCookie(w.db.pool, { username: 'jj.finance', role: 'finance', regions: ['360400'] });
});
after(async () => {
  for (const a of apps) await a.close();
  await w.close();
});

type Call = (infno: string, input: unknown, header?: Record<string, unknown>) => ReturnType<typeof post>;
async function gatewayAt(now: string, code = HOSPITAL): Promise<{ call: Call; app: FastifyInstance }> {
  const app = await buildApp({ pool: w.db.pool, now: () => new Date(now) });
  apps.push(app);
  const signNo = await signInAs(app, code);
  return { app, call: (infno, input, header = {}) => post(app, envelope(infno, input, { sign_no: signNo, ...header })) };
}

const CERT: Record<string, Record<string, string>> = {
  [RETIREE.psn_no]: { mdtrt_cert_type: '03', mdtrt_cert_no: RETIREE.card, card_sn: RETIREE.card_sn },
  [RESIDENT.psn_no]: { mdtrt_cert_type: '01', mdtrt_cert_no: RESIDENT.voucher },
};

async function settle(call: Call, who: { psn_no: string }, insutype: string, prefix: string): Promise<{ mdtrt_id: string; setl_id: string; s: any }> {
  const v = ok(await call('2201', { data: { ...CERT[who.psn_no], insutype } }));
  ok(await call('2204', { feedetail: lines(v.data.mdtrt_id, who.psn_no, prefix, 20) }));
  const s = ok(await call('2207', { data: { psn_no: who.psn_no, mdtrt_id: v.data.mdtrt_id, acct_used_flag: '1' } }));
  return { mdtrt_id: v.data.mdtrt_id, setl_id: s.setlinfo.setl_id, s: s.setlinfo };
}

const fen = (yuan: number): number => Math.round(yuan * 100);
const snapshot = async (): Promise<string> =>
  JSON.stringify((await w.db.pool.query(`SELECT (SELECT json_agg(a ORDER BY id) FROM institution_clearing_applications a) AS a, (SELECT count(*) FROM ledger_transfers) AS t, (SELECT count(*) FROM institution_clearing_confirmations) AS c`)).rows[0]);

async function refused(p: Promise<unknown>, kind: string, field: string): Promise<void> {
  await assert.rejects(p, (e: unknown) => e instanceof YibaoError && e.kind === kind && e.details[0]!.field === field);
}

function failed(res: { body: any }, field: string): void {
  assert.equal(res.body.infcode, -1, JSON.stringify(res.body.output));
  assert.match(res.body.err_msg, new RegExp(field.replace(/[.[\]]/g, '\\$&')), res.body.err_msg);
}

const staffOf = (regions: string[]) => ({ username: regions[0] === '430200' ? 'zz.finance' : 'jj.finance', regions });

test('3203 applies with the platform’s own totals (cancellations netted); 3204 cancels; staff approve and pay less the reserve, then release it', async () => {
  // March 15: two cross-region settlements, one local one, and one cancelled again.
  const a = await settle(w.call, RETIREE, '310', 'A');
  const b = await settle(w.call, RETIREE, '310', 'B');
  const c = await settle(w.call, RESIDENT, '390', 'C');
  const d = await settle(w.call, RESIDENT, '390', 'D');
  ok(await w.call('2208', { data: { psn_no: RESIDENT.psn_no, mdtrt_id: d.mdtrt_id, setl_id: d.setl_id } }));
  const kept = [a, b, c].map((x) => x.s);
  const sum = (k: string): number => kept.reduce((t, s) => t + fen(Number(s[k])), 0);
  const payable = sum('fund_pay_sumamt') + sum('acct_pay');
  assert.ok(payable > 0);
  const payableBefore = await accountBalance(w.db.pool, `medins_payable:${HOSPITAL}`);
  assert.equal(payableBefore, sum('medfee_sumamt') - sum('psn_cash_pay') - sum('hosp_part_amt'), 'the payable holds the insurance shares of the settlements in force');

  const { call } = await gatewayAt('2026-04-02T02:00:00Z');
  const claim = {
    clr_type: '11', clr_way: '1', setl_optins: '430200', begndate: '2026-03-01', enddate: '2026-03-15', fixmedins_code: HOSPITAL,
    medfee_sumamt: (sum('medfee_sumamt') / 100).toFixed(2), fund_appy_sum: (sum('fund_pay_sumamt') / 100).toFixed(2),
    cash_payamt: ((sum('psn_cash_pay') + 1) / 100).toFixed(2), // one fen off
    acct_pay: (sum('acct_pay') / 100).toFixed(2),
  };

  // Bad input: named, nothing stored.
  const s0 = await snapshot();
  failed(await call('3203', { data: { ...claim, clr_type: undefined } }), 'input.data.clr_type');
  failed(await call('3203', { data: { ...claim, clr_type: '99' } }), 'input.data.clr_type');
  failed(await call('3203', { data: { ...claim, enddate: '2026-04-02' } }), 'input.data.enddate');
  failed(await call('3203', { data: { ...claim, enddate: '2026-02-01' } }), 'input.data.enddate');
  failed(await call('3203', { data: { ...claim, fixmedins_code: OTHER_HOSPITAL } }), 'input.data.fixmedins_code');
  failed(await call('3203', { data: { ...claim, medfee_sumamt: '1.234' } }), 'input.data.medfee_sumamt');
  failed(await call('3203', { data: { ...claim, begndate: '2026-01-01', enddate: '2026-01-31' } }), 'input.data.begndate');
  assert.equal(await snapshot(), s0, 'refused applications store nothing');

  const env = envelope('3203', { data: claim }, { sign_no: (await signInAs(apps.at(-1)!, HOSPITAL)) });
  const first = await post(apps.at(-1)!, env);
  assert.equal(first.body.infcode, 0, first.body.err_msg);
  const r = first.body.output.result;
  assert.match(r.clr_appy_evt_id, /^CA\d{10}$/);
  assert.equal(r.center.setl_cnt, 3, 'four settlements less one cancellation');
  assert.equal(fen(r.center.fund_pay_sumamt), sum('fund_pay_sumamt'));
  assert.deepEqual(r.mismatches, [{ field: 'cash_payamt', fixmedins: (sum('psn_cash_pay') + 1) / 100, center: sum('psn_cash_pay') / 100 }]);
  // The same msgid again: the gateway's replay, one application.
  const replay = await post(apps.at(-1)!, env);
  assert.deepEqual(replay.body.output, first.body.output);
  assert.equal((await w.db.pool.query(`SELECT count(*)::int AS n FROM institution_clearing_applications`)).rows[0]!.n, 1);
  // An overlapping period of the same type is refused while this one is live.
  failed(await call('3203', { data: { ...claim, begndate: '2026-03-10', enddate: '2026-03-20' } }), 'input.data.begndate');

  // 3204: cancel, then cancel again (refused), then apply again.
  ok(await call('3204', { data: { clr_appy_evt_id: r.clr_appy_evt_id } }));
  failed(await call('3204', { data: { clr_appy_evt_id: r.clr_appy_evt_id } }), 'input.data.clr_appy_evt_id');
  failed(await call('3204', { data: { clr_appy_evt_id: 'CA9999999999' } }), 'input.data.clr_appy_evt_id');
  const again = ok(await call('3203', { data: { ...claim, cash_payamt: (sum('psn_cash_pay') / 100).toFixed(2), fixmedins_setl_cnt: 3 } }));
  assert.deepEqual(again.result.mismatches, []);
  const id = idOfEvt(again.result.clr_appy_evt_id);
  // Another institution cannot cancel it.
  const other = await gatewayAt('2026-04-02T02:00:00Z', OTHER_HOSPITAL);
  failed(await other.call('3204', { data: { clr_appy_evt_id: again.result.clr_appy_evt_id } }, { fixmedins_code: OTHER_HOSPITAL, mdtrtarea_admvs: '360400' }), 'input.data.clr_appy_evt_id');

  // Review: the platform's count of the application's settlements; a cancelled application's review shows its mismatch.
  const review = await reviewApplication(w.db.pool, id);
  assert.equal(review.payable_fen, payable);
  assert.equal(review.reserve_bp, 500, 'the national default reserve share');
  assert.equal(review.reserve_fen, Math.floor(payable * 500 / 10000));
  assert.equal(review.setl_ids.length, 5);
  assert.equal((await reviewApplication(w.db.pool, idOfEvt(r.clr_appy_evt_id))).mismatches[0]!.field, 'cash_payamt');

  // The wrong region, a cancelled application: refused, nothing changes.
  const s1 = await snapshot();
  await refused(approveApplication(w.db.pool, { id, staff: staffOf(['360400']), now: new Date('2026-04-05T02:00:00Z') }), 'forbidden', 'principal');
  await refused(approveApplication(w.db.pool, { id: idOfEvt(r.clr_appy_evt_id), staff: staffOf(['430200']), now: new Date('2026-04-05T02:00:00Z') }), 'conflict', 'state');
  await refused(refuseApplication(w.db.pool, { id, staff: staffOf(['430200']), now: new Date('2026-04-05T02:00:00Z'), reasons: ' ' }), 'invalid', 'reasons');
  await refused(releaseReserve(w.db.pool, { id, staff: staffOf(['430200']), now: new Date('2026-04-05T02:00:00Z') }), 'conflict', 'state');
  assert.equal(await snapshot(), s1);

  const approved = await approveApplication(w.db.pool, { id, staff: staffOf(['430200']), now: new Date('2026-04-05T02:00:00Z') });
  assert.equal(approved.application.state, 'approved');
  const reserve = Math.floor(payable * 500 / 10000);
  assert.equal(approved.paid_fen + approved.reserve_fen, payable);
  assert.equal(approved.reserve_fen, reserve);
  const t = await findTransfer(w.db.pool, `medins_payment:${id}`);
  assert.ok(t);
  assert.equal(t.kind, 'hospital_payment');
  assert.equal(t.amount_fen, payable);
  assert.equal(await accountBalance(w.db.pool, `medins_payable:${HOSPITAL}`), payableBefore - payable, 'the payable is cleared for these settlements');
  assert.equal(await accountBalance(w.db.pool, `medins_payable:${HOSPITAL}`), 0, 'every settlement so far was in the application');
  assert.equal(await accountBalance(w.db.pool, `medins_reserve:${HOSPITAL}`), reserve);
  assert.equal(await accountBalance(w.db.pool, `medins_bank:${HOSPITAL}`), payable - reserve);
  await assertBooksHold(w.db.pool);

  // Twice, refuse after approval, cancel after approval: refused, nothing changes.
  const s2 = await snapshot();
  await refused(approveApplication(w.db.pool, { id, staff: staffOf(['430200']), now: new Date('2026-04-06T02:00:00Z') }), 'conflict', 'state');
  await refused(refuseApplication(w.db.pool, { id, staff: staffOf(['430200']), now: new Date('2026-04-06T02:00:00Z'), reasons: 'late' }), 'conflict', 'state');
  failed(await call('3204', { data: { clr_appy_evt_id: again.result.clr_appy_evt_id } }), 'input.data.clr_appy_evt_id');
  await refused(releaseReserve(w.db.pool, { id, staff: staffOf(['360400']), now: new Date('2026-04-06T02:00:00Z') }), 'forbidden', 'principal');
  assert.equal(await snapshot(), s2);

  // April's statement: two applications filed, one approved and paid, the reserve held.
  const apr = await institutionPaymentStatement(w.db.pool, HOSPITAL, '2026-04');
  assert.deepEqual(
    { applied: apr.applied.count, approved: apr.approved.approved_fen, paid: apr.paid_fen, withheld: apr.withheld_fen, released: apr.released_fen, held: apr.reserve_held_fen, owed: apr.balance_owed_fen },
    { applied: 2, approved: payable, paid: payable - reserve, withheld: reserve, released: 0, held: reserve, owed: 0 },
  );
  const mar = await institutionPaymentStatement(w.db.pool, HOSPITAL, '202603');
  assert.equal(mar.balance_owed_fen, payableBefore, 'at the end of March the fund owed everything');
  assert.equal(mar.applied.count, 0);

  // Year-end: the application's reserve released by its own transfer, once.
  const rel = await releaseReserve(w.db.pool, { id, staff: staffOf(['430200']), now: new Date('2026-12-31T02:00:00Z') });
  assert.equal(rel.released_fen, reserve);
  assert.ok(await findTransfer(w.db.pool, `medins_reserve_release:${id}`));
  assert.equal(await accountBalance(w.db.pool, `medins_reserve:${HOSPITAL}`), 0);
  assert.equal(await accountBalance(w.db.pool, `medins_bank:${HOSPITAL}`), payable);
  const s3 = await snapshot();
  await refused(releaseReserve(w.db.pool, { id, staff: staffOf(['430200']), now: new Date('2026-12-31T03:00:00Z') }), 'conflict', 'released_at');
  await refused(releaseReserve(w.db.pool, { fixmedins_code: HOSPITAL, year: 2026, staff: staffOf(['430200']), now: new Date('2026-12-31T03:00:00Z') }), 'conflict', 'year');
  assert.equal(await snapshot(), s3);
  const dec = await institutionPaymentStatement(w.db.pool, HOSPITAL, '2026-12');
  assert.equal(dec.released_fen, reserve);
  assert.equal(dec.reserve_held_fen, 0);
  await assertBooksHold(w.db.pool);
});

test('the staff routes: list by region, review, refuse with reasons, approve, release the year, statement; the wrong region is 403', async () => {
  // March 20: one more settlement, in a period of its own.
  const g = await gatewayAt('2026-03-20T02:00:00Z');
  const e = await settle(g.call, RESIDENT, '390', 'E');
  const { call, app } = await gatewayAt('2026-04-03T02:00:00Z');
  const claim = { clr_type: '11', clr_way: '1', setl_optins: '430200', begndate: '2026-03-16', enddate: '2026-03-31', medfee_sumamt: e.s.medfee_sumamt, fund_appy_sum: e.s.fund_pay_sumamt, cash_payamt: e.s.psn_cash_pay, acct_pay: e.s.acct_pay };
  const applied = ok(await call('3203', { data: claim }));
  const id = idOfEvt(applied.result.clr_appy_evt_id);
  const as = (cookie: string) => (method: 'GET' | 'POST', url: string, payload?: unknown) => app.inject({ method, url, headers: { cookie }, ...(payload !== undefined ? { payload: payload as Record<string, unknown> } : {}) });
  const zz = as(hn);
  const jj = as(jx);

  const list = await zz('GET', '/api/v1/clearing/applications?state=applied');
  assert.equal(list.statusCode, 200, list.body);
  assert.deepEqual(list.json().items.map((x: any) => x.id), [id]);
  assert.deepEqual((await jj('GET', '/api/v1/clearing/applications')).json().items, [], 'Jiujiang staff see none of Zhuzhou’s institutions');
  const one = await zz('GET', `/api/v1/clearing/applications/${id}`);
  assert.equal(one.statusCode, 200, one.body);
  assert.equal(one.json().payable_fen, fen(Number(e.s.fund_pay_sumamt)) + fen(Number(e.s.acct_pay)));
  assert.equal((await jj('GET', `/api/v1/clearing/applications/${id}`)).statusCode, 403);
  assert.equal((await zz('GET', '/api/v1/clearing/applications/999999')).statusCode, 404);

  const s0 = await snapshot();
  assert.equal((await jj('POST', `/api/v1/clearing/applications/${id}/approve`, {})).statusCode, 403, 'decided from the loaded application’s region');
  const noReason = await zz('POST', `/api/v1/clearing/applications/${id}/refuse`, {});
  assert.equal(noReason.statusCode, 400);
  assert.equal(noReason.json().details[0].field, 'reasons');
  assert.equal(await snapshot(), s0);
  const refusedRes = await zz('POST', `/api/v1/clearing/applications/${id}/refuse`, { reasons: '申报金额与明细不符 / the claim does not match its details' });
  assert.equal(refusedRes.statusCode, 200, refusedRes.body);
  assert.equal(refusedRes.json().application.state, 'refused');
  assert.equal((await zz('POST', `/api/v1/clearing/applications/${id}/approve`, {})).statusCode, 409);

  // Refused: the institution applies again and is approved.
  const second = idOfEvt(ok(await call('3203', { data: claim })).result.clr_appy_evt_id);
  const approve = await zz('POST', `/api/v1/clearing/applications/${second}/approve`, {});
  assert.equal(approve.statusCode, 200, approve.body);
  assert.ok(approve.json().reserve_fen > 0 && approve.json().paid_fen > approve.json().reserve_fen, approve.body);
  const s1 = await snapshot();
  assert.equal((await zz('POST', `/api/v1/clearing/applications/${second}/approve`, {})).statusCode, 409, 'approving twice');
  assert.equal(await snapshot(), s1);
  await assertBooksHold(w.db.pool);

  // The year's reserve: this application's (the first test's was released on its own).
  assert.equal((await jj('POST', `/api/v1/clearing/institutions/${HOSPITAL}/release`, { year: 2026 })).statusCode, 403);
  assert.equal((await zz('POST', `/api/v1/clearing/institutions/${HOSPITAL}/release`, { year: 'x' })).statusCode, 400);
  const rel = await zz('POST', `/api/v1/clearing/institutions/${HOSPITAL}/release`, { year: 2026 });
  assert.equal(rel.statusCode, 200, rel.body);
  assert.deepEqual(rel.json().application_ids, [second]);
  assert.equal(rel.json().released_fen, approve.json().reserve_fen);
  assert.ok(await findTransfer(w.db.pool, `medins_reserve_release:${HOSPITAL}:2026:${second}`));
  assert.equal((await zz('POST', `/api/v1/clearing/institutions/${HOSPITAL}/release`, { year: 2026 })).statusCode, 409, 'releasing twice');
  assert.equal((await zz('POST', `/api/v1/clearing/applications/${second}/release`, {})).statusCode, 409);
  assert.equal(await accountBalance(w.db.pool, `medins_reserve:${HOSPITAL}`), 0);

  const st = await zz('GET', `/api/v1/clearing/institutions/${HOSPITAL}/statement?month=2026-04`);
  assert.equal(st.statusCode, 200, st.body);
  assert.equal(st.json().applied.count, 4, 'this month: two in the first test, two here');
  assert.equal((await zz('GET', `/api/v1/clearing/institutions/${HOSPITAL}/statement?month=2026-13`)).statusCode, 400);
  assert.equal((await jj('GET', `/api/v1/clearing/institutions/${HOSPITAL}/statement?month=2026-04`)).statusCode, 403);
  assert.equal((await zz('GET', `/api/v1/clearing/institutions/H99999999999/statement?month=2026-04`)).statusCode, 404);
  await assertBooksHold(w.db.pool);
});

test('3260-3262: the institution’s cross-region clearing results of a month, their details, and its confirmation once', async () => {
  const { call } = await gatewayAt('2026-04-08T02:00:00Z');
  failed(await call('3260', { data: {} }), 'input.data.clr_ym');
  failed(await call('3260', { data: { clr_ym: '202613' } }), 'input.data.clr_ym');
  failed(await call('3262', { data: { clr_ym: '202603' } }), 'input.data.clr_ym'); // nothing cleared yet
  await runClearing(w.db.pool, { month: '2026-03', level: 'province', dryRun: false, now: new Date('2026-04-01T02:00:00Z') });
  const cross = await w.db.pool.query<{ setl_id: string; a: number }>(
    `SELECT setl_id, (fund_pay_sumamt + acct_pay)::bigint AS a FROM settlements WHERE fixmedins_code = $1 AND insuplc_admdvs <> mdtrtarea_admvs ORDER BY setl_id`, [HOSPITAL],
  );
  assert.equal(cross.rows.length, 2, 'the retiree’s two settlements');
  const total = cross.rows.reduce((s, r) => s + Number(r.a), 0);

  const res = ok(await call('3260', { data: { clr_ym: '202603' } }));
  assert.equal(res.data.length, 1);
  assert.deepEqual({ ...res.data[0], clr_stmt_id: 0 }, {
    clr_ym: '202603', clr_stmt_id: 0, level: 'province', insuplc_admdvs: '360000', mdtrtarea_admvs: '430000', stmt_stas: 'drafted', setl_cnt: 2, fund_clr_sumamt: total / 100,
    fixmedins_code: HOSPITAL, fixmedins_cfm_flag: '0',
  });
  assert.deepEqual(ok(await call('3260', { data: { begndate: '2026-01-01', enddate: '2026-02-28' } })).data, []);
  const det = ok(await call('3261', { data: { clr_ym: '202603' } }));
  assert.deepEqual(det.detail.map((x: any) => x.setl_id).sort(), cross.rows.map((r) => r.setl_id));
  assert.ok(det.detail.every((x: any) => x.clr_stmt_id === res.data[0].clr_stmt_id && x.stmt_stas === 'drafted'));

  const cfm = ok(await call('3262', { data: { clr_ym: '202603' } }));
  assert.equal(cfm.result.setl_cnt, 2);
  assert.equal(cfm.result.fund_clr_sumamt, total / 100);
  const s0 = await snapshot();
  failed(await call('3262', { data: { clr_ym: '202603' } }), 'input.data.clr_ym');
  assert.equal(await snapshot(), s0, 'confirming twice changes nothing');
  assert.equal(ok(await call('3260', { data: { clr_ym: '202603' } })).data[0].fixmedins_cfm_flag, '1');
  // Another institution sees none of it.
  const other = await gatewayAt('2026-04-08T02:00:00Z', OTHER_HOSPITAL);
  assert.deepEqual(ok(await other.call('3260', { data: { clr_ym: '202603' } }, { fixmedins_code: OTHER_HOSPITAL, mdtrtarea_admvs: '360400' })).data, []);
  await assertBooksHold(w.db.pool);
});

test('two approvals of one application at once: one pays, the other is refused; one transfer', async () => {
  const g = await gatewayAt('2026-04-10T02:00:00Z');
  const e = await settle(g.call, RESIDENT, '390', 'F');
  const { call } = await gatewayAt('2026-05-02T02:00:00Z');
  const evt = ok(await call('3203', { data: { clr_type: '11', clr_way: '1', setl_optins: '430200', begndate: '2026-04-01', enddate: '2026-04-30', medfee_sumamt: e.s.medfee_sumamt, fund_appy_sum: e.s.fund_pay_sumamt, cash_payamt: e.s.psn_cash_pay, acct_pay: e.s.acct_pay } })).result.clr_appy_evt_id;
  const id = idOfEvt(evt);
  const now = new Date('2026-05-03T02:00:00Z');
  const both = await Promise.allSettled([approveApplication(w.db.pool, { id, staff: staffOf(['430200']), now }), approveApplication(w.db.pool, { id, staff: staffOf(['430200']), now })]);
  assert.deepEqual(both.map((r) => r.status).sort(), ['fulfilled', 'rejected']);
  const err = both.find((r) => r.status === 'rejected') as PromiseRejectedResult;
  assert.ok(err.reason instanceof YibaoError && err.reason.kind === 'conflict', String(err.reason));
  const n = await w.db.pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM ledger_transfers WHERE key = $1`, [`medins_payment:${id}`]);
  assert.equal(n.rows[0]!.n, 1);
  await assertBooksHold(w.db.pool);
});
