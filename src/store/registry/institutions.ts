import type { Queryable } from '../db.ts';
import type { Type } from 'typebox';
import type { InstitutionSchema, NearbyInstitutionSchema } from './schemas.ts';

// 定点医药机构: hospitals and clinics (H + 11 digits) and retail pharmacies (P + 11 digits).
// The first six digits are the region the code was issued in. Registering one (its checks) is
// src/app/registry/institutions.ts.

export type Institution = Type.Static<typeof InstitutionSchema>;

export const INSTITUTION_COLUMNS = `fixmedins_code, fixmedins_name, fixmedins_type, hosp_lv, admdvs, address, lat, lng,
  settles_cross_prov_outpatient, settles_inpatient, settles_chronic, settles_outpatient_pooling`;

/** Inserts an institution; false when its code is taken. */
export async function insertInstitution(q: Queryable, inst: Institution): Promise<boolean> {
  const r = await q.query(
    `INSERT INTO institutions (${INSTITUTION_COLUMNS}) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12)
     ON CONFLICT (fixmedins_code) DO NOTHING`,
    instValues(inst),
  );
  return r.rowCount !== 0;
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
      `SELECT ${INSTITUTION_COLUMNS}, (SELECT r.name FROM regions r WHERE r.code = institutions.admdvs) AS admdvs_name FROM institutions
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
