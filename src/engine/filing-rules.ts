// Rules of filing for care elsewhere (异地就医备案), DOMAIN.md §5: which kinds exist, what each
// needs, how long it lasts, when it may change, and whether it covers a visit. Pure: every
// date and every policy parameter is passed in.

import { Problems, conflict, invalid } from './errors.ts';
import { addDays, addMonths, isIsoDate, type IsoDate } from './calendar.ts';

export const FILING_KINDS = {
  resettled_retiree: { zh: '异地安置退休', en: 'retiree resettled elsewhere', term: 'long_term' },
  long_term_resident: { zh: '异地长期居住', en: 'long-term resident elsewhere', term: 'long_term' },
  posted_worker: { zh: '常驻异地工作', en: 'worker posted elsewhere', term: 'long_term' },
  referral: { zh: '异地转诊', en: 'referral elsewhere', term: 'temporary' },
  emergency: { zh: '急诊抢救', en: 'emergency treatment', term: 'temporary' },
  temporary_other: { zh: '其他临时外出就医', en: 'other temporary travel', term: 'temporary' },
} as const;
export type FilingKind = keyof typeof FILING_KINDS;
export type FilingTerm = 'long_term' | 'temporary';

export const FILER_TYPES = {
  person: { zh: '本人', en: 'the insured person' },
  agent: { zh: '代办人（经本人授权）', en: 'an agent with recorded consent' },
  grid_worker: { zh: '网格员代办（经本人授权）', en: 'a grid worker with recorded consent' },
  hospital: { zh: '医疗机构（转诊、急诊）', en: 'the hospital (referral, emergency)' },
  staff: { zh: '经办窗口', en: 'bureau staff at a window' },
} as const;
export type FilerType = keyof typeof FILER_TYPES;

export const FILING_STATUSES = {
  pending_review: { zh: '待审核', en: 'waiting for review' },
  effective: { zh: '已生效', en: 'effective' },
  rejected: { zh: '未通过', en: 'rejected' },
  revoked: { zh: '已撤销', en: 'revoked' },
  superseded: { zh: '已变更', en: 'replaced by a change' },
} as const;
export type FilingStatus = keyof typeof FILING_STATUSES;

/** Evidence kinds (备案材料). */
export const EVIDENCE_KINDS = {
  hukou: { zh: '户口簿（就医地户籍）', en: 'household register in the destination' },
  residence_permit: { zh: '居住证', en: 'residence permit' },
  residence_proof: { zh: '居住证明', en: 'proof of residence' },
  retirement_proof: { zh: '退休证明', en: 'proof of retirement' },
  employment_proof: { zh: '单位派驻证明或劳动合同', en: "employer's posting letter or labour contract" },
  referral_form: { zh: '转诊转院单', en: 'referral form' },
  emergency_record: { zh: '急诊病历', en: 'emergency record' },
  commitment_letter: { zh: '个人承诺书', en: 'signed commitment (告知承诺书)' },
  consent: { zh: '授权委托书', en: 'signed consent of the person' },
  other: { zh: '其他材料', en: 'other document' },
} as const;
export type EvidenceKind = keyof typeof EVIDENCE_KINDS;

/** Each inner list is a choice: one of its kinds must be present. */
const REQUIRED_EVIDENCE: Record<FilingKind, readonly (readonly EvidenceKind[])[]> = {
  resettled_retiree: [['hukou', 'residence_permit', 'residence_proof'], ['retirement_proof']],
  long_term_resident: [['hukou', 'residence_permit', 'residence_proof']],
  posted_worker: [['employment_proof']],
  referral: [['referral_form']],
  emergency: [['emergency_record']],
  temporary_other: [],
};

/** The insured place's filing policy: parameters, never constants (Changde's values as defaults). */
export interface FilingPolicy {
  /** In-province travel without filing settles directly (at the policy's reduced terms). */
  inProvinceUnfiledAllowed: boolean;
  /** Cross-province travel without filing may still settle directly, at reduced terms. */
  crossProvinceUnfiledAllowed: boolean;
  /** Temporary filings last at least this many months. */
  temporaryValidityMonths: number;
  /** Long-term filings may change after this many months, in principle. */
  longTermChangeAfterMonths: number;
  /** Review clock in working days. */
  reviewDaysInProvince: number;
  reviewDaysCrossProvince: number;
  /** Working days to verify a commitment (告知承诺) filing after it took effect. */
  commitmentCheckDays: number;
}

export const DEFAULT_FILING_POLICY: FilingPolicy = {
  inProvinceUnfiledAllowed: false,
  crossProvinceUnfiledAllowed: true,
  temporaryValidityMonths: 6,
  longTermChangeAfterMonths: 6,
  reviewDaysInProvince: 1,
  reviewDaysCrossProvince: 3,
  commitmentCheckDays: 20,
};

export function termOf(kind: FilingKind): FilingTerm {
  return FILING_KINDS[kind].term;
}

// ---- regions -------------------------------------------------------------------------------

/** The province of a 6-digit division code (360400 → 360000). */
export function provinceOf(admdvs: string): string {
  return admdvs.slice(0, 2) + '0000';
}

/**
 * The pooling region (统筹区) a division belongs to when the registry does not say: a city is its
 * own pool, a county or a city's own level (xxxx99) belongs to its city. Provinces pool nothing.
 */
export function defaultPoolingRegion(admdvs: string): string | null {
  const code = admdvs.slice(0, 6);
  if (code.endsWith('0000')) return null;
  return code.slice(0, 4) + '00';
}

// ---- a filing as the rules see it ---------------------------------------------------------

export interface FilingFact {
  filingNo: string;
  kind: FilingKind;
  status: FilingStatus;
  insuplcAdmdvs: string;
  /** Destination: a pooling region (city) or a whole province (xx0000). */
  mdtrtareaAdmdvs: string;
  begndate: IsoDate;
  /** null: until revoked (long-term). */
  enddate: IsoDate | null;
  /** The Beijing date the filing took effect (approval, or submission under commitment). */
  effectiveOn: IsoDate | null;
  /** Set when revoked or replaced by a change: the filing no longer counts from this date. */
  revokedOn: IsoDate | null;
  /** Referral destination hospital, when the referral names one. */
  fixmedinsCode: string | null;
}

export interface FilingApplication {
  kind: FilingKind;
  psnInsuplcAdmdvs: string;
  mdtrtareaAdmdvs: string;
  begndate: IsoDate;
  enddate: IsoDate | null;
  filerType: FilerType;
  consentRef: string | null;
  commitment: boolean;
  evidence: readonly { kind: string }[];
}

/**
 * Checks an application and returns its validity period. Throws a YibaoError naming every
 * offending field; `existing` are the person's filings (for the overlap rule).
 */
export function checkFilingApplication(
  app: FilingApplication,
  existing: readonly FilingFact[],
  policy: FilingPolicy,
  ignoreFilingNo?: string,
): { begndate: IsoDate; enddate: IsoDate | null; term: FilingTerm } {
  const p = new Problems();
  const term = termOf(app.kind);
  if (!isIsoDate(app.begndate)) p.add('begndate', '开始日期应为 yyyy-mm-dd', 'begndate must be yyyy-mm-dd');
  if (app.enddate !== null && !isIsoDate(app.enddate)) p.add('enddate', '结束日期应为 yyyy-mm-dd', 'enddate must be yyyy-mm-dd');
  if (term === 'long_term' && app.enddate !== null) {
    p.add('enddate', '长期备案长期有效，不设结束日期', 'a long-term filing lasts until revoked: no enddate');
  }
  if (app.enddate !== null && isIsoDate(app.begndate) && isIsoDate(app.enddate) && app.enddate < app.begndate) {
    p.add('enddate', '结束日期早于开始日期', 'enddate is before begndate');
  }
  const home = defaultPoolingRegion(app.psnInsuplcAdmdvs) ?? app.psnInsuplcAdmdvs;
  const dest = app.mdtrtareaAdmdvs;
  if (dest === home || (dest.endsWith('0000') ? false : defaultPoolingRegion(dest) === home)) {
    p.add('mdtrtarea_admdvs', '就医地不能是本人参保统筹区', 'the destination is the insured pooling region itself');
  }
  if (app.kind === 'referral' || app.kind === 'emergency') {
    if (app.filerType !== 'hospital' && app.filerType !== 'staff') {
      p.add('filer.type', '转诊、急诊备案由医疗机构或经办窗口办理', 'referral and emergency filings are made by the hospital or bureau staff');
    }
  } else if (app.filerType === 'hospital') {
    p.add('filer.type', '医疗机构只能办理转诊或急诊备案', 'a hospital files only referrals and emergencies');
  }
  if ((app.filerType === 'agent' || app.filerType === 'grid_worker') && !app.consentRef) {
    p.add('filer.consent_ref', '代办须记录本人授权', 'an agent or grid worker needs the recorded consent of the person');
  }
  const have = new Set(app.evidence.map((e) => e.kind));
  for (const e of app.evidence) {
    if (!Object.prototype.hasOwnProperty.call(EVIDENCE_KINDS, e.kind)) {
      p.add('evidence.kind', `未知材料类型 ${e.kind}`, `unknown evidence kind ${e.kind}`);
    }
  }
  if (app.commitment) {
    // 告知承诺: the signed commitment stands in for the proofs, which are checked afterwards.
    if (!have.has('commitment_letter')) p.add('evidence', '告知承诺办理须附个人承诺书', 'a filing under commitment needs the signed commitment_letter');
  } else {
    for (const choice of REQUIRED_EVIDENCE[app.kind]) {
      if (!choice.some((k) => have.has(k))) {
        p.add('evidence', `缺少材料：${choice.map((k) => EVIDENCE_KINDS[k].zh).join('或')}`, `missing evidence: one of ${choice.join(', ')}`);
      }
    }
  }
  p.throwIfAny();

  let enddate = app.enddate;
  if (term === 'temporary') {
    // Temporary filings last at least the policy's months (several visits within them).
    const minimum = addDays(addMonths(app.begndate, policy.temporaryValidityMonths), -1);
    if (enddate === null || enddate < minimum) enddate = minimum;
  }
  const clash = findOverlap({ kind: app.kind, mdtrtareaAdmdvs: dest, begndate: app.begndate, enddate }, existing, ignoreFilingNo);
  if (clash) {
    throw conflict(
      'begndate',
      `与备案 ${clash.filingNo}（${FILING_KINDS[clash.kind].zh}）时间重叠`,
      `overlaps filing ${clash.filingNo} (${clash.kind})`,
    );
  }
  return { begndate: app.begndate, enddate, term };
}

function live(f: FilingFact): boolean {
  return f.status === 'pending_review' || f.status === 'effective';
}

function rangesIntersect(a1: IsoDate, a2: IsoDate | null, b1: IsoDate, b2: IsoDate | null): boolean {
  return (a2 === null || b1 <= a2) && (b2 === null || a1 <= b2);
}

/**
 * One place of residence at a time: two live long-term filings may not overlap anywhere.
 * Temporary filings of the same kind to the same destination may not overlap either.
 */
export function findOverlap(
  f: { kind: FilingKind; mdtrtareaAdmdvs: string; begndate: IsoDate; enddate: IsoDate | null },
  existing: readonly FilingFact[],
  ignoreFilingNo?: string,
): FilingFact | undefined {
  const term = termOf(f.kind);
  return existing.find((e) => {
    if (!live(e) || e.filingNo === ignoreFilingNo) return false;
    if (!rangesIntersect(f.begndate, f.enddate, e.begndate, e.enddate)) return false;
    if (term === 'long_term') return termOf(e.kind) === 'long_term';
    return e.kind === f.kind && e.mdtrtareaAdmdvs === f.mdtrtareaAdmdvs;
  });
}

/**
 * A long-term filing changes only after it has been effective for the policy's months, unless
 * staff override with a reason ("in principle"). Temporary filings change at any time.
 */
export function checkChangeAllowed(current: FilingFact, today: IsoDate, policy: FilingPolicy, override: boolean): void {
  if (current.status !== 'effective' && current.status !== 'pending_review') {
    throw conflict('filing_no', `备案状态为${FILING_STATUSES[current.status].zh}，不能变更`, `a ${current.status} filing cannot change`);
  }
  if (termOf(current.kind) !== 'long_term' || override || current.status === 'pending_review') return;
  const since = current.effectiveOn ?? current.begndate;
  const earliest = addMonths(since, policy.longTermChangeAfterMonths);
  if (today < earliest) {
    throw conflict(
      'filing_no',
      `长期备案生效满${policy.longTermChangeAfterMonths}个月后方可变更（${earliest} 起）`,
      `a long-term filing may change ${policy.longTermChangeAfterMonths} months after it took effect (from ${earliest})`,
    );
  }
}

export interface VisitWindow {
  /** Visit date, or the admission date of a stay. */
  begndate: IsoDate;
  /** The discharge (settlement) date of a stay; the visit date for outpatient care. */
  enddate: IsoDate;
}

/**
 * Whether a filing counts for a visit. A filing completed after admission but before the
 * discharge settlement counts for the whole stay, so a stay is covered when the filing's
 * period meets it and the filing had taken effect by the settlement date.
 */
export function filingCoversVisit(f: FilingFact, visit: VisitWindow): boolean {
  const ended = (f.status === 'revoked' || f.status === 'superseded') && f.revokedOn !== null;
  if (f.status !== 'effective' && !ended) return false;
  if (f.effectiveOn === null || f.effectiveOn > visit.enddate) return false;
  // A revoked filing counts only for care settled before the revocation.
  if (f.revokedOn !== null && visit.enddate >= f.revokedOn) return false;
  return rangesIntersect(f.begndate, f.enddate, visit.begndate, visit.enddate);
}

/** Whether the filing's destination contains the treatment pooling region. */
export function filingDestinationMatches(f: FilingFact, treatmentPool: string): boolean {
  if (f.mdtrtareaAdmdvs.endsWith('0000')) return provinceOf(treatmentPool) === f.mdtrtareaAdmdvs;
  return f.mdtrtareaAdmdvs === treatmentPool;
}

/** The review deadline's length in working days: 1 within the province, 3 across (Changde). */
export function reviewWorkingDays(insuplc: string, mdtrtarea: string, policy: FilingPolicy): number {
  return provinceOf(insuplc) === provinceOf(mdtrtarea) ? policy.reviewDaysInProvince : policy.reviewDaysCrossProvince;
}

export function assertKind(kind: unknown, field = 'kind'): FilingKind {
  if (typeof kind === 'string' && Object.prototype.hasOwnProperty.call(FILING_KINDS, kind)) return kind as FilingKind;
  throw invalid(field, `备案类型应为 ${Object.keys(FILING_KINDS).join('/')}`, `kind must be one of ${Object.keys(FILING_KINDS).join(', ')}`);
}
