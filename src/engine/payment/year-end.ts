// The money of DRG/DIP over a year: the monthly advance (月度预付) a hospital gets as a share of
// the month's fund payments, and the year-end settlement (年终清算) that sets each hospital's
// DRG/DIP payment for the year against what was advanced. Positive balances the fund pays the
// hospital; negative ones the hospital pays back. The ledger postings are the app's.
import { assertInvariant, invalid } from '../errors.ts';
import { formatYuan } from '../money.ts';
import { mulDivRound } from './arith.ts';
import { drgDipBudgetFen, type PaymentMethod, type PaymentRules } from './rules.ts';
import type { CaseKind, CasePayment, PaymentStep } from './types.ts';

/** The month's advance to a hospital: its fund payments of the month × the advance share, half up. */
export function monthlyAdvance(fund_paid_in_month_fen: number, rules: PaymentRules): { advance_fen: number; explanation: PaymentStep[] } {
  if (!Number.isSafeInteger(fund_paid_in_month_fen) || fund_paid_in_month_fen < 0) {
    throw invalid('fund_paid_in_month_fen', '应为不小于 0 的整数分', 'expected a non-negative integer amount of fen');
  }
  const share = rules.budget.advance_share_bp;
  const advance = mulDivRound([fund_paid_in_month_fen, share], 10000n, 'monthly advance');
  return {
    advance_fen: advance,
    explanation: [
      {
        step: 'monthly_advance',
        zh: `月度预付 = 当月基金支付 ${formatYuan(fund_paid_in_month_fen)} 元 × ${share / 100}% = ${formatYuan(advance)} 元`,
        en: `monthly advance = the month's fund payments ${formatYuan(fund_paid_in_month_fen)} yuan × ${share / 100}% = ${formatYuan(advance)} yuan`,
        fen: advance,
      },
    ],
  };
}

export interface GroupTotals {
  group: string;
  cases: number;
  /** The group's weight or score (the first case's; a group has one). */
  weight_tt: number;
  payment_fen: number;
  hospital_payment_fen: number;
  total_cost_fen: number;
  surplus_fen: number;
}

export interface HospitalYearEnd {
  code: string;
  level: string;
  cases: number;
  /** What the fund owes for the year under DRG/DIP: Σ hospital payments. */
  due_fen: number;
  advanced_fen: number;
  /** due − advanced: positive, the fund pays the hospital; negative, the hospital pays back. */
  balance_fen: number;
  /** Case-mix index (病例组合指数): the mean group weight of the cases, ten-thousandths, half up. */
  cmi_tt: number;
  surplus_fen: number;
  /** Cases by kind (high_cost, low_cost, review…). */
  kinds: Partial<Record<CaseKind, number>>;
  review_cases: number;
  by_group: GroupTotals[];
}

export interface YearEnd {
  method: PaymentMethod;
  /** The budget's DRG/DIP share, fen. */
  budget_fen: number;
  due_fen: number;
  advanced_fen: number;
  balance_fen: number;
  /** due ÷ budget, bp (half up); 0 with no budget. */
  budget_used_bp: number;
  hospitals: HospitalYearEnd[];
}

export function groupTotals(cases: readonly CasePayment[]): GroupTotals[] {
  const by = new Map<string, GroupTotals>();
  for (const c of cases) {
    let g = by.get(c.group);
    if (!g) {
      g = { group: c.group, cases: 0, weight_tt: c.weight_tt, payment_fen: 0, hospital_payment_fen: 0, total_cost_fen: 0, surplus_fen: 0 };
      by.set(c.group, g);
    }
    g.cases++;
    g.payment_fen += c.payment_fen;
    g.hospital_payment_fen += c.hospital_payment_fen;
    g.total_cost_fen += c.total_cost_fen;
    g.surplus_fen += c.surplus_fen;
  }
  return [...by.values()].sort((a, b) => (a.group < b.group ? -1 : a.group > b.group ? 1 : 0));
}

/** Each hospital's year: what DRG/DIP owes it, against what was advanced; Σ balances = Σ due − Σ advanced (asserted). */
export function yearEndSettlement(a: { hospitals: readonly { code: string; level: string; cases: readonly CasePayment[]; advanced_fen: number }[]; budget: PaymentRules['budget']; method: PaymentMethod }): YearEnd {
  const seen = new Set<string>();
  const hospitals: HospitalYearEnd[] = a.hospitals.map((h, i) => {
    if (seen.has(h.code)) throw invalid(`hospitals/${i}/code`, `医院 ${h.code} 重复`, `hospital ${h.code} is listed twice`);
    seen.add(h.code);
    if (!Number.isSafeInteger(h.advanced_fen)) throw invalid(`hospitals/${i}/advanced_fen`, '应为整数分', 'expected an integer amount of fen');
    let due = 0, surplus = 0, weights = 0, review = 0;
    const kinds: Partial<Record<CaseKind, number>> = {};
    for (const c of h.cases) {
      if (c.method !== a.method) throw invalid(`hospitals/${i}/cases`, `病例按 ${c.method} 支付，与清算方式 ${a.method} 不符`, `a case paid by ${c.method} in a ${a.method} settlement`);
      due += c.hospital_payment_fen;
      surplus += c.surplus_fen;
      weights += c.weight_tt;
      if (c.review) review++;
      kinds[c.kind] = (kinds[c.kind] ?? 0) + 1;
    }
    const n = h.cases.length;
    return {
      code: h.code,
      level: h.level,
      cases: n,
      due_fen: due,
      advanced_fen: h.advanced_fen,
      balance_fen: due - h.advanced_fen,
      cmi_tt: n === 0 ? 0 : Math.floor((2 * weights + n) / (2 * n)),
      surplus_fen: surplus,
      kinds,
      review_cases: review,
      by_group: groupTotals(h.cases),
    };
  });
  const sum = (f: (h: HospitalYearEnd) => number): number => hospitals.reduce((s, h) => s + f(h), 0);
  const due = sum((h) => h.due_fen);
  const advanced = sum((h) => h.advanced_fen);
  const balance = sum((h) => h.balance_fen);
  assertInvariant(balance === due - advanced, 'Σ balances = Σ due − Σ advanced');
  for (const h of hospitals) assertInvariant(h.by_group.reduce((s, g) => s + g.hospital_payment_fen, 0) === h.due_fen, `hospital ${h.code}: its groups add up to what is due`);
  const budget = drgDipBudgetFen({ budget: a.budget });
  return {
    method: a.method,
    budget_fen: budget,
    due_fen: due,
    advanced_fen: advanced,
    balance_fen: balance,
    budget_used_bp: budget === 0 ? 0 : mulDivRound([due, 10000], BigInt(budget), 'budget used'),
    hospitals,
  };
}
