import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { ACCOUNT_KINDS, accountOf, checkTransfer, personalAccount, TRANSFER_KINDS, type Leg } from '../src/engine/ledger.ts';
import { YibaoError } from '../src/engine/errors.ts';
import { makeIdCard } from '../src/engine/idcard.ts';
import { buildApp } from '../src/server/app.ts';
import { actAsAdmin } from './support/auth.ts';
import { contributionLegs } from '../src/app/ledger/legs.ts';
import { depositToPersonalAccount, reverseTransfer, shareWithFamily } from '../src/app/ledger/personal-account.ts';
import { contribute } from '../src/app/registry/contribute.ts';
import { inTransaction, createPool, type Pool } from '../src/store/db.ts';
import { accountBalance, bulkOpeningBalances, checkLedger, findTransfer, personalAccountBalance, postTransfer } from '../src/store/ledger.ts';
import { getPersonalAccount } from '../src/store/registry/contributions.ts';
import { migrationsDir } from '../src/store/migrate.ts';
import { freshDatabase, type TestDatabase } from './support/db.ts';
import { insertEnrollment, insertPerson, insertRegions, setAccountBalance } from './support/registry-rows.ts';
import { RESIDENT as WORLD_RESIDENT, RETIREE as WORLD_RETIREE, ok } from './support/gateway-world.ts';
import { assertBooksHold, lines, openSettlementWorld } from './support/settlement-world.ts';

// The ledger of all money (src/engine/ledger.ts, src/store/ledger.ts, src/app/ledger/): every
// kind of transfer posted outside a settlement, idempotency by key, the personal account held
// at zero or above, correction by reversal, the check over every kind, bulk opening balances,
// and migration 012 carrying a database of the old shape across.

let db: TestDatabase;
const NOW = new Date('2026-11-23T04:00:00Z');
const ctx = { actor: 'tester', now: NOW };
const EMPLOYEE = '43020000000101';
const SPOUSE = '43020000000102';
const RESIDENT = '43020000000103';
const RETIREE = '43020000000104';

async function transfersOf(kind: string): Promise<number> {
  return (await db.pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM ledger_transfers WHERE kind = $1`, [kind])).rows[0]!.n;
}

async function assertClean(): Promise<void> {
  const c = await checkLedger(db.pool);
  assert.equal(c.debits_fen, c.credits_fen, 'debits equal credits');
  assert.deepEqual([c.drifted, c.unbalanced, c.undeclared, c.overdrawn, c.settlements_without_one_transfer], [[], [], [], [], []]);
}

before(async () => {
  db = await freshDatabase();
  await insertRegions(db.pool, [['430000', '湖南省', 'province', null], ['430200', '株洲市', 'city', '430000'], ['430204', '石峰区', 'county', '430200']]);
  const people: Array<[string, string, string, string]> = [[EMPLOYEE, '职工甲', '1101', '310'], [SPOUSE, '配偶乙', '1501', '390'], [RESIDENT, '居民丙', '1501', '390'], [RETIREE, '退休丁', '1201', '310']];
  for (const [i, [psn, name, psnType, insutype]] of people.entries()) {
    await insertPerson(db.pool, { psn_no: psn, certno: makeIdCard('430204', '1980-01-01', 101 + i), psn_name: name, gend: '1', brdy: '1980-01-01', insuplc_admdvs: '430204' });
    await insertEnrollment(db.pool, { psn_no: psn, insutype, psn_type: psnType, insuplc_admdvs: '430204', psn_insu_date: '2015-01-01' });
    if (insutype === '310') await setAccountBalance(db.pool, psn, '430204', 0);
  }
});
after(async () => db?.drop());

test('account codes name their kind, region, fund type and owner; only a personal account may not go negative', () => {
  assert.deepEqual(accountOf('fund:430200:310100'), { code: 'fund:430200:310100', kind: 'fund_pool', admdvs: '430200', other_admdvs: null, fund_type: '310100', psn_no: null, fixmedins_code: null, may_go_negative: true });
  assert.equal(accountOf('fund:430200:610100')?.kind, 'assistance_fund');
  assert.deepEqual([accountOf('psn_acct:P1')?.kind, accountOf('psn_acct:P1')?.psn_no, accountOf('psn_acct:P1')?.may_go_negative], ['personal_account', 'P1', false]);
  assert.equal(accountOf('medins_payable:H43020400001')?.fixmedins_code, 'H43020400001');
  assert.deepEqual([accountOf('owed_to:360400:430200')?.admdvs, accountOf('owed_to:360400:430200')?.other_admdvs], ['360400', '430200']);
  for (const [code, kind] of [['owed_by:430200:360400', 'owed_by'], ['advance:360400:430200', 'advance_fund'], ['contributor:430200:employer', 'contributor'], ['bank:430200', 'bank'], ['opening:430204', 'opening'], ['psn_cash:P1', 'person_cash'], ['medins_cash:H1', 'medins_cash'], ['medins_borne:H1', 'medins_borne'], ['medins_charges:H1', 'medins_charges']] as const) {
    assert.equal(accountOf(code)?.kind, kind, code);
    assert.equal(accountOf(code)?.may_go_negative, true, code);
  }
  for (const bad of ['fund:430200', 'psn_acct', 'nobody:1', 'psn_acct:P 1', '']) assert.equal(accountOf(bad), undefined, bad);
});

test('a transfer is checked once: legs of positive whole fen between two declared accounts, debits = credits', () => {
  const ok = checkTransfer({ kind: 'deposit', key: 'k', cause: { kind: 'person', id: 'P1' }, legs: [{ debit: 'psn_acct:P1', credit: 'fund:430200:310100', amount: 100 }, { debit: 'psn_acct:P1', credit: 'fund:430200:310100', amount: 50 }], reverses: null, memo: null });
  assert.equal(ok.amount, 150);
  assert.deepEqual(ok.changes, [{ account: 'fund:430200:310100', debits: 0, credits: 150, may_go_negative: true }, { account: 'psn_acct:P1', debits: 150, credits: 0, may_go_negative: false }]);
  assert.equal(ok.changes.reduce((a, c) => a + c.debits, 0), ok.changes.reduce((a, c) => a + c.credits, 0));
  const bad = (legs: Leg[]) => () => checkTransfer({ kind: 'deposit', key: 'k', cause: { kind: 'person', id: 'P1' }, legs, reverses: null, memo: null });
  assert.throws(bad([]), /has legs/);
  assert.throws(bad([{ debit: 'psn_acct:P1', credit: 'bank:430200', amount: 0 }]), /positive whole fen/);
  assert.throws(bad([{ debit: 'psn_acct:P1', credit: 'bank:430200', amount: 1.5 }]), /positive whole fen/);
  assert.throws(bad([{ debit: 'bank:430200', credit: 'bank:430200', amount: 1 }]), /two accounts/);
  assert.throws(bad([{ debit: 'psn_acct:P1', credit: 'somewhere:else', amount: 1 }]), /declared kind/);
});

test('contributions post from their contributor into the region’s fund; an in-service employee’s own share goes to the personal account', async () => {
  const own = await inTransaction(db.pool, (q) => contribute(q, { psn_no: EMPLOYEE, year: 2026, amount_fen: 144_000, payer: 'person', paid_on: '2025-12-15' }, ctx));
  const employer = await inTransaction(db.pool, (q) => contribute(q, { psn_no: EMPLOYEE, year: 2026, amount_fen: 576_000, payer: 'employer', paid_on: '2025-12-15' }, ctx));
  const resident = await inTransaction(db.pool, (q) => contribute(q, { psn_no: RESIDENT, year: 2026, amount_fen: 40_000, payer: 'assistance', paid_on: '2025-12-15' }, ctx));
  const retiree = await inTransaction(db.pool, (q) => contribute(q, { psn_no: RETIREE, year: 2026, amount_fen: 10_000, payer: 'person', paid_on: '2025-12-15' }, ctx));
  const legsOf = async (id: number) => (await findTransfer(db.pool, `contribution:${id}`))!;
  const t1 = await legsOf(own.id);
  assert.deepEqual([t1.kind, t1.cause_kind, t1.cause_id, t1.amount_fen], ['contribution', 'contribution', String(own.id), 144_000]);
  assert.deepEqual(t1.legs, [{ debit: personalAccount(EMPLOYEE), credit: 'contributor:430200:person', amount: 144_000 }]);
  assert.deepEqual((await legsOf(employer.id)).legs, [{ debit: 'fund:430200:310100', credit: 'contributor:430200:employer', amount: 576_000 }]);
  assert.deepEqual((await legsOf(resident.id)).legs, [{ debit: 'fund:430200:390100', credit: 'contributor:430200:assistance', amount: 40_000 }]);
  // A retiree's own payment is not an in-service share: it goes to the pooled fund.
  assert.deepEqual((await legsOf(retiree.id)).legs, [{ debit: 'fund:430200:310100', credit: 'contributor:430200:person', amount: 10_000 }]);
  assert.equal(await personalAccountBalance(db.pool, EMPLOYEE), 144_000);
  assert.equal((await getPersonalAccount(db.pool, EMPLOYEE))!.balc_fen, 144_000);
  assert.equal(await accountBalance(db.pool, 'fund:430200:310100'), 586_000);
  assert.equal(await accountBalance(db.pool, 'contributor:430200:person'), -154_000);
  // The share is policy data: half of it, or none.
  const facts = { psn_no: 'P', pooling_admdvs: '430200', insutype: '310', payer: 'person', amount_fen: 1001, psn_type: '1101', has_account: true };
  assert.deepEqual(contributionLegs(facts, { own_share_to_account_bp: 5000 }).map((l) => l.amount), [500, 501]);
  assert.deepEqual(contributionLegs(facts, { own_share_to_account_bp: 0 }), [{ debit: 'fund:430200:310100', credit: 'contributor:430200:person', amount: 1001 }]);
  assert.deepEqual(contributionLegs({ ...facts, has_account: false }).map((l) => l.debit), ['fund:430200:310100']);
  await assertClean();
});

test('a deposit (个人账户划入) comes from the pooled fund, once per key', async () => {
  const before = await personalAccountBalance(db.pool, RETIREE);
  const first = await inTransaction(db.pool, (q) => depositToPersonalAccount(q, { psn_no: RETIREE, amount_fen: 52_340, reason: '个人账户划入（退休人员定额）', key: 'retiree-2026-11' }, ctx));
  const again = await inTransaction(db.pool, (q) => depositToPersonalAccount(q, { psn_no: RETIREE, amount_fen: 52_340, reason: '个人账户划入（退休人员定额）', key: 'retiree-2026-11' }, ctx));
  assert.deepEqual([first.posted, again.posted, again.id], [true, false, first.id]);
  assert.equal(first.balc_fen, before + 52_340);
  assert.equal(await personalAccountBalance(db.pool, RETIREE), before + 52_340, 'posted once');
  assert.deepEqual((await findTransfer(db.pool, 'deposit:retiree-2026-11'))!.legs, [{ debit: personalAccount(RETIREE), credit: 'fund:430200:310100', amount: 52_340 }]);
  const audits = await db.pool.query(`SELECT 1 FROM audit_log WHERE action = 'personal_account.credit' AND subject = $1`, [RETIREE]);
  assert.equal(audits.rowCount, 1, 'audited once');
  await assert.rejects(inTransaction(db.pool, (q) => depositToPersonalAccount(q, { psn_no: RESIDENT, amount_fen: 100, reason: 'x', key: 'r1' }, ctx)), (e: YibaoError) => e.kind === 'not_found' && e.details[0]!.field === 'psn_no');
  await assert.rejects(inTransaction(db.pool, (q) => depositToPersonalAccount(q, { psn_no: RETIREE, amount_fen: 0.5, reason: 'x', key: 'r2' }, ctx)), (e: YibaoError) => e.details[0]!.field === 'amount_fen');
  await assertClean();
});

test('family sharing (家庭共济): the holder’s account pays a family member’s share, never below zero, once per key', async () => {
  const holder = await personalAccountBalance(db.pool, EMPLOYEE);
  const share = { holder_psn_no: EMPLOYEE, member_psn_no: SPOUSE, relation: 'spouse', amount_fen: 30_000, key: 'visit-1' };
  const first = await inTransaction(db.pool, (q) => shareWithFamily(q, share, ctx));
  const again = await inTransaction(db.pool, (q) => shareWithFamily(q, share, ctx));
  assert.deepEqual([first.posted, again.posted, again.id, first.balc_fen], [true, false, first.id, holder - 30_000]);
  assert.equal(await personalAccountBalance(db.pool, EMPLOYEE), holder - 30_000);
  assert.equal(await accountBalance(db.pool, `psn_cash:${SPOUSE}`), 30_000);
  const t = (await findTransfer(db.pool, 'family_share:visit-1'))!;
  assert.deepEqual([t.kind, t.cause_kind, t.cause_id, t.memo], ['family_share', 'family_member', SPOUSE, 'spouse']);
  // More than the account holds is refused, and nothing is written.
  const transfers = (await checkLedger(db.pool)).transfers;
  await assert.rejects(
    inTransaction(db.pool, (q) => shareWithFamily(q, { ...share, amount_fen: holder, key: 'visit-2' }, ctx)),
    (e: YibaoError) => e.kind === 'conflict' && e.details[0]!.field === 'amount_fen' && /[\u4e00-\u9fff]/.test(e.details[0]!.zh),
  );
  assert.equal((await checkLedger(db.pool)).transfers, transfers);
  assert.equal(await personalAccountBalance(db.pool, EMPLOYEE), holder - 30_000);
  // Exactly the balance may go.
  await inTransaction(db.pool, (q) => shareWithFamily(q, { ...share, amount_fen: holder - 30_000, key: 'visit-3' }, ctx));
  assert.equal(await personalAccountBalance(db.pool, EMPLOYEE), 0);
  for (const [input, field] of [[{ ...share, relation: 'cousin' }, 'relation'], [{ ...share, member_psn_no: EMPLOYEE }, 'member_psn_no'], [{ ...share, member_psn_no: '43029999999999' }, 'member_psn_no'], [{ ...share, holder_psn_no: RESIDENT, member_psn_no: SPOUSE }, 'holder_psn_no'], [{ ...share, amount_fen: -1 }, 'amount_fen']] as const) {
    await assert.rejects(inTransaction(db.pool, (q) => shareWithFamily(q, { ...input, key: `bad-${field}` }, ctx)), (e: YibaoError) => e.details[0]!.field === field, field);
  }
  await assertClean();
});

test('the database holds a personal account at zero or above whoever posts, and a retried key posts nothing', async () => {
  const overdraw = checkTransfer({ kind: 'deposit', key: 'raw-overdraw', cause: { kind: 'test', id: '1' }, legs: [{ debit: 'bank:430200', credit: personalAccount(EMPLOYEE), amount: 1 }], reverses: null, memo: null });
  await assert.rejects(inTransaction(db.pool, (q) => postTransfer(q, overdraw, NOW)), (e: YibaoError) => e.kind === 'conflict');
  assert.equal(await findTransfer(db.pool, 'raw-overdraw'), undefined);
  // A balance row written straight, past the use cases, is refused too.
  await assert.rejects(db.pool.query(`UPDATE ledger_balances SET credits_fen = debits_fen + 1 WHERE account = $1`, [personalAccount(EMPLOYEE)]), /may not go below zero/);
  const fill = checkTransfer({ kind: 'deposit', key: 'raw-fill', cause: { kind: 'test', id: '2' }, legs: [{ debit: personalAccount(EMPLOYEE), credit: 'bank:430200', amount: 700 }], reverses: null, memo: null });
  const a = await inTransaction(db.pool, (q) => postTransfer(q, fill, NOW));
  const b = await inTransaction(db.pool, (q) => postTransfer(q, fill, NOW));
  assert.deepEqual([a.posted, b.posted, b.id === a.id], [true, false, true]);
  assert.equal(await personalAccountBalance(db.pool, EMPLOYEE), 700);
  const rows = await db.pool.query<{ shard: number }>(`SELECT shard FROM ledger_balances WHERE account = $1`, [personalAccount(EMPLOYEE)]);
  assert.deepEqual(rows.rows, [{ shard: 0 }], 'a personal account keeps one balance row');
  await assert.rejects(db.pool.query(`UPDATE ledger_transfers SET memo = 'x' WHERE id = $1`, [a.id]), /append-only/);
  await assertClean();
});

test('a correction is a reversal: the legs swapped, linked, once; one that would overdraw is refused', async () => {
  const dep = await inTransaction(db.pool, (q) => depositToPersonalAccount(q, { psn_no: EMPLOYEE, amount_fen: 1_000, reason: '误划入', key: 'mistake' }, ctx));
  const r1 = await inTransaction(db.pool, (q) => reverseTransfer(q, { transfer_id: dep.id, reason: '冲正误划入' }, ctx));
  const r2 = await inTransaction(db.pool, (q) => reverseTransfer(q, { transfer_id: dep.id, reason: '冲正误划入' }, ctx));
  assert.deepEqual([r1.posted, r2.posted, r2.id], [true, false, r1.id]);
  const rev = (await findTransfer(db.pool, `reversal:${dep.id}`))!;
  assert.deepEqual([rev.kind, rev.reverses, rev.amount_fen], ['reversal', dep.id, 1_000]);
  assert.deepEqual(rev.legs, [{ debit: 'fund:430200:310100', credit: personalAccount(EMPLOYEE), amount: 1_000 }]);
  assert.equal(await personalAccountBalance(db.pool, EMPLOYEE), 700);
  // The 700 left cannot give back a 30,000 share's reversal… the other way round it can: the spouse's cash returns to the account.
  const share = (await findTransfer(db.pool, 'family_share:visit-1'))!;
  await inTransaction(db.pool, (q) => reverseTransfer(q, { transfer_id: share.id, reason: '共济撤销' }, ctx));
  assert.equal(await personalAccountBalance(db.pool, EMPLOYEE), 30_700);
  const own = await db.pool.query<{ id: number }>(`SELECT id FROM ledger_transfers WHERE kind = 'contribution' AND amount_fen = 144000`);
  await assert.rejects(inTransaction(db.pool, (q) => reverseTransfer(q, { transfer_id: own.rows[0]!.id, reason: '退费' }, ctx)), (e: YibaoError) => e.kind === 'conflict', 'the 144,000 contribution is no longer in the account');
  await assert.rejects(inTransaction(db.pool, (q) => reverseTransfer(q, { transfer_id: 999_999, reason: 'x' }, ctx)), (e: YibaoError) => e.kind === 'not_found');
  await assertClean();
});

test('POST /api/v1/persons/{certno}/family-shares: the use case over REST, idempotent by key', async () => {
  const app = await buildApp({ pool: db.pool, now: () => NOW });
  try {
    await actAsAdmin(app, db.pool);
    const holder = makeIdCard('430204', '1980-01-01', 101);
    const url = `/api/v1/persons/${holder}/family-shares`;
    const body = { member_certno: makeIdCard('430204', '1980-01-01', 102), relation: 'spouse', amount_fen: 700, key: 'rest-1' };
    const before = await personalAccountBalance(db.pool, EMPLOYEE);
    const first = await app.inject({ method: 'POST', url, payload: body });
    assert.equal(first.statusCode, 201, first.body);
    assert.deepEqual({ ...(first.json() as object), transfer_id: 0 }, { psn_no: EMPLOYEE, insuplc_admdvs: '430204', balc_fen: before - 700, transfer_id: 0, posted: true });
    const again = await app.inject({ method: 'POST', url, payload: body });
    assert.equal(again.statusCode, 200);
    assert.deepEqual([again.json().posted, again.json().transfer_id, again.json().balc_fen], [false, first.json().transfer_id, before - 700]);
    const overdraw = await app.inject({ method: 'POST', url, payload: { ...body, amount_fen: before, key: 'rest-2' } });
    assert.equal(overdraw.statusCode, 409);
    assert.equal(overdraw.json().details[0].field, 'amount_fen');
    const cousin = await app.inject({ method: 'POST', url, payload: { ...body, relation: 'cousin', key: 'rest-3' } });
    assert.equal(cousin.statusCode, 400);
    assert.equal(await personalAccountBalance(db.pool, EMPLOYEE), before - 700);
  } finally {
    await app.close();
  }
  await assertClean();
});

test('the check covers every kind, and finds what is wrong', async () => {
  const c = await checkLedger(db.pool);
  for (const kind of ['contribution', 'deposit', 'family_share', 'reversal']) assert.ok((c.by_kind[kind] ?? 0) > 0, kind);
  assert.equal(c.transfers, Object.values(c.by_kind).reduce((a, n) => a + n, 0));
  await assertClean();
  // A balance row out of step with its legs, an undeclared account, a transfer whose amount is not its legs'.
  await db.pool.query(`INSERT INTO ledger_balances (account, shard, debits_fen, credits_fen) VALUES ('bank:999999', 3, 5, 0)`);
  await db.pool.query(`INSERT INTO ledger_transfers (kind, key, cause_kind, cause_id, amount_fen, at) VALUES ('deposit', 'broken', 'test', '1', 9, now())`);
  const broken = await checkLedger(db.pool);
  assert.deepEqual(broken.drifted, ['bank:999999']);
  assert.deepEqual(broken.undeclared, ['bank:999999']);
  assert.equal(broken.unbalanced.length, 1);
  assert.notEqual(broken.debits_fen, broken.credits_fen);
});

test('bulk opening balances: one transfer per batch, each account’s balance on its one row', async () => {
  const other = await freshDatabase();
  try {
    await insertRegions(other.pool, [['430000', '湖南省', 'province', null], ['430200', '株洲市', 'city', '430000'], ['430204', '石峰区', 'county', '430200'], ['430211', '天元区', 'county', '430200']]);
    const psn = ['B1', 'B2', 'B3', 'B4'];
    for (const [i, p] of psn.entries()) {
      await insertPerson(other.pool, { psn_no: p, certno: `43020419800101${2000 + i}`, psn_name: p, gend: '1', brdy: '1980-01-01', insuplc_admdvs: '430204' });
      await other.pool.query(`INSERT INTO personal_accounts (psn_no, insuplc_admdvs) VALUES ($1, $2)`, [p, i < 2 ? '430204' : '430211']);
    }
    await bulkOpeningBalances(other.pool, 'opening:bulk:B1', { psn_no: psn, admdvs: ['430204', '430204', '430211', '430211'], balc_fen: [100, 0, 300, 400] }, NOW);
    assert.deepEqual(await Promise.all(psn.map(async (p) => (await getPersonalAccount(other.pool, p))!.balc_fen)), [100, 0, 300, 400]);
    const t = (await findTransfer(other.pool, 'opening:bulk:B1'))!;
    assert.deepEqual([t.kind, t.amount_fen, t.legs.length], ['opening', 800, 3]);
    assert.equal(await accountBalance(other.pool, 'opening:430211'), -700);
    const c = await checkLedger(other.pool);
    assert.deepEqual([c.drifted, c.undeclared, c.unbalanced, c.overdrawn], [[], [], [], []]);
  } finally {
    await other.drop();
  }
});

test('one database, every kind: settlements and cancellations next to opening balances, contributions, deposits and family sharing', async () => {
  const w = await openSettlementWorld();
  try {
    const reg = ok(await w.call('2201', { data: { psn_no: WORLD_RESIDENT.psn_no, insutype: '390', begntime: '2026-03-15 10:00:00', mdtrt_cert_type: '02', mdtrt_cert_no: WORLD_RESIDENT.certno, ipt_otp_no: 'MZ001', dept_code: '01', dept_name: '内科', caty: 'A03' } }));
    const mdtrtId = reg.data.mdtrt_id as string;
    ok(await w.call('2203', { mdtrtinfo: { mdtrt_id: mdtrtId, psn_no: WORLD_RESIDENT.psn_no, med_type: '11', begntime: '2026-03-15 10:00:00' }, diseinfo: [{ diag_type: '1', diag_srt_no: 1, diag_code: 'J06.900', diag_name: '急性上呼吸道感染', maindiag_flag: '1' }] }));
    ok(await w.call('2204', { feedetail: lines(mdtrtId, WORLD_RESIDENT.psn_no) }));
    const setl = ok(await w.call('2207', { data: { psn_no: WORLD_RESIDENT.psn_no, mdtrt_id: mdtrtId, medfee_sumamt: 52.6, acct_used_flag: '0', insutype: '390' } }));
    const retiree = WORLD_RETIREE.psn_no;
    const balc = await personalAccountBalance(w.db.pool, retiree);
    await inTransaction(w.db.pool, (q) => depositToPersonalAccount(q, { psn_no: retiree, amount_fen: 10_000, reason: '个人账户划入', key: 'world-1' }, ctx));
    await inTransaction(w.db.pool, (q) => shareWithFamily(q, { holder_psn_no: retiree, member_psn_no: WORLD_RESIDENT.psn_no, relation: 'parent', amount_fen: 2_500, key: 'world-2' }, ctx));
    await inTransaction(w.db.pool, (q) => contribute(q, { psn_no: WORLD_RESIDENT.psn_no, year: 2026, amount_fen: 40_000, payer: 'person', paid_on: '2025-12-15' }, ctx));
    assert.equal((await getPersonalAccount(w.db.pool, retiree))!.balc_fen, balc + 7_500);
    ok(await w.call('2208', { data: { setl_id: setl.setlinfo.setl_id, mdtrt_id: mdtrtId, psn_no: WORLD_RESIDENT.psn_no } }));
    await assertBooksHold(w.db.pool);
    const c = await checkLedger(w.db.pool);
    assert.deepEqual(Object.keys(c.by_kind), ['cancel', 'contribution', 'deposit', 'family_share', 'opening', 'settle']);
  } finally {
    await w.close();
  }
});

// ---- migration 012 on a database of the old shape -------------------------------------------

async function emptyDatabase(): Promise<{ pool: Pool; drop: () => Promise<void> }> {
  const adminUrl = process.env.YIBAO_TEST_ADMIN_URL!;
  const name = 't_old_' + Math.random().toString(16).slice(2, 10);
  const admin = createPool(adminUrl, 1);
  await admin.query(`CREATE DATABASE ${name}`);
  const url = new URL(adminUrl);
  url.pathname = '/' + name;
  const pool = createPool(url.toString(), 2);
  return { pool, drop: async () => { await pool.end(); await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`); await admin.end(); } };
}

const SETTLEMENT_ROW = `INSERT INTO settlements (setl_id, kind, orig_setl_id, status, mdtrt_id, psn_no, fixmedins_code, insuplc_admdvs, mdtrtarea_admvs, insutype, psn_type, med_type, clr_type,
  setl_time, setl_year, cross_region_status, policy_id, policy_version, medfee_sumamt, fund_pay_sumamt, acct_pay, psn_cash_pay, hosp_part_amt, setlinfo, setldetail, increments, explanation, msgid)
  VALUES ($1, $2, $3, $4, 'V', $5, 'H43020400001', '430200', '430200', '310', '1101', '11', '11', now(), 2026, 'local', 'p', 1, $6, 0, $6, 0, 0, '{}', '[]', '{}', '{}', 'm')`;

test('migration 012 carries a database of the old shape across: transfers keep their ids and links, each balc_fen becomes the ledger balance', async () => {
  const old = await emptyDatabase();
  try {
    const files = fs.readdirSync(migrationsDir()).filter((f) => /^\d{3}_.*\.sql$/.test(f)).sort();
    for (const f of files.filter((x) => x < '012')) await old.pool.query(fs.readFileSync(path.join(migrationsDir(), f), 'utf8'));
    const c = await old.pool.connect();
    try {
      // Rows as 004-011 wrote them (their foreign keys are not the point here).
      await c.query('SET session_replication_role = replica');
      await c.query(`INSERT INTO personal_accounts (psn_no, insuplc_admdvs, balc_fen) VALUES ('A', '430204', 5000), ('B', '430204', 0), ('C', '430211', 7000)`);
      await c.query(SETTLEMENT_ROW, ['401', 'settle', null, 'settled', 'A', 3000]);
      await c.query(SETTLEMENT_ROW, ['402', 'settle', null, 'cancelled', 'C', 2000]);
      await c.query(SETTLEMENT_ROW, ['403', 'cancel', '402', 'settled', 'C', -2000]);
      const post = async (kind: string, setl: string, legs: Leg[], shard: number, reverses: number | null): Promise<number> => {
        const id = (await c.query<{ id: number }>(`INSERT INTO ledger_transfers (kind, setl_id, reverses, amount_fen, at) VALUES ($1, $2, $3, $4, now()) RETURNING id`, [kind, setl, reverses, legs.reduce((a, l) => a + l.amount, 0)])).rows[0]!.id;
        for (const [n, l] of legs.entries()) {
          await c.query(`INSERT INTO ledger_legs VALUES ($1, $2, $3, $4, $5)`, [id, n, l.debit, l.credit, l.amount]);
          for (const [acct, d, cr] of [[l.debit, l.amount, 0], [l.credit, 0, l.amount]] as const) {
            await c.query(`INSERT INTO ledger_balances VALUES ($1, $2, $3, $4) ON CONFLICT (account, shard) DO UPDATE SET debits_fen = ledger_balances.debits_fen + $3, credits_fen = ledger_balances.credits_fen + $4`, [acct, shard, d, cr]);
          }
        }
        return id;
      };
      const t1 = await post('settle', '401', [{ debit: 'medins_payable:H43020400001', credit: 'psn_acct:A', amount: 3000 }], 1, null);
      const t2 = await post('settle', '402', [{ debit: 'medins_payable:H43020400001', credit: 'psn_acct:C', amount: 2000 }], 2, null);
      const t3 = await post('cancel', '403', [{ debit: 'psn_acct:C', credit: 'medins_payable:H43020400001', amount: 2000 }], 3, t2);
      await c.query('SET session_replication_role = origin');
      await c.query(fs.readFileSync(path.join(migrationsDir(), files.find((f) => f.startsWith('012'))!), 'utf8'));

      for (const [p, balc] of [['A', 5000], ['B', 0], ['C', 7000]] as const) assert.equal(await personalAccountBalance(c, p), balc, p);
      const kept = await c.query<{ id: number; key: string; cause_kind: string; cause_id: string; setl_id: string; reverses: number | null }>(`SELECT id, key, cause_kind, cause_id, setl_id, reverses FROM ledger_transfers WHERE setl_id IS NOT NULL ORDER BY id`);
      assert.deepEqual(kept.rows, [
        { id: t1, key: 'setl:401', cause_kind: 'settlement', cause_id: '401', setl_id: '401', reverses: null },
        { id: t2, key: 'setl:402', cause_kind: 'settlement', cause_id: '402', setl_id: '402', reverses: null },
        { id: t3, key: 'setl:403', cause_kind: 'settlement', cause_id: '403', setl_id: '403', reverses: t2 },
      ]);
      const opening = (await findTransfer(c, 'opening:012:0'))!;
      assert.deepEqual([opening.kind, opening.amount_fen], ['opening', 15_000]);
      assert.deepEqual(opening.legs, [{ debit: 'psn_acct:A', credit: 'opening:430204', amount: 8000 }, { debit: 'psn_acct:C', credit: 'opening:430211', amount: 7000 }]);
      const shards = await c.query<{ account: string; shard: number }>(`SELECT account, shard FROM ledger_balances WHERE account LIKE 'psn\\_acct:%' ORDER BY account`);
      assert.deepEqual(shards.rows, [{ account: 'psn_acct:A', shard: 0 }, { account: 'psn_acct:C', shard: 0 }]);
      const declared = await c.query<{ code: string; kind: string }>(`SELECT code, kind FROM ledger_accounts ORDER BY code`);
      assert.deepEqual(declared.rows, [
        { code: 'medins_payable:H43020400001', kind: 'medins_payable' }, { code: 'opening:430204', kind: 'opening' }, { code: 'opening:430211', kind: 'opening' },
        { code: 'psn_acct:A', kind: 'personal_account' }, { code: 'psn_acct:B', kind: 'personal_account' }, { code: 'psn_acct:C', kind: 'personal_account' },
      ]);
      const col = await c.query(`SELECT 1 FROM information_schema.columns WHERE table_name = 'personal_accounts' AND column_name = 'balc_fen'`);
      assert.equal(col.rowCount, 0, 'balc_fen is gone: the ledger is the one source');
      const check = await checkLedger(c);
      assert.deepEqual([check.drifted, check.unbalanced, check.undeclared, check.overdrawn, check.settlements_without_one_transfer], [[], [], [], [], []]);
      assert.deepEqual(check.by_kind, { cancel: 1, opening: 1, settle: 2 });
    } finally {
      c.release();
    }
  } finally {
    await old.drop();
  }
});

test('every kind of transfer is declared in the database as in the engine', async () => {
  const defs = await db.pool.query<{ def: string }>(`SELECT pg_get_constraintdef(oid) AS def FROM pg_constraint WHERE conname IN ('ledger_transfers_kind_check', 'ledger_accounts_kind_check') ORDER BY conname`);
  const [accounts, transfers] = defs.rows.map((r) => [...r.def.matchAll(/'([a-z_]+)'/g)].map((m) => m[1]).sort());
  assert.deepEqual(accounts, Object.keys(ACCOUNT_KINDS).sort());
  assert.deepEqual(transfers, Object.keys(TRANSFER_KINDS).sort());
  assert.ok((await transfersOf('contribution')) > 0);
});
