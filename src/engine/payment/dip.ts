// DIP, 按病种分值付费 (DOMAIN.md §7): groups from three years of settled stays, each group's
// score RW = its mean cost ÷ all cases' mean cost (the years weighted 1:2:7), the year's point
// value from the budget, and each case paid score × point value × hospital coefficient, with
// the deviation bands for low- and high-cost cases.
// Granularity: a core group (核心病种) is a principal diagnosis' subcategory (亚目, the first four
// characters: "I63.9") with one main procedure (the full ICD-9-CM-3 code, or none: conservative
// treatment) that has at least `min_cases` stays over the years; the rest fall into the
// comprehensive groups (综合病种) of the diagnosis' category (类目, three characters: "I63"),
// with or without a procedure.
// Exact: means are rationals until the catalog publishes them rounded (half up) to the fen, and
// scores rounded to 1/10000; payments use the published figures and round once to the fen.
import { assertInvariant, invalid, notFound, Problems } from '../errors.ts';
import { formatYuan } from '../money.ts';
import { formatTenThousandths, mulDivRound, roundDiv, toSafe } from './arith.ts';
import { finishCase } from './case.ts';
import type { DipRules } from './rules.ts';
import type { CaseKind, CasePayment, PaymentStep } from './types.ts';

export interface DipStay {
  year: number;
  principal_diagnosis: string;
  main_procedure: string | null;
  total_cost_fen: number;
}

export interface DipGroup {
  key: string;
  kind: 'core' | 'comprehensive';
  /** The diagnosis' subcategory (core, "I63.9") or category (comprehensive, "I63"). */
  diagnosis: string;
  /** The main procedure (core), null for conservative treatment and comprehensive groups. */
  procedure: string | null;
  /** Comprehensive groups: with a procedure or without. Core: whether `procedure` is set. */
  with_procedure: boolean;
  /** A comprehensive group made from core stays because its category had no other stays with that flag, so every category seen has both. */
  from_core_stays: boolean;
  /** Stays over all the years. */
  cases: number;
  cases_by_year: Record<string, number>;
  /** The 1:2:7-weighted mean cost, fen. */
  mean_fen: number;
  /** Score RW (病种分值) = mean ÷ all cases' mean, ten-thousandths. */
  rw_tt: number;
}

export interface DipCatalog {
  /** The years the catalog was built from, oldest first, and the weight each got. */
  years: number[];
  year_weights: number[];
  min_cases: number;
  stays: number;
  /** All cases' weighted mean cost, fen. */
  all_mean_fen: number;
  groups: Record<string, DipGroup>;
  core_groups: number;
  comprehensive_groups: number;
}

/** The subcategory (亚目) and category (类目) of an ICD-10 code: "I63.900x001" → I63.9, I63. */
export function diagnosisParts(code: string, field = 'principal_diagnosis'): { subcategory: string; category: string } {
  const m = /^([A-Z][0-9]{2})(?:\.?([0-9A-Z]))?/.exec(code.trim().toUpperCase());
  if (!m) throw invalid(field, `主要诊断代码应为 ICD-10（字母加两位数字开头）：${code}`, `a principal diagnosis is an ICD-10 code (a letter and two digits first): ${code}`);
  return { subcategory: m[2] ? `${m[1]}.${m[2]}` : m[1]!, category: m[1]! };
}

const procedureOf = (p: string | null): string | null => (p === null || p.trim() === '' ? null : p.trim());
export const coreKey = (subcategory: string, procedure: string | null): string => `${subcategory}|${procedure ?? '-'}`;
export const comprehensiveKey = (category: string, withProcedure: boolean): string => `${category}|comprehensive-${withProcedure ? 'procedure' : 'conservative'}`;

interface Acc {
  /** Sums in fen: 10^6 stays of 10^8 fen stay far below 2^53. */
  sum_by_year: Map<number, number>;
  n_by_year: Map<number, number>;
  cases: number;
}
const newAcc = (): Acc => ({ sum_by_year: new Map(), n_by_year: new Map(), cases: 0 });
function addTo(acc: Acc, year: number, cost: number): void {
  const sum = (acc.sum_by_year.get(year) ?? 0) + cost;
  assertInvariant(Number.isSafeInteger(sum), 'a DIP group sum stays below 2^53');
  acc.sum_by_year.set(year, sum);
  acc.n_by_year.set(year, (acc.n_by_year.get(year) ?? 0) + 1);
  acc.cases++;
}

/** The weighted mean as an exact fraction: Σ w_y × (sum_y ÷ n_y) ÷ Σ w_y over the years the group has stays. */
function weightedMean(acc: Acc, weightOf: Map<number, number>): { num: bigint; den: bigint } {
  let num = 0n;
  let den = 1n;
  let weights = 0n;
  for (const [year, n] of acc.n_by_year) {
    const w = BigInt(weightOf.get(year)!);
    // num/den + w × sum / n
    num = num * BigInt(n) + w * BigInt(acc.sum_by_year.get(year)!) * den;
    den *= BigInt(n);
    weights += w;
  }
  return { num, den: den * weights };
}

/**
 * The DIP catalog from past years' settled stays: core groups with at least `min_cases` stays,
 * the rest in comprehensive groups, each with its 1:2:7-weighted mean and score. The years'
 * weights go by rank, oldest first; with fewer years than weights the latest weights are used
 * (two years: 2:7).
 */
export function buildDipGroups(stays: readonly DipStay[], params: { min_cases: number; year_weights: readonly number[] }): DipCatalog {
  const problems = new Problems();
  if (stays.length === 0) problems.add('stays', '至少需要一个病例', 'at least one stay is needed');
  const years = [...new Set(stays.map((s) => s.year))].sort((a, b) => a - b);
  if (years.length > params.year_weights.length) {
    problems.add('stays/year', `病例跨 ${years.length} 年，年度权重只有 ${params.year_weights.length} 个`, `the stays span ${years.length} years but there are ${params.year_weights.length} year weights`);
  }
  problems.throwIfAny();
  const weights = params.year_weights.slice(params.year_weights.length - years.length);
  const weightOf = new Map(years.map((yr, i) => [yr, weights[i]!]));

  // First pass: count each diagnosis-procedure combination.
  const parts = stays.map((s, i) => {
    if (!Number.isSafeInteger(s.total_cost_fen) || s.total_cost_fen < 0) throw invalid(`stays/${i}/total_cost_fen`, '应为不小于 0 的整数分', 'expected a non-negative integer amount of fen');
    const d = diagnosisParts(s.principal_diagnosis, `stays/${i}/principal_diagnosis`);
    return { ...d, procedure: procedureOf(s.main_procedure) };
  });
  const counts = new Map<string, number>();
  for (const p of parts) {
    const k = coreKey(p.subcategory, p.procedure);
    counts.set(k, (counts.get(k) ?? 0) + 1);
  }
  const accs = new Map<string, { acc: Acc; group: Omit<DipGroup, 'cases' | 'cases_by_year' | 'mean_fen' | 'rw_tt'> }>();
  const byCategory = new Map<string, Acc>();
  const all = newAcc();
  stays.forEach((s, i) => {
    const p = parts[i]!;
    const ck = coreKey(p.subcategory, p.procedure);
    const core = counts.get(ck)! >= params.min_cases;
    const key = core ? ck : comprehensiveKey(p.category, p.procedure !== null);
    let entry = accs.get(key);
    if (!entry) {
      entry = {
        acc: newAcc(),
        group: core
          ? { key, kind: 'core', diagnosis: p.subcategory, procedure: p.procedure, with_procedure: p.procedure !== null, from_core_stays: false }
          : { key, kind: 'comprehensive', diagnosis: p.category, procedure: null, with_procedure: p.procedure !== null, from_core_stays: false },
      };
      accs.set(key, entry);
    }
    addTo(entry.acc, s.year, s.total_cost_fen);
    addTo(all, s.year, s.total_cost_fen);
    const comp = comprehensiveKey(p.category, p.procedure !== null);
    let cat = byCategory.get(comp);
    if (!cat) byCategory.set(comp, (cat = newAcc()));
    addTo(cat, s.year, s.total_cost_fen);
  });
  // Every category and flag seen gets its comprehensive group, from its core stays when it has no others.
  for (const [key, acc] of byCategory) {
    if (accs.has(key)) continue;
    const [category, kind] = key.split('|') as [string, string];
    accs.set(key, { acc, group: { key, kind: 'comprehensive', diagnosis: category, procedure: null, with_procedure: kind === 'comprehensive-procedure', from_core_stays: true } });
  }
  const allMean = weightedMean(all, weightOf);
  const groups: Record<string, DipGroup> = {};
  let core = 0;
  for (const key of [...accs.keys()].sort()) {
    const { acc, group } = accs.get(key)!;
    const m = weightedMean(acc, weightOf);
    // RW = (m.num/m.den) ÷ (all.num/all.den)
    const rw = allMean.num === 0n ? 0 : toSafe(roundDiv(10000n * m.num * allMean.den, m.den * allMean.num), 'rw');
    const byYear: Record<string, number> = {};
    for (const yr of years) if (acc.n_by_year.has(yr)) byYear[String(yr)] = acc.n_by_year.get(yr)!;
    groups[key] = { ...group, cases: acc.cases, cases_by_year: byYear, mean_fen: toSafe(roundDiv(m.num, m.den), 'mean'), rw_tt: rw };
    if (group.kind === 'core') core++;
  }
  return {
    years,
    year_weights: weights,
    min_cases: params.min_cases,
    stays: stays.length,
    all_mean_fen: toSafe(roundDiv(allMean.num, allMean.den), 'mean'),
    groups,
    core_groups: core,
    comprehensive_groups: accs.size - core,
  };
}

/**
 * The catalog group a stay belongs to: its core group, else its category's comprehensive group
 * with or without a procedure as it had one, else the category's other comprehensive group.
 * A category the past years never saw has no group (a new disease: the bureau decides).
 */
export function dipGroupOf(stay: Pick<DipStay, 'principal_diagnosis' | 'main_procedure'>, catalog: DipCatalog): DipGroup {
  let cache = lookups.get(catalog);
  if (!cache) lookups.set(catalog, (cache = new Map()));
  const cacheKey = `${stay.principal_diagnosis}\u0000${stay.main_procedure ?? ''}`;
  const hit = cache.get(cacheKey);
  if (hit) return hit;
  const g = findGroup(stay, catalog);
  cache.set(cacheKey, g);
  return g;
}
/** Lookups by the stay's codes as written, per catalog (catalogs are not changed once built). */
const lookups = new WeakMap<DipCatalog, Map<string, DipGroup>>();

function findGroup(stay: Pick<DipStay, 'principal_diagnosis' | 'main_procedure'>, catalog: DipCatalog): DipGroup {
  const p = diagnosisParts(stay.principal_diagnosis);
  const proc = procedureOf(stay.main_procedure);
  const g = catalog.groups[coreKey(p.subcategory, proc)] ?? catalog.groups[comprehensiveKey(p.category, proc !== null)] ?? catalog.groups[comprehensiveKey(p.category, proc === null)];
  if (!g) throw notFound('principal_diagnosis', `DIP 目录中没有 ${p.category}${proc === null ? '（保守治疗）' : '（手术操作）'} 的病种`, `the DIP catalog has no group for ${p.category} ${proc === null ? '(conservative)' : '(with a procedure)'}`);
  return g;
}

export type DipBand = 'normal' | 'low_cost' | 'high_cost' | 'review';

/**
 * A case's score after the deviation bands (偏差病例), ten-thousandths, rounded once:
 * below low × mean: RW × cost ÷ mean; above high × mean: RW × ((cost ÷ mean − high) + 1);
 * above review × mean the same formula, provisionally, flagged for expert review (特病单议).
 */
export function dipCaseScore(cost_fen: number, group: DipGroup, rules: Pick<DipRules, 'low_band_bp' | 'high_band_bp' | 'review_band_bp'>): { band: DipBand; score_tt: number } {
  if (group.mean_fen === 0) return { band: 'normal', score_tt: group.rw_tt };
  // Most cases sit within the bands: decided in exact Number arithmetic (both sides < 2^53).
  if (cost_fen * 10000 >= rules.low_band_bp * group.mean_fen && cost_fen * 10000 <= rules.high_band_bp * group.mean_fen) return { band: 'normal', score_tt: group.rw_tt };
  const mean = BigInt(group.mean_fen);
  const cost = BigInt(cost_fen);
  const rw = BigInt(group.rw_tt);
  if (cost * 10000n < BigInt(rules.low_band_bp) * mean) return { band: 'low_cost', score_tt: toSafe(roundDiv(rw * cost, mean), 'score') };
  if (cost * 10000n > BigInt(rules.high_band_bp) * mean) {
    // RW × ((cost/mean − high/10000) + 1) = RW × (10000·cost − high·mean + 10000·mean) ÷ (10000·mean)
    const score = toSafe(roundDiv(rw * (10000n * cost - BigInt(rules.high_band_bp) * mean + 10000n * mean), 10000n * mean), 'score');
    return { band: cost * 10000n > BigInt(rules.review_band_bp) * mean ? 'review' : 'high_cost', score_tt: score };
  }
  return { band: 'normal', score_tt: group.rw_tt };
}

export interface DipScoredCase {
  stay: Pick<DipStay, 'principal_diagnosis' | 'main_procedure' | 'total_cost_fen'>;
  coefficient_bp: number;
}

/** Σ(score × coefficient) over the year's cases, in units of 1e-8 score: the point value's divisor. */
export function dipTotalScore(cases: readonly DipScoredCase[], catalog: DipCatalog, rules: DipRules): bigint {
  let sum = 0n;
  for (const c of cases) sum += BigInt(dipCaseScore(c.stay.total_cost_fen, dipGroupOf(c.stay, catalog), rules).score_tt) * BigInt(c.coefficient_bp);
  return sum;
}

export interface PointValue {
  /** Fen per unit of score (RW 1.0000), rounded half up. */
  point_value_fen: number;
  /** The cost the budget allows for (fund ÷ reimbursement ratio), or the expected cost (budget point value). */
  allowed_cost_fen: number;
  /** Σ score × coefficient, ten-thousandths of a score. */
  total_score_tt: number;
  explanation: PaymentStep[];
}

function pointValueOf(cost_num: bigint, cost_den: bigint, totalScore8: bigint): number {
  assertInvariant(totalScore8 > 0n, 'a point value needs cases with a score');
  // (cost_num/cost_den) ÷ (totalScore8 / 1e8)
  return toSafe(roundDiv(cost_num * 100_000_000n, cost_den * totalScore8), 'point value');
}

/**
 * The settlement point value (结算点值) = (fund available for DIP ÷ reimbursement ratio) ÷
 * Σ(score × cases), each case's score after its deviation band and times its hospital's coefficient,
 * so the year's payments spend the fund (to the rounding).
 */
export function dipPointValue(a: { fund_available_fen: number; reimbursement_ratio_bp: number; catalog: DipCatalog; cases_this_year: readonly DipScoredCase[]; rules: DipRules }): PointValue {
  const total = dipTotalScore(a.cases_this_year, a.catalog, a.rules);
  if (total === 0n) throw invalid('cases_this_year', '本年没有计分病例，无法计算点值', 'no scored cases this year: no point value');
  const pv = pointValueOf(BigInt(a.fund_available_fen) * 10000n, BigInt(a.reimbursement_ratio_bp), total);
  const allowed = toSafe(roundDiv(BigInt(a.fund_available_fen) * 10000n, BigInt(a.reimbursement_ratio_bp)), 'allowed cost');
  const totalTt = toSafe(roundDiv(total, 10000n), 'total score');
  return {
    point_value_fen: pv,
    allowed_cost_fen: allowed,
    total_score_tt: totalTt,
    explanation: [
      {
        step: 'point_value',
        zh: `结算点值 = 可用基金 ${formatYuan(a.fund_available_fen)} 元 ÷ 报销比例 ${a.reimbursement_ratio_bp / 100}% ÷ 总分值 ${formatTenThousandths(totalTt)} = ${formatYuan(pv)} 元/分`,
        en: `settlement point value = fund available ${formatYuan(a.fund_available_fen)} yuan ÷ reimbursement ratio ${a.reimbursement_ratio_bp / 100}% ÷ total score ${formatTenThousandths(totalTt)} = ${formatYuan(pv)} yuan per point`,
      },
    ],
  };
}

/** The budget point value (预算点值) = expected total inpatient cost ÷ Σ(score × cases), for the year's start. */
export function dipBudgetPointValue(a: { expected_total_cost_fen: number; total_score_tt: number }): PointValue {
  if (!Number.isSafeInteger(a.total_score_tt) || a.total_score_tt <= 0) throw invalid('total_score_tt', '总分值应为正整数（万分之一）', 'the total score must be a positive integer of ten-thousandths');
  const pv = pointValueOf(BigInt(a.expected_total_cost_fen), 1n, BigInt(a.total_score_tt) * 10000n);
  return {
    point_value_fen: pv,
    allowed_cost_fen: a.expected_total_cost_fen,
    total_score_tt: a.total_score_tt,
    explanation: [
      {
        step: 'point_value',
        zh: `预算点值 = 预计住院总费用 ${formatYuan(a.expected_total_cost_fen)} 元 ÷ 总分值 ${formatTenThousandths(a.total_score_tt)} = ${formatYuan(pv)} 元/分`,
        en: `budget point value = expected inpatient cost ${formatYuan(a.expected_total_cost_fen)} yuan ÷ total score ${formatTenThousandths(a.total_score_tt)} = ${formatYuan(pv)} yuan per point`,
      },
    ],
  };
}

export interface DipCaseInput extends Pick<DipStay, 'principal_diagnosis' | 'main_procedure' | 'total_cost_fen'> {
  patient_paid_fen: number;
  other_funds_paid_fen: number;
  basic_fund_paid_fen: number;
}

const BAND_KIND: Record<DipBand, CaseKind> = { normal: 'normal', low_cost: 'low_cost', high_cost: 'high_cost', review: 'review' };

/** Pays one stay by DIP: score (after its band) × point value × hospital coefficient, less the patient's and other funds' shares. */
export function dipCasePayment(stay: DipCaseInput, catalog: DipCatalog, point_value_fen: number, coefficient_bp: number, rules: DipRules): CasePayment {
  const p = new Problems();
  for (const k of ['total_cost_fen', 'patient_paid_fen', 'other_funds_paid_fen', 'basic_fund_paid_fen'] as const) {
    if (!Number.isSafeInteger(stay[k]) || stay[k] < 0 || stay[k] > 1e10) p.add(k, '应为不小于 0 的整数分', 'expected a non-negative integer amount of fen');
  }
  if (!Number.isSafeInteger(point_value_fen) || point_value_fen <= 0) p.add('point_value_fen', '点值应为正整数分', 'the point value must be a positive integer of fen');
  if (!Number.isSafeInteger(coefficient_bp) || coefficient_bp <= 0) p.add('coefficient_bp', '医院系数应为正整数基点', 'the hospital coefficient must be a positive integer of bp');
  p.throwIfAny();
  const group = dipGroupOf(stay, catalog);
  const { band, score_tt } = dipCaseScore(stay.total_cost_fen, group, rules);
  const steps: PaymentStep[] = [];
  const y = formatYuan;
  const rw = formatTenThousandths(group.rw_tt);
  steps.push({
    step: 'group',
    zh: `${group.kind === 'core' ? '核心病种' : '综合病种'} ${group.key}：均值 ${y(group.mean_fen)} 元，分值 ${rw}（${catalog.years.join('、')} 年按 ${catalog.year_weights.join(':')} 加权）`,
    en: `${group.kind === 'core' ? 'core' : 'comprehensive'} group ${group.key}: mean ${y(group.mean_fen)} yuan, score ${rw} (${catalog.years.join(', ')} weighted ${catalog.year_weights.join(':')})`,
  });
  const ratio = group.mean_fen === 0 ? 'n/a' : formatTenThousandths(mulDivRound([stay.total_cost_fen, 10000], BigInt(group.mean_fen), 'ratio'));
  // Only the case's own band's words are built (a year has hundreds of thousands of cases).
  const bandText = (b: DipBand): { zh: string; en: string } => {
    const sc = formatTenThousandths(score_tt);
    switch (b) {
      case 'normal':
        return { zh: `费用 ${y(stay.total_cost_fen)} 元为均值的 ${ratio} 倍，在正常区间，按分值 ${rw} 计`, en: `cost ${y(stay.total_cost_fen)} yuan is ${ratio} × the mean, within the bands: score ${rw}` };
      case 'low_cost':
        return {
          zh: `低倍率：费用为均值的 ${ratio} 倍，低于 ${rules.low_band_bp / 10000}，分值 = ${rw} × ${ratio} = ${sc}`,
          en: `low-cost: cost is ${ratio} × the mean, below ${rules.low_band_bp / 10000}; score = ${rw} × ${ratio} = ${sc}`,
        };
      case 'high_cost':
        return {
          zh: `高倍率：费用为均值的 ${ratio} 倍，高于 ${rules.high_band_bp / 10000}，分值 = ${rw} × ((${ratio} − ${rules.high_band_bp / 10000}) + 1) = ${sc}`,
          en: `high-cost: cost is ${ratio} × the mean, above ${rules.high_band_bp / 10000}; score = ${rw} × ((${ratio} − ${rules.high_band_bp / 10000}) + 1) = ${sc}`,
        };
      case 'review':
        return {
          zh: `费用为均值的 ${ratio} 倍，超过 ${rules.review_band_bp / 10000}，待专家评审（特病单议）；暂按高倍率公式计分 ${sc}`,
          en: `cost is ${ratio} × the mean, above ${rules.review_band_bp / 10000}: to expert review; scored provisionally by the high-cost formula, ${sc}`,
        };
    }
  };
  steps.push({ step: 'band', ...bandText(band) });
  const payment = mulDivRound([score_tt, point_value_fen, coefficient_bp], 100_000_000n, 'dip payment');
  const standard = mulDivRound([group.rw_tt, point_value_fen, coefficient_bp], 100_000_000n, 'dip standard');
  steps.push({
    step: 'score_payment',
    zh: `分值 ${formatTenThousandths(score_tt)} × 点值 ${y(point_value_fen)} 元 × 医院系数 ${formatTenThousandths(coefficient_bp)} = ${y(payment)} 元`,
    en: `score ${formatTenThousandths(score_tt)} × point value ${y(point_value_fen)} yuan × hospital coefficient ${formatTenThousandths(coefficient_bp)} = ${y(payment)} yuan`,
  });
  return finishCase({ method: 'dip', group: group.key, kind: BAND_KIND[band], weight_tt: group.rw_tt, score_tt, standard_fen: standard, group_pay_fen: payment, new_tech_fen: 0, input: stay, steps, review: band === 'review' });
}
