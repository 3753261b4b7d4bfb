// The daily reconciliation of two deployments (issue 17, docs/federation.md "Reconciliation").
// This side asks the peer for its records of a period (signed, with the answers it kept for
// each settlement and cancellation this side asked of it), matches them by fed_id and lists
// what one side has and the other lacks or differs on. It repairs what a lost answer left
// behind: a settlement or cancellation the insured side recorded and this treatment side did
// not is recorded here from the insured side's kept answer to that same idempotent message —
// what a retry would have received. Differences are listed for people, never overwritten.
import { reconcile, type CancelAnswer, type Deployment, type Reconciliation, type ReconciledRecord, type SettleAnswer } from '../../engine/federation/index.ts';
import { inTransaction, type Pool, type Queryable } from '../../store/db.ts';
import { getInstitution } from '../../store/registry/institutions.ts';
import { federationRecordsWith, findFederationRecord, settlementsOfVisit } from '../../store/federation/settlements.ts';
import { findVisit } from '../../store/settlement/visits.ts';
import { forgetOldReads } from '../../store/federation/inbox.ts';
import { cancelSettlement } from '../settlement/cancel-settlement.ts';
import type { Caller } from '../settlement/visit.ts';
import { recordSettlement } from './treatment-side.ts';
import type { FederationPort } from './port.ts';

export interface PeerRecords {
  records: ReconciledRecord[];
  /** The answers the peer kept for this side's messages, by fed_id. */
  answers: Record<string, Record<string, unknown>>;
}

export interface ReconcileResult extends Reconciliation {
  peer: string;
  from: string;
  to: string;
  repaired: string[];
  unrepaired: Array<{ fed_id: string; why: string }>;
}

/** Reconciles this deployment's records with one peer's over [from, to); repairs what it can when asked to. */
export async function reconcileWith(pool: Pool, port: FederationPort, peerId: string, from: Date, to: Date, o: { repair: boolean; now: Date }): Promise<ReconcileResult> {
  const peer = port.directory.deployments.find((d) => d.id === peerId && d.id !== port.directory.self && d.role === 'deployment');
  if (!peer) throw new Error(`unknown peer deployment ${peerId}`);
  const mine = await federationRecordsWith(pool, peer.id, from, to);
  const theirs = await port.send<PeerRecords>(peer, 'reconcile.list', `reconcile:${peer.id}:${from.toISOString()}:${o.now.getTime()}`, { from: from.toISOString(), to: to.toISOString() });
  const result: ReconcileResult = { ...reconcile(mine, theirs.records), peer: peer.id, from: from.toISOString(), to: to.toISOString(), repaired: [], unrepaired: [] };
  const self = port.directory.self;
  for (const r of result.only_there) {
    // Only what this side asked (its own fed_ids) can be replayed here; the rest is the peer's to repair.
    if (!r.fed_id.startsWith(`${self}:`)) continue;
    const answer = theirs.answers[r.fed_id];
    if (!o.repair) continue;
    if (!answer) {
      result.unrepaired.push({ fed_id: r.fed_id, why: 'the peer kept no answer for it' });
      continue;
    }
    try {
      const why = r.kind === 'settle' ? await replaySettlement(pool, peer, r, answer as unknown as SettleAnswer, o.now) : await replayCancel(pool, r, answer as unknown as CancelAnswer, o.now);
      if (why === undefined) result.repaired.push(r.fed_id);
      else result.unrepaired.push({ fed_id: r.fed_id, why });
    } catch (err) {
      result.unrepaired.push({ fed_id: r.fed_id, why: (err as Error).message });
    }
  }
  // The daily run also forgets the reads noted before the clock's window (they guard nothing any more).
  await forgetOldReads(pool, new Date(o.now.getTime() - 2 * port.directory.max_skew_seconds * 1000));
  for (const r of result.only_here) result.unrepaired.push({ fed_id: r.fed_id, why: 'the peer has no record of it' });
  for (const d of result.differing) result.unrepaired.push({ fed_id: d.fed_id, why: `differs in ${d.fields.join(', ')}` });
  return result;
}

async function callerFor(q: Queryable, code: string, now: Date, fedId: string): Promise<Caller | undefined> {
  const inst = await getInstitution(q, code);
  return inst && { fixmedins_code: inst.fixmedins_code, fixmedins_type: inst.fixmedins_type, hosp_lv: inst.hosp_lv, admdvs: inst.admdvs, now, msgid: `reconcile:${fedId}` };
}

/** A settlement the insured side recorded whose answer never reached this side: recorded now, if the visit is still as it was asked. */
async function replaySettlement(pool: Pool, peer: Deployment, r: ReconciledRecord, a: SettleAnswer, now: Date): Promise<string | undefined> {
  return inTransaction(pool, async (q) => {
    const visit = await findVisit(q, r.treatment_mdtrt_id, true);
    if (!visit) return 'its visit is not here';
    if ((await findFederationRecord(q, r.fed_id)) !== undefined) return undefined; // recorded meanwhile (a retry)
    const n = Number(r.fed_id.split(':').pop());
    if ((await settlementsOfVisit(q, visit.mdtrt_id)) + 1 !== n) return 'the visit was settled otherwise since';
    const caller = await callerFor(q, visit.fixmedins_code, now, r.fed_id);
    if (!caller) return 'its institution is not here';
    const o = { psn_no: undefined, medfee_sumamt: undefined, acct_used_flag: a.settlement.setlinfo.acct_pay > 0, mid_setl: a.mid_setl, preview: false, psn_pwd: undefined, path: 'reconcile' };
    await recordSettlement(q, caller, visit, o, { owner: peer, fed_id: r.fed_id, answer: a, preview: false });
    return undefined;
  });
}

/** A cancellation the insured side recorded whose answer never reached this side. */
async function replayCancel(pool: Pool, r: ReconciledRecord, a: CancelAnswer, now: Date): Promise<string | undefined> {
  return inTransaction(pool, async (q) => {
    if ((await findFederationRecord(q, r.fed_id)) !== undefined) return undefined;
    const orig = r.orig_fed_id ? await findFederationRecord(q, r.orig_fed_id) : undefined;
    if (!orig || orig.status !== 'settled') return 'its settlement is not standing here';
    const caller = await callerFor(q, orig.fixmedins_code, now, r.fed_id);
    if (!caller) return 'its institution is not here';
    await cancelSettlement(q, caller, { setl_id: orig.setl_id, mdtrt_id: undefined, psn_no: undefined, kinds: ['outpatient', 'inpatient', 'pharmacy'], path: 'reconcile' },
      { role: 'treatment', peer: orig.peer, fed_id: r.fed_id, orig_fed_id: orig.fed_id, peer_setl_id: a.setl_id, treatment_mdtrt_id: orig.treatment_mdtrt_id, setl_id: a.treatment_setl_id, at: new Date(a.setl_time) });
    return undefined;
  });
}
