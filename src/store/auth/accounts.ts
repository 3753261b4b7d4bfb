import crypto from 'node:crypto';
import type { Queryable } from '../db.ts';
import type { StaffRole } from './principal.ts';

// The rows of staff accounts, sessions, insured persons' one-time codes and grid workers'
// consents. A session token lives only in the browser's HttpOnly cookie; the database keeps its
// SHA-256, so a copy of the table cannot be replayed. The rules (how long a session lives, when
// an account locks, when a code is good) are src/app/auth/.

const sha256 = (s: string): Buffer => crypto.createHash('sha256').update(s).digest();

export interface StaffRow {
  username: string;
  display_name: string;
  role: StaffRole;
  regions: string[];
  /** Role 'institution' only: the institution the account belongs to. */
  fixmedins_code?: string | undefined;
}

/** Inserts a staff account; false when the username is taken. */
export async function insertStaff(q: Queryable, s: StaffRow, passwordHash: string, now: Date): Promise<boolean> {
  const r = await q.query(
    `INSERT INTO staff_accounts (username, display_name, role, regions, password_hash, created_at, fixmedins_code) VALUES ($1, $2, $3, $4, $5, $6, $7)
     ON CONFLICT (username) DO NOTHING`,
    [s.username, s.display_name, s.role, s.regions, passwordHash, now, s.fixmedins_code ?? null],
  );
  return (r.rowCount ?? 0) > 0;
}

export type SessionHolder = { kind: 'staff'; username: string } | { kind: 'person'; psn_no: string };

/** Stores a session under its token's SHA-256. */
export async function insertSession(q: Queryable, token: string, who: SessionHolder, now: Date, expiresAt: Date): Promise<void> {
  await q.query(
    `INSERT INTO sessions (token_sha256, kind, username, psn_no, created_at, last_seen_at, expires_at) VALUES ($1, $2, $3, $4, $5, $5, $6)`,
    [sha256(token), who.kind, who.kind === 'staff' ? who.username : null, who.kind === 'person' ? who.psn_no : null, now, expiresAt],
  );
}

export interface SessionRow {
  kind: 'staff' | 'person';
  username: string | null; display_name: string | null; role: StaffRole | null; regions: string[] | null; disabled: boolean | null; fixmedins_code: string | null;
  psn_no: string | null; certno: string | null; psn_name: string | null; insuplc_admdvs: string | null;
}

/** The live session behind a token (not ended, not expired at `now`, seen after `idleSince`) with its account or person. */
export async function findSession(q: Queryable, token: string, now: Date, idleSince: Date): Promise<SessionRow | undefined> {
  const r = await q.query<SessionRow>(
    `SELECT s.kind, a.username, a.display_name, a.role, a.regions, a.disabled, a.fixmedins_code, p.psn_no, p.certno, p.psn_name, p.insuplc_admdvs
     FROM sessions s LEFT JOIN staff_accounts a ON a.username = s.username LEFT JOIN persons p ON p.psn_no = s.psn_no
     WHERE s.token_sha256 = $1 AND s.ended_at IS NULL AND s.expires_at > $2 AND s.last_seen_at > $3`,
    [sha256(token), now, idleSince],
  );
  return r.rows[0];
}

/** Slides a session's idle clock, at most one write a minute per session. */
export async function touchSession(q: Queryable, token: string, now: Date): Promise<void> {
  await q.query(`UPDATE sessions SET last_seen_at = $2 WHERE token_sha256 = $1 AND last_seen_at < $2::timestamptz - interval '1 minute'`, [sha256(token), now]);
}

export async function endSession(q: Queryable, token: string, now: Date): Promise<void> {
  await q.query('UPDATE sessions SET ended_at = $2 WHERE token_sha256 = $1 AND ended_at IS NULL', [sha256(token), now]);
}

/** Ends every live session (not ended, not expired, seen after `idleSince`) of a staff account or a person (sign out everywhere, revocation); how many. */
export async function endSessionsOf(q: Queryable, who: SessionHolder, now: Date, idleSince: Date): Promise<number> {
  const [column, key] = who.kind === 'staff' ? ['username', who.username] : ['psn_no', who.psn_no];
  const r = await q.query(
    `UPDATE sessions SET ended_at = $2 WHERE ${column} = $1 AND ended_at IS NULL AND expires_at > $2 AND last_seen_at > $3`,
    [key, now, idleSince],
  );
  return r.rowCount ?? 0;
}

/** A staff account's regions, for deciding who may revoke its sessions; undefined when there is no such account. */
export async function staffAccountRegions(q: Queryable, username: string): Promise<string[] | undefined> {
  const r = await q.query<{ regions: string[] }>('SELECT regions FROM staff_accounts WHERE username = $1', [username]);
  return r.rows[0]?.regions;
}

export interface StaffCredentials {
  username: string;
  password_hash: string;
  disabled: boolean;
  locked_until: Date | null;
}

export async function findStaffCredentials(q: Queryable, username: string): Promise<StaffCredentials | undefined> {
  const r = await q.query<StaffCredentials>('SELECT username, password_hash, disabled, locked_until FROM staff_accounts WHERE username = $1', [username]);
  return r.rows[0];
}

/** Counts a wrong password, locking the account until `lockUntil` when it is the `maxFailed`th in a row (one statement, so concurrent tries count); whether it locked now. */
export async function countWrongPassword(q: Queryable, username: string, maxFailed: number, lockUntil: Date): Promise<boolean> {
  const r = await q.query<{ failed_signins: number }>(
    `UPDATE staff_accounts SET failed_signins = failed_signins + 1,
       locked_until = CASE WHEN failed_signins + 1 >= $2 THEN $3::timestamptz ELSE locked_until END WHERE username = $1 RETURNING failed_signins`,
    [username, maxFailed, lockUntil],
  );
  return (r.rows[0]?.failed_signins ?? 0) >= maxFailed;
}

export async function clearWrongPasswords(q: Queryable, username: string): Promise<void> {
  await q.query('UPDATE staff_accounts SET failed_signins = 0, locked_until = NULL WHERE username = $1', [username]);
}

export interface PersonContact {
  psn_no: string;
  psn_name: string;
  tel: string | null;
}

export async function findPersonContact(q: Queryable, certno: string): Promise<PersonContact | undefined> {
  const r = await q.query<PersonContact>('SELECT psn_no, psn_name, tel FROM persons WHERE certno = $1', [certno]);
  return r.rows[0];
}

export async function insertSignInCode(q: Queryable, psnNo: string, codeSha256: Buffer, now: Date, expiresAt: Date): Promise<void> {
  await q.query('INSERT INTO signin_codes (psn_no, code_sha256, created_at, expires_at) VALUES ($1, $2, $3, $4)', [psnNo, codeSha256, now, expiresAt]);
}

export interface SignInCodeRow {
  id: string;
  psn_no: string;
  code_sha256: Buffer;
  attempts: number;
  expires_at: Date;
  used_at: Date | null;
}

/** The newest one-time code of the person with this ID number, locked until the transaction ends. */
export async function lockLatestSignInCode(q: Queryable, certno: string): Promise<SignInCodeRow | undefined> {
  const r = await q.query<SignInCodeRow>(
    `SELECT s.id, s.psn_no, s.code_sha256, s.attempts, s.expires_at, s.used_at FROM signin_codes s JOIN persons p USING (psn_no)
       WHERE p.certno = $1 ORDER BY s.created_at DESC LIMIT 1 FOR UPDATE OF s`,
    [certno],
  );
  return r.rows[0];
}

export async function countWrongCode(q: Queryable, id: string): Promise<void> {
  await q.query('UPDATE signin_codes SET attempts = attempts + 1 WHERE id = $1', [id]);
}

export async function markCodeUsed(q: Queryable, id: string, now: Date): Promise<void> {
  await q.query('UPDATE signin_codes SET used_at = $2 WHERE id = $1', [id, now]);
}

/** A grid worker's active consent for a person, as its reference; undefined when none. */
export async function activeConsent(q: Queryable, username: string, psnNo: string, today: string): Promise<string | undefined> {
  const r = await q.query<{ consent_ref: string }>(
    `SELECT consent_ref FROM grid_consents WHERE username = $1 AND psn_no = $2 AND granted_on <= $3 AND (revoked_on IS NULL OR revoked_on > $3)
     ORDER BY granted_on DESC LIMIT 1`,
    [username, psnNo, today],
  );
  return r.rows[0]?.consent_ref;
}

export async function staffRoleOf(q: Queryable, username: string): Promise<string | undefined> {
  const worker = await q.query<{ role: string }>('SELECT role FROM staff_accounts WHERE username = $1', [username]);
  return worker.rows[0]?.role;
}

export interface Consent {
  consent_ref: string;
  username: string;
  psn_no: string;
  granted_on: string;
  evidence: string;
}

/** Inserts a consent; false when its reference is taken. */
export async function insertConsent(q: Queryable, c: Consent): Promise<boolean> {
  const r = await q.query('INSERT INTO grid_consents (consent_ref, username, psn_no, granted_on, evidence) VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING', [c.consent_ref, c.username, c.psn_no, c.granted_on, c.evidence]);
  return (r.rowCount ?? 0) > 0;
}

/** Persons a grid worker may act for today. */
export async function consentedPersons(q: Queryable, username: string, today: string): Promise<{ psn_no: string; certno: string; psn_name: string; consent_ref: string }[]> {
  const r = await q.query<{ psn_no: string; certno: string; psn_name: string; consent_ref: string }>(
    `SELECT p.psn_no, p.certno, p.psn_name, g.consent_ref FROM grid_consents g JOIN persons p USING (psn_no)
     WHERE g.username = $1 AND g.granted_on <= $2 AND (g.revoked_on IS NULL OR g.revoked_on > $2) ORDER BY p.psn_name`,
    [username, today],
  );
  return r.rows;
}

/** An institution's region, when the code names a stored institution (an institution account is made for one). */
export async function institutionRegionOf(q: Queryable, fixmedinsCode: string): Promise<string | undefined> {
  const r = await q.query<{ admdvs: string }>('SELECT admdvs FROM institutions WHERE fixmedins_code = $1', [fixmedinsCode]);
  return r.rows[0]?.admdvs;
}
