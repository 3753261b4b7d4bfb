// `npm run bench -- --dashboard [--persons N]`: the dashboard's queries against the demo at
// N persons (default 1,000,000) and a year of review-queue cases, each timed over 20 runs.
// Needs no server: starts an embedded PostgreSQL in a temporary folder (or uses DATABASE_URL).
import fs from 'node:fs';
import path from 'node:path';
import { seedDemo } from '../src/demo/generate.ts';
import { createPool, ensureDatabase, type Pool } from '../src/store/db.ts';
import { startEmbeddedPostgres } from '../src/store/embedded.ts';
import { migrate } from '../src/store/migrate.ts';
import { crossRegionFlows, directSettlementRate, enrollmentByRegion, queueCases, queueDeadlines, refreshDashboard, settlementsByDay, settlementsOnDay } from '../src/store/dashboard.ts';

export interface DashboardBench {
  persons: number;
  queue_cases: number;
  settlements: number;
  seed_s: number;
  refresh_ms: number;
  queries: Record<string, { p50_ms: number; p95_ms: number; max_ms: number }>;
}

async function time(n: number, f: () => Promise<unknown>): Promise<{ p50_ms: number; p95_ms: number; max_ms: number }> {
  await f(); // warm
  const t: number[] = [];
  for (let i = 0; i < n; i++) {
    const s = performance.now();
    await f();
    t.push(performance.now() - s);
  }
  t.sort((a, b) => a - b);
  const r = (x: number): number => Math.round(x * 100) / 100;
  return { p50_ms: r(t[Math.floor(n / 2)]!), p95_ms: r(t[Math.floor(n * 0.95)]!), max_ms: r(t[n - 1]!) };
}

/** A year of filings spread over the demo's persons, decided mostly on time. */
async function seedQueueYear(pool: Pool, cases: number): Promise<void> {
  // Persons numbered once, so that picking the g-th is an index lookup.
  await pool.query(`CREATE TABLE bench_psn AS SELECT psn_no, insuplc_admdvs, left(insuplc_admdvs, 4) || '00' AS area,
    row_number() OVER (ORDER BY psn_no) AS n, row_number() OVER (PARTITION BY left(insuplc_admdvs, 4) ORDER BY psn_no) AS k FROM persons`);
  await pool.query('CREATE UNIQUE INDEX ON bench_psn (n)');
  await pool.query('CREATE UNIQUE INDEX ON bench_psn (area, k)');
  await pool.query('CREATE TABLE bench_area AS SELECT area, count(*) AS cnt FROM bench_psn GROUP BY area');
  await pool.query(
    `INSERT INTO filings (filing_no, psn_no, insuplc_admdvs, mdtrtarea_admdvs, kind, term, begndate, filer_type, filer_id, commitment, status, submitted_at, review_due, decided_at, decided_by)
     SELECT 'BENCH' || g, p.psn_no, p.insuplc_admdvs, CASE WHEN left(p.insuplc_admdvs, 2) = '11' THEN '430100' ELSE '110100' END,
            'long_term_resident', 'long_term', d::date, 'person', p.psn_no, false,
            CASE WHEN g % 10 = 0 THEN 'pending_review' ELSE 'effective' END, d, d::date + 3,
            CASE WHEN g % 10 = 0 THEN NULL ELSE d + ((g % 5) || ' days')::interval END, 'staff:bench'
     FROM generate_series(1, $1) g
     JOIN bench_psn p ON p.n = 1 + (g::bigint * 7919) % (SELECT count(*) FROM bench_psn)
     CROSS JOIN LATERAL (SELECT timestamptz '2026-01-01 02:00+00' + ((g % 365) || ' days')::interval AS d) t`,
    [cases],
  );
  await pool.query('ANALYZE filings');
}

/**
 * A year of settlements written straight into the settlement tables (the gateway's own bench
 * measures writing them): one visit each, at institutions near and far, two or three funds.
 */
async function seedSettlementYear(pool: Pool, count: number): Promise<void> {
  await pool.query(`CREATE TABLE bench_inst AS SELECT fixmedins_code, hosp_lv, substr(admdvs, 1, 4) || '00' AS area, row_number() OVER (ORDER BY fixmedins_code) AS n FROM institutions WHERE fixmedins_type = '1'`);
  await pool.query('CREATE UNIQUE INDEX ON bench_inst (n)');
  const batch = 100_000;
  for (let start = 1; start <= count; start += batch) {
    const end = Math.min(count, start + batch - 1);
    await pool.query(
      `WITH pick AS (
         SELECT g, i.fixmedins_code, i.hosp_lv, i.area,
                timestamptz '2026-01-01 01:00+00' + ((g % 365) || ' days')::interval + ((g % 600) || ' minutes')::interval AS t,
                (2000 + (g::bigint * 7919) % 50000)::bigint AS medfee
           FROM generate_series($1::int, $2::int) g
           JOIN bench_inst i ON i.n = 1 + (g::bigint * 31) % (SELECT count(*) FROM bench_inst)),
       -- eight in ten treated where they are insured, the rest anywhere
       src AS (
         SELECT pick.*, p.psn_no, p.area AS insuplc_admdvs FROM pick
           JOIN bench_area a ON a.area = pick.area AND pick.g % 10 < 8
           JOIN bench_psn p ON p.area = a.area AND p.k = 1 + (pick.g::bigint * 104729) % a.cnt
         UNION ALL
         SELECT pick.*, p.psn_no, p.area FROM pick
           JOIN bench_psn p ON p.n = 1 + (pick.g::bigint * 104729) % (SELECT count(*) FROM bench_psn)
          WHERE pick.g % 10 >= 8),
       v AS (
         INSERT INTO visits (mdtrt_id, kind, status, psn_no, insutype, psn_type, fixmedins_code, hosp_lv, mdtrtarea_admvs, insuplc_admdvs, med_type, begntime, cross_region_status, eligibility, created_at)
         SELECT 'BV' || g, 'outpatient', CASE WHEN g % 20 = 0 THEN 'open' ELSE 'settled' END, psn_no, '310', '1101', fixmedins_code, hosp_lv, area, insuplc_admdvs, '11', t,
                CASE WHEN area = insuplc_admdvs THEN 'local' ELSE 'filed' END, '{}'::jsonb, t
           FROM src RETURNING mdtrt_id)
       INSERT INTO settlements (setl_id, kind, status, mdtrt_id, psn_no, fixmedins_code, insuplc_admdvs, mdtrtarea_admvs, insutype, psn_type, med_type, clr_type,
                                setl_time, setl_year, cross_region_status, policy_id, policy_version, medfee_sumamt, fund_pay_sumamt, acct_pay, psn_cash_pay, hosp_part_amt,
                                setlinfo, setldetail, increments, explanation, msgid)
       SELECT 'BS' || g, 'settle', 'settled', 'BV' || g, psn_no, fixmedins_code, insuplc_admdvs, area, '310', '1101', '11', '11', t, 2026,
              CASE WHEN area = insuplc_admdvs THEN 'local' ELSE 'filed' END, 'bench', 1, medfee, medfee * 6 / 10, 0, medfee - medfee * 6 / 10, 0,
              '{}'::jsonb,
              jsonb_build_array(jsonb_build_object('fund_pay_type', '310100', 'fund_payamt', medfee * 5 / 10),
                                jsonb_build_object('fund_pay_type', '330100', 'fund_payamt', medfee * 6 / 10 - medfee * 5 / 10)),
              '{}'::jsonb, '{}'::jsonb, 'bench'
         FROM src WHERE g % 20 <> 0`,
      [start, end],
    );
  }
  await pool.query('ANALYZE visits; ANALYZE settlements');
}

export async function runDashboardBench(persons: number): Promise<DashboardBench> {
  let url = process.env.DATABASE_URL;
  // Beside the project, like the tests' server: the embedded initdb may run as another user.
  const dir = url ? undefined : path.resolve(import.meta.dirname, '..', '.yibao-bench');
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
  const embedded = dir ? await startEmbeddedPostgres(path.join(dir, 'pg'), { fastUnsafe: true }) : undefined;
  if (embedded) {
    await ensureDatabase(embedded.url('postgres'), 'yibao_bench');
    url = embedded.url('yibao_bench');
  }
  const pool = createPool(url!, 4);
  try {
    await migrate(pool);
    const started = performance.now();
    await seedDemo(pool, { persons });
    const seed_s = Math.round((performance.now() - started) / 100) / 10;
    const cases = Math.max(1000, Math.round(persons / 20));
    await seedQueueYear(pool, cases);
    const settlements = Math.max(10_000, Math.round(persons * 1.5));
    await seedSettlementYear(pool, settlements);
    const r0 = performance.now();
    await refreshDashboard(pool);
    const refresh_ms = Math.round(performance.now() - r0);
    const today = '2026-11-23';
    return {
      persons,
      queue_cases: cases,
      settlements: Number((await pool.query<{ n: string }>('SELECT count(*) AS n FROM settlements')).rows[0]!.n),
      seed_s,
      refresh_ms,
      queries: {
        enrollment_by_province_all: await time(20, () => enrollmentByRegion(pool, { level: 'province' })),
        enrollment_by_city_hunan: await time(20, () => enrollmentByRegion(pool, { level: 'city', within: '430000' })),
        enrollment_by_city_scoped_changsha: await time(20, () => enrollmentByRegion(pool, { level: 'city', regions: ['430100'] })),
        queue_deadlines_year_all: await time(20, () => queueDeadlines(pool, { from: '2026-01-01', to: '2026-12-31', today })),
        queue_deadlines_year_hunan: await time(20, () => queueDeadlines(pool, { regions: ['430000'], from: '2026-01-01', to: '2026-12-31', today })),
        queue_cases_month_drilldown: await time(20, () => queueCases(pool, { queue: 'filing', month: '2026-06' })),
        settlements_by_day_and_fund_year_all: await time(20, () => settlementsByDay(pool, { from: '2026-01-01', to: '2026-12-31' })),
        settlements_by_day_and_fund_year_hunan: await time(20, () => settlementsByDay(pool, { regions: ['430000'], from: '2026-01-01', to: '2026-12-31' })),
        settlements_by_day_and_fund_year_changsha: await time(20, () => settlementsByDay(pool, { regions: ['430100'], from: '2026-01-01', to: '2026-12-31' })),
        cross_region_flows_year_provinces: await time(20, () => crossRegionFlows(pool, { level: 'province', from: '2026-01-01', to: '2026-12-31' })),
        cross_region_flows_year_cities_hunan: await time(20, () => crossRegionFlows(pool, { level: 'city', regions: ['430000'], from: '2026-01-01', to: '2026-12-31' })),
        direct_settlement_rate_year: await time(20, () => directSettlementRate(pool, { from: '2026-01-01', to: '2026-12-31' })),
        settlements_day_drilldown: await time(20, () => settlementsOnDay(pool, { day: '2026-06-15' })),
      },
    };
  } finally {
    await pool.end();
    if (embedded) await embedded.stop();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  }
}
