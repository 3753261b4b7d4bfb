// Sessions: how long one lives, and who is behind a token. The store keeps the rows
// (src/store/auth/accounts.ts) under the token's SHA-256.
import crypto from 'node:crypto';
import type { Queryable } from '../../store/db.ts';
import { endSession, endSessionsOf, findSession, insertSession, touchSession, type SessionHolder } from '../../store/auth/accounts.ts';
import { writeAudit } from '../../store/audit.ts';
import type { Principal } from '../../store/auth/principal.ts';

/** Sessions end after 30 idle minutes or 12 hours at most (staff share counter PCs). */
export const SESSION_IDLE_MS = 30 * 60_000;
export const SESSION_MAX_MS = 12 * 3600_000;

/** Opens a session and returns its token (the only copy: the database keeps its hash). */
export async function startSession(q: Queryable, now: Date, who: SessionHolder): Promise<string> {
  const token = crypto.randomBytes(32).toString('base64url');
  await insertSession(q, token, who, now, new Date(now.getTime() + SESSION_MAX_MS));
  return token;
}

/** The principal behind a live session token, sliding its idle clock; undefined when ended, unknown or its account disabled. */
export async function principalOfSession(q: Queryable, token: string, now: Date, touch = true): Promise<Principal | undefined> {
  const row = await findSession(q, token, now, new Date(now.getTime() - SESSION_IDLE_MS));
  if (!row) return undefined;
  if (touch) await touchSession(q, token, now);
  if (row.kind === 'staff') {
    if (row.disabled) return undefined;
    // An institution's account sees no region: only its own institution's findings and cases.
    if (row.role === 'institution') return { kind: 'staff', username: row.username!, display_name: row.display_name!, role: 'institution', regions: [], fixmedins_code: row.fixmedins_code! };
    return { kind: 'staff', username: row.username!, display_name: row.display_name!, role: row.role!, regions: row.regions! };
  }
  return { kind: 'person', psn_no: row.psn_no!, certno: row.certno!, psn_name: row.psn_name!, insuplc_admdvs: row.insuplc_admdvs! };
}

/** Ends the session of a token (sign-out); an unknown or ended one is left as it is. */
export async function signOut(q: Queryable, token: string, now: Date): Promise<void> {
  await endSession(q, token, now);
}

/**
 * Ends every live session of a staff account or a person at once (sign out everywhere, or an
 * administrator's revocation): the next request with any of their tokens is refused. Audited
 * with who did it and from where; how many sessions ended.
 */
export async function revokeSessions(q: Queryable, who: SessionHolder, by: { actor: string; ip: string }, now: Date): Promise<number> {
  const ended = await endSessionsOf(q, who, now, new Date(now.getTime() - SESSION_IDLE_MS));
  const subject = who.kind === 'staff' ? who.username : who.psn_no;
  await writeAudit(q, { actor: by.actor, now }, 'auth.sessions_revoked', subject, { kind: who.kind, ended, ip: by.ip });
  return ended;
}
