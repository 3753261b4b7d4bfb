// One question, asked by settlement (and by a hospital before admission): may this person
// settle this kind of care at this institution, under which cross-region status and terms,
// and why? Pure: the store gathers the facts (enrollment, filings, recognitions, agreements,
// the institution's flags, the insured place's filing policy), this decides.

import type { CrossRegionStatus, MedType } from './codes.ts';
import type { IsoDate } from './calendar.ts';
import {
  FILING_KINDS,
  defaultPoolingRegion,
  filingCoversVisit,
  filingDestinationMatches,
  provinceOf,
  type FilingFact,
  type FilingKind,
  type FilingPolicy,
} from './filing-rules.ts';
import { diseaseMatches, nationalEntryFor, recognitionValidOn, type ChronicDisease, type RecognitionFact } from './chronic-disease.ts';

export interface EnrollmentFact {
  insutype: string;
  psnInsuStas: '1' | '2' | '4';
  insuplcAdmdvs: string;
  begndate: IsoDate;
  enddate: IsoDate | null;
}

export interface InstitutionFact {
  fixmedinsCode: string;
  /** '1' medical institution, '2' retail pharmacy. */
  fixmedinsType: '1' | '2';
  admdvs: string;
  /** The pooling region the institution is in. */
  poolingAdmdvs: string;
  settlesCrossProvOutpatient: boolean;
  settlesInpatient: boolean;
  settlesChronic: boolean;
  settlesOutpatientPooling: boolean;
}

export type AgreementClauseKind =
  | 'extra_chronic_diseases'
  | 'pooling_pharmacies'
  | 'inpatient_dip_budget'
  | 'data_sharing'
  | 'assistance_investigation';

export interface AgreementFact {
  agreementNo: string;
  name: string;
  begndate: IsoDate;
  enddate: IsoDate | null;
  /** Member pooling regions. */
  members: readonly string[];
  clauses: readonly { kind: AgreementClauseKind; begndate: IsoDate; enddate: IsoDate | null }[];
  extraDiseases: readonly Pick<ChronicDisease, 'code' | 'name' | 'icd10Ranges'>[];
  /** Pharmacies designated for cross-border general-outpatient pooling. */
  poolingPharmacies: readonly string[];
}

export interface SeparatelyPaidDrugFact {
  drugCode: string;
  drugName: string;
  /** Indications: the drug is paid only for a recognised disease within these ranges. */
  icd10Ranges: readonly string[];
  /** Designated dispensing institutions (双通道 hospitals and pharmacies). */
  dispensers: readonly string[];
}

export interface VisitFacts {
  medType: MedType;
  /** Visit date, or the admission date of a stay. */
  begndate: IsoDate;
  /** Settlement date: the discharge date of a stay, the visit date for outpatient care. */
  enddate: IsoDate;
  insutype?: string;
  /** The hospital flags an emergency (急诊抢救): it counts as filed. */
  emergencyFlag?: boolean;
  /** For med_type 14: the diagnosis (ICD-10) treated as a chronic disease. */
  diagCode?: string;
  /** A separately paid drug (单行支付药品) dispensed in this visit, with the prescribing doctor. */
  drug?: { drugCode: string; drCodg: string };
}

export interface EligibilityFacts {
  psnNo: string;
  /** The insured pooling region. */
  insuplcAdmdvs: string;
  enrollments: readonly EnrollmentFact[];
  institution: InstitutionFact;
  visit: VisitFacts;
  filings: readonly FilingFact[];
  recognitions: readonly RecognitionFact[];
  agreements: readonly AgreementFact[];
  nationalDiseases: readonly ChronicDisease[];
  /** The separately paid drug named in the visit, as the insured place lists it; null if unlisted. */
  drug: SeparatelyPaidDrugFact | null;
  policy: FilingPolicy;
}

export interface Reason {
  code: string;
  zh: string;
  en: string;
}

export interface EligibilityTerms {
  /** Settles like a local (local care, or a long-term filing). */
  treatedAsLocal: boolean;
  /** The insured place's reduced cross-region terms apply (its policy sets how much lower). */
  reduced: boolean;
  filingNo: string | null;
  chronicDisease: null | {
    recognitionNo: string;
    diseaseCode: string;
    diseaseName: string;
    basis: 'local' | 'in_province' | 'national_cross_province' | 'agreement';
    agreementNo: string | null;
  };
  separatelyPaidDrug: null | { drugCode: string; recognitionNo: string; drCodg: string };
  /** How the treatment place pays the institution for a cross-region stay. */
  inpatientPayment: null | 'treatment_place_dip_budget' | 'treatment_place_rules';
  /** Agreements that shaped this decision. */
  agreementNos: string[];
}

export interface EligibilityDecision {
  allowed: boolean;
  /** How the visit stands across regions; null only when the person is not enrolled. */
  status: CrossRegionStatus | null;
  crossProvince: boolean;
  terms: EligibilityTerms;
  /** Why, in order: every step that mattered, bilingual. */
  reasons: Reason[];
}

const INPATIENT: ReadonlySet<string> = new Set(['21', '22', '23', '24', '52']);
const OUTPATIENT_GENERAL: ReadonlySet<string> = new Set(['11', '12', '13', '51']);

function activeOn(a: { begndate: IsoDate; enddate: IsoDate | null }, day: IsoDate): boolean {
  return a.begndate <= day && (a.enddate === null || day <= a.enddate);
}

function agreementsBetween(agreements: readonly AgreementFact[], a: string, b: string, day: IsoDate): AgreementFact[] {
  return agreements.filter((ag) => activeOn(ag, day) && ag.members.includes(a) && ag.members.includes(b));
}

function hasClause(ag: AgreementFact, kind: AgreementClauseKind, day: IsoDate): boolean {
  return ag.clauses.some((c) => c.kind === kind && activeOn(c, day));
}

/** The filing kinds in order of precedence when several cover one visit. */
const PRECEDENCE: readonly FilingKind[] = ['resettled_retiree', 'long_term_resident', 'posted_worker', 'referral', 'emergency', 'temporary_other'];

const STATUS_OF_KIND: Record<FilingKind, CrossRegionStatus> = {
  resettled_retiree: 'long_term_filed',
  long_term_resident: 'long_term_filed',
  posted_worker: 'long_term_filed',
  referral: 'referral_filed',
  emergency: 'emergency',
  temporary_other: 'temporary_filed',
};

export function decideEligibility(f: EligibilityFacts): EligibilityDecision {
  const reasons: Reason[] = [];
  const say = (code: string, zh: string, en: string): void => void reasons.push({ code, zh, en });
  const terms: EligibilityTerms = {
    treatedAsLocal: false,
    reduced: false,
    filingNo: null,
    chronicDisease: null,
    separatelyPaidDrug: null,
    inpatientPayment: null,
    agreementNos: [],
  };
  const { visit, institution } = f;
  const day = visit.enddate;
  const home = f.insuplcAdmdvs;
  const away = institution.poolingAdmdvs;
  const crossProvince = provinceOf(home) !== provinceOf(away);
  const refuse = (status: CrossRegionStatus | null): EligibilityDecision => ({ allowed: false, status, crossProvince, terms, reasons });

  // 1. Enrollment on the settlement date (and at admission, for a stay).
  const enrolled = f.enrollments.find(
    (e) => e.psnInsuStas === '1' && e.begndate <= visit.begndate && (e.enddate === null || day <= e.enddate) && (visit.insutype === undefined || e.insutype === visit.insutype),
  );
  if (!enrolled) {
    say('not_enrolled', `${visit.begndate} 至 ${day} 无有效参保${visit.insutype ? `（险种 ${visit.insutype}）` : ''}`, `no active enrollment from ${visit.begndate} to ${day}${visit.insutype ? ` (insutype ${visit.insutype})` : ''}`);
    return refuse(null);
  }
  say('enrolled', `参保有效（险种 ${enrolled.insutype}，参保地 ${enrolled.insuplcAdmdvs}）`, `enrolled (insutype ${enrolled.insutype}, insured in ${enrolled.insuplcAdmdvs})`);

  // 2. Where: the same pooling region is local care; otherwise it is care elsewhere.
  const local = away === home || defaultPoolingRegion(away) === home;
  let status: CrossRegionStatus;
  if (local) {
    status = 'local';
    terms.treatedAsLocal = true;
    say('local', '在参保统筹区内就医', 'treated in the insured pooling region');
  } else {
    const between = agreementsBetween(f.agreements, home, away, day);
    // 3. Filings, in precedence; the emergency flag counts as filed.
    const covering = f.filings
      .filter((x) => filingDestinationMatches(x, away) && filingCoversVisit(x, visit))
      .sort((a, b) => PRECEDENCE.indexOf(a.kind) - PRECEDENCE.indexOf(b.kind));
    const referralOk = (x: FilingFact): boolean => x.kind !== 'referral' || x.fixmedinsCode === null || x.fixmedinsCode === institution.fixmedinsCode;
    const filing = covering.find(referralOk);
    const emergencyVisit = visit.emergencyFlag === true || visit.medType === '13' || visit.medType === '24';
    if (filing) {
      status = STATUS_OF_KIND[filing.kind];
      terms.filingNo = filing.filingNo;
      terms.treatedAsLocal = status === 'long_term_filed';
      const late = filing.effectiveOn !== null && filing.effectiveOn > visit.begndate;
      say(
        'filed',
        `备案 ${filing.filingNo}（${FILING_KINDS[filing.kind].zh}）覆盖本次就医${late ? '（入院后、出院结算前补办）' : ''}`,
        `filing ${filing.filingNo} (${FILING_KINDS[filing.kind].en}) covers this care${late ? ' (completed after admission, before discharge settlement)' : ''}`,
      );
    } else if (emergencyVisit) {
      status = 'emergency';
      say('emergency', '医疗机构标记急诊抢救，视同已备案', 'the hospital flagged an emergency: counts as filed');
    } else if (!crossProvince && f.policy.inProvinceUnfiledAllowed) {
      status = 'in_province_unfiled';
      terms.reduced = true;
      say('in_province_unfiled', '省内异地就医免备案，按参保地降低后的待遇结算', 'in-province care without filing is allowed, at the insured place’s reduced terms');
    } else if (!crossProvince) {
      if (covering.length > 0) say('referral_elsewhere', '转诊备案指定了其他医疗机构', 'the referral names another hospital');
      say('unfiled_refused', '省内异地就医须先备案（参保地未开通免备案）', 'in-province care elsewhere needs a filing here (the insured place does not waive it)');
      return refuse('unfiled');
    } else if (f.policy.crossProvinceUnfiledAllowed) {
      status = 'unfiled';
      terms.reduced = true;
      say('unfiled', '未备案跨省临时外出就医，按参保地降低后的待遇结算', 'cross-province care without filing: settles at the insured place’s reduced terms');
    } else {
      say('unfiled_refused', '跨省异地就医须先备案', 'cross-province care elsewhere needs a filing first');
      return refuse('unfiled');
    }
    terms.agreementNos = between.map((a) => a.agreementNo);
    if (between.length > 0) {
      say('agreement', `双方同属合作协议：${between.map((a) => a.name).join('、')}`, `both regions are members of: ${between.map((a) => a.agreementNo).join(', ')}`);
    }
  }

  // 4. The institution must settle this kind of care directly.
  const cross = status !== 'local';
  if (INPATIENT.has(visit.medType)) {
    if (cross && !institution.settlesInpatient) {
      say('institution_inpatient', `${institution.fixmedinsCode} 未开通异地住院直接结算`, `${institution.fixmedinsCode} does not settle cross-region inpatient care directly`);
      return refuse(status);
    }
    if (cross) {
      const dip = agreementsBetween(f.agreements, home, away, day).some((a) => hasClause(a, 'inpatient_dip_budget', day));
      terms.inpatientPayment = dip ? 'treatment_place_dip_budget' : 'treatment_place_rules';
      if (dip) say('dip_budget', '异地住院费用纳入就医地 DIP 总额预算管理', "the stay is paid within the treatment place's DIP budget");
    }
  } else if (visit.medType === '41' || institution.fixmedinsType === '2') {
    if (cross && crossProvince) {
      const designating = agreementsBetween(f.agreements, home, away, day).filter(
        (a) => hasClause(a, 'pooling_pharmacies', day) && a.poolingPharmacies.includes(institution.fixmedinsCode),
      );
      if (designating.length === 0 && !(status === 'long_term_filed' && institution.settlesOutpatientPooling)) {
        say('pharmacy_not_designated', `${institution.fixmedinsCode} 不是跨省门诊统筹结算互通药店`, `${institution.fixmedinsCode} is not designated for cross-border outpatient pooling`);
        return refuse(status);
      }
      for (const a of designating) say('pharmacy_designated', `按《${a.name}》定点药店结算互通`, `designated pharmacy under ${a.agreementNo}`);
    } else if (cross && !institution.settlesOutpatientPooling) {
      say('institution_pooling', `${institution.fixmedinsCode} 未开通门诊统筹异地结算`, `${institution.fixmedinsCode} does not settle outpatient pooling for other regions`);
      return refuse(status);
    }
  } else if (OUTPATIENT_GENERAL.has(visit.medType)) {
    if (cross && crossProvince && !institution.settlesCrossProvOutpatient) {
      say('institution_outpatient', `${institution.fixmedinsCode} 未开通跨省普通门诊直接结算`, `${institution.fixmedinsCode} does not settle cross-province general outpatient care`);
      return refuse(status);
    }
    if (cross && !crossProvince && !institution.settlesOutpatientPooling) {
      say('institution_pooling', `${institution.fixmedinsCode} 未开通门诊统筹异地结算`, `${institution.fixmedinsCode} does not settle outpatient pooling for other regions`);
      return refuse(status);
    }
  }

  // 5. Chronic disease (med_type 14) or a separately paid drug needs a recognition valid on the date.
  if (visit.medType === '14' || visit.drug) {
    const diag = visit.diagCode;
    const recognised = f.recognitions.filter((r) => recognitionValidOn(r, day));
    let rec: RecognitionFact | undefined;
    if (visit.drug) {
      if (!f.drug) {
        say('drug_unknown', `${visit.drug.drugCode} 不在参保地单行支付药品目录`, `${visit.drug.drugCode} is not on the insured place's separately paid drug list`);
        return refuse(status);
      }
      const drug = f.drug;
      rec = recognised.find((r) => diseaseMatches({ icd10Ranges: drug.icd10Ranges }, r.diagCode));
      if (!rec) {
        say('drug_no_recognition', `单行支付药品 ${drug.drugName} 须有对应病种的认定`, `the separately paid drug ${drug.drugCode} needs a recognised disease among its indications`);
        return refuse(status);
      }
      if (rec.respDrCodg === null || rec.respDrCodg !== visit.drug.drCodg) {
        say('drug_doctor', `处方医师 ${visit.drug.drCodg} 不是认定的责任医师`, `the prescriber ${visit.drug.drCodg} is not the recognised responsible doctor`);
        return refuse(status);
      }
      if (!drug.dispensers.includes(institution.fixmedinsCode)) {
        say('drug_dispenser', `${institution.fixmedinsCode} 不是该药品的定点供药机构`, `${institution.fixmedinsCode} is not a designated dispensing institution for ${drug.drugCode}`);
        return refuse(status);
      }
      terms.separatelyPaidDrug = { drugCode: drug.drugCode, recognitionNo: rec.recognitionNo, drCodg: visit.drug.drCodg };
      say('drug_ok', `单行支付药品 ${drug.drugName}：病种已认定、责任医师处方、定点机构供药`, `separately paid drug ${drug.drugCode}: recognised disease, responsible doctor, designated dispenser`);
    } else {
      rec = recognised.find((r) => diag === undefined || diseaseMatches({ icd10Ranges: [r.diagCode.slice(0, 3)] }, diag));
      if (!rec) {
        say('chronic_not_recognised', `${diag ?? '该病种'} 未认定门诊慢特病或认定已失效`, `${diag ?? 'the disease'} is not a recognised chronic disease on ${day}`);
        return refuse(status);
      }
    }
    if (visit.medType === '14') {
      if (cross && !institution.settlesChronic) {
        say('institution_chronic', `${institution.fixmedinsCode} 未开通门诊慢特病异地结算`, `${institution.fixmedinsCode} does not settle chronic diseases for other regions`);
        return refuse(status);
      }
      let basis: NonNullable<EligibilityTerms['chronicDisease']>['basis'] = cross ? 'in_province' : 'local';
      let agreementNo: string | null = null;
      if (crossProvince) {
        const national = nationalEntryFor(f.nationalDiseases, rec.diagCode, day);
        if (national) {
          basis = 'national_cross_province';
          say('chronic_national', `${national.name}属国家跨省直接结算门诊慢特病`, `${national.name} is on the national cross-province list`);
        } else {
          const ag = agreementsBetween(f.agreements, home, away, day).find(
            (a) => hasClause(a, 'extra_chronic_diseases', day) && a.extraDiseases.some((d) => diseaseMatches(d, rec.diagCode)),
          );
          if (!ag) {
            say('chronic_not_cross_province', `${rec.diseaseName}不在国家跨省病种内，两地间也无协议约定`, `${rec.diseaseName} is neither on the national cross-province list nor agreed between these regions`);
            return refuse(status);
          }
          basis = 'agreement';
          agreementNo = ag.agreementNo;
          say('chronic_agreement', `${rec.diseaseName}按《${ag.name}》跨省直接结算`, `${rec.diseaseName} settles across provinces under ${ag.agreementNo}`);
        }
      }
      terms.chronicDisease = { recognitionNo: rec.recognitionNo, diseaseCode: rec.diseaseCode, diseaseName: rec.diseaseName, basis, agreementNo };
      say('chronic_recognised', `门诊慢特病 ${rec.diseaseName} 认定 ${rec.recognitionNo} 有效`, `chronic disease ${rec.diseaseCode} recognised (${rec.recognitionNo})`);
    }
  }

  return { allowed: true, status, crossProvince, terms, reasons };
}
