import { buildStatements, isClearingMonth, monthBounds, netPositions, type ClearingLevel, type DraftStatement, type NetPosition, type NetTransfer, type StatementTotals } from '../../engine/clearing.ts';
import { invalid } from '../../engine/errors.ts';
import { inTransaction, type Pool } from '../../store/db.ts';
import { hasRun, lockClearingLevel, statementsOf, unclearedRows, writeRun, type StoredStatement } from '../../store/clearing/statements.ts';

// The monthly clearing run (docs/clearing.md): collect what no statement of the level holds,
// build one statement per pair, net the positions, store; a month run before returns its statements.

export interface RunInput {
  /** YYYYMM or YYYY-MM. */
  month: string;
  level: ClearingLevel;
  dryRun: boolean;
  now: Date;
  progress?: (line: string) => void;
}

export interface RunStatement {
  id: number | null;
  insured_admdvs: string;
  treatment_admdvs: string;
  state: string;
  totals: StatementTotals;
}

export interface RunResult {
  month: string;
  level: ClearingLevel;
  /** False when the month had been run: its statements are returned as stored. */
  built: boolean;
  dry_run: boolean;
  statements: RunStatement[];
  positions: NetPosition[];
  pairs: NetTransfer[];
}

export function parseMonth(month: string): string {
  const m = month.replace('-', '');
  if (!isClearingMonth(m)) throw invalid('month', '清算月份应为 YYYY-MM 或 YYYYMM', 'the clearing month is YYYY-MM or YYYYMM');
  return m;
}

const stored = (s: StoredStatement): RunStatement => ({ id: s.id, insured_admdvs: s.insured_admdvs, treatment_admdvs: s.treatment_admdvs, state: s.state, totals: s.totals });
const drafted = (s: DraftStatement): RunStatement => ({ id: null, insured_admdvs: s.insured_admdvs, treatment_admdvs: s.treatment_admdvs, state: 'drafted', totals: s.totals });

export async function runClearing(pool: Pool, input: RunInput): Promise<RunResult> {
  const month = parseMonth(input.month);
  const { level, dryRun } = input;
  if (level !== 'province' && level !== 'city') throw invalid('level', '清算层级应为 province 或 city', 'the level is province or city');
  const say = input.progress ?? ((): void => undefined);
  return inTransaction(pool, async (q) => {
    await lockClearingLevel(q, level);
    let built = false;
    if (!(await hasRun(q, month, level))) {
      const rows = await unclearedRows(q, level, monthBounds(month).end);
      say(`${rows.length} cross-region settlements and cancellations up to ${month} that no ${level} statement holds`);
      const drafts = buildStatements(month, level, rows);
      say(`${drafts.length} statements at the ${level} level`);
      if (dryRun) {
        const nets = netPositions(drafts);
        return { month, level, built: true, dry_run: true, statements: drafts.map(drafted), ...nets };
      }
      await writeRun(q, month, level, drafts, input.now);
      built = true;
    } else say(`${month} (${level}) was run before: its statements as stored`);
    const statements = (await statementsOf(q, month, level)).map(stored);
    const nets = netPositions(statements);
    return { month, level, built, dry_run: dryRun, statements, ...nets };
  });
}
