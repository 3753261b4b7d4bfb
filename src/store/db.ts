import pg from 'pg';

// The only module that creates connections. Repositories take a `Queryable` (a pool or a
// client inside a transaction) so the caller decides the transaction boundary.

// bigint columns (money in fen, counters) come back as JS numbers: every amount the platform
// handles is far below 2^53 fen (9e13 yuan), and `assertSafeFen` guards the boundary.
pg.types.setTypeParser(pg.types.builtins.INT8, (v: string) => {
  const n = Number(v);
  if (!Number.isSafeInteger(n)) throw new Error(`int8 ${v} exceeds the safe integer range`);
  return n;
});
// `date` columns stay ISO strings (yyyy-mm-dd): no time zone may shift a birth date or a filing's end.
pg.types.setTypeParser(pg.types.builtins.DATE, (v: string) => v);

export type Pool = pg.Pool;
export type Client = pg.PoolClient;
export type Queryable = pg.Pool | pg.PoolClient;

export function createPool(url: string, max = 20): pg.Pool {
  const pool = new pg.Pool({ connectionString: url, max });
  // An idle client's error (e.g. the server restarting) must not crash the process.
  pool.on('error', () => undefined);
  return pool;
}

const RETRYABLE = new Set(['40001', '40P01']); // serialization failure, deadlock

/** Statements sent in the same round trip as BEGIN and COMMIT (literal SQL: no parameters). */
export interface Batched<T> {
  /** Sent with BEGIN; their results reach `work`, in order. */
  begin?: string;
  /** Sent before COMMIT, built from what `work` returned; undefined sends COMMIT alone. */
  commit?: (result: T) => string | undefined;
}

/** Quotes a value as an SQL literal, for the batched statements above. */
export const literal = (value: string): string => pg.escapeLiteral(value);

/**
 * Runs `work` in one transaction: committed when it returns, rolled back when it throws, so a
 * request never leaves a partial write. Serialization failures and deadlocks are retried.
 */
export async function inTransaction<T>(
  pool: pg.Pool,
  work: (client: pg.PoolClient, begun: pg.QueryResult[]) => Promise<T>,
  maxAttempts = 5,
  batched: Batched<T> = {},
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    const client = await pool.connect();
    try {
      const begun = await client.query(batched.begin ? `BEGIN; ${batched.begin}` : 'BEGIN');
      const result = await work(client, (Array.isArray(begun) ? begun : [begun]).slice(1));
      const before = batched.commit?.(result);
      await client.query(before ? `${before}; COMMIT` : 'COMMIT');
      return result;
    } catch (err) {
      await client.query('ROLLBACK').catch(() => undefined);
      const code = (err as { code?: string }).code;
      if (code && RETRYABLE.has(code) && attempt < maxAttempts) continue;
      throw err;
    } finally {
      client.release();
    }
  }
}

/** Creates `database` on the server behind `adminUrl` unless it exists. */
export async function ensureDatabase(adminUrl: string, database: string): Promise<void> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    const found = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [database]);
    if (found.rowCount === 0) await client.query(`CREATE DATABASE "${database.replace(/"/g, '""')}"`);
  } finally {
    await client.end();
  }
}
