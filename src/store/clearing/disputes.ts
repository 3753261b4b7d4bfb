import type { ClearingLevel, ClearingSide, DisputeOutcome, DisputeState, StatementState } from '../../engine/clearing.ts';
import { regionPrefix } from '../auth/principal.ts';
import type { Queryable } from '../db.ts';

// The SQL of clearing disputes (migration 017): the contested lines of a statement, their
// outcome, and what a statement's payment needs to know of them. Decisions are in
// src/app/clearing/disputes.ts and confirm.ts.

export interface DisputeRow {
  id: number;
  statement_id: number;
  month: string;
  level: ClearingLevel;
  insured_admdvs: string;
  treatment_admdvs: string;
  setl_id: string;
  amount_fen: number;
  side: ClearingSide;
  raised_by: string;
  raised_at: Date;
  reason: string;
  state: DisputeState;
  resolved_by: string | null;
  resolved_at: Date | null;
  note: string | null;
  transfer_id: number | null;
}

const COLUMNS = `d.id::int AS id, d.statement_id::int AS statement_id, s.month, s.level, s.insured_admdvs, s.treatment_admdvs, d.setl_id, d.amount_fen::int AS amount_fen,
  d.side, d.raised_by, d.raised_at, d.reason, d.state, d.resolved_by, d.resolved_at, d.note, d.transfer_id::int AS transfer_id`;

/** Each contested line of a statement and its dispute's state. */
export async function disputeStates(q: Queryable, statementId: number): Promise<Map<string, DisputeState>> {
  const r = await q.query<{ setl_id: string; state: DisputeState }>(`SELECT setl_id, state FROM clearing_disputes WHERE statement_id = $1`, [statementId]);
  return new Map(r.rows.map((x) => [x.setl_id, x.state]));
}

/** Which of these settlements had a dispute upheld at the level (the statement did not pay them). */
export async function upheldAt(q: Queryable, level: ClearingLevel, setlIds: readonly string[]): Promise<Set<string>> {
  if (setlIds.length === 0) return new Set();
  const r = await q.query<{ setl_id: string }>(
    `SELECT d.setl_id FROM clearing_disputes d JOIN clearing_statements s ON s.id = d.statement_id
      WHERE d.state = 'upheld' AND s.level = $1 AND d.setl_id = ANY ($2::text[])`,
    [level, setlIds],
  );
  return new Set(r.rows.map((x) => x.setl_id));
}

export async function openDisputeCount(q: Queryable, statementId: number): Promise<number> {
  const r = await q.query<{ n: number }>(`SELECT count(*)::int AS n FROM clearing_disputes WHERE statement_id = $1 AND state = 'open'`, [statementId]);
  return r.rows[0]!.n;
}

export async function insertDisputes(q: Queryable, statementId: number, lines: readonly { setl_id: string; amount_fen: number }[], side: ClearingSide, by: string, reason: string, at: Date): Promise<number[]> {
  const r = await q.query<{ id: number }>(
    `INSERT INTO clearing_disputes (statement_id, setl_id, amount_fen, side, raised_by, raised_at, reason)
     SELECT $1, x.setl_id, x.amount_fen, $3, $4, $5, $6 FROM jsonb_to_recordset($2::jsonb) AS x(setl_id text, amount_fen bigint)
     RETURNING id::int AS id`,
    [statementId, JSON.stringify(lines), side, by, at, reason],
  );
  return r.rows.map((x) => x.id);
}

/** A dispute, locked for its resolution. */
export async function findDisputeForUpdate(q: Queryable, id: number): Promise<DisputeRow | undefined> {
  const r = await q.query<DisputeRow>(`SELECT ${COLUMNS} FROM clearing_disputes d JOIN clearing_statements s ON s.id = d.statement_id WHERE d.id = $1 FOR UPDATE OF d`, [id]);
  return r.rows[0];
}

export async function resolveDisputeRow(q: Queryable, id: number, outcome: DisputeOutcome, by: string, note: string, at: Date, transferId: number | null): Promise<void> {
  await q.query(`UPDATE clearing_disputes SET state = $2, resolved_by = $3, note = $4, resolved_at = $5, transfer_id = $6 WHERE id = $1`, [id, outcome, by, note, at, transferId]);
}

/** Whether the settlement's cancellation is on a statement of the level that has been paid (its reversal repaid already). */
export async function cancellationPaid(q: Queryable, level: ClearingLevel, setlId: string): Promise<boolean> {
  const r = await q.query(
    `SELECT 1 FROM settlements c JOIN clearing_lines l ON l.setl_id = c.setl_id AND l.level = $1 JOIN clearing_statements s ON s.id = l.statement_id
      WHERE c.orig_setl_id = $2 AND s.paid_at IS NOT NULL`,
    [level, setlId],
  );
  return (r.rowCount ?? 0) > 0;
}

export async function setStatementState(q: Queryable, id: number, state: StatementState): Promise<void> {
  await q.query(`UPDATE clearing_statements SET state = $2 WHERE id = $1`, [id, state]);
}

/** The disputes of statements whose insured or treatment region the given regions cover (all for '000000'), newest first. */
export async function listDisputes(q: Queryable, regions: readonly string[], state?: DisputeState): Promise<DisputeRow[]> {
  const prefixes = regions.map((x) => `${regionPrefix(x)}%`);
  const r = await q.query<DisputeRow>(
    `SELECT ${COLUMNS} FROM clearing_disputes d JOIN clearing_statements s ON s.id = d.statement_id
      WHERE (s.insured_admdvs LIKE ANY ($1::text[]) OR s.treatment_admdvs LIKE ANY ($1::text[])) AND ($2::text IS NULL OR d.state = $2)
      ORDER BY d.raised_at DESC, d.id DESC LIMIT 500`,
    [prefixes, state ?? null],
  );
  return r.rows;
}
