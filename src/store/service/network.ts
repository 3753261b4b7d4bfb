import type { Grid, OpeningHours, ServicePoint, ServicePointKind, ServicePointLevel, ServiceItemCode } from '../../engine/service-network.ts';
import { regionPrefix } from '../auth/principal.ts';
import type { Queryable } from '../db.ts';

// Service points, grids and the places they cover (migration 028): statements only.

export interface ServicePointRow extends ServicePoint { created_at: string; updated_at: string }

const POINT_COLUMNS = `code, name, level, kind, admdvs, address, lat, lng, opening_hours, windows, items, active,
  to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') AS created_at, to_char(updated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') AS updated_at`;

interface RawPoint { code: string; name: string; level: ServicePointLevel; kind: ServicePointKind; admdvs: string; address: string; lat: number; lng: number; opening_hours: OpeningHours; windows: number; items: ServiceItemCode[]; active: boolean; created_at: string; updated_at: string }
const point = (r: RawPoint): ServicePointRow => r;

export async function findServicePoint(q: Queryable, code: string, lock = false): Promise<ServicePointRow | undefined> {
  const r = await q.query<RawPoint>(`SELECT ${POINT_COLUMNS} FROM service_points WHERE code = $1${lock ? ' FOR UPDATE' : ''}`, [code]);
  return r.rows[0] ? point(r.rows[0]) : undefined;
}

/** Points under a region (its code a prefix of theirs), optionally only active ones handling an item. */
export async function listServicePoints(q: Queryable, f: { under?: string | undefined; active?: boolean; item?: string | undefined; limit?: number }): Promise<ServicePointRow[]> {
  const where: string[] = [];
  const args: unknown[] = [];
  if (f.under) where.push(`admdvs LIKE $${args.push(placePrefix(f.under) + '%')}`);
  if (f.active !== undefined) where.push(`active = $${args.push(f.active)}`);
  if (f.item) where.push(`$${args.push(f.item)} = ANY (items)`);
  const sql = `SELECT ${POINT_COLUMNS} FROM service_points ${where.length ? 'WHERE ' + where.join(' AND ') : ''} ORDER BY code LIMIT $${args.push(f.limit ?? 10_000)}`;
  return (await q.query<RawPoint>(sql, args)).rows.map(point);
}

/** The prefix of the codes under a region: 430200 → 4302 (as staff regions); a town's or village's own code whole. */
export function placePrefix(code: string): string {
  return code.length === 6 ? regionPrefix(code) : code;
}

export async function findServicePoints(q: Queryable, codes: readonly string[]): Promise<Map<string, ServicePointRow>> {
  const r = await q.query<RawPoint>(`SELECT ${POINT_COLUMNS} FROM service_points WHERE code = ANY ($1)`, [codes]);
  return new Map(r.rows.map((row) => [row.code, point(row)]));
}

/** Inserts new points, 2,000 a statement; the codes are known to be free. */
export async function insertServicePoints(q: Queryable, rows: readonly ServicePoint[], now: Date): Promise<void> {
  for (let i = 0; i < rows.length; i += 2000) {
    const c = rows.slice(i, i + 2000);
    await q.query(
      `INSERT INTO service_points (code, name, level, kind, admdvs, address, lat, lng, opening_hours, windows, items, active, created_at, updated_at)
       SELECT u.code, u.name, u.level, u.kind, u.admdvs, u.address, u.lat, u.lng, u.hours::jsonb, u.windows, string_to_array(u.items, ','), u.active, $13, $13
       FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::float8[], $8::float8[], $9::text[], $10::int[], $11::text[], $12::boolean[])
         AS u(code, name, level, kind, admdvs, address, lat, lng, hours, windows, items, active)`,
      [c.map((p) => p.code), c.map((p) => p.name), c.map((p) => p.level), c.map((p) => p.kind), c.map((p) => p.admdvs), c.map((p) => p.address),
        c.map((p) => p.lat), c.map((p) => p.lng), c.map((p) => JSON.stringify(p.opening_hours)), c.map((p) => p.windows), c.map((p) => p.items.join(',')), c.map((p) => p.active), now],
    );
  }
}

/** The positioned places under a prefix: villages (by their code) and service points (by their region), sorted by that code. */
export async function placesUnder(q: Queryable, prefix: string): Promise<{ code: string; point: string | null; lat: number; lng: number }[]> {
  const r = await q.query<{ code: string; point: string | null; lat: number; lng: number }>(
    `SELECT code, NULL AS point, lat, lng FROM regions WHERE code LIKE $1 AND level = 'village' AND lat IS NOT NULL
     UNION ALL SELECT admdvs, code, lat, lng FROM service_points WHERE admdvs LIKE $1`,
    [prefix + '%'],
  );
  return r.rows.sort((a, b) => (a.code < b.code ? -1 : a.code > b.code ? 1 : 0));
}

export async function updateServicePoint(q: Queryable, p: ServicePoint, now: Date): Promise<void> {
  await q.query(
    `UPDATE service_points SET name = $2, level = $3, kind = $4, address = $5, lat = $6, lng = $7, opening_hours = $8, windows = $9, items = $10, active = $11, updated_at = $12
     WHERE code = $1`,
    [p.code, p.name, p.level, p.kind, p.address, p.lat, p.lng, JSON.stringify(p.opening_hours), p.windows, p.items, p.active, now],
  );
}

// ---- places ----

export interface PlaceRegion { code: string; name: string; level: ServicePointLevel; parent_code: string | null; pooling_admdvs: string | null; lat: number | null; lng: number | null; population: number | null }
const PLACE_COLUMNS = 'code, name, level, parent_code, pooling_admdvs, lat, lng, population';

/** A region with its ancestors, nearest first (itself first). */
export async function regionWithAncestors(q: Queryable, code: string): Promise<PlaceRegion[]> {
  const r = await q.query<PlaceRegion>(
    `WITH RECURSIVE up AS (SELECT ${PLACE_COLUMNS}, 0 AS depth FROM regions WHERE code = $1
       UNION ALL SELECT r.code, r.name, r.level, r.parent_code, r.pooling_admdvs, r.lat, r.lng, r.population, up.depth + 1 FROM regions r JOIN up ON r.code = up.parent_code)
     SELECT ${PLACE_COLUMNS} FROM up ORDER BY depth`,
    [code],
  );
  return r.rows;
}

/** Villages and communities under a region, with their positions and people. */
export async function villagesUnder(q: Queryable, code: string): Promise<PlaceRegion[]> {
  const r = await q.query<PlaceRegion>(`SELECT ${PLACE_COLUMNS} FROM regions WHERE code LIKE $1 AND level = 'village' ORDER BY code`, [placePrefix(code) + '%']);
  return r.rows;
}

export async function regionsByCodes(q: Queryable, codes: readonly string[]): Promise<PlaceRegion[]> {
  return (await q.query<PlaceRegion>(`SELECT ${PLACE_COLUMNS} FROM regions WHERE code = ANY ($1)`, [codes])).rows;
}

export async function setPlaces(q: Queryable, rows: readonly { code: string; lat: number | null; lng: number | null; population: number | null }[]): Promise<void> {
  for (let i = 0; i < rows.length; i += 5000) {
    const c = rows.slice(i, i + 5000);
    await q.query(
      `UPDATE regions r SET lat = u.lat, lng = u.lng, population = u.population
       FROM unnest($1::text[], $2::float8[], $3::float8[], $4::int[]) AS u(code, lat, lng, population) WHERE r.code = u.code`,
      [c.map((x) => x.code), c.map((x) => x.lat), c.map((x) => x.lng), c.map((x) => x.population)],
    );
  }
}

// ---- grids ----

export interface GridRow extends Grid { worker_name: string | null }

export async function findGrid(q: Queryable, code: string, lock = false): Promise<GridRow | undefined> {
  const r = await q.query<GridRow>(
    `SELECT g.code, g.name, g.admdvs, g.worker, s.display_name AS worker_name,
       coalesce((SELECT array_agg(v.village ORDER BY v.village) FROM grid_villages v WHERE v.grid_code = g.code), '{}') AS villages
     FROM grids g LEFT JOIN staff_accounts s ON s.username = g.worker WHERE g.code = $1${lock ? ' FOR UPDATE OF g' : ''}`,
    [code],
  );
  return r.rows[0];
}

export async function listGrids(q: Queryable, under: string | undefined): Promise<GridRow[]> {
  const r = await q.query<GridRow>(
    `SELECT g.code, g.name, g.admdvs, g.worker, s.display_name AS worker_name,
       coalesce((SELECT array_agg(v.village ORDER BY v.village) FROM grid_villages v WHERE v.grid_code = g.code), '{}') AS villages
     FROM grids g LEFT JOIN staff_accounts s ON s.username = g.worker ${under ? 'WHERE g.admdvs LIKE $1' : ''} ORDER BY g.code`,
    under ? [placePrefix(under) + '%'] : [],
  );
  return r.rows;
}

export async function findGrids(q: Queryable, codes: readonly string[]): Promise<Map<string, GridRow>> {
  const r = await q.query<GridRow>(
    `SELECT g.code, g.name, g.admdvs, g.worker, s.display_name AS worker_name,
       coalesce((SELECT array_agg(v.village ORDER BY v.village) FROM grid_villages v WHERE v.grid_code = g.code), '{}') AS villages
     FROM grids g LEFT JOIN staff_accounts s ON s.username = g.worker WHERE g.code = ANY ($1)`,
    [codes],
  );
  return new Map(r.rows.map((g) => [g.code, g]));
}

/** The grid each of these villages lies in, and the grid each of these workers works. */
export async function gridsHolding(q: Queryable, villages: readonly string[], workers: readonly string[]): Promise<{ villages: Map<string, string>; workers: Map<string, string> }> {
  const v = await q.query<{ village: string; grid_code: string }>('SELECT village, grid_code FROM grid_villages WHERE village = ANY ($1)', [villages]);
  const w = await q.query<{ worker: string; code: string }>('SELECT worker, code FROM grids WHERE worker = ANY ($1)', [workers]);
  return { villages: new Map(v.rows.map((r) => [r.village, r.grid_code])), workers: new Map(w.rows.map((r) => [r.worker, r.code])) };
}

export async function staffRoles(q: Queryable, usernames: readonly string[]): Promise<Map<string, { role: string; regions: string[]; disabled: boolean }>> {
  const r = await q.query<{ username: string; role: string; regions: string[]; disabled: boolean }>('SELECT username, role, regions, disabled FROM staff_accounts WHERE username = ANY ($1)', [usernames]);
  return new Map(r.rows.map((x) => [x.username, x]));
}

/** Writes grids whole (upsert) with their villages; a village freed by one grid may be taken by another in the same call. */
export async function saveGrids(q: Queryable, grids: readonly Grid[], now: Date): Promise<void> {
  if (grids.length === 0) return;
  const codes = grids.map((g) => g.code);
  // workers move first to nobody, so a swap between two grids of one call does not trip the unique worker
  await q.query('UPDATE grids SET worker = NULL WHERE code = ANY ($1)', [codes]);
  await q.query(
    `INSERT INTO grids (code, name, admdvs, worker, created_at, updated_at) SELECT u.code, u.name, u.admdvs, NULL, $4, $4 FROM unnest($1::text[], $2::text[], $3::text[]) AS u(code, name, admdvs)
     ON CONFLICT (code) DO UPDATE SET name = excluded.name, updated_at = excluded.updated_at`,
    [codes, grids.map((g) => g.name), grids.map((g) => g.admdvs), now],
  );
  await q.query('UPDATE grids g SET worker = u.worker FROM unnest($1::text[], $2::text[]) AS u(code, worker) WHERE g.code = u.code AND u.worker IS NOT NULL', [codes, grids.map((g) => g.worker)]);
  await q.query('DELETE FROM grid_villages WHERE grid_code = ANY ($1)', [codes]);
  await q.query('INSERT INTO grid_villages (grid_code, village) SELECT u.code, u.village FROM unnest($1::text[], $2::text[]) AS u(code, village)', [
    grids.flatMap((g) => g.villages.map(() => g.code)), grids.flatMap((g) => g.villages),
  ]);
}
