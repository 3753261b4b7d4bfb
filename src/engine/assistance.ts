// Medical assistance (医疗救助) on application, as policy data and pure arithmetic. The
// one-stop assistance at settlement stays in settle.ts (the policy's `assistance`); this is
// the path for the burden that remains: the rules of a pooling region and year (document kind
// `assistance_rules`, assistance-rules/*.json), the amount of one application explained to the
// fen, re-assistance (再救助 / 倾斜救助) above a yearly burden and the contribution subsidies
// (资助参保) of the identity groups. No I/O: the use cases (src/app/assistance/) read the
// settlements and the ledger and post what this computes.
import Type from 'typebox';
import { IDENTITY_GROUPS, type IdentityGroup } from './codes.ts';
import { assertInvariant, Problems } from './errors.ts';
import { formatYuan } from './money.ts';
import { schemaProblems } from './schema-problems.ts';

const obj = <P extends Type.TProperties>(p: P) => Type.Object(p, { additionalProperties: false });
const Fen = Type.Integer({ minimum: 0, maximum: 100_000_000 });
const Bp = Type.Integer({ minimum: 0, maximum: 10_000 });
const Days = Type.Integer({ minimum: 1, maximum: 60 });
const Identity = Type.Enum(Object.keys(IDENTITY_GROUPS) as IdentityGroup[]);

export const AssistanceRulesSchema = obj({
  rules_id: Type.String({ pattern: '^[a-z0-9-]{1,60}$' }),
  version: Type.Integer({ minimum: 1 }),
  /** The pooling region (统筹区) whose assistance fund pays. */
  admdvs: Type.String({ pattern: '^\\d{6}$' }),
  year: Type.Integer({ minimum: 2000, maximum: 2100 }),
  source: Type.String({ minLength: 1 }),
  note: Type.Optional(Type.String()),
  /** Per identity group: eligible or not, the ratio on the remaining policy-scope burden, the deductible and the yearly cap. */
  groups: Type.Array(obj({ identity: Identity, eligible: Type.Boolean(), ratio_bp: Bp, deductible_fen: Fen, annual_cap_fen: Fen }), { minItems: 1 }),
  /** The application's clocks in working days on the region's calendar; total_days is the whole path (10 in the service standard). */
  clocks: obj({ review_days: Days, notice_days: Days, objection_review_days: Days, total_days: Days }),
  /** 再救助 / 倾斜救助: identities empty = any insured person of the region (因病致贫重病患者). */
  reassistance: Type.Union([obj({ identities: Type.Array(Identity, { uniqueItems: true }), burden_threshold_fen: Fen, ratio_bp: Bp, annual_cap_fen: Fen }), Type.Null()]),
  /** 资助参保: the share of the resident contribution (390) the assistance fund pays per group. */
  subsidies: obj({ resident_contribution_fen: Fen, groups: Type.Array(obj({ identity: Identity, share_bp: Bp })) }),
});
export type AssistanceRulesDocument = Type.Static<typeof AssistanceRulesSchema>;

export interface AssistanceGroup {
  identity: IdentityGroup;
  eligible: boolean;
  ratio_bp: number;
  deductible_fen: number;
  annual_cap_fen: number;
  /** The JSON path of the group in its document, for the explanation. */
  path: string;
}

export interface AssistanceRules {
  rules_id: string;
  version: number;
  admdvs: string;
  year: number;
  source: string;
  groups: readonly AssistanceGroup[];
  clocks: { review_days: number; notice_days: number; objection_review_days: number; total_days: number; pay_days: number };
  reassistance: { identities: readonly IdentityGroup[]; burden_threshold_fen: number; ratio_bp: number; annual_cap_fen: number } | null;
  subsidies: { resident_contribution_fen: number; groups: ReadonlyArray<{ identity: IdentityGroup; share_bp: number; path: string }> };
}

/** Checks an assistance-rules document, every problem by its JSON path (the field named); the loaded rules. */
export function loadAssistanceRules(doc: unknown): AssistanceRules {
  const p = new Problems();
  if (schemaProblems(AssistanceRulesSchema, doc, '', p) === 0) {
    const d = doc as AssistanceRulesDocument;
    const seen = new Set<string>();
    d.groups.forEach((g, i) => {
      if (seen.has(g.identity)) p.add(`/groups/${i}/identity`, `身份类别 ${g.identity} 重复`, `identity group ${g.identity} appears twice`);
      seen.add(g.identity);
      if (g.eligible && g.ratio_bp === 0) p.add(`/groups/${i}/ratio_bp`, '可救助的身份类别救助比例应大于 0', 'an eligible group needs a ratio above 0');
      if (g.eligible && g.annual_cap_fen === 0) p.add(`/groups/${i}/annual_cap_fen`, '可救助的身份类别年度救助限额应大于 0', 'an eligible group needs a yearly cap above 0');
    });
    const c = d.clocks;
    // review, notice and at least one day to pay must fit in the whole path
    if (c.review_days + c.notice_days + 1 > c.total_days) {
      p.add('/clocks/total_days', `审核 ${c.review_days} 天加公示 ${c.notice_days} 天加支付至少 1 天，超过总时限 ${c.total_days} 个工作日`, `review ${c.review_days} + notice ${c.notice_days} + at least 1 day to pay exceed the total of ${c.total_days} working days`);
    }
    if (c.objection_review_days >= c.total_days) p.add('/clocks/objection_review_days', '异议复核天数应少于总时限', 'the objection review must be shorter than the whole path');
    const sub = new Set<string>();
    d.subsidies.groups.forEach((g, i) => {
      if (sub.has(g.identity)) p.add(`/subsidies/groups/${i}/identity`, `身份类别 ${g.identity} 重复`, `identity group ${g.identity} appears twice`);
      sub.add(g.identity);
    });
    if (d.reassistance && d.reassistance.ratio_bp > 0 && d.reassistance.annual_cap_fen === 0) {
      p.add('/reassistance/annual_cap_fen', '再救助年度限额应大于 0', 'the re-assistance cap must be above 0');
    }
  }
  p.throwIfAny();
  const d = doc as AssistanceRulesDocument;
  return {
    rules_id: d.rules_id, version: d.version, admdvs: d.admdvs, year: d.year, source: d.source,
    groups: d.groups.map((g, i) => ({ ...g, path: `/groups/${i}` })),
    clocks: { ...d.clocks, pay_days: d.clocks.total_days - d.clocks.review_days - d.clocks.notice_days },
    reassistance: d.reassistance,
    subsidies: { resident_contribution_fen: d.subsidies.resident_contribution_fen, groups: d.subsidies.groups.map((g, i) => ({ ...g, path: `/subsidies/groups/${i}` })) },
  };
}

/** The group an application is judged by: of the person's groups the eligible one with the highest ratio, then the highest cap. */
export function groupFor(rules: AssistanceRules, groups: readonly string[]): AssistanceGroup | undefined {
  return rules.groups
    .filter((g) => g.eligible && groups.includes(g.identity))
    .sort((a, b) => b.ratio_bp - a.ratio_bp || b.annual_cap_fen - a.annual_cap_fen)[0];
}

/** What one stored settlement left to the person within the policy scope (政策范围内个人负担). */
export interface SettlementBurden {
  setl_id: string;
  setl_date: string;
  inscp_scp_amt: number;
  hifp_pay: number;
  hifmi_pay: number;
  hifob_pay: number;
  cvlserv_pay: number;
  maf_pay: number;
}

/** Its remaining burden: the policy scope less the basic fund, critical illness, the civil-servant subsidy and the settlement-time assistance. */
export function remainingOf(s: SettlementBurden): number {
  return Math.max(0, s.inscp_scp_amt - s.hifp_pay - s.hifmi_pay - s.hifob_pay - s.cvlserv_pay - s.maf_pay);
}

/** One line of the explanation: a step, its inputs and its amount in fen. */
export interface ExplanationLine {
  step: string;
  zh: string;
  en: string;
  rule: string;
  amount_fen: number;
  detail?: Record<string, number | string>;
}

export interface AssistanceExplanation {
  kind: 'assistance' | 'reassistance';
  rules: { rules_id: string; version: number };
  identity: string | null;
  lines: ExplanationLine[];
  burden_fen: number;
  amount_fen: number;
}

export interface AssistanceFacts {
  /** The person's identity groups in force on the day of the review. */
  groups: readonly string[];
  settlements: readonly SettlementBurden[];
  /** Amounts paid outside the settlements (with materials) as the reviewer accepted them. */
  outside: ReadonlyArray<{ description: string; accepted_fen: number }>;
  /** Assistance of the year already paid to the person (settlement-time maf_pay and paid applications). */
  year_paid_fen: number;
  /** The year's deductible already used by earlier applications. */
  deductible_used_fen: number;
}

const floorBp = (amount: number, ratioBp: number): number => Math.floor((amount * ratioBp) / 10_000);

/**
 * The amount of one assistance application: the remaining burden of the named settlements and
 * the accepted outside amounts, less what is left of the year's deductible, at the group's
 * ratio (rounded down to the fen), at most what is left of the yearly cap. Every step is a
 * line; the last is the amount. A person of no eligible group gets 0 with the reason.
 */
export function computeAssistance(rules: AssistanceRules, f: AssistanceFacts): AssistanceExplanation {
  const lines: ExplanationLine[] = [];
  let burden = 0;
  for (const s of f.settlements) {
    const r = remainingOf(s);
    burden += r;
    lines.push({
      step: 'settlement', zh: `结算 ${s.setl_id}（${s.setl_date}）政策范围内个人负担`, en: `settlement ${s.setl_id} (${s.setl_date}): remaining in-scope burden`, rule: '', amount_fen: r,
      detail: { inscp_scp_amt: s.inscp_scp_amt, hifp_pay: s.hifp_pay, hifmi_pay: s.hifmi_pay, hifob_pay: s.hifob_pay, cvlserv_pay: s.cvlserv_pay, maf_pay: s.maf_pay },
    });
  }
  for (const o of f.outside) {
    burden += o.accepted_fen;
    lines.push({ step: 'outside', zh: `院外/非直接结算费用：${o.description}（审核认定）`, en: `paid outside: ${o.description} (as accepted by the review)`, rule: '', amount_fen: o.accepted_fen });
  }
  lines.push({ step: 'burden', zh: '申请救助的个人负担合计', en: 'burden applied for', rule: '', amount_fen: burden });
  const group = groupFor(rules, f.groups);
  if (!group) {
    lines.push({ step: 'not_eligible', zh: '无可救助的身份类别，救助金额为 0', en: 'no eligible identity group: nothing is paid', rule: '/groups', amount_fen: 0 });
    return { kind: 'assistance', rules: { rules_id: rules.rules_id, version: rules.version }, identity: null, lines, burden_fen: burden, amount_fen: 0 };
  }
  const dLeft = Math.max(0, group.deductible_fen - f.deductible_used_fen);
  const deductible = Math.min(burden, dLeft);
  lines.push({ step: 'deductible', zh: '扣除起付线', en: 'less the deductible', rule: `${group.path}/deductible_fen`, amount_fen: deductible, detail: { deductible_fen: group.deductible_fen, used_before_fen: f.deductible_used_fen } });
  const base = burden - deductible;
  const raw = floorBp(base, group.ratio_bp);
  lines.push({ step: 'ratio', zh: `按救助比例 ${group.ratio_bp / 100}%（分以下舍去）`, en: `at the ratio of ${group.ratio_bp / 100}% (rounded down to the fen)`, rule: `${group.path}/ratio_bp`, amount_fen: raw, detail: { base_fen: base, ratio_bp: group.ratio_bp } });
  const room = Math.max(0, group.annual_cap_fen - f.year_paid_fen);
  const amount = Math.min(raw, room);
  lines.push({ step: 'cap', zh: `年度救助限额剩余（限额 ${formatYuan(group.annual_cap_fen)} 元，本年已救助 ${formatYuan(f.year_paid_fen)} 元）`, en: `room under the yearly cap (cap ${formatYuan(group.annual_cap_fen)} yuan, paid this year ${formatYuan(f.year_paid_fen)} yuan)`, rule: `${group.path}/annual_cap_fen`, amount_fen: room, detail: { annual_cap_fen: group.annual_cap_fen, year_paid_fen: f.year_paid_fen } });
  lines.push({ step: 'amount', zh: '救助金额', en: 'assistance amount', rule: '', amount_fen: amount });
  assertInvariant(amount >= 0 && amount <= room && amount <= burden, 'assistance is within the burden and the cap');
  return { kind: 'assistance', rules: { rules_id: rules.rules_id, version: rules.version }, identity: group.identity, lines, burden_fen: burden, amount_fen: amount };
}

export interface ReassistanceFacts {
  groups: readonly string[];
  /** The year's settlements of the person (their remaining burden after every layer at settlement). */
  settlements: readonly SettlementBurden[];
  /** Assistance paid on application this year (ordinary assistance; it lowers the burden). */
  applications_paid_fen: number;
  /** Re-assistance already paid this year. */
  reassistance_paid_fen: number;
}

/** Whether a person is of re-assistance's identities (none listed: anyone insured in the region). */
export function reassistanceApplies(rules: AssistanceRules, groups: readonly string[]): boolean {
  const ra = rules.reassistance;
  return ra !== null && (ra.identities.length === 0 || ra.identities.some((g) => groups.includes(g)));
}

/**
 * 再救助: the year's burden after all layers (the settlements' remaining burden less the
 * assistance paid on application), the part above the threshold at the ratio, at most what is
 * left of re-assistance's yearly cap.
 */
export function computeReassistance(rules: AssistanceRules, f: ReassistanceFacts): AssistanceExplanation {
  const ra = rules.reassistance;
  const lines: ExplanationLine[] = [];
  let remaining = 0;
  for (const s of f.settlements) {
    const r = remainingOf(s);
    remaining += r;
    lines.push({ step: 'settlement', zh: `结算 ${s.setl_id}（${s.setl_date}）政策范围内个人负担`, en: `settlement ${s.setl_id} (${s.setl_date}): remaining in-scope burden`, rule: '', amount_fen: r });
  }
  lines.push({ step: 'applications', zh: '减：本年已支付的依申请救助', en: 'less the assistance paid on application this year', rule: '', amount_fen: f.applications_paid_fen });
  const burden = Math.max(0, remaining - f.applications_paid_fen);
  lines.push({ step: 'burden', zh: '经基本医保、大病保险、医疗救助后的年度个人负担', en: 'the year\'s burden after all layers', rule: '', amount_fen: burden });
  const base = { kind: 'reassistance' as const, rules: { rules_id: rules.rules_id, version: rules.version }, identity: null, burden_fen: burden };
  if (!ra || !reassistanceApplies(rules, f.groups)) {
    lines.push({ step: 'not_eligible', zh: '不属再救助对象，金额为 0', en: 'not of re-assistance\'s groups: nothing is paid', rule: '/reassistance', amount_fen: 0 });
    return { ...base, lines, amount_fen: 0 };
  }
  const over = Math.max(0, burden - ra.burden_threshold_fen);
  lines.push({ step: 'over_threshold', zh: `超过再救助起付标准 ${formatYuan(ra.burden_threshold_fen)} 元的部分`, en: `above the threshold of ${formatYuan(ra.burden_threshold_fen)} yuan`, rule: '/reassistance/burden_threshold_fen', amount_fen: over });
  const raw = floorBp(over, ra.ratio_bp);
  lines.push({ step: 'ratio', zh: `按再救助比例 ${ra.ratio_bp / 100}%（分以下舍去）`, en: `at the ratio of ${ra.ratio_bp / 100}% (rounded down)`, rule: '/reassistance/ratio_bp', amount_fen: raw });
  const room = Math.max(0, ra.annual_cap_fen - f.reassistance_paid_fen);
  lines.push({ step: 'cap', zh: `再救助年度限额剩余（限额 ${formatYuan(ra.annual_cap_fen)} 元）`, en: `room under re-assistance's yearly cap (${formatYuan(ra.annual_cap_fen)} yuan)`, rule: '/reassistance/annual_cap_fen', amount_fen: room });
  const amount = Math.min(raw, room);
  lines.push({ step: 'amount', zh: '再救助金额', en: 're-assistance amount', rule: '', amount_fen: amount });
  return { ...base, lines, amount_fen: amount };
}

/** At payment: the approved amount, cut to what the yearly cap leaves now (a payment elsewhere may have come first). */
export function payableNow(approvedFen: number, capFen: number, yearPaidFen: number): { pay_fen: number; cut_fen: number } {
  const room = Math.max(0, capFen - yearPaidFen);
  const pay = Math.min(approvedFen, room);
  return { pay_fen: pay, cut_fen: approvedFen - pay };
}

/** 资助参保: the subsidy of a person of these groups (the largest share among them), or null when none has one. */
export function subsidyFor(rules: AssistanceRules, groups: readonly string[]): { identity: IdentityGroup; share_bp: number; amount_fen: number } | null {
  const best = rules.subsidies.groups.filter((g) => g.share_bp > 0 && groups.includes(g.identity)).sort((a, b) => b.share_bp - a.share_bp)[0];
  if (!best) return null;
  return { identity: best.identity, share_bp: best.share_bp, amount_fen: floorBp(rules.subsidies.resident_contribution_fen, best.share_bp) };
}
