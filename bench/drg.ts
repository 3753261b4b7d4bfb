// The DRG part of `npm run bench` (issue 14): CHS-DRG 1.1 grouping on one core, explanations on.
// The cases are generated from the scheme's own tables (seeded, src/demo/prng.ts), so that every
// stage of the grouper is reached: principal diagnoses from the MDC principal tables, procedures
// from the ADRGs' lists (now and then one that fits no surgical group of the MDC: QY),
// secondary diagnoses from the MCC and CC tables, a few newborns with birth weights, a few long
// ventilations and transplants (pre-MDC).
//   drg_group_per_s   cases grouped per second, with every step explained
//   reference_per_s   the same cases through a plain loop of one Map lookup per diagnosis and
//                     procedure, in the same run: the ratio of the two is what to compare
//                     between machines
import { Prng } from '../src/demo/prng.ts';
import { compileScheme, type CompiledScheme, type GroupingScheme } from '../src/engine/drg/scheme.ts';
import { groupCase, type DrgCase } from '../src/engine/drg/group.ts';
import { chsDrg11Scheme } from '../src/store/shipped-documents.ts';

export interface DrgBench {
  cases: number;
  seconds: number;
  drg_group_per_s: number;
  grouped_share: number;
  ungroupable_share: number;
  /** Distinct DRGs the generated cases fell into. */
  drgs_seen: number;
  reference_per_s: number;
}

/** `n` cases drawn from the scheme's tables, the same for the same seed. */
export function generateDrgCases(scheme: GroupingScheme, n: number, seed = 'drg-bench-chs-1.1'): DrgCase[] {
  const prng = new Prng(seed);
  const mdcs = scheme.mdcs.filter((m) => m.principal.length > 0 && m.code !== 'MDCP');
  const newbornPrincipal = scheme.mdcs.find((m) => m.code === 'MDCP')?.principal ?? [];
  const proceduresOf = new Map<string, string[][][]>(); // MDC → its ADRGs' procedure lists
  for (const a of scheme.adrgs) {
    for (const w of a.when) {
      if (!w.procedures) continue;
      const list = proceduresOf.get(a.mdc) ?? proceduresOf.set(a.mdc, []).get(a.mdc)!;
      list.push(w.procedures);
    }
  }
  const preMdc = (proceduresOf.get('MDCA') ?? []).flat();
  const allProcedureLists = [...proceduresOf.values()].flat(2);
  const mcc = Object.keys(scheme.mcc);
  const cc = Object.keys(scheme.cc);
  const anyPrincipal = mdcs.flatMap((m) => m.principal);
  const cases: DrgCase[] = [];
  for (let k = 0; k < n; k++) {
    const newborn = newbornPrincipal.length > 0 && prng.chance(0.02);
    const mdc = prng.pick(mdcs);
    const principal = newborn ? prng.pick(newbornPrincipal) : prng.pick(mdc.principal);
    const gend = mdc.code === 'MDCM' ? '1' : mdc.code === 'MDCN' || mdc.code === 'MDCO' ? '2' : prng.chance(0.5) ? '1' : '2';
    const procedures: string[] = [];
    const own = proceduresOf.get(mdc.code);
    if (!newborn && own && prng.chance(0.45)) for (const list of prng.pick(own)) procedures.push(prng.pick(list));
    if (prng.chance(0.04)) procedures.push(prng.pick(prng.pick(allProcedureLists))); // often another MDC's operation: QY
    if (preMdc.length > 0 && prng.chance(0.005)) procedures.unshift(prng.pick(prng.pick(preMdc)));
    const diagnoses = [principal];
    const secondaries = prng.int(5);
    for (let i = 0; i < secondaries; i++) {
      const r = prng.next();
      diagnoses.push(r < 0.15 ? prng.pick(mcc) : r < 0.5 ? prng.pick(cc) : prng.pick(anyPrincipal));
    }
    const ventilated = !newborn && prng.chance(0.01);
    cases.push({
      id: `D${k}`,
      gend,
      age: newborn ? 0 : 1 + prng.int(90),
      ...(newborn ? { age_days: prng.int(29), birth_weight_g: 600 + prng.int(4000) } : {}),
      los_days: 1 + prng.int(20),
      dscg_way: '1',
      ...(ventilated ? { vent_hours: 96 + prng.int(300) } : prng.chance(0.02) ? { vent_hours: prng.int(96) } : {}),
      diagnoses,
      procedures,
    });
  }
  return cases;
}

/** One Map lookup per diagnosis and procedure of each case: the floor any grouper stands on. */
function referenceLoop(codes: Map<string, number>, cases: readonly DrgCase[]): number {
  let hits = 0;
  for (const c of cases) {
    for (const d of c.diagnoses) hits += codes.get(d) ?? 0;
    for (const p of c.procedures) hits += codes.get(p) ?? 0;
  }
  return hits;
}

export function runDrgBench(opts: { cases?: number; scheme?: CompiledScheme; document?: GroupingScheme } = {}): DrgBench {
  const n = opts.cases ?? 100_000;
  const doc = opts.document ?? chsDrg11Scheme();
  const scheme = opts.scheme ?? compileScheme(doc);
  const cases = generateDrgCases(doc, n);

  // Warm up on a slice so the figure is the grouper's, not the compiler's.
  for (let i = 0; i < Math.min(n, 2000); i++) groupCase(scheme, cases[i]!, { explain: true });

  let grouped = 0;
  const drgs = new Set<string>();
  const t0 = performance.now();
  for (const c of cases) {
    const g = groupCase(scheme, c, { explain: true });
    if (g.status === 'grouped') grouped++;
    drgs.add(g.drg);
  }
  const seconds = (performance.now() - t0) / 1000;

  const codes = new Map<string, number>();
  for (const m of doc.mdcs) for (const d of m.principal) codes.set(d, 1);
  for (const a of doc.adrgs) for (const w of a.when) for (const list of w.procedures ?? []) for (const p of list) codes.set(p, 1);
  referenceLoop(codes, cases.slice(0, 2000));
  // The loop is fast: repeated until it has run long enough to time.
  let rounds = 0;
  let sink = 0;
  const t1 = performance.now();
  do {
    sink += referenceLoop(codes, cases);
    rounds++;
  } while (performance.now() - t1 < 200);
  const referenceSeconds = (performance.now() - t1) / 1000;
  if (sink < 0) throw new Error('unreachable'); // keeps the loop's result alive

  return {
    cases: n,
    seconds: Number(seconds.toFixed(3)),
    drg_group_per_s: Math.round(n / seconds),
    grouped_share: Number((grouped / n).toFixed(4)),
    ungroupable_share: Number(((n - grouped) / n).toFixed(4)),
    drgs_seen: drgs.size,
    reference_per_s: Math.round((n * rounds) / referenceSeconds),
  };
}
