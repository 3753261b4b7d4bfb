import path from 'node:path';
import type { Config } from '../server/config.ts';
import { createPool, ensureDatabase, type Pool } from '../store/db.ts';
import { runningEmbeddedUrl, startEmbeddedPostgres } from '../store/embedded.ts';
import { migrate } from '../store/migrate.ts';

export interface OpenDatabase {
  pool: Pool;
  /** Where other processes (the HTTP workers) connect. */
  url: string;
  close: () => Promise<void>;
}

/** The embedded server in `$YIBAO_DATA_DIR/pg`, started, with its `yibao` database. */
async function startEmbedded(config: Config, log: (line: string) => void): Promise<{ url: string; stop: () => Promise<void> }> {
  const pgDir = path.join(config.dataDir, 'pg');
  log(`starting embedded PostgreSQL in ${pgDir}`);
  const embedded = await startEmbeddedPostgres(pgDir, { notice: log });
  await ensureDatabase(embedded.url('postgres'), 'yibao');
  // The port is a new free one at each start; PostgreSQL also writes it on line 4 of pg/postmaster.pid.
  log(`embedded PostgreSQL ready: psql ${embedded.tcpUrl('yibao')}`);
  return { url: embedded.url('yibao'), stop: () => embedded.stop() };
}

/** The configured database, migrated: `DATABASE_URL` when set, else the embedded server in `$YIBAO_DATA_DIR/pg`. */
export async function openDatabase(config: Config, log: (line: string) => void): Promise<OpenDatabase> {
  let url = config.databaseUrl;
  let stopEmbedded = async (): Promise<void> => undefined;
  if (!url) ({ url, stop: stopEmbedded } = await startEmbedded(config, log));
  const pool = createPool(url);
  try {
    await migrate(pool, log);
  } catch (err) {
    await pool.end();
    await stopEmbedded();
    throw err;
  }
  return {
    pool,
    url,
    close: async () => {
      await pool.end();
      await stopEmbedded();
    },
  };
}

/**
 * The database for a maintenance command (backup, restore), not migrated: `DATABASE_URL` when
 * set; else the embedded server in `$YIBAO_DATA_DIR/pg` — the one `yibao serve` is running, when
 * it is, or else started for the command and stopped after.
 */
export async function maintenanceDatabase(config: Config, log: (line: string) => void): Promise<OpenDatabase> {
  const pgDir = path.join(config.dataDir, 'pg');
  const running = config.databaseUrl ? undefined : runningEmbeddedUrl(pgDir, 'yibao');
  if (running) log(`using the embedded PostgreSQL running in ${pgDir}`);
  const own = config.databaseUrl || running ? undefined : await startEmbedded(config, log);
  const url = (config.databaseUrl ?? running ?? own?.url)!;
  const pool = createPool(url, 4);
  return {
    pool,
    url,
    close: async () => {
      await pool.end();
      await own?.stop();
    },
  };
}
