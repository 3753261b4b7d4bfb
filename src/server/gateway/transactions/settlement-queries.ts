import { personsRegion } from './person.ts';
import { setldetailEntry, setlinfoAmounts } from '../../../engine/index.ts';
import { invalid, notFound } from '../../../engine/errors.ts';
import { accumulatorRows, chronicDrugRecords, institutionDetails, institutionTotals, settlementsOf, visitsOf } from '../../../store/settlement/queries.ts';
import { diagnosesOf, linesOf } from '../../../store/settlement/visits.ts';
import { inputList, inputObject, optionalDate, optionalInteger, optionalString, requiredString } from '../input.ts';
import { bpToFraction, fenToYuan, yuanToFen } from '../../../engine/money.ts';
import { chinaDate } from '../../../engine/calendar.ts';
import { dateTime } from '../time.ts';
import type { TransactionHandler } from '../types.ts';

// 5201-5206-style queries (visits, diagnoses, settlements with their explanation, fee details,
// chronic-disease drug records, accumulators), 5303 in-hospital, and 3201/3202 reconciliation
// of an institution's totals and details for a period. An institution sees its own visits;
// the person's accumulators, settlements and chronic-disease drugs are the person's, whoever
// asks about them with the psn_no.

type Obj = Record<string, unknown>;
const dt = (d: Date | null): string | null => (d === null ? null : dateTime(d));

const query = (infno: string, zh: string, en: string, handle: TransactionHandler['handle']): TransactionHandler => ({
  infno, name: { zh, en }, requiresSignIn: true, writes: false, handle,
});

export const visitQuery = query('5201', '就诊信息查询', 'visit query', async (ctx) => {
  const path = 'input.data';
  const d = inputObject(ctx.envelope.input, 'data');
  const rows = await visitsOf(ctx.db, {
    psn_no: requiredString(d, 'psn_no', path, 30),
    fixmedins_code: ctx.institution.fixmedins_code,
    ...opt('begndate', optionalDate(d, 'begntime', path, 'query', ctx.now())),
    ...opt('enddate', optionalDate(d, 'endtime', path, 'query', ctx.now())),
    ...opt('med_type', optionalString(d, 'med_type', path, 6)),
    ...opt('mdtrt_id', optionalString(d, 'mdtrt_id', path, 30)),
  });
  return {
    mdtrtinfo: rows.map((v) => ({
      mdtrt_id: v.mdtrt_id, psn_no: v.psn_no, fixmedins_code: v.fixmedins_code, med_type: v.med_type, insutype: v.insutype, psn_type: v.psn_type,
      begntime: dt(v.begntime), endtime: dt(v.endtime), ipt_otp_no: v.ipt_otp_no, mdtrt_cert_type: v.mdtrt_cert_type, status: v.status, kind: v.kind,
      insuplc_admdvs: v.insuplc_admdvs, mdtrtarea_admvs: v.mdtrtarea_admvs, cross_region_status: v.cross_region_status, dise_codes: v.dise_codes,
    })),
  };
});

async function ownVisit(ctx: Parameters<TransactionHandler['handle']>[0], mdtrtId: string, path: string) {
  const [v] = await visitsOf(ctx.db, { psn_no: requiredString(inputObject(ctx.envelope.input, 'data'), 'psn_no', path, 30), fixmedins_code: ctx.institution.fixmedins_code, mdtrt_id: mdtrtId });
  if (!v) throw notFound(`${path}.mdtrt_id`, `本机构无该人员的就诊 ${mdtrtId}`, `no visit ${mdtrtId} of this person at this institution`);
  return v;
}

export const diagnosisQuery = query('5202', '诊断信息查询', 'diagnosis query', async (ctx) => {
  const path = 'input.data';
  const d = inputObject(ctx.envelope.input, 'data');
  const v = await ownVisit(ctx, requiredString(d, 'mdtrt_id', path, 30), path);
  return { diseinfo: (await diagnosesOf(ctx.db, v.mdtrt_id)).map((x) => ({ ...x, maindiag_flag: x.maindiag_flag ? '1' : '0', mdtrt_id: v.mdtrt_id })) };
});

export const settlementQuery = query('5203', '结算信息查询', 'settlement query', async (ctx) => {
  const path = 'input.data';
  const d = inputObject(ctx.envelope.input, 'data');
  const setlId = optionalString(d, 'setl_id', path, 30);
  const mdtrtId = optionalString(d, 'mdtrt_id', path, 30);
  if (!setlId && !mdtrtId) throw invalid(`${path}.setl_id`, '须提供 setl_id 或 mdtrt_id', 'setl_id or mdtrt_id is required');
  const rows = await settlementsOf(ctx.db, { psn_no: requiredString(d, 'psn_no', path, 30), fixmedins_code: ctx.institution.fixmedins_code, ...opt('setl_id', setlId), ...opt('mdtrt_id', mdtrtId) });
  return {
    setlinfo: rows.map((s) => ({
      setl_id: s.setl_id, orig_setl_id: s.orig_setl_id, kind: s.kind, status: s.status, mdtrt_id: s.mdtrt_id, psn_no: s.psn_no, insutype: s.insutype,
      med_type: s.med_type, clr_type: s.clr_type, mid_setl_flag: s.mid_setl ? '1' : '0', setl_time: dt(s.setl_time), insuplc_admdvs: s.insuplc_admdvs,
      mdtrtarea_admvs: s.mdtrtarea_admvs, cross_region_status: s.cross_region_status, policy_id: s.policy_id, policy_version: s.policy_version,
      ...setlinfoAmounts(s.setlinfo),
      setldetail: s.setldetail.map(setldetailEntry),
      // The engine's explanation, as stored at settlement (amounts in fen, ratios in basis points).
      explanation: s.explanation,
    })),
  };
});

export const feeDetailQuery = query('5204', '费用明细查询', 'fee detail query', async (ctx) => {
  const path = 'input.data';
  const d = inputObject(ctx.envelope.input, 'data');
  const v = await ownVisit(ctx, requiredString(d, 'mdtrt_id', path, 30), path);
  const lines = await linesOf(ctx.db, v.mdtrt_id, optionalString(d, 'setl_id', path, 30));
  return {
    output: lines.map((l) => ({
      mdtrt_id: v.mdtrt_id, feedetl_sn: l.feedetl_sn, med_list_codg: l.med_list_codg, medins_list_codg: l.medins_list_codg, chrg_bchno: l.chrg_bchno,
      fee_ocur_time: dt(l.fee_ocur_time), cnt: l.cnt, pric: fenToYuan(l.pric), det_item_fee_sumamt: fenToYuan(l.det_item_fee_sumamt), chrgitm_lv: l.chrgitm_lv,
      med_chrgitm_type: l.med_chrgitm_type, selfpay_prop: bpToFraction(l.selfpay_prop), fulamt_ownpay_amt: fenToYuan(l.fulamt_ownpay_amt), overlmt_amt: fenToYuan(l.overlmt_amt),
      preselfpay_amt: fenToYuan(l.preselfpay_amt), inscp_scp_amt: fenToYuan(l.inscp_scp_amt), memo: l.reason.zh, status: l.status, setl_id: l.setl_id,
    })),
  };
});

export const chronicDrugQuery = query('5205', '人员慢特病用药记录查询', 'chronic-disease drug records', async (ctx) => {
  const path = 'input.data';
  const d = inputObject(ctx.envelope.input, 'data');
  const psnNo = requiredString(d, 'psn_no', path, 30);
  const begndate = optionalDate(d, 'begntime', path, 'query', ctx.now());
  if (!begndate) throw invalid(`${path}.begntime`, '必填（yyyy-MM-dd HH:mm:ss）', 'required (yyyy-MM-dd HH:mm:ss)');
  const enddate = optionalDate(d, 'endtime', path, 'query', ctx.now()) ?? chinaDate(ctx.now());
  if (enddate < begndate) throw invalid(`${path}.endtime`, '结束时间早于开始时间', 'endtime is before begntime');
  // Every institution's records, not only the caller's: the point is what was dispensed elsewhere.
  const rows = await chronicDrugRecords(ctx.db, { psn_no: psnNo, begndate, enddate });
  return {
    feedetail: rows.map((r) => ({
      psn_no: psnNo, mdtrt_id: r.mdtrt_id, setl_id: r.setl_id, feedetl_sn: r.feedetl_sn, fixmedins_code: r.fixmedins_code, fixmedins_name: r.fixmedins_name,
      med_type: r.med_type, mdtrtarea_admvs: r.mdtrtarea_admvs, opsp_dise_code: r.opsp_dise_code, opsp_dise_name: r.opsp_dise_name,
      setl_time: dt(r.setl_time), fee_ocur_time: dt(r.fee_ocur_time), med_list_codg: r.med_list_codg, medins_list_codg: r.medins_list_codg,
      med_chrgitm_type: r.med_chrgitm_type, cnt: Number(r.cnt), pric: fenToYuan(r.pric), det_item_fee_sumamt: fenToYuan(r.det_item_fee_sumamt),
    })),
  };
});

export const accumulatorQuery: TransactionHandler = { forwardFor: personsRegion, ...query('5206', '人员累计信息查询', 'accumulator query', async (ctx) => {
  const path = 'input.data';
  const d = inputObject(ctx.envelope.input, 'data');
  const ym = optionalString(d, 'cum_ym', path, 6);
  if (ym !== undefined && !/^(20\d\d|2100)(0[1-9]|1[0-2])$/.test(ym)) throw invalid(`${path}.cum_ym`, '应为年月 yyyyMM（2000-2100年）', `expected a month yyyyMM from 2000 to 2100, got "${ym}"`);
  const year = ym !== undefined ? Number(ym.slice(0, 4)) : optionalInteger(d, 'year', path, 2000, 2100);
  const rows = await accumulatorRows(ctx.db, requiredString(d, 'psn_no', path, 30), year);
  const cuminfo: Obj[] = [];
  for (const r of rows) {
    for (const [k, v] of Object.entries(r.acc)) {
      if (typeof v === 'number') cuminfo.push({ year: r.year, cum_type_code: k, cum: k.endsWith('_fen') ? fenToYuan(v) : v });
      else for (const [id, x] of Object.entries(v as Record<string, number>)) cuminfo.push({ year: r.year, cum_type_code: `${k}.${id}`, cum: fenToYuan(x) });
    }
  }
  return { cuminfo };
}) };

export const inHospitalQuery = query('5303', '在院信息查询', 'in-hospital query', async (ctx) => {
  const path = 'input.data';
  const d = inputObject(ctx.envelope.input, 'data');
  const rows = await visitsOf(ctx.db, { psn_no: requiredString(d, 'psn_no', path, 30) });
  return {
    data: rows
      .filter((v) => v.kind === 'inpatient' && v.status === 'open')
      .map((v) => ({ mdtrt_id: v.mdtrt_id, psn_no: v.psn_no, fixmedins_code: v.fixmedins_code, begntime: dt(v.begntime), med_type: v.med_type, insutype: v.insutype, ipt_otp_no: v.ipt_otp_no })),
  };
});

function period(d: Obj, path: string, now: Date): { begndate: string; enddate: string } {
  const begndate = optionalDate(d, 'stmt_begndate', path, 'query', now);
  const enddate = optionalDate(d, 'stmt_enddate', path, 'query', now);
  if (!begndate) throw invalid(`${path}.stmt_begndate`, '必填', 'required');
  if (!enddate) throw invalid(`${path}.stmt_enddate`, '必填', 'required');
  if (enddate < begndate) throw invalid(`${path}.stmt_enddate`, '对账结束日期早于开始日期', 'the period ends before it begins');
  return { begndate, enddate };
}

export const totalsReconciliation: TransactionHandler = { headerFields: ['insuplc_admdvs', 'mdtrtarea_admvs'], ...query('3201', '医药机构费用结算对总账', 'reconciliation of totals', async (ctx) => {
  const path = 'input.data';
  const d = inputObject(ctx.envelope.input, 'data');
  const p = period(d, path, ctx.now());
  const insutype = optionalString(d, 'insutype', path, 6);
  const clrType = optionalString(d, 'clr_type', path, 6);
  const ours = await institutionTotals(ctx.db, { fixmedins_code: ctx.institution.fixmedins_code, ...p, ...opt('insutype', insutype), ...opt('clr_type', clrType) });
  const theirs: Record<string, number> = {
    medfee_sumamt: yuanToFen(d['medfee_sumamt'] ?? 0, `${path}.medfee_sumamt`),
    fund_pay_sumamt: yuanToFen(d['fund_pay_sumamt'] ?? 0, `${path}.fund_pay_sumamt`),
    acct_pay: yuanToFen(d['acct_pay'] ?? 0, `${path}.acct_pay`),
    setl_cnt: optionalInteger(d, 'fixmedins_setl_cnt', path, -1e9, 1e9) ?? 0,
  };
  const mismatches: Obj[] = [];
  for (const [k, v] of Object.entries(theirs)) {
    const ourValue = ours[k as keyof typeof ours];
    if (ourValue !== v) mismatches.push({ field: k, fixmedins: k === 'setl_cnt' ? v : fenToYuan(v), center: k === 'setl_cnt' ? ourValue : fenToYuan(ourValue) });
  }
  return {
    stmtinfo: {
      setl_optins: ctx.envelope.insuplc_admdvs ?? ctx.envelope.mdtrtarea_admvs,
      stmt_rslt: mismatches.length === 0 ? '0' : '1',
      stmt_rslt_dscr: mismatches.length === 0 ? '对账一致 / totals agree' : mismatches.map((m) => `${m.field}: 机构 ${m.fixmedins} ≠ 中心 ${m.center}`).join('；'),
      ...p,
      center: { medfee_sumamt: fenToYuan(ours.medfee_sumamt), fund_pay_sumamt: fenToYuan(ours.fund_pay_sumamt), acct_pay: fenToYuan(ours.acct_pay), psn_cash_pay: fenToYuan(ours.psn_cash_pay), setl_cnt: ours.setl_cnt },
      mismatches,
    },
  };
}) };

export const detailReconciliation = query('3202', '医药机构费用结算对明细账', 'reconciliation of details', async (ctx) => {
  const path = 'input.data';
  const d = inputObject(ctx.envelope.input, 'data');
  const p = period(d, path, ctx.now());
  const ours = await institutionDetails(ctx.db, { fixmedins_code: ctx.institution.fixmedins_code, ...p, ...opt('insutype', optionalString(d, 'insutype', path, 6)), ...opt('clr_type', optionalString(d, 'clr_type', path, 6)) });
  // The institution's records inline (the national interface uploads them as a file first).
  const theirs = inputList(ctx.envelope.input, 'detail', true).map((x, i) => {
    const at = `input.detail[${i}]`;
    return {
      setl_id: requiredString(x, 'setl_id', at, 30),
      medfee_sumamt: yuanToFen(x['medfee_sumamt'] ?? 0, `${at}.medfee_sumamt`),
      fund_pay_sumamt: yuanToFen(x['fund_pay_sumamt'] ?? 0, `${at}.fund_pay_sumamt`),
      acct_pay: yuanToFen(x['acct_pay'] ?? 0, `${at}.acct_pay`),
    };
  });
  const byId = new Map(ours.map((r) => [r.setl_id, r]));
  const seen = new Set<string>();
  const mismatches: Obj[] = [];
  for (const t of theirs) {
    seen.add(t.setl_id);
    const o = byId.get(t.setl_id);
    if (!o) {
      mismatches.push({ setl_id: t.setl_id, stmt_rslt: 'center_missing', dscr: '中心无此结算 / not settled at the center in this period' });
      continue;
    }
    for (const k of ['medfee_sumamt', 'fund_pay_sumamt', 'acct_pay'] as const) {
      if (o[k] !== t[k]) mismatches.push({ setl_id: t.setl_id, stmt_rslt: 'amount_differs', field: k, fixmedins: fenToYuan(t[k]), center: fenToYuan(o[k]) });
    }
  }
  for (const o of ours) if (!seen.has(o.setl_id)) mismatches.push({ setl_id: o.setl_id, mdtrt_id: o.mdtrt_id, stmt_rslt: 'fixmedins_missing', dscr: `机构无此${o.kind === 'cancel' ? '撤销' : '结算'} / missing from the institution's records`, medfee_sumamt: fenToYuan(o.medfee_sumamt) });
  return {
    stmtinfo: { stmt_rslt: mismatches.length === 0 ? '0' : '1', ...p, center_cnt: ours.length, fixmedins_cnt: theirs.length, checked_on: chinaDate(ctx.now()) },
    mismatches,
  };
});

function opt<K extends string, V>(key: K, value: V | undefined): Partial<Record<K, V>> {
  return value === undefined ? {} : ({ [key]: value } as Record<K, V>);
}
