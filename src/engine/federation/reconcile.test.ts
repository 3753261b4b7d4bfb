import { test } from 'node:test';
import assert from 'node:assert/strict';
import { reconcile, type ReconciledRecord } from './reconcile.ts';

const rec = (fed: string, over: Partial<ReconciledRecord> = {}): ReconciledRecord => ({
  fed_id: fed, kind: 'settle', orig_fed_id: null, setl_id: `h${fed}`, peer_setl_id: `j${fed}`, treatment_mdtrt_id: '1', clr_month: '202612',
  medfee_sumamt: 1000, fund_pay_sumamt: 600, acct_pay: 100, psn_cash_pay: 300, owed_fen: 700, by_fund: { '310100': 600, '310200': 100 }, status: 'settled', ...over,
});
const mirror = (r: ReconciledRecord): ReconciledRecord => ({ ...r, setl_id: r.peer_setl_id, peer_setl_id: r.setl_id });

test('records on both sides match by fed_id; a difference names its fields; the missing ones are listed by side', () => {
  const here = [rec('a'), rec('b'), rec('c', { owed_fen: 701, fund_pay_sumamt: 601 }), rec('d')];
  const there = [mirror(rec('a')), mirror(rec('b', { by_fund: { '310100': 600, '310200': 99 } })), mirror(rec('c')), mirror(rec('e'))];
  const r = reconcile(here, there);
  assert.equal(r.matched, 1);
  assert.deepEqual(r.differing, [{ fed_id: 'b', fields: ['by_fund'] }, { fed_id: 'c', fields: ['fund_pay_sumamt', 'owed_fen'] }]);
  assert.deepEqual(r.only_here.map((x) => x.fed_id), ['d']);
  assert.deepEqual(r.only_there.map((x) => x.fed_id), ['e']);
});

test('a pair that does not name each other\'s setl_id differs; zero funds count as absent', () => {
  const r = reconcile([rec('a', { by_fund: { '310100': 600, '310200': 100, '320100': 0 } })], [{ ...mirror(rec('a')), peer_setl_id: 'hX' }]);
  assert.deepEqual(r.differing, [{ fed_id: 'a', fields: ['setl_id'] }]);
});
