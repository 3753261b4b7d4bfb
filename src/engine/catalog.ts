// The treatment place's catalog (就医地目录) and the classification of one fee line on it:
// how much of the line is fully self-paid, over the price limit, paid first by the person
// (乙类先行自付) and in the policy scope. Classification belongs to the treatment place; the
// insured place's policy then prices the in-scope amounts (see settle.ts).
import Type from 'typebox';
import Value from 'typebox/value';
import { Problems, invalid } from './errors.ts';
import { CHRGITM_LVS, HOSP_LVS, LIST_TYPES, MED_CHRGITM_TYPES, type ChrgitmLv, type ListType, type MedType } from './codes.ts';
import { ROUNDINGS, mulBp, yuanToFen, type Bp, type Fen, type Rounding } from './money.ts';
import { schemaProblems } from './schema-problems.ts';

/** Which of the "two diseases" (两病) an outpatient drug treats. */
export type TwoDisease = 'hypertension' | 'diabetes';

/** A catalog item after loading: amounts in fen, ratios in bp. */
export interface CatalogItem {
  readonly med_list_codg: string;
  readonly name: string;
  readonly list_type: ListType;
  readonly med_chrgitm_type: string;
  readonly chrgitm_lv: ChrgitmLv;
  /** Overrides the region's default first self-pay share for this list type (乙类 only). */
  readonly selfpay_prop_bp: Bp | null;
  readonly pric_uplmt_fen: Fen | null;
  readonly restrict: ItemRestrictions | null;
  readonly two_diseases: TwoDisease | null;
  /** 单行支付: paid outside the ordinary pooling, at the policy's own ratio and without deductible. */
  readonly separately_paid: boolean;
}

export interface ItemRestrictions {
  /** '1' male, '2' female (gend, as in 1101). */
  readonly gend?: '1' | '2';
  readonly min_age?: number;
  readonly max_age?: number;
  /** Only covered when the hospital approves the indication (hosp_appr_flag = '1'); the text says for what. */
  readonly hosp_appr?: { readonly zh: string; readonly en: string };
  /** Only covered for inpatients (med_type 2x). */
  readonly inpatient_only?: boolean;
  // What the supervision rules check after the fact (judge.ts); classification does not read them,
  // since whether the indication held or the count was justified is for a reviewer to weigh.
  /** The hospital levels (hosp_lv) that may bill it: qualification (超资质). */
  readonly hosp_lvs?: readonly string[];
  /** At most this many units a day (床位费 1): over-standard charging. */
  readonly max_daily_cnt?: number;
  /** Days of supply of one unit (a box of 28 tablets taken once a day: 28): over-quantity prescribing. */
  readonly days_per_unit?: number;
  /** The diagnoses (ICD-10 prefixes) the fund pays it for: beyond the payment scope. */
  readonly dise_prefixes?: readonly string[];
}

/** What a treatment region sets once for all its items. */
export interface RegionDefaults {
  readonly selfpay_prop_bp: Readonly<Record<ListType, Bp>>;
  /** Rounding of the first self-pay share (the 2204 sample: 4.52 × 5% = 0.226 → 0.23, half up). */
  readonly preselfpay_rounding: Rounding;
}

export interface Catalog {
  readonly admdvs: string;
  readonly catalog_id: string;
  readonly defaults: RegionDefaults;
  readonly items: ReadonlyMap<string, CatalogItem>;
}

/** A fee line as uploaded in 2204/2301, amounts already in fen (the gateway converts). */
export interface FeeLine {
  readonly feedetl_sn: string;
  readonly med_list_codg: string;
  readonly det_item_fee_sumamt: Fen;
  /** Negative for a refund line (init_feedetl_sn names the original). */
  readonly cnt: number;
  readonly pric: Fen;
  readonly hosp_appr_flag?: string | null;
  readonly init_feedetl_sn?: string | null;
}

export interface ClassifyPerson {
  readonly gend: string;
  /** Age in whole years at the visit. */
  readonly age: number;
}

export interface ClassifyVisit {
  readonly med_type: MedType;
}

export interface Reason {
  readonly zh: string;
  readonly en: string;
}

/** A classified line: the 2204 output fields (in fen), plus what the policy needs to price it. */
export interface ClassifiedFeeLine {
  readonly feedetl_sn: string;
  readonly med_list_codg: string;
  readonly det_item_fee_sumamt: Fen;
  readonly cnt: number;
  readonly pric: Fen;
  readonly chrgitm_lv: ChrgitmLv;
  readonly med_chrgitm_type: string;
  readonly selfpay_prop: Bp;
  /** null: the item has no price limit (the interface shows 999999). */
  readonly pric_uplmt_amt: Fen | null;
  readonly fulamt_ownpay_amt: Fen;
  readonly overlmt_amt: Fen;
  readonly preselfpay_amt: Fen;
  readonly inscp_scp_amt: Fen;
  readonly two_diseases: TwoDisease | null;
  readonly separately_paid: boolean;
  readonly reason: Reason;
}

const FULL = 10000 as Bp;

const isInpatient = (med_type: MedType): boolean => med_type.startsWith('2') || med_type === '52';

/** Why an in-catalog item is not covered for this person and visit, or null when it is. */
function restrictionFailure(item: CatalogItem, line: FeeLine, person: ClassifyPerson, visit: ClassifyVisit): Reason | null {
  const r = item.restrict;
  if (r === null) return null;
  if (r.gend !== undefined && person.gend !== r.gend) {
    return r.gend === '2'
      ? { zh: '限女性使用，患者性别不符，全自费', en: 'restricted to women; patient does not qualify, fully self-paid' }
      : { zh: '限男性使用，患者性别不符，全自费', en: 'restricted to men; patient does not qualify, fully self-paid' };
  }
  if (r.min_age !== undefined && person.age < r.min_age) {
    return { zh: `限${r.min_age}岁及以上使用，全自费`, en: `restricted to age ${r.min_age} and over; fully self-paid` };
  }
  if (r.max_age !== undefined && person.age > r.max_age) {
    return { zh: `限${r.max_age}岁及以下使用，全自费`, en: `restricted to age ${r.max_age} and under; fully self-paid` };
  }
  if (r.inpatient_only === true && !isInpatient(visit.med_type)) {
    return { zh: '限住院使用，门诊使用全自费', en: 'inpatient use only; fully self-paid in outpatient care' };
  }
  if (r.hosp_appr !== undefined && line.hosp_appr_flag !== '1') {
    return {
      zh: `限定支付范围（${r.hosp_appr.zh}），医院未审批（hosp_appr_flag≠1），全自费`,
      en: `payment restricted (${r.hosp_appr.en}) and not approved by the hospital (hosp_appr_flag≠1); fully self-paid`,
    };
  }
  return null;
}

const NOT_IN_CATALOG: Reason = { zh: '不在就医地医保目录内，全自费', en: "not in the treatment place's catalog; fully self-paid" };
const CLASS_C: Reason = { zh: '丙类项目，全自费', en: 'class C item; fully self-paid' };
const CLASS_A: Reason = { zh: '甲类', en: 'class A' };
const CLASS_A_OVER: Reason = { zh: '甲类；超出最高限价部分自付', en: 'class A; the amount above the price limit is self-paid' };
const classBReasons = new Map<number, Reason>();

/** The reason text of a 乙类 line, built once per share (the hot path allocates no strings). */
function classBReason(selfpay: number, over: boolean): Reason {
  const key = over ? -1 - selfpay : selfpay;
  let r = classBReasons.get(key);
  if (r === undefined) {
    r = over
      ? { zh: `乙类，先行自付比例 ${selfpay / 100}%；超出最高限价部分自付`, en: `class B, first self-pay share ${selfpay / 100}%; the amount above the price limit is self-paid` }
      : { zh: `乙类，先行自付比例 ${selfpay / 100}%`, en: `class B, first self-pay share ${selfpay / 100}%` };
    classBReasons.set(key, r);
  }
  return r;
}

/** One object shape for every classified line, so the hot path stays monomorphic. */
function classified(
  line: FeeLine,
  chrgitm_lv: ChrgitmLv,
  med_chrgitm_type: string,
  selfpay_prop: Bp,
  pric_uplmt_amt: Fen | null,
  fulamt_ownpay_amt: number,
  overlmt_amt: number,
  preselfpay_amt: number,
  inscp_scp_amt: number,
  two_diseases: TwoDisease | null,
  separately_paid: boolean,
  reason: Reason,
): ClassifiedFeeLine {
  return {
    feedetl_sn: line.feedetl_sn,
    med_list_codg: line.med_list_codg,
    det_item_fee_sumamt: line.det_item_fee_sumamt,
    cnt: line.cnt,
    pric: line.pric,
    chrgitm_lv,
    med_chrgitm_type,
    selfpay_prop,
    pric_uplmt_amt,
    fulamt_ownpay_amt: fulamt_ownpay_amt as Fen,
    overlmt_amt: overlmt_amt as Fen,
    preselfpay_amt: preselfpay_amt as Fen,
    inscp_scp_amt: inscp_scp_amt as Fen,
    two_diseases,
    separately_paid,
    reason,
  };
}

/**
 * Classify one fee line on the treatment place's catalog (DOMAIN.md §4 step 1): out of
 * catalog, 丙类 or failing a restriction → fully self-paid; a price above the limit → the
 * excess over the limit; 乙类 → the first self-pay share of the within-limit amount; the
 * rest is in scope. A refund line (negative amount) classifies as the mirror of its charge.
 */
export function classifyFeeLine(
  item: CatalogItem | undefined,
  line: FeeLine,
  person: ClassifyPerson,
  visit: ClassifyVisit,
  regionDefaults: RegionDefaults,
): ClassifiedFeeLine {
  const amount = line.det_item_fee_sumamt;
  if (item === undefined) {
    return classified(line, '03', '14', FULL, null, amount, 0, 0, 0, null, false, NOT_IN_CATALOG);
  }
  const lv = item.chrgitm_lv;
  if (lv === '03') {
    return classified(line, lv, item.med_chrgitm_type, FULL, item.pric_uplmt_fen, amount, 0, 0, 0, null, false, CLASS_C);
  }
  const selfpay = lv === '02' ? (item.selfpay_prop_bp ?? regionDefaults.selfpay_prop_bp[item.list_type]) : (0 as Bp);
  const refused = restrictionFailure(item, line, person, visit);
  if (refused !== null) {
    return classified(line, lv, item.med_chrgitm_type, selfpay, item.pric_uplmt_fen, amount, 0, 0, 0, null, false, refused);
  }
  // Work on the absolute amount; a refund gets the same parts with the sign put back (never -0).
  const neg = amount < 0;
  const total = neg ? -amount : amount;
  let overlmt = 0;
  if (item.pric_uplmt_fen !== null && line.pric > item.pric_uplmt_fen) {
    // The count may be fractional (half a box); the excess is rounded to the fen, never above the line.
    overlmt = Math.min(total, Math.round((line.pric - item.pric_uplmt_fen) * Math.abs(line.cnt)));
  }
  const within = (total - overlmt) as Fen;
  const pre = lv === '02' ? mulBp(within, selfpay, regionDefaults.preselfpay_rounding) : 0;
  const inscp = within - pre;
  const reason = lv === '01' ? (overlmt > 0 ? CLASS_A_OVER : CLASS_A) : classBReason(selfpay, overlmt > 0);
  return neg
    ? classified(line, lv, item.med_chrgitm_type, selfpay, item.pric_uplmt_fen, 0, overlmt === 0 ? 0 : -overlmt, pre === 0 ? 0 : -pre, inscp === 0 ? 0 : -inscp, item.two_diseases, item.separately_paid, reason)
    : classified(line, lv, item.med_chrgitm_type, selfpay, item.pric_uplmt_fen, 0, overlmt, pre, inscp, item.two_diseases, item.separately_paid, reason);
}

/** Classify a whole bill; an uncatalogued code classifies as fully self-paid, never throws. */
export function classifyFeeLines(
  catalog: Catalog,
  lines: readonly FeeLine[],
  person: ClassifyPerson,
  visit: ClassifyVisit,
): ClassifiedFeeLine[] {
  const out: ClassifiedFeeLine[] = new Array(lines.length);
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    out[i] = classifyFeeLine(catalog.items.get(line.med_list_codg), line, person, visit, catalog.defaults);
  }
  return out;
}

// ---- catalog documents (JSON in catalogs/) ----------------------------------------------

const Yuan = Type.Union([Type.Number(), Type.String()]);
const BpSchema = Type.Integer({ minimum: 0 });
const Text = Type.String({ minLength: 1 });
const Bilingual = Type.Object({ zh: Text, en: Text }, { additionalProperties: false });

const codeUnion = <T extends Record<string, unknown>>(table: T) => Type.Enum(Object.keys(table) as (keyof T & string)[]);

const RestrictSchema = Type.Object(
  {
    gend: Type.Optional(Type.Union([Type.Literal('1'), Type.Literal('2')])),
    min_age: Type.Optional(Type.Integer({ minimum: 0, maximum: 150 })),
    max_age: Type.Optional(Type.Integer({ minimum: 0, maximum: 150 })),
    hosp_appr: Type.Optional(Bilingual),
    inpatient_only: Type.Optional(Type.Boolean()),
    hosp_lvs: Type.Optional(Type.Array(codeUnion(HOSP_LVS), { minItems: 1, uniqueItems: true })),
    max_daily_cnt: Type.Optional(Type.Number({ exclusiveMinimum: 0, maximum: 1000 })),
    days_per_unit: Type.Optional(Type.Number({ exclusiveMinimum: 0, maximum: 366 })),
    dise_prefixes: Type.Optional(Type.Array(Type.String({ pattern: '^[A-Z][0-9A-Z.]{0,9}$' }), { minItems: 1, uniqueItems: true })),
  },
  { additionalProperties: false },
);



const ItemFields = {
  med_list_codg: Type.String({ pattern: '^[0-9A-Z]{6,40}$' }),
  name: Text,
  list_type: codeUnion(LIST_TYPES),
  med_chrgitm_type: codeUnion(MED_CHRGITM_TYPES),
  chrgitm_lv: codeUnion(CHRGITM_LVS),
  selfpay_prop_bp: Type.Optional(BpSchema),
  pric_uplmt_yuan: Type.Optional(Type.Union([Yuan, Type.Null()])),
  restrict: Type.Optional(Type.Union([RestrictSchema, Type.Null()])),
  two_diseases: Type.Optional(Type.Union([Type.Literal('hypertension'), Type.Literal('diabetes'), Type.Null()])),
  separately_paid: Type.Optional(Type.Boolean()),
};

const ItemSchema = Type.Object(ItemFields, { additionalProperties: false });
/** A region's override of a base item: the code plus any fields to change. */
const ItemOverrideSchema = Type.Object(
  { ...Type.Partial(Type.Object(ItemFields)).properties, med_list_codg: ItemFields.med_list_codg, removed: Type.Optional(Type.Boolean()) },
  { additionalProperties: false },
);

const DefaultsSchema = Type.Object(
  {
    selfpay_prop_bp: Type.Object({ drug: BpSchema, service: BpSchema, consumable: BpSchema }, { additionalProperties: false }),
    preselfpay_rounding: codeUnion(ROUNDINGS),
  },
  { additionalProperties: false },
);

export const CatalogDocumentSchema = Type.Object(
  {
    catalog_id: Text,
    admdvs: Type.String({ pattern: '^(\\d{6}|base)$' }),
    region_name: Type.Optional(Type.String()),
    version: Type.Integer({ minimum: 1 }),
    effective_from: Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}$' }),
    source: Text,
    note: Type.Optional(Type.String()),
    defaults: Type.Optional(DefaultsSchema),
    items: Type.Array(ItemOverrideSchema),
  },
  { additionalProperties: false },
);
export type CatalogDocument = Type.Static<typeof CatalogDocumentSchema>;
type ItemDoc = Type.Static<typeof ItemSchema>;

/**
 * Build a region's catalog from the shared base document and the region's overrides (new
 * items, changed fields, `removed: true`). Every problem of both documents is reported at once.
 */
export function loadCatalog(baseDoc: unknown, regionDoc?: unknown): Catalog {
  const problems = new Problems();
  schemaProblems(CatalogDocumentSchema, baseDoc, '', problems);
  if (regionDoc !== undefined) schemaProblems(CatalogDocumentSchema, regionDoc, '(region)', problems);
  problems.throwIfAny();
  const base = baseDoc as CatalogDocument;
  const region = regionDoc as CatalogDocument | undefined;
  const defaults = region?.defaults ?? base.defaults;
  if (defaults === undefined) throw invalid('/defaults', '目录缺少地区默认参数', 'the catalog has no region defaults');
  const merged = new Map<string, Record<string, unknown>>();
  base.items.forEach((it) => merged.set(it.med_list_codg, { ...it }));
  region?.items.forEach((it, i) => {
    if (it.removed === true) {
      if (!merged.delete(it.med_list_codg)) problems.add(`(region)/items/${i}`, '删除的项目不在基础目录中', 'removed item is not in the base catalog');
      return;
    }
    const { removed: _removed, ...fields } = it;
    merged.set(it.med_list_codg, { ...(merged.get(it.med_list_codg) ?? {}), ...fields });
  });
  const items = new Map<string, CatalogItem>();
  for (const [code, raw] of merged) {
    const path = `/items/${code}`;
    if (!Value.Check(ItemSchema, raw)) {
      problems.add(path, '合并后的目录项目不完整', 'the merged item is incomplete (a new regional item needs every field)');
      continue;
    }
    const doc = raw as ItemDoc;
    if (doc.selfpay_prop_bp !== undefined && doc.selfpay_prop_bp > 10000) problems.add(`${path}/selfpay_prop_bp`, '先行自付比例超过100%', 'first self-pay share above 100%');
    const r = doc.restrict ?? null;
    if (r && r.min_age !== undefined && r.max_age !== undefined && r.min_age > r.max_age) problems.add(`${path}/restrict`, '年龄下限大于上限', 'minimum age above maximum age');
    let limit: Fen | null = null;
    if (doc.pric_uplmt_yuan !== undefined && doc.pric_uplmt_yuan !== null) {
      try {
        limit = yuanToFen(doc.pric_uplmt_yuan, `${path}/pric_uplmt_yuan`);
      } catch (e) {
        problems.add(`${path}/pric_uplmt_yuan`, '限价格式错误', `bad price limit: ${(e as Error).message}`);
      }
    }
    items.set(code, {
      med_list_codg: doc.med_list_codg,
      name: doc.name,
      list_type: doc.list_type as ListType,
      med_chrgitm_type: doc.med_chrgitm_type,
      chrgitm_lv: doc.chrgitm_lv as ChrgitmLv,
      selfpay_prop_bp: doc.selfpay_prop_bp === undefined ? null : (doc.selfpay_prop_bp as Bp),
      pric_uplmt_fen: limit,
      restrict: r,
      two_diseases: doc.two_diseases ?? null,
      separately_paid: doc.separately_paid ?? false,
    });
  }
  for (const k of Object.keys(defaults.selfpay_prop_bp) as ListType[]) {
    if (defaults.selfpay_prop_bp[k] > 10000) problems.add(`/defaults/selfpay_prop_bp/${k}`, '先行自付比例超过100%', 'first self-pay share above 100%');
  }
  problems.throwIfAny();
  return {
    admdvs: region?.admdvs ?? base.admdvs,
    catalog_id: region ? `${base.catalog_id}+${region.catalog_id}` : base.catalog_id,
    defaults: { selfpay_prop_bp: defaults.selfpay_prop_bp as Record<ListType, Bp>, preselfpay_rounding: defaults.preselfpay_rounding as Rounding },
    items,
  };
}
