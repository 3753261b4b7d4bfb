// `yibao replay --verify` and `yibao simulate` (docs/simulator.md): the settlements stored in
// yibao re-settled — under their own policy versions, which must give back exactly what was
// stored, or under a draft over a period, against what was paid — on the database `yibao serve`
// uses (DATABASE_URL, or the embedded one, running or started for the command).
import fs from 'node:fs';
import os from 'node:os';
import { parseArgs } from 'node:util';
import { readConfig } from '../server/config.ts';
import { toCsv } from '../server/api/spreadsheet.ts';
import { simulateStored, verifyStored, type ReplayProgress, type StoredSimulation } from '../app/settlement/simulation.ts';
import { SIMULATION_CSV_HEADER, simulationTable } from '../engine/simulation-report.ts';
import { DocumentRegistry } from '../store/documents/registry.ts';
import type { Pool } from '../store/db.ts';
import { maintenanceDatabase } from './database.ts';
import { readNamedPolicy } from '../app/settlement/policy-workbench.ts';

const log = (line: string): void => console.error(`[yibao] ${line}`);

/** The whole history when no period is given. */
const EVER = { from: '2000-01-01', to: '2099-12-31' };

function progressLine(what: string): (p: ReplayProgress) => void {
  return (p) => log(`${what}: ${p.done} of ${p.total} settlements, ${p.per_second} a second, about ${p.seconds_left} s left`);
}

async function withDatabase<T>(work: (pool: Pool, docs: DocumentRegistry) => Promise<T>): Promise<T> {
  const db = await maintenanceDatabase(readConfig(), log);
  try {
    return await work(db.pool, new DocumentRegistry());
  } finally {
    await db.close();
  }
}

const workersOf = (v: string | undefined): number => (v === undefined ? os.availableParallelism() : Number(v));

export async function replayCommand(args: string[]): Promise<void> {
  const { values } = parseArgs({ args, options: { verify: { type: 'boolean' }, from: { type: 'string' }, to: { type: 'string' }, admdvs: { type: 'string' }, insutype: { type: 'string' }, workers: { type: 'string' } } });
  if (!values.verify) throw new Error('usage: yibao replay --verify [--from YYYY-MM-DD] [--to YYYY-MM-DD] [--admdvs CODE] [--insutype CODE] [--workers N]');
  const filter = { from: values.from ?? EVER.from, to: values.to ?? EVER.to, admdvs: values.admdvs, insutype: values.insutype };
  const report = await withDatabase((pool, docs) => verifyStored(pool, docs, filter, { workers: workersOf(values.workers), progress: progressLine('replay') }));
  console.log(JSON.stringify(report, null, 2));
  if (report.different > 0) {
    log(`${report.different} of ${report.checked} settlements differ from what their stored input and policy version give (the first ${report.differences.length} are listed)`);
    process.exitCode = 1;
  } else log(`all ${report.checked} settlements re-settle to exactly what was stored (${report.not_replayable} without a stored input, ${report.cancellations} cancellations)`);
}

/** A policy named as a file (a draft) or as a stored ID[@VERSION]. */
async function policyArg(pool: Pool, docs: DocumentRegistry, name: string): Promise<unknown> {
  if (fs.existsSync(name)) return JSON.parse(fs.readFileSync(name, 'utf8'));
  return readNamedPolicy(pool, docs, name, name);
}

/** The report's headline as lines of text. */
export function simulationSummary(s: StoredSimulation): string[] {
  const r = s.report;
  const out = [
    `simulation of ${s.policy.to} against ${s.policy.from === 'stored' ? 'what was paid' : s.policy.from}, ${s.period.from} to ${s.period.to} (${s.policy.admdvs}, insutype ${s.policy.insutype}): ${r.claims} claims of ${r.persons} persons in ${s.seconds} s`,
    `  fund      ${r.fund.from.padStart(16)} → ${r.fund.to.padStart(16)}   ${r.fund.difference}`,
    `  patients  ${r.patient.from.padStart(16)} → ${r.patient.to.padStart(16)}   ${r.patient.difference}`,
    `  account   ${r.acct.from.padStart(16)} → ${r.acct.to.padStart(16)}   ${r.acct.difference}`,
  ];
  for (const g of r.persons_by_group) out.push(`  ${g.name}: ${g.persons} persons, ${g.more} pay more, ${g.less} less, ${g.same} the same (${g.change} in all)`);
  if (r.refused.to > 0) out.push(`  ${r.refused.to} claims the draft refuses (their patients pay the whole bill)`);
  return out;
}

export async function simulateCommand(args: string[]): Promise<void> {
  const { values } = parseArgs({ args, options: { draft: { type: 'string' }, baseline: { type: 'string' }, from: { type: 'string' }, to: { type: 'string' }, workers: { type: 'string' }, json: { type: 'boolean' }, csv: { type: 'string' } } });
  if (!values.draft) throw new Error('usage: yibao simulate --draft P.json|ID[@VERSION] [--baseline P.json|ID@VERSION] [--from YYYY-MM-DD] [--to YYYY-MM-DD] [--workers N] [--json] [--csv FILE]');
  const { draft, baseline } = { draft: values.draft, baseline: values.baseline };
  const result = await withDatabase(async (pool, docs) => simulateStored(pool, docs, {
    from: values.from ?? EVER.from, to: values.to ?? EVER.to,
    draft: await policyArg(pool, docs, draft),
    baseline: baseline === undefined ? null : await policyArg(pool, docs, baseline),
  }, { workers: workersOf(values.workers), progress: progressLine('simulate') }));
  if (values.csv) {
    fs.writeFileSync(values.csv, toCsv(SIMULATION_CSV_HEADER, simulationTable(result.report)));
    log(`report written to ${values.csv}`);
  }
  console.log(values.json ? JSON.stringify(result, null, 2) : simulationSummary(result).join('\n'));
}
