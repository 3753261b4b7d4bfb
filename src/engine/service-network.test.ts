import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildCalendar } from './calendar.ts';
import { YibaoError } from './errors.ts';
import { checkGrid, checkServicePoint, isOpenAt, OFFICE_HOURS, regionExtent, servicePointCode, slotsOn, ticketNo, type RegionFacts } from './service-network.ts';

const cal = buildCalendar([[{ day: '2026-10-01', kind: 'holiday', name: '国庆节' }, { day: '2026-10-10', kind: 'workday', name: '国庆节调休上班' }]]);
const fields = (f: () => unknown): string[] => {
  try {
    f();
  } catch (err) {
    assert.ok(err instanceof YibaoError);
    return err.details.map((d) => d.field);
  }
  assert.fail('no error');
};

test('open by the hours on a working day; closed on a holiday; a make-up Saturday keeps Monday\'s hours', () => {
  assert.equal(isOpenAt(OFFICE_HOURS, cal, '2026-09-30', '09:00'), true); // Wednesday
  assert.equal(isOpenAt(OFFICE_HOURS, cal, '2026-09-30', '12:00'), false, 'the interval ends before 12:00');
  assert.equal(isOpenAt(OFFICE_HOURS, cal, '2026-09-30', '13:00'), false, 'lunch');
  assert.equal(isOpenAt(OFFICE_HOURS, cal, '2026-10-01', '09:00'), false, 'National Day, a Thursday');
  assert.equal(isOpenAt(OFFICE_HOURS, cal, '2026-10-03', '09:00'), false, 'a Saturday');
  assert.equal(isOpenAt(OFFICE_HOURS, cal, '2026-10-10', '09:00'), true, 'a make-up working Saturday');
  assert.deepEqual(slotsOn(OFFICE_HOURS, cal, '2026-09-30').slice(0, 3), ['08:30', '09:00', '09:30']);
  assert.equal(slotsOn(OFFICE_HOURS, cal, '2026-09-30').length, 7 + 6);
  assert.deepEqual(slotsOn(OFFICE_HOURS, cal, '2026-10-01'), []);
});

test('tickets and codes', () => {
  assert.equal(ticketNo('A', 1), 'A001');
  assert.equal(ticketNo('Y', 42), 'Y042');
  assert.throws(() => ticketNo('A', 1000), /used up/);
  assert.equal(servicePointCode('430204', 1), 'SP43020400000001');
});

test('a region\'s extent: the box of its places with a margin, else a radius around its centre', () => {
  const e = regionExtent([{ lat: 27.8, lng: 113.1 }, { lat: 27.9, lng: 113.2 }], undefined, 'county')!;
  assert.deepEqual([e.min_lat, e.max_lat].map((x) => Math.round(x * 1000) / 1000), [27.78, 27.92]);
  const r = regionExtent([], { lat: 27.8, lng: 113.1 }, 'town')!;
  assert.ok(Math.abs(r.max_lat - 27.8 - 25 / 111.195) < 1e-9);
  assert.equal(regionExtent([], undefined, 'town'), undefined);
});

const shifeng: RegionFacts = { code: '430204', name: '石峰区', level: 'county', extent: { min_lat: 27.8, max_lat: 28, min_lng: 113, max_lng: 113.3 } };
const good = { code: 'SP43020400000001', name: '石峰区医保服务大厅', level: 'county', kind: 'bureau_hall', admdvs: '430204', lat: 27.9, lng: 113.1, items: ['enrollment'], windows: 4 };

test('a point is checked whole, every problem named by its field', () => {
  const p = checkServicePoint(good, shifeng);
  assert.equal(p.windows, 4);
  assert.deepEqual(p.opening_hours, OFFICE_HOURS, 'office hours by default');
  assert.deepEqual(fields(() => checkServicePoint({ ...good, lat: 95, lng: 'x' }, shifeng)), ['lat', 'lng']);
  assert.deepEqual(fields(() => checkServicePoint({ ...good, lat: 28.5 }, shifeng)), ['lat'], 'outside the region');
  assert.deepEqual(fields(() => checkServicePoint({ ...good, items: ['enrollment', 'nope'] }, shifeng)), ['items.1']);
  assert.deepEqual(fields(() => checkServicePoint({ ...good, code: 'SP43010200000001', level: 'province', kind: 'shop', windows: 0 }, shifeng)), ['code', 'level', 'kind', 'windows']);
  assert.deepEqual(fields(() => checkServicePoint({ ...good, opening_hours: { mon: [['09:00', '08:00']], xyz: [] } }, shifeng)), ['opening_hours.mon.0', 'opening_hours.xyz']);
  assert.deepEqual(fields(() => checkServicePoint(good, undefined)), ['admdvs']);
  assert.deepEqual(fields(() => checkServicePoint({ admdvs: '430102' }, shifeng, p)), ['admdvs'], 'the region of a stored point stays');
  assert.equal(checkServicePoint({ windows: 6 }, shifeng, p).windows, 6, 'an edit changes what it names');
});

test('a grid: its villages must be its region\'s, one grid worker', () => {
  const town: RegionFacts = { code: '430204001', name: '清水塘街道', level: 'town', extent: undefined };
  const villageProblem = (c: string) => (c.startsWith('430204001') && c.length === 12 ? undefined : `${c} 不是本地区的村（社区）`);
  const workerProblem = (u: string) => (u === 'sf.grid' ? undefined : { zh: '不是网格员', en: 'not a grid worker' });
  const g = checkGrid({ code: 'WG43020400100001', name: '一网格', admdvs: '430204001', villages: ['430204001001'], worker: 'sf.grid' }, town, villageProblem, workerProblem);
  assert.equal(g.worker, 'sf.grid');
  assert.deepEqual(fields(() => checkGrid({ code: 'WG43020400100001', name: '一网格', admdvs: '430204001', villages: ['430204002001'], worker: 'cs.clerk' }, town, villageProblem, workerProblem)), ['villages.0', 'worker']);
});
