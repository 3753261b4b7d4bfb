import { CROSS_REGION_STATUSES, IDENTITY_GROUPS, isCode } from './codes.ts';
import type { ExplainValue, ExplanationStep } from './settle.ts';
import { formatYuanGrouped } from './money.ts';

// Each step of a settlement's explanation as a sentence the insured person understands, in
// Chinese and English, built from the step's numbers (fen, basis points) — never from its
// parameter keys or rule paths, which stay in the technical detail for staff. Pure: the
// portal, the staff pages and the tests use the same sentences.

export interface Words {
  readonly zh: string;
  readonly en: string;
}

type Values = Readonly<Record<string, ExplainValue>>;

/** A number from a step; a key an older stored explanation lacks counts as 0. */
const num = (v: ExplainValue | undefined): number => (typeof v === 'number' && Number.isFinite(v) ? v : 0);

/** fen → "300" or "2,637.14" (whole yuan without decimals). */
export function yuanText(fen: number): string {
  return formatYuanGrouped(Math.round(fen)).replace(/\.00$/, '');
}

/** basis points → "88" (percent or percentage points). */
export function percentText(bp: number): string {
  return String(Math.round(bp) / 100);
}

const Y = (v: ExplainValue | undefined): string => yuanText(num(v));
const P = (v: ExplainValue | undefined): string => percentText(num(v));

/** Diseases of the shipped policies, for English; a policy's own Chinese name comes first in Chinese. */
const DISEASES: Record<string, Words> = {
  hypertension: { zh: '高血压', en: 'high blood pressure' },
  diabetes: { zh: '糖尿病', en: 'diabetes' },
  uraemia_dialysis: { zh: '尿毒症透析', en: 'dialysis for uraemia' },
  transplant_antirejection: { zh: '器官移植术后抗排异', en: 'anti-rejection treatment after an organ transplant' },
  tumour_chemo_radio: { zh: '恶性肿瘤门诊放化疗', en: 'outpatient chemotherapy or radiotherapy for cancer' },
  copd: { zh: '慢性阻塞性肺疾病', en: 'chronic obstructive pulmonary disease' },
  coronary: { zh: '冠心病', en: 'coronary heart disease' },
  breast_cancer: { zh: '乳腺癌', en: 'breast cancer' },
};

function diseaseWords(v: Values, fallback: Words): Words {
  const id = typeof v.disease === 'string' ? v.disease : '';
  const name = typeof v.disease_name === 'string' && v.disease_name !== '' ? v.disease_name : undefined;
  const known = Object.prototype.hasOwnProperty.call(DISEASES, id) ? DISEASES[id] : undefined;
  return { zh: name ?? known?.zh ?? fallback.zh, en: known?.en ?? name ?? fallback.en };
}

function identityWords(v: ExplainValue | undefined): Words {
  return isCode(IDENTITY_GROUPS, v) ? IDENTITY_GROUPS[v] : { zh: '救助对象', en: 'person entitled to medical assistance' };
}

const article = (noun: string): string => (/^[aeiou]/i.test(noun) ? `an ${noun}` : `a ${noun}`);

/** A fund paid `pay` of `amount` at `ratio`, within a cap of `room` (null: no cap): was it the cap that stopped it? */
const capBit = (amount: number, ratio: number, room: ExplainValue | undefined, pay: number): boolean =>
  typeof room === 'number' && pay >= room && (amount * ratio) / 10000 > room;

/** A drug scheme with its own ratio and cap (separately paid drugs, two-diseases drugs). */
function ownRatio(what: Words, s: ExplanationStep): Words {
  const amount = num(s.in.inscp_scp_amt), ratio = num(s.in.ratio_bp), pay = num(s.out.fund_pay), self = num(s.out.self_pay);
  const capped = capBit(amount, ratio, s.in.cap_room, pay);
  return {
    zh: `${what.zh}共 ${Y(amount)} 元，医保按 ${P(ratio)}% 支付 ${Y(pay)} 元${capped ? '（已用完本年度限额）' : ''}，您负担 ${Y(self)} 元。`,
    en: `${what.en} cost ${Y(amount)} yuan: the insurance paid ${P(ratio)}% of it, ${Y(pay)} yuan${capped ? " (this year's limit is now used up)" : ''}, and your share is ${Y(self)} yuan.`,
  };
}

const BUILDERS = {
  classify(s: ExplanationStep): Words {
    const total = num(s.out.medfee_sumamt), inscp = num(s.out.inscp_scp_amt), full = num(s.out.fulamt_ownpay_amt);
    const over = num(s.out.overlmt_selfpay), pre = num(s.out.preselfpay_amt), n = num(s.in.lines);
    const zh = [`本次 ${n} 项费用共 ${Y(total)} 元，其中医保范围内 ${Y(inscp)} 元`];
    const en = [`Your ${n} ${n === 1 ? 'item' : 'items'} came to ${Y(total)} yuan, of which ${Y(inscp)} yuan is covered by the insurance`];
    if (full > 0) zh.push(`医保不予支付、须全部自费 ${Y(full)} 元`), en.push(`${Y(full)} yuan is for things the insurance does not cover at all`);
    if (over > 0) zh.push(`超出最高限价的部分 ${Y(over)} 元`), en.push(`${Y(over)} yuan is charged above the price limit`);
    if (pre > 0) zh.push(`乙类药品和项目须先由您自付 ${Y(pre)} 元`), en.push(`you pay ${Y(pre)} yuan first as your share of class-B items`);
    return { zh: zh.join('；') + '。', en: en.join('; ') + '.' };
  },

  cross_region(s: ExplanationStep): Words {
    const status = isCode(CROSS_REGION_STATUSES, s.in.cross_region_status) ? CROSS_REGION_STATUSES[s.in.cross_region_status] : { zh: '异地就医', en: 'treated elsewhere' };
    const cut = num(s.in.ratio_cut_bp), moved = num(s.out.moved_to_preselfpay), extra = num(s.in.extra_preselfpay_bp);
    let zh = `您在参保地以外就医，属于“${status.zh}”：${cut > 0 ? `报销比例降低 ${P(cut)} 个百分点` : '报销比例不降低'}`;
    let en = `You were treated away from where you are insured, as a case of "${status.en}": ${cut > 0 ? `the insurance pays ${P(cut)} percentage points less` : 'the insurance pays at the usual rate'}`;
    if (moved > 0) {
      zh += `，医保范围内费用的 ${P(extra)}%（${Y(moved)} 元）须先由您自付`;
      en += `, and you pay ${P(extra)}% of the covered amount (${Y(moved)} yuan) first yourself`;
    }
    return { zh: zh + '。', en: en + '.' };
  },

  separately_paid: (s: ExplanationStep): Words => ownRatio({ zh: '单独支付的特殊药品', en: 'Separately paid special drugs' }, s),

  two_diseases(s: ExplanationStep): Words {
    const d = diseaseWords(s.in, { zh: '高血压或糖尿病', en: 'high blood pressure or diabetes' });
    return ownRatio({ zh: `治疗${d.zh}的门诊用药（“两病”用药保障）`, en: `Your outpatient drugs for ${d.en} (the "two diseases" drug scheme)` }, s);
  },

  deductible(s: ExplanationStep): Words {
    const base = num(s.in.base), remaining = num(s.in.deductible_remaining), paid = num(s.out.act_pay_dedc);
    const earlier = num(s.in.deductible_paid_this_stay);
    if (paid > 0 && paid >= remaining) {
      return {
        zh: `本次起付线 ${Y(paid)} 元，已全部由您自付${earlier > 0 ? `（本次住院此前已付 ${Y(earlier)} 元）` : ''}。`,
        en: `You paid the ${Y(paid)}-yuan deductible${earlier > 0 ? ` (on top of the ${Y(earlier)} yuan already paid earlier in this stay)` : ''}.`,
      };
    }
    if (paid > 0) {
      return {
        zh: `本次医保范围内的费用 ${Y(base)} 元没有超过尚未付满的起付线 ${Y(remaining)} 元，全部由您自付。`,
        en: `The ${Y(base)} yuan covered this time is less than the ${Y(remaining)} yuan of deductible still to pay, so you paid all of it yourself.`,
      };
    }
    if (earlier > 0) return { zh: `本次住院的起付线此前已经付过（${Y(earlier)} 元），这次不再扣除。`, en: `The deductible of this stay was already paid earlier (${Y(earlier)} yuan); nothing more this time.` };
    if (remaining > 0) return { zh: '本次没有医保范围内的费用，不扣起付线。', en: 'Nothing this time was covered by the insurance, so no deductible applied.' };
    return { zh: '本次不用再付起付线。', en: 'There was no deductible to pay this time.' };
  },

  pooled_fund(s: ExplanationStep): Words {
    const eligible = num(s.in.eligible), ratio = num(s.in.ratio_bp), pay = num(s.out.hifp_pay);
    const share = num(s.out.pool_prop_selfpay), overCap = num(s.out.over_cap);
    const chronic = typeof s.in.disease === 'string' ? diseaseWords(s.in, { zh: '门诊慢特病', en: 'your chronic condition' }) : undefined;
    if (s.in.base_ratio_bp === null) {
      return { zh: '这一级别的医疗机构不在统筹基金支付范围内，统筹基金本次不支付。', en: 'The pooled fund does not pay at this level of hospital, so it paid nothing this time.' };
    }
    if (eligible <= 0) {
      return { zh: '扣除起付线后没有剩余的医保范围内费用，统筹基金本次不支付。', en: 'Nothing covered was left after the deductible, so the pooled fund paid nothing this time.' };
    }
    const base = num(s.in.base_ratio_bp), uplift = num(s.in.retiree_uplift_bp), cut = num(s.in.cross_region_cut_bp);
    const whyZh: string[] = [], whyEn: string[] = [];
    if (uplift > 0) whyZh.push(`退休人员提高 ${P(uplift)} 个百分点`), whyEn.push(`plus ${P(uplift)} points for retirees`);
    if (cut > 0) whyZh.push(`异地就医降低 ${P(cut)} 个百分点`), whyEn.push(`minus ${P(cut)} points for treatment elsewhere`);
    const rateZh = whyZh.length ? `${P(ratio)}%（基本比例 ${P(base)}%，${whyZh.join('，')}）` : `${P(ratio)}% `;
    const rateEn = `${P(ratio)}%${whyEn.length ? ` (the usual ${P(base)}%, ${whyEn.join(', ')})` : ''}`;
    const startZh = `${chronic ? `按门诊慢特病（${chronic.zh}）待遇，` : ''}扣除起付线后的 ${Y(eligible)} 元`;
    const startEn = `${chronic ? `Under the terms for ${chronic.en}, of` : 'Of'} the ${Y(eligible)} yuan left after the deductible`;
    let zh: string, en: string;
    if (capBit(eligible, ratio, s.in.cap_room, pay) || overCap > 0) {
      // The cap, not the rate, decided the payment: say so rather than show a rate that does not multiply out.
      zh = `${startZh}，统筹基金按 ${rateZh}支付，但以本年度最高支付限额为限：本次支付 ${Y(pay)} 元，您负担 ${Y(share)} 元`;
      en = `${startEn}, the pooled fund pays ${rateEn} up to its limit for this year: it paid ${Y(pay)} yuan, and your share is ${Y(share)} yuan`;
      if (overCap > 0) {
        zh += `；超出限额的 ${Y(overCap)} 元统筹基金不再支付`;
        en += `; it does not pay the ${Y(overCap)} yuan beyond the limit`;
      }
    } else {
      zh = `${startZh}，统筹基金按 ${rateZh}支付 ${Y(pay)} 元，您负担 ${Y(share)} 元`;
      en = `${startEn}, the pooled fund paid ${rateEn}: ${Y(pay)} yuan, and your share is ${Y(share)} yuan`;
    }
    return { zh: zh + '。', en: en + '.' };
  },

  serious_illness(s: ExplanationStep): Words {
    const pay = num(s.out.fund_pay), visitBase = num(s.in.visit_base), before = num(s.in.year_base_before);
    const ded = num(s.in.deductible), plus = num(s.in.ratio_plus_bp);
    const tilt = plus > 0 ? { zh: `；您属于特殊困难群体，支付比例提高 ${P(plus)} 个百分点`, en: `; as a person in financial hardship you get ${P(plus)} points more` } : { zh: '', en: '' };
    if (s.in.basis === 'over_pool_cap') {
      if (visitBase <= 0) return { zh: '本次费用没有超过统筹基金的年度最高支付限额，职工大额医疗费用补助本次不支付。', en: "This stay did not go beyond the pooled fund's yearly limit, so the large-amount medical subsidy paid nothing." };
      return {
        zh: `超过统筹基金年度最高支付限额的 ${Y(visitBase)} 元，由职工大额医疗费用补助支付 ${Y(pay)} 元${tilt.zh}。`,
        en: `Of the ${Y(visitBase)} yuan beyond the pooled fund's yearly limit, the large-amount medical subsidy paid ${Y(pay)} yuan${tilt.en}.`,
      };
    }
    const year = before + visitBase;
    if (pay <= 0 && year <= ded) {
      return {
        zh: `本年度您负担的医保范围内费用累计 ${Y(year)} 元，未超过大病保险起付标准 ${Y(ded)} 元，大病保险本次不支付。`,
        en: `This year the covered costs you bore add up to ${Y(year)} yuan, not above the ${Y(ded)}-yuan threshold of critical-illness insurance, so it paid nothing this time.`,
      };
    }
    return {
      zh: `本年度您负担的医保范围内费用累计 ${Y(year)} 元，超过大病保险起付标准 ${Y(ded)} 元的部分，大病保险本次支付 ${Y(pay)} 元${tilt.zh}。`,
      en: `This year the covered costs you bore add up to ${Y(year)} yuan; for the part above the ${Y(ded)}-yuan threshold, critical-illness insurance paid ${Y(pay)} yuan this time${tilt.en}.`,
    };
  },

  civil_servant: (s: ExplanationStep): Words => ({
    zh: `公务员医疗补助对您负担的医保范围内费用 ${Y(s.in.base)} 元补助 ${P(s.in.ratio_bp)}%，支付 ${Y(s.out.cvlserv_pay)} 元。`,
    en: `The civil-servant subsidy paid ${P(s.in.ratio_bp)}% of the ${Y(s.in.base)} yuan of covered costs you bore: ${Y(s.out.cvlserv_pay)} yuan.`,
  }),

  hospital_borne: (s: ExplanationStep): Words => ({
    zh: `超出最高限价的 ${Y(s.out.hosp_part_amt)} 元由医院承担，您不用付。`,
    en: `The hospital bears the ${Y(s.out.hosp_part_amt)} yuan charged above the price limit; you do not pay it.`,
  }),

  outpatient_assistance(s: ExplanationStep): Words {
    const who = identityWords(s.in.identity);
    return {
      zh: `您是${who.zh}，门诊医疗救助对您还需负担的医保范围内费用 ${Y(s.in.base)} 元按 ${P(s.in.ratio_bp)}% 支付 ${Y(s.out.maf_pay)} 元。`,
      en: `As ${article(who.en)}, you get outpatient medical assistance: ${P(s.in.ratio_bp)}% of the ${Y(s.in.base)} yuan of covered costs still yours, ${Y(s.out.maf_pay)} yuan.`,
    };
  },

  medical_assistance(s: ExplanationStep): Words {
    const who = identityWords(s.in.identity);
    const ded = num(s.out.deductible);
    return {
      zh: `您是${who.zh}，医疗救助对您还需负担的医保范围内费用 ${Y(s.in.base)} 元${ded > 0 ? `扣除救助起付线 ${Y(ded)} 元后` : ''}按 ${P(s.in.ratio_bp)}% 支付 ${Y(s.out.maf_pay)} 元。`,
      en: `As ${article(who.en)}, you get medical assistance: ${P(s.in.ratio_bp)}% of the ${Y(s.in.base)} yuan of covered costs still yours${ded > 0 ? ` after its own ${Y(ded)}-yuan deductible` : ''}, ${Y(s.out.maf_pay)} yuan.`,
    };
  },

  reassistance(s: ExplanationStep): Words {
    const year = num(s.in.year_burden_before) + num(s.in.visit_burden), threshold = num(s.in.threshold), pay = num(s.out.maf_pay);
    if (year <= threshold) {
      return {
        zh: `本年度您负担的医保范围内费用累计 ${Y(year)} 元，未超过再救助标准 ${Y(threshold)} 元，本次没有再救助。`,
        en: `This year the covered costs you bore add up to ${Y(year)} yuan, not above the ${Y(threshold)}-yuan line for further assistance, so there is none this time.`,
      };
    }
    const capped = pay <= 0 || capBit(year - threshold, num(s.in.ratio_bp), s.in.cap_room, pay);
    return {
      zh: `本年度您负担的医保范围内费用累计 ${Y(year)} 元，超过 ${Y(threshold)} 元的部分按 ${P(s.in.ratio_bp)}% 再救助，本次支付 ${Y(pay)} 元${capped ? '（本年度再救助限额已用完）' : ''}。`,
      en: `This year the covered costs you bore add up to ${Y(year)} yuan; further assistance pays ${P(s.in.ratio_bp)}% of the part above ${Y(threshold)} yuan: ${Y(pay)} yuan this time${capped ? " (this year's limit is now used up)" : ''}.`,
    };
  },

  personal_account(s: ExplanationStep): Words {
    const part = num(s.in.psn_part_amt), payable = num(s.in.payable), balance = num(s.in.balance), acct = num(s.out.acct_pay);
    if (acct > 0 && acct === part) {
      return {
        zh: `您负担的 ${Y(part)} 元全部从您的个人账户支付（支付前余额 ${Y(balance)} 元）。`,
        en: `All ${Y(part)} yuan that was yours came from your personal account (balance before: ${Y(balance)} yuan).`,
      };
    }
    if (acct > 0) {
      const limited = payable < part ? { zh: `（其中可以用个人账户支付的是 ${Y(payable)} 元）`, en: ` (${Y(payable)} yuan of it may be paid from the account)` } : { zh: '', en: '' };
      return {
        zh: `您负担的 ${Y(part)} 元${limited.zh}中，${Y(acct)} 元从您的个人账户支付（支付前余额 ${Y(balance)} 元）。`,
        en: `Of the ${Y(part)} yuan that was yours${limited.en}, ${Y(acct)} yuan came from your personal account (balance before: ${Y(balance)} yuan).`,
      };
    }
    if (part <= 0) return { zh: '您本次没有需要负担的费用，个人账户未使用。', en: 'Nothing was left for you to pay, so your personal account was not used.' };
    if (balance <= 0) return { zh: '您的个人账户没有余额，本次未使用。', en: 'Your personal account had no balance, so it was not used.' };
    return { zh: '您负担的费用都不能用个人账户支付，本次未使用个人账户。', en: 'None of what you bore may be paid from the personal account, so it was not used.' };
  },

  cash(s: ExplanationStep): Words {
    const cash = num(s.out.psn_cash_pay);
    return cash > 0
      ? { zh: `最后由您用现金等方式支付 ${Y(cash)} 元。`, en: `You paid the remaining ${Y(cash)} yuan yourself (cash, card or mobile payment).` }
      : { zh: '您不需要再另外付钱。', en: 'There was nothing more for you to pay.' };
  },
} satisfies Record<string, (s: ExplanationStep) => Words>;

/** Every kind of step the engine emits, each with its sentence. */
export type StepKind = keyof typeof BUILDERS;
export const STEP_KINDS = Object.keys(BUILDERS) as StepKind[];

/** The step as plain sentences; a kind this module does not know falls back to the step's own title. */
export function plainWords(step: ExplanationStep): Words {
  const build = Object.prototype.hasOwnProperty.call(BUILDERS, step.step) ? BUILDERS[step.step as StepKind] : undefined;
  return build ? build(step) : { zh: step.zh, en: step.en };
}
