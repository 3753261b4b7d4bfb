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
  // Pipeline mode: a client sends a query without waiting for the answers to those before it,
  // so queries issued together (see `together`) reach the server in one write.
  // A new connection that cannot be made in 5 s fails (the server down, or every slot busy)
  // rather than leaving the request waiting without end.
  const pool = new pg.Pool({ connectionString: url, max, pipeline: true, connectionTimeoutMillis: 5000 } as pg.PoolConfig);
  // An idle client's error (e.g. the server restarting) must not crash the process.
  pool.on('error', () => undefined);
  pool.on('connect', preparing);
  return pool;
}

// Statement cache: a query with parameters is prepared once per connection and then only
// bound and executed, so PostgreSQL does not parse and plan the same text on every message.
// The texts are the code's own SQL, a bounded set; past the bound a text goes unprepared.
const statementNames = new Map<string, string>();
const MAX_STATEMENTS = 2000;

function statementName(text: string): string | undefined {
  let name = statementNames.get(text);
  if (name === undefined && statementNames.size < MAX_STATEMENTS && text.length <= 16_384) {
    name = `yibao_${statementNames.size + 1}`;
    statementNames.set(text, name);
  }
  return name;
}

function preparing(client: pg.PoolClient): void {
  // A connection lost while checked out (the server crashing) fails its queries; the event
  // itself must not crash the process.
  client.on('error', () => undefined);
  const query = client.query.bind(client) as (config: unknown, values?: unknown, callback?: unknown) => unknown;
  (client as { query: unknown }).query = (config: unknown, values?: unknown, callback?: unknown): unknown => {
    if (typeof config === 'string' && Array.isArray(values)) {
      const name = statementName(config);
      if (name) return query({ name, text: config, values }, callback);
    } else if (typeof config === 'object' && config !== null && !('submit' in config)) {
      const c = config as pg.QueryConfig;
      if (c.name === undefined && Array.isArray(c.values)) {
        const name = statementName(c.text);
        if (name) return query({ ...c, name }, values, callback);
      }
    }
    return query(config, values, callback);
  };
}

// The server gone or going (restart, crash, shutdown, too many connections) or out of room
// (its disk full, its memory), not a mistake in the request: the same request may be retried once
// it is back. SQLSTATE classes 08 (connection) and 57P (operator intervention), 53100 (disk full),
// 53200 (out of memory), 53300 (too many connections), and the socket's own errors.
const OUT_OF_RESOURCES = new Set(['53100', '53200']);
const UNAVAILABLE_CODES = new Set(['57P01', '57P02', '57P03', ...OUT_OF_RESOURCES, '53300', 'ECONNREFUSED', 'ECONNRESET', 'ENOENT', 'EPIPE', 'ETIMEDOUT']);

/** The server out of disk or memory: unavailable to the caller, and for the operator to act on. */
export function isDatabaseOutOfResources(err: unknown): boolean {
  const code = err instanceof Error ? (err as { code?: unknown }).code : undefined;
  return typeof code === 'string' && OUT_OF_RESOURCES.has(code);
}

/** Whether an error means the database cannot be reached now (rather than a failed statement). */
export function isDatabaseUnavailable(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  const code = (err as { code?: unknown }).code;
  if (typeof code === 'string' && (UNAVAILABLE_CODES.has(code) || code.startsWith('08'))) return true;
  return /Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error|the database system is (starting up|shutting down|in recovery mode)/i.test(err.message);
}

export const RETRYABLE: ReadonlySet<string> = new Set(['40001', '40P01']); // serialization failure, deadlock

/**
 * Runs `work` in one transaction: committed when it returns, rolled back when it throws, so a
 * request never leaves a partial write. Serialization failures and deadlocks are retried.
 */
export async function inTransaction<T>(pool: pg.Pool, work: (client: pg.PoolClient) => Promise<T>, maxAttempts = 5): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    const client = await pool.connect();
    try {
      // Pipelined: BEGIN travels with the work's first query.
      const begun = client.query('BEGIN');
      begun.catch(() => undefined);
      const result = await work(client);
      await begun;
      await client.query('COMMIT');
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

/**
 * A Queryable whose queries issued together (in one turn of the event loop, e.g. under
 * Promise.all) reach PostgreSQL in one write, and come back in one round trip. On a client
 * (pipeline mode, see createPool) the socket is corked until the turn ends; each statement
 * keeps its own parameters and, when named, its prepared plan; they run in the order issued,
 * each with its own snapshot, so a read issued after a lock sees what the lock waited for. On
 * a pool the queries simply run side by side on several connections.
 */
export function together(q: Queryable): Queryable {
  const stream = (q as { connection?: { stream?: { cork?: () => void; uncork?: () => void } } }).connection?.stream;
  if (!(q instanceof pg.Client) || !stream?.cork || !stream.uncork) return q;
  let corked = false;
  const query = (textOrConfig: string | pg.QueryConfig, values?: unknown[]): Promise<pg.QueryResult> => {
    if (!corked) {
      corked = true;
      stream.cork!();
      setImmediate(() => {
        corked = false;
        stream.uncork!();
      });
    }
    return (q.query as (t: string | pg.QueryConfig, v?: unknown[]) => Promise<pg.QueryResult>)(textOrConfig, values);
  };
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
