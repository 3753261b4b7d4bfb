import type { Queryable } from '../db.ts';

// The counters behind the sign-in limits (migration 033): one row per limit and key, a fixed
// window per row. Which limits exist and how high they are is src/app/auth/limits.ts.

export interface ThrottleCount {
  window_start: Date;
  hits: number;
  last_at: Date;
}

/** The live count of a limit's key at `now` (a window older than `windowMs` counts nothing). */
export async function readThrottle(q: Queryable, limit: string, key: string, now: Date, windowMs: number): Promise<ThrottleCount | undefined> {
  const r = await q.query<ThrottleCount>(
    `SELECT window_start, hits, last_at FROM signin_throttle WHERE limit_name = $1 AND key = $2 AND window_start > $3::timestamptz - $4 * interval '1 millisecond'`,
    [limit, key, now, windowMs],
  );
  return r.rows[0];
}

/** Counts one hit of a key, starting a new window when the old one has ended (one statement, so concurrent workers count each hit). */
export async function countThrottle(q: Queryable, limit: string, key: string, now: Date, windowMs: number): Promise<ThrottleCount> {
  const r = await q.query<ThrottleCount>(
    `INSERT INTO signin_throttle AS t (limit_name, key, window_start, hits, last_at) VALUES ($1, $2, $3, 1, $3)
     ON CONFLICT (limit_name, key) DO UPDATE SET
       window_start = CASE WHEN t.window_start <= $3::timestamptz - $4 * interval '1 millisecond' THEN $3 ELSE t.window_start END,
       hits = CASE WHEN t.window_start <= $3::timestamptz - $4 * interval '1 millisecond' THEN 1 ELSE t.hits + 1 END,
       last_at = $3
     RETURNING window_start, hits, last_at`,
    [limit, key, now, windowMs],
  );
  return r.rows[0]!;
}

/** Forgets a key's count (a right password clears its account's failures). */
export async function clearThrottle(q: Queryable, limit: string, key: string): Promise<void> {
  await q.query('DELETE FROM signin_throttle WHERE limit_name = $1 AND key = $2', [limit, key]);
}

/** Drops the rows whose windows ended before `before` (housekeeping; the counts ignore them anyway). */
export async function pruneThrottle(q: Queryable, before: Date): Promise<number> {
  const r = await q.query('DELETE FROM signin_throttle WHERE last_at < $1', [before]);
  return r.rowCount ?? 0;
}
