import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { FastifyInstance } from 'fastify';
import { HOSPITAL, RETIREE, envelope, ok, post, signInAs } from './support/gateway-world.ts';
import { assertBooksHold, lines, openSettlementWorld, type SettlementWorld } from './support/settlement-world.ts';
import { buildApp } from '../src/server/app.ts';
import { runClearing } from '../src/app/clearing/run.ts';
import { confirmStatement } from '../src/app/clearing/confirm.ts';
import { disputeStatement, disputesOf, resolveDispute } from '../src/app/clearing/disputes.ts';
import { YibaoError } from '../src/engine/errors.ts';
import { accountBalance, findTransfer } from '../src/store/ledger.ts';

// Disputes on a clearing statement, on settlements made through the real gateway: the Jiujiang
// (Jiangxi) retiree settles three visits in Zhuzhou (Hunan) in March; Jiangxi contests two of
// them; the rest is paid; one contest is withdrawn (and paid), the other conceded (never paid,
// and the settlement's April cancellation repays nothing either).

let w: SettlementWorld;
const apps: FastifyInstance[] = [];
before(async () => {
  w = await openSettlementWorld();
});
after(async () => {
  for (const a of apps) await a.close();
  await w.close();
});

const jx = { by: 'jx.finance', regions: ['360000'], now: new Date('2026-04-02T02:00:00Z') };
const hn = { by: 'hn.finance', regions: ['430000'], now: new Date('2026-04-02T02:00:00Z') };
const OWED = 'owed_to:360400:430200';

async function settleAway(prefix: string): Promise<{ mdtrt_id: string; setl_id: string; owed: number }> {
  const v = ok(await w.call('2201', { data: { mdtrt_cert_type: '03', mdtrt_cert_no: RETIREE.card, card_sn: RETIREE.card_sn, insutype: '310' } }));
  ok(await w.call('2204', { feedetail: lines(v.data.mdtrt_id, RETIREE.psn_no, prefix, 40) }));
  const s = ok(await w.call('2207', { data: { psn_no: RETIREE.psn_no, mdtrt_id: v.data.mdtrt_id } }));
  const owed = (await w.db.pool.query<{ a: number }>(`SELECT amount_fen AS a FROM cross_region_owed WHERE setl_id = $1`, [s.setlinfo.setl_id])).rows[0]!.a;
  return { mdtrt_id: v.data.mdtrt_id, setl_id: s.setlinfo.setl_id, owed };
}

async function refused(p: Promise<unknown>, kind: string, field: string): Promise<void> {
  await assert.rejects(p, (e: unknown) => e instanceof YibaoError && e.kind === kind && e.details[0]!.field === field);
}

const snapshot = async (): Promise<string> =>
  JSON.stringify((await w.db.pool.query(`SELECT (SELECT json_agg(s ORDER BY id) FROM clearing_statements s) AS s, (SELECT json_agg(d ORDER BY id) FROM clearing_disputes d) AS d, (SELECT count(*) FROM ledger_transfers) AS t`)).rows[0]);

test('contested lines wait while the rest is paid; a withdrawn contest is paid by its own transfer, a conceded one never, nor its cancellation', async () => {
  const [a, b, c] = [await settleAway('A'), await settleAway('B'), await settleAway('C')];
  const march = await runClearing(w.db.pool, { month: '2026-03', level: 'province', dryRun: false, now: jx.now });
  const id = march.statements.find((s) => s.insured_admdvs === '360000' && s.treatment_admdvs === '430000')!.id!;
  const dispute = (input: Partial<Parameters<typeof disputeStatement>[1]>) =>
    disputeStatement(w.db.pool, { statement_id: id, side: 'insured', setl_ids: [a.setl_id], reason: '重复收费 / charged twice', ...jx, ...input });

  // Refusals change nothing.
  const before = await snapshot();
  await refused(dispute({ setl_ids: [] }), 'invalid', 'setl_ids');
  await refused(dispute({ setl_ids: ['NO-SUCH-SETTLEMENT'] }), 'invalid', 'setl_ids');
  await refused(dispute({ setl_ids: [a.setl_id, a.setl_id] }), 'invalid', 'setl_ids');
  await refused(dispute({ reason: '  ' }), 'invalid', 'reason');
  await refused(dispute({ ...hn }), 'forbidden', 'side');
  await refused(dispute({ statement_id: 999_999 }), 'not_found', 'statement_id');
  assert.equal(await snapshot(), before);

  const raised = await dispute({ setl_ids: [a.setl_id, b.setl_id] });
  assert.equal(raised.statement.state, 'disputed');
  assert.equal(raised.disputes.length, 2);
  const [da, db] = raised.disputes as [number, number];
  await refused(dispute({ setl_ids: [a.setl_id] }), 'conflict', 'setl_ids');

  // The treatment side confirms, then the insured side: the uncontested line is paid.
  assert.equal((await confirmStatement(w.db.pool, { statement_id: id, side: 'treatment', ...hn })).state, 'disputed');
  await refused(dispute({ side: 'treatment', ...hn, setl_ids: [c.setl_id] }), 'conflict', 'side');
  const paid = await confirmStatement(w.db.pool, { statement_id: id, side: 'insured', ...jx });
  assert.equal(paid.state, 'paid_in_part');
  const t = await findTransfer(w.db.pool, `clearing:${id}`);
  assert.equal(t!.legs.find((l) => l.debit === 'bank:430000')!.amount, c.owed, 'only the uncontested line');
  assert.equal(await accountBalance(w.db.pool, OWED), a.owed + b.owed, 'the contested debts stay open');
  await refused(confirmStatement(w.db.pool, { statement_id: id, side: 'insured', ...jx }), 'conflict', 'state');
  await refused(dispute({ setl_ids: [c.setl_id] }), 'conflict', 'state');

  // Withdrawn by the side that raised it: paid now, once.
  const resolve = (input: Partial<Parameters<typeof resolveDispute>[1]>) => resolveDispute(w.db.pool, { dispute_id: da, side: 'insured', outcome: 'withdrawn', note: '', ...jx, ...input });
  await refused(resolve({ side: 'treatment', ...hn }), 'forbidden', 'side');
  await refused(resolve({ outcome: 'maybe' as never }), 'invalid', 'outcome');
  await refused(resolve({ dispute_id: 999_999 }), 'not_found', 'dispute_id');
  const withdrawn = await resolve({ note: '核实为两次就诊 / two visits after all' });
  assert.equal(withdrawn.state, 'withdrawn');
  assert.equal((await findTransfer(w.db.pool, `clearing:${id}:dispute:${da}`))!.id, withdrawn.transfer_id);
  assert.equal(await accountBalance(w.db.pool, OWED), b.owed);
  await refused(resolve({}), 'conflict', 'state');

  // Conceded by the other side: not owed, nothing paid; the statement is paid in full.
  await refused(resolve({ dispute_id: db, outcome: 'upheld' }), 'forbidden', 'side');
  const upheld = await resolve({ dispute_id: db, outcome: 'upheld', side: 'treatment', ...hn, note: '医院将撤销该结算 / the hospital will cancel it' });
  assert.deepEqual([upheld.state, upheld.transfer_id], ['upheld', null]);
  const statement = (await runClearing(w.db.pool, { month: '2026-03', level: 'province', dryRun: true, now: jx.now })).statements.find((s) => s.id === id)!;
  assert.equal(statement.state, 'paid');
  assert.equal(await accountBalance(w.db.pool, OWED), b.owed);

  // The hospital cancels the conceded settlement in April: April's adjustment repays nothing.
  const app = await buildApp({ pool: w.db.pool, now: () => new Date('2026-04-10T02:00:00Z') });
  apps.push(app);
  const signNo = await signInAs(app, HOSPITAL);
  ok(await post(app, envelope('2208', { data: { psn_no: RETIREE.psn_no, mdtrt_id: b.mdtrt_id, setl_id: b.setl_id } }, { sign_no: signNo })));
  assert.equal(await accountBalance(w.db.pool, OWED), 0, 'the cancellation reversed the open debt');
  const april = await runClearing(w.db.pool, { month: '2026-04', level: 'province', dryRun: false, now: hn.now });
  const aprilId = april.statements.find((s) => s.insured_admdvs === '360000' && s.treatment_admdvs === '430000')!.id!;
  await confirmStatement(w.db.pool, { statement_id: aprilId, side: 'insured', ...jx });
  assert.equal((await confirmStatement(w.db.pool, { statement_id: aprilId, side: 'treatment', ...hn })).state, 'paid');
  assert.equal(await findTransfer(w.db.pool, `clearing:${aprilId}`), undefined, 'nothing to pay: the reversal of an unpaid line');
  assert.equal(await accountBalance(w.db.pool, 'bank:430000'), a.owed + c.owed, 'Hunan was paid what was owed, no more');
  assert.equal(await accountBalance(w.db.pool, OWED), 0);

  // The dispute list, by region.
  assert.deepEqual((await disputesOf(w.db.pool, { regions: ['430000'] })).map((d) => [d.setl_id, d.state]).sort(), [[a.setl_id, 'withdrawn'], [b.setl_id, 'upheld']].sort());
  assert.deepEqual(await disputesOf(w.db.pool, { regions: ['110000'] }), []);
  assert.deepEqual(await disputesOf(w.db.pool, { regions: ['000000'], state: 'open' }), []);
  await refused(disputesOf(w.db.pool, { regions: ['000000'], state: 'closed' as never }), 'invalid', 'state');
  await assertBooksHold(w.db.pool);
});
