import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { freshDatabase, type TestDatabase } from '../../../test/support/db.ts';
import { INSTITUTIONS, insertCoopBase, insertPerson } from '../../../test/support/coop-rows.ts';
import { checkEligibility, type EligibilityQuery } from './eligibility.ts';
import { refuses } from '../../../test/support/refusals.ts';

// What an eligibility request may ask (src/app/cooperation/eligibility.ts), before and after
// the facts are read: every malformed part named at once, an unknown person or institution not
// found; a well-formed request reaches the engine's decision.

let db: TestDatabase;
let person: { psn_no: string; certno: string };
const ask = (query: Partial<EligibilityQuery>): ReturnType<typeof checkEligibility> =>
  checkEligibility(db.pool, { psn_no: person.psn_no, fixmedins_code: INSTITUTIONS.changshaHospital, med_type: '11', begndate: '2026-03-02', ...query });

before(async () => {
  db = await freshDatabase();
  await insertCoopBase(db.pool);
  person = await insertPerson(db.pool, '430102');
});
after(async () => db.drop());


test('a well-formed request for a local visit reaches the decision, by psn_no, by certno or with the person handed in', async () => {
  const byNo = await ask({});
  assert.equal(byNo.psn_no, person.psn_no);
  assert.equal(byNo.allowed, true, JSON.stringify(byNo.reasons));
  assert.deepEqual(await ask({ psn_no: undefined, certno: person.certno }), byNo);
  assert.deepEqual(await ask({ psn_no: undefined, person: { psn_no: person.psn_no, insuplc_admdvs: '430102' } }), byNo);
});

test("every malformed part of the request is named at once: who, the institution, the kind of care, the days, the drug's doctor", async () => {
  await refuses(checkEligibility(db.pool, { fixmedins_code: '', med_type: '99', begndate: '2026-3-2', enddate: 'soon', drug_code: 'XL01XC' }), 'invalid',
    ['psn_no', 'fixmedins_code', 'med_type', 'begndate', 'enddate', 'dr_codg']);
  const early = await refuses(ask({ enddate: '2026-03-01' }), 'invalid', ['enddate']);
  assert.equal(early.details[0]!.en, 'enddate must be a date not before begndate');
  await ask({ enddate: '2026-03-02' });
  await refuses(ask({ drug_code: 'XL01XC' }), 'invalid', ['dr_codg']);
  await ask({ drug_code: 'XL01XC', dr_codg: 'D430102001' });
});

test('an unknown person or institution is not found, naming what the request gave', async () => {
  await refuses(ask({ psn_no: '43010299999999' }), 'not_found', ['psn_no']);
  await refuses(ask({ psn_no: undefined, certno: '430102195601019999' }), 'not_found', ['certno']);
  const inst = await refuses(ask({ fixmedins_code: 'H43010299999' }), 'not_found', ['fixmedins_code']);
  assert.deepEqual(inst.details[0], { field: 'fixmedins_code', zh: '查无此定点医药机构', en: 'no such designated institution' });
});
