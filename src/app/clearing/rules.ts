import { loadClearingRules, rulesFor, type ClearingRules } from '../../engine/clearing-rules.ts';
import type { Queryable } from '../../store/db.ts';
import { newestDocuments } from '../../store/documents/rows.ts';

// The clearing rules in force: the newest stored version of each clearing-rules document
// (national and provinces'), compiled. They were checked when stored; loading again is cheap.

export async function storedClearingRules(q: Queryable): Promise<ClearingRules[]> {
  return (await newestDocuments(q, 'clearing_rules')).map((d) => loadClearingRules(d.doc));
}

/** The rules that govern what a province pays (its advance funds, its institutions' reserve). */
export async function clearingRulesFor(q: Queryable, province: string): Promise<ClearingRules> {
  return rulesFor(province, await storedClearingRules(q));
}
