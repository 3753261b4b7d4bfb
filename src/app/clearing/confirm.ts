import { clearingLegs, confirmMove, provinceOf, type ClearingSide } from '../../engine/clearing.ts';
import { conflict, forbidden, invalid, notFound } from '../../engine/errors.ts';
import { checkTransfer } from '../../engine/ledger.ts';
import { inTransaction, type Pool } from '../../store/db.ts';
import { postTransfer } from '../../store/ledger.ts';
import { findStatementForUpdate, linesOf, recordConfirmation, type StoredStatement } from '../../store/clearing/statements.ts';

// Both sides confirm a statement (对账); the second confirmation posts its one clearing
// transfer and the statement is paid (docs/clearing.md, "The legs").

export interface ConfirmInput {
  statement_id: number;
  side: ClearingSide;
  /** Who confirms, and the regions they act for (a staff account's regions). */
  by: string;
  regions: readonly string[];
  now: Date;
}

/** Whether a staff member's regions cover a side's region: the region itself, or its province. */
function covers(regions: readonly string[], admdvs: string): boolean {
  return regions.includes(admdvs) || regions.includes(provinceOf(admdvs));
}

export async function confirmStatement(pool: Pool, input: ConfirmInput): Promise<StoredStatement> {
  if (input.side !== 'insured' && input.side !== 'treatment') throw invalid('side', '确认方应为 insured 或 treatment', 'the side is insured or treatment');
  return inTransaction(pool, async (q) => {
    const s = await findStatementForUpdate(q, input.statement_id);
    if (!s) throw notFound('statement_id', '清算单不存在', 'no such clearing statement');
    const region = input.side === 'insured' ? s.insured_admdvs : s.treatment_admdvs;
    if (!covers(input.regions, region)) throw forbidden('side', `只有${region}的经办人员可以确认该方`, `only staff of ${region} may confirm the ${input.side} side`);
    const next = confirmMove(s.state, input.side);
    if (next === 'twice') throw conflict('side', '该方已确认过此清算单', `the ${input.side} side has confirmed this statement already`);
    if (next === 'closed') throw conflict('state', `清算单状态为${s.state}，不能再确认`, `the statement is ${s.state}: it can no longer be confirmed`);
    let transferId: number | null = null;
    let state = next;
    if (next === 'confirmed') {
      const legs = clearingLegs({ insured_admdvs: s.insured_admdvs, treatment_admdvs: s.treatment_admdvs, lines: await linesOf(q, s.id) });
      if (legs.length > 0) {
        const t = checkTransfer({ kind: 'clearing', key: `clearing:${s.id}`, cause: { kind: 'clearing_statement', id: String(s.id) }, legs, reverses: null,
          memo: `${s.month} ${s.level} ${s.insured_admdvs}→${s.treatment_admdvs} 清算 / clearing` });
        transferId = (await postTransfer(q, t, input.now)).id;
      }
      state = 'paid';
    }
    await recordConfirmation(q, s.id, input.side, input.by, state, transferId, input.now);
    return (await findStatementForUpdate(q, s.id))!;
  });
}
