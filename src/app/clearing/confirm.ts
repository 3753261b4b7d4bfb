import { clearingLegs, payableLines, statementState, type ClearingSide } from '../../engine/clearing.ts';
import { conflict, forbidden, invalid, notFound } from '../../engine/errors.ts';
import { checkTransfer } from '../../engine/ledger.ts';
import { regionsCover } from '../../store/auth/principal.ts';
import { inTransaction, type Pool, type Queryable } from '../../store/db.ts';
import { postTransfer } from '../../store/ledger.ts';
import { disputeStates, openDisputeCount, upheldAt } from '../../store/clearing/disputes.ts';
import { findStatementForUpdate, linesOf, recordConfirmation, type StoredStatement } from '../../store/clearing/statements.ts';

// Both sides confirm a statement (对账); the second confirmation posts its one clearing
// transfer for every line not contested (docs/clearing.md, "The legs" and "Disputes"), and the
// statement is paid, in part while a contested line waits.

/** Who acts on a statement, and the regions they act for (a staff account's regions). */
export interface StatementActor {
  side: ClearingSide;
  by: string;
  regions: readonly string[];
}

export interface ConfirmInput extends StatementActor {
  statement_id: number;
  now: Date;
}

/** The statement locked, and the side's region checked against the caller's regions: the one gate of confirm, dispute and resolve. */
export async function statementForSide(q: Queryable, statementId: number, a: StatementActor): Promise<StoredStatement> {
  if (a.side !== 'insured' && a.side !== 'treatment') throw invalid('side', '操作方应为 insured 或 treatment', 'the side is insured or treatment');
  const s = await findStatementForUpdate(q, statementId);
  if (!s) throw notFound('statement_id', '清算单不存在', 'no such clearing statement');
  const region = a.side === 'insured' ? s.insured_admdvs : s.treatment_admdvs;
  if (!regionsCover(a.regions, region)) throw forbidden('side', `只有${region}的经办人员可以代表该方`, `only staff of ${region} may act for the ${a.side} side`);
  return s;
}

export const sideConfirmed = (s: StoredStatement, side: ClearingSide): boolean => (side === 'insured' ? s.insured_confirmed_by : s.treatment_confirmed_by) !== null;

/** The legs of the given lines between the statement's two regions (none when they sum to nothing). */
export async function postClearing(q: Queryable, s: StoredStatement, lines: Parameters<typeof clearingLegs>[0]['lines'], key: string, memo: string, now: Date): Promise<number | null> {
  const legs = clearingLegs({ insured_admdvs: s.insured_admdvs, treatment_admdvs: s.treatment_admdvs, lines });
  if (legs.length === 0) return null;
  const t = checkTransfer({ kind: 'clearing', key, cause: { kind: 'clearing_statement', id: String(s.id) }, legs, reverses: null, memo });
  return (await postTransfer(q, t, now)).id;
}

export async function confirmStatement(pool: Pool, input: ConfirmInput): Promise<StoredStatement> {
  return inTransaction(pool, async (q) => {
    const s = await statementForSide(q, input.statement_id, input);
    if (s.paid_at !== null) throw conflict('state', `清算单状态为${s.state}，不能再确认`, `the statement is ${s.state}: it can no longer be confirmed`);
    if (sideConfirmed(s, input.side)) throw conflict('side', '该方已确认过此清算单', `the ${input.side} side has confirmed this statement already`);
    const insured = input.side === 'insured' || sideConfirmed(s, 'insured');
    const treatment = input.side === 'treatment' || sideConfirmed(s, 'treatment');
    let payment: { transfer_id: number | null } | null = null;
    if (insured && treatment) {
      const lines = await linesOf(q, s.id);
      const upheld = await upheldAt(q, s.level, lines.flatMap((l) => (l.orig_setl_id ? [l.orig_setl_id] : [])));
      const payable = payableLines(lines, await disputeStates(q, s.id), upheld);
      payment = { transfer_id: await postClearing(q, s, payable, `clearing:${s.id}`, `${s.month} ${s.level} ${s.insured_admdvs}→${s.treatment_admdvs} 清算 / clearing`, input.now) };
    }
    const state = statementState({ insured_confirmed: insured, treatment_confirmed: treatment, paid: payment !== null, open_disputes: await openDisputeCount(q, s.id) });
    await recordConfirmation(q, s.id, input.side, input.by, state, payment, input.now);
    return (await findStatementForUpdate(q, s.id))!;
  });
}
