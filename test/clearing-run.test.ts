import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { seedDemo } from '../src/demo/generate.ts';
import { runClearing } from '../src/app/clearing/run.ts';
import { buildStatements, monthBounds, type ClearingLevel, type ClearingRow } from '../src/engine/clearing.ts';
import { seedClearingMonth } from '../bench/clearing.ts';
import { migrationsDir } from '../src/store/migrate.ts';
import { freshDatabase, type TestDatabase } from './support/db.ts';
import { RETIREE, ok } from './support/gateway-world.ts';
import { lines, openSettlementWorld } from './support/settlement-world.ts';

// The run's set-based SQL against the engine's rules over the same rows in memory
// (buildStatements, what the run computed in the process until issue 13's benchmark): a month
// of 3,000 cross-region settlements over the demo's regions, with late arrivals, cancellations
// within the month and cancellations of settlements a September run holds. Same statements,
// same totals, same lines in the same order with the same adjustments, at both levels. And
// what migration 019 fills for stored rows equals what the settlement's write now stores.

let db: TestDatabase;
before(async () => {
  db = await freshDatabase();
  await seedDemo(db.pool, { persons: 2000 });
  await seedClearingMonth(db.pool, 3000, () => undefined);
});
after(async () => {
  await db.drop();
});

/** The rows the November run of the level collects, read from the settlements themselves (their setldetail, not by_fund). */
async function rowsOf(level: ClearingLevel): Promise<ClearingRow[]> {
  const r = await db.pool.query<{ setl_id: string; kind: 'settle' | 'cancel'; orig_setl_id: string | null; insuplc_admdvs: string; mdtrtarea_admvs: string; insutype: string; setl_time: Date; amount_fen: number;
    setldetail: { fund_pay_type: string; fund_payamt: number }[]; acct_pay: number; cancels_cleared: boolean }>(
    `SELECT s.setl_id, s.kind, s.orig_setl_id, c.insuplc_admdvs, c.mdtrtarea_admvs, s.insutype, s.setl_time, c.amount_fen, s.setldetail, s.acct_pay,
            (s.orig_setl_id IS NOT NULL AND EXISTS (SELECT 1 FROM clearing_lines o WHERE o.level = $1 AND o.setl_id = s.orig_setl_id)) AS cancels_cleared
       FROM cross_region_owed c JOIN settlements s USING (setl_id)
      WHERE s.setl_time < $2 AND NOT EXISTS (SELECT 1 FROM clearing_lines l WHERE l.level = $1 AND l.setl_id = c.setl_id)`,
    [level, monthBounds('202611').end],
  );
  return r.rows.map((x) => {
    const sign = x.kind === 'cancel' ? -1 : 1;
    const byFund: Record<string, number> = {};
    for (const d of x.setldetail) {
      if (d.fund_pay_type !== '310200' && d.fund_pay_type !== '999996' && d.fund_payamt !== 0) byFund[d.fund_pay_type] = (byFund[d.fund_pay_type] ?? 0) + sign * Math.abs(d.fund_payamt);
    }
    if (x.acct_pay !== 0) byFund['310200'] = sign * Math.abs(x.acct_pay);
    return { setl_id: x.setl_id, kind: x.kind, orig_setl_id: x.orig_setl_id, insuplc_admdvs: x.insuplc_admdvs, mdtrtarea_admvs: x.mdtrtarea_admvs, insutype: x.insutype,
      setl_time: x.setl_time, amount_fen: x.amount_fen, by_fund: byFund, cancels_cleared: x.cancels_cleared };
  });
}

for (const level of ['province', 'city'] as const) {
  test(`the ${level} run equals the engine's statements over the same rows: totals, lines, their order and adjustments`, async () => {
    const expected = buildStatements('202611', level, await rowsOf(level));
    assert.ok(expected.length >= 5 && expected.some((s) => s.totals.adjustments_count > 0), 'several pairs, some with adjustments');
    const now = new Date('2026-12-01T02:00:00Z');
    const dry = await runClearing(db.pool, { month: '202611', level, dryRun: true, now });
    const run = await runClearing(db.pool, { month: '202611', level, dryRun: false, now });
    const shape = (ss: readonly { insured_admdvs: string; treatment_admdvs: string; totals: unknown }[]): unknown[] => ss.map((s) => [s.insured_admdvs, s.treatment_admdvs, s.totals]);
    assert.deepEqual(shape(run.statements), shape(expected));
    assert.deepEqual(shape(dry.statements), shape(expected), 'the dry run says what the run stores');
    assert.deepEqual(run.positions.reduce((a, p) => a + p.net_fen, 0), 0);
    for (const [i, s] of run.statements.entries()) {
      const lines = await db.pool.query<{ setl_id: string; n: number; amount_fen: number; adjustment: boolean }>(`SELECT setl_id, n, amount_fen, adjustment FROM clearing_lines WHERE statement_id = $1 ORDER BY n`, [s.id]);
      assert.deepEqual(lines.rows.map((l) => l.n), lines.rows.map((_, k) => k), 'lines are numbered from 0');
      assert.deepEqual(lines.rows.map((l) => [l.setl_id, l.amount_fen, l.adjustment]), expected[i]!.lines.map((l) => [l.setl_id, l.amount_fen, l.adjustment]), `${s.insured_admdvs} → ${s.treatment_admdvs}`);
    }
    const ids = run.statements.map((s) => s.id!);
    assert.deepEqual(ids, [...ids].sort((a, b) => a - b), 'statement ids follow the pairs’ order');
    const again = await runClearing(db.pool, { month: '202611', level, dryRun: false, now });
    assert.equal(again.built, false);
    assert.deepEqual(again.statements, run.statements);
  });
}

test('every cross-region row of the month is in exactly one statement of one level', async () => {
  const r = await db.pool.query<{ rows: number; lines: number; twice: number }>(
    `SELECT (SELECT count(*)::int FROM cross_region_owed WHERE clr_month IN ('202610', '202611')) AS rows,
            (SELECT count(*)::int FROM clearing_lines l JOIN clearing_statements s ON s.id = l.statement_id WHERE s.month = '202611') AS lines,
            (SELECT count(*)::int FROM (SELECT setl_id FROM clearing_lines GROUP BY setl_id HAVING count(*) > 1) x) AS twice`,
  );
  assert.deepEqual(r.rows[0], { rows: 3000, lines: 3000, twice: 0 });
});

test('migration 019 fills a stored row as the settlement’s write does: the same time, insurance type, cancelled id and amounts by fund', async () => {
  const w = await openSettlementWorld();
  try {
    const visit = ok(await w.call('2201', { data: { mdtrt_cert_type: '03', mdtrt_cert_no: RETIREE.card, card_sn: RETIREE.card_sn, insutype: '310' } }));
    ok(await w.call('2204', { feedetail: lines(visit.data.mdtrt_id, RETIREE.psn_no, 'M', 40) }));
    const s = ok(await w.call('2207', { data: { psn_no: RETIREE.psn_no, mdtrt_id: visit.data.mdtrt_id, acct_used_flag: '1' } }));
    ok(await w.call('2208', { data: { psn_no: RETIREE.psn_no, mdtrt_id: visit.data.mdtrt_id, setl_id: s.setlinfo.setl_id } }));
    const read = async (): Promise<{ setl_id: string; amount_fen: number; setl_time: Date; orig_setl_id: string | null; insutype: string; by_fund: Record<string, number> }[]> =>
      (await w.db.pool.query(`SELECT setl_id, amount_fen, setl_time, orig_setl_id, insutype, by_fund FROM cross_region_owed ORDER BY setl_id`)).rows;
    const written = await read();
    assert.equal(written.length, 2, 'the settlement and its cancellation');
    const [settled, cancelled] = written[0]!.orig_setl_id === null ? [written[0]!, written[1]!] : [written[1]!, written[0]!];
    assert.equal(cancelled.orig_setl_id, settled.setl_id);
    assert.ok(Object.keys(settled.by_fund).length >= 2, `a fund and the personal account: ${JSON.stringify(settled.by_fund)}`);
    assert.equal(Object.values(settled.by_fund).reduce((a, b) => a + b, 0), settled.amount_fen);
    assert.deepEqual(cancelled.by_fund, Object.fromEntries(Object.entries(settled.by_fund).map(([k, v]) => [k, -v])), 'a cancellation owes the negative, fund by fund');
    // The migration's fill, applied again to these rows, changes nothing.
    const sql = fs.readFileSync(path.join(migrationsDir(), '019_clearing_rows.sql'), 'utf8');
    const fill = sql.slice(sql.indexOf('UPDATE cross_region_owed'), sql.indexOf(';', sql.indexOf('UPDATE cross_region_owed')));
    await w.db.pool.query(`UPDATE cross_region_owed SET by_fund = '{}', insutype = '', setl_time = 'epoch', orig_setl_id = NULL`);
    await w.db.pool.query(fill);
    assert.deepEqual(await read(), written);
  } finally {
    await w.close();
  }
});
