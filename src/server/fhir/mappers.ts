import { CLR_TYPES, FUND_PAY_TYPES, HOSP_LVS, isCode, PSN_TYPES, SETTLEMENT_AMOUNTS, type SettlementAmount } from '../../engine/codes.ts';
import { fenToYuan } from '../../engine/money.ts';
import { BUREAU_PREFIX, type ClaimRow, type CoverageRow, type OrganizationRow, type PatientRow, type SettlementRow, type StatementRow } from '../../store/fhir/queries.ts';
import { coding, extensionUrl, identifierSystem } from './codesystems.ts';
import type { FhirResource } from './types.ts';

// Our rows as FHIR R4 resources (docs/fhir.md has the mapping row by row). Pure functions of a
// row and the canonical base: the routes read the rows, these shape them. Amounts are fen in our
// rows and yuan (CNY) in FHIR's Money, crossed only by fenToYuan.

const HL7 = 'http://terminology.hl7.org/CodeSystem';

const money = (fen: number): { value: number; currency: 'CNY' } => ({ value: fenToYuan(fen), currency: 'CNY' });

/** An instant as a FHIR dateTime in China time (UTC+8, no daylight saving). */
export function chinaDateTime(d: Date): string {
  return `${new Date(d.getTime() + 8 * 3_600_000).toISOString().slice(0, 19)}+08:00`;
}

const ref = (type: string, id: string, display?: string): { reference: string; display?: string } => (display ? { reference: `${type}/${id}`, display } : { reference: `${type}/${id}` });

/** The Organization of a pooling region's (or a province's) medical-security bureau. */
export const bureauId = (admdvs: string): string => `${BUREAU_PREFIX}${admdvs}`;
const bureauRef = (admdvs: string, name?: string | null): { reference: string; display?: string } => ref('Organization', bureauId(admdvs), name ? `${name}医疗保障局` : undefined);

/** A visit's or settlement's FHIR claim type: what HL7's claim-type calls a stay, a visit, a pharmacy sale. */
const CLAIM_TYPE = { outpatient: 'professional', inpatient: 'institutional', pharmacy: 'pharmacy' } as const;
const CLAIM_TYPE_OF_CLR: Record<keyof typeof CLR_TYPES, (typeof CLAIM_TYPE)[keyof typeof CLAIM_TYPE]> = { '11': 'professional', '21': 'institutional', '41': 'pharmacy' };
const claimType = (code: string): { coding: [{ system: string; code: string }] } => ({ coding: [{ system: `${HL7}/claim-type`, code }] });

export function patientResource(base: string, r: PatientRow): FhirResource {
  const identifier: Record<string, unknown>[] = [
    { use: 'official', type: { text: '医保人员编号 / psn_no' }, system: identifierSystem(base, 'psn-no'), value: r.psn_no },
  ];
  // 01: 居民身份证 (resident identity card); other certificates are kept out rather than mislabelled
  if (r.psn_cert_type === '01') {
    identifier.push({ use: 'official', type: { coding: [{ system: `${HL7}/v2-0203`, code: 'NI', display: 'National unique individual identifier' }], text: '居民身份证 / resident identity card' }, system: identifierSystem(base, 'resident-id-card'), value: r.certno });
  }
  return {
    resourceType: 'Patient',
    id: r.psn_no,
    identifier,
    active: true,
    name: [{ use: 'official', text: r.psn_name }],
    ...(r.tel ? { telecom: [{ system: 'phone', value: r.tel }] } : {}),
    gender: r.gend === '1' ? 'male' : r.gend === '2' ? 'female' : 'unknown',
    birthDate: r.brdy,
    address: [{
      use: 'home',
      ...(r.addr ? { text: r.addr } : {}),
      ...(r.home_name ? { district: r.home_name } : {}),
      ...(r.city_name ? { city: r.city_name } : {}),
      ...(r.province_name ? { state: r.province_name } : {}),
      country: 'CN',
      extension: [{ url: extensionUrl(base, 'admdvs'), valueCode: r.home_admdvs }],
    }],
    managingOrganization: bureauRef(r.pooling_admdvs),
  };
}

export function coverageResource(base: string, r: CoverageRow): FhirResource {
  const ended = r.psn_insu_stas === '4';
  return {
    resourceType: 'Coverage',
    id: r.id,
    extension: [
      { url: extensionUrl(base, 'psn-insu-stas'), valueCoding: coding(base, 'psn-insu-stas', r.psn_insu_stas) },
      { url: extensionUrl(base, 'psn-type'), valueCoding: coding(base, 'psn-type', r.psn_type) },
    ],
    identifier: [{ system: identifierSystem(base, 'enrollment-id'), value: r.id }],
    // FHIR's Coverage has no suspended state: a suspended enrollment (2) is active with its status in the extension
    status: ended ? 'cancelled' : 'active',
    type: { coding: [coding(base, 'insutype', r.insutype)] },
    subscriberId: r.psn_no,
    beneficiary: ref('Patient', r.psn_no),
    relationship: { coding: [{ system: `${HL7}/subscriber-relationship`, code: 'self' }] },
    period: { start: r.psn_insu_date, ...(r.end_date ? { end: r.end_date } : {}) },
    payor: [bureauRef(r.pooling_admdvs)],
    class: [
      { type: { coding: [{ system: `${HL7}/coverage-class`, code: 'plan' }] }, value: r.insutype, name: coding(base, 'insutype', r.insutype).display ?? r.insutype },
      ...(isCode(PSN_TYPES, r.psn_type) ? [{ type: { coding: [{ system: `${HL7}/coverage-class`, code: 'class' }] }, value: r.psn_type, name: PSN_TYPES[r.psn_type].zh }] : []),
      ...(r.emp_name ? [{ type: { coding: [{ system: `${HL7}/coverage-class`, code: 'group' }] }, value: r.emp_name, name: r.emp_name }] : []),
    ],
  };
}

export function organizationResource(base: string, r: OrganizationRow): FhirResource {
  if (r.kind === 'bureau') {
    return {
      resourceType: 'Organization',
      id: r.id,
      identifier: [{ system: identifierSystem(base, 'admdvs'), value: r.code }],
      active: true,
      type: [{ coding: [{ system: `${HL7}/organization-type`, code: 'pay', display: 'Payer' }, { system: `${HL7}/organization-type`, code: 'govt', display: 'Government' }] }],
      name: r.name,
      address: [{ ...(r.region_name ? { text: r.region_name } : {}), country: 'CN', extension: [{ url: extensionUrl(base, 'admdvs'), valueCode: r.admdvs }] }],
      ...(r.part_of ? { partOf: ref('Organization', r.part_of) } : {}),
    };
  }
  return {
    resourceType: 'Organization',
    id: r.id,
    identifier: [{ system: identifierSystem(base, 'fixmedins-code'), value: r.code }],
    active: true,
    type: [
      { coding: [{ system: `${HL7}/organization-type`, code: 'prov', display: 'Healthcare Provider' }] },
      ...(r.hosp_lv && isCode(HOSP_LVS, r.hosp_lv) ? [{ coding: [coding(base, 'hosp-lv', r.hosp_lv)] }] : []),
    ],
    name: r.name,
    address: [{ ...(r.address ? { text: r.address } : {}), ...(r.region_name ? { district: r.region_name } : {}), country: 'CN', extension: [{ url: extensionUrl(base, 'admdvs'), valueCode: r.admdvs }] }],
    ...(r.part_of ? { partOf: ref('Organization', r.part_of) } : {}),
  };
}

const coverageRef = (r: { coverage_id: string | null; insutype: string }, base: string): Record<string, unknown> =>
  r.coverage_id ? ref('Coverage', r.coverage_id) : { display: coding(base, 'insutype', r.insutype).display ?? r.insutype };

export function claimResource(base: string, r: ClaimRow): FhirResource {
  const lines = r.lines;
  const diagnoses = r.diagnoses.length > 0
    ? r.diagnoses.map((d) => ({ code: d.diag_code, name: d.diag_name, main: d.maindiag_flag }))
    : r.dise_codes.map((code, i) => ({ code, name: '', main: i === 0 }));
  return {
    resourceType: 'Claim',
    id: r.mdtrt_id,
    identifier: [{ system: identifierSystem(base, 'mdtrt-id'), value: r.mdtrt_id }],
    status: r.status === 'cancelled' ? 'cancelled' : 'active',
    type: claimType(CLAIM_TYPE[r.kind]),
    subType: { coding: [coding(base, 'med-type', r.med_type)] },
    use: 'claim',
    patient: ref('Patient', r.psn_no),
    billablePeriod: { start: chinaDateTime(r.begntime), ...(r.endtime ? { end: chinaDateTime(r.endtime) } : {}) },
    created: chinaDateTime(r.created_at),
    insurer: bureauRef(r.insuplc_admdvs),
    provider: ref('Organization', r.fixmedins_code),
    priority: { coding: [{ system: `${HL7}/processpriority`, code: r.emergency_flag ? 'stat' : 'normal' }] },
    ...(diagnoses.length > 0 ? {
      diagnosis: diagnoses.map((d, i) => ({
        sequence: i + 1,
        diagnosisCodeableConcept: { coding: [{ ...coding(base, 'icd10', d.code), ...(d.name ? { display: d.name } : {}) }] },
        ...(d.main ? { type: [{ coding: [{ system: `${HL7}/ex-diagnosistype`, code: 'principal' }] }] } : {}),
      })),
    } : {}),
    insurance: [{ sequence: 1, focal: true, coverage: coverageRef(r, base) }],
    ...(lines.length > 0 ? {
      item: lines.map((l, i) => ({
        sequence: i + 1,
        extension: [{ url: extensionUrl(base, 'feedetl-sn'), valueString: l.feedetl_sn }],
        category: { coding: [coding(base, 'chrgitm-lv', l.chrgitm_lv)] },
        revenue: { coding: [coding(base, 'med-chrgitm-type', l.med_chrgitm_type)] },
        productOrService: { coding: [coding(base, 'med-list', l.med_list_codg)] },
        ...(l.fee_ocur_time ? { servicedDate: l.fee_ocur_time } : {}),
        quantity: { value: Number(l.cnt) },
        unitPrice: money(l.pric),
        net: money(l.det_item_fee_sumamt),
      })),
      total: money(lines.reduce((a, l) => a + l.det_item_fee_sumamt, 0)),
    } : {}),
  };
}

/** The setlinfo sums a settlement lists besides its funds, with HL7's adjudication category where one means the same. */
const TOTALS: readonly [SettlementAmount, string | undefined][] = [
  ['medfee_sumamt', 'submitted'], ['inscp_scp_amt', 'eligible'], ['fund_pay_sumamt', 'benefit'], ['acct_pay', undefined], ['psn_cash_pay', undefined],
  ['hosp_part_amt', undefined], ['psn_part_amt', undefined], ['fulamt_ownpay_amt', undefined], ['overlmt_selfpay', undefined], ['preselfpay_amt', undefined],
];

function settlementTotals(base: string, r: SettlementRow): Record<string, unknown>[] {
  const amount = (k: SettlementAmount): number | undefined => {
    const column = (r as Record<string, unknown>)[k];
    const v = typeof column === 'number' ? column : r.setlinfo[k];
    return typeof v === 'number' && Number.isSafeInteger(v) ? v : undefined;
  };
  const sums = TOTALS.flatMap(([k, hl7]) => {
    const v = amount(k);
    if (v === undefined) return [];
    const codings = [coding(base, 'settlement-amount', k), ...(hl7 ? [{ system: `${HL7}/adjudication`, code: hl7 }] : [])];
    return [{ category: { coding: codings, text: SETTLEMENT_AMOUNTS[k].zh }, amount: money(v) }];
  });
  // each fund's part (setldetail), coded with the fund payment type
  const funds = (Array.isArray(r.setldetail) ? r.setldetail : [])
    .filter((d) => typeof d.fund_payamt === 'number' && Number.isSafeInteger(d.fund_payamt))
    .map((d) => ({ category: { coding: [coding(base, 'fund-pay-type', d.fund_pay_type)], text: isCode(FUND_PAY_TYPES, d.fund_pay_type) ? FUND_PAY_TYPES[d.fund_pay_type].zh : d.fund_pay_type }, amount: money(d.fund_payamt) }));
  return [...sums, ...funds];
}

/** The engine's explanation, one note a step in Chinese and English, with the policy rule it applied. */
function processNotes(base: string, r: SettlementRow): Record<string, unknown> {
  const steps = Array.isArray(r.steps) ? r.steps : [];
  if (steps.length === 0) return {};
  return {
    processNote: steps.map((s, i) => ({
      ...(s.rule ? { extension: [{ url: extensionUrl(base, 'explanation-rule'), valueString: s.rule }] } : {}),
      number: i + 1,
      type: 'display',
      text: `${s.zh} / ${s.en}`,
    })),
  };
}

function settlementExtensions(base: string, r: SettlementRow): Record<string, unknown>[] {
  return [
    { url: extensionUrl(base, 'settlement-policy'), valueString: `${r.policy_id} v${r.policy_version}` },
    { url: extensionUrl(base, 'cross-region-status'), valueCoding: coding(base, 'cross-region-status', r.cross_region_status) },
    ...(r.cancelled_by ? [{ url: extensionUrl(base, 'cancelled-by'), valueIdentifier: { system: identifierSystem(base, 'setl-id'), value: r.cancelled_by } }] : []),
  ];
}

const settlementType = (r: SettlementRow): ReturnType<typeof claimType> => claimType(isCode(CLR_TYPES, r.clr_type) ? CLAIM_TYPE_OF_CLR[r.clr_type] : 'professional');

/** What a settlement's ClaimResponse and ExplanationOfBenefit say alike: who, when, which kind, in force or cancelled. */
function settlementHeader(base: string, r: SettlementRow): Record<string, unknown> {
  return {
    id: r.setl_id,
    extension: settlementExtensions(base, r),
    identifier: [{ system: identifierSystem(base, 'setl-id'), value: r.setl_id }],
    status: r.status === 'cancelled' ? 'cancelled' : 'active',
    type: settlementType(r),
    subType: { coding: [coding(base, 'med-type', r.med_type)] },
    use: 'claim',
    patient: ref('Patient', r.psn_no),
    created: chinaDateTime(r.setl_time),
    insurer: bureauRef(r.insuplc_admdvs),
  };
}

export function claimResponseResource(base: string, r: SettlementRow): FhirResource {
  return {
    resourceType: 'ClaimResponse',
    ...settlementHeader(base, r),
    requestor: ref('Organization', r.fixmedins_code),
    request: ref('Claim', r.mdtrt_id),
    outcome: 'complete',
    disposition: r.status === 'cancelled' ? '已撤销 / cancelled' : '已结算 / settled',
    total: settlementTotals(base, r),
    payment: { type: { coding: [{ system: `${HL7}/ex-paymenttype`, code: 'complete' }] }, date: chinaDateTime(r.setl_time).slice(0, 10), amount: money(r.fund_pay_sumamt) },
    ...processNotes(base, r),
    insurance: [{ sequence: 1, focal: true, coverage: coverageRef(r, base) }],
  };
}

export function explanationOfBenefitResource(base: string, r: SettlementRow): FhirResource {
  return {
    resourceType: 'ExplanationOfBenefit',
    ...settlementHeader(base, r),
    provider: ref('Organization', r.fixmedins_code),
    claim: ref('Claim', r.mdtrt_id),
    claimResponse: ref('ClaimResponse', r.setl_id),
    outcome: 'complete',
    disposition: r.status === 'cancelled' ? '已撤销 / cancelled' : '已结算 / settled',
    insurance: [{ focal: true, coverage: coverageRef(r, base) }],
    total: settlementTotals(base, r),
    payment: { type: { coding: [{ system: `${HL7}/ex-paymenttype`, code: 'complete' }] }, date: chinaDateTime(r.setl_time).slice(0, 10), amount: money(r.fund_pay_sumamt) },
    ...processNotes(base, r),
  };
}

/**
 * A clearing statement as plain data: what one region (or deployment) owes another for a month.
 * The PaymentReconciliation mapper takes only this, so the hub's statements between deployments
 * can be shaped by the same function.
 */
export interface ReconciliationStatement {
  id: string;
  /** YYYYMM. */
  month: string;
  /** The side that pays (the insured region) and the side paid (the treatment region), as division codes. */
  payer: { admdvs: string; name?: string | null };
  payee: { admdvs: string; name?: string | null };
  amount_fen: number;
  /** The amount by fund payment type (the personal account as 310200). */
  by_fund: Record<string, number>;
  adjustments_fen: number;
  settlements: number;
  /** drafted, confirmed_by_insured, confirmed_by_treatment, confirmed, disputed, paid_in_part, paid. */
  state: string;
  created_at: Date;
  paid_at: Date | null;
}

export function statementOfRow(r: StatementRow): ReconciliationStatement {
  return {
    id: r.id, month: r.month, payer: { admdvs: r.insured_admdvs, name: r.insured_name }, payee: { admdvs: r.treatment_admdvs, name: r.treatment_name },
    amount_fen: Number(r.amount_fen), by_fund: r.totals.by_fund ?? {}, adjustments_fen: r.totals.adjustments_fen ?? 0, settlements: r.totals.count ?? 0,
    state: r.state, created_at: r.created_at, paid_at: r.paid_at,
  };
}

const STATE_TEXT: Record<string, string> = {
  drafted: '待确认 / drafted', confirmed_by_insured: '参保地已确认 / confirmed by the insured side', confirmed_by_treatment: '就医地已确认 / confirmed by the treatment side',
  confirmed: '双方已确认 / confirmed', disputed: '有争议 / disputed', paid_in_part: '部分支付 / paid in part', paid: '已支付 / paid',
};

export function paymentReconciliationResource(base: string, s: ReconciliationStatement): FhirResource {
  const y = Number(s.month.slice(0, 4));
  const m = Number(s.month.slice(4, 6));
  const last = new Date(Date.UTC(y, m, 0)).getUTCDate();
  const start = `${s.month.slice(0, 4)}-${s.month.slice(4, 6)}-01`;
  const end = `${s.month.slice(0, 4)}-${s.month.slice(4, 6)}-${String(last).padStart(2, '0')}`;
  const payee = bureauRef(s.payee.admdvs, s.payee.name);
  const details: Record<string, unknown>[] = Object.entries(s.by_fund).filter(([, v]) => Number.isSafeInteger(v)).map(([fund, v]) => ({
    type: { coding: [coding(base, 'fund-pay-type', fund), { system: `${HL7}/payment-type`, code: 'payment' }] }, payee, amount: money(v),
  }));
  if (s.adjustments_fen !== 0) details.push({ type: { coding: [{ system: `${HL7}/payment-type`, code: 'adjustment' }] }, payee, amount: money(s.adjustments_fen) });
  return {
    resourceType: 'PaymentReconciliation',
    id: s.id,
    extension: [{ url: extensionUrl(base, 'clearing-settlements'), valueInteger: s.settlements }],
    identifier: [{ system: identifierSystem(base, 'clearing-statement'), value: s.id }],
    status: 'active',
    period: { start, end },
    created: chinaDateTime(s.created_at),
    paymentIssuer: bureauRef(s.payer.admdvs, s.payer.name),
    outcome: s.state === 'paid' ? 'complete' : s.state === 'paid_in_part' ? 'partial' : 'queued',
    disposition: STATE_TEXT[s.state] ?? s.state,
    paymentDate: (s.paid_at ? chinaDateTime(s.paid_at) : chinaDateTime(s.created_at)).slice(0, 10),
    paymentAmount: money(s.amount_fen),
    ...(details.length > 0 ? { detail: details } : {}),
  };
}
