import { Type } from 'typebox';
import type { Insutype, PsnType } from '../../engine/codes.ts';

// The registry's rows, written once as JSON Schema (TypeBox). The store's row types are derived
// from them (`Type.Static`), and the REST answers of src/server/api/models.ts are made of them, so
// a column the store reads is a field the API describes and sends. Where the store knows more
// than the wire says (a code), `Type.Unsafe` keeps the schema a plain string and gives the
// derived type its union.

const S = Type.String();
const NS = Type.Union([Type.String(), Type.Null()]);
const NInt = Type.Union([Type.Integer(), Type.Null()]);
/** A code: a string on the wire, its union in the store's types. */
const code = <T extends string>(description?: string) => Type.Unsafe<T>(Type.String(description === undefined ? {} : { description }));

export type RegionLevel = 'province' | 'city' | 'county' | 'town' | 'village';

export const RegionSchema = Type.Object({
  code: S, name: S, level: code<RegionLevel>(), parent_code: NS, pooling_admdvs: NS, is_pooling: Type.Boolean(),
});

export const InstitutionSchema = Type.Object({
  fixmedins_code: S, fixmedins_name: S, fixmedins_type: code<'1' | '2'>('1 医疗机构, 2 零售药店'),
  hosp_lv: S, admdvs: S, address: S,
  lat: Type.Union([Type.Number(), Type.Null()]), lng: Type.Union([Type.Number(), Type.Null()]),
  settles_cross_prov_outpatient: Type.Boolean(), settles_inpatient: Type.Boolean(),
  settles_chronic: Type.Boolean(), settles_outpatient_pooling: Type.Boolean(),
});

export const NearbyInstitutionSchema = Type.Object({ ...InstitutionSchema.properties, distance_km: Type.Number({ description: 'km, to two decimals' }) });

export const PersonSchema = Type.Object({
  psn_no: S, psn_cert_type: S, certno: S, psn_name: S, gend: code<'1' | '2'>(), brdy: S, naty: S, tel: NS, addr: NS,
  insuplc_admdvs: S, live_admdvs: NS,
});

/** An electronic voucher (01) or a social security card (03) of a person. */
export const PersonCertSchema = Type.Object({ mdtrt_cert_type: code<'01' | '03'>(), mdtrt_cert_no: S, card_sn: NS, valid_until: NS });

export const EnrollmentSchema = Type.Object({
  id: Type.Integer(), psn_no: S, insutype: code<Insutype>(), psn_type: code<PsnType>(), insuplc_admdvs: S, emp_no: NS, emp_name: NS,
  psn_insu_stas: code<'1' | '2' | '4'>('1 正常参保, 2 暂停, 4 终止'), psn_insu_date: S, end_date: NS, paus_insu_date: NS,
  transferred_from: NInt,
});

/** 转移接续: the enrollments a transfer ended and the one it opened. */
export const TransferResultSchema = Type.Object({ closed: Type.Array(EnrollmentSchema), opened: EnrollmentSchema });

/** An enrollment with the names of its region and province (a period of the insurance history). */
export const EnrollmentPeriodSchema = Type.Object({
  ...EnrollmentSchema.properties,
  admdvs_name: S, pooling_admdvs: NS, province_admdvs: S, province_name: S,
});

export const IdentitySchema = Type.Object({
  id: Type.Integer(), psn_no: S, psn_idet_type: S, begntime: S, endtime: NS, source: S,
  import_batch_id: NInt, memo: NS,
});

// The comparison import (数据比对) of identities: a batch and what its roster would change.
const When = Type.String({ format: 'date-time' });
const reportRow = {
  line: Type.Integer(), certno: S, psn_no: Type.Optional(S), psn_name: Type.Optional(S), psn_idet_type: Type.Optional(S),
  begntime: Type.Optional(S), endtime: Type.Optional(NS),
};
/** A roster line as the preview reports it. */
export const ImportReportRowSchema = Type.Object(reportRow);
export const RejectedRowSchema = Type.Object({ line: Type.Integer(), certno: S, field: S, reason_zh: S, reason_en: S });
export const ChangeReportSchema = Type.Object({
  counts: Type.Object({ rows: Type.Integer(), added: Type.Integer(), ended: Type.Integer(), changed: Type.Integer(), unchanged: Type.Integer(), rejected: Type.Integer() }),
  added: Type.Array(ImportReportRowSchema),
  /** Identities the registry holds that the roster no longer lists (line 0: not in the file). */
  ended: Type.Array(Type.Object({ ...reportRow, identity_id: Type.Integer() })),
  /** Listed and held, with a different end date. */
  changed: Type.Array(Type.Object({ ...reportRow, identity_id: Type.Integer(), old_endtime: NS })),
  unchanged: Type.Array(ImportReportRowSchema),
  rejected: Type.Array(RejectedRowSchema),
});
export const ImportBatchSchema = Type.Object({
  id: Type.Integer(), source: S, admdvs: S, idet_types: Type.Array(S), as_of: S, file_name: S, file_sha256: S,
  status: code<'previewed' | 'applied'>('previewed | applied'),
  previewed_by: S, previewed_at: When, applied_by: NS,
  applied_at: Type.Union([When, Type.Null()]),
  report: ChangeReportSchema,
});
