// The treatment side of a cross-deployment settlement (issue 17, docs/federation.md): the
// hospital is here, the person is insured in a region another deployment owns. This side keeps
// the visit and its lines (classified on its own catalog), asks the owner to decide and to
// compute and record the benefits, then records the answer with its half of the money. The
// asking happens before the gateway's transaction (nothing is held open across the link); the
// recording inside it, after checking that the visit is still as it was asked about.
import { randomUUID } from 'node:crypto';
import { assertInvariant, conflict } from '../../engine/errors.ts';
import {
  cancelFedId, remoteOwnerOf, settleFedId, splitLegs, type CancelAnswer, type CancelBody, type Deployment, type SettleAnswer, type SettleBody, type VisitCheckBody,
} from '../../engine/federation/index.ts';
import { checkTransfer, settlementLegs } from '../../engine/ledger.ts';
import { chinaDate } from '../../engine/calendar.ts';
import type { Queryable } from '../../store/db.ts';
import type { Person as PersonRow } from '../../store/registry/persons.ts';
import { federationRecordOfSettlement, settlementsOfVisit, upsertPersonCopy } from '../../store/federation/settlements.ts';
import { findSettlement, nextSettlementSerial, settlementKey, writeSettlement } from '../../store/settlement/service.ts';
import { findVisit, linesOf, type VisitWithPerson } from '../../store/settlement/visits.ts';
import type { OpenVisitInput, VisitDecision } from '../settlement/open-visit.ts';
import type { SettledResult, SettleOptions } from '../settlement/settle-visit.ts';
import type { CancelAcross } from '../settlement/cancel-settlement.ts';
import { federationRecord } from '../settlement/federation-record.ts';
import type { VisitCheckAnswer } from './insured-side.ts';
import type { Caller } from '../settlement/visit.ts';
import type { FederationPort } from './port.ts';

/** The deployment that owns a person's insured region when it is another one. */
export function ownerOfPerson(port: FederationPort | undefined, psnNo: string): Deployment | undefined {
  return port && /^[0-9]{6}/.test(psnNo) ? remoteOwnerOf(port.directory, psnNo.slice(0, 6)) : undefined;
}

/** 2201/2401/2102 of a person insured elsewhere: the owner decides; its person is copied here. */
export async function askVisitDecision(q: Queryable, port: FederationPort, owner: Deployment, caller: Caller, input: OpenVisitInput): Promise<VisitDecision> {
  const body: VisitCheckBody = {
    fixmedins_code: caller.fixmedins_code, psn_no: input.psn_no, med_type: input.med_type, begntime: input.begntime.toISOString(),
    emergency_flag: input.emergency_flag, dise_codes: input.dise_codes,
    ...(input.insutype !== undefined ? { insutype: input.insutype } : {}), ...(input.insuplc_admdvs !== undefined ? { insuplc_admdvs: input.insuplc_admdvs } : {}),
  };
  const a = await port.send<VisitCheckAnswer>(owner, 'visit.check', `check:${randomUUID()}`, body);
  const person: PersonRow = { ...a.person, tel: null, addr: null, live_admdvs: null } as PersonRow;
  return { person, insutype: a.insutype, psn_type: a.psn_type, insured: a.insured, decision: a.decision };
}

/** The copy of the person, written in the registration's transaction. */
export async function keepPersonCopy(q: Queryable, owner: Deployment, d: VisitDecision): Promise<void> {
  const p = d.person;
  await upsertPersonCopy(q, { psn_no: p.psn_no, psn_cert_type: p.psn_cert_type, certno: p.certno, psn_name: p.psn_name, gend: p.gend, brdy: String(p.brdy).slice(0, 10), naty: p.naty, insuplc_admdvs: p.insuplc_admdvs }, owner.id);
}

/** What the insured side answered for a visit's settlement, carried into the gateway's transaction. */
export interface AskedSettlement {
  owner: Deployment;
  fed_id: string;
  answer: SettleAnswer;
  preview: boolean;
}

/**
 * Asks the owner to settle (or pre-settle) the visit's unsettled lines. The fed_id is the
 * visit's next settlement (count + 1), so every retry of this settlement, whatever its msgid,
 * asks the same question and gets the first answer.
 */
export async function askSettlement(q: Queryable, port: FederationPort, owner: Deployment, caller: Caller, visit: VisitWithPerson, o: SettleOptions): Promise<AskedSettlement> {
  // Independent reads, side by side.
  const [all, settled, serial] = await Promise.all([linesOf(q, visit.mdtrt_id), settlementsOfVisit(q, visit.mdtrt_id), o.preview ? Promise.resolve(0) : nextSettlementSerial(q)]);
  const lines = all.filter((l) => l.status === 'uploaded' && l.setl_id === null);
  if (lines.length === 0) throw conflict(`${o.path}.mdtrt_id`, `就诊 ${visit.mdtrt_id} 没有待结算的费用明细`, `visit ${visit.mdtrt_id} has no unsettled fee lines`);
  const fedId = settleFedId(port.directory.self, visit.mdtrt_id, settled + 1);
  const body: SettleBody = {
    fed_id: fedId,
    treatment_setl_id: String(serial),
    visit: {
      mdtrt_id: visit.mdtrt_id, kind: visit.kind, psn_no: visit.psn_no, insutype: visit.insutype, psn_type: visit.psn_type, fixmedins_code: visit.fixmedins_code,
      hosp_lv: visit.hosp_lv, mdtrtarea_admvs: visit.mdtrtarea_admvs, insuplc_admdvs: visit.insuplc_admdvs, med_type: visit.med_type,
      begntime: visit.begntime.toISOString(), endtime: visit.endtime?.toISOString() ?? null, emergency_flag: visit.emergency_flag, dise_codes: visit.dise_codes,
      mdtrt_cert_type: visit.mdtrt_cert_type, mdtrt_cert_no: visit.mdtrt_cert_no,
    },
    lines: lines.map(({ chrg_bchno: _b, medins_list_codg: _m, fee_ocur_time: _f, hosp_appr_flag: _h, init_feedetl_sn: _i, status: _s, setl_id: _x, ...l }) => l),
    mid_setl: o.mid_setl,
    acct_used_flag: o.acct_used_flag,
    setl_time: caller.now.toISOString(),
  };
  const answer = await port.send<SettleAnswer>(owner, o.preview ? 'settle.preview' : 'settle', o.preview ? `preview:${randomUUID()}` : fedId, body);
  return { owner, fed_id: fedId, answer, preview: o.preview };
}

/**
 * Records the owner's answer here, in the gateway's transaction: the visit (locked) must still
 * have exactly the lines the owner priced; the institution's half of the money is booked; the
 * record keeps the fed_id for reconciliation and the hub.
 */
export async function recordSettlement(q: Queryable, caller: Caller, visit: VisitWithPerson, o: SettleOptions, asked: AskedSettlement): Promise<SettledResult> {
  const a = asked.answer;
  const lines = (await linesOf(q, visit.mdtrt_id)).filter((l) => l.status === 'uploaded' && l.setl_id === null);
  const same = lines.length === a.line_sns.length && lines.every((l) => a.line_sns.includes(l.feedetl_sn));
  if (!same) {
    throw conflict(`${o.path}.mdtrt_id`, '结算期间费用明细已变化，请用同一报文重试', 'the fee lines changed while the insured side settled; retry the same message');
  }
  const s = a.settlement;
  const result: SettledResult = { setl_id: null, setl_time: caller.now, visit, person: visit.person, settlement: s, lines, cvlserv: a.cvlserv, cross_region_status: a.cross_region_status as SettledResult['cross_region_status'] };
  if (asked.preview) return result;
  assertInvariant(a.setl_id !== null, 'the insured side answers a settlement with its setl_id');
  const setlId = a.treatment_setl_id;
  // Both sides date the settlement as the insured side recorded it (a retry's clock differs), so their months agree.
  const at = new Date(a.setl_time);
  const year = Number(chinaDate(at).slice(0, 4));
  const legs = splitLegs(settlementLegs({ setlinfo: s.setlinfo, setldetail: s.setldetail, psn_no: visit.psn_no, fixmedins_code: visit.fixmedins_code, insuplc_admdvs: visit.insuplc_admdvs, mdtrtarea_admvs: visit.mdtrtarea_admvs })).treatment;
  await writeSettlement(q, {
    setl_id: setlId, kind: 'settle', orig_setl_id: null, shard: Number(setlId) % 16, visit, setl_time: at, year,
    mid_setl: o.mid_setl, status: a.cross_region_status, policy_id: s.policy_id, policy_version: s.policy_version,
    setlinfo: s.setlinfo, setldetail: s.setldetail, increments: s.increments,
    explanation: { scheme: s.scheme, steps: s.steps, eligibility: a.eligibility ?? visit.eligibility, lines: s.lines, settled_by: asked.owner.id, fed_id: asked.fed_id, insured_setl_id: a.setl_id },
    msgid: caller.msgid, line_sns: lines.map((l) => l.feedetl_sn), visit_status: visit.kind === 'inpatient' && o.mid_setl ? visit.status : 'settled',
    // The accumulators are the owner's; this side has no row for the person, so nothing changes here.
    acc: s.increments, settlements_delta: 0,
    transfer: checkTransfer({ kind: 'settle', key: settlementKey(setlId), cause: { kind: 'settlement', id: setlId }, legs, reverses: null, memo: null }),
    eligibility: visit.kind === 'inpatient' ? (a.eligibility ?? visit.eligibility) : null, inputs: null,
    federation: federationRecord({ role: 'treatment', peer: asked.owner.id, fed_id: asked.fed_id, orig_fed_id: null, setl_id: setlId, peer_setl_id: a.setl_id, treatment_mdtrt_id: visit.mdtrt_id, kind: 'settle' }, visit, at, s),
  });
  return { ...result, setl_id: setlId, setl_time: at };
}

/** A cancellation asked of the owner, carried into the gateway's transaction. */
export interface AskedCancel {
  across: CancelAcross;
  answer: CancelAnswer;
}

/**
 * 2208/2305/2103/2601 of a settlement made with another deployment: asks the owner to cancel
 * its side first (idempotent by the cancellation's fed_id), or undefined when the settlement is
 * this deployment's own.
 */
export async function askCancel(q: Queryable, port: FederationPort, caller: Caller, setlId: string): Promise<AskedCancel | undefined> {
  const rec = await federationRecordOfSettlement(q, setlId);
  if (!rec || rec.role !== 'treatment' || rec.kind !== 'settle' || rec.fixmedins_code !== caller.fixmedins_code || rec.status !== 'settled') return undefined;
  const owner = port.directory.deployments.find((d) => d.id === rec.peer);
  assertInvariant(owner !== undefined, 'a cross-deployment settlement names a deployment of the directory');
  const orig = await findSettlement(q, setlId);
  if (!orig || orig.status !== 'settled') return undefined;
  const visit = await findVisit(q, orig.mdtrt_id, false);
  if (!visit) return undefined;
  const fedId = cancelFedId(rec.fed_id);
  const body: CancelBody = { fed_id: fedId, orig_fed_id: rec.fed_id, treatment_setl_id: String(await nextSettlementSerial(q)), setl_time: caller.now.toISOString() };
  const answer = await port.send<CancelAnswer>(owner, 'cancel', fedId, body);
  return {
    answer,
    across: { role: 'treatment', peer: owner.id, fed_id: fedId, orig_fed_id: rec.fed_id, peer_setl_id: answer.setl_id, treatment_mdtrt_id: visit.mdtrt_id, setl_id: answer.treatment_setl_id, at: new Date(answer.setl_time) },
  };
}
