// The common tail of paying a case by DRG or DIP: the payment's parts as explanation steps
// (the group's payment, new technology, less the patient's and the other funds' shares), the
// hospital payment and the surplus, with the identities asserted.
import { assertInvariant } from '../errors.ts';
import { formatYuan } from '../money.ts';
import type { CaseKind, CasePayment, PaymentStep } from './types.ts';

const y = (fen: number): string => formatYuan(fen);

/** The common tail of a DRG or DIP case: the parts of the hospital payment, asserted to add up. */
export function finishCase(a: {
  method: 'drg' | 'dip';
  group: string;
  kind: CaseKind;
  weight_tt: number;
  score_tt: number;
  standard_fen: number;
  group_pay_fen: number;
  new_tech_fen: number;
  input: { total_cost_fen: number; patient_paid_fen: number; other_funds_paid_fen: number; basic_fund_paid_fen: number };
  steps: PaymentStep[];
  review: boolean;
}): CasePayment {
  const { input, steps } = a;
  const name = a.method === 'drg' ? { zh: 'DRG', en: 'DRG' } : { zh: 'DIP', en: 'DIP' };
  steps.push({ step: 'group_payment', zh: `${name.zh} 支付 ${y(a.group_pay_fen)} 元`, en: `${name.en} pays ${y(a.group_pay_fen)} yuan`, fen: a.group_pay_fen });
  if (a.new_tech_fen > 0) {
    steps.push({ step: 'new_technology', zh: `新技术项目除外，按项目另付 ${y(a.new_tech_fen)} 元`, en: `new-technology items exempted, paid by item on top: ${y(a.new_tech_fen)} yuan`, fen: a.new_tech_fen });
  }
  const payment = a.group_pay_fen + a.new_tech_fen;
  steps.push({ step: 'patient_paid', zh: `减去患者已付 ${y(input.patient_paid_fen)} 元`, en: `less what the patient paid, ${y(input.patient_paid_fen)} yuan`, fen: -input.patient_paid_fen });
  if (input.other_funds_paid_fen > 0) {
    steps.push({ step: 'other_funds_paid', zh: `减去大病保险、医疗救助等已付 ${y(input.other_funds_paid_fen)} 元`, en: `less what other funds (critical illness, assistance…) paid, ${y(input.other_funds_paid_fen)} yuan`, fen: -input.other_funds_paid_fen });
  }
  const hospital = payment - input.patient_paid_fen - input.other_funds_paid_fen;
  const surplus = payment - input.total_cost_fen;
  steps.push({
    step: 'hospital_payment',
    zh: `基金应付医院 ${y(hospital)} 元（按项目结算时基金已付 ${y(input.basic_fund_paid_fen)} 元，差额 ${y(hospital - input.basic_fund_paid_fen)} 元）；医院${surplus >= 0 ? '结余' : '亏损'} ${y(Math.abs(surplus))} 元`,
    en: `the fund owes the hospital ${y(hospital)} yuan (the fund paid ${y(input.basic_fund_paid_fen)} yuan by item at settlement, a difference of ${y(hospital - input.basic_fund_paid_fen)} yuan); the hospital's ${surplus >= 0 ? 'surplus' : 'loss'} is ${y(Math.abs(surplus))} yuan`,
  });
  let sum = 0;
  for (const s of steps) sum += s.fen ?? 0;
  assertInvariant(sum === hospital, `case ${a.group}: the explanation's parts ${sum} ≠ the hospital payment ${hospital}`);
  assertInvariant(hospital + input.patient_paid_fen + input.other_funds_paid_fen === payment, 'the payment is the hospital, patient and other funds parts');
  return {
    method: a.method,
    group: a.group,
    kind: a.kind,
    weight_tt: a.weight_tt,
    score_tt: a.score_tt,
    standard_fen: a.standard_fen,
    payment_fen: payment,
    hospital_payment_fen: hospital,
    surplus_fen: surplus,
    total_cost_fen: input.total_cost_fen,
    patient_paid_fen: input.patient_paid_fen,
    other_funds_paid_fen: input.other_funds_paid_fen,
    basic_fund_paid_fen: input.basic_fund_paid_fen,
    adjustment_fen: hospital - input.basic_fund_paid_fen,
    review: a.review,
    explanation: steps,
  };
}
