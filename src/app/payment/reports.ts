import { notFound } from '../../engine/errors.ts';
import { mulDivRound } from '../../engine/payment/arith.ts';
import { drgDipBudgetFen, type PaymentRules } from '../../engine/payment/rules.ts';
import type { PaymentStep } from '../../engine/payment/types.ts';
import type { ComplicationNote, GroupingStep } from '../../engine/drg/group.ts';
import type { ListDiagnosis, ListProcedure } from '../../engine/settlement-list.ts';
import type { Queryable } from '../../store/db.ts';
import { findInstitution } from '../../store/clearing/institutions.ts';
import { poolingRegionOf } from '../../store/cooperation/common.ts';
import {
  casesOfYear, groupsOfYear, hospitalsOfYear, monthsOfYear, stayFacts, totalsOfYear, yearEndOf,
  type CaseLine, type GroupYear, type HospitalYear, type MonthLine, type StayFacts, type YearTotals,
} from '../../store/payment/reports.ts';
import type { YearEndLineView, YearEndRow } from '../../store/payment/year-end.ts';
import { groupingsOf, listVersions, paymentsOf, type CasePaymentRow } from '../../store/payment/settlement-lists.ts';
import { paymentRulesFor } from './rules.ts';
import { monthlyAdvance } from '../../engine/payment/year-end.ts';

/** A month's line with its monthly advance (月度预付: the advance share of what the fund paid), null without rules. */
export type MonthWithAdvance = MonthLine & { advance_fen: number | null };
const withAdvance = (months: MonthLine[], rules: PaymentRules | undefined): MonthWithAdvance[] =>
  months.map((m) => ({ ...m, advance_fen: rules ? monthlyAdvance(m.basic_fund_paid_fen, rules).advance_fen : null }));

// What the payment pages show (docs/payment.md, "Pages and routes"): a pooling region's year of
// DRG/DIP payment against its budget, one hospital's own year, and one stay with its lists,
// groupings and prices, each explained. Reads only; the hook has checked whose they are.

/** The part of a region's payment rules the bureau's page shows. */
export interface RulesSummary {
  rules_id: string;
  version: number;
  method: 'drg' | 'dip';
  source: string;
  weights_source: string | null;
  /** DRG groups with a weight; DIP: 0 (its groups come from the cases). */
  weighted_groups: number;
  base_rate_fen_by_insutype: Record<string, number>;
  hospital_coefficient_bp_by_level: Record<string, number>;
  budget_total_fen: number;
  drg_dip_share_bp: number;
  drg_dip_budget_fen: number;
  advance_share_bp: number;
  /** DIP: the point value fixed by the bureau (fen per unit score); null when the year's budget sets it, and for DRG. */
  point_value_fen: number | null;
  reimbursement_ratio_bp: number | null;
}

export function rulesSummary(r: PaymentRules): RulesSummary {
  return {
    rules_id: r.rules_id, version: r.version, method: r.method, source: r.source,
    weights_source: r.drg?.weights_source ?? null,
    weighted_groups: r.drg ? Object.keys(r.drg.weights).length : 0,
    base_rate_fen_by_insutype: { ...(r.drg?.base_rate_fen_by_insutype ?? {}) },
    hospital_coefficient_bp_by_level: { ...(r.drg?.hospital_coefficient_bp_by_level ?? r.dip?.hospital_coefficient_bp_by_level ?? {}) },
    budget_total_fen: r.budget.total_fen, drg_dip_share_bp: r.budget.drg_dip_share_bp, drg_dip_budget_fen: drgDipBudgetFen(r), advance_share_bp: r.budget.advance_share_bp,
    point_value_fen: r.dip?.point_value_fen ?? null,
    reimbursement_ratio_bp: r.dip?.reimbursement_ratio_bp ?? null,
  };
}

type PricedCase = Omit<CaseLine, 'explanation'> & { explanation: PaymentStep[] };
const priced = (rows: CaseLine[]): PricedCase[] => rows.map((c) => ({ ...c, explanation: (c.explanation ?? []) as PaymentStep[] }));

export type YearEnd = YearEndRow & { lines: YearEndLineView[] };

export interface RegionPaymentYear {
  admdvs: string;
  year: number;
  rules: RulesSummary | null;
  totals: YearTotals & { budget_fen: number | null; budget_use_bp: number | null };
  hospitals: HospitalYear[];
  top_groups: GroupYear[];
  loss_groups: GroupYear[];
  review_cases: PricedCase[];
  months: MonthWithAdvance[];
  year_end: YearEnd | null;
}

/** Σ hospital payment ÷ the DRG/DIP budget, in basis points; null without a budget. */
export function budgetUseBp(hospitalPaymentFen: number, budgetFen: number | null): number | null {
  if (budgetFen === null || budgetFen <= 0) return null;
  return mulDivRound([hospitalPaymentFen, 10000], BigInt(budgetFen), 'budget use');
}

const TOP = 10;
const REVIEW_LIMIT = 200;
const HOSPITAL_CASES = 500;

export async function regionPaymentYear(q: Queryable, admdvs: string, year: number): Promise<RegionPaymentYear> {
  const rules = await paymentRulesFor(q, admdvs, year);
  const summary = rules ? rulesSummary(rules) : null;
  const [totals, hospitals, top, loss, review, months, yearEnd] = await Promise.all([
    totalsOfYear(q, admdvs, year), hospitalsOfYear(q, admdvs, year), groupsOfYear(q, admdvs, year, 'cases', TOP), groupsOfYear(q, admdvs, year, 'loss', TOP),
    casesOfYear(q, admdvs, year, { review: true, limit: REVIEW_LIMIT }), monthsOfYear(q, admdvs, year), yearEndOf(q, admdvs, year),
  ]);
  const budget = summary?.drg_dip_budget_fen ?? null;
  return {
    admdvs, year, rules: summary,
    totals: { ...totals, budget_fen: budget, budget_use_bp: budgetUseBp(totals.hospital_payment_fen, budget) },
    hospitals, top_groups: top, loss_groups: loss.filter((g) => g.surplus_fen < 0), review_cases: priced(review), months: withAdvance(months, rules),
    year_end: yearEnd ? { ...yearEnd.year_end, lines: yearEnd.lines } : null,
  };
}

export interface InstitutionPaymentYear {
  institution: { fixmedins_code: string; fixmedins_name: string; admdvs: string };
  /** The pooling region whose budget and rules pay it. */
  pooling_admdvs: string;
  year: number;
  method: 'drg' | 'dip' | null;
  totals: YearTotals;
  cases: PricedCase[];
  groups: GroupYear[];
  months: MonthWithAdvance[];
  year_end_line: YearEndLineView | null;
}

export async function institutionPaymentYear(q: Queryable, fixmedinsCode: string, year: number): Promise<InstitutionPaymentYear> {
  const inst = await findInstitution(q, fixmedinsCode);
  if (!inst) throw notFound('fixmedins_code', '查无此定点机构', 'no such designated institution');
  const region = await poolingRegionOf(q, inst.admdvs);
  const [rules, totals, cases, groups, months, yearEnd] = await Promise.all([
    paymentRulesFor(q, region, year), totalsOfYear(q, region, year, inst.fixmedins_code), casesOfYear(q, region, year, { fixmedins_code: inst.fixmedins_code, limit: HOSPITAL_CASES }),
    groupsOfYear(q, region, year, 'cases', 1000, inst.fixmedins_code), monthsOfYear(q, region, year, inst.fixmedins_code), yearEndOf(q, region, year, inst.fixmedins_code),
  ]);
  return {
    institution: { fixmedins_code: inst.fixmedins_code, fixmedins_name: inst.fixmedins_name, admdvs: inst.admdvs },
    pooling_admdvs: region, year, method: rules?.method ?? null, totals, cases: priced(cases), groups, months: withAdvance(months, rules), year_end_line: yearEnd?.lines[0] ?? null,
  };
}

export interface CaseView {
  stay: StayFacts;
  lists: {
    version: number; setl_list_id: string; stas_type: '0' | '1'; adm_time: Date; dscg_time: Date; dscg_way: string;
    principal_diagnosis: string; main_procedure: string | null; diagnoses: ListDiagnosis[]; procedures: ListProcedure[]; uploaded_at: Date;
  }[];
  groupings: {
    version: number; scheme: string; scheme_version: number; mdc: string | null; adrg: string | null; drg: string; status: 'grouped' | 'ungroupable';
    steps: GroupingStep[]; cc: ComplicationNote[]; reason: string | null; grouped_at: Date;
  }[];
  payments: (Omit<CasePaymentRow, 'explanation' | 'fixmedins_code' | 'setl_id' | 'admdvs' | 'insuplc_admdvs' | 'fund_pay_type'> & { explanation: PaymentStep[] })[];
}

interface StoredGroupingExplanation { steps?: GroupingStep[]; cc?: ComplicationNote[]; reason?: string | null }

export async function caseView(q: Queryable, setlId: string): Promise<CaseView> {
  const stay = await stayFacts(q, setlId);
  if (!stay) throw notFound('setl_id', `结算 ${setlId} 不存在`, `no settlement ${setlId}`);
  const [lists, groupings, payments] = await Promise.all([listVersions(q, setlId), groupingsOf(q, setlId), paymentsOf(q, setlId)]);
  return {
    stay,
    lists: lists.map((l) => ({
      version: l.version, setl_list_id: l.setl_list_id, stas_type: l.stas_type, adm_time: l.adm_time, dscg_time: l.dscg_time, dscg_way: l.dscg_way,
      principal_diagnosis: l.principal_diagnosis, main_procedure: l.main_procedure, diagnoses: l.diseinfo as ListDiagnosis[], procedures: l.oprninfo as ListProcedure[], uploaded_at: l.uploaded_at,
    })),
    groupings: groupings.map((g) => {
      const e = (g.explanation ?? {}) as StoredGroupingExplanation;
      return {
        version: g.version, scheme: g.scheme, scheme_version: g.scheme_version, mdc: g.mdc, adrg: g.adrg, drg: g.drg, status: g.status,
        steps: e.steps ?? [], cc: e.cc ?? [], reason: e.reason ?? null, grouped_at: g.grouped_at,
      };
    }),
    payments: payments.map(({ explanation, fixmedins_code: _f, setl_id: _s, admdvs: _a, insuplc_admdvs: _i, fund_pay_type: _t, ...p }) => ({ ...p, explanation: (explanation ?? []) as PaymentStep[] })),
  };
}
