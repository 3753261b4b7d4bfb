import { chinaDate } from '../../engine/calendar.ts';
import { caseOfList, type ListCase, type SettlementList } from '../../engine/settlement-list.ts';
import { drgCasePayment } from '../../engine/payment/drg.ts';
import { dipCasePayment } from '../../engine/payment/dip.ts';
import { YibaoError } from '../../engine/errors.ts';
import { finishCase } from '../../engine/payment/case.ts';
import type { CasePayment } from '../../engine/payment/types.ts';
import type { PaymentRules } from '../../engine/payment/rules.ts';
import type { Queryable } from '../../store/db.ts';
import { insertGrouping, insertPayment, supersedePayment, type ListedSettlement, type ListRow } from '../../store/payment/settlement-lists.ts';
import { groupStay, type StayGrouping } from './grouping.ts';
import { paymentRulesFor } from './rules.ts';
import { dipYear, type DipYear } from './dip.ts';

// A stay grouped on its newest settlement list and priced under the treatment region's payment
// rules of the discharge year (docs/payment.md, "Pricing a case"): what DRG (or DIP) pays for the
// case, and what the fund owes the hospital — that less what the patient and the other funds
// paid under the patient's own policy. The patient's settlement never changes; a new list
// replaces the case's price once (the old row closed, a new one added).

export interface CasePrice {
  grouping: StayGrouping;
  drg: string;
  payment: CasePayment | undefined;
  hospital_payment_fen: number;
}

/** The basic fund of the stay's insurance type: the one whose budget DRG/DIP spends. */
const BASIC_FUND: Record<string, string> = { '310': '310100', '390': '390100' };

/** What the settlement paid, split as DRG/DIP needs it: the basic fund, the other funds, the patient (cash and personal account). */
export interface Shares {
  basic_fund_pay_type: string;
  basic_fund_paid_fen: number;
  other_funds_paid_fen: number;
  patient_paid_fen: number;
}

export function paidShares(s: ListedSettlement): Shares {
  const basicType = BASIC_FUND[s.insutype] ?? '390100';
  const basic = s.setldetail.filter((d) => d.fund_pay_type === basicType).reduce((sum, d) => sum + d.fund_payamt, 0);
  return { basic_fund_pay_type: basicType, basic_fund_paid_fen: basic, other_funds_paid_fen: s.fund_pay_sumamt - basic, patient_paid_fen: s.psn_cash_pay + s.acct_pay };
}

/** An ungroupable stay (0000, QY) is paid by item: what the settlement paid stands, and the explanation says why. */
function byItem(s: ListedSettlement, g: StayGrouping, shares: Shares): CasePayment {
  const pay = s.medfee_sumamt - s.hosp_part_amt;
  return finishCase({
    method: 'drg', group: g.drg, kind: 'by_item', weight_tt: 0, score_tt: 0, standard_fen: 0, group_pay_fen: pay, new_tech_fen: 0,
    input: { total_cost_fen: s.medfee_sumamt, ...shares },
    steps: [{ step: 'by_item', zh: `未能入组（${g.drg}），按项目付费`, en: `not grouped (${g.drg}): paid by item` }],
    review: false,
  });
}

/** A DIP case at the year's point value; a stay whose category the past years never saw is paid by item. */
function dipPrice(s: ListedSettlement, list: SettlementList, g: StayGrouping, shares: Shares, rules: PaymentRules, year: DipYear): CasePayment {
  const dip = rules.dip!;
  const coefficient = dip.hospital_coefficient_bp_by_level[s.hosp_lv] ?? 10000;
  const principal = list.diagnoses.find((d) => d.diag_type === '1' && d.maindiag)!.diag_code;
  const main = list.procedures.find((x) => x.main)?.oprn_oprt_code ?? null;
  try {
    return dipCasePayment({ principal_diagnosis: principal, main_procedure: main, total_cost_fen: s.medfee_sumamt, ...shares }, year.catalog, year.point_value.point_value_fen, coefficient, dip);
  } catch (err) {
    if (!(err instanceof YibaoError) || err.kind !== 'not_found') throw err;
    return { ...byItem(s, g, shares), method: 'dip' };
  }
}

/**
 * The city's DRG for the national one: the same code where the city's list has it; where the city
 * divides an ADRG the nation leaves whole (Changsha's FM11/FM15 for FM19), the division at the
 * case's complication level (MCC 1, CC 3, none 5, the nearest milder one the list has).
 */
export function localDrg(g: Pick<StayGrouping, 'adrg' | 'drg' | 'explanation'>, listed: (code: string) => boolean): string | undefined {
  if (listed(g.drg)) return g.drg;
  if (!g.adrg) return undefined;
  const cc = ((g.explanation as { cc?: { level: string; counted: boolean }[] }).cc ?? []).filter((n) => n.counted);
  const worst = cc.some((n) => n.level === 'MCC') ? ['1', '3', '5'] : cc.length > 0 ? ['3', '5'] : ['5'];
  for (const x of [...worst, '9']) if (listed(`${g.adrg}${x}`)) return `${g.adrg}${x}`;
  return undefined;
}

function price(s: ListedSettlement, list: SettlementList, c: ListCase, g: StayGrouping, shares: Shares, rules: PaymentRules): CasePayment {
  const drg = rules.drg;
  const local = g.status === 'grouped' && drg ? localDrg(g, (code) => drg.weights[code] !== undefined || drg.by_item_drgs.includes(code) || (drg.per_diem?.drgs.includes(code) ?? false)) : undefined;
  if (local === undefined) return byItem(s, g, shares);
  const paid = drgCasePayment({
    drg: local, insutype: s.insutype, hospital_level: s.hosp_lv, los_days: c.los_days, dscg_way: list.dscg_way,
    total_cost_fen: s.medfee_sumamt, patient_paid_fen: shares.patient_paid_fen, other_funds_paid_fen: shares.other_funds_paid_fen, basic_fund_paid_fen: shares.basic_fund_paid_fen,
  }, rules);
  if (local === g.drg) return paid;
  const note = { step: 'local_group', zh: `国家分组 ${g.drg} 在本地细分为 ${local}`, en: `the national group ${g.drg} is ${local} in the city's subdivision` };
  return { ...paid, explanation: [note, ...paid.explanation] };
}

export async function priceCase(q: Queryable, s: ListedSettlement, row: ListRow, list: SettlementList, now: Date): Promise<CasePrice> {
  const c = caseOfList(list, { gend: s.gend, brdy: s.brdy });
  const shares = paidShares(s);
  const grouping = await groupStay(q, c);
  await insertGrouping(q, { list_id: row.id, setl_id: s.setl_id, ...grouping, grouped_at: now });
  await supersedePayment(q, s.setl_id, now);
  const year = Number(chinaDate(list.dscg_time).slice(0, 4));
  const rules = await paymentRulesFor(q, s.mdtrtarea_admvs, year);
  const dip = rules?.method === 'dip' ? await dipYear(q, rules) : undefined;
  // No rules, or a DIP region without history yet: the stay stays paid by item.
  if (!rules || (rules.method === 'dip' && !dip)) return { grouping, drg: grouping.drg, payment: undefined, hospital_payment_fen: shares.basic_fund_paid_fen };
  const p = dip ? dipPrice(s, list, grouping, shares, rules, dip) : price(s, list, c, grouping, shares, rules);
  await insertPayment(q, {
    setl_id: s.setl_id, list_id: row.id, fixmedins_code: s.fixmedins_code, admdvs: s.mdtrtarea_admvs, insuplc_admdvs: s.insuplc_admdvs, year, method: p.method,
    rules_id: rules.rules_id, rules_version: rules.version, group_code: p.group, weight_e4: p.weight_tt, score_e4: p.score_tt, kind: p.kind,
    total_cost_fen: p.total_cost_fen, standard_fen: p.standard_fen, payment_fen: p.payment_fen, patient_paid_fen: p.patient_paid_fen, other_funds_paid_fen: p.other_funds_paid_fen,
    hospital_payment_fen: p.hospital_payment_fen, surplus_fen: p.surplus_fen, review: p.review, basic_fund_paid_fen: p.basic_fund_paid_fen, fund_pay_type: shares.basic_fund_pay_type,
    explanation: p.explanation, priced_at: now,
  });
  return { grouping, drg: grouping.drg, payment: p, hospital_payment_fen: p.hospital_payment_fen };
}
