import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { HOSPITAL, RETIREE, envelope, ok, post, signInAs } from './support/gateway-world.ts';
import { assertBooksHold, lines, openSettlementWorld, type SettlementWorld } from './support/settlement-world.ts';
import { buildApp } from '../src/server/app.ts';
import { runClearing } from '../src/app/clearing/run.ts';
import { confirmStatement } from '../src/app/clearing/confirm.ts';
import { YibaoError } from '../src/engine/errors.ts';
import { accountBalance, findTransfer } from '../src/store/ledger.ts';
import { migrationsDir } from '../src/store/migrate.ts';

// The monthly clearing run on settlements made through the real gateway: a Jiujiang (Jiangxi)
// retiree settles in Zhuzhou (Hunan) in March; March is run; a late March settlement and an
// April cancellation of a cleared one land in April's statement as adjustments; both sides
// confirm and the one clearing transfer leaves the ledger balanced.

let w: SettlementWorld;
const apps: FastifyInstance[] = [];
before(async () => {
  w = await openSettlementWorld();
});
after(async () => {
  for (const a of apps) await a.close();
  await w.close();
});

/** The gateway on the same database with its clock at `now`. */
async function gatewayAt(now: string): Promise<(infno: string, input: unknown) => ReturnType<typeof post>> {
  const app = await buildApp({ pool: w.db.pool, now: () => new Date(now) });
  apps.push(app);
  const signNo = await signInAs(app, HOSPITAL);
  return (infno, input) => post(app, envelope(infno, input, { sign_no: signNo }));
}

async function settleAway(call: SettlementWorld['call'], prefix: string): Promise<{ mdtrt_id: string; setl_id: string }> {
  const v = ok(await call('2201', { data: { mdtrt_cert_type: '03', mdtrt_cert_no: RETIREE.card, card_sn: RETIREE.card_sn, insutype: '310' } }));
  ok(await call('2204', { feedetail: lines(v.data.mdtrt_id, RETIREE.psn_no, prefix, 40) }));
  const s = ok(await call('2207', { data: { psn_no: RETIREE.psn_no, mdtrt_id: v.data.mdtrt_id, acct_used_flag: '1' } }));
  return { mdtrt_id: v.data.mdtrt_id, setl_id: s.setlinfo.setl_id };
}

const owedOf = async (setlId: string): Promise<number> =>
  (await w.db.pool.query<{ a: number }>(`SELECT amount_fen AS a FROM cross_region_owed WHERE setl_id = $1`, [setlId])).rows[0]!.a;

async function refused(p: Promise<unknown>, kind: string, field: string): Promise<void> {
  await assert.rejects(p, (e: unknown) => e instanceof YibaoError && e.kind === kind && e.details[0]!.field === field);
}

const snapshot = async (): Promise<string> =>
  JSON.stringify((await w.db.pool.query(`SELECT (SELECT json_agg(s ORDER BY id) FROM clearing_statements s) AS s, (SELECT count(*) FROM clearing_lines) AS l, (SELECT count(*) FROM ledger_transfers) AS t`)).rows[0]);

test('a month clears into one statement per pair; later arrivals and cancellations are next month’s adjustments; both sides confirm and pay', async () => {
  const a = await settleAway(w.call, 'A');
  const b = await settleAway(w.call, 'B');
  const [owedA, owedB] = [await owedOf(a.setl_id), await owedOf(b.setl_id)];
  assert.ok(owedA > 0 && owedB > 0, `the retiree’s fund paid something in Zhuzhou: ${owedA} ${owedB}`);

  // A dry run builds and stores nothing.
  const before = await snapshot();
  const dry = await runClearing(w.db.pool, { month: '2026-03', level: 'province', dryRun: true, now: new Date('2026-04-01T02:00:00Z') });
  assert.equal(dry.statements.length, 1);
  assert.equal(await snapshot(), before, 'a dry run writes nothing');

  const march = await runClearing(w.db.pool, { month: '2026-03', level: 'province', dryRun: false, now: new Date('2026-04-01T02:00:00Z') });
  assert.equal(march.built, true);
  assert.equal(march.statements.length, 1);
  const [st] = march.statements;
  assert.equal(st!.insured_admdvs, '360000');
  assert.equal(st!.treatment_admdvs, '430000');
  assert.equal(st!.totals.amount_fen, owedA + owedB);
  assert.equal(st!.totals.count, 2);
  assert.equal(st!.totals.adjustments_count, 0);
  assert.equal(Object.values(st!.totals.by_fund).reduce((x, y) => x + y, 0), owedA + owedB, 'by fund type adds up to the statement');
  assert.deepEqual(Object.keys(st!.totals.by_insutype), ['310']);
  assert.deepEqual(march.positions, [{ admdvs: '360000', net_fen: -(owedA + owedB) }, { admdvs: '430000', net_fen: owedA + owedB }]);
  assert.equal(march.positions.reduce((x, p) => x + p.net_fen, 0), 0, 'net positions sum to zero');
  assert.deepEqual(march.pairs, [{ payer: '360000', payee: '430000', amount_fen: owedA + owedB }]);
  assert.equal(dry.statements[0]!.totals.amount_fen, st!.totals.amount_fen, 'the dry run said what the run stored');
  // No settlement within one province: the city level has nothing.
  assert.deepEqual((await runClearing(w.db.pool, { month: '202603', level: 'city', dryRun: false, now: new Date() })).statements, []);

  // Run again: the same statements, nothing written.
  const stored = await snapshot();
  const again = await runClearing(w.db.pool, { month: '202603', level: 'province', dryRun: false, now: new Date('2026-04-02T02:00:00Z') });
  assert.equal(again.built, false);
  assert.deepEqual(again.statements, march.statements);
  assert.equal(await snapshot(), stored, 'a rerun writes nothing');

  // A March settlement arriving after March was run, and an April cancellation of a cleared one.
  const late = await settleAway(await gatewayAt('2026-03-31T15:30:00Z'), 'C'); // 23:30 on 31 March in China
  const owedC = await owedOf(late.setl_id);
  const april = await gatewayAt('2026-04-10T02:00:00Z');
  const cancel = ok(await april('2208', { data: { psn_no: RETIREE.psn_no, mdtrt_id: b.mdtrt_id, setl_id: b.setl_id } }));
  assert.equal(await owedOf(cancel.setlinfo.setl_id), -owedB);
  const rerunMarch = await runClearing(w.db.pool, { month: '202603', level: 'province', dryRun: false, now: new Date() });
  assert.deepEqual(rerunMarch.statements, march.statements, 'a closed month never changes');

  const apr = await runClearing(w.db.pool, { month: '2026-04', level: 'province', dryRun: false, now: new Date('2026-05-01T02:00:00Z') });
  assert.equal(apr.statements.length, 1);
  const t = apr.statements[0]!.totals;
  assert.equal(t.amount_fen, owedC - owedB);
  assert.equal(t.count, 2);
  assert.equal(t.adjustments_count, 2, 'the late arrival and the cancellation are adjustments');
  assert.equal(t.adjustments_fen, owedC - owedB);
  const lineRows = await w.db.pool.query<{ setl_id: string; adjustment: boolean }>(`SELECT setl_id, adjustment FROM clearing_lines WHERE statement_id = $1 ORDER BY n`, [apr.statements[0]!.id]);
  assert.deepEqual(lineRows.rows.map((r) => r.setl_id).sort(), [late.setl_id, cancel.setlinfo.setl_id].sort());
  // All months together equal the settlements in force.
  const inForce = await w.db.pool.query<{ a: number }>(`SELECT sum(c.amount_fen)::bigint AS a FROM cross_region_owed c JOIN settlements s USING (setl_id) WHERE s.kind = 'settle' AND s.status = 'settled'`);
  assert.equal(march.statements[0]!.totals.amount_fen + t.amount_fen, inForce.rows[0]!.a);
  assert.equal(inForce.rows[0]!.a, owedA + owedC);

  // Confirmation: the wrong side, twice, after payment: refused, nothing changes.
  const id = st!.id!;
  const jx = { by: 'jx.finance', regions: ['360000'], now: new Date('2026-04-05T02:00:00Z') };
  const hn = { by: 'hn.finance', regions: ['430000'], now: new Date('2026-04-06T02:00:00Z') };
  const owedTo = await accountBalance(w.db.pool, 'owed_to:360400:430200');
  const owedBy = await accountBalance(w.db.pool, 'owed_by:430200:360400');
  let s0 = await snapshot();
  await refused(confirmStatement(w.db.pool, { statement_id: id, side: 'insured', ...hn }), 'forbidden', 'side');
  await refused(confirmStatement(w.db.pool, { statement_id: 999999, side: 'insured', ...jx }), 'not_found', 'statement_id');
  assert.equal(await snapshot(), s0);
  const one = await confirmStatement(w.db.pool, { statement_id: id, side: 'insured', ...jx });
  assert.equal(one.state, 'confirmed_by_insured');
  assert.equal(one.transfer_id, null);
  s0 = await snapshot();
  await refused(confirmStatement(w.db.pool, { statement_id: id, side: 'insured', ...jx }), 'conflict', 'side');
  await refused(confirmStatement(w.db.pool, { statement_id: id, side: 'treatment', ...jx }), 'forbidden', 'side');
  assert.equal(await snapshot(), s0, 'refusals change nothing');
  const paid = await confirmStatement(w.db.pool, { statement_id: id, side: 'treatment', ...hn });
  assert.equal(paid.state, 'paid');
  assert.equal(paid.insured_confirmed_by, 'jx.finance');
  assert.equal(paid.treatment_confirmed_by, 'hn.finance');
  const transfer = await findTransfer(w.db.pool, `clearing:${id}`);
  assert.ok(transfer);
  assert.equal(transfer.id, paid.transfer_id);
  assert.equal(transfer.kind, 'clearing');
  assert.deepEqual(transfer.legs, [
    { debit: 'owed_by:430200:360400', credit: 'owed_to:360400:430200', amount: owedA + owedB },
    { debit: 'bank:430000', credit: 'bank:360000', amount: owedA + owedB },
  ]);
  assert.equal(await accountBalance(w.db.pool, 'owed_to:360400:430200'), owedTo - (owedA + owedB));
  assert.equal(await accountBalance(w.db.pool, 'owed_by:430200:360400'), owedBy + (owedA + owedB));
  assert.equal(await accountBalance(w.db.pool, 'owed_to:360400:430200'), owedC - owedB, 'what is left is April’s statement');
  assert.equal(await accountBalance(w.db.pool, 'bank:430000'), owedA + owedB);
  s0 = await snapshot();
  await refused(confirmStatement(w.db.pool, { statement_id: id, side: 'treatment', ...hn }), 'conflict', 'state');
  await refused(confirmStatement(w.db.pool, { statement_id: id, side: 'insured', ...jx }), 'conflict', 'state');
  assert.equal(await snapshot(), s0, 'a paid statement stays as it is');
  const clearings = await w.db.pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM ledger_transfers WHERE kind = 'clearing'`);
  assert.equal(clearings.rows[0]!.n, 1, 'one clearing transfer');
  await assertBooksHold(w.db.pool);
});

test('a month and a level are checked', async () => {
  await refused(runClearing(w.db.pool, { month: '2026-13', level: 'province', dryRun: true, now: new Date() }), 'invalid', 'month');
  await refused(runClearing(w.db.pool, { month: '2026-11', level: 'county' as 'city', dryRun: true, now: new Date() }), 'invalid', 'level');
});

test('migration 015 turns the positive cross_region_owed of a stored cancellation negative', async () => {
  // As written before 015: a cancellation's row held what its settlement owed, positive.
  const c = await w.db.pool.query<{ setl_id: string; a: number }>(`SELECT c.setl_id, c.amount_fen AS a FROM cross_region_owed c JOIN settlements s USING (setl_id) WHERE s.kind = 'cancel'`);
  assert.equal(c.rows.length, 1);
  assert.ok(c.rows[0]!.a < 0);
  await w.db.pool.query(`UPDATE cross_region_owed SET amount_fen = -amount_fen WHERE setl_id = $1`, [c.rows[0]!.setl_id]);
  const sql = fs.readFileSync(path.join(migrationsDir(), '015_clearing.sql'), 'utf8');
  const correction = sql.slice(sql.indexOf('UPDATE cross_region_owed'));
  await w.db.pool.query(correction);
  await w.db.pool.query(correction); // and a second time changes nothing
  const after = await w.db.pool.query<{ a: number }>(`SELECT amount_fen AS a FROM cross_region_owed WHERE setl_id = $1`, [c.rows[0]!.setl_id]);
  assert.equal(after.rows[0]!.a, c.rows[0]!.a);
  const settled = await w.db.pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM cross_region_owed c JOIN settlements s USING (setl_id) WHERE s.kind = 'settle' AND c.amount_fen < 0`);
  assert.equal(settled.rows[0]!.n, 0, 'settlements keep their positive rows');
});
