import { invalid, notFound } from '../../engine/errors.ts';
import type { FilingPolicy } from '../../engine/filing-rules.ts';
import { actorLabel, writeAudit, type Actor } from '../../store/audit.ts';
import { loadFilingPolicy, regionExists, saveFilingPolicy } from '../../store/cooperation/common.ts';
import { inTransaction, type Pool } from '../../store/db.ts';

// A region's filing policy (the parameters of src/engine/filing-rules.ts, among them the review
// deadlines in working days that the case machine's filing clock reads).

/** The day counts a change may set, by the field a request names. */
const COUNTS = {
  temporary_validity_months: 'temporaryValidityMonths',
  long_term_change_after_months: 'longTermChangeAfterMonths',
  review_days_in_province: 'reviewDaysInProvince',
  review_days_cross_province: 'reviewDaysCrossProvince',
  commitment_check_days: 'commitmentCheckDays',
} as const;

export interface FilingPolicyChange {
  in_province_unfiled_allowed?: boolean | undefined;
  cross_province_unfiled_allowed?: boolean | undefined;
  /** As the request sent them: checked here to be whole numbers 0-365. */
  counts: Partial<Record<keyof typeof COUNTS, unknown>>;
}

/** Staff change a region's filing policy: what the change leaves out stays; audited with before and after. Returns the policy now in force. */
export async function changeFilingPolicy(pool: Pool, now: Date, actor: Actor, insuplc: string, change: FilingPolicyChange): Promise<FilingPolicy> {
  for (const [field, v] of Object.entries(change.counts)) {
    if (v !== undefined && (!Number.isInteger(v) || (v as number) < 0 || (v as number) > 365)) throw invalid(field, `${field} 应为 0-365 的整数`, `${field} must be an integer 0-365`);
  }
  return inTransaction(pool, async (c) => {
    const before = await loadFilingPolicy(c, insuplc);
    const next: FilingPolicy = {
      ...before,
      inProvinceUnfiledAllowed: change.in_province_unfiled_allowed ?? before.inProvinceUnfiledAllowed,
      crossProvinceUnfiledAllowed: change.cross_province_unfiled_allowed ?? before.crossProvinceUnfiledAllowed,
    };
    for (const [field, key] of Object.entries(COUNTS) as [keyof typeof COUNTS, (typeof COUNTS)[keyof typeof COUNTS]][]) {
      const v = change.counts[field];
      if (v !== undefined) next[key] = v as number;
    }
    await setFilingPolicyIn(c, now, actor, insuplc, before, next);
    return next;
  });
}

/** Staff set a region's whole filing policy (the demo's seed). */
export async function setFilingPolicy(pool: Pool, now: Date, actor: Actor, insuplc: string, next: FilingPolicy): Promise<void> {
  await inTransaction(pool, async (c) => setFilingPolicyIn(c, now, actor, insuplc, await loadFilingPolicy(c, insuplc), next));
}

async function setFilingPolicyIn(c: Parameters<typeof saveFilingPolicy>[0], now: Date, actor: Actor, insuplc: string, before: FilingPolicy, next: FilingPolicy): Promise<void> {
  if (!(await regionExists(c, insuplc))) throw notFound('admdvs', '区划不存在', 'unknown region');
  await saveFilingPolicy(c, insuplc, next);
  await writeAudit(c, { actor: actorLabel(actor), now }, 'filing_policy.set', `filing_policy:${insuplc}`, { before, after: next });
}
