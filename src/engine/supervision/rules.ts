// The supervision rule library (基金监管规则库) as a versioned document of the registry (kind
// `supervision_rules`), like the policies: one national document ships
// (supervision-rules/national-2026.json) and a region may store its own. Every rule says what
// it looks for (its type and parameters), how grave a hit is, where and when it runs; the logic
// of each type lives in judge.ts. A document the loader refuses never reaches the database.
import Type from 'typebox';
import { Problems } from '../errors.ts';
import { yuanToFen, type Fen } from '../money.ts';
import { schemaProblems } from '../schema-problems.ts';
import { RULE_TYPES, SCENARIOS, SEVERITIES, STAGES, type RuleType, type Scenario, type Severity, type Stage } from './types.ts';

const obj = <P extends Type.TProperties>(p: P) => Type.Object(p, { additionalProperties: false });
const Text = Type.String({ minLength: 1 });
const Bilingual = obj({ zh: Text, en: Text });
const Code = Type.String({ pattern: '^[0-9A-Z]{6,40}$' });
const Days = Type.Integer({ minimum: 1, maximum: 366 });
const Count = Type.Integer({ minimum: 1, maximum: 1000 });
const Yuan = Type.Union([Type.Number({ minimum: 0 }), Type.String({ pattern: '^\\d+(\\.\\d{1,2})?$' })]);
const ItemTypes = Type.Array(Type.String({ pattern: '^\\d{2}$' }), { uniqueItems: true });
const keys = <T extends Record<string, unknown>>(t: T) => Type.Enum(Object.keys(t) as (keyof T & string)[]);

/** Each type's parameters: what a bureau may tune without touching code. */
const PARAMS = {
  duplicate_charging: obj({ exclude_item_types: Type.Optional(ItemTypes) }),
  over_standard_charging: obj({ price: Type.Boolean(), daily_quantity: Type.Boolean() }),
  beyond_payment_scope: obj({}),
  split_charging: obj({ bundles: Type.Array(obj({ code: Code, includes: Type.Array(Code, { minItems: 1, uniqueItems: true }), name: Bilingual }), { minItems: 1 }) }),
  item_swapping: obj({ pairs: Type.Array(obj({ billed: Code, actual: Code, price_min_yuan: Yuan, price_max_yuan: Yuan, name: Bilingual }), { minItems: 1 }) }),
  excessive_tests: obj({ codes: Type.Optional(Type.Array(Code, { uniqueItems: true })), item_types: Type.Optional(ItemTypes), window_days: Days, max_times: Count }),
  sex_restricted: obj({}),
  age_restricted: obj({}),
  split_admission: obj({ days: Days, diagnosis_match: Type.Union([Type.Literal('category'), Type.Literal('code'), Type.Literal('any')]), same_institution: Type.Boolean() }),
  bed_hanging: obj({ visits_during_stay: Type.Boolean(), min_stay_days: Days, min_charged_day_share_bp: Type.Integer({ minimum: 1, maximum: 10000 }), daily_item_types: ItemTypes }),
  overlapping_stays: obj({ min_overlap_days: Days }),
  over_quantity_prescribing: obj({ max_supply_days: Days, tolerance_days: Type.Integer({ minimum: 0, maximum: 60 }) }),
  qualification_mismatch: obj({}),
} satisfies Record<RuleType, Type.TSchema>;

const RuleSchema = obj({
  code: Type.String({ pattern: '^[A-Z][A-Z0-9-]{2,31}$' }),
  name: Bilingual,
  type: keys(RULE_TYPES),
  severity: keys(SEVERITIES),
  /** Refuses 2207/2304 when it fires during settlement; only a violation may block. */
  blocking: Type.Boolean(),
  scenarios: Type.Array(keys(SCENARIOS), { minItems: 1, uniqueItems: true }),
  stages: Type.Array(keys(STAGES), { minItems: 1, uniqueItems: true }),
  /** Insurance types it applies to; empty: all. */
  insutypes: Type.Array(Type.String({ pattern: '^\\d{3}$' }), { uniqueItems: true }),
  /** Treatment regions it applies to (a province 430000, a city 430100, a county); empty: the document's whole region. */
  regions: Type.Array(Type.String({ pattern: '^\\d{6}$' }), { uniqueItems: true }),
  params: Type.Record(Type.String(), Type.Unknown()),
  note: Type.Optional(Type.String()),
});

export const SupervisionRulesSchema = obj({
  rules_id: Type.String({ pattern: '^[a-z0-9-]{1,60}$' }),
  version: Type.Integer({ minimum: 1 }),
  /** `national`, or the region (province, city) whose claims it watches. */
  admdvs: Type.String({ pattern: '^(national|\\d{6})$' }),
  effective_from: Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}$' }),
  source: Text,
  note: Type.Optional(Type.String()),
  rules: Type.Array(RuleSchema, { minItems: 1 }),
});

type RuleDoc = Type.Static<typeof RuleSchema>;

/** One rule after loading: the parameters typed by its type, amounts in fen. */
export interface Rule {
  readonly code: string;
  readonly version: number;
  readonly rules_id: string;
  readonly name: { readonly zh: string; readonly en: string };
  readonly type: RuleType;
  readonly severity: Severity;
  readonly blocking: boolean;
  readonly scenarios: readonly Scenario[];
  readonly stages: readonly Stage[];
  readonly insutypes: readonly string[];
  /** Region prefixes ('43', '4301', '430102'): a claim's treatment region must start with one. */
  readonly regionPrefixes: readonly string[];
  /** yyyy-mm-dd: visits that began earlier are not judged by this version. */
  readonly effective_from: string;
  readonly params: RuleParams;
}

export type RuleParams = {
  duplicate_charging: { exclude_item_types: readonly string[] };
  over_standard_charging: { price: boolean; daily_quantity: boolean };
  beyond_payment_scope: Record<string, never>;
  split_charging: { bundles: ReadonlyArray<{ code: string; includes: readonly string[]; name: { zh: string; en: string } }> };
  item_swapping: { pairs: ReadonlyArray<{ billed: string; actual: string; price_min_fen: Fen; price_max_fen: Fen; name: { zh: string; en: string } }> };
  excessive_tests: { codes: readonly string[]; item_types: readonly string[]; window_days: number; max_times: number };
  sex_restricted: Record<string, never>;
  age_restricted: Record<string, never>;
  split_admission: { days: number; diagnosis_match: 'category' | 'code' | 'any'; same_institution: boolean };
  bed_hanging: { visits_during_stay: boolean; min_stay_days: number; min_charged_day_share_bp: number; daily_item_types: readonly string[] };
  overlapping_stays: { min_overlap_days: number };
  over_quantity_prescribing: { max_supply_days: number; tolerance_days: number };
  qualification_mismatch: Record<string, never>;
}[RuleType];

export interface SupervisionRules {
  readonly rules_id: string;
  readonly version: number;
  readonly admdvs: string;
  readonly effective_from: string;
  readonly source: string;
  readonly rules: readonly Rule[];
}

/** '430000' → '43', '430100' → '4301', '430102' → '430102': the prefix a region's codes share. */
export function regionPrefix(admdvs: string): string {
  return admdvs.replace(/(00)+$/, '');
}

/** The checked parameters with defaults filled in and yuan turned to fen; the others are used as written. */
function typedParams(type: RuleType, p: Record<string, unknown>): RuleParams {
  if (type === 'duplicate_charging') return { exclude_item_types: (p['exclude_item_types'] as string[] | undefined) ?? [] };
  if (type === 'item_swapping') {
    const pairs = p['pairs'] as Array<{ billed: string; actual: string; price_min_yuan: number | string; price_max_yuan: number | string; name: { zh: string; en: string } }>;
    return { pairs: pairs.map((x) => ({ billed: x.billed, actual: x.actual, price_min_fen: yuanToFen(x.price_min_yuan), price_max_fen: yuanToFen(x.price_max_yuan), name: x.name })) };
  }
  if (type === 'excessive_tests') {
    return { codes: (p['codes'] as string[] | undefined) ?? [], item_types: (p['item_types'] as string[] | undefined) ?? [], window_days: p['window_days'] as number, max_times: p['max_times'] as number };
  }
  return p as RuleParams;
}

/** Checks a rule document, listing every problem by its JSON path; the loaded library part. */
export function loadSupervisionRules(doc: unknown): SupervisionRules {
  const problems = new Problems();
  if (schemaProblems(SupervisionRulesSchema, doc, '', problems) === 0) {
    const d = doc as Type.Static<typeof SupervisionRulesSchema>;
    problems.date('/effective_from', d.effective_from, 'record');
    const seen = new Set<string>();
    d.rules.forEach((r: RuleDoc, i) => {
      const at = `/rules/${i}`;
      if (seen.has(r.code)) problems.add(`${at}/code`, `规则编码 ${r.code} 重复`, `rule code ${r.code} appears twice`);
      seen.add(r.code);
      schemaProblems(PARAMS[r.type], r.params, `${at}/params`, problems);
      if (r.blocking && r.severity !== 'violation') problems.add(`${at}/blocking`, '只有“违规”级别的规则可以拒绝结算', 'only a rule of severity violation may block a settlement');
      if (r.blocking && !r.stages.includes('during')) problems.add(`${at}/blocking`, '拒绝结算的规则须在事中（during）运行', 'a blocking rule must run during settlement');
      if (d.admdvs !== 'national') {
        r.regions.forEach((g, j) => {
          if (!g.startsWith(regionPrefix(d.admdvs))) problems.add(`${at}/regions/${j}`, `地区 ${g} 不在文档地区 ${d.admdvs} 之内`, `region ${g} is outside the document's region ${d.admdvs}`);
        });
      }
      if (r.type === 'item_swapping' && problems.count === 0) {
        (r.params['pairs'] as Array<{ price_min_yuan: number | string; price_max_yuan: number | string }>).forEach((x, j) => {
          if (yuanToFen(x.price_min_yuan) > yuanToFen(x.price_max_yuan)) problems.add(`${at}/params/pairs/${j}/price_max_yuan`, '价格上限不能低于下限', 'the upper price must not be below the lower one');
        });
      }
      if (r.type === 'excessive_tests' && r.params['codes'] === undefined && r.params['item_types'] === undefined) {
        problems.add(`${at}/params/codes`, '须给出检查项目编码（codes）或费用类别（item_types）', 'give the test codes (codes) or fee types (item_types)');
      }
    });
  }
  problems.throwIfAny();
  const d = doc as Type.Static<typeof SupervisionRulesSchema>;
  const docPrefix = d.admdvs === 'national' ? '' : regionPrefix(d.admdvs);
  return {
    rules_id: d.rules_id,
    version: d.version,
    admdvs: d.admdvs,
    effective_from: d.effective_from,
    source: d.source,
    rules: d.rules.map((r) => ({
      code: r.code,
      version: d.version,
      rules_id: d.rules_id,
      name: r.name,
      type: r.type,
      severity: r.severity,
      blocking: r.blocking,
      scenarios: r.scenarios,
      stages: r.stages,
      insutypes: r.insutypes,
      regionPrefixes: r.regions.length > 0 ? r.regions.map(regionPrefix) : [docPrefix],
      effective_from: d.effective_from,
      params: typedParams(r.type, r.params),
    })),
  };
}

/** The rules of every stored document, one library; a region's rule of the same code replaces the national one there. */
export interface Library {
  readonly rules: readonly Rule[];
  readonly documents: ReadonlyArray<{ rules_id: string; version: number; admdvs: string }>;
}

export function compileLibrary(docs: readonly SupervisionRules[]): Library {
  return { rules: docs.flatMap((d) => d.rules), documents: docs.map((d) => ({ rules_id: d.rules_id, version: d.version, admdvs: d.admdvs })) };
}
