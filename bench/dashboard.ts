// `npm run bench -- --dashboard [--persons N]`: the dashboard's queries against the demo at
// N persons (default 1,000,000) and a year of review-queue cases, each timed over 20 runs.
// Needs no server: starts an embedded PostgreSQL in a temporary folder (or uses DATABASE_URL).
import fs from 'node:fs';
import path from 'node:path';
import { seedDemo } from '../src/demo/generate.ts';
import { createPool, ensureDatabase, type Pool } from '../src/store/db.ts';
import { startEmbeddedPostgres } from '../src/store/embedded.ts';
import { migrate } from '../src/store/migrate.ts';
import { enrollmentByRegion, queueCases, queueDeadlines, refreshDashboard } from '../src/store/dashboard.ts';

export interface DashboardBench {
  persons: number;
  queue_cases: number;
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
  await pool.query(
    `INSERT INTO filings (filing_no, psn_no, insuplc_admdvs, mdtrtarea_admdvs, kind, term, begndate, filer_type, filer_id, commitment, status, submitted_at, review_due, decided_at, decided_by)
     SELECT 'BENCH' || g, p.psn_no, p.insuplc_admdvs, CASE WHEN left(p.insuplc_admdvs, 2) = '11' THEN '430100' ELSE '110100' END,
            'long_term_resident', 'long_term', d::date, 'person', p.psn_no, false,
            CASE WHEN g % 10 = 0 THEN 'pending_review' ELSE 'effective' END, d, d::date + 3,
            CASE WHEN g % 10 = 0 THEN NULL ELSE d + ((g % 5) || ' days')::interval END, 'staff:bench'
     FROM generate_series(1, $1) g
     JOIN LATERAL (SELECT psn_no, insuplc_admdvs FROM persons OFFSET (g * 7919) % (SELECT count(*) FROM persons) LIMIT 1) p ON true
     CROSS JOIN LATERAL (SELECT timestamptz '2026-01-01 02:00+00' + ((g % 365) || ' days')::interval AS d) t`,
    [cases],
  );
  await pool.query('ANALYZE filings');
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
    const r0 = performance.now();
    await refreshDashboard(pool);
    const refresh_ms = Math.round(performance.now() - r0);
    const today = '2026-11-23';
    return {
      persons,
      queue_cases: cases,
      seed_s,
      refresh_ms,
      queries: {
        enrollment_by_province_all: await time(20, () => enrollmentByRegion(pool, { level: 'province' })),
        enrollment_by_city_hunan: await time(20, () => enrollmentByRegion(pool, { level: 'city', within: '430000' })),
        enrollment_by_city_scoped_changsha: await time(20, () => enrollmentByRegion(pool, { level: 'city', regions: ['430100'] })),
        queue_deadlines_year_all: await time(20, () => queueDeadlines(pool, { from: '2026-01-01', to: '2026-12-31', today })),
        queue_deadlines_year_hunan: await time(20, () => queueDeadlines(pool, { regions: ['430000'], from: '2026-01-01', to: '2026-12-31', today })),
        queue_cases_month_drilldown: await time(20, () => queueCases(pool, { queue: 'filing', month: '2026-06' })),
      },
    };
  } finally {
    await pool.end();
    if (embedded) await embedded.stop();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  }
}
