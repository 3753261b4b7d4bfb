import { YibaoError, assertInvariant, conflict } from '../../engine/errors.ts';
import { hubAccount, hubClearingLegs, hubMovement, statementMismatch, type HubStatement } from '../../engine/federation/hub-clearing.ts';
import { checkTransfer } from '../../engine/ledger.ts';
import { writeAudit } from '../../store/audit.ts';
import { inTransaction, type Pool } from '../../store/db.ts';
import { clearedBefore, ownRecords, postedStatement, recordPosting } from '../../store/federation/hub.ts';
import { postTransfer } from '../../store/ledger.ts';
import { parseMonth } from '../clearing/run.ts';
import { hubOf } from './hub-report.ts';
import type { FederationPort } from './port.ts';

// A deployment posts its hub statement (docs/federation.md "Hub clearing", "The legs"): it
// fetches its own statement of the month, checks it against its own records (every cleared
// fed_id is one of its records, with its role, peer and amount, and each line is their sum),
// and posts one balanced transfer that moves the cleared amounts out of the owed_to:/owed_by:
// accounts its settlements booked into the hub's account. Once: the transfer's key is
// hub_clearing:<month>:<statement id>, and a fed_id is cleared here once over all statements.

export interface PostInput {
  month: string;
  now: Date;
  progress?: (line: string) => void;
}

export interface PostResult {
  month: string;
  statement: HubStatement & { id: number };
  /** False when the statement had been posted: nothing was written. */
  posted: boolean;
  transfer_id: number | null;
  /** The hub account's movement (debits − credits): minus the statement's net position. */
  hub_movement_fen: number;
}

export const hubClearingKey = (month: string, statementId: number): string => `hub_clearing:${month}:${statementId}`;

export async function postHubStatement(pool: Pool, port: FederationPort, input: PostInput): Promise<PostResult> {
  const month = parseMonth(input.month);
  const dir = port.directory;
  const hub = hubOf(dir);
  const statement = await port.send<HubStatement & { id: number }>(hub, 'hub.statement', `statement:${dir.self}:${month}:${input.now.toISOString()}`, { month });
  if (statement.deployment !== dir.self || statement.month !== month || !Number.isSafeInteger(statement.id)) {
    throw conflict('statement', `清算中心返回的不是本部署 ${month} 的清算单`, `the hub answered with a statement that is not this deployment's of ${month}`);
  }
  const say = input.progress ?? ((): void => undefined);
  return inTransaction(pool, async (q) => {
    const before = await postedStatement(q, hub.id, statement.id);
    if (before) {
      say(`statement ${statement.id} of ${month} was posted before (transfer ${before.transfer_id ?? 'none'}): nothing posted`);
      return { month, statement, posted: false, transfer_id: before.transfer_id, hub_movement_fen: 0 - before.net_fen };
    }
    const fedIds = statement.cleared.map((c) => c.fed_id);
    const own = await ownRecords(q, fedIds);
    const problems = statementMismatch(statement, own);
    const twice = await clearedBefore(q, fedIds);
    for (const t of twice) problems.push({ zh: `记录 ${t.fed_id} 已由清算单 ${t.statement_id} 清分`, en: `record ${t.fed_id} was cleared by statement ${t.statement_id} already` });
    if (problems.length > 0) {
      throw new YibaoError('conflict', problems.slice(0, 20).map((p) => ({ field: 'statement.cleared', zh: `清算单与本部署记录不符，未入账：${p.zh}`, en: `the statement does not match this deployment's records; nothing posted: ${p.en}` })));
    }
    const legs = hubClearingLegs(hub.id, statement.cleared.map((c) => own.get(c.fed_id)!));
    const movement = hubMovement(hub.id, legs);
    assertInvariant(movement === -statement.net_fen, 'the hub account moves by minus the statement\'s net position');
    let transferId: number | null = null;
    if (legs.length > 0) {
      const t = checkTransfer({ kind: 'hub_clearing', key: hubClearingKey(month, statement.id), cause: { kind: 'hub_statement', id: `${hub.id}:${statement.id}` }, legs, reverses: null,
        memo: `${month} ${hubAccount(hub.id)} 清算中心清算 / hub clearing: net ${statement.net_fen} fen` });
      transferId = (await postTransfer(q, t, input.now)).id;
    }
    await recordPosting(q, { hub: hub.id, statement_id: statement.id, month, net_fen: statement.net_fen, transfer_id: transferId, body: statement, fed_ids: fedIds }, input.now);
    await writeAudit(q, { actor: `system:${dir.self}`, now: input.now }, 'hub.statement.posted', `${hub.id}:${statement.id}`, { month, net_fen: statement.net_fen, cleared: fedIds.length, transfer_id: transferId });
    say(`statement ${statement.id} of ${month}: ${fedIds.length} records cleared, net ${statement.net_fen} fen, transfer ${transferId ?? 'none (nothing moved)'}`);
    return { month, statement, posted: true, transfer_id: transferId, hub_movement_fen: movement };
  });
}
