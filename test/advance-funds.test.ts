import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { RETIREE, ok } from './support/gateway-world.ts';
import { assertBooksHold, lines, openSettlementWorld, type SettlementWorld } from './support/settlement-world.ts';
import { NOW } from './support/gateway-world.ts';
import { adjust, checkAdvanceFunds, setAdvanceFunds, topUp } from '../src/app/clearing/advance-funds.ts';
import { advanceFundSize, checkAdvanceFundPolicy, DEFAULT_ADVANCE_FUND_POLICY, levelsReached, useRateBp, warningLevel } from '../src/engine/advance-fund.ts';
import { YibaoError } from '../src/engine/errors.ts';
import { accountBalance, checkLedger } from '../src/store/ledger.ts';
import { listWarnings } from '../src/store/clearing/advance-funds.ts';
import { runAdvanceFunds } from '../src/cli/advance-funds.ts';
import { DEFAULT_CLEARING_RULES, loadClearingRules } from '../src/engine/clearing-rules.ts';
import { documentRegistry } from '../src/store/documents/registry.ts';
import { staffCookie } from './support/auth.ts';
import fs from 'node:fs';
import { runClearing } from '../src/app/clearing/run.ts';
import { confirmStatement } from '../src/app/clearing/confirm.ts';

// Advance funds (预付金) between provinces, on cross-province settlements made through the real
// gateway: the Jiujiang (江西 360000) retiree treated in Zhuzhou (湖南 430000) on 2026-03-15.

let w: SettlementWorld;
const PAIR = { insured_admdvs: '360000', treatment_admdvs: '430000' };
let consumed = 0;

before(async () => {
  w = await openSettlementWorld();
  for (const n of [40, 60]) {
    const visit = ok(await w.call('2201', { data: { mdtrt_cert_type: '03', mdtrt_cert_no: RETIREE.card, card_sn: RETIREE.card_sn, insutype: '310' } }));
    ok(await w.call('2204', { feedetail: lines(visit.data.mdtrt_id, RETIREE.psn_no, `V${n}`, n) }));
    ok(await w.call('2207', { data: { psn_no: RETIREE.psn_no, mdtrt_id: visit.data.mdtrt_id } }));
  }
  const r = await w.db.pool.query<{ s: string }>(`SELECT sum(amount_fen)::text AS s FROM cross_region_owed WHERE insuplc_admdvs LIKE '36%' AND mdtrtarea_admvs LIKE '43%'`);
  consumed = Number(r.rows[0]!.s);
  assert.ok(consumed > 0, 'the settlements left cross-region payments');
});
after(async () => w.close());

const field = (e: unknown): string | undefined => (e instanceof YibaoError ? e.details[0]?.field : undefined);

test('the rules: size, use rate in basis points, levels, the policy checked', () => {
  assert.equal(advanceFundSize(1_200_000), 200_000, 'twice the monthly average of 12,000.00 yuan a year');
  assert.equal(advanceFundSize(7), 1, '7 × 2 / 12 = 1.17 fen, rounded half up');
  assert.equal(advanceFundSize(9), 2, '9 × 2 / 12 = 1.5 fen, rounded half up');
  assert.equal(advanceFundSize(-500), 0);
  assert.equal(useRateBp(6_999, 10_000), 6_999);
  assert.equal(warningLevel(6_999), 'none');
  assert.equal(warningLevel(7_000), 'yellow');
  assert.equal(warningLevel(9_000), 'red');
  assert.deepEqual(levelsReached(9_500), ['yellow', 'red']);
  assert.equal(useRateBp(1, 0), Number.MAX_SAFE_INTEGER, 'an empty fund drawn on is past every threshold');
  assert.throws(() => checkAdvanceFundPolicy({ ...DEFAULT_ADVANCE_FUND_POLICY, yellow_bp: 9_500 }), (e) => field(e) === 'yellow_bp');
  assert.throws(() => checkAdvanceFundPolicy({ ...DEFAULT_ADVANCE_FUND_POLICY, top_up_working_days: 0.5 }), (e) => field(e) === 'top_up_working_days');
});

test("the next year's fund is sized from this year's settlements and paid once from the insured bank", async () => {
  const first = await setAdvanceFunds(w.db.pool, { year: 2027, now: NOW });
  const size = advanceFundSize(consumed);
  assert.deepEqual(first, [{ ...PAIR, year: 2027, basis_fen: consumed, size_fen: size, paid: true }]);
  assert.equal(await accountBalance(w.db.pool, 'advance:360000:430000'), size);
  assert.equal(await accountBalance(w.db.pool, 'bank:360000'), -size);
  const again = await setAdvanceFunds(w.db.pool, { year: 2027, now: NOW });
  assert.deepEqual(again, [{ ...PAIR, year: 2027, basis_fen: consumed, size_fen: size, paid: false }], 'a rerun posts nothing');
  assert.equal((await checkLedger(w.db.pool)).by_kind['advance_payment'], 1);
  assert.deepEqual(await setAdvanceFunds(w.db.pool, { year: 2026, now: NOW }), [], '2025 had no cross-region settlements');
  await assertBooksHold(w.db.pool);
});

test('the use rate crosses 70% then 90%, each warning raised once; a top-up lowers the rate', async () => {
  // This year's fund set by hand (adjusted) so that the settlements already made use half of it.
  assert.deepEqual(await adjust(w.db.pool, { ...PAIR, year: 2026, size_fen: consumed * 2, now: NOW }), { size_fen: consumed * 2, posted: true });
  assert.deepEqual(await adjust(w.db.pool, { ...PAIR, year: 2026, size_fen: consumed * 2, now: NOW }), { size_fen: consumed * 2, posted: false }, 'the same size again posts nothing');
  let [c] = await checkAdvanceFunds(w.db.pool, NOW);
  assert.deepEqual([c!.rate_bp, c!.level, c!.raised], [5_000, 'none', []]);

  // An adjustment down (paid back to the bank) takes the rate to 75%.
  const yellowSize = Math.ceil((consumed * 4) / 3);
  assert.equal((await adjust(w.db.pool, { ...PAIR, year: 2026, size_fen: yellowSize, now: NOW })).posted, true);
  [c] = await checkAdvanceFunds(w.db.pool, NOW);
  assert.equal(c!.level, 'yellow');
  assert.deepEqual(c!.raised, ['yellow']);
  [c] = await checkAdvanceFunds(w.db.pool, NOW);
  assert.deepEqual(c!.raised, [], 'yellow is raised once');

  const redSize = Math.ceil((consumed * 100) / 95);
  await adjust(w.db.pool, { ...PAIR, year: 2026, size_fen: redSize, now: NOW });
  [c] = await checkAdvanceFunds(w.db.pool, NOW);
  assert.equal(c!.level, 'red');
  assert.deepEqual(c!.raised, ['red']);
  assert.equal(c!.top_up_by, '2026-03-20', 'Sunday 15 March + 5 working days');
  [c] = await checkAdvanceFunds(w.db.pool, NOW);
  assert.deepEqual(c!.raised, [], 'red is raised once');
  const warnings = await listWarnings(w.db.pool, 2026);
  assert.deepEqual(warnings.map((x) => [x.level, x.notify_admdvs, x.top_up_by]), [['yellow', ['360000', '430000'], null], ['red', ['360000', '430000'], '2026-03-20']]);
  // Both bureaus are told, each once: the red message is urgent and names the deadline.
  const msgs = await w.db.pool.query<{ admdvs: string; subject: string; urgent: boolean; body_zh: string }>(`SELECT admdvs, subject, urgent, body_zh FROM staff_messages ORDER BY id`);
  assert.deepEqual(msgs.rows.map((m) => [m.admdvs, m.subject.split(':').at(-1), m.urgent]), [
    ['360000', 'yellow', false], ['430000', 'yellow', false], ['360000', 'red', true], ['430000', 'red', true],
  ]);
  assert.match(msgs.rows[2]!.body_zh, /2026-03-20 前补足/);

  // The urgent top-up, made once however often it is sent.
  const t1 = await topUp(w.db.pool, { ...PAIR, year: 2026, amount_fen: consumed, ref: 'TU-2026-001', now: NOW });
  const t2 = await topUp(w.db.pool, { ...PAIR, year: 2026, amount_fen: consumed, ref: 'TU-2026-001', now: NOW });
  assert.deepEqual([t1.posted, t2.posted], [true, false]);
  assert.equal(t2.size_fen, redSize + consumed);
  [c] = await checkAdvanceFunds(w.db.pool, NOW);
  assert.ok(c!.rate_bp < 7_000, `rate ${c!.rate_bp} bp after the top-up`);
  assert.deepEqual([c!.level, c!.raised], ['none', []]);
  assert.equal(await accountBalance(w.db.pool, 'advance:360000:430000'), advanceFundSize(consumed) + redSize + consumed, "the account holds 2027's and 2026's funds");
  assert.equal((await checkLedger(w.db.pool)).by_kind['advance_payment'], 5, '2027 set, 2026: up, down, down, top-up');
  await assertBooksHold(w.db.pool);
});

test('bad input is refused naming the field, and nothing is posted', async () => {
  const before = (await checkLedger(w.db.pool)).transfers;
  await assert.rejects(setAdvanceFunds(w.db.pool, { year: 1999, now: NOW }), (e) => field(e) === 'year');
  await assert.rejects(setAdvanceFunds(w.db.pool, { year: 2026.5, now: NOW }), (e) => field(e) === 'year');
  await assert.rejects(topUp(w.db.pool, { ...PAIR, year: 2026, amount_fen: -100, ref: 'X1', now: NOW }), (e) => field(e) === 'amount_fen');
  await assert.rejects(topUp(w.db.pool, { ...PAIR, year: 2026, amount_fen: 10.5, ref: 'X1', now: NOW }), (e) => field(e) === 'amount_fen');
  await assert.rejects(topUp(w.db.pool, { ...PAIR, year: 2030, amount_fen: 100, ref: 'X1', now: NOW }), (e) => field(e) === 'year' && (e as YibaoError).kind === 'not_found');
  await assert.rejects(adjust(w.db.pool, { ...PAIR, year: 2026, size_fen: -1, now: NOW }), (e) => field(e) === 'size_fen');
  await assert.rejects(adjust(w.db.pool, { insured_admdvs: '360400', treatment_admdvs: '430000', year: 2026, size_fen: 1, now: NOW }), (e) => field(e) === 'insured_admdvs');
  await assert.rejects(adjust(w.db.pool, { ...PAIR, treatment_admdvs: '360000', year: 2026, size_fen: 1, now: NOW }), (e) => field(e) === 'treatment_admdvs');
  assert.equal((await checkLedger(w.db.pool)).transfers, before);
});

test('the CLI sets and checks through the same use cases', async () => {
  const out: string[] = [];
  await runAdvanceFunds(w.db.pool, ['--year', '2027'], NOW, (l) => out.push(l));
  assert.match(out[0]!, /^360000→430000: .* yuan from .* paid in 2026, set before$/);
  await runAdvanceFunds(w.db.pool, ['--year', '2026', '--check'], NOW, (l) => out.push(l));
  assert.match(out.at(-2)!, /^360000→430000: used .* none$/);
  await assert.rejects(runAdvanceFunds(w.db.pool, ['--year', 'next'], NOW, () => undefined), (e) => field(e) === 'year');
});

test('the thresholds are data: the shipped national rules, a province\'s own stored version, a bad document refused by its field', async () => {
  const shipped = loadClearingRules(JSON.parse(fs.readFileSync(new URL('../clearing-rules/national.json', import.meta.url), 'utf8')));
  assert.deepEqual({ ...shipped, source: '' }, { ...DEFAULT_CLEARING_RULES, source: '' }, 'the shipped document says what the fallback says');
  const [before] = await checkAdvanceFunds(w.db.pool, NOW);
  assert.equal(before!.level, 'none');
  const rules = { rules_id: 'clearing-360000', version: 1, admdvs: '360000', source: 'test', advance_fund: { size_months: 2, yellow_bp: 1, red_bp: 9_900, top_up_working_days: 5 }, medins_reserve_bp: 300 };
  const bad = { ...rules, advance_fund: { ...rules.advance_fund, red_bp: 1 } };
  await assert.rejects(documentRegistry.store(w.db.pool, { kind: 'clearing_rules', doc: bad, stored_by: 'test' }), (e) => field(e) === '/advance_fund/yellow_bp');
  await assert.rejects(documentRegistry.store(w.db.pool, { kind: 'clearing_rules', doc: { ...rules, admdvs: '360400' }, stored_by: 'test' }), (e) => field(e) === '/admdvs');
  await documentRegistry.store(w.db.pool, { kind: 'clearing_rules', doc: rules, stored_by: 'test' });
  const [after] = await checkAdvanceFunds(w.db.pool, NOW);
  assert.equal(after!.rate_bp, before!.rate_bp);
  assert.deepEqual([after!.level, after!.raised], ['yellow', []], "Jiangxi's own yellow line now applies; yellow was raised this year already");
});

test('the staff inbox: each bureau reads its own messages and marks them read; another region cannot', async () => {
  const hunan = await staffCookie(w.db.pool, { username: 'hn.fin.test', role: 'finance', regions: ['430000'] });
  const beijing = await staffCookie(w.db.pool, { username: 'bj.fin.test', role: 'finance', regions: ['110000'] });
  const inbox = await w.app.inject({ method: 'GET', url: '/api/v1/staff-inbox', headers: { cookie: hunan } });
  assert.equal(inbox.statusCode, 200);
  const mine = inbox.json().messages as { id: number; admdvs: string; read_at: string | null }[];
  assert.deepEqual(mine.map((m) => m.admdvs), ['430000', '430000'], 'only Hunan\'s, newest first');
  assert.deepEqual((await w.app.inject({ method: 'GET', url: '/api/v1/staff-inbox', headers: { cookie: beijing } })).json().messages, []);
  const other = await w.app.inject({ method: 'POST', url: `/api/v1/staff-inbox/${mine[0]!.id}/read`, headers: { cookie: beijing } });
  assert.equal(other.statusCode, 403, 'decided from the loaded message\'s region');
  assert.equal((await w.app.inject({ method: 'POST', url: '/api/v1/staff-inbox/99999999/read', headers: { cookie: hunan } })).statusCode, 404);
  assert.equal((await w.app.inject({ method: 'POST', url: `/api/v1/staff-inbox/${mine[0]!.id}/read`, headers: { cookie: hunan } })).statusCode, 200);
  const read = (await w.app.inject({ method: 'GET', url: '/api/v1/staff-inbox', headers: { cookie: hunan } })).json().messages as { id: number; read_by: string | null }[];
  assert.deepEqual(read.map((m) => m.read_by), ['hn.fin.test', null]);
});

test('paying the month\'s clearing statement repays what the fund carried: the use rate falls to zero', async () => {
  const [before] = await checkAdvanceFunds(w.db.pool, NOW);
  assert.equal(before!.consumed_fen, consumed, 'the settlements not yet cleared');
  const run = await runClearing(w.db.pool, { month: '2026-03', level: 'province', dryRun: false, now: NOW });
  const st = run.statements.find((x) => x.insured_admdvs === '360000' && x.treatment_admdvs === '430000')!;
  assert.equal(st.totals.amount_fen, consumed);
  await confirmStatement(w.db.pool, { statement_id: st.id!, side: 'insured', by: 'jx.finance', regions: ['360000'], now: NOW });
  const [half] = await checkAdvanceFunds(w.db.pool, NOW);
  assert.equal(half!.consumed_fen, consumed, 'one side\'s confirmation pays nothing');
  await confirmStatement(w.db.pool, { statement_id: st.id!, side: 'treatment', by: 'hn.finance', regions: ['430000'], now: NOW });
  const [after] = await checkAdvanceFunds(w.db.pool, NOW);
  assert.deepEqual([after!.consumed_fen, after!.rate_bp, after!.level], [0, 0, 'none']);
  await assertBooksHold(w.db.pool);
});
