// Payment rules (医保支付规则): how one pooling region pays its hospitals for inpatient cases in
// one year, by DRG (疾病诊断相关分组) or by DIP (按病种分值付费), as a versioned document of the
// registry (kind `payment_rules`), one per region and year: payment-rules/<admdvs>-<year>.json.
// The figures are policy data; where a document leaves one out the default below applies
// (docs/payment-rules.md lists them). Loading checks every field and names each problem.
import Type from 'typebox';
import { Problems } from '../errors.ts';
import { schemaProblems } from '../schema-problems.ts';
import { mulDivRound } from './arith.ts';

export type PaymentMethod = 'drg' | 'dip';

/**
 * How a special case is paid instead of the group's standard:
 * - `by_item` (按项目付费): the stay's cost by item (`item_cost_fen`, by default the total cost),
 *   at most `cap_standard_bp` of the standard when a cap is set;
 * - `reduced_weight` (降低权重): the standard at `weight_share_bp` of the group's weight.
 */
export type SpecialPay = { pay: 'by_item'; cap_standard_bp: number | null } | { pay: 'reduced_weight'; weight_share_bp: number };

export interface DrgRules {
  /** The grouping scheme the groups come from (a document of kind `drg_rules`). */
  scheme: string;
  weights_source: string;
  /** Relative weight (相对权重) per DRG, in ten-thousandths: 0.8 → 8000. */
  weights: Record<string, number>;
  /** Groups without a weight (权重“无”): paid by item. */
  by_item_drgs: string[];
  /** Basic groups (基础病组): one coefficient at every hospital level, "同病同价". */
  basic_groups: string[];
  basic_group_coefficient_bp: number;
  /** Base rate (基准费率), fen per unit of weight, per insurance type (310 employees, 390 residents). */
  base_rate_fen_by_insutype: Record<string, number>;
  /** Hospital coefficient (医院系数/成本系数) by hospital level (1, 2, 3), in bp. */
  hospital_coefficient_bp_by_level: Record<string, number>;
  /** High-cost outliers (高倍率病例): cost above multiple × standard; the excess is paid at `excess_share_bp`. */
  high_cost: { multiple_bp: number; excess_share_bp: number } | null;
  /** Low-cost cases (低倍率病例): cost below fraction × standard. */
  low_cost: { fraction_bp: number; pay: SpecialPay } | null;
  /** Short stays (短住院): at most `max_days` days. */
  short_stay: { max_days: number; pay: SpecialPay } | null;
  /** Deaths (dscg_way 5) within `max_days` days (null: any death). */
  death: { max_days: number | null; pay: SpecialPay } | null;
  /** Transfers out (dscg_way 2 医嘱转院, 3 转社区/乡镇卫生院) within `max_days` days (null: any). */
  transfer: { dscg_ways: string[]; max_days: number | null; pay: SpecialPay } | null;
  /** New technology (新技术) items paid by item on top of the group, outside its cost comparisons. */
  new_technology: { exempt_items: string[] };
  /** Per-diem groups (按床日付费): long stays (mental illness, rehabilitation) paid per day. */
  per_diem: { drgs: string[]; rate_fen_per_day: number } | null;
}

export interface DipRules {
  /** Cases a diagnosis-procedure combination needs over the three years to be a core group (核心病种). */
  min_cases: number;
  /** Weights of the years by rank, oldest first: 1:2:7. */
  year_weights: number[];
  /** Below this share of the group's mean a case is low-cost (低倍率), in bp of the mean. */
  low_band_bp: number;
  /** Above this multiple of the mean a case is high-cost (高倍率). */
  high_band_bp: number;
  /** Above this multiple the case goes to expert review (特病单议). */
  review_band_bp: number;
  hospital_coefficient_bp_by_level: Record<string, number>;
  /** The fund's share of inpatient cost (报销比例) that turns the fund's budget into the cost it pays for. */
  reimbursement_ratio_bp: number;
  /** A point value (点值) fixed by the bureau, fen per unit score; null: from the year's budget. */
  point_value_fen: number | null;
}

export interface PaymentRules {
  rules_id: string;
  version: number;
  admdvs: string;
  year: number;
  method: PaymentMethod;
  source: string;
  budget: {
    /** The year's global budget of the pooling fund for inpatient care (总额预算), fen. */
    total_fen: number;
    /** Its share paid by DRG/DIP. */
    drg_dip_share_bp: number;
    /** Monthly advance (月度预付) = this share of the month's fund payments to the hospital. */
    advance_share_bp: number;
  };
  drg: DrgRules | null;
  dip: DipRules | null;
}

/** The defaults of every optional figure (docs/payment-rules.md). */
export const PAYMENT_DEFAULTS = {
  advance_share_bp: 9000,
  hospital_coefficient_bp_by_level: { '3': 10000, '2': 9000, '1': 8000 } as Record<string, number>,
  basic_group_coefficient_bp: 10000,
  high_cost: { multiple_bp: 30000, excess_share_bp: 10000 },
  low_cost: { fraction_bp: 4000, pay: { pay: 'by_item', cap_standard_bp: null } as SpecialPay },
  short_stay: { max_days: 1, pay: { pay: 'by_item', cap_standard_bp: 10000 } as SpecialPay },
  death: { max_days: 1, pay: { pay: 'by_item', cap_standard_bp: null } as SpecialPay },
  transfer: { dscg_ways: ['2', '3'], max_days: null, pay: { pay: 'by_item', cap_standard_bp: 10000 } as SpecialPay },
  dip: { min_cases: 15, year_weights: [1, 2, 7], low_band_bp: 5000, high_band_bp: 20000, review_band_bp: 50000, reimbursement_ratio_bp: 7000 },
} as const;

const obj = <P extends Type.TProperties>(p: P) => Type.Object(p, { additionalProperties: false });
const Bp = Type.Integer({ minimum: 0, maximum: 10000 });
/** A multiple or coefficient in bp, which may pass 100%. */
const BpAbove = Type.Integer({ minimum: 0, maximum: 1_000_000 });
const Fen = Type.Integer({ minimum: 0, maximum: 1e13 });
const Days = Type.Integer({ minimum: 0, maximum: 366 });
const DrgCode = Type.String({ pattern: '^[A-Z0-9]{4}$' });
const Levels = Type.Record(Type.String({ pattern: '^[0-9]$' }), Type.Integer({ minimum: 1, maximum: 30000 }), { additionalProperties: false });
const nullable = <T extends Type.TSchema>(t: T) => Type.Optional(Type.Union([t, Type.Null()]));
const SpecialPaySchema = Type.Union([
  obj({ pay: Type.Literal('by_item'), cap_standard_bp: Type.Optional(Type.Union([BpAbove, Type.Null()])) }),
  obj({ pay: Type.Literal('reduced_weight'), weight_share_bp: Bp }),
]);

export const PaymentRulesSchema = obj({
  rules_id: Type.String({ pattern: '^[a-z0-9-]{1,60}$' }),
  version: Type.Integer({ minimum: 1 }),
  admdvs: Type.String({ pattern: '^[1-9][0-9]{5}$' }),
  year: Type.Integer({ minimum: 2000, maximum: 2100 }),
  method: Type.Union([Type.Literal('drg'), Type.Literal('dip')]),
  source: Type.String({ minLength: 1 }),
  note: Type.Optional(Type.String()),
  budget: obj({ total_fen: Fen, drg_dip_share_bp: Bp, advance_share_bp: Type.Optional(Bp) }),
  drg: Type.Optional(
    obj({
      scheme: Type.String({ minLength: 1 }),
      weights_source: Type.String({ minLength: 1 }),
      weights: Type.Record(DrgCode, Type.Integer({ minimum: 1, maximum: 10_000_000 }), { additionalProperties: false }),
      by_item_drgs: Type.Optional(Type.Array(DrgCode)),
      basic_groups: Type.Optional(Type.Array(DrgCode)),
      basic_group_coefficient_bp: Type.Optional(Type.Integer({ minimum: 1, maximum: 30000 })),
      base_rate_fen_by_insutype: Type.Record(Type.String({ pattern: '^[0-9]{3}$' }), Type.Integer({ minimum: 1, maximum: 100_000_000 }), { additionalProperties: false }),
      hospital_coefficient_bp_by_level: Type.Optional(Levels),
      high_cost: nullable(obj({ multiple_bp: BpAbove, excess_share_bp: Type.Optional(Bp) })),
      low_cost: nullable(obj({ fraction_bp: Bp, pay: Type.Optional(SpecialPaySchema) })),
      short_stay: nullable(obj({ max_days: Days, pay: Type.Optional(SpecialPaySchema) })),
      death: nullable(obj({ max_days: Type.Optional(Type.Union([Days, Type.Null()])), pay: Type.Optional(SpecialPaySchema) })),
      transfer: nullable(obj({ dscg_ways: Type.Optional(Type.Array(Type.String({ pattern: '^[0-9]$' }), { minItems: 1 })), max_days: Type.Optional(Type.Union([Days, Type.Null()])), pay: Type.Optional(SpecialPaySchema) })),
      new_technology: Type.Optional(obj({ exempt_items: Type.Array(Type.String({ minLength: 1 })) })),
      per_diem: nullable(obj({ drgs: Type.Array(DrgCode), rate_fen_per_day: Type.Integer({ minimum: 1, maximum: 100_000_000 }) })),
    }),
  ),
  dip: Type.Optional(
    obj({
      min_cases: Type.Optional(Type.Integer({ minimum: 1, maximum: 10000 })),
      year_weights: Type.Optional(Type.Array(Type.Integer({ minimum: 1, maximum: 1000 }), { minItems: 1, maxItems: 5 })),
      low_band_bp: Type.Optional(Bp),
      high_band_bp: Type.Optional(BpAbove),
      review_band_bp: Type.Optional(BpAbove),
      hospital_coefficient_bp_by_level: Type.Optional(Levels),
      reimbursement_ratio_bp: Type.Optional(Type.Integer({ minimum: 1, maximum: 10000 })),
      point_value_fen: Type.Optional(Type.Union([Type.Integer({ minimum: 1, maximum: 1e9 }), Type.Null()])),
    }),
  ),
});

type Doc = Type.Static<typeof PaymentRulesSchema>;
type DocPay = Type.Static<typeof SpecialPaySchema>;

const payOf = (p: DocPay | undefined, dflt: SpecialPay): SpecialPay =>
  p === undefined ? { ...dflt } : p.pay === 'by_item' ? { pay: 'by_item', cap_standard_bp: p.cap_standard_bp ?? null } : { pay: 'reduced_weight', weight_share_bp: p.weight_share_bp };

/** `undefined` takes the default, `null` turns the rule off. */
function orDefault<D, T>(v: D | null | undefined, dflt: T, build: (v: D) => T): T | null {
  if (v === null) return null;
  return v === undefined ? dflt : build(v);
}

function loadDrg(d: NonNullable<Doc['drg']>, problems: Problems): DrgRules {
  const D = PAYMENT_DEFAULTS;
  const weights = { ...d.weights };
  const byItem = [...(d.by_item_drgs ?? [])];
  byItem.forEach((g, i) => {
    if (weights[g] !== undefined) problems.add(`/drg/by_item_drgs/${i}`, `病组 ${g} 已有权重，不能同时按项目付费`, `group ${g} has a weight and cannot also be paid by item`);
  });
  const basic = [...(d.basic_groups ?? [])];
  basic.forEach((g, i) => {
    if (weights[g] === undefined) problems.add(`/drg/basic_groups/${i}`, `基础病组 ${g} 没有权重`, `basic group ${g} has no weight`);
  });
  if (Object.keys(d.base_rate_fen_by_insutype).length === 0) {
    problems.add('/drg/base_rate_fen_by_insutype', '至少需要一个险种的基准费率', 'a base rate for at least one insurance type is required');
  }
  const rules: DrgRules = {
    scheme: d.scheme,
    weights_source: d.weights_source,
    weights,
    by_item_drgs: byItem,
    basic_groups: basic,
    basic_group_coefficient_bp: d.basic_group_coefficient_bp ?? D.basic_group_coefficient_bp,
    base_rate_fen_by_insutype: { ...d.base_rate_fen_by_insutype },
    hospital_coefficient_bp_by_level: { ...(d.hospital_coefficient_bp_by_level ?? D.hospital_coefficient_bp_by_level) },
    high_cost: orDefault(d.high_cost, { ...D.high_cost }, (v) => ({ multiple_bp: v.multiple_bp, excess_share_bp: v.excess_share_bp ?? D.high_cost.excess_share_bp })),
    low_cost: orDefault(d.low_cost, { fraction_bp: D.low_cost.fraction_bp, pay: { ...D.low_cost.pay } }, (v) => ({ fraction_bp: v.fraction_bp, pay: payOf(v.pay, D.low_cost.pay) })),
    short_stay: orDefault(d.short_stay, { max_days: D.short_stay.max_days, pay: { ...D.short_stay.pay } }, (v) => ({ max_days: v.max_days, pay: payOf(v.pay, D.short_stay.pay) })),
    death: orDefault(d.death, { max_days: D.death.max_days, pay: { ...D.death.pay } }, (v) => ({ max_days: v.max_days === undefined ? D.death.max_days : v.max_days, pay: payOf(v.pay, D.death.pay) })),
    transfer: orDefault(d.transfer, { dscg_ways: [...D.transfer.dscg_ways], max_days: D.transfer.max_days, pay: { ...D.transfer.pay } }, (v) => ({
      dscg_ways: [...(v.dscg_ways ?? D.transfer.dscg_ways)],
      max_days: v.max_days === undefined ? D.transfer.max_days : v.max_days,
      pay: payOf(v.pay, D.transfer.pay),
    })),
    new_technology: { exempt_items: [...(d.new_technology?.exempt_items ?? [])] },
    per_diem: orDefault(d.per_diem, null, (v) => ({ drgs: [...v.drgs], rate_fen_per_day: v.rate_fen_per_day })),
  };
  if (rules.high_cost && rules.high_cost.multiple_bp <= 10000) {
    problems.add('/drg/high_cost/multiple_bp', '高倍率界值应高于标准的 100%', 'the high-cost threshold must be above 100% of the standard');
  }
  if (rules.high_cost && rules.low_cost && rules.low_cost.fraction_bp >= rules.high_cost.multiple_bp) {
    problems.add('/drg/low_cost/fraction_bp', '低倍率界值应低于高倍率界值', 'the low-cost threshold must be below the high-cost one');
  }
  rules.per_diem?.drgs.forEach((g, i) => {
    if (rules.weights[g] === undefined && !byItem.includes(g)) problems.add(`/drg/per_diem/drgs/${i}`, `床日付费病组 ${g} 不在病组目录中`, `per-diem group ${g} is not in the group list`);
  });
  return rules;
}

function loadDip(d: NonNullable<Doc['dip']>, problems: Problems): DipRules {
  const D = PAYMENT_DEFAULTS.dip;
  const rules: DipRules = {
    min_cases: d.min_cases ?? D.min_cases,
    year_weights: [...(d.year_weights ?? D.year_weights)],
    low_band_bp: d.low_band_bp ?? D.low_band_bp,
    high_band_bp: d.high_band_bp ?? D.high_band_bp,
    review_band_bp: d.review_band_bp ?? D.review_band_bp,
    hospital_coefficient_bp_by_level: { ...(d.hospital_coefficient_bp_by_level ?? PAYMENT_DEFAULTS.hospital_coefficient_bp_by_level) },
    reimbursement_ratio_bp: d.reimbursement_ratio_bp ?? D.reimbursement_ratio_bp,
    point_value_fen: d.point_value_fen ?? null,
  };
  if (rules.low_band_bp >= 10000) problems.add('/dip/low_band_bp', '低倍率界值应低于病种均值（10000）', 'the low band must be below the group mean (10000)');
  if (rules.high_band_bp <= 10000) problems.add('/dip/high_band_bp', '高倍率界值应高于病种均值（10000）', 'the high band must be above the group mean (10000)');
  if (rules.review_band_bp <= rules.high_band_bp) problems.add('/dip/review_band_bp', '特病单议界值应高于高倍率界值', 'the review band must be above the high band');
  return rules;
}

/** Checks a payment-rules document, listing every problem by its path; the rules with defaults filled in. */
export function loadPaymentRules(doc: unknown): PaymentRules {
  const problems = new Problems();
  schemaProblems(PaymentRulesSchema, doc, '', problems);
  problems.throwIfAny();
  const d = doc as Doc;
  if (d.method === 'drg' && !d.drg) problems.add('/drg', '按 DRG 付费的规则需要 drg 部分', 'rules paying by DRG need the drg section');
  if (d.method === 'dip' && !d.dip) problems.add('/dip', '按 DIP 付费的规则需要 dip 部分', 'rules paying by DIP need the dip section');
  const expectedId = `payment-${d.admdvs}-${d.year}`;
  if (d.rules_id !== expectedId) problems.add('/rules_id', `应为 ${expectedId}（区划与年度）`, `expected ${expectedId} (region and year)`);
  const rules: PaymentRules = {
    rules_id: d.rules_id,
    version: d.version,
    admdvs: d.admdvs,
    year: d.year,
    method: d.method,
    source: d.source,
    budget: { total_fen: d.budget.total_fen, drg_dip_share_bp: d.budget.drg_dip_share_bp, advance_share_bp: d.budget.advance_share_bp ?? PAYMENT_DEFAULTS.advance_share_bp },
    drg: d.drg ? loadDrg(d.drg, problems) : null,
    dip: d.dip ? loadDip(d.dip, problems) : null,
  };
  problems.throwIfAny();
  return rules;
}

/** The budget's share paid by DRG/DIP (总额预算 × DRG/DIP 份额), rounded half up to the fen. */
export function drgDipBudgetFen(rules: Pick<PaymentRules, 'budget'>): number {
  return mulDivRound([rules.budget.total_fen, rules.budget.drg_dip_share_bp], 10000n, 'budget share');
}

export interface WeightsTable {
  /** Weight per DRG in ten-thousandths. */
  weights: Record<string, number>;
  /** Groups listed without a weight (“无”). */
  without_weight: string[];
  /** Basic groups (基础病组 是). */
  basic_groups: string[];
  /** Unstable groups (不稳定病组 ※). */
  unstable_groups: string[];
}

/**
 * Parses a city's DRG weight list, CSV with the header `DRG编码,DRG名称,初始权重,基础病组,不稳定病组`
 * (Changsha 2023, OpenDRG): weights as decimal text with at most four decimals, read digit by
 * digit into ten-thousandths; “无” for a group without a weight. Errors name the line.
 */
export function parseWeightsCsv(text: string): WeightsTable {
  const problems = new Problems();
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  const header = (lines[0] ?? '').split(',').map((h) => h.trim());
  const col = (name: string): number => header.indexOf(name);
  const [cCode, cWeight, cBasic, cUnstable] = [col('DRG编码'), col('初始权重'), col('基础病组'), col('不稳定病组')];
  if (cCode < 0 || cWeight < 0) {
    problems.add('line 1', '表头应包含 DRG编码 与 初始权重', 'the header must name DRG编码 and 初始权重');
    problems.throwIfAny();
  }
  const out: WeightsTable = { weights: {}, without_weight: [], basic_groups: [], unstable_groups: [] };
  const seen = new Set<string>();
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i]!;
    if (line.trim() === '') continue;
    const cells = line.split(',').map((c) => c.trim());
    const where = `line ${i + 1}`;
    const code = cells[cCode] ?? '';
    if (!/^[A-Z0-9]{4}$/.test(code)) {
      problems.add(`${where}/DRG编码`, `病组编码应为四位字母数字：${code}`, `a group code is four letters or digits: ${code}`);
      continue;
    }
    if (seen.has(code)) problems.add(`${where}/DRG编码`, `病组 ${code} 重复`, `group ${code} is listed twice`);
    seen.add(code);
    const w = cells[cWeight] ?? '';
    const m = /^(\d{1,4})(?:\.(\d{1,4}))?$/.exec(w);
    if (w === '无') out.without_weight.push(code);
    else if (m && Number(m[1]) * 10000 + Number((m[2] ?? '').padEnd(4, '0')) > 0) out.weights[code] = Number(m[1]) * 10000 + Number((m[2] ?? '').padEnd(4, '0'));
    else problems.add(`${where}/初始权重`, `权重应为正数（至多四位小数）或“无”：${w}`, `a weight is a positive decimal with at most four decimals, or 无: ${w}`);
    if (cBasic >= 0 && cells[cBasic] === '是') out.basic_groups.push(code);
    if (cUnstable >= 0 && cells[cUnstable] === '※') out.unstable_groups.push(code);
  }
  problems.throwIfAny();
  return out;
}
