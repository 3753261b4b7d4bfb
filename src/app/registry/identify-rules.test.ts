import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { freshDatabase, type TestDatabase } from '../../../test/support/db.ts';
import { RESIDENT, RETIREE, seedRegistry } from '../../../test/support/gateway-world.ts';
import { identifyPerson, type PersonClaim } from './identify.ts';
import { refuses } from '../../../test/support/refusals.ts';

// Whether a certificate a message names is trusted (src/app/registry/identify.ts): its holder
// exists, a social security card's card_sn agrees, it is still valid, a document is of the type
// given, the name agrees; each refusal naming the field the interface names.

let db: TestDatabase;
const TODAY = '2026-03-15';
const noName = (): undefined => undefined;
const who = (claim: PersonClaim, today = TODAY, readName: () => string | undefined = noName): ReturnType<typeof identifyPerson> =>
  identifyPerson(db.pool, claim, 'input.data', today, readName);

before(async () => {
  db = await freshDatabase();
  await seedRegistry(db.pool);
});
after(async () => db.drop());


test('each kind of claim finds its holder', async () => {
  assert.equal((await who({ by: 'mdtrt_cert', certType: '01', certNo: RESIDENT.voucher, cardSn: undefined })).psn_no, RESIDENT.psn_no);
  assert.equal((await who({ by: 'mdtrt_cert', certType: '02', certNo: RESIDENT.certno, cardSn: undefined })).psn_no, RESIDENT.psn_no);
  assert.equal((await who({ by: 'mdtrt_cert', certType: '03', certNo: RETIREE.card, cardSn: RETIREE.card_sn })).psn_no, RETIREE.psn_no);
  assert.equal((await who({ by: 'document', certType: '01', certno: RETIREE.certno })).psn_no, RETIREE.psn_no);
  assert.equal((await who({ by: 'psn_no', psnNo: RETIREE.psn_no })).psn_no, RETIREE.psn_no);
});

test('an unknown holder is not found, naming the field that named them', async () => {
  const unknown = await refuses(who({ by: 'mdtrt_cert', certType: '01', certNo: 'EV-NONE', cardSn: undefined }), 'not_found', 'input.data.mdtrt_cert_no');
  assert.equal(unknown.details[0]!.en, 'no insured person is registered with electronic medical-insurance voucher EV-NONE');
  await refuses(who({ by: 'mdtrt_cert', certType: '02', certNo: '430204198005209999', cardSn: undefined }), 'not_found', 'input.data.mdtrt_cert_no');
  await refuses(who({ by: 'psn_no', psnNo: '43020099999999' }), 'not_found', 'input.data.psn_no');
});

test("a card's card_sn must agree; a voucher past its last day is refused, on that day it is valid", async () => {
  await refuses(who({ by: 'mdtrt_cert', certType: '03', certNo: RETIREE.card, cardSn: 'SN-OTHER' }), 'invalid', 'input.data.card_sn');
  await who({ by: 'mdtrt_cert', certType: '01', certNo: RESIDENT.voucher, cardSn: undefined }, '2027-01-01');
  const expired = await refuses(who({ by: 'mdtrt_cert', certType: '01', certNo: RESIDENT.voucher, cardSn: undefined }, '2027-01-02'), 'invalid', 'input.data.mdtrt_cert_no');
  assert.equal(expired.details[0]!.en, 'the electronic medical-insurance voucher expired on 2027-01-01');
});

test('a document of another type does not name the person', async () => {
  const err = await refuses(who({ by: 'document', certType: '06', certno: RETIREE.certno }), 'not_found', 'input.data.certno');
  assert.equal(err.details[0]!.en, `no insured person is registered with document (type 06) ${RETIREE.certno}`);
});

test('the name must agree, and is read only once the person is found', async () => {
  await who({ by: 'psn_no', psnNo: RESIDENT.psn_no }, TODAY, () => RESIDENT.psn_name);
  await refuses(who({ by: 'psn_no', psnNo: RESIDENT.psn_no }, TODAY, () => '别人'), 'invalid', 'input.data.psn_name');
  let read = false;
  await refuses(who({ by: 'psn_no', psnNo: '43020099999999' }, TODAY, () => { read = true; return '别人'; }), 'not_found', 'input.data.psn_no');
  assert.equal(read, false, 'an unknown person is reported before the name is read');
});
