import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { analyseCoverage, CellIndex, haversineKm, nearestAllPairs, reachKm, walkingMinutes, COVERAGE_DEFAULTS, type CoveragePoint, type CoverageVillage } from './coverage.ts';
import { COVERAGE_ITEMS } from './service-network.ts';

const ALL = [...COVERAGE_ITEMS];
const point = (code: string, lat: number, lng: number, extra: Partial<CoveragePoint> = {}): CoveragePoint => ({ code, name: code, lat, lng, active: true, items: ALL, ...extra });
const village = (code: string, lat: number | null, lng: number | null, population: number | null): CoverageVillage => ({ code, name: code, lat, lng, population });

test('distances and minutes by hand: one thousandth of a degree of latitude is 111.2 m', () => {
  // 2πR/360 with R = 6371.0088 km: 111.19508 km a degree
  assert.ok(Math.abs(haversineKm(27.8, 113.1, 27.801, 113.1) - 0.1111951) < 1e-6);
  // 0.009° of latitude = 1.000756 km; × 1.3 ÷ 4.8 km/h = 16.26 minutes: outside the circle
  assert.ok(Math.abs(walkingMinutes(haversineKm(27.8, 113.1, 27.809, 113.1)) - 16.262) < 0.01);
  // the reach: 15 min × 4.8 km/h ÷ 1.3 = 0.92308 km straight-line
  assert.ok(Math.abs(reachKm(COVERAGE_DEFAULTS) - 0.923077) < 1e-6);
  // along a parallel the distance shrinks by cos(lat): 0.01° of longitude at 60° N ≈ 0.556 km
  assert.ok(Math.abs(haversineKm(60, 10, 60, 10.01) - 0.5559) < 0.0005);
});

test('golden: a village 0.8 km from a point is covered, one 1.0 km away is not; shares by population', () => {
  const villages = [
    village('430204001001', 27.8072, 113.1, 1000), // 0.8006 km north of the point: 13.0 min
    village('430204001002', 27.809, 113.1, 500), //   1.0008 km: 16.3 min
    village('430204002001', null, null, 300), //     no position: not covered, unknown
    village('430204002002', 27.9, 113.1, null), //   no population: counted as a village, no people
  ];
  const r = analyseCoverage(villages, [point('SP1', 27.8, 113.1)], [{ code: 'WG1', name: 'g', villages: ['430204001001', '430204001002'] }]);
  const [a, b, c, d] = r.villages;
  assert.equal(a!.covered, true);
  assert.equal(a!.nearest!.minutes, 13);
  assert.equal(b!.covered, false);
  assert.equal(b!.nearest!.minutes, 16.3);
  assert.equal(c!.covered, false);
  assert.equal(c!.nearest, null);
  assert.equal(d!.covered, false);
  assert.deepEqual({ pop: r.grids[0]!.population, cov: r.grids[0]!.covered_population, share: r.grids[0]!.share }, { pop: 1500, cov: 1000, share: 0.6667 });
  assert.equal(r.counties[0]!.code, '430204');
  assert.equal(r.counties[0]!.population, 1800);
  assert.equal(r.counties[0]!.unknown_positions, 1);
  // gaps: uncovered villages with a position, most people first
  assert.deepEqual(r.gaps.map((g) => g.code), ['430204001002', '430204002002']);
  assert.equal(r.proposal!.village, '430204001002');
  assert.equal(r.proposal!.covers_population, 500);
});

test('only active points that handle every common item count', () => {
  const v = [village('430204001001', 27.8, 113.1, 10)];
  const closed = analyseCoverage(v, [point('SP1', 27.8, 113.1, { active: false }), point('SP2', 27.8, 113.1, { items: ['enrollment'] })], []);
  assert.equal(closed.villages[0]!.covered, false);
  assert.equal(closed.points_counted, 0);
  const open = analyseCoverage(v, [point('SP3', 27.801, 113.1)], []);
  assert.equal(open.villages[0]!.covered, true);
  assert.equal(open.villages[0]!.nearest!.code, 'SP3');
});

test('the greedy proposal covers the most uncovered people, not the biggest village', () => {
  // three villages 0.67 km apart (200 people each) against one of 500 far away
  const v = [
    village('430204001001', 28.0, 113.0, 200), village('430204001002', 28.006, 113.0, 200), village('430204001003', 28.012, 113.0, 200),
    village('430204001004', 28.5, 113.5, 500),
  ];
  const r = analyseCoverage(v, [point('SP1', 20, 110)], []);
  assert.equal(r.gaps[0]!.code, '430204001004', 'the gaps are listed by people');
  assert.equal(r.proposal!.village, '430204001002', 'the middle one reaches all three');
  assert.equal(r.proposal!.covers_population, 600);
  assert.deepEqual(r.proposal!.covers_villages, ['430204001001', '430204001002', '430204001003']);
});

test('property: the index finds the same nearest distance as all pairs, and within() the same set', () => {
  const pos = fc.record({ lat: fc.double({ min: 27.5, max: 28.5, noNaN: true }), lng: fc.double({ min: 112.5, max: 113.5, noNaN: true }) });
  fc.assert(fc.property(fc.array(pos, { minLength: 1, maxLength: 40 }), fc.array(pos, { minLength: 1, maxLength: 40 }), fc.double({ min: 0.2, max: 5, noNaN: true }), (vs, ps, cell) => {
    const villages = vs.map((p, i) => village(`v${i}`, p.lat, p.lng, 1));
    const points = ps.map((p, i) => point(`p${i}`, p.lat, p.lng));
    const naive = nearestAllPairs(villages, points);
    const index = new CellIndex(Float64Array.from(points, (p) => p.lat), Float64Array.from(points, (p) => p.lng), cell);
    for (const [i, v] of villages.entries()) {
      const n = index.nearest(v.lat!, v.lng!)!;
      assert.ok(Math.abs(n.km - naive[i]!) < 1e-9, `village ${i}: ${n.km} vs ${naive[i]}`);
      const within = new Set<number>();
      index.within(v.lat!, v.lng!, cell, (j) => within.add(j));
      const expected = points.map((p, j) => [j, haversineKm(v.lat!, v.lng!, p.lat, p.lng)] as const).filter(([, d]) => d <= cell).map(([j]) => j);
      assert.deepEqual([...within].sort((a, b) => a - b), expected);
    }
  }), { numRuns: 150 });
});

test('property: a village is covered exactly when its all-pairs nearest walk is within 15 minutes', () => {
  const pos = fc.record({ lat: fc.double({ min: 27.9, max: 28.0, noNaN: true }), lng: fc.double({ min: 113.0, max: 113.1, noNaN: true }) });
  fc.assert(fc.property(fc.array(pos, { minLength: 1, maxLength: 60 }), fc.array(pos, { maxLength: 8 }), (vs, ps) => {
    const villages = vs.map((p, i) => village(`43020400100${i}`, p.lat, p.lng, 10));
    const points = ps.map((p, i) => point(`p${i}`, p.lat, p.lng));
    const r = analyseCoverage(villages, points, []);
    const naive = nearestAllPairs(villages, points);
    for (const [i, v] of r.villages.entries()) assert.equal(v.covered, naive[i] !== null && walkingMinutes(naive[i]!) <= 15 + 1e-9);
    assert.equal(r.total.covered_population, r.villages.filter((v) => v.covered).length * 10);
  }), { numRuns: 150 });
});

test('fast: 30,000 villages and 2,000 points of a province in well under a second', () => {
  let seed = 7;
  const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  const villages = Array.from({ length: 30_000 }, (_, i) => village(`43${String(i).padStart(10, '0')}`, 25 + rnd() * 5, 109 + rnd() * 5, 1000));
  const points = Array.from({ length: 2_000 }, (_, i) => point(`p${i}`, 25 + rnd() * 5, 109 + rnd() * 5));
  const t = performance.now();
  const r = analyseCoverage(villages, points, []);
  const s = (performance.now() - t) / 1000;
  assert.equal(r.villages.length, 30_000);
  assert.ok(s < 3, `${s} s`);
});
