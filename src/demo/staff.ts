import type { Queryable } from '../store/db.ts';
import { hashPassword } from '../store/auth/passwords.ts';
import type { StaffRole } from '../store/auth/principal.ts';
import { writeAudit, type WriteContext } from '../store/audit.ts';

// The demo's bureau staff: one account per role, scoped to the demo's regions, all with the one
// published demo password (a real deployment creates its own accounts; see docs/web.md).

export const DEMO_PASSWORD = 'yibao-demo-2026';

export interface FixtureStaff {
  username: string;
  display_name: string;
  role: StaffRole;
  regions: string[];
  password: string;
  /** For a grid worker: the personas who consented (by fixture key). */
  acts_for?: string[];
  /** For an institution account (role institution): the designated institution it belongs to. */
  fixmedins_code?: string;
}

export const DEMO_STAFF: readonly FixtureStaff[] = [
  { username: 'cs.clerk', display_name: '长沙市医保局经办员 李静', role: 'clerk', regions: ['430100'], password: DEMO_PASSWORD },
  { username: 'cs.reviewer', display_name: '长沙市医保局审核员 王磊', role: 'reviewer', regions: ['430100'], password: DEMO_PASSWORD },
  { username: 'zz.clerk', display_name: '株洲市医保局经办员 陈芳', role: 'clerk', regions: ['430200'], password: DEMO_PASSWORD },
  { username: 'jj.clerk', display_name: '九江市医保局经办员 刘洋', role: 'clerk', regions: ['360400'], password: DEMO_PASSWORD },
  { username: 'dy.clerk', display_name: '德阳市医保局经办员 张敏', role: 'clerk', regions: ['510600'], password: DEMO_PASSWORD },
  { username: 'hn.supervisor', display_name: '湖南省医保局监管员 周建国', role: 'supervisor', regions: ['430000'], password: DEMO_PASSWORD },
  // the second reviewer of Hunan's supervision cases (初审; the supervisor makes the 复审)
  { username: 'hn.reviewer', display_name: '湖南省医保局审核员 邓志强', role: 'reviewer', regions: ['430000'], password: DEMO_PASSWORD },
  { username: 'hn.finance', display_name: '湖南省医保局财务 赵丽', role: 'finance', regions: ['430000'], password: DEMO_PASSWORD },
  // The other side of the 赣湘 pair's clearing statements: both provinces confirm.
  { username: 'jx.finance', display_name: '江西省医保局财务 孙伟', role: 'finance', regions: ['360000'], password: DEMO_PASSWORD },
  // The asking side of the demo's 协查 requests (Jiujiang asks Changsha): Jiangxi's supervisor.
  { username: 'jx.supervisor', display_name: '江西省医保局监管员 黄志强', role: 'supervisor', regions: ['360000'], password: DEMO_PASSWORD },
  { username: 'admin', display_name: '平台管理员', role: 'admin', regions: ['000000'], password: DEMO_PASSWORD },
  { username: 'sf.grid', display_name: '石峰区网格员 谢红', role: 'grid_worker', regions: ['430204'], password: DEMO_PASSWORD, acts_for: ['zhuzhou_shifeng_resident'] },
  // Two designated institutions of Zhuzhou (where the planted claims are): their own findings and cases, their appeals
  { username: 'zz.hospital', display_name: '株洲市中心医院 医保办 黄敏', role: 'institution', regions: ['430211'], password: DEMO_PASSWORD, fixmedins_code: 'H43021100001' },
  { username: 'sf.hospital', display_name: '株洲市石峰区人民医院 医保办 吴刚', role: 'institution', regions: ['430204'], password: DEMO_PASSWORD, fixmedins_code: 'H43020400001' },
];

/** Creates the demo staff and the grid worker's consents; `psnOf` maps a persona key to psn_no. */
export async function seedDemoStaff(q: Queryable, ctx: WriteContext, today: string, psnOf: (key: string) => string | undefined, accounts: readonly FixtureStaff[] = DEMO_STAFF): Promise<FixtureStaff[]> {
  for (const s of accounts) {
    await q.query(
      `INSERT INTO staff_accounts (username, display_name, role, regions, password_hash, created_at, fixmedins_code) VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (username) DO NOTHING`,
      [s.username, s.display_name, s.role, s.regions, await hashPassword(s.password), ctx.now, s.fixmedins_code ?? null],
    );
    for (const key of s.acts_for ?? []) {
      const psn = psnOf(key);
      if (!psn) continue;
      await q.query(`INSERT INTO grid_consents (consent_ref, username, psn_no, granted_on, evidence) VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING`, [
        `CONSENT-${s.username}-${psn}`, s.username, psn, today, '授权委托书（纸质，存社区）',
      ]);
    }
  }
  await writeAudit(q, ctx, 'demo.staff', 'demo', { accounts: accounts.map((s) => s.username) });
  return accounts.map((s) => ({ ...s, regions: [...s.regions], ...(s.acts_for ? { acts_for: [...s.acts_for] } : {}) }));
}
