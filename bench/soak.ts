// `npm run soak -- --minutes N [--persons N] [--clients N]` (issue 18, docs/operations.md "Soak"):
// a mixed load of the interface (outpatient visits 2201 → 2204 → 2207 with one 2208
// cancellation in ten; one flow in four an inpatient stay 2401 → 2301 → 2402 → 2303 → 2304 with
// one 2305 in ten; 1101, 5206 and 5303 queries between) at half of the capacity measured at the start, for N minutes, against
// the real gateway (its Fastify routes, injected in this process: no sockets) on an embedded, durable PostgreSQL holding the
// demo (with its settlements, cross-region ones among them); half-way the dashboard is recounted,
// a month's clearing runs (a dry run) and a backup is taken, beside the traffic. Each minute it prints
// the latency percentiles, errors, memory and database size; at the end it checks the ledger
// and the accumulators. The short form runs in `npm test` (test/soak.test.ts).
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../src/server/app.ts';
import { runClearing } from '../src/app/clearing/run.ts';
import { refreshDashboard } from '../src/store/dashboard.ts';
import { checkLedger } from '../src/store/ledger.ts';
import { percentile } from './gateway.ts';
import { backupDatabase } from '../src/store/backup.ts';
import { createPool, ensureDatabase, type Pool } from '../src/store/db.ts';
import { startEmbeddedPostgres } from '../src/store/embedded.ts';
import { migrate } from '../src/store/migrate.ts';
import { seedAll } from '../src/cli/seed.ts';
import { readConfig } from '../src/server/config.ts';
import { chinaDate } from '../src/engine/calendar.ts';

const CALL = '/fsi/api/rsfComIfsService/callService';

export interface SoakTarget {
  /** The institution that sends, its pooling region, and persons insured there. */
  hospital: string;
  region: string;
  persons: Array<{ psn_no: string; certno: string; insutype: string }>;
  /** Fee lines of one visit (the demo catalog's codes). */
  lines: Array<[code: string, price: number, count: number]>;
}

export interface SoakMinute {
  minute: number;
  messages: number;
  errors: number;
  p50_ms: number;
  p95_ms: number;
  p99_ms: number;
  rss_mb: number;
  heap_mb: number;
  db_mb: number;
}

export interface SoakReport {
  capacity_flows_per_s: number;
  target_flows_per_s: number;
  minutes: SoakMinute[];
  recount_ms: number;
  clearing: { month: string; statements: number; ms: number };
  /** The backup taken half-way, when asked for (`yibao backup` beside the traffic). */
  backup?: { ms: number; mb: number; rows: number };
  settlements: number;
  cancellations: number;
  /** Messages answered with infcode 0 during the soak, by infno. */
  answered: Record<string, number>;
  books: { debits_equal_credits: boolean; drifted: number; unbalanced: number; accumulators_compared: number; accumulators_off: number };
  rss_growth_mb: number;
  db_growth_mb: number;
}

const pct = (sorted: number[], p: number): number => percentile(sorted, p, 1);

/**
 * Accumulator figures (numbers, and per-disease maps flattened to `key.code`) that are not the
 * sum of their settlements' increments (a cancellation's row carries negative increments).
 */
async function accumulatorsOff(pool: Pool): Promise<{ compared: number; off: number }> {
  const flat = (table: string, doc: string, year: string): string => `
      SELECT t.psn_no, t.${year} AS year, e.key AS k, (e.value)::numeric AS v
        FROM ${table} t JOIN persons p USING (psn_no), jsonb_each(t.${doc}) e
       WHERE p.federated_from IS NULL AND jsonb_typeof(e.value) = 'number'
      UNION ALL
      SELECT t.psn_no, t.${year}, e.key || '.' || c.key, (c.value)::numeric
        FROM ${table} t JOIN persons p USING (psn_no), jsonb_each(t.${doc}) e,
             jsonb_each(CASE WHEN jsonb_typeof(e.value) = 'object' THEN e.value ELSE '{}'::jsonb END) c
       WHERE p.federated_from IS NULL AND jsonb_typeof(c.value) = 'number'`;
  const r = await pool.query<{ compared: number; off: number }>(`
    WITH sums AS (SELECT psn_no, year, k, sum(v) AS v FROM (${flat('settlements', 'increments', 'setl_year')}) i GROUP BY 1, 2, 3),
         held AS (SELECT psn_no, year, k, sum(v) AS v FROM (${flat('accumulators', 'acc', 'year')}) a GROUP BY 1, 2, 3)
    SELECT count(*) FILTER (WHERE coalesce(sums.v, 0) <> 0 OR coalesce(held.v, 0) <> 0)::int AS compared,
           count(*) FILTER (WHERE coalesce(sums.v, 0) <> coalesce(held.v, 0))::int AS off
      FROM sums FULL JOIN held USING (psn_no, year, k)`);
  return r.rows[0]!;
}

/** Runs the soak against an app and its pool (the CLI makes both; the test gives its own). */
export async function runSoak(app: FastifyInstance, pool: Pool, t: SoakTarget, o: { minutes: number; clients: number; log: (l: string) => void; capacitySeconds?: number; backupFile?: string }): Promise<SoakReport> {
  let serial = 0;
  const envelope = (infno: string, input: unknown, signNo: string): string => JSON.stringify({
    infno, msgid: `${t.hospital}S${process.pid}${++serial}`, mdtrtarea_admvs: t.region, insuplc_admdvs: t.region, fixmedins_code: t.hospital,
    sign_no: signNo, infver: 'V1.0', opter_type: '1', opter: 'soak', inf_time: '', input,
  });
  const call = async (body: string): Promise<{ infcode: number; output: any; err_msg: string | null }> => {
    const res = await app.inject({ method: 'POST', url: CALL, headers: { 'content-type': 'application/json' }, payload: body });
    return JSON.parse(res.body);
  };
  const signNo = (await call(envelope('9001', { signIn: { opter_no: 'soak', mac: '', ip: '127.0.0.1' } }, ''))).output.signinoutb.sign_no as string;
  let latencies: number[] = [];
  let errors = 0;
  let settlements = 0;
  let cancellations = 0;
  let pick = 0;
  const answered: Record<string, number> = {};
  const timed = async (body: string): Promise<any> => {
    const t0 = performance.now();
    const a = await call(body);
    latencies.push(performance.now() - t0);
    if (a.infcode === 0) {
      const infno = (JSON.parse(body) as { infno: string }).infno;
      answered[infno] = (answered[infno] ?? 0) + 1;
    }
    if (a.infcode !== 0) {
      errors += 1;
      if (errors <= 3) o.log(`error: ${a.err_msg}`);
    }
    return a;
  };
  const stamp = (msAgo: number): string => {
    // China time, the interface's "yyyy-MM-dd HH:mm:ss".
    const d = new Date(Date.now() - msAgo + 8 * 3600_000);
    return d.toISOString().slice(0, 19).replace('T', ' ');
  };
  const feeLines = (mdtrtId: string, psnNo: string): unknown[] =>
    t.lines.map(([codg, pric, cnt], i) => ({ feedetl_sn: String(i + 1), mdtrt_id: mdtrtId, psn_no: psnNo, med_list_codg: codg, pric, cnt, det_item_fee_sumamt: (pric * cnt).toFixed(2) }));
  const outpatient = async (n: number, psnNo: string): Promise<void> => {
    const reg = await timed(envelope('2201', { data: { psn_no: psnNo, med_type: '11' } }, signNo));
    const mdtrtId = reg.output?.data?.mdtrt_id as string | undefined;
    if (!mdtrtId) return;
    await timed(envelope('2204', { feedetail: feeLines(mdtrtId, psnNo) }, signNo));
    const setl = await timed(envelope('2207', { data: { psn_no: psnNo, mdtrt_id: mdtrtId, acct_used_flag: '0' } }, signNo));
    if (setl.infcode === 0) settlements += 1;
    if (setl.infcode === 0 && n % 10 === 0) {
      const c = await timed(envelope('2208', { data: { psn_no: psnNo, mdtrt_id: mdtrtId, setl_id: setl.output.setlinfo.setl_id } }, signNo));
      if (c.infcode === 0) cancellations += 1;
    }
  };
  const inpatient = async (n: number, psnNo: string, insutype: string): Promise<void> => {
    const adm = await timed(envelope('2401', { mdtrtinfo: { psn_no: psnNo, insutype, med_type: '21', begntime: stamp(2 * 86_400_000) }, diseinfo: [{ diag_type: '1', diag_code: 'I63.900', diag_name: '脑梗死', maindiag_flag: '1' }] }, signNo));
    const mdtrtId = adm.output?.result?.mdtrt_id as string | undefined;
    if (!mdtrtId) return;
    await timed(envelope('5303', { data: { psn_no: psnNo } }, signNo));
    await timed(envelope('2301', { feedetail: feeLines(mdtrtId, psnNo) }, signNo));
    await timed(envelope('2402', { dscginfo: { mdtrt_id: mdtrtId, psn_no: psnNo, endtime: stamp(3_600_000), dscg_way: '1' } }, signNo));
    await timed(envelope('2303', { data: { psn_no: psnNo, mdtrt_id: mdtrtId, acct_used_flag: '0' } }, signNo));
    const setl = await timed(envelope('2304', { data: { psn_no: psnNo, mdtrt_id: mdtrtId, acct_used_flag: '0', mid_setl_flag: '0' } }, signNo));
    if (setl.infcode === 0) settlements += 1;
    if (setl.infcode === 0 && n % 40 === 3) {
      const c = await timed(envelope('2305', { data: { psn_no: psnNo, mdtrt_id: mdtrtId, setl_id: setl.output.setlinfo.setl_id } }, signNo));
      if (c.infcode === 0) cancellations += 1;
    }
  };
  const flow = async (): Promise<void> => {
    const n = pick++;
    const person = t.persons[n % t.persons.length]!;
    if (n % 5 === 0) await timed(envelope('1101', { data: { mdtrt_cert_type: '02', mdtrt_cert_no: person.certno, psn_cert_type: '01' } }, signNo));
    if (n % 5 === 1) await timed(envelope('5206', { data: { psn_no: person.psn_no } }, signNo));
    if (n % 4 === 3) await inpatient(n, person.psn_no, person.insutype);
    else await outpatient(n, person.psn_no);
  };
  // Capacity: flows a second at full concurrency, unpaced.
  const capSeconds = o.capacitySeconds ?? 10;
  let done = 0;
  const capEnd = performance.now() + capSeconds * 1000;
  await Promise.all(Array.from({ length: o.clients }, async () => {
    while (performance.now() < capEnd) {
      await flow();
      done += 1;
    }
  }));
  const capacity = done / capSeconds;
  const target = Math.max(1, capacity / 2);
  o.log(`capacity ${capacity.toFixed(1)} flows/s at ${o.clients} clients; soaking at ${target.toFixed(1)}/s for ${o.minutes} min`);
  latencies = [];
  errors = 0;
  const dbMb = async (): Promise<number> => Math.round(Number((await pool.query<{ b: string }>(`SELECT pg_database_size(current_database())::text AS b`)).rows[0]!.b) / 1048576 * 10) / 10;
  const mem = (): { rss: number; heap: number } => ({ rss: Math.round(process.memoryUsage().rss / 1048576), heap: Math.round(process.memoryUsage().heapUsed / 1048576) });
  const start = { rss: mem().rss, db: await dbMb() };
  const minutes: SoakMinute[] = [];
  const total = o.minutes * 60_000;
  const began = performance.now();
  let recountMs = 0;
  let clearing = { month: '', statements: 0, ms: 0 };
  let midDone = false;
  let jobs: Promise<void> = Promise.resolve();
  let backup: SoakReport['backup'];
  let inFlight = 0;
  const pending = new Set<Promise<void>>();
  let next = performance.now();
  let minuteEnd = began + 60_000;
  const closeMinute = async (): Promise<void> => {
    const sorted = [...latencies].sort((a, b) => a - b);
    const m = mem();
    const row: SoakMinute = { minute: minutes.length + 1, messages: latencies.length, errors, p50_ms: pct(sorted, 50), p95_ms: pct(sorted, 95), p99_ms: pct(sorted, 99), rss_mb: m.rss, heap_mb: m.heap, db_mb: await dbMb() };
    minutes.push(row);
    o.log(`minute ${row.minute}: ${row.messages} messages, ${row.errors} errors, p50 ${row.p50_ms} p95 ${row.p95_ms} p99 ${row.p99_ms} ms, rss ${row.rss_mb} MB, heap ${row.heap_mb} MB, db ${row.db_mb} MB`);
    latencies = [];
    errors = 0;
  };
  while (performance.now() - began < total) {
    const now = performance.now();
    if (!midDone && now - began >= total / 2) {
      midDone = true;
      // Half-way: the jobs a bureau runs beside the traffic, while it goes on.
      jobs = (async () => {
        const r0 = performance.now();
        await refreshDashboard(pool);
        recountMs = Math.round(performance.now() - r0);
        const c0 = performance.now();
        const month = chinaDate(new Date()).slice(0, 7).replace('-', '');
        const run = await runClearing(pool, { month, level: 'province', dryRun: true, now: new Date() });
        clearing = { month, statements: run.statements.length, ms: Math.round(performance.now() - c0) };
        o.log(`half-way: dashboard recounted in ${recountMs} ms; clearing ${month} (dry run) ${clearing.statements} statements in ${clearing.ms} ms`);
        if (o.backupFile) {
          const b0 = performance.now();
          const b = await backupDatabase(pool, o.backupFile);
          backup = { ms: Math.round(performance.now() - b0), mb: Math.round((b.bytes / 1048576) * 10) / 10, rows: b.rows };
          o.log(`half-way: backup of ${b.rows} rows, ${backup.mb} MB in ${backup.ms} ms`);
        }
      })();
    }
    if (now >= minuteEnd) {
      await closeMinute();
      minuteEnd += 60_000;
    }
    if (now >= next && inFlight < o.clients * 4) {
      inFlight += 1;
      const p: Promise<void> = flow().finally(() => {
        inFlight -= 1;
        pending.delete(p);
      });
      pending.add(p);
      next += 1000 / target;
    } else {
      await new Promise((r) => setTimeout(r, Math.max(1, Math.min(20, next - now))));
    }
  }
  await Promise.all(pending);
  await jobs;
  if (latencies.length > 0) await closeMinute();
  const ledger = await checkLedger(pool);
  const acc = await accumulatorsOff(pool);
  const books = { debits_equal_credits: ledger.debits_fen === ledger.credits_fen, drifted: ledger.drifted.length, unbalanced: ledger.unbalanced.length, accumulators_compared: acc.compared, accumulators_off: acc.off };
  o.log(`answered: ${Object.entries(answered).sort().map(([k, v]) => `${k} ${v}`).join(', ')}`);
  o.log(`books: debits = credits ${books.debits_equal_credits}, drifted ${books.drifted}, unbalanced ${books.unbalanced}, accumulator figures ${books.accumulators_compared} compared, ${books.accumulators_off} off`);
  const last = minutes[minutes.length - 1];
  return {
    capacity_flows_per_s: Math.round(capacity * 10) / 10, target_flows_per_s: Math.round(target * 10) / 10, minutes, recount_ms: recountMs, clearing, ...(backup ? { backup } : {}),
    settlements, cancellations, answered, books, rss_growth_mb: (last?.rss_mb ?? start.rss) - start.rss, db_growth_mb: Math.round(((last?.db_mb ?? start.db) - start.db) * 10) / 10,
  };
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { minutes: { type: 'string' }, persons: { type: 'string' }, clients: { type: 'string' } } });
  const minutes = Number(values.minutes ?? '5');
  const persons = Number(values.persons ?? '2000');
  const clients = Number(values.clients ?? '16');
  if (!(minutes > 0) || !(persons > 0) || !(clients > 0)) throw new Error('usage: npm run soak -- --minutes N [--persons N] [--clients N]');
  const log = (l: string): void => void process.stderr.write(`[soak] ${l}\n`);
  const dir = path.resolve(import.meta.dirname, '..', '.yibao-bench', 'soak');
  // A fresh database each run, so that growth is the soak's own.
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true });
  const pg = await startEmbeddedPostgres(path.join(dir, 'pg'));
  await ensureDatabase(pg.url('postgres'), 'yibao');
  const pool = createPool(pg.url('yibao'), clients + 4);
  try {
    await migrate(pool);
    // The whole demo, its settlements among them (cross-region ones too): the half-way clearing has a month to clear.
    await seedAll(pool, { ...readConfig({}), demoPersons: persons }, log);
    const hospital = 'H43021100001'; // 株洲市中心医院 (demo/fixtures.json)
    const region = '430200';
    const people = (await pool.query<{ psn_no: string; certno: string; insutype: string }>(
      `SELECT p.psn_no, p.certno, e.insutype FROM persons p JOIN enrollments e ON e.psn_no = p.psn_no AND e.psn_insu_stas = '1' AND e.insutype IN ('310', '390')
         JOIN regions g ON g.code = p.insuplc_admdvs
        WHERE g.pooling_admdvs = $1 LIMIT 2000`, [region])).rows;
    if (people.length === 0) throw new Error(`no insured persons of ${region} in the demo`);
    log(`${people.length} persons of ${region} at ${hospital}`);
    const app = await buildApp({ pool, now: () => new Date() });
    const report = await runSoak(app, pool, { hospital, region, persons: people, lines: [['XJ01CAA040E001010102231', 12.5, 2], ['XC10AAA126A001010100417', 30.1, 1], ['110200001', 10, 1], ['250101001', 25, 1]] }, { minutes, clients, log, backupFile: path.join(dir, 'half-way.backup.gz') });
    await app.close();
    console.log(JSON.stringify(report, null, 2));
    const b = report.books;
    if (!b.debits_equal_credits || b.drifted + b.unbalanced + b.accumulators_off > 0) process.exitCode = 1;
  } finally {
    await pool.end();
    await pg.stop();
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === path.resolve(import.meta.filename)) {
  main().catch((err: unknown) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  });
}
