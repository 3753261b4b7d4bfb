import type { ContributionPayer, IdentitySource, Insutype, PsnIdetType, PsnType } from '../engine/codes.ts';

// The named demo people: the same for every demo size, created through the registry's own
// functions (so the demo exercises the real write path), and written to demo/fixtures.json so
// that anyone can script against them. Their stories follow the seed articles.

export type PersonaStep =
  | { op: 'enroll'; insutype: Insutype; psn_type: PsnType; insuplc_admdvs?: string; emp_name?: string; date: string }
  | { op: 'transfer'; to_admdvs: string; date: string; psn_type?: PsnType; emp_name?: string | null }
  | { op: 'contribute'; years: number[]; amount_fen: number; payer: ContributionPayer; insutype?: Insutype }
  | { op: 'identity'; psn_idet_type: PsnIdetType; begntime: string; endtime?: string; source: IdentitySource; memo?: string }
  | { op: 'credit'; amount_fen: number; reason: string };

export interface PersonaSpec {
  key: string;
  description: string;
  psn_name: string;
  /** Birthplace address code used in the ID number (may differ from where they are insured). */
  id_admdvs: string;
  brdy: string;
  /** ID sequence number; its parity is the sex (odd male, even female). */
  id_seq: number;
  insuplc_admdvs: string;
  /** Where they live: a county, or a town/village code of a detail county; `first-village` picks one. */
  live_admdvs?: string;
  live_first_village?: boolean;
  steps: PersonaStep[];
  /** Conditions later issues (chronic-disease recognition) script against; not stored by the registry. */
  conditions?: Array<{ diag_code: string; diag_name: string }>;
}

const RESIDENT_FEN: Record<number, number> = { 2022: 35_000, 2023: 38_000, 2024: 40_000, 2025: 40_000, 2026: 40_000 };
const residentYears = (years: number[], payer: ContributionPayer): PersonaStep[] =>
  years.map((y) => ({ op: 'contribute', years: [y], amount_fen: RESIDENT_FEN[y] ?? 40_000, payer }));

export const PERSONAS: readonly PersonaSpec[] = [
  {
    key: 'zhuzhou_shifeng_resident',
    description: '株洲市石峰区城乡居民，老年居民，网格员代办参保 / an elderly urban-rural resident of Shifeng district, Zhuzhou',
    psn_name: '谭秀英',
    id_admdvs: '430204', brdy: '1951-09-14', id_seq: 82,
    insuplc_admdvs: '430204', live_first_village: true,
    steps: [
      { op: 'enroll', insutype: '390', psn_type: '1601', date: '2012-01-01' },
      ...residentYears([2024, 2025, 2026], 'person'),
    ],
  },
  {
    key: 'jiujiang_retiree_in_changsha',
    description: '九江参保的退休职工，随子女居住在长沙（异地长期居住，备案见备案议题）/ a Jiujiang-insured retiree living with her children in Changsha',
    psn_name: '陈桂芳',
    id_admdvs: '360402', brdy: '1960-04-12', id_seq: 46,
    insuplc_admdvs: '360402', live_admdvs: '430102',
    steps: [
      { op: 'enroll', insutype: '310', psn_type: '1201', emp_name: '九江棉纺厂', date: '1998-07-01' },
      { op: 'contribute', years: [2013, 2014], amount_fen: 312_000, payer: 'employer' },
      { op: 'contribute', years: [2013, 2014], amount_fen: 78_000, payer: 'person' },
      { op: 'credit', amount_fen: 523_400, reason: '个人账户划入（退休人员定额）' },
    ],
  },
  {
    key: 'datonghu_dibao_resident',
    description: '益阳市大通湖区低保对象，医疗救助资助参保 / a minimum-living-allowance (低保) resident of Datonghu, Yiyang, contributions paid by medical assistance',
    psn_name: '戴国强',
    id_admdvs: '430971', brdy: '1966-11-03', id_seq: 17,
    insuplc_admdvs: '430971', live_first_village: true,
    steps: [
      { op: 'enroll', insutype: '390', psn_type: '1501', date: '2010-01-01' },
      { op: 'identity', psn_idet_type: '2102', begntime: '2021-03-01', source: 'civil_affairs', memo: '农村低保' },
      ...residentYears([2024, 2025, 2026], 'assistance'),
    ],
  },
  {
    key: 'changde_elder_hypertension',
    description: '常德市鼎城区老年居民，高血压（两病门诊用药保障）/ an elderly resident of Dingcheng, Changde, with hypertension',
    psn_name: '黄德明',
    id_admdvs: '430703', brdy: '1948-02-20', id_seq: 133,
    insuplc_admdvs: '430703', live_first_village: true,
    steps: [
      { op: 'enroll', insutype: '390', psn_type: '1601', date: '2008-01-01' },
      ...residentYears([2024, 2025, 2026], 'person'),
    ],
    conditions: [{ diag_code: 'I10.x00', diag_name: '原发性高血压' }],
  },
  {
    key: 'deyang_to_changsha_transferred',
    description: '先在德阳参加职工医保，2019 年转移接续到长沙 / an employee insured in Deyang, transferred to Changsha in 2019',
    psn_name: '周志华',
    id_admdvs: '510603', brdy: '1983-05-08', id_seq: 251,
    insuplc_admdvs: '510603',
    steps: [
      { op: 'enroll', insutype: '310', psn_type: '1101', emp_name: '德阳东方电机有限公司', date: '2006-07-01' },
      { op: 'contribute', years: [2016, 2017, 2018], amount_fen: 480_000, payer: 'employer' },
      { op: 'contribute', years: [2016, 2017, 2018], amount_fen: 120_000, payer: 'person' },
      { op: 'transfer', to_admdvs: '430104', date: '2019-09-01', emp_name: '长沙中联重科机械有限公司' },
      { op: 'contribute', years: [2024, 2025, 2026], amount_fen: 672_000, payer: 'employer' },
      { op: 'contribute', years: [2024, 2025, 2026], amount_fen: 168_000, payer: 'person' },
      { op: 'credit', amount_fen: 1_260_000, reason: '个人账户划入' },
    ],
  },
  {
    key: 'zhuzhou_employee_with_account',
    description: '株洲市天元区在职职工，个人账户有余额 / an employee in Tianyuan, Zhuzhou, with a personal account balance',
    psn_name: '刘洋',
    id_admdvs: '430211', brdy: '1990-10-26', id_seq: 64,
    insuplc_admdvs: '430211',
    steps: [
      { op: 'enroll', insutype: '310', psn_type: '1101', emp_name: '株洲时代电气有限公司', date: '2013-07-15' },
      { op: 'contribute', years: [2024, 2025, 2026], amount_fen: 576_000, payer: 'employer' },
      { op: 'contribute', years: [2024, 2025, 2026], amount_fen: 144_000, payer: 'person' },
      { op: 'credit', amount_fen: 345_678, reason: '个人账户划入' },
    ],
  },
  {
    key: 'yanqing_veteran_resident',
    description: '北京市延庆区退役军人，城乡居民医保 / a veteran in Yanqing, Beijing, residents\' insurance',
    psn_name: '孙卫东',
    id_admdvs: '110119', brdy: '1972-08-01', id_seq: 35,
    insuplc_admdvs: '110119', live_first_village: true,
    steps: [
      { op: 'enroll', insutype: '390', psn_type: '1501', date: '2011-01-01' },
      { op: 'identity', psn_idet_type: '2301', begntime: '1995-12-01', source: 'veterans_affairs' },
      ...residentYears([2024, 2025, 2026], 'person'),
    ],
  },
  {
    key: 'jizhou_resident',
    description: '天津市蓟州区城乡居民 / a resident of Jizhou, Tianjin',
    psn_name: '赵玉兰',
    id_admdvs: '120119', brdy: '1976-03-30', id_seq: 108,
    insuplc_admdvs: '120119', live_first_village: true,
    steps: [
      { op: 'enroll', insutype: '390', psn_type: '1501', date: '2010-01-01' },
      ...residentYears([2024, 2025, 2026], 'person'),
    ],
  },
  {
    key: 'zhangjiakou_employee',
    description: '张家口市桥东区在职职工 / an employee in Zhangjiakou',
    psn_name: '高建军',
    id_admdvs: '130702', brdy: '1979-12-05', id_seq: 91,
    insuplc_admdvs: '130702',
    steps: [
      { op: 'enroll', insutype: '310', psn_type: '1101', emp_name: '张家口宣化钢铁有限公司', date: '2001-09-01' },
      { op: 'contribute', years: [2024, 2025, 2026], amount_fen: 528_000, payer: 'employer' },
      { op: 'contribute', years: [2024, 2025, 2026], amount_fen: 132_000, payer: 'person' },
      { op: 'credit', amount_fen: 218_800, reason: '个人账户划入' },
    ],
  },
  {
    key: 'deyang_severely_disabled_assisted',
    description: '德阳市旌阳区重度残疾人，医疗救助资助参保 / a severely disabled resident of Jingyang, Deyang, contributions paid by medical assistance',
    psn_name: '罗小琴',
    id_admdvs: '510603', brdy: '1995-06-18', id_seq: 12,
    insuplc_admdvs: '510603', live_first_village: true,
    steps: [
      { op: 'enroll', insutype: '390', psn_type: '1501', date: '2013-01-01' },
      { op: 'identity', psn_idet_type: '2201', begntime: '2016-05-01', source: 'disabled_federation', memo: '肢体残疾一级' },
      ...residentYears([2024, 2025, 2026], 'assistance'),
    ],
  },
  {
    key: 'ganzhou_tekun_elder',
    description: '赣州市章贡区特困供养老人 / an extreme-poverty supported elder in Zhanggong, Ganzhou',
    psn_name: '钟福生',
    id_admdvs: '360702', brdy: '1944-01-09', id_seq: 57,
    insuplc_admdvs: '360702',
    steps: [
      { op: 'enroll', insutype: '390', psn_type: '1601', date: '2009-01-01' },
      { op: 'identity', psn_idet_type: '2101', begntime: '2018-01-01', source: 'civil_affairs' },
      ...residentYears([2024, 2025, 2026], 'assistance'),
    ],
  },
  {
    key: 'xiangtan_lixiu_cadre',
    description: '湘潭市雨湖区离休干部，离休人员医疗保障 / a retired cadre (离休) in Yuhu, Xiangtan',
    psn_name: '彭光荣',
    id_admdvs: '430302', brdy: '1929-07-01', id_seq: 15,
    insuplc_admdvs: '430302',
    steps: [
      { op: 'enroll', insutype: '340', psn_type: '1300', emp_name: '湘潭市机关事务管理局', date: '1990-01-01' },
      { op: 'identity', psn_idet_type: '2401', begntime: '1990-01-01', source: 'staff' },
    ],
  },
  {
    key: 'changsha_pupil',
    description: '长沙市芙蓉区中小学生，城乡居民医保 / a school pupil in Furong, Changsha',
    psn_name: '杨子涵',
    id_admdvs: '430102', brdy: '2014-04-04', id_seq: 22,
    insuplc_admdvs: '430102', live_first_village: true,
    steps: [
      { op: 'enroll', insutype: '390', psn_type: '1401', date: '2014-05-01' },
      ...residentYears([2024, 2025, 2026], 'person'),
    ],
  },
];

export interface NamedInstitutionSpec {
  key: string;
  fixmedins_name: string;
  kind: 'H' | 'P';
  hosp_lv: '0' | '1' | '2' | '3' | '9';
  /** The county (or, for a village clinic, `village_of` picks the county's first village). */
  admdvs: string;
  village_of?: boolean;
  settles: { cross_prov_outpatient: boolean; inpatient: boolean; chronic: boolean; outpatient_pooling: boolean };
}

const ALL = { cross_prov_outpatient: true, inpatient: true, chronic: true, outpatient_pooling: true };
const PHARMACY = { cross_prov_outpatient: true, inpatient: false, chronic: true, outpatient_pooling: true };
const PRIMARY = { cross_prov_outpatient: false, inpatient: true, chronic: true, outpatient_pooling: true };
const VILLAGE = { cross_prov_outpatient: false, inpatient: false, chronic: true, outpatient_pooling: true };

export const NAMED_INSTITUTIONS: readonly NamedInstitutionSpec[] = [
  { key: 'changsha_level3_hospital', fixmedins_name: '长沙市第一人民医院', kind: 'H', hosp_lv: '3', admdvs: '430102', settles: ALL },
  { key: 'zhuzhou_level3_hospital', fixmedins_name: '株洲市中心医院', kind: 'H', hosp_lv: '3', admdvs: '430211', settles: ALL },
  { key: 'shifeng_district_hospital', fixmedins_name: '株洲市石峰区人民医院', kind: 'H', hosp_lv: '2', admdvs: '430204', settles: ALL },
  { key: 'shifeng_town_health_center', fixmedins_name: '石峰区云田镇卫生院', kind: 'H', hosp_lv: '1', admdvs: '430204', settles: PRIMARY },
  { key: 'shifeng_pharmacy_1', fixmedins_name: '石峰区田心大药房', kind: 'P', hosp_lv: '0', admdvs: '430204', settles: PHARMACY },
  { key: 'shifeng_pharmacy_2', fixmedins_name: '石峰区清水塘惠民药店', kind: 'P', hosp_lv: '0', admdvs: '430204', settles: PHARMACY },
  { key: 'jiujiang_level3_hospital', fixmedins_name: '九江市第一人民医院', kind: 'H', hosp_lv: '3', admdvs: '360402', settles: ALL },
  { key: 'datonghu_district_hospital', fixmedins_name: '益阳市大通湖区人民医院', kind: 'H', hosp_lv: '2', admdvs: '430971', settles: ALL },
  { key: 'datonghu_pharmacy_1', fixmedins_name: '大通湖区河坝镇百姓大药房', kind: 'P', hosp_lv: '0', admdvs: '430971', settles: PHARMACY },
  { key: 'datonghu_pharmacy_2', fixmedins_name: '大通湖区北洲子镇仁和药店', kind: 'P', hosp_lv: '0', admdvs: '430971', settles: PHARMACY },
  { key: 'changde_level3_hospital', fixmedins_name: '常德市第一人民医院', kind: 'H', hosp_lv: '3', admdvs: '430702', settles: ALL },
  { key: 'changde_village_clinic', fixmedins_name: '鼎城区村卫生室', kind: 'H', hosp_lv: '9', admdvs: '430703', village_of: true, settles: VILLAGE },
  { key: 'yanqing_district_hospital', fixmedins_name: '北京市延庆区医院', kind: 'H', hosp_lv: '2', admdvs: '110119', settles: ALL },
  { key: 'jizhou_district_hospital', fixmedins_name: '天津市蓟州区人民医院', kind: 'H', hosp_lv: '2', admdvs: '120119', settles: ALL },
  { key: 'zhangjiakou_level3_hospital', fixmedins_name: '张家口市第一医院', kind: 'H', hosp_lv: '3', admdvs: '130702', settles: ALL },
  { key: 'deyang_level3_hospital', fixmedins_name: '德阳市人民医院', kind: 'H', hosp_lv: '3', admdvs: '510603', settles: ALL },
  // Changsha pays its hospitals by DRG: a second hospital, of level 2, so the coefficients differ.
  { key: 'changsha_yuelu_hospital', fixmedins_name: '长沙市岳麓区人民医院', kind: 'H', hosp_lv: '2', admdvs: '430104', settles: ALL },
];
