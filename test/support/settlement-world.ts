import assert from 'node:assert/strict';
import { checkIdentities } from '../../src/engine/index.ts';
import type { Queryable } from '../../src/store/db.ts';
import { checkLedger } from '../../src/store/ledger.ts';
import { seedSettlementDocuments } from '../../src/store/documents/seed.ts';
import { HOSPITAL, envelope, openWorld, post, signInAs, type World } from './gateway-world.ts';

// The gateway world plus the demo policies and catalogs, and the checks every settlement
// test ends with: identities of each stored settlement, a balanced ledger whose kept balances
// equal its legs, accumulators equal to the sum of settlements' increments.

export interface SettlementWorld extends World {
  signNo: string;
  call: (infno: string, input: unknown, header?: Record<string, unknown>) => ReturnType<typeof post>;
}

export async function openSettlementWorld(): Promise<SettlementWorld> {
  const world = await openWorld();
  await seedSettlementDocuments(world.db.pool);
  const signNo = await signInAs(world.app);
  return { ...world, signNo, call: (infno, input, header = {}) => post(world.app, envelope(infno, input, { sign_no: signNo, ...header })) };
}

/** Fee lines on the demo catalog: a 甲 drug, a 乙 drug (5% first self-pay in Zhuzhou), a consultation. */
export function lines(mdtrtId: string, psnNo: string, prefix = 'L', times = 1): Record<string, unknown>[] {
  return [
    { feedetl_sn: `${prefix}1`, mdtrt_id: mdtrtId, psn_no: psnNo, med_list_codg: 'XJ01CAA040E001010102231', det_item_fee_sumamt: (12.5 * times).toFixed(2), cnt: times, pric: 12.5, fee_ocur_time: '2026-03-15 10:05:00' },
    { feedetl_sn: `${prefix}2`, mdtrt_id: mdtrtId, psn_no: psnNo, med_list_codg: 'XC10AAA126A001010100417', det_item_fee_sumamt: (30.1 * times).toFixed(2), cnt: times, pric: '30.10', fee_ocur_time: '2026-03-15 10:05:00' },
    { feedetl_sn: `${prefix}3`, mdtrt_id: mdtrtId, psn_no: psnNo, med_list_codg: '110200001', det_item_fee_sumamt: 10, cnt: 1, pric: 10, fee_ocur_time: '2026-03-15 10:05:00' },
  ];
}

export async function counts(q: Queryable): Promise<Record<string, number>> {
  const tables = ['visits', 'visit_diagnoses', 'fee_lines', 'settlements', 'accumulators', 'ledger_transfers', 'ledger_legs', 'ledger_balances', 'cross_region_owed', 'gateway_messages'];
  const out: Record<string, number> = {};
  for (const t of tables) out[t] = (await q.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${t}`)).rows[0]!.n;
  const sums = await q.query<{ b: string; s: string; st: string; f: string }>(
    `SELECT (SELECT coalesce(sum(debits_fen - credits_fen), 0) FROM ledger_balances WHERE account LIKE 'psn\\_acct:%')::text AS b, (SELECT coalesce(sum(debits_fen), 0) FROM ledger_balances)::text AS s,
            (SELECT string_agg(mdtrt_id || status, ',' ORDER BY mdtrt_id) FROM visits) AS st, (SELECT string_agg(mdtrt_id || feedetl_sn || status || coalesce(setl_id, ''), ',' ORDER BY mdtrt_id, feedetl_sn) FROM fee_lines) AS f`,
  );
  out['accounts_fen'] = Number(sums.rows[0]!.b);
  out['ledger_debits_fen'] = Number(sums.rows[0]!.s);
  out['visit_states'] = hash(sums.rows[0]!.st ?? '');
  out['line_states'] = hash(sums.rows[0]!.f ?? '');
  return out;
}

function hash(s: string): number {
  let h = 0;
  for (let i = 0; i < s.length; i++) h = (h * 31 + s.charCodeAt(i)) | 0;
  return h;
}

/** Every invariant the settlement store promises, checked on the database as it stands. */
export async function assertBooksHold(q: Queryable): Promise<void> {
  const ledger = await checkLedger(q);
  assert.equal(ledger.debits_fen, ledger.credits_fen, 'debits equal credits');
  assert.deepEqual(ledger.drifted, [], 'kept balances equal the sum of the legs');
  assert.deepEqual(ledger.unbalanced, [], "each transfer's amount is the sum of its legs (checkLedger)");
  assert.deepEqual(ledger.undeclared, [], 'every account is declared');
  assert.deepEqual(ledger.overdrawn, [], 'no personal account below zero');
  assert.deepEqual(ledger.settlements_without_one_transfer, [], 'every settlement and cancellation has exactly its one transfer');
  const settlements = await q.query<{ setlinfo: any; setldetail: any; kind: string; setl_id: string }>(`SELECT setl_id, kind, setlinfo, setldetail FROM settlements`);
  for (const s of settlements.rows) if (s.kind === 'settle') checkIdentities(s.setlinfo, s.setldetail);
  const t = await q.query<{ n: number }>(`SELECT count(*)::int AS n FROM ledger_transfers t WHERE amount_fen <> (SELECT coalesce(sum(amount_fen), 0) FROM ledger_legs WHERE transfer_id = t.id)`);
  assert.equal(t.rows[0]!.n, 0, "each transfer's amount is the sum of its legs");
  const missing = await q.query<{ n: number }>(`SELECT count(*)::int AS n FROM settlements s WHERE NOT EXISTS (SELECT 1 FROM ledger_transfers t WHERE t.setl_id = s.setl_id)`);
  assert.equal(missing.rows[0]!.n, 0, 'every settlement and cancellation has its transfer');
  // Accumulators are exactly the sum of the increments of the settlements (cancellations negative).
  const acc = await q.query<{ psn_no: string; year: number; acc: Record<string, any>; settlements: number }>(`SELECT psn_no, year, acc, settlements FROM accumulators`);
  for (const row of acc.rows) {
    const incs = await q.query<{ increments: Record<string, any>; kind: string }>(`SELECT increments, kind FROM settlements WHERE psn_no = $1 AND setl_year = $2`, [row.psn_no, row.year]);
    const sum: Record<string, any> = {};
    for (const { increments } of incs.rows) {
      for (const [k, v] of Object.entries(increments)) {
        if (typeof v === 'number') sum[k] = (sum[k] ?? 0) + v;
        else for (const [d, x] of Object.entries(v as Record<string, number>)) (sum[k] ??= {})[d] = ((sum[k] ?? {})[d] ?? 0) + x;
      }
    }
    for (const [k, v] of Object.entries(row.acc)) {
      if (typeof v === 'number') assert.equal(v, sum[k] ?? 0, `${row.psn_no} ${row.year} ${k}`);
      else for (const [d, x] of Object.entries(v as Record<string, number>)) assert.equal(x, sum[k]?.[d] ?? 0, `${row.psn_no} ${row.year} ${k}.${d}`);
    }
    const net = incs.rows.reduce((a, r) => a + (r.kind === 'settle' ? 1 : -1), 0);
    assert.equal(row.settlements, net, 'settlement count');
  }
}

export { HOSPITAL };
