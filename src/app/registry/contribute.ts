import { chinaDate } from '../../engine/calendar.ts';
import { CONTRIBUTION_PAYERS, INSUTYPES, isCode, type ContributionPayer } from '../../engine/codes.ts';
import { conflict, invalid, notFound, Problems } from '../../engine/errors.ts';
import { checkTransfer } from '../../engine/ledger.ts';
import { writeAudit, type WriteContext } from '../../store/audit.ts';
import { poolingRegionOf } from '../../store/cooperation/common.ts';
import type { Queryable } from '../../store/db.ts';
import { postTransfer } from '../../store/ledger.ts';
import { contributionFacts, enrollmentCoveringYear, insertContribution, type Contribution } from '../../store/registry/contributions.ts';
import { lockPerson } from '../../store/registry/persons.ts';
import { contributionLegs } from '../ledger/legs.ts';

// 缴费 as a use case: what may be recorded (the year, the amount, the payer, the insurance type,
// the day paid; an enrollment covering the year), the contribution recorded against that
// enrollment, and its money posted in the same transaction: from the contributor into the
// region's fund, an in-service employee's own share into the personal account
// (src/app/ledger/legs.ts).

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

/** Checks and records a contribution, booked against the enrollment covering its year. */
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
  if (!(await lockPerson(q, input.psn_no))) throw notFound('psn_no', `人员编号 ${input.psn_no} 不存在`, `no person with psn_no ${input.psn_no}`);
  const enrollment = await enrollmentCoveringYear(q, input.psn_no, input.insutype, input.year);
  if (!enrollment) {
    throw conflict('year', `${input.year} 年度没有对应的参保记录${input.insutype ? `（险种 ${input.insutype}）` : ''}`, `no enrollment covers ${input.year}${input.insutype ? ` for insurance type ${input.insutype}` : ''}`);
  }
  const paidOn = input.paid_on ?? chinaDate(ctx.now);
  if (paidOn < '1990-01-01') throw invalid('paid_on', '缴费日期过早', 'payment date too early');
  const c = await insertContribution(q, {
    psn_no: input.psn_no, enrollment_id: enrollment.id, insuplc_admdvs: enrollment.insuplc_admdvs, insutype: enrollment.insutype, year: input.year,
    amount_fen: input.amount_fen, payer: input.payer as ContributionPayer, paid_on: paidOn,
  }, ctx.now);
  await writeAudit(q, ctx, 'contribution.create', input.psn_no, { ...c });
  return c;
}

export async function contribute(q: Queryable, input: NewContribution, ctx: WriteContext): Promise<Contribution> {
  const c = await recordContribution(q, input, ctx);
  const facts = await contributionFacts(q, c);
  const legs = contributionLegs({ ...facts, psn_no: c.psn_no, pooling_admdvs: await poolingRegionOf(q, c.insuplc_admdvs), insutype: c.insutype, payer: c.payer, amount_fen: c.amount_fen });
  await postTransfer(q, checkTransfer({ kind: 'contribution', key: `contribution:${c.id}`, cause: { kind: 'contribution', id: String(c.id) }, legs, reverses: null, memo: null }), ctx.now);
  return c;
}
