import { invalid } from '../../../engine/errors.ts';
import { fenToYuan } from '../../../engine/money.ts';
import { parseDuration, type ListCodeTables, type ListDiagnosis, type ListIcuStay, type ListProcedure, type SettlementList } from '../../../engine/settlement-list.ts';
import { changeListStatus, settlementListsOf, uploadSettlementList } from '../../../app/payment/settlement-list.ts';
import { icdTables } from '../../../store/shipped-documents.ts';
import type { ListRow } from '../../../store/payment/settlement-lists.ts';
import { inputList, inputObject, optionalDateTime, optionalInteger, optionalString, requiredString } from '../input.ts';
import { dateTime } from '../time.ts';
import { callerOf } from './settlement-common.ts';
import type { GatewayContext, TransactionHandler } from '../types.ts';

// 4101A 医疗保障基金结算清单信息上传, 4102 结算清单状态修改, 4103 结算清单信息查询: the list of a
// settled stay (setlinfo, diseinfo[], oprninfo[], icuinfo[]), in the national interface's field
// names. Each field's form is checked here; what the fields say together, in the engine
// (settlement-list.ts); the grouping and the case's price, in the application.

type Obj = Record<string, unknown>;

/** External causes (V01-Y98) say how an injury happened, never what was treated. */
const EXTERNAL_CAUSE = /^[VWXY]\d/;

function codeTables(): ListCodeTables {
  const t = icdTables();
  return {
    diagnosisName: (code) => t.diagnoses[code],
    procedureName: (code) => t.procedures[code],
    principalProblem: (code) =>
      EXTERNAL_CAUSE.test(code)
        ? { zh: `${code} 为损伤中毒的外部原因，不能作为主要诊断`, en: `${code} is an external cause of injury and cannot be the principal diagnosis` }
        : undefined,
  };
}

function duration(d: Obj, key: string, path: string): number | undefined {
  const text = optionalString(d, key, path, 20);
  if (text === undefined) return undefined;
  const minutes = parseDuration(text);
  if (minutes === undefined) throw invalid(`${path}.${key}`, '应为“天/小时/分钟”，如 1/13/24', `expected days/hours/minutes such as 1/13/24, got "${text}"`);
  return minutes;
}

function requiredTime(d: Obj, key: string, path: string, now: Date): Date {
  const t = optionalDateTime(d, key, path, 'care', now);
  if (t === undefined) throw invalid(`${path}.${key}`, '必填（yyyy-MM-dd HH:mm:ss）', 'required (yyyy-MM-dd HH:mm:ss)');
  return t;
}

function flag(d: Obj, key: string, path: string): boolean | undefined {
  const v = optionalString(d, key, path, 1);
  if (v === undefined) return undefined;
  if (v !== '0' && v !== '1') throw invalid(`${path}.${key}`, '取值应为 0 或 1', `expected 0 or 1, got "${v}"`);
  return v === '1';
}

/** The setlinfo fields kept with the list as sent (the rest of the list is read into its parts). */
const KEPT = ['medcasno', 'hi_no', 'dcla_time', 'adm_way', 'trt_type', 'refldept_dept', 'dscg_caty', 'chfpdr_code', 'days_rinp_flag_31', 'days_rinp_pup_31', 'setl_begn_date', 'setl_end_date', 'hi_paymtd', 'nwb_adm_type', 'medins_fill_dept', 'medins_fill_psn'];

function readList(ctx: GatewayContext): { list: SettlementList; setlinfo: Obj } {
  const now = ctx.now();
  const path = 'input.setlinfo';
  const s = inputObject(ctx.envelope.input, 'setlinfo');
  const diagnoses: ListDiagnosis[] = inputList(ctx.envelope.input, 'diseinfo').map((d, i) => {
    const at = `input.diseinfo[${i}]`;
    const adm = optionalString(d, 'adm_cond_type', at, 3);
    return {
      diag_type: optionalString(d, 'diag_type', at, 3) ?? '1',
      diag_code: requiredString(d, 'diag_code', at, 30),
      diag_name: optionalString(d, 'diag_name', at, 200) ?? '',
      maindiag: flag(d, 'maindiag_flag', at) ?? false,
      ...(adm !== undefined ? { adm_cond_type: adm } : {}),
    };
  });
  const procedures: ListProcedure[] = inputList(ctx.envelope.input, 'oprninfo', true).map((x, i) => {
    const at = `input.oprninfo[${i}]`;
    // 主要手术: main_oprn_flag 1, or the interface's category oprn_oprt_type 1 where a HIS sends only that.
    const main = flag(x, 'main_oprn_flag', at) ?? optionalString(x, 'oprn_oprt_type', at, 3) === '1';
    const begn = optionalDateTime(x, 'oprn_oprt_begntime', at, 'care', now) ?? optionalDateTime(x, 'oprn_oprt_date', at, 'care', now);
    const end = optionalDateTime(x, 'oprn_oprt_endtime', at, 'care', now);
    const anst = optionalString(x, 'anst_way', at, 6);
    return {
      oprn_oprt_code: requiredString(x, 'oprn_oprt_code', at, 30),
      oprn_oprt_name: optionalString(x, 'oprn_oprt_name', at, 500) ?? '',
      main,
      ...(begn !== undefined ? { begntime: begn } : {}),
      ...(end !== undefined ? { endtime: end } : {}),
      ...(anst !== undefined ? { anst_way: anst } : {}),
    };
  });
  const icu: ListIcuStay[] = inputList(ctx.envelope.input, 'icuinfo', true).map((u, i) => {
    const at = `input.icuinfo[${i}]`;
    const inpool = requiredTime(u, 'scs_cutd_inpool_time', at, now);
    const exit = requiredTime(u, 'scs_cutd_exit_time', at, now);
    return { scs_cutd_ward_type: requiredString(u, 'scs_cutd_ward_type', at, 6), inpool_time: inpool, exit_time: exit, minutes: duration(u, 'scs_cutd_sum_dura', at) ?? Math.round((exit.getTime() - inpool.getTime()) / 60_000) };
  });
  const birth = optionalInteger(s, 'nwb_bir_wt', path, 100, 10_000);
  const admWt = optionalInteger(s, 'nwb_adm_wt', path, 100, 20_000);
  const comaBefore = duration(s, 'pwcry_bfadm_coma_dura', path);
  const comaAfter = duration(s, 'pwcry_afadm_coma_dura', path);
  const list: SettlementList = {
    setl_id: requiredString(s, 'setl_id', path, 30),
    mdtrt_id: requiredString(s, 'mdtrt_id', path, 30),
    psn_no: requiredString(s, 'psn_no', path, 30),
    adm_time: requiredTime(s, 'adm_time', path, now),
    dscg_time: requiredTime(s, 'dscg_time', path, now),
    dscg_way: requiredString(s, 'dscg_way', path, 3),
    vent_minutes: duration(s, 'vent_used_dura', path) ?? 0,
    ...(birth !== undefined ? { nwb_bir_wt: birth } : {}),
    ...(admWt !== undefined ? { nwb_adm_wt: admWt } : {}),
    ...(comaBefore !== undefined ? { coma_minutes_before_admission: comaBefore } : {}),
    ...(comaAfter !== undefined ? { coma_minutes_after_admission: comaAfter } : {}),
    diagnoses,
    procedures,
    icu,
  };
  const setlinfo: Obj = {};
  for (const k of KEPT) {
    const v = optionalString(s, k, path, 200);
    if (v !== undefined) setlinfo[k] = v;
  }
  return { list, setlinfo };
}

export const settlementListUpload: TransactionHandler = {
  infno: '4101A',
  name: { zh: '医疗保障基金结算清单信息上传', en: 'settlement list upload' },
  requiresSignIn: true,
  writes: true,
  async handle(ctx) {
    const { list, setlinfo } = readList(ctx);
    const up = await uploadSettlementList(ctx.db, callerOf(ctx), list, setlinfo, codeTables());
    if (up.price.grouping.status === 'ungroupable') {
      // Stored and paid by item; the coder hears why the stay did not group.
      const why = (up.price.grouping.explanation as { steps: { zh: string; en: string }[] }).steps.at(-1);
      ctx.warn(`未能入组（${up.price.drg}）：${why?.zh ?? ''} / not grouped (${up.price.drg}): ${why?.en ?? ''}`);
    }
    return {
      output: {
        setl_list_id: up.list.setl_list_id,
        // yibao: the version this upload made, the stay's group, and its hospital payment where the region pays by DRG/DIP
        setl_list_ver: up.list.version,
        drg_code: up.price.drg,
        ...(up.price.payment ? { hosp_pay_amt: fenToYuan(up.price.hospital_payment_fen) } : {}),
      },
    };
  },
};

export const settlementListStatus: TransactionHandler = {
  infno: '4102',
  name: { zh: '医疗保障基金结算清单状态修改', en: 'settlement list status change' },
  requiresSignIn: true,
  writes: true,
  async handle(ctx) {
    const data = inputObject(ctx.envelope.input, 'data');
    const rows = inputList(data, 'stastinfo').map((r, i) => ({ r, at: `input.data.stastinfo[${i}]` }));
    const caller = callerOf(ctx);
    const changed: Obj[] = [];
    for (const { r, at } of rows) {
      const stas = requiredString(r, 'stas_type', at, 1);
      if (stas !== '0' && stas !== '1') throw invalid(`${at}.stas_type`, '状态应为 1（提交）或 0（撤回）', `stas_type is 1 (submitted) or 0 (withdrawn), got "${stas}"`);
      const row = await changeListStatus(ctx.db, caller, requiredString(r, 'setl_id', at, 30), optionalString(r, 'psn_no', at, 30), stas, at);
      changed.push({ setl_id: row.setl_id, setl_list_id: row.setl_list_id, stas_type: row.stas_type });
    }
    return { output: { stastinfo: changed } };
  },
};

const listAnswer = (l: ListRow): Obj => ({
  setl_list_id: l.setl_list_id,
  setl_list_ver: l.version,
  setl_id: l.setl_id,
  mdtrt_id: l.mdtrt_id,
  psn_no: l.psn_no,
  stas_type: l.stas_type,
  adm_time: dateTime(l.adm_time),
  dscg_time: dateTime(l.dscg_time),
  dscg_way: l.dscg_way,
  upld_time: dateTime(l.uploaded_at),
  diseinfo: (l.diseinfo as ListDiagnosis[]).map((d) => ({ diag_type: d.diag_type, diag_code: d.diag_code, diag_name: d.diag_name, maindiag_flag: d.maindiag ? '1' : '0', ...(d.adm_cond_type ? { adm_cond_type: d.adm_cond_type } : {}) })),
  oprninfo: (l.oprninfo as (Omit<ListProcedure, 'begntime' | 'endtime'> & { begntime?: string; endtime?: string })[]).map((x) => ({
    oprn_oprt_code: x.oprn_oprt_code, oprn_oprt_name: x.oprn_oprt_name, main_oprn_flag: x.main ? '1' : '0',
    ...(x.begntime ? { oprn_oprt_begntime: dateTime(new Date(x.begntime)) } : {}), ...(x.endtime ? { oprn_oprt_endtime: dateTime(new Date(x.endtime)) } : {}),
  })),
});

export const settlementListQuery: TransactionHandler = {
  infno: '4103',
  name: { zh: '医疗保障基金结算清单信息查询', en: 'settlement list query' },
  requiresSignIn: true,
  writes: false,
  async handle(ctx) {
    const path = 'input.data';
    const d = inputObject(ctx.envelope.input, 'data');
    const rows = await settlementListsOf(ctx.pool, callerOf(ctx), requiredString(d, 'setl_id', path, 30), optionalString(d, 'psn_no', path, 30), path);
    return { output: rows.map(listAnswer) };
  },
};
