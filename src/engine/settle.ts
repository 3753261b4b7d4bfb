// settle(): the insured place's policy applied to a classified bill, in one fixed, audited
// order of steps (DOMAIN.md §4), every step recorded with its rule and numbers. Pure and
// allocation-light: it runs for every pre-settlement and settlement.
import { FUND_PAY_TYPES, type CrossRegionStatus, type FundPayType, type HospLv, type IdentityGroup, type MedType } from './codes.ts';
import type { ClassifiedFeeLine } from './catalog.ts';
import { assertInvariant, invalid } from './errors.ts';
import { baseForPayment, formatYuan, MAX_BILL_FEN, mulBp, type Bp, type Fen, type Rounding } from './money.ts';
import { diagnosisMatches, type CrossTerms, type DiseaseTerms, type Policy, type Tier } from './policy.ts';

export interface SettlementVisit {
  readonly med_type: MedType;
  readonly hosp_lv: HospLv;
  readonly mdtrtarea_admvs: string;
  readonly insuplc_admdvs: string;
  readonly cross_region_status: CrossRegionStatus;
  /** Diagnosis codes of the visit (2203 diseinfo), main diagnosis first. */
  readonly dise_codes: readonly string[];
  /** 1 for the first admission of the year; used by inpatient deductibles. A later segment of a
   * stay passes the number its admission already has. */
  readonly admission_no_in_year: number;
  /** A later segment of a stay already partly settled (中途结算): the admission is not counted again. */
  readonly continues_admission?: boolean;
  /** What earlier segments of this stay paid toward its inpatient deductible; only the rest is charged. */
  readonly deductible_paid_this_stay_fen?: Fen;
  /** The patient chose to pay personal shares from the personal account (acct_used_flag = '1'). */
  readonly acct_used_flag: boolean;
}

export interface SettlementPerson {
  readonly insutype: string;
  readonly psn_type: string;
  readonly retiree: boolean;
  /** Identity groups active at the visit date. */
  readonly identities: readonly IdentityGroup[];
}

/** The person's year-to-date amounts for the policy's insurance year (the store keeps them). */
export interface Accumulators {
  readonly outpatient_deductible_used_fen: Fen;
  readonly outpatient_pool_paid_fen: Fen;
  readonly inpatient_pool_paid_fen: Fen;
  readonly separately_paid_fen: Fen;
  /** Keyed by the policy's disease id. */
  readonly chronic_deductible_used_fen: Readonly<Record<string, Fen>>;
  readonly chronic_paid_fen: Readonly<Record<string, Fen>>;
  readonly two_diseases_paid_fen: Readonly<Record<string, Fen>>;
  /** What the critical-illness / large-amount step counts: burden, or in-scope amounts beyond the pooled cap. */
  readonly serious_base_fen: Fen;
  readonly serious_paid_fen: Fen;
  readonly civil_servant_paid_fen: Fen;
  readonly assistance_deductible_used_fen: Fen;
  readonly assistance_paid_fen: Fen;
  readonly outpatient_assistance_paid_fen: Fen;
  readonly reassistance_burden_fen: Fen;
  readonly reassistance_paid_fen: Fen;
  readonly admissions: number;
}

export type AccumulatorIncrements = Accumulators;

export interface SettlementInput {
  readonly visit: SettlementVisit;
  readonly person: SettlementPerson;
  readonly lines: readonly ClassifiedFeeLine[];
  readonly accumulators: Accumulators;
  readonly acct_balance_fen: Fen;
}

/** setlinfo's amount fields, in fen (interface.ts turns them into yuan). */
export interface SetlinfoAmounts {
  medfee_sumamt: Fen;
  fulamt_ownpay_amt: Fen;
  overlmt_selfpay: Fen;
  preselfpay_amt: Fen;
  inscp_scp_amt: Fen;
  act_pay_dedc: Fen;
  hifp_pay: Fen;
  pool_prop_selfpay: Fen;
  cvlserv_pay: Fen;
  hifes_pay: Fen;
  hifmi_pay: Fen;
  hifob_pay: Fen;
  maf_pay: Fen;
  hosp_part_amt: Fen;
  oth_pay: Fen;
  fund_pay_sumamt: Fen;
  psn_part_amt: Fen;
  acct_pay: Fen;
  psn_cash_pay: Fen;
  balc: Fen;
  acct_mulaid_pay: Fen;
}

export interface SetldetailLine {
  readonly fund_pay_type: FundPayType;
  readonly fund_pay_type_name: string;
  readonly inscp_scp_amt: Fen;
  /** What this fund may still pay this year after the settlement; null when uncapped. */
  readonly crt_payb_lmt_amt: Fen | null;
  readonly fund_payamt: Fen;
  readonly setl_proc_info: string;
}

export interface LineShare {
  readonly feedetl_sn: string;
  readonly fund_pay_fen: Fen;
  readonly hosp_part_fen: Fen;
  readonly psn_part_fen: Fen;
}

export type ExplainValue = number | string | boolean | null;

export interface ExplanationStep {
  readonly step: string;
  readonly zh: string;
  readonly en: string;
  /** JSON path of the policy rule that applied (or the catalog, for classification). */
  readonly rule: string;
  readonly in: Readonly<Record<string, ExplainValue>>;
  readonly out: Readonly<Record<string, ExplainValue>>;
}

export type Scheme = 'outpatient' | 'chronic' | 'inpatient';

export interface Settlement {
  readonly policy_id: string;
  readonly policy_version: number;
  readonly scheme: Scheme;
  readonly setlinfo: SetlinfoAmounts;
  readonly setldetail: readonly SetldetailLine[];
  readonly lines: readonly LineShare[];
  readonly increments: AccumulatorIncrements;
  readonly steps: readonly ExplanationStep[];
}

export const EMPTY_ACCUMULATORS: Accumulators = Object.freeze({
  outpatient_deductible_used_fen: 0 as Fen,
  outpatient_pool_paid_fen: 0 as Fen,
  inpatient_pool_paid_fen: 0 as Fen,
  separately_paid_fen: 0 as Fen,
  chronic_deductible_used_fen: Object.freeze({}),
  chronic_paid_fen: Object.freeze({}),
  two_diseases_paid_fen: Object.freeze({}),
  serious_base_fen: 0 as Fen,
  serious_paid_fen: 0 as Fen,
  civil_servant_paid_fen: 0 as Fen,
  assistance_deductible_used_fen: 0 as Fen,
  assistance_paid_fen: 0 as Fen,
  outpatient_assistance_paid_fen: 0 as Fen,
  reassistance_burden_fen: 0 as Fen,
  reassistance_paid_fen: 0 as Fen,
  admissions: 0,
});

const NO_CROSS: CrossTerms = { ratio_cut_bp: 0 as Bp, extra_preselfpay_bp: 0 as Bp };

function addMap(a: Readonly<Record<string, Fen>>, b: Readonly<Record<string, Fen>>): Record<string, Fen> {
  const out: Record<string, Fen> = { ...a };
  for (const k in b) out[k] = ((out[k] ?? 0) + b[k]!) as Fen;
  return out;
}

/** Accumulators after a settlement: what the store writes back under the person's row lock. */
/** The increments undone: what a cancellation adds (and what a replay subtracts). */
export function negateIncrements(inc: AccumulatorIncrements): AccumulatorIncrements {
  const neg = (m: Readonly<Record<string, Fen>>): Record<string, Fen> => Object.fromEntries(Object.entries(m).map(([k, v]) => [k, -v as Fen]));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(inc)) out[k] = typeof v === 'number' ? -v : neg(v as Record<string, Fen>);
  return out as unknown as AccumulatorIncrements;
}

export function applyIncrements(acc: Accumulators, inc: AccumulatorIncrements): Accumulators {
  return {
    outpatient_deductible_used_fen: (acc.outpatient_deductible_used_fen + inc.outpatient_deductible_used_fen) as Fen,
    outpatient_pool_paid_fen: (acc.outpatient_pool_paid_fen + inc.outpatient_pool_paid_fen) as Fen,
    inpatient_pool_paid_fen: (acc.inpatient_pool_paid_fen + inc.inpatient_pool_paid_fen) as Fen,
    separately_paid_fen: (acc.separately_paid_fen + inc.separately_paid_fen) as Fen,
    chronic_deductible_used_fen: addMap(acc.chronic_deductible_used_fen, inc.chronic_deductible_used_fen),
    chronic_paid_fen: addMap(acc.chronic_paid_fen, inc.chronic_paid_fen),
    two_diseases_paid_fen: addMap(acc.two_diseases_paid_fen, inc.two_diseases_paid_fen),
    serious_base_fen: (acc.serious_base_fen + inc.serious_base_fen) as Fen,
    serious_paid_fen: (acc.serious_paid_fen + inc.serious_paid_fen) as Fen,
    civil_servant_paid_fen: (acc.civil_servant_paid_fen + inc.civil_servant_paid_fen) as Fen,
    assistance_deductible_used_fen: (acc.assistance_deductible_used_fen + inc.assistance_deductible_used_fen) as Fen,
    assistance_paid_fen: (acc.assistance_paid_fen + inc.assistance_paid_fen) as Fen,
    outpatient_assistance_paid_fen: (acc.outpatient_assistance_paid_fen + inc.outpatient_assistance_paid_fen) as Fen,
    reassistance_burden_fen: (acc.reassistance_burden_fen + inc.reassistance_burden_fen) as Fen,
    reassistance_paid_fen: (acc.reassistance_paid_fen + inc.reassistance_paid_fen) as Fen,
    admissions: acc.admissions + inc.admissions,
  };
}

const OUTPATIENT_TYPES: ReadonlySet<string> = new Set(['11', '12', '13', '41']);
const INPATIENT_TYPES: ReadonlySet<string> = new Set(['21', '22', '23', '24']);

const clampBp = (n: number): Bp => (n < 0 ? 0 : n > 10000 ? 10000 : n) as Bp;
const pos = (n: number): number => (n > 0 ? n : 0);
const min = (a: number, b: number): number => (a < b ? a : b);

/**
 * Pay `ratio` of the part of a cumulative base that this visit moves across, above the
 * deductible, tier by tier: tier i covers [tiers[i].from, tiers[i+1].from), the first tier
 * reaching down to the (possibly tilted) deductible.
 */
export function tieredPayment(before: number, after: number, deductible: number, tiers: readonly Tier[], plus_bp: number, rounding: Rounding): number {
  const lo = before > deductible ? before : deductible;
  if (after <= lo) return 0;
  let paid = 0;
  for (let i = 0; i < tiers.length; i++) {
    const tierLo = i === 0 ? 0 : tiers[i]!.from_fen;
    const tierHi = i + 1 < tiers.length ? tiers[i + 1]!.from_fen : Infinity;
    const a = lo > tierLo ? lo : tierLo;
    const b = after < tierHi ? after : tierHi;
    if (b > a) paid += mulBp((b - a) as Fen, clampBp(tiers[i]!.ratio_bp + plus_bp), rounding);
  }
  return paid;
}

const fen = (n: number): Fen => n as Fen;

function detail(type: FundPayType, inscp: number, remaining: number | null, pay: number, zh: string): SetldetailLine {
  return {
    fund_pay_type: type,
    fund_pay_type_name: FUND_PAY_TYPES[type].zh,
    inscp_scp_amt: fen(inscp),
    crt_payb_lmt_amt: remaining === null ? null : fen(remaining),
    fund_payamt: fen(pay),
    setl_proc_info: zh,
  };
}

/** One of the two diseases' drugs: its ratio (less any cross-region cut) within its own cap, no deductible. */
function payTwoDisease(
  amount: number,
  d: DiseaseTerms | undefined,
  cut_bp: number,
  rounding: Rounding,
  acc: Accumulators,
  incPaid: Record<string, Fen>,
  steps: ExplanationStep[],
): number {
  if (amount <= 0 || d === undefined) return 0;
  const ratio = clampBp(d.ratio_bp - cut_bp);
  const raw = mulBp(fen(amount), ratio, rounding);
  const room = pos(d.annual_cap_fen - (acc.two_diseases_paid_fen[d.id] ?? 0));
  const pay = min(raw, room);
  incPaid[d.id] = fen(pay);
  steps.push({ step: 'two_diseases', zh: `“两病”门诊用药（${d.name}）`, en: `two-diseases outpatient drugs (${d.id})`, rule: d.path, in: { disease: d.id, disease_name: d.name, inscp_scp_amt: amount, ratio_bp: ratio, cap_room: room }, out: { fund_pay: pay, self_pay: amount - pay } });
  return pay;
}

/** The chronic disease of the visit: the first policy disease matching a diagnosis, main diagnosis first. */
function chronicDisease(policy: Policy, dise_codes: readonly string[]): DiseaseTerms | undefined {
  for (const code of dise_codes) for (const d of policy.chronic) if (diagnosisMatches(code, d.dise_codes)) return d;
  return undefined;
}

/**
 * Settle one classified bill under the insured place's policy. Refuses (YibaoError invalid) a
 * bill the policy cannot price; asserts the interface identities of DOMAIN.md §4 on the result.
 */
export function settle(policy: Policy, input: SettlementInput): Settlement {
  const { visit, person, lines, accumulators: acc } = input;
  if (person.insutype !== policy.insutype) {
    throw invalid('person.insutype', `险种 ${person.insutype} 与政策 ${policy.policy_id}（${policy.insutype}）不符`, `insurance type ${person.insutype} does not match policy ${policy.policy_id} (${policy.insutype})`);
  }
  if (visit.insuplc_admdvs !== policy.admdvs) {
    throw invalid('visit.insuplc_admdvs', `参保地 ${visit.insuplc_admdvs} 与政策统筹区 ${policy.admdvs} 不符`, `insured region ${visit.insuplc_admdvs} does not match the policy's region ${policy.admdvs}`);
  }
  const medType = visit.med_type;
  const schemeOrNull: Scheme | null = medType === '14' ? 'chronic' : INPATIENT_TYPES.has(medType) ? 'inpatient' : OUTPATIENT_TYPES.has(medType) ? 'outpatient' : null;
  if (schemeOrNull === null) {
    throw invalid('visit.med_type', `医疗类别 ${medType} 不由基本医保政策结算（生育保险另行结算）`, `medical type ${medType} is not settled by the basic-insurance policy (maternity is separate)`);
  }
  const scheme: Scheme = schemeOrNull;
  const steps: ExplanationStep[] = [];
  const fundR = policy.rounding.fund;
  const cross = visit.cross_region_status === 'local' ? NO_CROSS : policy.cross_region[visit.cross_region_status];
  const crossRule = `/cross_region/${visit.cross_region_status}`;
  const employee = policy.insutype === '310';

  // 1. Classified totals; a cross-region extra first self-pay share moves in-scope money to the person.
  const n = lines.length;
  const lineInscp: number[] = new Array<number>(n);
  let medfee = 0, fulamt = 0, overlmt = 0, pre = 0, inscp = 0, moved = 0, sepInscp = 0;
  let twoHyp = 0, twoDia = 0;
  const two = scheme === 'outpatient' ? policy.two_diseases : null;
  let hypTerms: DiseaseTerms | undefined;
  let diaTerms: DiseaseTerms | undefined;
  if (two !== null) {
    for (const d of two.diseases) {
      const has = visit.dise_codes.some((c) => diagnosisMatches(c, d.dise_codes));
      if (!has) continue;
      if (d.id === 'hypertension') hypTerms = d;
      else diaTerms = d;
    }
  }
  const extra = cross.extra_preselfpay_bp;
  // A bill past MAX_BILL_FEN would take the ratios past exact arithmetic: refused, never rounded wrong.
  let gross = 0;
  for (const l of lines) gross += Math.abs(l.det_item_fee_sumamt);
  if (!(gross <= MAX_BILL_FEN)) {
    throw invalid('lines', `费用合计超过单次结算上限 ${formatYuan(MAX_BILL_FEN as Fen)} 元`, `the lines add up to more than one settlement's limit of ${formatYuan(MAX_BILL_FEN as Fen)} yuan`);
  }
  for (let i = 0; i < n; i++) {
    const l = lines[i]!;
    let li: number = l.inscp_scp_amt;
    if (extra > 0 && li !== 0) {
      // The fund's rounding decides what stays in scope; the rest is the extra first self-pay.
      const kept = mulBp(l.inscp_scp_amt, (10000 - extra) as Bp, fundR);
      moved += li - kept;
      li = kept;
    }
    lineInscp[i] = li;
    medfee += l.det_item_fee_sumamt;
    fulamt += l.fulamt_ownpay_amt;
    overlmt += l.overlmt_amt;
    pre += l.preselfpay_amt;
    inscp += li;
    if (l.separately_paid && policy.separately_paid !== null) sepInscp += li;
    else if (l.two_diseases === 'hypertension' && hypTerms !== undefined) twoHyp += li;
    else if (l.two_diseases === 'diabetes' && diaTerms !== undefined) twoDia += li;
  }
  pre += moved;
  assertInvariant([medfee, fulamt, overlmt, pre, inscp, sepInscp, twoHyp, twoDia].every(Number.isSafeInteger), 'classified totals are exact integers of fen');
  assertInvariant(medfee === fulamt + overlmt + pre + inscp, 'classified lines add up to their amounts');
  if (medfee < 0 || fulamt < 0 || overlmt < 0 || pre < 0 || inscp < 0 || sepInscp < 0 || twoHyp < 0 || twoDia < 0) {
    throw invalid('lines', '退费后的费用合计为负；请撤销原结算（2208）而不是结算负数费用', 'after refunds a total is negative; cancel the original settlement (2208) instead of settling a negative bill');
  }
  steps.push({
    step: 'classify',
    zh: '费用分类汇总（就医地目录）',
    en: "classified totals (treatment place's catalog)",
    rule: 'catalog',
    in: { lines: n },
    out: { medfee_sumamt: medfee, fulamt_ownpay_amt: fulamt, overlmt_selfpay: overlmt, preselfpay_amt: pre - moved, inscp_scp_amt: inscp + moved },
  });
  if (visit.cross_region_status !== 'local') {
    steps.push({
      step: 'cross_region',
      zh: '异地就医待遇调整',
      en: 'cross-region terms',
      rule: crossRule,
      in: { cross_region_status: visit.cross_region_status, ratio_cut_bp: cross.ratio_cut_bp, extra_preselfpay_bp: extra },
      out: { moved_to_preselfpay: moved, preselfpay_amt: pre, inscp_scp_amt: inscp },
    });
  }

  let hifp = 0;
  // Mutable while the steps run; returned as the settlement's increments.
  const inc: { -readonly [K in keyof Accumulators]: K extends 'admissions' ? number : Accumulators[K] extends Fen ? number : Record<string, Fen> } = {
    outpatient_deductible_used_fen: 0, outpatient_pool_paid_fen: 0, inpatient_pool_paid_fen: 0, separately_paid_fen: 0,
    chronic_deductible_used_fen: {}, chronic_paid_fen: {}, two_diseases_paid_fen: {},
    serious_base_fen: 0, serious_paid_fen: 0, civil_servant_paid_fen: 0, assistance_deductible_used_fen: 0, assistance_paid_fen: 0,
    outpatient_assistance_paid_fen: 0, reassistance_burden_fen: 0, reassistance_paid_fen: 0,
    // A stay counts once in the year, at its first settled segment.
    admissions: scheme === 'inpatient' && visit.continues_admission !== true ? 1 : 0,
  };
  const poolType: FundPayType = employee ? '310100' : '390100';
  const details: SetldetailLine[] = [];

  // 2. Separately paid drugs (单行支付): own ratio, no deductible, own cap.
  let sepPay = 0;
  if (sepInscp > 0 && policy.separately_paid !== null) {
    const sp = policy.separately_paid;
    const ratio = clampBp(sp.ratio_bp - cross.ratio_cut_bp);
    const raw = mulBp(fen(sepInscp), ratio, fundR);
    const room = sp.annual_cap_fen === null ? Infinity : pos(sp.annual_cap_fen - acc.separately_paid_fen);
    sepPay = min(raw, room);
    inc.separately_paid_fen = sepPay;
    hifp += sepPay;
    steps.push({ step: 'separately_paid', zh: '单行支付药品', en: 'separately paid drugs', rule: '/separately_paid', in: { inscp_scp_amt: sepInscp, ratio_bp: ratio, cap_room: room === Infinity ? null : room }, out: { fund_pay: sepPay, self_pay: sepInscp - sepPay } });
  }

  // 3. Two diseases (两病) outpatient drugs: no deductible, own caps per disease.
  hifp += payTwoDisease(twoHyp, hypTerms, cross.ratio_cut_bp, fundR, acc, inc.two_diseases_paid_fen, steps);
  hifp += payTwoDisease(twoDia, diaTerms, cross.ratio_cut_bp, fundR, acc, inc.two_diseases_paid_fen, steps);

  // 4-5. Deductible, then the pooled fund's ratio within the annual cap, by scheme.
  const base = inscp - sepInscp - (hypTerms ? twoHyp : 0) - (diaTerms ? twoDia : 0);
  let dedPaidThisStay: number | null = null;
  let dedRemaining: number, ratio0: number | null, uplift: number, capRoom: number, dedRule: string, ratioRule: string, capRule: string;
  let disease: DiseaseTerms | undefined;
  if (scheme === 'outpatient') {
    const o = policy.outpatient;
    const ded = o.deductible_fen_by_lv[visit.hosp_lv] ?? o.deductible_fen;
    dedRemaining = pos(ded - acc.outpatient_deductible_used_fen);
    ratio0 = o.ratio_bp_by_lv[visit.hosp_lv];
    uplift = person.retiree ? o.retiree_uplift_bp : 0;
    capRoom = pos((person.retiree ? o.retiree_annual_cap_fen : o.annual_cap_fen) - acc.outpatient_pool_paid_fen);
    dedRule = o.deductible_fen_by_lv[visit.hosp_lv] !== null ? `/outpatient/deductible_yuan_by_lv/${visit.hosp_lv}` : '/outpatient/deductible_yuan';
    ratioRule = `/outpatient/ratio_bp_by_lv/${visit.hosp_lv}`;
    capRule = person.retiree ? '/outpatient/retiree_annual_cap_yuan' : '/outpatient/annual_cap_yuan';
  } else if (scheme === 'chronic') {
    disease = chronicDisease(policy, visit.dise_codes);
    if (disease === undefined) {
      throw invalid('visit.dise_codes', `诊断 ${visit.dise_codes.join(',')} 不属于本统筹区门诊慢特病病种`, `diagnoses ${visit.dise_codes.join(',')} are not an outpatient chronic/special disease of this region`);
    }
    dedRemaining = pos(disease.deductible_fen - (acc.chronic_deductible_used_fen[disease.id] ?? 0));
    ratio0 = disease.ratio_bp;
    uplift = person.retiree ? disease.retiree_uplift_bp : 0;
    capRoom = pos(disease.annual_cap_fen - (acc.chronic_paid_fen[disease.id] ?? 0));
    dedRule = `${disease.path}/deductible_yuan`;
    ratioRule = `${disease.path}/ratio_bp`;
    capRule = `${disease.path}/annual_cap_yuan`;
  } else {
    const ip = policy.inpatient;
    const byAdm = ip.deductible_fen_by_admission;
    const admIdx = min(pos(visit.admission_no_in_year - 1), byAdm.length - 1);
    const ded = medType === '23' ? ip.referral_out_deductible_fen : (byAdm[admIdx]![visit.hosp_lv] ?? null);
    ratio0 = ip.ratio_bp_by_lv[visit.hosp_lv];
    // One deductible per admission: a later segment of the stay pays only what earlier ones did not.
    dedPaidThisStay = visit.deductible_paid_this_stay_fen ?? 0;
    if (!Number.isSafeInteger(dedPaidThisStay) || dedPaidThisStay < 0) {
      throw invalid('visit.deductible_paid_this_stay_fen', '本次住院已付起付线须为非负整数（分）', 'the deductible paid earlier in this stay must be a non-negative whole number of fen');
    }
    dedRemaining = pos((ded ?? 0) - dedPaidThisStay);
    uplift = person.retiree ? ip.retiree_uplift_bp : 0;
    capRoom = pos(ip.annual_cap_fen - acc.inpatient_pool_paid_fen);
    dedRule = medType === '23' ? '/inpatient/referral_out/deductible_yuan' : `/inpatient/deductible_yuan_by_admission/${admIdx}/${visit.hosp_lv}`;
    ratioRule = `/inpatient/ratio_bp_by_lv/${visit.hosp_lv}`;
    capRule = '/inpatient/annual_cap_yuan';
    if (ded === null) ratio0 = null; // no deductible configured at this level: the level is not covered
  }
  const dedc = min(base, dedRemaining);
  steps.push({ step: 'deductible', zh: '起付线', en: 'deductible', rule: dedRule, in: dedPaidThisStay === null ? { base, deductible_remaining: dedRemaining } : { base, deductible_paid_this_stay: dedPaidThisStay, deductible_remaining: dedRemaining }, out: { act_pay_dedc: dedc } });
  const eligible = base - dedc;
  const ratio = ratio0 === null ? (0 as Bp) : clampBp(ratio0 + uplift - cross.ratio_cut_bp);
  const raw = mulBp(fen(eligible), ratio, fundR);
  const pool = min(raw, capRoom);
  // When the cap bites, the part of the bill beyond it is the large-amount subsidy's base.
  const withinCap = raw > capRoom ? min(eligible, baseForPayment(fen(capRoom), ratio, fundR)) : eligible;
  const overCap = eligible - withinCap;
  const poolPropSelfpay = withinCap - pool;
  hifp += pool;
  if (scheme === 'outpatient') {
    inc.outpatient_deductible_used_fen = dedc;
    inc.outpatient_pool_paid_fen = pool;
  } else if (scheme === 'chronic') {
    inc.chronic_deductible_used_fen[disease!.id] = fen(dedc);
    inc.chronic_paid_fen[disease!.id] = fen(pool);
  } else {
    inc.inpatient_pool_paid_fen = pool;
  }
  steps.push({
    step: 'pooled_fund',
    zh: ratio0 === null ? '统筹基金支付（该级别机构不予支付）' : scheme === 'chronic' ? `统筹基金支付（门诊慢特病：${disease!.name}）` : '统筹基金支付',
    en: ratio0 === null ? 'pooled fund (this institution level is not covered)' : scheme === 'chronic' ? `pooled fund (chronic disease: ${disease!.id})` : 'pooled fund',
    rule: ratioRule,
    in: {
      ...(disease ? { disease: disease.id, disease_name: disease.name } : {}),
      eligible, base_ratio_bp: ratio0, retiree_uplift_bp: uplift, cross_region_cut_bp: cross.ratio_cut_bp, ratio_bp: ratio, cap_room: capRoom, cap_rule: capRule, rounding: fundR,
    },
    out: { hifp_pay: pool, pool_prop_selfpay: poolPropSelfpay, over_cap: overCap },
  });
  if (hifp > 0) details.push(detail(poolType, inscp, capRoom - pool, hifp, scheme === 'chronic' ? `门诊慢特病 ${disease!.name}` : ''));

  // 6. Critical-illness insurance (residents, 390200) or large-amount subsidy (employees, 330100).
  let serious = 0;
  const si = policy.serious_illness;
  // Inpatient stays count for both; chronic-disease burden counts for residents' critical illness,
  // while the employees' large-amount subsidy starts only beyond the inpatient pooled cap.
  if (si !== null && (scheme === 'inpatient' || (scheme === 'chronic' && si.basis === 'burden'))) {
    const tilt = policy.tilts.find((t) => t.identities.some((id) => person.identities.includes(id)));
    const cut = tilt?.serious_illness_deductible_cut_bp ?? 0;
    const plus = tilt?.serious_illness_ratio_plus_bp ?? 0;
    const ded = cut === 0 ? si.deductible_fen : mulBp(si.deductible_fen, (10000 - cut) as Bp, 'half_up');
    const visitBase = si.basis === 'burden' ? inscp - hifp : overCap;
    const before = acc.serious_base_fen;
    const after = before + visitBase;
    const rawSerious = tieredPayment(before, after, ded, si.tiers, plus, fundR);
    const cap = tilt?.serious_illness_no_cap === true ? null : si.annual_cap_fen;
    const room = cap === null ? Infinity : pos(cap - acc.serious_paid_fen);
    serious = min(rawSerious, room);
    inc.serious_base_fen = visitBase;
    inc.serious_paid_fen = serious;
    steps.push({
      step: 'serious_illness',
      zh: si.basis === 'burden' ? '城乡居民大病保险' : '职工大额医疗费用补助',
      en: si.basis === 'burden' ? "residents' critical-illness insurance" : 'large-amount medical subsidy',
      rule: tilt ? tilt.path : '/serious_illness',
      in: { basis: si.basis, year_base_before: before, visit_base: visitBase, deductible: ded, ratio_plus_bp: plus, cap_room: room === Infinity ? null : room },
      out: { fund_pay: serious },
    });
    if (serious > 0) details.push(detail(si.fund_pay_type, inscp, room === Infinity ? null : room - serious, serious, tilt ? '特殊群体倾斜' : ''));
  }
  const hifmi = si !== null && si.fund_pay_type === '390200' ? serious : 0;
  const hifob = si !== null && si.fund_pay_type === '330100' ? serious : 0;

  // 7. Civil-servant subsidy on the in-scope personal share.
  let cvl = 0;
  const cs = policy.civil_servant;
  if (cs !== null && cs.psn_types.includes(person.psn_type)) {
    const baseCs = inscp - hifp - serious;
    const room = pos(cs.annual_cap_fen - acc.civil_servant_paid_fen);
    cvl = min(mulBp(fen(baseCs), cs.ratio_bp, fundR), room);
    inc.civil_servant_paid_fen = cvl;
    steps.push({ step: 'civil_servant', zh: '公务员医疗补助', en: 'civil-servant subsidy', rule: '/civil_servant', in: { base: baseCs, ratio_bp: cs.ratio_bp, cap_room: room }, out: { cvlserv_pay: cvl } });
    if (cvl > 0) details.push(detail('320100', inscp, room - cvl, cvl, ''));
  }

  // 8. Amounts above a price limit that the hospital may not charge (when the policy says so).
  const hosp = policy.hospital_bears_overlimit ? overlmt : 0;
  if (hosp > 0) {
    steps.push({ step: 'hospital_borne', zh: '超限价部分由医院负担', en: 'amount above price limits borne by the hospital', rule: '/hospital_bears_overlimit', in: { overlmt_selfpay: overlmt }, out: { hosp_part_amt: hosp } });
    details.push(detail('999996', inscp, null, hosp, '超限价'));
  }

  // 9-10. Medical assistance by identity, then re-assistance above a burden threshold.
  let maf = 0;
  const as = policy.assistance;
  if (as !== null && person.identities.length > 0) {
    const aR = policy.rounding.assistance;
    const group = as.groups.find((g) => person.identities.includes(g.identity));
    if (group !== undefined) {
      const baseA = inscp - hifp - serious - cvl;
      let pay = 0;
      if (scheme === 'outpatient') {
        if (group.outpatient !== null) {
          const room = pos(group.outpatient.annual_cap_fen - acc.outpatient_assistance_paid_fen);
          pay = min(mulBp(fen(baseA), group.outpatient.ratio_bp, aR), room);
          inc.outpatient_assistance_paid_fen = pay;
          steps.push({ step: 'outpatient_assistance', zh: '门诊医疗救助', en: 'outpatient medical assistance', rule: `${group.path}/outpatient`, in: { identity: group.identity, base: baseA, ratio_bp: group.outpatient.ratio_bp, cap_room: room }, out: { maf_pay: pay } });
        }
      } else {
        const dRem = pos(group.deductible_fen - acc.assistance_deductible_used_fen);
        const d = min(baseA, dRem);
        const room = pos(group.annual_cap_fen - acc.assistance_paid_fen);
        pay = min(mulBp(fen(baseA - d), group.ratio_bp, aR), room);
        inc.assistance_deductible_used_fen = d;
        inc.assistance_paid_fen = pay;
        steps.push({ step: 'medical_assistance', zh: '医疗救助', en: 'medical assistance', rule: group.path, in: { identity: group.identity, base: baseA, deductible_remaining: dRem, ratio_bp: group.ratio_bp, cap_room: room }, out: { deductible: d, maf_pay: pay } });
      }
      maf += pay;
    }
    const ra = as.reassistance;
    if (ra !== null && ra.identities.some((id) => person.identities.includes(id))) {
      const burden = inscp - hifp - serious - cvl - maf;
      const before = acc.reassistance_burden_fen;
      const after = before + burden;
      const over = pos(after - (before > ra.burden_threshold_fen ? before : ra.burden_threshold_fen));
      const room = pos(ra.annual_cap_fen - acc.reassistance_paid_fen);
      const pay = min(mulBp(fen(over), ra.ratio_bp, aR), room);
      inc.reassistance_burden_fen = burden;
      inc.reassistance_paid_fen = pay;
      maf += pay;
      steps.push({ step: 'reassistance', zh: '再救助', en: 're-assistance', rule: '/assistance/reassistance', in: { year_burden_before: before, visit_burden: burden, threshold: ra.burden_threshold_fen, ratio_bp: ra.ratio_bp, cap_room: room }, out: { maf_pay: pay } });
    }
    if (maf > 0) details.push(detail('610100', inscp, null, maf, group ? group.identity : ''));
  }

  // 11-12. Personal account (employees, if chosen), then cash.
  const fundSum = hifp + cvl + hifmi + hifob + maf;
  const psnPart = medfee - fundSum - hosp;
  let acct = 0;
  if (policy.personal_account !== null && visit.acct_used_flag) {
    const payable = policy.personal_account.covers_out_of_scope ? psnPart : psnPart - fulamt - (policy.hospital_bears_overlimit ? 0 : overlmt);
    acct = min(pos(payable), pos(input.acct_balance_fen));
    steps.push({ step: 'personal_account', zh: '个人账户支付', en: 'personal account', rule: '/personal_account', in: { psn_part_amt: psnPart, payable: pos(payable), balance: input.acct_balance_fen }, out: { acct_pay: acct } });
    if (acct > 0) details.push(detail('310200', inscp, null, acct, ''));
  }
  const cash = psnPart - acct;
  steps.push({ step: 'cash', zh: '个人现金支付', en: 'cash', rule: '', in: { psn_part_amt: psnPart, acct_pay: acct }, out: { psn_cash_pay: cash } });

  const setlinfo: SetlinfoAmounts = {
    medfee_sumamt: fen(medfee), fulamt_ownpay_amt: fen(fulamt), overlmt_selfpay: fen(overlmt), preselfpay_amt: fen(pre), inscp_scp_amt: fen(inscp),
    act_pay_dedc: fen(dedc), hifp_pay: fen(hifp), pool_prop_selfpay: fen(poolPropSelfpay), cvlserv_pay: fen(cvl), hifes_pay: fen(0),
    hifmi_pay: fen(hifmi), hifob_pay: fen(hifob), maf_pay: fen(maf), hosp_part_amt: fen(hosp), oth_pay: fen(0), fund_pay_sumamt: fen(fundSum),
    psn_part_amt: fen(psnPart), acct_pay: fen(acct), psn_cash_pay: fen(cash), balc: fen(input.acct_balance_fen - acct), acct_mulaid_pay: fen(0),
  };
  checkIdentities(setlinfo, details);

  // Each line's share: the fund payment spread over in-scope amounts (cumulative rounding, so shares add up exactly).
  const shares: LineShare[] = new Array<LineShare>(n);
  let cum = 0, given = 0;
  for (let i = 0; i < n; i++) {
    const l = lines[i]!;
    cum += lineInscp[i]!;
    const upto = i === n - 1 ? fundSum : inscp === 0 ? 0 : shareUpTo(fundSum, cum, inscp);
    const f = upto - given;
    given = upto;
    const h = policy.hospital_bears_overlimit ? l.overlmt_amt : 0;
    shares[i] = { feedetl_sn: l.feedetl_sn, fund_pay_fen: fen(f), hosp_part_fen: fen(h), psn_part_fen: fen(l.det_item_fee_sumamt - f - h) };
  }

  return {
    policy_id: policy.policy_id,
    policy_version: policy.version,
    scheme,
    setlinfo,
    setldetail: details,
    lines: shares,
    // Plain numbers here are fen by construction (every one came out of mulBp or fen sums).
    increments: inc as AccumulatorIncrements,
    steps,
  };
}

/** floor(total × part / whole), exact even when the product passes 2^53. */
function shareUpTo(total: number, part: number, whole: number): number {
  const product = total * part;
  if (Number.isSafeInteger(product)) return Math.floor(product / whole);
  const q = (BigInt(total) * BigInt(part)) / BigInt(whole);
  return Number(q) - (BigInt(total) * BigInt(part) < q * BigInt(whole) ? 1 : 0);
}

/** The four identities of DOMAIN.md §4, plus bounds every payment must respect. On in production. */
export function checkIdentities(s: SetlinfoAmounts, details: readonly SetldetailLine[]): void {
  assertInvariant(s.medfee_sumamt === s.fulamt_ownpay_amt + s.overlmt_selfpay + s.preselfpay_amt + s.inscp_scp_amt, 'medfee_sumamt = fulamt_ownpay_amt + overlmt_selfpay + preselfpay_amt + inscp_scp_amt');
  assertInvariant(s.medfee_sumamt === s.fund_pay_sumamt + s.psn_part_amt + s.hosp_part_amt, 'medfee_sumamt = fund_pay_sumamt + psn_part_amt + hosp_part_amt');
  assertInvariant(s.psn_part_amt === s.acct_pay + s.psn_cash_pay, 'psn_part_amt = acct_pay + psn_cash_pay');
  let funds = 0;
  for (const d of details) if (d.fund_pay_type !== '310200' && d.fund_pay_type !== '999996') funds += d.fund_payamt;
  assertInvariant(s.fund_pay_sumamt === funds, 'fund_pay_sumamt = Σ setldetail fund payments other than the personal account and the hospital');
  assertInvariant(
    s.hifp_pay >= 0 && s.cvlserv_pay >= 0 && s.hifmi_pay >= 0 && s.hifob_pay >= 0 && s.maf_pay >= 0 && s.acct_pay >= 0 && s.psn_cash_pay >= 0 && s.hosp_part_amt >= 0,
    'no payment is negative',
  );
  assertInvariant(s.fund_pay_sumamt <= s.inscp_scp_amt, 'funds pay no more than the in-scope amount');
}
