import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../src/server/app.ts';
import { seedAll } from '../src/cli/seed.ts';
import { readConfig } from '../src/server/config.ts';
import { staffCookie } from './support/auth.ts';
import { freshDatabase, type TestDatabase } from './support/db.ts';

// The bureau's payment routes on the seeded demo, whose Changsha stays (two hospitals, levels 3
// and 2) are paid by DRG: the region's year with its hospitals' cases, CMI and budget use; a
// hospital's own year; one stay with its grouping and price explained; a year-end once run;
// another province's staff refused; an unknown stay and a bad year named.

let db: TestDatabase;
let app: FastifyInstance;
let hn: string;
let jx: string;
let clerk: string;
let year: number;
const CS3 = 'H43010200001';
const CS2 = 'H43010400001';

before(async () => {
  db = await freshDatabase();
  await seedAll(db.pool, { ...readConfig({}), demoPersons: 300 }, () => undefined);
  app = await buildApp({ pool: db.pool, now: () => new Date() });
  hn = await staffCookie(db.pool, { username: 'hn.finance', role: 'finance', regions: ['430000'] });
  jx = await staffCookie(db.pool, { username: 'jx.finance', role: 'finance', regions: ['360000'] });
  clerk = await staffCookie(db.pool, { username: 'cs.clerk', role: 'clerk', regions: ['430100'] });
  year = (await db.pool.query<{ year: number }>(`SELECT max(year) AS year FROM case_payments WHERE admdvs = '430100'`)).rows[0]!.year;
});
after(async () => {
  await app?.close();
  await db?.drop();
});

async function get(url: string, cookie: string): Promise<{ status: number; json: () => any; body: string }> {
  const res = await app.inject({ method: 'GET', url, headers: { cookie } });
  return { status: res.statusCode, json: () => res.json(), body: res.body };
}

interface Stored { fixmedins_code: string; cases: number; cmi_e4: number; hp: number }
/** The region's current prices per hospital, summed here rather than by the store's query. */
async function storedByHospital(): Promise<Map<string, Stored>> {
  const rows = (await db.pool.query<{ fixmedins_code: string; weight_e4: number; hospital_payment_fen: number }>(
    `SELECT fixmedins_code, weight_e4, hospital_payment_fen::bigint AS hospital_payment_fen FROM case_payments WHERE admdvs = '430100' AND year = $1 AND superseded_at IS NULL`, [year],
  )).rows;
  const out = new Map<string, Stored & { sum_e4: number }>();
  for (const r of rows) {
    const h = out.get(r.fixmedins_code) ?? { fixmedins_code: r.fixmedins_code, cases: 0, cmi_e4: 0, hp: 0, sum_e4: 0 };
    h.cases++;
    h.sum_e4 += r.weight_e4;
    h.hp += r.hospital_payment_fen;
    h.cmi_e4 = Math.round(h.sum_e4 / h.cases);
    out.set(r.fixmedins_code, h);
  }
  return out;
}

test("the overview of Changsha's year: both hospitals' cases, their CMI, the rules and the budget's use", async () => {
  const r = await get(`/api/v1/payment/regions/430100/years/${year}`, hn);
  assert.equal(r.status, 200, r.body);
  const v = r.json();
  const stored = await storedByHospital();
  assert.deepEqual(v.hospitals.map((h: { fixmedins_code: string }) => h.fixmedins_code), [CS3, CS2], 'the two Changsha hospitals');
  for (const h of v.hospitals) {
    const s = stored.get(h.fixmedins_code)!;
    assert.ok(h.cases >= 1, h.fixmedins_code);
    assert.equal(h.cases, s.cases, h.fixmedins_code);
    assert.equal(h.cmi_e4, s.cmi_e4, `${h.fixmedins_code}: CMI = the mean weight`);
    assert.ok(h.cmi_e4 > 0);
    assert.equal(h.hospital_payment_fen, s.hp);
  }
  assert.deepEqual([v.hospitals[0].hosp_lv, v.hospitals[1].hosp_lv], ['3', '2']);
  const all = [...stored.values()];
  assert.equal(v.totals.cases, all.reduce((a, h) => a + h.cases, 0));
  const hp = all.reduce((a, h) => a + h.hp, 0);
  assert.equal(v.totals.hospital_payment_fen, hp);

  const doc = JSON.parse(fs.readFileSync(path.resolve(import.meta.dirname, `../payment-rules/430100-${year}.json`), 'utf8'));
  assert.equal(v.rules.method, 'drg');
  assert.deepEqual(v.rules.base_rate_fen_by_insutype, doc.drg.base_rate_fen_by_insutype);
  const budget = (doc.budget.total_fen * doc.budget.drg_dip_share_bp) / 10000;
  assert.equal(v.rules.drg_dip_budget_fen, budget);
  assert.equal(v.totals.budget_fen, budget);
  assert.equal(v.totals.budget_use_bp, Math.round((hp * 10000) / budget), 'budget use = Σ hospital payment ÷ the DRG/DIP budget');
  assert.ok(v.top_groups.length >= 1 && v.top_groups.length <= 10);
  assert.ok(v.loss_groups.every((g: { surplus_fen: number }) => g.surplus_fen < 0), 'only groups that lost');
  assert.equal(v.months.reduce((a: number, m: { cases: number }) => a + m.cases, 0), v.totals.cases);
  assert.equal(v.year_end, null, 'no year-end run yet');

  // A region without payment rules answers with no rules and nothing paid.
  const none = await get(`/api/v1/payment/regions/430900/years/${year}`, hn);
  assert.equal(none.status, 200, none.body);
  assert.equal(none.json().rules, null);
  assert.equal(none.json().totals.budget_use_bp, null);
});

test("a hospital's own year and one of its stays, grouped and priced with the explanation", async () => {
  const r = await get(`/api/v1/payment/institutions/${CS3}/years/${year}`, hn);
  assert.equal(r.status, 200, r.body);
  const h = r.json();
  assert.equal(h.pooling_admdvs, '430100');
  assert.equal(h.method, 'drg');
  assert.equal(h.cases.length, (await storedByHospital()).get(CS3)!.cases);
  const dates = h.cases.map((c: { dscg_date: string }) => c.dscg_date);
  assert.deepEqual(dates, [...dates].sort().reverse(), 'newest first');
  const first = h.cases[0];

  const c = await get(`/api/v1/payment/cases/${first.setl_id}`, hn);
  assert.equal(c.status, 200, c.body);
  const stay = c.json();
  assert.equal(stay.stay.fixmedins_code, CS3);
  assert.ok(stay.lists.length >= 1);
  const g = stay.groupings[0];
  assert.equal(g.drg, first.group_code, 'the price is of the grouping shown');
  assert.ok(g.steps.some((s: { en: string }) => s.en.includes('ADRG')), JSON.stringify(g.steps));
  assert.ok(g.steps.every((s: { zh: string; en: string }) => s.zh && s.en));
  const p = stay.payments.find((x: { superseded_at: string | null }) => x.superseded_at === null);
  assert.equal(p.hospital_payment_fen, first.hospital_payment_fen);
  const parts = p.explanation.filter((s: { fen?: number }) => s.fen !== undefined).reduce((a: number, s: { fen: number }) => a + s.fen, 0);
  assert.equal(parts, p.hospital_payment_fen, 'the explanation’s amounts sum to the hospital payment');
});

test('a year-end once run is sent with its lines, the hospital its own line', async () => {
  const ye = await db.pool.query<{ id: number }>(
    `INSERT INTO payment_year_ends (admdvs, year, method, rules_id, rules_version, point_value, totals, run_by, run_at)
     VALUES ('430100', $1, 'drg', 'payment-430100-${year}', 1, NULL, '{"due_fen": 300}', 'test', now()) RETURNING id::int AS id`, [year],
  );
  await db.pool.query(
    `INSERT INTO payment_year_end_lines (year_end_id, fixmedins_code, cases, due_fen, paid_fen, balance_fen, adjustment_fen, cmi_e4, surplus_fen)
     VALUES ($1, $2, 1, 200, 150, 50, 0, 7810, 10), ($1, $3, 1, 100, 120, -20, 0, 9000, -5)`, [ye.rows[0]!.id, CS3, CS2],
  );
  try {
    const v = (await get(`/api/v1/payment/regions/430100/years/${year}`, hn)).json();
    assert.equal(v.year_end.id, ye.rows[0]!.id);
    assert.deepEqual(v.year_end.totals, { due_fen: 300 });
    assert.deepEqual(v.year_end.lines.map((l: { fixmedins_code: string; balance_fen: number }) => [l.fixmedins_code, l.balance_fen]), [[CS3, 50], [CS2, -20]]);
    const h = (await get(`/api/v1/payment/institutions/${CS2}/years/${year}`, hn)).json();
    assert.equal(h.year_end_line.fixmedins_code, CS2);
    assert.equal(h.year_end_line.balance_fen, -20);
  } finally {
    await db.pool.query(`DELETE FROM payment_year_end_lines WHERE year_end_id = $1`, [ye.rows[0]!.id]);
    await db.pool.query(`DELETE FROM payment_year_ends WHERE id = $1`, [ye.rows[0]!.id]);
  }
});

test("another province's staff is refused Changsha's year, its hospitals and its stays, unless a stay's patient is insured there; a clerk every payment route", async () => {
  const sc = await staffCookie(db.pool, { username: 'sc.finance', role: 'finance', regions: ['510000'] });
  const cases = (await db.pool.query<{ setl_id: string; insuplc_admdvs: string }>(
    `SELECT setl_id, insuplc_admdvs FROM case_payments WHERE admdvs = '430100' AND superseded_at IS NULL ORDER BY setl_id`,
  )).rows;
  for (const url of [`/api/v1/payment/regions/430100/years/${year}`, `/api/v1/payment/institutions/${CS3}/years/${year}`, ...cases.map((c) => `/api/v1/payment/cases/${c.setl_id}`)]) {
    const r = await get(url, sc);
    assert.equal(r.status, 403, `${url}: ${r.body}`);
    for (const c of cases) assert.doesNotMatch(r.body, new RegExp(c.setl_id));
    assert.equal((await get(url, clerk)).status, 403, `${url}: a clerk`);
    assert.equal((await get(url, hn)).status, 200, url);
  }
  // A stay between two regions is read by the staff of either: Jiangxi's for its Jiujiang
  // insured treated in Changsha, not for Changsha's own insured nor Changsha's year.
  const jiujiang = cases.find((c) => c.insuplc_admdvs.startsWith('36'));
  const local = cases.find((c) => c.insuplc_admdvs.startsWith('43'));
  assert.ok(jiujiang && local, `the demo has a Changsha stay of a Jiangxi insured and of a Hunan one: ${JSON.stringify(cases)}`);
  assert.equal((await get(`/api/v1/payment/cases/${jiujiang.setl_id}`, jx)).status, 200);
  assert.equal((await get(`/api/v1/payment/cases/${local.setl_id}`, jx)).status, 403);
  assert.equal((await get(`/api/v1/payment/regions/430100/years/${year}`, jx)).status, 403);
  // Jiangxi's own region: allowed, and empty of Changsha's cases.
  const own = await get(`/api/v1/payment/regions/360400/years/${year}`, jx);
  assert.equal(own.status, 200, own.body);
  assert.equal(own.json().totals.cases, 0);
});

test('an unknown stay is a 404 naming setl_id; a bad year a 400 naming the field', async () => {
  const r = await get('/api/v1/payment/cases/NO-SUCH-SETL', hn);
  assert.equal(r.status, 404, r.body);
  assert.equal(r.json().details[0].field, 'setl_id');
  for (const y of ['abc', '1999', '20261']) {
    for (const url of [`/api/v1/payment/regions/430100/years/${y}`, `/api/v1/payment/institutions/${CS3}/years/${y}`]) {
      const bad = await get(url, hn);
      assert.equal(bad.status, 400, `${url}: ${bad.body}`);
      assert.match(bad.json().details[0].field, /year/, bad.body);
    }
  }
  const region = await get(`/api/v1/payment/regions/43010/years/${year}`, hn);
  assert.equal(region.status, 400, region.body);
  assert.match(region.json().details[0].field, /admdvs/);
});

test("the regions with payment rules are the caller's: Changsha by DRG and Zhuzhou by DIP for Hunan, none for Jiangxi", async () => {
  const r = await get('/api/v1/payment/regions', hn);
  assert.equal(r.status, 200, r.body);
  const items = r.json().items as { admdvs: string; year: number; method: string }[];
  assert.deepEqual(items.filter((i) => i.year === year).map((i) => [i.admdvs, i.method]), [['430100', 'drg'], ['430200', 'dip']]);
  assert.deepEqual((await get('/api/v1/payment/regions', jx)).json().items, []);
  assert.equal((await get('/api/v1/payment/regions', clerk)).status, 403);
});

async function post(url: string, cookie: string, body: unknown = {}): Promise<{ status: number; json: () => any }> {
  const res = await app.inject({ method: 'POST', url, headers: { cookie, 'content-type': 'application/json' }, payload: JSON.stringify(body) });
  return { status: res.statusCode, json: () => res.json() };
}

test('the simulator pays the year again at a 10% higher base rate and stores nothing; a DIP point value is refused for DRG', async () => {
  const before = await db.pool.query(`SELECT count(*)::int AS n FROM case_payments`);
  const r = await post(`/api/v1/payment/regions/430100/years/${year}/simulate`, hn, { base_rate_fen_by_insutype: { '310': 1078000, '390': 946000 } });
  assert.equal(r.status, 200, JSON.stringify(r.json()));
  const s = r.json();
  assert.equal(s.totals.before.cases, s.totals.after.cases);
  assert.ok(s.totals.difference.hospital_payment_fen > 0, 'a higher base rate pays the hospitals more');
  assert.equal(s.hospitals.reduce((t: number, h: any) => t + h.difference.hospital_payment_fen, 0), s.totals.difference.hospital_payment_fen);
  assert.equal((await db.pool.query(`SELECT count(*)::int AS n FROM case_payments`)).rows[0].n, before.rows[0].n);
  const bad = await post(`/api/v1/payment/regions/430100/years/${year}/simulate`, hn, { point_value_fen: 1000000 });
  assert.equal(bad.status, 400);
  assert.match(JSON.stringify(bad.json()), /point_value_fen/);
  assert.equal((await post(`/api/v1/payment/regions/430100/years/${year}/simulate`, hn, { weights_scale_bp: 1 })).status, 400, 'a scale below 10% is refused by the schema');
});

test('finance staff run the year-end once: one transfer per hospital, a second run is a 409; others may not', async () => {
  assert.equal((await post(`/api/v1/payment/regions/430100/years/${year}/year-end`, jx)).status, 403);
  assert.equal((await post(`/api/v1/payment/regions/430100/years/${year}/year-end`, clerk)).status, 403);
  const r = await post(`/api/v1/payment/regions/430100/years/${year}/year-end`, hn);
  assert.equal(r.status, 200, JSON.stringify(r.json()));
  const v = r.json();
  assert.equal(v.year_end.run_by, 'hn.finance');
  const stored = await storedByHospital();
  for (const l of v.year_end.lines) {
    assert.equal(l.due_fen, stored.get(l.fixmedins_code)!.hp);
    assert.equal(l.balance_fen, l.due_fen - l.paid_fen);
  }
  const transfers = (await db.pool.query(`SELECT count(*)::int AS n FROM ledger_transfers WHERE kind = 'case_payment'`)).rows[0].n;
  assert.equal(transfers, v.year_end.lines.filter((l: any) => l.balance_fen !== 0).length);
  const again = await post(`/api/v1/payment/regions/430100/years/${year}/year-end`, hn);
  assert.equal(again.status, 409);
  assert.equal((await db.pool.query(`SELECT count(*)::int AS n FROM ledger_transfers WHERE kind = 'case_payment'`)).rows[0].n, transfers);
});
