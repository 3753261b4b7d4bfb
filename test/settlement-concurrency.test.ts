import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { MOVER, RESIDENT } from './support/gateway-world.ts';
import { assertBooksHold, openSettlementWorld, type SettlementWorld } from './support/settlement-world.ts';

// 500 settlements of one person at once: the accumulator row lock serialises them, so the
// deductible and the annual cap hold exactly, and the ledger stays balanced.

let w: SettlementWorld;
before(async () => {
  w = await openSettlementWorld();
});
after(async () => w.close());

const N = 500;

async function inBatches<T>(n: number, size: number, f: (i: number) => Promise<T>): Promise<T[]> {
  const out: T[] = [];
  for (let i = 0; i < n; i += size) out.push(...(await Promise.all(Array.from({ length: Math.min(size, n - i) }, (_, j) => f(i + j)))));
  return out;
}

test(`${N} concurrent settlements for one person keep the deductible and the cap`, async () => {
  const visits = await inBatches(N, 25, async (i) => {
    const reg = await w.call('2201', { data: { psn_no: RESIDENT.psn_no, insutype: '390', begntime: '2026-03-15 10:00:00' } });
    assert.equal(reg.body.infcode, 0, reg.body.err_msg);
    const id = reg.body.output.data.mdtrt_id as string;
    // A CT scan (乙类, price limit 180): 3 × 200 yuan, so 3 × 20 over the limit.
    const up = await w.call('2204', { feedetail: [{ feedetl_sn: `CT${i}`, mdtrt_id: id, med_list_codg: '210300001', det_item_fee_sumamt: 600, cnt: 3, pric: 200 }] });
    assert.equal(up.body.infcode, 0, up.body.err_msg);
    return id;
  });
  const answers = await Promise.all(visits.map((id) => w.call('2207', { data: { psn_no: RESIDENT.psn_no, mdtrt_id: id, medfee_sumamt: 600 } })));
  for (const a of answers) assert.equal(a.body.infcode, 0, a.body.err_msg);
  const fund = answers.reduce((s, a) => s + Math.round(a.body.output.setlinfo.hifp_pay * 100), 0);
  const dedc = answers.reduce((s, a) => s + Math.round(a.body.output.setlinfo.act_pay_dedc * 100), 0);
  // Zhuzhou residents at a level-3 hospital: deductible 200 yuan a year, cap 400 yuan a year.
  assert.equal(dedc, 20000, 'the deductible is taken once in the year, exactly');
  assert.equal(fund, 40000, 'the pooled fund pays exactly up to its annual cap, never beyond');
  const acc = await w.db.pool.query(`SELECT acc FROM accumulators WHERE psn_no = $1 AND year = 2026`, [RESIDENT.psn_no]);
  assert.equal(acc.rows[0].acc.outpatient_pool_paid_fen, 40000);
  assert.equal(acc.rows[0].acc.outpatient_deductible_used_fen, 20000);
  await assertBooksHold(w.db.pool);
});

test('a settlement retried many times at once, among other messages, pays once and answers the same every time', async () => {
  // Other people's registrations travel beside the retries, so they share transactions with them.
  const reg = await w.call('2201', { data: { psn_no: RESIDENT.psn_no, insutype: '390', begntime: '2026-03-16 10:00:00' } });
  const id = reg.body.output.data.mdtrt_id as string;
  const up = await w.call('2204', { feedetail: [{ feedetl_sn: 'R1', mdtrt_id: id, med_list_codg: '210300001', det_item_fee_sumamt: 200, cnt: 1, pric: 200 }] });
  assert.equal(up.body.infcode, 0, up.body.err_msg);
  const before = await w.db.pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM settlements`);
  const msgid = `RETRY-${id}`;
  const retry = () => w.call('2207', { data: { psn_no: RESIDENT.psn_no, mdtrt_id: id, medfee_sumamt: 200 } }, { msgid });
  const others = () => w.call('2201', { data: { psn_no: MOVER.psn_no, begntime: '2026-03-16 11:00:00' } });
  const answers = await Promise.all(Array.from({ length: 40 }, (_, i) => (i % 2 === 0 ? retry() : others())));
  const settles = answers.filter((_, i) => i % 2 === 0);
  for (const a of answers) assert.equal(a.body.infcode, 0, a.body.err_msg);
  const first = settles[0]!.body;
  for (const a of settles) {
    assert.deepEqual(a.body.output, first.output, 'every retry gets the original answer');
    assert.equal(a.body.inf_refmsgid, first.inf_refmsgid);
  }
  const after = await w.db.pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM settlements`);
  assert.equal(after.rows[0]!.n - before.rows[0]!.n, 1, 'one settlement for twenty retries');
  await assertBooksHold(w.db.pool);
});
