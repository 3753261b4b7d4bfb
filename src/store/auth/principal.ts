// Who is signed in, and what part of the registry they may see. Pure: the server's auth hook
// and the stores both use it.

export const STAFF_ROLES = ['clerk', 'reviewer', 'supervisor', 'finance', 'admin', 'grid_worker', 'institution'] as const;
export type StaffRole = (typeof STAFF_ROLES)[number];

export const ROLE_NAMES: Record<StaffRole, { zh: string; en: string }> = {
  clerk: { zh: '经办员', en: 'window clerk' },
  reviewer: { zh: '审核员', en: 'reviewer' },
  supervisor: { zh: '监管员', en: 'supervisor' },
  finance: { zh: '财务', en: 'finance' },
  admin: { zh: '系统管理员', en: 'administrator' },
  grid_worker: { zh: '网格员', en: 'grid worker' },
  // a designated institution's own staff (定点医药机构): its findings and cases, its appeal, nothing else
  institution: { zh: '定点医药机构', en: 'designated institution' },
};

export type Principal =
  | {
      kind: 'staff'; username: string; display_name: string; role: StaffRole; regions: readonly string[];
      /** Role 'institution' only: the one institution the account belongs to (its regions are then empty: it sees no region). */
      fixmedins_code?: string;
    }
  | { kind: 'person'; psn_no: string; certno: string; psn_name: string; insuplc_admdvs: string };

/** '430000' → '43', '430100' → '4301', '430104' → '430104', '000000' → '' (everything). */
export function regionPrefix(code: string): string {
  let c = code.slice(0, 6);
  while (c.length > 0 && c.endsWith('00')) c = c.slice(0, -2);
  return c;
}

/** Whether a staff member's regions cover a division code (any level). */
export function regionsCover(regions: readonly string[], admdvs: string): boolean {
  return regions.some((r) => admdvs.startsWith(regionPrefix(r)));
}

/** The label written to the audit log and to decided_by / revoked_by. */
export function principalLabel(p: Principal): string {
  return p.kind === 'staff' ? p.username : `person:${p.psn_no}`;
}
