import { checkStatement, isClearingMonth, monthBounds, netPositions, type ClearingLevel, type NetPosition, type NetTransfer, type StatementDraft, type StatementTotals } from '../../engine/clearing.ts';
import { invalid } from '../../engine/errors.ts';
import { inTransaction, type Pool } from '../../store/db.ts';
import { draftStatements, hasRun, lockClearingLevel, statementsOf, writeRun, type StoredStatement } from '../../store/clearing/statements.ts';

// The monthly clearing run (docs/clearing.md): collect what no statement of the level holds,
// total one statement per pair, net the positions, store the statements and their lines; a
// month run before returns its statements. The rows stay in the database (set-based SQL,
// src/store/clearing/statements.ts); the checks on what it computed are the engine's.

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
const drafted = (s: StatementDraft): RunStatement => ({ id: null, insured_admdvs: s.insured_admdvs, treatment_admdvs: s.treatment_admdvs, state: 'drafted', totals: s.totals });

export async function runClearing(pool: Pool, input: RunInput): Promise<RunResult> {
  const month = parseMonth(input.month);
  const { level, dryRun } = input;
  if (level !== 'province' && level !== 'city') throw invalid('level', '清算层级应为 province 或 city', 'the level is province or city');
  const say = input.progress ?? ((): void => undefined);
  return inTransaction(pool, async (q) => {
    await lockClearingLevel(q, level);
    let built = false;
    if (!(await hasRun(q, month, level))) {
      const { start, end } = monthBounds(month);
      if (dryRun) {
        const drafts = await draftStatements(q, level, start, end);
        for (const s of drafts) checkStatement(s);
        say(`${drafts.reduce((a, s) => a + s.totals.count, 0)} cross-region settlements and cancellations up to ${month} that no ${level} statement holds, in ${drafts.length} statements (dry run)`);
        return { month, level, built: true, dry_run: true, statements: drafts.map(drafted), ...netPositions(drafts) };
      }
      const written = await writeRun(q, month, level, start, end, input.now);
      // Checked before the commit: a statement that does not hold together rolls the run back.
      for (const s of written) checkStatement(s, s.lines);
      say(`${written.reduce((a, s) => a + s.lines, 0)} cross-region settlements and cancellations up to ${month} that no ${level} statement held, in ${written.length} statements`);
      built = true;
    } else say(`${month} (${level}) was run before: its statements as stored`);
    const statements = (await statementsOf(q, month, level)).map(stored);
    const nets = netPositions(statements);
    return { month, level, built, dry_run: dryRun, statements, ...nets };
  });
}
