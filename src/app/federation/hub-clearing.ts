import crypto from 'node:crypto';
import { conflict, forbidden, invalid, notFound } from '../../engine/errors.ts';
import { deploymentById, type Deployment, type Directory } from '../../engine/federation/directory.ts';
import { canonicalRecords, checkReport, clearHub, type HubClearing, type HubException } from '../../engine/federation/hub-clearing.ts';
import { writeAudit } from '../../store/audit.ts';
import { inTransaction, type Pool, type Queryable } from '../../store/db.ts';
import { hubRunOf, hubStatementsOf, lastClearedMonth, lockHub, openRecords, reportersOf, storeReport, writeHubRun, type StoredHubStatement, type StoredReport } from '../../store/federation/hub.ts';
import { parseMonth } from '../clearing/run.ts';

// The hub's side of the clearing between deployments (docs/federation.md "Hub clearing"): it
// takes each deployment's monthly report, runs the month (match, net, carry the exceptions)
// and hands each deployment its own statement. Matching and netting are the engine's
// (clearHub); this module holds the order of things and the transactions.

export const sha256Hex = (text: string): string => crypto.createHash('sha256').update(text, 'utf8').digest('hex');

/** The deployments the hub clears between (the directory's, the hub itself excepted). */
export const clearedDeployments = (dir: Directory): string[] => dir.deployments.filter((d) => d.role === 'deployment').map((d) => d.id).sort();

export function assertHub(dir: Directory): void {
  if (deploymentById(dir, dir.self)?.role !== 'hub') throw invalid('kind', `本部署 ${dir.self} 不是清算中心`, `this deployment ${dir.self} is not the clearing hub`);
}

export interface AcceptedReport extends StoredReport {
  month: string;
  deployment: string;
  count: number;
  total: number;
  records_sha256: string;
}

/**
 * A deployment's report (the `hub.report` handler, in the transaction that keeps its answer):
 * checked for shape and authority, refused once the month (or a later one) is cleared, then
 * stored as the newest report of its month.
 */
export async function acceptReport(q: Queryable, x: { dir: Directory; sender: Deployment; msg_id: string; body: unknown; now: Date }): Promise<AcceptedReport> {
  assertHub(x.dir);
  const report = checkReport(x.body, x.sender.id, x.dir.deployments);
  await lockHub(q);
  const last = await lastClearedMonth(q);
  if (last !== null && report.month <= last) {
    throw conflict('body.month', `${report.month} 已清算（最近清算月份 ${last}），不再接收该月报告；晚到的记录请随下月报告上报`, `${report.month} is cleared (latest cleared month ${last}): no more reports of it; report late records with a later month`);
  }
  const sha = sha256Hex(canonicalRecords(report.records));
  const stored = await storeReport(q, report, x.msg_id, sha, x.now);
  await writeAudit(q, { actor: `deployment:${x.sender.id}`, now: x.now }, 'hub.report', `${report.deployment}:${report.month}`, { msg_id: x.msg_id, count: report.count, total: report.total, ...stored });
  return { month: report.month, deployment: report.deployment, count: report.count, total: report.total, records_sha256: sha, ...stored };
}

export interface HubRunInput {
  month: string;
  dir: Directory;
  now: Date;
  progress?: (line: string) => void;
}

export interface HubRunResult {
  month: string;
  /** False when the month had been run: its statements as stored. */
  built: boolean;
  matched: number;
  exceptions: HubException[];
  positions: { deployment: string; net_fen: number }[];
  statements: StoredHubStatement[];
}

/**
 * The month's clearing on the hub, once: every record held uncleared for the month or before
 * it is matched; the matches are netted and cleared, the rest carried; one statement per
 * deployment. A month run before returns what it stored; a month before the latest cleared
 * one is refused (its records went to the later run).
 */
export async function runHubClearing(pool: Pool, input: HubRunInput): Promise<HubRunResult> {
  const month = parseMonth(input.month);
  assertHub(input.dir);
  const say = input.progress ?? ((): void => undefined);
  return inTransaction(pool, async (q) => {
    await lockHub(q);
    const before = await hubRunOf(q, month);
    if (before) {
      say(`${month} was cleared before: its statements as stored`);
      return { month, built: false, matched: before.matched, exceptions: before.exceptions, positions: before.positions, statements: await hubStatementsOf(q, month) };
    }
    const last = await lastClearedMonth(q);
    if (last !== null && last > month) throw conflict('month', `已清算到 ${last}，不能再清算更早的 ${month}`, `the hub has cleared up to ${last}: ${month}, an earlier month, can no longer be run`);
    const held = await openRecords(q, month);
    const reporters = new Set(await reportersOf(q, month));
    const c: HubClearing = clearHub(month, clearedDeployments(input.dir), held, reporters);
    await writeHubRun(q, c, input.now);
    await writeAudit(q, { actor: 'system:hub', now: input.now }, 'hub.clear', month, { matched: c.matched.length, exceptions: c.exceptions.length });
    say(`${held.length} records held for ${month} from ${reporters.size} reports: ${c.matched.length} settlements matched and cleared, ${c.exceptions.length} exceptions carried`);
    return { month, built: true, matched: c.matched.length, exceptions: c.exceptions, positions: c.positions, statements: await hubStatementsOf(q, month) };
  });
}

/** A deployment's own statement of a cleared month (the `hub.statement` handler): only its own. */
export async function statementFor(q: Queryable, x: { dir: Directory; sender: Deployment; body: Record<string, unknown> }): Promise<StoredHubStatement> {
  assertHub(x.dir);
  if (x.sender.role !== 'deployment') throw forbidden('from', '只有部署可以取清算单', 'only a deployment takes a clearing statement');
  const month = typeof x.body['month'] === 'string' ? x.body['month'] : '';
  const m = parseMonth(month.length > 0 ? month : '-');
  const asked = x.body['deployment'];
  if (asked !== undefined && asked !== x.sender.id) throw forbidden('body.deployment', `只能取本部署的清算单（签名方 ${x.sender.id}）`, `a deployment takes only its own statement (signed by ${x.sender.id})`);
  if (!(await hubRunOf(q, m))) throw notFound('body.month', `${m} 尚未清算`, `${m} is not cleared yet`);
  const [s] = await hubStatementsOf(q, m, x.sender.id);
  if (!s) throw notFound('body.month', `${m} 没有 ${x.sender.id} 的清算单`, `${m} has no statement of ${x.sender.id}`);
  return s;
}
