import { chinaDate } from '../../engine/calendar.ts';
import { CONTRIBUTION_PAYERS, INSUTYPES, isCode, type ContributionPayer } from '../../engine/codes.ts';
import { conflict, invalid, notFound, Problems } from '../../engine/errors.ts';
import type { Queryable } from '../db.ts';
import { writeAudit, type WriteContext } from '../audit.ts';
import { PERSONAL_BALANCE_SQL } from '../ledger.ts';
import { ENROLLMENT_COLUMNS, type Enrollment } from './enrollments.ts';

// 缴费: what was paid, for which year, by whom (the person, the employer, or medical assistance
// paying a poor person's share: 资助参保). Booked against the enrollment covering that year,
// so the region that received the money stays on the record after a transfer.

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

/** A single contribution above 1,000,000 yuan is a typing mistake, not a payment. */
export const MAX_CONTRIBUTION_FEN = 100_000_000;

export interface NewContribution {
  psn_no: string;
  year: number;
  amount_fen: number;
  payer: string;
  /** Defaults to the insurance type of the enrollment covering the year (basic first). */
  insutype?: string | undefined;
  paid_on?: string | undefined;
}

/** Checks and records a contribution (its money is posted by the use case, src/app/registry/contribute.ts). */
export async function recordContribution(q: Queryable, input: NewContribution, ctx: WriteContext): Promise<Contribution> {
  const p = new Problems();
  if (!Number.isInteger(input.year) || input.year < 1990 || input.year > 2100) p.add('year', '缴费年度应为 1990-2100 的整数', 'expected a year from 1990 to 2100');
  if (!Number.isSafeInteger(input.amount_fen) || input.amount_fen <= 0 || input.amount_fen > MAX_CONTRIBUTION_FEN) {
    p.add('amount_fen', '缴费金额应为正整数（分），不超过 100 万元', 'expected a positive whole number of fen, at most 1,000,000 yuan');
  }
  if (!isCode(CONTRIBUTION_PAYERS, input.payer)) p.add('payer', `缴费主体应为 ${Object.keys(CONTRIBUTION_PAYERS).join('/')}`, `expected one of ${Object.keys(CONTRIBUTION_PAYERS).join(', ')}`);
  if (input.insutype !== undefined && !isCode(INSUTYPES, input.insutype)) p.add('insutype', '险种类型无效', 'unknown insurance type');
  if (input.paid_on !== undefined) p.date('paid_on', input.paid_on, 'record');
  p.throwIfAny();
  const person = await q.query('SELECT psn_no FROM persons WHERE psn_no = $1 FOR UPDATE', [input.psn_no]);
  if (!person.rowCount) throw notFound('psn_no', `人员编号 ${input.psn_no} 不存在`, `no person with psn_no ${input.psn_no}`);
  // The enrollment whose period overlaps the year; the latest one wins when a transfer split the year.
  const r = await q.query<Enrollment>(
    `SELECT ${ENROLLMENT_COLUMNS} FROM enrollments
      WHERE psn_no = $1 AND ($2::text IS NULL OR insutype = $2)
        AND psn_insu_date <= make_date($3, 12, 31) AND (end_date IS NULL OR end_date >= make_date($3, 1, 1))
      ORDER BY (insutype IN ('310', '390')) DESC, psn_insu_date DESC, id DESC LIMIT 1`,
    [input.psn_no, input.insutype ?? null, input.year],
  );
  const enrollment = r.rows[0];
  if (!enrollment) {
    throw conflict('year', `${input.year} 年度没有对应的参保记录${input.insutype ? `（险种 ${input.insutype}）` : ''}`, `no enrollment covers ${input.year}${input.insutype ? ` for insurance type ${input.insutype}` : ''}`);
  }
  const paidOn = input.paid_on ?? chinaDate(ctx.now);
  if (paidOn < '1990-01-01') throw invalid('paid_on', '缴费日期过早', 'payment date too early');
  const ins = await q.query<Contribution>(
    `INSERT INTO contributions (psn_no, enrollment_id, insuplc_admdvs, insutype, year, amount_fen, payer, paid_on, created_at)
     VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9) RETURNING ${CONTRIBUTION_COLUMNS}`,
    [input.psn_no, enrollment.id, enrollment.insuplc_admdvs, enrollment.insutype, input.year, input.amount_fen, input.payer, paidOn, ctx.now],
  );
  const c = ins.rows[0]!;
  await writeAudit(q, ctx, 'contribution.create', input.psn_no, { ...c });
  return c;
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
