import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { makeIdCard } from '../../engine/idcard.ts';
import { inTransaction, type Queryable } from '../../store/db.ts';
import type { WriteContext } from '../../store/audit.ts';
import { listContributions } from '../../store/registry/contributions.ts';
import { freshDatabase, type TestDatabase } from '../../../test/support/db.ts';
import { insertRegions } from '../../../test/support/registry-rows.ts';
import { contribute, MAX_CONTRIBUTION_FEN } from './contribute.ts';
import { enroll, transfer } from './enrollments.ts';
import { createPerson } from './persons.ts';
import { refuses } from '../../../test/support/refusals.ts';

// What a contribution may be (src/app/registry/contribute.ts), each refusal checked for its kind
// and the fields it names, and that it wrote nothing; then where an accepted one is booked.

let db: TestDatabase;
const ctx: WriteContext = { actor: 'contribute.test', now: new Date('2026-11-23T04:00:00Z') };
const inTx = <T>(f: (q: Queryable) => Promise<T>): Promise<T> => inTransaction(db.pool, f);

before(async () => {
  db = await freshDatabase();
  await insertRegions(db.pool, [
    ['430000', '湖南省', 'province', null],
    ['430200', '株洲市', 'city', '430000'],
    ['430204', '石峰区', 'county', '430200'],
    ['430100', '长沙市', 'city', '430000'],
    ['430102', '芙蓉区', 'county', '430100'],
  ]);
});
after(async () => db.drop());

let seq = 500;
/** A resident insured in Shifeng from 2020. */
async function resident(): Promise<string> {
  const p = await inTx((q) => createPerson(q, { certno: makeIdCard('430204', '1985-03-01', seq++), psn_name: '缴费测试', insuplc_admdvs: '430204' }, ctx));
  await inTx((q) => enroll(q, { psn_no: p.psn_no, insutype: '390', psn_type: '1501', psn_insu_date: '2020-01-01' }, ctx));
  return p.psn_no;
}


test('the year, the amount, the payer, the insurance type and the day paid are each checked, all named at once', async () => {
  const psn_no = await resident();
  await refuses(inTx((q) => contribute(q, { psn_no, year: 1989, amount_fen: 0, payer: 'nobody', insutype: '999', paid_on: '2024-02-30' }, ctx)), 'invalid',
    ['year', 'amount_fen', 'payer', 'insutype', 'paid_on']);
  for (const year of [1989, 2101, 2024.5]) await refuses(inTx((q) => contribute(q, { psn_no, year, amount_fen: 100, payer: 'person' }, ctx)), 'invalid', ['year']);
  for (const amount_fen of [0, -100, 10.5, MAX_CONTRIBUTION_FEN + 1]) await refuses(inTx((q) => contribute(q, { psn_no, year: 2024, amount_fen, payer: 'person' }, ctx)), 'invalid', ['amount_fen']);
  assert.deepEqual(await listContributions(db.pool, psn_no), [], 'the refusals wrote nothing');
  const top = await inTx((q) => contribute(q, { psn_no, year: 2024, amount_fen: MAX_CONTRIBUTION_FEN, payer: 'assistance' }, ctx));
  assert.equal(top.amount_fen, MAX_CONTRIBUTION_FEN, 'a million yuan is still a payment');
});

test('an unknown person is not found; a year no enrollment covers is a conflict on the year', async () => {
  await refuses(inTx((q) => contribute(q, { psn_no: '43020099999999', year: 2024, amount_fen: 100, payer: 'person' }, ctx)), 'not_found', ['psn_no']);
  const psn_no = await resident();
  const before2020 = await refuses(inTx((q) => contribute(q, { psn_no, year: 2019, amount_fen: 100, payer: 'person' }, ctx)), 'conflict', ['year']);
  assert.equal(before2020.details[0]!.en, 'no enrollment covers 2019');
  const other = await refuses(inTx((q) => contribute(q, { psn_no, year: 2024, amount_fen: 100, payer: 'person', insutype: '310' }, ctx)), 'conflict', ['year']);
  assert.equal(other.details[0]!.en, 'no enrollment covers 2024 for insurance type 310');
  assert.deepEqual(await listContributions(db.pool, psn_no), [], 'the refusals wrote nothing');
});

test('a payment day before 1990 is refused; without one it is today in China', async () => {
  const psn_no = await resident();
  await refuses(inTx((q) => contribute(q, { psn_no, year: 2024, amount_fen: 100, payer: 'person', paid_on: '1989-12-31' }, ctx)), 'invalid', ['paid_on']);
  const c = await inTx((q) => contribute(q, { psn_no, year: 2024, amount_fen: 100, payer: 'person' }, ctx));
  assert.equal(c.paid_on, '2026-11-23');
});

test('booked against the enrollment covering the year, its region and insurance type; after a transfer, the later period', async () => {
  const psn_no = await resident();
  await inTx((q) => transfer(q, { psn_no, to_admdvs: '430102', transfer_date: '2024-07-01' }, ctx));
  const before = await inTx((q) => contribute(q, { psn_no, year: 2023, amount_fen: 100, payer: 'person' }, ctx));
  const split = await inTx((q) => contribute(q, { psn_no, year: 2024, amount_fen: 100, payer: 'person' }, ctx));
  assert.deepEqual([before.insuplc_admdvs, before.insutype], ['430204', '390']);
  assert.deepEqual([split.insuplc_admdvs, split.insutype], ['430102', '390']);
  assert.notEqual(before.enrollment_id, split.enrollment_id);
});
