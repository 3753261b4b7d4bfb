// The report of a policy simulation over stored settlements (issue 19): what each side costs by
// fund type, insurance type, hospital level and month; how the patients' share changes person
// by person (how many pay more or less, by how much, by identity group); and the claims that
// change most, with both explanations. A SimulationTally is fed claims in person order and
// closes each person as the next begins, so its size never grows with the claims or the
// persons; tallies of disjoint persons (one per worker thread) merge into one report.
import { FUND_PAY_TYPES, HOSP_LVS, IDENTITY_GROUPS, type IdentityGroup } from './codes.ts';
import { formatYuan, type Fen } from './money.ts';
import { EMPTY_ACCUMULATORS, type Accumulators, type ExplanationStep, type Settlement } from './settle.ts';

/** What one claim cost under one side of a comparison, in fen, and what it added to the year. */
export interface ClaimOutcome {
  medfee: number;
  fund: number;
  patient: number;
  acct: number;
  /** The deductible it charged (act_pay_dedc). */
  dedc: number;
  /** Fund payments by fund_pay_type (setldetail). */
  by_fund: Record<string, number>;
  increments: Accumulators;
  /** The settlement as priced (its steps for the largest changes); absent for a cancellation or a refusal. */
  settlement?: Settlement;
  /** The policy refused it: the patient pays the whole bill. */
  refused: boolean;
}

export function claimOutcome(s: Settlement): ClaimOutcome {
  const by_fund: Record<string, number> = {};
  for (const d of s.setldetail) by_fund[d.fund_pay_type] = (by_fund[d.fund_pay_type] ?? 0) + d.fund_payamt;
  const i = s.setlinfo;
  return { medfee: i.medfee_sumamt, fund: i.fund_pay_sumamt, patient: i.psn_part_amt, acct: i.acct_pay, dedc: i.act_pay_dedc, by_fund, increments: s.increments, settlement: s, refused: false };
}

/** A claim the policy refuses: nothing accumulates, the patient bears the bill. */
export const refusedOutcome = (medfee: number): ClaimOutcome => ({ medfee, fund: 0, patient: medfee, acct: 0, dedc: 0, by_fund: {}, increments: EMPTY_ACCUMULATORS, refused: true });

/** The claims that change most, kept with their explanations. */
export const LARGEST_KEPT = 10;

/** Edges of the per-person change in what the patient pays, in fen: (-∞,-1000 yuan), [-1000,-100), … (1000 yuan, ∞). */
const EDGES = [-100_000, -10_000, -1_000, 0, 0, 1_000, 10_000, 100_000];
export const CHANGE_BUCKETS = ['< -1000', '-1000 … -100', '-100 … -10', '-10 … 0', '0', '0 … 10', '10 … 100', '100 … 1000', '> 1000'] as const;

function bucketOf(delta: number): number {
  if (delta === 0) return 4;
  if (delta < 0) return delta < EDGES[0]! ? 0 : delta < EDGES[1]! ? 1 : delta < EDGES[2]! ? 2 : 3;
  return delta <= EDGES[5]! ? 5 : delta <= EDGES[6]! ? 6 : delta <= EDGES[7]! ? 7 : 8;
}

/** The groups of the change distribution: every person, retirees, and each identity group. */
export type PersonGroup = 'all' | 'retiree' | 'none' | IdentityGroup;

/** A claim as the tally needs it. */
export interface TalliedClaim {
  setl_id: string;
  psn_no: string;
  setl_time: string;
  insutype: string;
  hosp_lv: string;
  /** 'YYYY-MM' in China time. */
  month: string;
  retiree: boolean;
  identities: readonly IdentityGroup[];
}

interface Pair {
  claims: number;
  from: number;
  to: number;
}

interface GroupTally {
  persons: number;
  more: number;
  less: number;
  same: number;
  /** Σ per person (to − from) of what the patient pays, fen. */
  change: number;
  buckets: number[];
}

export interface LargestChange {
  setl_id: string;
  psn_no: string;
  setl_time: string;
  medfee: number;
  from: { fund: number; patient: number; refused: boolean; steps: readonly ExplanationStep[] | null };
  to: { fund: number; patient: number; refused: boolean; steps: readonly ExplanationStep[] | null };
}

/** A tally's state: plain data, sent between threads and merged. */
export interface TallyData {
  claims: number;
  /** Rows that could not be replayed (no stored facts, or a cancellation of a settlement outside the period). */
  skipped: number;
  refused_from: number;
  refused_to: number;
  medfee: number;
  fund: { from: number; to: number };
  patient: { from: number; to: number };
  acct: { from: number; to: number };
  by_fund_type: Record<string, Pair>;
  by_insutype: Record<string, Pair>;
  by_hosp_lv: Record<string, Pair>;
  by_month: Record<string, Pair>;
  groups: Partial<Record<PersonGroup, GroupTally>>;
  largest: LargestChange[];
}

const emptyTally = (): TallyData => ({
  claims: 0, skipped: 0, refused_from: 0, refused_to: 0, medfee: 0, fund: { from: 0, to: 0 }, patient: { from: 0, to: 0 }, acct: { from: 0, to: 0 },
  by_fund_type: {}, by_insutype: {}, by_hosp_lv: {}, by_month: {}, groups: {}, largest: [],
});

function addPair(m: Record<string, Pair>, key: string, from: number, to: number, claims = 1): void {
  const p = (m[key] ??= { claims: 0, from: 0, to: 0 });
  p.claims += claims;
  p.from += from;
  p.to += to;
}

const emptyGroup = (): GroupTally => ({ persons: 0, more: 0, less: 0, same: 0, change: 0, buckets: CHANGE_BUCKETS.map(() => 0) });

/** Keeps `list` the LARGEST_KEPT largest by |to.fund − from.fund| (ties: the earlier setl_id). */
function keepLargest(list: LargestChange[], c: LargestChange): void {
  const size = (x: LargestChange): number => Math.abs(x.to.fund - x.from.fund);
  if (list.length >= LARGEST_KEPT && size(c) <= size(list[list.length - 1]!)) return;
  list.push(c);
  list.sort((a, b) => size(b) - size(a) || Number(a.setl_id) - Number(b.setl_id));
  if (list.length > LARGEST_KEPT) list.length = LARGEST_KEPT;
}

interface OpenPerson {
  psn_no: string;
  groups: Set<PersonGroup>;
  from: number;
  to: number;
}

/**
 * Claims in person order, each person closed when the next one begins (or at `data()`); with
 * `ordered` false (a claim file in no particular order), every person stays open until `data()`.
 */
export class SimulationTally {
  private readonly t = emptyTally();
  private person: OpenPerson | undefined;
  private readonly open = new Map<string, OpenPerson>();

  constructor(private readonly ordered = true) {}

  private personOf(psn_no: string): OpenPerson {
    if (!this.ordered) {
      let p = this.open.get(psn_no);
      if (!p) this.open.set(psn_no, (p = { psn_no, groups: new Set(), from: 0, to: 0 }));
      return p;
    }
    if (this.person?.psn_no !== psn_no) {
      if (this.person) this.closePerson(this.person);
      this.person = { psn_no, groups: new Set(), from: 0, to: 0 };
    }
    return this.person;
  }

  add(c: TalliedClaim, from: ClaimOutcome | null, to: ClaimOutcome | null): void {
    if (from === null || to === null) {
      this.t.skipped += 1;
      return;
    }
    const p = this.personOf(c.psn_no);
    p.groups.add('all');
    if (c.retiree) p.groups.add('retiree');
    for (const g of c.identities) p.groups.add(g);
    p.from += from.patient;
    p.to += to.patient;
    const t = this.t;
    t.claims += 1;
    if (from.refused) t.refused_from += 1;
    if (to.refused) t.refused_to += 1;
    t.medfee += from.medfee;
    t.fund.from += from.fund;
    t.fund.to += to.fund;
    t.patient.from += from.patient;
    t.patient.to += to.patient;
    t.acct.from += from.acct;
    t.acct.to += to.acct;
    for (const k of new Set([...Object.keys(from.by_fund), ...Object.keys(to.by_fund)])) addPair(t.by_fund_type, k, from.by_fund[k] ?? 0, to.by_fund[k] ?? 0);
    addPair(t.by_insutype, c.insutype, from.fund, to.fund);
    addPair(t.by_hosp_lv, c.hosp_lv, from.fund, to.fund);
    addPair(t.by_month, c.month, from.fund, to.fund);
    if (from.fund !== to.fund) {
      keepLargest(t.largest, {
        setl_id: c.setl_id, psn_no: c.psn_no, setl_time: c.setl_time, medfee: from.medfee,
        from: { fund: from.fund, patient: from.patient, refused: from.refused, steps: from.settlement?.steps ?? null },
        to: { fund: to.fund, patient: to.patient, refused: to.refused, steps: to.settlement?.steps ?? null },
      });
    }
  }

  /** A row that could not be replayed. */
  skip(): void {
    this.t.skipped += 1;
  }

  private closePerson(p: OpenPerson): void {
    if (p.groups.size === 1 || (p.groups.size === 2 && p.groups.has('retiree'))) p.groups.add('none');
    const delta = p.to - p.from;
    for (const g of p.groups) {
      const gt = (this.t.groups[g] ??= emptyGroup());
      gt.persons += 1;
      if (delta > 0) gt.more += 1;
      else if (delta < 0) gt.less += 1;
      else gt.same += 1;
      gt.change += delta;
      gt.buckets[bucketOf(delta)]! += 1;
    }
  }

  /** The state so far, the persons in progress closed. */
  data(): TallyData {
    if (this.person) this.closePerson(this.person);
    this.person = undefined;
    for (const p of this.open.values()) this.closePerson(p);
    this.open.clear();
    return this.t;
  }
}

/** Tallies of disjoint persons added up. */
export function mergeTallies(parts: readonly TallyData[]): TallyData {
  const t = emptyTally();
  for (const p of parts) {
    t.claims += p.claims;
    t.skipped += p.skipped;
    t.refused_from += p.refused_from;
    t.refused_to += p.refused_to;
    t.medfee += p.medfee;
    for (const k of ['fund', 'patient', 'acct'] as const) {
      t[k].from += p[k].from;
      t[k].to += p[k].to;
    }
    for (const dim of ['by_fund_type', 'by_insutype', 'by_hosp_lv', 'by_month'] as const) {
      for (const [k, v] of Object.entries(p[dim])) addPair(t[dim], k, v.from, v.to, v.claims);
    }
    for (const [g, v] of Object.entries(p.groups) as [PersonGroup, GroupTally][]) {
      const gt = (t.groups[g] ??= emptyGroup());
      gt.persons += v.persons;
      gt.more += v.more;
      gt.less += v.less;
      gt.same += v.same;
      gt.change += v.change;
      v.buckets.forEach((n, i) => (gt.buckets[i]! += n));
    }
    for (const c of p.largest) keepLargest(t.largest, c);
  }
  return t;
}

const yuan = (fen: number): string => formatYuan(fen as Fen);

export interface ReportRow {
  key: string;
  name: string;
  claims: number;
  from: string;
  to: string;
  difference: string;
}

/** The report a bureau reads: amounts in yuan (strings, exact), names in Chinese and English. */
export interface SimulationReport {
  claims: number;
  persons: number;
  skipped: number;
  refused: { from: number; to: number };
  medfee: string;
  fund: { from: string; to: string; difference: string };
  patient: { from: string; to: string; difference: string };
  acct: { from: string; to: string; difference: string };
  by_fund_type: ReportRow[];
  by_insutype: ReportRow[];
  by_hosp_lv: ReportRow[];
  by_month: ReportRow[];
  /** Per-person change in what the patient pays, by group; buckets in yuan as CHANGE_BUCKETS names them. */
  persons_by_group: { group: PersonGroup; name: string; persons: number; more: number; less: number; same: number; change: string; buckets: number[] }[];
  buckets: readonly string[];
  largest: (Omit<LargestChange, 'medfee' | 'from' | 'to'> & { medfee: string; from: LargestSide; to: LargestSide })[];
}

type LargestSide = { fund: string; patient: string; refused: boolean; steps: readonly ExplanationStep[] | null };

const rows = (m: Record<string, Pair>, name: (k: string) => string): ReportRow[] =>
  Object.entries(m).sort(([a], [b]) => a.localeCompare(b)).map(([key, p]) => ({ key, name: name(key), claims: p.claims, from: yuan(p.from), to: yuan(p.to), difference: yuan(p.to - p.from) }));

const codeName = (table: Record<string, { zh: string; en: string }>) => (k: string): string => (table[k] ? `${table[k].zh} / ${table[k].en}` : k);

const GROUP_NAMES: Record<string, { zh: string; en: string }> = { all: { zh: '全部', en: 'everyone' }, retiree: { zh: '退休人员', en: 'retirees' }, none: { zh: '无特殊身份', en: 'no identity group' }, ...IDENTITY_GROUPS };

export function simulationReport(t: TallyData): SimulationReport {
  const side = (s: { from: number; to: number }) => ({ from: yuan(s.from), to: yuan(s.to), difference: yuan(s.to - s.from) });
  const ls = (s: LargestChange['from']): LargestSide => ({ ...s, fund: yuan(s.fund), patient: yuan(s.patient) });
  const order: PersonGroup[] = ['all', 'retiree', 'none', ...(Object.keys(IDENTITY_GROUPS) as IdentityGroup[])];
  return {
    claims: t.claims,
    persons: t.groups.all?.persons ?? 0,
    skipped: t.skipped,
    refused: { from: t.refused_from, to: t.refused_to },
    medfee: yuan(t.medfee),
    fund: side(t.fund),
    patient: side(t.patient),
    acct: side(t.acct),
    by_fund_type: rows(t.by_fund_type, codeName(FUND_PAY_TYPES)),
    by_insutype: rows(t.by_insutype, (k) => k),
    by_hosp_lv: rows(t.by_hosp_lv, codeName(HOSP_LVS)),
    by_month: rows(t.by_month, (k) => k),
    persons_by_group: order.filter((g) => t.groups[g]).map((g) => {
      const v = t.groups[g]!;
      return { group: g, name: codeName(GROUP_NAMES)(g), persons: v.persons, more: v.more, less: v.less, same: v.same, change: yuan(v.change), buckets: v.buckets };
    }),
    buckets: CHANGE_BUCKETS,
    largest: t.largest.map((c) => ({ ...c, medfee: yuan(c.medfee), from: ls(c.from), to: ls(c.to) })),
  };
}

/** The report as one table for a spreadsheet (src/server/api/spreadsheet.ts writes it): a section column, then the figures. */
export const SIMULATION_CSV_HEADER = ['section', 'key', 'name', 'count', 'from_yuan', 'to_yuan', 'difference_yuan', 'detail'] as const;

export function simulationTable(r: SimulationReport): (string | number)[][] {
  const out: (string | number)[][] = [];
  for (const k of ['fund', 'patient', 'acct'] as const) out.push(['summary', k, k, r.claims, r[k].from, r[k].to, r[k].difference, '']);
  for (const dim of ['by_fund_type', 'by_insutype', 'by_hosp_lv', 'by_month'] as const) {
    for (const x of r[dim]) out.push([dim, x.key, x.name, x.claims, x.from, x.to, x.difference, '']);
  }
  for (const g of r.persons_by_group) {
    const spread = r.buckets.map((b, i) => `${b}: ${g.buckets[i]}`).join('; ');
    out.push(['persons_by_group', g.group, g.name, g.persons, '', '', g.change, `more ${g.more}, less ${g.less}, same ${g.same}; ${spread}`]);
  }
  for (const c of r.largest) out.push(['largest', c.setl_id, c.psn_no, 1, c.from.fund, c.to.fund, '', `patient ${c.from.patient} → ${c.to.patient}; ${c.setl_time}`]);
  return out;
}
