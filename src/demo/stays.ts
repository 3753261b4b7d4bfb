// The demo's inpatient stays, as a hospital's coder would write their settlement lists (4101A):
// common cases of a city hospital with the medical-insurance codes, how long they stay and what
// such a stay typically costs (yuan, about what Changsha's 2023 DRG weights pay at a base rate of
// 9,800 yuan). The demo spreads the cost around it, with a few high- and low-cost cases so the
// special-case rules have something to do.

export interface StayTemplate {
  key: string;
  principal: { code: string; name: string };
  secondary: { code: string; name: string }[];
  /** The main procedure first, with its day in the stay (0: the admission day). */
  procedures: { code: string; name: string; day: number }[];
  days: [number, number];
  typical_yuan: number;
  /** Who has such a stay: the youngest age, and a sex when it matters. */
  min_age: number;
}

export const STAY_TEMPLATES: readonly StayTemplate[] = [
  { key: 'stroke', principal: { code: 'I63.900', name: '脑梗死' }, secondary: [{ code: 'I10.x00', name: '特发性（原发性）高血压' }], procedures: [], days: [7, 12], typical_yuan: 7700, min_age: 45 },
  { key: 'pneumonia', principal: { code: 'J18.900', name: '肺炎' }, secondary: [], procedures: [], days: [5, 9], typical_yuan: 3300, min_age: 0 },
  { key: 'pneumonia_failure', principal: { code: 'J18.900', name: '肺炎' }, secondary: [{ code: 'J96.900', name: '未特指的呼吸衰竭' }], procedures: [], days: [8, 14], typical_yuan: 7500, min_age: 60 },
  { key: 'appendectomy', principal: { code: 'K35.800x001', name: '急性阑尾炎' }, secondary: [], procedures: [{ code: '47.0100', name: '腹腔镜下阑尾切除术', day: 0 }], days: [4, 6], typical_yuan: 10900, min_age: 6 },
  { key: 'diabetes', principal: { code: 'E11.900', name: '2型糖尿病' }, secondary: [{ code: 'E87.600', name: '低钾血症' }], procedures: [], days: [6, 10], typical_yuan: 6300, min_age: 30 },
  { key: 'pci', principal: { code: 'I25.103', name: '冠状动脉粥样硬化性心脏病' }, secondary: [], procedures: [{ code: '36.0601', name: '冠状动脉药物涂层支架置入术', day: 1 }], days: [5, 8], typical_yuan: 30000, min_age: 40 },
  { key: 'cataract', principal: { code: 'H25.900', name: '老年性白内障' }, secondary: [], procedures: [{ code: '13.7100x001', name: '白内障摘除伴人工晶体一期置入术', day: 1 }], days: [2, 3], typical_yuan: 6600, min_age: 55 },
  { key: 'hip', principal: { code: 'S72.000', name: '股骨颈骨折' }, secondary: [], procedures: [{ code: '81.5100', name: '全髋关节置换', day: 2 }], days: [10, 16], typical_yuan: 40000, min_age: 60 },
  { key: 'copd', principal: { code: 'J44.100', name: '慢性阻塞性肺病伴有急性加重' }, secondary: [], procedures: [], days: [7, 12], typical_yuan: 8000, min_age: 50 },
  { key: 'chemo', principal: { code: 'C34.900x001', name: '肺恶性肿瘤' }, secondary: [], procedures: [{ code: '99.2503', name: '静脉注射化疗药物', day: 1 }], days: [4, 7], typical_yuan: 6200, min_age: 40 },
];

/** The templates a person of this age may have. */
export function templatesFor(age: number): StayTemplate[] {
  return STAY_TEMPLATES.filter((t) => age >= t.min_age);
}
