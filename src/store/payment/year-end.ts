import type { Queryable } from '../db.ts';
import { paymentColumns, type CasePaymentRow } from './settlement-lists.ts';

// The SQL of the DRG/DIP year-end settlement (migration 021: payment_year_ends and its lines).

const PAYMENT_COLUMNS = paymentColumns('c');

export interface YearEndCase extends CasePaymentRow {
  hosp_lv: string;
  principal_diagnosis: string;
  main_procedure: string | null;
}

/** The prices a year-end settles: current, of this year or an earlier one, not settled before; locked. */
export async function unsettledCases(q: Queryable, admdvs: string, year: number): Promise<YearEndCase[]> {
  const r = await q.query<YearEndCase>(
    `SELECT ${PAYMENT_COLUMNS}, i.hosp_lv, l.principal_diagnosis, l.main_procedure
       FROM case_payments c JOIN institutions i USING (fixmedins_code) JOIN settlement_lists l ON l.id = c.list_id
      WHERE c.admdvs = $1 AND c.year <= $2 AND c.superseded_at IS NULL AND c.year_end_id IS NULL
      ORDER BY c.fixmedins_code, c.setl_id
      FOR UPDATE OF c`,
    [admdvs, year],
  );
  return r.rows;
}

/** Prices an earlier year-end paid that a regrouping or a cancellation has since closed: next year's adjustment. */
export async function reversedCases(q: Queryable, admdvs: string): Promise<CasePaymentRow[]> {
  const r = await q.query<CasePaymentRow>(
    `SELECT ${PAYMENT_COLUMNS} FROM case_payments c
      WHERE c.admdvs = $1 AND c.superseded_at IS NOT NULL AND c.year_end_id IS NOT NULL AND c.reversed_by_year_end_id IS NULL
      ORDER BY c.fixmedins_code, c.setl_id FOR UPDATE OF c`,
    [admdvs],
  );
  return r.rows;
}

export interface YearEndRow {
  id: number;
  admdvs: string;
  year: number;
  method: 'drg' | 'dip';
  rules_id: string;
  rules_version: number;
  point_value: unknown;
  totals: Record<string, number>;
  run_by: string;
  run_at: Date;
}

export interface YearEndLineRow {
  fixmedins_code: string;
  cases: number;
  due_fen: number;
  paid_fen: number;
  balance_fen: number;
  adjustment_fen: number;
  cmi_e4: number;
  surplus_fen: number;
  transfer_id: number | null;
}

export async function findYearEnd(q: Queryable, admdvs: string, year: number): Promise<YearEndRow | undefined> {
  const r = await q.query<YearEndRow>(`SELECT id::bigint AS id, admdvs, year, method, rules_id, rules_version, point_value, totals, run_by, run_at FROM payment_year_ends WHERE admdvs = $1 AND year = $2`, [admdvs, year]);
  return r.rows[0];
}

/** A stored line with the hospital's name, as the pages and the command show it. */
export type YearEndLineView = YearEndLineRow & { fixmedins_name: string };

/** A year-end's lines, by hospital; one hospital's when named. */
export async function yearEndLines(q: Queryable, id: number, fixmedinsCode?: string): Promise<YearEndLineView[]> {
  const r = await q.query<YearEndLineView>(
    `SELECT l.fixmedins_code, i.fixmedins_name, l.cases, l.due_fen, l.paid_fen, l.balance_fen, l.adjustment_fen, l.cmi_e4, l.surplus_fen, l.transfer_id::bigint AS transfer_id
       FROM payment_year_end_lines l JOIN institutions i USING (fixmedins_code)
      WHERE l.year_end_id = $1 AND ($2::text IS NULL OR l.fixmedins_code = $2) ORDER BY l.fixmedins_code`,
    [id, fixmedinsCode ?? null],
  );
  return r.rows;
}

/** The year-end's row, or undefined when another run holds the region's year already (the unique key decides). */
export async function insertYearEnd(q: Queryable, y: Omit<YearEndRow, 'id'>): Promise<number | undefined> {
  const r = await q.query<{ id: number }>(
    `INSERT INTO payment_year_ends (admdvs, year, method, rules_id, rules_version, point_value, totals, run_by, run_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
     ON CONFLICT (admdvs, year) DO NOTHING RETURNING id::bigint AS id`,
    [y.admdvs, y.year, y.method, y.rules_id, y.rules_version, JSON.stringify(y.point_value), JSON.stringify(y.totals), y.run_by, y.run_at],
  );
  return r.rows[0]?.id;
}

export async function insertYearEndLine(q: Queryable, id: number, l: YearEndLineRow): Promise<void> {
  await q.query(
    `INSERT INTO payment_year_end_lines (year_end_id, fixmedins_code, cases, due_fen, paid_fen, balance_fen, adjustment_fen, cmi_e4, surplus_fen, transfer_id) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
    [id, l.fixmedins_code, l.cases, l.due_fen, l.paid_fen, l.balance_fen, l.adjustment_fen, l.cmi_e4, l.surplus_fen, l.transfer_id],
  );
}

export async function markSettled(q: Queryable, id: number, paid: readonly number[], reversed: readonly number[]): Promise<void> {
  await q.query(`UPDATE case_payments SET year_end_id = $1 WHERE id = ANY($2::bigint[])`, [id, paid]);
  await q.query(`UPDATE case_payments SET reversed_by_year_end_id = $1 WHERE id = ANY($2::bigint[])`, [id, reversed]);
}

/** Closes many prices at once (a DIP year-end repricing every case at the settlement point value). */
export async function supersedePayments(q: Queryable, ids: readonly number[], at: Date): Promise<void> {
  await q.query(`UPDATE case_payments SET superseded_at = $2 WHERE id = ANY($1::bigint[]) AND superseded_at IS NULL`, [ids, at]);
}

/** A new price; `year_end_id` set when the year-end writes it already settled (so it is written once). */
type NewPayment = Omit<CasePaymentRow, 'id' | 'superseded_at' | 'year_end_id' | 'reversed_by_year_end_id'> & { year_end_id?: number };

/**
 * Many new prices, a few thousand to a statement (a city's year is 200,000 prices, whose JSON
 * would pass PostgreSQL's 256 MB limit of a jsonb array); their ids, in the order of `rows`.
 */
export async function insertPayments(q: Queryable, rows: readonly NewPayment[]): Promise<number[]> {
  const ids: number[] = [];
  for (let i = 0; i < rows.length; i += INSERT_BATCH) ids.push(...(await insertPaymentBatch(q, rows.slice(i, i + INSERT_BATCH))));
  return ids;
}
const INSERT_BATCH = 5000;

async function insertPaymentBatch(q: Queryable, rows: readonly NewPayment[]): Promise<number[]> {
  if (rows.length === 0) return [];
  const r = await q.query<{ id: number }>(
    `INSERT INTO case_payments (setl_id, list_id, fixmedins_code, admdvs, insuplc_admdvs, year, method, rules_id, rules_version, group_code, weight_e4, score_e4, kind,
       total_cost_fen, standard_fen, payment_fen, patient_paid_fen, other_funds_paid_fen, hospital_payment_fen, surplus_fen, review, basic_fund_paid_fen, fund_pay_type,
       explanation, priced_at, year_end_id)
     SELECT x.setl_id, x.list_id, x.fixmedins_code, x.admdvs, x.insuplc_admdvs, x.year, x.method, x.rules_id, x.rules_version, x.group_code, x.weight_e4, x.score_e4, x.kind,
            x.total_cost_fen, x.standard_fen, x.payment_fen, x.patient_paid_fen, x.other_funds_paid_fen, x.hospital_payment_fen, x.surplus_fen, x.review, x.basic_fund_paid_fen,
            x.fund_pay_type, x.explanation, x.priced_at, x.year_end_id
       FROM jsonb_to_recordset($1::jsonb) AS x(setl_id text, list_id bigint, fixmedins_code text, admdvs text, insuplc_admdvs text, year int, method text,
            rules_id text, rules_version int, group_code text, weight_e4 int, score_e4 int, kind text, total_cost_fen bigint, standard_fen bigint, payment_fen bigint,
            patient_paid_fen bigint, other_funds_paid_fen bigint, hospital_payment_fen bigint, surplus_fen bigint, review boolean, basic_fund_paid_fen bigint,
            fund_pay_type text, explanation jsonb, priced_at timestamptz, year_end_id bigint)
     RETURNING id::bigint AS id`,
    [JSON.stringify(rows)],
  );
  return r.rows.map((x) => x.id);
}

export async function finishYearEnd(q: Queryable, id: number, totals: Record<string, number>, pointValue: unknown): Promise<void> {
  await q.query(`UPDATE payment_year_ends SET totals = $2, point_value = $3 WHERE id = $1`, [id, JSON.stringify(totals), JSON.stringify(pointValue)]);
}
