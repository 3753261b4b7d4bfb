import type { Queryable } from '../../src/store/db.ts';

// Rows the cooperation tests need from the registry (regions, institutions, persons,
// enrollments), inserted directly so these tests do not depend on the registry's generator.

export const REGIONS: [code: string, name: string, level: string, parent: string | null][] = [
  ['360000', '江西省', 'province', null],
  ['430000', '湖南省', 'province', null],
  ['110000', '北京市', 'province', null],
  ['360100', '南昌市', 'city', '360000'],
  ['360300', '萍乡市', 'city', '360000'],
  ['360400', '九江市', 'city', '360000'],
  ['360700', '赣州市', 'city', '360000'],
  ['360800', '吉安市', 'city', '360000'],
  ['360900', '宜春市', 'city', '360000'],
  ['430100', '长沙市', 'city', '430000'],
  ['430200', '株洲市', 'city', '430000'],
  ['430300', '湘潭市', 'city', '430000'],
  ['430600', '岳阳市', 'city', '430000'],
  ['430700', '常德市', 'city', '430000'],
  ['431000', '郴州市', 'city', '430000'],
  ['110100', '北京市市辖区', 'city', '110000'],
  ['360402', '濂溪区', 'county', '360400'],
  ['360102', '东湖区', 'county', '360100'],
  ['430102', '芙蓉区', 'county', '430100'],
  ['430103', '天心区', 'county', '430100'],
  ['110101', '东城区', 'county', '110100'],
];

export const INSTITUTIONS = {
  changshaHospital: 'H43010200001',
  nanchangHospital: 'H36010200001',
  beijingHospital: 'H11010100001',
  jiujiangHospital: 'H36040200001',
  changshaPharmacy1: 'P43010200001',
  changshaPharmacy2: 'P43010300001',
  noInpatientHospital: 'H43010300009',
};

export async function insertRegions(q: Queryable): Promise<void> {
  for (const [code, name, level, parent] of REGIONS) {
    const pooling = level === 'city' ? code : level === 'county' ? code.slice(0, 4) + '00' : null;
    await q.query(
      `INSERT INTO regions (code, name, level, parent_code, pooling_admdvs, is_pooling) VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (code) DO NOTHING`,
      [code, name, level, parent, pooling, level === 'city'],
    );
  }
}

async function institution(q: Queryable, code: string, name: string, admdvs: string, flags: Partial<Record<'cross' | 'inpatient' | 'chronic' | 'pooling', boolean>> = {}): Promise<void> {
  const all = { cross: true, inpatient: true, chronic: true, pooling: true, ...flags };
  await q.query(
    `INSERT INTO institutions (fixmedins_code, fixmedins_name, fixmedins_type, hosp_lv, admdvs, settles_cross_prov_outpatient, settles_inpatient, settles_chronic, settles_outpatient_pooling)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT DO NOTHING`,
    [code, name, code.startsWith('P') ? '2' : '1', code.startsWith('P') ? '0' : '3', admdvs, all.cross, all.inpatient, all.chronic, all.pooling],
  );
}

export async function insertInstitutions(q: Queryable): Promise<void> {
  await institution(q, INSTITUTIONS.changshaHospital, '长沙市第一医院（测试）', '430102');
  await institution(q, INSTITUTIONS.nanchangHospital, '南昌市人民医院（测试）', '360102');
  await institution(q, INSTITUTIONS.beijingHospital, '北京东城医院（测试）', '110101');
  await institution(q, INSTITUTIONS.jiujiangHospital, '九江市第一人民医院（测试）', '360402');
  await institution(q, INSTITUTIONS.changshaPharmacy1, '芙蓉大药房（测试）', '430102');
  await institution(q, INSTITUTIONS.changshaPharmacy2, '天心大药房（测试）', '430103');
  await institution(q, INSTITUTIONS.noInpatientHospital, '天心社区卫生服务中心（测试）', '430103', { inpatient: false });
}

let serial = 0;

/** An insured person with an active basic enrollment from 2000; returns psn_no and certno. */
export async function insertPerson(
  q: Queryable,
  insuplc: string,
  opts: { name?: string; tel?: string | null; insutype?: '310' | '390'; psnType?: string } = {},
): Promise<{ psn_no: string; certno: string }> {
  serial++;
  const psn_no = `${insuplc}${String(Date.now() % 1e6).padStart(6, '0')}${String(serial).padStart(4, '0')}`.slice(0, 16);
  const certno = `${insuplc}1956${String(serial % 12 + 1).padStart(2, '0')}01${String(serial).padStart(3, '0')}X`;
  await q.query(
    `INSERT INTO persons (psn_no, certno, psn_name, gend, brdy, tel, insuplc_admdvs) VALUES ($1, $2, $3, '2', '1956-01-01', $4, $5)`,
    [psn_no, certno, opts.name ?? `测试参保人${serial}`, opts.tel === undefined ? '13800000000' : opts.tel, insuplc],
  );
  await q.query(
    `INSERT INTO enrollments (psn_no, insutype, psn_type, insuplc_admdvs, psn_insu_stas, psn_insu_date) VALUES ($1, $2, $3, $4, '1', '2000-01-01')`,
    [psn_no, opts.insutype ?? '310', opts.psnType ?? '1201', insuplc],
  );
  return { psn_no, certno };
}

export async function insertCoopBase(q: Queryable): Promise<void> {
  await insertRegions(q);
  await insertInstitutions(q);
}

/** Row counts of the cooperation tables and the audit log, to prove a refusal wrote nothing. */
export async function coopCounts(q: Queryable): Promise<Record<string, number>> {
  const tables = ['filings', 'cases', 'case_evidence', 'case_events', 'recognitions', 'agreements', 'agreement_members', 'chronic_diseases', 'notifications', 'audit_log', 'calendar_days'];
  const out: Record<string, number> = {};
  for (const t of tables) out[t] = (await q.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${t}`)).rows[0]!.n;
  return out;
}
