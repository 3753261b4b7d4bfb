// Shapes of the API answers the pages read (the server's models, as JSON).

export interface Contribution { id: number; year: number; amount_fen: number; payer: string; paid_on: string; insutype: string }
export interface Period {
  id: number; insutype: string; psn_type: string; insuplc_admdvs: string; emp_name: string | null; psn_insu_stas: string;
  psn_insu_date: string; end_date: string | null; admdvs_name: string; province_name: string; contributions: Contribution[];
}
export interface Identity { id: number; psn_idet_type: string; begntime: string; endtime: string | null; source: string; memo: string | null }
export interface Person { psn_no: string; certno: string; psn_name: string; gend: string; brdy: string; insuplc_admdvs: string; live_admdvs: string | null; tel: string | null }
export interface History {
  person: Person; as_of: string; periods: Period[]; provinces: string[]; contributions_total_fen: number;
  identities: Identity[]; personal_account: { balc_fen: number } | null;
  regions: { admdvs: string; name: string; province_name: string }[];
}
export interface Filing {
  filing_no: string; psn_no: string; kind: string; term: string; status: string; insuplc_admdvs: string; mdtrtarea_admdvs: string;
  begndate: string; enddate: string | null; review_due: string | null; decided_by: string | null; decision_reason: string | null; effective_on: string | null;
  submitted_at: string;
}
export interface Recognition {
  recognition_no: string; opsp_dise_code: string; opsp_dise_name: string; status: string; begndate: string; enddate: string | null;
  review_due: string | null; decision_reason: string | null; ide_fixmedins_code: string;
}
export interface Notification { id: number; title_zh: string; title_en: string; body_zh: string; body_en: string; created_at: string; read_at: string | null }
export interface Institution {
  fixmedins_code: string; fixmedins_name: string; fixmedins_type: '1' | '2'; hosp_lv: string; admdvs: string; address: string;
  lat: number | null; lng: number | null; distance_km?: number;
  settles_cross_prov_outpatient: boolean; settles_inpatient: boolean; settles_chronic: boolean; settles_outpatient_pooling: boolean;
}
export interface Region { code: string; name: string; level: string }

export const INSUTYPE: Record<string, { zh: string; en: string }> = {
  '310': { zh: '职工基本医疗保险', en: "Employees' basic medical insurance" },
  '390': { zh: '城乡居民基本医疗保险', en: "Urban and rural residents' basic medical insurance" },
  '320': { zh: '公务员医疗补助', en: 'Civil servants’ supplement' },
  '330': { zh: '大额医疗费用补助', en: 'Large-amount supplement' },
  '392': { zh: '城乡居民大病医疗保险', en: 'Residents’ critical illness insurance' },
  '510': { zh: '生育保险', en: 'Maternity insurance' },
};
export const PAYER: Record<string, { zh: string; en: string }> = {
  person: { zh: '个人缴纳', en: 'Paid by you' },
  employer: { zh: '单位缴纳', en: 'Paid by the employer' },
  assistance: { zh: '医疗救助资助', en: 'Paid by medical assistance' },
  government: { zh: '财政补助', en: 'Government subsidy' },
};
export const ENROLL_STATUS: Record<string, { zh: string; en: string }> = {
  '1': { zh: '正常参保', en: 'Active' },
  '2': { zh: '暂停', en: 'Paused' },
  '4': { zh: '终止（已转出）', en: 'Ended (moved out)' },
};
