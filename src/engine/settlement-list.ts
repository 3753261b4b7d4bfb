import { Problems } from './errors.ts';
import { chinaDate } from './calendar.ts';

// The settlement list (医疗保障基金结算清单, 4101A) of a settled stay, as the grouper needs it:
// its domain checks (one principal diagnosis that can be principal, codes from the
// medical-insurance tables, a main procedure with its date, a newborn's birth weight, times
// inside the stay) and the case the grouper reads. The gateway has already checked each field's
// form; this checks what the fields say together, listing every problem at once.

export interface ListDiagnosis {
  diag_type: string; // 1 western medicine, 2 TCM disease, 3 TCM syndrome
  diag_code: string;
  diag_name: string;
  maindiag: boolean;
  adm_cond_type?: string;
}

export interface ListProcedure {
  oprn_oprt_code: string;
  oprn_oprt_name: string;
  main: boolean;
  begntime?: Date;
  endtime?: Date;
  anst_way?: string;
}

export interface ListIcuStay {
  scs_cutd_ward_type: string;
  inpool_time: Date;
  exit_time: Date;
  minutes: number;
}

export interface SettlementList {
  setl_id: string;
  mdtrt_id: string;
  psn_no: string;
  adm_time: Date;
  dscg_time: Date;
  dscg_way: string;
  /** grams, for a newborn */
  nwb_bir_wt?: number;
  nwb_adm_wt?: number;
  vent_minutes: number;
  coma_minutes_before_admission?: number;
  coma_minutes_after_admission?: number;
  diagnoses: ListDiagnosis[];
  procedures: ListProcedure[];
  icu: ListIcuStay[];
}

/** What the code tables and the grouping scheme say of a code: its name, or why it is refused here. */
export interface ListCodeTables {
  diagnosisName(code: string): string | undefined;
  procedureName(code: string): string | undefined;
  /** Why this code cannot be a principal diagnosis, or undefined when it can. */
  principalProblem(code: string): { zh: string; en: string } | undefined;
}

/** Who the patient is, from the registry (never from the list). */
export interface ListPatient {
  gend: '1' | '2';
  brdy: string; // yyyy-MM-dd
}

/** 离院方式: 1 医嘱离院, 2 医嘱转院, 3 医嘱转社区卫生服务机构/乡镇卫生院, 4 非医嘱离院, 5 死亡, 9 其他. */
export const DSCG_WAYS: Readonly<Record<string, { zh: string; en: string }>> = {
  '1': { zh: '医嘱离院', en: 'discharged as advised' },
  '2': { zh: '医嘱转院', en: 'transferred to another hospital' },
  '3': { zh: '医嘱转社区卫生服务机构/乡镇卫生院', en: 'transferred to a community or township health centre' },
  '4': { zh: '非医嘱离院', en: 'left against advice' },
  '5': { zh: '死亡', en: 'died' },
  '9': { zh: '其他', en: 'other' },
};

/** A newborn for the grouper and the list: admitted at 28 days of age or younger. */
export const NEWBORN_MAX_DAYS = 28;

const DAY_MS = 86_400_000;
const days = (from: string, to: string): number => Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / DAY_MS);

/** Age at a day: whole years and days since birth (China dates). */
export function ageAt(brdy: string, at: Date): { years: number; days: number } {
  const day = chinaDate(at);
  let years = Number(day.slice(0, 4)) - Number(brdy.slice(0, 4));
  if (day.slice(5) < brdy.slice(5)) years -= 1;
  return { years: Math.max(0, years), days: Math.max(0, days(brdy, day)) };
}

/** Length of stay in days as the settlement list counts it: discharge date less admission date, at least 1. */
export function lengthOfStay(adm: Date, dscg: Date): number {
  return Math.max(1, days(chinaDate(adm), chinaDate(dscg)));
}

/** "天/小时/分钟" (e.g. "1/13/24") or a number of hours → minutes; undefined when it is neither. */
export function parseDuration(text: string): number | undefined {
  const parts = /^(\d{1,4})\/(\d{1,2})\/(\d{1,2})$/.exec(text.trim());
  if (parts) {
    const [d, h, m] = [Number(parts[1]), Number(parts[2]), Number(parts[3])];
    if (h > 23 || m > 59) return undefined;
    return (d * 24 + h) * 60 + m;
  }
  if (/^\d{1,6}(\.\d{1,2})?$/.test(text.trim())) return Math.round(Number(text) * 60);
  return undefined;
}

/** Every problem of a list at once, each naming its field (paths as the 4101A message has them). */
export function checkSettlementList(list: SettlementList, patient: ListPatient, tables: ListCodeTables): void {
  const p = new Problems();
  if (list.dscg_time < list.adm_time) p.add('input.setlinfo.dscg_time', '出院时间早于入院时间', 'dscg_time is before adm_time');
  if (DSCG_WAYS[list.dscg_way] === undefined) p.add('input.setlinfo.dscg_way', `离院方式应为 ${Object.keys(DSCG_WAYS).join('/')}`, `dscg_way is one of ${Object.keys(DSCG_WAYS).join(', ')}, got "${list.dscg_way}"`);

  const age = ageAt(patient.brdy, list.adm_time);
  if (age.days <= NEWBORN_MAX_DAYS && list.nwb_bir_wt === undefined) {
    p.add('input.setlinfo.nwb_bir_wt', `新生儿（入院时 ${age.days} 天）须填出生体重（克）`, `a newborn (${age.days} days old at admission) needs nwb_bir_wt, the birth weight in grams`);
  }

  const western = list.diagnoses.map((d, i) => ({ d, i })).filter(({ d }) => d.diag_type === '1');
  if (western.length === 0) p.add('input.diseinfo', '至少须有一个西医诊断（diag_type 1）', 'at least one western-medicine diagnosis (diag_type 1) is required');
  const mains = western.filter(({ d }) => d.maindiag);
  if (western.length > 0 && mains.length !== 1) {
    p.add('input.diseinfo', `西医诊断须恰有一个主要诊断（maindiag_flag 1），现有 ${mains.length} 个`, `exactly one western-medicine diagnosis must be the principal one (maindiag_flag 1), found ${mains.length}`);
  }
  const seen = new Set<string>();
  for (const { d, i } of western) {
    const at = `input.diseinfo[${i}].diag_code`;
    if (tables.diagnosisName(d.diag_code) === undefined) {
      p.add(at, `诊断代码 ${d.diag_code} 不在医保版 ICD-10 中`, `diagnosis code ${d.diag_code} is not in the medical-insurance ICD-10 table`);
      continue;
    }
    if (seen.has(d.diag_code)) p.add(at, `诊断代码 ${d.diag_code} 重复`, `diagnosis code ${d.diag_code} appears twice`);
    seen.add(d.diag_code);
    if (d.maindiag) {
      const why = tables.principalProblem(d.diag_code);
      if (why) p.add(at, why.zh, why.en);
    }
  }

  const mainProcedures = list.procedures.filter((x) => x.main);
  if (list.procedures.length > 0 && mainProcedures.length !== 1) {
    p.add('input.oprninfo', `手术操作须恰有一个主要手术（main_oprn_flag 1），现有 ${mainProcedures.length} 个`, `exactly one procedure must be the main one (main_oprn_flag 1), found ${mainProcedures.length}`);
  }
  list.procedures.forEach((x, i) => {
    const at = `input.oprninfo[${i}]`;
    if (tables.procedureName(x.oprn_oprt_code) === undefined) {
      p.add(`${at}.oprn_oprt_code`, `手术操作代码 ${x.oprn_oprt_code} 不在医保版手术操作分类与编码中`, `procedure code ${x.oprn_oprt_code} is not in the medical-insurance procedure table`);
    }
    if (x.main && x.begntime === undefined) p.add(`${at}.oprn_oprt_begntime`, '主要手术须填手术操作开始时间', 'the main procedure needs oprn_oprt_begntime');
    if (x.begntime !== undefined && (chinaDate(x.begntime) < chinaDate(list.adm_time) || chinaDate(x.begntime) > chinaDate(list.dscg_time))) {
      p.add(`${at}.oprn_oprt_begntime`, '手术操作时间不在住院期间', 'the procedure is dated outside the stay');
    }
    if (x.begntime !== undefined && x.endtime !== undefined && x.endtime < x.begntime) p.add(`${at}.oprn_oprt_endtime`, '结束时间早于开始时间', 'oprn_oprt_endtime is before oprn_oprt_begntime');
  });

  list.icu.forEach((u, i) => {
    const at = `input.icuinfo[${i}]`;
    if (u.exit_time < u.inpool_time) p.add(`${at}.scs_cutd_exit_time`, '退出时间早于进入时间', 'scs_cutd_exit_time is before scs_cutd_inpool_time');
    if (u.inpool_time < list.adm_time || u.exit_time > list.dscg_time) p.add(`${at}.scs_cutd_inpool_time`, '重症监护时间不在住院期间', 'the intensive care is dated outside the stay');
  });
  p.throwIfAny();
}

/** The case the grouper reads (`yibao group`'s line format): principal diagnosis first, main procedure first. */
export interface ListCase {
  id: string;
  gend: '1' | '2';
  age: number;
  age_days: number;
  birth_weight_g?: number;
  los_days: number;
  dscg_way: string;
  vent_hours: number;
  diagnoses: string[];
  procedures: string[];
}

export function caseOfList(list: SettlementList, patient: ListPatient): ListCase {
  const age = ageAt(patient.brdy, list.adm_time);
  const western = list.diagnoses.filter((d) => d.diag_type === '1');
  const diagnoses = [...western.filter((d) => d.maindiag), ...western.filter((d) => !d.maindiag)].map((d) => d.diag_code);
  const procedures = [...list.procedures.filter((x) => x.main), ...list.procedures.filter((x) => !x.main)].map((x) => x.oprn_oprt_code);
  return {
    id: list.setl_id,
    gend: patient.gend,
    age: age.years,
    age_days: age.days,
    ...(list.nwb_bir_wt !== undefined ? { birth_weight_g: list.nwb_bir_wt } : {}),
    los_days: lengthOfStay(list.adm_time, list.dscg_time),
    dscg_way: list.dscg_way,
    vent_hours: Math.floor(list.vent_minutes / 60),
    diagnoses,
    procedures,
  };
}
