import { invalid } from '../../engine/errors.ts';
import type { Deployment, Directory } from '../../engine/federation/directory.ts';
import { canonicalRecords, reportTotal, type HubReport } from '../../engine/federation/hub-clearing.ts';
import { writeAudit } from '../../store/audit.ts';
import type { Pool } from '../../store/db.ts';
import { recordsToReport } from '../../store/federation/hub.ts';
import { parseMonth } from '../clearing/run.ts';
import { sha256Hex, type AcceptedReport } from './hub-clearing.ts';
import type { FederationPort } from './port.ts';

// A deployment's monthly report to the hub (docs/federation.md "Hub clearing"): its
// cross-deployment settlements and cancellations of the month, both roles, and the earlier
// ones no statement has cleared here yet, as one `hub.report` message. The msg_id names the
// records' content, so an unchanged report sent again is answered from the hub's inbox and a
// changed one (after a repair) is a new report that replaces the last.

/** The directory's hub, or a clear error when it has none. */
export function hubOf(dir: Directory): Deployment {
  const hub = dir.deployments.find((d) => d.role === 'hub');
  if (!hub) throw invalid('YIBAO_FEDERATION', '联邦目录中没有清算中心（role 为 hub 的部署）', 'the federation directory has no hub (a deployment with role hub)');
  if (hub.id === dir.self) throw invalid('YIBAO_FEDERATION', '本部署就是清算中心：上报和入账在各部署上进行', 'this deployment is the hub: reports and postings are made on the deployments');
  return hub;
}

export const reportMsgId = (self: string, month: string, sha: string): string => `report:${self}:${month}:${sha}`;

export interface ReportInput {
  month: string;
  now: Date;
  progress?: (line: string) => void;
}

export interface ReportResult {
  report: HubReport;
  msg_id: string;
  answer: AcceptedReport;
}

/** Builds the month's report from this deployment's records and sends it to the hub. */
export async function reportToHub(pool: Pool, port: FederationPort, input: ReportInput): Promise<ReportResult> {
  const month = parseMonth(input.month);
  const dir = port.directory;
  const hub = hubOf(dir);
  const records = await recordsToReport(pool, month);
  const report: HubReport = { month, deployment: dir.self, records, count: records.length, total: reportTotal(records) };
  const msgId = reportMsgId(dir.self, month, sha256Hex(canonicalRecords(records)));
  input.progress?.(`${records.length} cross-deployment records for ${month} (net ${report.total} fen if all clear) → ${hub.id}`);
  const answer = await port.send<AcceptedReport>(hub, 'hub.report', msgId, report);
  await writeAudit(pool, { actor: `system:${dir.self}`, now: input.now }, 'hub.report.sent', `${dir.self}:${month}`, { msg_id: msgId, hub: hub.id, count: report.count, total: report.total });
  return { report, msg_id: msgId, answer };
}
