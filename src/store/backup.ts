import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import readline from 'node:readline';
import { once } from 'node:events';
import zlib from 'node:zlib';
import type { Client, Pool, Queryable } from './db.ts';
import { migrate, migrationFiles } from './migrate.ts';

// Backup and restore (issue 18, docs/operations.md "Backup and restore"). A logical backup of
// every table, taken by the platform itself over its own connection: the machine's pg_dump is
// PostgreSQL 15 (Debian's) while the embedded server is 17, and pg_dump refuses a newer server.
//
// The file is gzip'd JSON lines:
//   {"format":"yibao-backup/1", "created_at", "server_version", "migrations":[…], "tables":[{name, columns}]}
//   then per table: {"table":name}, one row_to_json line per row, {"end":name,"rows":n,"sha256":hex of the row lines}
//   and last: {"complete":true,"rows":total,"sequences":[{name,last_value,is_called}]}
// Every table is read in one REPEATABLE READ snapshot, so the backup is the database as it was at
// one instant: every settlement acknowledged before the backup began is in it, with its transfers.
// The file is written as NAME.partial and renamed when complete: a backup cut off by a crash or
// a full disk never looks like a good one. Restoring checks every table's count and checksum and
// the closing line, in one transaction: a damaged or truncated file restores nothing.

export const BACKUP_FORMAT = 'yibao-backup/1';

interface TableSpec {
  name: string;
  columns: string[];
}

interface Manifest {
  format: string;
  created_at: string;
  server_version: string;
  migrations: string[];
  tables: TableSpec[];
}

interface SequenceValue {
  name: string;
  last_value: string;
  is_called: boolean;
}

export interface BackupReport {
  file: string;
  bytes: number;
  tables: number;
  rows: number;
  /** When the snapshot was taken (the database's clock). */
  snapshot_at: string;
  /** Rows per table, as written. */
  counts: Record<string, number>;
}

export interface RestoreReport {
  file: string;
  tables: number;
  rows: number;
  created_at: string;
  counts: Record<string, number>;
}

/** A refusal of backup or restore, in both languages, naming what is wrong; nothing was changed. */
export class BackupError extends Error {
  constructor(
    readonly zh: string,
    readonly en: string,
  ) {
    super(`${zh} / ${en}`);
  }
}

/** Rows fetched from a cursor, and inserted, per round trip. */
const BATCH_ROWS = 2000;
/** …unless the batch's text grows past this (a table of documents has big rows). */
const BATCH_BYTES = 8 << 20;
/** Tables with more rows than this get a progress line. */
const PROGRESS_ROWS = 50_000;
/** Whether a table's count went past a multiple of PROGRESS_ROWS (a progress line is due). */
const passes = (before: number, after: number): boolean => Math.floor(before / PROGRESS_ROWS) < Math.floor(after / PROGRESS_ROWS);

const ident = (name: string): string => `"${name.replace(/"/g, '""')}"`;

/** The public tables (not views) with their columns in order; schema_migrations is the target's own. */
async function tableSpecs(q: Queryable): Promise<TableSpec[]> {
  const r = await q.query<{ name: string; columns: string[] }>(
    `SELECT c.relname AS name, array_agg(a.attname::text ORDER BY a.attnum) AS columns
       FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
       JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
      WHERE n.nspname = 'public' AND c.relkind = 'r' AND c.relname <> 'schema_migrations'
      GROUP BY c.relname ORDER BY c.relname`,
  );
  return r.rows;
}

async function sequenceValues(q: Queryable): Promise<SequenceValue[]> {
  const names = await q.query<{ name: string }>(`SELECT sequencename AS name FROM pg_sequences WHERE schemaname = 'public' ORDER BY 1`);
  const out: SequenceValue[] = [];
  for (const { name } of names.rows) {
    const v = await q.query<{ last_value: string; is_called: boolean }>(`SELECT last_value::text, is_called FROM ${ident(name)}`);
    out.push({ name, ...v.rows[0]! });
  }
  return out;
}

/** Writes lines to a gzip file, waiting when the disk is slower than the database. */
class LineWriter {
  private readonly gzip = zlib.createGzip({ level: 6 });
  private readonly out: fs.WriteStream;
  private readonly done: Promise<void>;
  private failed: Error | undefined;

  constructor(private readonly file: string) {
    this.out = fs.createWriteStream(file, { flags: 'wx' });
    this.gzip.pipe(this.out);
    const fail = (err: Error): void => void (this.failed ??= err);
    this.gzip.on('error', fail);
    this.out.on('error', fail);
    this.done = new Promise((resolve, reject) => {
      this.out.on('close', () => (this.failed ? reject(this.failed) : resolve()));
      this.out.on('error', reject);
    });
    this.done.catch(() => undefined);
  }

  async write(text: string): Promise<void> {
    if (this.failed) throw this.failed;
    if (!this.gzip.write(text)) await Promise.race([once(this.gzip, 'drain'), this.done]);
    if (this.failed) throw this.failed;
  }

  /** Flushes and closes, then makes the file durable (fsync) before it is renamed into place. */
  async close(): Promise<void> {
    this.gzip.end();
    await this.done;
    const fd = fs.openSync(this.file, 'r+');
    try {
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
  }

  abort(): void {
    this.gzip.destroy();
    this.out.destroy();
  }
}

/**
 * A backup of the whole database into `file` (refused if it exists). Runs beside the gateway's
 * traffic: one read-only snapshot, no locks beyond ACCESS SHARE.
 */
export async function backupDatabase(pool: Pool, file: string, log: (line: string) => void = () => undefined): Promise<BackupReport> {
  const target = path.resolve(file);
  if (fs.existsSync(target)) throw new BackupError(`备份文件 ${target} 已存在，不会覆盖`, `the backup file ${target} already exists; it is not overwritten`);
  const partial = `${target}.partial`;
  fs.rmSync(partial, { force: true });
  const client = await pool.connect();
  let writer: LineWriter | undefined;
  try {
    await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
    // The snapshot is taken at the first query of the transaction: this one.
    const head = await client.query<{ at: Date; version: string }>(`SELECT statement_timestamp() AS at, current_setting('server_version') AS version`);
    const snapshotAt = head.rows[0]!.at.toISOString();
    const applied = (await client.query<{ name: string }>('SELECT name FROM schema_migrations ORDER BY name')).rows.map((r) => r.name);
    const tables = await tableSpecs(client);
    writer = new LineWriter(partial);
    const manifest: Manifest = { format: BACKUP_FORMAT, created_at: snapshotAt, server_version: head.rows[0]!.version, migrations: applied, tables };
    await writer.write(JSON.stringify(manifest) + '\n');
    const counts: Record<string, number> = {};
    let total = 0;
    for (const t of tables) {
      await writer.write(JSON.stringify({ table: t.name }) + '\n');
      const hash = crypto.createHash('sha256');
      let rows = 0;
      await client.query(`DECLARE backup_rows NO SCROLL CURSOR FOR SELECT row_to_json(t)::text AS r FROM ONLY ${ident(t.name)} t`);
      for (;;) {
        const batch = await client.query<{ r: string }>(`FETCH ${BATCH_ROWS} FROM backup_rows`);
        if (batch.rows.length === 0) break;
        let text = '';
        for (const { r } of batch.rows) {
          // One row a line: JSON strings escape their line breaks, so a raw one can only be a json
          // column's whitespace between tokens, which a space replaces without changing its value.
          const line = r.replace(/[\r\n]/g, ' ') + '\n';
          hash.update(line);
          text += line;
        }
        await writer.write(text);
        const before = rows;
        rows += batch.rows.length;
        if (passes(before, rows)) log(`backup: ${t.name} ${rows} rows…`);
      }
      await client.query('CLOSE backup_rows');
      await writer.write(JSON.stringify({ end: t.name, rows, sha256: hash.digest('hex') }) + '\n');
      counts[t.name] = rows;
      total += rows;
      if (rows >= PROGRESS_ROWS) log(`backup: ${t.name} ${rows} rows`);
    }
    // Read last: a sequence only grows, so its value now is past every value the rows above used.
    const sequences = await sequenceValues(client);
    await writer.write(JSON.stringify({ complete: true, rows: total, sequences }) + '\n');
    await client.query('COMMIT');
    await writer.close();
    writer = undefined;
    fs.renameSync(partial, target);
    const report = { file: target, bytes: fs.statSync(target).size, tables: tables.length, rows: total, snapshot_at: snapshotAt, counts };
    log(`backup: ${report.tables} tables, ${report.rows} rows, ${(report.bytes / 1048576).toFixed(1)} MB in ${target} (the database as of ${snapshotAt})`);
    return report;
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    writer?.abort();
    fs.rmSync(partial, { force: true });
    if (err instanceof BackupError) throw err;
    const why = (err as Error).message;
    throw new BackupError(`备份未完成（${why}），未留下备份文件`, `the backup did not complete (${why}); no backup file was left`);
  } finally {
    client.release();
  }
}

/** Tables whose rows say the platform has been used: a database with any of them is not a restore target. */
const ACTIVITY_TABLES = ['regions', 'institutions', 'persons', 'visits', 'settlements', 'ledger_transfers', 'staff_accounts', 'gateway_messages'];

/** Refuses a target that holds data; a fresh database, or one only migrated, is fine. */
async function assertEmptyTarget(q: Queryable): Promise<void> {
  const present = await q.query<{ name: string }>(`SELECT tablename AS name FROM pg_tables WHERE schemaname = 'public' AND tablename = ANY($1)`, [ACTIVITY_TABLES]);
  const holding: string[] = [];
  for (const { name } of present.rows) {
    const r = await q.query(`SELECT 1 FROM ${ident(name)} LIMIT 1`);
    if (r.rows.length > 0) holding.push(name);
  }
  if (holding.length > 0) {
    throw new BackupError(
      `目标数据库不是空的（${holding.join('、')} 有数据）：只恢复到新的数据库或新的 YIBAO_DATA_DIR，不覆盖现有数据`,
      `the target database is not empty (${holding.join(', ')} hold rows): restore only into a new database or a new YIBAO_DATA_DIR; existing data is never overwritten`,
    );
  }
}

/** The lines of a gzip'd backup, one at a time; a damaged or cut-off file fails the iteration. */
async function* backupLines(file: string): AsyncGenerator<string> {
  const input = fs.createReadStream(file).pipe(zlib.createGunzip());
  const lines = readline.createInterface({ input, crlfDelay: Infinity });
  // readline does not pass the gunzip stream's errors on: keep the first and throw it.
  let failure: Error | undefined;
  input.on('error', (err) => {
    failure ??= err;
    lines.close();
  });
  for await (const line of lines) {
    if (failure) break;
    yield line;
  }
  if (failure) throw failure;
}

function damaged(file: string, what: string, whatEn: string): BackupError {
  return new BackupError(`备份文件 ${file} 已损坏或不完整：${what}；没有恢复任何数据`, `the backup file ${file} is damaged or incomplete: ${whatEn}; nothing was restored`);
}

function parseLine(file: string, line: string, n: number): Record<string, unknown> {
  try {
    return JSON.parse(line) as Record<string, unknown>;
  } catch {
    throw damaged(file, `第 ${n} 行不是 JSON`, `line ${n} is not JSON`);
  }
}

/** Inserts a batch of row_to_json lines into a table, every column by name. */
async function insertRows(client: Client, table: string, lines: string[]): Promise<void> {
  await client.query(`INSERT INTO ${ident(table)} SELECT * FROM json_populate_recordset(NULL::${ident(table)}, $1::json)`, ['[' + lines.join(',') + ']']);
}

/**
 * Restores `file` into an empty database: migrates it to the backup's schema (which must be
 * this code's), then loads every table in one transaction with triggers and foreign keys
 * paused (session_replication_role = replica, so a superuser or the database owner with that
 * right), checking every table's row count and checksum; the sequences are set past every
 * restored value and the dashboard's views refreshed. Any fault rolls back the load.
 */
export async function restoreDatabase(pool: Pool, file: string, log: (line: string) => void = () => undefined): Promise<RestoreReport> {
  const source = path.resolve(file);
  if (!fs.existsSync(source)) throw new BackupError(`备份文件 ${source} 不存在`, `the backup file ${source} does not exist`);
  const lines = backupLines(source);
  let n = 0;
  /** The next line as text; undefined at the end of the file. */
  const nextRaw = async (): Promise<string | undefined> => {
    let r: IteratorResult<string>;
    try {
      r = await lines.next();
    } catch (err) {
      throw damaged(source, `解压失败（${(err as Error).message}）`, `it does not decompress (${(err as Error).message})`);
    }
    if (r.done) return undefined;
    n += 1;
    return r.value;
  };
  const next = async (): Promise<Record<string, unknown> | undefined> => {
    const raw = await nextRaw();
    return raw === undefined ? undefined : parseLine(source, raw, n);
  };
  const first = await next();
  if (!first || first['format'] !== BACKUP_FORMAT) {
    throw new BackupError(`${source} 不是 yibao 备份文件（应以 ${BACKUP_FORMAT} 清单开头）`, `${source} is not a yibao backup (it must begin with a ${BACKUP_FORMAT} manifest)`);
  }
  const manifest = first as unknown as Manifest;
  const mine = migrationFiles(); // a backup restores only into the same schema
  if (manifest.migrations.join() !== mine.join()) {
    const theirs = manifest.migrations.at(-1) ?? '(none)';
    throw new BackupError(
      `备份的数据库结构（至 ${theirs}）与本版本 yibao（至 ${mine.at(-1)}）不同：请用备份时的版本恢复，再升级`,
      `the backup's schema (up to ${theirs}) is not this yibao's (up to ${mine.at(-1)}): restore with the version that took it, then upgrade`,
    );
  }
  await assertEmptyTarget(pool);
  await migrate(pool, log);
  const theirs = new Map(manifest.tables.map((t) => [t.name, t.columns.join()]));
  const ours = await tableSpecs(pool);
  const differing = ours.filter((t) => theirs.get(t.name) !== t.columns.join()).map((t) => t.name);
  for (const name of theirs.keys()) if (!ours.some((t) => t.name === name)) differing.push(name);
  if (differing.length > 0) {
    throw new BackupError(`备份与本数据库的表结构不一致：${differing.join('、')}`, `the backup's tables differ from this database's: ${differing.join(', ')}`);
  }

  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    await client.query(`SET LOCAL session_replication_role = replica`);
    // What the migrations put in (reference rows) is in the backup too: start from nothing.
    await client.query(`TRUNCATE ${ours.map((t) => ident(t.name)).join(', ')}`);
    const counts: Record<string, number> = {};
    let total = 0;
    let sequences: SequenceValue[] | undefined;
    for (let line = await next(); line && !sequences; line = await next()) {
      if (line['complete'] === true) {
        if (line['rows'] !== total) throw damaged(source, `结尾记 ${String(line['rows'])} 行，实有 ${total} 行`, `the closing line says ${String(line['rows'])} rows, ${total} were read`);
        sequences = line['sequences'] as SequenceValue[];
        continue;
      }
      const table = line['table'];
      if (typeof table !== 'string' || !theirs.has(table) || table in counts) throw damaged(source, `第 ${n} 行应为某表的开头`, `line ${n} should begin a table`);
      const hash = crypto.createHash('sha256');
      let rows = 0;
      let batch: string[] = [];
      let bytes = 0;
      const flush = async (): Promise<void> => {
        if (batch.length > 0) await insertRows(client, table, batch);
        const before = rows;
        rows += batch.length;
        if (passes(before, rows)) log(`restore: ${table} ${rows} rows…`);
        batch = [];
        bytes = 0;
      };
      for (;;) {
        const raw = await nextRaw();
        if (raw === undefined) throw damaged(source, `表 ${table} 没有结尾`, `table ${table} has no end`);
        if (raw.startsWith('{"end":')) {
          await flush();
          const end = parseLine(source, raw, n);
          if (end['end'] !== table || end['rows'] !== rows || end['sha256'] !== hash.digest('hex')) {
            throw damaged(source, `表 ${table} 的行数或校验和不符`, `table ${table}'s row count or checksum does not match`);
          }
          break;
        }
        hash.update(raw + '\n');
        batch.push(raw);
        bytes += raw.length;
        if (batch.length >= BATCH_ROWS || bytes >= BATCH_BYTES) await flush();
      }
      counts[table] = rows;
      total += rows;
      if (rows >= PROGRESS_ROWS) log(`restore: ${table} ${rows} rows`);
    }
    if (!sequences) throw damaged(source, '缺少结尾行（文件被截断）', 'the closing line is missing (the file was cut short)');
    const missing = manifest.tables.filter((t) => !(t.name in counts)).map((t) => t.name);
    if (missing.length > 0) throw damaged(source, `缺少表 ${missing.join('、')}`, `tables ${missing.join(', ')} are missing`);
    for (const s of sequences) await client.query(`SELECT setval($1::regclass, $2::bigint, $3)`, [ident(s.name), s.last_value, s.is_called]);
    const views = await client.query<{ name: string }>(`SELECT matviewname AS name FROM pg_matviews WHERE schemaname = 'public' ORDER BY 1`);
    for (const v of views.rows) await client.query(`REFRESH MATERIALIZED VIEW ${ident(v.name)}`);
    await client.query('COMMIT');
    const report = { file: source, tables: manifest.tables.length, rows: total, created_at: manifest.created_at, counts };
    log(`restore: ${report.tables} tables, ${report.rows} rows from ${source} (the database as of ${manifest.created_at})`);
    return report;
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    if (err instanceof BackupError) throw err;
    const why = (err as Error).message;
    throw new BackupError(`恢复未完成（${why}），没有恢复任何数据`, `the restore did not complete (${why}); nothing was restored`);
  } finally {
    client.release();
    await lines.return(undefined).catch(() => undefined);
  }
}
