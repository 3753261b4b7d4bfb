import { chinaDate } from '../../engine/calendar.ts';
import { analyseCoverage, haversineKm, walkingMinutes, type CoverageResult } from '../../engine/coverage.ts';
import { conflict, forbidden, invalid, notFound, Problems, YibaoError, type ErrorDetail } from '../../engine/errors.ts';
import {
  checkGrid, checkServicePoint, COMMON_SERVICE_ITEMS, isOpenAt, parsePointCsv, regionExtent,
  type Grid, type GridInput, type RegionFacts, type ServicePoint, type ServicePointInput, type ServicePointLevel,
} from '../../engine/service-network.ts';
import { writeAudit, type WriteContext } from '../../store/audit.ts';
import { regionsCover } from '../../store/auth/principal.ts';
import { loadCalendar } from '../../store/cooperation/calendar.ts';
import { inTransaction, type Pool, type Queryable } from '../../store/db.ts';
import {
  findGrid, findServicePoint, gridClaims, insertServicePoint, knownPlacesUnder, listGrids, listServicePoints, placePrefix, regionsByCodes,
  regionWithAncestors, saveGrid, staffRoleOf, updateServicePoint, villagesUnder, type GridRow, type ServicePointRow,
} from '../../store/service/network.ts';

// Service points and grids (docs/service-network.md): staff create, edit and import them with
// every problem named by its field; the coverage of a region; the nearest points open now. The
// rules are src/engine/service-network.ts and coverage.ts, the statements src/store/service/.

/** The facts a point's or grid's check needs about its region: level, name, extent (its known places, else a radius round the nearest known centre). */
export async function regionFacts(q: Queryable, admdvs: unknown, exceptPoint?: string): Promise<RegionFacts | undefined> {
  if (typeof admdvs !== 'string' || !/^[0-9]{6}([0-9]{3}([0-9]{3})?)?$/.test(admdvs)) return undefined;
  const chain = await regionWithAncestors(q, admdvs);
  const region = chain[0];
  if (!region) return undefined;
  const centre = chain.find((r) => r.lat !== null && r.lng !== null);
  const places = await knownPlacesUnder(q, admdvs, exceptPoint);
  const extent = regionExtent(places, centre ? { lat: centre.lat!, lng: centre.lng! } : undefined, region.level as ServicePointLevel);
  return { code: region.code, name: region.name, level: region.level as ServicePointLevel, extent };
}

export async function createServicePoint(pool: Pool, ctx: WriteContext, input: ServicePointInput): Promise<ServicePointRow> {
  return inTransaction(pool, async (q) => {
    const p = await addServicePoint(q, ctx, input);
    return (await findServicePoint(q, p.code))!;
  });
}

/** A new point inside the caller's transaction (the demo's, or createServicePoint's). */
export async function addServicePoint(q: Queryable, ctx: WriteContext, input: ServicePointInput): Promise<ServicePoint> {
  const p = checkServicePoint(input, await regionFacts(q, input.admdvs));
  if (!(await insertServicePoint(q, p, ctx.now))) throw conflict('code', `网点 ${p.code} 已存在`, `service point ${p.code} already exists`);
  await writeAudit(q, ctx, 'service_point.create', p.code, { admdvs: p.admdvs, name: p.name });
  return p;
}

export async function editServicePoint(pool: Pool, ctx: WriteContext, code: string, input: ServicePointInput): Promise<ServicePointRow> {
  return inTransaction(pool, async (q) => {
    const existing = await findServicePoint(q, code, true);
    if (!existing) throw notFound('code', '查无此网点', 'no such service point');
    if (input.code !== undefined && input.code !== code) throw invalid('code', '网点编码不能修改', 'a point\'s code cannot change');
    const p = checkServicePoint(input, await regionFacts(q, existing.admdvs, code), existing);
    await updateServicePoint(q, p, ctx.now);
    await writeAudit(q, ctx, 'service_point.edit', code, { fields: Object.keys(input).filter((k) => input[k as keyof ServicePointInput] !== undefined) });
    return (await findServicePoint(q, code))!;
  });
}

export async function requireServicePoint(q: Queryable, code: string): Promise<ServicePointRow> {
  const p = await findServicePoint(q, code);
  if (!p) throw notFound('code', '查无此网点', 'no such service point');
  return p;
}

export { listServicePoints, listGrids };

// ---- grids ----

async function gridChecked(q: Queryable, input: GridInput, existing?: GridRow): Promise<Grid> {
  const admdvs = existing?.admdvs ?? input.admdvs;
  const region = await regionFacts(q, admdvs);
  const villages = Array.isArray(input.villages) ? input.villages.filter((v): v is string => typeof v === 'string') : existing?.villages ?? [];
  const known = new Map((await regionsByCodes(q, villages)).map((r) => [r.code, r]));
  const worker = input.worker === undefined ? existing?.worker ?? null : typeof input.worker === 'string' && input.worker !== '' ? input.worker : null;
  const claims = await gridClaims(q, villages, worker, existing?.code ?? (typeof input.code === 'string' ? input.code : null));
  const account = worker ? await staffRoleOf(q, worker) : undefined;
  return checkGrid(
    input, region,
    (code) => {
      const v = known.get(code);
      if (!v || v.level !== 'village') return `${code} 不是区划库中的村（社区）`;
      if (typeof admdvs === 'string' && !code.startsWith(placePrefix(admdvs))) return `${v.name}不在本网格所属地区内`;
      const other = claims.villages.get(code);
      return other ? `${v.name}已属网格 ${other}` : undefined;
    },
    (username) => {
      if (!account || account.disabled) return { zh: `账号 ${username} 不存在或已停用`, en: `no active account ${username}` };
      if (account.role !== 'grid_worker') return { zh: `账号 ${username} 不是网格员`, en: `${username} is not a grid worker` };
      if (typeof admdvs === 'string' && !regionsCover(account.regions, admdvs)) return { zh: `网格员 ${username} 不负责该地区`, en: `grid worker ${username} does not cover this region` };
      if (claims.worker) return { zh: `网格员 ${username} 已负责网格 ${claims.worker}（一人一网格）`, en: `${username} already works grid ${claims.worker} (one grid each)` };
      return undefined;
    },
    existing,
  );
}

export async function createGrid(pool: Pool, ctx: WriteContext, input: GridInput): Promise<GridRow> {
  return inTransaction(pool, async (q) => {
    const g = await addGrid(q, ctx, input);
    return (await findGrid(q, g.code))!;
  });
}

/** A new grid inside the caller's transaction. */
export async function addGrid(q: Queryable, ctx: WriteContext, input: GridInput): Promise<Grid> {
  if (typeof input.code === 'string' && (await findGrid(q, input.code))) throw conflict('code', `网格 ${input.code} 已存在`, `grid ${input.code} already exists`);
  const g = await gridChecked(q, input);
  await saveGrid(q, g, ctx.now);
  await writeAudit(q, ctx, 'grid.create', g.code, { admdvs: g.admdvs, villages: g.villages.length, worker: g.worker });
  return g;
}

export async function editGrid(pool: Pool, ctx: WriteContext, code: string, input: GridInput): Promise<GridRow> {
  return inTransaction(pool, async (q) => {
    const existing = await findGrid(q, code, true);
    if (!existing) throw notFound('code', '查无此网格', 'no such grid');
    if (input.code !== undefined && input.code !== code) throw invalid('code', '网格编码不能修改', 'a grid\'s code cannot change');
    const g = await gridChecked(q, input, existing);
    await saveGrid(q, g, ctx.now);
    await writeAudit(q, ctx, 'grid.edit', code, { villages: g.villages.length, worker: g.worker });
    return (await findGrid(q, code))!;
  });
}

// ---- import ----

export interface ImportRequest { admdvs: string; csv?: string | undefined; points?: ServicePointInput[] | undefined; grids?: GridInput[] | undefined; apply: boolean }
export interface ImportRowReport { kind: 'point' | 'grid'; row: number; code: string | null; action: 'create' | 'update' | null; errors: ErrorDetail[] }
export interface ImportReport { admdvs: string; applied: boolean; points: number; grids: number; rows: ImportRowReport[]; errors: number }

/**
 * A CSV or JSON import of points and grids under one region: every row checked as a create or
 * an edit of the stored one (its problems listed by row and field), then, when asked and only
 * if no row has a problem, all of them written in one transaction; otherwise nothing is.
 */
export async function importServiceNetwork(pool: Pool, ctx: WriteContext, req: ImportRequest): Promise<ImportReport> {
  const points = req.csv !== undefined ? parsePointCsv(req.csv) : req.points ?? [];
  const grids = req.grids ?? [];
  if (points.length + grids.length === 0) throw invalid('points', '导入内容为空', 'nothing to import');
  if (points.length + grids.length > 5000) throw invalid('points', '一次至多导入 5000 行', 'at most 5,000 rows an import');
  const prefix = placePrefix(req.admdvs);
  return inTransaction(pool, async (q) => {
    const rows: ImportRowReport[] = [];
    const checked: { kind: 'point' | 'grid'; value: ServicePoint | Grid; update: boolean }[] = [];
    const seen = new Set<string>();
    const facts = new Map<string, RegionFacts | undefined>();
    for (const [i, input] of points.entries()) {
      const code = typeof input.code === 'string' ? input.code : null;
      const existing = code ? await findServicePoint(q, code) : undefined;
      const admdvs = existing?.admdvs ?? input.admdvs;
      const report: ImportRowReport = { kind: 'point', row: i + 1, code, action: existing ? 'update' : 'create', errors: [] };
      try {
        if (typeof admdvs === 'string' && !admdvs.startsWith(prefix)) throw invalid('admdvs', `${admdvs} 不在导入地区 ${req.admdvs} 内`, `${admdvs} is not under the import's region ${req.admdvs}`);
        if (code && seen.has(code)) throw invalid('code', `编码 ${code} 在文件中重复`, `code ${code} appears twice in the file`);
        const key = `${String(admdvs)}:${existing?.code ?? ''}`;
        if (!facts.has(key)) facts.set(key, await regionFacts(q, admdvs, existing?.code));
        checked.push({ kind: 'point', value: checkServicePoint(input, facts.get(key), existing), update: !!existing });
      } catch (err) {
        if (!(err instanceof YibaoError)) throw err;
        report.errors = err.details.map((d) => ({ ...d, field: `points.${i}.${d.field}` }));
      }
      if (code) seen.add(code);
      rows.push(report);
    }
    for (const [i, input] of grids.entries()) {
      const code = typeof input.code === 'string' ? input.code : null;
      const existing = code ? await findGrid(q, code) : undefined;
      const admdvs = existing?.admdvs ?? input.admdvs;
      const report: ImportRowReport = { kind: 'grid', row: i + 1, code, action: existing ? 'update' : 'create', errors: [] };
      try {
        if (typeof admdvs === 'string' && !admdvs.startsWith(prefix)) throw invalid('admdvs', `${admdvs} 不在导入地区 ${req.admdvs} 内`, `${admdvs} is not under the import's region ${req.admdvs}`);
        if (code && seen.has(code)) throw invalid('code', `编码 ${code} 在文件中重复`, `code ${code} appears twice in the file`);
        const g = await gridChecked(q, input, existing);
        // two rows of the file must not share a village or a worker either
        for (const c of checked) {
          if (c.kind !== 'grid') continue;
          const other = c.value as Grid;
          const shared = g.villages.find((v) => other.villages.includes(v));
          if (shared) throw invalid('villages', `村（社区）${shared} 也在文件中的网格 ${other.code} 里`, `village ${shared} is also in grid ${other.code} of the file`);
          if (g.worker && g.worker === other.worker) throw invalid('worker', `网格员 ${g.worker} 在文件中负责两个网格`, `grid worker ${g.worker} has two grids in the file`);
        }
        checked.push({ kind: 'grid', value: g, update: !!existing });
      } catch (err) {
        if (!(err instanceof YibaoError)) throw err;
        report.errors = err.details.map((d) => ({ ...d, field: `grids.${i}.${d.field}` }));
      }
      if (code) seen.add(code);
      rows.push(report);
    }
    const errors = rows.reduce((n, r) => n + r.errors.length, 0);
    const report: ImportReport = { admdvs: req.admdvs, applied: false, points: points.length, grids: grids.length, rows, errors };
    if (!req.apply) return report;
    if (errors > 0) throw new YibaoError('invalid', rows.flatMap((r) => r.errors).slice(0, 200));
    for (const c of checked) {
      if (c.kind === 'point') {
        if (c.update) await updateServicePoint(q, c.value as ServicePoint, ctx.now);
        else await insertServicePoint(q, c.value as ServicePoint, ctx.now);
      } else await saveGrid(q, c.value as Grid, ctx.now);
    }
    await writeAudit(q, ctx, 'service_network.import', req.admdvs, { points: points.length, grids: grids.length });
    return { ...report, applied: true };
  });
}

// ---- coverage ----

export interface CoverageAnswer extends CoverageResult {
  admdvs: string; name: string;
  points: { code: string; name: string; kind: string; lat: number; lng: number; active: boolean; counted: boolean }[];
  grid_villages: { code: string; villages: string[]; worker: string | null; worker_name: string | null }[];
}

/**
 * The 15-minute coverage of a region's villages: by the active points under it and those just
 * beyond its edge (a point across the county line serves the villages along it).
 */
export async function regionCoverage(q: Queryable, admdvs: string): Promise<CoverageAnswer> {
  const region = (await regionWithAncestors(q, admdvs))[0];
  if (!region) throw notFound('admdvs', `地区 ${admdvs} 不在区划库中`, `region ${admdvs} is not in the region registry`);
  const villages = await villagesUnder(q, admdvs);
  const placed = villages.filter((v) => v.lat !== null && v.lng !== null);
  const margin = 0.05;
  const box = placed.length > 0 ? {
    min_lat: Math.min(...placed.map((v) => v.lat!)) - margin, max_lat: Math.max(...placed.map((v) => v.lat!)) + margin,
    min_lng: Math.min(...placed.map((v) => v.lng!)) - margin, max_lng: Math.max(...placed.map((v) => v.lng!)) + margin,
  } : undefined;
  const points = (await listServicePoints(q, {})).filter((p) => p.admdvs.startsWith(placePrefix(admdvs)) || (box && p.lat >= box.min_lat && p.lat <= box.max_lat && p.lng >= box.min_lng && p.lng <= box.max_lng));
  const grids = await listGrids(q, admdvs);
  const counties = await regionsByCodes(q, [...new Set(villages.map((v) => v.code.slice(0, 6)))]);
  const result = analyseCoverage(
    villages.map((v) => ({ code: v.code, name: v.name, lat: v.lat, lng: v.lng, population: v.population })),
    points, grids, {}, new Map(counties.map((c) => [c.code, c.name])),
  );
  const counted = new Set<string>();
  for (const p of points) if (p.active && result.method.items.every((i) => (p.items as readonly string[]).includes(i))) counted.add(p.code);
  return {
    admdvs, name: region.name, ...result,
    points: points.map((p) => ({ code: p.code, name: p.name, kind: p.kind, lat: p.lat, lng: p.lng, active: p.active, counted: counted.has(p.code) })),
    grid_villages: grids.map((g) => ({ code: g.code, villages: g.villages, worker: g.worker, worker_name: g.worker_name })),
  };
}

// ---- nearest points open now ----

export interface NearbyPoint { code: string; name: string; kind: string; level: string; address: string; lat: number; lng: number; km: number; minutes: number; open_now: boolean; windows: number; items: string[] }

/** China's wall-clock HH:MM of an instant. */
export const chinaHhmm = (at: Date): string => new Date(at.getTime() + 8 * 3600_000).toISOString().slice(11, 16);

/**
 * The nearest active points that handle an item, with the walk to each (straight line × the
 * detour factor at walking speed) and whether each is open at `at` by its hours and its region's
 * working-day calendar.
 */
export async function nearestServicePoints(q: Queryable, at: { lat: number; lng: number }, item: string | undefined, when: Date, limit = 5): Promise<{ at: string; items: NearbyPoint[] }> {
  const p = new Problems();
  if (item !== undefined && !(item in COMMON_SERVICE_ITEMS)) p.add('item', `未知的服务事项编码 ${item}`, `unknown service item code ${item}`);
  if (!Number.isInteger(limit) || limit < 1 || limit > 20) p.add('limit', 'limit 应为 1-20', 'limit must be 1-20');
  p.throwIfAny();
  const candidates = (await listServicePoints(q, { active: true, item })).map((sp) => ({ sp, km: haversineKm(at.lat, at.lng, sp.lat, sp.lng) }));
  candidates.sort((a, b) => a.km - b.km || a.sp.code.localeCompare(b.sp.code));
  const day = chinaDate(when);
  const hhmm = chinaHhmm(when);
  const out: NearbyPoint[] = [];
  const calendars = new Map<string, Awaited<ReturnType<typeof loadCalendar>>>();
  for (const { sp, km } of candidates.slice(0, limit)) {
    const pooling = (await regionWithAncestors(q, sp.admdvs)).find((r) => r.pooling_admdvs)?.pooling_admdvs ?? sp.admdvs;
    if (!calendars.has(pooling)) calendars.set(pooling, await loadCalendar(q, pooling));
    out.push({
      code: sp.code, name: sp.name, kind: sp.kind, level: sp.level, address: sp.address, lat: sp.lat, lng: sp.lng, windows: sp.windows, items: sp.items,
      km: Math.round(km * 1000) / 1000, minutes: Math.round(walkingMinutes(km) * 10) / 10, open_now: isOpenAt(sp.opening_hours, calendars.get(pooling)!, day, hhmm),
    });
  }
  return { at: when.toISOString(), items: out };
}

/** Staff may act on a point only if they cover its region (the REST hook decides this for routes that load it). */
export function requireCovers(regions: readonly string[], admdvs: string): void {
  if (!regionsCover(regions, admdvs)) throw forbidden('principal', '无权办理该地区网点的业务', 'you may not act on this region\'s service points');
}
