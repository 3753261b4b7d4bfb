import { adjust, checkAdvanceFunds } from '../app/clearing/advance-funds.ts';
import { chinaDate } from '../engine/calendar.ts';
import { formatYuan } from '../engine/money.ts';
import { crossProvincePayments } from '../store/clearing/advance-funds.ts';
import type { Pool } from '../store/db.ts';

// The demo's advance funds (预付金). A real year's funds are sized from the previous year's
// cross-region payments (setAdvanceFunds); the demo has no previous year, so this year's are
// set by the year's adjustment to a size that puts the pairs, in turn, below the thresholds, past
// the yellow one and past the red one, and the check then raises the warnings the finance page
// and the staff inbox show.

/** Use rates the demo's pairs are sized to, in turn: 40% (none), 75% (yellow), 92% (red). */
const DEMO_RATES_BP = [4_000, 7_500, 9_200] as const;

export async function seedDemoAdvanceFunds(pool: Pool, now: Date, log: (line: string) => void): Promise<void> {
  const day = chinaDate(now);
  const year = Number(day.slice(0, 4));
  const used = await crossProvincePayments(pool, `${year}01`, `${day.slice(0, 4)}${day.slice(5, 7)}`);
  let i = 0;
  for (const row of used) {
    if (row.amount_fen <= 0) continue;
    const rate = DEMO_RATES_BP[i++ % DEMO_RATES_BP.length]!;
    const size = Math.ceil((row.amount_fen * 10_000) / rate);
    await adjust(pool, { insured_admdvs: row.insured_admdvs, treatment_admdvs: row.treatment_admdvs, year, size_fen: size, now });
  }
  const checks = await checkAdvanceFunds(pool, now);
  const warned = checks.filter((c) => c.level !== 'none').map((c) => `${c.insured_admdvs}→${c.treatment_admdvs} ${c.level}`);
  log(`${checks.length} advance funds for ${year} (${formatYuan(checks.reduce((s, c) => s + c.size_fen, 0))} yuan)${warned.length > 0 ? `, warnings: ${warned.join(', ')}` : ''}`);
}
