import crypto from 'node:crypto';
import type { FastifyInstance, InjectOptions } from 'fastify';
import { startSession } from '../../src/app/auth/sessions.ts';
import { hashPassword } from '../../src/store/auth/passwords.ts';
import type { StaffRole } from '../../src/store/auth/principal.ts';
import type { Pool } from '../../src/store/db.ts';
import { SESSION_COOKIE } from '../../src/server/auth/hook.ts';

// Tests sign in like everyone else: a real staff account and a real session row. The session
// is made directly (no password round trip per test file) and never idles out, because test
// clocks jump by days and months.

export interface TestStaff {
  username: string;
  role: StaffRole;
  regions: string[];
  password?: string;
}

export async function createTestStaff(pool: Pool, s: TestStaff): Promise<void> {
  await pool.query(
    `INSERT INTO staff_accounts (username, display_name, role, regions, password_hash) VALUES ($1, $1, $2, $3, $4) ON CONFLICT (username) DO NOTHING`,
    [s.username, s.role, s.regions, s.password ? await hashPassword(s.password) : 'scrypt$unusable'],
  );
}

/** A session cookie for a staff member (created when missing). */
export async function staffCookie(pool: Pool, s: TestStaff): Promise<string> {
  await createTestStaff(pool, s);
  return lastingCookie(pool, { kind: 'staff', username: s.username });
}

/** A session cookie for an insured person, without the one-time code round trip. */
export async function personCookie(pool: Pool, psn_no: string): Promise<string> {
  return lastingCookie(pool, { kind: 'person', psn_no });
}

async function lastingCookie(pool: Pool, who: { kind: 'staff'; username: string } | { kind: 'person'; psn_no: string }): Promise<string> {
  const token = await startSession(pool, new Date(), who);
  const sha = crypto.createHash('sha256').update(token).digest();
  await pool.query(`UPDATE sessions SET last_seen_at = 'infinity', expires_at = 'infinity' WHERE token_sha256 = $1`, [sha]);
  return `${SESSION_COOKIE}=${token}`;
}

/** Every later `app.inject` carries this cookie unless the call sets its own. */
export function injectAs(app: FastifyInstance, cookie: string): void {
  const inject = app.inject.bind(app) as (o: InjectOptions) => ReturnType<FastifyInstance['inject']>;
  (app as { inject: unknown }).inject = (opts: InjectOptions) => {
    const headers = { ...(opts.headers ?? {}) } as Record<string, string>;
    if (headers.cookie === undefined) headers.cookie = cookie;
    return inject({ ...opts, headers });
  };
}

/** The administrator the existing API tests act as: everything, everywhere. */
export async function actAsAdmin(app: FastifyInstance, pool: Pool, username = 'tester'): Promise<void> {
  injectAs(app, await staffCookie(pool, { username, role: 'admin', regions: ['000000'] }));
}
