import { importIn } from '../app/service/network.ts';
import { COVERAGE_ITEMS, COMMON_SERVICE_ITEMS, OFFICE_HOURS, gridCode, servicePointCode, type GridInput, type OpeningHours, type ServiceItemCode, type ServicePointInput } from '../engine/service-network.ts';
import type { WriteContext } from '../store/audit.ts';
import type { Queryable } from '../store/db.ts';
import { setPlaces } from '../store/service/network.ts';
import { DEMO_CITIES, DETAIL_COUNTIES } from './places.ts';
import { Prng } from './prng.ts';

// The demo's service network (docs/service-network.md) in the detail counties: a district or
// county hall, a station in every town/street, points in about half the villages and
// communities, a bank's and a hospital's point, grids of a few villages each (谭秀英's with the
// grid worker sf.grid), and the places' positions and residents. No package ships village
// coordinates: every position here is SYNTHETIC, drawn deterministically around a county centre
// derived from the city centre of src/demo/places.ts — a plausible layout, not the real map.

const ALL_ITEMS = Object.keys(COMMON_SERVICE_ITEMS) as ServiceItemCode[];
/** What a village/community point does (Shifeng's community list is 9 items): the common ones and a few more. */
const VILLAGE_ITEMS: ServiceItemCode[] = [...COVERAGE_ITEMS, 'card', 'family_sharing', 'medical_assistance', 'cash_claim'];
const TOWN_ITEMS: ServiceItemCode[] = ALL_ITEMS.filter((i) => i !== 'transfer');
const VILLAGE_HOURS: OpeningHours = Object.fromEntries((['mon', 'tue', 'wed', 'thu', 'fri'] as const).map((d) => [d, [['08:30', '11:30'], ['14:30', '17:00']]]));
const HALL_HOURS: OpeningHours = { ...OFFICE_HOURS, mon: [['08:30', '12:00'], ['13:30', '17:30']] };
const BANK_HOURS: OpeningHours = Object.fromEntries((['mon', 'tue', 'wed', 'thu', 'fri'] as const).map((d) => [d, [['09:00', '17:00']]]));

const r6 = (x: number): number => Math.round(x * 1e6) / 1e6;
const GOLDEN = 2.399963;

interface Place { code: string; name: string; parent: string; lat: number; lng: number; population: number | null }

/** A county's centre: its city's centre offset along a golden-angle spiral by the county's place in the city (synthetic). */
export function countyCentre(county: string, indexInCity: number, cityCentre?: { lat: number; lng: number }): { lat: number; lng: number } {
  const city = DEMO_CITIES.find((c) => c.counties?.includes(county)) ?? DEMO_CITIES.find((c) => c.code.slice(0, 4) === county.slice(0, 4));
  const c = city ?? { ...cityCentre!, counties: undefined };
  const r = city?.counties ? 0 : 0.06 + 0.04 * Math.sqrt(indexInCity);
  return { lat: c.lat + r * Math.sin(indexInCity * GOLDEN), lng: c.lng + r * Math.cos(indexInCity * GOLDEN) };
}

const isCommunity = (name: string): boolean => /社区|居委会|居民委员会/.test(name);
const short = (name: string): string => name.replace(/(村民委员会|居民委员会|社区居委会|村委会|居委会)$/, (m) => (m.startsWith('村') ? '村' : '社区'));

export interface CountyLayout {
  /** Positions and residents of the villages, and of the towns and the county (their villages' centroid and sum). */
  places: { code: string; lat: number; lng: number; population: number | null }[];
  villages: Place[];
  points: ServicePointInput[];
  grids: GridInput[];
}

/**
 * One county's synthetic network, pure: towns on a spiral round the county's centre, villages in a
 * disk round their town, the hall, a bank's and a hospital's point at the villages' centroid, a
 * station per town, points in some villages, grids of 4–7 villages. The demo seeds it; the
 * benchmark lays out a whole province with it.
 */
export function layoutCounty(
  seed: string, county: { code: string; name: string }, centre: { lat: number; lng: number },
  towns: readonly { code: string; name: string }[], villageRows: readonly { code: string; name: string; parent: string }[],
  worker: string | null, gridVillage: string | null | undefined,
): CountyLayout | undefined {
  const rng = new Prng(`${seed}:network:${county.code}`);
  const villages: Place[] = [];
  const byTown = new Map<string, { code: string; name: string; parent: string }[]>();
  for (const v of villageRows) (byTown.get(v.parent) ?? byTown.set(v.parent, []).get(v.parent)!).push(v);
  for (const [j, t] of towns.entries()) {
    const r = 0.015 + 0.022 * Math.sqrt(j);
    const at = { lat: centre.lat + r * Math.sin(j * GOLDEN + 0.7), lng: centre.lng + r * Math.cos(j * GOLDEN + 0.7) };
    for (const v of byTown.get(t.code) ?? []) {
      // uniform in a disk of ~2.8 km round the town's seat: communities closer in
      const radius = (isCommunity(v.name) ? 0.012 : 0.026) * Math.sqrt(rng.next());
      const angle = rng.next() * 2 * Math.PI;
      const population = rng.chance(0.02) ? null : isCommunity(v.name) ? rng.between(2500, 8000) : rng.between(600, 3500);
      villages.push({ code: v.code, name: short(v.name), parent: t.code, lat: r6(at.lat + radius * Math.sin(angle)), lng: r6(at.lng + radius * Math.cos(angle) / Math.cos((at.lat * Math.PI) / 180)), population });
    }
  }
  if (villages.length === 0) return undefined;
  // a town's and the county's own position: the centroid of their villages, so each lies inside its region's extent
  const centroid = (list: readonly Place[]) => ({ lat: r6(list.reduce((s, v) => s + v.lat, 0) / list.length), lng: r6(list.reduce((s, v) => s + v.lng, 0) / list.length) });
  const ownOf = new Map<string, Place[]>();
  for (const v of villages) (ownOf.get(v.parent) ?? ownOf.set(v.parent, []).get(v.parent)!).push(v);
  const places: CountyLayout['places'] = [];
  for (const t of towns) {
    const own = ownOf.get(t.code) ?? [];
    if (own.length > 0) places.push({ code: t.code, ...centroid(own), population: own.reduce((s, v) => s + (v.population ?? 0), 0) });
  }
  const middle = centroid(villages);
  places.push({ code: county.code, ...middle, population: villages.reduce((s, v) => s + (v.population ?? 0), 0) });
  places.push(...villages.map((v) => ({ code: v.code, lat: v.lat, lng: v.lng, population: v.population })));

  const points: ServicePointInput[] = [];
  const grids: GridInput[] = [];
  const add = (p: ServicePointInput) => { points.push(p); };
  const jitter = () => (rng.next() - 0.5) * 0.004;
  const hallName = county.name;
  add({ code: servicePointCode(county.code, 1), name: `${hallName}医疗保障事务中心服务大厅`, level: 'county', kind: 'bureau_hall', admdvs: county.code, address: `${hallName}政务服务中心一楼`, ...middle, opening_hours: HALL_HOURS, windows: 8, items: ALL_ITEMS });
  add({ code: servicePointCode(county.code, 2), name: `${hallName}农商银行医保服务点`, level: 'county', kind: 'bank', admdvs: county.code, address: `${hallName}农商银行营业部`, lat: r6(middle.lat + jitter()), lng: r6(middle.lng + jitter()), opening_hours: BANK_HOURS, windows: 2, items: ['contribution', 'card', 'insurance_query'] });
  add({ code: servicePointCode(county.code, 3), name: `${hallName}人民医院医保服务站`, level: 'county', kind: 'hospital', admdvs: county.code, address: `${hallName}人民医院门诊楼一楼`, lat: r6(middle.lat + jitter()), lng: r6(middle.lng + jitter()), opening_hours: OFFICE_HOURS, windows: 2, items: ['filing', 'cash_claim', 'medical_assistance', 'insurance_query', 'certificate', 'recognition'] });
  const townPlace = new Map(places.map((p) => [p.code, p]));
  for (const t of towns) {
    const own = ownOf.get(t.code) ?? [];
    if (own.length === 0) continue;
    const at = townPlace.get(t.code)!;
    const name = short(t.name);
    add({ code: servicePointCode(t.code, 1), name: `${name}医保服务站`, level: 'town', kind: 'town_station', admdvs: t.code, address: `${name}便民服务中心`, lat: at.lat, lng: at.lng, opening_hours: OFFICE_HOURS, windows: 2, items: TOWN_ITEMS, active: !rng.chance(0.03) });
    for (const v of own) {
      if (!rng.chance(isCommunity(v.name) ? 0.6 : 0.4)) continue;
      add({ code: servicePointCode(v.code, 1), name: `${v.name}医保服务点`, level: 'village', kind: 'village_point', admdvs: v.code, address: `${v.name}党群服务中心`, lat: r6(v.lat + jitter() / 2), lng: r6(v.lng + jitter() / 2), opening_hours: VILLAGE_HOURS, windows: 1, items: VILLAGE_ITEMS, active: !rng.chance(0.03) });
    }
    // grids of 4-7 villages in code order; 谭秀英's gets the demo grid worker
    for (let i = 0, n = 1; i < own.length && n <= 99; n++) {
      const size = rng.between(4, 7);
      const part = own.slice(i, i + size);
      i += size;
      const mine = gridVillage ? part.some((v) => v.code === gridVillage) : false;
      grids.push({ code: gridCode(t.code, n), name: `${name}第${n}网格`, admdvs: t.code, villages: part.map((v) => v.code), worker: mine ? worker : null });
    }
  }
  return { places, villages, points, grids };
}

export interface DemoNetworkCounts { points: number; grids: number; villages: number }

/**
 * Seeds the network through the import use case (each point and grid checked as staff's would be),
 * after the regions and the staff accounts. `gridVillage`: 谭秀英's village, whose grid gets sf.grid.
 */
export async function seedDemoServiceNetwork(q: Queryable, seed: string, ctx: WriteContext, gridVillage: string | null | undefined): Promise<DemoNetworkCounts> {
  const counts = { points: 0, grids: 0, villages: 0 };
  const worker = (await q.query('SELECT 1 FROM staff_accounts WHERE username = $1', ['sf.grid'])).rowCount ? 'sf.grid' : null;
  for (const county of DETAIL_COUNTIES) {
    const rows = (await q.query<{ code: string; name: string; level: string; parent_code: string }>(
      `SELECT code, name, level, parent_code FROM regions WHERE code LIKE $1 AND level IN ('town', 'village') ORDER BY code`, [`${county}%`],
    )).rows;
    const countyRow = (await q.query<{ name: string; parent_code: string }>('SELECT name, parent_code FROM regions WHERE code = $1', [county])).rows[0];
    if (!countyRow || rows.length === 0) continue;
    const siblings = (await q.query<{ code: string }>(`SELECT code FROM regions WHERE parent_code = $1 AND level = 'county' ORDER BY code`, [countyRow.parent_code])).rows.map((r) => r.code);
    const layout = layoutCounty(
      seed, { code: county, name: countyRow.name }, countyCentre(county, Math.max(0, siblings.indexOf(county))),
      rows.filter((r) => r.level === 'town'), rows.filter((r) => r.level === 'village').map((r) => ({ code: r.code, name: r.name, parent: r.parent_code })),
      worker, gridVillage,
    );
    if (!layout) continue;
    await setPlaces(q, layout.places);
    // one import per county, as its staff would load it: every row checked, all or nothing
    await importIn(q, ctx, { admdvs: county, points: layout.points, grids: layout.grids, apply: true });
    counts.villages += layout.villages.length;
    counts.points += layout.points.length;
    counts.grids += layout.grids.length;
  }
  return counts;
}
