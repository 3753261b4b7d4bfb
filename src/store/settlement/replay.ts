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

interface TextRow {
  psn_no: string; setl_id: string; kind: string; orig_setl_id: string | null; mdtrt_id: string; setl_time: string; setl_year: number; month: string;
  insutype: string; policy_id: string; policy_version: number; setlinfo: string; setldetail: string; increments: string; inputs: string | null; explanation: string | null;
}

/** A ReplayRow's JSON put together from the columns' text: no JSON is built or parsed on this side. */
function rowText(r: TextRow): string {
  const q = JSON.stringify;
  return `{"setl_id":${q(r.setl_id)},"kind":${q(r.kind)},"orig_setl_id":${q(r.orig_setl_id)},"mdtrt_id":${q(r.mdtrt_id)},"psn_no":${q(r.psn_no)},"setl_time":${q(r.setl_time)},`
    + `"setl_year":${r.setl_year},"month":${q(r.month)},"insutype":${q(r.insutype)},"policy_id":${q(r.policy_id)},"policy_version":${r.policy_version},`
    + `"setlinfo":${r.setlinfo},"setldetail":${r.setldetail},"increments":${r.increments},"inputs":${r.inputs ?? 'null'}${r.explanation === null ? '' : `,"explanation":${r.explanation}`}}`;
}

/**
 * The period's rows, `batch` at a time, in (psn_no, setl_time, setl_id) order. Each column comes
 * as text (the stored input is json: its text is sent as it is), and the row's JSON is put
 * together here, for a worker thread to parse.
 */
export async function* replayRows(pool: Pool, f: ReplayFilter, batch = 2000): AsyncGenerator<ReplayText[]> {
  const client = await pool.connect();
  let open = false;
  try {
    await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
    open = true;
    await client.query({ text: `DECLARE replay NO SCROLL CURSOR FOR
      SELECT s.psn_no, s.setl_id, s.kind, s.orig_setl_id, s.mdtrt_id, to_char(s.setl_time AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS setl_time, s.setl_year,
             to_char(s.setl_time AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM') AS month, s.insutype, s.policy_id, s.policy_version,
             s.setlinfo::text AS setlinfo, s.setldetail::text AS setldetail, s.increments::text AS increments, s.inputs::text AS inputs,
             CASE WHEN $5 THEN s.explanation::text END AS explanation
        FROM settlements s WHERE ${WHERE}
       ORDER BY s.psn_no, s.setl_time, s.setl_id`, values: [...params(f), f.explanation] });
    for (;;) {
      const r = await client.query<TextRow>(`FETCH ${batch} FROM replay`);
      if (r.rows.length === 0) break;
      yield r.rows.map((x) => ({ psn_no: x.psn_no, row: rowText(x) }));
    }
    await client.query('COMMIT');
    open = false;
  } finally {
    if (open) await client.query('ROLLBACK').catch(() => undefined);
    client.release();
  }
}

/** The stored explanation steps of some settlements (the largest changes of a report). */
export async function storedSteps(pool: Pool, setlIds: readonly string[]): Promise<Map<string, unknown[]>> {
  const r = await pool.query<{ setl_id: string; steps: unknown[] }>(`SELECT setl_id, explanation->'steps' AS steps FROM settlements WHERE setl_id = ANY($1::text[])`, [setlIds]);
  return new Map(r.rows.map((x) => [x.setl_id, x.steps ?? []]));
}
