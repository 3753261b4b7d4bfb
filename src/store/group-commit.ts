import crypto from 'node:crypto';
import type pg from 'pg';
import { assertInvariant, YibaoError } from '../engine/errors.ts';
import { RETRYABLE, together, type Pool, type Queryable } from './db.ts';

// Group commit: units of work that arrive together share one database transaction, so a
// burst of N gateway messages costs one BEGIN, one COMMIT (one WAL flush) and a handful of
// round trips instead of N of each. The work code does not change: each unit gets its own
// Queryable, and the queries the units issue in the same turn of the event loop travel to
// PostgreSQL in one write (`together`, on a pipelined client).
//
// Isolation between units of one transaction comes from conflict keys: every unit names the
// things it reads and then changes (a person, a visit, a msgid); a batch never holds two
// units with a key in common, and a batch takes advisory locks on all its keys, in one sorted
// order, before any unit runs, so concurrent batches on the same key serialise exactly as
// single transactions would, without lock-order deadlocks. A unit that cannot name its keys
// runs in a transaction of its own.
//
// Failure keeps single-transaction semantics. A unit that refuses (YibaoError) before writing
// anything simply answers its refusal while the others commit. A unit that fails after
// writing, or any SQL error (which aborts the whole transaction), rolls the batch back, and
// every unit of it runs again in a transaction of its own, where the failing one fails alone.

export interface Work<I, O, T, C> {
  /** What the unit reads then changes: locked (advisory) before it runs. */
  keys: readonly string[];
  /** Whether the keys name everything it changes, so that it may share a transaction. */
  shareable: boolean;
  /** What the unit reads first, right after the locks, in the BEGIN round trip. */
  opening: { read: SharedRead<I, O>; item: I };
  run: (q: Queryable, opened: O) => Promise<T>;
  /** What the unit writes at COMMIT for its result (merged with the other units'). */
  commit: (result: T) => { aggregate: CommitAggregate<C>; item: C } | undefined;
}

/**
 * A read that every unit of a transaction makes with its own arguments (`items`), done for all
 * of them in one statement whose rows `split` hands back to each unit, in order.
 */
export interface SharedRead<I, O> {
  query: (items: readonly I[]) => pg.QueryConfig;
  split: (result: pg.QueryResult, count: number) => O[];
}

// The queue holds units of every shape; each unit's types meet again only in its own callbacks.
type AnyWork = Work<any, any, any, any>;

interface Entry {
  work: AnyWork;
  locks: bigint[];
  resolve: (v: unknown) => void;
  reject: (e: unknown) => void;
}

export interface GroupCommitOptions {
  /** Transactions in flight at once from this process. */
  inFlight: number;
  /** Units per transaction at most. */
  maxUnits: number;
  /** Every statement of a batch's transaction at most this long (a stuck one fails, its units answer, the slot frees). */
  statementTimeoutMs?: number;
}

/**
 * Statements that add to shared counters (an account's balance) are best run once per
 * transaction, at its end, with every unit's contribution merged and sorted: the hot rows are
 * then locked only while committing, and always in the same order, so concurrent transactions
 * cannot deadlock on them. `merge` turns the items of the units that succeeded into one
 * statement.
 */
export interface CommitAggregate<T> {
  merge: (items: readonly T[]) => pg.QueryConfig | undefined;
}

/**
 * What a group commit reports about its transactions (issue 18: the server turns it into
 * metrics; the store stays SQL-only). `batch` once per transaction tried, with its units;
 * `rolledBack` when one rolls back, with what follows.
 */
export interface GroupCommitObserver {
  batch: (units: number) => void;
  rolledBack: (then: 'retried' | 'rerun' | 'failed') => void;
}

const AT_COMMIT = Symbol('atCommit');
type Sink = (aggregate: CommitAggregate<unknown>, item: unknown) => void;

/**
 * Adds `item` to what `aggregate` writes at the end of the transaction `q` belongs to (under
 * group commit); on any other Queryable the statement runs now.
 */
export async function atCommit<T>(q: Queryable, aggregate: CommitAggregate<T>, item: T): Promise<void> {
  const sink = (q as unknown as { [AT_COMMIT]?: Sink })[AT_COMMIT];
  if (sink) return sink(aggregate as CommitAggregate<unknown>, item);
  const statement = aggregate.merge([item]);
  if (statement) await q.query(statement);
}

// Two transactions in flight per process: while one waits on PostgreSQL the next gathers the
// messages that arrive meanwhile. Measured on the 2-core bench (docs/benchmarks.md): 2 gave
// larger batches and more flows a second than 1, 4 or 8.
const DEFAULT_OPTIONS: GroupCommitOptions = { inFlight: 2, maxUnits: 32, statementTimeoutMs: 10_000 };

/** 64 bits of sha256 of a key: the advisory-lock id. A collision only makes two units wait for each other. */
function lockId(key: string): bigint {
  return crypto.createHash('sha256').update(key).digest().readBigInt64BE(0);
}

export class GroupCommit {
  private readonly pending: Entry[] = [];
  private running = 0;
  private scheduled = false;

  constructor(
    private readonly pool: Pool,
    private readonly options: GroupCommitOptions = DEFAULT_OPTIONS,
    private readonly observer?: GroupCommitObserver,
  ) {}

  submit<I, O, T, C>(work: Work<I, O, T, C>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const locks = [...new Set(work.keys.map(lockId))];
      this.pending.push({ work, locks, resolve: resolve as (v: unknown) => void, reject });
      // Start on the next turn so that messages read in this one can join the same batch.
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => {
          this.scheduled = false;
          this.pump();
        });
      }
    });
  }

  private pump(): void {
    while (this.running < this.options.inFlight && this.pending.length > 0) {
      const batch = this.take();
      this.running += 1;
      void this.runBatch(batch).finally(() => {
        this.running -= 1;
        this.pump();
      });
    }
  }

  /** The next batch: the oldest unit, then every later one whose keys collide with none taken. */
  private take(): Entry[] {
    const first = this.pending.shift()!;
    if (!first.work.shareable) return [first];
    const batch = [first];
    const held = new Set(first.locks);
    for (let i = 0; i < this.pending.length && batch.length < this.options.maxUnits; ) {
      const e = this.pending[i]!;
      if (!e.work.shareable || e.locks.some((k) => held.has(k))) {
        i += 1;
        continue;
      }
      for (const k of e.locks) held.add(k);
      batch.push(e);
      this.pending.splice(i, 1);
    }
    return batch;
  }

  private async runBatch(batch: Entry[]): Promise<void> {
    try {
      const outcomes = await this.attempt(batch);
      batch.forEach((e, i) => {
        const o = outcomes[i]!;
        if (o.ok) e.resolve(o.value);
        else e.reject(o.error);
      });
    } catch (err) {
      if (batch.length === 1) {
        this.observer?.rolledBack('failed');
        batch[0]!.reject(err);
        return;
      }
      this.observer?.rolledBack('rerun');
      // Rolled back as a whole: each unit again, alone, so only the failing one fails.
      await Promise.all(batch.map((e) => this.runBatch([e])));
    }
  }

  /**
   * One transaction for the batch, retried on serialization failures and deadlocks. Resolves
   * with each unit's outcome once committed; rejects (after ROLLBACK) when the batch cannot
   * commit as a whole.
   */
  private async attempt(batch: Entry[]): Promise<Array<{ ok: true; value: unknown } | { ok: false; error: unknown }>> {
    const locks = [...new Set(batch.flatMap((e) => e.locks))].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    for (let attempt = 1; ; attempt++) {
      this.observer?.batch(batch.length);
      const client = await this.pool.connect();
      try {
        const shared = together(client);
        const ask = (c: string | pg.QueryConfig): Promise<pg.QueryResult> => shared.query(c as pg.QueryConfig);
        // One write: BEGIN, the locks in ascending order, the units' opening reads (one
        // statement for all the units that share a read).
        const reads = new Map<SharedRead<unknown, unknown>, number[]>();
        batch.forEach((e, i) => reads.set(e.work.opening.read, [...(reads.get(e.work.opening.read) ?? []), i]));
        const groups = [...reads];
        const sent = [
          ask('BEGIN'),
          ask(`SET LOCAL statement_timeout = ${Math.max(1, Math.floor(this.options.statementTimeoutMs ?? 10_000))}`),
          ask({ name: 'group_commit_lock_keys', text: 'SELECT lock_keys($1::bigint[])', values: [locks.map(String)] }),
          ...groups.map(([read, units]) => ask(read.query(units.map((i) => batch[i]!.work.opening.item)))),
        ];
        const answers = (await settleAll(sent)).slice(3);
        const opened: unknown[] = new Array(batch.length);
        groups.forEach(([read, units], g) => {
          const split = read.split(answers[g]!, units.length);
          assertInvariant(split.length === units.length, 'a shared read answers every unit of the transaction');
          split.forEach((o, k) => (opened[units[k]!] = o));
        });
        const deferred: Array<Map<CommitAggregate<unknown>, unknown[]>> = [];
        const runs = batch.map((e, i) => {
          const unit = tracked(shared);
          deferred.push(unit.deferred);
          return e.work.run(unit.q, opened[i]).then(
            (value) => ({ ok: true as const, value }),
            (error: unknown) => ({ ok: false as const, error, wrote: unit.wrote() }),
          );
        });
        const outcomes = await Promise.all(runs);
        // A refusal that wrote nothing leaves the transaction clean; anything else does not.
        const clean = batch.length === 1 ? outcomes.every((o) => o.ok) : outcomes.every((o) => o.ok || (o.error instanceof YibaoError && !o.wrote));
        if (!clean) {
          const failed = outcomes.find((o) => !o.ok) as { error: unknown };
          throw failed.error;
        }
        // What the units that succeeded deferred, then their own records, merged per aggregate.
        const merged = new Map<CommitAggregate<unknown>, unknown[]>();
        const add = (agg: CommitAggregate<unknown>, items: readonly unknown[]): void => void merged.set(agg, [...(merged.get(agg) ?? []), ...items]);
        outcomes.forEach((o, i) => {
          if (!o.ok) return;
          for (const [agg, items] of deferred[i]!) add(agg, items);
        });
        outcomes.forEach((o, i) => {
          const own = o.ok ? batch[i]!.work.commit(o.value) : undefined;
          if (own) add(own.aggregate, [own.item]);
        });
        const commits = [...merged].map(([agg, items]) => agg.merge(items)).filter((c): c is pg.QueryConfig => c !== undefined);
        await settleAll([...commits.map(ask), ask('COMMIT')]);
        return outcomes;
      } catch (err) {
        await client.query('ROLLBACK').catch(() => undefined);
        const code = (err as { code?: string }).code;
        if (code && RETRYABLE.has(code) && attempt < 5) {
          this.observer?.rolledBack('retried');
          continue;
        }
        throw err;
      } finally {
        client.release();
      }
    }
  }
}

/** Every answer, or the first failure once all have arrived (so none is left unhandled). */
async function settleAll(queries: Promise<pg.QueryResult>[]): Promise<pg.QueryResult[]> {
  const all = await Promise.allSettled(queries);
  const failed = all.find((r) => r.status === 'rejected');
  if (failed) throw failed.reason;
  return all.map((r) => (r as PromiseFulfilledResult<pg.QueryResult>).value);
}

/** A unit's view of the shared queryable, noting whether it sent anything but a SELECT, and what it defers to the commit. */
function tracked(shared: Queryable): { q: Queryable; wrote: () => boolean; deferred: Map<CommitAggregate<unknown>, unknown[]> } {
  let wrote = false;
  const deferred = new Map<CommitAggregate<unknown>, unknown[]>();
  const sink: Sink = (aggregate, item) => {
    wrote = true;
    deferred.set(aggregate, [...(deferred.get(aggregate) ?? []), item]);
  };
  const query = (textOrConfig: string | pg.QueryConfig, values?: readonly unknown[]): Promise<pg.QueryResult> => {
    const text = typeof textOrConfig === 'string' ? textOrConfig : textOrConfig.text;
    if (!/^\s*select\b/i.test(text)) wrote = true;
    return (shared.query as (t: string | pg.QueryConfig, v?: readonly unknown[]) => Promise<pg.QueryResult>)(textOrConfig, values);
  };
  return { q: { query, [AT_COMMIT]: sink } as unknown as Queryable, wrote: () => wrote, deferred };
}
