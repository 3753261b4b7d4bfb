import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { RESIDENT, envelope, ok, post, signInAs } from './support/gateway-world.ts';
import { assertBooksHold, openSettlementWorld, type SettlementWorld } from './support/settlement-world.ts';
import { idNumber, insertCert, insertEnrollment, insertInstitution, insertPerson, insertRegions } from './support/registry-rows.ts';
import { inTransaction } from '../src/store/db.ts';
import { documentRegistry } from '../src/store/documents/registry.ts';
import { accountBalance } from '../src/store/ledger.ts';
import { insertHistory } from '../src/store/payment/dip.ts';
import { currentPayment, paymentsOf, groupingsOf } from '../src/store/payment/settlement-lists.ts';
import { runYearEnd } from '../src/app/payment/year-end.ts';
import { refuses } from './support/refusals.ts';

// Paying hospitals per case, end to end through the gateway: a Changsha stay (DRG, the 2023
// weights) grouped and priced on its settlement list, regrouped by a corrected list (priced
// again, once), settled at the year-end (one transfer fund → the hospital's payable, run once),
// then cancelled after the year-end (next year's adjustment); a Zhuzhou stay (DIP) priced from
// three years of imported history. The patient's settlement never changes; the books balance.

const CS_HOSPITAL = 'H43010200009';
const CS_PERSON = { psn_no: '43010000000009', certno: idNumber('430102', '1955-04-01', 41), psn_name: '长沙居民丁', brdy: '1955-04-01', voucher: 'EV-430102-0009-TOKEN' };

let w: SettlementWorld;
let csSign: string;
const cs = (infno: string, input: unknown) => post(w.app, envelope(infno, input, { fixmedins_code: CS_HOSPITAL, fixmedins_name: '长沙测试医院', mdtrtarea_admvs: '430100', sign_no: csSign }));

before(async () => {
  w = await openSettlementWorld();
  await insertRegions(w.db.pool, [['430102', '芙蓉区', 'county', '430100']]);
  await insertInstitution(w.db.pool, { fixmedins_code: CS_HOSPITAL, fixmedins_name: '长沙测试医院', admdvs: '430102', hosp_lv: '3' });
  await insertPerson(w.db.pool, { ...CS_PERSON, gend: '1', insuplc_admdvs: '430100' });
  await insertEnrollment(w.db.pool, { psn_no: CS_PERSON.psn_no, insutype: '390', psn_type: '1501', insuplc_admdvs: '430100', psn_insu_date: '2015-01-01' });
  await insertCert(w.db.pool, { mdtrt_cert_type: '01', mdtrt_cert_no: CS_PERSON.voucher, psn_no: CS_PERSON.psn_no, valid_until: '2027-01-01' });
  csSign = await signInAs(w.app, CS_HOSPITAL);
});
after(async () => w.close());

/** A settled stay: admission, fee lines (the bed and treatment), discharge, settlement. */
async function stay(call: typeof cs, p: { psn_no: string; voucher: string }, diag: string, amountYuan: number): Promise<{ setl_id: string; mdtrt_id: string; setlinfo: any }> {
  const adm = ok(await call('2401', { mdtrtinfo: { psn_no: p.psn_no, med_type: '21', begntime: '2026-03-02 08:00:00', mdtrt_cert_type: '01', mdtrt_cert_no: p.voucher, adm_diag_code: diag }, diseinfo: [{ diag_type: '1', diag_code: diag, diag_name: '', maindiag_flag: '1' }] }));
  const mdtrtId = adm.result.mdtrt_id as string;
  ok(await call('2301', { feedetail: [{ feedetl_sn: 'T1', mdtrt_id: mdtrtId, psn_no: p.psn_no, med_list_codg: '120400006', det_item_fee_sumamt: amountYuan, cnt: amountYuan / 100, pric: 100 }] }));
  ok(await call('2402', { dscginfo: { mdtrt_id: mdtrtId, psn_no: p.psn_no, endtime: '2026-03-10 09:00:00', dscg_way: '1' } }));
  const setl = ok(await call('2304', { data: { psn_no: p.psn_no, mdtrt_id: mdtrtId, medfee_sumamt: amountYuan, mid_setl_flag: '0' } }));
  return { setl_id: setl.setlinfo.setl_id, mdtrt_id: mdtrtId, setlinfo: setl.setlinfo };
}

const list = (p: { psn_no: string }, s: { setl_id: string; mdtrt_id: string }, diagnoses: string[], procedures: string[] = []) => ({
  setlinfo: { psn_no: p.psn_no, mdtrt_id: s.mdtrt_id, setl_id: s.setl_id, adm_time: '2026-03-02 08:00:00', dscg_time: '2026-03-10 09:00:00', dscg_way: '1' },
  diseinfo: diagnoses.map((d, i) => ({ diag_type: '1', diag_code: d, maindiag_flag: i === 0 ? '1' : '0' })),
  oprninfo: procedures.map((x, i) => ({ oprn_oprt_code: x, main_oprn_flag: i === 0 ? '1' : '0', oprn_oprt_begntime: '2026-03-03 10:00:00' })),
});

let csStay: { setl_id: string; mdtrt_id: string; setlinfo: any };

test('a Changsha stay is paid by DRG: weight × base rate × coefficient, less what the patient and the other funds paid', async () => {
  csStay = await stay(cs, CS_PERSON, 'I63.900', 7000);
  const up = ok(await cs('4101A', list(CS_PERSON, csStay, ['I63.900', 'I10.x00'])));
  assert.equal(up.output.drg_code, 'BR25');
  const p = (await currentPayment(w.db.pool, csStay.setl_id))!;
  // BR25 初始权重 0.7810 (catalogs/drg/changsha-2023-weights.csv) × residents' base rate 8,600 yuan × level-3 coefficient 1.0000 = 6,716.60 yuan.
  assert.deepEqual([p.method, p.group_code, p.weight_e4, p.kind, p.standard_fen], ['drg', 'BR25', 7810, 'normal', 671660]);
  assert.equal(p.payment_fen, 671660);
  const s = csStay.setlinfo;
  const patient = Math.round((s.psn_cash_pay + s.acct_pay) * 100);
  assert.equal(p.patient_paid_fen, patient);
  assert.equal(p.hospital_payment_fen, 671660 - patient - p.other_funds_paid_fen);
  assert.equal(p.total_cost_fen, 700000);
  assert.equal(p.surplus_fen, 671660 - 700000, 'the hospital loses 283.40 yuan on the case');
  assert.equal(up.output.hosp_pay_amt, p.hospital_payment_fen / 100);
  assert.ok((p.explanation as any[]).some((e) => /权重 0\.7810 × 基准费率 8600\.00 元/.test(e.zh)));
  await assertBooksHold(w.db.pool);
});

test('a corrected list regroups the stay and reprices it once; the old price and grouping are kept', async () => {
  const again = ok(await cs('4101A', list(CS_PERSON, csStay, ['I63.900', 'J96.900'])));
  assert.equal(again.output.drg_code, 'BR21');
  const prices = await paymentsOf(w.db.pool, csStay.setl_id);
  assert.deepEqual(prices.map((x) => [x.group_code, x.superseded_at === null]), [['BR21', true], ['BR25', false]]);
  // BR21 0.8602 × 8,600 = 7,397.72 yuan.
  assert.equal(prices[0]!.standard_fen, 739772);
  const groupings = await groupingsOf(w.db.pool, csStay.setl_id);
  assert.deepEqual(groupings.map((g) => [g.version, g.drg]), [[2, 'BR21'], [1, 'BR25']]);
  // Withdrawn (4102 '0'): not paid; submitted again: priced again on the same version.
  ok(await cs('4102', { data: { stastinfo: [{ psn_no: CS_PERSON.psn_no, setl_id: csStay.setl_id, stas_type: '0' }] } }));
  assert.equal(await currentPayment(w.db.pool, csStay.setl_id), undefined);
  ok(await cs('4102', { data: { stastinfo: [{ psn_no: CS_PERSON.psn_no, setl_id: csStay.setl_id, stas_type: '1' }] } }));
  assert.equal((await currentPayment(w.db.pool, csStay.setl_id))!.standard_fen, 739772);
  assert.equal((await paymentsOf(w.db.pool, csStay.setl_id)).length, 3);
  const settlement = await w.db.pool.query(`SELECT fund_pay_sumamt, psn_cash_pay FROM settlements WHERE setl_id = $1`, [csStay.setl_id]);
  assert.equal(Number(settlement.rows[0].fund_pay_sumamt), Math.round(csStay.setlinfo.fund_pay_sumamt * 100), "the patient's settlement is unchanged");
});

test('the year-end settlement posts the difference to the hospital once; a second run is refused', async () => {
  const p = (await currentPayment(w.db.pool, csStay.setl_id))!;
  const before = await accountBalance(w.db.pool, `medins_payable:${CS_HOSPITAL}`);
  const r = await runYearEnd(w.db.pool, { admdvs: '430100', year: 2026, by: 'test', now: new Date('2027-01-20T02:00:00Z') });
  assert.equal(r.lines.length, 1);
  const line = r.lines[0]!;
  assert.deepEqual([line.fixmedins_code, line.cases, line.due_fen, line.paid_fen, line.balance_fen, line.cmi_e4], [CS_HOSPITAL, 1, p.hospital_payment_fen, p.basic_fund_paid_fen, p.hospital_payment_fen - p.basic_fund_paid_fen, 8602]);
  assert.equal(await accountBalance(w.db.pool, `medins_payable:${CS_HOSPITAL}`), before + line.balance_fen, 'the payable moves by the balance');
  await refuses(runYearEnd(w.db.pool, { admdvs: '430100', year: 2026, by: 'test', now: new Date('2027-01-21T02:00:00Z') }), 'conflict', 'year');
  const transfers = await w.db.pool.query(`SELECT count(*)::int AS n FROM ledger_transfers WHERE kind = 'case_payment'`);
  assert.equal(transfers.rows[0].n, 1);
  await assertBooksHold(w.db.pool);
});

test('a stay cancelled after the year-end is taken back at the next year-end', async () => {
  const p = (await currentPayment(w.db.pool, csStay.setl_id))!;
  ok(await cs('2305', { data: { psn_no: CS_PERSON.psn_no, mdtrt_id: csStay.mdtrt_id, setl_id: csStay.setl_id } }));
  assert.equal(await currentPayment(w.db.pool, csStay.setl_id), undefined, 'no price for a cancelled stay');
  // Next year's rules: the same document for 2027.
  const doc = JSON.parse(fs.readFileSync(path.resolve(import.meta.dirname, '../payment-rules/430100-2026.json'), 'utf8'));
  await inTransaction(w.db.pool, (q) => documentRegistry.store(q, { kind: 'payment_rules', doc: { ...doc, rules_id: 'payment-430100-2027', year: 2027 }, stored_by: 'test' }));
  const payable = await accountBalance(w.db.pool, `medins_payable:${CS_HOSPITAL}`);
  const r = await runYearEnd(w.db.pool, { admdvs: '430100', year: 2027, by: 'test', now: new Date('2028-01-20T02:00:00Z') });
  const line = r.lines.find((l) => l.fixmedins_code === CS_HOSPITAL)!;
  assert.deepEqual([line.cases, line.due_fen, line.adjustment_fen], [0, 0, -(p.hospital_payment_fen - p.basic_fund_paid_fen)]);
  assert.equal(await accountBalance(w.db.pool, `medins_payable:${CS_HOSPITAL}`), payable + line.adjustment_fen);
  await assertBooksHold(w.db.pool);
});

test('a Zhuzhou stay is paid by DIP once the region has three years of history', async () => {
  const zz = await stay(w.call, RESIDENT, 'K35.800x001', 9000);
  const first = ok(await w.call('4101A', list(RESIDENT, zz, ['K35.800x001'], ['47.0100'])));
  assert.equal(first.output.drg_code, 'GD25');
  assert.equal(first.output.hosp_pay_amt, undefined, 'without history Zhuzhou cannot price by DIP yet');
  assert.equal(await currentPayment(w.db.pool, zz.setl_id), undefined);
  // Three years of appendectomies (the core group K35.8 with 47.0100) and other stays.
  const rows = [];
  for (const [year, n, cost] of [[2023, 20, 800000], [2024, 20, 900000], [2025, 20, 1000000]] as const) {
    for (let i = 0; i < n; i++) rows.push({ year, fixmedins_code: 'H43020400001', principal_diagnosis: 'K35.800x001', main_procedure: '47.0100', total_cost_fen: cost });
    for (let i = 0; i < n; i++) rows.push({ year, fixmedins_code: 'H43020400001', principal_diagnosis: 'J18.900', main_procedure: null, total_cost_fen: cost / 2 });
  }
  await insertHistory(w.db.pool, '430200', 'test', rows, new Date());
  const priced = ok(await w.call('4101A', list(RESIDENT, zz, ['K35.800x001'], ['47.0100'])));
  const p = (await currentPayment(w.db.pool, zz.setl_id))!;
  assert.equal(p.method, 'dip');
  assert.equal(p.group_code, 'K35.8|47.0100');
  // The group's mean 1:2:7 = (8,000 + 2 × 9,000 + 7 × 10,000) ÷ 10 = 9,600 yuan; all cases' mean 7,200 → RW 1.3333.
  assert.equal(p.weight_e4, 13333);
  assert.equal(priced.output.hosp_pay_amt, p.hospital_payment_fen / 100);
  assert.equal(p.payment_fen, p.hospital_payment_fen + p.patient_paid_fen + p.other_funds_paid_fen);
  await assertBooksHold(w.db.pool);
});
