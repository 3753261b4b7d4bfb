// The supervision part of `npm run bench` (issue 15): the after-settlement scan of the whole
// shipped library (src/app/supervision/scan.ts) over a year of settled visits with their fee
// lines, written straight into the settlement tables for the demo's persons (the gateway part
// measures writing them one by one), against a plain count of the same lines in the same run:
//   scan_seconds          the full scan (every region, the year), findings written
//   scan_lines_per_s      lines judged per second
//   count_seconds         SELECT count(*) FROM fee_lines
//   scan_to_count         the ratio, which compares across machines better than the seconds
//   rerun_seconds         the same scan again: nothing new, nothing changed (the idempotent rerun)
// Its own embedded PostgreSQL, seeded afresh: the demo with `persons` persons, then `lines`
// lines on visits of four lines each, one in ten a stay of five days, a few set to fire rules.
import fs from 'node:fs';
import path from 'node:path';
import { seedDemo } from '../src/demo/generate.ts';
import { runScan } from '../src/app/supervision/scan.ts';
import { createPool, ensureDatabase, type Pool } from '../src/store/db.ts';
import { seedSettlementDocuments } from '../src/store/documents/seed.ts';
import { startEmbeddedPostgres } from '../src/store/embedded.ts';
import { migrate } from '../src/store/migrate.ts';

const ROOT = path.resolve(import.meta.dirname, '..');

export interface ScanBench {
  persons: number;
  visits: number;
  lines: number;
  findings: number;
  seed_seconds: number;
  scan_seconds: number;
  scan_lines_per_s: number;
  count_seconds: number;
  scan_to_count: number;
  rerun_seconds: number;
  rerun_changed: number;
}

const seconds = (ms: number): number => Math.round(ms / 10) / 100;

/** Four lines a visit: codes of the demo catalog at ordinary prices; one visit in 97 bills a restricted or repeated item. */
export async function seedVisits(pool: Pool, visits: number, log: (l: string) => void): Promise<void> {
  await pool.query(`CREATE TABLE bench_psn AS SELECT p.psn_no, g.pooling_admdvs AS pooling, row_number() OVER (ORDER BY p.psn_no) AS k
    FROM persons p JOIN regions g ON g.code = p.insuplc_admdvs JOIN enrollments e ON e.psn_no = p.psn_no AND e.end_date IS NULL`);
  await pool.query(`CREATE TABLE bench_inst AS SELECT i.fixmedins_code, i.hosp_lv, g.pooling_admdvs AS pooling, row_number() OVER (PARTITION BY g.pooling_admdvs ORDER BY i.fixmedins_code) AS k
    FROM institutions i JOIN regions g ON g.code = i.admdvs WHERE i.fixmedins_type = '1'`);
  await pool.query(`CREATE TABLE bench_insts AS SELECT pooling, count(*) AS n FROM bench_inst GROUP BY pooling`);
  await pool.query(`DELETE FROM bench_psn b WHERE NOT EXISTS (SELECT 1 FROM bench_insts i WHERE i.pooling = b.pooling)`);
  await pool.query(`CREATE TABLE bench_psn2 AS SELECT psn_no, pooling, row_number() OVER (ORDER BY psn_no) AS k FROM bench_psn`);
  const persons = Number((await pool.query(`SELECT count(*) AS n FROM bench_psn2`)).rows[0].n);
  const batch = 50_000;
  for (let from = 1; from <= visits; from += batch) {
    const to = Math.min(visits, from + batch - 1);
    await pool.query(
      `WITH v AS (
         SELECT v, p.psn_no, p.pooling, s.fixmedins_code, s.hosp_lv, v % 10 = 0 AS stay,
                timestamptz '2026-01-02 08:00+08' + ((v::bigint * 7919) % (320 * 86400)) * interval '1 second' AS t
           FROM generate_series($1::int, $2::int) v
           JOIN bench_psn2 p ON p.k = 1 + (v::bigint * 104729) % $3
           JOIN bench_insts c ON c.pooling = p.pooling
           JOIN bench_inst s ON s.pooling = p.pooling AND s.k = 1 + (v::bigint * 31) % c.n),
       ins AS (
         INSERT INTO visits (mdtrt_id, kind, status, psn_no, insutype, psn_type, fixmedins_code, hosp_lv, mdtrtarea_admvs, insuplc_admdvs, med_type, begntime, endtime, dise_codes, cross_region_status, eligibility, created_at)
         SELECT 'SV' || v, CASE WHEN stay THEN 'inpatient' ELSE 'outpatient' END, 'settled', psn_no, '390', '1501', fixmedins_code, hosp_lv, pooling, pooling,
                CASE WHEN stay THEN '21' ELSE '11' END, t, t + CASE WHEN stay THEN interval '5 days' ELSE interval '1 hour' END,
                ARRAY[CASE WHEN stay THEN 'J18.900' ELSE 'J06.900' END], 'local', '{}'::jsonb, t
           FROM v RETURNING mdtrt_id)
       INSERT INTO settlements (setl_id, kind, status, mdtrt_id, psn_no, fixmedins_code, insuplc_admdvs, mdtrtarea_admvs, insutype, psn_type, med_type, clr_type,
                                setl_time, setl_year, cross_region_status, policy_id, policy_version, medfee_sumamt, fund_pay_sumamt, acct_pay, psn_cash_pay, hosp_part_amt,
                                setlinfo, setldetail, increments, explanation, msgid)
       SELECT 'S' || lpad(v::text, 10, '0'), 'settle', 'settled', 'SV' || v, psn_no, fixmedins_code, pooling, pooling, '390', '1501', CASE WHEN stay THEN '21' ELSE '11' END,
              CASE WHEN stay THEN '21' ELSE '11' END, t + CASE WHEN stay THEN interval '5 days' ELSE interval '1 hour' END, 2026, 'local', 'bench', 1,
              10000, 6000, 0, 4000, 0, '{}'::jsonb, '[]'::jsonb, '{}'::jsonb, '{}'::jsonb, 'bench'
         FROM v`,
      [from, to, persons],
    );
    await pool.query(
      `WITH l AS (
         SELECT v, j, (v::bigint * 4 + j) AS n,
                timestamptz '2026-01-02 08:00+08' + ((v::bigint * 7919) % (320 * 86400)) * interval '1 second' + j * interval '1 minute' AS t
           FROM generate_series($1::int, $2::int) v CROSS JOIN generate_series(1, 4) j),
       c AS (
         SELECT l.*, CASE
                  WHEN n % 97 = 0 THEN 'XG03DAH090B002010101108'  -- sex-restricted, on anyone
                  WHEN n % 89 = 0 THEN '210300001'                -- a CT, now and then twice in a week
                  WHEN n % 83 = 0 THEN 'XC08CAA001A001010100026'  -- amlodipine, a box or several
                  WHEN j = 1 THEN '001101000010000'
                  WHEN j = 2 THEN 'XA02BCA211E001010101012'
                  ELSE '120400006' END AS code FROM l),
       p AS (
         SELECT c.*, CASE code WHEN 'XG03DAH090B002010101108' THEN 600 WHEN '210300001' THEN 15000 WHEN 'XC08CAA001A001010100026' THEN 2400
                       WHEN '001101000010000' THEN 1000 WHEN 'XA02BCA211E001010101012' THEN 3000 ELSE 2500 END AS pric,
                CASE WHEN code = 'XC08CAA001A001010100026' THEN 1 + n % 4 ELSE 1 END AS cnt FROM c)
       INSERT INTO fee_lines (mdtrt_id, feedetl_sn, seq, med_list_codg, fee_ocur_time, det_item_fee_sumamt, cnt, pric, chrgitm_lv, med_chrgitm_type, selfpay_prop_bp,
                              pric_uplmt_fen, fulamt_ownpay_amt, overlmt_amt, preselfpay_amt, inscp_scp_amt, separately_paid, reason_zh, reason_en, status, setl_id, upload_msgid)
       SELECT 'SV' || v, 'L' || j, j, code, t, pric * cnt, cnt, pric, '01',
              CASE code WHEN '210300001' THEN '03' WHEN '001101000010000' THEN '12' WHEN '120400006' THEN '05' ELSE '09' END, 0,
              CASE code WHEN '001101000010000' THEN 1000 WHEN '210300001' THEN 18000 ELSE NULL END, 0, 0, 0, pric * cnt, false, '甲类', 'class A', 'uploaded',
              'S' || lpad(v::text, 10, '0'), 'bench'
         FROM p`,
      [from, to],
    );
    log(`${to} of ${visits} visits (${to * 4} lines)`);
  }
  await pool.query('ANALYZE visits; ANALYZE fee_lines; ANALYZE settlements');
  // The seed's dirty pages are written now, not by a checkpoint in the middle of the scan's commits.
  await pool.query('CHECKPOINT');
}

export async function runScanBench(opts: { persons: number; lines: number; dir?: string; log?: (l: string) => void }): Promise<ScanBench> {
  const log = opts.log ?? ((l: string): void => void process.stderr.write(`[bench] scan: ${l}\n`));
  const dir = opts.dir ?? path.join(ROOT, '.yibao-bench', 'scan');
  fs.rmSync(path.join(dir, 'pg'), { recursive: true, force: true });
  const pg = await startEmbeddedPostgres(path.join(dir, 'pg'));
  await ensureDatabase(pg.url('postgres'), 'yibao');
  const pool = createPool(pg.url('yibao'), 4);
  try {
    await migrate(pool);
    const t0 = performance.now();
    await seedDemo(pool, { persons: opts.persons, log: (l) => log(`demo: ${l}`) });
    await seedSettlementDocuments(pool);
    const visits = Math.ceil(opts.lines / 4);
    await seedVisits(pool, visits, log);
    const seed_seconds = seconds(performance.now() - t0);
    const period = { scope: 'all', from: '2026-01-01', to: '2026-12-31', incremental: false, by: 'bench' };
    const t1 = performance.now();
    const scan = await runScan(pool, { ...period, progress: (l) => log(l.trim()) });
    const scanMs = performance.now() - t1;
    const t2 = performance.now();
    const counted = Number((await pool.query(`SELECT count(*) AS n FROM fee_lines`)).rows[0].n);
    const countMs = performance.now() - t2;
    const t3 = performance.now();
    const rerun = await runScan(pool, period);
    const rerunMs = performance.now() - t3;
    return {
      persons: opts.persons,
      visits,
      lines: counted,
      findings: Number((await pool.query(`SELECT count(*) AS n FROM supervision_findings`)).rows[0].n),
      seed_seconds,
      scan_seconds: seconds(scanMs),
      scan_lines_per_s: Math.round(scan.lines / (scanMs / 1000)),
      count_seconds: seconds(countMs),
      scan_to_count: Math.round((scanMs / Math.max(countMs, 1)) * 10) / 10,
      rerun_seconds: seconds(rerunMs),
      rerun_changed: rerun.found + rerun.amended + rerun.closed,
    };
  } finally {
    await pool.end();
    await pg.stop();
  }
}
