// The policy simulator's pure part: a claim file (a visit, a person, year-to-date amounts in
// yuan and the 2204 fee lines) turned into the engine's input, two policy versions compared
// over a file of claims, and two policy documents compared field by field. Reading the files
// is the caller's business (src/store/shipped-documents.ts).
import { applyIncrements, classifyFeeLines, EMPTY_ACCUMULATORS, feeLineFromInterface, formatYuan, settle, yuanToFen, type Accumulators, type Catalog, type Fen, type Policy, type SettlementInput } from './index.ts';
import { CROSS_REGION_STATUSES, HOSP_LVS, IDENTITY_GROUPS, MED_TYPES, isCode, type IdentityGroup } from './codes.ts';
import { invalid } from './errors.ts';

/** A claim file: the visit, the person, year-to-date amounts in yuan, and the 2204 fee lines. */
export interface ClaimFile {
  visit: {
    med_type: string;
    hosp_lv: string;
    mdtrtarea_admvs: string;
    insuplc_admdvs: string;
    cross_region_status?: string;
    dise_codes?: string[];
    admission_no_in_year?: number;
    acct_used_flag?: string;
    setl_date: string;
  };
  person: { psn_no?: string; insutype: string; psn_type: string; retiree?: boolean; identities?: string[]; gend: string; age: number };
  /** Year-to-date amounts in yuan, named as the engine's accumulators without the _fen suffix. */
  accumulators_yuan?: Record<string, number | string | Record<string, number | string>>;
  acct_balance?: number | string;
  feedetail: Record<string, unknown>[];
}

function accumulatorsFromYuan(raw: ClaimFile['accumulators_yuan']): Accumulators {
  const acc: Record<string, unknown> = { ...EMPTY_ACCUMULATORS };
  for (const [k, v] of Object.entries(raw ?? {})) {
    if (k === 'admissions') {
      acc['admissions'] = Number(v);
      continue;
    }
    const key = `${k}_fen`;
    if (!(key in EMPTY_ACCUMULATORS)) throw invalid(`accumulators_yuan.${k}`, `未知的累计项：${k}`, `unknown accumulator: ${k}`);
    acc[key] =
      typeof v === 'object'
        ? Object.fromEntries(Object.entries(v).map(([id, y]) => [id, yuanToFen(y, `accumulators_yuan.${k}.${id}`)]))
        : yuanToFen(v, `accumulators_yuan.${k}`);
  }
  return acc as unknown as Accumulators;
}

/** Turn a claim file into the engine's input: classify on the treatment place's catalog. */
export function claimInput(claim: ClaimFile, catalog: Catalog, accumulators?: Accumulators): SettlementInput {
  const v = claim.visit;
  if (!isCode(MED_TYPES, v.med_type)) throw invalid('visit.med_type', `未知医疗类别 ${v.med_type}`, `unknown med_type ${v.med_type}`);
  if (!isCode(HOSP_LVS, v.hosp_lv)) throw invalid('visit.hosp_lv', `未知机构等级 ${v.hosp_lv}`, `unknown hosp_lv ${v.hosp_lv}`);
  const status = v.cross_region_status ?? (v.mdtrtarea_admvs === v.insuplc_admdvs ? 'local' : 'unfiled');
  if (!isCode(CROSS_REGION_STATUSES, status)) throw invalid('visit.cross_region_status', `未知异地状态 ${status}`, `unknown cross_region_status ${status}`);
  const identities = (claim.person.identities ?? []).map((id, i) => {
    if (!isCode(IDENTITY_GROUPS, id)) throw invalid(`person.identities.${i}`, `未知身份 ${id}`, `unknown identity group ${id}`);
    return id as IdentityGroup;
  });
  const lines = claim.feedetail.map((raw, i) => feeLineFromInterface(raw, `feedetail.${i}`));
  const classified = classifyFeeLines(catalog, lines, { gend: claim.person.gend, age: claim.person.age }, { med_type: v.med_type });
  return {
    visit: {
      med_type: v.med_type,
      hosp_lv: v.hosp_lv,
      mdtrtarea_admvs: v.mdtrtarea_admvs,
      insuplc_admdvs: v.insuplc_admdvs,
      cross_region_status: status,
      dise_codes: v.dise_codes ?? [],
      admission_no_in_year: v.admission_no_in_year ?? 1,
      acct_used_flag: v.acct_used_flag === '1',
    },
    person: { insutype: claim.person.insutype, psn_type: claim.person.psn_type, retiree: claim.person.retiree ?? claim.person.psn_type.startsWith('12'), identities },
    lines: classified,
    accumulators: accumulators ?? accumulatorsFromYuan(claim.accumulators_yuan),
    acct_balance_fen: yuanToFen(claim.acct_balance ?? 0, 'acct_balance'),
  };
}

export interface CompareReport {
  claims: number;
  persons: number;
  refused: { from: number; to: number };
  fund_total_from: string;
  fund_total_to: string;
  fund_difference: string;
  patient_total_from: string;
  patient_total_to: string;
  persons_paying_more: number;
  persons_paying_less: number;
  persons_paying_same: number;
}

/**
 * Claims settled one at a time, in the order given, under both policies (each person's year
 * accumulating separately), and compared: what a stream of claims feeds, so that memory grows
 * with the persons, never with the claims.
 */
export class PolicyComparison {
  private readonly accFrom = new Map<string, Accumulators>();
  private readonly accTo = new Map<string, Accumulators>();
  private readonly psnFrom = new Map<string, number>();
  private readonly psnTo = new Map<string, number>();
  private claims = 0;
  private fundFrom = 0;
  private fundTo = 0;
  private refusedFrom = 0;
  private refusedTo = 0;

  constructor(
    private readonly from: Policy,
    private readonly to: Policy,
    private readonly catalogFor: (admdvs: string) => Catalog,
  ) {}

  /** The next claim; a claim without psn_no is a person of its own. */
  add(claim: ClaimFile): void {
    this.claims += 1;
    const who = claim.person.psn_no ?? `claim-${this.claims}`;
    const catalog = this.catalogFor(claim.visit.mdtrtarea_admvs);
    const run = (p: Policy, accs: Map<string, Accumulators>, psn: Map<string, number>): number | null => {
      const input = claimInput({ ...claim, visit: { ...claim.visit, insuplc_admdvs: p.admdvs } }, catalog, accs.get(who) ?? accumulatorsFromYuan(claim.accumulators_yuan));
      try {
        const s = settle(p, input);
        accs.set(who, applyIncrements(input.accumulators, s.increments));
        psn.set(who, (psn.get(who) ?? 0) + s.setlinfo.psn_part_amt);
        return s.setlinfo.fund_pay_sumamt;
      } catch {
        return null;
      }
    };
    const a = run(this.from, this.accFrom, this.psnFrom);
    const b = run(this.to, this.accTo, this.psnTo);
    if (a === null) this.refusedFrom++;
    else this.fundFrom += a;
    if (b === null) this.refusedTo++;
    else this.fundTo += b;
  }

  get count(): number {
    return this.claims;
  }

  /** The sums so far, in fen: what comparisons of disjoint sets of persons add up (`reportOf`). */
  totals(): ComparisonTotals {
    const t: ComparisonTotals = { claims: this.claims, persons: 0, refused_from: this.refusedFrom, refused_to: this.refusedTo, fund_from: this.fundFrom, fund_to: this.fundTo, patient_from: 0, patient_to: 0, more: 0, less: 0, same: 0 };
    for (const who of new Set([...this.psnFrom.keys(), ...this.psnTo.keys()])) {
      const a = this.psnFrom.get(who) ?? 0;
      const b = this.psnTo.get(who) ?? 0;
      t.persons += 1;
      t.patient_from += a;
      t.patient_to += b;
      if (b > a) t.more++;
      else if (b < a) t.less++;
      else t.same++;
    }
    return t;
  }

  report(): CompareReport {
    return reportOf([this.totals()]);
  }
}

/** A comparison's sums in fen (no person in two of them when they are added up). */
export interface ComparisonTotals {
  claims: number;
  persons: number;
  refused_from: number;
  refused_to: number;
  fund_from: number;
  fund_to: number;
  patient_from: number;
  patient_to: number;
  more: number;
  less: number;
  same: number;
}

/** The report of comparisons over disjoint sets of persons (the parts of a file split by person). */
export function reportOf(parts: readonly ComparisonTotals[]): CompareReport {
  const sum = (k: keyof ComparisonTotals): number => parts.reduce((a, p) => a + p[k], 0);
  return {
    claims: sum('claims'),
    persons: sum('persons'),
    refused: { from: sum('refused_from'), to: sum('refused_to') },
    fund_total_from: formatYuan(sum('fund_from') as Fen),
    fund_total_to: formatYuan(sum('fund_to') as Fen),
    fund_difference: formatYuan((sum('fund_to') - sum('fund_from')) as Fen),
    patient_total_from: formatYuan(sum('patient_from') as Fen),
    patient_total_to: formatYuan(sum('patient_to') as Fen),
    persons_paying_more: sum('more'),
    persons_paying_less: sum('less'),
    persons_paying_same: sum('same'),
  };
}

/** Settle the claims in order under both policies and compare (a PolicyComparison fed the array). */
export function comparePolicies(from: Policy, to: Policy, claims: readonly ClaimFile[], catalogFor: (admdvs: string) => Catalog): CompareReport {
  const c = new PolicyComparison(from, to, catalogFor);
  for (const claim of claims) c.add(claim);
  return c.report();
}

export interface FieldChange {
  path: string;
  from: unknown;
  to: unknown;
}

/** Leaf-by-leaf differences between two documents (arrays compared by position). */
export function diffDocuments(a: unknown, b: unknown, at = ''): FieldChange[] {
  const isObj = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object';
  if (isObj(a) && isObj(b) && Array.isArray(a) === Array.isArray(b)) {
    const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])];
    return keys.flatMap((k) => diffDocuments(a[k], b[k], `${at}/${k}`));
  }
  return JSON.stringify(a) === JSON.stringify(b) ? [] : [{ path: at || '/', from: a ?? null, to: b ?? null }];
}

/** A claim file's text: one JSON claim, a JSON array of claims, or JSON lines. */
export function parseClaims(text: string): ClaimFile[] {
  const trimmed = text.trim();
  if (trimmed === '') throw invalid('claims', '理赔文件为空', 'the claim file is empty');
  try {
    if (trimmed.startsWith('[')) return JSON.parse(trimmed) as ClaimFile[];
    if (!trimmed.includes('\n')) return [JSON.parse(trimmed) as ClaimFile];
    try {
      return [JSON.parse(trimmed) as ClaimFile];
    } catch {
      return trimmed.split('\n').filter((l) => l.trim() !== '').map((l) => JSON.parse(l) as ClaimFile);
    }
  } catch (err) {
    throw invalid('claims', `理赔文件不是合法的 JSON：${(err as Error).message}`, `the claim file is not valid JSON: ${(err as Error).message}`);
  }
}

/** Refuses a claim without its visit, person and fee lines, naming the claim's place in the file. */
export function checkClaimShape(c: ClaimFile, i: number): void {
  if (c === null || typeof c !== 'object' || typeof c.visit !== 'object' || typeof c.person !== 'object' || !Array.isArray(c.feedetail)) {
    throw invalid(`claims.${i}`, '每条理赔须有 visit、person 和 feedetail', 'each claim needs visit, person and feedetail');
  }
}
