import crypto from 'node:crypto';
import { conflict, forbidden, invalid, unauthenticated } from '../../engine/errors.ts';
import type { NotificationSender } from '../cooperation/notifications.ts';
import { inTransaction, type Pool, type Queryable } from '../db.ts';
import { writeAudit } from '../audit.ts';
import { decoyHash, hashPassword, verifyPassword } from './passwords.ts';
import { STAFF_ROLES, type Principal, type StaffRole } from './principal.ts';

// Staff accounts, sessions and insured persons' one-time codes. A session token lives only in
// the browser's HttpOnly cookie; the database keeps its SHA-256, so a copy of the table cannot
// be replayed.

/** Sessions end after 30 idle minutes or 12 hours at most (staff share counter PCs). */
export const SESSION_IDLE_MS = 30 * 60_000;
export const SESSION_MAX_MS = 12 * 3600_000;
/** A one-time code is good for 5 minutes and 5 tries; a new one can be asked for after 60 seconds. */
const CODE_TTL_MS = 5 * 60_000;
const CODE_MAX_ATTEMPTS = 5;
const CODE_RESEND_MS = 60_000;
/** Five wrong passwords lock an account for 15 minutes. */
const MAX_FAILED = 5;
const LOCK_MS = 15 * 60_000;

const sha256 = (s: string): Buffer => crypto.createHash('sha256').update(s).digest();

export interface NewStaff {
  username: string;
  display_name: string;
  role: StaffRole;
  regions: string[];
  password: string;
}

export async function createStaff(q: Queryable, s: NewStaff, actor: string, now: Date): Promise<void> {
  if (!STAFF_ROLES.includes(s.role)) throw invalid('role', '角色无效', 'unknown role');
  if (s.password.length < 10) throw invalid('password', '密码至少 10 位', 'a password has at least 10 characters');
  if (s.regions.length === 0 || s.regions.some((r) => !/^[0-9]{6}$/.test(r))) throw invalid('regions', '区划应为 6 位代码', 'regions are 6-digit codes');
  const hash = await hashPassword(s.password);
  const r = await q.query(
    `INSERT INTO staff_accounts (username, display_name, role, regions, password_hash, created_at) VALUES ($1, $2, $3, $4, $5, $6)
     ON CONFLICT (username) DO NOTHING`,
    [s.username, s.display_name, s.role, s.regions, hash, now],
  );
  if ((r.rowCount ?? 0) === 0) throw conflict('username', `账号 ${s.username} 已存在`, `account ${s.username} exists`);
  await writeAudit(q, { actor, now }, 'staff.create', s.username, { role: s.role, regions: s.regions });
}

export interface SessionStart {
  token: string;
  principal: Principal;
  expires_at: Date;
}

export async function startSession(q: Queryable, now: Date, who: { kind: 'staff'; username: string } | { kind: 'person'; psn_no: string }): Promise<string> {
  const token = crypto.randomBytes(32).toString('base64url');
  await q.query(
    `INSERT INTO sessions (token_sha256, kind, username, psn_no, created_at, last_seen_at, expires_at) VALUES ($1, $2, $3, $4, $5, $5, $6)`,
    [sha256(token), who.kind, who.kind === 'staff' ? who.username : null, who.kind === 'person' ? who.psn_no : null, now, new Date(now.getTime() + SESSION_MAX_MS)],
  );
  return token;
}

const badCredentials = () => unauthenticated('password', '账号或密码不正确', 'wrong username or password');

export async function staffSignIn(pool: Pool, username: string, password: string, now: Date): Promise<SessionStart> {
  const r = await pool.query<{ username: string; password_hash: string; disabled: boolean; locked_until: Date | null }>(
    'SELECT username, password_hash, disabled, locked_until FROM staff_accounts WHERE username = $1',
    [username.trim().toLowerCase()],
  );
  const row = r.rows[0];
  const ok = await verifyPassword(password, row?.password_hash ?? (await decoyHash()));
  if (!row || row.disabled) throw badCredentials();
  if (row.locked_until && row.locked_until > now) throw forbidden('username', '密码错误次数过多，账号已暂时锁定，请 15 分钟后再试', 'too many wrong passwords: the account is locked for 15 minutes');
  if (!ok) {
    await pool.query(
      `UPDATE staff_accounts SET failed_signins = failed_signins + 1,
         locked_until = CASE WHEN failed_signins + 1 >= $2 THEN $3::timestamptz ELSE locked_until END WHERE username = $1`,
      [row.username, MAX_FAILED, new Date(now.getTime() + LOCK_MS)],
    );
    await writeAudit(pool, { actor: row.username, now }, 'auth.sign_in_failed', row.username, {});
    throw badCredentials();
  }
  return inTransaction(pool, async (c) => {
    await c.query('UPDATE staff_accounts SET failed_signins = 0, locked_until = NULL WHERE username = $1', [row.username]);
    const token = await startSession(c, now, { kind: 'staff', username: row.username });
    await writeAudit(c, { actor: row.username, now }, 'auth.sign_in', row.username, { kind: 'staff' });
    const principal = await principalOfSession(c, token, now, false);
    return { token, principal: principal!, expires_at: new Date(now.getTime() + SESSION_MAX_MS) };
  });
}

/** Sends a 6-digit code to the person's phone through the sender given (the demo logs it). */
export async function requestSignInCode(pool: Pool, certno: string, now: Date, sender: NotificationSender): Promise<{ sent_to: string }> {
  const r = await pool.query<{ psn_no: string; psn_name: string; tel: string | null }>('SELECT psn_no, psn_name, tel FROM persons WHERE certno = $1', [certno.trim().toUpperCase()]);
  const person = r.rows[0];
  // The same answer whether or not the number is registered, so the form cannot be used to probe the registry.
  const masked = { sent_to: '已登记的手机号 / the phone number on record' };
  if (!person) return masked;
  const last = await pool.query<{ created_at: Date }>('SELECT created_at FROM signin_codes WHERE psn_no = $1 ORDER BY created_at DESC LIMIT 1', [person.psn_no]);
  if (last.rows[0] && now.getTime() - last.rows[0].created_at.getTime() < CODE_RESEND_MS) {
    throw conflict('certno', '验证码已发送，请 60 秒后再试', 'a code was sent less than 60 seconds ago');
  }
  const code = String(crypto.randomInt(0, 1_000_000)).padStart(6, '0');
  await pool.query('INSERT INTO signin_codes (psn_no, code_sha256, created_at, expires_at) VALUES ($1, $2, $3, $4)', [
    person.psn_no, sha256(`${person.psn_no}:${code}`), now, new Date(now.getTime() + CODE_TTL_MS),
  ]);
  await sender.send(
    {
      id: 0, psn_no: person.psn_no, channel: sender.channel, subject: 'auth.code',
      title_zh: '医保登录验证码', title_en: 'yibao sign-in code',
      body_zh: `您的验证码是 ${code}，5 分钟内有效，请勿告诉他人。`, body_en: `Your code is ${code}, valid for 5 minutes. Do not share it.`,
      created_at: now, delivered_at: null, read_at: null,
    },
    { tel: person.tel, psn_name: person.psn_name },
  );
  return { sent_to: person.tel ? `${person.tel.slice(0, 3)}****${person.tel.slice(-4)}` : masked.sent_to };
}

const badCode = () => unauthenticated('code', '验证码不正确或已过期', 'the code is wrong or has expired');

export async function personSignIn(pool: Pool, certno: string, code: string, now: Date): Promise<SessionStart> {
  // A wrong code is counted in the same transaction that read it, then refused once committed.
  const result = await inTransaction(pool, async (c): Promise<SessionStart | 'wrong'> => {
    const r = await c.query<{ id: string; psn_no: string; code_sha256: Buffer; attempts: number; expires_at: Date; used_at: Date | null }>(
      `SELECT s.id, s.psn_no, s.code_sha256, s.attempts, s.expires_at, s.used_at FROM signin_codes s JOIN persons p USING (psn_no)
       WHERE p.certno = $1 ORDER BY s.created_at DESC LIMIT 1 FOR UPDATE OF s`,
      [certno.trim().toUpperCase()],
    );
    const row = r.rows[0];
    if (!row || row.used_at || row.expires_at <= now || row.attempts >= CODE_MAX_ATTEMPTS) return 'wrong';
    const given = sha256(`${row.psn_no}:${code.trim()}`);
    if (!crypto.timingSafeEqual(given, row.code_sha256)) {
      await c.query('UPDATE signin_codes SET attempts = attempts + 1 WHERE id = $1', [row.id]);
      return 'wrong';
    }
    await c.query('UPDATE signin_codes SET used_at = $2 WHERE id = $1', [row.id, now]);
    const token = await startSession(c, now, { kind: 'person', psn_no: row.psn_no });
    await writeAudit(c, { actor: `person:${row.psn_no}`, now }, 'auth.sign_in', row.psn_no, { kind: 'person' });
    const principal = await principalOfSession(c, token, now, false);
    return { token, principal: principal!, expires_at: new Date(now.getTime() + SESSION_MAX_MS) };
  });
  if (result === 'wrong') throw badCode();
  return result;
}

/** The principal behind a live session token, sliding its idle clock; undefined when ended or unknown. */
export async function principalOfSession(q: Queryable, token: string, now: Date, touch = true): Promise<Principal | undefined> {
  const r = await q.query<{
    kind: 'staff' | 'person'; username: string | null; display_name: string | null; role: StaffRole | null; regions: string[] | null; disabled: boolean | null;
    psn_no: string | null; certno: string | null; psn_name: string | null; insuplc_admdvs: string | null;
  }>(
    `SELECT s.kind, a.username, a.display_name, a.role, a.regions, a.disabled, p.psn_no, p.certno, p.psn_name, p.insuplc_admdvs
     FROM sessions s LEFT JOIN staff_accounts a ON a.username = s.username LEFT JOIN persons p ON p.psn_no = s.psn_no
     WHERE s.token_sha256 = $1 AND s.ended_at IS NULL AND s.expires_at > $2 AND s.last_seen_at > $3`,
    [sha256(token), now, new Date(now.getTime() - SESSION_IDLE_MS)],
  );
  const row = r.rows[0];
  if (!row) return undefined;
  if (touch) {
    // At most one write a minute per session.
    await q.query(`UPDATE sessions SET last_seen_at = $2 WHERE token_sha256 = $1 AND last_seen_at < $2::timestamptz - interval '1 minute'`, [sha256(token), now]);
  }
  if (row.kind === 'staff') {
    if (row.disabled) return undefined;
    return { kind: 'staff', username: row.username!, display_name: row.display_name!, role: row.role!, regions: row.regions! };
  }
  return { kind: 'person', psn_no: row.psn_no!, certno: row.certno!, psn_name: row.psn_name!, insuplc_admdvs: row.insuplc_admdvs! };
}

export async function endSession(q: Queryable, token: string, now: Date): Promise<void> {
  await q.query('UPDATE sessions SET ended_at = $2 WHERE token_sha256 = $1 AND ended_at IS NULL', [sha256(token), now]);
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

export async function recordConsent(q: Queryable, c: { consent_ref: string; username: string; psn_no: string; granted_on: string; evidence: string }, actor: string, now: Date): Promise<void> {
  const worker = await q.query<{ role: string }>('SELECT role FROM staff_accounts WHERE username = $1', [c.username]);
  if (worker.rows[0]?.role !== 'grid_worker') throw invalid('username', '该账号不是网格员', 'this account is not a grid worker');
  const r = await q.query('INSERT INTO grid_consents (consent_ref, username, psn_no, granted_on, evidence) VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING', [c.consent_ref, c.username, c.psn_no, c.granted_on, c.evidence]);
  if ((r.rowCount ?? 0) === 0) throw conflict('consent_ref', '授权编号已存在', 'this consent reference exists');
  await writeAudit(q, { actor, now }, 'grid_consent.record', c.psn_no, { consent_ref: c.consent_ref, username: c.username });
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
