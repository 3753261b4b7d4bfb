import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../src/server/app.ts';
import { seedAll } from '../src/cli/seed.ts';
import { readConfig } from '../src/server/config.ts';
import { chinaDate } from '../src/engine/calendar.ts';
import { consentedPersons } from '../src/store/auth/accounts.ts';
import { filingsOf, reviewQueue } from '../src/store/cooperation/filings.ts';
import { inbox } from '../src/store/cooperation/notifications.ts';
import { recognitionQueue, recognitionsOf } from '../src/store/cooperation/recognitions.ts';
import { nearestInstitutions } from '../src/store/registry/institutions.ts';
import { crossRegionFlows, dashboardRefreshedAt, directSettlementRate, enrollmentByRegion, queueCases, queueDeadlines, settlementsByDay, settlementsOnDay } from '../src/store/dashboard.ts';
import { caseView, institutionPaymentYear, regionPaymentYear } from '../src/app/payment/reports.ts';
import { staffCookie } from './support/auth.ts';
import { freshDatabase, type TestDatabase } from './support/db.ts';

// A route with a response schema is serialised by it, and fast-json-stringify drops a field the
// schema does not name (or coerces one of another type). So the routes that gained a schema for
// the web's generated types must still send exactly what the store returns, as plain JSON.

let db: TestDatabase;
let app: FastifyInstance;
let admin: string;
const now = new Date();

before(async () => {
  db = await freshDatabase();
  await seedAll(db.pool, { ...readConfig({}), demoPersons: 20 }, () => undefined); // with filings, recognitions, messages, settlements
  app = await buildApp({ pool: db.pool, now: () => now });
  admin = await staffCookie(db.pool, { username: 'schema.admin', role: 'admin', regions: ['000000'] });
});
after(async () => {
  await app?.close();
  await db?.drop();
});

const asJson = (v: unknown): unknown => JSON.parse(JSON.stringify(v));

async function get(url: string, cookie = admin): Promise<unknown> {
  const res = await app.inject({ method: 'GET', url, headers: { cookie } });
  assert.equal(res.statusCode, 200, `${url}: ${res.body}`);
  return res.json();
}

/** Persons of the demo that have rows in a table. */
async function personsWith(table: string): Promise<{ psn_no: string; certno: string }[]> {
  const r = await db.pool.query(`SELECT DISTINCT p.psn_no, p.certno FROM ${table} t JOIN persons p USING (psn_no) ORDER BY p.psn_no LIMIT 5`);
  assert.ok(r.rows.length > 0, `the demo has ${table}`);
  return r.rows;
}

test("a person's filings, recognitions and messages are sent as the store reads them", async () => {
  for (const p of await personsWith('filings')) {
    assert.deepEqual(await get(`/api/v1/filings?psn_no=${p.psn_no}`), { filings: asJson(await filingsOf(db.pool, p.psn_no)) });
  }
  for (const p of await personsWith('recognitions')) {
    assert.deepEqual(await get(`/api/v1/recognitions?psn_no=${p.psn_no}`), { recognitions: asJson(await recognitionsOf(db.pool, p.psn_no)) });
  }
  for (const p of await personsWith('notifications')) {
    assert.deepEqual(await get(`/api/v1/inbox/${p.psn_no}`), { notifications: asJson(await inbox(db.pool, p.psn_no)) });
  }
});

test('the queues send every field of the store rows, with the working days left', async () => {
  const asOf = chinaDate(now);
  for (const [url, rows] of [
    ['/api/v1/filings/queue', await reviewQueue(db.pool, asOf)],
    ['/api/v1/recognitions/queue', await recognitionQueue(db.pool, asOf)],
  ] as const) {
    assert.ok(rows.length > 0, `the demo has pending items for ${url}`);
    const sent = (await get(url)) as { as_of: string; items: Record<string, unknown>[] };
    assert.equal(sent.as_of, asOf);
    assert.equal(sent.items.length, rows.length, url);
    sent.items.forEach((item, i) => {
      const { working_days_left, ...rest } = item;
      assert.deepEqual(rest, asJson(rows[i]), url);
      assert.ok(working_days_left === null || Number.isInteger(working_days_left), url);
    });
  }
});

test('nearest institutions and a grid worker’s persons are sent as the store reads them', async () => {
  const at = { lat: 28.2, lng: 112.97 }; // Changsha
  const near = await nearestInstitutions(db.pool, at, { limit: 10 });
  assert.ok(near.length > 0, 'the demo has institutions near Changsha');
  assert.deepEqual(await get(`/api/v1/institutions/nearest?lat=${at.lat}&lng=${at.lng}`), { items: asJson(near) });

  const grid = await staffCookie(db.pool, { username: 'sf.grid', role: 'grid_worker', regions: ['430204'] });
  const persons = await consentedPersons(db.pool, 'sf.grid', chinaDate(now));
  assert.ok(persons.length > 0, 'the demo grid worker has consents');
  assert.deepEqual(await get('/api/v1/grid/persons', grid), { persons: asJson(persons) });
});

test('the dashboard sends its figures as the store computes them', async () => {
  const today = chinaDate(now);
  const year = today.slice(0, 4);
  const period = { from: `${year}-01-01`, to: today };
  const refreshed = await dashboardRefreshedAt(db.pool);
  assert.deepEqual(await get('/api/v1/dashboard/enrollment?level=city'), asJson({ refreshed_at: refreshed, items: await enrollmentByRegion(db.pool, { level: 'city' }) }));
  const months = await queueDeadlines(db.pool, { from: `${year}-01-01`, to: `${year}-12-31`, today });
  assert.ok(months.length > 0, 'the demo has queue months');
  assert.deepEqual(await get('/api/v1/dashboard/queues'), asJson({ from: `${year}-01-01`, to: `${year}-12-31`, items: months }));
  const { queue, month } = months[0]!;
  assert.deepEqual(await get(`/api/v1/dashboard/queues/items?queue=${queue}&month=${month}`), asJson({ items: await queueCases(db.pool, { queue, month }) }));
  const byDay = await settlementsByDay(db.pool, period);
  assert.ok(byDay.totals.length > 0, 'the demo has settlements this year');
  assert.deepEqual(await get('/api/v1/dashboard/settlements'), asJson({ ...period, ...byDay }));
  assert.deepEqual(await get(`/api/v1/dashboard/settlements/items?day=${byDay.totals[0]!.day}`), asJson({ items: await settlementsOnDay(db.pool, { day: byDay.totals[0]!.day }) }));
  assert.deepEqual(await get('/api/v1/dashboard/flows'), asJson({ ...period, items: await crossRegionFlows(db.pool, { ...period, level: 'province' }) }));
  assert.deepEqual(await get('/api/v1/dashboard/direct-settlement'), asJson({ ...period, ...(await directSettlementRate(db.pool, period)) }));
});

test('the payment routes send the region\'s year, a hospital\'s year and a stay as the use cases answer them', async () => {
  const rows = (await db.pool.query<{ admdvs: string; year: number; fixmedins_code: string; setl_id: string }>(
    `SELECT DISTINCT ON (fixmedins_code) admdvs, year, fixmedins_code, setl_id FROM case_payments WHERE superseded_at IS NULL ORDER BY fixmedins_code, setl_id`,
  )).rows;
  assert.ok(rows.length > 0, 'the demo has priced stays');
  for (const r of rows) {
    assert.deepEqual(await get(`/api/v1/payment/regions/${r.admdvs}/years/${r.year}`), asJson(await regionPaymentYear(db.pool, r.admdvs, r.year)));
    assert.deepEqual(await get(`/api/v1/payment/institutions/${r.fixmedins_code}/years/${r.year}`), asJson(await institutionPaymentYear(db.pool, r.fixmedins_code, r.year)));
    assert.deepEqual(await get(`/api/v1/payment/cases/${r.setl_id}`), asJson(await caseView(db.pool, r.setl_id)));
  }
  // A stay grouped but not priced (a region without DRG rules yet) still answers, with no price.
  const grouped = (await db.pool.query<{ setl_id: string }>(`SELECT g.setl_id FROM case_groupings g WHERE NOT EXISTS (SELECT 1 FROM case_payments c WHERE c.setl_id = g.setl_id) LIMIT 1`)).rows[0];
  if (grouped) assert.deepEqual(await get(`/api/v1/payment/cases/${grouped.setl_id}`), asJson(await caseView(db.pool, grouped.setl_id)));
});
