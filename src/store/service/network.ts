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

export async function insertServicePoint(q: Queryable, p: ServicePoint, now: Date): Promise<boolean> {
  const r = await q.query(
    `INSERT INTO service_points (code, name, level, kind, admdvs, address, lat, lng, opening_hours, windows, items, active, created_at, updated_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $13) ON CONFLICT (code) DO NOTHING`,
    [p.code, p.name, p.level, p.kind, p.admdvs, p.address, p.lat, p.lng, JSON.stringify(p.opening_hours), p.windows, p.items, p.active, now],
  );
  return (r.rowCount ?? 0) > 0;
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

/** The known positions under a region: its villages' and its service points' (for its extent). */
export async function knownPlacesUnder(q: Queryable, code: string, exceptPoint?: string): Promise<{ lat: number; lng: number }[]> {
  const prefix = placePrefix(code) + '%';
  const r = await q.query<{ lat: number; lng: number }>(
    `SELECT lat, lng FROM regions WHERE code LIKE $1 AND level = 'village' AND lat IS NOT NULL
     UNION ALL SELECT lat, lng FROM service_points WHERE admdvs LIKE $1 AND code IS DISTINCT FROM $2`,
    [prefix, exceptPoint ?? null],
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

export async function saveGrid(q: Queryable, g: Grid, now: Date): Promise<void> {
  await q.query(
    `INSERT INTO grids (code, name, admdvs, worker, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $5)
     ON CONFLICT (code) DO UPDATE SET name = excluded.name, worker = excluded.worker, updated_at = excluded.updated_at`,
    [g.code, g.name, g.admdvs, g.worker, now],
  );
  await q.query('DELETE FROM grid_villages WHERE grid_code = $1', [g.code]);
  await q.query('INSERT INTO grid_villages (grid_code, village) SELECT $1, unnest($2::text[])', [g.code, g.villages]);
}

/** Which grid, other than `except`, already holds each of these villages, or has this worker. */
export async function gridClaims(q: Queryable, villages: readonly string[], worker: string | null, except: string | null): Promise<{ villages: Map<string, string>; worker: string | undefined }> {
  const v = await q.query<{ village: string; grid_code: string }>('SELECT village, grid_code FROM grid_villages WHERE village = ANY ($1) AND grid_code IS DISTINCT FROM $2', [villages, except]);
  const w = worker ? await q.query<{ code: string }>('SELECT code FROM grids WHERE worker = $1 AND code IS DISTINCT FROM $2', [worker, except]) : { rows: [] };
  return { villages: new Map(v.rows.map((r) => [r.village, r.grid_code])), worker: w.rows[0]?.code };
}

export async function staffRoleOf(q: Queryable, username: string): Promise<{ role: string; regions: string[]; disabled: boolean } | undefined> {
  return (await q.query<{ role: string; regions: string[]; disabled: boolean }>('SELECT role, regions, disabled FROM staff_accounts WHERE username = $1', [username])).rows[0];
}
