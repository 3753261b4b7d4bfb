import { Type } from 'typebox';
import { CONCLUSIONS, INVESTIGATION_MOVES } from '../../app/supervision/investigations.ts';
import { RECOGNITION_STATUSES } from '../../engine/chronic-disease.ts';
import { FILING_KINDS, FILING_STATUSES } from '../../engine/filing-rules.ts';
import {
  EnrollmentPeriodSchema, EnrollmentSchema, IdentitySchema, ImportBatchSchema, ImportReportRowSchema, InstitutionSchema, NearbyInstitutionSchema, PersonCertSchema, PersonSchema, RegionSchema, TransferResultSchema,
} from '../../store/registry/schemas.ts';
import { CAPABILITIES, type Capability } from '../auth/access.ts';

// Response shapes, for the OpenAPI description and for fast serialisation. The registry's rows
// are the store's schemas (src/store/registry/schemas.ts), from which its types are derived; the
// shapes the store still types by hand (contributions, accounts, history, imports, cooperation,
// dashboard, supervision) mirror them here: a field added there must be added here to be sent.

const Nullable = <T extends ReturnType<typeof Type.String>>(t: T) => Type.Union([t, Type.Null()]);
const S = Type.String();
const NS = Nullable(Type.String());
const Fen = Type.Integer({ description: 'fen (分)' });

export const RegionModel = RegionSchema;
export const InstitutionModel = InstitutionSchema;
export const NearbyInstitutionModel = NearbyInstitutionSchema;
export const PersonModel = PersonSchema;
export const EnrollmentModel = EnrollmentSchema;

export const ContributionModel = Type.Object({
  id: Type.Integer(), psn_no: S, enrollment_id: Type.Integer(), insuplc_admdvs: S, insutype: S, year: Type.Integer(),
  amount_fen: Fen, payer: S, paid_on: S,
});

export const IdentityModel = IdentitySchema;

export const AccountModel = Type.Union([Type.Object({ psn_no: S, insuplc_admdvs: S, balc_fen: Fen }), Type.Null()]);

/** A family share (家庭共济) posted, or found posted under its key (posted false): the holder's account after it. */
export const FamilyShareModel = Type.Object({
  psn_no: S, insuplc_admdvs: S, balc_fen: Fen, transfer_id: Type.Integer(), posted: Type.Boolean(),
});

export const CertModel = PersonCertSchema;

export const PersonDetailModel = Type.Object({
  ...PersonModel.properties,
  enrollments: Type.Array(EnrollmentModel),
  identities: Type.Array(IdentityModel),
  personal_account: AccountModel,
  mdtrt_certs: Type.Array(CertModel),
});

export const TransferModel = TransferResultSchema;

/** One enrollment of a person's history, with its region's names and its contributions. */
export const PeriodModel = Type.Object({
  ...EnrollmentPeriodSchema.properties,
  contributions: Type.Array(ContributionModel),
});

export const HistoryModel = Type.Object({
  person: PersonModel,
  as_of: S,
  periods: Type.Array(PeriodModel),
  regions: Type.Array(Type.Object({ admdvs: S, name: S, province_name: S })),
  provinces: Type.Array(S),
  contributions_total_fen: Fen,
  identities: Type.Array(IdentityModel),
  personal_account: AccountModel,
});

export const ImportReportRowModel = ImportReportRowSchema;
export const ImportBatchModel = ImportBatchSchema;

const When = Type.String({ format: 'date-time' });
const NWhen = Type.Union([When, Type.Null()]);
const Bilingual = Type.Object({ zh: S, en: S });

// Filings, recognitions and the inbox: the rows of src/store/cooperation/{filings,recognitions,notifications}.ts.
export const FilingModel = Type.Object({
  id: Type.Integer(), filing_no: S, psn_no: S, insuplc_admdvs: S, mdtrtarea_admdvs: S,
  kind: Type.String({ description: Object.keys(FILING_KINDS).join(' | ') }),
  term: Type.String({ description: 'long_term | temporary' }), begndate: S, enddate: NS,
  status: Type.String({ description: Object.keys(FILING_STATUSES).join(' | ') }),
  commitment: Type.Boolean(), commitment_check: NS, commitment_check_due: NS,
  filer_type: S, filer_id: S, fixmedins_code: NS, submitted_at: When, review_due: NS, escalation_level: Type.Integer(),
  effective_on: NS, decided_by: NS, decision_reason: NS, revoked_on: NS, replaces_filing_no: NS,
});

export const RecognitionModel = Type.Object({
  id: Type.Integer(), recognition_no: S, psn_no: S, insuplc_admdvs: S, dise_list_admdvs: S, opsp_dise_code: S, opsp_dise_name: S,
  diag_code: S, ide_fixmedins_code: S, diag_dr_codg: S, diag_dr_name: S, hosp_ide_date: S, resp_dr_codg: NS, resp_dr_name: NS,
  begndate: S, enddate: NS, status: Type.String({ description: Object.keys(RECOGNITION_STATUSES).join(' | ') }),
  review_due: NS, decided_by: NS, decision_reason: NS, revoked_on: NS, renews_no: NS,
});

// The review queues (src/store/cooperation/{filings,recognitions}.ts), with the working days
// left before each deadline in the insured region's calendar (negative: overdue by so many).
const WorkingDaysLeft = Type.Union([Type.Integer(), Type.Null()]);
export const FilingQueueItemModel = Type.Object({
  filing_no: S, psn_no: S, kind: S, insuplc_admdvs: S, mdtrtarea_admdvs: S,
  task: Type.Union([Type.Literal('review'), Type.Literal('commitment_check')]), due: NS, overdue: Type.Boolean(),
  escalation_level: Type.Integer(), submitted_at: When, working_days_left: WorkingDaysLeft,
});
export const RecognitionQueueItemModel = Type.Object({
  recognition_no: S, psn_no: S, insuplc_admdvs: S, opsp_dise_code: S, opsp_dise_name: S, review_due: NS, overdue: Type.Boolean(),
  working_days_left: WorkingDaysLeft,
});

/** A person who consented to a grid worker acting for them (GET /grid/persons). */
export const ConsentedPersonModel = Type.Object({ psn_no: S, certno: S, psn_name: S, consent_ref: S });

export const NotificationModel = Type.Object({
  id: Type.Integer(), psn_no: S, channel: Type.String({ description: 'in_app | sms | wechat' }), subject: S,
  title_zh: S, title_en: S, body_zh: S, body_en: S, created_at: When, delivered_at: NWhen, read_at: NWhen,
});

export const StaffMessageModel = Type.Object({
  id: Type.Integer(), admdvs: S, subject: S, title_zh: S, title_en: S, body_zh: S, body_en: S, urgent: Type.Boolean(), at: When, read_by: Type.Union([S, Type.Null()]), read_at: NWhen,
});

// Who is signed in (src/store/auth/principal.ts) and what they may do (src/server/auth/access.ts).
export const StaffPrincipalModel = Type.Object({
  kind: Type.Literal('staff'), username: S, display_name: S,
  role: Type.Union(['clerk', 'reviewer', 'supervisor', 'finance', 'admin', 'grid_worker', 'institution'].map((r) => Type.Literal(r))),
  regions: Type.Array(S),
  fixmedins_code: Type.Optional(Type.String({ description: 'an institution account (role institution): the institution it belongs to' })),
});
export const PersonPrincipalModel = Type.Object({ kind: Type.Literal('person'), psn_no: S, certno: S, psn_name: S, insuplc_admdvs: S });

export const MeModel = Type.Object({
  principal: Type.Union([StaffPrincipalModel, PersonPrincipalModel]),
  role_name: Bilingual,
  can: Type.Object(Object.fromEntries(Object.keys(CAPABILITIES).map((c) => [c, Type.Boolean({ description: `may call ${CAPABILITIES[c as Capability]}` })])) as Record<Capability, ReturnType<typeof Type.Boolean>>),
  acts_for: Type.Union([Type.Literal('self'), Type.Literal('consenting persons'), Type.Literal('regions'), Type.Literal('institution')], {
    description: 'self: an insured person; consenting persons: a grid worker; regions: other staff, within `regions`; institution: an institution account, for its own institution only',
  }),
  regions: Type.Array(S, { description: 'a staff member\'s division codes (000000: all; a grid worker still acts only for consenting persons); empty for an insured person' }),
  routes: Type.Array(S, { description: 'every `METHOD /path` the role may call; the person or region a call names is still checked' }),
  fixmedins_code: Type.Union([S, Type.Null()], { description: 'an institution account\'s institution; null for everyone else' }),
});

// The dashboard's figures (src/store/dashboard.ts), for the caller's regions. Sums are numbers
// as the store computes them; a period is `from`..`to`, yyyy-mm-dd.
const Count = Type.Number();
const SumFen = Type.Number({ description: 'fen (分)' });
const Rate = Type.Number({ description: '0..1, to four decimals' });
const NRate = Type.Union([Rate, Type.Null()]);
const QueueName = Type.Union([Type.Literal('filing'), Type.Literal('recognition')]);

export const RegionEnrollmentModel = Type.Object({ admdvs: S, name: S, registered: Count, enrolled: Count, rate: Rate });
export const QueueMonthModel = Type.Object({
  queue: QueueName, month: Type.String({ description: 'yyyy-mm' }), decided: Count, on_time: Count, late: Count, pending: Count, overdue_pending: Count,
});
export const QueueCaseModel = Type.Object({
  queue: QueueName, no: S, psn_no: S, insuplc_admdvs: S, review_due: S, decided_on: NS, status: S, on_time: Type.Union([Type.Boolean(), Type.Null()]),
});
export const DayTotalModel = Type.Object({ day: S, settlements: Count, medfee_fen: SumFen, fund_fen: SumFen });
export const DayFundModel = Type.Object({ day: S, fund_pay_type: S, fund_fen: SumFen });
export const FlowModel = Type.Object({ insured: S, insured_name: S, treated: S, treated_name: S, settlements: Count, medfee_fen: SumFen, fund_fen: SumFen });
export const DirectRateModel = Type.Object({
  from: S, to: S, visits: Count, settled: Count, rate: NRate, cross_region_visits: Count, cross_region_settled: Count, cross_region_rate: NRate,
});
export const SettlementListRowModel = Type.Object({
  setl_id: S, kind: S, setl_time: When, psn_no: S, fixmedins_code: S, fixmedins_name: NS, insuplc_admdvs: S, mdtrtarea_admvs: S,
  medfee_fen: SumFen, fund_fen: SumFen,
});

// Clearing between regions (src/store/clearing/, src/app/clearing/; docs/clearing.md): the
// statements, their lines, a run's answer, the advance funds and the net positions by month.
const NInt = Type.Union([Type.Integer(), Type.Null()]);
const ByCode = Type.Record(Type.String(), Type.Integer({ description: 'fen (分)' }));
export const StatementTotalsModel = Type.Object({
  amount_fen: Fen, count: Type.Integer(), by_fund: ByCode, by_insutype: ByCode, adjustments_fen: Fen, adjustments_count: Type.Integer(),
});
const StatementState = Type.String({ description: 'drafted | confirmed_by_insured | confirmed_by_treatment | confirmed | disputed | paid_in_part | paid' });
export const ClearingStatementModel = Type.Object({
  id: Type.Integer(), month: Type.String({ description: 'YYYYMM' }), level: Type.String({ description: 'province | city' }),
  insured_admdvs: S, treatment_admdvs: S, amount_fen: Fen, totals: StatementTotalsModel, state: StatementState,
  insured_confirmed_by: NS, treatment_confirmed_by: NS, transfer_id: NInt,
});
export const ClearingLineModel = Type.Object({
  n: Type.Integer(), setl_id: S, kind: Type.String({ description: 'settle | cancel | recovery (a supervision case\'s recovery, its line named <case_no>:<setl_id>)' }), orig_setl_id: NS, setl_time: When, psn_no: S,
  fixmedins_code: S, fixmedins_name: NS, insuplc_admdvs: S, mdtrtarea_admvs: S, insutype: S, med_type: S, medfee_fen: Fen,
  amount_fen: Type.Integer({ description: 'fen (分) the insured region owes for it; negative for a cancellation' }), adjustment: Type.Boolean(),
  dispute_id: NInt, dispute_state: Type.Union([Type.String({ description: 'open | withdrawn | upheld' }), Type.Null()]),
});
export const ClearingDisputeModel = Type.Object({
  id: Type.Integer(), statement_id: Type.Integer(), month: S, level: S, insured_admdvs: S, treatment_admdvs: S, setl_id: S, amount_fen: Type.Integer({ description: 'fen (分)' }),
  side: Type.String({ description: 'insured | treatment: who contests it' }), raised_by: S, raised_at: When, reason: S,
  state: Type.String({ description: 'open | withdrawn (the line is paid) | upheld (not owed)' }), resolved_by: NS, resolved_at: NWhen, note: NS, transfer_id: NInt,
});
export const ClearingStatementDetailModel = Type.Object({ ...ClearingStatementModel.properties, lines: Type.Array(ClearingLineModel) });
export const NetPositionModel = Type.Object({ admdvs: S, net_fen: Type.Integer({ description: 'fen (分): + receives, − pays' }) });
export const NetTransferModel = Type.Object({ payer: S, payee: S, amount_fen: Fen });
export const ClearingRunModel = Type.Object({
  month: S, level: S, built: Type.Boolean({ description: 'false: the month had been run, its statements as stored' }), dry_run: Type.Boolean(),
  statements: Type.Array(Type.Object({ id: NInt, insured_admdvs: S, treatment_admdvs: S, state: StatementState, totals: StatementTotalsModel })),
  positions: Type.Array(NetPositionModel), pairs: Type.Array(NetTransferModel),
});
export const AdvanceFundViewModel = Type.Object({
  insured_admdvs: S, treatment_admdvs: S, year: Type.Integer(), size_fen: Fen, consumed_fen: Fen,
  rate_bp: Type.Integer({ description: 'use rate in basis points (10000 = 100%)' }), level: Type.String({ description: 'none | yellow | red' }),
});
export const AdvanceFundWarningModel = Type.Object({
  insured_admdvs: S, treatment_admdvs: S, year: Type.Integer(), level: Type.String({ description: 'yellow | red' }), at: When,
  rate_bp: Type.Integer(), consumed_fen: Fen, size_fen: Fen, notify_admdvs: Type.Array(S), top_up_by: NS,
});
export const AdvanceFundsModel = Type.Object({
  year: Type.Integer(), yellow_bp: Type.Integer(), red_bp: Type.Integer(), funds: Type.Array(AdvanceFundViewModel), warnings: Type.Array(AdvanceFundWarningModel),
});
export const MonthPositionsModel = Type.Object({ month: S, statements: Type.Integer(), paid: Type.Integer(), positions: Type.Array(NetPositionModel) });
export const PositionsModel = Type.Object({ from: S, to: S, level: S, months: Type.Array(MonthPositionsModel) });

// Institutions' clearing with the fund (src/app/clearing/institutions.ts; docs/clearing.md "Institutions").
const FenByCode = Type.Record(Type.String(), Type.Integer({ description: 'fen (分)' }));
export const ClaimedTotalsModel = Type.Object({
  medfee_sumamt: Type.Integer(), fund_appy_sum: Type.Integer(), cash_payamt: Type.Integer(), acct_pay: Type.Integer(),
  setl_cnt: Type.Optional(Type.Integer()), by_fund: Type.Optional(FenByCode),
}, { description: 'what the institution claimed, in fen' });
export const PlatformTotalsModel = Type.Object({
  setl_cnt: Type.Integer(), medfee_sumamt: Type.Integer(), fund_pay_sumamt: Type.Integer(), acct_pay: Type.Integer(), psn_cash_pay: Type.Integer(), by_fund: FenByCode,
}, { description: 'what the platform counts in the same settlements, in fen (cancellations negative)' });
const NIntI = Type.Union([Type.Integer(), Type.Null()]);
export const ClearingApplicationModel = Type.Object({
  id: Type.Integer(), clr_appy_evt_id: S, fixmedins_code: S, fixmedins_name: S, admdvs: S, clr_type: S, clr_way: S, setl_optins: S, begndate: S, enddate: S,
  claimed: ClaimedTotalsModel, platform: PlatformTotalsModel, state: Type.String({ description: 'applied | cancelled | approved | refused' }), msgid: S,
  applied_at: When, cancelled_at: NWhen, decided_by: NS, decided_at: NWhen, reasons: NS, reserve_bp: NIntI, paid_fen: NIntI, reserve_fen: NIntI,
  payment_transfer_id: NIntI, released_at: NWhen, release_transfer_id: NIntI,
});
export const ClearingMismatchModel = Type.Object({ field: S, claimed: Type.Integer(), platform: Type.Integer(), unit: Type.String({ description: 'fen | count' }) });
export const ApplicationReviewModel = Type.Object({
  application: ClearingApplicationModel, platform: PlatformTotalsModel, mismatches: Type.Array(ClearingMismatchModel), setl_ids: Type.Array(S),
  payable_fen: Type.Integer(), reserve_bp: Type.Integer(), paid_fen: Type.Integer(), reserve_fen: Type.Integer(),
});
export const ReserveReleaseModel = Type.Object({ fixmedins_code: S, application_ids: Type.Array(Type.Integer()), released_fen: Type.Integer(), transfer_id: NIntI });
export const InstitutionPaymentStatementModel = Type.Object({
  fixmedins_code: S, fixmedins_name: S, month: S,
  applied: Type.Object({ count: Type.Integer(), claimed_fen: Type.Integer() }), approved: Type.Object({ count: Type.Integer(), approved_fen: Type.Integer() }),
  paid_fen: Type.Integer(), withheld_fen: Type.Integer(), released_fen: Type.Integer(), reserve_held_fen: Type.Integer(), balance_owed_fen: Type.Integer(),
  applications: Type.Array(ClearingApplicationModel),
});

// Paying hospitals by DRG/DIP (src/app/payment/reports.ts; docs/payment.md "Pages and routes"):
// a pooling region's year, a hospital's own year, one stay with its lists, groupings and prices.
// Weights, scores and the case-mix index (CMI) are ten-thousandths (_e4): 1.2345 → 12345.
const E4 = Type.Integer({ description: 'ten-thousandths (1.2345 → 12345)' });
const NE4 = Type.Union([E4, Type.Null()]);
const NFen = Type.Union([Fen, Type.Null()]);
const PaymentMethod = Type.Union([Type.Literal('drg'), Type.Literal('dip')]);
export const PaymentStepModel = Type.Object({
  step: S, zh: S, en: S, fen: Type.Optional(Type.Integer({ description: 'fen (分): a part of the hospital payment; the parts sum to it' })),
});
export const GroupingStepModel = Type.Object({
  stage: Type.String({ description: 'pre-mdc | newborn | mdc | adrg | complication | ungroupable' }), rule: S, zh: S, en: S, codes: Type.Optional(Type.Array(S)),
});
export const ComplicationNoteModel = Type.Object({
  code: S, level: Type.Union([Type.Literal('MCC'), Type.Literal('CC')]), counted: Type.Boolean(), excludedBy: Type.Optional(Type.String({ description: 'the exclusion table that struck it' })),
});
export const PaymentRulesSummaryModel = Type.Object({
  rules_id: S, version: Type.Integer(), method: PaymentMethod, source: S, weights_source: NS, weighted_groups: Type.Integer(),
  base_rate_fen_by_insutype: Type.Record(Type.String(), Type.Integer({ description: 'fen (分) per unit of weight' })),
  hospital_coefficient_bp_by_level: Type.Record(Type.String(), Type.Integer({ description: 'basis points' })),
  budget_total_fen: Fen, drg_dip_share_bp: Type.Integer(), drg_dip_budget_fen: Fen, advance_share_bp: Type.Integer(),
  point_value_fen: Type.Union([Type.Integer({ description: 'DIP: fen (分) per unit score, fixed by the bureau' }), Type.Null()]),
  reimbursement_ratio_bp: Type.Union([Type.Integer(), Type.Null()]),
});
const YearTotalsProps = {
  cases: Type.Integer(), cmi_e4: NE4, total_cost_fen: Fen, standard_fen: Fen, hospital_payment_fen: Fen, basic_fund_paid_fen: Fen,
  surplus_fen: Type.Integer({ description: 'fen (分): + surplus, − loss' }), review_cases: Type.Integer(),
};
export const PaymentTotalsModel = Type.Object(YearTotalsProps);
export const RegionPaymentTotalsModel = Type.Object({
  ...YearTotalsProps, budget_fen: NFen, budget_use_bp: Type.Union([Type.Integer({ description: 'Σ hospital payment ÷ the DRG/DIP budget, basis points' }), Type.Null()]),
});
export const HospitalPaymentYearModel = Type.Object({
  fixmedins_code: S, fixmedins_name: S, hosp_lv: S, cases: Type.Integer(), cmi_e4: E4, total_cost_fen: Fen, standard_fen: Fen, hospital_payment_fen: Fen,
  basic_fund_paid_fen: Fen, surplus_fen: Type.Integer(), cross_region_cases: Type.Integer(),
});
export const PaymentGroupYearModel = Type.Object({
  group_code: S, cases: Type.Integer(), weight_e4: E4, mean_cost_fen: Fen, mean_standard_fen: Fen, surplus_fen: Type.Integer(),
});
export const PaymentCaseLineModel = Type.Object({
  setl_id: S, fixmedins_code: S, psn_no: S, dscg_date: Type.String({ description: 'yyyy-mm-dd' }), group_code: S, weight_e4: E4,
  kind: Type.String({ description: 'normal | high_cost | low_cost | short_stay | death | transfer | per_diem | by_item | review' }),
  total_cost_fen: Fen, standard_fen: Fen, hospital_payment_fen: Fen, surplus_fen: Type.Integer(), review: Type.Boolean(), cross_region: Type.Boolean(),
  explanation: Type.Array(PaymentStepModel),
});
export const PaymentMonthModel = Type.Object({
  month: Type.String({ description: 'yyyy-mm' }), cases: Type.Integer(), standard_fen: Fen, hospital_payment_fen: Fen, basic_fund_paid_fen: Fen,
  advance_fen: Type.Union([Type.Integer({ description: 'fen (分): the monthly advance, the rules\' advance share of what the fund paid' }), Type.Null()]),
});
export const PaymentYearEndLineModel = Type.Object({
  fixmedins_code: S, fixmedins_name: S, cases: Type.Integer(), due_fen: Fen, paid_fen: Fen, balance_fen: Type.Integer({ description: 'fen (分): due − paid' }),
  adjustment_fen: Type.Integer(), cmi_e4: E4, surplus_fen: Type.Integer(), transfer_id: NInt,
});
export const PaymentYearEndModel = Type.Object({
  id: Type.Integer(), admdvs: S, year: Type.Integer(), method: PaymentMethod, rules_id: S, rules_version: Type.Integer(),
  point_value: Type.Union([Type.Record(Type.String(), Type.Any()), Type.Null()], { description: 'DIP: the year\'s point values and how they were reached' }),
  totals: Type.Record(Type.String(), Type.Any()), run_by: S, run_at: When, lines: Type.Array(PaymentYearEndLineModel),
});
export const RegionPaymentYearModel = Type.Object({
  admdvs: S, year: Type.Integer(), rules: Type.Union([PaymentRulesSummaryModel, Type.Null()]), totals: RegionPaymentTotalsModel,
  hospitals: Type.Array(HospitalPaymentYearModel), top_groups: Type.Array(PaymentGroupYearModel), loss_groups: Type.Array(PaymentGroupYearModel),
  review_cases: Type.Array(PaymentCaseLineModel), months: Type.Array(PaymentMonthModel), year_end: Type.Union([PaymentYearEndModel, Type.Null()]),
});
export const InstitutionPaymentYearModel = Type.Object({
  institution: Type.Object({ fixmedins_code: S, fixmedins_name: S, admdvs: S }), pooling_admdvs: S, year: Type.Integer(),
  method: Type.Union([PaymentMethod, Type.Null()]), totals: PaymentTotalsModel, cases: Type.Array(PaymentCaseLineModel), groups: Type.Array(PaymentGroupYearModel),
  months: Type.Array(PaymentMonthModel), year_end_line: Type.Union([PaymentYearEndLineModel, Type.Null()]),
});
export const PaymentStayModel = Type.Object({
  setl_id: S, psn_no: S, psn_name: S, fixmedins_code: S, fixmedins_name: S, insutype: S, insuplc_admdvs: S, mdtrtarea_admvs: S, setl_time: When, medfee_fen: Fen,
});
export const SettlementListVersionModel = Type.Object({
  version: Type.Integer(), setl_list_id: S, stas_type: Type.String({ description: '1 submitted, 0 withdrawn' }), adm_time: When, dscg_time: When, dscg_way: S,
  principal_diagnosis: S, main_procedure: NS,
  diagnoses: Type.Array(Type.Object({ diag_type: S, diag_code: S, diag_name: S, maindiag: Type.Boolean(), adm_cond_type: Type.Optional(S) })),
  procedures: Type.Array(Type.Object({ oprn_oprt_code: S, oprn_oprt_name: S, main: Type.Boolean(), begntime: Type.Optional(When), endtime: Type.Optional(When), anst_way: Type.Optional(S) })),
  uploaded_at: When,
});
export const CaseGroupingModel = Type.Object({
  version: Type.Integer({ description: 'the list version grouped' }), scheme: S, scheme_version: Type.Integer(), mdc: NS, adrg: NS, drg: S,
  status: Type.Union([Type.Literal('grouped'), Type.Literal('ungroupable')]), steps: Type.Array(GroupingStepModel), cc: Type.Array(ComplicationNoteModel), reason: NS, grouped_at: When,
});
export const CasePriceModel = Type.Object({
  id: Type.Integer(), list_id: Type.Integer(), year: Type.Integer(), method: PaymentMethod, rules_id: S, rules_version: Type.Integer(), group_code: S,
  weight_e4: E4, score_e4: E4, kind: S, total_cost_fen: Fen, standard_fen: Fen, payment_fen: Fen, patient_paid_fen: Fen, other_funds_paid_fen: Fen,
  hospital_payment_fen: Type.Integer({ description: 'fen (分) the fund owes the hospital; may be negative' }), surplus_fen: Type.Integer(), review: Type.Boolean(), basic_fund_paid_fen: Fen,
  explanation: Type.Array(PaymentStepModel), priced_at: When, superseded_at: NWhen, year_end_id: NInt, reversed_by_year_end_id: NInt,
});
export const PaymentCaseModel = Type.Object({
  stay: PaymentStayModel, lists: Type.Array(SettlementListVersionModel), groupings: Type.Array(CaseGroupingModel), payments: Type.Array(CasePriceModel),
});
export const PaymentRegionModel = Type.Object({ admdvs: S, name: S, year: Type.Integer(), method: PaymentMethod });
const SimSide = Type.Object({ cases: Type.Integer(), payment_fen: Type.Integer(), hospital_payment_fen: Type.Integer(), surplus_fen: Type.Integer() });
const SimComparison = { before: SimSide, after: SimSide, difference: SimSide };
export const PaymentSimulationModel = Type.Object({
  before: Type.Object({ rules_id: S, point_value_fen: Type.Union([Type.Integer(), Type.Null()]) }),
  after: Type.Object({ rules_id: S, point_value_fen: Type.Union([Type.Integer(), Type.Null()]) }),
  totals: Type.Object(SimComparison),
  hospitals: Type.Array(Type.Object({ code: S, ...SimComparison })),
  groups: Type.Array(Type.Object({ group: S, ...SimComparison })),
  changed_cases: Type.Array(Type.Object({ id: S, hospital_code: S, before_fen: Type.Integer(), after_fen: Type.Integer(), difference_fen: Type.Integer() })),
});
export const PaymentChangeModel = Type.Object({
  base_rate_fen_by_insutype: Type.Optional(Type.Record(Type.String({ pattern: '^[0-9]{3}$' }), Type.Integer({ minimum: 1, maximum: 100_000_000, description: 'fen (分) per unit of weight' }))),
  weights_scale_bp: Type.Optional(Type.Integer({ minimum: 1000, maximum: 50000, description: 'every DRG weight × this ÷ 10000' })),
  point_value_fen: Type.Optional(Type.Integer({ minimum: 1, maximum: 100_000_000, description: 'DIP: fen (分) per unit score' })),
  hospital_coefficient_bp_by_level: Type.Optional(Type.Record(Type.String({ pattern: '^[0-9]$' }), Type.Integer({ minimum: 1, maximum: 30000 }))),
}, { additionalProperties: false });

// Fund supervision (docs/supervision.md): findings with their evidence, the rule library, the
// scans (src/server/api/supervision.ts), the sharing report (sharing.ts), 协查 requests
// (investigations.ts) and supervision cases (supervision-cases.ts).
export const FindingModel = Type.Object({
  id: Type.Integer(), stage: S, rule_code: S, rule_version: Type.Integer(), rule_type: S, severity: S,
  status: S, closed_reason: NS, mdtrt_id: S, setl_id: NS,
  psn_no: S, psn_name: S, fixmedins_code: S, fixmedins_name: S, mdtrtarea_admvs: S, insuplc_admdvs: S,
  lines: Type.Array(S), related: Type.Array(S), amount_fen: Type.Integer(), vola_cont: Bilingual, found_at: When,
});
export const RuleTypeTotalModel = Type.Object({ rule_type: S, n: Type.Integer(), amount_fen: Type.Integer() });
export const FindingPageModel = Type.Object({
  total: Type.Integer(), items: Type.Array(FindingModel),
  by_rule_type: Type.Array(RuleTypeTotalModel, { description: 'under every filter but the rule type' }),
});
export const FindingEvidenceModel = Type.Object({
  finding: FindingModel,
  lines: Type.Array(Type.Object({
    feedetl_sn: S, med_list_codg: S, med_chrgitm_type: S, chrgitm_lv: S, cnt: Type.Number(), pric: Type.Integer(),
    det_item_fee_sumamt: Type.Integer(), inscp_scp_amt: Type.Integer(), fee_ocur_time: NS, concerned: Type.Boolean(),
  })),
  visits: Type.Array(Type.Object({
    mdtrt_id: S, kind: S, fixmedins_code: S, fixmedins_name: S, begntime: S,
    endtime: NS, dise_codes: Type.Array(S), status: S, related: Type.Boolean(),
  })),
});
export const SupervisionRuleModel = Type.Object({
  code: S, rules_id: S, version: Type.Integer(), name: Bilingual, type: S, type_name: Bilingual, severity: S, blocking: Type.Boolean(),
  scenarios: Type.Array(S), stages: Type.Array(S), insutypes: Type.Array(S), regions: Type.Array(S), params: Type.Unknown(),
});
export const RuleLibraryDocumentModel = Type.Object({
  rules_id: S, version: Type.Integer(), admdvs: S, stored_at: When, stored_by: S, note: S, doc: Type.Unknown(),
});
export const RuleLibraryModel = Type.Object({ items: Type.Array(SupervisionRuleModel), documents: Type.Array(RuleLibraryDocumentModel) });
/** A draft library checked as storing it would: nothing stored. */
export const RuleLibraryCheckModel = Type.Object({ rules_id: S, version: Type.Integer(), admdvs: S, rules: Type.Integer() });
export const RuleLibraryPublishedModel = Type.Omit(RuleLibraryDocumentModel, ['doc']);
export const ScanModel = Type.Object({
  id: Type.Integer(), scope: S, mode: S, period_from: S, period_to: S, status: S,
  persons: Type.Integer(), claims: Type.Integer(), lines: Type.Integer(), found: Type.Integer(), amended: Type.Integer(), closed: Type.Integer(),
  started_by: S, started_at: When, finished_at: NWhen,
});

// The monthly sharing report of an agreement (src/app/supervision/sharing.ts), in fen.
const sharingFigures = {
  setl_cnt: Type.Integer(), medfee_sumamt: Fen, fund_pay_sumamt: Fen,
  parts: Type.Record(Type.String(), Fen, { description: 'by fund part (hifp_pay, cvlserv_pay, …, acct_pay, psn_cash_pay, hosp_part_amt)' }),
  findings: Type.Integer({ description: 'after-settlement findings not closed' }), findings_amount_fen: Fen,
};
export const SharingFiguresModel = Type.Object(sharingFigures);
export const SharingRuleTypeModel = Type.Object({ rule_type: S, n: Type.Integer(), amount_fen: Fen });
export const SharingTreatmentModel = Type.Object({ ...sharingFigures, treatment_admdvs: S, treatment_name: S });
export const SharingInstitutionModel = Type.Object({
  ...sharingFigures, treatment_admdvs: S, treatment_name: S, fixmedins_code: S, fixmedins_name: S, psn_cnt: Type.Integer(),
  findings_by_rule_type: Type.Array(SharingRuleTypeModel),
});
export const SharingMemberModel = Type.Object({
  admdvs: S, name: S, totals: SharingFiguresModel,
  by_treatment: Type.Array(SharingTreatmentModel),
  institutions: Type.Array(SharingInstitutionModel),
  findings_by_rule_type: Type.Array(SharingRuleTypeModel),
});
export const SharingReportModel = Type.Object({
  agreement_no: S, agreement_name: S, month: S, from: S, to: S,
  fund_parts: Type.Array(S),
  fund_part_names: Type.Record(Type.String(), Bilingual),
  members: Type.Array(SharingMemberModel),
  totals: SharingFiguresModel,
  findings_by_rule_type: Type.Array(SharingRuleTypeModel),
});

// 协查 requests between regions (src/app/supervision/investigations.ts).
const literals = (xs: readonly string[]) => Type.Union(xs.map((k) => Type.Literal(k)));
export const InvestigationListItemModel = Type.Object({
  case_no: S, state: S, state_name: Bilingual, psn_no: S, psn_name: S, requesting_admdvs: S, answering_admdvs: S,
  subject: S, visits: Type.Integer(), raised_at: When, due_on: NS, overdue: Type.Boolean(), escalation_level: Type.Integer(),
});
export const InvestigationBoxModel = Type.Object({ box: S, as_of: S, items: Type.Array(InvestigationListItemModel) });
export const InvestigationAnswerModel = Type.Object({
  at: S, by: S, findings: S, conclusion: literals(Object.keys(CONCLUSIONS)), recovery_fen: Type.Integer(), recovery_ref: NS,
  returned: Type.Optional(Type.Object({ at: S, by: S, reason: S })),
});
export const InvestigationModel = Type.Object({
  case_no: S, state: S, state_name: Bilingual, psn_no: S, psn_name: S,
  requesting_admdvs: S, answering_admdvs: S, agreement_no: S, accept_days: Type.Integer(), answer_days: Type.Integer(),
  subject: S, reason: S, finding_ids: Type.Array(Type.Integer()), raised_by: S, raised_at: When,
  accepted_by: NS, accepted_at: NWhen, refusal: Type.Union([Type.Object({ at: S, by: S, reason: S }), Type.Null()]),
  answers: Type.Array(InvestigationAnswerModel), answer: Type.Union([InvestigationAnswerModel, Type.Null()]), closed_by: NS, closed_at: NWhen,
  due_on: NS, overdue: Type.Boolean(), escalation_level: Type.Integer(),
  my_sides: Type.Array(literals(['requesting', 'answering'])), allowed_moves: Type.Array(literals(INVESTIGATION_MOVES)),
  visits: Type.Array(Type.Object({
    mdtrt_id: S, kind: S, status: S, fixmedins_code: S, fixmedins_name: S, mdtrtarea_admvs: S,
    begntime: When, endtime: NWhen, med_type: S, setl_id: NS, named_setl_id: NS, setl_status: NS,
    medfee_sumamt: NInt, fund_pay_sumamt: NInt, setl_time: NWhen,
  })),
  events: Type.Array(Type.Object({ at: When, actor: S, move: S, from_state: NS, to_state: S, comment: NS })),
  attachments: Type.Array(Type.Object({ id: Type.Integer(), name: S, mime: S, size_bytes: Type.Integer(), sha256: S, added_at: When, added_by: S, side: S })),
});

// Supervision cases (src/app/supervision/cases.ts): the queue's rows and one case with the caller's moves.
export const SupervisionCaseRowModel = Type.Object({
  case_no: S, state: S, state_name: Bilingual, fixmedins_code: S, fixmedins_name: S, admdvs: S,
  amount_fen: Type.Integer(), findings: Type.Integer(), opened_at: When, due_on: NS, overdue: Type.Boolean(), escalation_level: Type.Integer(), recovery_fen: Type.Integer(),
});
export const SupervisionCaseFindingModel = Type.Object({
  id: Type.Integer(), status: S, rule_code: S, rule_type: S, severity: S, mdtrt_id: S, setl_id: NS,
  psn_no: S, fixmedins_code: S, lines: Type.Array(S), related: Type.Array(S), amount_fen: Type.Integer(), vola_cont: Bilingual, found_at: When,
});
export const SupervisionCaseModel = Type.Object({
  case_no: S, state: S, state_name: Bilingual, fixmedins_code: S, fixmedins_name: S, admdvs: S,
  amount_fen: Type.Integer(), opened_at: When, opened_by: S, due_on: NS, escalation_level: Type.Integer(), closed_at: NWhen,
  first_reviewed_by: NS, appeal: Type.Unknown({ description: '{ at, by, statement, evidence, due_on } or { waived: true, at, by, reason }; null before' }),
  appeal_due_on: NS,
  decision: Type.Unknown({ description: '{ kinds, reason, recovery_fen, penalty_multiple, penalty_fen, suspension, shares }; null before' }),
  decided_at: NWhen, decided_by: NS, recovery_fen: Type.Integer(), penalty_fen: Type.Integer(),
  recovery_transfer: Type.Unknown({ description: 'the ledger transfer of kind recovery (id, key, amount_fen, legs), or null' }),
  suspension: Type.Unknown({ description: 'the suspension of direct settlement (begins_on, ends_on, lifted_at…), or null' }),
  findings: Type.Array(SupervisionCaseFindingModel),
  events: Type.Array(Type.Object({ at: When, actor: S, move: S, from_state: NS, to_state: S, comment: NS })),
  evidence: Type.Array(Type.Object({ kind: S, ref: S, description: NS })),
  files: Type.Array(Type.Object({ id: Type.Integer(), name: S, mime: S, size: Type.Integer(), sha256: S, uploaded_at: When, uploaded_by: S })),
  moves: Type.Array(S, { description: 'the moves the caller may make now' }),
  replayed: Type.Optional(Type.Boolean({ description: 'a decision submitted again: nothing was written' })),
});

// The service network (src/app/service/, docs/service-network.md): points, grids, window tickets,
// appointments, the 15-minute coverage and the nearest points open now.
const Hours = Type.Record(S, Type.Array(Type.Array(S)), { description: 'per weekday (mon…sun) [from, to) intervals "HH:MM"; closed on non-working days of the calendar' });
export const ServicePointModel = Type.Object({
  code: S, name: S, level: S, kind: S, admdvs: S, address: S, lat: Type.Number(), lng: Type.Number(),
  opening_hours: Hours, windows: Type.Integer(), items: Type.Array(S), active: Type.Boolean(), created_at: When, updated_at: When,
});
export const GridModel = Type.Object({ code: S, name: S, admdvs: S, villages: Type.Array(S), worker: NS, worker_name: NS });
export const TicketModel = Type.Object({
  id: Type.Integer(), point_code: S, day: S, ticket_no: S, item: NS, psn_no: NS, appointment_id: Type.Union([Type.Integer(), Type.Null()]), slot: NS,
  state: S, taken_at: When, called_by: NS, called_at: NWhen, window_no: Type.Union([Type.Integer(), Type.Null()]), finished_at: NWhen,
});
export const TicketListModel = Type.Object({ day: S, tickets: Type.Array(TicketModel), waiting: Type.Integer() });
export const AppointmentModel = Type.Object({ id: Type.Integer(), point_code: S, day: S, slot: S, item: S, psn_no: NS, state: S, booked_at: When, slots_left: Type.Integer() });
export const NearbyServicePointModel = Type.Object({
  code: S, name: S, kind: S, level: S, address: S, lat: Type.Number(), lng: Type.Number(), km: Type.Number(),
  minutes: Type.Number({ description: 'walking minutes: straight line × the detour factor at walking speed' }), open_now: Type.Boolean(), windows: Type.Integer(), items: Type.Array(S),
});
export const NearbyServicePointsModel = Type.Object({ at: When, items: Type.Array(NearbyServicePointModel) });
const ErrorDetailModel = Type.Object({ field: S, zh: S, en: S });
export const ServiceImportReportModel = Type.Object({
  admdvs: S, applied: Type.Boolean(), points: Type.Integer(), grids: Type.Integer(), errors: Type.Integer(),
  rows: Type.Array(Type.Object({ kind: S, row: Type.Integer(), code: NS, action: NS, errors: Type.Array(ErrorDetailModel) })),
});
const NullableNumber = Type.Union([Type.Number(), Type.Null()]);
export const VillageCoverageModel = Type.Object({
  code: S, name: S, population: NullableNumber, lat: NullableNumber, lng: NullableNumber, covered: Type.Boolean(),
  nearest: Type.Union([Type.Object({ code: S, name: S, km: Type.Number(), minutes: Type.Number() }), Type.Null()]),
});
export const CoverageShareModel = Type.Object({
  code: S, name: S, population: Type.Integer(), covered_population: Type.Integer(), share: NullableNumber,
  villages: Type.Integer(), covered_villages: Type.Integer(), unknown_positions: Type.Integer(),
});
export const CoverageModel = Type.Object({
  admdvs: S, name: S,
  method: Type.Object({ reach_minutes: Type.Number(), speed_kmh: Type.Number(), detour: Type.Number(), reach_km: Type.Number(), items: Type.Array(S) }),
  villages: Type.Array(VillageCoverageModel), grids: Type.Array(CoverageShareModel), counties: Type.Array(CoverageShareModel), total: CoverageShareModel,
  gaps: Type.Array(VillageCoverageModel),
  proposal: Type.Union([Type.Object({ village: S, name: S, lat: Type.Number(), lng: Type.Number(), covers_population: Type.Integer(), covers_villages: Type.Array(S) }), Type.Null()]),
  points_counted: Type.Integer(),
  points: Type.Array(Type.Object({ code: S, name: S, kind: S, lat: Type.Number(), lng: Type.Number(), active: Type.Boolean(), counted: Type.Boolean() })),
  grid_villages: Type.Array(Type.Object({ code: S, villages: Type.Array(S), worker: NS, worker_name: NS })),
});
// ---- the service network (issue 16): the catalogue, one-window applications, ratings ----
const ServiceMaterialModel = Type.Object({ code: S, name: Bilingual, required: Type.Boolean() });
export const ServiceItemModel = Type.Object({
  code: S, name: Bilingual, levels: Type.Array(S), cross_province: Type.Boolean(), online: Type.Boolean(), window: Type.Boolean(), proxy: Type.Boolean(),
  materials: Type.Array(ServiceMaterialModel), time_limit_working_days: Type.Integer(), fee: Fen, linked: Type.Optional(S),
});
export const ServiceCatalogueModel = Type.Object({
  doc_id: S, version: Type.Integer(), admdvs: S, items: Type.Array(ServiceItemModel),
  rating_reasons: Type.Array(Type.Object({ code: S, zh: S, en: S, good: Type.Boolean() })),
});
export const ApplicationListItemModel = Type.Object({
  application_no: S, item_code: S, psn_no: S, psn_name: S, region: S, channel: S, status: S, due_on: NS, promised_on: S,
  overdue: Type.Boolean(), submitted_at: When, grid_worker: NS, rated: Type.Boolean(),
});
export const ApplicationListModel = Type.Object({
  items: Type.Array(ApplicationListItemModel),
  next_after: Type.Union([Type.Integer(), Type.Null()], { description: 'the keyset cursor of the next page (pass as after), null on the last' }),
});
const RatingModel = Type.Object({ score: Type.Integer(), reasons: Type.Array(S), comment: NS, rated_at: When, rated_by: S, follow_up_no: NS });
export const ApplicationRatingModel = RatingModel;
export const FollowUpModel = Type.Object({ follow_up_no: S, answer: NS, answered_at: NWhen, answered_by: NS });
export const ApplicationModel = Type.Object({
  application_no: S, item_code: S, item_name: Type.Union([Bilingual, Type.Null()]), item_version: Type.Integer(), psn_no: S, region: S, channel: S,
  received_by: S, grid_worker: NS, consent_ref: NS, identity_checked: Type.Union([Type.Object({ cert_type: S, certno: S }), Type.Null()]),
  form: Type.Unknown({ description: 'the form as the applicant filled it (for a linked item: the filing\'s or recognition\'s fields)' }),
  time_limit_days: Type.Integer(), promised_on: S, status: S, state_name: Bilingual, due_on: NS, overdue: Type.Boolean(), escalation_level: Type.Integer(),
  refusal_reasons: Type.Union([Type.Array(S), Type.Null()]), linked_kind: NS, linked_no: NS, submitted_at: When, ended_at: NWhen,
  events: Type.Array(Type.Object({ at: When, actor: S, move: S, from_state: NS, to_state: S, comment: NS })),
  materials: Type.Array(Type.Object({ material_code: S, ref: S, added_at: When, added_by: S })),
  rating: Type.Union([RatingModel, Type.Null()]),
  follow_up: Type.Union([Type.Object({ follow_up_no: S, state: S, due_on: NS, answer: NS, answered_at: NWhen, answered_by: NS }), Type.Null()]),
});
export const ServiceSummaryModel = Type.Object({
  as_of: S,
  by_item_state: Type.Array(Type.Object({ item_code: S, status: S, count: Type.Integer() })),
  deadlines: Type.Object({ ended: Type.Integer(), on_time: Type.Integer(), open: Type.Integer(), overdue: Type.Integer(), kept_share: Type.Union([Type.Number(), Type.Null()]) }),
  ratings: Type.Array(Type.Object({ score: Type.Integer(), count: Type.Integer() })),
  follow_ups: Type.Object({ open: Type.Integer(), overdue: Type.Integer(), answered: Type.Integer() }),
});
export const ConsentWithdrawnModel = Type.Object({ consent_ref: S, username: S, psn_no: S, revoked_on: S });
// Medical assistance on application (src/app/service/assistance.ts, docs/service-network.md).
export const AssistanceExplanationLineModel = Type.Object({
  step: S, zh: S, en: S, rule: S, amount_fen: Fen,
  detail: Type.Optional(Type.Record(Type.String(), Type.Union([Type.Number(), Type.String()]))),
});
export const AssistanceExplanationModel = Type.Object({
  kind: S, rules: Type.Object({ rules_id: S, version: Type.Integer() }), identity: NS,
  lines: Type.Array(AssistanceExplanationLineModel), burden_fen: Fen, amount_fen: Fen,
});
export const AssistanceApplicationRowModel = Type.Object({
  application_no: S, type: S, psn_no: S, psn_name: S, region: S, year: Type.Integer(), channel: S, applicant: S,
  proxy_username: NS, consent_ref: NS, state: S, state_name: Bilingual, submitted_at: When,
  due_on: Type.String({ description: 'the whole path\'s deadline (the rules\' total_days in working days)' }),
  step_due_on: NS, overdue: Type.Boolean(), escalation_level: Type.Integer(),
  computed_fen: Type.Union([Fen, Type.Null()]), paid_fen: Type.Union([Fen, Type.Null()]), notice_starts_on: NS, notice_ends_on: NS,
});
export const AssistanceObjectionModel = Type.Object({
  id: Type.Integer(), at: When, recorded_by: S, objector: S, contact: NS, reason: S, resolution: NS, resolution_reason: NS, resolved_by: NS, resolved_at: NWhen,
});
export const AssistanceApplicationModel = Type.Object({
  ...AssistanceApplicationRowModel.properties,
  form: Type.Object({
    setl_ids: Type.Array(S),
    outside: Type.Array(Type.Object({ description: S, amount_fen: Fen, paid_on: S, materials: Type.Array(Type.Object({ kind: S, ref: S })) })),
    reason: NS,
    proposed: Type.Optional(Type.Object({ burden_fen: Fen, amount_fen: Fen })),
  }),
  rules_id: S, rules_version: Type.Integer(), deductible_fen: Type.Union([Fen, Type.Null()]),
  explanation: Type.Union([AssistanceExplanationModel, Type.Null()]),
  reviewed_by: NS, reviewed_at: NWhen, payment_transfer: Type.Union([Type.Integer(), Type.Null()]), paid_at: NWhen, payee_account: NS, decision_reason: NS,
  objections: Type.Array(AssistanceObjectionModel),
  events: Type.Array(Type.Object({ at: When, actor: S, move: S, from_state: NS, to_state: S, comment: NS })),
  moves: Type.Array(S, { description: 'the moves the caller may make now' }),
  replayed: Type.Optional(Type.Boolean({ description: 'a payment submitted again: nothing more was paid' })),
});
export const AssistanceAppliedModel = Type.Object({
  application_no: S, case_id: Type.Integer(), state: S, psn_no: S, region: S, year: Type.Integer(), channel: S, due_on: S, step_due_on: NS,
});
export const ReassistanceScanModel = Type.Object({
  scanned: Type.Integer(), already: Type.Integer(),
  proposed: Type.Array(Type.Object({ application_no: S, psn_no: S, psn_name: S, burden_fen: Fen, amount_fen: Fen })),
});
export const SubsidyReportModel = Type.Object({
  admdvs: S, year: Type.Integer(), applied: Type.Boolean(), rules: Type.Object({ rules_id: S, version: Type.Integer() }),
  persons: Type.Integer(), total_fen: Fen, already: Type.Integer(),
  by_group: Type.Array(Type.Object({ identity: S, share_bp: Type.Integer(), persons: Type.Integer(), fen: Fen })),
  items: Type.Array(Type.Object({ psn_no: S, psn_name: S, identity: S, amount_fen: Fen })),
});

// sign-in abuse (issue 18): the sessions ended by sign-out-everywhere or an administrator's revocation
export const SessionsRevokedModel = Type.Object({ subject: S, ended: Type.Integer() });
