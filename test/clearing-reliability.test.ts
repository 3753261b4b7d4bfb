import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { FastifyInstance } from 'fastify';
import { HOSPITAL, RETIREE, envelope, ok, post, signInAs } from './support/gateway-world.ts';
import { assertBooksHold, lines, openSettlementWorld, type SettlementWorld } from './support/settlement-world.ts';
import { buildApp } from '../src/server/app.ts';
import { runClearing } from '../src/app/clearing/run.ts';

// The clearing run under settlements and cancellations arriving while it runs, and over several
// months: every cross-region settlement lands on exactly one statement line per level, and the
// statements of all months together equal what the settlements in force owe, pair by pair.

let w: SettlementWorld;
const apps: FastifyInstance[] = [];
before(async () => {
  w = await openSettlementWorld();
});
after(async () => {
  for (const a of apps) await a.close();
  await w.close();
});

type Call = (infno: string, input: unknown) => ReturnType<typeof post>;
async function gatewayAt(now: string): Promise<Call> {
  const app = await buildApp({ pool: w.db.pool, now: () => new Date(now) });
  apps.push(app);
  const signNo = await signInAs(app, HOSPITAL);
  return (infno, input) => post(app, envelope(infno, input, { sign_no: signNo }));
}

async function settleAway(call: Call, prefix: string): Promise<{ mdtrt_id: string; setl_id: string }> {
  const v = ok(await call('2201', { data: { mdtrt_cert_type: '03', mdtrt_cert_no: RETIREE.card, card_sn: RETIREE.card_sn, insutype: '310' } }));
  ok(await call('2204', { feedetail: lines(v.data.mdtrt_id, RETIREE.psn_no, prefix, 40) }));
  const s = ok(await call('2207', { data: { psn_no: RETIREE.psn_no, mdtrt_id: v.data.mdtrt_id } }));
  return { mdtrt_id: v.data.mdtrt_id, setl_id: s.setlinfo.setl_id };
}

const cancel = async (call: Call, v: { mdtrt_id: string; setl_id: string }): Promise<void> => {
  ok(await call('2208', { data: { psn_no: RETIREE.psn_no, mdtrt_id: v.mdtrt_id, setl_id: v.setl_id } }));
};

/** Every cross-region row and how many lines of the level hold it. */
async function heldCounts(level: string): Promise<Map<string, number>> {
  const r = await w.db.pool.query<{ setl_id: string; n: number }>(
    `SELECT c.setl_id, (SELECT count(*)::int FROM clearing_lines l WHERE l.level = $1 AND l.setl_id = c.setl_id) AS n FROM cross_region_owed c`,
    [level],
  );
  return new Map(r.rows.map((x) => [x.setl_id, x.n]));
}

test('settlements and cancellations arriving during a run land in this month or the next, each exactly once', async () => {
  const march = await gatewayAt('2026-03-31T10:00:00Z');
  const early = [await settleAway(march, 'E1'), await settleAway(march, 'E2')];
  // Ten settlements and a cancellation race the run of March.
  const racing = Promise.all(Array.from({ length: 10 }, (_, i) => settleAway(march, `R${i}`)));
  const cancelling = cancel(march, early[0]!);
  const run = runClearing(w.db.pool, { month: '2026-03', level: 'province', dryRun: false, now: new Date('2026-04-01T01:00:00Z') });
  const [settled, result] = await Promise.all([racing, run, cancelling]);
  const inMarch = new Set((await w.db.pool.query<{ setl_id: string }>(`SELECT setl_id FROM clearing_lines WHERE level = 'province'`)).rows.map((r) => r.setl_id));
  assert.ok(result.statements.length >= 1);
  await runClearing(w.db.pool, { month: '2026-04', level: 'province', dryRun: false, now: new Date('2026-05-01T01:00:00Z') });
  const held = await heldCounts('province');
  for (const s of [...early, ...settled]) assert.equal(held.get(s.setl_id), 1, `${s.setl_id} is held once`);
  assert.ok([...held.values()].every((n) => n === 1), 'every cross-region row is held exactly once');
  const april = (await w.db.pool.query<{ setl_id: string; adjustment: boolean }>(
    `SELECT l.setl_id, l.adjustment FROM clearing_lines l JOIN clearing_statements s ON s.id = l.statement_id WHERE s.month = '202604' AND l.level = 'province'`,
  )).rows;
  assert.ok(april.every((l) => l.adjustment && !inMarch.has(l.setl_id)), "what March's run missed is April's adjustment");
  await assertBooksHold(w.db.pool);
});

test('over the months, the statements of each pair sum to what the settlements in force owe', async () => {
  const may = await gatewayAt('2026-05-12T02:00:00Z');
  const a = await settleAway(may, 'M1');
  await settleAway(may, 'M2');
  await runClearing(w.db.pool, { month: '2026-05', level: 'province', dryRun: false, now: new Date('2026-06-01T01:00:00Z') });
  const june = await gatewayAt('2026-06-03T02:00:00Z');
  await cancel(june, a); // of a closed month
  await settleAway(june, 'J1');
  await runClearing(w.db.pool, { month: '2026-06', level: 'province', dryRun: false, now: new Date('2026-07-01T01:00:00Z') });
  for (const level of ['province', 'city'] as const) {
    for (const m of ['2026-03', '2026-04', '2026-05', '2026-06']) await runClearing(w.db.pool, { month: m, level, dryRun: false, now: new Date('2026-07-01T01:00:00Z') });
  }
  const sums = await w.db.pool.query<{ pair: string; statements: string; owed: string }>(
    `WITH st AS (SELECT insured_admdvs || '→' || treatment_admdvs AS pair, sum(amount_fen) AS a FROM clearing_statements WHERE level = 'province' GROUP BY 1),
          ow AS (SELECT left(insuplc_admdvs, 2) || '0000→' || left(mdtrtarea_admvs, 2) || '0000' AS pair, sum(amount_fen) AS a FROM cross_region_owed
                  WHERE left(insuplc_admdvs, 2) <> left(mdtrtarea_admvs, 2) GROUP BY 1)
     SELECT coalesce(st.pair, ow.pair) AS pair, coalesce(st.a, 0)::text AS statements, coalesce(ow.a, 0)::text AS owed FROM st FULL JOIN ow ON ow.pair = st.pair`,
  );
  assert.ok(sums.rows.length > 0);
  for (const r of sums.rows) assert.equal(r.statements, r.owed, `${r.pair}: all months' statements equal the settlements in force`);
  const inForce = await w.db.pool.query<{ n: string }>(`SELECT sum(amount_fen)::text AS n FROM cross_region_owed`);
  assert.ok(Number(inForce.rows[0]!.n) > 0);
  assert.ok([...(await heldCounts('province')).values()].every((n) => n === 1));
  await assertBooksHold(w.db.pool);
});
