import type { Queryable } from '../db.ts';

// The rows of simulation_runs (034_simulation.sql): a workbench simulation in the background,
// its progress (with a heartbeat) and its report.

export interface SimulationRunRow {
  id: string;
  admdvs: string;
  insutype: string;
  period_from: string;
  period_to: string;
  from_policy: unknown;
  to_policy: unknown;
  status: 'running' | 'done' | 'failed';
  claims_total: number;
  claims_done: number;
  report: unknown;
  error: string | null;
  requested_by: string;
  started_at: Date;
  heartbeat_at: Date;
  finished_at: Date | null;
}

const COLUMNS = `id::text, admdvs, insutype, to_char(period_from, 'YYYY-MM-DD') AS period_from, to_char(period_to, 'YYYY-MM-DD') AS period_to,
  from_policy, to_policy, status, claims_total::int, claims_done::int, report, error, requested_by, started_at, heartbeat_at, finished_at`;

/** Runs whose heartbeat stopped this long ago were cut off. */
export const STALE_AFTER_SECONDS = 30;

/** Marks runs whose process stopped beating as failed (it died with them). */
export async function failStaleRuns(q: Queryable, now: Date): Promise<void> {
  await q.query(`UPDATE simulation_runs SET status = 'failed', error = 'interrupted: the process running it stopped', finished_at = $1
     WHERE status = 'running' AND heartbeat_at < $1::timestamptz - make_interval(secs => $2)`, [now, STALE_AFTER_SECONDS]);
}

/** A new run, unless one is running already (one at a time: it takes a core from settlement). */
export async function insertRun(q: Queryable, r: { admdvs: string; insutype: string; from: string; to: string; from_policy: unknown; to_policy: unknown; requested_by: string; now: Date }): Promise<SimulationRunRow | undefined> {
  const res = await q.query<SimulationRunRow>(`INSERT INTO simulation_runs (admdvs, insutype, period_from, period_to, from_policy, to_policy, status, requested_by, started_at, heartbeat_at)
     VALUES ($1, $2, $3, $4, $5, $6, 'running', $7, $8, $8) ON CONFLICT ((true)) WHERE status = 'running' DO NOTHING
     RETURNING ${COLUMNS}`, [r.admdvs, r.insutype, r.from, r.to, r.from_policy === null ? null : JSON.stringify(r.from_policy), JSON.stringify(r.to_policy), r.requested_by, r.now]);
  return res.rows[0];
}

export async function beatRun(q: Queryable, id: string, done: number, total: number, now: Date): Promise<void> {
  await q.query(`UPDATE simulation_runs SET claims_done = $2, claims_total = $3, heartbeat_at = $4 WHERE id = $1 AND status = 'running'`, [id, done, total, now]);
}

/** The run's end: its report and the rows it read, or why it failed. */
export async function finishRun(q: Queryable, id: string, outcome: { report: unknown; rows: number } | { error: string }, now: Date): Promise<void> {
  if ('report' in outcome) await q.query(`UPDATE simulation_runs SET status = 'done', report = $2, claims_done = $4, claims_total = $4, finished_at = $3 WHERE id = $1`, [id, JSON.stringify(outcome.report), now, outcome.rows]);
  else await q.query(`UPDATE simulation_runs SET status = 'failed', error = $2, finished_at = $3 WHERE id = $1`, [id, outcome.error, now]);
}

export async function findRun(q: Queryable, id: string): Promise<SimulationRunRow | undefined> {
  if (!/^[0-9]{1,15}$/.test(id)) return undefined;
  return (await q.query<SimulationRunRow>(`SELECT ${COLUMNS} FROM simulation_runs WHERE id = $1`, [id])).rows[0];
}

/** A region's runs, newest first, without their reports. */
export async function listRuns(q: Queryable, admdvs: string, limit = 20): Promise<SimulationRunRow[]> {
  return (await q.query<SimulationRunRow>(`SELECT ${COLUMNS.replace('report,', 'NULL AS report,')} FROM simulation_runs WHERE admdvs = $1 ORDER BY id DESC LIMIT $2`, [admdvs, limit])).rows;
}
