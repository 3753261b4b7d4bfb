import { Type } from 'typebox';

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

export const CertModel = Type.Object({ mdtrt_cert_type: S, mdtrt_cert_no: S, card_sn: NS, valid_until: NS });

export const PersonDetailModel = Type.Object({
  ...PersonModel.properties,
  enrollments: Type.Array(EnrollmentModel),
  identities: Type.Array(IdentityModel),
  personal_account: AccountModel,
  mdtrt_certs: Type.Array(CertModel),
});

export const TransferModel = Type.Object({ closed: Type.Array(EnrollmentModel), opened: EnrollmentModel });

export const HistoryModel = Type.Object({
  person: PersonModel,
  as_of: S,
  periods: Type.Array(Type.Object({
    ...EnrollmentModel.properties,
    admdvs_name: S, pooling_admdvs: NS, province_admdvs: S, province_name: S,
    contributions: Type.Array(ContributionModel),
  })),
  regions: Type.Array(Type.Object({ admdvs: S, name: S, province_name: S })),
  provinces: Type.Array(S),
  contributions_total_fen: Fen,
  identities: Type.Array(IdentityModel),
  personal_account: AccountModel,
});

const ReportRow = Type.Object({
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
    added: Type.Array(ReportRow), ended: Type.Array(ReportRow), changed: Type.Array(ReportRow), unchanged: Type.Array(ReportRow),
    rejected: Type.Array(Type.Object({ line: Type.Integer(), certno: S, field: S, reason_zh: S, reason_en: S })),
  }),
});
