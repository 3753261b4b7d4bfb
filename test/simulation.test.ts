import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { freshDatabase, type TestDatabase } from './support/db.ts';
import { readConfig } from '../src/server/config.ts';
import { seedAll } from '../src/cli/seed.ts';
import { DocumentRegistry } from '../src/store/documents/registry.ts';
import { simulateStored, verifyStored } from '../src/app/settlement/simulation.ts';
import { runsInProgress } from '../src/app/settlement/simulation-runs.ts';
import { buildApp } from '../src/server/app.ts';
import type { FastifyInstance } from 'fastify';
import { staffCookie } from './support/auth.ts';

// Issue 19 on the seeded demo: every settlement the gateway stored re-settles to exactly what
// was stored; a change to one stored amount is found and named; a draft priced over the stored
// year costs what its rules say, the same on one thread or two.

let db: TestDatabase;
const docs = new DocumentRegistry();
const ALL = { from: '2000-01-01', to: '2099-12-31' };
/** The policy with the most stored settlements, and its document. */
let busiest: { policy_id: string; version: number; n: number; doc: Record<string, unknown> };

before(async () => {
  db = await freshDatabase();
  await seedAll(db.pool, { ...readConfig({}), demoPersons: 600 }, () => undefined);
  const r = await db.pool.query<{ policy_id: string; version: number; n: number }>(
    `SELECT policy_id, policy_version AS version, count(*)::int AS n FROM settlements WHERE kind = 'settle' GROUP BY 1, 2 ORDER BY 3 DESC, 1 LIMIT 1`,
  );
  const b = r.rows[0]!;
  busiest = { ...b, doc: (await docs.get(db.pool, 'policy', b.policy_id, b.version)).doc as Record<string, unknown> };
});

after(async () => {
  await app?.close();
  await db?.drop();
});

let app: FastifyInstance;

test('replay --verify: every stored settlement of the demo re-settles to exactly what was stored', async () => {
  const stored = await db.pool.query<{ settle: number; cancel: number }>(`SELECT count(*) FILTER (WHERE kind = 'settle')::int AS settle, count(*) FILTER (WHERE kind = 'cancel')::int AS cancel FROM settlements`);
  const progress: number[] = [];
  const v = await verifyStored(db.pool, docs, ALL, { workers: 2, progress: (p) => progress.push(p.done) });
  assert.deepEqual(v.differences, []);
  assert.equal(v.different, 0);
  assert.ok(v.checked > 100, `checked ${v.checked}`);
  assert.equal(v.checked + v.not_replayable, stored.rows[0]!.settle);
  assert.equal(v.cancellations, stored.rows[0]!.cancel);
  assert.equal(progress.at(-1), stored.rows[0]!.settle + stored.rows[0]!.cancel);
});

test('replay --verify names a stored amount that no longer matches its facts', async () => {
  const one = await db.pool.query<{ setl_id: string }>(`SELECT setl_id FROM settlements WHERE kind = 'settle' AND inputs IS NOT NULL AND (setlinfo->>'hifp_pay')::bigint > 0 ORDER BY setl_id LIMIT 1`);
  const id = one.rows[0]!.setl_id;
  await db.pool.query(`UPDATE settlements SET setlinfo = jsonb_set(setlinfo, '{hifp_pay}', to_jsonb((setlinfo->>'hifp_pay')::bigint + 1)) WHERE setl_id = $1`, [id]);
  try {
    const v = await verifyStored(db.pool, docs, ALL, { workers: 1 });
    assert.equal(v.different, 1);
    assert.equal(v.differences[0]!.setl_id, id);
    assert.deepEqual(v.differences[0]!.fields.map((f) => f.path), ['/setlinfo/hifp_pay']);
  } finally {
    await db.pool.query(`UPDATE settlements SET setlinfo = jsonb_set(setlinfo, '{hifp_pay}', to_jsonb((setlinfo->>'hifp_pay')::bigint - 1)) WHERE setl_id = $1`, [id]);
  }
});

test('a draft identical to the stored policy changes nothing; a kinder one costs the fund more, the same on one thread or two', async () => {
  const same = await simulateStored(db.pool, docs, { ...ALL, draft: busiest.doc, baseline: null }, { workers: 2 });
  const r = same.report;
  assert.ok(r.claims >= busiest.n, `${r.claims} claims`);
  assert.equal(r.fund.difference, '0.00');
  assert.equal(r.patient.difference, '0.00');
  assert.equal(r.persons_by_group[0]!.group, 'all');
  assert.equal(r.persons_by_group[0]!.same, r.persons);
  assert.deepEqual(r.largest, []);

  const out = busiest.doc['outpatient'] as Record<string, unknown>;
  const kinder = { ...busiest.doc, version: busiest.version + 1, outpatient: { ...out, deductible_yuan: 0, ratio_bp_by_lv: Object.fromEntries(Object.entries(out['ratio_bp_by_lv'] as Record<string, number>).map(([k, v]) => [k, Math.min(10000, v + 1000)])) } };
  const one = await simulateStored(db.pool, docs, { ...ALL, draft: kinder, baseline: null }, { workers: 1 });
  const two = await simulateStored(db.pool, docs, { ...ALL, draft: kinder, baseline: null }, { workers: 2 });
  assert.deepEqual(two.report, one.report);
  const k = one.report;
  assert.ok(Number(k.fund.to) > Number(k.fund.from), `fund ${k.fund.from} → ${k.fund.to}`);
  assert.equal(k.fund.from, r.fund.from, 'the baseline is what was paid');
  assert.ok(k.persons_by_group[0]!.less > 0 && k.persons_by_group[0]!.more === 0, JSON.stringify(k.persons_by_group[0]));
  // Money adds up: what the funds and the patient pay is the bill on both sides.
  const fen = (s: string): number => Math.round(Number(s) * 100);
  assert.equal(fen(k.fund.difference) + fen(k.patient.difference), 0);
  const byType = k.by_fund_type.reduce((a, x) => a + fen(x.difference), 0);
  assert.equal(byType, fen(k.fund.difference));
  assert.equal(k.by_month.reduce((a, x) => a + x.claims, 0), k.claims);
  // The largest change is explained on both sides: the stored steps and the draft's.
  const top = k.largest[0]!;
  assert.ok(top.from.steps && top.from.steps.length > 0 && top.to.steps && top.to.steps.length > 0);
  assert.ok(Math.abs(fen(top.to.fund) - fen(top.from.fund)) >= Math.abs(fen(k.largest.at(-1)!.to.fund) - fen(k.largest.at(-1)!.from.fund)));

  // The stored version as the baseline gives the same report as what was paid.
  const againstPolicy = await simulateStored(db.pool, docs, { ...ALL, draft: kinder, baseline: busiest.doc }, { workers: 2 });
  assert.equal(againstPolicy.report.fund.from, k.fund.from);
  assert.equal(againstPolicy.report.fund.to, k.fund.to);
});

test('a simulation refuses a bad period and a baseline of another region, naming the field', async () => {
  await assert.rejects(simulateStored(db.pool, docs, { from: '2026-13-01', to: '2026-12-31', draft: busiest.doc, baseline: null }), (e: Error) => /expected a date/.test(e.message) && /from/.test(JSON.stringify(e)));
  await assert.rejects(simulateStored(db.pool, docs, { from: '2026-12-31', to: '2026-01-01', draft: busiest.doc, baseline: null }), /cannot be before/);
  const other = { ...busiest.doc, admdvs: busiest.doc['admdvs'] === '430100' ? '360400' : '430100' };
  await assert.rejects(simulateStored(db.pool, docs, { ...ALL, draft: busiest.doc, baseline: other }), /baseline/);
  await assert.rejects(simulateStored(db.pool, docs, { ...ALL, draft: { policy_id: 'x' }, baseline: null }), (e: Error) => /draft/.test(JSON.stringify(e)));
});

test('the workbench runs a simulation in the background for the region\'s own staff: its progress, its report as JSON and CSV', async () => {
  app = await buildApp({ pool: db.pool, now: () => new Date() });
  const region = busiest.doc['admdvs'] as string;
  const own = await staffCookie(db.pool, { username: 'sim.clerk', role: 'clerk', regions: [region] });
  const other = await staffCookie(db.pool, { username: 'sim.other', role: 'clerk', regions: [region === '430100' ? '360400' : '430100'] });
  const out = busiest.doc['outpatient'] as Record<string, unknown>;
  const draft = { ...busiest.doc, version: busiest.version + 1, outpatient: { ...out, deductible_yuan: 0 } };
  const ask = (cookie: string, payload: object) => app.inject({ method: 'POST', url: '/api/v1/simulations', headers: { cookie }, payload });

  assert.equal((await ask(other, { admdvs: region, draft, ...ALL })).statusCode, 403, 'another region\'s staff may not');
  const mismatch = await ask(own, { admdvs: region, draft: { ...draft, admdvs: '430100' === region ? '430200' : '430100' }, ...ALL });
  assert.equal(mismatch.statusCode, 400);
  assert.match(mismatch.body, /draft\/admdvs/);
  const badPeriod = await ask(own, { admdvs: region, draft, from: '2026-02-30', to: '2026-12-31' });
  assert.equal(badPeriod.statusCode, 400);
  assert.match(badPeriod.body, /"field":"from"/);

  const started = await ask(own, { admdvs: region, draft, baseline: `${busiest.policy_id}@${busiest.version}`, ...ALL });
  assert.equal(started.statusCode, 202, started.body);
  const run = started.json() as { id: string; status: string; baseline: string };
  assert.equal(run.status, 'running');
  assert.equal(run.baseline, `${busiest.policy_id} v${busiest.version}`);
  // One at a time: a second start while it runs is refused.
  const second = await ask(own, { admdvs: region, draft, ...ALL });
  assert.ok(second.statusCode === 409 || second.statusCode === 202, second.body);
  await runsInProgress();
  await runsInProgress();

  const got = await app.inject({ method: 'GET', url: `/api/v1/simulations/${run.id}`, headers: { cookie: own } });
  const done = got.json() as { status: string; progress: { done: number; total: number }; result: { report: { fund: { from: string; to: string }; claims: number } } };
  assert.equal(done.status, 'done');
  assert.equal(done.progress.done, done.progress.total);
  const direct = await simulateStored(db.pool, docs, { ...ALL, draft, baseline: busiest.doc });
  assert.deepEqual(done.result.report, JSON.parse(JSON.stringify(direct.report)));
  assert.equal((await app.inject({ method: 'GET', url: `/api/v1/simulations/${run.id}`, headers: { cookie: other } })).statusCode, 403);
  const csv = await app.inject({ method: 'GET', url: `/api/v1/simulations/${run.id}/report.csv`, headers: { cookie: own } });
  assert.equal(csv.statusCode, 200);
  assert.match(csv.body, /section,key,name,count,from_yuan,to_yuan,difference_yuan,detail/);
  assert.ok(csv.body.includes(`summary,fund,fund,${done.result.report.claims},${done.result.report.fund.from},${done.result.report.fund.to}`));
  const list = await app.inject({ method: 'GET', url: `/api/v1/simulations?admdvs=${region}`, headers: { cookie: own } });
  assert.ok((list.json() as { items: { id: string }[] }).items.some((r) => r.id === run.id));

  // A run whose process stopped beating reads as failed, and frees the way for the next.
  await db.pool.query(`INSERT INTO simulation_runs (admdvs, insutype, period_from, period_to, to_policy, status, requested_by, started_at, heartbeat_at)
    VALUES ($1, '310', '2026-01-01', '2026-12-31', '{}', 'running', 'x', now() - interval '10 minutes', now() - interval '5 minutes')`, [region]);
  const again = await ask(own, { admdvs: region, draft, ...ALL });
  assert.equal(again.statusCode, 202, again.body);
  await runsInProgress();
  const stale = await db.pool.query<{ status: string; error: string }>(`SELECT status, error FROM simulation_runs WHERE requested_by = 'x'`);
  assert.deepEqual(stale.rows[0], { status: 'failed', error: 'interrupted: the process running it stopped' });
});
