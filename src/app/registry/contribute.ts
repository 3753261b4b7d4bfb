import { checkTransfer } from '../../engine/ledger.ts';
import type { WriteContext } from '../../store/audit.ts';
import { poolingRegionOf } from '../../store/cooperation/common.ts';
import type { Queryable } from '../../store/db.ts';
import { postTransfer } from '../../store/ledger.ts';
import { contributionFacts, recordContribution, type Contribution, type NewContribution } from '../../store/registry/contributions.ts';
import { contributionLegs } from '../ledger/legs.ts';

// 缴费 as a use case: the contribution is recorded (and checked) by the registry, and its
// money posted in the same transaction: from the contributor into the region's fund, an
// in-service employee's own share into the personal account (src/app/ledger/legs.ts).

export async function contribute(q: Queryable, input: NewContribution, ctx: WriteContext): Promise<Contribution> {
  const c = await recordContribution(q, input, ctx);
  const facts = await contributionFacts(q, c);
  const legs = contributionLegs({ ...facts, psn_no: c.psn_no, pooling_admdvs: await poolingRegionOf(q, c.insuplc_admdvs), insutype: c.insutype, payer: c.payer, amount_fen: c.amount_fen });
  await postTransfer(q, checkTransfer({ kind: 'contribution', key: `contribution:${c.id}`, cause: { kind: 'contribution', id: String(c.id) }, legs, reverses: null, memo: null }), ctx.now);
  return c;
}
