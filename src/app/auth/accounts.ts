// Staff accounts and grid workers' consents: a new account's rules (a known role, a password of
// at least 10 characters, 6-digit regions) and who may be given a consent. The store
// (src/store/auth/accounts.ts) only reads and writes the rows.
import { conflict, invalid } from '../../engine/errors.ts';
import type { Queryable } from '../../store/db.ts';
import { writeAudit } from '../../store/audit.ts';
import { insertConsent, insertStaff, staffRoleOf, type Consent } from '../../store/auth/accounts.ts';
import { hashPassword } from '../../store/auth/passwords.ts';
import { STAFF_ROLES, type StaffRole } from '../../store/auth/principal.ts';

export interface NewStaff {
  username: string;
  display_name: string;
  role: StaffRole;
  regions: string[];
  password: string;
}

/** The password rule of a staff account: at least 10 characters. */
export const MIN_PASSWORD_LENGTH = 10;

export async function createStaff(q: Queryable, s: NewStaff, actor: string, now: Date): Promise<void> {
  if (!STAFF_ROLES.includes(s.role)) throw invalid('role', '角色无效', 'unknown role');
  if (s.password.length < MIN_PASSWORD_LENGTH) throw invalid('password', '密码至少 10 位', 'a password has at least 10 characters');
  if (s.regions.length === 0 || s.regions.some((r) => !/^[0-9]{6}$/.test(r))) throw invalid('regions', '区划应为 6 位代码', 'regions are 6-digit codes');
  const hash = await hashPassword(s.password);
  if (!(await insertStaff(q, s, hash, now))) throw conflict('username', `账号 ${s.username} 已存在`, `account ${s.username} exists`);
  await writeAudit(q, { actor, now }, 'staff.create', s.username, { role: s.role, regions: s.regions });
}

/** Records a person's consent that a grid worker (and only a grid worker) acts for them. */
export async function recordConsent(q: Queryable, c: Consent, actor: string, now: Date): Promise<void> {
  if ((await staffRoleOf(q, c.username)) !== 'grid_worker') throw invalid('username', '该账号不是网格员', 'this account is not a grid worker');
  if (!(await insertConsent(q, c))) throw conflict('consent_ref', '授权编号已存在', 'this consent reference exists');
  await writeAudit(q, { actor, now }, 'grid_consent.record', c.psn_no, { consent_ref: c.consent_ref, username: c.username });
}
