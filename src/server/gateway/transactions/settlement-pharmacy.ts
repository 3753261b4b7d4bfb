import { conflict, forbidden, invalid, notFound } from '../../../engine/errors.ts';
import { findIdempotentMessage } from '../../../store/gateway-store.ts';
import { hasStandingSettlement } from '../../../store/settlement/service.ts';
import { requireStatus, requireVisit } from '../../../app/settlement/visit.ts';
import { openVisit } from '../../../app/settlement/open-visit.ts';
import { uploadFees } from '../../../app/settlement/upload-fees.ts';
import { cancelSettlement } from '../../../app/settlement/cancel-settlement.ts';
import { settleVisit } from '../../../app/settlement/settle-visit.ts';
import { linesOfMessage } from '../../../store/settlement/queries.ts';
import { cancelLines, updateVisit } from '../../../store/settlement/visits.ts';
import { inRolledBackTransaction, type Queryable } from '../../../store/db.ts';
import { inputObject, optionalDateTime, optionalString, requiredString } from '../input.ts';
import type { GatewayContext, TransactionHandler } from '../types.ts';
import { askCancel, ownerOfPerson, type AskedCancel } from '../../../app/federation/treatment-side.ts';
import { callerOf, patientOf, cancelAnswer, readFeeLines, settlementAnswer, settlementCancellation, settleOptions } from './settlement-common.ts';

// Pharmacy purchases (2101 pre-settle, 2102 settle, 2103 cancel): one message opens the sale,
// uploads its lines and settles. And 2601 冲正: a HIS that lost an answer reverses the
// original message by omsgid/oinfno.

async function pharmacySale(ctx: GatewayContext, db: Queryable, preview: boolean) {
  const path = 'input.data';
  const d = inputObject(ctx.envelope.input, 'data');
  const caller = callerOf(ctx);
  const read = readFeeLines(ctx.envelope.input, 'feedetail', undefined, ctx.now());
  const psnNo = await patientOf(ctx, d, path);
  const owner = ownerOfPerson(ctx.federation, psnNo);
  if (owner) throw forbidden(`${path}.psn_no`, `参保于${owner.name}的人员暂不能跨部署药店购药结算，请按自费结算后回参保地报销`, `a person insured with ${owner.name} cannot yet settle a pharmacy purchase across deployments; pay in full and claim at home`);
  const opened = await openVisit(db, caller, {
    kind: 'pharmacy',
    psn_no: psnNo,
    insutype: optionalString(d, 'insutype', path, 6),
    insuplc_admdvs: ctx.envelope.insuplc_admdvs,
    mdtrtarea_admvs: ctx.envelope.mdtrtarea_admvs,
    med_type: optionalString(d, 'med_type', path, 6) ?? '41',
    begntime: optionalDateTime(d, 'begntime', path, 'care', ctx.now()) ?? ctx.now(),
    ipt_otp_no: optionalString(d, 'ipt_otp_no', path, 30),
    mdtrt_cert_type: optionalString(d, 'mdtrt_cert_type', path, 3)?.padStart(2, '0'),
    mdtrt_cert_no: optionalString(d, 'mdtrt_cert_no', path, 600),
    emergency_flag: false,
    dise_codes: [],
    info: {},
  });
  for (const w of opened.warnings) ctx.warn(w);
  await uploadFees(db, caller, opened.visit, read.lines, read.extras, 'input.feedetail', ctx.documents);
  const r = await settleVisit(db, caller, opened.visit, settleOptions(d, path, { psn_no: undefined, mid_setl: false, preview }), ctx.documents);
  const answer = settlementAnswer(r, optionalString(d, 'medins_setl_id', path, 30));
  // A pre-settlement keeps no visit: its mdtrt_id was never issued.
  if (preview) (answer['setlinfo'] as Record<string, unknown>)['mdtrt_id'] = null;
  return answer;
}

export const pharmacyPreSettle: TransactionHandler = {
  infno: '2101',
  name: { zh: '药店预结算', en: 'pharmacy pre-settlement' },
  requiresSignIn: true,
  writes: false,
  headerFields: ['mdtrtarea_admvs', 'insuplc_admdvs'],
  async handle(ctx) {
    // The sale is priced inside a transaction that is rolled back: nothing stays.
    return inRolledBackTransaction(ctx.pool, (client) => pharmacySale(ctx, client, true));
  },
};

export const pharmacySettle: TransactionHandler = {
  infno: '2102',
  name: { zh: '药店结算', en: 'pharmacy settlement' },
  requiresSignIn: true,
  writes: true,
  headerFields: ['mdtrtarea_admvs', 'insuplc_admdvs'],
  handle: (ctx) => pharmacySale(ctx, ctx.db, false),
};

export const pharmacySettleCancel = settlementCancellation('2103', { zh: '药店结算撤销', en: 'pharmacy settlement cancellation' }, 'pharmacy');

const SETTLING = new Set(['2207', '2304', '2102']);

export const reversal: TransactionHandler = {
  infno: '2601',
  name: { zh: '冲正交易', en: 'reversal' },
  requiresSignIn: true,
  writes: true,
  // The reversal of a settlement made with another deployment is cancelled there first (issue 17).
  async prepare(ctx) {
    const d = inputObject(ctx.envelope.input, 'data');
    const orig = await findIdempotentMessage(ctx.pool, ctx.institution.fixmedins_code, requiredString(d, 'omsgid', 'input.data', 64));
    const setlId = orig && SETTLING.has(orig.infno) ? String((orig.response['output'] as Record<string, any> | undefined)?.['setlinfo']?.['setl_id'] ?? '') : '';
    return setlId ? askCancel(ctx.pool, ctx.federation!, callerOf(ctx), setlId) : undefined;
  },
  async handle(ctx) {
    const path = 'input.data';
    const d = inputObject(ctx.envelope.input, 'data');
    const omsgid = requiredString(d, 'omsgid', path, 64);
    const oinfno = requiredString(d, 'oinfno', path, 4);
    const psnNo = optionalString(d, 'psn_no', path, 30);
    const caller = callerOf(ctx);
    const orig = await findIdempotentMessage(ctx.db, caller.fixmedins_code, omsgid);
    if (!orig) throw notFound(`${path}.omsgid`, `本机构没有成功的原交易报文 ${omsgid}`, `no successful original message ${omsgid} from this institution`);
    if (orig.infno !== oinfno) throw invalid(`${path}.oinfno`, `原交易 ${omsgid} 的交易编号是 ${orig.infno}，不是 ${oinfno}`, `message ${omsgid} was a ${orig.infno}, not ${oinfno}`);
    const output = (orig.response['output'] ?? {}) as Record<string, any>;
    if (SETTLING.has(oinfno)) {
      const setlId = String(output['setlinfo']?.['setl_id'] ?? '');
      const r = await cancelSettlement(ctx.db, caller, { setl_id: setlId, mdtrt_id: undefined, psn_no: psnNo, kinds: ['outpatient', 'inpatient', 'pharmacy'], path }, (ctx.prepared as AskedCancel | undefined)?.across);
      return { data: { omsgid, oinfno, reversed: 'settlement', setl_id: r.cancel.setl_id, orig_setl_id: setlId }, ...cancelAnswer(r) };
    }
    if (oinfno === '2201' || oinfno === '2401') {
      const mdtrtId = String((output['data'] ?? output['result'])?.['mdtrt_id'] ?? '');
      const v = await requireVisit(ctx.db, caller, mdtrtId, psnNo, path, true);
      requireStatus(v, ['open'], path, { zh: '冲正登记', en: 'reverse the registration' });
      if (await hasStandingSettlement(ctx.db, v.mdtrt_id)) throw conflict(`${path}.omsgid`, '该就诊已有结算，须先冲正结算', 'the visit has a settlement; reverse that first');
      await cancelLines(ctx.db, v.mdtrt_id, { all: true });
      await updateVisit(ctx.db, v.mdtrt_id, { status: 'cancelled' });
      return { data: { omsgid, oinfno, reversed: 'visit', mdtrt_id: v.mdtrt_id } };
    }
    if (oinfno === '2204' || oinfno === '2301') {
      const lines = await linesOfMessage(ctx.db, undefined, omsgid, caller.fixmedins_code);
      if (lines.some((l) => l.setl_id !== null)) throw conflict(`${path}.omsgid`, '原报文上传的明细已结算，须先冲正结算', "the original upload's lines are settled; reverse the settlement first");
      const live = lines.filter((l) => l.status === 'uploaded').map((l) => l.feedetl_sn);
      if (live.length === 0) throw conflict(`${path}.omsgid`, '原报文上传的明细已撤销', "the original upload's lines were already cancelled");
      const done = await cancelLines(ctx.db, lines[0]!.mdtrt_id, { feedetl_sn: live });
      return { data: { omsgid, oinfno, reversed: 'fee_lines', mdtrt_id: lines[0]!.mdtrt_id, feedetl_sn: done } };
    }
    throw invalid(`${path}.oinfno`, `交易 ${oinfno} 不支持冲正（支持 2201、2204、2207、2301、2304、2401、2102）`, `transaction ${oinfno} cannot be reversed (2201, 2204, 2207, 2301, 2304, 2401, 2102 can)`);
  },
};
