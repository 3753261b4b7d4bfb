// The federation part of `npm run bench` (issue 17): Jiangxi and Hunan as two `yibao serve`
// child processes with two databases of one embedded, durable PostgreSQL on this machine, on
// the federation demo (YIBAO_DEMO=federation). Visits are prepared beforehand (2201, 2204 at
// Hunan hospitals), then only 2207 is measured, at `clients` concurrent keep-alive clients:
//   local_settle_per_s  Hunan persons settled at Hunan hospitals (one deployment's work)
//   cross_settle_per_s  Jiangxi persons settled at the same hospitals: Hunan classifies, Jiangxi
//                       computes and records the benefits over the signed link, Hunan records
//   cross_to_local      the ratio of the two, measured in the same run (goal ≥ 0.5)
//   cross_p99_ms        (goal < 100 ms)
// The cluster is made afresh under .yibao-bench/federation/ at each run.
import fs from 'node:fs';
import path from 'node:path';
import { BenchClient } from './http-client.ts';
import { treeCpuMs } from './gateway.ts';
import { createPool, ensureDatabase, type Pool } from '../src/store/db.ts';
import { freePort, startEmbeddedPostgres } from '../src/store/embedded.ts';
import { CALL_SERVICE_PATH } from '../src/server/gateway/route.ts';
import { catalogItems, chinaTime, DeploymentProcess, Hospital, writeDirectories } from '../test/support/federation.ts';

const ROOT = path.resolve(import.meta.dirname, '..');

export interface FederationBench {
  persons_per_deployment: number;
  workers_per_deployment: number;
  clients: number;
  settlements_per_phase: number;
  local_settle_per_s: number;
  local_p50_ms: number;
  local_p99_ms: number;
  cross_settle_per_s: number;
  cross_p50_ms: number;
  cross_p99_ms: number;
  /** cross_settle_per_s / local_settle_per_s (the goal: at least 0.5). */
  cross_to_local: number;
  /** The goals, met or not. */
  goal_ratio_met: boolean;
  goal_p99_met: boolean;
  /**
   * CPU time per settlement (ms) of each deployment's processes during each phase (Linux /proc;
   * null elsewhere): where a cross-deployment settlement's cost goes, beside a local one's.
   */
  local_cpu_hunan_ms: number | null;
  cross_cpu_hunan_ms: number | null;
  cross_cpu_jiangxi_ms: number | null;
  prepare_seconds: number;
  errors: number;
}

interface Prepared {
  hospital: Hospital;
  psn_no: string;
  insutype: string;
  insuplc_admdvs: string;
  mdtrt_id: string;
  medfee_sumamt: string;
}

const round1 = (x: number): number => Math.round(x * 10) / 10;
const pct = (sorted: number[], p: number): number => sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] ?? 0;

/** 2201 + 2204 of `n` visits at the hospitals for the persons, `lanes` at a time; not measured. */
interface Insured { psn_no: string; certno: string; insuplc_admdvs: string; insutype: string; pooling: string }

/** A person at a hospital of her own pooling region when there is one (a local visit), else at any of them in turn. */
async function prepare(hospitals: Array<{ h: Hospital; pooling: string }>, persons: Insured[], n: number, lanes: number): Promise<Prepared[]> {
  const out: Prepared[] = [];
  let next = 0;
  await Promise.all(Array.from({ length: lanes }, async () => {
    for (let i = next++; i < n; i = next++) {
      const p = persons[i % persons.length]!;
      const here = hospitals.filter((x) => x.pooling === p.pooling);
      const { h, pooling } = here.length > 0 ? here[i % here.length]! : hospitals[i % hospitals.length]!;
      const items = catalogItems(pooling);
      const must = async (infno: string, input: unknown): Promise<any> => {
        const a = await h.call(infno, input, { insuplc_admdvs: p.insuplc_admdvs });
        if (a.infcode !== 0) throw new Error(`bench federation: ${infno} refused: ${a.err_msg}`);
        return a.output;
      };
      const at = chinaTime(new Date());
      const reg = await must('2201', { data: { psn_no: p.psn_no, insutype: p.insutype, begntime: at, mdtrt_cert_type: '02', mdtrt_cert_no: p.certno, ipt_otp_no: `MZB${i}`, dept_code: '01', dept_name: '内科', caty: 'A03' } });
      const mdtrtId = reg.data.mdtrt_id as string;
      const lines: Array<[string, number, number]> = [[items.class_a, 1200 + (i % 40) * 50, 2], [items.class_b, 2600 + (i % 30) * 70, 1], [items.limited.code, items.limited.limit_fen, 1]];
      await must('2204', { feedetail: lines.map(([code, f, cnt], j) => ({ feedetl_sn: `B${j + 1}`, mdtrt_id: mdtrtId, psn_no: p.psn_no, med_list_codg: code, pric: (f / 100).toFixed(2), cnt, det_item_fee_sumamt: ((f * cnt) / 100).toFixed(2), fee_ocur_time: at })) });
      const total = lines.reduce((s, [, f, cnt]) => s + f * cnt, 0);
      out.push({ hospital: h, psn_no: p.psn_no, insutype: p.insutype, insuplc_admdvs: p.insuplc_admdvs, mdtrt_id: mdtrtId, medfee_sumamt: (total / 100).toFixed(2) });
    }
  }));
  return out;
}

/** 2207 of every prepared visit at `clients` at once: the rate and the latencies. */
async function settleAll(port: number, visits: Prepared[], clients: number): Promise<{ per_s: number; p50: number; p99: number; errors: number }> {
  const client = new BenchClient(port, CALL_SERVICE_PATH, clients);
  const latencies: number[] = [];
  let errors = 0;
  let next = 0;
  const t0 = performance.now();
  await Promise.all(Array.from({ length: clients }, async () => {
    for (let i = next++; i < visits.length; i = next++) {
      const v = visits[i]!;
      const env = v.hospital.envelope('2207', { data: { psn_no: v.psn_no, mdtrt_id: v.mdtrt_id, medfee_sumamt: v.medfee_sumamt, acct_used_flag: '1', insutype: v.insutype } }, v.hospital.newMsgid(), v.insuplc_admdvs);
      const s = performance.now();
      const a = await client.post(JSON.stringify(env));
      latencies.push(performance.now() - s);
      if (a.infcode !== 0) {
        errors += 1;
        if (errors <= 3) process.stderr.write(`[bench] federation 2207 refused: ${a.err_msg}\n`);
      }
    }
  }));
  const elapsed = (performance.now() - t0) / 1000;
  client.close();
  latencies.sort((a, b) => a - b);
  return { per_s: Math.round(visits.length / elapsed), p50: round1(pct(latencies, 0.5)), p99: round1(pct(latencies, 0.99)), errors };
}

export async function runFederationBench(opts: { quick: boolean; clients: number; settlements: number; persons?: number; workers?: number; dir?: string; log?: (l: string) => void }): Promise<FederationBench> {
  const log = opts.log ?? ((l: string) => process.stderr.write(`[bench] federation: ${l}\n`));
  const dir = opts.dir ?? path.join(ROOT, '.yibao-bench', 'federation');
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true });
  const persons = opts.persons ?? (opts.quick ? 200 : 1000);
  const workers = opts.workers ?? 2;
  const pg = await startEmbeddedPostgres(path.join(dir, 'pg'));
  const specs = [
    { id: 'jiangxi', name: '江西省医保平台', regions: ['36'] },
    { id: 'hunan', name: '湖南省医保平台', regions: ['43'] },
  ];
  const ports = new Map<string, number>();
  for (const s of specs) {
    ports.set(s.id, await freePort());
    await ensureDatabase(pg.url('postgres'), `bench_${s.id}`);
  }
  const files = writeDirectories(dir, specs, (_v, t) => `http://127.0.0.1:${ports.get(t)!}`);
  const processes = specs.map((s) => new DeploymentProcess({
    id: s.id, port: ports.get(s.id)!, databaseUrl: pg.url(`bench_${s.id}`), federationFile: files.get(s.id)!, persons,
    env: { YIBAO_WORKERS: String(workers), LOG_LEVEL: 'silent' },
  }));
  const pools: Pool[] = [];
  try {
    const t0 = performance.now();
    log(`starting jiangxi and hunan (${persons} persons each, ${workers} workers each)`);
    await Promise.all(processes.map((p) => p.start(900_000)));
    const jx = createPool(pg.url('bench_jiangxi'), 2);
    const hn = createPool(pg.url('bench_hunan'), 2);
    pools.push(jx, hn);
    const hunanUrl = `http://127.0.0.1:${ports.get('hunan')!}`;
    // One hospital (level 2 or 3, settling cross-province outpatients) per Hunan pooling region with demo persons.
    const rows = (await hn.query<{ fixmedins_code: string; fixmedins_name: string; pooling: string }>(
      `SELECT DISTINCT ON (r.pooling_admdvs) i.fixmedins_code, i.fixmedins_name, r.pooling_admdvs AS pooling FROM institutions i JOIN regions r ON r.code = i.admdvs
        WHERE i.admdvs LIKE '43%' AND i.fixmedins_type = '1' AND i.settles_cross_prov_outpatient AND i.hosp_lv IN ('2', '3')
          AND r.pooling_admdvs IN (SELECT DISTINCT pr.pooling_admdvs FROM persons p JOIN regions pr ON pr.code = p.insuplc_admdvs WHERE p.federated_from IS NULL)
        ORDER BY r.pooling_admdvs, i.hosp_lv DESC, i.fixmedins_code`)).rows;
    const hospitals = rows.map((r) => ({ pooling: r.pooling, h: new Hospital({ url: hunanUrl, fixmedins_code: r.fixmedins_code, fixmedins_name: r.fixmedins_name, mdtrtarea_admvs: r.pooling }) }));
    for (const { h } of hospitals) await h.signIn();
    const insured = async (q: Pool): Promise<Insured[]> =>
      (await q.query(`SELECT p.psn_no, p.certno, p.insuplc_admdvs, e.insutype, r.pooling_admdvs AS pooling FROM persons p JOIN regions r ON r.code = p.insuplc_admdvs
                        JOIN enrollments e ON e.psn_no = p.psn_no AND e.insutype IN ('310', '390') AND e.psn_insu_stas = '1'
                       WHERE p.federated_from IS NULL ORDER BY p.psn_no`)).rows;
    const locals = await insured(hn);
    const remotes = await insured(jx);
    const n = opts.settlements;
    const warm = Math.min(200, Math.ceil(n / 5));
    log(`preparing ${n + warm} local and ${n + warm} cross-deployment visits (2201, 2204)`);
    const local = await prepare(hospitals, locals, n + warm, 16);
    const cross = await prepare(hospitals, remotes, n + warm, 16);
    const prepareSeconds = round1((performance.now() - t0) / 1000);
    const port = ports.get('hunan')!;
    // A warm-up of each kind, then each measured phase.
    await settleAll(port, local.slice(n), opts.clients);
    await settleAll(port, cross.slice(n), opts.clients);
    const [jxProc, hnProc] = processes;
    const cpu = (): [number | null, number | null] => [treeCpuMs(hnProc!.pid), treeCpuMs(jxProc!.pid)];
    const per = (a: number | null, b: number | null): number | null => (a === null || b === null ? null : Math.round(((b - a) / n) * 100) / 100);
    log(`settling ${n} local visits at ${opts.clients} clients`);
    const cpu0 = cpu();
    const l = await settleAll(port, local.slice(0, n), opts.clients);
    const cpu1 = cpu();
    log(`local: ${l.per_s}/s p99 ${l.p99} ms; settling ${n} cross-deployment visits`);
    const c = await settleAll(port, cross.slice(0, n), opts.clients);
    const cpu2 = cpu();
    log(`cross: ${c.per_s}/s p99 ${c.p99} ms`);
    const ratio = Math.round((c.per_s / Math.max(1, l.per_s)) * 100) / 100;
    return {
      persons_per_deployment: persons, workers_per_deployment: workers, clients: opts.clients, settlements_per_phase: n,
      local_settle_per_s: l.per_s, local_p50_ms: l.p50, local_p99_ms: l.p99,
      cross_settle_per_s: c.per_s, cross_p50_ms: c.p50, cross_p99_ms: c.p99,
      cross_to_local: ratio, goal_ratio_met: ratio >= 0.5, goal_p99_met: c.p99 < 100,
      local_cpu_hunan_ms: per(cpu0[0], cpu1[0]), cross_cpu_hunan_ms: per(cpu1[0], cpu2[0]), cross_cpu_jiangxi_ms: per(cpu1[1], cpu2[1]),
      prepare_seconds: prepareSeconds, errors: l.errors + c.errors,
    };
  } finally {
    await Promise.all(processes.map((p) => p.stop()));
    await Promise.all(pools.map((p) => p.end()));
    await pg.stop().catch(() => undefined);
  }
}
