import { addDays } from '../engine/calendar.ts';
import { readConfig } from '../server/config.ts';
import { runScan, todayInChina } from '../app/supervision/scan.ts';
import { seedSettlementDocuments } from '../store/documents/seed.ts';
import { openDatabase } from './database.ts';

// `yibao scan [--from D] [--to D] [--region CODE] [--incremental]`: the after-settlement scan
// of the supervision library (src/app/supervision/scan.ts) with its progress.

export interface ScanArgs {
  from: string;
  to: string;
  scope: string;
  incremental: boolean;
  report: boolean;
}

const USAGE = 'usage: yibao scan [--from YYYY-MM-DD] [--to YYYY-MM-DD] [--region CODE] [--incremental] [--report]';

export function parseScanArgs(args: readonly string[], now = new Date()): ScanArgs {
  const value = (flag: string): string | undefined => {
    const i = args.indexOf(flag);
    if (i < 0) return undefined;
    const v = args[i + 1];
    if (v === undefined || v.startsWith('--')) throw new Error(`${flag} needs a value\n${USAGE}`);
    return v;
  };
  const known = new Set(['--from', '--to', '--region', '--incremental', '--report']);
  for (const a of args) if (a.startsWith('--') && !known.has(a)) throw new Error(`unknown option ${a}\n${USAGE}`);
  const to = value('--to') ?? todayInChina(now);
  // By default the last year: what the cross-visit rules and a bureau's yearly review look at.
  return { from: value('--from') ?? addDays(to, -365), to, scope: value('--region') ?? 'all', incremental: args.includes('--incremental'), report: args.includes('--report') };
}

export async function scanCommand(args: string[]): Promise<void> {
  const a = parseScanArgs(args);
  const log = (line: string): void => console.log(`[yibao] ${line}`);
  const db = await openDatabase(readConfig(), log);
  try {
    await seedSettlementDocuments(db.pool);
    const r = await runScan(db.pool, { scope: a.scope, from: a.from, to: a.to, incremental: a.incremental, by: 'cli', progress: log });
    console.log(`scan ${r.id} (${r.mode}) done in ${r.seconds.toFixed(1)} s: ${r.persons} persons, ${r.claims} claims, ${r.lines} lines; ${r.found} new findings, ${r.amended} amended, ${r.closed} closed`);
    if (a.report) {
      const { plantedReport, reportLines } = await import('../app/supervision/report.ts');
      for (const line of reportLines(await plantedReport(db.pool))) console.log(line);
    }
  } finally {
    await db.close();
  }
}
