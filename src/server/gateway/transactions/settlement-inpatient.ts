import { conflict, invalid } from '../../../engine/errors.ts';
import { hasStandingSettlement } from '../../../store/settlement/service.ts';
import { requireStatus, requireVisit } from '../../../app/settlement/visit.ts';
import type { OpenVisitInput } from '../../../app/settlement/open-visit.ts';
import type { Queryable } from '../../../store/db.ts';
import { cancelLines, replaceDiagnoses, updateVisit } from '../../../store/settlement/visits.ts';
import { inputList, inputObject, optionalDateTime, optionalFlag, optionalString, requiredString } from '../input.ts';
import type { GatewayContext, TransactionHandler } from '../types.ts';
import { askRegistration, askSettlementElsewhere, callerOf, openHere, patientOf, feeResults, settleHere, settlementAnswer, settlementCancellation, settleOptions } from './settlement-common.ts';
import { diseCodes, pick, readDiagnoses, upload } from './settlement-outpatient.ts';

// Inpatient direct settlement: 2401 admission, 2403 change, 2404 cancel admission, 2301/2302
// fee upload and cancellation ("0000" cancels all), 2402/2405 discharge and its cancellation,
// 2303 pre-settlement, 2304 settlement (mid_setl_flag '1': a mid-stay settlement of the lines
// so far), 2305 cancellation.

const INPATIENT_MED_TYPES = ['21', '22', '23', '24', '52'];

export const admission: TransactionHandler = {
  infno: '2401',
  name: { zh: '入院办理', en: 'admission' },
  requiresSignIn: true,
  writes: true,
  headerFields: ['mdtrtarea_admvs', 'insuplc_admdvs'],
  prepare: async (ctx) => askRegistration(ctx, await admissionInput(ctx)),
  async handle(ctx) {
    const opened = await openHere(ctx, await admissionInput(ctx));
    await replaceDiagnoses(ctx.db, opened.visit.mdtrt_id, readDiagnoses(ctx.envelope.input, 'diseinfo'));
    for (const w of opened.warnings) ctx.warn(w);
    return { result: { mdtrt_id: opened.visit.mdtrt_id, psn_no: opened.visit.psn_no, ipt_otp_no: opened.visit.ipt_otp_no } };
  },
};

/** 2401's input as the registration use case takes it. */
async function admissionInput(ctx: GatewayContext): Promise<OpenVisitInput> {
  const path = 'input.mdtrtinfo';
  const d = inputObject(ctx.envelope.input, 'mdtrtinfo');
  const medType = optionalString(d, 'med_type', path, 6) ?? '21';
  if (!INPATIENT_MED_TYPES.includes(medType)) throw invalid(`${path}.med_type`, `住院医疗类别应为 ${INPATIENT_MED_TYPES.join('、')}`, `an inpatient med_type is one of ${INPATIENT_MED_TYPES.join(', ')}`);
  const diagnoses = readDiagnoses(ctx.envelope.input, 'diseinfo');
  const main = optionalString(d, 'adm_diag_code', path, 30) ?? optionalString(d, 'dscg_maindiag_code', path, 30);
  const codes = diseCodes(diagnoses);
  return {
    kind: 'inpatient',
    psn_no: await patientOf(ctx, d, path),
    insutype: optionalString(d, 'insutype', path, 6),
    insuplc_admdvs: ctx.envelope.insuplc_admdvs,
    mdtrtarea_admvs: ctx.envelope.mdtrtarea_admvs,
    med_type: medType,
    begntime: optionalDateTime(d, 'begntime', path, 'care', ctx.now()) ?? ctx.now(),
    ipt_otp_no: optionalString(d, 'ipt_no', path, 30) ?? optionalString(d, 'ipt_otp_no', path, 30),
    mdtrt_cert_type: optionalString(d, 'mdtrt_cert_type', path, 3)?.padStart(2, '0'),
    mdtrt_cert_no: optionalString(d, 'mdtrt_cert_no', path, 600),
    emergency_flag: optionalFlag(d, 'emergency_flag', path, false),
    dise_codes: main !== undefined && !codes.includes(main) ? [main, ...codes] : codes,
    info: pick(d, ['atddr_no', 'chfpdr_name', 'adm_diag_dscr', 'adm_dept_codg', 'adm_dept_name', 'adm_bed', 'dscg_maindiag_code', 'dscg_maindiag_name', 'main_cond_dscr']),
  };
}

async function stay(ctx: GatewayContext, key: string, lock = true, db: Queryable = ctx.db) {
  const path = `input.${key}`;
  const d = inputObject(ctx.envelope.input, key);
  const v = await requireVisit(db, callerOf(ctx), requiredString(d, 'mdtrt_id', path, 30), optionalString(d, 'psn_no', path, 30), path, lock);
  if (v.kind !== 'inpatient') throw invalid(`${path}.mdtrt_id`, `就诊 ${v.mdtrt_id} 不是住院`, `visit ${v.mdtrt_id} is not a stay`);
  return { d, v, path };
}

export const admissionChange: TransactionHandler = {
  infno: '2403',
  name: { zh: '住院信息变更', en: 'admission change' },
  requiresSignIn: true,
  writes: true,
  async handle(ctx) {
    const { d, v, path } = await stay(ctx, 'adminfo');
    requireStatus(v, ['open'], path, { zh: '变更入院信息', en: 'change the admission' });
    const begntime = optionalDateTime(d, 'begntime', path, 'care', ctx.now());
    const medType = optionalString(d, 'med_type', path, 6);
    if (medType !== undefined && !INPATIENT_MED_TYPES.includes(medType)) throw invalid(`${path}.med_type`, `住院医疗类别应为 ${INPATIENT_MED_TYPES.join('、')}`, `an inpatient med_type is one of ${INPATIENT_MED_TYPES.join(', ')}`);
    const diagnoses = inputList(ctx.envelope.input, 'diseinfo', true).length > 0 ? readDiagnoses(ctx.envelope.input, 'diseinfo') : undefined;
    if (diagnoses) await replaceDiagnoses(ctx.db, v.mdtrt_id, diagnoses);
    await updateVisit(ctx.db, v.mdtrt_id, {
      ...(begntime ? { begntime } : {}),
      ...(medType ? { med_type: medType } : {}),
      ...(diagnoses ? { dise_codes: diseCodes(diagnoses) } : {}),
      info: { ...v.info, ...pick(d, ['atddr_no', 'chfpdr_name', 'adm_diag_dscr', 'adm_dept_codg', 'adm_dept_name', 'adm_bed', 'main_cond_dscr']) },
    });
    return {};
  },
};

export const admissionCancel: TransactionHandler = {
  infno: '2404',
  name: { zh: '入院撤销', en: 'admission cancellation' },
  requiresSignIn: true,
  writes: true,
  async handle(ctx) {
    const { v, path } = await stay(ctx, 'data');
    requireStatus(v, ['open'], path, { zh: '撤销入院', en: 'cancel the admission' });
    if (await hasStandingSettlement(ctx.db, v.mdtrt_id)) throw conflict(`${path}.mdtrt_id`, '该住院已有中途结算，须先撤销结算', 'the stay has a mid-stay settlement; cancel it first');
    await cancelLines(ctx.db, v.mdtrt_id, { all: true });
    await updateVisit(ctx.db, v.mdtrt_id, { status: 'cancelled' });
    return {};
  },
};

export const discharge: TransactionHandler = {
  infno: '2402',
  name: { zh: '出院办理', en: 'discharge' },
  requiresSignIn: true,
  writes: true,
  async handle(ctx) {
    const { d, v, path } = await stay(ctx, 'dscginfo');
    requireStatus(v, ['open'], path, { zh: '办理出院', en: 'discharge' });
    const endtime = optionalDateTime(d, 'endtime', path, 'care', ctx.now()) ?? ctx.now();
    if (endtime < v.begntime) throw invalid(`${path}.endtime`, '出院时间早于入院时间', 'discharge before admission');
    const diagnoses = inputList(ctx.envelope.input, 'diseinfo', true).length > 0 ? readDiagnoses(ctx.envelope.input, 'diseinfo') : undefined;
    if (diagnoses) await replaceDiagnoses(ctx.db, v.mdtrt_id, diagnoses);
    await updateVisit(ctx.db, v.mdtrt_id, {
      status: 'discharged',
      endtime,
      ...(diagnoses ? { dise_codes: diseCodes(diagnoses) } : {}),
      info: { ...v.info, ...pick(d, ['dscg_way', 'dscg_dept_codg', 'dscg_dept_name', 'dscg_maindiag_code', 'dscg_maindiag_name']) },
    });
    return {};
  },
};

export const dischargeCancel: TransactionHandler = {
  infno: '2405',
  name: { zh: '出院撤销', en: 'discharge cancellation' },
  requiresSignIn: true,
  writes: true,
  async handle(ctx) {
    const { v, path } = await stay(ctx, 'data');
    requireStatus(v, ['discharged'], path, { zh: '撤销出院', en: 'cancel the discharge' });
    await updateVisit(ctx.db, v.mdtrt_id, { status: 'open', endtime: null });
    return {};
  },
};

export const inpatientFeeUpload: TransactionHandler = {
  infno: '2301',
  name: { zh: '住院费用明细上传', en: 'inpatient fee details upload' },
  requiresSignIn: true,
  writes: true,
  async handle(ctx) {
    return { result: feeResults(await upload(ctx, ['inpatient'])) };
  },
};

export const inpatientFeeCancel: TransactionHandler = {
  infno: '2302',
  name: { zh: '住院费用明细撤销', en: 'inpatient fee details cancellation' },
  requiresSignIn: true,
  writes: true,
  async handle(ctx) {
    const list = inputList(ctx.envelope.input, 'data');
    if (list.length === 0) throw invalid('input.data', '不能为空', 'at least one entry is required');
    const first = list[0]!;
    const mdtrtId = requiredString(first, 'mdtrt_id', 'input.data[0]', 30);
    const v = await requireVisit(ctx.db, callerOf(ctx), mdtrtId, optionalString(first, 'psn_no', 'input.data[0]', 30), 'input.data[0]', true);
    if (v.kind !== 'inpatient') throw invalid('input.data[0].mdtrt_id', `就诊 ${v.mdtrt_id} 不是住院`, `visit ${v.mdtrt_id} is not a stay`);
    requireStatus(v, ['open'], 'input.data[0]', { zh: '撤销费用明细', en: 'cancel fee lines' });
    const sns = list.map((x, i) => {
      if ((optionalString(x, 'mdtrt_id', `input.data[${i}]`, 30) ?? mdtrtId) !== mdtrtId) throw invalid(`input.data[${i}].mdtrt_id`, '须属于同一就诊', 'all entries belong to one visit');
      return requiredString(x, 'feedetl_sn', `input.data[${i}]`, 30);
    });
    const all = sns.includes('0000');
    const done = await cancelLines(ctx.db, v.mdtrt_id, all ? { all: true } : { feedetl_sn: sns });
    if (!all && done.length !== sns.length) {
      const missing = sns.filter((s) => !done.includes(s));
      throw conflict('input.data.feedetl_sn', `不能撤销（不存在、已撤销或已结算）：${missing.join('、')}`, `cannot cancel (unknown, already cancelled or settled): ${missing.join(', ')}`);
    }
    if (done.length === 0) throw conflict('input.data.feedetl_sn', '没有可撤销的未结算费用明细', 'no unsettled fee lines to cancel');
    return { result: done.map((sn) => ({ feedetl_sn: sn })) };
  },
};

async function inpatientToSettle(ctx: GatewayContext, lock: boolean, preview: boolean, db: Queryable) {
  const { d, v, path } = await stay(ctx, 'data', lock, db);
  const mid = optionalFlag(d, 'mid_setl_flag', path, false);
  // The final settlement follows discharge (2402); a mid-stay one happens during the stay.
  requireStatus(v, mid ? ['open'] : ['discharged'], path, mid ? { zh: '中途结算', en: 'settle mid-stay' } : { zh: '出院结算（须先办理出院 2402）', en: 'settle (discharge with 2402 first)' });
  return { d, v, path, o: settleOptions(d, path, { psn_no: optionalString(d, 'psn_no', path, 30), mid_setl: mid, preview }) };
}

async function inpatientSettle(ctx: GatewayContext, preview: boolean) {
  const { d, v, path, o } = await inpatientToSettle(ctx, !preview, preview, ctx.db);
  const r = await settleHere(ctx, v, o);
  return settlementAnswer(r, optionalString(d, 'medins_setl_id', path, 30));
}

/** `prepare` of 2303/2304: a person insured in another deployment is settled by it (issue 17). */
async function inpatientAsk(ctx: GatewayContext, preview: boolean) {
  const { v, o } = await inpatientToSettle(ctx, false, preview, ctx.pool);
  return askSettlementElsewhere(ctx, v, o);
}

export const inpatientPreSettle: TransactionHandler = {
  infno: '2303',
  name: { zh: '住院预结算', en: 'inpatient pre-settlement' },
  requiresSignIn: true,
  writes: false,
  prepare: (ctx) => inpatientAsk(ctx, true),
  handle: (ctx) => inpatientSettle(ctx, true),
};

export const inpatientSettle2304: TransactionHandler = {
  infno: '2304',
  name: { zh: '住院结算', en: 'inpatient settlement' },
  requiresSignIn: true,
  writes: true,
  prepare: (ctx) => inpatientAsk(ctx, false),
  handle: (ctx) => inpatientSettle(ctx, false),
};

export const inpatientSettleCancel = settlementCancellation('2305', { zh: '住院结算撤销', en: 'inpatient settlement cancellation' }, 'inpatient');
