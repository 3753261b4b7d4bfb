// Signing in: staff with a username and password (wrong passwords lock the account), insured
// persons with their ID number and a one-time code sent to their phone. The store
// (src/store/auth/accounts.ts) reads and writes the rows; every decision is here.
import crypto from 'node:crypto';
import { conflict, forbidden, unauthenticated } from '../../engine/errors.ts';
import { inTransaction, type Pool } from '../../store/db.ts';
import { writeAudit } from '../../store/audit.ts';
import {
  clearWrongPasswords, countWrongCode, countWrongPassword, findPersonContact, findStaffCredentials, insertSignInCode,
  lastSignInCodeAt, lockLatestSignInCode, markCodeUsed,
} from '../../store/auth/accounts.ts';
import { decoyHash, verifyPassword } from '../../store/auth/passwords.ts';
import type { Principal } from '../../store/auth/principal.ts';
import type { NotificationSender } from '../../store/cooperation/notifications.ts';
import { principalOfSession, SESSION_MAX_MS, startSession } from './sessions.ts';

/** A one-time code is good for 5 minutes and 5 tries; a new one can be asked for after 60 seconds. */
const CODE_TTL_MS = 5 * 60_000;
const CODE_MAX_ATTEMPTS = 5;
const CODE_RESEND_MS = 60_000;
/** Five wrong passwords lock an account for 15 minutes. */
const MAX_FAILED = 5;
const LOCK_MS = 15 * 60_000;

const sha256 = (s: string): Buffer => crypto.createHash('sha256').update(s).digest();

export interface SessionStart {
  token: string;
  principal: Principal;
  expires_at: Date;
}

const badCredentials = () => unauthenticated('password', '账号或密码不正确', 'wrong username or password');

export async function staffSignIn(pool: Pool, username: string, password: string, now: Date): Promise<SessionStart> {
  const row = await findStaffCredentials(pool, username.trim().toLowerCase());
  // The password is checked even for an unknown account, so timing does not tell which exist.
  const ok = await verifyPassword(password, row?.password_hash ?? (await decoyHash()));
  if (!row || row.disabled) throw badCredentials();
  if (row.locked_until && row.locked_until > now) throw forbidden('username', '密码错误次数过多，账号已暂时锁定，请 15 分钟后再试', 'too many wrong passwords: the account is locked for 15 minutes');
  if (!ok) {
    await countWrongPassword(pool, row.username, MAX_FAILED, new Date(now.getTime() + LOCK_MS));
    await writeAudit(pool, { actor: row.username, now }, 'auth.sign_in_failed', row.username, {});
    throw badCredentials();
  }
  return inTransaction(pool, async (c) => {
    await clearWrongPasswords(c, row.username);
    const token = await startSession(c, now, { kind: 'staff', username: row.username });
    await writeAudit(c, { actor: row.username, now }, 'auth.sign_in', row.username, { kind: 'staff' });
    const principal = await principalOfSession(c, token, now, false);
    return { token, principal: principal!, expires_at: new Date(now.getTime() + SESSION_MAX_MS) };
  });
}

/** Sends a 6-digit code to the person's phone through the sender given (the demo logs it). */
export async function requestSignInCode(pool: Pool, certno: string, now: Date, sender: NotificationSender): Promise<{ sent_to: string }> {
  const person = await findPersonContact(pool, certno.trim().toUpperCase());
  // The same answer whether or not the number is registered, so the form cannot be used to probe the registry.
  const masked = { sent_to: '已登记的手机号 / the phone number on record' };
  if (!person) return masked;
  const last = await lastSignInCodeAt(pool, person.psn_no);
  if (last && now.getTime() - last.getTime() < CODE_RESEND_MS) {
    throw conflict('certno', '验证码已发送，请 60 秒后再试', 'a code was sent less than 60 seconds ago');
  }
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

export async function personSignIn(pool: Pool, certno: string, code: string, now: Date): Promise<SessionStart> {
  // A wrong code is counted in the same transaction that read it, then refused once committed.
  const result = await inTransaction(pool, async (c): Promise<SessionStart | 'wrong'> => {
    const row = await lockLatestSignInCode(c, certno.trim().toUpperCase());
    if (!row || row.used_at || row.expires_at <= now || row.attempts >= CODE_MAX_ATTEMPTS) return 'wrong';
    const given = sha256(`${row.psn_no}:${code.trim()}`);
    if (!crypto.timingSafeEqual(given, row.code_sha256)) {
      await countWrongCode(c, row.id);
      return 'wrong';
    }
    await markCodeUsed(c, row.id, now);
    const token = await startSession(c, now, { kind: 'person', psn_no: row.psn_no });
    await writeAudit(c, { actor: `person:${row.psn_no}`, now }, 'auth.sign_in', row.psn_no, { kind: 'person' });
    const principal = await principalOfSession(c, token, now, false);
    return { token, principal: principal!, expires_at: new Date(now.getTime() + SESSION_MAX_MS) };
  });
  if (result === 'wrong') throw badCode();
  return result;
}
