import { HOSP_LVS } from '../../../engine/codes.ts';
import { invalid } from '../../../engine/errors.ts';
import { listInstitutions } from '../../../store/registry/institutions.ts';
import { inputObject, optionalString } from '../input.ts';
import type { TransactionHandler } from '../types.ts';

// 1201 医药机构信息获取: designated institutions by code, name (part of it), type or region.
// With no criterion it answers the caller itself.

const LIMIT = 100;

export const institutionInfo: TransactionHandler = {
  infno: '1201',
  name: { zh: '医药机构信息获取', en: 'institution information' },
  requiresSignIn: true,
  writes: false,
  async handle(ctx) {
    const q = inputObject(ctx.envelope.input, 'medinsinfo', true);
    const path = 'input.medinsinfo';
    const filter = {
      fixmedins_code: optionalString(q, 'fixmedins_code', path, 30),
      fixmedins_name: optionalString(q, 'fixmedins_name', path, 200),
      fixmedins_type: optionalString(q, 'fixmedins_type', path, 2),
      admdvs: optionalString(q, 'admdvs', path, 6),
    };
    if (filter.fixmedins_type !== undefined && !/^[12]$/.test(filter.fixmedins_type)) {
      throw invalid(`${path}.fixmedins_type`, '应为1（医疗机构）或2（零售药店）', `expected 1 (medical institution) or 2 (retail pharmacy), got "${filter.fixmedins_type}"`);
    }
    if (filter.admdvs !== undefined && !/^\d{6}$/.test(filter.admdvs)) {
      throw invalid(`${path}.admdvs`, '应为6位数字区划代码', `expected a six-digit region code, got "${filter.admdvs}"`);
    }
    if (Object.values(filter).every((v) => v === undefined)) filter.fixmedins_code = ctx.institution.fixmedins_code;
    const { items: rows } = await listInstitutions(ctx.db, { ...filter, fixmedins_type: filter.fixmedins_type as '1' | '2' | undefined, limit: LIMIT + 1 });
    if (rows.length > LIMIT) ctx.warn(`结果超过${LIMIT}条，仅返回前${LIMIT}条，请缩小查询条件 / more than ${LIMIT} matches; the first ${LIMIT} are returned, narrow the query`);
    return {
      medinsinfo: rows.slice(0, LIMIT).map((r) => ({
        fixmedins_code: r.fixmedins_code,
        fixmedins_name: r.fixmedins_name,
        fixmedins_type: r.fixmedins_type,
        hosp_lv: r.hosp_lv,
        hosp_lv_name: (HOSP_LVS as Record<string, { zh: string }>)[r.hosp_lv]?.zh ?? null,
        admdvs: r.admdvs,
        admdvs_name: r.admdvs_name,
        addr: r.address,
        lat: r.lat,
        lnt: r.lng,
        // 直接结算开通情况, "1" open / "0" not
        cross_prov_otp_flag: r.settles_cross_prov_outpatient ? '1' : '0',
        ipt_setl_flag: r.settles_inpatient ? '1' : '0',
        opsp_setl_flag: r.settles_chronic ? '1' : '0',
        otp_pool_flag: r.settles_outpatient_pooling ? '1' : '0',
      })),
    };
  },
};
