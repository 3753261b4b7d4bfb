// DRG case payment (按疾病诊断相关分组付费): a settled stay's group pays weight × base rate ×
// hospital coefficient, or a special case's rule, whatever the bill said; the hospital is owed
// that less what the patient and the other funds paid under the patient's own policy.
// One rounding per amount (half up, arith.ts); the order of the special cases is fixed:
// by-item groups, per-diem groups, deaths, transfers, short stays, high cost, low cost.
import { notFound, Problems } from '../errors.ts';
import { formatYuan } from '../money.ts';
import { formatTenThousandths, mulDivRound } from './arith.ts';
import type { DrgRules, PaymentRules, SpecialPay } from './rules.ts';
import { finishCase } from './case.ts';
import type { CaseKind, CasePayment, PaymentStep } from './types.ts';

export interface DrgCaseInput {
  drg: string;
  /** 310 employees, 390 residents: chooses the base rate. */
  insutype: string;
  /** Hospital level 1/2/3: chooses the coefficient. */
  hospital_level: string;
  los_days: number;
  /** 离院方式: 1 医嘱离院, 2 医嘱转院, 3 转社区/乡镇卫生院, 4 非医嘱离院, 5 死亡, 9 其他. */
  dscg_way: string;
  total_cost_fen: number;
  /** The cost by item when a case is paid by item, new technology left out; by default total − new technology. */
  item_cost_fen?: number;
  /** New-technology items (exempt_items) in the bill: paid by item on top, left out of comparisons. */
  new_tech_fen?: number;
  patient_paid_fen: number;
  /** Critical-illness insurance, medical assistance… */
  other_funds_paid_fen: number;
  basic_fund_paid_fen: number;
}

const E8 = 100_000_000n;
const E12 = 1_000_000_000_000n;
const y = (fen: number): string => formatYuan(fen);

export function drgRulesOf(rules: PaymentRules): DrgRules {
  if (!rules.drg) throw notFound('drg', `支付规则 ${rules.rules_id} 没有 DRG 部分`, `payment rules ${rules.rules_id} have no DRG section`);
  return rules.drg;
}

function checkInput(c: DrgCaseInput): void {
  const p = new Problems();
  const amounts = ['total_cost_fen', 'patient_paid_fen', 'other_funds_paid_fen', 'basic_fund_paid_fen', 'item_cost_fen', 'new_tech_fen'] as const;
  for (const k of amounts) {
    const v = c[k];
    if (v === undefined && (k === 'item_cost_fen' || k === 'new_tech_fen')) continue;
    if (!Number.isSafeInteger(v) || (v as number) < 0 || (v as number) > 1e10) p.add(k, '应为不小于 0 的整数分', 'expected a non-negative integer amount of fen');
  }
  if (!Number.isSafeInteger(c.los_days) || c.los_days < 0 || c.los_days > 3660) p.add('los_days', '住院天数应为不小于 0 的整数', 'expected a non-negative whole number of days');
  if ((c.new_tech_fen ?? 0) > c.total_cost_fen) p.add('new_tech_fen', '新技术费用不能超过总费用', 'new-technology cost cannot exceed the total cost');
  p.throwIfAny();
}

/** The coefficient a hospital's case in this group is paid at: the basic groups' one, else its level's. */
export function drgCoefficientBp(drg: DrgRules, group: string, level: string): number {
  if (drg.basic_groups.includes(group)) return drg.basic_group_coefficient_bp;
  const c = drg.hospital_coefficient_bp_by_level[level];
  if (c === undefined) throw notFound('hospital_level', `支付规则没有 ${level} 级医院的系数`, `the payment rules have no coefficient for hospital level ${level}`);
  return c;
}

function baseRateFen(drg: DrgRules, insutype: string): number {
  const b = drg.base_rate_fen_by_insutype[insutype];
  if (b === undefined) throw notFound('insutype', `支付规则没有险种 ${insutype} 的基准费率`, `the payment rules have no base rate for insurance type ${insutype}`);
  return b;
}

/** Weight × base rate × coefficient, in fen: the group's standard (支付标准) for this case. */
export function drgStandardFen(weight_tt: number, base_rate_fen: number, coefficient_bp: number): number {
  return mulDivRound([weight_tt, base_rate_fen, coefficient_bp], E8, 'drg standard');
}

/** Pays one settled stay by DRG. */
export function drgCasePayment(input: DrgCaseInput, rules: PaymentRules): CasePayment {
  checkInput(input);
  const drg = drgRulesOf(rules);
  const group = input.drg;
  const newTech = input.new_tech_fen ?? 0;
  const cost = input.total_cost_fen - newTech; // what the comparisons look at
  const itemCost = input.item_cost_fen ?? cost;
  const steps: PaymentStep[] = [];
  const note = (step: string, zh: string, en: string): void => void steps.push({ step, zh, en });

  let kind: CaseKind;
  let groupPay: number;
  let weight = 0;
  let standard = 0;
  let score = 0;

  const byItemGroup = drg.by_item_drgs.includes(group);
  const perDiem = drg.per_diem?.drgs.includes(group) ? drg.per_diem : null;
  if (!byItemGroup && !perDiem) {
    const w = drg.weights[group];
    if (w === undefined) throw notFound('drg', `支付规则的病组目录中没有 ${group}`, `group ${group} is not in the payment rules' list`);
    weight = w;
  } else if (drg.weights[group] !== undefined) {
    weight = drg.weights[group];
  }

  if (byItemGroup) {
    kind = 'by_item';
    groupPay = itemCost;
    note('by_item', `病组 ${group} 无权重，按项目付费：${y(itemCost)} 元`, `group ${group} has no weight and is paid by item: ${y(itemCost)} yuan`);
  } else if (perDiem) {
    kind = 'per_diem';
    const days = Math.max(1, input.los_days);
    groupPay = days * perDiem.rate_fen_per_day;
    standard = groupPay;
    note('per_diem', `病组 ${group} 按床日付费：${days} 天 × ${y(perDiem.rate_fen_per_day)} 元 = ${y(groupPay)} 元`, `group ${group} is paid per day: ${days} days × ${y(perDiem.rate_fen_per_day)} yuan = ${y(groupPay)} yuan`);
  } else {
    const base = baseRateFen(drg, input.insutype);
    const coef = drgCoefficientBp(drg, group, input.hospital_level);
    standard = drgStandardFen(weight, base, coef);
    score = weight;
    const basic = drg.basic_groups.includes(group);
    note(
      'standard',
      `支付标准 = 权重 ${formatTenThousandths(weight)} × 基准费率 ${y(base)} 元 × ${basic ? '基础病组' : `${input.hospital_level} 级医院`}系数 ${formatTenThousandths(coef)} = ${y(standard)} 元`,
      `standard = weight ${formatTenThousandths(weight)} × base rate ${y(base)} yuan × ${basic ? 'basic-group' : `level-${input.hospital_level} hospital`} coefficient ${formatTenThousandths(coef)} = ${y(standard)} yuan`,
    );
    const scaled = (bpFactor: number): number => mulDivRound([weight, base, coef, bpFactor], E12, 'drg threshold');
    const special = (pay: SpecialPay, why: { zh: string; en: string }): number => {
      if (pay.pay === 'reduced_weight') {
        const amount = scaled(pay.weight_share_bp);
        score = mulDivRound([weight, pay.weight_share_bp], 10000n, 'reduced weight');
        note('special', `${why.zh}，按权重的 ${pay.weight_share_bp / 100}% 支付：${y(amount)} 元`, `${why.en}, paid at ${pay.weight_share_bp / 100}% of the weight: ${y(amount)} yuan`);
        return amount;
      }
      const cap = pay.cap_standard_bp === null ? null : scaled(pay.cap_standard_bp);
      const amount = cap === null ? itemCost : Math.min(itemCost, cap);
      const capText = cap === null ? { zh: '', en: '' } : { zh: `（不超过支付标准的 ${pay.cap_standard_bp! / 100}%，${y(cap)} 元）`, en: ` (at most ${pay.cap_standard_bp! / 100}% of the standard, ${y(cap)} yuan)` };
      note('special', `${why.zh}，按项目付费${capText.zh}：${y(amount)} 元`, `${why.en}, paid by item${capText.en}: ${y(amount)} yuan`);
      return amount;
    };
    const within = (max: number | null): boolean => max === null || input.los_days <= max;
    const high = drg.high_cost ? scaled(drg.high_cost.multiple_bp) : null;
    const low = drg.low_cost ? scaled(drg.low_cost.fraction_bp) : null;
    if (drg.death && input.dscg_way === '5' && within(drg.death.max_days)) {
      kind = 'death';
      groupPay = special(drg.death.pay, { zh: `死亡病例（住院 ${input.los_days} 天）`, en: `a death (after ${input.los_days} days)` });
    } else if (drg.transfer && drg.transfer.dscg_ways.includes(input.dscg_way) && within(drg.transfer.max_days)) {
      kind = 'transfer';
      groupPay = special(drg.transfer.pay, { zh: `转院病例（离院方式 ${input.dscg_way}）`, en: `a transfer out (discharge way ${input.dscg_way})` });
    } else if (drg.short_stay && input.los_days <= drg.short_stay.max_days) {
      kind = 'short_stay';
      groupPay = special(drg.short_stay.pay, { zh: `短住院病例（${input.los_days} 天，不超过 ${drg.short_stay.max_days} 天）`, en: `a short stay (${input.los_days} days, at most ${drg.short_stay.max_days})` });
    } else if (drg.high_cost && high !== null && cost > high) {
      kind = 'high_cost';
      const excess = cost - high;
      const extra = mulDivRound([excess, drg.high_cost.excess_share_bp], 10000n, 'high-cost excess');
      groupPay = standard + extra;
      note(
        'special',
        `高倍率病例：费用 ${y(cost)} 元超过支付标准的 ${drg.high_cost.multiple_bp / 10000} 倍（${y(high)} 元），超出部分 ${y(excess)} 元按项目支付 ${drg.high_cost.excess_share_bp / 100}%：${y(extra)} 元，合计 ${y(groupPay)} 元`,
        `high-cost case: cost ${y(cost)} yuan above ${drg.high_cost.multiple_bp / 10000} × the standard (${y(high)} yuan); the excess ${y(excess)} yuan is paid by item at ${drg.high_cost.excess_share_bp / 100}%: ${y(extra)} yuan, in all ${y(groupPay)} yuan`,
      );
    } else if (drg.low_cost && low !== null && cost < low) {
      kind = 'low_cost';
      groupPay = special(drg.low_cost.pay, { zh: `低倍率病例：费用 ${y(cost)} 元低于支付标准的 ${drg.low_cost.fraction_bp / 100}%（${y(low)} 元）`, en: `low-cost case: cost ${y(cost)} yuan below ${drg.low_cost.fraction_bp / 100}% of the standard (${y(low)} yuan)` });
    } else {
      kind = 'normal';
      groupPay = standard;
    }
  }
  return finishCase({ method: 'drg', group, kind, weight_tt: weight, score_tt: score, standard_fen: standard, group_pay_fen: groupPay, new_tech_fen: newTech, input, steps, review: false });
}
