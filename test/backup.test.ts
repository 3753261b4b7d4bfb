import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../src/server/app.ts';
import { createPool, type Pool } from '../src/store/db.ts';
import { startEmbeddedPostgres } from '../src/store/embedded.ts';
import { BackupError, backupDatabase, restoreDatabase } from '../src/store/backup.ts';
import { seedSettlementDocuments } from '../src/store/documents/seed.ts';
import { NOW, RESIDENT, envelope, post, seedRegistry, signInAs } from './support/gateway-world.ts';
import { assertBooksHold, lines } from './support/settlement-world.ts';
import { freshDatabase, type TestDatabase } from './support/db.ts';

// Backup and restore (issue 18, docs/operations.md "Backup and restore"): a backup taken while
// hospitals keep settling holds every settlement acknowledged before it began; restored into an
// empty database the books balance, a retried message is answered from the log and never pays
// twice, and new settlements continue past the restored numbers. A damaged, cut-off or tampered
// file, and a target that holds data, are refused and change nothing.

const ROOT = path.resolve(import.meta.dirname, '..');
let source: TestDatabase;
let app: FastifyInstance;
let signNo = '';
let dir: string;
const empties: TestDatabase[] = [];

/** A new database with nothing in it (not the migrated template): what a restore goes into. */
async function emptyDatabase(): Promise<TestDatabase> {
  const db = await freshDatabase({ empty: true });
  empties.push(db);
  return db;
}

const rows = async (pool: Pool, table: string): Promise<number> => (await pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${table}`)).rows[0]!.n;

async function refused(work: Promise<unknown>, pattern: RegExp): Promise<BackupError> {
  try {
    await work;
  } catch (err) {
    assert.ok(err instanceof BackupError, `a BackupError, not ${String(err)}`);
    assert.match(err.message, pattern);
    assert.ok(err.zh && err.en, 'both languages');
    return err;
  }
  assert.fail(`not refused (expected ${pattern})`);
}

interface Settled {
  msgid: string;
  setl_id: string;
  mdtrt_id: string;
  output: unknown;
  at: number;
}

async function settleOne(a: FastifyInstance, sign: string, tag: string): Promise<Settled | undefined> {
  const call = (infno: string, input: unknown) => {
    const e = envelope(infno, input, { sign_no: sign });
    return post(a, e).then((r) => ({ body: r.body, msgid: String(e['msgid']) }));
  };
  const reg = await call('2201', { data: { psn_no: RESIDENT.psn_no, insutype: '390', begntime: '2026-03-15 10:00:00' } });
  if (reg.body.infcode !== 0) return undefined;
  const id = reg.body.output.data.mdtrt_id as string;
  const up = await call('2204', { feedetail: lines(id, RESIDENT.psn_no, tag) });
  if (up.body.infcode !== 0) return undefined;
  const s = await call('2207', { data: { psn_no: RESIDENT.psn_no, mdtrt_id: id } });
  if (s.body.infcode !== 0) return undefined;
  return { msgid: s.msgid, setl_id: s.body.output.setlinfo.setl_id, mdtrt_id: id, output: s.body.output, at: Date.now() };
}

before(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'yibao-backup-'));
  fs.chmodSync(dir, 0o755); // the embedded PostgreSQL of the fresh data folder runs as another user when the tests run as root
  source = await freshDatabase();
  await seedRegistry(source.pool);
  await seedSettlementDocuments(source.pool);
  app = await buildApp({ pool: source.pool, now: () => NOW });
  signNo = await signInAs(app);
});
after(async () => {
  await app?.close();
  for (const e of empties) await e.drop();
  await source?.drop();
  fs.rmSync(dir, { recursive: true, force: true });
});

let file = '';
let ackedBefore: Settled[] = [];

test('a backup under gateway load holds every settlement acknowledged before it began; restored, the books balance and a retry pays nothing', async () => {
  const settled: Settled[] = [];
  const errors: string[] = [];
  let stop = false;
  const worker = async (w: number): Promise<void> => {
    for (let i = 0; !stop; i++) {
      const s = await settleOne(app, signNo, `B${w}-${i}-`).catch((e: unknown) => void errors.push(String(e)));
      if (s) settled.push(s);
    }
  };
  const load = [0, 1, 2].map((w) => worker(w));
  while (settled.length < 6) await new Promise((r) => setTimeout(r, 20));
  const began = Date.now();
  file = path.join(dir, 'yibao.backup.gz');
  const report = await backupDatabase(source.pool, file);
  const during = settled.filter((s) => s.at >= began).length;
  const atEnd = settled.length;
  while (settled.length < atEnd + 3) await new Promise((r) => setTimeout(r, 20));
  stop = true;
  await Promise.all(load);
  assert.deepEqual(errors, []);
  ackedBefore = settled.filter((s) => s.at < began);
  assert.ok(ackedBefore.length >= 6 && report.rows > 0 && report.tables > 50, `${ackedBefore.length} acknowledged before, ${report.tables} tables`);
  assert.ok(!fs.existsSync(`${file}.partial`), 'the partial file was renamed into place');
  assert.ok(settled.length > report.counts['settlements']!, `settlements went on after the snapshot (${during} during the backup)`);

  const target = await emptyDatabase();
  const restored = await restoreDatabase(target.pool, file);
  assert.deepEqual(restored.counts, report.counts, 'every table restored with the rows the backup wrote');
  for (const [table, n] of Object.entries(report.counts)) assert.equal(await rows(target.pool, table), n, table);
  // The snapshot is one instant: exactly the settlements that existed then, each with its books.
  const stored = new Map((await target.pool.query<{ msgid: string; setl_id: string }>(`SELECT msgid, setl_id FROM settlements WHERE kind = 'settle'`)).rows.map((r) => [r.msgid, r.setl_id]));
  for (const s of ackedBefore) assert.equal(stored.get(s.msgid), s.setl_id, `settlement ${s.setl_id} acknowledged before the backup is restored`);
  await assertBooksHold(target.pool);

  // The restored platform answers a retry from the log, the same answer, nothing paid twice.
  const app2 = await buildApp({ pool: target.pool, now: () => NOW });
  try {
    const first = ackedBefore[0]!;
    const transfers = await rows(target.pool, 'ledger_transfers');
    const retried = await post(app2, { ...envelope('2207', { data: { psn_no: RESIDENT.psn_no, mdtrt_id: first.mdtrt_id } }, { sign_no: signNo }), msgid: first.msgid });
    assert.deepEqual(retried.body.output, first.output, 'answered from the restored log');
    assert.equal(await rows(target.pool, 'ledger_transfers'), transfers, 'no second payment');
    // The sequences were set past the restored rows: a new visit and settlement get new numbers.
    const fresh = await settleOne(app2, await signInAs(app2), 'AFTER-');
    assert.ok(fresh, 'a new settlement on the restored platform');
    assert.ok(!stored.has(fresh.msgid) && ![...stored.values()].includes(fresh.setl_id), 'a new settlement number');
    await assertBooksHold(target.pool);
  } finally {
    await app2.close();
  }

  // A restore into a database that holds data is refused and changes nothing.
  const before = await rows(target.pool, 'settlements');
  await refused(restoreDatabase(target.pool, file), /not empty.*settlements/);
  assert.equal(await rows(target.pool, 'settlements'), before);
  // And the backup never overwrites a file.
  await refused(backupDatabase(source.pool, file), /already exists/);
});

test('a cut-off, tampered or foreign file is refused, restores nothing, and leaves the target usable', async () => {
  assert.ok(file, 'the first test wrote a backup');
  const whole = fs.readFileSync(file);
  const cut = path.join(dir, 'cut.gz');
  fs.writeFileSync(cut, whole.subarray(0, Math.floor(whole.length * 0.6)));
  const target = await emptyDatabase();
  await refused(restoreDatabase(target.pool, cut), /damaged or incomplete.*nothing was restored/);
  for (const t of ['settlements', 'persons', 'ledger_transfers', 'regions']) assert.equal(await rows(target.pool, t), 0, `${t} stays empty`);

  // One amount changed in one row, the file recompressed: its table's checksum gives it away.
  const text = zlib.gunzipSync(whole).toString('utf8');
  const at = text.indexOf('"setl_id":"');
  assert.ok(at > 0);
  const line = text.lastIndexOf('\n', at) + 1;
  const tampered = text.slice(0, line) + text.slice(line).replace(/"medfee_sumamt":(\d)/, (_m, d: string) => `"medfee_sumamt":${(Number(d) + 1) % 10}`);
  assert.notEqual(tampered, text, 'the tamper changed something');
  const bad = path.join(dir, 'tampered.gz');
  fs.writeFileSync(bad, zlib.gzipSync(tampered));
  await refused(restoreDatabase(target.pool, bad), /checksum/);
  assert.equal(await rows(target.pool, 'settlements'), 0);

  // Not a backup at all; a backup of another schema.
  const foreign = path.join(dir, 'foreign.gz');
  fs.writeFileSync(foreign, zlib.gzipSync('{"hello":1}\n'));
  await refused(restoreDatabase(target.pool, foreign), /not a yibao backup/);
  const [manifest, ...rest] = text.split('\n');
  const old = JSON.parse(manifest!) as { migrations: string[] };
  old.migrations = old.migrations.slice(0, -1);
  const older = path.join(dir, 'older.gz');
  fs.writeFileSync(older, zlib.gzipSync([JSON.stringify(old), ...rest].join('\n')));
  await refused(restoreDatabase(target.pool, older), /schema .* is not this yibao's/);
  await refused(restoreDatabase(target.pool, path.join(dir, 'missing.gz')), /does not exist/);

  // After all that, the good file goes into the same target.
  const r = await restoreDatabase(target.pool, file);
  assert.equal(await rows(target.pool, 'settlements'), r.counts['settlements']);
  await assertBooksHold(target.pool);
});

test('`yibao backup` beside the platform and `yibao restore` into a fresh data folder, on the command line', async () => {
  const cli = (args: string[], env: Record<string, string>) =>
    spawnSync(process.execPath, ['--import', 'tsx', path.join(ROOT, 'src/cli/main.ts'), ...args], { cwd: ROOT, env: { ...process.env, DATABASE_URL: '', ...env }, encoding: 'utf8' });
  const out = path.join(dir, 'cli.backup.gz');
  const b = cli(['backup', out], { DATABASE_URL: source.url });
  assert.equal(b.status, 0, b.stderr);
  const report = JSON.parse(b.stdout) as { rows: number; counts: Record<string, number> };
  assert.ok(report.counts['settlements']! >= ackedBefore.length);
  // A new YIBAO_DATA_DIR: the command starts its embedded PostgreSQL there, restores, stops it.
  const data = path.join(dir, 'fresh-data');
  const r = cli(['restore', out], { YIBAO_DATA_DIR: data });
  assert.equal(r.status, 0, r.stderr);
  assert.equal((JSON.parse(r.stdout) as { rows: number }).rows, report.rows);
  const again = cli(['restore', out], { YIBAO_DATA_DIR: data });
  assert.notEqual(again.status, 0, 'a second restore into the same data folder is refused');
  assert.match(again.stderr, /目标数据库不是空的.*not empty/);
  const usage = cli(['backup'], { DATABASE_URL: source.url });
  assert.notEqual(usage.status, 0);
  assert.match(usage.stderr, /usage: yibao backup FILE/);
  // What a `yibao serve` on that folder will find.
  const pg = await startEmbeddedPostgres(path.join(data, 'pg'), { notice: () => undefined });
  const pool = createPool(pg.url('yibao'), 2);
  try {
    for (const t of ['settlements', 'ledger_transfers', 'persons', 'gateway_messages']) assert.equal(await rows(pool, t), report.counts[t], t);
    const stored = new Set((await pool.query<{ setl_id: string }>(`SELECT setl_id FROM settlements`)).rows.map((x) => x.setl_id));
    for (const s of ackedBefore) assert.ok(stored.has(s.setl_id), `${s.setl_id} in the restored data folder`);
    await assertBooksHold(pool);
  } finally {
    await pool.end();
    await pg.stop();
  }
});
