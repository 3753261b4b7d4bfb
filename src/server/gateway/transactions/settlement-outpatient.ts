import { conflict, invalid } from '../../../engine/errors.ts';
import type { ClassifiedFeeLine } from '../../../engine/index.ts';
import { requireStatus, requireVisit, type Caller } from '../../../app/settlement/visit.ts';
import type { OpenVisitInput } from '../../../app/settlement/open-visit.ts';
import { uploadFees } from '../../../app/settlement/upload-fees.ts';
import type { Queryable } from '../../../store/db.ts';
import { cancelLines, replaceDiagnoses, updateVisit, type Diagnosis, type VisitWithPerson } from '../../../store/settlement/visits.ts';
import { inputList, inputObject, optionalDateTime, optionalFlag, optionalInteger, optionalString, requiredString } from '../input.ts';
import type { GatewayContext, TransactionHandler } from '../types.ts';
import { askRegistration, askSettlementElsewhere, callerOf, keysNamed, openHere, patientOf, settleHere, feeResults, readFeeLines, settlementAnswer, settlementCancellation, settleOptions } from './settlement-common.ts';

// Outpatient direct settlement: 2201 registration (issues mdtrt_id), 2202 its cancellation,
// 2203 visit and diagnoses, 2204/2205 fee upload and its cancellation, 2206 pre-settlement,
// 2207 settlement, 2208 cancellation. The store does the work (src/store/settlement).

type Obj = Record<string, unknown>;

const OUTPATIENT_MED_TYPES = ['11', '12', '13', '14', '41', '51'];

export const outpatientRegistration: TransactionHandler = {
  infno: '2201',
  name: { zh: '门诊挂号', en: 'outpatient registration' },
  requiresSignIn: true,
  writes: true,
  headerFields: ['mdtrtarea_admvs', 'insuplc_admdvs'],
  conflictKeys: (env) => keysNamed(env.input['data'], { psn_no: 'psn' }),
  prepare: async (ctx) => askRegistration(ctx, await registrationInput(ctx)),
  async handle(ctx) {
    const opened = await openHere(ctx, await registrationInput(ctx));
    for (const w of opened.warnings) ctx.warn(w);
    return { data: { mdtrt_id: opened.visit.mdtrt_id, psn_no: opened.visit.psn_no, ipt_otp_no: opened.visit.ipt_otp_no, exp_content: null } };
  },
};

/** 2201's input as the registration use case takes it. */
async function registrationInput(ctx: GatewayContext): Promise<OpenVisitInput> {
  const path = 'input.data';
  const d = inputObject(ctx.envelope.input, 'data');
  const medType = optionalString(d, 'med_type', path, 6) ?? '11';
  if (!OUTPATIENT_MED_TYPES.includes(medType)) throw invalid(`${path}.med_type`, `门诊挂号的医疗类别应为 ${OUTPATIENT_MED_TYPES.join('、')}`, `an outpatient registration's med_type is one of ${OUTPATIENT_MED_TYPES.join(', ')}`);
  return {
    kind: 'outpatient',
    psn_no: await patientOf(ctx, d, path),
    insutype: optionalString(d, 'insutype', path, 6),
    insuplc_admdvs: ctx.envelope.insuplc_admdvs,
    mdtrtarea_admvs: ctx.envelope.mdtrtarea_admvs,
    med_type: medType,
    begntime: optionalDateTime(d, 'begntime', path, 'care', ctx.now()) ?? ctx.now(),
    ipt_otp_no: optionalString(d, 'ipt_otp_no', path, 30),
    mdtrt_cert_type: optionalString(d, 'mdtrt_cert_type', path, 3)?.padStart(2, '0'),
    mdtrt_cert_no: optionalString(d, 'mdtrt_cert_no', path, 600),
    emergency_flag: optionalFlag(d, 'emergency_flag', path, false),
    dise_codes: [],
    info: pick(d, ['atddr_no', 'dr_name', 'dept_code', 'dept_name', 'caty']),
  };
}

/** The outpatient visit an input names (`mdtrt_id`, optionally `psn_no`), locked when it will change. */
async function outpatientVisit(db: Queryable, caller: Caller, d: Obj, path: string, lock: boolean): Promise<VisitWithPerson> {
  const v = await requireVisit(db, caller, requiredString(d, 'mdtrt_id', path, 30), optionalString(d, 'psn_no', path, 30), path, lock);
  if (v.kind !== 'outpatient') throw invalid(`${path}.mdtrt_id`, `就诊 ${v.mdtrt_id} 不是门诊就诊`, `visit ${v.mdtrt_id} is not an outpatient visit`);
  return v;
}

export const outpatientRegistrationCancel: TransactionHandler = {
  infno: '2202',
  name: { zh: '门诊挂号撤销', en: 'outpatient registration cancellation' },
  requiresSignIn: true,
  writes: true,
  async handle(ctx) {
    const path = 'input.data';
    const d = inputObject(ctx.envelope.input, 'data');
    const v = await outpatientVisit(ctx.db, callerOf(ctx), d, path, true);
    requireStatus(v, ['open'], path, { zh: '撤销挂号', en: 'cancel the registration' });
    // Uploaded lines go with the registration; settled ones would have made the visit 'settled'.
    await cancelLines(ctx.db, v.mdtrt_id, { all: true });
    await updateVisit(ctx.db, v.mdtrt_id, { status: 'cancelled' });
    return {};
  },
};

export function readDiagnoses(input: Obj, key: string): Diagnosis[] {
  const list = inputList(input, key, true);
  // Without any maindiag_flag the first diagnosis is the main one.
  const flagged = list.some((x) => x['maindiag_flag'] !== undefined);
  return list.map((x, i) => {
    const path = `input.${key}[${i}]`;
    return {
      diag_type: optionalString(x, 'diag_type', path, 3) ?? '1',
      diag_srt_no: optionalInteger(x, 'diag_srt_no', path, 0, 999) ?? i + 1,
      diag_code: requiredString(x, 'diag_code', path, 30),
      diag_name: optionalString(x, 'diag_name', path, 200) ?? '',
      maindiag_flag: optionalFlag(x, 'maindiag_flag', path, !flagged && i === 0),
    };
  });
}

/** Main diagnosis first: what the engine matches chronic diseases and the two diseases on. */
export function diseCodes(list: readonly Diagnosis[]): string[] {
  return [...list].sort((a, b) => Number(b.maindiag_flag) - Number(a.maindiag_flag) || a.diag_srt_no - b.diag_srt_no).map((x) => x.diag_code);
}

export const outpatientVisitInfo: TransactionHandler = {
  infno: '2203',
  name: { zh: '门诊就诊信息上传', en: 'outpatient visit information' },
  requiresSignIn: true,
  writes: true,
  async handle(ctx) {
    const path = 'input.mdtrtinfo';
    const d = inputObject(ctx.envelope.input, 'mdtrtinfo');
    const v = await outpatientVisit(ctx.db, callerOf(ctx), d, path, true);
    requireStatus(v, ['open'], path, { zh: '修改就诊信息', en: 'change the visit' });
    const diagnoses = readDiagnoses(ctx.envelope.input, 'diseinfo');
    const medType = optionalString(d, 'med_type', path, 6) ?? v.med_type;
    if (!OUTPATIENT_MED_TYPES.includes(medType)) throw invalid(`${path}.med_type`, `门诊医疗类别应为 ${OUTPATIENT_MED_TYPES.join('、')}`, `an outpatient med_type is one of ${OUTPATIENT_MED_TYPES.join(', ')}`);
    await replaceDiagnoses(ctx.db, v.mdtrt_id, diagnoses);
    const codes = diseCodes(diagnoses);
    const main = optionalString(d, 'dise_codg', path, 30);
    await updateVisit(ctx.db, v.mdtrt_id, {
      med_type: medType,
      dise_codes: main !== undefined && !codes.includes(main) ? [main, ...codes] : codes,
      info: { ...v.info, ...pick(d, ['main_cond_dscr', 'dise_codg', 'dise_name', 'birctrl_type', 'matn_type', 'geso_val']) },
    });
    return {};
  },
};

export const outpatientFeeUpload: TransactionHandler = {
  infno: '2204',
  name: { zh: '门诊费用明细上传', en: 'outpatient fee details upload' },
  requiresSignIn: true,
  writes: true,
  conflictKeys: (env) => {
    const lines = env.input['feedetail'];
    if (!Array.isArray(lines) || lines.length === 0) return undefined;
    const keys = new Set<string>();
    for (const l of lines) {
      const k = keysNamed(l, { mdtrt_id: 'visit' });
      if (!k) return undefined;
      keys.add(k[0]!);
    }
    return [...keys];
  },
  async handle(ctx) {
    return { result: feeResults(await upload(ctx, ['outpatient'])) };
  },
};

/** 2204 and 2301: one visit's lines, classified on the treatment region's catalog. */
export async function upload(ctx: GatewayContext, kinds: readonly string[]): Promise<ClassifiedFeeLine[]> {
  const read = readFeeLines(ctx.envelope.input, 'feedetail', undefined, ctx.now());
  if (read.mdtrt_id === undefined) throw invalid('input.feedetail[0].mdtrt_id', '必填', 'required');
  const caller = callerOf(ctx);
  const v = await requireVisit(ctx.db, caller, read.mdtrt_id, read.psn_no, 'input.feedetail[0]', true);
  if (!kinds.includes(v.kind)) throw invalid('input.feedetail[0].mdtrt_id', `就诊 ${v.mdtrt_id} 不是本交易的就诊类别`, `visit ${v.mdtrt_id} is a ${v.kind} visit, not uploaded by this transaction`);
  requireStatus(v, ['open'], 'input.feedetail[0]', { zh: '上传费用明细', en: 'upload fee lines' });
  return uploadFees(ctx.db, caller, v, read.lines, read.extras, 'input.feedetail', ctx.documents);
}

export const outpatientFeeCancel: TransactionHandler = {
  infno: '2205',
  name: { zh: '门诊费用明细撤销', en: 'outpatient fee details cancellation' },
  requiresSignIn: true,
  writes: true,
  async handle(ctx) {
    const path = 'input.data';
    const d = inputObject(ctx.envelope.input, 'data');
    const v = await outpatientVisit(ctx.db, callerOf(ctx), d, path, true);
    requireStatus(v, ['open'], path, { zh: '撤销费用明细', en: 'cancel fee lines' });
    const bch = optionalString(d, 'chrg_bchno', path, 30);
    const done = await cancelLines(ctx.db, v.mdtrt_id, bch === undefined || bch === '0000' ? { all: true } : { chrg_bchno: bch });
    if (done.length === 0) throw conflict(`${path}.chrg_bchno`, '没有可撤销的未结算费用明细', 'no unsettled fee lines to cancel');
    return { result: done.map((sn) => ({ feedetl_sn: sn })) };
  },
};

/** 2206/2207 input: the visit, the total the HIS computed, whether to use the personal account. */
async function outpatientToSettle(ctx: GatewayContext, db: Queryable, lock: boolean, preview: boolean) {
  const path = 'input.data';
  const d = inputObject(ctx.envelope.input, 'data');
  const v = await outpatientVisit(db, callerOf(ctx), d, path, lock);
  requireStatus(v, ['open'], path, { zh: preview ? '预结算' : '结算', en: preview ? 'pre-settle' : 'settle' });
  return { d, v, path, o: settleOptions(d, path, { psn_no: optionalString(d, 'psn_no', path, 30), mid_setl: false, preview }) };
}

async function outpatientSettle(ctx: GatewayContext, preview: boolean) {
  const { d, v, path, o } = await outpatientToSettle(ctx, ctx.db, !preview, preview);
  const r = await settleHere(ctx, v, o);
  return settlementAnswer(r, optionalString(d, 'medins_setl_id', path, 30));
}

/** `prepare` of 2206/2207: a person insured in another deployment is settled by it (issue 17). */
async function outpatientAsk(ctx: GatewayContext, preview: boolean) {
  const { v, o } = await outpatientToSettle(ctx, ctx.pool, false, preview);
  return askSettlementElsewhere(ctx, v, o);
}

export const outpatientPreSettle: TransactionHandler = {
  infno: '2206',
  name: { zh: '门诊预结算', en: 'outpatient pre-settlement' },
  requiresSignIn: true,
  writes: false,
  prepare: (ctx) => outpatientAsk(ctx, true),
  handle: (ctx) => outpatientSettle(ctx, true),
};

export const outpatientSettle2207: TransactionHandler = {
  infno: '2207',
  name: { zh: '门诊结算', en: 'outpatient settlement' },
  requiresSignIn: true,
  writes: true,
  conflictKeys: (env) => keysNamed(env.input['data'], { mdtrt_id: 'visit', psn_no: 'psn' }),
  prepare: (ctx) => outpatientAsk(ctx, false),
  handle: (ctx) => outpatientSettle(ctx, false),
};

export const outpatientSettleCancel = settlementCancellation('2208', { zh: '门诊结算撤销', en: 'outpatient settlement cancellation' }, 'outpatient');

export function pick(d: Obj, keys: readonly string[]): Obj {
  const out: Obj = {};
  for (const k of keys) if (d[k] !== undefined) out[k] = d[k];
  return out;
}
