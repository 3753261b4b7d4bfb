import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { nhsaFixture } from './support/fixtures.ts';
import { HOSPITAL, PHARMACY, RESIDENT, RETIREE, envelope, ok, post, signInAs } from './support/gateway-world.ts';
import { assertBooksHold, counts, lines, openSettlementWorld, type SettlementWorld } from './support/settlement-world.ts';
import { accountBalance } from '../src/store/ledger.ts';
import { setCertPassword } from '../src/store/settlement/passwords.ts';

// Outpatient direct settlement through the real gateway: 2201 → 2203 → 2204 → 2206 → 2207 →
// 2208, the stored explanation (5203), idempotency, and refusals that change nothing.

let w: SettlementWorld;
before(async () => {
  w = await openSettlementWorld();
});
after(async () => w.close());

/** The keys of a sample's node that our answer must carry too. */
function assertShape(ours: Record<string, unknown>, sample: Record<string, unknown>, what: string): void {
  const missing = Object.keys(sample).filter((k) => !(k in ours) && !['exp_content', 'expContent'].includes(k));
  assert.deepEqual(missing, [], `${what}: fields of the interface sample missing from the answer`);
}

async function register(psnNo = RESIDENT.psn_no): Promise<string> {
  const out = ok(await w.call('2201', { data: { psn_no: psnNo, insutype: '390', begntime: '2026-03-15 10:00:00', mdtrt_cert_type: '02', mdtrt_cert_no: RESIDENT.certno, ipt_otp_no: 'MZ001', dept_code: '01', dept_name: '内科', caty: 'A03' } }));
  assertShape(out.data, nhsaFixture('2201-response.his-mock.json').output.data, '2201 data');
  return out.data.mdtrt_id;
}

test('an outpatient visit settles, explains itself, and cancels back to nothing', async () => {
  const mdtrtId = await register();
  ok(await w.call('2203', { mdtrtinfo: { mdtrt_id: mdtrtId, psn_no: RESIDENT.psn_no, med_type: '11', begntime: '2026-03-15 10:00:00' }, diseinfo: [{ diag_type: '1', diag_srt_no: 1, diag_code: 'J06.900', diag_name: '急性上呼吸道感染', maindiag_flag: '1' }] }));
  const up = ok(await w.call('2204', { feedetail: lines(mdtrtId, RESIDENT.psn_no) }));
  assert.equal(up.result.length, 3);
  assertShape(up.result[0], nhsaFixture('2204-response.his-mock.json').output.result[0], '2204 result');
  // 阿托伐他汀 is 乙类: Zhuzhou's 5% first self-pay share of 30.10 is 1.51 (half up).
  const statin = up.result.find((r: any) => r.feedetl_sn === 'L2');
  assert.equal(statin.chrgitm_lv, '02');
  assert.equal(statin.selfpay_prop, 0.05);
  assert.equal(statin.preselfpay_amt, 1.51);
  const before = await counts(w.db.pool);
  const pre = ok(await w.call('2206', { data: { psn_no: RESIDENT.psn_no, mdtrt_id: mdtrtId, medfee_sumamt: 52.6, acct_used_flag: '0', insutype: '390' } }));
  assert.deepEqual(await counts(w.db.pool), { ...before, gateway_messages: before.gateway_messages! + 1 }, 'a pre-settlement writes nothing but its log line');
  const setl = ok(await w.call('2207', { data: { psn_no: RESIDENT.psn_no, mdtrt_id: mdtrtId, medfee_sumamt: 52.6, acct_used_flag: '0', insutype: '390' } }));
  assertShape(setl.setlinfo, nhsaFixture('2207-response.his-mock.json').output.setlinfo, '2207 setlinfo');
  assertShape(setl.setldetail[0] ?? {}, {}, '2207 setldetail');
  const { setl_id: _a, setl_time: _b, medins_setl_id: _c, ...preRest } = pre.setlinfo;
  const { setl_id, setl_time: _d, medins_setl_id: _e, ...setlRest } = setl.setlinfo;
  assert.deepEqual(setlRest, preRest, 'the settlement is what the pre-settlement said');
  assert.equal(setl.setlinfo.medfee_sumamt, 52.6);
  const s = setl.setlinfo;
  assert.equal(Math.round(s.medfee_sumamt * 100), Math.round((s.fund_pay_sumamt + s.psn_part_amt + s.hosp_part_amt) * 100));
  await assertBooksHold(w.db.pool);

  // The explanation is stored and retrievable (the portal reads the same).
  const q = ok(await w.call('5203', { data: { psn_no: RESIDENT.psn_no, setl_id } }));
  assert.equal(q.setlinfo[0].setl_id, setl_id);
  assert.ok(q.setlinfo[0].explanation.steps.some((x: any) => x.step === 'pooled_fund'), 'steps stored');
  const fees = ok(await w.call('5204', { data: { psn_no: RESIDENT.psn_no, mdtrt_id: mdtrtId } }));
  assert.deepEqual(fees.output.map((l: any) => l.setl_id), [setl_id, setl_id, setl_id]);

  // Uploading to a settled visit, settling it again: refused, nothing changes.
  const mid = await counts(w.db.pool);
  const late = await w.call('2204', { feedetail: lines(mdtrtId, RESIDENT.psn_no, 'X') });
  assert.equal(late.body.infcode, -1);
  assert.match(late.body.err_msg, /已结算/);
  const again = await w.call('2207', { data: { psn_no: RESIDENT.psn_no, mdtrt_id: mdtrtId } });
  assert.equal(again.body.infcode, -1);
  assert.deepEqual(await counts(w.db.pool), { ...mid, gateway_messages: mid.gateway_messages! + 2 });

  // 2208: a new setl_id with negated amounts; accumulators back to zero; the ledger nets to zero.
  const cancel = ok(await w.call('2208', { data: { setl_id, mdtrt_id: mdtrtId, psn_no: RESIDENT.psn_no } }));
  assertShape(cancel.setlinfo, nhsaFixture('2208-response.his-mock.json').output.setlinfo, '2208 setlinfo');
  assert.notEqual(cancel.setlinfo.setl_id, setl_id);
  assert.equal(cancel.setlinfo.medfee_sumamt, -52.6);
  const acc = ok(await w.call('5206', { data: { psn_no: RESIDENT.psn_no, cum_ym: '202603' } }));
  assert.ok(acc.cuminfo.length > 0);
  for (const c of acc.cuminfo) assert.equal(c.cum, 0, `${c.cum_type_code} restored`);
  assert.equal(await accountBalance(w.db.pool, `medins_payable:${HOSPITAL}`), 0);
  const twice = await w.call('2208', { data: { setl_id, mdtrt_id: mdtrtId, psn_no: RESIDENT.psn_no } });
  assert.equal(twice.body.infcode, -1);
  assert.match(twice.body.err_msg, /already cancelled/);
  await assertBooksHold(w.db.pool);

  // The ledger is append-only: a correction is a reversing transfer, never an edit.
  await assert.rejects(w.db.pool.query(`UPDATE ledger_legs SET amount_fen = amount_fen + 1`), /append-only/);
  await assert.rejects(w.db.pool.query(`DELETE FROM ledger_transfers`), /append-only/);

  // The visit can be settled again after the cancellation.
  const re = ok(await w.call('2207', { data: { psn_no: RESIDENT.psn_no, mdtrt_id: mdtrtId, medfee_sumamt: 52.6 } }));
  assert.equal(re.setlinfo.fund_pay_sumamt, setl.setlinfo.fund_pay_sumamt);
  await assertBooksHold(w.db.pool);
});

test('a repeated msgid returns the original settlement; other content is refused naming the difference', async () => {
  const mdtrtId = await register();
  ok(await w.call('2204', { feedetail: lines(mdtrtId, RESIDENT.psn_no) }));
  const env = envelope('2207', { data: { psn_no: RESIDENT.psn_no, mdtrt_id: mdtrtId, medfee_sumamt: 52.6 } }, { sign_no: w.signNo });
  const first = await post(w.app, env);
  ok(first);
  const before = await counts(w.db.pool);
  const retry = await post(w.app, { ...env, inf_time: '2026-03-15 10:00:09' });
  assert.deepEqual(retry.body, first.body, 'the original answer, verbatim');
  assert.deepEqual(await counts(w.db.pool), { ...before, gateway_messages: before.gateway_messages! + 1 }, 'nothing changed but the log line of the retry');
  const other = await post(w.app, { ...env, input: { data: { psn_no: RESIDENT.psn_no, mdtrt_id: mdtrtId, medfee_sumamt: 52.7 } } });
  assert.equal(other.body.infcode, -1);
  assert.match(other.body.err_msg, /input\.data\.medfee_sumamt/);
  assert.equal((await counts(w.db.pool)).settlements, before.settlements);
  await assertBooksHold(w.db.pool);
});

test('malformed and out-of-order transactions are refused with -1 and change nothing', async () => {
  const mdtrtId = await register();
  ok(await w.call('2204', { feedetail: lines(mdtrtId, RESIDENT.psn_no) }));
  const pharmacySign = await signInAs(w.app, PHARMACY);
  const cases: Array<[string, string, unknown, Record<string, unknown>, RegExp]> = [
    ['unknown visit', '2207', { data: { psn_no: RESIDENT.psn_no, mdtrt_id: '999999999' } }, {}, /no visit 999999999/],
    ['wrong total', '2207', { data: { psn_no: RESIDENT.psn_no, mdtrt_id: mdtrtId, medfee_sumamt: 1 } }, {}, /medfee_sumamt/],
    ['another person', '2207', { data: { psn_no: '43020000000003', mdtrt_id: mdtrtId } }, {}, /does not match visit/],
    ['duplicate line numbers', '2204', { feedetail: lines(mdtrtId, RESIDENT.psn_no) }, {}, /already uploaded/],
    ['unknown settlement', '2208', { data: { setl_id: '123', mdtrt_id: mdtrtId, psn_no: RESIDENT.psn_no } }, {}, /no settlement 123/],
    ['outside its region', '2201', { data: { psn_no: RESIDENT.psn_no, insutype: '390' } }, { mdtrtarea_admvs: '360400' }, /not the institution's own pooling region/],
    ['a pharmacy registering', '2201', { data: { psn_no: RESIDENT.psn_no, insutype: '390' } }, { fixmedins_code: PHARMACY, sign_no: pharmacySign }, /pharmacy cannot register/],
    ['another institution settling', '2207', { data: { psn_no: RESIDENT.psn_no, mdtrt_id: mdtrtId } }, { fixmedins_code: PHARMACY, sign_no: pharmacySign }, /no visit/],
    ['inpatient settle before discharge', '2304', { data: { psn_no: RESIDENT.psn_no, mdtrt_id: mdtrtId } }, {}, /not a stay/],
    ['negative amount sign', '2204', { feedetail: [{ feedetl_sn: 'N1', mdtrt_id: mdtrtId, med_list_codg: '110200001', det_item_fee_sumamt: -10, cnt: 1, pric: 10 }] }, {}, /different signs/],
    ['no lines', '2204', { feedetail: [] }, {}, /at least one fee line/],
    ['malformed amount', '2207', { data: { psn_no: RESIDENT.psn_no, mdtrt_id: mdtrtId, medfee_sumamt: '12.345' } }, {}, /two decimals/],
    ['unknown reversal', '2601', { data: { psn_no: RESIDENT.psn_no, omsgid: 'nope', oinfno: '2207' } }, {}, /no successful original message/],
  ];
  const before = await counts(w.db.pool);
  for (const [what, infno, input, header, err] of cases) {
    const res = await w.call(infno, input, header);
    assert.equal(res.body.infcode, -1, `${what}: ${JSON.stringify(res.body.output)}`);
    assert.match(res.body.err_msg, err, what);
  }
  const afterCounts = await counts(w.db.pool);
  assert.deepEqual(afterCounts, { ...before, gateway_messages: before.gateway_messages! + cases.length }, 'only the message log grew');
});

test('2601 reverses a settlement by omsgid; a pharmacy sale settles and cancels in one message each', async () => {
  const mdtrtId = await register();
  ok(await w.call('2204', { feedetail: lines(mdtrtId, RESIDENT.psn_no) }));
  const env = envelope('2207', { data: { psn_no: RESIDENT.psn_no, mdtrt_id: mdtrtId } }, { sign_no: w.signNo });
  ok(await post(w.app, env));
  const rev = ok(await w.call('2601', { data: { psn_no: RESIDENT.psn_no, omsgid: env['msgid'], oinfno: '2207' } }));
  assert.equal(rev.data.reversed, 'settlement');
  const revAgain = await w.call('2601', { data: { psn_no: RESIDENT.psn_no, omsgid: env['msgid'], oinfno: '2207' } });
  assert.equal(revAgain.body.infcode, -1);
  await assertBooksHold(w.db.pool);

  const sign = await signInAs(w.app, PHARMACY);
  const sale = { data: { psn_no: RESIDENT.psn_no, insutype: '390', med_type: '41', medfee_sumamt: 42.6 }, feedetail: lines('', RESIDENT.psn_no).slice(0, 2).map(({ mdtrt_id: _m, ...l }) => l) };
  const head = { fixmedins_code: PHARMACY, sign_no: sign };
  const pre = ok(await w.call('2101', sale, head));
  const before = await counts(w.db.pool);
  assert.equal(pre.setlinfo.medfee_sumamt, 42.6);
  const sold = ok(await w.call('2102', sale, head));
  assert.equal(sold.setlinfo.fund_pay_sumamt, pre.setlinfo.fund_pay_sumamt);
  assert.equal((await counts(w.db.pool)).settlements, before.settlements! + 1);
  ok(await w.call('2103', { data: { setl_id: sold.setlinfo.setl_id, psn_no: RESIDENT.psn_no } }, head));
  await assertBooksHold(w.db.pool);
});

test('a card with a password needs it to settle within its province', async () => {
  await setCertPassword(w.db.pool, RESIDENT.psn_no, '01', RESIDENT.voucher, '135790');
  const reg = ok(await w.call('2201', { data: { mdtrt_cert_type: '01', mdtrt_cert_no: RESIDENT.voucher, insutype: '390' } }));
  const id = reg.data.mdtrt_id as string;
  assert.equal(reg.data.psn_no, RESIDENT.psn_no, 'the voucher names the patient');
  ok(await w.call('2204', { feedetail: lines(id, RESIDENT.psn_no) }));
  const none = await w.call('2207', { data: { psn_no: RESIDENT.psn_no, mdtrt_id: id } });
  assert.match(none.body.err_msg, /input\.data\.psn_pwd.*required/);
  const wrong = await w.call('2207', { data: { psn_no: RESIDENT.psn_no, mdtrt_id: id, psn_pwd: '000000' } });
  assert.match(wrong.body.err_msg, /wrong password/);
  ok(await w.call('2207', { data: { psn_no: RESIDENT.psn_no, mdtrt_id: id, psn_pwd: '135790' } }));
  // A voucher of another person does not register this one.
  const mismatch = await w.call('2201', { data: { psn_no: '43020000000003', mdtrt_cert_type: '01', mdtrt_cert_no: RESIDENT.voucher } });
  assert.match(mismatch.body.err_msg, /does not match the medical certificate/);
  await setCertPassword(w.db.pool, RESIDENT.psn_no, '01', RESIDENT.voucher, null);

  // Across provinces the card is enough: the Jiujiang retiree's card has a password too.
  await setCertPassword(w.db.pool, RETIREE.psn_no, '03', RETIREE.card, '112233');
  const away = ok(await w.call('2201', { data: { mdtrt_cert_type: '03', mdtrt_cert_no: RETIREE.card, card_sn: RETIREE.card_sn, insutype: '310' } }));
  ok(await w.call('2204', { feedetail: lines(away.data.mdtrt_id, RETIREE.psn_no) }));
  ok(await w.call('2207', { data: { psn_no: RETIREE.psn_no, mdtrt_id: away.data.mdtrt_id } }));
  await assertBooksHold(w.db.pool);
});

test('2202, 2205, 2403 and the 5201/5202 queries', async () => {
  const mdtrtId = await register();
  ok(await w.call('2203', { mdtrtinfo: { mdtrt_id: mdtrtId, psn_no: RESIDENT.psn_no, med_type: '11' }, diseinfo: [{ diag_srt_no: 2, diag_code: 'J20.900', diag_name: '急性支气管炎' }, { diag_srt_no: 1, diag_code: 'J06.900', diag_name: '急性上呼吸道感染', maindiag_flag: '1' }] }));
  const dx = ok(await w.call('5202', { data: { psn_no: RESIDENT.psn_no, mdtrt_id: mdtrtId } }));
  assert.deepEqual(dx.diseinfo.map((d: any) => [d.diag_code, d.maindiag_flag]), [['J06.900', '1'], ['J20.900', '0']], 'main diagnosis first');
  const a = lines(mdtrtId, RESIDENT.psn_no, 'A').map((l) => ({ ...l, chrg_bchno: 'B1' }));
  const b = lines(mdtrtId, RESIDENT.psn_no, 'B').map((l) => ({ ...l, chrg_bchno: 'B2' }));
  ok(await w.call('2204', { feedetail: a }));
  ok(await w.call('2204', { feedetail: b }));
  const gone = ok(await w.call('2205', { data: { mdtrt_id: mdtrtId, psn_no: RESIDENT.psn_no, chrg_bchno: 'B1' } }));
  assert.deepEqual(gone.result.map((r: any) => r.feedetl_sn).sort(), ['A1', 'A2', 'A3']);
  const pre = ok(await w.call('2206', { data: { psn_no: RESIDENT.psn_no, mdtrt_id: mdtrtId } }));
  assert.equal(pre.setlinfo.medfee_sumamt, 52.6, 'only batch B is left to settle');
  // A cancelled line number is never reused.
  const reuse = await w.call('2204', { feedetail: lines(mdtrtId, RESIDENT.psn_no, 'A').slice(0, 1) });
  assert.match(reuse.body.err_msg, /feedetl_sn already uploaded: A1/);
  ok(await w.call('2202', { data: { mdtrt_id: mdtrtId, psn_no: RESIDENT.psn_no } }));
  const visits = ok(await w.call('5201', { data: { psn_no: RESIDENT.psn_no, mdtrt_id: mdtrtId } }));
  assert.deepEqual(visits.mdtrtinfo.map((v: any) => [v.mdtrt_id, v.status]), [[mdtrtId, 'cancelled']]);
  const after = await w.call('2207', { data: { psn_no: RESIDENT.psn_no, mdtrt_id: mdtrtId } });
  assert.match(after.body.err_msg, /cancelled/);

  const adm = ok(await w.call('2401', { mdtrtinfo: { psn_no: RESIDENT.psn_no, insutype: '390', med_type: '21', begntime: '2026-03-14 08:00:00' } }));
  ok(await w.call('2403', { adminfo: { mdtrt_id: adm.result.mdtrt_id, psn_no: RESIDENT.psn_no, begntime: '2026-03-13 20:00:00', adm_bed: '12' }, diseinfo: [{ diag_code: 'K35.800', diag_name: '急性阑尾炎' }] }));
  const stay = ok(await w.call('5201', { data: { psn_no: RESIDENT.psn_no, mdtrt_id: adm.result.mdtrt_id } }));
  assert.deepEqual([stay.mdtrtinfo[0].begntime, stay.mdtrtinfo[0].dise_codes], ['2026-03-13 20:00:00', ['K35.800']]);
  const inHosp = ok(await w.call('5303', { data: { psn_no: RESIDENT.psn_no } }));
  assert.ok(inHosp.data.some((d: any) => d.mdtrt_id === adm.result.mdtrt_id));
  await assertBooksHold(w.db.pool);
});
