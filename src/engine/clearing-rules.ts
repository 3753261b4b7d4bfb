// Clearing rules (清算规则): the figures DOMAIN.md §10 calls configurable, as a versioned
// document of the registry (kind `clearing_rules`). One national document ships with the
// defaults (clearing-rules/national.json); a province may store its own, which then governs the
// advance funds it pays (the insured side's rules apply, as for benefits).
import Type from 'typebox';
import { checkAdvanceFundPolicy, DEFAULT_ADVANCE_FUND_POLICY, type AdvanceFundPolicy } from './advance-fund.ts';
import { Problems, YibaoError } from './errors.ts';
import { schemaProblems } from './schema-problems.ts';

/** The region code of the document that applies where no province has stored its own. */
export const NATIONAL = 'national';

const Bp = Type.Integer({ minimum: 0, maximum: 10000 });
const obj = <P extends Type.TProperties>(p: P) => Type.Object(p, { additionalProperties: false });

export const ClearingRulesSchema = obj({
  rules_id: Type.String({ pattern: '^[a-z0-9-]{1,60}$' }),
  version: Type.Integer({ minimum: 1 }),
  /** `national`, or a province code (two digits + 0000). */
  admdvs: Type.String({ pattern: '^(national|[1-9][0-9]0000)$' }),
  source: Type.String({ minLength: 1 }),
  note: Type.Optional(Type.String()),
  advance_fund: obj({
    size_months: Type.Integer({ minimum: 1, maximum: 12 }),
    yellow_bp: Bp,
    red_bp: Bp,
    top_up_working_days: Type.Integer({ minimum: 1, maximum: 60 }),
  }),
  /** Share of an institution's approved clearing withheld until the year-end review (质量保证金), in bp. */
  medins_reserve_bp: Bp,
});

export interface ClearingRules {
  rules_id: string;
  version: number;
  admdvs: string;
  source: string;
  advance_fund: AdvanceFundPolicy;
  medins_reserve_bp: number;
}

/** The rules that apply where nothing is stored: the same figures as clearing-rules/national.json. */
export const DEFAULT_CLEARING_RULES: ClearingRules = {
  rules_id: 'clearing-national',
  version: 1,
  admdvs: NATIONAL,
  source: 'DOMAIN.md §10 defaults',
  advance_fund: DEFAULT_ADVANCE_FUND_POLICY,
  medins_reserve_bp: 500,
};

/** Checks a clearing-rules document, listing every problem by its path; the compiled rules. */
export function loadClearingRules(doc: unknown): ClearingRules {
  const problems = new Problems();
  if (schemaProblems(ClearingRulesSchema, doc, '', problems) === 0) {
    const d = doc as ClearingRules;
    try {
      checkAdvanceFundPolicy(d.advance_fund);
    } catch (err) {
      if (!(err instanceof YibaoError)) throw err;
      for (const x of err.details) problems.add(`/advance_fund/${x.field}`, x.zh, x.en);
    }
  }
  problems.throwIfAny();
  const d = doc as ClearingRules;
  return { rules_id: d.rules_id, version: d.version, admdvs: d.admdvs, source: d.source, advance_fund: { ...d.advance_fund }, medins_reserve_bp: d.medins_reserve_bp };
}

/** Which stored rules govern a province: its own when stored, else the national ones, else the defaults. */
export function rulesFor(province: string, stored: readonly ClearingRules[]): ClearingRules {
  return stored.find((r) => r.admdvs === province) ?? stored.find((r) => r.admdvs === NATIONAL) ?? DEFAULT_CLEARING_RULES;
}
