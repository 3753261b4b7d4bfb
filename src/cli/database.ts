import path from 'node:path';
import type { Config } from '../server/config.ts';
import { createPool, ensureDatabase, type Pool } from '../store/db.ts';
import { startEmbeddedPostgres } from '../store/embedded.ts';
import { migrate } from '../store/migrate.ts';

export interface OpenDatabase {
  pool: Pool;
  /** Where other processes (the HTTP workers) connect. */
  url: string;
  close: () => Promise<void>;
}

/** The configured database, migrated: `DATABASE_URL` when set, else the embedded server in `$YIBAO_DATA_DIR/pg`. */
export async function openDatabase(config: Config, log: (line: string) => void): Promise<OpenDatabase> {
  let url = config.databaseUrl;
  let stopEmbedded = async (): Promise<void> => undefined;
  if (!url) {
    const pgDir = path.join(config.dataDir, 'pg');
    log(`starting embedded PostgreSQL in ${pgDir}`);
    const embedded = await startEmbeddedPostgres(pgDir, { notice: log });
    stopEmbedded = () => embedded.stop();
    await ensureDatabase(embedded.url('postgres'), 'yibao');
    url = embedded.url('yibao');
    // The port is a new free one at each start; PostgreSQL also writes it on line 4 of pg/postmaster.pid.
    log(`embedded PostgreSQL ready: psql ${embedded.tcpUrl('yibao')}`);
  }
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
