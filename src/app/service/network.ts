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
  findGrid, findGrids, findServicePoint, findServicePoints, gridsHolding, insertServicePoints, listGrids, listServicePoints, placePrefix, placesUnder, regionsByCodes,
  regionWithAncestors, saveGrids, staffRoles, updateServicePoint, villagesUnder, type GridRow, type ServicePointRow,
} from '../../store/service/network.ts';

// Service points and grids (docs/service-network.md): staff create, edit and import them with
// every problem named by its field; the coverage of a region; the nearest points open now. The
// rules are src/engine/service-network.ts and coverage.ts, the statements src/store/service/.

const REGION_CODE = /^[0-9]{6}([0-9]{3}([0-9]{3})?)?$/;

/** A region's code and its ancestors' codes, nearest first: 430204001001 → itself, 430204001, 430204, 430200, 430000. */
function lineage(code: string): string[] {
  const out = [code];
  if (code.length === 12) out.push(code.slice(0, 9));
  if (code.length > 6) out.push(code.slice(0, 6));
  out.push(`${code.slice(0, 4)}00`, `${code.slice(0, 2)}0000`);
  return [...new Set(out)];
}

/**
 * The facts the checks need about each region named (by code): level, name, and its extent —
 * the box of its known places (villages and points under it, less the points `except` names,
 * which are being written), else a radius round its own or nearest ancestor's centre. `scope`
 * is a region all of them lie under (the import's), so the places are read once.
 */
export async function regionFactsMany(q: Queryable, scope: string, codes: readonly unknown[], except: ReadonlySet<string> = new Set()): Promise<Map<string, RegionFacts>> {
  const wanted = [...new Set(codes.filter((c): c is string => typeof c === 'string' && REGION_CODE.test(c)))];
  const regions = new Map((await regionsByCodes(q, [...new Set(wanted.flatMap(lineage))])).map((r) => [r.code, r]));
  const places = (await placesUnder(q, placePrefix(scope))).filter((p) => p.point === null || !except.has(p.point));
  const out = new Map<string, RegionFacts>();
  for (const code of wanted) {
    const region = regions.get(code);
    if (!region) continue;
    const prefix = placePrefix(code);
    // the places are sorted by code: those under a prefix are one run, found by bisection
    let lo = 0, hi = places.length;
    while (lo < hi) { const mid = (lo + hi) >> 1; if (places[mid]!.code < prefix) lo = mid + 1; else hi = mid; }
    const mine: { lat: number; lng: number }[] = [];
    for (let i = lo; i < places.length && places[i]!.code.startsWith(prefix); i++) mine.push(places[i]!);
    const centre = lineage(code).map((c) => regions.get(c)).find((r) => r && r.lat !== null && r.lng !== null);
    out.set(code, { code, name: region.name, level: region.level as ServicePointLevel, extent: regionExtent(mine, centre ? { lat: centre.lat!, lng: centre.lng! } : undefined, region.level as ServicePointLevel) });
  }
  return out;
}

export async function regionFacts(q: Queryable, admdvs: unknown, exceptPoint?: string): Promise<RegionFacts | undefined> {
  if (typeof admdvs !== 'string') return undefined;
  return (await regionFactsMany(q, admdvs, [admdvs], new Set(exceptPoint ? [exceptPoint] : []))).get(admdvs);
}

type Checked<T> = { ok: true; value: T; update: boolean } | { ok: false; errors: ErrorDetail[] };
const problem = (err: unknown): ErrorDetail[] => {
  if (err instanceof YibaoError) return [...err.details];
  throw err;
};

/**
 * Points checked as a batch (one row or an import's): each a create, or an edit of the stored
 * point of its code when `edits` allows; each row's problems, or its point. Rows must lie under `scope`.
 */
async function checkPoints(q: Queryable, scope: string, inputs: readonly ServicePointInput[], mode: 'create' | 'edit' | 'either'): Promise<Checked<ServicePoint>[]> {
  const codes = inputs.map((i) => i.code).filter((c): c is string => typeof c === 'string');
  const stored = await findServicePoints(q, codes);
  const facts = await regionFactsMany(q, scope, inputs.map((i) => stored.get(String(i.code))?.admdvs ?? i.admdvs), new Set(codes));
  const prefix = placePrefix(scope);
  const seen = new Set<string>();
  return inputs.map((input) => {
    try {
      const code = typeof input.code === 'string' ? input.code : undefined;
      const existing = code ? stored.get(code) : undefined;
      if (mode === 'create' && existing) throw conflict('code', `网点 ${code} 已存在`, `service point ${code} already exists`);
      if (mode === 'edit' && !existing) throw notFound('code', '查无此网点', 'no such service point');
      const admdvs = existing?.admdvs ?? input.admdvs;
      if (typeof admdvs === 'string' && !admdvs.startsWith(prefix)) throw invalid('admdvs', `${admdvs} 不在地区 ${scope} 内`, `${admdvs} is not under the region ${scope}`);
      if (code && seen.has(code)) throw invalid('code', `编码 ${code} 重复`, `code ${code} appears twice`);
      if (code) seen.add(code);
      return { ok: true as const, value: checkServicePoint(input, facts.get(String(admdvs)), existing), update: !!existing };
    } catch (err) {
      return { ok: false as const, errors: problem(err) };
    }
  });
}

async function writePoints(q: Queryable, ctx: WriteContext, rows: readonly { value: ServicePoint; update: boolean }[]): Promise<void> {
  await insertServicePoints(q, rows.filter((r) => !r.update).map((r) => r.value), ctx.now);
  for (const r of rows) if (r.update) await updateServicePoint(q, r.value, ctx.now);
}

function only<T>(c: Checked<T>): { value: T; update: boolean } {
  if (!c.ok) {
    const kind = c.errors.length === 1 && /已存在|already exists/.test(c.errors[0]!.en) ? 'conflict' : c.errors.length === 1 && /no such/.test(c.errors[0]!.en) ? 'not_found' : 'invalid';
    throw new YibaoError(kind, c.errors);
  }
  return c;
}

export async function createServicePoint(pool: Pool, ctx: WriteContext, input: ServicePointInput): Promise<ServicePointRow> {
  return inTransaction(pool, async (q) => {
    const admdvs = typeof input.admdvs === 'string' && REGION_CODE.test(input.admdvs) ? input.admdvs : '000000';
    const row = only((await checkPoints(q, admdvs, [input], 'create'))[0]!);
    await writePoints(q, ctx, [row]);
    await writeAudit(q, ctx, 'service_point.create', row.value.code, { admdvs: row.value.admdvs, name: row.value.name });
    return (await findServicePoint(q, row.value.code))!;
  });
}

export async function editServicePoint(pool: Pool, ctx: WriteContext, code: string, input: ServicePointInput): Promise<ServicePointRow> {
  return inTransaction(pool, async (q) => {
    const existing = await findServicePoint(q, code, true);
    if (!existing) throw notFound('code', '查无此网点', 'no such service point');
    if (input.code !== undefined && input.code !== code) throw invalid('code', '网点编码不能修改', 'a point\'s code cannot change');
    const row = only((await checkPoints(q, existing.admdvs, [{ ...input, code }], 'edit'))[0]!);
    await writePoints(q, ctx, [row]);
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

/** Grids checked as a batch: their region a town or village, their villages its own and in no other grid (nor twice in the batch), one grid per worker. */
async function checkGrids(q: Queryable, scope: string, inputs: readonly GridInput[], mode: 'create' | 'edit' | 'either'): Promise<Checked<Grid>[]> {
  const codes = inputs.map((i) => i.code).filter((c): c is string => typeof c === 'string');
  const stored = await findGrids(q, codes);
  // an edit keeps what it does not name: the stored grid's villages and worker are checked too
  const villagesOf = (i: GridInput) => (Array.isArray(i.villages) ? i.villages : stored.get(String(i.code))?.villages ?? []);
  const villageCodes = [...new Set(inputs.flatMap((i) => villagesOf(i).filter((v): v is string => typeof v === 'string')))];
  const workers = [...new Set(inputs.map((i) => (i.worker === undefined ? stored.get(String(i.code))?.worker : i.worker)).filter((w): w is string => typeof w === 'string' && w !== ''))];
  const villages = new Map((await regionsByCodes(q, villageCodes)).map((r) => [r.code, r]));
  const held = await gridsHolding(q, villageCodes, workers);
  const accounts = await staffRoles(q, workers);
  const facts = await regionFactsMany(q, scope, inputs.map((i) => stored.get(String(i.code))?.admdvs ?? i.admdvs));
  const prefix = placePrefix(scope);
  const seen = new Set<string>();
  const batch = new Set(codes);
  const inBatch = { villages: new Map<string, string>(), workers: new Map<string, string>() };
  return inputs.map((input) => {
    try {
      const code = typeof input.code === 'string' ? input.code : undefined;
      const existing = code ? stored.get(code) : undefined;
      if (mode === 'create' && existing) throw conflict('code', `网格 ${code} 已存在`, `grid ${code} already exists`);
      if (mode === 'edit' && !existing) throw notFound('code', '查无此网格', 'no such grid');
      const admdvs = existing?.admdvs ?? input.admdvs;
      if (typeof admdvs === 'string' && !admdvs.startsWith(prefix)) throw invalid('admdvs', `${admdvs} 不在地区 ${scope} 内`, `${admdvs} is not under the region ${scope}`);
      if (code && seen.has(code)) throw invalid('code', `编码 ${code} 重复`, `code ${code} appears twice`);
      if (code) seen.add(code);
      // a village or worker held by a grid the batch rewrites is free unless the batch gives it again
      const heldBy = (m: Map<string, string>, k: string, b: Map<string, string>) => b.get(k) ?? (m.has(k) && !batch.has(m.get(k)!) ? m.get(k) : undefined);
      const g = checkGrid(
        input, facts.get(String(admdvs)),
        (v) => {
          const r = villages.get(v);
          if (!r || r.level !== 'village') return `${v} 不是区划库中的村（社区）`;
          if (typeof admdvs === 'string' && !v.startsWith(placePrefix(admdvs))) return `${r.name}不在本网格所属地区内`;
          const other = heldBy(held.villages, v, inBatch.villages);
          return other && other !== code ? `${r.name}已属网格 ${other}` : undefined;
        },
        (username) => {
          const a = accounts.get(username);
          if (!a || a.disabled) return { zh: `账号 ${username} 不存在或已停用`, en: `no active account ${username}` };
          if (a.role !== 'grid_worker') return { zh: `账号 ${username} 不是网格员`, en: `${username} is not a grid worker` };
          if (typeof admdvs === 'string' && !regionsCover(a.regions, admdvs)) return { zh: `网格员 ${username} 不负责该地区`, en: `grid worker ${username} does not cover this region` };
          const other = heldBy(held.workers, username, inBatch.workers);
          return other && other !== code ? { zh: `网格员 ${username} 已负责网格 ${other}（一人一网格）`, en: `${username} already works grid ${other} (one grid each)` } : undefined;
        },
        existing,
      );
      for (const v of g.villages) inBatch.villages.set(v, g.code);
      if (g.worker) inBatch.workers.set(g.worker, g.code);
      return { ok: true as const, value: g, update: !!existing };
    } catch (err) {
      return { ok: false as const, errors: problem(err) };
    }
  });
}

export async function createGrid(pool: Pool, ctx: WriteContext, input: GridInput): Promise<GridRow> {
  return inTransaction(pool, async (q) => {
    const admdvs = typeof input.admdvs === 'string' && REGION_CODE.test(input.admdvs) ? input.admdvs : '000000';
    const g = only((await checkGrids(q, admdvs, [input], 'create'))[0]!).value;
    await saveGrids(q, [g], ctx.now);
    await writeAudit(q, ctx, 'grid.create', g.code, { admdvs: g.admdvs, villages: g.villages.length, worker: g.worker });
    return (await findGrid(q, g.code))!;
  });
}

export async function editGrid(pool: Pool, ctx: WriteContext, code: string, input: GridInput): Promise<GridRow> {
  return inTransaction(pool, async (q) => {
    const existing = await findGrid(q, code, true);
    if (!existing) throw notFound('code', '查无此网格', 'no such grid');
    if (input.code !== undefined && input.code !== code) throw invalid('code', '网格编码不能修改', 'a grid\'s code cannot change');
    const g = only((await checkGrids(q, existing.admdvs, [{ ...input, code }], 'edit'))[0]!).value;
    await saveGrids(q, [g], ctx.now);
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
  return inTransaction(pool, (q) => importIn(q, ctx, { ...req, points, grids }));
}

/** The import inside the caller's transaction (the demo's seed uses it as staff would). */
export async function importIn(q: Queryable, ctx: WriteContext, req: ImportRequest & { points: ServicePointInput[]; grids: GridInput[] }): Promise<ImportReport> {
  const p = await checkPoints(q, req.admdvs, req.points, 'either');
  const g = await checkGrids(q, req.admdvs, req.grids, 'either');
  const rows: ImportRowReport[] = [
    ...p.map((c, i): ImportRowReport => ({
      kind: 'point', row: i + 1, code: typeof req.points[i]!.code === 'string' ? req.points[i]!.code as string : null,
      action: c.ok ? (c.update ? 'update' : 'create') : null, errors: c.ok ? [] : c.errors.map((d) => ({ ...d, field: `points.${i}.${d.field}` })),
    })),
    ...g.map((c, i): ImportRowReport => ({
      kind: 'grid', row: i + 1, code: typeof req.grids[i]!.code === 'string' ? req.grids[i]!.code as string : null,
      action: c.ok ? (c.update ? 'update' : 'create') : null, errors: c.ok ? [] : c.errors.map((d) => ({ ...d, field: `grids.${i}.${d.field}` })),
    })),
  ];
  const errors = rows.reduce((n, r) => n + r.errors.length, 0);
  const report: ImportReport = { admdvs: req.admdvs, applied: false, points: req.points.length, grids: req.grids.length, rows, errors };
  if (!req.apply) return report;
  if (errors > 0) throw new YibaoError('invalid', rows.flatMap((r) => r.errors).slice(0, 200));
  await writePoints(q, ctx, p.map((c) => only(c)));
  await saveGrids(q, g.map((c) => only(c).value), ctx.now);
  await writeAudit(q, ctx, 'service_network.import', req.admdvs, { points: req.points.length, grids: req.grids.length });
  return { ...report, applied: true };
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
