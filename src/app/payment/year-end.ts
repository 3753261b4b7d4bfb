import { conflict, notFound, YibaoError } from '../../engine/errors.ts';
import { checkTransfer, fundAccount, type Leg } from '../../engine/ledger.ts';
import { payableAccount } from '../../engine/institution-clearing.ts';
import { dipCasePayment, dipPointValue, type PointValue } from '../../engine/payment/dip.ts';
import { drgDipBudgetFen } from '../../engine/payment/rules.ts';
import type { CasePayment } from '../../engine/payment/types.ts';
import { yearEndSettlement } from '../../engine/payment/year-end.ts';
import { inTransaction, type Pool, type Queryable } from '../../store/db.ts';
import { postTransfer } from '../../store/ledger.ts';
import type { CasePaymentRow } from '../../store/payment/settlement-lists.ts';
import {
  findYearEnd, finishYearEnd, insertPayments, insertYearEnd, insertYearEndLine, markSettled, reversedCases, supersedePayments, unsettledCases, yearEndLines,
  type YearEndCase, type YearEndLineRow, type YearEndLineView, type YearEndRow,
} from '../../store/payment/year-end.ts';
import { dipYear } from './dip.ts';
import { paymentRulesFor } from './rules.ts';

// The year-end settlement of a region's DRG/DIP year (年终清算, docs/payment.md): once per region
// and year. DIP's cases are first repriced at the settlement point value of the year's own
// cases; then each hospital's due (Σ its cases' DRG/DIP hospital payments) is set against what
// the settlements already paid it from the basic fund, and the difference is one transfer
// between the fund and the hospital's payable account, which the institutions' clearing then
// pays out (or recovers). Prices an earlier year-end paid and that were since regrouped or
// cancelled are taken back here, as this year's adjustment.

export interface YearEndResult {
  year_end: YearEndRow;
  lines: YearEndLineView[];
  point_value: PointValue | null;
}

const asCase = (r: CasePaymentRow): CasePayment => ({
  method: r.method, group: r.group_code, kind: r.kind as CasePayment['kind'], weight_tt: r.weight_e4, score_tt: r.score_e4, standard_fen: r.standard_fen, payment_fen: r.payment_fen,
  hospital_payment_fen: r.hospital_payment_fen, surplus_fen: r.surplus_fen, total_cost_fen: r.total_cost_fen, patient_paid_fen: r.patient_paid_fen,
  other_funds_paid_fen: r.other_funds_paid_fen, basic_fund_paid_fen: r.basic_fund_paid_fen, adjustment_fen: r.hospital_payment_fen - r.basic_fund_paid_fen, review: r.review,
  explanation: r.explanation as CasePayment['explanation'],
});

/** A case the year's catalog cannot place, paid by item: what the settlement paid stands. */
function byItem(c: YearEndCase): CasePayment {
  const payment = c.basic_fund_paid_fen + c.patient_paid_fen + c.other_funds_paid_fen;
  return {
    ...asCase(c), kind: 'by_item', weight_tt: 0, score_tt: 0, standard_fen: 0, payment_fen: payment, hospital_payment_fen: c.basic_fund_paid_fen,
    surplus_fen: payment - c.total_cost_fen, adjustment_fen: 0, review: false,
    explanation: [{ step: 'by_item', zh: '本年 DIP 目录中无此病种，按项目付费', en: "no group of the year's DIP catalog takes the case: paid by item", fen: c.basic_fund_paid_fen }],
  };
}

/** DIP: the year's cases at the settlement point value, as new prices (the provisional ones closed). */
async function repriceDip(q: Queryable, cases: YearEndCase[], rulesYear: number, now: Date, yearEndId: number, pv: (all: YearEndCase[]) => PointValue, pay: (c: YearEndCase, pointValue: number) => CasePayment): Promise<{ cases: YearEndCase[]; repriced: Set<number>; point_value: PointValue }> {
  const ofYear = cases.filter((c) => c.year === rulesYear && c.method === 'dip' && c.kind !== 'by_item');
  const point_value = pv(ofYear);
  const fresh = ofYear.map((c) => ({ c, p: pay(c, point_value.point_value_fen) }));
  await supersedePayments(q, ofYear.map((c) => c.id), now);
  const ids = await insertPayments(q, fresh.map(({ c, p }) => ({
    setl_id: c.setl_id, list_id: c.list_id, fixmedins_code: c.fixmedins_code, admdvs: c.admdvs, insuplc_admdvs: c.insuplc_admdvs, year: c.year, method: 'dip', rules_id: c.rules_id,
    rules_version: c.rules_version, group_code: p.group, weight_e4: p.weight_tt, score_e4: p.score_tt, kind: p.kind, total_cost_fen: p.total_cost_fen, standard_fen: p.standard_fen,
    payment_fen: p.payment_fen, patient_paid_fen: p.patient_paid_fen, other_funds_paid_fen: p.other_funds_paid_fen, hospital_payment_fen: p.hospital_payment_fen,
    surplus_fen: p.surplus_fen, review: p.review, basic_fund_paid_fen: p.basic_fund_paid_fen, fund_pay_type: c.fund_pay_type, explanation: [...point_value.explanation, ...p.explanation],
    priced_at: now, year_end_id: yearEndId, // written settled: markSettled need not write it again
  })));
  const repriced = fresh.map(({ c, p }, i) => ({ ...c, ...rowOf(p), id: ids[i]! }));
  const repricing = new Set(ofYear);
  const untouched = cases.filter((c) => !repricing.has(c));
  return { cases: [...untouched, ...repriced], repriced: new Set(ids), point_value };
}

const rowOf = (p: CasePayment): Partial<CasePaymentRow> => ({
  group_code: p.group, weight_e4: p.weight_tt, score_e4: p.score_tt, kind: p.kind, standard_fen: p.standard_fen, payment_fen: p.payment_fen, hospital_payment_fen: p.hospital_payment_fen,
  surplus_fen: p.surplus_fen, review: p.review,
});

/** The legs moving a hospital's net difference per basic fund: positive, the fund pays into the hospital's payable; negative, back. */
function differenceLegs(admdvs: string, code: string, byFund: Map<string, number>): Leg[] {
  const legs: Leg[] = [];
  for (const [fundType, net] of [...byFund].sort()) {
    if (net > 0) legs.push({ debit: payableAccount(code), credit: fundAccount(admdvs, fundType), amount: net });
    if (net < 0) legs.push({ debit: fundAccount(admdvs, fundType), credit: payableAccount(code), amount: -net });
  }
  return legs;
}

export async function runYearEnd(pool: Pool, a: { admdvs: string; year: number; by: string; now: Date }): Promise<YearEndResult> {
  return inTransaction(pool, async (q) => {
    const rules = await paymentRulesFor(q, a.admdvs, a.year);
    if (!rules) throw notFound('admdvs', `${a.admdvs} 没有 ${a.year} 年的 DRG/DIP 支付规则`, `${a.admdvs} has no DRG/DIP payment rules for ${a.year}`);
    const id = await insertYearEnd(q, { admdvs: a.admdvs, year: a.year, method: rules.method, rules_id: rules.rules_id, rules_version: rules.version, point_value: null, totals: {}, run_by: a.by, run_at: a.now });
    if (id === undefined) {
      const done = (await findYearEnd(q, a.admdvs, a.year))!;
      throw conflict('year', `${a.admdvs} ${a.year} 年的年终清算已于 ${done.run_at.toISOString()} 完成`, `the year-end settlement of ${a.admdvs} for ${a.year} was already run at ${done.run_at.toISOString()}`);
    }
    let cases = await unsettledCases(q, a.admdvs, a.year);
    let pointValue: PointValue | null = null;
    let repriced = new Set<number>();
    if (rules.method === 'dip' && rules.dip) {
      const dip = rules.dip;
      const year = await dipYear(q, rules);
      if (year && cases.some((c) => c.year === a.year && c.method === 'dip' && c.kind !== 'by_item')) {
        const coefficient = (c: YearEndCase): number => dip.hospital_coefficient_bp_by_level[c.hosp_lv] ?? 10000;
        const stay = (c: YearEndCase) => ({ principal_diagnosis: c.principal_diagnosis, main_procedure: c.main_procedure, total_cost_fen: c.total_cost_fen });
        const r = await repriceDip(
          q, cases, a.year, a.now, id,
          (all) => dip.point_value_fen !== null
            ? { point_value_fen: dip.point_value_fen, allowed_cost_fen: 0, total_score_tt: 0, explanation: [{ step: 'point_value', zh: `点值 ${dip.point_value_fen / 100} 元/分（经办机构确定）`, en: `point value ${dip.point_value_fen / 100} yuan per point (fixed by the bureau)` }] }
            : dipPointValue({ fund_available_fen: drgDipBudgetFen(rules), reimbursement_ratio_bp: dip.reimbursement_ratio_bp, catalog: year.catalog, cases_this_year: all.map((c) => ({ stay: stay(c), coefficient_bp: coefficient(c) })), rules: dip }),
          (c, pv) => {
            try {
              return dipCasePayment({ ...stay(c), patient_paid_fen: c.patient_paid_fen, other_funds_paid_fen: c.other_funds_paid_fen, basic_fund_paid_fen: c.basic_fund_paid_fen }, year.catalog, pv, coefficient(c), dip);
            } catch (err) {
              // A category the catalog does not hold (the history changed since it was priced): paid by item.
              if (err instanceof YibaoError && err.kind === 'not_found') return byItem(c);
              throw err;
            }
          },
        );
        cases = r.cases;
        repriced = r.repriced;
        pointValue = r.point_value;
      }
    }
    const reversed = await reversedCases(q, a.admdvs);
    const codes = [...new Set([...cases.map((c) => c.fixmedins_code), ...reversed.map((c) => c.fixmedins_code)])].sort();
    const levelOf = new Map(cases.map((c) => [c.fixmedins_code, c.hosp_lv]));
    // Each hospital's cases of the method, in one pass (a city's year is 200,000 cases).
    const casesOf = new Map<string, YearEndCase[]>(codes.map((code) => [code, []]));
    for (const c of cases) if (c.method === rules.method) casesOf.get(c.fixmedins_code)!.push(c);
    const reversedOf = new Map<string, CasePaymentRow[]>(codes.map((code) => [code, []]));
    for (const c of reversed) reversedOf.get(c.fixmedins_code)!.push(c);
    const settlement = yearEndSettlement({
      method: rules.method,
      budget: rules.budget,
      hospitals: codes.map((code) => {
        const mine = casesOf.get(code)!;
        return { code, level: levelOf.get(code) ?? '', cases: mine.map(asCase), advanced_fen: mine.reduce((s, c) => s + c.basic_fund_paid_fen, 0) };
      }),
    });
    const lines: YearEndLineRow[] = [];
    for (const h of settlement.hospitals) {
      const byFund = new Map<string, number>();
      const add = (t: string, fen: number): void => void byFund.set(t, (byFund.get(t) ?? 0) + fen);
      for (const c of casesOf.get(h.code)!) add(c.fund_pay_type, c.hospital_payment_fen - c.basic_fund_paid_fen);
      let adjustment = 0;
      for (const c of reversedOf.get(h.code)!) {
        add(c.fund_pay_type, -(c.hospital_payment_fen - c.basic_fund_paid_fen));
        adjustment -= c.hospital_payment_fen - c.basic_fund_paid_fen;
      }
      const legs = differenceLegs(a.admdvs, h.code, byFund);
      let transferId: number | null = null;
      if (legs.length > 0) {
        const key = `case_payment:${a.admdvs}:${a.year}:${h.code}`;
        const t = checkTransfer({ kind: 'case_payment', key, cause: { kind: 'payment_year_end', id: String(id) }, legs, reverses: null, memo: `${a.year} 年 ${rules.method.toUpperCase()} 年终清算 / ${a.year} ${rules.method.toUpperCase()} year-end settlement` });
        transferId = (await postTransfer(q, t, a.now)).id;
      }
      const line: YearEndLineRow = { fixmedins_code: h.code, cases: h.cases, due_fen: h.due_fen, paid_fen: h.advanced_fen, balance_fen: h.balance_fen, adjustment_fen: adjustment, cmi_e4: h.cmi_tt, surplus_fen: h.surplus_fen, transfer_id: transferId };
      await insertYearEndLine(q, id, line);
      lines.push(line);
    }
    await markSettled(q, id, cases.filter((c) => c.method === rules.method && !repriced.has(c.id)).map((c) => c.id), reversed.map((c) => c.id));
    const totals = { cases: settlement.hospitals.reduce((s, h) => s + h.cases, 0), budget_fen: settlement.budget_fen, due_fen: settlement.due_fen, paid_fen: settlement.advanced_fen, balance_fen: settlement.balance_fen, adjustment_fen: lines.reduce((s, l) => s + l.adjustment_fen, 0), budget_used_bp: settlement.budget_used_bp };
    await finishYearEnd(q, id, totals, pointValue);
    const year_end = (await findYearEnd(q, a.admdvs, a.year))!;
    return { year_end, lines: await yearEndLines(q, id), point_value: pointValue };
  });
}
