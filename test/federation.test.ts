import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import net from 'node:net';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../src/server/app.ts';
import { readDirectory } from '../src/engine/federation/index.ts';
import { newKeyPair, nodeOf } from '../src/server/federation/node.ts';
import { federationLink, MESSAGES_PATH } from '../src/server/federation/link.ts';
import { askSettlement } from '../src/app/federation/treatment-side.ts';
import { reconcileWith } from '../src/app/federation/reconcile.ts';
import { findVisit } from '../src/store/settlement/visits.ts';
import { sign } from '../src/server/federation/signing.ts';
import { seedSettlementDocuments } from '../src/store/documents/seed.ts';
import { freshDatabase, type TestDatabase } from './support/db.ts';
import { HOSPITAL, NOW, RETIREE, envelope, ok, post, seedRegistry, signInAs } from './support/gateway-world.ts';
import { assertBooksHold, counts, lines, openSettlementWorld } from './support/settlement-world.ts';

// Two deployments, each with its own database, over real HTTP: Hunan (湖南, regions "43") keeps
// the hospital and the visit, Jiangxi (江西, regions "36") the retiree of Jiujiang, her policy
// and accumulators. The same bill settled in one deployment is the reference: the federated
// settlement must give the hospital the same answer to the fen.

interface Side {
  id: 'hunan' | 'jiangxi';
  db: TestDatabase;
  app: FastifyInstance;
  port: number;
}

const keys = { hunan: newKeyPair(), jiangxi: newKeyPair() };
let hunan: Side;
let jiangxi: Side;
let signNo = '';
let ports = { hunan: 0, jiangxi: 0 };

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

function directory(self: 'hunan' | 'jiangxi', ports: { hunan: number; jiangxi: number }) {
  return readDirectory({
    self, timeout_ms: 2000, retries: 2, backoff_ms: 20,
    deployments: [
      { id: 'hunan', name: '湖南省医保平台', url: `http://127.0.0.1:${ports.hunan}`, public_key_pem: keys.hunan.publicKeyPem, regions: ['43'] },
      { id: 'jiangxi', name: '江西省医保平台', url: `http://127.0.0.1:${ports.jiangxi}`, public_key_pem: keys.jiangxi.publicKeyPem, regions: ['36'] },
    ],
  });
}

async function side(id: 'hunan' | 'jiangxi', ports: { hunan: number; jiangxi: number }): Promise<Side> {
  const db = await freshDatabase();
  await seedRegistry(db.pool);
  await seedSettlementDocuments(db.pool);
  const app = await buildApp({ pool: db.pool, now: () => NOW, federation: nodeOf(directory(id, ports), crypto.createPrivateKey(keys[id].privateKeyPem)) });
  await app.listen({ port: ports[id], host: '127.0.0.1' });
  return { id, db, app, port: ports[id] };
}

const call = (infno: string, input: unknown, header: Record<string, unknown> = {}) => post(hunan.app, envelope(infno, input, { sign_no: signNo, insuplc_admdvs: '360400', ...header }));

async function one<T = any>(s: Side, sql: string, values: unknown[] = []): Promise<T> {
  return (await s.db.pool.query(sql, values)).rows[0] as T;
}

before(async () => {
  ports = { hunan: await freePort(), jiangxi: await freePort() };
  [hunan, jiangxi] = await Promise.all([side('hunan', ports), side('jiangxi', ports)]);
  signNo = await signInAs(hunan.app);
});

after(async () => {
  for (const s of [hunan, jiangxi]) {
    await s.app.close().catch(() => undefined);
    await s.db.drop();
  }
});

test('a Jiangxi retiree settles in a Hunan hospital across two deployments: the same answer to the fen as in one, each side keeps its half', async () => {
  // The reference: the same visit in a single deployment holding everyone.
  const ref = await openSettlementWorld();
  const refVisit = ok(await ref.call('2201', { data: { psn_no: RETIREE.psn_no, insutype: '310', begntime: '2026-03-15 10:00:00' } }, { insuplc_admdvs: '360400' }));
  ok(await ref.call('2204', { feedetail: lines(refVisit.data.mdtrt_id, RETIREE.psn_no, 'L', 40) }));
  const refSetl = ok(await ref.call('2207', { data: { psn_no: RETIREE.psn_no, mdtrt_id: refVisit.data.mdtrt_id, acct_used_flag: '1' } }));
  await ref.close();

  // Who she is: answered by Jiangxi (the Hunan database's own copy plays no part).
  const info = ok(await call('1101', { data: { mdtrt_cert_type: '02', mdtrt_cert_no: RETIREE.certno, psn_cert_type: '01', certno: RETIREE.certno } }));
  assert.equal(info.baseinfo.psn_no, RETIREE.psn_no);
  const visit = ok(await call('2201', { data: { psn_no: RETIREE.psn_no, insutype: '310', begntime: '2026-03-15 10:00:00' } }));
  const mdtrtId = visit.data.mdtrt_id as string;
  ok(await call('2204', { feedetail: lines(mdtrtId, RETIREE.psn_no, 'L', 40) }));
  const preview = ok(await call('2206', { data: { psn_no: RETIREE.psn_no, mdtrt_id: mdtrtId, acct_used_flag: '1' } }));
  const jxBefore = await counts(jiangxi.db.pool);
  assert.equal(jxBefore['settlements'], 0, 'a pre-settlement records nothing on the insured side');

  const env = envelope('2207', { data: { psn_no: RETIREE.psn_no, mdtrt_id: mdtrtId, acct_used_flag: '1' } }, { sign_no: signNo, insuplc_admdvs: '360400' });
  const setl = ok(await post(hunan.app, env));
  for (const k of ['medfee_sumamt', 'fund_pay_sumamt', 'hifp_pay', 'acct_pay', 'psn_cash_pay', 'psn_part_amt', 'inscp_scp_amt', 'fulamt_ownpay_amt']) {
    assert.equal(setl.setlinfo[k], refSetl.setlinfo[k], `setlinfo.${k} as in one deployment`);
    assert.equal(preview.setlinfo[k], refSetl.setlinfo[k], `the pre-settlement's ${k}`);
  }
  assert.deepEqual(setl.setldetail, refSetl.setldetail, 'the fund parts as in one deployment');
  assert.ok(setl.setlinfo.fund_pay_sumamt > 0 && setl.setlinfo.acct_pay > 0, `the funds and the account pay a part: ${JSON.stringify(setl.setlinfo)}`);

  // Both sides record it under one fed_id; the accumulators are Jiangxi's alone.
  const hn = await one(hunan, `SELECT * FROM federation_settlements`);
  const jx = await one(jiangxi, `SELECT * FROM federation_settlements`);
  assert.equal(hn.fed_id, `hunan:${mdtrtId}:1`);
  assert.equal(jx.fed_id, hn.fed_id);
  assert.equal([hn.role, jx.role].join(), 'treatment,insured');
  assert.equal(hn.setl_id, setl.setlinfo.setl_id, 'the hospital sees the treatment side\'s setl_id');
  assert.equal(jx.peer_setl_id, hn.setl_id);
  assert.equal(hn.peer_setl_id, jx.setl_id);
  for (const k of ['owed_fen', 'medfee_sumamt', 'fund_pay_sumamt', 'acct_pay', 'psn_cash_pay', 'clr_month']) assert.equal(String(hn[k]), String(jx[k]), k);
  assert.deepEqual(hn.by_fund, jx.by_fund);
  assert.equal((await one(hunan, `SELECT count(*)::int AS n FROM accumulators`)).n, 0, 'no accumulators on the treatment side');
  const acc = await one(jiangxi, `SELECT acc, settlements FROM accumulators WHERE psn_no = $1`, [RETIREE.psn_no]);
  assert.equal(acc.settlements, 1);
  // The money: funds and the personal account in Jiangxi's ledger, the institution's bill in Hunan's.
  const legs = async (s: Side) => (await s.db.pool.query(`SELECT l.debit_account AS debit, l.credit_account AS credit FROM ledger_legs l JOIN ledger_transfers t ON t.id = l.transfer_id WHERE t.kind = 'settle'`)).rows.map((r) => `${r.debit}>${r.credit}`);
  assert.ok((await legs(jiangxi)).every((l) => l.startsWith('owed_to:360400:430200>')), `Jiangxi books only its funds: ${await legs(jiangxi)}`);
  assert.ok((await legs(hunan)).every((l) => !l.includes('>fund:') && !l.includes('>psn_acct:')), 'Hunan never books Jiangxi\'s funds');
  assert.equal((await one(hunan, `SELECT count(*)::int AS n FROM cross_region_owed`)).n, 0, 'the debt between deployments is not the in-deployment clearing\'s');
  await assertBooksHold(hunan.db.pool);
  await assertBooksHold(jiangxi.db.pool);

  // A retry of the same message: the same answer, nothing new on either side.
  const [hnAfter, jxAfter] = [await counts(hunan.db.pool), await counts(jiangxi.db.pool)];
  const again = await post(hunan.app, env);
  assert.deepEqual(again.body.output, setl);
  assert.deepEqual(await counts(jiangxi.db.pool), jxAfter);
  assert.equal((await counts(hunan.db.pool))['settlements'], hnAfter['settlements']);

  // The cancellation travels the same way; the accumulators return to nothing.
  const cancel = ok(await call('2208', { data: { psn_no: RETIREE.psn_no, mdtrt_id: mdtrtId, setl_id: setl.setlinfo.setl_id } }));
  assert.equal(cancel.setlinfo.fund_pay_sumamt + setl.setlinfo.fund_pay_sumamt, 0);
  const statuses = async (s: Side) => (await s.db.pool.query(`SELECT kind, status, owed_fen::int FROM federation_settlements ORDER BY kind DESC`)).rows;
  assert.deepEqual(await statuses(hunan), await statuses(jiangxi), 'both sides agree after the cancellation');
  const accBack = await one(jiangxi, `SELECT settlements FROM accumulators WHERE psn_no = $1`, [RETIREE.psn_no]);
  assert.equal(accBack.settlements, 0);
  await assertBooksHold(hunan.db.pool);
  await assertBooksHold(jiangxi.db.pool);
  // The visit settles again (its second fed_id) after the cancellation.
  const env2 = envelope('2207', { data: { psn_no: RETIREE.psn_no, mdtrt_id: mdtrtId } }, { sign_no: signNo, insuplc_admdvs: '360400' });
  const second = ok(await post(hunan.app, env2));
  assert.ok(second.setlinfo.setl_id);
  assert.equal((await one(jiangxi, `SELECT fed_id FROM federation_settlements WHERE kind = 'settle' AND status = 'settled'`)).fed_id, `hunan:${mdtrtId}:2`);
  // A reversal (2601) of that 2207 is a cancellation across deployments too.
  const reversed = ok(await call('2601', { data: { psn_no: RETIREE.psn_no, omsgid: env2['msgid'], oinfno: '2207' } }));
  assert.equal(reversed.data.reversed, 'settlement');
  assert.deepEqual(await statuses(hunan), await statuses(jiangxi), 'both sides agree after the reversal');
  assert.equal((await one(jiangxi, `SELECT settlements FROM accumulators WHERE psn_no = $1`, [RETIREE.psn_no])).settlements, 0);
  await assertBooksHold(hunan.db.pool);
  await assertBooksHold(jiangxi.db.pool);
  // A pharmacy sale of a person insured elsewhere is refused clearly (not yet across deployments), nothing written.
  const pharmacySign = await signInAs(hunan.app, 'P43020400002');
  const sale = await call('2102', { data: { psn_no: RETIREE.psn_no, insutype: '310' }, feedetail: lines('', RETIREE.psn_no, 'P').map(({ mdtrt_id: _m, ...l }) => l) }, { fixmedins_code: 'P43020400002', sign_no: pharmacySign });
  assert.equal(sale.body.infcode, -1);
  assert.match(sale.body.err_msg, /cannot yet settle a pharmacy purchase across deployments/);
});

test('a stay: admitted in Hunan, filed in Jiangxi by the Jiujiang hospital during the stay, decided by Jiangxi at discharge', async () => {
  const line = (id: string, sn: string, codg: string, amount: number, cnt = 1) => ({ feedetl_sn: sn, mdtrt_id: id, psn_no: RETIREE.psn_no, med_list_codg: codg, det_item_fee_sumamt: amount, cnt, pric: amount / cnt });
  const adm = ok(await call('2401', { mdtrtinfo: { psn_no: RETIREE.psn_no, insutype: '310', med_type: '21', begntime: '2026-03-10 08:00:00', ipt_no: 'ZY-F1', adm_diag_code: 'I63.900' }, diseinfo: [{ diag_type: '1', diag_code: 'I63.900', diag_name: '脑梗死', maindiag_flag: '1' }] }));
  const id = adm.result.mdtrt_id as string;
  ok(await call('2301', { feedetail: [line(id, 'B1', '110900001', 400, 10), line(id, 'B2', '311000001', 1500), line(id, 'B3', 'XA11GAV099A022010100655', 20)] }));
  // The filing is the insured side's: the Jiujiang hospital files the referral with Jiangxi.
  const jxSign = await signInAs(jiangxi.app, 'H36040000003');
  const filed = await post(jiangxi.app, envelope('2501', { refmedin: { psn_no: RETIREE.psn_no, insutype: '310', reflin_medins_no: HOSPITAL, hosp_agre_refl_flag: '1', refl_date: '2026-03-12', begndate: '2026-03-12', diag_code: 'I63.900', diag_name: '脑梗死', refl_rea: '康复' } }, { fixmedins_code: 'H36040000003', sign_no: jxSign, mdtrtarea_admvs: '360400', insuplc_admdvs: '360400' }));
  assert.equal(filed.body.infcode, 0, filed.body.err_msg);
  ok(await call('2402', { dscginfo: { mdtrt_id: id, psn_no: RETIREE.psn_no, endtime: '2026-03-15 09:00:00', dscg_way: '1' } }));
  const pre = ok(await call('2303', { data: { psn_no: RETIREE.psn_no, mdtrt_id: id, acct_used_flag: '1' } }));
  const setl = ok(await call('2304', { data: { psn_no: RETIREE.psn_no, mdtrt_id: id, medfee_sumamt: 1920, acct_used_flag: '1', mid_setl_flag: '0' } }));
  assert.equal(setl.setlinfo.cross_region_status, 'referral_filed', 'the filing made in Jiangxi during the stay counts at discharge');
  assert.equal(setl.setlinfo.fund_pay_sumamt, pre.setlinfo.fund_pay_sumamt);
  const insured = Math.round((setl.setlinfo.fund_pay_sumamt + setl.setlinfo.acct_pay) * 100);
  assert.ok(insured > 0);
  const jxRec = await one(jiangxi, `SELECT owed_fen::int AS owed, setl_id, peer_setl_id FROM federation_settlements WHERE treatment_mdtrt_id = $1`, [id]);
  assert.equal(jxRec.owed, insured, 'Jiangxi records what it owes Hunan for the stay');
  const legSum = async (s: Side, setlId: string, where: string) => Number((await one(s, `SELECT coalesce(sum(l.amount_fen), 0)::bigint AS n FROM ledger_legs l JOIN ledger_transfers t ON t.id = l.transfer_id WHERE t.setl_id = $1 AND ${where}`, [setlId])).n);
  assert.equal(await legSum(jiangxi, jxRec.setl_id, `l.debit_account = 'owed_to:360400:430200'`), insured, 'Jiangxi owes Hunan the funds and the account in its ledger');
  assert.equal(await legSum(hunan, jxRec.peer_setl_id, `l.credit_account = 'owed_by:430200:360400'`), insured, 'Hunan is owed as much in its ledger');
  await assertBooksHold(hunan.db.pool);
  await assertBooksHold(jiangxi.db.pool);
});

test('a forged, replayed, stale or unknown-key message is refused and changes nothing', async () => {
  const before = await counts(jiangxi.db.pool);
  const inbox = async () => (await one(jiangxi, `SELECT count(*)::int AS n FROM federation_inbox`)).n;
  const inboxBefore = await inbox();
  const body = { fixmedins_code: HOSPITAL, psn_no: RETIREE.psn_no, med_type: '11', begntime: NOW.toISOString(), emergency_flag: false, dise_codes: [] };
  // The deployments' clock is the tests' NOW; messages are dated by it.
  let tick = 60_000;
  const make = (over: Record<string, unknown> = {}, key = keys.hunan.privateKeyPem) =>
    sign<Record<string, unknown>>({ version: 1, msg_id: `check:${crypto.randomUUID()}`, kind: 'visit.check', from: 'hunan', to: 'jiangxi', sent_at: new Date(NOW.getTime() + (tick += 1000)).toISOString(), body, ...over }, crypto.createPrivateKey(key));
  const send = async (m: unknown) => {
    const r = await fetch(`http://127.0.0.1:${jiangxi.port}${MESSAGES_PATH}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(m) });
    return { status: r.status, body: (await r.json()) as any };
  };
  const good = make();
  assert.equal((await send(good)).status, 200, 'a well-signed message is answered');
  const replayed = await send(good);
  assert.equal(replayed.status, 401);
  assert.match(replayed.body.error.en, /replay/);
  const forged = { ...make(), body: { ...body, psn_no: '36040000000999' } };
  assert.equal((await send(forged)).body.error.field, 'signature');
  assert.equal((await send(make({}, newKeyPair().privateKeyPem))).body.error.field, 'signature', 'signed with a key the directory does not list');
  assert.equal((await send(make({ from: 'guangdong' }))).body.error.field, 'from');
  assert.equal((await send(make({ sent_at: new Date(NOW.getTime() - 3600_000).toISOString() }))).body.error.field, 'sent_at', 'a stale message');
  // An institution outside the sender's regions: the sender has no authority for it.
  const foreign = await send(make({ body: { ...body, fixmedins_code: 'H36040000003' } }));
  assert.equal(foreign.status, 403);
  assert.deepEqual(await counts(jiangxi.db.pool), before);
  assert.equal(await inbox(), inboxBefore + 2, 'only the well-formed, well-signed messages are noted');
});

test('an answer lost after the insured side committed: the retry, under any msgid, records that settlement once; reconciliation repairs one never retried', async () => {
  const port = federationLink(nodeOf(directory('hunan', ports), crypto.createPrivateKey(keys.hunan.privateKeyPem)), { now: () => NOW });
  const jx = port.directory.deployments.find((d) => d.id === 'jiangxi')!;
  const caller = { fixmedins_code: HOSPITAL, fixmedins_type: '1', hosp_lv: '3', admdvs: '430204', now: NOW, msgid: 'lost' };
  const opts = { psn_no: undefined, medfee_sumamt: undefined, acct_used_flag: false, mid_setl: false, preview: false, psn_pwd: undefined, path: 'input.data' };
  const lostVisit = async (prefix: string) => {
    const v = ok(await call('2201', { data: { psn_no: RETIREE.psn_no, insutype: '310', begntime: '2026-03-15 09:00:00' } }));
    ok(await call('2204', { feedetail: lines(v.data.mdtrt_id, RETIREE.psn_no, prefix, 30) }));
    // The treatment side asks and the insured side commits; then the answer is lost (this side records nothing).
    await askSettlement(hunan.db.pool, port, jx, caller, (await findVisit(hunan.db.pool, v.data.mdtrt_id, false))!, opts);
    return v.data.mdtrt_id as string;
  };
  const retried = await lostVisit('R');
  const jxSettled = async () => (await one(jiangxi, `SELECT count(*)::int AS n FROM settlements WHERE kind = 'settle'`)).n;
  const before = await jxSettled();
  const answer = ok(await call('2207', { data: { psn_no: RETIREE.psn_no, mdtrt_id: retried } }));
  assert.equal(await jxSettled(), before, 'the hospital\'s retry under a new msgid is answered from the insured side\'s record, not settled again');
  const hn = await one(hunan, `SELECT peer_setl_id, setl_id FROM federation_settlements WHERE fed_id = $1`, [`hunan:${retried}:1`]);
  assert.equal(hn.setl_id, answer.setlinfo.setl_id);

  const orphan = await lostVisit('O');
  const day = { from: new Date(NOW.getTime() - 86_400_000), to: new Date(NOW.getTime() + 86_400_000) };
  const found = await reconcileWith(hunan.db.pool, port, 'jiangxi', day.from, day.to, { repair: false, now: NOW });
  assert.deepEqual(found.only_there.map((r) => r.fed_id), [`hunan:${orphan}:1`], 'the insured side has it, this side lacks it');
  assert.deepEqual(found.differing, []);
  const repaired = await reconcileWith(hunan.db.pool, port, 'jiangxi', day.from, day.to, { repair: true, now: NOW });
  assert.deepEqual(repaired.repaired, [`hunan:${orphan}:1`]);
  const again = await reconcileWith(hunan.db.pool, port, 'jiangxi', day.from, day.to, { repair: true, now: NOW });
  assert.deepEqual([again.only_here.length, again.only_there.length, again.differing.length, again.unrepaired.length], [0, 0, 0, 0], 'both sides agree settlement by settlement');
  assert.equal((await one(hunan, `SELECT status FROM visits WHERE mdtrt_id = $1`, [orphan])).status, 'settled');
  await assertBooksHold(hunan.db.pool);
  await assertBooksHold(jiangxi.db.pool);
});

test('the insured side unreachable: the hospital gets a clear -1 and nothing is written on either side', async () => {
  const visit = ok(await call('2201', { data: { psn_no: RETIREE.psn_no, insutype: '310', begntime: '2026-03-15 11:00:00' } }));
  ok(await call('2204', { feedetail: lines(visit.data.mdtrt_id, RETIREE.psn_no, 'U') }));
  const [hnBefore, jxBefore] = [await counts(hunan.db.pool), await counts(jiangxi.db.pool)];
  await jiangxi.app.close();
  const res = await call('2207', { data: { psn_no: RETIREE.psn_no, mdtrt_id: visit.data.mdtrt_id } });
  assert.equal(res.body.infcode, -1);
  assert.match(res.body.err_msg, /暂时无法连接/);
  const hnAfter = await counts(hunan.db.pool);
  for (const k of ['settlements', 'ledger_transfers', 'visit_states', 'line_states']) assert.equal(hnAfter[k], hnBefore[k], k);
  assert.deepEqual(await counts(jiangxi.db.pool), jxBefore);
});
