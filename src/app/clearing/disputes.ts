import { mayResolve, statementState, type DisputeOutcome, type DisputeState } from '../../engine/clearing.ts';
import { conflict, forbidden, invalid, notFound } from '../../engine/errors.ts';
import { regionsCover } from '../../store/auth/principal.ts';
import { inTransaction, type Pool } from '../../store/db.ts';
import {
  cancellationPaid, disputeStates, findDisputeForUpdate, insertDisputes, listDisputes, openDisputeCount, resolveDisputeRow, setStatementState, type DisputeRow,
} from '../../store/clearing/disputes.ts';
import { findStatementForUpdate, linesOf, type StoredLine, type StoredStatement } from '../../store/clearing/statements.ts';
import { postClearing, sideConfirmed, statementForSide, type StatementActor } from './confirm.ts';

// Disputes (争议) on a clearing statement (docs/clearing.md, "Disputes"): a side that has not
// confirmed contests named settlements with a reason; they wait in the dispute list while the
// rest is confirmed and paid. The side that raised a contest withdraws it (the line is then
// paid, by its own transfer when the statement was paid already); the other side concedes it
// (upheld: the line is not owed and never paid; the settlement is to be cancelled, and that
// cancellation repays nothing either).

export interface DisputeInput extends StatementActor {
  statement_id: number;
  setl_ids: readonly string[];
  reason: string;
  now: Date;
}

export async function disputeStatement(pool: Pool, input: DisputeInput): Promise<{ statement: StoredStatement; disputes: number[] }> {
  if (!Array.isArray(input.setl_ids) || input.setl_ids.length === 0 || input.setl_ids.some((x) => typeof x !== 'string')) {
    throw invalid('setl_ids', '须列出有争议的结算（setl_id）', 'setl_ids must list the contested settlements');
  }
  if (new Set(input.setl_ids).size !== input.setl_ids.length) throw invalid('setl_ids', 'setl_ids 有重复', 'setl_ids lists a settlement twice');
  const reason = typeof input.reason === 'string' ? input.reason.trim() : '';
  if (reason.length === 0 || reason.length > 500) throw invalid('reason', '须说明争议理由（1-500 字）', 'reason must say why (1-500 characters)');
  return inTransaction(pool, async (q) => {
    const s = await statementForSide(q, input.statement_id, input);
    if (s.paid_at !== null) throw conflict('state', `清算单状态为${s.state}，不能再提出争议`, `the statement is ${s.state}: it can no longer be disputed`);
    if (sideConfirmed(s, input.side)) throw conflict('side', '该方已确认此清算单，不能再提出争议', `the ${input.side} side has confirmed this statement: it can no longer dispute it`);
    const lines = new Map((await linesOf(q, s.id)).map((l) => [l.setl_id, l]));
    const before = await disputeStates(q, s.id);
    const contested: StoredLine[] = [];
    for (const id of input.setl_ids) {
      const line = lines.get(id);
      if (!line) throw invalid('setl_ids', `结算 ${id} 不在此清算单中`, `settlement ${id} is not on this statement`);
      if (before.has(id)) throw conflict('setl_ids', `结算 ${id} 已有争议`, `settlement ${id} is disputed already`);
      contested.push(line);
    }
    const ids = await insertDisputes(q, s.id, contested, input.side, input.by, reason, input.now);
    await setStatementState(q, s.id, 'disputed');
    return { statement: (await findStatementForUpdate(q, s.id))!, disputes: ids };
  });
}

export interface ResolveInput extends StatementActor {
  dispute_id: number;
  outcome: DisputeOutcome;
  note: string;
  now: Date;
}

export async function resolveDispute(pool: Pool, input: ResolveInput): Promise<DisputeRow> {
  if (input.outcome !== 'withdrawn' && input.outcome !== 'upheld') throw invalid('outcome', '处理结果应为 withdrawn（撤回）或 upheld（成立）', 'outcome is withdrawn or upheld');
  const note = typeof input.note === 'string' ? input.note.trim() : '';
  if (note.length > 500) throw invalid('note', '说明不超过 500 字', 'note is at most 500 characters');
  if (!Number.isSafeInteger(input.dispute_id)) throw invalid('dispute_id', 'dispute_id 应为整数', 'dispute_id must be a whole number');
  return inTransaction(pool, async (q) => {
    const found = await findDisputeForUpdate(q, input.dispute_id);
    if (!found) throw notFound('dispute_id', '争议不存在', 'no such dispute');
    const s = await statementForSide(q, found.statement_id, input);
    const d = (await findDisputeForUpdate(q, input.dispute_id))!; // read again under the statement's lock
    if (d.state !== 'open') throw conflict('state', `争议已处理（${d.state}）`, `the dispute was resolved already (${d.state})`);
    if (!mayResolve(d.side, input.outcome, input.side)) {
      throw forbidden('side', input.outcome === 'withdrawn' ? '只有提出争议的一方可以撤回' : '争议成立须由对方确认', input.outcome === 'withdrawn' ? 'only the side that raised a dispute may withdraw it' : 'only the other side may concede a dispute');
    }
    if (input.outcome === 'upheld' && (await cancellationPaid(q, s.level, d.setl_id))) {
      throw conflict('outcome', '该结算的撤销已清算支付，争议只能撤回', "the settlement's cancellation has been cleared and paid already: the dispute can only be withdrawn");
    }
    let transfer: number | null = null;
    if (input.outcome === 'withdrawn' && s.paid_at !== null) {
      // The statement was paid without this line: it is paid now, by its own transfer.
      const line = (await linesOf(q, s.id)).filter((l) => l.setl_id === d.setl_id);
      transfer = await postClearing(q, s, line, `clearing:${s.id}:dispute:${d.id}`, `争议撤回 / dispute withdrawn ${d.setl_id}`, input.now);
    }
    await resolveDisputeRow(q, d.id, input.outcome, input.by, note, input.now, transfer);
    const state = statementState({
      insured_confirmed: sideConfirmed(s, 'insured'), treatment_confirmed: sideConfirmed(s, 'treatment'), paid: s.paid_at !== null, open_disputes: await openDisputeCount(q, s.id),
    });
    await setStatementState(q, s.id, state);
    return (await findDisputeForUpdate(q, d.id))!;
  });
}

/** The dispute list of the regions a staff member covers (either side of the statement). */
export async function disputesOf(pool: Pool, input: { regions: readonly string[]; state?: DisputeState }): Promise<DisputeRow[]> {
  if (input.state !== undefined && !['open', 'withdrawn', 'upheld'].includes(input.state)) throw invalid('state', '状态应为 open、withdrawn 或 upheld', 'state is open, withdrawn or upheld');
  return listDisputes(pool, input.regions, input.state);
}

/** Whether the regions cover either side of a statement (to read it). */
export const coversStatement = (regions: readonly string[], s: { insured_admdvs: string; treatment_admdvs: string }): boolean =>
  regionsCover(regions, s.insured_admdvs) || regionsCover(regions, s.treatment_admdvs);
