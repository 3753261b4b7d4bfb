// The cancellation use case of 2208 / 2305 / 2103 / 2601: which settlement may be cancelled by
// whom (its institution, its visit and person, its kind of visit, a stay's newest first), the
// accumulators restored by exactly what it added, the amounts negated, the ledger reversed;
// the store reads and writes (the same statements in the same order as before the move).
import { applyIncrements, negateIncrements } from '../../engine/index.ts';
import { conflict, invalid, notFound } from '../../engine/errors.ts';
import type { Fen } from '../../engine/money.ts';
import type { Queryable } from '../../store/db.ts';
import type { Person as PersonRow } from '../../store/registry/persons.ts';
import { checkTransfer, reversed, settlementLegs } from '../../engine/ledger.ts';
import { splitLegs } from '../../engine/federation/index.ts';
import { federationRecord } from './federation-record.ts';
import { personalAccountBalance } from '../../store/ledger.ts';
import { findVisit, type VisitKind, type VisitRow } from '../../store/settlement/visits.ts';
import {
  assertNonNegative, cancelVisitLines, findSettlement, hasLaterStandingSettlement, lockAccumulators,
  nextSettlementSerial, settledLineSns, settlementKey, settlementTransferId, writeSettlement, type StoredSettlement,
} from '../../store/settlement/service.ts';
import { supersedePayment } from '../../store/payment/settlement-lists.ts';
import { closeFindingsOfSettlement } from '../../store/supervision/findings.ts';
import type { Caller } from './visit.ts';

function negateAmounts<T extends object>(o: T): T {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(o)) out[k] = typeof v === 'number' && k !== 'balc' ? -v : v;
  return out as T;
}

export interface CancelResult {
  cancel: StoredSettlement;
  original: StoredSettlement;
  visit: VisitRow;
  person: PersonRow;
  balc_fen: number;
}

/**
 * A cross-deployment settlement's cancellation on one side (issue 17): which half of the money
 * this side reverses; the accumulators are restored only on the insured side; the treatment
 * side's cancel row takes the setl_id it allocated before asking (echoed by the insured side).
 */
export interface CancelAcross {
  role: 'treatment' | 'insured';
  peer: string;
  fed_id: string;
  orig_fed_id: string;
  peer_setl_id: string;
  treatment_mdtrt_id: string;
  /** The treatment side's own cancel setl_id (allocated before the insured side was asked). */
  setl_id?: string;
  /** When the insured side recorded the cancellation (both sides date it so). */
  at?: Date;
}

/**
 * Cancels a settlement with its own row (amounts negated), a reversing ledger transfer, and
 * the accumulators restored by exactly what it added. Runs inside the caller's transaction.
 */
export async function cancelSettlement(q: Queryable, caller: Caller, input: { setl_id: string; mdtrt_id: string | undefined; psn_no: string | undefined; kinds: readonly VisitKind[]; path: string }, across?: CancelAcross): Promise<CancelResult> {
  const orig = await findSettlement(q, input.setl_id, true);
  if (!orig || orig.fixmedins_code !== caller.fixmedins_code || orig.kind !== 'settle') {
    throw notFound(`${input.path}.setl_id`, `本机构无结算 ${input.setl_id}`, `no settlement ${input.setl_id} at this institution`);
  }
  if (input.mdtrt_id !== undefined && input.mdtrt_id !== orig.mdtrt_id) throw invalid(`${input.path}.mdtrt_id`, `结算 ${orig.setl_id} 不属于就诊 ${input.mdtrt_id}`, `settlement ${orig.setl_id} is not of visit ${input.mdtrt_id}`);
  if (input.psn_no !== undefined && input.psn_no !== orig.psn_no) throw invalid(`${input.path}.psn_no`, `结算 ${orig.setl_id} 不属于人员 ${input.psn_no}`, `settlement ${orig.setl_id} is not of person ${input.psn_no}`);
  if (orig.status === 'cancelled') throw conflict(`${input.path}.setl_id`, `结算 ${orig.setl_id} 已撤销`, `settlement ${orig.setl_id} was already cancelled`);
  const visit = (await findVisit(q, orig.mdtrt_id, true))!;
  const { person } = visit;
  if (!input.kinds.includes(visit.kind)) throw invalid(`${input.path}.setl_id`, `结算 ${orig.setl_id} 不是本交易可撤销的类别`, `settlement ${orig.setl_id} is a ${visit.kind} settlement, not cancelled by this transaction`);
  // Mid-stay settlements are cancelled newest first, so the stay's lines stay consistent.
  if (visit.kind === 'inpatient' && await hasLaterStandingSettlement(q, visit.mdtrt_id, orig.setl_id)) {
    throw conflict(`${input.path}.setl_id`, '须先撤销该住院之后的结算', 'cancel the later settlements of this stay first');
  }
  // The treatment side of a cross-deployment settlement keeps no accumulators: the insured side owns them.
  const keepsAccumulators = across?.role !== 'treatment';
  const acc = keepsAccumulators ? await lockAccumulators(q, orig.psn_no, orig.setl_year) : orig.increments;
  const back = negateIncrements(orig.increments);
  const nextAcc = applyIncrements(acc, back);
  if (keepsAccumulators) assertNonNegative(nextAcc);
  const transferId = await settlementTransferId(q, orig.setl_id);
  const allLegs = settlementLegs({ setlinfo: orig.setlinfo, setldetail: orig.setldetail, psn_no: orig.psn_no, fixmedins_code: orig.fixmedins_code, insuplc_admdvs: orig.insuplc_admdvs, mdtrtarea_admvs: orig.mdtrtarea_admvs });
  const legs = reversed(across ? splitLegs(allLegs)[across.role] : allLegs);
  const serial = across?.setl_id !== undefined ? Number(across.setl_id) : await nextSettlementSerial(q);
  const lineSns = await settledLineSns(q, orig.mdtrt_id, orig.setl_id);
  const balcBefore = await personalAccountBalance(q, orig.psn_no);
  const setlinfo = { ...negateAmounts(orig.setlinfo), balc: (balcBefore + orig.setlinfo.acct_pay) as Fen };
  const setldetail = orig.setldetail.map((d) => ({ ...d, fund_payamt: -d.fund_payamt as Fen, inscp_scp_amt: -d.inscp_scp_amt as Fen }));
  // A pharmacy sale is one act: cancelling it ends the sale. Visits go back to where they were before settling.
  const at = across?.at ?? caller.now;
  const visitStatus = visit.kind === 'pharmacy' ? 'cancelled' : visit.kind === 'inpatient' ? (visit.endtime ? 'discharged' : 'open') : 'open';
  await writeSettlement(q, {
    setl_id: String(serial), kind: 'cancel', orig_setl_id: orig.setl_id, shard: serial % 16, visit, setl_time: at, year: orig.setl_year,
    mid_setl: orig.mid_setl, status: orig.cross_region_status, policy_id: orig.policy_id, policy_version: orig.policy_version,
    setlinfo, setldetail, increments: back, explanation: { cancels: orig.setl_id }, msgid: caller.msgid, line_sns: lineSns,
    visit_status: visitStatus, acc: nextAcc, settlements_delta: -1, eligibility: null, inputs: null,
    transfer: checkTransfer({ kind: 'cancel', key: settlementKey(String(serial)), cause: { kind: 'settlement', id: String(serial) }, legs, reverses: transferId, memo: null }),
    ...(across ? { federation: federationRecord({ role: across.role, peer: across.peer, fed_id: across.fed_id, orig_fed_id: across.orig_fed_id, setl_id: String(serial), peer_setl_id: across.peer_setl_id, treatment_mdtrt_id: across.treatment_mdtrt_id, kind: 'cancel' }, orig, at, { setlinfo, setldetail }) } : {}),
  });
  if (visit.kind === 'pharmacy') await cancelVisitLines(q, visit.mdtrt_id);
  // A cancelled stay is not paid by DRG/DIP: its price closes (after a year-end, next year's adjusts it).
  if (visit.kind === 'inpatient') await supersedePayment(q, orig.setl_id, caller.now);
  // What the supervision rules found on it no longer stands (a finding in a case is marked, not closed).
  await closeFindingsOfSettlement(q, orig.setl_id);
  const cancel = (await findSettlement(q, String(serial)))!;
  return { cancel, original: { ...orig, status: 'cancelled' }, visit, person, balc_fen: setlinfo.balc };
}
