import type { Pool } from '../db.ts';

// The stored settlements of a period read back for a replay (issue 19): in person order (then
// time), through a server-side cursor in one read-only snapshot, a batch at a time, so that
// memory stays flat however many there are. Each row comes as the JSON text of a ReplayRow
// (src/engine/replay.ts), its stored input with the fee lines as priced, for a worker thread to
// parse: the reading thread only passes text along.

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

/** A row for the replay: the person (to route it) and the row's JSON. */
export interface ReplayText {
  psn_no: string;
  row: string;
}

const WHERE = `s.setl_time >= ($1::date)::timestamp AT TIME ZONE 'Asia/Shanghai'
   AND s.setl_time < ($2::date + 1)::timestamp AT TIME ZONE 'Asia/Shanghai'
   AND ($3::text IS NULL OR s.insuplc_admdvs = $3) AND ($4::text IS NULL OR s.insutype = $4)`;

const params = (f: ReplayFilter): unknown[] => [f.from, f.to, f.admdvs ?? null, f.insutype ?? null];

/** How many rows the period holds (for progress). */
export async function countReplayRows(pool: Pool, f: ReplayFilter): Promise<number> {
  const r = await pool.query<{ n: string }>(`SELECT count(*) AS n FROM settlements s WHERE ${WHERE}`, params(f));
  return Number(r.rows[0]!.n);
}

/** The distinct policy versions the period's settlements were priced under. */
export async function replayPolicyVersions(pool: Pool, f: ReplayFilter): Promise<{ policy_id: string; version: number }[]> {
  const r = await pool.query<{ policy_id: string; version: number }>(`SELECT DISTINCT s.policy_id, s.policy_version AS version FROM settlements s WHERE ${WHERE} ORDER BY 1, 2`, params(f));
  return r.rows;
}

/** The columns of a replay row, as text (numbers where they are numbers), in the cursor's order. */
type TextRow = [psn_no: string, setl_id: string, kind: string, orig_setl_id: string | null, mdtrt_id: string, setl_time: string, setl_year: number, month: string,
  insutype: string, policy_id: string, policy_version: number, medfee: string, fund: string, acct: string, cash: string, inputs: string | null, stored: string | null];

/** A ReplayRow's JSON put together from the columns' text: no JSON is built or parsed on this side. */
function rowText(r: TextRow): string {
  const q = JSON.stringify;
  return `{"psn_no":${q(r[0])},"setl_id":${q(r[1])},"kind":${q(r[2])},"orig_setl_id":${q(r[3])},"mdtrt_id":${q(r[4])},"setl_time":${q(r[5])},"setl_year":${r[6]},`
    + `"month":${q(r[7])},"insutype":${q(r[8])},"policy_id":${q(r[9])},"policy_version":${r[10]},"paid":{"medfee":${r[11]},"fund":${r[12]},"acct":${r[13]},"cash":${r[14]}},`
    + `"inputs":${r[15] ?? 'null'}${r[16] === null ? '' : `,"stored":${r[16]}`}}`;
}

/**
 * The period's rows, `batch` at a time, in (psn_no, setl_time, setl_id) order (an index's, so
 * the database does not sort them). A simulation reads what was paid from four bigint columns
 * and the stored input as the text it is stored as (json): turning the stored outcome's jsonb
 * into text costs the database more than all the rest, so only a verification reads it. The
 * row's JSON is put together here from the columns' text, for a worker thread to parse.
 */
export async function* replayRows(pool: Pool, f: ReplayFilter, batch = 2000): AsyncGenerator<ReplayText[]> {
  const client = await pool.connect();
  let open = false;
  try {
    await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
    open = true;
    await client.query({ text: `DECLARE replay NO SCROLL CURSOR FOR
      SELECT s.psn_no, s.setl_id, s.kind, s.orig_setl_id, s.mdtrt_id, to_char(s.setl_time AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'), s.setl_year,
             to_char(s.setl_time AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM'), s.insutype, s.policy_id, s.policy_version,
             s.medfee_sumamt, s.fund_pay_sumamt, s.acct_pay, s.psn_cash_pay, s.inputs::text,
             CASE WHEN $5 THEN json_build_object('setlinfo', s.setlinfo, 'setldetail', s.setldetail, 'increments', s.increments, 'explanation', s.explanation)::text END
        FROM settlements s WHERE ${WHERE}
       ORDER BY s.psn_no, s.setl_time, s.setl_id`, values: [...params(f), f.explanation] });
    // One FETCH always on its way: the database makes the next batch while this one is passed on.
    const fetch = () => client.query<TextRow>({ text: `FETCH ${batch} FROM replay`, rowMode: 'array' });
    let next = fetch();
    for (;;) {
      const r = await next;
      if (r.rows.length === 0) break;
      next = fetch();
      next.catch(() => undefined); // its failure is thrown where it is awaited
      yield r.rows.map((x) => ({ psn_no: x[0], row: rowText(x) }));
    }
    await client.query('COMMIT');
    open = false;
  } finally {
    if (open) await client.query('ROLLBACK').catch(() => undefined);
    client.release();
  }
}
