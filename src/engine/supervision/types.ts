// The shapes the supervision rules (基金监管规则) read and answer. Pure data: the gateway
// (3101/3102, the settlement's check), the batch scan and the demo's measurement all hand the
// rules a ClaimView and its person's other visits, and get Findings back.
import type { Fen } from '../money.ts';

/** Severity (严重程度): 提示 hint, 疑点 suspect, 违规 violation. */
export const SEVERITIES = { hint: { zh: '提示', en: 'hint' }, suspect: { zh: '疑点', en: 'suspect' }, violation: { zh: '违规', en: 'violation' } } as const;
export type Severity = keyof typeof SEVERITIES;

/** When a rule runs: before settlement (3101), during it (3102, 2207/2304), after it (the batch scan). */
export const STAGES = { before: { zh: '事前', en: 'before settlement' }, during: { zh: '事中', en: 'during settlement' }, after: { zh: '事后', en: 'after settlement' } } as const;
export type Stage = keyof typeof STAGES;

export const SCENARIOS = { outpatient: { zh: '门诊', en: 'outpatient' }, inpatient: { zh: '住院', en: 'inpatient' }, pharmacy: { zh: '药店购药', en: 'pharmacy' }, cross_region: { zh: '异地就医', en: 'cross-region' } } as const;
export type Scenario = keyof typeof SCENARIOS;

/** The rule types shipped (DOMAIN.md §8). */
export const RULE_TYPES = {
  duplicate_charging: { zh: '重复收费', en: 'duplicate charging' },
  over_standard_charging: { zh: '超标准收费', en: 'over-standard charging' },
  beyond_payment_scope: { zh: '超医保支付范围', en: 'beyond the payment scope' },
  split_charging: { zh: '分解收费', en: 'split charging' },
  item_swapping: { zh: '串换项目', en: 'item swapping' },
  excessive_tests: { zh: '过度检查', en: 'excessive tests' },
  sex_restricted: { zh: '限性别项目', en: 'sex-restricted item' },
  age_restricted: { zh: '限年龄项目', en: 'age-restricted item' },
  split_admission: { zh: '分解住院', en: 'split admission' },
  bed_hanging: { zh: '挂床住院', en: 'bed-hanging' },
  overlapping_stays: { zh: '重复住院', en: 'overlapping stays' },
  over_quantity_prescribing: { zh: '超量开药', en: 'over-quantity prescribing' },
  qualification_mismatch: { zh: '超资质诊疗', en: 'qualification mismatch' },
} as const;
export type RuleType = keyof typeof RULE_TYPES;

/** One fee line as the rules see it (amounts in fen, as stored in fee_lines). */
export interface LineView {
  readonly feedetl_sn: string;
  readonly med_list_codg: string;
  /** The catalog's list type (drug, service, consumable) and charge item type. */
  readonly list_type: string | null;
  readonly med_chrgitm_type: string;
  readonly chrgitm_lv: string;
  readonly cnt: number;
  readonly pric: Fen;
  readonly det_item_fee_sumamt: Fen;
  readonly pric_uplmt_fen: Fen | null;
  /** The part the fund may pay (inscp_scp_amt + preselfpay: the line's in-scope amount). */
  readonly inscp_scp_amt: Fen;
  readonly fulamt_ownpay_amt: Fen;
  /** yyyy-mm-dd hh:mm:ss, China time; null when the HIS sent none (the visit's day is used). */
  readonly fee_ocur_time: string | null;
  /** Set on a refund line: the charge it takes back (the two cancel out for every rule). */
  readonly init_feedetl_sn: string | null;
}

/** One visit (就诊) with its lines: the claim a rule judges, or another visit of the same person. */
export interface ClaimView {
  readonly mdtrt_id: string;
  /** The settlement (null before settlement: 3101/3102 and the check inside 2207/2304). */
  readonly setl_id: string | null;
  readonly kind: 'outpatient' | 'inpatient' | 'pharmacy';
  readonly psn_no: string;
  /** '1' male, '2' female. */
  readonly gend: string;
  /** Whole years on the visit's first day. */
  readonly age: number;
  readonly insutype: string;
  readonly med_type: string;
  readonly fixmedins_code: string;
  /** '1' medical institution, '2' retail pharmacy. */
  readonly fixmedins_type: string;
  readonly hosp_lv: string;
  readonly mdtrtarea_admvs: string;
  readonly insuplc_admdvs: string;
  /** yyyy-mm-dd hh:mm:ss, China time. */
  readonly begntime: string;
  readonly endtime: string | null;
  /** Diagnosis codes, the main one first. */
  readonly dise_codes: readonly string[];
  readonly lines: readonly LineView[];
  /** What the fund paid (fund_pay_sumamt), 0 before settlement. */
  readonly fund_pay_sumamt: Fen;
}

/** One rule's finding on one claim (the national 3101/3102 `result` entry, and a row of supervision_findings). */
export interface Finding {
  readonly rule_code: string;
  readonly rule_version: number;
  readonly rule_type: RuleType;
  readonly rule_name: { readonly zh: string; readonly en: string };
  readonly severity: Severity;
  /** Whether the rule refuses the settlement (2207/2304) when it fires during settlement. */
  readonly blocking: boolean;
  readonly mdtrt_id: string;
  readonly setl_id: string | null;
  readonly psn_no: string;
  readonly fixmedins_code: string;
  /** The lines concerned (feedetl_sn of this claim). */
  readonly lines: readonly string[];
  /** The other visits that made the rule fire (mdtrt_id), for split admissions, bed-hanging, overlaps, over-quantity. */
  readonly related: readonly string[];
  /** The amount in question (违规金额 vola_amt), in fen: what the lines concerned cost, or the excess part. */
  readonly amount_fen: Fen;
  /** What happened, in words (违规内容 vola_cont). */
  readonly vola_cont: { readonly zh: string; readonly en: string };
  /** Stable identity: one rule on one claim (`rule_code:mdtrt_id`), so a rerun finds it once and amends its lines and amount. */
  readonly fingerprint: string;
}
