import { COVERAGE_ITEMS, type ServiceItemCode } from './service-network.ts';

// The 15-minute service circle (15分钟医保服务圈): for every village and grid, the share of its
// people within a 15-minute walk of an active service point that handles the common items.
// No road network ships with yibao, so a walk is the great-circle (haversine) distance times a
// detour factor at a walking speed (docs/service-network.md). Pure: villages, points and grids
// are handed in; a spatial grid index of cells one reach wide keeps it far from all-pairs.

export const EARTH_RADIUS_KM = 6371.0088;
/** Walking distance over straight-line distance on village roads (a planner's rule of thumb). */
export const DETOUR_FACTOR = 1.3;
/** km/h: an unhurried adult's walk, slower than the 5 km/h often quoted, for elderly residents. */
export const WALKING_SPEED_KMH = 4.8;
export const REACH_MINUTES = 15;

export interface CoverageOptions { reach_minutes: number; speed_kmh: number; detour: number; items: readonly ServiceItemCode[] }
export const COVERAGE_DEFAULTS: CoverageOptions = { reach_minutes: REACH_MINUTES, speed_kmh: WALKING_SPEED_KMH, detour: DETOUR_FACTOR, items: COVERAGE_ITEMS };

/** The straight-line distance that one reach allows: 15 min × 4.8 km/h ÷ 1.3 ≈ 0.923 km. */
export const reachKm = (o: CoverageOptions): number => ((o.reach_minutes / 60) * o.speed_kmh) / o.detour;
export const walkingMinutes = (km: number, o: CoverageOptions = COVERAGE_DEFAULTS): number => ((km * o.detour) / o.speed_kmh) * 60;

const RAD = Math.PI / 180;
export function haversineKm(lat1: number, lng1: number, lat2: number, lng2: number): number {
  const dLat = (lat2 - lat1) * RAD;
  const dLng = (lng2 - lng1) * RAD;
  const a = Math.sin(dLat / 2) ** 2 + Math.cos(lat1 * RAD) * Math.cos(lat2 * RAD) * Math.sin(dLng / 2) ** 2;
  return 2 * EARTH_RADIUS_KM * Math.asin(Math.min(1, Math.sqrt(a)));
}

export interface CoverageVillage { code: string; name: string; lat: number | null; lng: number | null; population: number | null }
export interface CoveragePoint { code: string; name: string; lat: number; lng: number; active: boolean; items: readonly string[] }
export interface CoverageGrid { code: string; name: string; villages: readonly string[] }

/**
 * A spatial index of positions in square-ish cells of `cellKm` (a cell's longitude width is taken
 * at the set's highest latitude, so every cell is at least `cellKm` wide in km): the neighbours
 * of a position within `cellKm` are in its own cell and the eight around it.
 */
const FAR_RINGS = 40;

export class CellIndex {
  private readonly cells = new Map<number, number[]>();
  private readonly latStep: number;
  private readonly lngStep: number;
  private readonly lat0: number;
  private readonly lng0: number;
  private readonly span: number;
  readonly maxRing: number;

  constructor(private readonly lats: Float64Array, private readonly lngs: Float64Array, readonly cellKm: number) {
    let maxAbsLat = 0, minLat = Infinity, minLng = Infinity, maxLat = -Infinity, maxLng = -Infinity;
    for (let i = 0; i < lats.length; i++) {
      maxAbsLat = Math.max(maxAbsLat, Math.abs(lats[i]!));
      minLat = Math.min(minLat, lats[i]!); maxLat = Math.max(maxLat, lats[i]!);
      minLng = Math.min(minLng, lngs[i]!); maxLng = Math.max(maxLng, lngs[i]!);
    }
    this.latStep = cellKm / (EARTH_RADIUS_KM * RAD);
    this.lngStep = this.latStep / Math.max(0.01, Math.cos(Math.min(89, maxAbsLat + 1) * RAD));
    this.lat0 = Number.isFinite(minLat) ? minLat : 0;
    this.lng0 = Number.isFinite(minLng) ? minLng : 0;
    this.span = 1 << 20; // cells per row in the key: far more than any country needs
    this.maxRing = Number.isFinite(minLat) ? Math.ceil(Math.max((maxLat - minLat) / this.latStep, (maxLng - minLng) / this.lngStep)) + 2 : 0;
    for (let i = 0; i < lats.length; i++) {
      const k = this.key(this.row(lats[i]!), this.col(lngs[i]!));
      const list = this.cells.get(k);
      if (list) list.push(i);
      else this.cells.set(k, [i]);
    }
  }

  private row(lat: number): number { return Math.floor((lat - this.lat0) / this.latStep) + 1000; }
  private col(lng: number): number { return Math.floor((lng - this.lng0) / this.lngStep) + 1000; }
  private key(r: number, c: number): number { return r * this.span + c; }

  /** Calls `visit` for every indexed position in the cells of Chebyshev ring `ring` around (lat, lng). */
  private ring(lat: number, lng: number, ring: number, visit: (i: number) => void): void {
    const r0 = this.row(lat), c0 = this.col(lng);
    for (let dr = -ring; dr <= ring; dr++) {
      const edge = dr === -ring || dr === ring;
      for (let dc = -ring; dc <= ring; dc += edge ? 1 : 2 * ring) {
        const list = this.cells.get(this.key(r0 + dr, c0 + dc));
        if (list) for (const i of list) visit(i);
        if (ring === 0) break;
      }
    }
  }

  /** Positions within `km` (≤ cellKm) of (lat, lng), with their distances. */
  within(lat: number, lng: number, km: number, visit: (i: number, d: number) => void): void {
    for (let ring = 0; ring <= 1; ring++) {
      this.ring(lat, lng, ring, (i) => {
        const d = haversineKm(lat, lng, this.lats[i]!, this.lngs[i]!);
        if (d <= km) visit(i, d);
      });
    }
  }

  /** The nearest indexed position, searching outward ring by ring until no closer one can exist. */
  nearest(lat: number, lng: number): { i: number; km: number } | undefined {
    let best: { i: number; km: number } | undefined;
    for (let ring = 0; ring <= this.maxRing + this.distanceInCells(lat, lng); ring++) {
      // every position in ring r is at least (r - 1) cells away
      if (best && (ring - 1) * this.cellKm > best.km) break;
      // far from everything: past a few dozen empty rings one pass over all positions is cheaper
      if (!best && ring > FAR_RINGS) return this.scan(lat, lng);
      this.ring(lat, lng, ring, (i) => {
        const d = haversineKm(lat, lng, this.lats[i]!, this.lngs[i]!);
        if (!best || d < best.km || (d === best.km && i < best.i)) best = { i, km: d };
      });
    }
    return best;
  }

  private scan(lat: number, lng: number): { i: number; km: number } | undefined {
    let best: { i: number; km: number } | undefined;
    for (let i = 0; i < this.lats.length; i++) {
      const d = haversineKm(lat, lng, this.lats[i]!, this.lngs[i]!);
      if (!best || d < best.km) best = { i, km: d };
    }
    return best;
  }

  /** How many cells (lat, lng) lies outside the indexed box: the rings needed to reach it. */
  private distanceInCells(lat: number, lng: number): number {
    const r = Math.abs(this.row(lat) - 1000), c = Math.abs(this.col(lng) - 1000);
    return Math.max(r, c);
  }
}

export interface VillageCoverage {
  code: string; name: string; population: number | null; lat: number | null; lng: number | null;
  covered: boolean;
  /** The nearest point that handles the common items, and the walk to it; null when none (or no position). */
  nearest: { code: string; name: string; km: number; minutes: number } | null;
}
export interface ShareOf { code: string; name: string; population: number; covered_population: number; share: number | null; villages: number; covered_villages: number; unknown_positions: number }
export interface CoverageResult {
  method: { reach_minutes: number; speed_kmh: number; detour: number; reach_km: number; items: string[] };
  villages: VillageCoverage[];
  grids: ShareOf[];
  counties: ShareOf[];
  total: ShareOf;
  /** Uncovered villages with known positions, most people first. */
  gaps: VillageCoverage[];
  /** The candidate site (a village's position) whose new point would cover the most uncovered people. */
  proposal: { village: string; name: string; lat: number; lng: number; covers_population: number; covers_villages: string[] } | null;
  points_counted: number;
}

const round = (x: number, d: number) => Math.round(x * 10 ** d) / 10 ** d;

/** Whether a point counts for the circle: active, and handling every one of the common items. */
export function countsForCoverage(p: CoveragePoint, items: readonly string[]): boolean {
  return p.active && items.every((i) => p.items.includes(i));
}

/**
 * The 15-minute coverage of these villages by these points. Shares are of the known population
 * (a village without a population counts its villages but no people); a village without a
 * position is not covered and counted as unknown. Counties are the first six digits of the codes.
 */
export function analyseCoverage(
  villages: readonly CoverageVillage[], points: readonly CoveragePoint[], grids: readonly CoverageGrid[],
  options: Partial<CoverageOptions> = {}, countyNames: ReadonlyMap<string, string> = new Map(),
): CoverageResult {
  const o: CoverageOptions = { ...COVERAGE_DEFAULTS, ...options };
  const reach = reachKm(o);
  const counted = points.filter((p) => countsForCoverage(p, o.items));
  const pointIndex = new CellIndex(Float64Array.from(counted, (p) => p.lat), Float64Array.from(counted, (p) => p.lng), reach);

  const out: VillageCoverage[] = villages.map((v) => {
    const base = { code: v.code, name: v.name, population: v.population, lat: v.lat, lng: v.lng };
    if (v.lat === null || v.lng === null) return { ...base, covered: false, nearest: null };
    const n = counted.length > 0 ? pointIndex.nearest(v.lat, v.lng) : undefined;
    if (!n) return { ...base, covered: false, nearest: null };
    const minutes = walkingMinutes(n.km, o);
    const p = counted[n.i]!;
    return { ...base, covered: minutes <= o.reach_minutes + 1e-9, nearest: { code: p.code, name: p.name, km: round(n.km, 3), minutes: round(minutes, 1) } };
  });
  const byCode = new Map(out.map((v) => [v.code, v]));

  const share = (code: string, name: string, list: readonly VillageCoverage[]): ShareOf => {
    let population = 0, coveredPop = 0, coveredVillages = 0, unknown = 0;
    for (const v of list) {
      population += v.population ?? 0;
      if (v.covered) { coveredPop += v.population ?? 0; coveredVillages++; }
      if (v.lat === null) unknown++;
    }
    return { code, name, population, covered_population: coveredPop, share: population > 0 ? round(coveredPop / population, 4) : null, villages: list.length, covered_villages: coveredVillages, unknown_positions: unknown };
  };
  const gridShares = grids.map((g) => share(g.code, g.name, g.villages.map((c) => byCode.get(c)).filter((v): v is VillageCoverage => v !== undefined)));
  const byCounty = new Map<string, VillageCoverage[]>();
  for (const v of out) {
    const c = v.code.slice(0, 6);
    const list = byCounty.get(c);
    if (list) list.push(v); else byCounty.set(c, [v]);
  }
  const counties = [...byCounty.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([c, list]) => share(c, countyNames.get(c) ?? c, list));
  const gaps = out.filter((v) => !v.covered && v.lat !== null).sort((a, b) => (b.population ?? 0) - (a.population ?? 0) || a.code.localeCompare(b.code));

  return {
    method: { reach_minutes: o.reach_minutes, speed_kmh: o.speed_kmh, detour: o.detour, reach_km: round(reach, 3), items: [...o.items] },
    villages: out, grids: gridShares, counties, total: share('total', '合计 / total', out), gaps,
    proposal: bestNewPoint(gaps, reach), points_counted: counted.length,
  };
}

/**
 * Greedy: among the candidate sites (the uncovered villages' own positions; a site at a covered
 * village covers no more uncovered people than one of its uncovered neighbours' would, within
 * the approximation), the one whose reach holds the most uncovered people. Ties: the lower code.
 */
export function bestNewPoint(uncovered: readonly VillageCoverage[], reach: number): CoverageResult['proposal'] {
  const sites = uncovered.filter((v) => v.lat !== null && v.lng !== null);
  if (sites.length === 0) return null;
  const index = new CellIndex(Float64Array.from(sites, (v) => v.lat!), Float64Array.from(sites, (v) => v.lng!), reach);
  let best: { i: number; pop: number; within: number[] } | undefined;
  for (let i = 0; i < sites.length; i++) {
    let pop = 0;
    const within: number[] = [];
    index.within(sites[i]!.lat!, sites[i]!.lng!, reach, (j) => { pop += sites[j]!.population ?? 0; within.push(j); });
    if (!best || pop > best.pop || (pop === best.pop && sites[i]!.code < sites[best.i]!.code)) best = { i, pop, within };
  }
  const s = sites[best!.i]!;
  return { village: s.code, name: s.name, lat: s.lat!, lng: s.lng!, covers_population: best!.pop, covers_villages: best!.within.map((j) => sites[j]!.code).sort() };
}

/** The reference the benchmark compares with: every village against every counted point, no index. */
export function nearestAllPairs(villages: readonly CoverageVillage[], points: readonly CoveragePoint[], items: readonly string[] = COVERAGE_ITEMS): (number | null)[] {
  const counted = points.filter((p) => countsForCoverage(p, items));
  return villages.map((v) => {
    if (v.lat === null || v.lng === null) return null;
    let best = Infinity;
    for (const p of counted) best = Math.min(best, haversineKm(v.lat, v.lng, p.lat, p.lng));
    return Number.isFinite(best) ? best : null;
  });
}
