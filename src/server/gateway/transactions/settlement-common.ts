import { feeLineFromInterface, formatYuan, MAX_BILL_FEN, MAX_LINE_FEN, setldetailEntry, setlinfoAmounts, feeDetailResult, type ClassifiedFeeLine, type Fen, type FeeLine } from '../../../engine/index.ts';
import { invalid, unavailable } from '../../../engine/errors.ts';
import { CLR_TYPE_OF_VISIT } from '../../../engine/codes.ts';
import type { Caller } from '../../../app/settlement/visit.ts';
import { cancelSettlement, type CancelResult } from '../../../app/settlement/cancel-settlement.ts';
import { settleVisit, type SettledResult, type SettleOptions } from '../../../app/settlement/settle-visit.ts';
import type { LineExtras, VisitKind, VisitWithPerson } from '../../../store/settlement/visits.ts';
import type { Person as PersonRow } from '../../../store/registry/persons.ts';
import { inputList, inputObject, optionalDateTime, optionalFlag, optionalString, requiredString } from '../input.ts';
import { yuanToFen } from '../../../engine/money.ts';
import { chinaDate } from '../../../engine/calendar.ts';
import { compactSeconds, dateTime } from '../time.ts';
import { ageOn } from '../../../engine/idcard.ts';
import type { GatewayContext, TransactionHandler } from '../types.ts';
import { resolvePerson } from './person.ts';
import type { Deployment } from '../../../engine/federation/index.ts';
import { checkVisitKind, openVisit, type OpenedVisit, type OpenVisitInput, type VisitDecision } from '../../../app/settlement/open-visit.ts';
import {
  askCancel, askSettlement, askVisitDecision, keepPersonCopy, ownerOfPerson, recordSettlement, type AskedCancel, type AskedSettlement,
} from '../../../app/federation/treatment-side.ts';

// What the settlement transactions share: the caller (institution, clock, msgid), the fee-line
// reader of 2204/2301/2102, and the setlinfo/setldetail answer of 2206/2207/2208/2303/2304/2305/2101-2103.

type Obj = Record<string, unknown>;

/**
 * Who a registration (2201/2401/2102) is for: its medical certificate when it names one
 * (checked as in 1101: card_sn, expiry), else its psn_no; both given must agree.
 */
export async function patientOf(ctx: GatewayContext, d: Obj, path: string): Promise<string> {
  const psnNo = optionalString(d, 'psn_no', path, 30);
  if (d['mdtrt_cert_type'] === undefined && psnNo !== undefined) return psnNo;
  // A person insured in another deployment is known there: its psn_no (from its 1101) names them.
  if (psnNo !== undefined && ownerOfPerson(ctx.federation, psnNo)) return psnNo;
  const person = await resolvePerson(ctx.db, d, path, chinaDate(ctx.now()), { allowPsnNo: true });
  if (psnNo !== undefined && psnNo !== person.psn_no) {
    throw invalid(`${path}.psn_no`, `人员编号 ${psnNo} 与就诊凭证（${person.psn_no}）不符`, `psn_no ${psnNo} does not match the medical certificate (${person.psn_no})`);
  }
  return person.psn_no;
}

export function callerOf(ctx: GatewayContext): Caller {
  const i = ctx.institution;
  return { fixmedins_code: i.fixmedins_code, fixmedins_type: i.fixmedins_type, hosp_lv: i.hosp_lv, admdvs: i.admdvs, now: ctx.now(), msgid: ctx.envelope.msgid };
}

/** feedetail[] as sent → fee lines in fen and the columns kept beside them; every line must name `mdtrtId` when it names one. */
export function readFeeLines(input: Obj, key: string, mdtrtId: string | undefined, now: Date): { lines: FeeLine[]; extras: LineExtras[]; mdtrt_id: string | undefined; psn_no: string | undefined } {
  const list = inputList(input, key);
  if (list.length === 0) throw invalid(`input.${key}`, '费用明细不能为空', 'at least one fee line is required');
  if (list.length > 5000) throw invalid(`input.${key}`, '单次最多上传5000条明细', 'at most 5000 lines per upload');
  let visit = mdtrtId;
  let psn: string | undefined;
  const lines: FeeLine[] = [];
  const extras: LineExtras[] = [];
  list.forEach((raw, i) => {
    const path = `input.${key}[${i}]`;
    const m = optionalString(raw, 'mdtrt_id', path, 30);
    if (m !== undefined) {
      if (visit !== undefined && m !== visit) throw invalid(`${path}.mdtrt_id`, '同一批明细须属于同一就诊', 'all lines of one upload belong to one visit');
      visit = m;
    }
    const p = optionalString(raw, 'psn_no', path, 30);
    if (p !== undefined) {
      if (psn !== undefined && p !== psn) throw invalid(`${path}.psn_no`, '同一批明细须属于同一人员', 'all lines of one upload belong to one person');
      psn = p;
    }
    // Codes arrive as numbers too; the engine's reader wants text, amounts cross in money.ts.
    const amount = (k: string, bounds: { min: number; max: number }): Fen | undefined => (raw[k] === undefined ? undefined : yuanToFen(raw[k], `${path}.${k}`, bounds));
    const sum = amount('det_item_fee_sumamt', { min: -MAX_LINE_FEN, max: MAX_LINE_FEN });
    const pric = amount('pric', { min: 0, max: MAX_LINE_FEN });
    lines.push(
      feeLineFromInterface(
        {
          feedetl_sn: requiredString(raw, 'feedetl_sn', path, 30),
          med_list_codg: requiredString(raw, 'med_list_codg', path, 50),
          det_item_fee_sumamt: sum === undefined ? undefined : formatYuan(sum),
          pric: pric === undefined ? undefined : formatYuan(pric),
          cnt: raw['cnt'],
          hosp_appr_flag: optionalString(raw, 'hosp_appr_flag', path, 3),
          init_feedetl_sn: optionalString(raw, 'init_feedetl_sn', path, 30),
        },
        path,
      ),
    );
    extras.push({
      chrg_bchno: optionalString(raw, 'chrg_bchno', path, 30) ?? null,
      medins_list_codg: optionalString(raw, 'medins_list_codg', path, 150) ?? null,
      fee_ocur_time: optionalDateTime(raw, 'fee_ocur_time', path, 'care', now) ?? null,
      hosp_appr_flag: optionalString(raw, 'hosp_appr_flag', path, 3) ?? null,
      init_feedetl_sn: optionalString(raw, 'init_feedetl_sn', path, 30) ?? null,
    });
  });
  // One message's lines stay within one bill's limit, however many there are (5000 × a line's limit would not).
  let gross = 0;
  for (const l of lines) gross += Math.abs(l.det_item_fee_sumamt);
  if (gross > MAX_BILL_FEN) {
    throw invalid(`input.${key}`, `本次上传明细金额合计超过上限 ${formatYuan(MAX_BILL_FEN as Fen)} 元`, `the lines of one message add up to more than the limit of ${formatYuan(MAX_BILL_FEN as Fen)} yuan`);
  }
  return { lines, extras, mdtrt_id: visit, psn_no: psn };
}

export function feeResults(lines: readonly ClassifiedFeeLine[]): Obj[] {
  return lines.map((l) => ({ ...feeDetailResult(l), lmt_used_flag: '0', bas_medn_flag: '0', hi_nego_drug_flag: '0', drt_reim_flag: '0', list_sp_item_flag: null, chld_medc_flag: null, exp_content: null }));
}

function personFields(p: PersonRow, on: string): Obj {
  return { psn_no: p.psn_no, psn_name: p.psn_name, psn_cert_type: p.psn_cert_type, certno: p.certno, gend: p.gend, naty: p.naty, brdy: p.brdy, age: ageOn(p.brdy, on) };
}

/** setlinfo + setldetail of a (pre-)settlement, as in the 2207/2304 samples. */
export function settlementAnswer(r: SettledResult, medinsSetlId: string | undefined): Obj {
  const s = r.settlement;
  const v = r.visit;
  return {
    setlinfo: {
      setl_id: r.setl_id,
      mdtrt_id: v.mdtrt_id,
      ...personFields(r.person, chinaDate(v.begntime)),
      insutype: v.insutype,
      psn_type: v.psn_type,
      cvlserv_flag: r.cvlserv ? '1' : '0',
      setl_time: dateTime(r.setl_time),
      mdtrt_cert_type: v.mdtrt_cert_type,
      med_type: v.med_type,
      ...setlinfoAmounts(s.setlinfo),
      clr_optins: v.insuplc_admdvs,
      clr_way: '1',
      clr_type: CLR_TYPE_OF_VISIT[v.kind],
      medins_setl_id: medinsSetlId ?? `${v.fixmedins_code}${compactSeconds(r.setl_time)}${(r.setl_id ?? '0').slice(-4)}`,
      insuplc_admdvs: v.insuplc_admdvs,
      mdtrtarea_admvs: v.mdtrtarea_admvs,
      cross_region_status: r.cross_region_status,
      exp_content: null,
    },
    setldetail: s.setldetail.map(setldetailEntry),
  };
}

/** The answer of a cancellation: the cancel row's setlinfo (negated amounts) and setldetail. */
export function cancelAnswer(r: CancelResult, medinsSetlId?: string): Obj {
  const c = r.cancel;
  return {
    setlinfo: {
      setl_id: c.setl_id,
      orig_setl_id: c.orig_setl_id,
      mdtrt_id: c.mdtrt_id,
      ...personFields(r.person, chinaDate(r.visit.begntime)),
      insutype: c.insutype,
      psn_type: c.psn_type,
      setl_time: dateTime(c.setl_time),
      mdtrt_cert_type: r.visit.mdtrt_cert_type,
      med_type: c.med_type,
      ...setlinfoAmounts(c.setlinfo),
      clr_optins: c.insuplc_admdvs,
      clr_way: '1',
      clr_type: c.clr_type,
      // Whether a civil-servant subsidy took part (the person's flag is not kept with the settlement).
      cvlserv_flag: r.original.setlinfo.cvlserv_pay > 0 ? '1' : '0',
      medins_setl_id: medinsSetlId ?? `${c.fixmedins_code}${compactSeconds(c.setl_time)}${c.setl_id.slice(-4)}`,
      exp_content: null,
    },
    setldetail: c.setldetail.map(setldetailEntry),
  };
}

/** 2103 / 2208 / 2305: cancelling a settlement of one kind of visit is the same transaction. */
export function settlementCancellation(infno: string, name: { zh: string; en: string }, kind: VisitKind): TransactionHandler {
  return {
    infno,
    name,
    requiresSignIn: true,
    writes: true,
    // A settlement made with another deployment is cancelled there first (issue 17).
    prepare: (ctx) => askCancel(ctx.pool, ctx.federation!, callerOf(ctx), requiredString(inputObject(ctx.envelope.input, 'data'), 'setl_id', 'input.data', 30)),
    async handle(ctx) {
      const path = 'input.data';
      const d = inputObject(ctx.envelope.input, 'data');
      const asked = ctx.prepared as AskedCancel | undefined;
      const r = await cancelSettlement(ctx.db, callerOf(ctx), {
        setl_id: requiredString(d, 'setl_id', path, 30),
        mdtrt_id: optionalString(d, 'mdtrt_id', path, 30),
        psn_no: optionalString(d, 'psn_no', path, 30),
        kinds: [kind],
        path,
      }, asked?.across);
      return cancelAnswer(r);
    },
  };
}

/** What every settle and pre-settle transaction reads from its input (2102, 2206/2207, 2303/2304). */
export function settleOptions(d: Obj, path: string, o: { psn_no: string | undefined; mid_setl: boolean; preview: boolean }): SettleOptions {
  return {
    psn_no: o.psn_no,
    medfee_sumamt: d['medfee_sumamt'] === undefined ? undefined : yuanToFen(d['medfee_sumamt'], `${path}.medfee_sumamt`, { min: 0, max: MAX_BILL_FEN }),
    acct_used_flag: optionalFlag(d, 'acct_used_flag', path, false),
    mid_setl: o.mid_setl,
    preview: o.preview,
    psn_pwd: optionalString(d, 'psn_pwd', path, 64),
    path,
  };
}

/**
 * Conflict keys (see TransactionHandler.conflictKeys) from an input object's fields, e.g.
 * `{ psn_no: 'psn' }` → `psn:<psn_no>`; undefined when any of the fields is missing or not text.
 */
export function keysNamed(input: unknown, fields: Readonly<Record<string, string>>): string[] | undefined {
  if (typeof input !== 'object' || input === null) return undefined;
  const keys: string[] = [];
  for (const [field, kind] of Object.entries(fields)) {
    const v = (input as Record<string, unknown>)[field];
    if (typeof v !== 'string' && typeof v !== 'number') return undefined;
    keys.push(`${kind}:${String(v).trim()}`);
  }
  return keys;
}

// ---- federation (issue 17): a person insured in another deployment's region ----------------

/** What the owner decided at registration (a handler's `prepare` result). */
export interface AskedRegistration {
  owner: Deployment;
  decision: VisitDecision;
}

/** `prepare` of 2201/2401: the owner's decision when the person is insured in another deployment. */
export async function askRegistration(ctx: GatewayContext, input: OpenVisitInput): Promise<AskedRegistration | undefined> {
  const owner = ownerOfPerson(ctx.federation, input.psn_no);
  if (!owner || !ctx.federation) return undefined;
  checkVisitKind(callerOf(ctx), input);
  return { owner, decision: await askVisitDecision(ctx.pool, ctx.federation, owner, callerOf(ctx), input) };
}

/** Opens the visit: on this deployment's own decision, or on the owner's with the person copied here. */
export async function openHere(ctx: GatewayContext, input: OpenVisitInput): Promise<OpenedVisit> {
  const owner = ownerOfPerson(ctx.federation, input.psn_no);
  if (!owner) return openVisit(ctx.db, callerOf(ctx), input);
  const asked = ctx.prepared as AskedRegistration | undefined;
  if (!asked) throw unavailable('psn_no', '参保地平台的答复缺失，请用同一报文重试', 'the insured side\'s answer is missing; retry the same message');
  await keepPersonCopy(ctx.db, owner, asked.decision);
  return openVisit(ctx.db, callerOf(ctx), input, asked.decision);
}

/** `prepare` of a (pre-)settlement: the owner's benefits when the person is insured in another deployment. */
export async function askSettlementElsewhere(ctx: GatewayContext, v: VisitWithPerson, o: SettleOptions): Promise<AskedSettlement | undefined> {
  const owner = ownerOfPerson(ctx.federation, v.psn_no);
  if (!owner || !ctx.federation) return undefined;
  return askSettlement(ctx.pool, ctx.federation, owner, callerOf(ctx), v, o);
}

/** Settles here, or records the owner's answer (asked in `prepare`) for a person insured elsewhere. */
export async function settleHere(ctx: GatewayContext, v: VisitWithPerson, o: SettleOptions): Promise<SettledResult> {
  if (!ownerOfPerson(ctx.federation, v.psn_no)) return settleVisit(ctx.db, callerOf(ctx), v, o, ctx.documents);
  const asked = ctx.prepared as AskedSettlement | undefined;
  if (!asked) throw unavailable(`${o.path}.mdtrt_id`, '就诊状态在询问参保地期间已变化，请用同一报文重试', 'the visit changed while the insured side was asked; retry the same message');
  return recordSettlement(ctx.db, callerOf(ctx), v, o, asked);
}
