// The settlement use case of 2207 / 2304 / 2102 (and their pre-settlements 2206 / 2303 /
// 2101): the decisions around the engine live here (eligibility again, the policy of the day,
// the card password, the retiree rule, the engine's input); the store only reads and writes
// (readSettlementInputs: one round trip; writeSettlement: one statement, balances at commit).
import { applyIncrements, selectPolicy, settle, type Settlement, type SettlementInput } from '../../engine/index.ts';
import { CROSS_REGION_STATUSES, HOSP_LVS, identityGroupsOf, isCode, MED_TYPES, type CrossRegionStatus } from '../../engine/codes.ts';
import { assertInvariant, conflict, forbidden, invalid, notFound } from '../../engine/errors.ts';
import { fenToYuan, type Fen } from '../../engine/money.ts';
import { chinaDate } from '../../engine/calendar.ts';
import { checkTransfer, settlementLegs } from '../../engine/ledger.ts';
import { splitLegs } from '../../engine/federation/index.ts';
import { storedInputOf } from '../../engine/replay.ts';
import { federationRecord } from './federation-record.ts';
import type { Queryable } from '../../store/db.ts';
import type { Person as PersonRow } from '../../store/registry/persons.ts';
import { checkEligibility } from '../cooperation/eligibility.ts';
import type { DocumentRegistry } from '../../store/documents/registry.ts';
import { passwordHash } from '../../store/settlement/passwords.ts';
import type { StoredLine, VisitRow, VisitWithPerson } from '../../store/settlement/visits.ts';
import type { Caller } from './visit.ts';
import {
  assertNonNegative, readSettlementInputs, settlementKey, writeSettlement, type SettlementInputs,
} from '../../store/settlement/service.ts';
import { decisionRecord, refusalText } from './open-visit.ts';
import { checkBeforeSettling, keepWarnings } from '../supervision/judge-visit.ts';

export interface SettleOptions {
  psn_no: string | undefined;
  /** medfee_sumamt as the HIS computed it, checked against the uploaded lines. */
  medfee_sumamt: number | undefined;
  acct_used_flag: boolean;
  mid_setl: boolean;
  preview: boolean;
  /** Card password (密码) when the card needs one. */
  psn_pwd: string | undefined;
  path: string;
}

export interface SettledResult {
  setl_id: string | null;
  setl_time: Date;
  visit: VisitRow;
  person: PersonRow;
  settlement: Settlement;
  lines: StoredLine[];
  cvlserv: boolean;
  /** The status this settlement was priced under (a stay's is decided again at discharge). */
  cross_region_status: CrossRegionStatus;
}

/**
 * The insured side of a cross-deployment settlement (issue 17): the visit is a shadow of the
 * treatment side's, supervision is the treatment side's, and only the insured half of the money
 * (funds and the personal account against what this region owes the treatment region) is booked here.
 */
export interface ForPeer {
  peer: string;
  fed_id: string;
  treatment_setl_id: string;
  treatment_mdtrt_id: string;
}

const RETIREE = (psnType: string): boolean => psnType.startsWith('12') || psnType === '1300';

/** A card's password is checked within its province; across provinces the card is enough. */
function checkCardPassword(visit: VisitRow, pwdSha256: string | null, o: SettleOptions): void {
  if (o.preview || pwdSha256 === null || visit.insuplc_admdvs.slice(0, 2) !== visit.mdtrtarea_admvs.slice(0, 2)) return;
  const given = o.psn_pwd === undefined ? '' : passwordHash(visit.psn_no, o.psn_pwd);
  if (given !== pwdSha256) throw forbidden(`${o.path}.psn_pwd`, o.psn_pwd === undefined ? '必填：该卡设有密码' : '密码错误', o.psn_pwd === undefined ? 'required: this card has a password' : 'wrong password');
}

/** The engine's input: the visit as priced, the person, the lines, the year so far, the account. */
function engineInput(visit: VisitRow, status: CrossRegionStatus, r: SettlementInputs, acctUsed: boolean): SettlementInput {
  // A stay with standing mid-stay settlements continues its admission: counted once, one
  // deductible. Its number is the one already counted (at least 1 if the stay crosses a year).
  const continues = visit.kind === 'inpatient' && r.segments > 0;
  return {
    visit: {
      med_type: visit.med_type as keyof typeof MED_TYPES,
      hosp_lv: visit.hosp_lv as keyof typeof HOSP_LVS,
      mdtrtarea_admvs: visit.mdtrtarea_admvs,
      insuplc_admdvs: visit.insuplc_admdvs,
      cross_region_status: status,
      dise_codes: visit.dise_codes,
      admission_no_in_year: continues ? Math.max(r.acc.admissions, 1) : r.acc.admissions + 1,
      ...(continues ? { continues_admission: true, deductible_paid_this_stay_fen: Number(r.stay_dedc) as Fen } : {}),
      acct_used_flag: acctUsed,
    },
    person: { insutype: visit.insutype, psn_type: visit.psn_type, retiree: RETIREE(visit.psn_type), identities: identityGroupsOf(r.idet ?? []) },
    lines: r.lines,
    accumulators: r.acc,
    acct_balance_fen: (r.balc_fen ?? 0) as Fen,
  };
}

/**
 * Pre-settles (`preview`, nothing written) or settles the visit's unsettled lines: eligibility
 * (again for a stay, at its discharge date), policy of the insured region on the settlement
 * day, accumulators locked, the engine, then every write in one statement. Runs inside the
 * caller's transaction (the gateway's, which also records the answer).
 */
export async function settleVisit(q: Queryable, caller: Caller, visit: VisitWithPerson, o: SettleOptions, documents: DocumentRegistry, forPeer?: ForPeer): Promise<SettledResult> {
  const day = chinaDate(visit.kind === 'inpatient' && !o.mid_setl && visit.endtime ? visit.endtime : caller.now);
  let status = visit.cross_region_status as CrossRegionStatus;
  let eligibility = visit.eligibility;
  // A stay is decided at its end (a filing made after admission counts); a chronic-disease
  // visit on its diagnosis; other visits keep the registration's decision.
  if (visit.kind === 'inpatient' || visit.med_type === '14') {
    const d = await checkEligibility(q, {
      person: visit.person,
      fixmedins_code: visit.fixmedins_code,
      med_type: visit.med_type,
      begndate: chinaDate(visit.begntime),
      enddate: day,
      insutype: visit.insutype,
      emergency_flag: visit.emergency_flag,
      ...(visit.dise_codes[0] ? { diag_code: visit.dise_codes[0] } : {}),
    });
    if (!d.allowed) {
      const why = refusalText(d.reasons);
      throw forbidden(`${o.path}.mdtrt_id`, `不予直接结算：${why.zh}`, `not settled directly: ${why.en}`);
    }
    status = d.status ?? 'unfiled';
    eligibility = decisionRecord(d);
  } else if (eligibility['allowed'] !== true) {
    throw forbidden(`${o.path}.mdtrt_id`, '该就诊不予直接结算', 'this visit is not settled directly');
  }
  assertInvariant(isCode(CROSS_REGION_STATUSES, status), 'a cross-region status from the cooperation layer');
  const docs = await documents.compiled(q);
  const policy = selectPolicy(docs.policies, visit.insuplc_admdvs, visit.insutype, day);
  if (!policy) {
    throw notFound('insuplc_admdvs', `参保地 ${visit.insuplc_admdvs} 险种 ${visit.insutype} 在 ${day} 没有生效的待遇政策`, `no policy of ${visit.insuplc_admdvs} for insutype ${visit.insutype} in force on ${day}`);
  }
  const year = Number(day.slice(0, 4));
  const r = await readSettlementInputs(q, visit, day, year, o.preview);
  const { lines, acc } = r;
  // A supervision decision may suspend the institution's direct settlement (024_supervision_cases.sql).
  const today = chinaDate(caller.now);
  if (r.suspended_until !== null && (r.suspended_until === 'infinity' || r.suspended_until >= today)) {
    const until = r.suspended_until === 'infinity' ? { zh: '解除为止', en: 'it is lifted' } : { zh: ` ${r.suspended_until}`, en: ` ${r.suspended_until}` };
    throw forbidden('fixmedins_code', `本机构医保直接结算已被暂停至${until.zh}（基金监管处理决定）`, `this institution's direct settlement is suspended until ${until.en} (a supervision decision)`);
  }
  if (lines.length === 0) throw conflict(`${o.path}.mdtrt_id`, `就诊 ${visit.mdtrt_id} 没有待结算的费用明细`, `visit ${visit.mdtrt_id} has no unsettled fee lines`);
  let medfee = 0;
  for (const l of lines) medfee += l.det_item_fee_sumamt;
  if (o.medfee_sumamt !== undefined && o.medfee_sumamt !== medfee) {
    throw invalid(`${o.path}.medfee_sumamt`, `医疗费总额 ${fenToYuan(o.medfee_sumamt)} 与已上传明细合计 ${fenToYuan(medfee)} 不符`, `medfee_sumamt ${fenToYuan(o.medfee_sumamt)} differs from the uploaded lines' total ${fenToYuan(medfee)}`);
  }
  checkCardPassword(visit, r.pwd_sha256, o);
  // The during-stage supervision rules: a blocking one refuses here, the others are kept as warnings.
  const checked = o.preview || forPeer ? undefined : await checkBeforeSettling(q, visit.mdtrt_id, o.path, docs, documents);
  const input = engineInput(visit, status, r, o.acct_used_flag);
  const settlement = settle(policy, input);
  const result: SettledResult = { setl_id: null, setl_time: caller.now, visit, person: visit.person, settlement, lines, cvlserv: r.cvl, cross_region_status: status };
  if (o.preview) return result;

  const serial = r.serial;
  assertInvariant(serial !== null, 'a settlement has its serial');
  const setlId = String(serial);
  const allLegs = settlementLegs({ setlinfo: settlement.setlinfo, setldetail: settlement.setldetail, psn_no: visit.psn_no, fixmedins_code: visit.fixmedins_code, insuplc_admdvs: visit.insuplc_admdvs, mdtrtarea_admvs: visit.mdtrtarea_admvs });
  const legs = forPeer ? splitLegs(allLegs).insured : allLegs;
  const nextAcc = applyIncrements(acc, settlement.increments);
  assertNonNegative(nextAcc);
  const visitStatus = visit.kind === 'inpatient' && o.mid_setl ? visit.status : 'settled';
  await writeSettlement(q, {
    setl_id: setlId, kind: 'settle', orig_setl_id: null, shard: serial % 16, visit, setl_time: caller.now, year,
    mid_setl: o.mid_setl, status, policy_id: settlement.policy_id, policy_version: settlement.policy_version,
    setlinfo: settlement.setlinfo, setldetail: settlement.setldetail, increments: settlement.increments,
    explanation: { scheme: settlement.scheme, steps: settlement.steps, eligibility, lines: settlement.lines },
    msgid: caller.msgid, line_sns: lines.map((l) => l.feedetl_sn), visit_status: visitStatus,
    acc: nextAcc, settlements_delta: 1, transfer: checkTransfer({ kind: 'settle', key: settlementKey(setlId), cause: { kind: 'settlement', id: setlId }, legs, reverses: null, memo: null }),
    eligibility: visit.kind === 'inpatient' ? eligibility : null,
    inputs: storedInputOf(input), // what a replay re-settles it on (034_simulation.sql)
    ...(forPeer ? { federation: federationRecord({ role: 'insured', peer: forPeer.peer, fed_id: forPeer.fed_id, orig_fed_id: null, setl_id: setlId, peer_setl_id: forPeer.treatment_setl_id, treatment_mdtrt_id: forPeer.treatment_mdtrt_id, kind: 'settle' }, visit, caller.now, settlement) } : {}),
  });
  await keepWarnings(q, checked, setlId, caller.now);
  return { ...result, setl_id: setlId };
}
