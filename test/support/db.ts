import crypto from 'node:crypto';
import { createPool, type Pool } from '../../src/store/db.ts';

// Every test file gets its own database cloned from a template that `npm test` migrated
// once, so files run in parallel against a real PostgreSQL without seeing each other.
export const TEMPLATE_DB = 'yibao_template';

export interface TestDatabase {
  pool: Pool;
  url: string;
  drop: () => Promise<void>;
}

/** A database of the test's own: the migrated template's clone, or with `empty` nothing at all (what a restore goes into). */
export async function freshDatabase(opts: { empty?: boolean } = {}): Promise<TestDatabase> {
  const adminUrl = process.env.YIBAO_TEST_ADMIN_URL;
  if (!adminUrl) throw new Error('YIBAO_TEST_ADMIN_URL is not set: run the tests with `npm test`');
  const name = 't_' + crypto.randomBytes(6).toString('hex');
  const admin = createPool(adminUrl, 1);
  // CREATE DATABASE … TEMPLATE fails if another session is copying the template at the same time.
  for (let attempt = 0; ; attempt++) {
    try {
      await admin.query(opts.empty ? `CREATE DATABASE ${name}` : `CREATE DATABASE ${name} TEMPLATE ${TEMPLATE_DB}`);
      break;
    } catch (err) {
      if (attempt > 50 || !/being accessed by other users/.test((err as Error).message)) throw err;
      await new Promise((r) => setTimeout(r, 50 + Math.random() * 100));
    }
  }
  const url = new URL(adminUrl);
  url.pathname = '/' + name;
  const pool = createPool(url.toString(), 10);
  return {
    pool,
    url: url.toString(),
    drop: async () => {
      await pool.end();
      await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await admin.end();
    },
  };
}
