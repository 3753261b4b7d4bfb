import type { ClearingLevel } from '../../engine/clearing.ts';
import type { Queryable } from '../db.ts';

// The stored statements over a range of months, from which src/app/clearing/positions.ts nets
// each month's positions (the page's chart). Nothing here writes.

/** The stored statements of a range of months at a level (YYYYMM, inclusive), for the positions over months. */
export async function statementsBetween(q: Queryable, from: string, to: string, level: ClearingLevel): Promise<{ month: string; insured_admdvs: string; treatment_admdvs: string; amount_fen: number; state: string }[]> {
  const r = await q.query<{ month: string; insured_admdvs: string; treatment_admdvs: string; amount_fen: string; state: string }>(
    `SELECT month, insured_admdvs, treatment_admdvs, amount_fen::text AS amount_fen, state FROM clearing_statements
      WHERE month BETWEEN $1 AND $2 AND level = $3 ORDER BY month, insured_admdvs, treatment_admdvs`,
    [from, to, level],
  );
  return r.rows.map((x) => ({ ...x, amount_fen: Number(x.amount_fen) }));
}
