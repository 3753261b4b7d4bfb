import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import path from 'node:path';
import { freshDatabase, type TestDatabase } from './support/db.ts';
import { seedClearingMonth } from '../bench/clearing.ts';
import { seedDemo } from '../src/demo/generate.ts';
import { runClearing } from '../src/app/clearing/run.ts';

// kill -9 of a real `yibao clear` process in the middle of its run, three times, then a rerun:
// the killed runs leave nothing (one transaction), the rerun writes the statements a dry run
// predicted, each settlement on one line, and no transfer is posted by a run.

const ROOT = path.resolve(import.meta.dirname, '..');
let db: TestDatabase;
before(async () => {
  db = await freshDatabase();
  await seedDemo(db.pool, { persons: 300 });
  await seedClearingMonth(db.pool, 60_000, () => undefined);
});
after(async () => db.drop());

const state = async (): Promise<{ runs: number; statements: number; lines: number; transfers: number }> =>
  (await db.pool.query(`SELECT (SELECT count(*)::int FROM clearing_runs WHERE month = '202611') AS runs, (SELECT count(*)::int FROM clearing_statements WHERE month = '202611') AS statements,
    (SELECT count(*)::int FROM clearing_lines) AS lines, (SELECT count(*)::int FROM ledger_transfers) AS transfers`)).rows[0];

/** Starts `yibao clear` and SIGKILLs it once its run's SQL is executing in the database. */
async function killMidRun(): Promise<boolean> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'clear', '--month', '2026-11', '--level', 'province'], {
    cwd: ROOT, env: { ...process.env, DATABASE_URL: db.url, LOG_LEVEL: 'silent' }, stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  let killed = false;
  for (let i = 0; i < 600 && child.exitCode === null; i++) {
    const r = await db.pool.query(`SELECT 1 FROM pg_stat_activity WHERE datname = current_database() AND state = 'active' AND query LIKE 'WITH rows AS%' AND pid <> pg_backend_pid()`);
    if ((r.rowCount ?? 0) > 0) {
      child.kill('SIGKILL');
      killed = true;
      break;
    }
    await new Promise((r) => setTimeout(r, 10));
  }
  await exited;
  // (The run is one statement; pg_stat_activity shows only its beginning, `WITH rows AS`.)
  // The server notices the dead client and rolls its transaction back; wait until it has.
  for (let i = 0; i < 600; i++) {
    const r = await db.pool.query(`SELECT 1 FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid() AND query LIKE 'WITH rows AS%' AND state <> 'idle'`);
    if ((r.rowCount ?? 0) === 0) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  return killed;
}

test('kill -9 in the middle of a clearing run, three times, then a rerun: the same statements, each settlement once', { timeout: 300_000 }, async () => {
  const before = await state();
  const predicted = await runClearing(db.pool, { month: '2026-11', level: 'province', dryRun: true, now: new Date() });
  assert.ok(predicted.statements.length > 5);
  let kills = 0;
  for (let i = 0; i < 3; i++) {
    if (await killMidRun()) kills++;
    assert.deepEqual(await state(), before, 'a killed run leaves nothing behind');
  }
  assert.ok(kills >= 1, 'at least one run was killed while its SQL was executing');
  const run = await runClearing(db.pool, { month: '2026-11', level: 'province', dryRun: false, now: new Date() });
  const totals = (r: typeof run) => r.statements.map((s) => [s.insured_admdvs, s.treatment_admdvs, s.totals]);
  assert.deepEqual(totals(run), totals(predicted), 'the statements the dry run predicted');
  const after = await state();
  assert.equal(after.runs, 1);
  assert.equal(after.transfers, before.transfers, 'a run posts no transfer');
  const dup = await db.pool.query(`SELECT count(*)::int AS n FROM (SELECT setl_id FROM clearing_lines GROUP BY level, setl_id HAVING count(*) > 1) d`);
  assert.equal(dup.rows[0].n, 0);
  const again = await runClearing(db.pool, { month: '2026-11', level: 'province', dryRun: false, now: new Date() });
  assert.deepEqual([again.built, totals(again)], [false, totals(run)], 'a rerun returns them as stored');
  assert.deepEqual(await state(), after);
});
