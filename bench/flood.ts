// The flood part of `npm run bench` (issue 18, docs/operations.md "Overload"): the real server
// (`yibao serve`, compiled, its HTTP workers) with admission limits set from the concurrency at
// which its capacity is measured, then offered three times that capacity.
//   capacity     2201 → 2204 → 2207 flows a second at `clients` closed-loop clients; each accepted
//                message's time in the server, its p99 the reference
//   flood        flows arriving open-loop at 3 × capacity for the same time; a message answered
//                "busy" is retried by its sender with the same msgid after the answer's Retry-After,
//                doubling each time up to 8 s, with jitter (exponential backoff, as a HIS should)
//   drain        the arrivals stop; the senders finish their flows
// It reports the accepted messages' p99 in the flood against the reference, the share shed, the
// rate settled during the flood against capacity, and checks that nothing is lost: every flow
// that began ends in one settlement (no msgid paid twice) and the ledger balances.
import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { seedDemo } from '../src/demo/generate.ts';
import { checkLedger } from '../src/store/ledger.ts';
import { createPool, ensureDatabase } from '../src/store/db.ts';
import { freePort, startEmbeddedPostgres } from '../src/store/embedded.ts';
import { migrate } from '../src/store/migrate.ts';
import { BenchClient } from './http-client.ts';
import { CALL, HOSPITAL, LINE_CODES, compileServer, envelope, percentile, personsOf, startServer, stopServer, treeCpuMs } from './gateway.ts';

const ROOT = path.resolve(import.meta.dirname, '..');

export interface FloodBench {
  clients: number;
  workers: number;
  /** YIBAO_GATEWAY_MAX_IN_FLIGHT per HTTP process: clients / workers, the concurrency capacity was measured at. */
  max_in_flight_per_process: number;
  seconds: number;
  capacity_flows_per_s: number;
  capacity_message_p50_ms: number;
  capacity_message_p99_ms: number;
  /** Messages shed while capacity was measured (0 when the closed loop's connections spread evenly). */
  shed_at_capacity: number;
  offered_flows_per_s: number;
  flood_flows_begun: number;
  /** Flows settled a second while the arrivals ran, against capacity (goodput under overload). */
  flood_settled_per_s: number;
  flood_settled_to_capacity: number;
  flood_message_p50_ms: number;
  flood_message_p99_ms: number;
  /** The goal: accepted messages keep their p99 (this near 1, not growing with the flood). */
  flood_p99_to_capacity_p99: number;
  /** Answers "busy, retry" among all answers in the flood and drain. */
  shed: number;
  shed_share: number;
  drain_seconds: number;
  /**
   * Where the machine's two kinds of time went, as cores busy on average (CPU ms per wall ms): the
   * server's processes, PostgreSQL's, this load generator's, at capacity and in the flood (Linux).
   */
  cores_at_capacity: { server: number | null; postgres: number | null; client: number };
  cores_in_flood: { server: number | null; postgres: number | null; client: number };
  /** Every begun flow settled once; the ledger balanced. */
  flows_lost: number;
  settled_twice: number;
  ledger_balanced: boolean;
  errors: number;
}

const BUSY = /busy|繁忙/;

export async function runFloodBench(opts: { quick: boolean; clients: number; seconds: number; dir?: string }): Promise<FloodBench> {
  const persons = opts.quick ? 2000 : 1_000_000;
  const dir = opts.dir ?? path.join(ROOT, '.yibao-bench', opts.quick ? 'quick' : 'full');
  const workers = Math.min(os.availableParallelism(), 8);
  // The concurrency capacity is measured at, per process, with a quarter's slack: the cluster
  // hands connections to whichever worker is free first, so their spread is not exact.
  const limit = Math.max(1, Math.ceil((opts.clients / workers) * 1.25));
  const pg = await startEmbeddedPostgres(path.join(dir, 'pg'));
  await ensureDatabase(pg.url('postgres'), 'yibao');
  const url = pg.url('yibao');
  const pool = createPool(url, 4);
  let server: ChildProcess | undefined;
  const clients: BenchClient[] = [];
  try {
    await migrate(pool);
    await seedDemo(pool, { persons, log: (l) => process.stderr.write(`[bench] demo: ${l}\n`) });
    const people = await personsOf(pool, 5000);
    process.stderr.write('[bench] flood: compiling the server (tsc, as npm start does)\n');
    compileServer();
    const port = await freePort();
    server = await startServer(url, port, { YIBAO_WORKERS: String(workers), YIBAO_GATEWAY_MAX_IN_FLIGHT: String(limit), YIBAO_GATEWAY_MAX_PER_INSTITUTION: String(limit) });
    // The closed loop's own connections, opened first: the cluster hands them to the workers in
    // turn, so each gets clients / workers and none is shed at capacity. Then enough connections
    // that the flood reaches the server rather than queueing in this process.
    const steady = new BenchClient(port, CALL, opts.clients);
    const flooding = new BenchClient(port, CALL, opts.clients * 8);
    clients.push(steady, flooding);
    let client = steady;
    let signNo = '';
    let errors = 0;
    let shed = 0;
    let missingRetryAfter = 0;
    let recording: number[] | undefined;
    /** One message until it is accepted: "busy" is retried with the same msgid, backing off. */
    const send = async (infno: string, input: unknown): Promise<any> => {
      const json = envelope(infno, input, signNo, 'F');
      for (let attempt = 0; ; attempt++) {
        const { answer, ms, retryAfterS } = await client.timed(json);
        if (answer.infcode === 0) {
          recording?.push(ms);
          return answer.output;
        }
        if (!BUSY.test(String(answer.err_msg))) {
          errors += 1;
          if (errors <= 3) process.stderr.write(`[bench] flood: ${answer.err_msg}\n`);
          return undefined;
        }
        shed += 1;
        if (retryAfterS === undefined) missingRetryAfter += 1;
        const backoff = Math.min(8000, (retryAfterS ?? 1) * 1000 * 2 ** attempt);
        await new Promise((r) => setTimeout(r, backoff / 2 + (Math.random() * backoff) / 2));
      }
    };
    signNo = (await send('9001', { signIn: { opter_no: 'bench', mac: '', ip: '127.0.0.1' } })).signinoutb.sign_no as string;
    let pick = 0;
    const settledIds: string[] = [];
    /** 2201 → 2204 → 2207 for the next person; true when it settled. */
    const flow = async (): Promise<boolean> => {
      const psnNo = people[pick++ % people.length]!;
      const reg = await send('2201', { data: { psn_no: psnNo, med_type: '11' } });
      const mdtrtId = reg?.data?.mdtrt_id as string | undefined;
      if (!mdtrtId) return false;
      const up = await send('2204', { feedetail: LINE_CODES.map(([codg, pric, cnt], i) => ({ feedetl_sn: String(i + 1), mdtrt_id: mdtrtId, psn_no: psnNo, med_list_codg: codg, pric, cnt, det_item_fee_sumamt: (pric * cnt).toFixed(2) })) });
      if (!up) return false;
      const s = await send('2207', { data: { psn_no: psnNo, mdtrt_id: mdtrtId, acct_used_flag: '0' } });
      if (!s) return false;
      settledIds.push(s.setlinfo.setl_id as string);
      return true;
    };
    const closedLoop = async (seconds: number): Promise<number> => {
      let n = 0;
      const end = performance.now() + seconds * 1000;
      await Promise.all(Array.from({ length: opts.clients }, async () => {
        while (performance.now() < end) if (await flow()) n += 1;
      }));
      return n;
    };

    const postmaster = Number(fs.readFileSync(path.join(dir, 'pg', 'postmaster.pid'), 'utf8').split('\n')[0]);
    const snap = () => ({ at: performance.now(), server: treeCpuMs(server!.pid), postgres: treeCpuMs(postmaster), client: process.cpuUsage() });
    const cores = (a: ReturnType<typeof snap>, b: ReturnType<typeof snap>) => {
      const wall = b.at - a.at;
      const share = (x: number | null, y: number | null): number | null => (x === null || y === null ? null : Math.round(((y - x) / wall) * 100) / 100);
      const c = process.cpuUsage(a.client);
      return { server: share(a.server, b.server), postgres: share(a.postgres, b.postgres), client: Math.round(((c.user + c.system) / 1000 / wall) * 100) / 100 };
    };
    await closedLoop(Math.min(5, opts.seconds)); // warm-up (JIT, prepared statements)
    const capacityLatencies: number[] = [];
    recording = capacityLatencies;
    const shedBefore = shed;
    const cap0 = snap();
    const capFlows = await closedLoop(opts.seconds);
    const cap1 = snap();
    const capCores = cores(cap0, cap1);
    const capacity = capFlows / ((cap1.at - cap0.at) / 1000);
    const shedAtCapacity = shed - shedBefore;

    // The flood: arrivals on a clock, whatever the answers.
    client = flooding;
    const floodLatencies: number[] = [];
    recording = floodLatencies;
    const shedFlood0 = shed;
    const offered = 3 * capacity;
    const settledBefore = settledIds.length;
    const flows: Array<Promise<boolean>> = [];
    const flood0 = snap();
    const floodEnd = flood0.at + opts.seconds * 1000;
    let next = flood0.at;
    while (performance.now() < floodEnd) {
      const now = performance.now();
      while (next <= now) {
        flows.push(flow());
        next += 1000 / offered;
      }
      await new Promise((r) => setTimeout(r, Math.max(1, Math.min(10, next - now))));
    }
    const settledDuringFlood = settledIds.length - settledBefore;
    const flood1 = snap();
    const floodCores = cores(flood0, flood1);
    const floodSeconds = (flood1.at - flood0.at) / 1000;
    const outcomes = await Promise.all(flows);
    const drainSeconds = (performance.now() - flood1.at) / 1000;
    const floodShed = shed - shedFlood0;

    // Nothing lost: every flow begun in the flood settled, and once.
    const floodIds = settledIds.slice(settledBefore);
    const stored = await pool.query<{ setl_id: string; n: number }>(
      `SELECT setl_id, count(*)::int AS n FROM settlements WHERE kind = 'settle' AND setl_id = ANY($1::text[]) GROUP BY setl_id`, [floodIds]);
    const twice = await pool.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM (SELECT mdtrt_id FROM settlements WHERE kind = 'settle' AND fixmedins_code = $1 GROUP BY mdtrt_id HAVING count(*) > 1) d`, [HOSPITAL]);
    const ledger = await checkLedger(pool);
    const capP99 = percentile(capacityLatencies.sort((a, b) => a - b), 99);
    const floodP99 = percentile(floodLatencies.sort((a, b) => a - b), 99);
    const answers = floodLatencies.length + floodShed;
    const r1 = (x: number): number => Math.round(x * 10) / 10;
    return {
      clients: opts.clients,
      workers,
      max_in_flight_per_process: limit,
      seconds: opts.seconds,
      capacity_flows_per_s: r1(capacity),
      capacity_message_p50_ms: percentile(capacityLatencies, 50),
      capacity_message_p99_ms: capP99,
      shed_at_capacity: shedAtCapacity,
      offered_flows_per_s: r1(offered),
      flood_flows_begun: flows.length,
      flood_settled_per_s: r1(settledDuringFlood / floodSeconds),
      flood_settled_to_capacity: Math.round((settledDuringFlood / floodSeconds / capacity) * 100) / 100,
      flood_message_p50_ms: percentile(floodLatencies, 50),
      flood_message_p99_ms: floodP99,
      flood_p99_to_capacity_p99: Math.round((floodP99 / Math.max(capP99, 0.001)) * 100) / 100,
      shed: floodShed,
      shed_share: Math.round((floodShed / Math.max(answers, 1)) * 1000) / 1000,
      drain_seconds: r1(drainSeconds),
      cores_at_capacity: capCores,
      cores_in_flood: floodCores,
      flows_lost: outcomes.filter((ok) => !ok).length + (floodIds.length - stored.rows.length),
      settled_twice: twice.rows[0]!.n + stored.rows.filter((r) => r.n > 1).length,
      ledger_balanced: ledger.debits_fen === ledger.credits_fen && ledger.drifted.length === 0 && ledger.unbalanced.length === 0,
      errors: errors + missingRetryAfter,
    };
  } finally {
    await stopServer(server);
    for (const c of clients) c.close();
    await pool.end();
    await pg.stop();
  }
}
