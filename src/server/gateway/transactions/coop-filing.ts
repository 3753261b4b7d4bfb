import { chinaDate } from '../../../engine/calendar.ts';
import { YibaoError, conflict, invalid, notFound } from '../../../engine/errors.ts';
import { createFilingIn, revokeFilingIn } from '../../../app/cooperation/filings.ts';
import { getFiling } from '../../../store/cooperation/filings.ts';
import { inputObject, optionalDate, optionalString, requiredString } from '../input.ts';

import type { GatewayContext, TransactionHandler } from '../types.ts';

// 2501 转院备案 / 2502 转院备案撤销: the referring hospital files a referral (异地转诊) in one
// stop; it takes effect at once and the person's inbox is told. The destination is
// mdtrtarea_admdvs, or the region of reflin_medins_no when only the hospital is given.

export const referralFiling: TransactionHandler = {
  infno: '2501',
  name: { zh: '转院备案', en: 'referral filing' },
  requiresSignIn: true,
  writes: true,
  async handle(ctx) {
    const path = 'input.refmedin';
    const d = inputObject(ctx.envelope.input, 'refmedin');
    const psnNo = requiredString(d, 'psn_no', path, 30);
    if (optionalString(d, 'hosp_agre_refl_flag', path, 3) === '0') {
      throw invalid(`${path}.hosp_agre_refl_flag`, '医院未同意转院，不能备案', 'the hospital did not agree to the referral');
    }
    const reflin = optionalString(d, 'reflin_medins_no', path, 30);
    let dest = optionalString(d, 'mdtrtarea_admdvs', path, 6);
    if (dest === undefined && reflin !== undefined) {
      const r = await ctx.db.query<{ admdvs: string }>('SELECT admdvs FROM institutions WHERE fixmedins_code = $1', [reflin]);
      if (!r.rows[0]) throw invalid(`${path}.reflin_medins_no`, '查无此定点医疗机构', 'unknown designated institution');
      dest = r.rows[0].admdvs.slice(0, 4) + '00';
    }
    if (dest === undefined) throw invalid(`${path}.mdtrtarea_admdvs`, '必填：就医地区划或转往医院', 'required: the destination region or reflin_medins_no');
    const today = chinaDate(ctx.now());
    const begndate = optionalDate(d, 'begndate', path, 'filing', ctx.now()) ?? optionalDate(d, 'refl_date', path, 'filing', ctx.now()) ?? today;
    const filing = await inInputTerms(path, { fixmedins_code: 'reflin_medins_no' }, () => createFilingIn(ctx.db, ctx.now(), {
      psn_no: psnNo,
      kind: 'referral',
      mdtrtarea_admdvs: dest,
      begndate,
      enddate: optionalDate(d, 'enddate', path, 'filing', ctx.now()) ?? null,
      filer: { type: 'hospital', id: ctx.institution.fixmedins_code, name: ctx.institution.fixmedins_name },
      commitment: false,
      // The referral message itself is the referral form.
      evidence: [{ kind: 'referral_form', ref: `${ctx.envelope.fixmedins_code}:${ctx.envelope.msgid}`, description: optionalString(d, 'refl_opnn', path, 500) ?? null }],
      fixmedins_code: reflin ?? null,
      referring_fixmedins_code: ctx.institution.fixmedins_code,
      diag_code: optionalString(d, 'diag_code', path, 30) ?? null,
      diag_name: optionalString(d, 'diag_name', path, 100) ?? null,
      reason: optionalString(d, 'refl_rea', path, 500) ?? null,
      mdtrt_id: optionalString(d, 'refl_old_mdtrt_id', path, 30) ?? null,
      tel: optionalString(d, 'tel', path, 50) ?? null,
      addr: optionalString(d, 'addr', path, 200) ?? null,
    }));
    return { result: { trt_dcla_detl_sn: filing.filing_no, begndate: filing.begndate, enddate: filing.enddate } };
  },
};

export const referralFilingCancel: TransactionHandler = {
  infno: '2502',
  name: { zh: '转院备案撤销', en: 'referral filing cancellation' },
  requiresSignIn: true,
  writes: true,
  headerFields: ['opter_name'],
  async handle(ctx) {
    const { record: f, no, data: d, path } = await cancelledRecord(ctx, (no) => getFiling(ctx.db, no), 'no such filing');
    if (f.kind !== 'referral') throw conflict(`${path}.trt_dcla_detl_sn`, '不是转院备案', 'not a referral filing');
    await revokeFilingIn(ctx.db, ctx.now(), { type: 'hospital', id: ctx.institution.fixmedins_code, name: ctx.envelope.opter_name ?? null }, no, optionalString(d, 'memo', path, 500) ?? null);
    return {};
  },
};

/**
 * The record a cancellation (2502, 2504) names by trt_dcla_detl_sn, refused unless it is the
 * psn_no's: a hospital cannot cancel another person's filing by mistyping a number.
 */
export async function cancelledRecord<T extends { psn_no: string }>(
  ctx: GatewayContext,
  find: (no: string) => Promise<T>,
  notFoundEn: string,
): Promise<{ record: T; no: string; data: Record<string, unknown>; path: string }> {
  const path = 'input.data';
  const data = inputObject(ctx.envelope.input, 'data');
  const no = requiredString(data, 'trt_dcla_detl_sn', path, 40);
  const psnNo = requiredString(data, 'psn_no', path, 30);
  const record = await find(no).catch(() => {
    throw notFound(`${path}.trt_dcla_detl_sn`, '查无此备案', notFoundEn);
  });
  if (record.psn_no !== psnNo) throw invalid(`${path}.psn_no`, '人员编号与备案不符', 'psn_no does not match the filing');
  return { record, no, data, path };
}

/**
 * Runs a store call and names refused fields as the envelope does (`input.refmedin.enddate`),
 * translating the store's names to the interface's where they differ.
 */
export async function inInputTerms<T>(path: string, rename: Record<string, string>, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (err) {
    if (!(err instanceof YibaoError)) throw err;
    throw new YibaoError(
      err.kind,
      err.details.map((d) => (d.field.startsWith('input.') ? d : { ...d, field: `${path}.${rename[d.field] ?? d.field}` })),
    );
  }
}
