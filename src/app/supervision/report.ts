// Precision and recall of the library per rule type on the demo's planted claims
// (src/demo/planted.ts): a true positive is a finding of the type on a claim planted to set it
// off, or a planted claim a blocking rule of the type refused at settlement; every other open
// finding of the type is a false positive (an ordinary claim, or a planted one of another kind).
import { RULE_TYPES, type RuleType } from '../../engine/supervision/types.ts';
import type { Pool } from '../../store/db.ts';
import { documentRegistry } from '../../store/documents/registry.ts';

export interface RuleTypeScore {
  rule_type: RuleType;
  planted: number;
  found: number;
  true_positives: number;
  /** null when nothing was found (no precision to speak of). */
  precision: number | null;
  recall: number | null;
}

export async function plantedReport(pool: Pool): Promise<RuleTypeScore[]> {
  const docs = await documentRegistry.compiled(pool, { fresh: true });
  const codesOf = (t: RuleType): string[] => docs.supervision.rules.filter((r) => r.type === t).map((r) => r.code);
  const planted = (await pool.query<{ mdtrt_id: string; expect: string[]; outcome: string; err_msg: string | null }>(`SELECT mdtrt_id, expect, outcome, err_msg FROM demo_planted_claims`)).rows;
  const findings = (await pool.query<{ mdtrt_id: string; rule_type: string }>(`SELECT mdtrt_id, rule_type FROM supervision_findings WHERE stage = 'after' AND status <> 'closed'`)).rows;
  return (Object.keys(RULE_TYPES) as RuleType[]).map((t) => {
    const mine = planted.filter((p) => p.expect.includes(t));
    const expected = new Set(mine.map((p) => p.mdtrt_id));
    const hits = findings.filter((f) => f.rule_type === t);
    const refused = mine.filter((p) => p.outcome === 'refused' && codesOf(t).some((c) => p.err_msg?.includes(c)));
    const tp = hits.filter((f) => expected.has(f.mdtrt_id)).length + refused.length;
    const found = hits.length + refused.length;
    return { rule_type: t, planted: mine.length, found, true_positives: tp, precision: found === 0 ? null : tp / found, recall: mine.length === 0 ? null : tp / mine.length };
  });
}

const pct = (x: number | null): string => (x === null ? '-' : `${(x * 100).toFixed(0)}%`);

export function reportLines(scores: readonly RuleTypeScore[]): string[] {
  const out = ['rule type\tplanted\tfound\ttrue positives\tprecision\trecall'];
  for (const s of scores) out.push([`${s.rule_type} (${RULE_TYPES[s.rule_type].zh})`, s.planted, s.found, s.true_positives, pct(s.precision), pct(s.recall)].join('\t'));
  return out;
}
