import { engineInput, type ReplayRow, type StoredInput } from '../../engine/replay.ts';
import type { Pool } from '../db.ts';

// The stored settlements of a period read back for a replay (issue 19): in person order (then
// time), through a server-side cursor in a read-only snapshot, a batch at a time, so that
// memory stays flat however many there are; each thread of a replay reads its own share of the
// persons in one snapshot the reader exported. Each row is a ReplayRow (src/engine/replay.ts):
// its stored input with the fee lines as priced.

export interface ReplayFilter {
  /** The insured pooling region; every region when absent. */
  admdvs?: string | undefined;
  insutype?: string | undefined;
  /** First and last day of the period (China time), inclusive. */
  from: string;
  to: string;
  /** The stored explanation's steps and line shares too (a verification compares them). */
  explanation: boolean;
}

/** A thread's share of a replay: the persons from `after` (excluded) to `upto` (included) in psn_no order, read in the snapshot the reader exported. */
export interface ReplayShare {
  after: string | null;
  upto: string | null;
  snapshot: string;
}

const WHERE = `s.setl_time >= ($1::date)::timestamp AT TIME ZONE 'Asia/Shanghai'
   AND s.setl_time < ($2::date + 1)::timestamp AT TIME ZONE 'Asia/Shanghai'
   AND ($3::text IS NULL OR s.insuplc_admdvs = $3) AND ($4::text IS NULL OR s.insutype = $4)`;

/** A thread's share of the persons: a range of the index, so each thread reads its own rows only. */
const SHARE = `($6::text IS NULL OR s.psn_no > $6) AND ($7::text IS NULL OR s.psn_no <= $7)`;

const params = (f: ReplayFilter): unknown[] => [f.from, f.to, f.admdvs ?? null, f.insutype ?? null];

/**
 * How many rows the period holds (for progress), and the psn_no that end the first `parts − 1`
 * of `parts` shares of them, about equal in rows (a person's rows never straddle two: the
 * shares are ranges of psn_no). One scan of the period's index.
 */
export async function replayPlan(pool: Pool, f: ReplayFilter, parts: number): Promise<{ total: number; ends: string[] }> {
  const fractions = Array.from({ length: Math.max(0, parts - 1) }, (_, i) => (i + 1) / parts);
  const r = await pool.query<{ n: string; b: string[] | null }>(
    `SELECT count(*) AS n, CASE WHEN cardinality($5::float8[]) > 0 THEN percentile_disc($5::float8[]) WITHIN GROUP (ORDER BY s.psn_no) END AS b FROM settlements s WHERE ${WHERE}`,
    [...params(f), fractions],
  );
  return { total: Number(r.rows[0]!.n), ends: [...new Set(r.rows[0]!.b ?? [])] };
}

/** The distinct policy versions the period's settlements were priced under. */
export async function replayPolicyVersions(pool: Pool, f: ReplayFilter): Promise<{ policy_id: string; version: number }[]> {
  const r = await pool.query<{ policy_id: string; version: number }>(`SELECT DISTINCT s.policy_id, s.policy_version AS version FROM settlements s WHERE ${WHERE} ORDER BY 1, 2`, params(f));
  return r.rows;
}

/** The columns of a replay row, as text (numbers where they are numbers), in the cursor's order. */
type TextRow = [psn_no: string, setl_id: string, kind: 'settle' | 'cancel', orig_setl_id: string | null, mdtrt_id: string, setl_time: string, setl_year: number, month: string,
  insutype: string, policy_id: string, policy_version: number, medfee: string, fund: string, acct: string, cash: string, inputs: string | null, stored: string | null];

function replayRow(r: TextRow): ReplayRow {
  return {
    psn_no: r[0], setl_id: r[1], kind: r[2], orig_setl_id: r[3], mdtrt_id: r[4], setl_time: r[5], setl_year: r[6], month: r[7], insutype: r[8], policy_id: r[9], policy_version: r[10],
    paid: { medfee: Number(r[11]), fund: Number(r[12]), acct: Number(r[13]), cash: Number(r[14]) },
    inputs: r[15] === null ? null : engineInput(JSON.parse(r[15]) as StoredInput),
    ...(r[16] === null ? {} : { stored: JSON.parse(r[16]) as NonNullable<ReplayRow['stored']> }),
  };
}

/**
 * The period's rows (of one share of the persons, when given), `batch` at a time, in (psn_no,
 * setl_time, setl_id) order (an index's, so the database does not sort them). A simulation
 * reads what was paid from four bigint columns and the stored input as the text it is stored
 * as (json): turning the stored outcome's jsonb into text costs the database more than all the
 * rest, so only a verification reads it.
 */
export async function* replayRows(pool: Pool, f: ReplayFilter, share?: ReplayShare, batch = 1000): AsyncGenerator<ReplayRow> {
  const client = await pool.connect();
  let open = false;
  try {
    await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
    open = true;
    if (share) {
      if (!/^[0-9A-F]+-[0-9A-F]+-[0-9]+$/i.test(share.snapshot)) throw new Error(`not a snapshot id: ${share.snapshot}`);
      await client.query(`SET TRANSACTION SNAPSHOT '${share.snapshot}'`);
    }
    await client.query({ text: `DECLARE replay NO SCROLL CURSOR FOR
      SELECT s.psn_no, s.setl_id, s.kind, s.orig_setl_id, s.mdtrt_id, to_char(s.setl_time AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'), s.setl_year,
             to_char(s.setl_time AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM'), s.insutype, s.policy_id, s.policy_version,
             s.medfee_sumamt, s.fund_pay_sumamt, s.acct_pay, s.psn_cash_pay, s.inputs::text,
             CASE WHEN $5 THEN json_build_object('setlinfo', s.setlinfo, 'setldetail', s.setldetail, 'increments', s.increments, 'explanation', s.explanation)::text END
        FROM settlements s WHERE ${WHERE} AND ${SHARE}
       ORDER BY s.psn_no, s.setl_time, s.setl_id`, values: [...params(f), f.explanation, share?.after ?? null, share?.upto ?? null] });
    // One FETCH always on its way: the database makes the next batch while this one is priced.
    const fetch = () => client.query<TextRow>({ text: `FETCH ${batch} FROM replay`, rowMode: 'array' });
    let next = fetch();
    for (;;) {
      const r = await next;
      if (r.rows.length === 0) break;
      next = fetch();
      next.catch(() => undefined); // its failure is thrown where it is awaited
      // Parsed one at a time as it is taken: a batch of parsed rows alive at once makes every young-generation collection copy them.
      for (const x of r.rows) yield replayRow(x);
    }
    await client.query('COMMIT');
    open = false;
  } finally {
    if (open) await client.query('ROLLBACK').catch(() => undefined);
    client.release();
  }
}

/**
 * A snapshot for the threads of a replay to share (they read their shares in it), held by a
 * read-only transaction until `release`.
 */
export async function exportSnapshot(pool: Pool): Promise<{ snapshot: string; release: () => Promise<void> }> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
    const snapshot = (await client.query<{ s: string }>('SELECT pg_export_snapshot() AS s')).rows[0]!.s;
    return {
      snapshot,
      release: async () => {
        await client.query('COMMIT').catch(() => undefined);
        client.release();
      },
    };
  } catch (err) {
    client.release();
    throw err;
  }
}
