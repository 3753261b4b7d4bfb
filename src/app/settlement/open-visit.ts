// The registration use case of 2201 / 2401 / 2102: who, where, on what terms. The institution
// acts in its own treatment region, the person has an active basic enrollment in the region
// the HIS named, the cooperation layer's eligibility decides (a stay or an undiagnosed chronic
// visit may be decided again at settlement); the store reads and inserts the visit.
import { HOSP_LVS, isCode, MED_TYPES } from '../../engine/codes.ts';
import { forbidden, invalid, notFound } from '../../engine/errors.ts';
import type { EligibilityDecision } from '../../engine/eligibility.ts';
import { chinaDate } from '../../engine/calendar.ts';
import type { Queryable } from '../../store/db.ts';
import { checkEligibility } from '../cooperation/eligibility.ts';
import { poolingRegionOf } from '../../store/cooperation/common.ts';
import { personWithActiveBasicEnrollment } from '../../store/registry/enrollments.ts';
import type { Person as PersonRow } from '../../store/registry/persons.ts';
import { insertVisit, type VisitKind, type VisitRow, type VisitWithPerson } from '../../store/settlement/visits.ts';
import type { Caller } from './visit.ts';

type Obj = Record<string, unknown>;

/** Checks that the calling institution acts in its own treatment region; returns that pooling region. */
export async function treatmentRegion(q: Queryable, caller: Caller, mdtrtareaAdmvs: string): Promise<string> {
  const own = await poolingRegionOf(q, caller.admdvs);
  if (mdtrtareaAdmvs !== own && mdtrtareaAdmvs !== caller.admdvs) {
    throw forbidden(
      'mdtrtarea_admvs',
      `就医地医保区划 ${mdtrtareaAdmvs} 不是本机构所在统筹区 ${own}`,
      `mdtrtarea_admvs ${mdtrtareaAdmvs} is not the institution's own pooling region ${own}`,
    );
  }
  return own;
}

/** The eligibility decision as the visit keeps it (visits.eligibility, and the explanation). */
export function decisionRecord(d: EligibilityDecision): Obj {
  return { allowed: d.allowed, status: d.status, cross_province: d.crossProvince, terms: d.terms, reasons: d.reasons };
}

/** A refusal's reasons as one sentence each in Chinese and English. */
export function refusalText(reasons: ReadonlyArray<{ zh: string; en: string }>): { zh: string; en: string } {
  return { zh: reasons.map((r) => r.zh).join('；'), en: reasons.map((r) => r.en).join('; ') };
}

export interface OpenVisitInput {
  kind: VisitKind;
  psn_no: string;
  insutype: string | undefined;
  /** The insured region the HIS named (envelope insuplc_admdvs), checked against the registry. */
  insuplc_admdvs: string | undefined;
  mdtrtarea_admvs: string;
  med_type: string;
  begntime: Date;
  ipt_otp_no: string | undefined;
  mdtrt_cert_type: string | undefined;
  mdtrt_cert_no: string | undefined;
  emergency_flag: boolean;
  dise_codes: string[];
  info: Obj;
}

export interface OpenedVisit {
  visit: VisitWithPerson;
  person: PersonRow;
  warnings: string[];
}

/**
 * Who the person is and on what terms the visit may be settled: the active basic enrollment,
 * the insured region the HIS named checked against it, checkEligibility's decision. The insured
 * side decides this; across deployments the owner answers it (visit.check, issue 17).
 */
export interface VisitDecision {
  person: PersonRow;
  insutype: string;
  psn_type: string;
  /** The insured pooling region. */
  insured: string;
  decision: EligibilityDecision;
}

export async function decideVisit(q: Queryable, caller: Caller, input: Pick<OpenVisitInput, 'psn_no' | 'insutype' | 'insuplc_admdvs' | 'med_type' | 'begntime' | 'emergency_flag' | 'dise_codes'>): Promise<VisitDecision> {
  const found = await personWithActiveBasicEnrollment(q, input.psn_no);
  const person = found?.person;
  const enrollment = found?.enrollment;
  if (!person) throw notFound('psn_no', `查无人员 ${input.psn_no}`, `no insured person ${input.psn_no}`);
  if (!enrollment) throw forbidden('psn_no', `人员 ${person.psn_no} 无有效基本医保参保`, `person ${person.psn_no} has no active basic insurance`);
  if (input.insutype !== undefined && input.insutype !== enrollment.insutype) {
    throw invalid('insutype', `险种 ${input.insutype} 与参保信息（${enrollment.insutype}）不符`, `insutype ${input.insutype} does not match the enrollment (${enrollment.insutype})`);
  }
  const insured = await poolingRegionOf(q, enrollment.insuplc_admdvs);
  if (input.insuplc_admdvs !== undefined && input.insuplc_admdvs !== insured && (await poolingRegionOf(q, input.insuplc_admdvs)) !== insured) {
    throw invalid('insuplc_admdvs', `参保地 ${input.insuplc_admdvs} 与人员参保地 ${insured} 不符`, `insuplc_admdvs ${input.insuplc_admdvs} does not match the person's insured region ${insured}`);
  }
  const decision = await checkEligibility(q, {
    person,
    fixmedins_code: caller.fixmedins_code,
    med_type: input.med_type,
    begndate: chinaDate(input.begntime),
    insutype: enrollment.insutype,
    emergency_flag: input.emergency_flag,
    ...(input.dise_codes[0] ? { diag_code: input.dise_codes[0] } : {}),
  });
  return { person, insutype: enrollment.insutype, psn_type: enrollment.psn_type, insured, decision };
}

/** The institution's kind fits the transaction, the codes are known, the stay goes through 2401. */
export function checkVisitKind(caller: Caller, input: Pick<OpenVisitInput, 'kind' | 'med_type'>): void {
  const wantType = input.kind === 'pharmacy' ? '2' : '1';
  if (caller.fixmedins_type !== wantType) {
    throw forbidden('fixmedins_code', input.kind === 'pharmacy' ? '只有定点零售药店可办理购药结算' : '零售药店不能办理门诊挂号或住院登记', input.kind === 'pharmacy' ? 'only a designated pharmacy settles pharmacy purchases' : 'a pharmacy cannot register outpatient visits or admissions');
  }
  if (!isCode(MED_TYPES, input.med_type)) throw invalid('med_type', `未知医疗类别 ${input.med_type}`, `unknown med_type ${input.med_type}`);
  if (!isCode(HOSP_LVS, caller.hosp_lv)) throw invalid('fixmedins_code', `机构等级 ${caller.hosp_lv} 无效`, `institution level ${caller.hosp_lv} is unknown`);
  const inpatient = input.med_type.startsWith('2');
  if (inpatient !== (input.kind === 'inpatient')) {
    throw invalid('med_type', `医疗类别 ${input.med_type} 与交易不符（住院 2x 须用 2401）`, `med_type ${input.med_type} does not fit this transaction (inpatient 2x goes through 2401)`);
  }
}

/**
 * 2201 / 2401 / 2102: who, where, on what terms (decideVisit, or the owning deployment's
 * answer when the person is insured there: `decided`), then the visit row.
 */
export async function openVisit(q: Queryable, caller: Caller, input: OpenVisitInput, decided?: VisitDecision): Promise<OpenedVisit> {
  const warnings: string[] = [];
  checkVisitKind(caller, input);
  const inpatient = input.med_type.startsWith('2');
  const treatment = await treatmentRegion(q, caller, input.mdtrtarea_admvs);
  const { person, insutype, psn_type, insured, decision } = decided ?? (await decideVisit(q, caller, input));
  if (!decision.allowed) {
    const why = refusalText(decision.reasons);
    // A stay may be admitted before its filing, and a chronic-disease visit registered before
    // its diagnosis (2203): both are decided again at settlement.
    const later = inpatient || (input.med_type === '14' && input.dise_codes.length === 0);
    if (!later || decision.status === null) throw forbidden('psn_no', `不予直接结算：${why.zh}`, `not settled directly: ${why.en}`);
    warnings.push(`登记时尚不满足直接结算条件，结算时将重新判定：${why.zh} / not yet eligible at registration, decided again at settlement: ${why.en}`);
  }
  const row: Omit<VisitRow, 'mdtrt_id'> = {
    kind: input.kind,
    status: 'open',
    psn_no: person.psn_no,
    insutype,
    psn_type,
    fixmedins_code: caller.fixmedins_code,
    hosp_lv: caller.hosp_lv,
    mdtrtarea_admvs: treatment,
    insuplc_admdvs: insured,
    med_type: input.med_type,
    begntime: input.begntime,
    endtime: null,
    ipt_otp_no: input.ipt_otp_no ?? null,
    mdtrt_cert_type: input.mdtrt_cert_type ?? null,
    mdtrt_cert_no: input.mdtrt_cert_no ?? null,
    emergency_flag: input.emergency_flag,
    dise_codes: input.dise_codes,
    cross_region_status: decision.status ?? 'unfiled',
    eligibility: decisionRecord(decision),
    info: input.info,
  };
  const visit: VisitRow = { mdtrt_id: await insertVisit(q, row, caller.now), ...row };
  return { visit: { ...visit, person }, person, warnings };
}
