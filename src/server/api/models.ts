import { Type } from 'typebox';
import { RECOGNITION_STATUSES } from '../../engine/chronic-disease.ts';
import { FILING_KINDS, FILING_STATUSES } from '../../engine/filing-rules.ts';
import { CAPABILITIES, type Capability } from '../auth/access.ts';

// Response shapes, for the OpenAPI description and for fast serialisation. They mirror the
// store's types (src/store/registry/*.ts); a field added there must be added here to be sent.

const Nullable = <T extends ReturnType<typeof Type.String>>(t: T) => Type.Union([t, Type.Null()]);
const S = Type.String();
const NS = Nullable(Type.String());
const Fen = Type.Integer({ description: 'fen (分)' });

export const RegionModel = Type.Object({
  code: S, name: S, level: S, parent_code: NS, pooling_admdvs: NS, is_pooling: Type.Boolean(),
});

export const InstitutionModel = Type.Object({
  fixmedins_code: S, fixmedins_name: S, fixmedins_type: Type.String({ description: '1 医疗机构, 2 零售药店' }),
  hosp_lv: S, admdvs: S, address: S,
  lat: Type.Union([Type.Number(), Type.Null()]), lng: Type.Union([Type.Number(), Type.Null()]),
  settles_cross_prov_outpatient: Type.Boolean(), settles_inpatient: Type.Boolean(),
  settles_chronic: Type.Boolean(), settles_outpatient_pooling: Type.Boolean(),
});

export const NearbyInstitutionModel = Type.Object({ ...InstitutionModel.properties, distance_km: Type.Number({ description: 'km, to two decimals' }) });

export const PersonModel = Type.Object({
  psn_no: S, psn_cert_type: S, certno: S, psn_name: S, gend: S, brdy: S, naty: S, tel: NS, addr: NS,
  insuplc_admdvs: S, live_admdvs: NS,
});

export const EnrollmentModel = Type.Object({
  id: Type.Integer(), psn_no: S, insutype: S, psn_type: S, insuplc_admdvs: S, emp_no: NS, emp_name: NS,
  psn_insu_stas: Type.String({ description: '1 正常参保, 2 暂停, 4 终止' }), psn_insu_date: S, end_date: NS, paus_insu_date: NS,
  transferred_from: Type.Union([Type.Integer(), Type.Null()]),
});

export const ContributionModel = Type.Object({
  id: Type.Integer(), psn_no: S, enrollment_id: Type.Integer(), insuplc_admdvs: S, insutype: S, year: Type.Integer(),
  amount_fen: Fen, payer: S, paid_on: S,
});

export const IdentityModel = Type.Object({
  id: Type.Integer(), psn_no: S, psn_idet_type: S, begntime: S, endtime: NS, source: S,
  import_batch_id: Type.Union([Type.Integer(), Type.Null()]), memo: NS,
});

export const AccountModel = Type.Union([Type.Object({ psn_no: S, insuplc_admdvs: S, balc_fen: Fen }), Type.Null()]);

/** A family share (家庭共济) posted, or found posted under its key (posted false): the holder's account after it. */
export const FamilyShareModel = Type.Object({
  psn_no: S, insuplc_admdvs: S, balc_fen: Fen, transfer_id: Type.Integer(), posted: Type.Boolean(),
});

export const CertModel = Type.Object({ mdtrt_cert_type: S, mdtrt_cert_no: S, card_sn: NS, valid_until: NS });

export const PersonDetailModel = Type.Object({
  ...PersonModel.properties,
  enrollments: Type.Array(EnrollmentModel),
  identities: Type.Array(IdentityModel),
  personal_account: AccountModel,
  mdtrt_certs: Type.Array(CertModel),
});

export const TransferModel = Type.Object({ closed: Type.Array(EnrollmentModel), opened: EnrollmentModel });

/** One enrollment of a person's history, with its region's names and its contributions. */
export const PeriodModel = Type.Object({
  ...EnrollmentModel.properties,
  admdvs_name: S, pooling_admdvs: NS, province_admdvs: S, province_name: S,
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

export const ImportReportRowModel = Type.Object({
  line: Type.Integer(), certno: S, psn_no: Type.Optional(S), psn_name: Type.Optional(S), psn_idet_type: Type.Optional(S),
  begntime: Type.Optional(S), endtime: Type.Optional(NS), identity_id: Type.Optional(Type.Integer()), old_endtime: Type.Optional(NS),
});
export const ImportBatchModel = Type.Object({
  id: Type.Integer(), source: S, admdvs: S, idet_types: Type.Array(S), as_of: S, file_name: S, file_sha256: S,
  status: Type.String({ description: 'previewed | applied' }),
  previewed_by: S, previewed_at: Type.String({ format: 'date-time' }), applied_by: NS,
  applied_at: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
  report: Type.Object({
    counts: Type.Object({ rows: Type.Integer(), added: Type.Integer(), ended: Type.Integer(), changed: Type.Integer(), unchanged: Type.Integer(), rejected: Type.Integer() }),
    added: Type.Array(ImportReportRowModel), ended: Type.Array(ImportReportRowModel), changed: Type.Array(ImportReportRowModel), unchanged: Type.Array(ImportReportRowModel),
    rejected: Type.Array(Type.Object({ line: Type.Integer(), certno: S, field: S, reason_zh: S, reason_en: S })),
  }),
});

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

// Who is signed in (src/store/auth/principal.ts) and what they may do (src/server/auth/access.ts).
export const StaffPrincipalModel = Type.Object({
  kind: Type.Literal('staff'), username: S, display_name: S,
  role: Type.Union(['clerk', 'reviewer', 'supervisor', 'finance', 'admin', 'grid_worker'].map((r) => Type.Literal(r))),
  regions: Type.Array(S),
});
export const PersonPrincipalModel = Type.Object({ kind: Type.Literal('person'), psn_no: S, certno: S, psn_name: S, insuplc_admdvs: S });

export const MeModel = Type.Object({
  principal: Type.Union([StaffPrincipalModel, PersonPrincipalModel]),
  role_name: Bilingual,
  can: Type.Object(Object.fromEntries(Object.keys(CAPABILITIES).map((c) => [c, Type.Boolean({ description: `may call ${CAPABILITIES[c as Capability]}` })])) as Record<Capability, ReturnType<typeof Type.Boolean>>),
  acts_for: Type.Union([Type.Literal('self'), Type.Literal('consenting persons'), Type.Literal('regions')], {
    description: 'self: an insured person; consenting persons: a grid worker; regions: other staff, within `regions`',
  }),
  regions: Type.Array(S, { description: 'a staff member\'s division codes (000000: all; a grid worker still acts only for consenting persons); empty for an insured person' }),
  routes: Type.Array(S, { description: 'every `METHOD /path` the role may call; the person or region a call names is still checked' }),
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
