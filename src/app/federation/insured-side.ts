// The insured side of a cross-deployment settlement (issue 17, docs/federation.md): a person
// insured here is treated in a region another deployment owns. That deployment keeps the visit
// and classifies the lines on its catalog; this one decides eligibility (filings,
// recognitions), computes the benefits on its policy, keeps the accumulators and books its
// half of the money. Every use case first checks the sender's authority: the institution is in
// a region the sender owns, the person in a region this deployment owns.
import { forbidden, invalid, notFound } from '../../engine/errors.ts';
import { ownerOf, ownsRegion, type CancelAnswer, type CancelBody, type Deployment, type Directory, type RemoteVisit, type SettleAnswer, type SettleBody, type VisitCheckBody } from '../../engine/federation/index.ts';
import type { EligibilityDecision } from '../../engine/eligibility.ts';
import type { Queryable } from '../../store/db.ts';
import type { DocumentRegistry } from '../../store/documents/registry.ts';
import { getInstitution } from '../../store/registry/institutions.ts';
import type { PersonCopy } from '../../store/federation/settlements.ts';
import { cancelShadowLinesExcept, findFederationRecord, lineSnsOf, linkShadowVisit, shadowVisitOf } from '../../store/federation/settlements.ts';
import { findVisit, insertLines, insertVisit, updateVisit, type VisitRow, type VisitWithPerson } from '../../store/settlement/visits.ts';
import { decideVisit, decisionRecord, refusalText } from '../settlement/open-visit.ts';
import { settleVisit } from '../settlement/settle-visit.ts';
import { cancelSettlement } from '../settlement/cancel-settlement.ts';
import type { Caller } from '../settlement/visit.ts';

export interface VisitCheckAnswer {
  person: PersonCopy;
  insutype: string;
  psn_type: string;
  insured: string;
  decision: EligibilityDecision;
}

/** The calling institution as the sender vouches for it: it must lie in a region the sender owns. */
async function institutionOf(q: Queryable, dir: Directory, sender: Deployment, code: string, now: Date, msgid: string): Promise<Caller> {
  const inst = await getInstitution(q, code);
  if (!inst) throw notFound('fixmedins_code', `定点医药机构 ${code} 不在全国机构库中`, `institution ${code} is not in the national register`);
  if (ownerOf(dir, inst.admdvs)?.id !== sender.id) {
    throw forbidden('fixmedins_code', `机构 ${code} 不在发送方 ${sender.id} 所辖统筹区`, `institution ${code} is not in a region that ${sender.id} owns`);
  }
  return { fixmedins_code: inst.fixmedins_code, fixmedins_type: inst.fixmedins_type, hosp_lv: inst.hosp_lv, admdvs: inst.admdvs, now, msgid };
}

function requireOwnPerson(dir: Directory, psnNo: string): void {
  if (!/^[0-9]{10,20}$/.test(psnNo)) throw invalid('psn_no', '人员编号应为 10-20 位数字', 'psn_no is 10 to 20 digits');
  if (!ownsRegion(dir, psnNo.slice(0, 6))) throw forbidden('psn_no', `人员 ${psnNo} 不在本部署参保`, `person ${psnNo} is not insured in this deployment`);
}

function requireSenderRegion(dir: Directory, sender: Deployment, admdvs: string): void {
  if (ownerOf(dir, admdvs)?.id !== sender.id) throw forbidden('mdtrtarea_admvs', `就医地 ${admdvs} 不属于发送方 ${sender.id}`, `treatment region ${admdvs} is not ${sender.id}'s`);
}

/** visit.check: who the person is, on what terms (nothing recorded). */
export async function checkVisitForPeer(q: Queryable, dir: Directory, sender: Deployment, b: VisitCheckBody, now: Date, msgId: string): Promise<VisitCheckAnswer> {
  requireOwnPerson(dir, b.psn_no);
  const caller = await institutionOf(q, dir, sender, b.fixmedins_code, now, msgId);
  const d = await decideVisit(q, caller, { psn_no: b.psn_no, insutype: b.insutype, insuplc_admdvs: b.insuplc_admdvs, med_type: b.med_type, begntime: new Date(b.begntime), emergency_flag: b.emergency_flag, dise_codes: b.dise_codes });
  const p = d.person;
  return {
    person: { psn_no: p.psn_no, psn_cert_type: p.psn_cert_type, certno: p.certno, psn_name: p.psn_name, gend: p.gend, brdy: p.brdy, naty: p.naty, insuplc_admdvs: p.insuplc_admdvs },
    insutype: d.insutype, psn_type: d.psn_type, insured: d.insured, decision: d.decision,
  };
}

/**
 * The visit as held here: a shadow of the treatment side's, made on the first settlement (its
 * eligibility decided here, as at registration), its lines made those of the request.
 */
async function shadowVisit(q: Queryable, caller: Caller, sender: Deployment, v: RemoteVisit, b: SettleBody): Promise<VisitWithPerson> {
  let id = await shadowVisitOf(q, sender.id, v.mdtrt_id);
  if (id === undefined) {
    const d = await decideVisit(q, caller, { psn_no: v.psn_no, insutype: v.insutype, insuplc_admdvs: v.insuplc_admdvs, med_type: v.med_type, begntime: new Date(v.begntime), emergency_flag: v.emergency_flag, dise_codes: v.dise_codes });
    if (!d.decision.allowed && v.kind !== 'inpatient' && v.med_type !== '14') {
      const why = refusalText(d.decision.reasons);
      throw forbidden('psn_no', `不予直接结算：${why.zh}`, `not settled directly: ${why.en}`);
    }
    const row: Omit<VisitRow, 'mdtrt_id'> = {
      kind: v.kind, status: 'open', psn_no: v.psn_no, insutype: d.insutype, psn_type: d.psn_type, fixmedins_code: caller.fixmedins_code, hosp_lv: caller.hosp_lv,
      mdtrtarea_admvs: v.mdtrtarea_admvs, insuplc_admdvs: d.insured, med_type: v.med_type, begntime: new Date(v.begntime), endtime: v.endtime ? new Date(v.endtime) : null,
      ipt_otp_no: null, mdtrt_cert_type: v.mdtrt_cert_type, mdtrt_cert_no: v.mdtrt_cert_no, emergency_flag: v.emergency_flag, dise_codes: v.dise_codes,
      cross_region_status: d.decision.status ?? 'unfiled', eligibility: decisionRecord(d.decision), info: { federated_from: sender.id, remote_mdtrt_id: v.mdtrt_id },
    };
    id = await insertVisit(q, row, caller.now);
    await linkShadowVisit(q, sender.id, v.mdtrt_id, id);
  } else {
    await updateVisit(q, id, { endtime: v.endtime ? new Date(v.endtime) : null, dise_codes: v.dise_codes });
  }
  const sns = b.lines.map((l) => l.feedetl_sn);
  await cancelShadowLinesExcept(q, id, sns);
  const have = await lineSnsOf(q, id);
  const fresh = b.lines.filter((l) => !have.has(l.feedetl_sn));
  if (fresh.length > 0) {
    const none = { chrg_bchno: null, medins_list_codg: null, fee_ocur_time: null, hosp_appr_flag: null, init_feedetl_sn: null };
    await insertLines(q, id, caller.msgid, fresh, fresh.map(() => none), 'body.lines');
  }
  const visit = await findVisit(q, id, true);
  return visit!;
}

function checkSettleBody(dir: Directory, sender: Deployment, b: SettleBody): void {
  if (typeof b?.fed_id !== 'string' || !b.fed_id.startsWith(`${sender.id}:`)) throw invalid('body.fed_id', `应以发送方 ${sender.id}: 开头`, `expected to start with the sender's id ${sender.id}:`);
  if (typeof b.treatment_setl_id !== 'string' || !/^[0-9]{1,20}$/.test(b.treatment_setl_id)) throw invalid('body.treatment_setl_id', '应为数字', 'expected digits');
  if (!Array.isArray(b.lines) || b.lines.length === 0) throw invalid('body.lines', '至少一条费用明细', 'at least one fee line');
  if (typeof b.visit?.psn_no !== 'string') throw invalid('body.visit.psn_no', '必填', 'required');
  requireOwnPerson(dir, b.visit.psn_no);
  requireSenderRegion(dir, sender, b.visit.mdtrtarea_admvs);
}

/** settle / settle.preview: the benefits computed and (unless a preview) recorded with the insured half of the money. */
export async function settleForPeer(q: Queryable, dir: Directory, sender: Deployment, b: SettleBody, documents: DocumentRegistry, preview: boolean): Promise<SettleAnswer> {
  checkSettleBody(dir, sender, b);
  const at = new Date(b.setl_time);
  const caller = await institutionOf(q, dir, sender, b.visit.fixmedins_code, at, b.fed_id);
  const visit = await shadowVisit(q, caller, sender, b.visit, b);
  const r = await settleVisit(q, caller, visit, { psn_no: undefined, medfee_sumamt: undefined, acct_used_flag: b.acct_used_flag, mid_setl: b.mid_setl, preview, psn_pwd: undefined, path: 'body' }, documents,
    preview ? undefined : { peer: sender.id, fed_id: b.fed_id, treatment_setl_id: b.treatment_setl_id, treatment_mdtrt_id: b.visit.mdtrt_id });
  return {
    setl_id: r.setl_id, treatment_setl_id: b.treatment_setl_id, settlement: r.settlement, cross_region_status: r.cross_region_status,
    eligibility: visit.kind === 'inpatient' ? (visit.eligibility ?? null) : null, line_sns: r.lines.map((l) => l.feedetl_sn), cvlserv: r.cvlserv, setl_time: r.setl_time.toISOString(), mid_setl: b.mid_setl,
  };
}

/** cancel: the settlement a fed_id names, cancelled here with its accumulators and the insured half reversed. */
export async function cancelForPeer(q: Queryable, dir: Directory, sender: Deployment, b: CancelBody): Promise<CancelAnswer> {
  if (typeof b?.orig_fed_id !== 'string' || !b.orig_fed_id.startsWith(`${sender.id}:`)) throw invalid('body.orig_fed_id', `应以发送方 ${sender.id}: 开头`, `expected to start with the sender's id ${sender.id}:`);
  if (typeof b.treatment_setl_id !== 'string' || !/^[0-9]{1,20}$/.test(b.treatment_setl_id)) throw invalid('body.treatment_setl_id', '应为数字', 'expected digits');
  const orig = await findFederationRecord(q, b.orig_fed_id);
  if (!orig || orig.role !== 'insured' || orig.peer !== sender.id) throw notFound('body.orig_fed_id', `无跨部署结算 ${b.orig_fed_id}`, `no cross-deployment settlement ${b.orig_fed_id}`);
  const caller = await institutionOf(q, dir, sender, orig.fixmedins_code, new Date(b.setl_time), b.fed_id);
  const r = await cancelSettlement(q, caller, { setl_id: orig.setl_id, mdtrt_id: undefined, psn_no: undefined, kinds: ['outpatient', 'inpatient', 'pharmacy'], path: 'body' },
    { role: 'insured', peer: sender.id, fed_id: b.fed_id, orig_fed_id: b.orig_fed_id, peer_setl_id: b.treatment_setl_id, treatment_mdtrt_id: orig.treatment_mdtrt_id });
  return { setl_id: r.cancel.setl_id, treatment_setl_id: b.treatment_setl_id, setl_time: new Date(r.cancel.setl_time).toISOString(), setlinfo: r.cancel.setlinfo, setldetail: r.cancel.setldetail };
}
