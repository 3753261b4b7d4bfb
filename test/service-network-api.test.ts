import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../src/server/app.ts';
import { seedDemo, type Fixtures } from '../src/demo/generate.ts';
import { analyseCoverage, haversineKm, walkingMinutes } from '../src/engine/coverage.ts';
import { servicePointCode } from '../src/engine/service-network.ts';
import { personCookie, staffCookie } from './support/auth.ts';
import { freshDatabase, type TestDatabase } from './support/db.ts';

// The service network over REST on the seeded demo: points and grids created, edited and
// imported with bad input refused by field (and nothing written), scope refusals decided from
// the loaded point or grid, window tickets under concurrency, appointments per slot, the
// coverage against the engine, and the nearest points open now.

let db: TestDatabase;
let app: FastifyInstance;
let fixtures: Fixtures;
// Tuesday 2026-06-30, 10:00 in China: a working day, the points open
let clock = new Date('2026-06-30T02:00:00Z');
let sfClerk: string;
let csClerk: string;
let admin: string;
let person: string;
const SHIFENG = '430204';
const HALL = servicePointCode(SHIFENG, 1);

before(async () => {
  db = await freshDatabase();
  fixtures = (await seedDemo(db.pool, { persons: 30 }))!;
  app = await buildApp({ pool: db.pool, now: () => clock });
  sfClerk = await staffCookie(db.pool, { username: 'sf.clerk.t', role: 'clerk', regions: ['430204'] });
  csClerk = await staffCookie(db.pool, { username: 'cs.clerk.t', role: 'clerk', regions: ['430100'] });
  admin = await staffCookie(db.pool, { username: 'root.t', role: 'admin', regions: ['000000'] });
  person = await personCookie(db.pool, fixtures.personas.find((p) => p.key === 'zhuzhou_shifeng_resident')!.psn_no);
});
after(async () => {
  await app?.close();
  await db?.drop();
});

async function call(method: string, url: string, cookie: string, payload?: unknown) {
  const res = await app.inject({ method: method as 'GET', url, headers: { cookie }, ...(payload !== undefined ? { payload: payload as object } : {}) });
  return { status: res.statusCode, body: res.json() as Record<string, any>, text: res.body };
}
const fieldsOf = (r: { body: Record<string, any> }): string[] => (r.body.details ?? []).map((d: { field: string }) => d.field);
const pointsCount = async () => (await db.pool.query<{ n: number }>('SELECT count(*)::int AS n FROM service_points')).rows[0]!.n;

describe('service points', () => {
  let town: string;
  let townPlace: { lat: number; lng: number };
  before(async () => {
    const r = await db.pool.query<{ code: string; lat: number; lng: number }>(`SELECT code, lat, lng FROM regions WHERE code LIKE '430204%' AND level = 'town' AND lat IS NOT NULL ORDER BY code LIMIT 1`);
    town = r.rows[0]!.code;
    townPlace = r.rows[0]!;
  });

  test('the demo has Shifeng\'s hall, stations, village points, a bank and a hospital point, with positions and people', async () => {
    const r = await call('GET', `/api/v1/service-points?admdvs=${SHIFENG}`, person);
    assert.equal(r.status, 200, r.text);
    const kinds = new Set(r.body.items.map((p: { kind: string }) => p.kind));
    for (const k of ['bureau_hall', 'town_station', 'village_point', 'bank', 'hospital']) assert.ok(kinds.has(k), k);
    assert.equal(r.body.items[0].code, HALL);
    const v = await db.pool.query(`SELECT count(*)::int AS n, count(population)::int AS p FROM regions WHERE code LIKE '430204%' AND level = 'village' AND lat IS NOT NULL`);
    assert.ok(v.rows[0].n > 20 && v.rows[0].p > 20);
    const grid = await db.pool.query(`SELECT g.code FROM grids g JOIN grid_villages v ON v.grid_code = g.code JOIN persons p ON p.live_admdvs = v.village WHERE g.worker = 'sf.grid' AND p.psn_name = '谭秀英'`);
    assert.equal(grid.rowCount, 1, '谭秀英\'s village is in sf.grid\'s grid');
  });

  test('create: bad input is refused naming each field, in Chinese and English, and nothing is written', async () => {
    const before = await pointsCount();
    const bad = await call('POST', '/api/v1/service-points', sfClerk, {
      code: servicePointCode(town, 9), name: '', level: 'county', kind: 'shop', admdvs: town, lat: 'north', lng: 200, windows: 0, items: ['enrollment', 'x'],
      opening_hours: { mon: [['09:00', '08:00']] },
    });
    assert.equal(bad.status, 400, bad.text);
    assert.deepEqual(fieldsOf(bad).sort(), ['items.1', 'kind', 'lat', 'level', 'lng', 'name', 'opening_hours.mon.0', 'windows'].sort());
    assert.match(bad.body.message, /纬度/);
    assert.match(bad.body.message, /lat must be a number/);
    // a position outside the town's extent
    const far = await call('POST', '/api/v1/service-points', sfClerk, { code: servicePointCode(town, 9), name: '远处', level: 'town', kind: 'town_station', admdvs: town, lat: townPlace.lat + 0.5, lng: townPlace.lng, items: ['enrollment'] });
    assert.equal(far.status, 400, far.text);
    assert.deepEqual(fieldsOf(far), ['lat']);
    assert.match(far.text, /outside/);
    const unknown = await call('POST', '/api/v1/service-points', admin, { code: 'SP99999900000001', name: 'x', level: 'county', kind: 'bank', admdvs: '999999', lat: 27, lng: 113, items: ['card'] });
    assert.equal(unknown.status, 400);
    assert.deepEqual(fieldsOf(unknown), ['admdvs']);
    assert.equal(await pointsCount(), before, 'nothing written');
  });

  test('create and edit: by staff of the region; another region\'s clerk is refused from the loaded point', async () => {
    const body = { code: servicePointCode(town, 9), name: '新网点', level: 'town', kind: 'bank', admdvs: town, lat: townPlace.lat + 0.001, lng: townPlace.lng, items: ['contribution', 'card'], windows: 2 };
    assert.equal((await call('POST', '/api/v1/service-points', csClerk, body)).status, 403);
    const made = await call('POST', '/api/v1/service-points', sfClerk, body);
    assert.equal(made.status, 201, made.text);
    assert.equal((await call('POST', '/api/v1/service-points', sfClerk, body)).status, 409, 'the code exists');
    const foreign = await call('PUT', `/api/v1/service-points/${body.code}?admdvs=430100`, csClerk, { windows: 3 });
    assert.equal(foreign.status, 403, foreign.text);
    const moved = await call('PUT', `/api/v1/service-points/${body.code}`, sfClerk, { admdvs: '430102' });
    assert.equal(moved.status, 400);
    assert.deepEqual(fieldsOf(moved), ['admdvs']);
    const edited = await call('PUT', `/api/v1/service-points/${body.code}`, sfClerk, { windows: 3, active: false });
    assert.equal(edited.status, 200, edited.text);
    assert.equal(edited.body.windows, 3);
    assert.equal(edited.body.active, false);
    assert.equal(edited.body.name, '新网点', 'what the edit does not name stays');
    const person403 = await call('PUT', `/api/v1/service-points/${body.code}`, person, { windows: 1 });
    assert.equal(person403.status, 403);
  });

  test('import: a preview lists each row\'s problems; apply writes all or nothing', async () => {
    const csv = [
      'code,name,level,kind,admdvs,address,lat,lng,windows,items',
      `${servicePointCode(town, 20)},导入一,town,bank,${town},某路1号,${townPlace.lat},${townPlace.lng},1,contribution|card`,
      `${servicePointCode(town, 21)},导入二,town,bank,${town},某路2号,abc,${townPlace.lng},1,contribution|nope`,
    ].join('\n');
    const before = await pointsCount();
    const preview = await call('POST', '/api/v1/service-network/imports', sfClerk, { admdvs: SHIFENG, csv });
    assert.equal(preview.status, 200, preview.text);
    assert.equal(preview.body.applied, false);
    assert.deepEqual(preview.body.rows.map((r: { errors: { field: string }[] }) => r.errors.map((e) => e.field)), [[], ['points.1.lat', 'points.1.items.1']]);
    const refused = await call('POST', '/api/v1/service-network/imports', sfClerk, { admdvs: SHIFENG, csv, apply: true });
    assert.equal(refused.status, 400);
    assert.deepEqual(fieldsOf(refused), ['points.1.lat', 'points.1.items.1']);
    assert.equal(await pointsCount(), before, 'the good row was not written either');
    const elsewhere = await call('POST', '/api/v1/service-network/imports', csClerk, { admdvs: SHIFENG, csv });
    assert.equal(elsewhere.status, 403);
    const good = await call('POST', '/api/v1/service-network/imports', sfClerk, { admdvs: SHIFENG, csv: csv.split('\n').slice(0, 2).join('\n'), apply: true });
    assert.equal(good.status, 200, good.text);
    assert.equal(good.body.applied, true);
    assert.equal(await pointsCount(), before + 1);
    // a row outside the import's region is refused by name
    const outside = await call('POST', '/api/v1/service-network/imports', sfClerk, { admdvs: town, points: [{ code: servicePointCode(SHIFENG, 30), name: 'x', level: 'county', kind: 'bank', admdvs: SHIFENG, lat: 1, lng: 1, items: ['card'] }] });
    assert.deepEqual(outside.body.rows[0].errors.map((e: { field: string }) => e.field), ['points.0.admdvs']);
  });

  test('grids: villages of the region, one grid each; one grid per worker', async () => {
    const villages = (await db.pool.query<{ code: string }>(`SELECT v.code FROM regions v WHERE v.parent_code = $1 AND v.level = 'village' ORDER BY code`, [town])).rows.map((r) => r.code);
    const taken = await call('POST', '/api/v1/grids', sfClerk, { code: `WG${town.padEnd(12, '0')}90`, name: '新网格', admdvs: town, villages: [villages[0], '110119001001'], worker: 'sf.grid' });
    assert.equal(taken.status, 400, taken.text);
    assert.deepEqual(fieldsOf(taken), ['villages.0', 'villages.1', 'worker']);
    assert.match(taken.text, /已属网格/);
    const grids = await call('GET', `/api/v1/grids?admdvs=${town}`, sfClerk);
    const g = grids.body.items[0];
    const edited = await call('PUT', `/api/v1/grids/${g.code}`, sfClerk, { name: '改名网格' });
    assert.equal(edited.status, 200, edited.text);
    assert.deepEqual(edited.body.villages, g.villages);
    assert.equal((await call('PUT', `/api/v1/grids/${g.code}`, csClerk, { name: 'x' })).status, 403);
    assert.equal((await call('GET', '/api/v1/grids', csClerk)).body.items.some((x: { admdvs: string }) => x.admdvs.startsWith('430204')), false, 'only the caller\'s regions');
  });

  test('a grid import: two rows may not share a village; a grid rewritten in the file frees its villages', async () => {
    const grids = (await call('GET', `/api/v1/grids?admdvs=${SHIFENG}`, sfClerk)).body.items as { code: string; admdvs: string; villages: string[] }[];
    const a = grids.find((g) => g.villages.length > 1 && grids.some((o) => o.code !== g.code && o.admdvs === g.admdvs))!;
    const b = grids.find((g) => g.code !== a.code && g.admdvs === a.admdvs)!;
    assert.ok(a && b, 'two grids of one town');
    const free = `WG${a.admdvs.padEnd(12, '0')}`;
    const clash = await call('POST', '/api/v1/service-network/imports', sfClerk, {
      admdvs: SHIFENG,
      grids: [{ code: `${free}80`, name: '甲', admdvs: a.admdvs, villages: [a.villages[0]] }, { code: `${free}81`, name: '乙', admdvs: a.admdvs, villages: [a.villages[0]] }],
    });
    assert.equal(clash.status, 200, clash.text);
    assert.deepEqual(clash.body.rows.map((r: { errors: { field: string }[] }) => r.errors.map((e) => e.field)), [['grids.0.villages.0'], ['grids.1.villages.0']], 'the village is still a\'s, and given twice');
    // moving a village from grid a to grid b in one file: a drops it, b takes it
    const moved = await call('POST', '/api/v1/service-network/imports', sfClerk, {
      admdvs: SHIFENG, apply: true,
      grids: [{ code: a.code, villages: a.villages.slice(1) }, { code: b.code, villages: [...b.villages, a.villages[0]] }],
    });
    assert.equal(moved.status, 200, moved.text);
    const after = (await call('GET', `/api/v1/grids?admdvs=${SHIFENG}`, sfClerk)).body.items as { code: string; villages: string[] }[];
    assert.ok(after.find((g) => g.code === b.code)!.villages.includes(a.villages[0]!));
    assert.ok(!after.find((g) => g.code === a.code)!.villages.includes(a.villages[0]!));
  });
});

describe('windows', () => {
  test('N clerks calling the next number at once never get the same ticket', async () => {
    const taken = await Promise.all(Array.from({ length: 20 }, () => call('POST', `/api/v1/service-points/${HALL}/tickets`, person, { item: 'enrollment' })));
    assert.ok(taken.every((t) => t.status === 201), taken.find((t) => t.status !== 201)?.text);
    const numbers = taken.map((t) => t.body.ticket_no as string);
    assert.equal(new Set(numbers).size, 20, 'twenty different numbers');
    assert.deepEqual([...numbers].sort(), Array.from({ length: 20 }, (_, i) => `A${String(i + 1).padStart(3, '0')}`));
    const called = await Promise.all(Array.from({ length: 26 }, (_, i) => call('POST', `/api/v1/service-points/${HALL}/tickets/next`, sfClerk, { window_no: (i % 8) + 1 })));
    assert.ok(called.every((c) => c.status === 200), called.find((c) => c.status !== 200)?.text);
    const got = called.map((c) => c.body.ticket?.ticket_no).filter(Boolean);
    assert.equal(got.length, 20, 'every ticket called once');
    assert.equal(new Set(got).size, 20, 'none twice');
    assert.equal(called.filter((c) => c.body.ticket === null).length, 6);
  });

  test('a called number is served or missed once; the list shows the day', async () => {
    const served = await call('POST', `/api/v1/service-points/${HALL}/tickets/A001/served`, sfClerk);
    assert.equal(served.status, 200, served.text);
    assert.equal(served.body.state, 'served');
    assert.equal((await call('POST', `/api/v1/service-points/${HALL}/tickets/A001/missed`, sfClerk)).status, 409);
    assert.equal((await call('POST', `/api/v1/service-points/${HALL}/tickets/A002/missed`, sfClerk)).body.state, 'missed');
    assert.equal((await call('POST', `/api/v1/service-points/${HALL}/tickets/A999/served`, sfClerk)).status, 404);
    assert.equal((await call('POST', `/api/v1/service-points/${HALL}/tickets/next`, csClerk, {})).status, 403, 'another region\'s clerk');
    assert.equal((await call('GET', `/api/v1/service-points/${HALL}/tickets`, person)).status, 403, 'a person does not see the queue');
    const list = await call('GET', `/api/v1/service-points/${HALL}/tickets?day=2026-06-30`, sfClerk);
    assert.equal(list.body.tickets.length, 20);
    assert.equal(list.body.tickets.find((t: { ticket_no: string }) => t.ticket_no === 'A001').state, 'served');
    // a foreign staff member cannot take a number at Shifeng's hall
    assert.equal((await call('POST', `/api/v1/service-points/${HALL}/tickets`, csClerk, {})).status, 403);
  });

  test('appointments: within the hours, at most the windows per slot; the appointment\'s number is called first', async () => {
    const hospital = servicePointCode(SHIFENG, 3); // 2 windows
    const book = (slot: string, day = '2026-07-01') => call('POST', `/api/v1/service-points/${hospital}/appointments`, person, { day, slot, item: 'filing' });
    assert.equal((await book('09:00')).status, 201);
    const second = await book('09:00');
    assert.equal(second.status, 201);
    assert.equal(second.body.slots_left, 0);
    const full = await book('09:00');
    assert.equal(full.status, 409);
    assert.deepEqual(fieldsOf(full), ['slot']);
    assert.deepEqual(fieldsOf(await book('12:30')), ['slot'], 'lunch');
    assert.deepEqual(fieldsOf(await book('09:00', '2026-07-04')), ['day'], 'a Saturday');
    assert.deepEqual(fieldsOf(await call('POST', `/api/v1/service-points/${hospital}/appointments`, person, { day: '2026-07-01', slot: '10:00', item: 'enrollment' })), ['item'], 'not handled there');
    // today's appointment at 10:30 is checked in and called before earlier walk-ins once its slot begins
    const today = await book('10:30', '2026-06-30');
    assert.equal(today.status, 201, today.text);
    const walkIn = await call('POST', `/api/v1/service-points/${hospital}/tickets`, person, { item: 'filing' });
    clock = new Date('2026-06-30T02:31:00Z');
    const appt = await call('POST', `/api/v1/service-points/${hospital}/tickets`, person, { appointment_id: today.body.id });
    assert.equal(appt.status, 201, appt.text);
    assert.equal(appt.body.ticket_no, 'Y001');
    assert.equal((await call('POST', `/api/v1/service-points/${hospital}/tickets`, person, { appointment_id: today.body.id })).status, 409, 'checked in once');
    const next = await call('POST', `/api/v1/service-points/${hospital}/tickets/next`, sfClerk, {});
    assert.equal(next.body.ticket.ticket_no, 'Y001');
    assert.equal((await call('POST', `/api/v1/service-points/${hospital}/tickets/next`, sfClerk, {})).body.ticket.ticket_no, walkIn.body.ticket_no);
    // closed at night: no number
    clock = new Date('2026-06-30T12:00:00Z');
    assert.equal((await call('POST', `/api/v1/service-points/${hospital}/tickets`, person, {})).status, 409);
    clock = new Date('2026-06-30T02:00:00Z');
  });
});

describe('coverage and the nearest points', () => {
  test('the coverage of Shifeng is the engine\'s over its villages and points; the proposal is an uncovered village', async () => {
    const r = await call('GET', `/api/v1/coverage?admdvs=${SHIFENG}`, sfClerk);
    assert.equal(r.status, 200, r.text);
    const c = r.body;
    assert.equal(c.method.reach_minutes, 15);
    assert.equal(c.method.detour, 1.3);
    assert.ok(c.villages.length > 20);
    assert.ok(c.total.share > 0 && c.total.share < 1, `share ${c.total.share}`);
    for (const v of c.villages.filter((x: { nearest: unknown }) => x.nearest).slice(0, 30)) {
      const p = c.points.find((x: { code: string }) => x.code === v.nearest.code);
      const km = haversineKm(v.lat, v.lng, p.lat, p.lng);
      assert.ok(Math.abs(v.nearest.minutes - Math.round(walkingMinutes(km) * 10) / 10) < 1e-9);
      assert.equal(v.covered, walkingMinutes(km) <= 15);
    }
    const again = analyseCoverage(c.villages, c.points.map((p: Record<string, unknown>) => ({ ...p, items: p.counted ? c.method.items : [] })), c.grid_villages.map((g: { code: string; villages: string[] }) => ({ code: g.code, name: g.code, villages: g.villages })));
    assert.equal(again.total.covered_population, c.total.covered_population);
    assert.ok(c.gaps.every((g: { covered: boolean }) => !g.covered));
    assert.ok(c.proposal && c.gaps.some((g: { code: string }) => g.code === c.proposal.village));
    assert.ok(c.grids.length > 3);
    assert.equal((await call('GET', '/api/v1/coverage?admdvs=430204', csClerk)).status, 403);
    assert.equal((await call('GET', '/api/v1/coverage?admdvs=430204', person)).status, 403);
    assert.equal((await call('GET', '/api/v1/coverage', sfClerk)).status, 400);
  });

  test('nearest points open now: distance, minutes and open by hours and calendar', async () => {
    const hall = (await call('GET', `/api/v1/service-points/${HALL}`, person)).body;
    const open = await call('GET', `/api/v1/service-points/nearest?lat=${hall.lat}&lng=${hall.lng}&item=transfer&at=2026-06-30T10:00:00%2B08:00`, person);
    assert.equal(open.status, 200, open.text);
    assert.equal(open.body.items[0].code, HALL, 'only the hall handles transfers there');
    assert.equal(open.body.items[0].km, 0);
    assert.equal(open.body.items[0].open_now, true);
    const sunday = await call('GET', `/api/v1/service-points/nearest?lat=${hall.lat}&lng=${hall.lng}&item=transfer&at=2026-06-28T10:00:00%2B08:00`, person);
    assert.equal(sunday.body.items[0].open_now, false);
    for (const [q, field] of [['lat=95&lng=113', 'lat'], ['lat=27&lng=x', 'lng'], ['lat=27&lng=113&item=nope', 'item'], ['lat=27&lng=113&at=yesterday', 'at']] as const) {
      const bad = await call('GET', `/api/v1/service-points/nearest?${q}`, person);
      assert.equal(bad.status, 400, q);
      assert.deepEqual(fieldsOf(bad), [field]);
    }
  });
});
