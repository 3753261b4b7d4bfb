import type { ContributionPayer } from '../../engine/codes.ts';
import type { Queryable } from '../db.ts';
import { PERSONAL_BALANCE_SQL } from '../ledger.ts';
import { ENROLLMENT_COLUMNS, type Enrollment } from './enrollments.ts';

// 缴费: what was paid, for which year, by whom (the person, the employer, or medical assistance
// paying a poor person's share: 资助参保). Booked against the enrollment covering that year,
// so the region that received the money stays on the record after a transfer. The statements
// only: what may be recorded is the use case's (src/app/registry/contribute.ts).

export interface Contribution {
  id: number;
  psn_no: string;
  enrollment_id: number;
  insuplc_admdvs: string;
  insutype: string;
  year: number;
  amount_fen: number;
  payer: ContributionPayer;
  paid_on: string;
}

export const CONTRIBUTION_COLUMNS = 'id, psn_no, enrollment_id, insuplc_admdvs, insutype, year, amount_fen, payer, paid_on';

/**
 * The enrollment whose period overlaps the year, of the insurance type when one is given; basic
 * insurance (310/390) first, and the latest one when a transfer split the year.
 */
export async function enrollmentCoveringYear(q: Queryable, psnNo: string, insutype: string | undefined, year: number): Promise<Enrollment | undefined> {
  const r = await q.query<Enrollment>(
    `SELECT ${ENROLLMENT_COLUMNS} FROM enrollments
      WHERE psn_no = $1 AND ($2::text IS NULL OR insutype = $2)
        AND psn_insu_date <= make_date($3, 12, 31) AND (end_date IS NULL OR end_date >= make_date($3, 1, 1))
      ORDER BY (insutype IN ('310', '390')) DESC, psn_insu_date DESC, id DESC LIMIT 1`,
    [psnNo, insutype ?? null, year],
  );
  return r.rows[0];
}

/** Inserts a contribution booked against its enrollment (the use case has checked it: src/app/registry/contribute.ts). */
export async function insertContribution(q: Queryable, c: Omit<Contribution, 'id'>, createdAt: Date): Promise<Contribution> {
  const ins = await q.query<Contribution>(
    `INSERT INTO contributions (psn_no, enrollment_id, insuplc_admdvs, insutype, year, amount_fen, payer, paid_on, created_at)
     VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9) RETURNING ${CONTRIBUTION_COLUMNS}`,
    [c.psn_no, c.enrollment_id, c.insuplc_admdvs, c.insutype, c.year, c.amount_fen, c.payer, c.paid_on, createdAt],
  );
  return ins.rows[0]!;
}

/** A person's contributions in payment order, all of them or those for the years `from`-`to`. */
export async function listContributions(q: Queryable, psnNo: string, years?: { from: number; to: number }): Promise<Contribution[]> {
  const r = await q.query<Contribution>(
    `SELECT ${CONTRIBUTION_COLUMNS} FROM contributions
      WHERE psn_no = $1 AND ($2::int IS NULL OR year BETWEEN $2 AND $3) ORDER BY year, paid_on, id`,
    [psnNo, years?.from ?? null, years?.to ?? null],
  );
  return r.rows;
}

export interface PersonalAccount {
  psn_no: string;
  insuplc_admdvs: string;
  balc_fen: number;
}

/** A person's personal account: who has one and where (personal_accounts), its balance from the ledger. */
export async function getPersonalAccount(q: Queryable, psnNo: string): Promise<PersonalAccount | undefined> {
  const r = await q.query<PersonalAccount>(`SELECT psn_no, insuplc_admdvs, coalesce(${PERSONAL_BALANCE_SQL('psn_no')}, 0)::bigint AS balc_fen FROM personal_accounts WHERE psn_no = $1`, [psnNo]);
  return r.rows[0];
}

/** What a contribution's transfer depends on: the enrollment's person type and whether the person has a personal account. */
export async function contributionFacts(q: Queryable, c: Contribution): Promise<{ psn_type: string; has_account: boolean }> {
  const r = await q.query<{ psn_type: string; has_account: boolean }>(
    'SELECT psn_type, EXISTS (SELECT 1 FROM personal_accounts WHERE psn_no = $2) AS has_account FROM enrollments WHERE id = $1',
    [c.enrollment_id, c.psn_no],
  );
  return r.rows[0]!;
}
