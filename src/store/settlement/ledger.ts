import { assertInvariant } from '../../engine/errors.ts';
import type { SetldetailLine, SetlinfoAmounts } from '../../engine/index.ts';
import type { Queryable } from '../db.ts';
import type { CommitAggregate } from '../group-commit.ts';

// Double-entry ledger of settlements (004_settlement.sql). A leg moves an amount from the
// credited account (the giver) to the debited account (the receiver); every transfer is a set
// of legs, so debits equal credits by construction, and the legs into the institution's
// accounts add up to the bill (asserted). A cancellation posts the same legs reversed.

export interface Leg {
  debit: string;
  credit: string;
  amount: number;
}

export interface LegsInput {
  setlinfo: SetlinfoAmounts;
  setldetail: readonly SetldetailLine[];
  psn_no: string;
  fixmedins_code: string;
  insuplc_admdvs: string;
  mdtrtarea_admvs: string;
}

const NOT_A_FUND = new Set(['310200', '999996']);

/** The legs of one settlement. Cross-region money passes through the regions' mutual accounts. */
export function settlementLegs(s: LegsInput): Leg[] {
  const legs: Leg[] = [];
  const inst = s.fixmedins_code;
  const cross = s.insuplc_admdvs !== s.mdtrtarea_admvs;
  const payable = `medins_payable:${inst}`;
  // Insurance money (funds and the personal account) reaches the institution directly at home,
  // or through what the insured region owes the treatment region when away.
  const via = cross ? `owed_to:${s.insuplc_admdvs}:${s.mdtrtarea_admvs}` : payable;
  let insured = 0;
  for (const d of s.setldetail) {
    if (NOT_A_FUND.has(d.fund_pay_type) || d.fund_payamt === 0) continue;
    legs.push({ debit: via, credit: `fund:${s.insuplc_admdvs}:${d.fund_pay_type}`, amount: d.fund_payamt });
    insured += d.fund_payamt;
  }
  if (s.setlinfo.acct_pay > 0) {
    legs.push({ debit: via, credit: `psn_acct:${s.psn_no}`, amount: s.setlinfo.acct_pay });
    insured += s.setlinfo.acct_pay;
  }
  if (cross && insured > 0) legs.push({ debit: payable, credit: `owed_by:${s.mdtrtarea_admvs}:${s.insuplc_admdvs}`, amount: insured });
  if (s.setlinfo.psn_cash_pay > 0) legs.push({ debit: `medins_cash:${inst}`, credit: `psn_cash:${s.psn_no}`, amount: s.setlinfo.psn_cash_pay });
  if (s.setlinfo.hosp_part_amt > 0) legs.push({ debit: `medins_charges:${inst}`, credit: `medins_borne:${inst}`, amount: s.setlinfo.hosp_part_amt });
  let intoInstitution = 0;
  for (const l of legs) {
    assertInvariant(Number.isSafeInteger(l.amount) && l.amount > 0, 'ledger legs carry positive whole fen');
    if (l.debit.endsWith(`:${inst}`) && l.debit.startsWith('medins_')) intoInstitution += l.amount;
  }
  assertInvariant(intoInstitution === s.setlinfo.medfee_sumamt, 'the legs into the institution add up to the bill (medfee_sumamt)');
  assertInvariant(insured === s.setlinfo.fund_pay_sumamt + s.setlinfo.acct_pay, 'insurance legs = fund_pay_sumamt + acct_pay');
  return legs;
}

export function reversed(legs: readonly Leg[]): Leg[] {
  return legs.map((l) => ({ debit: l.credit, credit: l.debit, amount: l.amount }));
}

/** Per account, what this transfer adds to its debits and credits (sorted, so locks are taken in one order). */
export function balanceChanges(legs: readonly Leg[]): Array<{ account: string; debits: number; credits: number }> {
  const m = new Map<string, { account: string; debits: number; credits: number }>();
  const at = (a: string) => {
    let e = m.get(a);
    if (!e) m.set(a, (e = { account: a, debits: 0, credits: 0 }));
    return e;
  };
  for (const l of legs) {
    at(l.debit).debits += l.amount;
    at(l.credit).credits += l.amount;
  }
  return [...m.values()].sort((a, b) => (a.account < b.account ? -1 : a.account > b.account ? 1 : 0));
}

export interface BalanceChange {
  account: string;
  shard: number;
  debits: number;
  credits: number;
}

/**
 * The balance rows a transaction adds to, merged per (account, shard) and upserted at its
 * commit in one sorted statement (see group-commit.ts, atCommit): a region's fund is touched
 * by every settlement, and sorted locks taken late keep concurrent transactions from waiting
 * on each other in a cycle.
 */
export const LEDGER_BALANCES: CommitAggregate<readonly BalanceChange[]> = {
  merge(items) {
    const m = new Map<string, BalanceChange>();
    for (const c of items.flat()) {
      const k = `${c.account}\u0000${c.shard}`;
      const e = m.get(k);
      if (e) {
        e.debits += c.debits;
        e.credits += c.credits;
      } else m.set(k, { ...c });
    }
    if (m.size === 0) return undefined;
    const rows = [...m.values()].sort((a, b) => (a.account < b.account ? -1 : a.account > b.account ? 1 : a.shard - b.shard));
    return {
      name: 'ledger_add_balances',
      text: `INSERT INTO ledger_balances (account, shard, debits_fen, credits_fen)
             SELECT * FROM unnest($1::text[], $2::smallint[], $3::bigint[], $4::bigint[])
             ON CONFLICT (account, shard) DO UPDATE SET debits_fen = ledger_balances.debits_fen + EXCLUDED.debits_fen,
                                                        credits_fen = ledger_balances.credits_fen + EXCLUDED.credits_fen`,
      values: [rows.map((r) => r.account), rows.map((r) => r.shard), rows.map((r) => r.debits), rows.map((r) => r.credits)],
    };
  },
};

export interface LedgerCheck {
  transfers: number;
  debits_fen: number;
  credits_fen: number;
  /** Accounts whose maintained balance differs from the sum of their legs (should be none). */
  drifted: string[];
}

/** Recomputes every balance from the legs: the audit a test (or an operator) runs. */
export async function checkLedger(q: Queryable): Promise<LedgerCheck> {
  const t = await q.query<{ n: number }>(`SELECT count(*)::int AS n FROM ledger_transfers`);
  const sums = await q.query<{ d: number; c: number }>(`SELECT coalesce(sum(debits_fen), 0)::bigint AS d, coalesce(sum(credits_fen), 0)::bigint AS c FROM ledger_balances`);
  const drift = await q.query<{ account: string }>(
    `WITH legs AS (
       SELECT debit_account AS account, amount_fen AS d, 0::bigint AS c FROM ledger_legs
       UNION ALL SELECT credit_account, 0, amount_fen FROM ledger_legs),
     fromlegs AS (SELECT account, sum(d) AS d, sum(c) AS c FROM legs GROUP BY account),
     kept AS (SELECT account, sum(debits_fen) AS d, sum(credits_fen) AS c FROM ledger_balances GROUP BY account)
     SELECT coalesce(f.account, k.account) AS account FROM fromlegs f FULL JOIN kept k ON k.account = f.account
      WHERE coalesce(f.d, 0) <> coalesce(k.d, 0) OR coalesce(f.c, 0) <> coalesce(k.c, 0)`,
  );
  return { transfers: t.rows[0]!.n, debits_fen: sums.rows[0]!.d, credits_fen: sums.rows[0]!.c, drifted: drift.rows.map((r) => r.account) };
}

/** An account's balance (debits − credits: what it received less what it gave). */
export async function accountBalance(q: Queryable, account: string): Promise<number> {
  const r = await q.query<{ b: number }>(`SELECT coalesce(sum(debits_fen - credits_fen), 0)::bigint AS b FROM ledger_balances WHERE account = $1`, [account]);
  return r.rows[0]!.b;
}
