// The gateway part of `npm run bench`: the real HTTP gateway (a `yibao serve` child process)
// against an embedded, durable PostgreSQL holding the demo (1,000,000 persons; 2,000 with
// --quick), driven by a lean keep-alive HTTP client in this process (./http-client.ts), on the same machine:
//   flow_per_s     2201 → 2204 (10 lines) → 2207 flows a second at 32 concurrent clients
//   settle_per_s   2207 alone, on visits whose fees were uploaded beforehand
//   analysis_per_s 3101 (the supervision library before settlement) alone; its p99 against the flows'
//   pg_raw_tx_per_s  a single-row INSERT transaction on the same database, same concurrency
// The seeded cluster is kept under .yibao-bench/ and reused; it is seeded only when absent.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { seedDemo } from '../src/demo/generate.ts';
import { BenchClient } from './http-client.ts';
import { createPool, ensureDatabase, type Pool } from '../src/store/db.ts';
import { freePort, startEmbeddedPostgres } from '../src/store/embedded.ts';
import { migrate } from '../src/store/migrate.ts';

const ROOT = path.resolve(import.meta.dirname, '..');
export const CALL = '/fsi/api/rsfComIfsService/callService';
export const HOSPITAL = 'H43021100001'; // 株洲市中心医院, level 3 (demo/fixtures.json)
export const REGION = '430200';

/** Ten lines from the demo catalog: 甲, 乙 with a first self-pay share, 丙, a price-limited service. */
export const LINE_CODES: Array<[string, number, number]> = [
  ['XJ01CAA040E001010102231', 12.5, 2],
  ['XC10AAA126A001010100417', 30.1, 1],
  ['110200001', 10, 1],
  ['250101001', 25, 1],
  ['XA02BCA211E001010101012', 18.6, 2],
  ['ZA01BAL0076020200917', 21.8, 1],
  ['XA11GAV099A022010100655', 15, 1],
  ['120400006', 8, 3],
  ['C14010202600000024850000001', 3.5, 2],
  ['210300001', 200, 1],
];

export interface GatewayBench {
  persons: number;
  clients: number;
  seconds_per_phase: number;
  flows: number;
  flow_per_s: number;
  flow_p50_ms: number;
  flow_p99_ms: number;
  /** Gateway messages per committed database transaction during the flows (group commit). */
  flow_messages_per_commit: number;
  /** WAL written per flow, in KiB, and full-page images in it (after a checkpoint a page's first change logs the whole page). */
  flow_wal_kb: number;
  flow_wal_full_pages: number;
  settlements: number;
  settle_per_s: number;
  settle_p50_ms: number;
  settle_p99_ms: number;
  /** 3101 (事前分析) of a visit of ten lines with the person's history, alone at the same concurrency. */
  analysis_per_s: number;
  analysis_p99_ms: number;
  /** The issue's goal: 3101/3102 answer within the flows' p99 (this at most 1). */
  analysis_p99_to_flow_p99: number;
  /**
   * CPU time per flow (per settlement for settle_*), in ms, of the server's processes, of
   * PostgreSQL's and of the load generator, during that phase (Linux /proc; null elsewhere):
   * what a flow costs, which moves less with the machine's noise than the rates do.
   */
  flow_cpu_server_ms: number | null;
  flow_cpu_postgres_ms: number | null;
  flow_cpu_client_ms: number;
  settle_cpu_server_ms: number | null;
  settle_cpu_postgres_ms: number | null;
  settle_cpu_client_ms: number;
  pg_raw_tx_per_s: number;
  flow_to_pg_raw: number;
  settle_to_pg_raw: number;
  seed_seconds: number | null;
  errors: number;
}

let serial = 0;
/** A message of the bench's hospital; `tag` keeps each part's msgids apart. */
export function envelope(infno: string, input: unknown, signNo: string, tag = 'B'): string {
  serial += 1;
  return JSON.stringify({
    infno, msgid: `${HOSPITAL}${tag}${process.pid}${serial}`, mdtrtarea_admvs: REGION, insuplc_admdvs: REGION, fixmedins_code: HOSPITAL,
    sign_no: signNo, infver: 'V1.0', opter_type: '1', opter: 'bench', inf_time: '', input,
  });
}

/** The statements of the flow phase by total execution time, per flow (to stderr). */
async function printStatements(pool: Pool, flows: number): Promise<void> {
  const r = await pool.query<{ calls: number; ms: number; blks: number; q: string }>(`SELECT calls::bigint, round(total_exec_time::numeric, 1)::float8 AS ms, (shared_blks_hit + shared_blks_read) / greatest(calls, 1) AS blks, left(regexp_replace(query, '\\s+', ' ', 'g'), 90) AS q
      FROM pg_stat_statements WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database()) ORDER BY total_exec_time DESC LIMIT 30`);
  for (const s of r.rows) process.stderr.write(`[bench] sql ${(s.ms / flows).toFixed(3)} ms/flow ${(s.calls / flows).toFixed(2)} calls/flow ${s.blks} blocks/call  ${s.q}\n`);
}

interface CpuSnapshot {
  server: number | null;
  postgres: number | null;
  client: NodeJS.CpuUsage;
}

/** CPU time (ms) used so far by a process and its descendants (Linux /proc; null elsewhere). */
export function treeCpuMs(root: number | undefined): number | null {
  if (root === undefined || process.platform !== 'linux') return null;
  const procs = new Map<number, { ppid: number; ticks: number }>();
  for (const name of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${name}/stat`, 'utf8');
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      procs.set(Number(name), { ppid: Number(f[1]), ticks: Number(f[11]) + Number(f[12]) });
    } catch {
      // The process ended meanwhile.
    }
  }
  let ticks = 0;
  for (const [pid, p] of procs) {
    let cur: number | undefined = pid;
    while (cur !== undefined && cur > 1 && cur !== root) cur = procs.get(cur)?.ppid;
    if (cur === root) ticks += p.ticks;
  }
  return ticks * 10; // /proc counts in USER_HZ, 100 a second on Linux
}

/** What each side spent between two snapshots, per unit of work (ms, one decimal). */
function cpuPer(a: CpuSnapshot, b: CpuSnapshot, n: number): { server: number | null; postgres: number | null; client: number } {
  const per = (x: number): number => Math.round((x / Math.max(n, 1)) * 100) / 100;
  const client = process.cpuUsage(a.client);
  return {
    server: a.server === null || b.server === null ? null : per(b.server - a.server),
    postgres: a.postgres === null || b.postgres === null ? null : per(b.postgres - a.postgres),
    client: per((client.user + client.system) / 1000),
  };
}

interface DbCounters {
  commits: number;
  walBytes: number;
  walFullPages: number;
}

/**
 * Transactions committed in this database so far, and WAL written by the cluster. Sessions
 * report their counts when idle, at most once a second, hence the wait; the bench's own few
 * statements count too.
 */
async function dbCounters(pool: Pool): Promise<DbCounters> {
  await new Promise((r) => setTimeout(r, 1500));
  const r = await pool.query<{ commits: number; wal_bytes: string; wal_fpi: number }>(
    `SELECT (SELECT xact_commit FROM pg_stat_database WHERE datname = current_database()) AS commits, wal_bytes, wal_fpi FROM pg_stat_wal`,
  );
  const row = r.rows[0]!;
  return { commits: row.commits, walBytes: Number(row.wal_bytes), walFullPages: row.wal_fpi };
}

/** The p-th percentile of ascending `sorted`, rounded to `decimals`. */
export function percentile(sorted: number[], p: number, decimals = 2): number {
  if (sorted.length === 0) return 0;
  const scale = 10 ** decimals;
  return Math.round(sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]! * scale) / scale;
}

/** `clients` loops of `once` for `seconds`; returns the count and each run's latency. */
async function drive(clients: number, seconds: number, once: (client: number) => Promise<void>): Promise<{ n: number; secs: number; latencies: number[] }> {
  const latencies: number[] = [];
  const end = performance.now() + seconds * 1000;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: clients }, async (_, c) => {
      while (performance.now() < end) {
        const t = performance.now();
        await once(c);
        latencies.push(performance.now() - t);
      }
    }),
  );
  return { n: latencies.length, secs: (performance.now() - started) / 1000, latencies: latencies.sort((a, b) => a - b) };
}

/** With BENCH_SAMPLE_WAITS set, what the database's sessions wait on during the flows (to stderr). */
function sampleWaits(pool: Pool): { stop: () => Promise<void> } {
  if (!process.env.BENCH_SAMPLE_WAITS) return { stop: async () => undefined };
  const seen = new Map<string, number>();
  let on = true;
  const loop = (async () => {
    while (on) {
      const r = await pool.query<{ w: string }>(`SELECT coalesce(wait_event_type || ':' || wait_event, state) || ' ' || left(regexp_replace(query, '\\s+', ' ', 'g'), 50) AS w FROM pg_stat_activity WHERE backend_type = 'client backend' AND pid <> pg_backend_pid() AND state <> 'idle'`);
      for (const { w } of r.rows) seen.set(w, (seen.get(w) ?? 0) + 1);
      await new Promise((res) => setTimeout(res, 50));
    }
  })();
  return {
    stop: async () => {
      on = false;
      await loop;
      for (const [w, n] of [...seen].sort((a, b) => b[1] - a[1]).slice(0, 25)) process.stderr.write(`[bench] wait ${n} ${w}\n`);
    },
  };
}

/** `clients` workers take items from `queue` until it is empty; each item's latency is kept. */
async function drain<T>(clients: number, queue: readonly T[], once: (item: T) => Promise<void>): Promise<{ n: number; secs: number; latencies: number[] }> {
  const latencies: number[] = [];
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: clients }, async () => {
      for (let i = next++; i < queue.length; i = next++) {
        const t = performance.now();
        await once(queue[i]!);
        latencies.push(performance.now() - t);
      }
    }),
  );
  return { n: latencies.length, secs: (performance.now() - started) / 1000, latencies: latencies.sort((a, b) => a - b) };
}

/**
 * Compiles the server as `npm start` does (tsc into dist/; the web pages are not needed): the
 * bench measures the code production runs, not the same code loaded through tsx (whose
 * wrappers cost the server about 6 % more CPU per flow, measured in alternating runs).
 */
export function compileServer(): void {
  const tsc = path.join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
  const out = spawnSync(process.execPath, [tsc, '-p', 'tsconfig.build.json'], { cwd: ROOT, encoding: 'utf8' });
  if (out.status !== 0) throw new Error(`compiling the server failed:\n${out.stdout}${out.stderr}`);
}

export async function startServer(url: string, port: number, env: Record<string, string> = {}): Promise<ChildProcess> {
  // BENCH_SERVER_FLAGS (e.g. --cpu-prof) profiles the server under load.
  const flags = (process.env.BENCH_SERVER_FLAGS ?? '').split(' ').filter(Boolean);
  const child = spawn(process.execPath, [...flags, path.join('dist', 'src', 'cli', 'main.js'), 'serve'], {
    cwd: ROOT,
    env: { ...process.env, DATABASE_URL: url, PORT: String(port), HOST: '127.0.0.1', YIBAO_DEMO_PERSONS: '0', LOG_LEVEL: 'silent', ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  await new Promise<void>((resolve, reject) => {
    let out = '';
    // Ready, and past the dashboard's start-up recount (or told it is not due): a million
    // persons' recount takes the database seconds of CPU, which a 20 s measurement would
    // otherwise count against the gateway.
    child.stdout!.on('data', (b: Buffer) => {
      out += b.toString();
      if (out.includes('ready on') && /dashboard (figures recounted|refresh failed)/.test(out)) resolve();
    });
    child.on('exit', (code) => reject(new Error(`server exited with ${code}: ${out}`)));
  });
  return child;
}

/** SIGTERM, and its exit (the workers with it). */
export async function stopServer(server: ChildProcess | undefined): Promise<void> {
  if (!server || server.exitCode !== null) return;
  const exited = new Promise((r) => server.once('exit', r));
  server.kill('SIGTERM');
  await exited;
}

export async function personsOf(pool: Pool, n: number): Promise<string[]> {
  const r = await pool.query<{ psn_no: string }>(
    `SELECT p.psn_no FROM persons p JOIN regions g ON g.code = p.insuplc_admdvs
       JOIN enrollments e ON e.psn_no = p.psn_no AND e.psn_insu_stas = '1' AND e.insutype IN ('310', '390') AND e.psn_insu_date <= '2026-01-01'
      WHERE g.pooling_admdvs = $1 OR p.insuplc_admdvs = $1 LIMIT $2`,
    [REGION, n],
  );
  return r.rows.map((x) => x.psn_no);
}

export async function runGatewayBench(opts: { quick: boolean; clients: number; seconds: number; dir?: string }): Promise<GatewayBench> {
  const persons = opts.quick ? 2000 : 1_000_000;
  const dir = opts.dir ?? path.join(ROOT, '.yibao-bench', opts.quick ? 'quick' : 'full');
  // BENCH_PG_STATEMENTS prints the statements that took the database's time (to stderr);
  // BENCH_PG_SETTINGS ("name=value name=value") runs the database with other settings, for
  // experiments only (the reported figures use the platform's own).
  const statements = Boolean(process.env.BENCH_PG_STATEMENTS);
  const settings = (process.env.BENCH_PG_SETTINGS ?? '').split(' ').filter(Boolean).flatMap((kv) => ['-c', kv]);
  const pg = await startEmbeddedPostgres(path.join(dir, 'pg'), { flags: [...(statements ? ['-c', 'shared_preload_libraries=pg_stat_statements'] : []), ...settings] });
  let server: ChildProcess | undefined;
  let http: BenchClient | undefined;
  const admin = pg.url('postgres');
  await ensureDatabase(admin, 'yibao');
  const url = pg.url('yibao');
  const pool = createPool(url, opts.clients + 2);
  try {
    await migrate(pool);
    let seedSeconds: number | null = null;
    const t0 = performance.now();
    const seeded = await seedDemo(pool, { persons, log: (l) => process.stderr.write(`[bench] demo: ${l}\n`) });
    if (seeded) seedSeconds = Math.round((performance.now() - t0) / 100) / 10;
    const people = await personsOf(pool, 5000);
    if (people.length < opts.clients) throw new Error(`only ${people.length} persons insured in ${REGION}`);

    process.stderr.write('[bench] compiling the server (tsc, as npm start does)\n');
    compileServer();
    const port = await freePort();
    server = await startServer(url, port);
    const client = (http = new BenchClient(port, CALL, opts.clients));
    const signIn = await client.post(envelope('9001', { signIn: { opter_no: 'bench', mac: '', ip: '127.0.0.1' } }, ''));
    const signNo = signIn.output.signinoutb.sign_no as string;
    let errors = 0;
    const must = (a: any): any => {
      if (a.infcode !== 0) {
        errors += 1;
        if (errors <= 3) process.stderr.write(`[bench] ${a.err_msg}\n`);
      }
      return a.output;
    };
    let pick = 0;
    // Each client takes the next person: one person's settlements serialise on its row lock.
    const nextPerson = (): string => people[pick++ % people.length]!;
    const open = async (): Promise<{ mdtrt_id: string; psn_no: string }> => {
      const psnNo = nextPerson();
      const reg = must(await client.post(envelope('2201', { data: { psn_no: psnNo, med_type: '11' } }, signNo)));
      const mdtrtId = reg.data?.mdtrt_id as string;
      must(await client.post(envelope('2204', { feedetail: LINE_CODES.map(([codg, pric, cnt], i) => ({ feedetl_sn: String(i + 1), mdtrt_id: mdtrtId, psn_no: psnNo, med_list_codg: codg, pric, cnt, det_item_fee_sumamt: (pric * cnt).toFixed(2) })) }, signNo)));
      return { mdtrt_id: mdtrtId, psn_no: psnNo };
    };
    const settleOne = async (v: { mdtrt_id: string; psn_no: string }): Promise<void> => {
      must(await client.post(envelope('2207', { data: { psn_no: v.psn_no, mdtrt_id: v.mdtrt_id, acct_used_flag: '0' } }, signNo)));
    };

    // Warm up: the JIT compiles the hot paths and every pooled connection prepares its
    // statements in the first seconds; a server in service is long past them. Measured: after
    // 1 s the flows cost about a fifth more CPU than after 5 s.
    await drive(opts.clients, Math.min(5, opts.seconds), async () => settleOne(await open()));
    if (statements) await pool.query(`CREATE EXTENSION IF NOT EXISTS pg_stat_statements; SELECT pg_stat_statements_reset()`);
    const waits = sampleWaits(pool);
    const countersBefore = await dbCounters(pool);
    const postmaster = Number(fs.readFileSync(path.join(dir, 'pg', 'postmaster.pid'), 'utf8').split('\n')[0]);
    const cpu = (): CpuSnapshot => ({ server: treeCpuMs(server!.pid), postgres: treeCpuMs(postmaster), client: process.cpuUsage() });
    const flowCpu0 = cpu();
    const flows = await drive(opts.clients, opts.seconds, async () => settleOne(await open()));
    const flowCpu = cpuPer(flowCpu0, cpu(), flows.n);
    const countersAfter = await dbCounters(pool);
    const commits = countersAfter.commits - countersBefore.commits;
    await waits.stop();
    if (statements) await printStatements(pool, flows.n);

    // Visits with fees uploaded, then 2207 alone.
    const ready: Array<{ mdtrt_id: string; psn_no: string }> = [];
    await drive(opts.clients, opts.seconds, async () => void ready.push(await open()));
    const settleCpu0 = cpu();
    const settles = await drain(opts.clients, ready, settleOne);
    const settled = settles.n;
    const settleCpu = cpuPer(settleCpu0, cpu(), settled);

    // 3101 alone: the library over a visit of ten lines and the person's history, nothing written.
    const day = new Date(Date.now() + 8 * 3600_000).toISOString().slice(0, 10);
    const analyses = await drive(opts.clients, opts.seconds, async () => {
      const psnNo = nextPerson();
      must(await client.post(envelope('3101', { data: { task_id: 'B', patient_dtos: [{
        patn_id: psnNo, patn_name: '测试', gend: '1', brdy: '1960-01-01', poolarea: REGION,
        fsi_encounter_dtos: [{
          mdtrt_id: `B${psnNo}`, medins_id: HOSPITAL, med_mdtrt_type: '1', adm_date: `${day} 09:00:00`, insutype: '390',
          fsi_diagnose_dtos: [{ dise_codg: 'J06.900', maindise_flag: '1' }],
          fsi_order_dtos: LINE_CODES.map(([codg, pric, cnt], i) => ({ rx_id: `R${i + 1}`, hilist_code: codg, cnt, pric, sumamt: Math.round(pric * cnt * 100) / 100, drord_begn_date: `${day} 09:10:00` })),
        }],
      }] } }, signNo)));
    });

    // The reference: a single-row insert transaction, same database, same concurrency.
    await pool.query(`CREATE TABLE IF NOT EXISTS bench_raw (id bigserial PRIMARY KEY, psn_no text NOT NULL, amount_fen bigint NOT NULL, at timestamptz NOT NULL DEFAULT now())`);
    const raw = await drive(opts.clients, opts.seconds, async (c) => {
      const client = await pool.connect();
      try {
        await client.query('BEGIN');
        await client.query('INSERT INTO bench_raw (psn_no, amount_fen) VALUES ($1, $2)', [people[c]!, 100]);
        await client.query('COMMIT');
      } finally {
        client.release();
      }
    });
    const flowRate = flows.n / flows.secs;
    const settleRate = settled / settles.secs;
    const rawRate = raw.n / raw.secs;
    const r1 = (x: number): number => Math.round(x * 10) / 10;
    return {
      persons,
      clients: opts.clients,
      seconds_per_phase: opts.seconds,
      flows: flows.n,
      flow_per_s: r1(flowRate),
      flow_p50_ms: percentile(flows.latencies, 50),
      flow_p99_ms: percentile(flows.latencies, 99),
      flow_messages_per_commit: Math.round(((flows.n * 3) / Math.max(commits, 1)) * 10) / 10,
      flow_wal_kb: r1((countersAfter.walBytes - countersBefore.walBytes) / 1024 / flows.n),
      flow_wal_full_pages: r1((countersAfter.walFullPages - countersBefore.walFullPages) / flows.n),
      settlements: settled,
      settle_per_s: r1(settleRate),
      settle_p50_ms: percentile(settles.latencies, 50),
      settle_p99_ms: percentile(settles.latencies, 99),
      analysis_per_s: r1(analyses.n / analyses.secs),
      analysis_p99_ms: percentile(analyses.latencies, 99),
      analysis_p99_to_flow_p99: Math.round((percentile(analyses.latencies, 99) / Math.max(percentile(flows.latencies, 99), 0.001)) * 100) / 100,
      flow_cpu_server_ms: flowCpu.server,
      flow_cpu_postgres_ms: flowCpu.postgres,
      flow_cpu_client_ms: flowCpu.client,
      settle_cpu_server_ms: settleCpu.server,
      settle_cpu_postgres_ms: settleCpu.postgres,
      settle_cpu_client_ms: settleCpu.client,
      pg_raw_tx_per_s: r1(rawRate),
      flow_to_pg_raw: Math.round((flowRate / rawRate) * 1000) / 1000,
      settle_to_pg_raw: Math.round((settleRate / rawRate) * 1000) / 1000,
      seed_seconds: seedSeconds,
      errors,
    };
  } finally {
    await stopServer(server);
    http?.close();
    await pool.end();
    await pg.stop();
    if (!fs.existsSync(path.join(dir, 'pg', 'PG_VERSION'))) throw new Error('bench cluster vanished');
  }
}
