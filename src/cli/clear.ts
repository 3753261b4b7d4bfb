import type { ClearingLevel } from '../engine/clearing.ts';
import { formatYuan } from '../engine/money.ts';
import { readConfig } from '../server/config.ts';
import { runClearing, type RunResult } from '../app/clearing/run.ts';
import { openDatabase } from './database.ts';

// `yibao clear --month 2026-11 [--level province|city] [--dry-run]`: the monthly clearing run
// (src/app/clearing/run.ts), its progress and a summary table.

export interface ClearArgs {
  month: string;
  level: ClearingLevel;
  dryRun: boolean;
}

export function parseClearArgs(args: readonly string[]): ClearArgs {
  const value = (flag: string): string | undefined => {
    const i = args.indexOf(flag);
    return i >= 0 ? args[i + 1] : undefined;
  };
  const month = value('--month');
  if (!month) throw new Error('usage: yibao clear --month YYYY-MM [--level province|city] [--dry-run]');
  const level = value('--level') ?? 'province';
  if (level !== 'province' && level !== 'city') throw new Error(`--level is province or city, not "${level}"`);
  return { month, level, dryRun: args.includes('--dry-run') };
}

/** The run as a table: one row per statement, then the net positions. */
export function clearingSummary(r: RunResult): string[] {
  const out = [`clearing ${r.month} (${r.level})${r.dry_run ? ' — dry run, nothing stored' : r.built ? '' : ' — run before, as stored'}`];
  out.push(['statement', 'insured → treatment', 'state', 'count', 'adjustments', 'amount (yuan)'].join('\t'));
  for (const s of r.statements) {
    out.push([s.id ?? '-', `${s.insured_admdvs} → ${s.treatment_admdvs}`, s.state, s.totals.count, s.totals.adjustments_count, formatYuan(s.totals.amount_fen)].join('\t'));
  }
  out.push('net positions (+ receives, − pays):');
  for (const p of r.positions) out.push(`  ${p.admdvs}\t${formatYuan(p.net_fen)}`);
  for (const p of r.pairs) out.push(`  ${p.payer} pays ${p.payee}\t${formatYuan(p.amount_fen)}`);
  return out;
}

export async function clearCommand(args: string[]): Promise<void> {
  const a = parseClearArgs(args);
  const log = (line: string): void => console.log(`[yibao] ${line}`);
  const db = await openDatabase(readConfig(), log);
  try {
    const r = await runClearing(db.pool, { month: a.month, level: a.level, dryRun: a.dryRun, now: new Date(), progress: log });
    for (const line of clearingSummary(r)) console.log(line);
  } finally {
    await db.close();
  }
}
