import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { RESIDENT, ok } from './support/gateway-world.ts';
import { assertBooksHold, counts, openSettlementWorld, type SettlementWorld } from './support/settlement-world.ts';

// The settlement list (4101A/4102/4103) of a Zhuzhou resident's appendectomy stay: uploaded,
// corrected by a second upload (the first kept as history), withdrawn and resubmitted; bad lists
// refused naming the field and the code, with nothing written.

let w: SettlementWorld;
let setlId: string;
let mdtrtId: string;
before(async () => {
  w = await openSettlementWorld();
  const adm = ok(await w.call('2401', { mdtrtinfo: { psn_no: RESIDENT.psn_no, med_type: '21', begntime: '2026-03-10 08:00:00', ipt_no: 'ZY100', mdtrt_cert_type: '01', mdtrt_cert_no: RESIDENT.voucher, adm_diag_code: 'K35.800' }, diseinfo: [{ diag_type: '1', diag_code: 'K35.800', diag_name: '急性阑尾炎', maindiag_flag: '1' }] }));
  mdtrtId = adm.result.mdtrt_id;
  ok(await w.call('2301', { feedetail: [{ feedetl_sn: 'A1', mdtrt_id: mdtrtId, psn_no: RESIDENT.psn_no, med_list_codg: '110900001', det_item_fee_sumamt: 150, cnt: 5, pric: 30 }, { feedetl_sn: 'A2', mdtrt_id: mdtrtId, psn_no: RESIDENT.psn_no, med_list_codg: '311000001', det_item_fee_sumamt: 2400, cnt: 1, pric: 2400 }] }));
  ok(await w.call('2402', { dscginfo: { mdtrt_id: mdtrtId, psn_no: RESIDENT.psn_no, endtime: '2026-03-14 09:00:00', dscg_way: '1' } }));
  const setl = ok(await w.call('2304', { data: { psn_no: RESIDENT.psn_no, mdtrt_id: mdtrtId, medfee_sumamt: 2550, mid_setl_flag: '0' } }));
  setlId = setl.setlinfo.setl_id;
});
after(async () => w.close());

function list(over: { setlinfo?: Record<string, unknown>; diseinfo?: unknown[]; oprninfo?: unknown[]; icuinfo?: unknown[] } = {}) {
  return {
    setlinfo: { psn_no: RESIDENT.psn_no, mdtrt_id: mdtrtId, setl_id: setlId, medcasno: 'BA100', adm_time: '2026-03-10 08:00:00', dscg_time: '2026-03-14 09:00:00', dscg_way: '1', ...over.setlinfo },
    diseinfo: over.diseinfo ?? [
      { diag_type: '1', diag_code: 'K35.800', diag_name: '急性阑尾炎', maindiag_flag: '1', adm_cond_type: '1' },
      { diag_type: '1', diag_code: 'E11.900', diag_name: '2型糖尿病', maindiag_flag: '0', adm_cond_type: '1' },
    ],
    oprninfo: over.oprninfo ?? [{ oprn_oprt_code: '47.0100', oprn_oprt_name: '腹腔镜下阑尾切除术', main_oprn_flag: '1', oprn_oprt_begntime: '2026-03-10 14:00:00', oprn_oprt_endtime: '2026-03-10 15:10:00', anst_way: '01' }],
    ...(over.icuinfo ? { icuinfo: over.icuinfo } : {}),
  };
}

const refused = async (input: unknown, field: RegExp) => {
  const before = await counts(w.db.pool);
  const lists = (await w.db.pool.query(`SELECT count(*)::int AS n FROM settlement_lists`)).rows[0].n;
  const res = await w.call('4101A', input);
  assert.equal(res.body.infcode, -1, JSON.stringify(res.body));
  assert.match(res.body.err_msg, field);
  assert.equal((await w.db.pool.query(`SELECT count(*)::int AS n FROM settlement_lists`)).rows[0].n, lists, 'nothing written');
  assert.deepEqual({ ...(await counts(w.db.pool)), gateway_messages: 0 }, { ...before, gateway_messages: 0 });
};

test('4101A stores the list of a settled stay; a second upload is a new version with the first kept', async () => {
  const first = ok(await w.call('4101A', list()));
  // K35.800 is a valid code but no MDC's principal table lists it (the tables list K35.800x001): stored, ungroupable, said.
  const raw = await w.call('4101A', list());
  assert.match(raw.body.warn_msg ?? '', /not grouped \(0000\): the principal diagnosis K35\.800 is in no MDC's principal table/);
  assert.match(first.output.setl_list_id, /^\d{9}$/);
  assert.equal(first.output.setl_list_ver, 1);
  const second = ok(await w.call('4101A', list({ diseinfo: [{ diag_type: '1', diag_code: 'K35.800', diag_name: '急性阑尾炎', maindiag_flag: '1' }] })));
  assert.equal(second.output.setl_list_id, first.output.setl_list_id, 'one list id per settlement');
  assert.equal(second.output.setl_list_ver, 3);
  const q = ok(await w.call('4103', { data: { setl_id: setlId, psn_no: RESIDENT.psn_no } }));
  assert.deepEqual(q.output.map((l: any) => [l.setl_list_ver, l.diseinfo.length, l.stas_type]), [[3, 1, '1'], [2, 2, '1'], [1, 2, '1']]);
  assert.equal(q.output[0].oprninfo[0].main_oprn_flag, '1');
  assert.equal(q.output[0].oprninfo[0].oprn_oprt_begntime, '2026-03-10 14:00:00');
  await assertBooksHold(w.db.pool);
});

test('4102 withdraws and resubmits the current list; the same status twice is a conflict', async () => {
  const off = ok(await w.call('4102', { data: { stastinfo: [{ psn_no: RESIDENT.psn_no, setl_id: setlId, stas_type: '0' }] } }));
  assert.equal(off.output.stastinfo[0].stas_type, '0');
  const again = await w.call('4102', { data: { stastinfo: [{ psn_no: RESIDENT.psn_no, setl_id: setlId, stas_type: '0' }] } });
  assert.equal(again.body.infcode, -1);
  assert.match(again.body.err_msg, /stastinfo\[0\]\.stas_type/);
  ok(await w.call('4102', { data: { stastinfo: [{ psn_no: RESIDENT.psn_no, setl_id: setlId, stas_type: '1' }] } }));
  const bad = await w.call('4102', { data: { stastinfo: [{ setl_id: setlId, stas_type: '2' }] } });
  assert.match(bad.body.err_msg, /stas_type is 1 \(submitted\) or 0 \(withdrawn\)/);
});

test('bad lists are refused naming the field and the code, and nothing is written', async () => {
  await refused(list({ diseinfo: [{ diag_type: '1', diag_code: 'K35.999', maindiag_flag: '1' }] }), /input\.diseinfo\[0\]\.diag_code: diagnosis code K35\.999 is not in the medical-insurance ICD-10 table/);
  await refused(list({ oprninfo: [{ oprn_oprt_code: '47.9999', main_oprn_flag: '1', oprn_oprt_begntime: '2026-03-10 14:00:00' }] }), /input\.oprninfo\[0\]\.oprn_oprt_code: procedure code 47\.9999/);
  await refused(list({ oprninfo: [{ oprn_oprt_code: '47.0100', main_oprn_flag: '1' }] }), /input\.oprninfo\[0\]\.oprn_oprt_begntime: the main procedure needs oprn_oprt_begntime/);
  await refused(list({ diseinfo: [{ diag_type: '1', diag_code: 'W19.x00', maindiag_flag: '1' }] }), /input\.diseinfo\[0\]\.diag_code: W19\.x00 is an external cause/);
  await refused(list({ diseinfo: [{ diag_type: '1', diag_code: 'K35.800', maindiag_flag: '0' }] }), /exactly one western-medicine diagnosis must be the principal one/);
  await refused(list({ setlinfo: { dscg_way: '7' } }), /input\.setlinfo\.dscg_way/);
  await refused(list({ setlinfo: { vent_used_dura: 'three days' } }), /input\.setlinfo\.vent_used_dura: expected days\/hours\/minutes/);
  await refused(list({ setlinfo: { dscg_time: '2026-03-09 09:00:00' } }), /input\.setlinfo\.dscg_time: dscg_time is before adm_time/);
  await refused(list({ oprninfo: [{ oprn_oprt_code: '47.0100', main_oprn_flag: '1', oprn_oprt_begntime: '2026-03-01 14:00:00' }] }), /dated outside the stay/);
  await refused(list({ setlinfo: { setl_id: '499999999' } }), /input\.setlinfo\.setl_id: no settlement 499999999 at this institution/);
  await refused(list({ setlinfo: { mdtrt_id: '300009999' } }), /input\.setlinfo\.mdtrt_id: visit 300009999 does not match/);
  // Several problems at once are all named.
  const res = await w.call('4101A', list({ diseinfo: [{ diag_type: '1', diag_code: 'K35.999', maindiag_flag: '1' }], oprninfo: [{ oprn_oprt_code: '47.0100', main_oprn_flag: '1' }] }));
  assert.match(res.body.err_msg, /diseinfo\[0\]\.diag_code.*oprninfo\[0\]\.oprn_oprt_begntime/);
});
