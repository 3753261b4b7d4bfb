// Policy documents (参保地政策): one per pooling region × insurance type × effective period,
// validated by a TypeBox schema for structure and by semantic checks (ratios ≤ 100%, tiers in
// order, periods that do not overlap, disease codes that exist), then compiled to fen and bp
// for settle(). Amounts in documents are yuan (`_yuan`), ratios basis points (`_bp`).
import Type from 'typebox';
import { Problems } from './errors.ts';
import { CROSS_REGION_STATUSES, HOSP_LVS, IDENTITY_GROUPS, type CrossRegionStatus, type HospLv, type IdentityGroup } from './codes.ts';
import { ROUNDINGS, yuanToFen, type Bp, type Fen, type Rounding } from './money.ts';
import { schemaProblems } from './schema-problems.ts';

const codeUnion = <const K extends string>(keys: readonly K[]) => Type.Enum(keys as K[]);
const codeEnum = <T extends Record<string, unknown>>(table: T) => Type.Enum(Object.keys(table) as (keyof T & string)[]);
const Yuan = Type.Union([Type.Number({ minimum: 0 }), Type.String()]);
const BpS = Type.Integer({ minimum: 0 });
const Text = Type.String({ minLength: 1 });
const Day = Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}$' });
const obj = <P extends Type.TProperties>(p: P) => Type.Object(p, { additionalProperties: false });
const byLevel = <T extends Type.TSchema>(t: T) =>
  obj({ '0': Type.Optional(t), '9': Type.Optional(t), '1': Type.Optional(t), '2': Type.Optional(t), '3': Type.Optional(t) });
const Identity = codeEnum(IDENTITY_GROUPS);

const Disease = obj({
  id: Type.String({ pattern: '^[a-z0-9_]+$' }),
  name: Text,
  /** ICD-10 medical-insurance codes; a diagnosis matches a listed code or any extension of it. */
  dise_codes: Type.Array(Text, { minItems: 1 }),
  deductible_yuan: Yuan,
  ratio_bp: BpS,
  retiree_uplift_bp: Type.Optional(BpS),
  annual_cap_yuan: Yuan,
});

const CrossTerms = obj({ ratio_cut_bp: BpS, extra_preselfpay_bp: BpS });

export const PolicyDocumentSchema = obj({
  policy_id: Text,
  version: Type.Integer({ minimum: 1 }),
  admdvs: Type.String({ pattern: '^\\d{6}$' }),
  region_name: Text,
  insutype: codeUnion(['310', '390']),
  effective_from: Day,
  /** Inclusive; null while in force without an end. */
  effective_to: Type.Union([Day, Type.Null()]),
  source: Text,
  note: Type.Optional(Type.String()),
  rounding: obj({ fund: codeEnum(ROUNDINGS), assistance: codeEnum(ROUNDINGS) }),
  outpatient: obj({
    deductible_yuan: Yuan,
    deductible_yuan_by_lv: Type.Optional(byLevel(Yuan)),
    ratio_bp_by_lv: byLevel(BpS),
    retiree_uplift_bp: BpS,
    annual_cap_yuan: Yuan,
    retiree_annual_cap_yuan: Type.Optional(Yuan),
  }),
  chronic: obj({ diseases: Type.Array(Disease) }),
  two_diseases: Type.Union([
    obj({
      ratio_bp: BpS,
      diseases: Type.Array(obj({ id: codeUnion(['hypertension', 'diabetes']), name: Text, dise_codes: Type.Array(Text, { minItems: 1 }), annual_cap_yuan: Yuan })),
    }),
    Type.Null(),
  ]),
  separately_paid: Type.Union([obj({ ratio_bp: BpS, annual_cap_yuan: Type.Union([Yuan, Type.Null()]) }), Type.Null()]),
  inpatient: obj({
    /** Index 0 is the first admission of the year; the last entry holds for all later ones. */
    deductible_yuan_by_admission: Type.Array(byLevel(Yuan), { minItems: 1 }),
    ratio_bp_by_lv: byLevel(BpS),
    retiree_uplift_bp: BpS,
    annual_cap_yuan: Yuan,
    referral_out: obj({ deductible_yuan: Yuan }),
  }),
  serious_illness: Type.Union([
    obj({
      fund_pay_type: codeUnion(['390200', '330100']),
      /** burden: the year's in-scope personal burden (residents' 大病); over_pool_cap: in-scope amounts beyond the pooled cap (employees' 大额). */
      basis: codeUnion(['burden', 'over_pool_cap']),
      deductible_yuan: Yuan,
      tiers: Type.Array(obj({ from_yuan: Yuan, ratio_bp: BpS }), { minItems: 1 }),
      annual_cap_yuan: Type.Union([Yuan, Type.Null()]),
    }),
    Type.Null(),
  ]),
  civil_servant: Type.Union([obj({ psn_types: Type.Array(Text, { minItems: 1 }), ratio_bp: BpS, annual_cap_yuan: Yuan }), Type.Null()]),
  assistance: Type.Union([
    obj({
      groups: Type.Array(
        obj({
          identity: Identity,
          deductible_yuan: Yuan,
          ratio_bp: BpS,
          annual_cap_yuan: Yuan,
          outpatient: Type.Union([obj({ ratio_bp: BpS, annual_cap_yuan: Yuan }), Type.Null()]),
        }),
      ),
      reassistance: Type.Union([
        obj({ identities: Type.Array(Identity, { minItems: 1 }), burden_threshold_yuan: Yuan, ratio_bp: BpS, annual_cap_yuan: Yuan }),
        Type.Null(),
      ]),
    }),
    Type.Null(),
  ]),
  tilts: Type.Array(
    obj({
      identities: Type.Array(Identity, { minItems: 1 }),
      serious_illness_deductible_cut_bp: BpS,
      serious_illness_ratio_plus_bp: BpS,
      serious_illness_no_cap: Type.Boolean(),
    }),
  ),
  personal_account: Type.Union([obj({ covers_out_of_scope: Type.Boolean() }), Type.Null()]),
  hospital_bears_overlimit: Type.Boolean(),
  cross_region: obj({
    long_term_filed: CrossTerms,
    referral_filed: CrossTerms,
    emergency: CrossTerms,
    temporary_filed: CrossTerms,
    in_province_unfiled: CrossTerms,
    unfiled: CrossTerms,
  }),
});
export type PolicyDocument = Type.Static<typeof PolicyDocumentSchema>;

// ---- compiled form ---------------------------------------------------------------------

export type LevelTable<T> = Readonly<Record<HospLv, T | null>>;

export interface DiseaseTerms {
  readonly id: string;
  readonly name: string;
  readonly dise_codes: readonly string[];
  readonly deductible_fen: Fen;
  readonly ratio_bp: Bp;
  readonly retiree_uplift_bp: Bp;
  readonly annual_cap_fen: Fen;
  /** JSON path in the document, for explanations. */
  readonly path: string;
}

export interface Tier {
  readonly from_fen: Fen;
  readonly ratio_bp: Bp;
}

export interface AssistanceGroup {
  readonly identity: IdentityGroup;
  readonly deductible_fen: Fen;
  readonly ratio_bp: Bp;
  readonly annual_cap_fen: Fen;
  readonly outpatient: { readonly ratio_bp: Bp; readonly annual_cap_fen: Fen } | null;
  readonly path: string;
}

export interface Tilt {
  readonly identities: readonly IdentityGroup[];
  readonly serious_illness_deductible_cut_bp: Bp;
  readonly serious_illness_ratio_plus_bp: Bp;
  readonly serious_illness_no_cap: boolean;
  readonly path: string;
}

export interface CrossTerms {
  readonly ratio_cut_bp: Bp;
  readonly extra_preselfpay_bp: Bp;
}

/** A validated policy in fen and bp, what settle() reads. */
export interface Policy {
  readonly policy_id: string;
  readonly version: number;
  readonly admdvs: string;
  readonly region_name: string;
  readonly insutype: '310' | '390';
  readonly effective_from: string;
  readonly effective_to: string | null;
  readonly rounding: { readonly fund: Rounding; readonly assistance: Rounding };
  readonly outpatient: {
    readonly deductible_fen: Fen;
    readonly deductible_fen_by_lv: LevelTable<Fen>;
    readonly ratio_bp_by_lv: LevelTable<Bp>;
    readonly retiree_uplift_bp: Bp;
    readonly annual_cap_fen: Fen;
    readonly retiree_annual_cap_fen: Fen;
  };
  readonly chronic: readonly DiseaseTerms[];
  readonly two_diseases: { readonly ratio_bp: Bp; readonly diseases: readonly DiseaseTerms[] } | null;
  readonly separately_paid: { readonly ratio_bp: Bp; readonly annual_cap_fen: Fen | null } | null;
  readonly inpatient: {
    readonly deductible_fen_by_admission: readonly LevelTable<Fen>[];
    readonly ratio_bp_by_lv: LevelTable<Bp>;
    readonly retiree_uplift_bp: Bp;
    readonly annual_cap_fen: Fen;
    readonly referral_out_deductible_fen: Fen;
  };
  readonly serious_illness: {
    readonly fund_pay_type: '390200' | '330100';
    readonly basis: 'burden' | 'over_pool_cap';
    readonly deductible_fen: Fen;
    readonly tiers: readonly Tier[];
    readonly annual_cap_fen: Fen | null;
  } | null;
  readonly civil_servant: { readonly psn_types: readonly string[]; readonly ratio_bp: Bp; readonly annual_cap_fen: Fen } | null;
  readonly assistance: {
    readonly groups: readonly AssistanceGroup[];
    readonly reassistance: { readonly identities: readonly IdentityGroup[]; readonly burden_threshold_fen: Fen; readonly ratio_bp: Bp; readonly annual_cap_fen: Fen } | null;
  } | null;
  readonly tilts: readonly Tilt[];
  readonly personal_account: { readonly covers_out_of_scope: boolean } | null;
  readonly hospital_bears_overlimit: boolean;
  readonly cross_region: Readonly<Record<Exclude<CrossRegionStatus, 'local'>, CrossTerms>>;
}

/** Answers whether a diagnosis code exists in the ICD-10 medical-insurance table (the engine does no I/O). */
export type DiseaseCodeLookup = (code: string) => boolean;

const LEVELS = Object.keys(HOSP_LVS) as HospLv[];

/**
 * Validate a policy document and compile it. Throws one YibaoError listing every problem by
 * JSON path: structure first; if the structure holds, every semantic rule.
 */
export function loadPolicy(doc: unknown, isKnownDiseaseCode: DiseaseCodeLookup): Policy {
  const problems = new Problems();
  schemaProblems(PolicyDocumentSchema, doc, '', problems);
  problems.throwIfAny();
  const d = doc as PolicyDocument;

  const money = (v: number | string, path: string): Fen => {
    try {
      return yuanToFen(v, path);
    } catch {
      problems.add(path, `金额格式错误（元，至多两位小数）：${String(v)}`, `bad amount (yuan, at most two decimals): ${String(v)}`);
      return 0 as Fen;
    }
  };
  const ratio = (v: number, path: string): Bp => {
    if (v > 10000) problems.add(path, `比例超过100%：${v / 100}%`, `ratio above 100%: ${v / 100}%`);
    return v as Bp;
  };
  const levels = <T>(table: Partial<Record<HospLv, T>>, conv: (v: T, path: string) => Fen | Bp, path: string) => {
    const out = {} as Record<HospLv, Fen | Bp | null>;
    for (const lv of LEVELS) out[lv] = table[lv] === undefined ? null : conv(table[lv] as T, `${path}/${lv}`);
    return out;
  };
  const diseaseCodes = (codes: readonly string[], path: string): void => {
    codes.forEach((c, i) => {
      if (!isKnownDiseaseCode(c)) problems.add(`${path}/${i}`, `未知的疾病诊断代码：${c}`, `unknown diagnosis code: ${c}`);
    });
  };
  const disease = (x: PolicyDocument['chronic']['diseases'][number], path: string): DiseaseTerms => {
    diseaseCodes(x.dise_codes, `${path}/dise_codes`);
    return {
      id: x.id,
      name: x.name,
      dise_codes: x.dise_codes,
      deductible_fen: money(x.deductible_yuan, `${path}/deductible_yuan`),
      ratio_bp: ratio(x.ratio_bp, `${path}/ratio_bp`),
      retiree_uplift_bp: ratio(x.retiree_uplift_bp ?? 0, `${path}/retiree_uplift_bp`),
      annual_cap_fen: money(x.annual_cap_yuan, `${path}/annual_cap_yuan`),
      path,
    };
  };

  if (d.effective_to !== null && d.effective_to < d.effective_from) {
    problems.add('/effective_to', '失效日期早于生效日期', 'effective_to is before effective_from');
  }
  for (const f of ['effective_from', 'effective_to'] as const) {
    const v = d[f];
    if (v !== null && Number.isNaN(Date.parse(`${v}T00:00:00Z`))) problems.add(`/${f}`, `日期无效：${v}`, `invalid date: ${v}`);
  }

  const o = d.outpatient;
  const outCap = money(o.annual_cap_yuan, '/outpatient/annual_cap_yuan');
  const outpatient = {
    deductible_fen: money(o.deductible_yuan, '/outpatient/deductible_yuan'),
    deductible_fen_by_lv: levels(o.deductible_yuan_by_lv ?? {}, money, '/outpatient/deductible_yuan_by_lv') as LevelTable<Fen>,
    ratio_bp_by_lv: levels(o.ratio_bp_by_lv, ratio, '/outpatient/ratio_bp_by_lv') as LevelTable<Bp>,
    retiree_uplift_bp: ratio(o.retiree_uplift_bp, '/outpatient/retiree_uplift_bp'),
    annual_cap_fen: outCap,
    retiree_annual_cap_fen: o.retiree_annual_cap_yuan === undefined ? outCap : money(o.retiree_annual_cap_yuan, '/outpatient/retiree_annual_cap_yuan'),
  };
  for (const lv of LEVELS) {
    const r = outpatient.ratio_bp_by_lv[lv];
    if (r !== null && r <= 10000 && outpatient.retiree_uplift_bp > 0 && r + outpatient.retiree_uplift_bp > 10000) {
      problems.add(`/outpatient/retiree_uplift_bp`, `退休人员比例（${lv}级）超过100%`, `retiree ratio at level ${lv} exceeds 100%`);
    }
  }

  const ids = new Set<string>();
  const chronic = d.chronic.diseases.map((x, i) => {
    if (ids.has(x.id)) problems.add(`/chronic/diseases/${i}/id`, `病种编号重复：${x.id}`, `duplicate disease id: ${x.id}`);
    ids.add(x.id);
    return disease(x, `/chronic/diseases/${i}`);
  });
  const two = d.two_diseases;
  const two_diseases =
    two === null
      ? null
      : {
          ratio_bp: ratio(two.ratio_bp, '/two_diseases/ratio_bp'),
          diseases: two.diseases.map((x, i) =>
            disease({ ...x, deductible_yuan: 0, ratio_bp: two.ratio_bp }, `/two_diseases/diseases/${i}`),
          ),
        };
  const sp = d.separately_paid;
  const separately_paid =
    sp === null
      ? null
      : {
          ratio_bp: ratio(sp.ratio_bp, '/separately_paid/ratio_bp'),
          annual_cap_fen: sp.annual_cap_yuan === null ? null : money(sp.annual_cap_yuan, '/separately_paid/annual_cap_yuan'),
        };

  const ip = d.inpatient;
  const inpatient = {
    deductible_fen_by_admission: ip.deductible_yuan_by_admission.map(
      (t, i) => levels(t, money, `/inpatient/deductible_yuan_by_admission/${i}`) as LevelTable<Fen>,
    ),
    ratio_bp_by_lv: levels(ip.ratio_bp_by_lv, ratio, '/inpatient/ratio_bp_by_lv') as LevelTable<Bp>,
    retiree_uplift_bp: ratio(ip.retiree_uplift_bp, '/inpatient/retiree_uplift_bp'),
    annual_cap_fen: money(ip.annual_cap_yuan, '/inpatient/annual_cap_yuan'),
    referral_out_deductible_fen: money(ip.referral_out.deductible_yuan, '/inpatient/referral_out/deductible_yuan'),
  };
  // A later admission never costs more than an earlier one (Jiujiang's deductible falls).
  for (let i = 1; i < inpatient.deductible_fen_by_admission.length; i++) {
    for (const lv of LEVELS) {
      const prev = inpatient.deductible_fen_by_admission[i - 1]![lv];
      const cur = inpatient.deductible_fen_by_admission[i]![lv];
      if (prev !== null && cur !== null && cur > prev) {
        problems.add(`/inpatient/deductible_yuan_by_admission/${i}/${lv}`, '后续住院起付线不应高于前次', 'a later admission has a higher deductible than an earlier one');
      }
    }
  }
  for (const lv of LEVELS) {
    const r = inpatient.ratio_bp_by_lv[lv];
    if (r !== null && r <= 10000 && inpatient.retiree_uplift_bp > 0 && r + inpatient.retiree_uplift_bp > 10000) {
      problems.add('/inpatient/retiree_uplift_bp', `退休人员住院比例（${lv}级）超过100%`, `retiree inpatient ratio at level ${lv} exceeds 100%`);
    }
  }

  const si = d.serious_illness;
  let serious_illness: Policy['serious_illness'] = null;
  if (si !== null) {
    const tiers = si.tiers.map((t, i) => ({
      from_fen: money(t.from_yuan, `/serious_illness/tiers/${i}/from_yuan`),
      ratio_bp: ratio(t.ratio_bp, `/serious_illness/tiers/${i}/ratio_bp`),
    }));
    const siDeductible = money(si.deductible_yuan, '/serious_illness/deductible_yuan');
    if (tiers.length > 0 && tiers[0]!.from_fen !== siDeductible) {
      problems.add('/serious_illness/tiers/0/from_yuan', '第一段起点应等于起付线', 'the first tier must start at the deductible');
    }
    for (let i = 1; i < tiers.length; i++) {
      if (tiers[i]!.from_fen <= tiers[i - 1]!.from_fen) {
        problems.add(`/serious_illness/tiers/${i}/from_yuan`, '分段起点必须严格递增', 'tier starts must be strictly ascending');
      }
    }
    const expected = si.basis === 'burden' ? '390200' : '330100';
    if (si.fund_pay_type !== expected) {
      problems.add('/serious_illness/fund_pay_type', `计算基数 ${si.basis} 应对应基金 ${expected}`, `basis ${si.basis} belongs to fund ${expected}`);
    }
    const insuFund = d.insutype === '390' ? '390200' : '330100';
    if (si.fund_pay_type !== insuFund) {
      problems.add('/serious_illness/fund_pay_type', `险种 ${d.insutype} 的大病/大额基金应为 ${insuFund}`, `insurance type ${d.insutype} uses fund ${insuFund}`);
    }
    serious_illness = {
      fund_pay_type: si.fund_pay_type as '390200' | '330100',
      basis: si.basis as 'burden' | 'over_pool_cap',
      deductible_fen: siDeductible,
      tiers,
      annual_cap_fen: si.annual_cap_yuan === null ? null : money(si.annual_cap_yuan, '/serious_illness/annual_cap_yuan'),
    };
  }

  const cs = d.civil_servant;
  if (cs !== null && d.insutype !== '310') problems.add('/civil_servant', '公务员医疗补助只适用于职工医保', 'the civil-servant subsidy applies to employees only');
  const civil_servant =
    cs === null ? null : { psn_types: cs.psn_types, ratio_bp: ratio(cs.ratio_bp, '/civil_servant/ratio_bp'), annual_cap_fen: money(cs.annual_cap_yuan, '/civil_servant/annual_cap_yuan') };

  const as = d.assistance;
  let assistance: Policy['assistance'] = null;
  if (as !== null) {
    const seen = new Set<string>();
    const groups = as.groups.map((g, i) => {
      const path = `/assistance/groups/${i}`;
      if (seen.has(g.identity)) problems.add(`${path}/identity`, `身份重复：${g.identity}`, `duplicate identity: ${g.identity}`);
      seen.add(g.identity);
      return {
        identity: g.identity as IdentityGroup,
        deductible_fen: money(g.deductible_yuan, `${path}/deductible_yuan`),
        ratio_bp: ratio(g.ratio_bp, `${path}/ratio_bp`),
        annual_cap_fen: money(g.annual_cap_yuan, `${path}/annual_cap_yuan`),
        outpatient:
          g.outpatient === null
            ? null
            : { ratio_bp: ratio(g.outpatient.ratio_bp, `${path}/outpatient/ratio_bp`), annual_cap_fen: money(g.outpatient.annual_cap_yuan, `${path}/outpatient/annual_cap_yuan`) },
        path,
      };
    });
    const ra = as.reassistance;
    assistance = {
      groups,
      reassistance:
        ra === null
          ? null
          : {
              identities: ra.identities as IdentityGroup[],
              burden_threshold_fen: money(ra.burden_threshold_yuan, '/assistance/reassistance/burden_threshold_yuan'),
              ratio_bp: ratio(ra.ratio_bp, '/assistance/reassistance/ratio_bp'),
              annual_cap_fen: money(ra.annual_cap_yuan, '/assistance/reassistance/annual_cap_yuan'),
            },
    };
  }

  const tilts = d.tilts.map((t, i) => {
    const path = `/tilts/${i}`;
    if (si === null) problems.add(path, '没有大病保险时倾斜政策无从适用', 'a tilt needs a serious_illness section to apply to');
    return {
      identities: t.identities as IdentityGroup[],
      serious_illness_deductible_cut_bp: ratio(t.serious_illness_deductible_cut_bp, `${path}/serious_illness_deductible_cut_bp`),
      serious_illness_ratio_plus_bp: ratio(t.serious_illness_ratio_plus_bp, `${path}/serious_illness_ratio_plus_bp`),
      serious_illness_no_cap: t.serious_illness_no_cap,
      path,
    };
  });
  if (serious_illness !== null) {
    for (const t of tilts) {
      for (let i = 0; i < serious_illness.tiers.length; i++) {
        if (serious_illness.tiers[i]!.ratio_bp <= 10000 && t.serious_illness_ratio_plus_bp > 0 && serious_illness.tiers[i]!.ratio_bp + t.serious_illness_ratio_plus_bp > 10000) {
          problems.add(`${t.path}/serious_illness_ratio_plus_bp`, `倾斜后第${i + 1}段比例超过100%`, `tier ${i + 1} ratio exceeds 100% after the tilt`);
        }
      }
    }
  }
  if (d.personal_account !== null && d.insutype !== '310') {
    problems.add('/personal_account', '个人账户只适用于职工医保', 'the personal account applies to employees only');
  }

  const cross = {} as Record<Exclude<CrossRegionStatus, 'local'>, CrossTerms>;
  for (const k of Object.keys(CROSS_REGION_STATUSES) as CrossRegionStatus[]) {
    if (k === 'local') continue;
    const t = d.cross_region[k];
    cross[k] = {
      ratio_cut_bp: ratio(t.ratio_cut_bp, `/cross_region/${k}/ratio_cut_bp`),
      extra_preselfpay_bp: ratio(t.extra_preselfpay_bp, `/cross_region/${k}/extra_preselfpay_bp`),
    };
  }

  problems.throwIfAny();
  return {
    policy_id: d.policy_id,
    version: d.version,
    admdvs: d.admdvs,
    region_name: d.region_name,
    insutype: d.insutype as '310' | '390',
    effective_from: d.effective_from,
    effective_to: d.effective_to,
    rounding: { fund: d.rounding.fund as Rounding, assistance: d.rounding.assistance as Rounding },
    outpatient,
    chronic,
    two_diseases,
    separately_paid,
    inpatient,
    serious_illness,
    civil_servant,
    assistance,
    tilts,
    personal_account: d.personal_account,
    hospital_bears_overlimit: d.hospital_bears_overlimit,
    cross_region: cross,
  };
}

/** A set of policies is consistent when no two documents of one region and insurance type overlap in time. */
export function checkPolicySet(policies: readonly Policy[]): void {
  const problems = new Problems();
  const byKey = new Map<string, { p: Policy; i: number }[]>();
  policies.forEach((p, i) => {
    const k = `${p.admdvs}/${p.insutype}`;
    const list = byKey.get(k) ?? [];
    list.push({ p, i });
    byKey.set(k, list);
  });
  for (const list of byKey.values()) {
    const sorted = [...list].sort((a, b) => (a.p.effective_from < b.p.effective_from ? -1 : a.p.effective_from > b.p.effective_from ? 1 : 0));
    for (let j = 1; j < sorted.length; j++) {
      const prev = sorted[j - 1]!;
      const cur = sorted[j]!;
      if (prev.p.effective_to === null || prev.p.effective_to >= cur.p.effective_from) {
        problems.add(
          `/${cur.i}/effective_from`,
          `与 ${prev.p.policy_id} 的有效期重叠（${prev.p.admdvs}，险种 ${prev.p.insutype}）`,
          `period overlaps ${prev.p.policy_id} (${prev.p.admdvs}, insutype ${prev.p.insutype})`,
        );
      }
    }
  }
  problems.throwIfAny();
}

/** The policy in force for a region, insurance type and day (yyyy-MM-dd), or undefined. */
export function selectPolicy(policies: readonly Policy[], admdvs: string, insutype: string, day: string): Policy | undefined {
  for (const p of policies) {
    if (p.admdvs === admdvs && p.insutype === insutype && p.effective_from <= day && (p.effective_to === null || day <= p.effective_to)) return p;
  }
  return undefined;
}

/** Does a diagnosis fall under one of the listed codes (equal, or an extension like I10.x00x002 of I10.x00)? */
export function diagnosisMatches(dise_code: string, listed: readonly string[]): boolean {
  for (const c of listed) if (dise_code === c || dise_code.startsWith(c)) return true;
  return false;
}

/**
 * A lookup over the ICD-10 medical-insurance table (`{code: name}`, as in
 * data/icd/diagnoses.json): a code is known when it is in the table, or is a category
 * (`E11`, `I10.x00`) that table codes extend.
 */
export function diseaseLookupFromTable(table: Readonly<Record<string, string>>): DiseaseCodeLookup {
  const known = new Set<string>();
  for (const code of Object.keys(table)) {
    known.add(code);
    const dot = code.indexOf('.');
    if (dot > 0) known.add(code.slice(0, dot));
  }
  return (code) => known.has(code);
}
