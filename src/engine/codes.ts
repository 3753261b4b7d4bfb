// Codes of the national interface (DOMAIN.md §3) as string unions, so that a medical type
// cannot be passed where an insurance type is expected. Dictionaries with labels for 1901
// and the pages are built from these same lists.

export const INSUTYPES = {
  '310': { zh: '职工基本医疗保险', en: "employees' basic medical insurance" },
  '320': { zh: '公务员医疗补助', en: 'civil-servant medical subsidy' },
  '330': { zh: '大额医疗费用补助', en: 'large-amount medical subsidy' },
  '340': { zh: '离休人员医疗保障', en: 'retired cadres medical security' },
  '370': { zh: '企业补充医疗保险', en: 'enterprise supplementary medical insurance' },
  '390': { zh: '城乡居民基本医疗保险', en: "urban-rural residents' basic medical insurance" },
  '392': { zh: '城乡居民大病医疗保险', en: "residents' critical-illness insurance" },
  '410': { zh: '长期照护保险', en: 'long-term care insurance' },
  '510': { zh: '生育保险', en: 'maternity insurance' },
} as const;
export type Insutype = keyof typeof INSUTYPES;

export const MED_TYPES = {
  '11': { zh: '普通门诊', en: 'general outpatient' },
  '12': { zh: '门诊挂号', en: 'outpatient registration' },
  '13': { zh: '急诊', en: 'emergency' },
  '14': { zh: '门诊慢特病', en: 'outpatient chronic/special disease' },
  '21': { zh: '普通住院', en: 'general inpatient' },
  '22': { zh: '外伤住院', en: 'injury inpatient' },
  '23': { zh: '转外诊治住院', en: 'referred-out inpatient' },
  '24': { zh: '急诊转住院', en: 'emergency to inpatient' },
  '41': { zh: '定点药店购药', en: 'pharmacy purchase' },
  '51': { zh: '生育门诊', en: 'maternity outpatient' },
  '52': { zh: '生育住院', en: 'maternity inpatient' },
} as const;
export type MedType = keyof typeof MED_TYPES;

export const MDTRT_CERT_TYPES = {
  '01': { zh: '医保电子凭证', en: 'electronic medical-insurance voucher' },
  '02': { zh: '居民身份证', en: 'resident ID card' },
  '03': { zh: '社会保障卡', en: 'social security card' },
} as const;
export type MdtrtCertType = keyof typeof MDTRT_CERT_TYPES;

export const FUND_PAY_TYPES = {
  '310100': { zh: '职工基本医疗保险统筹基金', en: "employees' pooled fund" },
  '310200': { zh: '职工基本医疗保险个人账户基金', en: 'personal account' },
  '320100': { zh: '公务员医疗补助资金', en: 'civil-servant subsidy' },
  '330100': { zh: '职工大额医疗费用补助基金', en: 'large-amount subsidy' },
  '390100': { zh: '城乡居民基本医疗保险基金', en: "residents' pooled fund" },
  '390200': { zh: '城乡居民大病医疗保险资金', en: "residents' critical-illness insurance" },
  '610100': { zh: '医疗救助基金', en: 'medical assistance' },
  '999996': { zh: '医院负担金额', en: 'borne by the hospital' },
} as const;
export type FundPayType = keyof typeof FUND_PAY_TYPES;

/** chrgitm_lv: catalog class. */
export const CHRGITM_LVS = {
  '01': { zh: '甲类', en: 'class A (fully in scope)' },
  '02': { zh: '乙类', en: 'class B (first self-pay share, then in scope)' },
  '03': { zh: '丙类（自费）', en: 'class C (fully self-paid)' },
} as const;
export type ChrgitmLv = keyof typeof CHRGITM_LVS;

/** Institution level (医疗机构等级) as the policy engine reads it. */
export const HOSP_LVS = {
  '1': { zh: '一级', en: 'level 1' },
  '2': { zh: '二级', en: 'level 2' },
  '3': { zh: '三级', en: 'level 3' },
  '9': { zh: '未定级（村卫生室、社区站）', en: 'unrated (village clinic, community station)' },
  '0': { zh: '零售药店', en: 'retail pharmacy' },
} as const;
export type HospLv = keyof typeof HOSP_LVS;

/**
 * How a visit stands across regions, decided by the cooperation layer (filings, agreements,
 * emergency and referral flags) and priced by the insured place's policy (its cross-region
 * terms). `local` is a visit in the insured pooling region itself.
 */
export const CROSS_REGION_STATUSES = {
  local: { zh: '参保地就医', en: 'treated in the insured pooling region' },
  long_term_filed: { zh: '长期异地备案（视同本地）', en: 'long-term filing (treated as local)' },
  referral_filed: { zh: '异地转诊备案', en: 'referral filing' },
  emergency: { zh: '急诊抢救（视同已备案）', en: 'emergency (counts as filed)' },
  temporary_filed: { zh: '其他临时外出备案', en: 'temporary filing (other travel)' },
  in_province_unfiled: { zh: '省内异地免备案', en: 'in-province travel without filing' },
  unfiled: { zh: '未备案异地就医', en: 'treated elsewhere without filing' },
} as const;
export type CrossRegionStatus = keyof typeof CROSS_REGION_STATUSES;

/**
 * Clearing type (清算类别) of a settlement or cancellation: how the fund clears it with the
 * institution. It follows from the kind of visit alone, so it is stored with the settlement and
 * answered in 2207/2304/2208 and filtered on in 3201/3202.
 */
export const CLR_TYPES = {
  '11': { zh: '普通门诊', en: 'outpatient' },
  '21': { zh: '住院', en: 'inpatient' },
  '41': { zh: '定点药店购药', en: 'pharmacy purchase' },
} as const;
export type ClrType = keyof typeof CLR_TYPES;

/** The clearing type of each kind of visit. */
export const CLR_TYPE_OF_VISIT = { outpatient: '11', inpatient: '21', pharmacy: '41' } as const satisfies Record<string, ClrType>;

export function isCode<T extends string>(table: Record<T, unknown>, value: unknown): value is T {
  return typeof value === 'string' && Object.prototype.hasOwnProperty.call(table, value);
}

/**
 * Identity groups the engine prices (medical assistance, critical-illness tilts). The
 * registry maps the national `psn_idet_type` of 1101's `idetinfo[]` onto these groups and
 * passes the ones active at the visit date; the policy says what each group gets.
 */
export const IDENTITY_GROUPS = {
  extreme_poverty: { zh: '特困人员', en: 'person in extreme poverty (supported)' },
  minimum_living: { zh: '低保对象', en: 'minimum-living-allowance recipient' },
  low_income_edge: { zh: '低保边缘家庭成员', en: 'member of a family on the edge of the allowance' },
  relapse_poverty: { zh: '返贫致贫人口', en: 'person fallen (back) into poverty' },
  monitored: { zh: '防返贫监测对象', en: 'person monitored against relapse into poverty' },
  severe_disability: { zh: '重度残疾人', en: 'person with a severe disability' },
  orphan: { zh: '孤儿', en: 'orphan' },
} as const;
export type IdentityGroup = keyof typeof IDENTITY_GROUPS;

/** Catalog list kinds: each has its own default first self-pay share in a region. */
export const LIST_TYPES = {
  drug: { zh: '药品', en: 'drug' },
  service: { zh: '医疗服务项目', en: 'medical service item' },
  consumable: { zh: '医用耗材', en: 'medical consumable' },
} as const;
export type ListType = keyof typeof LIST_TYPES;

/** med_chrgitm_type: the fee category a catalog item is billed under (the subset the demo catalogs use). */
export const MED_CHRGITM_TYPES = {
  '01': { zh: '床位费', en: 'bed' },
  '02': { zh: '诊察费', en: 'consultation' },
  '03': { zh: '检查费', en: 'examination' },
  '04': { zh: '化验费', en: 'laboratory' },
  '05': { zh: '治疗费', en: 'treatment' },
  '06': { zh: '手术费', en: 'surgery' },
  '07': { zh: '护理费', en: 'nursing' },
  '08': { zh: '卫生材料费', en: 'medical materials' },
  '09': { zh: '西药费', en: 'western medicine' },
  '10': { zh: '中药饮片费', en: 'Chinese herbal pieces' },
  '11': { zh: '中成药费', en: 'Chinese patent medicine' },
  '12': { zh: '一般诊疗费', en: 'general consultation package' },
  '13': { zh: '挂号费', en: 'registration' },
  '14': { zh: '其他费', en: 'other' },
} as const;
export type MedChrgitmType = keyof typeof MED_CHRGITM_TYPES;
/** psn_type: 人员类别 (DOMAIN.md §3). 11xx working, 12xx retired, 1300 retired cadre, 14xx minors, 15xx adult residents, 16xx elderly residents. */
export const PSN_TYPES = {
  '1101': { zh: '在职职工', en: 'employee' },
  '1102': { zh: '在职公务员', en: 'civil servant' },
  '1103': { zh: '灵活就业人员', en: 'flexibly employed' },
  '1201': { zh: '退休人员', en: 'retired employee' },
  '1202': { zh: '退休公务员', en: 'retired civil servant' },
  '1300': { zh: '离休人员', en: 'retired cadre (离休)' },
  '1401': { zh: '中小学生', en: 'school pupil' },
  '1402': { zh: '学龄前儿童', en: 'pre-school child' },
  '1403': { zh: '大学生', en: 'university student' },
  '1501': { zh: '成年居民', en: 'adult resident' },
  '1601': { zh: '老年居民（60 周岁以上）', en: 'elderly resident (60+)' },
} as const;
export type PsnType = keyof typeof PSN_TYPES;

/**
 * psn_idet_type: 人员身份类别, the groups medical assistance and the tilted critical-illness
 * terms look at. The national dictionary's exact codes were not found in a public source we
 * could check, so this is yibao's own documented dictionary (docs/glossary.md); a deployment
 * maps it to its province's codes at the gateway if they differ (some published HIS specs give
 * the field 3 characters, so such a mapping may be needed at the interface).
 */
export const PSN_IDET_TYPES = {
  '2101': { zh: '特困供养人员', en: 'extreme-poverty supported person (特困)' },
  '2102': { zh: '最低生活保障对象', en: 'minimum living allowance recipient (低保)' },
  '2103': { zh: '低保边缘家庭成员', en: 'member of a near-低保 low-income family' },
  '2104': { zh: '返贫致贫人口', en: 'person returned to or newly in poverty (返贫致贫)' },
  '2105': { zh: '防止返贫监测对象', en: 'person monitored against returning to poverty' },
  '2201': { zh: '重度残疾人', en: 'severely disabled person (重残, grade 1-2)' },
  '2301': { zh: '退役军人', en: 'veteran' },
  '2302': { zh: '优抚对象', en: 'entitled group (优抚: martyrs\' families, disabled servicemen)' },
  '2401': { zh: '离休干部', en: 'retired cadre (离休)' },
  '2501': { zh: '孤儿及事实无人抚养儿童', en: 'orphan or de-facto unsupported child' },
} as const;
export type PsnIdetType = keyof typeof PSN_IDET_TYPES;

/** Who paid a contribution (缴费主体). `assistance` is 资助参保: medical assistance pays the person's share. */
export const CONTRIBUTION_PAYERS = {
  person: { zh: '个人缴费', en: 'the insured person' },
  employer: { zh: '单位缴费', en: 'the employer' },
  assistance: { zh: '医疗救助资助参保', en: 'medical-assistance subsidy (资助参保)' },
  government: { zh: '财政补助', en: 'government subsidy' },
} as const;
export type ContributionPayer = keyof typeof CONTRIBUTION_PAYERS;

/** psn_insu_stas: 参保状态. */
export const PSN_INSU_STAS = {
  '1': { zh: '正常参保', en: 'active' },
  '2': { zh: '暂停参保', en: 'suspended' },
  '4': { zh: '终止参保', en: 'ended' },
} as const;
export type PsnInsuStas = keyof typeof PSN_INSU_STAS;

/** Sources of identity comparison data (比对数据来源). */
export const IDENTITY_SOURCES = {
  civil_affairs: { zh: '民政部门', en: 'civil affairs' },
  disabled_federation: { zh: '残联', en: 'disabled persons\' federation' },
  tax: { zh: '税务部门', en: 'tax bureau' },
  veterans_affairs: { zh: '退役军人事务部门', en: 'veterans affairs' },
  rural_revitalization: { zh: '乡村振兴部门', en: 'rural revitalisation bureau' },
  staff: { zh: '经办人员录入', en: 'bureau staff' },
} as const;
export type IdentitySource = keyof typeof IDENTITY_SOURCES;

/**
 * Which group of the policy engine an identity of the registry falls in. Identities with no
 * group (veterans, 离休 cadres) change no benefit of the basic scheme here: 离休 care is its
 * own insurance type (340).
 */
export const IDENTITY_GROUP_OF: Record<PsnIdetType, IdentityGroup | null> = {
  '2101': 'extreme_poverty',
  '2102': 'minimum_living',
  '2103': 'low_income_edge',
  '2104': 'relapse_poverty',
  '2105': 'monitored',
  '2201': 'severe_disability',
  '2301': null,
  '2302': null,
  '2401': null,
  '2501': 'orphan',
};

/** The engine's identity groups of a person's identities in force, each once, in a stable order. */
export function identityGroupsOf(psnIdetTypes: readonly string[]): IdentityGroup[] {
  const groups = new Set<IdentityGroup>();
  for (const t of psnIdetTypes) {
    const g = isCode(PSN_IDET_TYPES, t) ? IDENTITY_GROUP_OF[t] : null;
    if (g) groups.add(g);
  }
  return (Object.keys(IDENTITY_GROUPS) as IdentityGroup[]).filter((g) => groups.has(g));
}

/**
 * The amounts of a settlement's setlinfo (2207/2304 output) by who bears them: the parts the FHIR
 * ExplanationOfBenefit and ClaimResponse list as `total` (docs/fhir.md). The fund parts are
 * FUND_PAY_TYPES; these are the sums around them.
 */
export const SETTLEMENT_AMOUNTS = {
  medfee_sumamt: { zh: '医疗费总额', en: 'total medical expenses' },
  fulamt_ownpay_amt: { zh: '全自费金额', en: 'fully self-paid (class C and outside the lists)' },
  overlmt_selfpay: { zh: '超限价自费费用', en: 'self-paid above the price limit' },
  preselfpay_amt: { zh: '先行自付金额', en: 'first self-paid share (class B)' },
  inscp_scp_amt: { zh: '符合政策范围金额', en: 'within the policy scope' },
  fund_pay_sumamt: { zh: '基金支付总额', en: 'paid by the funds' },
  acct_pay: { zh: '个人账户支出', en: 'paid from the personal account' },
  psn_cash_pay: { zh: '个人现金支出', en: 'paid in cash by the person' },
  hosp_part_amt: { zh: '医院负担金额', en: 'borne by the institution' },
  psn_part_amt: { zh: '个人负担总金额', en: "the person's share" },
} as const;
export type SettlementAmount = keyof typeof SETTLEMENT_AMOUNTS;
