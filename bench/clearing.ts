// The clearing part of `npm run bench`: the monthly clearing run (src/app/clearing/run.ts) of
// one month of cross-region settlements, written straight into the settlement tables over the
// demo's pooling regions (the gateway part measures writing them one by one), against a plain
// GROUP BY of the same rows in the same run:
//   clearing_seconds           both levels' runs for the month (province, then city)
//   clearing_group_by_seconds  SELECT insuplc_admdvs, mdtrtarea_admvs, sum(amount_fen), count(*) … GROUP BY
//   clearing_to_group_by       the ratio, which compares across machines better than the seconds
// The statements' totals are checked against the GROUP BY's to the fen. Its own embedded
// PostgreSQL (durable settings, as the platform runs), seeded afresh each time in a few minutes
// at most: the demo's regions and institutions with 2,000 persons, then the settlements in SQL.
import fs from 'node:fs';
import path from 'node:path';
import { seedDemo } from '../src/demo/generate.ts';
import { runClearing, type RunResult } from '../src/app/clearing/run.ts';
import { provinceOf } from '../src/engine/clearing.ts';
import { createPool, ensureDatabase, type Pool } from '../src/store/db.ts';
import { startEmbeddedPostgres } from '../src/store/embedded.ts';
import { migrate } from '../src/store/migrate.ts';

const ROOT = path.resolve(import.meta.dirname, '..');
const MONTH = '202611';

export interface ClearingBench {
  /** Cross-region settlements and cancellations the month's runs collect. */
  settlements: number;
  statements: number;
  lines: number;
  adjustments: number;
  seed_seconds: number;
  clearing_seconds: number;
  clearing_province_seconds: number;
  clearing_city_seconds: number;
  clearing_group_by_seconds: number;
  clearing_to_group_by: number;
  /** The statements' amounts and counts equal the GROUP BY's, per pair, to the fen. */
  totals_match: boolean;
}

/** How many main settlements make `n` rows with their cancellations (one in 200 is cancelled in the month). */
function mainCount(n: number, earlier: number): number {
  let m = n - earlier;
  while (m + Math.floor((m + 197) / 200) > n - earlier) m -= 1;
  return m;
}

/**
 * One month of cross-region settlements over the demo's pooling regions, in SQL: `n` rows the
 * November run collects. Of them one in 200 is dated in October (a late arrival: no October run
 * was made), one in 200 is cancelled later in November (both rows collected), and n/500 cancel
 * settlements of September that a September run (made here, before the measurement) holds:
 * adjustments of both kinds. Every settlement has a visit, a person insured in one pooling
 * region and a hospital of another; setlinfo and setldetail as the engine writes them.
 */
export async function seedClearingMonth(pool: Pool, n: number, log: (l: string) => void): Promise<void> {
  const cancelsOfSeptember = Math.floor(n / 500);
  const september = 2 * cancelsOfSeptember;
  const main = mainCount(n, cancelsOfSeptember);
  const visits = Math.max(200, Math.floor(n / 50));
  await pool.query(`CREATE TABLE bench_pool AS
    SELECT pooling, row_number() OVER (ORDER BY pooling) - 1 AS i FROM (SELECT DISTINCT g.pooling_admdvs AS pooling FROM persons p JOIN regions g ON g.code = p.insuplc_admdvs) x
     WHERE EXISTS (SELECT 1 FROM institutions i JOIN regions r ON r.code = i.admdvs WHERE r.pooling_admdvs = x.pooling AND i.fixmedins_type = '1')`);
  await pool.query(`CREATE TABLE bench_psn AS SELECT p.psn_no, g.pooling_admdvs AS pooling, row_number() OVER (PARTITION BY g.pooling_admdvs ORDER BY p.psn_no) AS k
    FROM persons p JOIN regions g ON g.code = p.insuplc_admdvs`);
  await pool.query(`CREATE TABLE bench_inst AS SELECT i.fixmedins_code, i.hosp_lv, g.pooling_admdvs AS pooling, row_number() OVER (PARTITION BY g.pooling_admdvs ORDER BY i.fixmedins_code) AS k
    FROM institutions i JOIN regions g ON g.code = i.admdvs WHERE i.fixmedins_type = '1'`);
  await pool.query(`CREATE TABLE bench_counts AS SELECT b.pooling, b.i, (SELECT count(*) FROM bench_psn p WHERE p.pooling = b.pooling) AS persons,
    (SELECT count(*) FROM bench_inst s WHERE s.pooling = b.pooling) AS insts FROM bench_pool b`);
  // Visit v: a person of pooling region I treated at a hospital of another region T.
  await pool.query(
    `INSERT INTO visits (mdtrt_id, kind, status, psn_no, insutype, psn_type, fixmedins_code, hosp_lv, mdtrtarea_admvs, insuplc_admdvs, med_type, begntime, cross_region_status, eligibility, created_at)
     SELECT 'CV' || v, 'outpatient', 'settled', p.psn_no, CASE WHEN v % 5 < 3 THEN '310' ELSE '390' END, CASE WHEN v % 5 < 3 THEN '1101' ELSE '1401' END,
            s.fixmedins_code, s.hosp_lv, t.pooling, i.pooling, '11', timestamptz '2026-09-01 00:00+08', 'filed', '{}'::jsonb, timestamptz '2026-09-01 00:00+08'
       FROM generate_series(1, $1::int) v
       CROSS JOIN LATERAL (SELECT count(*) AS np FROM bench_pool) c
       JOIN bench_counts i ON i.i = (v::bigint * 7) % c.np
       JOIN bench_counts t ON t.i = (i.i + 1 + (v::bigint * 13) % (c.np - 1)) % c.np
       JOIN bench_psn p ON p.pooling = i.pooling AND p.k = 1 + (v::bigint * 104729) % i.persons
       JOIN bench_inst s ON s.pooling = t.pooling AND s.k = 1 + (v::bigint * 31) % t.insts`,
    [visits],
  );
  await pool.query(`CREATE TABLE bench_visit AS SELECT row_number() OVER (ORDER BY mdtrt_id) AS n, * FROM visits WHERE mdtrt_id LIKE 'CV%'`);
  await pool.query('CREATE UNIQUE INDEX ON bench_visit (n)');
  log(`${visits} visits`);

  // The settlements g of a batch: which visit, when, how much, by which funds.
  const write = async (prefix: string, from: number, to: number, when: string): Promise<void> => {
    await pool.query(
      `WITH g AS (
         SELECT g, v.*, ${when} AS t, (2000 + (g::bigint * 7919) % 60000)::bigint AS medfee
           FROM generate_series($1::int, $2::int) g JOIN bench_visit v ON v.n = 1 + (g::bigint * 7919) % $3),
       a AS (
         SELECT g.*,
                CASE WHEN insutype = '310' THEN medfee * 55 / 100 ELSE medfee * 50 / 100 END AS pool_fund,
                CASE WHEN g % 10 <> 0 THEN 0 WHEN insutype = '310' THEN medfee * 10 / 100 ELSE medfee * 15 / 100 END AS big_fund,
                CASE WHEN insutype = '310' AND g % 3 = 0 THEN medfee * 15 / 100 ELSE 0 END AS acct
           FROM g),
       d AS (
         SELECT a.*, pool_fund + big_fund AS fund, medfee - pool_fund - big_fund - acct AS cash, medfee * 9 / 10 AS inscp,
                to_char(t AT TIME ZONE 'Asia/Shanghai', 'YYYYMM') AS month FROM a)
       INSERT INTO settlements (setl_id, kind, status, mdtrt_id, psn_no, fixmedins_code, insuplc_admdvs, mdtrtarea_admvs, insutype, psn_type, med_type, clr_type,
                                setl_time, setl_year, cross_region_status, policy_id, policy_version, medfee_sumamt, fund_pay_sumamt, acct_pay, psn_cash_pay, hosp_part_amt,
                                setlinfo, setldetail, increments, explanation, msgid)
       SELECT '${prefix}' || lpad(g::text, 9, '0'), 'settle', 'settled', mdtrt_id, psn_no, fixmedins_code, insuplc_admdvs, mdtrtarea_admvs, insutype, psn_type, '11', '11',
              t, 2026, 'filed', 'bench', 1, medfee, fund, acct, cash, 0,
              jsonb_build_object('medfee_sumamt', medfee, 'fulamt_ownpay_amt', medfee - inscp, 'overlmt_selfpay', 0, 'preselfpay_amt', 0, 'inscp_scp_amt', inscp,
                'act_pay_dedc', 0, 'hifp_pay', pool_fund, 'pool_prop_selfpay', inscp - fund, 'cvlserv_pay', 0, 'hifes_pay', 0, 'hifmi_pay', CASE WHEN insutype = '390' THEN big_fund ELSE 0 END,
                'hifob_pay', CASE WHEN insutype = '310' THEN big_fund ELSE 0 END, 'maf_pay', 0, 'hosp_part_amt', 0, 'oth_pay', 0, 'fund_pay_sumamt', fund,
                'psn_part_amt', medfee - fund, 'acct_pay', acct, 'psn_cash_pay', cash, 'balc', 100000, 'acct_mulaid_pay', 0),
              jsonb_build_array(jsonb_build_object('fund_pay_type', CASE WHEN insutype = '310' THEN '310100' ELSE '390100' END,
                  'fund_pay_type_name', CASE WHEN insutype = '310' THEN '职工基本医疗保险统筹基金' ELSE '城乡居民基本医疗保险基金' END,
                  'inscp_scp_amt', inscp, 'crt_payb_lmt_amt', 30000000 - pool_fund, 'fund_payamt', pool_fund, 'setl_proc_info', ''))
                || CASE WHEN big_fund = 0 THEN '[]'::jsonb ELSE jsonb_build_array(jsonb_build_object('fund_pay_type', CASE WHEN insutype = '310' THEN '330100' ELSE '390200' END,
                  'fund_pay_type_name', CASE WHEN insutype = '310' THEN '职工大额医疗费用补助基金' ELSE '城乡居民大病医疗保险资金' END,
                  'inscp_scp_amt', inscp, 'crt_payb_lmt_amt', null, 'fund_payamt', big_fund, 'setl_proc_info', '')) END
                || CASE WHEN acct = 0 THEN '[]'::jsonb ELSE jsonb_build_array(jsonb_build_object('fund_pay_type', '310200', 'fund_pay_type_name', '职工基本医疗保险个人账户基金',
                  'inscp_scp_amt', inscp, 'crt_payb_lmt_amt', null, 'fund_payamt', acct, 'setl_proc_info', '')) END,
              jsonb_build_object('outpatient_pool_paid_fen', pool_fund),
              json_build_object('steps', json_build_array(json_build_object('step', 'scope', 'in', json_build_object('medfee_sumamt', medfee), 'out', json_build_object('inscp_scp_amt', inscp)),
                json_build_object('step', 'pool', 'in', json_build_object('inscp_scp_amt', inscp), 'out', json_build_object('hifp_pay', pool_fund)),
                json_build_object('step', 'cash', 'in', json_build_object('acct_pay', acct), 'out', json_build_object('psn_cash_pay', cash)))),
              'bench'
         FROM d`,
      [from, to, visits],
    );
  };
  // Cancellations of the settlements picked by `which`, dated `when` (amounts negated, as 2208 writes them).
  const cancel = async (prefix: string, which: string, when: string): Promise<void> => {
    await pool.query(
      `WITH o AS (UPDATE settlements SET status = 'cancelled' WHERE ${which} RETURNING *)
       INSERT INTO settlements (setl_id, kind, orig_setl_id, status, mdtrt_id, psn_no, fixmedins_code, insuplc_admdvs, mdtrtarea_admvs, insutype, psn_type, med_type, clr_type,
                                setl_time, setl_year, cross_region_status, policy_id, policy_version, medfee_sumamt, fund_pay_sumamt, acct_pay, psn_cash_pay, hosp_part_amt,
                                setlinfo, setldetail, increments, explanation, msgid)
       SELECT '${prefix}' || substr(setl_id, 2), 'cancel', setl_id, 'settled', mdtrt_id, psn_no, fixmedins_code, insuplc_admdvs, mdtrtarea_admvs, insutype, psn_type, med_type, clr_type,
              ${when}, setl_year, cross_region_status, policy_id, policy_version, -medfee_sumamt, -fund_pay_sumamt, -acct_pay, -psn_cash_pay, -hosp_part_amt,
              (SELECT jsonb_object_agg(k, CASE WHEN k = 'balc' THEN v ELSE to_jsonb(-(v::text::bigint)) END) FROM jsonb_each(setlinfo) e(k, v)),
              (SELECT jsonb_agg(d || jsonb_build_object('fund_payamt', -(d->>'fund_payamt')::bigint, 'inscp_scp_amt', -(d->>'inscp_scp_amt')::bigint)) FROM jsonb_array_elements(setldetail) d),
              '{}'::jsonb, json_build_object('cancels', setl_id), 'bench'
         FROM o`,
    );
  };
  // Settlements numbered in the order they are made (as the gateway's serials are), so a
  // month's setl_ids rise with its setl_times, as they do in service.
  const november = (g: string): string => `timestamptz '2026-11-01 00:00+08' + (${g}::bigint * (30 * 86400 - 7200) / ${main + 1}) * interval '1 second'`;
  const october = (g: string): string => `timestamptz '2026-10-01 00:00+08' + ((${g}::bigint * 104729) % (31 * 86400)) * interval '1 second'`;
  const septemberAt = (g: string): string => `timestamptz '2026-09-01 00:00+08' + (${g}::bigint * 30 * 86400 / ${september + 1}) * interval '1 second'`;

  // September, cleared at both levels before November's measurement.
  await write('6', 1, september, septemberAt('g'));
  await fillOwed(pool, '6');
  for (const level of ['province', 'city'] as const) await runClearing(pool, { month: '202609', level, dryRun: false, now: new Date('2026-10-02T02:00:00Z') });
  log(`${september} September settlements, cleared`);
  // November: one in 200 dated in October (no October run), in batches.
  const batch = 100_000;
  for (let from = 1; from <= main; from += batch) {
    await write('7', from, Math.min(main, from + batch - 1), `CASE WHEN g % 200 = 7 THEN ${october('g')} ELSE ${november('g')} END`);
    log(`${Math.min(main, from + batch - 1)} of ${main} settlements`);
  }
  await cancel('8', `setl_id LIKE '7%' AND substr(setl_id, 2)::bigint % 200 = 3`, `o.setl_time + interval '2 hours'`);
  await cancel('9', `setl_id LIKE '6%' AND substr(setl_id, 2)::bigint % 2 = 0`, november(`(substr(o.setl_id, 2)::bigint * ${Math.max(1, Math.floor(main / september))})`));
  await fillOwed(pool, '7', '8', '9');
  await pool.query('ANALYZE settlements; ANALYZE cross_region_owed; ANALYZE visits');
}

/**
 * What each cross-region settlement owes, as the settlement's write stores it
 * (src/store/settlement/service.ts; by fund type by the rule of owedByFund, in SQL as
 * migration 019 applies it to the rows stored before it).
 */
async function fillOwed(pool: Pool, ...prefixes: string[]): Promise<void> {
  await pool.query(
    `INSERT INTO cross_region_owed (setl_id, insuplc_admdvs, mdtrtarea_admvs, fixmedins_code, clr_month, amount_fen, setl_time, orig_setl_id, insutype, by_fund)
     SELECT s.setl_id, s.insuplc_admdvs, s.mdtrtarea_admvs, s.fixmedins_code, to_char(s.setl_time AT TIME ZONE 'Asia/Shanghai', 'YYYYMM'), s.fund_pay_sumamt + s.acct_pay,
            s.setl_time, s.orig_setl_id, s.insutype,
            (SELECT coalesce(jsonb_object_agg(f.k, CASE WHEN s.kind = 'cancel' THEN -f.v ELSE f.v END), '{}'::jsonb)
               FROM (SELECT d->>'fund_pay_type' AS k, sum(abs((d->>'fund_payamt')::bigint)) AS v FROM jsonb_array_elements(s.setldetail) d
                      WHERE d->>'fund_pay_type' NOT IN ('310200', '999996') AND (d->>'fund_payamt')::bigint <> 0 GROUP BY 1
                     UNION ALL SELECT '310200', abs(s.acct_pay) WHERE s.acct_pay <> 0) f)
       FROM settlements s WHERE left(s.setl_id, 1) = ANY($1::text[]) AND s.insuplc_admdvs <> s.mdtrtarea_admvs`,
    [prefixes],
  );
}

const PLAIN_GROUP_BY = `SELECT insuplc_admdvs, mdtrtarea_admvs, sum(amount_fen)::bigint AS amount_fen, count(*)::int AS n
  FROM cross_region_owed WHERE clr_month BETWEEN $1 AND $2 GROUP BY insuplc_admdvs, mdtrtarea_admvs`;

const seconds = (ms: number): number => Math.round(ms / 10) / 100;

export async function runClearingBench(opts: { settlements: number; dir?: string; log?: (l: string) => void }): Promise<ClearingBench> {
  const log = opts.log ?? ((l: string): void => void process.stderr.write(`[bench] clearing: ${l}\n`));
  const dir = opts.dir ?? path.join(ROOT, '.yibao-bench', 'clearing');
  fs.rmSync(path.join(dir, 'pg'), { recursive: true, force: true });
  const pg = await startEmbeddedPostgres(path.join(dir, 'pg'));
  await ensureDatabase(pg.url('postgres'), 'yibao');
  const pool = createPool(pg.url('yibao'), 4);
  try {
    await migrate(pool);
    const t0 = performance.now();
    await seedDemo(pool, { persons: 2000 });
    await seedClearingMonth(pool, opts.settlements, log);
    const seed_seconds = seconds(performance.now() - t0);
    await pool.query('CHECKPOINT');

    // The reference first, then the runs: each reads the same rows, warm from the seed.
    const g0 = performance.now();
    const plain = await pool.query<{ insuplc_admdvs: string; mdtrtarea_admvs: string; amount_fen: number; n: number }>(PLAIN_GROUP_BY, ['202610', MONTH]);
    const groupBy = performance.now() - g0;
    const runs: RunResult[] = [];
    const timed: number[] = [];
    for (const level of ['province', 'city'] as const) {
      const t = performance.now();
      runs.push(await runClearing(pool, { month: MONTH, level, dryRun: false, now: new Date('2026-12-01T02:00:00Z'), progress: log }));
      timed.push(performance.now() - t);
    }
    const [province, city] = timed as [number, number];

    // The statements against the GROUP BY, per (insured, treatment) pair of the level, to the fen.
    const expected = new Map<string, { amount: number; count: number }>();
    for (const r of plain.rows) {
      const cross = provinceOf(r.insuplc_admdvs) !== provinceOf(r.mdtrtarea_admvs);
      const key = cross ? `province:${provinceOf(r.insuplc_admdvs)}:${provinceOf(r.mdtrtarea_admvs)}` : `city:${r.insuplc_admdvs}:${r.mdtrtarea_admvs}`;
      const e = expected.get(key) ?? { amount: 0, count: 0 };
      e.amount += r.amount_fen;
      e.count += r.n;
      expected.set(key, e);
    }
    const got = new Map<string, { amount: number; count: number }>(runs.flatMap((r) => r.statements.map((s) => [`${r.level}:${s.insured_admdvs}:${s.treatment_admdvs}`, { amount: s.totals.amount_fen, count: s.totals.count }] as const)));
    const totals_match = expected.size === got.size && [...expected].every(([k, e]) => got.get(k)?.amount === e.amount && got.get(k)?.count === e.count);
    const statements = runs.reduce((a, r) => a + r.statements.length, 0);
    const lines = (await pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM clearing_lines l JOIN clearing_statements s ON s.id = l.statement_id WHERE s.month = $1`, [MONTH])).rows[0]!.n;
    const adjustments = runs.reduce((a, r) => a + r.statements.reduce((b, s) => b + s.totals.adjustments_count, 0), 0);
    return {
      settlements: plain.rows.reduce((a, r) => a + r.n, 0),
      statements,
      lines,
      adjustments,
      seed_seconds,
      clearing_seconds: seconds(province + city),
      clearing_province_seconds: seconds(province),
      clearing_city_seconds: seconds(city),
      clearing_group_by_seconds: Math.round(groupBy) / 1000,
      clearing_to_group_by: Math.round(((province + city) / groupBy) * 10) / 10,
      totals_match,
    };
  } finally {
    await pool.end();
    await pg.stop();
    fs.rmSync(path.join(dir, 'pg'), { recursive: true, force: true });
  }
}
