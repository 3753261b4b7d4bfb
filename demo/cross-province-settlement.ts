// A worked example of cross-province direct settlement through the national interface:
// the Jiujiang retiree (insured in 360400, living in Changsha) is admitted to the Changsha
// hospital of the demo, her stay is classified on Changsha's catalog, priced on Jiujiang's
// policy, and settled; the answer and the stored explanation are printed.
//
//   npm run dev                                   # in one terminal: the platform with its demo
//   node --import tsx demo/cross-province-settlement.ts [http://localhost:8080]
import fs from 'node:fs';
import path from 'node:path';

const base = process.argv[2] ?? process.env.YIBAO_URL ?? 'http://localhost:8080';
const fixtures = JSON.parse(fs.readFileSync(path.join(import.meta.dirname, 'fixtures.json'), 'utf8'));
const retiree = fixtures.personas.find((p: any) => p.key === 'jiujiang_retiree_in_changsha');
const hospital = fixtures.institutions.find((i: any) => i.key === 'changsha_level3_hospital');
const items = fixtures.settlement.catalog_items['430100'];

let n = 0;
let signNo = '';
async function call(infno: string, input: unknown): Promise<any> {
  n += 1;
  const body = {
    infno, msgid: `${hospital.fixmedins_code}${Date.now()}${String(n).padStart(4, '0')}`, mdtrtarea_admvs: '430100', insuplc_admdvs: '360400',
    fixmedins_code: hospital.fixmedins_code, fixmedins_name: hospital.fixmedins_name, sign_no: signNo, infver: 'V1.0', opter_type: '1', opter: 'demo', input,
  };
  const res = await fetch(`${base}/fsi/api/rsfComIfsService/callService`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const answer = (await res.json()) as any;
  if (answer.infcode !== 0) throw new Error(`${infno}: ${answer.err_msg}`);
  if (answer.warn_msg) console.log(`  (${infno} warn: ${answer.warn_msg})`);
  return answer.output;
}

// The stay: admitted three days ago, a fee the day before yesterday… but never before the
// 1st of January (China time), so it is this year's admission like the demo's seeded stay and
// the figures below do not change in the first days of a year.
const chinaText = (ms: number): string => new Date(ms + 8 * 3600_000).toISOString().slice(0, 19).replace('T', ' ');
const yearStart = Date.parse(`${chinaText(Date.now()).slice(0, 4)}-01-01T00:00:00+08:00`);
const admittedAt = Math.max(Date.now() - 3 * 86400_000, yearStart);
const feeAt = Math.max(Date.now() - 86400_000, admittedAt + 60_000);
const dischargedAt = Math.max(Date.now(), feeAt + 60_000);

signNo = (await call('9001', { signIn: { opter_no: 'demo', mac: '', ip: '127.0.0.1' } })).signinoutb.sign_no;
const info = await call('1101', { data: { mdtrt_cert_type: '02', mdtrt_cert_no: retiree.certno, psn_name: retiree.psn_name } });
console.log(`患者 patient: ${info.baseinfo.psn_name} ${info.baseinfo.psn_no}, insured in ${info.insuinfo.map((i: any) => `${i.insutype}@${i.insuplc_admdvs}`).join(', ')}`);
const filings = await call('5302', { data: { psn_no: retiree.psn_no } });
console.log(`备案 filings: ${filings.psnfixmedin.map((f: any) => `${f.dcla_type} → ${f.mdtrtarea_admdvs ?? ''} (${f.vali_flag === '1' ? 'valid' : 'not valid'})`).join('; ') || 'none'}`);

const adm = await call('2401', {
  mdtrtinfo: { psn_no: retiree.psn_no, insutype: '310', med_type: '21', begntime: chinaText(admittedAt), ipt_no: `ZY${Date.now()}`, mdtrt_cert_type: '02', mdtrt_cert_no: retiree.certno, adm_diag_code: 'I63.900' },
  diseinfo: [{ diag_type: '1', diag_srt_no: 1, diag_code: 'I63.900', diag_name: '脑梗死', maindiag_flag: '1' }],
});
const mdtrtId = adm.result.mdtrt_id;
console.log(`入院 admitted: mdtrt_id ${mdtrtId}`);
const line = (sn: string, codg: string, pric: number, cnt: number) => ({ feedetl_sn: sn, mdtrt_id: mdtrtId, psn_no: retiree.psn_no, med_list_codg: codg, pric, cnt, det_item_fee_sumamt: (pric * cnt).toFixed(2), fee_ocur_time: chinaText(feeAt) });
const fees = await call('2301', {
  feedetail: [
    line('1', items.class_a.med_list_codg, 35, 20),
    line('2', items.class_b.med_list_codg, 46.8, 6),
    line('3', items.class_c.med_list_codg, 120, 3),
    line('4', items.price_limited.med_list_codg, items.price_limited.pric_uplmt_amt + 8, 3),
    line('5', '311000001', 2600, 1),
  ],
});
console.log('费用分类 fee lines on Changsha\'s catalog:');
for (const r of fees.result) console.log(`  ${r.feedetl_sn} ${String(r.det_item_fee_sumamt).padStart(8)}  lv ${r.chrgitm_lv}  先行自付 ${r.preselfpay_amt}  超限价 ${r.overlmt_amt}  全自费 ${r.fulamt_ownpay_amt}  — ${r.memo}`);
await call('2402', { dscginfo: { mdtrt_id: mdtrtId, psn_no: retiree.psn_no, insutype: '310', endtime: chinaText(dischargedAt), dscg_way: '1' } });
const total = fees.result.reduce((s: number, r: any) => s + Math.round(r.det_item_fee_sumamt * 100), 0) / 100;
const setl = await call('2304', { data: { psn_no: retiree.psn_no, mdtrt_id: mdtrtId, medfee_sumamt: total, acct_used_flag: '1', mid_setl_flag: '0', insutype: '310' } });
const s = setl.setlinfo;
console.log(`结算 settled: setl_id ${s.setl_id}, status ${s.cross_region_status}`);
console.log(`  医疗费总额 ${s.medfee_sumamt} = 基金 ${s.fund_pay_sumamt} + 个人 ${s.psn_part_amt} (账户 ${s.acct_pay} + 现金 ${s.psn_cash_pay}) + 医院 ${s.hosp_part_amt}`);
for (const d of setl.setldetail) console.log(`  ${d.fund_pay_type} ${d.fund_pay_type_name}: ${d.fund_payamt}`);
const q = await call('5203', { data: { psn_no: retiree.psn_no, setl_id: s.setl_id } });
console.log('计算步骤 explanation (amounts in fen, ratios in basis points):');
for (const st of q.setlinfo[0].explanation.steps) console.log(`  ${st.zh} / ${st.en} [${st.rule}]  in ${JSON.stringify(st.in)}  out ${JSON.stringify(st.out)}`);
