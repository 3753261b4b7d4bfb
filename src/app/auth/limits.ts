// The sign-in limits (issue 18, docs/operations.md "Sign-in abuse"): how many tries an account,
// an ID number and an IP address get in a window, counted in PostgreSQL (signin_throttle) so
// that every HTTP worker shares them. The per-account lock of staff passwords is sign-in.ts.
import { rateLimited, type YibaoError } from '../../engine/errors.ts';
import type { Queryable } from '../../store/db.ts';
import { countThrottle, readThrottle, type ThrottleCount } from '../../store/auth/throttle.ts';

export interface Limit {
  /** The counter's name in signin_throttle.limit_name. */
  name: string;
  /** At most this many hits in a window… */
  max: number;
  /** …of this many milliseconds, from the first hit. */
  windowMs: number;
}

const MINUTE = 60_000;

/** Wrong staff passwords (or unknown usernames) from one IP address, across all accounts: a guesser spraying usernames. */
export const STAFF_IP_FAILURES: Limit = { name: 'staff_ip_failures', max: 20, windowMs: 15 * MINUTE };
/**
 * Wrong passwords for a username that names no account (or a disabled one): locked like a real
 * account (5 failures, 15 minutes from the last), so a lock tells nothing. A real account's count
 * lasts until its next right password; this one a day.
 */
export const STAFF_UNKNOWN_FAILURES: Limit = { name: 'staff_unknown_failures', max: 5, windowMs: 24 * 60 * MINUTE };
/** One-time codes asked for one ID number (registered or not): no SMS flooding of one phone. */
export const CODE_REQUESTS_PER_CERTNO: Limit = { name: 'code_request_certno', max: 5, windowMs: 60 * MINUTE };
/** One-time codes asked for from one IP address, across ID numbers. */
export const CODE_REQUESTS_PER_IP: Limit = { name: 'code_request_ip', max: 10, windowMs: 60 * MINUTE };
/** Wrong codes entered for one ID number, across its codes (each code also dies after 5 tries). */
export const CODE_FAILURES_PER_CERTNO: Limit = { name: 'code_failure_certno', max: 10, windowMs: 60 * MINUTE };
/** Wrong codes entered from one IP address, across ID numbers. */
export const CODE_FAILURES_PER_IP: Limit = { name: 'code_failure_ip', max: 20, windowMs: 60 * MINUTE };
/** A new code for the same ID number only after this long. */
export const CODE_RESEND_MS = MINUTE;

/** Seconds until a full window of `limit` opens again. */
export function retryAfterS(count: ThrottleCount, limit: Limit, now: Date): number {
  return Math.max(1, Math.ceil((count.window_start.getTime() + limit.windowMs - now.getTime()) / 1000));
}

/** The refusal when a limit is spent: the same words whoever the key names, so it says nothing of whether an account exists. */
export function tooMany(field: string, seconds: number): YibaoError {
  const minutes = Math.ceil(seconds / 60);
  return rateLimited(field, `尝试次数过多，请 ${minutes} 分钟后再试`, `too many attempts: try again in ${minutes} minutes`, seconds);
}

/** The Retry-After of a spent limit at `now`, or undefined while it has room. */
export async function spent(q: Queryable, limit: Limit, key: string, now: Date): Promise<number | undefined> {
  const c = await readThrottle(q, limit.name, key, now, limit.windowMs);
  return c && c.hits >= limit.max ? retryAfterS(c, limit, now) : undefined;
}

/** Counts a hit; the count after it. */
export function hit(q: Queryable, limit: Limit, key: string, now: Date): Promise<ThrottleCount> {
  return countThrottle(q, limit.name, key, now, limit.windowMs);
}
