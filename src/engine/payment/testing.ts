// Builders for the payment tests and the bench: small, valid payment-rules documents to vary,
// and a DRG case input with sensible defaults. Pure data.
import type { DrgCaseInput } from './drg.ts';

/** A DRG document for a made-up Changsha year: four groups, the base rates of the worked example. */
export function drgRulesDoc(): Record<string, unknown> & { drg: Record<string, unknown> } {
  return {
    rules_id: 'payment-430100-2026',
    version: 1,
    admdvs: '430100',
    year: 2026,
    method: 'drg',
    source: 'test',
    budget: { total_fen: 1_000_000_000_00, drg_dip_share_bp: 8000, advance_share_bp: 9000 },
    drg: {
      scheme: 'chs-drg-1.1',
      weights_source: 'test',
      weights: { GB25: 8000, ES35: 12000, FM19: 50000, OC19: 4500, TR11: 8937 },
      by_item_drgs: ['NG19'],
      basic_groups: ['OC19'],
      base_rate_fen_by_insutype: { '310': 980000, '390': 860000 },
      hospital_coefficient_bp_by_level: { '3': 10000, '2': 9000, '1': 8000 },
      per_diem: { drgs: ['TR11'], rate_fen_per_day: 45000 },
      new_technology: { exempt_items: ['NT001'] },
    },
  };
}

export function dipRulesDoc(): Record<string, unknown> & { dip: Record<string, unknown> } {
  return {
    rules_id: 'payment-430200-2026',
    version: 1,
    admdvs: '430200',
    year: 2026,
    method: 'dip',
    source: 'test',
    budget: { total_fen: 500_000_000_00, drg_dip_share_bp: 8000, advance_share_bp: 9000 },
    dip: { min_cases: 3, year_weights: [1, 2, 7], hospital_coefficient_bp_by_level: { '3': 10000, '2': 9000, '1': 8000 }, reimbursement_ratio_bp: 7000 },
  };
}

/** An employee's normal 8-day stay in a level-3 hospital, in group GB25. */
export function drgCase(over: Partial<DrgCaseInput> = {}): DrgCaseInput {
  return {
    drg: 'GB25',
    insutype: '310',
    hospital_level: '3',
    los_days: 8,
    dscg_way: '1',
    total_cost_fen: 700000,
    patient_paid_fen: 190000,
    other_funds_paid_fen: 0,
    basic_fund_paid_fen: 510000,
    ...over,
  };
}
