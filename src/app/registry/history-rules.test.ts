import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { makeIdCard } from '../../engine/idcard.ts';
import { inTransaction, type Queryable } from '../../store/db.ts';
import type { WriteContext } from '../../store/audit.ts';
import { freshDatabase, type TestDatabase } from '../../../test/support/db.ts';
import { insertRegions } from '../../../test/support/registry-rows.ts';
import { contribute } from './contribute.ts';
import { enroll, transfer } from './enrollments.ts';
import { insuranceHistory } from './history.ts';
import { createPerson, requirePersonByCertno } from './persons.ts';
import { refuses } from '../../../test/support/refusals.ts';

// A person named by a client's ID number (src/app/registry/persons.ts) and the insurance
// history built on it (src/app/registry/history.ts): its periods across regions with their
// names, the regions in the order entered, the provinces, the contributions of each period.

let db: TestDatabase;
const ctx: WriteContext = { actor: 'history.test', now: new Date('2026-11-23T04:00:00Z') };
const inTx = <T>(f: (q: Queryable) => Promise<T>): Promise<T> => inTransaction(db.pool, f);
let certno: string;
let psn_no: string;

before(async () => {
  db = await freshDatabase();
  await insertRegions(db.pool, [
    ['430000', '湖南省', 'province', null],
    ['430200', '株洲市', 'city', '430000'],
    ['430204', '石峰区', 'county', '430200'],
    ['430100', '长沙市', 'city', '430000'],
    ['430102', '芙蓉区', 'county', '430100'],
    ['360000', '江西省', 'province', null],
    ['360400', '九江市', 'city', '360000'],
    ['360402', '濂溪区', 'county', '360400'],
  ]);
  certno = makeIdCard('430204', '1979-09-09', 6).replace(/X$/, 'x'); // its check letter is X, sent in lower case
  psn_no = (await inTx((q) => createPerson(q, { certno: certno.toUpperCase(), psn_name: '历史测试', insuplc_admdvs: '430204' }, ctx))).psn_no;
  await inTx((q) => enroll(q, { psn_no, insutype: '390', psn_type: '1501', psn_insu_date: '2015-01-01' }, ctx));
  await inTx((q) => contribute(q, { psn_no, year: 2016, amount_fen: 30_000, payer: 'person', paid_on: '2015-12-01' }, ctx));
  await inTx((q) => transfer(q, { psn_no, to_admdvs: '360402', transfer_date: '2018-01-01' }, ctx));
  await inTx((q) => contribute(q, { psn_no, year: 2019, amount_fen: 35_000, payer: 'person', paid_on: '2018-12-01' }, ctx));
  await inTx((q) => transfer(q, { psn_no, to_admdvs: '430204', transfer_date: '2021-01-01' }, ctx));
  await inTx((q) => contribute(q, { psn_no, year: 2022, amount_fen: 38_000, payer: 'assistance', paid_on: '2021-12-01' }, ctx));
});
after(async () => db.drop());


test('a client\'s ID number: malformed is invalid, unknown is not found, each naming the field; the check letter in either case', async () => {
  assert.ok(certno.endsWith('x'), certno);
  await refuses(requirePersonByCertno(db.pool, '12345'), 'invalid', 'certno');
  await refuses(requirePersonByCertno(db.pool, '12345', 'input.data.certno'), 'invalid', 'input.data.certno');
  const other = makeIdCard('430204', '1979-09-09', 7);
  const unknown = await refuses(requirePersonByCertno(db.pool, other), 'not_found', 'certno');
  assert.equal(unknown.details[0]!.en, `no person is registered with ID number ${other}`);
  assert.equal((await requirePersonByCertno(db.pool, certno)).psn_no, psn_no);
  assert.equal((await requirePersonByCertno(db.pool, certno.toUpperCase())).psn_no, psn_no);
});

test('the history: every period with its names, the regions in the order entered, the provinces, each period\'s contributions', async () => {
  const h = await insuranceHistory(db.pool, certno, ctx.now);
  assert.equal(h.person.psn_no, psn_no);
  assert.equal(h.as_of, '2026-11-23');
  assert.deepEqual(h.periods.map((p) => [p.insuplc_admdvs, p.admdvs_name, p.pooling_admdvs, p.province_admdvs, p.province_name]), [
    ['430204', '石峰区', '430200', '430000', '湖南省'],
    ['360402', '濂溪区', '360400', '360000', '江西省'],
    ['430204', '石峰区', '430200', '430000', '湖南省'],
  ]);
  assert.deepEqual(h.periods.map((p) => p.contributions.map((c) => c.year)), [[2016], [2019], [2022]]);
  assert.deepEqual(h.regions, [{ admdvs: '430204', name: '石峰区', province_name: '湖南省' }, { admdvs: '360402', name: '濂溪区', province_name: '江西省' }], 'a region entered again is listed once, where first entered');
  assert.deepEqual(h.provinces, ['430000', '360000']);
  assert.equal(h.contributions_total_fen, 103_000);
  assert.equal(h.personal_account, null, 'a resident has no personal account');
  await refuses(insuranceHistory(db.pool, '12345', ctx.now), 'invalid', 'certno');
});
