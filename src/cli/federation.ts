import { formatYuan } from '../engine/money.ts';
import type { HubException } from '../engine/federation/hub-clearing.ts';
import { runHubClearing, type HubRunResult } from '../app/federation/hub-clearing.ts';
import { postHubStatement, type PostResult } from '../app/federation/hub-post.ts';
import { reportToHub, type ReportResult } from '../app/federation/hub-report.ts';
import { reconcileWith, type ReconcileResult } from '../app/federation/reconcile.ts';
import { readConfig } from '../server/config.ts';
import { federationLink } from '../server/federation/link.ts';
import { loadFederation } from '../server/federation/node.ts';
import { openDatabase } from './database.ts';

// `yibao federation report|clear|post --month YYYYMM` (docs/federation.md "Hub clearing"): a
// deployment reports its month to the hub, the hub clears it, a deployment posts its statement.
// `yibao federation reconcile --peer ID --day YYYY-MM-DD [--repair]` (docs/federation.md
// "Reconciliation"): a day's records with one peer, matched, and repaired when asked.
// The directory and keys come from YIBAO_FEDERATION, the database as for `yibao serve`.

const USAGE = 'usage: yibao federation report|clear|post --month YYYYMM | yibao federation reconcile --peer ID --day YYYY-MM-DD [--repair]';

export function parseFederationArgs(args: readonly string[]): { action: 'report' | 'clear' | 'post'; month: string } {
  const [action] = args;
  const i = args.indexOf('--month');
  const month = i >= 0 ? args[i + 1] : undefined;
  if ((action !== 'report' && action !== 'clear' && action !== 'post') || !month) throw new Error(USAGE);
  return { action, month };
}

function exceptionLine(e: HubException): string {
  switch (e.kind) {
    case 'one_side': return `  ${e.fed_id}\tonly ${e.reported_by} reported it (${e.role}, peer ${e.peer}${e.peer_reported ? '' : ', which sent no report'})\t${formatYuan(e.owed_fen)}`;
    case 'differs': return `  ${e.fed_id}\t${e.treatment} and ${e.insured} differ on ${e.fields.join(', ')}\t${formatYuan(e.treatment_owed_fen)} / ${formatYuan(e.insured_owed_fen)}`;
    case 'inconsistent': return `  ${e.fed_id}\treports that do not fit together: ${e.reported_by.join(', ')}`;
    case 'not_reported': return `  ${e.deployment}\tsent no report of the month`;
  }
}

export function reportSummary(r: ReportResult): string[] {
  return [`report ${r.report.month} of ${r.report.deployment}: ${r.report.count} records, net ${formatYuan(r.report.total)} if all clear`,
    `hub: ${r.answer.held} held, ${r.answer.already_cleared} cleared before${r.answer.replaced ? ', replacing the last report of the month' : ''} (msg_id ${r.msg_id})`];
}

export function clearSummary(r: HubRunResult): string[] {
  const out = [`hub clearing ${r.month}${r.built ? '' : ' — run before, as stored'}: ${r.matched} settlements matched and cleared`];
  out.push(['statement', 'deployment', 'counterparty', 'owed to it', 'it owes', 'net (yuan)'].join('\t'));
  for (const s of r.statements) {
    for (const l of s.lines) out.push([s.id, s.deployment, l.counterparty, formatYuan(l.owed_to_it_fen), formatYuan(l.it_owes_fen), formatYuan(l.net_fen)].join('\t'));
  }
  out.push('net positions (+ receives from the hub, − pays it):');
  for (const p of r.positions) out.push(`  ${p.deployment}\t${formatYuan(p.net_fen)}`);
  out.push(`exceptions, not cleared, carried to the next run: ${r.exceptions.length}`);
  for (const e of r.exceptions) out.push(exceptionLine(e));
  return out;
}

export function postSummary(r: PostResult): string[] {
  const s = r.statement;
  const out = [`statement ${s.id} of ${s.month} for ${s.deployment}: ${r.posted ? `posted, transfer ${r.transfer_id ?? 'none (nothing moved)'}` : `posted before (transfer ${r.transfer_id ?? 'none'}), nothing posted`}`];
  for (const l of s.lines) out.push(`  ${l.counterparty}\towed to it ${formatYuan(l.owed_to_it_fen)}\tit owes ${formatYuan(l.it_owes_fen)}\tnet ${formatYuan(l.net_fen)}`);
  out.push(`net position ${formatYuan(s.net_fen)}; ${s.cleared.length} records cleared; ${s.exceptions.length} exceptions`);
  for (const e of s.exceptions) out.push(exceptionLine(e));
  return out;
}

/** The China day [00:00, 24:00) of `--day`. */
export function parseReconcileArgs(args: readonly string[]): { peer: string; from: Date; to: Date; repair: boolean } {
  const at = (k: string): string | undefined => (args.indexOf(k) >= 0 ? args[args.indexOf(k) + 1] : undefined);
  const peer = at('--peer');
  const day = at('--day');
  if (!peer || !day || !/^\d{4}-\d{2}-\d{2}$/.test(day)) throw new Error(USAGE);
  const from = new Date(`${day}T00:00:00+08:00`);
  if (Number.isNaN(from.getTime())) throw new Error(USAGE);
  return { peer, from, to: new Date(from.getTime() + 86_400_000), repair: args.includes('--repair') };
}

export function reconcileSummary(r: ReconcileResult): string[] {
  const out = [`reconciliation with ${r.peer}, ${r.from} – ${r.to}: ${r.matched} agree, ${r.differing.length} differ, ${r.only_here.length} only here, ${r.only_there.length} only there`];
  for (const f of r.repaired) out.push(`  repaired\t${f}\trecorded from the peer's kept answer`);
  for (const u of r.unrepaired) out.push(`  open\t${u.fed_id}\t${u.why}`);
  return out;
}

async function reconcileCommand(args: string[]): Promise<void> {
  const a = parseReconcileArgs(args);
  const log = (line: string): void => console.log(`[yibao] ${line}`);
  const config = readConfig();
  if (!config.federationFile) throw new Error('YIBAO_FEDERATION is not set: name the federation directory file (docs/federation.md)');
  const node = loadFederation(config.federationFile);
  const db = await openDatabase(config, log);
  try {
    const r = await reconcileWith(db.pool, federationLink(node, { log }), a.peer, a.from, a.to, { repair: a.repair, now: new Date() });
    for (const line of reconcileSummary(r)) console.log(line);
    if (r.unrepaired.length > 0) process.exitCode = 3;
  } finally {
    await db.close();
  }
}

export async function federationCommand(args: string[]): Promise<void> {
  if (args[0] === 'reconcile') return reconcileCommand(args.slice(1));
  const a = parseFederationArgs(args);
  const log = (line: string): void => console.log(`[yibao] ${line}`);
  const config = readConfig();
  if (!config.federationFile) throw new Error('YIBAO_FEDERATION is not set: name the federation directory file (docs/federation.md)');
  const node = loadFederation(config.federationFile);
  const db = await openDatabase(config, log);
  try {
    if (a.action === 'clear') {
      for (const line of clearSummary(await runHubClearing(db.pool, { month: a.month, dir: node.directory, now: new Date(), progress: log }))) console.log(line);
      return;
    }
    const port = federationLink(node, { log });
    const lines = a.action === 'report'
      ? reportSummary(await reportToHub(db.pool, port, { month: a.month, now: new Date(), progress: log }))
      : postSummary(await postHubStatement(db.pool, port, { month: a.month, now: new Date(), progress: log }));
    for (const line of lines) console.log(line);
  } finally {
    await db.close();
  }
}
