// 定点医药机构 registration: the checks of a new institution's code, level and region. The store
// (src/store/registry/institutions.ts) only reads and writes the rows.
import { HOSP_LVS, isCode } from '../../engine/codes.ts';
import { conflict, notFound, Problems } from '../../engine/errors.ts';
import type { Queryable } from '../../store/db.ts';
import { writeAudit, type WriteContext } from '../../store/audit.ts';
import { getInstitution, insertInstitution, type Institution } from '../../store/registry/institutions.ts';
import { getRegion } from '../../store/registry/regions.ts';

export interface NewInstitution {
  fixmedins_code: string;
  fixmedins_name: string;
  hosp_lv: string;
  admdvs: string;
  address?: string | undefined;
  lat?: number | null | undefined;
  lng?: number | null | undefined;
  settles_cross_prov_outpatient?: boolean | undefined;
  settles_inpatient?: boolean | undefined;
  settles_chronic?: boolean | undefined;
  settles_outpatient_pooling?: boolean | undefined;
}

/** Checks a new institution; the type (1 medical, 2 pharmacy) follows from the code's letter. */
export async function validateInstitution(q: Queryable, input: NewInstitution): Promise<Institution> {
  const p = new Problems();
  const code = input.fixmedins_code;
  if (typeof code !== 'string' || !/^[HP][0-9]{11}$/.test(code)) {
    p.add('fixmedins_code', '机构编码应为 H 或 P 加 11 位数字', 'expected H or P followed by 11 digits');
  }
  const type: '1' | '2' = code?.startsWith('P') ? '2' : '1';
  if (typeof input.fixmedins_name !== 'string' || input.fixmedins_name.trim().length === 0 || input.fixmedins_name.length > 200) {
    p.add('fixmedins_name', '机构名称不能为空（最多 200 字）', 'a name of 1-200 characters is required');
  }
  if (!isCode(HOSP_LVS, input.hosp_lv)) {
    p.add('hosp_lv', `机构等级应为 ${Object.keys(HOSP_LVS).join('/')}`, `expected one of ${Object.keys(HOSP_LVS).join(', ')}`);
  } else if ((type === '2') !== (input.hosp_lv === '0')) {
    p.add('hosp_lv', '零售药店（P）的等级为 0，医疗机构（H）不能为 0', 'a pharmacy (P) has level 0 and a medical institution (H) never does');
  }
  const region = typeof input.admdvs === 'string' ? await getRegion(q, input.admdvs) : undefined;
  if (!region) p.add('admdvs', `区划 ${String(input.admdvs)} 不存在`, `region ${String(input.admdvs)} is not known`);
  else if (typeof code === 'string' && code.slice(1, 7) !== input.admdvs.slice(0, 6)) {
    p.add('fixmedins_code', `编码第 2-7 位应为所在区划 ${input.admdvs.slice(0, 6)}`, `characters 2-7 of the code must be the region ${input.admdvs.slice(0, 6)}`);
  }
  for (const [field, v] of [['lat', input.lat], ['lng', input.lng]] as const) {
    if (v != null && (typeof v !== 'number' || !Number.isFinite(v) || Math.abs(v) > (field === 'lat' ? 90 : 180))) {
      p.add(field, '坐标超出范围', 'coordinate out of range');
    }
  }
  p.throwIfAny();
  return {
    fixmedins_code: code,
    fixmedins_name: input.fixmedins_name.trim(),
    fixmedins_type: type,
    hosp_lv: input.hosp_lv,
    admdvs: input.admdvs,
    address: input.address ?? '',
    lat: input.lat ?? null,
    lng: input.lng ?? null,
    settles_cross_prov_outpatient: input.settles_cross_prov_outpatient ?? false,
    settles_inpatient: input.settles_inpatient ?? false,
    settles_chronic: input.settles_chronic ?? false,
    settles_outpatient_pooling: input.settles_outpatient_pooling ?? false,
  };
}

/** Registers a designated institution. Conflict when the code is taken. */
export async function createInstitution(q: Queryable, input: NewInstitution, ctx: WriteContext): Promise<Institution> {
  const inst = await validateInstitution(q, input);
  if (!(await insertInstitution(q, inst))) {
    throw conflict('fixmedins_code', `机构编码 ${inst.fixmedins_code} 已登记`, `institution ${inst.fixmedins_code} is already registered`);
  }
  await writeAudit(q, ctx, 'institution.create', inst.fixmedins_code, { ...inst });
  return inst;
}

/** One institution by its code (GET /institutions/:fixmedins_code). */
export async function requireInstitution(q: Queryable, code: string): Promise<Institution> {
  const inst = await getInstitution(q, code);
  if (!inst) throw notFound('fixmedins_code', `机构 ${code} 不存在`, `no institution ${code}`);
  return inst;
}
