// What paying one case by DRG or DIP returns, the same shape for both, so the year-end
// settlement, the simulator and the pages read one kind of record.

/** Why a case was paid the way it was. */
export type CaseKind =
  | 'normal' // the group's standard (DRG) or score (DIP)
  | 'high_cost' // 高倍率
  | 'low_cost' // 低倍率
  | 'short_stay' // 短住院 (DRG)
  | 'death' // 死亡 (DRG)
  | 'transfer' // 转院 (DRG)
  | 'per_diem' // 床日付费 (DRG)
  | 'by_item' // a group without a weight, paid by item (DRG)
  | 'review'; // above the review band, paid provisionally, to expert review (特病单议, DIP)

/**
 * One line of a case's explanation. The lines that carry `fen` are the parts of the hospital
 * payment: they sum to `hospital_payment_fen` (asserted). The others say how a figure was reached.
 */
export interface PaymentStep {
  step: string;
  zh: string;
  en: string;
  fen?: number;
}

export interface CasePayment {
  method: 'drg' | 'dip';
  /** The DRG code, or the DIP group key. */
  group: string;
  kind: CaseKind;
  /** The group's weight (DRG) or score RW (DIP), ten-thousandths: what the case-mix index averages. */
  weight_tt: number;
  /** The case's own score after deviation bands and coefficient (DIP), or its weight as paid (DRG), ten-thousandths. */
  score_tt: number;
  /** The group's standard for this hospital: weight × base rate × coefficient (DRG), score × point value × coefficient (DIP). */
  standard_fen: number;
  /** What DRG/DIP pays for the whole case, from every payer. */
  payment_fen: number;
  /** What the fund owes the hospital under DRG/DIP: payment − patient paid − other funds paid (may be negative). */
  hospital_payment_fen: number;
  /** The hospital's surplus (结余, positive) or loss (亏损, negative): payment − total cost. */
  surplus_fen: number;
  total_cost_fen: number;
  patient_paid_fen: number;
  other_funds_paid_fen: number;
  /** What the basic fund paid at the patient's settlement, by item. */
  basic_fund_paid_fen: number;
  /** hospital_payment − basic_fund_paid: the change DRG/DIP makes to what the fund pays this hospital. */
  adjustment_fen: number;
  /** Waiting for expert review (DIP above the review band). */
  review: boolean;
  explanation: PaymentStep[];
}
