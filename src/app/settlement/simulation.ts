// Policy simulation over the settlements stored in yibao (issue 19). A period's settlements are
// read in person order by worker threads, each its own share of the persons through its own
// cursor in one exported snapshot (src/store/settlement/replay.ts, src/app/threads.ts,
// simulation-worker.ts), which either
//  - verify: re-settle each under its own stored policy version, which must give back exactly
//    the stored amounts and explanation (`yibao replay --verify`), or
//  - simulate: price each under a draft policy, the person's year carried from claim to claim,
//    against what was paid (or a baseline policy), and tally the report (simulation-report.ts).
// The workbench runs a simulation in the background (simulation_runs), the CLI in the foreground.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { isIsoDate } from '../../engine/calendar.ts';
import { invalid, YibaoError } from '../../engine/errors.ts';
import type { Policy } from '../../engine/index.ts';
import { DIFFERENCES_KEPT, type ReplayWorkerData, type VerifyTally } from '../../engine/replay.ts';
import { mergeTallies, simulationReport, type SimulationReport, type TallyData } from '../../engine/simulation-report.ts';
import type { Pool } from '../../store/db.ts';
import type { DocumentRegistry } from '../../store/documents/registry.ts';
import { exportSnapshot, replayPlan, replayPolicyVersions, type ReplayFilter } from '../../store/settlement/replay.ts';
import { runThreads, threadCount } from '../threads.ts';
import type { ReplayThreadData } from './simulation-worker.ts';
import { policyOf } from './policy-workbench.ts';

/** How far a replay has got. */
export interface ReplayProgress {
  done: number;
  total: number;
  per_second: number;
  seconds_left: number;
}

export interface ReplayOptions {
  /** Worker threads (default 1). */
  workers?: number;
  /** Called about once a second while rows are read, and once at the end. */
  progress?: (p: ReplayProgress) => void;
}

/** A replay thread holds one person's year and a batch of rows: its heap stays small whatever the period. */
const THREAD_HEAP_MB = 128;

const workerFile = new URL(`./simulation-worker${path.extname(fileURLToPath(import.meta.url))}`, import.meta.url);

/**
 * The period's rows over `workers` threads, each reading its own range of the persons (about
 * equal in rows) in one snapshot exported here, so they see the same settlements; every
 * thread's answer.
 */
async function replayOver<A>(pool: Pool, filter: ReplayFilter, data: ReplayWorkerData, opts: ReplayOptions): Promise<{ answers: A[]; seconds: number }> {
  const threads = threadCount(opts.workers ?? 1, 'workers');
  const url = (pool as unknown as { options: { connectionString?: string } }).options.connectionString;
  if (!url) throw new Error('a replay needs a pool made from a connection URL (createPool)');
  const { snapshot, release } = await exportSnapshot(pool);
  const started = performance.now();
  let reported = started;
  let done = 0;
  try {
    const { total, ends } = await replayPlan(pool, filter, threads);
    const shares = [...ends, null].map((upto, i) => ({ after: i === 0 ? null : ends[i - 1]!, upto, snapshot }));
    const report = (): void => {
      const s = (performance.now() - started) / 1000;
      const rate = done / Math.max(s, 1e-3);
      opts.progress?.({ done, total, per_second: Math.round(rate), seconds_left: Math.round((total - done) / Math.max(rate, 1)) });
    };
    const answers = await runThreads<A>(workerFile, shares.length, (i): ReplayThreadData => ({ ...data, url, filter, share: shares[i]! }), {
      heapMb: THREAD_HEAP_MB,
      progress: (n) => {
        done = n;
        if (performance.now() - reported >= 1000) {
          reported = performance.now();
          report();
        }
      },
    });
    report();
    return { answers, seconds: (performance.now() - started) / 1000 };
  } finally {
    await release();
  }
}

/** A period of days, checked: both YYYY-MM-DD, the first not after the last. */
export function checkPeriod(from: unknown, to: unknown): { from: string; to: string } {
  if (!isIsoDate(from)) throw invalid('from', '应为日期 YYYY-MM-DD', 'expected a date YYYY-MM-DD');
  if (!isIsoDate(to)) throw invalid('to', '应为日期 YYYY-MM-DD', 'expected a date YYYY-MM-DD');
  if (from > to) throw invalid('to', '结束日期不能早于开始日期', 'the last day cannot be before the first');
  return { from, to };
}

export interface VerifyReport extends Omit<VerifyTally, 'differences'> {
  period: { from: string; to: string };
  seconds: number;
  differences: VerifyTally['differences'];
}

/** The documents of the policy versions the period's settlements were priced under (a version no longer stored is left out: its settlements do not replay). */
async function storedVersions(pool: Pool, docs: DocumentRegistry, f: ReplayFilter): Promise<ReplayWorkerData['policies']> {
  const policies: ReplayWorkerData['policies'] = [];
  for (const v of await replayPolicyVersions(pool, f)) {
    try {
      policies.push({ ...v, doc: (await docs.get(pool, 'policy', v.policy_id, v.version)).doc });
    } catch (err) {
      if (!(err instanceof YibaoError)) throw err;
    }
  }
  return policies;
}

/** Every stored settlement of the period re-settled under its own policy version: what differs. */
export async function verifyStored(pool: Pool, docs: DocumentRegistry, filter: Omit<ReplayFilter, 'explanation'>, opts: ReplayOptions = {}): Promise<VerifyReport> {
  const period = checkPeriod(filter.from, filter.to);
  const f = { ...filter, explanation: true };
  const policies = await storedVersions(pool, docs, f);
  const { answers, seconds } = await replayOver<VerifyTally>(pool, f, { mode: 'verify', policies }, opts);
  const sum = (k: 'checked' | 'same' | 'cancellations' | 'not_replayable' | 'different'): number => answers.reduce((a, t) => a + t[k], 0);
  const differences = answers.flatMap((t) => t.differences).sort((a, b) => Number(a.setl_id) - Number(b.setl_id)).slice(0, DIFFERENCES_KEPT);
  return { period, checked: sum('checked'), same: sum('same'), different: sum('different'), cancellations: sum('cancellations'), not_replayable: sum('not_replayable'), seconds: Math.round(seconds * 100) / 100, differences };
}

/** What a simulation is asked: the draft, and the baseline policy (null: what was actually paid), over a period. */
export interface SimulationRequest {
  from: string;
  to: string;
  draft: unknown;
  baseline: unknown | null;
}

export interface StoredSimulation {
  policy: { to: string; from: string; admdvs: string; insutype: string };
  period: { from: string; to: string };
  seconds: number;
  report: SimulationReport;
}

/** The request checked: the period, the draft and the baseline compiled, both of one region and insurance type. */
export function checkSimulation(req: SimulationRequest): { period: { from: string; to: string }; draft: Policy; baseline: Policy | null } {
  const period = checkPeriod(req.from, req.to);
  const draft = policyOf(req.draft, 'draft');
  const baseline = req.baseline === null ? null : policyOf(req.baseline, 'baseline');
  if (baseline && (baseline.admdvs !== draft.admdvs || baseline.insutype !== draft.insutype)) {
    throw invalid('baseline/admdvs', `基准政策应与草案同属 ${draft.admdvs} 险种 ${draft.insutype}`, `the baseline must be of the draft's region ${draft.admdvs} and insutype ${draft.insutype}`);
  }
  return { period, draft, baseline };
}

/**
 * The draft priced over the period's stored settlements of its region and insurance type, each
 * person's claims in their order, against what was paid (or the baseline): the report, the
 * largest changes with both explanations (what was paid explained by its own version's steps).
 */
export async function simulateStored(pool: Pool, docs: DocumentRegistry, req: SimulationRequest, opts: ReplayOptions = {}): Promise<StoredSimulation> {
  const { period, draft, baseline } = checkSimulation(req);
  const filter: ReplayFilter = { ...period, admdvs: draft.admdvs, insutype: draft.insutype, explanation: false };
  const policies = await storedVersions(pool, docs, filter);
  const { answers, seconds } = await replayOver<TallyData & { mismatches: number }>(pool, filter, { mode: 'simulate', policies, from: req.baseline, to: req.draft }, opts);
  // What was paid is each stored input re-settled under its own version: it must be what the row says was paid.
  const mismatches = answers.reduce((a, t) => a + t.mismatches, 0);
  if (mismatches > 0) throw new Error(`${mismatches} stored settlements do not re-settle to what was paid: run yibao replay --verify over the period`);
  const tally = mergeTallies(answers);
  return {
    policy: { to: `${draft.policy_id} v${draft.version}`, from: baseline ? `${baseline.policy_id} v${baseline.version}` : 'stored', admdvs: draft.admdvs, insutype: draft.insutype },
    period,
    seconds: Math.round(seconds * 100) / 100,
    report: simulationReport(tally),
  };
}
