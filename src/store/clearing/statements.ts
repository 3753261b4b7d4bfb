import type { ClearingLevel, ClearingSide, StatementDraft, StatementState, StatementTotals } from '../../engine/clearing.ts';
import { FUND_PAY_TYPES } from '../../engine/codes.ts';
import type { Queryable } from '../db.ts';

// The clearing run's SQL (migration 015): the rows a run collects, its statements and lines
// written, read and moved. Decisions are in src/app/clearing/ and src/engine/clearing.ts.

/** One lock per level: runs of one level never write at once. */
export async function lockClearingLevel(q: Queryable, level: ClearingLevel): Promise<void> {
  await q.query(`SELECT pg_advisory_xact_lock(hashtext('clearing:' || $1::text))`, [level]);
}

export async function hasRun(q: Queryable, month: string, level: ClearingLevel): Promise<boolean> {
  const r = await q.query(`SELECT 1 FROM clearing_runs WHERE month = $1 AND level = $2`, [month, level]);
  return (r.rowCount ?? 0) > 0;
}

// A run is set-based: one statement reads the rows no statement of the level holds from
// cross_region_owed (once, in one snapshot), totals them per pair and writes the statements,
// their lines and the run; a month of a million rows never crosses into the process.

/** The pair a row belongs to at the level, in SQL (the rule of pairOf, src/engine/clearing.ts). */
const PAIR = {
  province: { ins: `left(c.insuplc_admdvs, 2) || '0000'`, trt: `left(c.mdtrtarea_admvs, 2) || '0000'`, where: `left(c.insuplc_admdvs, 2) <> left(c.mdtrtarea_admvs, 2)` },
  city: { ins: 'c.insuplc_admdvs', trt: 'c.mdtrtarea_admvs', where: `left(c.insuplc_admdvs, 2) = left(c.mdtrtarea_admvs, 2) AND c.insuplc_admdvs <> c.mdtrtarea_admvs` },
} as const;

// The fund types a region's funds (and the personal account, 310200) pay: the dictionary's,
// less the hospital's share. Summed key by key (a lookup in each row's small by_fund costs a
// tenth of expanding it); a type outside the dictionary would leave a statement's fund types
// short of its amount, which checkStatement refuses.
const FUNDS = Object.keys(FUND_PAY_TYPES).filter((f) => f !== '999996');
const fundSums = FUNDS.map((f, i) => `sum((r.by_fund->>'${f}')::bigint) AS f${i}`).join(', ');
const fundObject = `jsonb_strip_nulls(jsonb_build_object(${FUNDS.map((f, i) => `'${f}', nullif(sum(f${i}), 0)`).join(', ')}))`;

/**
 * The rows of a run ($1 level, $2 the month's start, $3 its end): the cross-region settlements
 * and cancellations no statement of the level holds, dated before the end, with their pair at
 * the level and whether each is an adjustment (dated before the month, or cancelling a
 * settlement a statement of the level holds); then their totals per pair (`totals`).
 */
function runRows(level: ClearingLevel): string {
  const p = PAIR[level];
  return `rows AS (
       SELECT c.setl_id, ${p.ins} AS ins, ${p.trt} AS trt, c.amount_fen, c.setl_time, c.insutype, c.by_fund,
              c.setl_time < $2 OR (c.orig_setl_id IS NOT NULL AND EXISTS (SELECT 1 FROM clearing_lines o WHERE o.level = $1 AND o.setl_id = c.orig_setl_id)) AS adjustment
         FROM cross_region_owed c
        WHERE c.setl_time < $3 AND ${p.where}
          AND NOT EXISTS (SELECT 1 FROM clearing_lines l WHERE l.level = $1 AND l.setl_id = c.setl_id)),
     by_type AS (
       SELECT r.ins, r.trt, r.insutype, sum(r.amount_fen) AS amount, count(*) AS n,
              sum(r.amount_fen) FILTER (WHERE r.adjustment) AS adj_fen, count(*) FILTER (WHERE r.adjustment) AS adj_n, ${fundSums}
         FROM rows r GROUP BY r.ins, r.trt, r.insutype),
     totals AS (
       SELECT ins, trt, sum(amount) AS amount,
              jsonb_build_object('amount_fen', sum(amount), 'count', sum(n), 'by_fund', ${fundObject},
                'by_insutype', coalesce(jsonb_object_agg(insutype, amount) FILTER (WHERE amount <> 0), '{}'::jsonb),
                'adjustments_fen', coalesce(sum(adj_fen), 0), 'adjustments_count', sum(adj_n)) AS totals
         FROM by_type GROUP BY ins, trt)`;
}

/** A month's statements with their totals, ordered by pair, as a run would write them (the dry run). */
export async function draftStatements(q: Queryable, level: ClearingLevel, start: Date, end: Date): Promise<StatementDraft[]> {
  const r = await q.query<StatementDraft>(
    `WITH ${runRows(level)}
     SELECT ins AS insured_admdvs, trt AS treatment_admdvs, totals FROM totals ORDER BY ins COLLATE "C", trt COLLATE "C"`,
    [level, start, end],
  );
  return r.rows;
}

export interface WrittenStatement extends StatementDraft {
  /** The lines written for it. */
  lines: number;
}

/**
 * Runs a month in one statement: its statements (ids in pair order), their lines (numbered
 * from 0 by setl_time then setl_id within each) and the month marked run. Returns each
 * statement with its totals and how many lines it received.
 */
export async function writeRun(q: Queryable, month: string, level: ClearingLevel, start: Date, end: Date, at: Date): Promise<WrittenStatement[]> {
  // Sorting a month's lines by statement and time wants memory, not temporary files; for this transaction only.
  await q.query(`SET LOCAL work_mem = '256MB'`);
  const r = await q.query<WrittenStatement>(
    `WITH ${runRows(level)},
     st AS (INSERT INTO clearing_statements (month, level, insured_admdvs, treatment_admdvs, amount_fen, totals, created_at)
            SELECT $4, $1, ins, trt, amount, totals, $5 FROM totals ORDER BY ins COLLATE "C", trt COLLATE "C"
            RETURNING id, insured_admdvs, treatment_admdvs, totals),
     ln AS (INSERT INTO clearing_lines (statement_id, level, setl_id, n, amount_fen, adjustment)
            SELECT st.id, $1, r.setl_id, row_number() OVER (PARTITION BY r.ins, r.trt ORDER BY r.setl_time, r.setl_id COLLATE "C") - 1, r.amount_fen, r.adjustment
              FROM rows r JOIN st ON st.insured_admdvs = r.ins AND st.treatment_admdvs = r.trt
            RETURNING statement_id),
     counted AS (SELECT statement_id, count(*) AS n FROM ln GROUP BY statement_id),
     run AS (INSERT INTO clearing_runs (month, level, ran_at) VALUES ($4, $1, $5))
     SELECT st.insured_admdvs, st.treatment_admdvs, st.totals, coalesce(counted.n, 0)::int AS lines
       FROM st LEFT JOIN counted ON counted.statement_id = st.id ORDER BY st.id`,
    [level, start, end, month, at],
  );
  return r.rows;
}

export interface StoredStatement {
  id: number;
  month: string;
  level: ClearingLevel;
  insured_admdvs: string;
  treatment_admdvs: string;
  amount_fen: number;
  totals: StatementTotals;
  state: StatementState;
  insured_confirmed_by: string | null;
  treatment_confirmed_by: string | null;
  transfer_id: number | null;
  /** When both sides had confirmed and the statement's payment was posted (null before). */
  paid_at: Date | null;
}

const COLUMNS = `id::int AS id, month, level, insured_admdvs, treatment_admdvs, amount_fen, totals, state, insured_confirmed_by, treatment_confirmed_by, transfer_id::int AS transfer_id, paid_at`;

export async function statementsOf(q: Queryable, month: string, level: ClearingLevel): Promise<StoredStatement[]> {
  const r = await q.query<StoredStatement>(`SELECT ${COLUMNS} FROM clearing_statements WHERE month = $1 AND level = $2 ORDER BY insured_admdvs, treatment_admdvs`, [month, level]);
  return r.rows;
}

/** A statement, locked for its move. */
export async function findStatementForUpdate(q: Queryable, id: number): Promise<StoredStatement | undefined> {
  const r = await q.query<StoredStatement>(`SELECT ${COLUMNS} FROM clearing_statements WHERE id = $1 FOR UPDATE`, [id]);
  return r.rows[0];
}

export interface StoredLine {
  setl_id: string;
  /** The settlement a cancellation cancels (null for a settlement). */
  orig_setl_id: string | null;
  insuplc_admdvs: string;
  mdtrtarea_admvs: string;
  amount_fen: number;
  adjustment: boolean;
}

export async function linesOf(q: Queryable, statementId: number): Promise<StoredLine[]> {
  const r = await q.query<StoredLine>(
    `SELECT l.setl_id, c.orig_setl_id, c.insuplc_admdvs, c.mdtrtarea_admvs, l.amount_fen, l.adjustment
       FROM clearing_lines l JOIN cross_region_owed c ON c.setl_id = l.setl_id WHERE l.statement_id = $1 ORDER BY l.n`,
    [statementId],
  );
  return r.rows;
}

/** Records a side's confirmation, the state it leads to, and the payment when it was posted. */
export async function recordConfirmation(q: Queryable, id: number, side: ClearingSide, by: string, state: StatementState, payment: { transfer_id: number | null } | null, at: Date): Promise<void> {
  const who = side === 'insured' ? 'insured_confirmed' : 'treatment_confirmed';
  await q.query(
    `UPDATE clearing_statements SET state = $2, ${who}_by = $3, ${who}_at = $4, transfer_id = coalesce($5, transfer_id), paid_at = CASE WHEN $6 THEN $4 ELSE paid_at END WHERE id = $1`,
    [id, state, by, at, payment?.transfer_id ?? null, payment !== null],
  );
}
