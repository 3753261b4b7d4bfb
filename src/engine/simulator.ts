// The policy simulator's pure part: a claim file (a visit, a person, year-to-date amounts in
// yuan and the 2204 fee lines) turned into the engine's input, two policy versions compared
// over a file of claims (into the report of simulation-report.ts), and two policy documents
// compared field by field. Reading the files
// is the caller's business (src/store/shipped-documents.ts).
import { applyIncrements, classifyFeeLines, EMPTY_ACCUMULATORS, feeLineFromInterface, settle, yuanToFen, type Accumulators, type Catalog, type Policy, type SettlementInput } from './index.ts';
import { claimOutcome, refusedOutcome, SimulationTally, simulationReport, type ClaimOutcome, type SimulationReport, type TallyData } from './simulation-report.ts';
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

/**
 * Claims settled one at a time, in the order given, under both policies (each person's year
 * accumulating separately), and tallied into the simulation report (simulation-report.ts, the
 * same as a replay of stored settlements gives): what a stream of claims feeds, so that memory
 * grows with the persons, never with the claims. A claim a policy refuses is paid in full by
 * its patient under that policy.
 */
export class PolicyComparison {
  private readonly accFrom = new Map<string, Accumulators>();
  private readonly accTo = new Map<string, Accumulators>();
  /** A file is in no particular order of persons: each stays open until the end. */
  private readonly tally = new SimulationTally(false);
  private claims = 0;

  constructor(
    private readonly from: Policy,
    private readonly to: Policy,
    private readonly catalogFor: (admdvs: string) => Catalog,
  ) {}

  /** The next claim, `ref` its place (a line number; by default its count); a claim without psn_no is a person of its own. */
  add(claim: ClaimFile, ref = String(this.claims + 1)): void {
    this.claims += 1;
    const who = claim.person.psn_no ?? `claim-${ref}`;
    const catalog = this.catalogFor(claim.visit.mdtrtarea_admvs);
    let medfee = 0;
    const run = (p: Policy, accs: Map<string, Accumulators>): ClaimOutcome => {
      try {
        const input = claimInput({ ...claim, visit: { ...claim.visit, insuplc_admdvs: p.admdvs } }, catalog, accs.get(who) ?? accumulatorsFromYuan(claim.accumulators_yuan));
        medfee = input.lines.reduce((n, l) => n + l.det_item_fee_sumamt, 0);
        const s = settle(p, input);
        accs.set(who, applyIncrements(input.accumulators, s.increments));
        return claimOutcome(s);
      } catch {
        return refusedOutcome(medfee);
      }
    };
    const a = run(this.from, this.accFrom);
    const b = run(this.to, this.accTo);
    const identities = (claim.person.identities ?? []).filter((g): g is IdentityGroup => isCode(IDENTITY_GROUPS, g));
    this.tally.add({
      setl_id: ref, psn_no: who, setl_time: claim.visit.setl_date, insutype: claim.person.insutype, hosp_lv: claim.visit.hosp_lv, month: claim.visit.setl_date.slice(0, 7),
      retiree: claim.person.retiree ?? claim.person.psn_type.startsWith('12'), identities,
    }, a, b);
  }

  get count(): number {
    return this.claims;
  }

  /** The tally so far: what comparisons of disjoint sets of persons merge (`mergeTallies`). */
  totals(): TallyData {
    return this.tally.data();
  }

  report(): SimulationReport {
    return simulationReport(this.totals());
  }
}

/** Settle the claims in order under both policies and compare (a PolicyComparison fed the array). */
export function comparePolicies(from: Policy, to: Policy, claims: readonly ClaimFile[], catalogFor: (admdvs: string) => Catalog): SimulationReport {
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
