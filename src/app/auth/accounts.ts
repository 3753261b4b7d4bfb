// Staff accounts and grid workers' consents: a new account's rules (a known role, a password of
// at least 10 characters, 6-digit regions) and who may be given a consent. The store
// (src/store/auth/accounts.ts) only reads and writes the rows.
import { conflict, invalid } from '../../engine/errors.ts';
import type { Queryable } from '../../store/db.ts';
import { writeAudit } from '../../store/audit.ts';
import { insertConsent, insertStaff, institutionRegionOf, staffRoleOf, type Consent } from '../../store/auth/accounts.ts';
import { hashPassword } from '../../store/auth/passwords.ts';
import { STAFF_ROLES, type StaffRole } from '../../store/auth/principal.ts';

export interface NewStaff {
  username: string;
  display_name: string;
  role: StaffRole;
  regions: string[];
  password: string;
  /** Role 'institution' only: the designated institution whose staff sign in with it. */
  fixmedins_code?: string | undefined;
}

/** The password rule of a staff account: at least 10 characters. */
export const MIN_PASSWORD_LENGTH = 10;

export async function createStaff(q: Queryable, s: NewStaff, actor: string, now: Date): Promise<void> {
  if (!STAFF_ROLES.includes(s.role)) throw invalid('role', '角色无效', 'unknown role');
  if (s.password.length < MIN_PASSWORD_LENGTH) throw invalid('password', '密码至少 10 位', 'a password has at least 10 characters');
  let account = s;
  if (s.role === 'institution') {
    // bound to one institution; its stored region is the institution's, though it sees no region
    if (typeof s.fixmedins_code !== 'string' || !s.fixmedins_code) throw invalid('fixmedins_code', '必填：机构账号所属的定点医药机构编码', 'required: the designated institution the account belongs to');
    const region = await institutionRegionOf(q, s.fixmedins_code);
    if (!region) throw invalid('fixmedins_code', `查无定点医药机构 ${s.fixmedins_code}`, `no designated institution ${s.fixmedins_code}`);
    account = { ...s, regions: [region] };
  } else {
    if (s.fixmedins_code !== undefined) throw invalid('fixmedins_code', '只有机构账号（role institution）属于一家机构', 'only an institution account (role institution) belongs to an institution');
    if (s.regions.length === 0 || s.regions.some((r) => !/^[0-9]{6}$/.test(r))) throw invalid('regions', '区划应为 6 位代码', 'regions are 6-digit codes');
  }
  const hash = await hashPassword(s.password);
  if (!(await insertStaff(q, account, hash, now))) throw conflict('username', `账号 ${s.username} 已存在`, `account ${s.username} exists`);
  await writeAudit(q, { actor, now }, 'staff.create', s.username, { role: s.role, regions: account.regions, ...(s.fixmedins_code ? { fixmedins_code: s.fixmedins_code } : {}) });
}

/** Records a person's consent that a grid worker (and only a grid worker) acts for them. */
export async function recordConsent(q: Queryable, c: Consent, actor: string, now: Date): Promise<void> {
  if ((await staffRoleOf(q, c.username)) !== 'grid_worker') throw invalid('username', '该账号不是网格员', 'this account is not a grid worker');
  if (!(await insertConsent(q, c))) throw conflict('consent_ref', '授权编号已存在', 'this consent reference exists');
  await writeAudit(q, { actor, now }, 'grid_consent.record', c.psn_no, { consent_ref: c.consent_ref, username: c.username });
}
