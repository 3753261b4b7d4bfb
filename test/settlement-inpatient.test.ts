import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { nhsaFixture } from './support/fixtures.ts';
import { HOSPITAL, OTHER_HOSPITAL, RETIREE, envelope, ok, post, signInAs } from './support/gateway-world.ts';
import { assertBooksHold, counts, openSettlementWorld, type SettlementWorld } from './support/settlement-world.ts';
import { accountBalance } from '../src/store/ledger.ts';
import { crossRegionOwed } from '../src/store/settlement/queries.ts';

// A cross-province stay: the Jiujiang retiree (employees' insurance of 360400) admitted in
// Zhuzhou (430200) without a filing; the Jiujiang hospital files a referral during the stay,
// which counts at discharge. Zhuzhou's catalog classifies, Jiujiang's policy pays, and the
// money is owed by 360400 to 430200. Mid-stay settlement, fee cancellation, reconciliation.

let w: SettlementWorld;
before(async () => {
  w = await openSettlementWorld();
});
after(async () => w.close());

const line = (mdtrtId: string, sn: string, codg: string, amount: number, cnt = 1) => ({ feedetl_sn: sn, mdtrt_id: mdtrtId, psn_no: RETIREE.psn_no, med_list_codg: codg, det_item_fee_sumamt: amount, cnt, pric: amount / cnt });

test('a cross-province stay filed after admission settles at discharge on the insured region’s policy', async () => {
  const head = { insuplc_admdvs: '360400' };
  const adm = ok(await w.call('2401', { mdtrtinfo: { psn_no: RETIREE.psn_no, insutype: '310', med_type: '21', begntime: '2026-03-10 08:00:00', ipt_no: 'ZY001', mdtrt_cert_type: '03', mdtrt_cert_no: RETIREE.card, card_sn: RETIREE.card_sn, adm_diag_code: 'I63.900' }, diseinfo: [{ diag_type: '1', diag_code: 'I63.900', diag_name: '脑梗死', maindiag_flag: '1' }] }, head));
  const mdtrtId = adm.result.mdtrt_id as string;
  const inHosp = ok(await w.call('5303', { data: { psn_no: RETIREE.psn_no } }));
  assert.deepEqual(inHosp.data.map((r: any) => r.mdtrt_id), [mdtrtId]);

  const up = ok(await w.call('2301', { feedetail: [line(mdtrtId, 'B1', '110900001', 400, 10), line(mdtrtId, 'B2', '311000001', 1500), line(mdtrtId, 'B3', 'XA11GAV099A022010100655', 20), line(mdtrtId, 'B4', '250101001', 30)] }));
  assertShape(up.result[0], nhsaFixture('2301-response.his-mock.json').output.result[0]);
  // The bed is 40 a day against Zhuzhou's limit of 35: 5 a day over the limit.
  assert.equal(up.result.find((r: any) => r.feedetl_sn === 'B1').overlmt_amt, 50);
  assert.equal(up.result.find((r: any) => r.feedetl_sn === 'B3').chrgitm_lv, '03');
  // 2302 cancels one line, then "0000" would cancel every unsettled line; here one is enough.
  ok(await w.call('2302', { data: [{ feedetl_sn: 'B4', mdtrt_id: mdtrtId, psn_no: RETIREE.psn_no }] }));

  // Settling before discharge is out of order.
  const early = await w.call('2304', { data: { psn_no: RETIREE.psn_no, mdtrt_id: mdtrtId, mid_setl_flag: '0' } });
  assert.equal(early.body.infcode, -1);
  assert.match(early.body.err_msg, /discharge with 2402 first/);

  // The Jiujiang hospital files a referral to Zhuzhou during the stay.
  const refSign = await signInAs(w.app, OTHER_HOSPITAL);
  const filed = await post(w.app, envelope('2501', { refmedin: { psn_no: RETIREE.psn_no, insutype: '310', reflin_medins_no: HOSPITAL, hosp_agre_refl_flag: '1', refl_date: '2026-03-12', begndate: '2026-03-12', diag_code: 'I63.900', diag_name: '脑梗死', refl_rea: '康复' } }, { fixmedins_code: OTHER_HOSPITAL, sign_no: refSign, mdtrtarea_admvs: '360400', insuplc_admdvs: '360400' }));
  assert.equal(filed.body.infcode, 0, filed.body.err_msg);

  ok(await w.call('2402', { dscginfo: { mdtrt_id: mdtrtId, psn_no: RETIREE.psn_no, endtime: '2026-03-15 09:00:00', dscg_way: '1' } }));
  const pre = ok(await w.call('2303', { data: { psn_no: RETIREE.psn_no, mdtrt_id: mdtrtId, medfee_sumamt: 1920, acct_used_flag: '1' } }));
  const setl = ok(await w.call('2304', { data: { psn_no: RETIREE.psn_no, mdtrt_id: mdtrtId, medfee_sumamt: 1920, acct_used_flag: '1', mid_setl_flag: '0' } }, head));
  assertShape(setl.setlinfo, nhsaFixture('2304-response.his-mock.json').output.setlinfo);
  assert.equal(setl.setlinfo.cross_region_status, 'referral_filed', 'the filing made during the stay counts at discharge');
  assert.equal(setl.setlinfo.fund_pay_sumamt, pre.setlinfo.fund_pay_sumamt);
  assert.ok(setl.setlinfo.hifp_pay > 0, 'the pooled fund pays');
  assert.ok(setl.setlinfo.acct_pay > 0, 'the personal account pays');
  const owed = (await crossRegionOwed(w.db.pool, '202603')).find((r) => r.insuplc_admdvs === '360400' && r.mdtrtarea_admvs === '430200');
  const insured = Math.round((setl.setlinfo.fund_pay_sumamt + setl.setlinfo.acct_pay) * 100);
  assert.equal(owed?.amount_fen, insured, 'Jiujiang owes Zhuzhou the fund and account payments');
  assert.equal(await accountBalance(w.db.pool, 'owed_to:360400:430200'), insured);
  assert.equal(await accountBalance(w.db.pool, `medins_payable:${HOSPITAL}`), insured);
  await assertBooksHold(w.db.pool);

  // Reconciliation: the hospital's totals agree; a detail list missing the settlement is reported.
  const day = { stmt_begndate: '2026-03-15', stmt_enddate: '2026-03-15' };
  const agree = ok(await w.call('3201', { data: { ...day, medfee_sumamt: 1920, fund_pay_sumamt: setl.setlinfo.fund_pay_sumamt, acct_pay: setl.setlinfo.acct_pay, fixmedins_setl_cnt: 1 } }));
  assert.equal(agree.stmtinfo.stmt_rslt, '0', JSON.stringify(agree.stmtinfo));
  const differ = ok(await w.call('3201', { data: { ...day, medfee_sumamt: 1900, fund_pay_sumamt: setl.setlinfo.fund_pay_sumamt, acct_pay: 0, fixmedins_setl_cnt: 1 } }));
  assert.deepEqual(differ.stmtinfo.mismatches.map((m: any) => m.field), ['medfee_sumamt', 'acct_pay']);
  const details = ok(await w.call('3202', { data: day, detail: [{ setl_id: '1', medfee_sumamt: 5 }] }));
  assert.deepEqual(details.mismatches.map((m: any) => [m.setl_id, m.stmt_rslt]), [['1', 'center_missing'], [setl.setlinfo.setl_id, 'fixmedins_missing']]);

  // 2305 cancels: the ledger, the account and the accumulators come back exactly.
  const before = await counts(w.db.pool);
  const cancel = ok(await w.call('2305', { data: { psn_no: RETIREE.psn_no, mdtrt_id: mdtrtId, setl_id: setl.setlinfo.setl_id } }));
  assertShape(cancel.setlinfo, { setl_id: 1, mdtrt_id: 1, medfee_sumamt: 1, fund_pay_sumamt: 1, acct_pay: 1, psn_cash_pay: 1 });
  assert.equal(cancel.setlinfo.medfee_sumamt, -1920);
  const after = await counts(w.db.pool);
  assert.equal(after.accounts_fen, 123456, 'the personal account is restored');
  assert.equal(after.settlements, before.settlements! + 1);
  assert.equal(await accountBalance(w.db.pool, 'owed_to:360400:430200'), 0);
  const acc = await w.db.pool.query(`SELECT acc FROM accumulators WHERE psn_no = $1`, [RETIREE.psn_no]);
  for (const [k, v] of Object.entries(acc.rows[0].acc)) if (typeof v === 'number') assert.equal(v, 0, k);
  await assertBooksHold(w.db.pool);
});

test('a mid-stay settlement settles the lines so far; the rest settles at discharge', async () => {
  const adm = ok(await w.call('2401', { mdtrtinfo: { psn_no: RETIREE.psn_no, insutype: '310', med_type: '21', begntime: '2026-03-14 08:00:00', emergency_flag: '1' }, diseinfo: [{ diag_code: 'I21.900', diag_name: '急性心肌梗死' }] }));
  const id = adm.result.mdtrt_id as string;
  const accOf = async () => (await w.db.pool.query(`SELECT acc FROM accumulators WHERE psn_no = $1 AND year = 2026`, [RETIREE.psn_no])).rows[0]?.acc ?? {};
  const deductibleStep = async (setlId: string) => ok(await w.call('5203', { data: { psn_no: RETIREE.psn_no, setl_id: setlId } })).setlinfo[0].explanation.steps.find((x: any) => x.step === 'deductible');
  const start = await accOf();
  // The first segment is smaller than the admission's deductible, so the rest falls to the final one.
  ok(await w.call('2301', { feedetail: [line(id, 'M1', '311000001', 100)] }));
  const mid = ok(await w.call('2304', { data: { psn_no: RETIREE.psn_no, mdtrt_id: id, mid_setl_flag: '1' } }));
  assert.equal(mid.setlinfo.medfee_sumamt, 100);
  const midDed = await deductibleStep(mid.setlinfo.setl_id);
  const admissionDeductible = midDed.in.deductible_remaining as number;
  assert.ok(admissionDeductible > 10000 && mid.setlinfo.act_pay_dedc > 0 && mid.setlinfo.act_pay_dedc * 100 < admissionDeductible, JSON.stringify(midDed));
  assert.equal((await accOf()).admissions, (start.admissions ?? 0) + 1, 'the stay is counted at its first segment');
  ok(await w.call('2301', { feedetail: [line(id, 'M2', '311000001', 3000), line(id, 'M3', '121100001', 200)] }));
  ok(await w.call('2402', { dscginfo: { mdtrt_id: id, psn_no: RETIREE.psn_no, endtime: '2026-03-15 08:00:00' } }));
  const fin = ok(await w.call('2304', { data: { psn_no: RETIREE.psn_no, mdtrt_id: id, medfee_sumamt: 3200 } }));
  assert.equal(fin.setlinfo.medfee_sumamt, 3200);
  // One deductible for the stay, however many segments; the admission is not counted again.
  assert.equal(Math.round((mid.setlinfo.act_pay_dedc + fin.setlinfo.act_pay_dedc) * 100), admissionDeductible);
  const finDed = await deductibleStep(fin.setlinfo.setl_id);
  assert.equal(finDed.in.deductible_paid_this_stay, Math.round(mid.setlinfo.act_pay_dedc * 100));
  assert.equal((await accOf()).admissions, (start.admissions ?? 0) + 1, 'the final segment does not count a new admission');
  // The earlier settlement cannot be cancelled while a later one stands.
  const wrongOrder = await w.call('2305', { data: { psn_no: RETIREE.psn_no, mdtrt_id: id, setl_id: mid.setlinfo.setl_id } });
  assert.equal(wrongOrder.body.infcode, -1);
  ok(await w.call('2305', { data: { psn_no: RETIREE.psn_no, mdtrt_id: id, setl_id: fin.setlinfo.setl_id } }));
  assert.equal((await accOf()).admissions, (start.admissions ?? 0) + 1, 'the mid-stay segment still counts the stay');
  ok(await w.call('2305', { data: { psn_no: RETIREE.psn_no, mdtrt_id: id, setl_id: mid.setlinfo.setl_id } }));
  const end = await accOf();
  for (const k of new Set([...Object.keys(start), ...Object.keys(end)])) {
    if (typeof end[k] === 'number' || typeof start[k] === 'number') assert.equal(end[k] ?? 0, start[k] ?? 0, k);
    else assert.deepEqual(Object.entries(end[k] ?? {}).filter(([, v]) => v !== 0), Object.entries(start[k] ?? {}).filter(([, v]) => v !== 0), k);
  }
  // With no settlement left the stay can be reopened (2405) and its lines cancelled with "0000".
  ok(await w.call('2405', { data: { psn_no: RETIREE.psn_no, mdtrt_id: id } }));
  const all = ok(await w.call('2302', { data: [{ feedetl_sn: '0000', mdtrt_id: id, psn_no: RETIREE.psn_no }] }));
  assert.deepEqual(all.result.map((r: any) => r.feedetl_sn).sort(), ['M1', 'M2', 'M3']);
  ok(await w.call('2404', { data: { psn_no: RETIREE.psn_no, mdtrt_id: id } }));
  await assertBooksHold(w.db.pool);
});

function assertShape(ours: Record<string, unknown>, sample: Record<string, unknown>): void {
  const missing = Object.keys(sample).filter((k) => !(k in ours) && !['exp_content', 'expContent'].includes(k));
  assert.deepEqual(missing, [], 'fields of the interface sample missing from the answer');
}

test('a national chronic disease settles across provinces as med_type 14 on the insured region’s chronic terms', async () => {
  const filed = await w.call('2503', {
    data: {
      psn_no: RETIREE.psn_no, insutype: '310', opsp_dise_code: 'CP01', opsp_dise_name: '高血压', insu_optins: '360400', ide_fixmedins_no: HOSPITAL,
      hosp_ide_date: '2026-03-14 00:00:00', diag_dr_codg: 'D430204001', diag_dr_name: '赵医生', diag_code: 'I10.x00', begndate: '2026-03-15',
    },
  });
  assert.equal(filed.body.infcode, 0, filed.body.err_msg);
  await w.db.pool.query('UPDATE institutions SET settles_chronic = true WHERE fixmedins_code = $1', [HOSPITAL]);
  const reg = ok(await w.call('2201', { data: { psn_no: RETIREE.psn_no, insutype: '310', med_type: '14' } }));
  const id = reg.data.mdtrt_id as string;
  ok(await w.call('2203', { mdtrtinfo: { mdtrt_id: id, psn_no: RETIREE.psn_no, med_type: '14' }, diseinfo: [{ diag_type: '1', diag_code: 'I10.x00', diag_name: '高血压', maindiag_flag: '1' }] }));
  // 氨氯地平 (甲类) for hypertension.
  ok(await w.call('2204', { feedetail: [line(id, 'C1', 'XC08CAA001A001010100026', 100, 4)] }));
  const setl = ok(await w.call('2207', { data: { psn_no: RETIREE.psn_no, mdtrt_id: id, medfee_sumamt: 100 } }));
  assert.equal(setl.setlinfo.med_type, '14');
  const q = ok(await w.call('5203', { data: { psn_no: RETIREE.psn_no, setl_id: setl.setlinfo.setl_id } }));
  const pooled = q.setlinfo[0].explanation.steps.find((x: any) => x.step === 'pooled_fund');
  assert.match(pooled.rule, /^\/chronic\/diseases\/\d+\/ratio_bp$/, 'priced on Jiujiang’s chronic-disease terms');
  assert.equal(q.setlinfo[0].explanation.eligibility.terms.chronicDisease.basis, 'national_cross_province');
  assert.ok(setl.setlinfo.hifp_pay > 0);
  await assertBooksHold(w.db.pool);

  // 5205: the chronic visit's drug line with its recognised disease, for any institution that
  // asks (the other hospital too: what was dispensed elsewhere); the stay's drugs (med_type 21)
  // earlier in this file are not chronic-disease records.
  const records = async (fixmedinsCode: string): Promise<unknown[][]> => {
    const sign = await signInAs(w.app, fixmedinsCode);
    const res = await post(w.app, envelope('5205', { data: { psn_no: RETIREE.psn_no, begntime: '2026-01-01 00:00:00' } }, { fixmedins_code: fixmedinsCode, sign_no: sign }));
    assert.equal(res.body.infcode, 0, res.body.err_msg);
    return res.body.output.feedetail.map((x: any) => [x.mdtrt_id, x.feedetl_sn, x.fixmedins_code, x.med_list_codg, x.med_chrgitm_type, x.opsp_dise_code, x.cnt, x.det_item_fee_sumamt, x.setl_id]);
  };
  const expected = [[id, 'C1', HOSPITAL, 'XC08CAA001A001010100026', '09', 'CP01', 4, 100, setl.setlinfo.setl_id]];
  assert.deepEqual(await records(HOSPITAL), expected);
  assert.deepEqual(await records(OTHER_HOSPITAL), expected, 'another institution sees the same record');
  const bad = await w.call('5205', { data: { psn_no: RETIREE.psn_no } });
  assert.equal(bad.body.infcode, -1);
  assert.match(bad.body.err_msg, /input\.data\.begntime/);
  // A cancelled settlement's drugs are no longer a record.
  ok(await w.call('2208', { data: { psn_no: RETIREE.psn_no, mdtrt_id: id, setl_id: setl.setlinfo.setl_id } }));
  assert.deepEqual(await records(HOSPITAL), []);
  await assertBooksHold(w.db.pool);

  // Without the recognition the same visit is not settled directly.
  await w.db.pool.query('UPDATE institutions SET settles_chronic = false WHERE fixmedins_code = $1', [HOSPITAL]);
  const reg2 = ok(await w.call('2201', { data: { psn_no: RETIREE.psn_no, insutype: '310', med_type: '14' } }));
  ok(await w.call('2203', { mdtrtinfo: { mdtrt_id: reg2.data.mdtrt_id, psn_no: RETIREE.psn_no, med_type: '14' }, diseinfo: [{ diag_code: 'I10.x00', diag_name: '高血压' }] }));
  ok(await w.call('2204', { feedetail: [line(reg2.data.mdtrt_id, 'C1', 'XC08CAA001A001010100026', 100, 4)] }));
  const refused = await w.call('2207', { data: { psn_no: RETIREE.psn_no, mdtrt_id: reg2.data.mdtrt_id } });
  assert.equal(refused.body.infcode, -1, 'an institution without the chronic-disease flag does not settle it');
});
