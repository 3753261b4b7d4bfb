// Paying a year's cases under one set of payment rules, and the policy simulator (支付政策模拟):
// the same cases under two sets of rules (another base rate, weights, coefficients, bands or
// point value), per hospital and per group, before, after and the difference, before a bureau
// adopts the change. Pure: the cases and, for DIP, the past years' stays are handed in.
import { invalid } from '../errors.ts';
import { buildDipGroups, dipCasePayment, dipPointValue, type DipCatalog, type DipStay } from './dip.ts';
import { drgCasePayment, type DrgCaseInput } from './drg.ts';
import { drgDipBudgetFen, type PaymentRules } from './rules.ts';
import type { CasePayment } from './types.ts';

/** A settled stay as the year's payment reads it: DRG needs `drg`, DIP the diagnosis and procedure. */
export interface PaymentCase extends Omit<DrgCaseInput, 'drg'> {
  id: string;
  hospital_code: string;
  drg?: string;
  principal_diagnosis?: string;
  main_procedure?: string | null;
}

export interface PaidCase {
  id: string;
  hospital_code: string;
  hospital_level: string;
  payment: CasePayment;
}

export interface PaidYear {
  rules_id: string;
  method: PaymentRules['method'];
  cases: PaidCase[];
  /** DIP: the catalog and the point value used. */
  catalog: DipCatalog | null;
  point_value_fen: number | null;
}

const dipStay = (c: PaymentCase, i: number): Pick<DipStay, 'principal_diagnosis' | 'main_procedure' | 'total_cost_fen'> => {
  if (c.principal_diagnosis === undefined) throw invalid(`cases/${i}/principal_diagnosis`, '按 DIP 付费需要主要诊断', 'paying by DIP needs the principal diagnosis');
  return { principal_diagnosis: c.principal_diagnosis, main_procedure: c.main_procedure ?? null, total_cost_fen: c.total_cost_fen };
};

/**
 * Pays every case of a year. DIP builds its catalog from `history` (the past years' stays) unless
 * one is given, and takes the rules' fixed point value or else the settlement point value from the
 * budget's DRG/DIP share over these cases.
 */
export function payYear(cases: readonly PaymentCase[], rules: PaymentRules, context: { history?: readonly DipStay[]; catalog?: DipCatalog } = {}): PaidYear {
  if (rules.method === 'drg') {
    const paid = cases.map((c, i) => {
      if (c.drg === undefined) throw invalid(`cases/${i}/drg`, '按 DRG 付费需要病组', 'paying by DRG needs the group');
      return { id: c.id, hospital_code: c.hospital_code, hospital_level: c.hospital_level, payment: drgCasePayment({ ...c, drg: c.drg }, rules) };
    });
    return { rules_id: rules.rules_id, method: 'drg', cases: paid, catalog: null, point_value_fen: null };
  }
  const dip = rules.dip;
  if (!dip) throw invalid('/dip', '按 DIP 付费的规则需要 dip 部分', 'rules paying by DIP need the dip section');
  const catalog = context.catalog ?? buildDipGroups(context.history ?? [], dip);
  const coef = (c: PaymentCase, i: number): number => {
    const v = dip.hospital_coefficient_bp_by_level[c.hospital_level];
    if (v === undefined) throw invalid(`cases/${i}/hospital_level`, `支付规则没有 ${c.hospital_level} 级医院的系数`, `the payment rules have no coefficient for hospital level ${c.hospital_level}`);
    return v;
  };
  const stays = cases.map(dipStay);
  const coefs = cases.map(coef);
  const pv =
    dip.point_value_fen ??
    dipPointValue({
      fund_available_fen: drgDipBudgetFen(rules),
      reimbursement_ratio_bp: dip.reimbursement_ratio_bp,
      catalog,
      cases_this_year: stays.map((stay, i) => ({ stay, coefficient_bp: coefs[i]! })),
      rules: dip,
    }).point_value_fen;
  const paid = cases.map((c, i) => ({ id: c.id, hospital_code: c.hospital_code, hospital_level: c.hospital_level, payment: dipCasePayment({ ...c, ...stays[i]! }, catalog, pv, coefs[i]!, dip) }));
  return { rules_id: rules.rules_id, method: 'dip', cases: paid, catalog, point_value_fen: pv };
}

export interface Side {
  cases: number;
  payment_fen: number;
  hospital_payment_fen: number;
  surplus_fen: number;
}
export interface Comparison {
  before: Side;
  after: Side;
  difference: Side;
}

const emptySide = (): Side => ({ cases: 0, payment_fen: 0, hospital_payment_fen: 0, surplus_fen: 0 });
const addCase = (s: Side, p: CasePayment): void => {
  s.cases++;
  s.payment_fen += p.payment_fen;
  s.hospital_payment_fen += p.hospital_payment_fen;
  s.surplus_fen += p.surplus_fen;
};
const diff = (a: Side, b: Side): Side => ({ cases: b.cases - a.cases, payment_fen: b.payment_fen - a.payment_fen, hospital_payment_fen: b.hospital_payment_fen - a.hospital_payment_fen, surplus_fen: b.surplus_fen - a.surplus_fen });

export interface Simulation {
  before: { rules_id: string; point_value_fen: number | null };
  after: { rules_id: string; point_value_fen: number | null };
  totals: Comparison;
  hospitals: ({ code: string } & Comparison)[];
  /** Per group (DRG code or DIP key); a DIP case may change group when the catalog changes. */
  groups: ({ group: string } & Comparison)[];
  /** The cases whose hospital payment changed, largest change first (at most 100). */
  changed_cases: { id: string; hospital_code: string; before_fen: number; after_fen: number; difference_fen: number }[];
}

/** The same cases under two sets of rules: what changes per hospital and per group. */
export function simulatePayment(cases: readonly PaymentCase[], rulesBefore: PaymentRules, rulesAfter: PaymentRules, context: { history?: readonly DipStay[] } = {}): Simulation {
  const a = payYear(cases, rulesBefore, context);
  const b = payYear(cases, rulesAfter, context);
  const totals = { before: emptySide(), after: emptySide() };
  const hospitals = new Map<string, { before: Side; after: Side }>();
  const groups = new Map<string, { before: Side; after: Side }>();
  const at = <K>(m: Map<K, { before: Side; after: Side }>, k: K) => {
    let v = m.get(k);
    if (!v) m.set(k, (v = { before: emptySide(), after: emptySide() }));
    return v;
  };
  const changed: Simulation['changed_cases'] = [];
  a.cases.forEach((x, i) => {
    const y = b.cases[i]!;
    addCase(totals.before, x.payment);
    addCase(totals.after, y.payment);
    addCase(at(hospitals, x.hospital_code).before, x.payment);
    addCase(at(hospitals, x.hospital_code).after, y.payment);
    addCase(at(groups, x.payment.group).before, x.payment);
    addCase(at(groups, y.payment.group).after, y.payment);
    const d = y.payment.hospital_payment_fen - x.payment.hospital_payment_fen;
    if (d !== 0) changed.push({ id: x.id, hospital_code: x.hospital_code, before_fen: x.payment.hospital_payment_fen, after_fen: y.payment.hospital_payment_fen, difference_fen: d });
  });
  changed.sort((p, q) => Math.abs(q.difference_fen) - Math.abs(p.difference_fen) || (p.id < q.id ? -1 : 1));
  const cmp = (s: { before: Side; after: Side }): Comparison => ({ before: s.before, after: s.after, difference: diff(s.before, s.after) });
  const sorted = <T>(m: Map<string, T>): [string, T][] => [...m.entries()].sort(([p], [q]) => (p < q ? -1 : p > q ? 1 : 0));
  return {
    before: { rules_id: a.rules_id, point_value_fen: a.point_value_fen },
    after: { rules_id: b.rules_id, point_value_fen: b.point_value_fen },
    totals: cmp(totals),
    hospitals: sorted(hospitals).map(([code, s]) => ({ code, ...cmp(s) })),
    groups: sorted(groups).map(([group, s]) => ({ group, ...cmp(s) })),
    changed_cases: changed.slice(0, 100),
  };
}

