import { HOSP_LVS, isCode } from '../../engine/codes.ts';
import { conflict, Problems } from '../../engine/errors.ts';
import type { Queryable } from '../db.ts';
import type { Type } from 'typebox';
import type { InstitutionSchema, NearbyInstitutionSchema } from './schemas.ts';
import { writeAudit, type WriteContext } from '../audit.ts';
import { getRegion } from './regions.ts';

// 定点医药机构: hospitals and clinics (H + 11 digits) and retail pharmacies (P + 11 digits).
// The first six digits are the region the code was issued in.

export type Institution = Type.Static<typeof InstitutionSchema>;

export const INSTITUTION_COLUMNS = `fixmedins_code, fixmedins_name, fixmedins_type, hosp_lv, admdvs, address, lat, lng,
  settles_cross_prov_outpatient, settles_inpatient, settles_chronic, settles_outpatient_pooling`;

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
  const r = await q.query(
    `INSERT INTO institutions (${INSTITUTION_COLUMNS}) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12)
     ON CONFLICT (fixmedins_code) DO NOTHING`,
    instValues(inst),
  );
  if (r.rowCount === 0) throw conflict('fixmedins_code', `机构编码 ${inst.fixmedins_code} 已登记`, `institution ${inst.fixmedins_code} is already registered`);
  await writeAudit(q, ctx, 'institution.create', inst.fixmedins_code, { ...inst });
  return inst;
}

function instValues(i: Institution): unknown[] {
  return [
    i.fixmedins_code, i.fixmedins_name, i.fixmedins_type, i.hosp_lv, i.admdvs, i.address, i.lat, i.lng,
    i.settles_cross_prov_outpatient, i.settles_inpatient, i.settles_chronic, i.settles_outpatient_pooling,
  ];
}

/** Bulk insert for already-validated rows (the demo generator); one statement per call. */
export async function insertInstitutions(q: Queryable, rows: readonly Institution[]): Promise<void> {
  if (rows.length === 0) return;
  const col = <K extends keyof Institution>(k: K): Array<Institution[K]> => rows.map((r) => r[k]);
  await q.query(
    `INSERT INTO institutions (${INSTITUTION_COLUMNS})
     SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::float8[], $8::float8[],
       $9::boolean[], $10::boolean[], $11::boolean[], $12::boolean[])`,
    [
      col('fixmedins_code'), col('fixmedins_name'), col('fixmedins_type'), col('hosp_lv'), col('admdvs'), col('address'),
      col('lat'), col('lng'), col('settles_cross_prov_outpatient'), col('settles_inpatient'), col('settles_chronic'),
      col('settles_outpatient_pooling'),
    ],
  );
}

export async function getInstitution(q: Queryable, code: string): Promise<Institution | undefined> {
  const r = await q.query<Institution>(`SELECT ${INSTITUTION_COLUMNS} FROM institutions WHERE fixmedins_code = $1`, [code]);
  return r.rows[0];
}

export interface InstitutionFilter {
  fixmedins_code?: string | undefined;
  /** Part of the name. */
  fixmedins_name?: string | undefined;
  /** A region code: institutions in it or below it (a city finds its counties' institutions). */
  admdvs?: string | undefined;
  fixmedins_type?: '1' | '2' | undefined;
  hosp_lv?: string | undefined;
  settles_outpatient_pooling?: boolean | undefined;
  limit?: number | undefined;
  offset?: number | undefined;
}

/** An institution as listed: with the name of its region. */
export interface InstitutionListing extends Institution {
  admdvs_name: string;
}

/** The code prefix that every division inside `admdvs` shares (430000 → 43, 430200 → 4302). */
export function regionPrefix(admdvs: string): string {
  if (/^[0-9]{2}0000$/.test(admdvs)) return admdvs.slice(0, 2);
  if (/^[0-9]{4}00$/.test(admdvs)) return admdvs.slice(0, 4);
  return admdvs;
}

export async function listInstitutions(q: Queryable, f: InstitutionFilter = {}): Promise<{ total: number; items: InstitutionListing[] }> {
  const where: string[] = [];
  const args: unknown[] = [];
  if (f.fixmedins_code !== undefined) where.push(`fixmedins_code = $${args.push(f.fixmedins_code)}`);
  if (f.fixmedins_name !== undefined) where.push(`strpos(fixmedins_name, $${args.push(f.fixmedins_name)}) > 0`);
  if (f.admdvs !== undefined) where.push(`admdvs LIKE $${args.push(regionPrefix(f.admdvs) + '%')}`);
  if (f.fixmedins_type !== undefined) where.push(`fixmedins_type = $${args.push(f.fixmedins_type)}`);
  if (f.hosp_lv !== undefined) where.push(`hosp_lv = $${args.push(f.hosp_lv)}`);
  if (f.settles_outpatient_pooling !== undefined) where.push(`settles_outpatient_pooling = $${args.push(f.settles_outpatient_pooling)}`);
  const w = where.length ? 'WHERE ' + where.join(' AND ') : '';
  const total = (await q.query<{ n: number }>(`SELECT count(*)::int AS n FROM institutions ${w}`, args)).rows[0]!.n;
  const limit = Math.min(f.limit ?? 100, 1000);
  const items = (
    await q.query<InstitutionListing>(
      `SELECT ${INSTITUTION_COLUMNS}, r.name AS admdvs_name FROM institutions JOIN regions r ON r.code = admdvs
        ${w} ORDER BY fixmedins_code LIMIT $${args.length + 1} OFFSET $${args.length + 2}`,
      [...args, limit, f.offset ?? 0],
    )
  ).rows;
  return { total, items };
}

/** Pharmacies that settle general-outpatient pooling in the given pooling regions, at most `perCounty` per county, in code order. */
export async function poolingPharmacies(q: Queryable, poolingAdmdvs: readonly string[], perCounty: number): Promise<{ county_admdvs: string; fixmedins_code: string }[]> {
  const r = await q.query<{ county_admdvs: string; fixmedins_code: string }>(
    `SELECT county_admdvs, fixmedins_code FROM (
       SELECT substr(i.admdvs, 1, 6) AS county_admdvs, i.fixmedins_code,
              row_number() OVER (PARTITION BY substr(i.admdvs, 1, 6) ORDER BY i.fixmedins_code) AS n
         FROM institutions i JOIN regions r ON r.code = substr(i.admdvs, 1, 6)
        WHERE i.fixmedins_type = '2' AND i.settles_outpatient_pooling AND r.pooling_admdvs = ANY($1)) x
      WHERE n <= $2 ORDER BY county_admdvs, fixmedins_code`,
    [poolingAdmdvs, perCounty],
  );
  return r.rows;
}

export type NearbyInstitution = Type.Static<typeof NearbyInstitutionSchema>;

/**
 * Designated institutions nearest to a point (great-circle distance), optionally only hospitals
 * or only pharmacies. A bounding box on the indexed coordinates keeps this a small scan.
 */
export async function nearestInstitutions(q: Queryable, at: { lat: number; lng: number }, opts: { fixmedins_type?: '1' | '2'; limit?: number; radius_km?: number } = {}): Promise<NearbyInstitution[]> {
  const radius = opts.radius_km ?? 50;
  const dLat = radius / 111;
  const dLng = radius / (111 * Math.max(Math.cos((at.lat * Math.PI) / 180), 0.1));
  const r = await q.query<Institution & { distance_km: number }>(
    `SELECT ${INSTITUTION_COLUMNS},
       6371 * 2 * asin(sqrt(power(sin(radians(lat - $1) / 2), 2) + cos(radians($1)) * cos(radians(lat)) * power(sin(radians(lng - $2) / 2), 2))) AS distance_km
     FROM institutions
     WHERE lat BETWEEN $1 - $3 AND $1 + $3 AND lng BETWEEN $2 - $4 AND $2 + $4 AND ($5::text IS NULL OR fixmedins_type = $5)
     ORDER BY distance_km LIMIT $6`,
    [at.lat, at.lng, dLat, dLng, opts.fixmedins_type ?? null, Math.min(Math.max(opts.limit ?? 10, 1), 50)],
  );
  return r.rows.map((row) => ({ ...row, distance_km: Math.round(row.distance_km * 100) / 100 }));
}
