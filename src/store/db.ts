import { createRequire } from 'node:module';
import pg from 'pg';

// The text form node-postgres sends for a parameter (arrays, dates, JSON), reused for literals.
const { prepareValue } = createRequire(import.meta.url)('pg/lib/utils.js') as { prepareValue: (v: unknown) => unknown };

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

/** Runs `work` in a transaction that is always rolled back: what-if computations (pre-settlement) leave nothing. */
export async function inRolledBackTransaction<T>(pool: pg.Pool, work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    return await work(client);
  } finally {
    await client.query('ROLLBACK').catch(() => undefined);
    client.release();
  }
}

type PendingRead = { text: string; values: readonly unknown[]; resolve: (r: pg.QueryResult) => void; reject: (e: unknown) => void };

/** `text` with its $n placeholders replaced by quoted literals (outside quoted strings). */
function inlineParameters(text: string, values: readonly unknown[]): string {
  let out = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (ch === "'") quoted = !quoted;
    if (ch === '$' && !quoted && /\d/.test(text[i + 1] ?? '')) {
      let j = i + 1;
      while (j < text.length && /\d/.test(text[j]!)) j++;
      const v = prepareValue(values[Number(text.slice(i + 1, j)) - 1]);
      out += v === null || v === undefined ? 'NULL' : pg.escapeLiteral(String(v));
      i = j - 1;
      continue;
    }
    out += ch;
  }
  return out;
}

/**
 * A Queryable whose queries issued together (in one turn of the event loop, e.g. under
 * Promise.all) reach PostgreSQL as one multi-statement message: one round trip instead of one
 * each. The statements run in the order issued, each with its own snapshot, so a read issued
 * after a lock sees what the lock waited for. Parameters are sent as quoted literals of unknown
 * type, which PostgreSQL resolves from context exactly as it does untyped parameters; a
 * statement's error rejects every query of its batch. For reads and row locks on the hot path.
 */
export function batchedQueries(q: Queryable): Queryable {
  let pending: PendingRead[] = [];
  const flush = (): void => {
    const batch = pending;
    pending = [];
    if (batch.length === 1) {
      const one = batch[0]!;
      q.query(one.text, one.values as unknown[]).then(one.resolve, one.reject);
      return;
    }
    q.query(batch.map((b) => inlineParameters(b.text, b.values)).join(';\n')).then(
      (res) => {
        const all = (Array.isArray(res) ? res : [res]) as pg.QueryResult[];
        batch.forEach((b, i) => b.resolve(all[i]!));
      },
      (err: unknown) => batch.forEach((b) => b.reject(err)),
    );
  };
  const query = (textOrConfig: string | pg.QueryConfig, values: readonly unknown[] = []): Promise<pg.QueryResult> =>
    new Promise((resolve, reject) => {
      const text = typeof textOrConfig === 'string' ? textOrConfig : textOrConfig.text;
      const vals = typeof textOrConfig === 'string' ? values : (textOrConfig.values ?? []);
      if (pending.length === 0) setImmediate(flush);
      pending.push({ text, values: vals, resolve, reject });
    });
  // Repositories only call query(text | config, values); this object offers exactly that.
  return { query } as unknown as Queryable;
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
