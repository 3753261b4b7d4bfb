// The DIP part of `npm run bench` (issue 14): one pooling region's year-end settlement by DIP,
// in the engine alone: three past years of generated stays build the catalog (core and
// comprehensive groups, 1:2:7 scores), this year's stays (200,000 by default) give the point
// value from the budget, every case is paid, and each hospital's year is settled against its
// advances. Deterministic (src/demo/prng.ts). The ledger posting is added by the app layer.
//   dip_year_end_seconds_engine   catalog + point value + every case paid + year-end
import { Prng } from '../src/demo/prng.ts';
import { buildDipGroups, type DipStay } from '../src/engine/payment/dip.ts';
import { loadPaymentRules } from '../src/engine/payment/rules.ts';
import { payYear, type PaymentCase } from '../src/engine/payment/simulate.ts';
import type { CasePayment } from '../src/engine/payment/types.ts';
import { monthlyAdvance, yearEndSettlement } from '../src/engine/payment/year-end.ts';

export interface DipBench {
  stays: number;
  history_stays: number;
  hospitals: number;
  core_groups: number;
  comprehensive_groups: number;
  point_value_fen: number;
  review_cases: number;
  /** Σ balances = Σ due − Σ advanced, to the fen. */
  balances_sum: boolean;
  /** Building the catalog alone (part of the year-end figure, measured again on its own). */
  catalog_seconds: number;
  dip_year_end_seconds_engine: number;
}

interface Combo {
  diagnosis: string;
  procedure: string | null;
  mean_fen: number;
  cumulative: number;
}

/** A city's case mix: diagnosis subcategories with a few procedures each, and their typical costs. */
function caseMix(prng: Prng): Combo[] {
  const combos: Combo[] = [];
  let cum = 0;
  const letters = 'ACDEGIJKMNOS';
  for (let c = 0; c < 220; c++) {
    const category = `${letters[c % letters.length]}${String(10 + ((c * 7) % 89)).padStart(2, '0')}`;
    const subs = 1 + prng.int(4);
    for (let s = 0; s < subs; s++) {
      const diagnosis = `${category}.${s}`;
      const procedures = [null, ...Array.from({ length: prng.int(4) }, (_, k) => `${String(10 + ((c + k) % 80)).padStart(2, '0')}.${String(prng.int(10000)).padStart(4, '0')}`)];
      for (const procedure of procedures) {
        // A long tail: a few combinations are frequent, most are rare.
        const weight = Math.pow(prng.next(), 3) * 100 + 0.05;
        cum += weight;
        combos.push({ diagnosis, procedure, mean_fen: Math.round((procedure ? 15000 : 5000) * (0.4 + prng.next() * 3)) * 100, cumulative: cum });
      }
    }
  }
  return combos;
}

function pick(prng: Prng, combos: readonly Combo[]): Combo {
  const x = prng.next() * combos[combos.length - 1]!.cumulative;
  let lo = 0, hi = combos.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (combos[mid]!.cumulative > x) hi = mid; else lo = mid + 1;
  }
  return combos[lo]!;
}

/** A stay's cost: the combination's mean spread log-normally, with the odd outlier. */
function cost(prng: Prng, combo: Combo, yearIndex: number): number {
  const u = Math.max(prng.next(), 1e-12), v = prng.next();
  const z = Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  const outlier = prng.chance(0.01) ? 2 + prng.next() * 5 : 1;
  return Math.max(100, Math.round(combo.mean_fen * Math.exp(0.35 * z - 0.06) * outlier * (1 + 0.04 * yearIndex)));
}

export function runDipBench(opts: { stays?: number; seed?: string } = {}): DipBench {
  const n = opts.stays ?? 200_000;
  const prng = new Prng(opts.seed ?? 'dip-bench-430200');
  const rules = loadPaymentRules({
    rules_id: 'payment-430200-2026', version: 1, admdvs: '430200', year: 2026, method: 'dip', source: 'bench',
    budget: { total_fen: Math.round(n * 900000 * 0.7 / 0.8), drg_dip_share_bp: 8000, advance_share_bp: 9000 },
    dip: { min_cases: 15, year_weights: [1, 2, 7], reimbursement_ratio_bp: 7000 },
  });
  const combos = caseMix(prng);
  const history: DipStay[] = [];
  [2023, 2024, 2025].forEach((year, i) => {
    const count = Math.round(n * (0.9 + 0.05 * i));
    for (let k = 0; k < count; k++) {
      const c = pick(prng, combos);
      history.push({ year, principal_diagnosis: c.diagnosis, main_procedure: c.procedure, total_cost_fen: cost(prng, c, i) });
    }
  });
  const hospitalCount = Math.max(3, Math.round(n / 3000));
  const hospitals = Array.from({ length: hospitalCount }, (_, i) => ({ code: `H430200${String(i + 1).padStart(5, '0')}`, level: i < hospitalCount / 5 ? '3' : i < hospitalCount / 2 ? '2' : '1' }));
  const cases: PaymentCase[] = [];
  for (let k = 0; k < n; k++) {
    const c = pick(prng, combos);
    const h = hospitals[Math.floor(Math.pow(prng.next(), 2) * hospitalCount)]!; // the big hospitals see more
    const total = cost(prng, c, 3);
    const patient = Math.round(total * 0.3);
    cases.push({
      id: `S${k}`, hospital_code: h.code, hospital_level: h.level, insutype: k % 3 ? '390' : '310', los_days: 3 + prng.int(12), dscg_way: '1',
      total_cost_fen: total, patient_paid_fen: patient, other_funds_paid_fen: 0, basic_fund_paid_fen: total - patient,
      principal_diagnosis: c.diagnosis, main_procedure: c.procedure,
    });
  }

  const t0 = performance.now();
  const paid = payYear(cases, rules, { history });
  const byHospital = new Map<string, CasePayment[]>();
  const fundPaid = new Map<string, number>();
  for (const c of paid.cases) {
    (byHospital.get(c.hospital_code) ?? byHospital.set(c.hospital_code, []).get(c.hospital_code)!).push(c.payment);
    fundPaid.set(c.hospital_code, (fundPaid.get(c.hospital_code) ?? 0) + c.payment.basic_fund_paid_fen);
  }
  const yearEnd = yearEndSettlement({
    method: 'dip',
    budget: rules.budget,
    hospitals: hospitals.map((h) => ({ code: h.code, level: h.level, cases: byHospital.get(h.code) ?? [], advanced_fen: monthlyAdvance(fundPaid.get(h.code) ?? 0, rules).advance_fen })),
  });
  const seconds = (performance.now() - t0) / 1000;
  const t1 = performance.now();
  buildDipGroups(history, rules.dip!);
  return {
    stays: n,
    history_stays: history.length,
    hospitals: hospitalCount,
    core_groups: paid.catalog!.core_groups,
    comprehensive_groups: paid.catalog!.comprehensive_groups,
    point_value_fen: paid.point_value_fen!,
    review_cases: yearEnd.hospitals.reduce((s, h) => s + h.review_cases, 0),
    balances_sum: yearEnd.hospitals.reduce((s, h) => s + h.balance_fen, 0) === yearEnd.due_fen - yearEnd.advanced_fen,
    catalog_seconds: (performance.now() - t1) / 1000,
    dip_year_end_seconds_engine: seconds,
  };
}
