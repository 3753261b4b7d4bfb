import type { ClearingLevel, ClearingRow, ClearingSide, DraftStatement, StatementState, StatementTotals } from '../../engine/clearing.ts';
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

/**
 * The cross-region settlements and cancellations no statement of the level holds yet, dated
 * before `end`: amounts by fund type from setldetail (the personal account as 310200), signed
 * like cross_region_owed (negative on a cancellation).
 */
export async function unclearedRows(q: Queryable, level: ClearingLevel, end: Date): Promise<ClearingRow[]> {
  const r = await q.query<{ setl_id: string; kind: 'settle' | 'cancel'; orig_setl_id: string | null; insuplc_admdvs: string; mdtrtarea_admvs: string; insutype: string; setl_time: Date; amount_fen: number; by_fund: Record<string, number> | null; acct_pay: number; cancels_cleared: boolean }>(
    `SELECT c.setl_id, s.kind, s.orig_setl_id, c.insuplc_admdvs, c.mdtrtarea_admvs, s.insutype, s.setl_time, c.amount_fen,
            (SELECT jsonb_object_agg(k, v) FROM (SELECT d->>'fund_pay_type' AS k, sum(abs((d->>'fund_payamt')::bigint)) AS v
               FROM jsonb_array_elements(s.setldetail) d
              WHERE d->>'fund_pay_type' NOT IN ('310200', '999996') AND (d->>'fund_payamt')::bigint <> 0 GROUP BY 1) f) AS by_fund,
            abs(s.acct_pay)::bigint AS acct_pay,
            (s.orig_setl_id IS NOT NULL AND EXISTS (SELECT 1 FROM clearing_lines o WHERE o.level = $1 AND o.setl_id = s.orig_setl_id)) AS cancels_cleared
       FROM cross_region_owed c JOIN settlements s ON s.setl_id = c.setl_id
      WHERE s.setl_time < $2 AND NOT EXISTS (SELECT 1 FROM clearing_lines l WHERE l.level = $1 AND l.setl_id = c.setl_id)`,
    [level, end],
  );
  return r.rows.map((x) => {
    const sign = x.kind === 'cancel' ? -1 : 1;
    const by_fund: Record<string, number> = {};
    for (const [k, v] of Object.entries(x.by_fund ?? {})) by_fund[k] = sign * Number(v);
    if (x.acct_pay > 0) by_fund['310200'] = sign * x.acct_pay;
    return { setl_id: x.setl_id, kind: x.kind, orig_setl_id: x.orig_setl_id, insuplc_admdvs: x.insuplc_admdvs, mdtrtarea_admvs: x.mdtrtarea_admvs,
      insutype: x.insutype, setl_time: x.setl_time, amount_fen: x.amount_fen, by_fund, cancels_cleared: x.cancels_cleared };
  });
}

/** Writes a run's statements and their lines (one statement for all) and marks the month run. */
export async function writeRun(q: Queryable, month: string, level: ClearingLevel, statements: readonly DraftStatement[], at: Date): Promise<void> {
  const lines = statements.flatMap((s, i) => s.lines.map((l, n) => ({ i, n, setl_id: l.setl_id, a: l.amount_fen, adj: l.adjustment })));
  await q.query(
    `WITH st AS (SELECT * FROM jsonb_to_recordset($3::jsonb) AS x(i int, ins text, trt text, amount bigint, totals jsonb)),
     ins AS (INSERT INTO clearing_statements (month, level, insured_admdvs, treatment_admdvs, amount_fen, totals, created_at)
             SELECT $1, $2, ins, trt, amount, totals, $5 FROM st ORDER BY i RETURNING id, insured_admdvs, treatment_admdvs),
     ids AS (SELECT st.i, ins.id FROM st JOIN ins ON ins.insured_admdvs = st.ins AND ins.treatment_admdvs = st.trt),
     ln AS (INSERT INTO clearing_lines (statement_id, level, setl_id, n, amount_fen, adjustment)
            SELECT ids.id, $2, x.setl_id, x.n, x.a, x.adj FROM jsonb_to_recordset($4::jsonb) AS x(i int, n int, setl_id text, a bigint, adj boolean) JOIN ids ON ids.i = x.i)
     INSERT INTO clearing_runs (month, level, ran_at) VALUES ($1, $2, $5)`,
    [month, level, JSON.stringify(statements.map((s, i) => ({ i, ins: s.insured_admdvs, trt: s.treatment_admdvs, amount: s.totals.amount_fen, totals: s.totals }))), JSON.stringify(lines), at],
  );
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
    `SELECT l.setl_id, s.orig_setl_id, c.insuplc_admdvs, c.mdtrtarea_admvs, l.amount_fen, l.adjustment
       FROM clearing_lines l JOIN cross_region_owed c ON c.setl_id = l.setl_id JOIN settlements s ON s.setl_id = l.setl_id WHERE l.statement_id = $1 ORDER BY l.n`,
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
