import type { Queryable } from '../db.ts';

// Advance funds and their warnings (016_advance_funds.sql), SQL only; the rules are in
// src/engine/advance-fund.ts and the decisions in src/app/clearing/advance-funds.ts.

export interface AdvanceFundRow {
  insured_admdvs: string;
  treatment_admdvs: string;
  year: number;
  size_fen: number;
  basis_fen: number;
  state: 'open' | 'closed';
  transfers: number;
}

export interface WarningRow {
  insured_admdvs: string;
  treatment_admdvs: string;
  year: number;
  level: 'yellow' | 'red';
  at: Date;
  rate_bp: number;
  consumed_fen: number;
  size_fen: number;
  notify_admdvs: string[];
  top_up_by: string | null;
}

/**
 * A year's cross-region payments per pair of provinces (insured → treatment), from the
 * cross_region_owed rows (cancellations count negative), clearing months `from`..`to` (YYYYMM).
 */
export async function crossProvincePayments(q: Queryable, from: string, to: string): Promise<{ insured_admdvs: string; treatment_admdvs: string; amount_fen: number }[]> {
  const r = await q.query<{ insured_admdvs: string; treatment_admdvs: string; amount_fen: number }>(
    `SELECT left(insuplc_admdvs, 2) || '0000' AS insured_admdvs, left(mdtrtarea_admvs, 2) || '0000' AS treatment_admdvs, sum(amount_fen)::bigint AS amount_fen
       FROM cross_region_owed WHERE clr_month BETWEEN $1 AND $2 AND left(insuplc_admdvs, 2) <> left(mdtrtarea_admvs, 2)
      GROUP BY 1, 2 ORDER BY 1, 2`,
    [from, to],
  );
  return r.rows.map((x) => ({ ...x, amount_fen: Number(x.amount_fen) }));
}

/**
 * What each pair of provinces' insured people have been paid in the other province and no paid
 * clearing statement has cleared yet: the balances of the ledger's owed_to:<insured>:<treatment>
 * accounts, pooling regions summed by province. This is what the advance fund carries.
 */
export async function outstandingCrossProvince(q: Queryable): Promise<{ insured_admdvs: string; treatment_admdvs: string; amount_fen: number }[]> {
  const r = await q.query<{ insured_admdvs: string; treatment_admdvs: string; amount_fen: string }>(
    `SELECT left(split_part(account, ':', 2), 2) || '0000' AS insured_admdvs, left(split_part(account, ':', 3), 2) || '0000' AS treatment_admdvs,
            sum(debits_fen - credits_fen)::bigint AS amount_fen
       FROM ledger_balances WHERE account LIKE 'owed\\_to:%' AND left(split_part(account, ':', 2), 2) <> left(split_part(account, ':', 3), 2)
      GROUP BY 1, 2 ORDER BY 1, 2`,
  );
  return r.rows.map((x) => ({ ...x, amount_fen: Number(x.amount_fen) }));
}

export async function findAdvanceFund(q: Queryable, insured: string, treatment: string, year: number, lock = false): Promise<AdvanceFundRow | undefined> {
  const r = await q.query<AdvanceFundRow>(
    `SELECT insured_admdvs, treatment_admdvs, year, size_fen::bigint AS size_fen, basis_fen::bigint AS basis_fen, state, transfers
       FROM advance_funds WHERE insured_admdvs = $1 AND treatment_admdvs = $2 AND year = $3${lock ? ' FOR UPDATE' : ''}`,
    [insured, treatment, year],
  );
  const row = r.rows[0];
  return row && { ...row, size_fen: Number(row.size_fen), basis_fen: Number(row.basis_fen) };
}

export async function listAdvanceFunds(q: Queryable, year: number): Promise<AdvanceFundRow[]> {
  const r = await q.query<AdvanceFundRow>(
    `SELECT insured_admdvs, treatment_admdvs, year, size_fen::bigint AS size_fen, basis_fen::bigint AS basis_fen, state, transfers
       FROM advance_funds WHERE year = $1 ORDER BY insured_admdvs, treatment_admdvs`,
    [year],
  );
  return r.rows.map((row) => ({ ...row, size_fen: Number(row.size_fen), basis_fen: Number(row.basis_fen) }));
}

/** Opens a pair's fund for the year at size 0 unless it exists; true when this call opened it. */
export async function openAdvanceFund(q: Queryable, insured: string, treatment: string, year: number, basisFen: number, at: Date): Promise<boolean> {
  const r = await q.query(
    `INSERT INTO advance_funds (insured_admdvs, treatment_admdvs, year, size_fen, basis_fen, state, set_at)
     VALUES ($1, $2, $3, 0, $4, 'open', $5) ON CONFLICT DO NOTHING`,
    [insured, treatment, year, basisFen, at],
  );
  return (r.rowCount ?? 0) > 0;
}

/** Records a transfer's effect on the fund's size (+ paid in, − paid back). */
export async function addToSize(q: Queryable, insured: string, treatment: string, year: number, deltaFen: number): Promise<void> {
  await q.query(
    `UPDATE advance_funds SET size_fen = size_fen + $4, transfers = transfers + 1 WHERE insured_admdvs = $1 AND treatment_admdvs = $2 AND year = $3`,
    [insured, treatment, year, deltaFen],
  );
}

/** Records a warning unless its level was raised before this year; true when this call raised it. */
export async function raiseWarning(q: Queryable, w: WarningRow): Promise<boolean> {
  const r = await q.query(
    `INSERT INTO advance_fund_warnings (insured_admdvs, treatment_admdvs, year, level, at, rate_bp, consumed_fen, size_fen, notify_admdvs, top_up_by)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) ON CONFLICT DO NOTHING`,
    [w.insured_admdvs, w.treatment_admdvs, w.year, w.level, w.at, w.rate_bp, w.consumed_fen, w.size_fen, w.notify_admdvs, w.top_up_by],
  );
  return (r.rowCount ?? 0) > 0;
}

export async function listWarnings(q: Queryable, year: number): Promise<WarningRow[]> {
  const r = await q.query<WarningRow>(
    `SELECT insured_admdvs, treatment_admdvs, year, level, at, rate_bp::bigint AS rate_bp, consumed_fen::bigint AS consumed_fen, size_fen::bigint AS size_fen,
            notify_admdvs, to_char(top_up_by, 'YYYY-MM-DD') AS top_up_by
       FROM advance_fund_warnings WHERE year = $1 ORDER BY insured_admdvs, treatment_admdvs, level DESC`,
    [year],
  );
  return r.rows.map((w) => ({ ...w, rate_bp: Number(w.rate_bp), consumed_fen: Number(w.consumed_fen), size_fen: Number(w.size_fen) }));
}
