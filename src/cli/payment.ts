import fs from 'node:fs';
import { formatYuan } from '../engine/money.ts';
import { formatTenThousandths } from '../engine/payment/arith.ts';
import { invalid } from '../engine/errors.ts';
import { readConfig } from '../server/config.ts';
import { runYearEnd, type YearEndResult } from '../app/payment/year-end.ts';
import { importDipHistory } from '../app/payment/dip.ts';
import { openDatabase } from './database.ts';

// `yibao payment year-end --region 430100 --year 2026`: the DRG/DIP year-end settlement
// (src/app/payment/year-end.ts), each hospital's line; once per region and year.
// `yibao payment import-history --region 430200 --file stays.csv`: DIP's earlier years, a CSV
// of `year,fixmedins_code,principal_diagnosis,main_procedure,total_cost` (yuan), one stay a line.

const USAGE = 'usage: yibao payment year-end --region ADMDVS --year YYYY | yibao payment import-history --region ADMDVS --file FILE.csv';

function flag(args: readonly string[], name: string): string {
  const i = args.indexOf(name);
  const v = i >= 0 ? args[i + 1] : undefined;
  if (v === undefined || v.startsWith('--')) throw new Error(`${name} is required; ${USAGE}`);
  return v;
}

export function yearEndSummary(r: YearEndResult): string[] {
  const y = r.year_end;
  const out = [`${y.method.toUpperCase()} year-end settlement of ${y.admdvs} for ${y.year} (rules ${y.rules_id} v${y.rules_version})`];
  for (const step of r.point_value?.explanation ?? []) out.push(step.en);
  out.push(['hospital', 'cases', 'CMI', 'due', 'paid at settlement', 'balance', 'adjustment', 'surplus'].join('\t'));
  for (const l of r.lines) out.push([l.fixmedins_code, l.cases, formatTenThousandths(l.cmi_e4), formatYuan(l.due_fen), formatYuan(l.paid_fen), formatYuan(l.balance_fen), formatYuan(l.adjustment_fen), formatYuan(l.surplus_fen)].join('\t'));
  const t = y.totals;
  out.push(`total: due ${formatYuan(t['due_fen'] ?? 0)}, paid ${formatYuan(t['paid_fen'] ?? 0)}, balance ${formatYuan(t['balance_fen'] ?? 0)}, adjustments ${formatYuan(t['adjustment_fen'] ?? 0)} yuan; budget used ${(t['budget_used_bp'] ?? 0) / 100}%`);
  return out.filter((l) => l !== '');
}

export async function paymentCommand(args: string[]): Promise<void> {
  const [sub, ...rest] = args;
  if (sub !== 'year-end' && sub !== 'import-history') throw new Error(USAGE);
  const admdvs = flag(rest, '--region');
  const log = (line: string): void => console.log(`[yibao] ${line}`);
  const db = await openDatabase(readConfig(), log);
  try {
    if (sub === 'year-end') {
      const year = Number(flag(rest, '--year'));
      if (!Number.isInteger(year) || year < 2000 || year > 2100) throw invalid('--year', '年度应为 2000-2100', 'the year is 2000 to 2100');
      const r = await runYearEnd(db.pool, { admdvs, year, by: 'cli', now: new Date() });
      for (const line of yearEndSummary(r)) console.log(line);
    } else {
      const file = flag(rest, '--file');
      const n = await importDipHistory(db.pool, { admdvs, batch: file, text: fs.readFileSync(file, 'utf8'), now: new Date(), progress: log });
      log(`${n} stays imported into ${admdvs}'s DIP history`);
    }
  } finally {
    await db.close();
  }
}
