import { readConfig } from '../server/config.ts';
import { checkAdvanceFunds, setAdvanceFunds } from '../app/clearing/advance-funds.ts';
import { invalid } from '../engine/errors.ts';
import type { Pool } from '../store/db.ts';
import { openDatabase } from './database.ts';

// `yibao advance-funds --year 2026 [--check]`: sets the year's advance funds (预付金) from the
// previous year's cross-region payments, or with --check reports their use rates and raises
// the warnings due (as of now, or the year's last moment for a past year).

const yuan = (fen: number): string => (fen / 100).toFixed(2);

export async function runAdvanceFunds(pool: Pool, args: readonly string[], now: Date, log: (line: string) => void): Promise<void> {
  const i = args.indexOf('--year');
  const year = i >= 0 && /^\d{4}$/.test(args[i + 1] ?? '') ? Number(args[i + 1]) : NaN;
  if (Number.isNaN(year)) throw invalid('year', '请给出 --year YYYY', 'give --year YYYY');
  if (args.includes('--check')) {
    const yearEnd = new Date(Date.parse(`${year + 1}-01-01T00:00:00+08:00`) - 1);
    const asOf = now < yearEnd ? now : yearEnd;
    const checks = await checkAdvanceFunds(pool, asOf);
    for (const c of checks) {
      const raised = c.raised.length > 0 ? `, raised ${c.raised.join('+')}${c.top_up_by ? ` (top up by ${c.top_up_by})` : ''}` : '';
      log(`${c.insured_admdvs}→${c.treatment_admdvs}: used ${yuan(c.consumed_fen)} of ${yuan(c.size_fen)} yuan, ${(c.rate_bp / 100).toFixed(2)}% ${c.level}${raised}`);
    }
    log(`${checks.length} advance funds checked as of ${asOf.toISOString()}`);
    return;
  }
  const set = await setAdvanceFunds(pool, { year, now });
  for (const s of set) log(`${s.insured_admdvs}→${s.treatment_admdvs}: ${yuan(s.size_fen)} yuan from ${yuan(s.basis_fen)} paid in ${year - 1}${s.paid ? ', paid' : ', set before'}`);
  log(`${set.length} advance funds for ${year}`);
}

export async function advanceFundsCommand(args: string[]): Promise<void> {
  const log = (line: string): void => console.log(`[yibao] ${line}`);
  const db = await openDatabase(readConfig(), log);
  try {
    await runAdvanceFunds(db.pool, args, new Date(), log);
  } finally {
    await db.close();
  }
}
