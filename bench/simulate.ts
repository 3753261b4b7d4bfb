// The simulation part of `npm run bench` (issue 19): a draft policy priced over stored
// settlements read back from the database, against the engine's own rate on the same claims in
// the same run:
//   engine_claims_per_s          the same claims' inputs settled under the draft, in process, on one core
//   simulate_claims_per_s        `yibao simulate` (draft against what was paid) over the database, both cores
//   simulate_to_engine           the ratio; the goal is 0.7 × 2 (both cores) = 1.4
//   simulate_one_thread_claims_per_s    the same on one worker thread
//   simulate_two_policies_claims_per_s  the same with a baseline policy re-settled too
//   read_rows_per_s              one thread's cursor alone (rows read and parsed, nothing priced)
//   peak_rss_mb                  the simulating process's peak resident memory (its own child process)
// The stored settlements: the 2,000-person demo's, seeded through the gateway (each with the
// facts it was priced on), then its busiest region and insurance type's persons copied in SQL
// until `settlements` rows stand — each copy a person of its own, with its own visits, lines
// and settlements, so the replay reads what a city's year of real rows would give it.
// `replay --verify` runs over them first: the copies must re-settle to what was stored too.
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { seedAll } from '../src/cli/seed.ts';
import { readConfig } from '../src/server/config.ts';
import { loadPolicy, settle, type SettlementInput } from '../src/engine/index.ts';
import { verifyStored } from '../src/app/settlement/simulation.ts';
import { createPool, ensureDatabase, type Pool } from '../src/store/db.ts';
import { DocumentRegistry } from '../src/store/documents/registry.ts';
import { startEmbeddedPostgres } from '../src/store/embedded.ts';
import { migrate } from '../src/store/migrate.ts';
import { replayRows } from '../src/store/settlement/replay.ts';
import { diseaseLookup } from '../src/store/shipped-documents.ts';

const ROOT = path.resolve(import.meta.dirname, '..');
const run = promisify(execFile);

export interface SimulateBench {
  settlements: number;
  persons: number;
  policy: string;
  seed_seconds: number;
  verify: { checked: number; different: number; seconds: number };
  engine_claims_per_s: number;
  read_rows_per_s: number;
  simulate_claims_per_s: number;
  simulate_seconds: number;
  simulate_to_engine: number;
  simulate_one_thread_claims_per_s: number;
  simulate_two_policies_claims_per_s: number;
  peak_rss_mb: number;
  workers: number;
}

/** Copies the persons of `admdvs`/`insutype` with settlements, with their visits, lines and settlements, until about `target` settlements of theirs stand. */
export async function copyPersons(pool: Pool, admdvs: string, insutype: string, target: number, log: (l: string) => void): Promise<void> {
  const base = Number((await pool.query<{ n: string }>(`SELECT count(*) AS n FROM settlements WHERE insuplc_admdvs = $1 AND insutype = $2`, [admdvs, insutype])).rows[0]!.n);
  const copies = Math.max(0, Math.ceil(target / base) - 1);
  await pool.query(`CREATE TABLE bench_psn AS SELECT DISTINCT psn_no FROM settlements WHERE insuplc_admdvs = $1 AND insutype = $2`, [admdvs, insutype]);
  await pool.query(`CREATE TABLE bench_visit AS SELECT DISTINCT mdtrt_id FROM settlements WHERE insuplc_admdvs = $1 AND insutype = $2`, [admdvs, insutype]);
  await pool.query(`CREATE TABLE bench_setl AS SELECT setl_id FROM settlements WHERE insuplc_admdvs = $1 AND insutype = $2`, [admdvs, insutype]);
  const step = 200;
  for (let from = 1; from <= copies; from += step) {
    const to = Math.min(copies, from + step - 1);
    // A copy's keys: psn_no and certno with a suffix, mdtrt_id with a prefix, setl_id (a number) moved by k × 10^10.
    await pool.query(`BEGIN`);
    // LATERAL: `(jsonb_populate_record(…)).*` would call the function once per column.
    await pool.query(`INSERT INTO persons SELECT r.* FROM persons p JOIN bench_psn b USING (psn_no) CROSS JOIN generate_series($1::int, $2::int) k
        CROSS JOIN LATERAL jsonb_populate_record(NULL::persons, to_jsonb(p) || jsonb_build_object('psn_no', p.psn_no || '-' || k, 'certno', p.certno || '-' || k)) r`, [from, to]);
    await pool.query(`INSERT INTO visits SELECT r.* FROM visits v JOIN bench_visit b USING (mdtrt_id) CROSS JOIN generate_series($1::int, $2::int) k
        CROSS JOIN LATERAL jsonb_populate_record(NULL::visits, to_jsonb(v) || jsonb_build_object('mdtrt_id', 'C' || k || '-' || v.mdtrt_id, 'psn_no', v.psn_no || '-' || k)) r`, [from, to]);
    await pool.query(`INSERT INTO settlements SELECT r.* FROM settlements s JOIN bench_setl b USING (setl_id) CROSS JOIN generate_series($1::int, $2::int) k
        CROSS JOIN LATERAL jsonb_populate_record(NULL::settlements, to_jsonb(s) || jsonb_build_object('setl_id', (s.setl_id::bigint + k * 10000000000)::text,
          'orig_setl_id', (s.orig_setl_id::bigint + k * 10000000000)::text, 'mdtrt_id', 'C' || k || '-' || s.mdtrt_id, 'psn_no', s.psn_no || '-' || k)) r
       ORDER BY k, s.setl_id::bigint`, [from, to]);
    await pool.query(`INSERT INTO fee_lines SELECT r.* FROM fee_lines f JOIN bench_visit b USING (mdtrt_id) CROSS JOIN generate_series($1::int, $2::int) k
        CROSS JOIN LATERAL jsonb_populate_record(NULL::fee_lines, to_jsonb(f) || jsonb_build_object('mdtrt_id', 'C' || k || '-' || f.mdtrt_id,
          'setl_id', (f.setl_id::bigint + k * 10000000000)::text)) r`, [from, to]);
    await pool.query(`COMMIT`);
    log(`simulate: ${to} of ${copies} copies`);
  }
  await pool.query(`DROP TABLE bench_psn, bench_visit, bench_setl`);
  await pool.query(`ANALYZE settlements; ANALYZE fee_lines; ANALYZE visits`);
}

/** `yibao simulate` in a child process: its figures and its peak memory. */
async function simulateChild(url: string, draftFile: string, baseline: string | undefined, workers: number): Promise<{ claims: number; seconds: number; peak_rss_mb: number }> {
  const args = ['--import', 'tsx', path.join(ROOT, 'bench/simulate-run.ts'), draftFile, String(workers), ...(baseline ? [baseline] : [])];
  const { stdout } = await run(process.execPath, args, { cwd: ROOT, env: { ...process.env, DATABASE_URL: url }, maxBuffer: 64 << 20 });
  return JSON.parse(stdout) as { claims: number; seconds: number; peak_rss_mb: number };
}

export async function runSimulateBench(opts: { settlements: number; persons?: number; log?: (l: string) => void }): Promise<SimulateBench> {
  const log = opts.log ?? ((l: string) => console.error(l));
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'yibao-bench-simulate-'));
  fs.chmodSync(dir, 0o755); // PostgreSQL runs as another user when the bench runs as root
  const pg = await startEmbeddedPostgres(path.join(dir, 'pg'));
  const pool = createPool(pg.url('yibao'), 4);
  try {
    await ensureDatabase(pg.url('postgres'), 'yibao');
    await migrate(pool);
    const t0 = performance.now();
    await seedAll(pool, { ...readConfig({}), demoPersons: opts.persons ?? 2000 }, () => undefined);
    const busiest = (await pool.query<{ insuplc_admdvs: string; insutype: string; policy_id: string; version: number }>(
      `SELECT insuplc_admdvs, insutype, policy_id, policy_version AS version FROM settlements WHERE kind = 'settle' GROUP BY 1, 2, 3, 4 ORDER BY count(*) DESC, 3 LIMIT 1`,
    )).rows[0]!;
    await copyPersons(pool, busiest.insuplc_admdvs, busiest.insutype, opts.settlements, log);
    const seedSeconds = (performance.now() - t0) / 1000;
    const filter = { admdvs: busiest.insuplc_admdvs, insutype: busiest.insutype, from: '2000-01-01', to: '2099-12-31' };
    const counts = (await pool.query<{ n: number; p: number }>(`SELECT count(*)::int AS n, count(DISTINCT psn_no)::int AS p FROM settlements WHERE insuplc_admdvs = $1 AND insutype = $2`, [filter.admdvs, filter.insutype])).rows[0]!;
    log(`simulate: ${counts.n} settlements of ${counts.p} persons (${busiest.insuplc_admdvs}/${busiest.insutype}) in ${seedSeconds.toFixed(0)} s`);
    const workers = os.availableParallelism();
    const v = await verifyStored(pool, new DocumentRegistry(), filter, { workers });
    log(`simulate: replay --verify ${v.checked} checked, ${v.different} different, ${v.seconds} s`);
    if (v.different > 0) throw new Error(`${v.different} stored settlements do not re-settle to what was stored`);

    // The draft: the stored policy with a lower outpatient deductible and higher ratios.
    const stored = (await new DocumentRegistry().get(pool, 'policy', busiest.policy_id, busiest.version)).doc as Record<string, unknown>;
    const out = stored['outpatient'] as Record<string, unknown>;
    const draft = { ...stored, version: busiest.version + 1, outpatient: { ...out, deductible_yuan: 0, ratio_bp_by_lv: Object.fromEntries(Object.entries(out['ratio_bp_by_lv'] as Record<string, number>).map(([k, x]) => [k, Math.min(10000, x + 500)])) } };
    const draftFile = path.join(dir, 'draft.json');
    fs.writeFileSync(draftFile, JSON.stringify(draft));
    const policy = loadPolicy(draft, diseaseLookup());

    // One thread's cursor alone (rows read and parsed), and the engine alone on the first 50,000 rows' inputs (one core, in process).
    const inputs: SettlementInput[] = [];
    let read = 0;
    const r0 = performance.now();
    for await (const r of replayRows(pool, { ...filter, explanation: false })) {
      read += 1;
      if (r.inputs && inputs.length < 50_000) inputs.push(r.inputs);
    }
    const readRowsPerS = read / ((performance.now() - r0) / 1000);
    let settled = 0;
    const e0 = performance.now();
    while (performance.now() - e0 < 2000) {
      for (const input of inputs) {
        try {
          settle(policy, input);
        } catch {
          // a refusal is priced too
        }
        settled += 1;
      }
    }
    const engineRate = settled / ((performance.now() - e0) / 1000);

    const one = await simulateChild(pg.url('yibao'), draftFile, undefined, workers);
    log(`simulate: ${one.claims} claims in ${one.seconds} s on ${workers} threads, peak ${one.peak_rss_mb} MB`);
    const single = await simulateChild(pg.url('yibao'), draftFile, undefined, 1);
    log(`simulate: ${single.claims} claims in ${single.seconds} s on 1 thread, peak ${single.peak_rss_mb} MB`);
    const two = await simulateChild(pg.url('yibao'), draftFile, `${busiest.policy_id}@${busiest.version}`, workers);
    const rate = one.claims / one.seconds;
    return {
      settlements: counts.n, persons: counts.p, policy: `${busiest.policy_id} v${busiest.version}`, seed_seconds: Math.round(seedSeconds),
      verify: { checked: v.checked, different: v.different, seconds: v.seconds },
      engine_claims_per_s: Math.round(engineRate), read_rows_per_s: Math.round(readRowsPerS),
      simulate_claims_per_s: Math.round(rate), simulate_seconds: one.seconds, simulate_to_engine: Math.round((rate / engineRate) * 1000) / 1000,
      simulate_one_thread_claims_per_s: Math.round(single.claims / single.seconds),
      simulate_two_policies_claims_per_s: Math.round(two.claims / two.seconds), peak_rss_mb: Math.max(one.peak_rss_mb, single.peak_rss_mb, two.peak_rss_mb), workers,
    };
  } finally {
    await pool.end();
    await pg.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
