import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { freshDatabase, type TestDatabase } from './support/db.ts';
import { DocumentRegistry } from '../src/store/documents/registry.ts';
import { seedSettlementDocuments } from '../src/store/documents/seed.ts';
import { inTransaction } from '../src/store/db.ts';
import { selectPolicy } from '../src/engine/index.ts';
import { settlementLegs } from '../src/engine/ledger.ts';

// The store's own promises: policy documents are versioned data the cache follows; a
// settlement's legs balance and add up to the bill.

let db: TestDatabase;
before(async () => {
  db = await freshDatabase();
});
after(async () => db.drop());

test('policy documents are versioned rows; the cache compiles once and follows a new version', async () => {
  const cache = new DocumentRegistry(0);
  assert.equal((await cache.compiled(db.pool)).policies.length, 0, 'nothing loaded yet');
  // The very first document moves the generation too.
  const one = JSON.parse(fs.readFileSync(path.resolve(import.meta.dirname, '../policies/430200-310-2026.json'), 'utf8'));
  await inTransaction(db.pool, (q) => cache.store(q, { kind: 'policy', doc: one, stored_by: 'test' }));
  assert.equal((await cache.compiled(db.pool)).policies.length, 1, 'the first document is seen');
  const loaded = await seedSettlementDocuments(db.pool);
  assert.ok(loaded.policies >= 29 && loaded.catalogs >= 10 && loaded.clearing_rules === 1, JSON.stringify(loaded));
  assert.deepEqual(await seedSettlementDocuments(db.pool), { policies: 0, catalogs: 0, clearing_rules: 0, payment_rules: 0, supervision_rules: 0 }, 'loading again adds nothing');
  const first = await cache.compiled(db.pool);
  assert.ok(first.policies.length >= 30, 'the first documents are seen');
  assert.equal(await cache.compiled(db.pool), first, 'unchanged documents are not compiled again');
  const p1 = selectPolicy(first.policies, '430200', '390', '2026-03-15')!;
  assert.equal(p1.version, 1);
  const doc = JSON.parse(fs.readFileSync(path.resolve(import.meta.dirname, '../policies/430200-390-2026.json'), 'utf8'));
  doc.version = 2;
  doc.outpatient.ratio_bp_by_lv['3'] = 4500;
  await inTransaction(db.pool, (q) => cache.store(q, { kind: 'policy', doc, stored_by: 'test' }));
  const second = await cache.compiled(db.pool);
  assert.notEqual(second, first);
  const p2 = selectPolicy(second.policies, '430200', '390', '2026-03-15')!;
  assert.deepEqual([p2.version, p2.outpatient.ratio_bp_by_lv['3']], [2, 4500]);
});

test('legs balance, and across regions the insurance money passes through the regions’ accounts', () => {
  const setlinfo = {
    medfee_sumamt: 10000, fulamt_ownpay_amt: 1000, overlmt_selfpay: 500, preselfpay_amt: 200, inscp_scp_amt: 8300, act_pay_dedc: 0, hifp_pay: 6000,
    pool_prop_selfpay: 0, cvlserv_pay: 0, hifes_pay: 0, hifmi_pay: 0, hifob_pay: 0, maf_pay: 300, hosp_part_amt: 500, oth_pay: 0, fund_pay_sumamt: 6300,
    psn_part_amt: 3200, acct_pay: 1200, psn_cash_pay: 2000, balc: 0, acct_mulaid_pay: 0,
  } as any;
  const setldetail = [
    { fund_pay_type: '310100', fund_payamt: 6000 }, { fund_pay_type: '610100', fund_payamt: 300 }, { fund_pay_type: '999996', fund_payamt: 500 }, { fund_pay_type: '310200', fund_payamt: 1200 },
  ] as any;
  const local = settlementLegs({ setlinfo, setldetail, psn_no: 'P', fixmedins_code: 'H1', insuplc_admdvs: '430200', mdtrtarea_admvs: '430200' });
  assert.deepEqual(local.map((l) => [l.debit, l.credit, l.amount]), [
    ['medins_payable:H1', 'fund:430200:310100', 6000],
    ['medins_payable:H1', 'fund:430200:610100', 300],
    ['medins_payable:H1', 'psn_acct:P', 1200],
    ['medins_cash:H1', 'psn_cash:P', 2000],
    ['medins_charges:H1', 'medins_borne:H1', 500],
  ]);
  const away = settlementLegs({ setlinfo, setldetail, psn_no: 'P', fixmedins_code: 'H1', insuplc_admdvs: '360400', mdtrtarea_admvs: '430200' });
  assert.deepEqual(away.slice(0, 4).map((l) => [l.debit, l.credit, l.amount]), [
    ['owed_to:360400:430200', 'fund:360400:310100', 6000],
    ['owed_to:360400:430200', 'fund:360400:610100', 300],
    ['owed_to:360400:430200', 'psn_acct:P', 1200],
    ['medins_payable:H1', 'owed_by:430200:360400', 7500],
  ]);
  // A bill whose parts do not add up is refused before anything is written.
  assert.throws(() => settlementLegs({ setlinfo: { ...setlinfo, psn_cash_pay: 1999 }, setldetail, psn_no: 'P', fixmedins_code: 'H1', insuplc_admdvs: '430200', mdtrtarea_admvs: '430200' }), /medfee_sumamt/);
});
