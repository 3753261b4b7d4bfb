// Signing in: staff with a username and password (wrong passwords lock the account), insured
// persons with their ID number and a one-time code sent to their phone. The store
// (src/store/auth/accounts.ts) reads and writes the rows; every decision is here.
import crypto from 'node:crypto';
import { rateLimited, unauthenticated, YibaoError } from '../../engine/errors.ts';
import { inTransaction, type Pool, type Queryable } from '../../store/db.ts';
import { writeAudit } from '../../store/audit.ts';
import {
  clearWrongPasswords, countWrongCode, countWrongPassword, findPersonContact, findStaffCredentials, insertSignInCode,
  lockLatestSignInCode, markCodeUsed, type StaffCredentials,
} from '../../store/auth/accounts.ts';
import { readThrottle } from '../../store/auth/throttle.ts';
import {
  CODE_FAILURES_PER_CERTNO, CODE_FAILURES_PER_IP, CODE_REQUESTS_PER_CERTNO, CODE_REQUESTS_PER_IP, CODE_RESEND_MS, hit, spent,
  STAFF_IP_FAILURES, STAFF_UNKNOWN_FAILURES, tooMany,
} from './limits.ts';
import { decoyHash, verifyPassword } from '../../store/auth/passwords.ts';
import type { Principal } from '../../store/auth/principal.ts';
import type { NotificationSender } from '../../store/cooperation/notifications.ts';
import { principalOfSession, SESSION_MAX_MS, startSession } from './sessions.ts';

/** A one-time code is good for 5 minutes and 5 tries (the per-ID-number and per-address limits are limits.ts). */
const CODE_TTL_MS = 5 * 60_000;
const CODE_MAX_ATTEMPTS = 5;
/** Five wrong passwords lock an account for 15 minutes. */
const MAX_FAILED = 5;
const LOCK_MS = 15 * 60_000;
/** Where a sign-in came from when the caller gives no address (the use cases called directly). */
export const NO_ADDRESS = 'local';

const sha256 = (s: string): Buffer => crypto.createHash('sha256').update(s).digest();

export interface SessionStart {
  token: string;
  principal: Principal;
  expires_at: Date;
}

const badCredentials = () => unauthenticated('password', '账号或密码不正确', 'wrong username or password');
const locked = (seconds: number) =>
  new YibaoError('forbidden', [{ field: 'username', zh: '密码错误次数过多，账号已暂时锁定，请 15 分钟后再试', en: 'too many wrong passwords: the account is locked for 15 minutes' }], seconds);

/**
 * The lock of a username, known or not: a real account's locked_until, or for a name that is no
 * account (or a disabled one) its own failures counted alike, so the answers tell nothing.
 */
async function lockOf(pool: Pool, name: string, row: StaffCredentials | undefined, now: Date): Promise<number | undefined> {
  if (row && !row.disabled) return row.locked_until && row.locked_until > now ? Math.ceil((row.locked_until.getTime() - now.getTime()) / 1000) : undefined;
  const c = await readThrottle(pool, STAFF_UNKNOWN_FAILURES.name, name, now, STAFF_UNKNOWN_FAILURES.windowMs);
  const until = c && c.hits >= MAX_FAILED ? c.last_at.getTime() + LOCK_MS : 0;
  return until > now.getTime() ? Math.ceil((until - now.getTime()) / 1000) : undefined;
}

export async function staffSignIn(pool: Pool, username: string, password: string, now: Date, ip: string = NO_ADDRESS): Promise<SessionStart> {
  const name = username.trim().toLowerCase();
  const audit = (action: string, detail: Record<string, unknown>) => writeAudit(pool, { actor: name, now }, action, name, { ip, ...detail });
  // An address that has spent its failures is refused before any hashing: the guesser gets nothing for its load.
  const ipWait = await spent(pool, STAFF_IP_FAILURES, ip, now);
  if (ipWait !== undefined) {
    await audit('auth.rate_limited', { limit: STAFF_IP_FAILURES.name, retry_after_s: ipWait });
    throw tooMany('username', ipWait);
  }
  const row = await findStaffCredentials(pool, name);
  // The password is checked even for an unknown account, so timing does not tell which exist.
  const ok = await verifyPassword(password, row?.password_hash ?? (await decoyHash()));
  const known = row !== undefined && !row.disabled;
  const lockedFor = await lockOf(pool, name, row, now);
  if (lockedFor !== undefined) {
    await hit(pool, STAFF_IP_FAILURES, ip, now);
    await audit('auth.sign_in_refused', { reason: 'locked', retry_after_s: lockedFor });
    throw locked(lockedFor);
  }
  if (!known || !ok) {
    await hit(pool, STAFF_IP_FAILURES, ip, now);
    const lockedNow = known
      ? await countWrongPassword(pool, row.username, MAX_FAILED, new Date(now.getTime() + LOCK_MS))
      : (await hit(pool, STAFF_UNKNOWN_FAILURES, name, now)).hits >= MAX_FAILED;
    await audit('auth.sign_in_failed', { reason: !row ? 'unknown_account' : row.disabled ? 'disabled' : 'wrong_password' });
    if (lockedNow) await audit('auth.locked', { until: new Date(now.getTime() + LOCK_MS).toISOString() });
    throw badCredentials();
  }
  return inTransaction(pool, async (c) => {
    await clearWrongPasswords(c, row.username);
    const token = await startSession(c, now, { kind: 'staff', username: row.username });
    await writeAudit(c, { actor: row.username, now }, 'auth.sign_in', row.username, { kind: 'staff', ip });
    const principal = await principalOfSession(c, token, now, false);
    return { token, principal: principal!, expires_at: new Date(now.getTime() + SESSION_MAX_MS) };
  });
}

/** Sends a 6-digit code to the person's phone through the sender given (the demo logs it). */
export async function requestSignInCode(pool: Pool, certno: string, now: Date, sender: NotificationSender, ip: string = NO_ADDRESS): Promise<{ sent_to: string }> {
  const id = certno.trim().toUpperCase();
  const audit = (action: string, subject: string, detail: Record<string, unknown>) => writeAudit(pool, { actor: `certno:${id}`, now }, action, subject, { ip, ...detail });
  // Counted per ID number whether or not it is registered, and per address: no flooding of a
  // phone, no probing of the registry by which numbers get limited.
  for (const [limit, key] of [[CODE_REQUESTS_PER_IP, ip], [CODE_REQUESTS_PER_CERTNO, id]] as const) {
    const wait = await spent(pool, limit, key, now);
    if (wait !== undefined) {
      await audit('auth.rate_limited', id, { limit: limit.name, retry_after_s: wait });
      throw tooMany('certno', wait);
    }
  }
  const last = await readThrottle(pool, CODE_REQUESTS_PER_CERTNO.name, id, now, CODE_REQUESTS_PER_CERTNO.windowMs);
  if (last && now.getTime() - last.last_at.getTime() < CODE_RESEND_MS) {
    const wait = Math.ceil((last.last_at.getTime() + CODE_RESEND_MS - now.getTime()) / 1000);
    await audit('auth.rate_limited', id, { limit: 'code_resend', retry_after_s: wait });
    throw rateLimited('certno', '验证码已发送，请 60 秒后再试', 'a code was sent less than 60 seconds ago', wait);
  }
  await hit(pool, CODE_REQUESTS_PER_IP, ip, now);
  await hit(pool, CODE_REQUESTS_PER_CERTNO, id, now);
  const person = await findPersonContact(pool, id);
  // The same answer whether or not the number is registered, so the form cannot be used to probe the registry.
  const masked = { sent_to: '已登记的手机号 / the phone number on record' };
  await audit('auth.code_requested', person?.psn_no ?? id, { registered: person !== undefined });
  if (!person) return masked;
  const code = String(crypto.randomInt(0, 1_000_000)).padStart(6, '0');
  await insertSignInCode(pool, person.psn_no, sha256(`${person.psn_no}:${code}`), now, new Date(now.getTime() + CODE_TTL_MS));
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

export async function personSignIn(pool: Pool, certno: string, code: string, now: Date, ip: string = NO_ADDRESS): Promise<SessionStart> {
  const id = certno.trim().toUpperCase();
  const audit = (q: Queryable, action: string, subject: string, detail: Record<string, unknown>) => writeAudit(q, { actor: `certno:${id}`, now }, action, subject, { ip, ...detail });
  for (const [limit, key] of [[CODE_FAILURES_PER_IP, ip], [CODE_FAILURES_PER_CERTNO, id]] as const) {
    const wait = await spent(pool, limit, key, now);
    if (wait !== undefined) {
      await audit(pool, 'auth.rate_limited', id, { limit: limit.name, retry_after_s: wait });
      throw tooMany('code', wait);
    }
  }
  // A wrong code is counted in the same transaction that read it, then refused once committed.
  const result = await inTransaction(pool, async (c): Promise<SessionStart | 'wrong'> => {
    const row = await lockLatestSignInCode(c, id);
    const usable = row && !row.used_at && row.expires_at > now && row.attempts < CODE_MAX_ATTEMPTS;
    const right = usable && crypto.timingSafeEqual(sha256(`${row.psn_no}:${code.trim()}`), row.code_sha256);
    if (!row || !right) {
      if (row && usable) await countWrongCode(c, row.id);
      await hit(c, CODE_FAILURES_PER_IP, ip, now);
      await hit(c, CODE_FAILURES_PER_CERTNO, id, now);
      const reason = !row ? 'no_code' : row.used_at ? 'used' : row.expires_at <= now ? 'expired' : row.attempts >= CODE_MAX_ATTEMPTS ? 'attempts_spent' : 'wrong_code';
      await audit(c, 'auth.sign_in_failed', row?.psn_no ?? id, { kind: 'person', reason });
      return 'wrong';
    }
    await markCodeUsed(c, row.id, now);
    const token = await startSession(c, now, { kind: 'person', psn_no: row.psn_no });
    await writeAudit(c, { actor: `person:${row.psn_no}`, now }, 'auth.sign_in', row.psn_no, { kind: 'person', ip });
    const principal = await principalOfSession(c, token, now, false);
    return { token, principal: principal!, expires_at: new Date(now.getTime() + SESSION_MAX_MS) };
  });
  if (result === 'wrong') throw badCode();
  return result;
}
