// A simulation run from the staff workbench (issue 19): started by a request, run in the
// background by the process that took it (simulation.ts, one worker thread so that settlement
// keeps a core), its progress and heartbeat written about every second, its report stored when
// done. One run at a time in a deployment; a run whose process stopped reads as failed.
import { conflict, invalid, notFound, YibaoError } from '../../engine/errors.ts';
import { writeAudit, type WriteContext } from '../../store/audit.ts';
import type { Pool } from '../../store/db.ts';
import type { DocumentRegistry } from '../../store/documents/registry.ts';
import { beatRun, failStaleRuns, findRun, finishRun, insertRun, listRuns, type SimulationRunRow } from '../../store/settlement/simulation-runs.ts';
import { checkSimulation, simulateStored, type StoredSimulation } from './simulation.ts';

export interface SimulationRunView {
  id: string;
  admdvs: string;
  insutype: string;
  period: { from: string; to: string };
  /** `policy_id vN` of the draft and of the baseline ('stored': what was paid). */
  draft: string;
  baseline: string;
  status: 'running' | 'done' | 'failed';
  progress: { done: number; total: number };
  error: string | null;
  requested_by: string;
  started_at: string;
  finished_at: string | null;
  /** When done (one run read by its id). */
  result?: StoredSimulation;
}

const label = (doc: unknown): string => {
  const d = doc as { policy_id?: unknown; version?: unknown } | null;
  return d === null ? 'stored' : `${String(d.policy_id)} v${String(d.version)}`;
};

function view(r: SimulationRunRow): SimulationRunView {
  return {
    id: r.id, admdvs: r.admdvs, insutype: r.insutype, period: { from: r.period_from, to: r.period_to }, draft: label(r.to_policy), baseline: label(r.from_policy),
    status: r.status, progress: { done: r.claims_done, total: r.claims_total }, error: r.error, requested_by: r.requested_by,
    started_at: r.started_at.toISOString(), finished_at: r.finished_at?.toISOString() ?? null,
    ...(r.report ? { result: r.report as StoredSimulation } : {}),
  };
}

/** Runs still in progress in this process (a test, or a stopping server, may wait for them). */
const inProgress = new Set<Promise<void>>();
export const runsInProgress = (): Promise<unknown> => Promise.all([...inProgress]);

const messageOf = (err: unknown): string =>
  err instanceof YibaoError ? err.details.map((d) => `${d.field}: ${d.zh} / ${d.en}`).join('; ') : (err as Error).message;

/**
 * Starts a simulation of `req.draft` over the stored settlements of `admdvs` (the region the
 * caller was let into, which must be the draft's), audited; answers at once with the run.
 */
export async function startSimulationRun(pool: Pool, docs: DocumentRegistry, ctx: WriteContext, req: { admdvs: string; draft: unknown; baseline: unknown | null; from: unknown; to: unknown }, clock: () => Date = () => new Date()): Promise<SimulationRunView> {
  const { period, draft } = checkSimulation({ from: req.from as string, to: req.to as string, draft: req.draft, baseline: req.baseline });
  if (draft.admdvs !== req.admdvs) throw invalid('draft/admdvs', `草案的统筹区应为 ${req.admdvs}`, `the draft's admdvs must be ${req.admdvs}`);
  await failStaleRuns(pool, ctx.now);
  const row = await insertRun(pool, { admdvs: draft.admdvs, insutype: draft.insutype, ...period, from_policy: req.baseline, to_policy: req.draft, requested_by: ctx.actor, now: ctx.now });
  if (!row) throw conflict('simulation', '已有测算在运行，请待其完成', 'a simulation is already running: wait for it to finish');
  await writeAudit(pool, ctx, 'simulation.start', `simulation:${row.id}`, { draft: label(req.draft), baseline: label(req.baseline), ...period });
  let progress = { done: 0, total: 0 };
  const beat = setInterval(() => void beatRun(pool, row.id, progress.done, progress.total, clock()).catch(() => undefined), 1000);
  const work = simulateStored(pool, docs, { ...period, draft: req.draft, baseline: req.baseline }, { workers: 1, progress: (p) => (progress = { done: p.done, total: p.total }) })
    .then((result) => finishRun(pool, row.id, { report: result, rows: progress.done }, clock()), (err: unknown) => finishRun(pool, row.id, { error: messageOf(err) }, clock()))
    .catch(() => undefined) // the database went away: the heartbeat stops, and the run reads as failed
    .finally(() => {
      clearInterval(beat);
      inProgress.delete(work);
    });
  inProgress.add(work);
  return view(row);
}

/** One run with its report when done. */
export async function simulationRun(pool: Pool, id: string, now: Date): Promise<SimulationRunView> {
  await failStaleRuns(pool, now);
  const r = await findRun(pool, id);
  if (!r) throw notFound('id', `测算 ${id} 不存在`, `no simulation ${id}`);
  return view(r);
}

/** A region's recent runs, newest first, without their reports. */
export async function simulationRuns(pool: Pool, admdvs: string, now: Date): Promise<SimulationRunView[]> {
  await failStaleRuns(pool, now);
  return (await listRuns(pool, admdvs)).map(view);
}
