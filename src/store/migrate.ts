import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Pool } from './db.ts';

// Plain SQL migrations in src/store/migrations, named NNN_name.sql, applied in order, each in
// its own transaction, under an advisory lock so two processes starting together do not race.

const MIGRATIONS_LOCK = 7_1_0_0_1;

/**
 * The project's folder (where package.json is), from src/ (tsx) and from dist/src/ (built)
 * alike: data files (migrations, policies, catalogs) are read from there, never copied.
 */
export function projectRoot(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  while (!fs.existsSync(path.join(dir, 'package.json'))) {
    const up = path.dirname(dir);
    if (up === dir) throw new Error('package.json not found above ' + import.meta.url);
    dir = up;
  }
  return dir;
}

export function migrationsDir(): string {
  return path.join(projectRoot(), 'src', 'store', 'migrations');
}

/** The migrations this code has, in the order they apply. */
export function migrationFiles(): string[] {
  return fs.readdirSync(migrationsDir()).filter((f) => /^\d{3}_[\w-]+\.sql$/.test(f)).sort();
}

export async function migrate(pool: Pool, log: (line: string) => void = () => undefined): Promise<string[]> {
  const files = migrationFiles();
  const client = await pool.connect();
  const applied: string[] = [];
  try {
    await client.query('SELECT pg_advisory_lock($1)', [MIGRATIONS_LOCK]);
    await client.query(`CREATE TABLE IF NOT EXISTS schema_migrations (
      name text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())`);
    const done = new Set((await client.query<{ name: string }>('SELECT name FROM schema_migrations')).rows.map((r) => r.name));
    for (const file of files) {
      if (done.has(file)) continue;
      const sql = fs.readFileSync(path.join(migrationsDir(), file), 'utf8');
      await client.query('BEGIN');
      try {
        await client.query(sql);
        await client.query('INSERT INTO schema_migrations (name) VALUES ($1)', [file]);
        await client.query('COMMIT');
      } catch (err) {
        await client.query('ROLLBACK');
        throw new Error(`migration ${file} failed: ${(err as Error).message}`);
      }
      applied.push(file);
      log(`applied migration ${file}`);
    }
  } finally {
    await client.query('SELECT pg_advisory_unlock($1)', [MIGRATIONS_LOCK]).catch(() => undefined);
    client.release();
  }
  return applied;
}
