import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { makeIdCard } from '../../engine/idcard.ts';
import { inTransaction } from '../../store/db.ts';
import type { WriteContext } from '../../store/audit.ts';
import { listEnrollments } from '../../store/registry/enrollments.ts';
import { listPersonCerts } from '../../store/registry/persons.ts';
import { freshDatabase, type TestDatabase } from '../../../test/support/db.ts';
import { insertRegions } from '../../../test/support/registry-rows.ts';
import { enroll, psnTypeFits, transfer } from './enrollments.ts';
import { addIdentity, compareRoster, parseRoster, type ImportScope } from './identities.ts';
import { createInstitution } from './institutions.ts';
import { addPersonCert, createPerson, findPersonByMdtrtCert } from './persons.ts';
import { poolingRegionSet, requireInsuranceRegion } from './regions.ts';
import { refuses } from '../../../test/support/refusals.ts';

// The registry's rules as the use cases decide them, one by one, each against a real database
// and each refusal checked for its kind and the field it names. Every refusal writes nothing:
// the use case runs in a transaction that the refusal rolls back.

let db: TestDatabase;
const ctx: WriteContext = { actor: 'rules.test', now: new Date('2026-11-23T04:00:00Z') };

before(async () => {
  db = await freshDatabase();
  await insertRegions(db.pool, [
    ['430000', '湖南省', 'province', null],
    ['430200', '株洲市', 'city', '430000'],
    ['430204', '石峰区', 'county', '430200'],
    ['430211', '天元区', 'county', '430200'],
    ['430100', '长沙市', 'city', '430000'],
    ['430102', '芙蓉区', 'county', '430100'],
  ]);
});
after(async () => db.drop());


let seq = 100;
async function person(brdy = '1980-05-01', admdvs = '430204'): Promise<string> {
  const p = await inTransaction(db.pool, (q) => createPerson(q, { certno: makeIdCard(admdvs, brdy, seq++), psn_name: '测试', insuplc_admdvs: admdvs }, ctx));
  return p.psn_no;
}
const inTx = <T>(f: (q: Parameters<Parameters<typeof inTransaction>[1]>[0]) => Promise<T>): Promise<T> => inTransaction(db.pool, f);

describe('enrollment: who may be enrolled in what', () => {
  test('employees\' insurance admits workers and retirees, residents\' insurance the others', () => {
    assert.equal(psnTypeFits('310', '1101'), true);
    assert.equal(psnTypeFits('310', '1201'), true);
    assert.equal(psnTypeFits('310', '1501'), false);
    assert.equal(psnTypeFits('390', '1501'), true);
    assert.equal(psnTypeFits('390', '1101'), false);
    assert.equal(psnTypeFits('392', '1300'), false);
    assert.equal(psnTypeFits('410', '1101'), true, 'long-term care is open to both');
  });

  test('a person type the insurance does not admit is refused naming psn_type', async () => {
    const psn_no = await person();
    await refuses(inTx((q) => enroll(q, { psn_no, insutype: '390', psn_type: '1201' }, ctx)), 'invalid', 'psn_type');
    assert.equal((await listEnrollments(db.pool, psn_no)).length, 0);
  });

  test('an employee needs the employer name; a retiree does not', async () => {
    const psn_no = await person();
    await refuses(inTx((q) => enroll(q, { psn_no, insutype: '310', psn_type: '1101' }, ctx)), 'invalid', 'emp_name');
    const e = await inTx((q) => enroll(q, { psn_no, insutype: '310', psn_type: '1201', psn_insu_date: '2020-01-01' }, ctx));
    assert.equal(e.emp_name, null);
  });

  test('an enrollment cannot begin before birth', async () => {
    const psn_no = await person('2001-03-04');
    await refuses(inTx((q) => enroll(q, { psn_no, insutype: '390', psn_type: '1501', psn_insu_date: '2001-03-03' }, ctx)), 'invalid', 'psn_insu_date');
    await inTx((q) => enroll(q, { psn_no, insutype: '390', psn_type: '1501', psn_insu_date: '2001-03-04' }, ctx));
  });

  test('one active basic insurance at a time, and one of each supplementary type', async () => {
    const psn_no = await person();
    await inTx((q) => enroll(q, { psn_no, insutype: '310', psn_type: '1101', emp_name: '株硬集团', psn_insu_date: '2015-01-01' }, ctx));
    await refuses(inTx((q) => enroll(q, { psn_no, insutype: '390', psn_type: '1501' }, ctx)), 'conflict', 'insutype');
    await inTx((q) => enroll(q, { psn_no, insutype: '330', psn_type: '1101', psn_insu_date: '2015-01-01' }, ctx));
    const second = await refuses(inTx((q) => enroll(q, { psn_no, insutype: '330', psn_type: '1101' }, ctx)), 'conflict', 'insutype');
    assert.match(second.message, /330/);
  });

  test('an enrollment in a region without a pooling region, or in an unknown person, is refused', async () => {
    const psn_no = await person();
    await refuses(inTx((q) => enroll(q, { psn_no, insutype: '390', psn_type: '1501', insuplc_admdvs: '430000' }, ctx)), 'invalid', 'insuplc_admdvs');
    await refuses(inTx((q) => enroll(q, { psn_no: '4302000009999999', insutype: '390', psn_type: '1501' }, ctx)), 'not_found', 'psn_no');
  });

  test('employees\' insurance opens a personal account; a basic enrollment elsewhere moves the insured region', async () => {
    const psn_no = await person();
    await inTx((q) => enroll(q, { psn_no, insutype: '310', psn_type: '1101', emp_name: '长沙某厂', insuplc_admdvs: '430102', psn_insu_date: '2019-01-01' }, ctx));
    const row = await db.pool.query<{ insuplc_admdvs: string; acct: string | null }>(
      'SELECT p.insuplc_admdvs, a.insuplc_admdvs AS acct FROM persons p LEFT JOIN personal_accounts a USING (psn_no) WHERE psn_no = $1', [psn_no]);
    assert.deepEqual(row.rows[0], { insuplc_admdvs: '430102', acct: '430102' });
  });
});

describe('transfer: what it ends and opens', () => {
  test('no active basic insurance: nothing to transfer', async () => {
    const psn_no = await person();
    await refuses(inTx((q) => transfer(q, { psn_no, to_admdvs: '430102' }, ctx)), 'conflict', 'psn_no');
  });

  test('the date must come after the current period began, and the destination must be basic insurance', async () => {
    const psn_no = await person();
    await inTx((q) => enroll(q, { psn_no, insutype: '390', psn_type: '1501', psn_insu_date: '2020-01-01' }, ctx));
    await refuses(inTx((q) => transfer(q, { psn_no, to_admdvs: '430102', transfer_date: '2020-01-01' }, ctx)), 'invalid', 'transfer_date');
    await refuses(inTx((q) => transfer(q, { psn_no, to_admdvs: '430102', transfer_date: '2021-01-01', insutype: '392' }, ctx)), 'invalid', 'insutype');
    await refuses(inTx((q) => transfer(q, { psn_no, to_admdvs: '430211', transfer_date: '2021-01-01' }, ctx)), 'invalid', 'to_admdvs');
    assert.equal((await listEnrollments(db.pool, psn_no)).length, 1, 'the refusals wrote nothing');
  });

  test('ends the basic and the same region\'s supplementary enrollments the day before; opens basic only; the new employer clears the old number', async () => {
    const psn_no = await person();
    await inTx((q) => enroll(q, { psn_no, insutype: '310', psn_type: '1101', emp_no: 'E1', emp_name: '株硬集团', psn_insu_date: '2015-01-01' }, ctx));
    await inTx((q) => enroll(q, { psn_no, insutype: '330', psn_type: '1101', psn_insu_date: '2015-01-01' }, ctx));
    const r = await inTx((q) => transfer(q, { psn_no, to_admdvs: '430102', transfer_date: '2024-07-01', emp_name: '长沙某厂' }, ctx));
    assert.deepEqual(r.closed.map((c) => [c.insutype, c.psn_insu_stas, c.end_date]), [['310', '4', '2024-06-30'], ['330', '4', '2024-06-30']]);
    assert.equal(r.opened.insutype, '310');
    assert.equal(r.opened.insuplc_admdvs, '430102');
    assert.equal(r.opened.transferred_from, r.closed[0]!.id);
    assert.equal(r.opened.emp_no, null, 'a new employer without a number does not keep the old number');
    assert.equal(r.opened.emp_name, '长沙某厂');
    const acct = await db.pool.query<{ insuplc_admdvs: string }>('SELECT insuplc_admdvs FROM personal_accounts WHERE psn_no = $1', [psn_no]);
    assert.equal(acct.rows[0]!.insuplc_admdvs, '430102', 'the personal account moves with the person');
  });

  test('the same employer keeps its number when nothing about it is given', async () => {
    const psn_no = await person();
    await inTx((q) => enroll(q, { psn_no, insutype: '310', psn_type: '1101', emp_no: 'E7', emp_name: '中车株机', psn_insu_date: '2015-01-01' }, ctx));
    const r = await inTx((q) => transfer(q, { psn_no, to_admdvs: '430102', transfer_date: '2024-07-01' }, ctx));
    assert.deepEqual([r.opened.emp_no, r.opened.emp_name], ['E7', '中车株机']);
  });
});

describe('persons: what the ID number says, and certificates', () => {
  test('sex, birth date and ethnicity must agree with the ID number and the code list; an unknown residence is not found', async () => {
    const certno = makeIdCard('430204', '1970-01-02', 201); // odd sequence: a man
    await refuses(inTx((q) => createPerson(q, { certno, psn_name: '张三', insuplc_admdvs: '430204', gend: '2' }, ctx)), 'invalid', 'gend');
    await refuses(inTx((q) => createPerson(q, { certno, psn_name: '张三', insuplc_admdvs: '430204', brdy: '1970-01-03' }, ctx)), 'invalid', 'brdy');
    await refuses(inTx((q) => createPerson(q, { certno, psn_name: '张三', insuplc_admdvs: '430204', naty: '1' }, ctx)), 'invalid', 'naty');
    await refuses(inTx((q) => createPerson(q, { certno, psn_name: '张3', insuplc_admdvs: '430204' }, ctx)), 'invalid', 'psn_name');
    await refuses(inTx((q) => createPerson(q, { certno, psn_name: '张三', insuplc_admdvs: '430204', live_admdvs: '430299' }, ctx)), 'not_found', 'live_admdvs');
    await refuses(inTx((q) => createPerson(q, { certno, psn_name: '张三', insuplc_admdvs: '430000' }, ctx)), 'invalid', 'insuplc_admdvs');
    const p = await inTx((q) => createPerson(q, { certno, psn_name: ' 张三 ', insuplc_admdvs: '430204', gend: '1' }, ctx));
    assert.deepEqual([p.gend, p.brdy, p.naty, p.psn_name, p.psn_no.slice(0, 6)], ['1', '1970-01-02', '01', '张三', '430200']);
    await refuses(inTx((q) => createPerson(q, { certno, psn_name: '张三', insuplc_admdvs: '430204' }, ctx)), 'conflict', 'certno');
  });

  test('a social security card needs its card_sn; a certificate number is used once; the card names its holder only with its card_sn', async () => {
    const psn_no = await person();
    await refuses(inTx((q) => addPersonCert(q, psn_no, { mdtrt_cert_type: '03', mdtrt_cert_no: 'C-1', card_sn: null, valid_until: null }, ctx)), 'invalid', 'card_sn');
    await inTx((q) => addPersonCert(q, psn_no, { mdtrt_cert_type: '03', mdtrt_cert_no: 'C-1', card_sn: 'SN1', valid_until: '2035-12-31' }, ctx));
    await refuses(inTx((q) => addPersonCert(q, psn_no, { mdtrt_cert_type: '03', mdtrt_cert_no: 'C-1', card_sn: 'SN2', valid_until: null }, ctx)), 'conflict', 'mdtrt_cert_no');
    assert.equal((await listPersonCerts(db.pool, psn_no)).length, 1);
    assert.equal((await findPersonByMdtrtCert(db.pool, '03', 'C-1', 'SN1'))?.psn_no, psn_no);
    assert.equal(await findPersonByMdtrtCert(db.pool, '03', 'C-1', 'SN9'), undefined);
    assert.equal(await findPersonByMdtrtCert(db.pool, '04', 'C-1'), undefined);
  });
});

describe('identities: by hand and by roster', () => {
  test('one period of an identity at a time; an end before the start and an unknown person are refused', async () => {
    const psn_no = await person();
    await refuses(inTx((q) => addIdentity(q, { psn_no, psn_idet_type: '2102', begntime: '2024-01-01', endtime: '2023-12-31', source: 'staff' }, ctx)), 'invalid', 'endtime');
    await refuses(inTx((q) => addIdentity(q, { psn_no, psn_idet_type: '2102', begntime: '2024-01-01', source: 'nobody' }, ctx)), 'invalid', 'source');
    await refuses(inTx((q) => addIdentity(q, { psn_no: '4302000009999999', psn_idet_type: '2102', begntime: '2024-01-01', source: 'staff' }, ctx)), 'not_found', 'psn_no');
    await inTx((q) => addIdentity(q, { psn_no, psn_idet_type: '2102', begntime: '2024-01-01', endtime: '2024-06-30', source: 'staff' }, ctx));
    await refuses(inTx((q) => addIdentity(q, { psn_no, psn_idet_type: '2102', begntime: '2024-06-30', source: 'staff' }, ctx)), 'conflict', 'psn_idet_type');
    await inTx((q) => addIdentity(q, { psn_no, psn_idet_type: '2102', begntime: '2024-07-01', source: 'staff' }, ctx));
  });

  test('the comparison: added, changed, unchanged, ended (never before it began) and each refusal with its reason', () => {
    const a = makeIdCard('430204', '1950-01-01', 11);
    const b = makeIdCard('430204', '1950-01-01', 12);
    const c = makeIdCard('430204', '1950-01-01', 13);
    const outside = makeIdCard('430102', '1950-01-01', 14);
    const unknown = makeIdCard('430204', '1950-01-01', 15);
    const csv = [
      'certno,psn_idet_type,begntime,endtime,psn_name',
      `${a},2102,2024-01-01,,甲`, // held, same end: unchanged
      `${b},2102,2024-01-01,2026-12-31,乙`, // held with no end: changed
      `${c},2101,2024-01-01,,丙`, // not held: added
      `${c},2102,2024-01-01,,别名`, // another name: refused
      `${outside},2102,2024-01-01,,丁`, // outside the region
      `${unknown},2102,2024-01-01,,戊`, // no one
      `${a},2201,2024-01-01,,甲`, // outside the scope
      `${b},2101,2026-12-01,,乙`, // begins after the roster's date
      `${a},2102,2024-02-01,,甲`, // twice in the file
      'not-an-id,2102,2024-01-01,,己',
    ].join('\n');
    const parsed = parseRoster(csv, '2026-11-23');
    assert.deepEqual(parsed.rejected.map((r) => [r.line, r.field]), [[10, 'certno'], [11, 'certno']]);
    const scope: ImportScope = { source: 'civil_affairs', admdvs: '430200', idetTypes: ['2101', '2102'], asOf: '2026-11-01' };
    const persons = new Map([
      [a, { certno: a, psn_no: 'P-A', psn_name: '甲', insuplc_admdvs: '430204' }],
      [b, { certno: b, psn_no: 'P-B', psn_name: '乙', insuplc_admdvs: '430204' }],
      [c, { certno: c, psn_no: 'P-C', psn_name: '丙', insuplc_admdvs: '430211' }],
      [outside, { certno: outside, psn_no: 'P-D', psn_name: '丁', insuplc_admdvs: '430102' }],
    ]);
    const held = (id: number, psn_no: string, begntime: string, endtime: string | null) => ({
      id, psn_no, psn_idet_type: '2102', begntime, endtime, source: 'civil_affairs', import_batch_id: null, memo: null, certno: '', psn_name: '',
    });
    const plan = compareRoster(parsed, scope, persons, [
      held(1, 'P-A', '2024-01-01', null), held(2, 'P-B', '2024-01-01', null), held(3, 'P-X', '2025-01-01', null), held(4, 'P-Y', '2026-11-01', null),
    ]);
    assert.deepEqual(plan.report.counts, { rows: 10, added: 1, ended: 2, changed: 1, unchanged: 1, rejected: 7 });
    assert.deepEqual(plan.toAdd.map((x) => [x.psn_no, x.psn_idet_type]), [['P-C', '2101']]);
    assert.deepEqual(plan.toChange, [{ id: 2, psn_no: 'P-B', endtime: '2026-12-31' }]);
    assert.deepEqual(plan.toEnd, [{ id: 3, psn_no: 'P-X', endtime: '2026-10-31' }, { id: 4, psn_no: 'P-Y', endtime: '2026-11-01' }]);
    assert.deepEqual(plan.report.rejected.map((r) => [r.line, r.field]), [
      [5, 'psn_name'], [6, 'certno'], [7, 'certno'], [8, 'psn_idet_type'], [9, 'begntime'], [10, 'certno'], [11, 'certno'],
    ]);
  });
});

describe('institutions and regions', () => {
  test('a new institution\'s code, level, region and coordinates are checked; a code is registered once', async () => {
    const base = { fixmedins_code: 'H43020400001', fixmedins_name: '石峰区人民医院', hosp_lv: '2', admdvs: '430204' };
    await refuses(inTx((q) => createInstitution(q, { ...base, fixmedins_code: 'X43020400001' }, ctx)), 'invalid', 'fixmedins_code');
    await refuses(inTx((q) => createInstitution(q, { ...base, hosp_lv: '0' }, ctx)), 'invalid', 'hosp_lv');
    await refuses(inTx((q) => createInstitution(q, { ...base, fixmedins_code: 'P43020400001' }, ctx)), 'invalid', 'hosp_lv');
    await refuses(inTx((q) => createInstitution(q, { ...base, fixmedins_code: 'H43010200001' }, ctx)), 'invalid', 'fixmedins_code');
    await refuses(inTx((q) => createInstitution(q, { ...base, admdvs: '439999' }, ctx)), 'invalid', 'admdvs');
    await refuses(inTx((q) => createInstitution(q, { ...base, lat: 91 }, ctx)), 'invalid', 'lat');
    const inst = await inTx((q) => createInstitution(q, { ...base, fixmedins_name: ' 石峰区人民医院 ' }, ctx));
    assert.deepEqual([inst.fixmedins_type, inst.fixmedins_name, inst.settles_inpatient], ['1', '石峰区人民医院', false]);
    const pharmacy = await inTx((q) => createInstitution(q, { ...base, fixmedins_code: 'P43020400001', hosp_lv: '0' }, ctx));
    assert.equal(pharmacy.fixmedins_type, '2');
    await refuses(inTx((q) => createInstitution(q, base, ctx)), 'conflict', 'fixmedins_code');
  });

  test('a person is insured only in a known 6-digit division that belongs to a pooling region', async () => {
    await refuses(requireInsuranceRegion(db.pool, '4302', 'f'), 'invalid', 'f');
    await refuses(requireInsuranceRegion(db.pool, '439999', 'f'), 'not_found', 'f');
    await refuses(requireInsuranceRegion(db.pool, '430000', 'f'), 'invalid', 'f');
    assert.equal((await requireInsuranceRegion(db.pool, '430204', 'f')).pooling_admdvs, '430200');
  });

  test('pooling regions: cities and whole municipalities, less the cities that do not pool, plus the extra ones', () => {
    const rows = [
      { code: '110000', name: '北京市', level: 'province' as const, parent: null },
      { code: '430000', name: '湖南省', level: 'province' as const, parent: null },
      { code: '110100', name: '北京市市辖区', level: 'city' as const, parent: '110000' },
      { code: '430100', name: '长沙市', level: 'city' as const, parent: '430000' },
      { code: '430200', name: '株洲市', level: 'city' as const, parent: '430000' },
    ];
    assert.deepEqual([...poolingRegionSet(rows)].sort(), ['110000', '430100', '430200']);
    assert.deepEqual([...poolingRegionSet(rows, { nonPoolingCities: ['430200'], extraPoolingRegions: ['430204'] })].sort(), ['110000', '430100', '430204']);
  });
});
