import { chinaDate } from '../../engine/calendar.ts';
import { conflict, invalid, notFound } from '../../engine/errors.ts';
import { checkTransfer, reversed, type TransferKind } from '../../engine/ledger.ts';
import { writeAudit, type WriteContext } from '../../store/audit.ts';
import { poolingRegionOf } from '../../store/cooperation/common.ts';
import type { Queryable } from '../../store/db.ts';
import { findTransferById, postTransfer, type Posted } from '../../store/ledger.ts';
import { getPersonalAccount, type PersonalAccount } from '../../store/registry/contributions.ts';
import { MAX_CONTRIBUTION_FEN } from '../registry/contribute.ts';
import { findPersonByCertno, findPersonByPsnNo } from '../../store/registry/persons.ts';
import { lockAccumulators } from '../../store/settlement/service.ts';
import { depositLegs, familyShareLegs } from './legs.ts';

// The personal account's own movements, each one transfer through the ledger's one path:
// a deposit (个人账户划入) and family sharing (家庭共济), and the correction of a transfer by
// its reversal. Each runs inside the caller's transaction and is idempotent by its key.

function checkAmount(amountFen: number, zh: string): void {
  if (!Number.isSafeInteger(amountFen) || amountFen <= 0 || amountFen > MAX_CONTRIBUTION_FEN) {
    throw invalid('amount_fen', `${zh}应为正整数（分），不超过 100 万元`, 'expected a positive whole number of fen, at most 1,000,000 yuan');
  }
}

export interface Deposit {
  psn_no: string;
  amount_fen: number;
  reason: string;
  /** Idempotency key; a retried deposit with the same key posts nothing more. */
  key: string;
}

/** Credits a personal account (个人账户划入) from its region's employees' pooled fund, audited. */
export async function depositToPersonalAccount(q: Queryable, d: Deposit, ctx: WriteContext): Promise<PersonalAccount & Posted> {
  checkAmount(d.amount_fen, '划入金额');
  const account = await getPersonalAccount(q, d.psn_no);
  if (!account) throw notFound('psn_no', '该人员没有个人账户（未参加职工医保）', 'this person has no personal account (not in employees\' insurance)');
  const pooling = await poolingRegionOf(q, account.insuplc_admdvs);
  const t = checkTransfer({ kind: 'deposit', key: `deposit:${d.key}`, cause: { kind: 'person', id: d.psn_no }, legs: depositLegs(d.psn_no, pooling, d.amount_fen), reverses: null, memo: d.reason });
  const posted = await postTransfer(q, t, ctx.now);
  const balc = (await getPersonalAccount(q, d.psn_no))!.balc_fen;
  if (posted.posted) await writeAudit(q, ctx, 'personal_account.credit', d.psn_no, { amount_fen: d.amount_fen, reason: d.reason, balc_fen: balc });
  return { ...account, balc_fen: balc, ...posted };
}

/** 家庭共济: the holder's spouse, parents and children (国办发〔2021〕14号). */
export const FAMILY_RELATIONS = {
  spouse: { zh: '配偶', en: 'spouse' },
  parent: { zh: '父母', en: 'parent' },
  child: { zh: '子女', en: 'child' },
} as const;

export interface FamilyShare {
  holder_psn_no: string;
  /** The family member, by psn_no or by ID number (the REST API names people by certno). */
  member_psn_no?: string | undefined;
  member_certno?: string | undefined;
  relation: string;
  amount_fen: number;
  key: string;
}

/**
 * The holder's personal account pays part of a family member's own burden (家庭共济). Locks
 * the holder's year of accumulators, the lock every settlement of the holder takes, so a
 * settlement reading the balance and a share taking from it do not overlap. An overdraft is
 * refused by the personal account's balance row (postTransfer); a retry of a posted share
 * (same key) returns the first transfer, whatever the balance is now.
 */
export async function shareWithFamily(q: Queryable, s: FamilyShare, ctx: WriteContext): Promise<PersonalAccount & Posted> {
  checkAmount(s.amount_fen, '共济金额');
  if (!Object.hasOwn(FAMILY_RELATIONS, s.relation)) throw invalid('relation', '共济关系应为 spouse/parent/child（配偶、父母、子女）', 'expected relation spouse, parent or child');
  const field = s.member_psn_no !== undefined ? 'member_psn_no' : 'member_certno';
  const key = s.member_psn_no ?? s.member_certno;
  if (key === undefined) throw invalid('member_psn_no', '应给出共济对象（member_psn_no 或 member_certno）', 'name the family member (member_psn_no or member_certno)');
  const member = s.member_psn_no !== undefined ? await findPersonByPsnNo(q, key) : await findPersonByCertno(q, key);
  if (!member) throw notFound(field, `共济对象 ${key} 不存在`, `no person ${key}`);
  if (member.psn_no === s.holder_psn_no) throw invalid(field, '共济对象应为本人以外的家庭成员', 'the family member must be someone other than the holder');
  const account = await getPersonalAccount(q, s.holder_psn_no);
  if (!account) throw notFound('holder_psn_no', '该人员没有个人账户（未参加职工医保）', 'this person has no personal account (not in employees\' insurance)');
  await lockAccumulators(q, s.holder_psn_no, Number(chinaDate(ctx.now).slice(0, 4)));
  const t = checkTransfer({
    kind: 'family_share', key: `family_share:${s.key}`, cause: { kind: 'family_member', id: member.psn_no },
    legs: familyShareLegs(s.holder_psn_no, member.psn_no, s.amount_fen), reverses: null, memo: s.relation,
  });
  const posted = await postTransfer(q, t, ctx.now);
  const balc = (await getPersonalAccount(q, s.holder_psn_no))!.balc_fen;
  if (posted.posted) await writeAudit(q, ctx, 'personal_account.family_share', s.holder_psn_no, { member_psn_no: member.psn_no, relation: s.relation, amount_fen: s.amount_fen, balc_fen: balc });
  return { ...account, balc_fen: balc, ...posted };
}

/** Kinds a standalone correction may reverse; a settlement is corrected by its cancellation (2208/2305/2103/2601). */
const REVERSIBLE: ReadonlySet<TransferKind> = new Set(['contribution', 'deposit', 'family_share']);

/** Corrects a transfer by posting its legs swapped (kind `reversal`, `reverses` naming it), once. */
export async function reverseTransfer(q: Queryable, input: { transfer_id: number; reason: string }, ctx: WriteContext): Promise<Posted> {
  const orig = await findTransferById(q, input.transfer_id);
  if (!orig) throw notFound('transfer_id', `没有转账 ${input.transfer_id}`, `no transfer ${input.transfer_id}`);
  if (!REVERSIBLE.has(orig.kind as TransferKind)) throw conflict('transfer_id', `${orig.kind} 转账不能直接冲正`, `a ${orig.kind} transfer is not corrected by a reversal`);
  const t = checkTransfer({ kind: 'reversal', key: `reversal:${orig.id}`, cause: { kind: 'transfer', id: String(orig.id) }, legs: reversed(orig.legs), reverses: orig.id, memo: input.reason });
  const posted = await postTransfer(q, t, ctx.now);
  if (posted.posted) await writeAudit(q, ctx, 'ledger.reversal', orig.key, { transfer_id: orig.id, reason: input.reason });
  return posted;
}
