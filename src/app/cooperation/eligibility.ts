import { decideEligibility, type EligibilityDecision, type EligibilityFacts, type VisitFacts } from '../../engine/eligibility.ts';
import { isIsoDate } from '../../engine/calendar.ts';
import { Problems, notFound } from '../../engine/errors.ts';
import { isCode, MED_TYPES } from '../../engine/codes.ts';
import type { Queryable } from '../../store/db.ts';
import { findPerson, poolingRegionOf } from '../../store/cooperation/common.ts';
import { readEligibilityRows } from '../../store/cooperation/eligibility.ts';
import { toFilingFact } from '../../store/cooperation/filings.ts';
import { toRecognitionFact } from '../../store/cooperation/recognitions.ts';
import { regionReference } from '../../store/cooperation/reference.ts';

// 待遇资格: what a request may ask (who, where, which kind of care, on which days, a separately
// paid drug with its doctor), the facts gathered through the store and the decision, which is
// the engine's (src/engine/eligibility.ts). On the 2201/2207 hot path: the person when not
// handed in, the pooling regions (cached), one round trip for the facts, the region's
// reference data (cached by generation).

export interface EligibilityQuery {
  /** The person when the caller has already read them (saves a round trip). */
  person?: { psn_no: string; insuplc_admdvs: string };
  psn_no?: string;
  certno?: string;
  fixmedins_code: string;
  med_type: string;
  begndate: string;
  enddate?: string;
  insutype?: string;
  emergency_flag?: boolean;
  diag_code?: string;
  drug_code?: string;
  dr_codg?: string;
}

export async function gatherEligibilityFacts(q: Queryable, query: EligibilityQuery): Promise<EligibilityFacts> {
  const p = new Problems();
  if (!query.person && !query.psn_no && !query.certno) p.add('psn_no', '须提供 psn_no 或 certno', 'psn_no or certno is required');
  if (!query.fixmedins_code) p.add('fixmedins_code', '缺少定点医药机构编号', 'fixmedins_code is required');
  if (!isCode(MED_TYPES, query.med_type)) p.add('med_type', '医疗类别无效', 'unknown med_type');
  if (!isIsoDate(query.begndate)) p.add('begndate', '日期应为 yyyy-mm-dd', 'begndate must be yyyy-mm-dd');
  if (query.enddate !== undefined && (!isIsoDate(query.enddate) || query.enddate < query.begndate)) p.add('enddate', '结算日期应不早于就诊日期', 'enddate must be a date not before begndate');
  if (query.drug_code && !query.dr_codg) p.add('dr_codg', '单行支付药品须提供处方医师', 'a separately paid drug needs the prescribing doctor');
  p.throwIfAny();
  const person = query.person ?? (await findPerson(q, { psn_no: query.psn_no, certno: query.certno }));
  const home = await poolingRegionOf(q, person.insuplc_admdvs);
  const { generation, institution: inst, enrollments: enrollmentRows, filings, recognitions, drug } = await readEligibilityRows(q, query.fixmedins_code, person.psn_no, home, query.drug_code);
  const { nationalDiseases: national, agreements, policy } = await regionReference(q, generation, home);
  if (!inst) throw notFound('fixmedins_code', '查无此定点医药机构', 'no such designated institution');
  const away = await poolingRegionOf(q, inst.admdvs);
  const enrollments = enrollmentRows.map((e) => ({ insutype: e.insutype, psnInsuStas: e.psn_insu_stas, insuplcAdmdvs: e.insuplc_admdvs, begndate: e.begndate, enddate: e.enddate }));
  const visit: VisitFacts = {
    medType: query.med_type as VisitFacts['medType'],
    begndate: query.begndate,
    enddate: query.enddate ?? query.begndate,
    ...(query.insutype ? { insutype: query.insutype } : {}),
    ...(query.emergency_flag ? { emergencyFlag: true } : {}),
    ...(query.diag_code ? { diagCode: query.diag_code } : {}),
    ...(query.drug_code && query.dr_codg ? { drug: { drugCode: query.drug_code, drCodg: query.dr_codg } } : {}),
  };
  return {
    psnNo: person.psn_no,
    insuplcAdmdvs: home,
    enrollments,
    institution: {
      fixmedinsCode: inst.fixmedins_code,
      fixmedinsType: inst.fixmedins_type,
      admdvs: inst.admdvs,
      poolingAdmdvs: away,
      settlesCrossProvOutpatient: inst.settles_cross_prov_outpatient,
      settlesInpatient: inst.settles_inpatient,
      settlesChronic: inst.settles_chronic,
      settlesOutpatientPooling: inst.settles_outpatient_pooling,
    },
    visit,
    filings: filings.map(toFilingFact),
    recognitions: recognitions.map(toRecognitionFact),
    agreements,
    nationalDiseases: national,
    drug,
    policy,
  };
}

/** The one call settlement uses: facts from the database, decision from the engine. */
export async function checkEligibility(q: Queryable, query: EligibilityQuery): Promise<EligibilityDecision & { psn_no: string }> {
  const facts = await gatherEligibilityFacts(q, query);
  return { psn_no: facts.psnNo, ...decideEligibility(facts) };
}
