import { conflict } from '../engine/errors.ts';
import { personalAccount, type AccountChange, type CheckedTransfer } from '../engine/ledger.ts';
import type { Queryable } from './db.ts';
import type { CommitAggregate } from './group-commit.ts';

// The double-entry ledger of all money (004_settlement.sql, 012_ledger_accounts.sql): declared
// accounts, transfers with their legs, and balances kept per account. A transfer is described
// and checked once (src/engine/ledger.ts, checkTransfer); this module writes it, either as
// part of the settlement's one statement (`transferCtes`, used by writeSettlement) or on its
// own (`postTransfer`). Both declare the accounts in the same statement and add to the
// balances at commit (LEDGER_BALANCES).

export interface BalanceChange {
  account: string;
  shard: number;
  debits: number;
  credits: number;
  may_go_negative: boolean;
}

/**
 * The balance rows a transfer adds to. A busy account (a region's fund, a big hospital) is
 * spread over 16 shards chosen by the poster; an account that may not go negative (a personal
 * account) lives on shard 0 alone, where the trigger ledger_balances_not_below_zero holds it.
 */
export function balanceRows(changes: readonly AccountChange[], shard: number): BalanceChange[] {
  return changes.map((c) => ({ account: c.account, shard: c.may_go_negative ? shard : 0, debits: c.debits, credits: c.credits, may_go_negative: c.may_go_negative }));
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
      text: `INSERT INTO ledger_balances (account, shard, debits_fen, credits_fen, may_go_negative)
             SELECT * FROM unnest($1::text[], $2::smallint[], $3::bigint[], $4::bigint[], $5::boolean[])
             ON CONFLICT (account, shard) DO UPDATE SET debits_fen = ledger_balances.debits_fen + EXCLUDED.debits_fen,
                                                        credits_fen = ledger_balances.credits_fen + EXCLUDED.credits_fen`,
      values: [rows.map((r) => r.account), rows.map((r) => r.shard), rows.map((r) => r.debits), rows.map((r) => r.credits), rows.map((r) => r.may_go_negative)],
    };
  },
};

/** The accounts of a transfer as one JSON parameter (declared with ON CONFLICT DO NOTHING). */
export function accountsJson(t: CheckedTransfer): string {
  return JSON.stringify(t.accounts);
}

export function legsJson(t: CheckedTransfer): string {
  return JSON.stringify(t.legs.map((l, n) => ({ n, d: l.debit, c: l.credit, a: l.amount })));
}

/** The SQL that declares a transfer's accounts from a JSON parameter. */
export const DECLARE_ACCOUNTS = (param: string): string => `INSERT INTO ledger_accounts (code, kind, admdvs, other_admdvs, fund_type, psn_no, fixmedins_code, may_go_negative)
            SELECT * FROM jsonb_to_recordset(${param}::jsonb) AS x(code text, kind text, admdvs text, other_admdvs text, fund_type text, psn_no text, fixmedins_code text, may_go_negative boolean)
            ON CONFLICT (code) DO NOTHING`;

/** The SQL that writes the legs of transfer `t` (a CTE returning id) from a JSON parameter. */
export const INSERT_LEGS = (transfer: string, param: string): string => `INSERT INTO ledger_legs (transfer_id, n, debit_account, credit_account, amount_fen)
            SELECT ${transfer}.id, x.n, x.d, x.c, x.a FROM ${transfer}, jsonb_to_recordset(${param}::jsonb) AS x(n int, d text, c text, a bigint)`;

export interface Posted {
  id: number;
  /** False when the key had been posted before: the first transfer is returned and nothing is written. */
  posted: boolean;
}

/**
 * Posts a transfer outside a settlement (a contribution, a deposit, a family share, later
 * clearing and payments) in one statement: its accounts declared, the transfer unless its key
 * is already posted, its legs; then its balances. A post that would take an account that may
 * not go negative below zero fails on the balance row's CHECK and is refused here.
 */
export async function postTransfer(q: Queryable, t: CheckedTransfer, at: Date): Promise<Posted> {
  const r = await q.query<{ id: number; posted: boolean }>({ name: 'ledger_post', text: `WITH ac AS (${DECLARE_ACCOUNTS('$1')}),
     t AS (INSERT INTO ledger_transfers (kind, key, cause_kind, cause_id, reverses, amount_fen, at, memo)
           VALUES ($2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT (key) DO NOTHING RETURNING id),
     lg AS (${INSERT_LEGS('t', '$10')})
     SELECT id, true AS posted FROM t`, values: [accountsJson(t), t.kind, t.key, t.cause.kind, t.cause.id, t.reverses, t.amount, at, t.memo, legsJson(t)] });
  if (r.rows[0]) {
    const id = r.rows[0].id;
    try {
      await q.query(LEDGER_BALANCES.merge([balanceRows(t.changes, id % 16)])!);
    } catch (e) {
      if ((e as { constraint?: string }).constraint === 'ledger_balances_not_below_zero') {
        throw conflict('amount_fen', '账户余额不足，不能透支', 'the account may not go below zero: its balance is less than the amount');
      }
      throw e;
    }
    return { id, posted: true };
  }
  // The key was posted before (by a retry, or by a concurrent post that committed first).
  const first = await q.query<{ id: number }>(`SELECT id FROM ledger_transfers WHERE key = $1`, [t.key]);
  return { id: first.rows[0]!.id, posted: false };
}

export interface StoredTransfer {
  id: number;
  kind: string;
  key: string;
  cause_kind: string;
  cause_id: string;
  setl_id: string | null;
  reverses: number | null;
  amount_fen: number;
  memo: string | null;
  legs: Array<{ debit: string; credit: string; amount: number }>;
}

export async function findTransfer(q: Queryable, key: string): Promise<StoredTransfer | undefined> {
  const r = await q.query<StoredTransfer>(
    `SELECT t.id, t.kind, t.key, t.cause_kind, t.cause_id, t.setl_id, t.reverses, t.amount_fen, t.memo,
            coalesce((SELECT json_agg(json_build_object('debit', debit_account, 'credit', credit_account, 'amount', amount_fen) ORDER BY n)
                        FROM ledger_legs WHERE transfer_id = t.id), '[]') AS legs
       FROM ledger_transfers t WHERE t.key = $1`,
    [key],
  );
  return r.rows[0];
}

export async function findTransferById(q: Queryable, id: number): Promise<StoredTransfer | undefined> {
  const key = await q.query<{ key: string }>(`SELECT key FROM ledger_transfers WHERE id = $1`, [id]);
  return key.rows[0] ? findTransfer(q, key.rows[0].key) : undefined;
}

export interface LedgerCheck {
  transfers: number;
  debits_fen: number;
  credits_fen: number;
  /** Accounts whose maintained balance differs from the sum of their legs (should be none). */
  drifted: string[];
  /** Transfers whose amount is not the sum of their legs. */
  unbalanced: number[];
  /** Accounts named by a leg or a balance but not declared. */
  undeclared: string[];
  /** Accounts that may not go negative and are below zero by their legs. */
  overdrawn: string[];
  /** Settlements and cancellations without exactly one transfer. */
  settlements_without_one_transfer: string[];
  /** Transfers per kind. */
  by_kind: Record<string, number>;
}

/** Recomputes every balance from the legs and checks every kind of transfer: the audit a test (or an operator) runs. */
export async function checkLedger(q: Queryable): Promise<LedgerCheck> {
  const kinds = await q.query<{ kind: string; n: number }>(`SELECT kind, count(*)::int AS n FROM ledger_transfers GROUP BY kind ORDER BY kind`);
  const sums = await q.query<{ d: number; c: number }>(`SELECT coalesce(sum(debits_fen), 0)::bigint AS d, coalesce(sum(credits_fen), 0)::bigint AS c FROM ledger_balances`);
  const drift = await q.query<{ account: string }>(
    `WITH legs AS (
       SELECT debit_account AS account, amount_fen AS d, 0::bigint AS c FROM ledger_legs
       UNION ALL SELECT credit_account, 0, amount_fen FROM ledger_legs),
     fromlegs AS (SELECT account, sum(d) AS d, sum(c) AS c FROM legs GROUP BY account),
     kept AS (SELECT account, sum(debits_fen) AS d, sum(credits_fen) AS c FROM ledger_balances GROUP BY account)
     SELECT coalesce(f.account, k.account) AS account FROM fromlegs f FULL JOIN kept k ON k.account = f.account
      WHERE coalesce(f.d, 0) <> coalesce(k.d, 0) OR coalesce(f.c, 0) <> coalesce(k.c, 0) ORDER BY 1`,
  );
  const unbalanced = await q.query<{ id: number }>(
    `SELECT t.id FROM ledger_transfers t LEFT JOIN (SELECT transfer_id, sum(amount_fen) AS s FROM ledger_legs GROUP BY transfer_id) l ON l.transfer_id = t.id
      WHERE t.amount_fen <> coalesce(l.s, 0) ORDER BY t.id`,
  );
  const undeclared = await q.query<{ account: string }>(
    `SELECT account FROM (SELECT debit_account AS account FROM ledger_legs UNION SELECT credit_account FROM ledger_legs UNION SELECT account FROM ledger_balances) n
      WHERE NOT EXISTS (SELECT 1 FROM ledger_accounts a WHERE a.code = n.account) ORDER BY 1`,
  );
  const overdrawn = await q.query<{ account: string }>(
    `SELECT a.code AS account FROM ledger_accounts a
       JOIN (SELECT account, sum(d) AS d FROM (SELECT debit_account AS account, amount_fen AS d FROM ledger_legs
                                               UNION ALL SELECT credit_account, -amount_fen FROM ledger_legs) x GROUP BY account) b ON b.account = a.code
      WHERE NOT a.may_go_negative AND b.d < 0 ORDER BY 1`,
  );
  const orphans = await q.query<{ setl_id: string }>(
    `SELECT s.setl_id FROM settlements s LEFT JOIN ledger_transfers t ON t.setl_id = s.setl_id AND t.kind = s.kind
      GROUP BY s.setl_id HAVING count(t.id) <> 1
     UNION SELECT t.setl_id FROM ledger_transfers t LEFT JOIN settlements s ON s.setl_id = t.setl_id
      WHERE t.setl_id IS NOT NULL AND (s.setl_id IS NULL OR s.kind <> t.kind) ORDER BY 1`,
  );
  const byKind = Object.fromEntries(kinds.rows.map((r) => [r.kind, r.n]));
  return {
    transfers: kinds.rows.reduce((a, r) => a + r.n, 0), debits_fen: sums.rows[0]!.d, credits_fen: sums.rows[0]!.c, drifted: drift.rows.map((r) => r.account),
    unbalanced: unbalanced.rows.map((r) => r.id), undeclared: undeclared.rows.map((r) => r.account), overdrawn: overdrawn.rows.map((r) => r.account),
    settlements_without_one_transfer: orphans.rows.map((r) => r.setl_id), by_kind: byKind,
  };
}

/** An account's balance (debits − credits: what it received less what it gave). */
export async function accountBalance(q: Queryable, account: string): Promise<number> {
  const r = await q.query<{ b: number }>(`SELECT coalesce(sum(debits_fen - credits_fen), 0)::bigint AS b FROM ledger_balances WHERE account = $1`, [account]);
  return r.rows[0]!.b;
}

/** A person's personal-account balance: its one balance row (shard 0), 0 before its first transfer. */
export async function personalAccountBalance(q: Queryable, psnNo: string): Promise<number> {
  const r = await q.query<{ b: number }>(`SELECT debits_fen - credits_fen AS b FROM ledger_balances WHERE account = $1 AND shard = 0`, [personalAccount(psnNo)]);
  return r.rows[0]?.b ?? 0;
}

/** The SQL expression of a person's personal-account balance, `psn` naming the psn_no (null when it has no balance row yet). */
export const PERSONAL_BALANCE_SQL = (psn: string): string => `(SELECT debits_fen - credits_fen FROM ledger_balances WHERE account = 'psn_acct:' || ${psn} AND shard = 0)`;

/**
 * Bulk opening balances (the demo and bench loader): each personal account's balance brought
 * forward as one leg from its region's opening account, one transfer per call (at most 10,000
 * accounts, so leg numbers fit), the accounts declared and their balance rows written in the
 * same statement. Rows arrive valid and new (fresh persons), so nothing is merged but the
 * regions' opening accounts.
 */
export async function bulkOpeningBalances(q: Queryable, key: string, rows: { psn_no: string[]; admdvs: string[]; balc_fen: number[] }, at: Date): Promise<void> {
  const n = rows.psn_no.length;
  if (n === 0) return;
  if (n > 10_000) throw new Error('bulk opening balances: at most 10,000 accounts per transfer');
  await q.query(
    `WITH r AS (SELECT * FROM unnest($2::text[], $3::text[], $4::bigint[]) WITH ORDINALITY AS r(psn_no, admdvs, amount, n)),
     regions AS (SELECT admdvs, sum(amount) AS amount FROM r GROUP BY admdvs),
     ac AS (INSERT INTO ledger_accounts (code, kind, admdvs, other_admdvs, fund_type, psn_no, fixmedins_code, may_go_negative)
            SELECT 'psn_acct:' || psn_no, 'personal_account', NULL, NULL, NULL, psn_no, NULL, false FROM r
            UNION ALL SELECT 'opening:' || admdvs, 'opening', admdvs, NULL, NULL, NULL, NULL, true FROM regions
            ON CONFLICT (code) DO NOTHING),
     t AS (INSERT INTO ledger_transfers (kind, key, cause_kind, cause_id, amount_fen, at, memo)
           SELECT 'opening', $1, 'bulk_load', $1, sum(amount), $5, '个人账户期初余额 / personal-account balances brought forward' FROM r
           HAVING sum(amount) > 0 RETURNING id),
     lg AS (INSERT INTO ledger_legs (transfer_id, n, debit_account, credit_account, amount_fen)
            SELECT t.id, r.n - 1, 'psn_acct:' || r.psn_no, 'opening:' || r.admdvs, r.amount FROM t, r WHERE r.amount > 0),
     pb AS (INSERT INTO ledger_balances (account, shard, debits_fen, credits_fen, may_go_negative)
            SELECT 'psn_acct:' || psn_no, 0, amount, 0, false FROM r WHERE amount > 0)
     INSERT INTO ledger_balances (account, shard, debits_fen, credits_fen, may_go_negative)
     SELECT 'opening:' || admdvs, 0, 0, amount, true FROM regions WHERE amount > 0
     ON CONFLICT (account, shard) DO UPDATE SET credits_fen = ledger_balances.credits_fen + EXCLUDED.credits_fen`,
    [key, rows.psn_no, rows.admdvs, rows.balc_fen, at],
  );
}
