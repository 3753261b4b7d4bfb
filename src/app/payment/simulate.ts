import { invalid, notFound } from '../../engine/errors.ts';
import type { PaymentRules } from '../../engine/payment/rules.ts';
import { simulatePayment, type PaymentCase, type Simulation } from '../../engine/payment/simulate.ts';
import { lengthOfStay } from '../../engine/settlement-list.ts';
import type { Queryable } from '../../store/db.ts';
import { historyStays } from '../../store/payment/dip.ts';
import { simulationCases } from '../../store/payment/reports.ts';
import { historyYears } from './dip.ts';
import { paymentRulesFor } from './rules.ts';

// The payment simulator (docs/payment.md, "The simulator"): a region's year of priced cases paid
// again under a changed base rate, weights, coefficients or point value, per hospital and group,
// before the bureau stores the change as a new version of its rules. Nothing is written.

export interface PaymentChange {
  /** DRG: base rates, fen per unit of weight, by insurance type. */
  base_rate_fen_by_insutype?: Record<string, number>;
  /** DRG: every weight scaled by this, bp (10500: 5% up). */
  weights_scale_bp?: number;
  /** DIP: a point value to try, fen per unit score. */
  point_value_fen?: number;
  /** Either: the hospital coefficients by level, bp. */
  hospital_coefficient_bp_by_level?: Record<string, number>;
}

function changed(rules: PaymentRules, c: PaymentChange): PaymentRules {
  const after: PaymentRules = structuredClone(rules);
  after.rules_id = `${rules.rules_id}-simulated`;
  if (after.drg) {
    if (c.base_rate_fen_by_insutype) after.drg.base_rate_fen_by_insutype = { ...after.drg.base_rate_fen_by_insutype, ...c.base_rate_fen_by_insutype };
    if (c.weights_scale_bp !== undefined) {
      const k = c.weights_scale_bp;
      after.drg.weights = Object.fromEntries(Object.entries(after.drg.weights).map(([g, w]) => [g, Math.floor((w * k + 5000) / 10000)]));
    }
    if (c.hospital_coefficient_bp_by_level) after.drg.hospital_coefficient_bp_by_level = { ...after.drg.hospital_coefficient_bp_by_level, ...c.hospital_coefficient_bp_by_level };
  }
  if (after.dip) {
    if (c.point_value_fen !== undefined) after.dip.point_value_fen = c.point_value_fen;
    if (c.hospital_coefficient_bp_by_level) after.dip.hospital_coefficient_bp_by_level = { ...after.dip.hospital_coefficient_bp_by_level, ...c.hospital_coefficient_bp_by_level };
  }
  return after;
}

export async function simulateYear(q: Queryable, a: { admdvs: string; year: number; change: PaymentChange }): Promise<Simulation> {
  const rules = await paymentRulesFor(q, a.admdvs, a.year);
  if (!rules) throw notFound('admdvs', `${a.admdvs} 没有 ${a.year} 年的 DRG/DIP 支付规则`, `${a.admdvs} has no DRG/DIP payment rules for ${a.year}`);
  if (rules.method === 'drg' && a.change.point_value_fen !== undefined) throw invalid('point_value_fen', '按 DRG 付费没有点值', 'paying by DRG has no point value');
  if (rules.method === 'dip' && (a.change.base_rate_fen_by_insutype || a.change.weights_scale_bp !== undefined)) throw invalid('base_rate_fen_by_insutype', '按 DIP 付费没有基准费率与权重', 'paying by DIP has no base rate or weights');
  const rows = await simulationCases(q, a.admdvs, a.year);
  const cases: PaymentCase[] = rows.map((r) => ({
    id: r.setl_id, hospital_code: r.fixmedins_code, hospital_level: r.hosp_lv, insutype: r.insutype, drg: r.group_code, principal_diagnosis: r.principal_diagnosis,
    main_procedure: r.main_procedure, los_days: lengthOfStay(r.adm_time, r.dscg_time), dscg_way: r.dscg_way, total_cost_fen: r.total_cost_fen,
    patient_paid_fen: r.patient_paid_fen, other_funds_paid_fen: r.other_funds_paid_fen, basic_fund_paid_fen: r.basic_fund_paid_fen,
  }));
  const history = rules.method === 'dip' ? await historyStays(q, a.admdvs, historyYears(a.year)) : [];
  return simulatePayment(cases, rules, changed(rules, a.change), { history });
}
