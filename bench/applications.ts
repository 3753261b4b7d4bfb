// The one-window part of `npm run bench` (issue 16): the staff queue's list query
// (applicationQueue, src/store/service/applications.ts — the query GET /api/v1/applications runs)
// at 1,000,000 applications. The rows are written straight into `cases` and `applications` with
// generate_series, BYPASSING the use case (src/app/service/applications.ts): a million
// submissions through it would take an hour and measure the writes, not the queue. The rows
// are what the use case writes (a case per application, the status and deadline mirrored).
//   queue_*_p50_ms / _p99_ms   one page of 50 of a city clerk's queue, first and deep keyset
//                              pages, unfiltered and filtered (open states; an item and a
//                              state; overdue), and a province supervisor's first page
//   reference_p50_ms           SELECT … FROM applications WHERE id > $1 ORDER BY id LIMIT 50
//   *_to_reference             the ratio, which compares across machines better than ms
// Its own embedded PostgreSQL, seeded afresh: the demo's regions and 2,000 persons, then the rows.
import fs from 'node:fs';
import path from 'node:path';
import { chinaDate } from '../src/engine/calendar.ts';
import { seedDemo } from '../src/demo/generate.ts';
import { applicationQueue, type QueueQuery } from '../src/store/service/applications.ts';
import { createPool, ensureDatabase, type Pool } from '../src/store/db.ts';
import { startEmbeddedPostgres } from '../src/store/embedded.ts';
import { migrate } from '../src/store/migrate.ts';

const ROOT = path.resolve(import.meta.dirname, '..');
const ITEMS = ['enrollment', 'enrollment_change', 'contribution', 'transfer', 'filing', 'recognition', 'cash_claim', 'medical_assistance', 'certificate', 'family_sharing', 'info_change', 'insurance_query', 'card', 'birth_allowance', 'newborn_enrollment', 'designated_change'];

export interface ApplicationsBench {
  applications: number;
  regions: number;
  city: string;
  city_applications: number;
  seed_seconds: number;
  runs_per_query: number;
  queries: Record<string, { p50_ms: number; p99_ms: number; to_reference: number; rows: number }>;
  reference_p50_ms: number;
  reference_p99_ms: number;
  /** The worst p99 of the city clerk's queue pages, against the goal of 50 ms. */
  queue_p99_ms: number;
}

/** n applications over the persons' pooling regions, in SQL: 15 % received, 10 % in process, the rest ended; a tenth of the open ones overdue. */
export async function seedApplications(pool: Pool, n: number, today: string): Promise<void> {
  await pool.query(`CREATE TABLE bench_app_psn AS SELECT p.psn_no, g.pooling_admdvs AS region, row_number() OVER (ORDER BY p.psn_no) - 1 AS k
    FROM persons p JOIN regions g ON g.code = p.insuplc_admdvs WHERE g.pooling_admdvs IS NOT NULL`);
  await pool.query(`CREATE TABLE bench_app_items AS SELECT code, row_number() OVER (ORDER BY code) - 1 AS k FROM unnest($1::text[]) code`, [ITEMS]);
  const status = `CASE WHEN g % 20 < 3 THEN 'received' WHEN g % 20 < 5 THEN 'in_process' WHEN g % 20 < 17 THEN 'completed' WHEN g % 20 < 19 THEN 'refused' ELSE 'cancelled' END`;
  // open ones are due from 10 days before today (overdue) to 20 days after
  const due = `CASE WHEN g % 20 < 5 THEN $2::date + ((g / 20) % 30 - 3)::int END`;
  await pool.query(`CREATE TABLE bench_app_rows AS
    SELECT g, p.psn_no, p.region, i.code AS item_code, ${status} AS status, ${due} AS due_on,
           p.region || 'SQ20261101' || lpad(g::text, 10, '0') AS application_no,
           timestamptz '2026-01-01 09:00+08' + (g * interval '20 seconds') AS at
      FROM generate_series(1, $1::int) g
      CROSS JOIN LATERAL (SELECT count(*) AS np FROM bench_app_psn) c
      JOIN bench_app_psn p ON p.k = (g::bigint * 7919) % c.np
      JOIN bench_app_items i ON i.k = (g::bigint * 31) % 16`, [n, today]);
  await pool.query(`INSERT INTO cases (kind, number, region, psn_no, state, opened_at, due_on, remind_on, closed_at)
    SELECT 'one_window', application_no, region, psn_no, status, at, due_on, due_on, CASE WHEN due_on IS NULL THEN at + interval '1 day' END FROM bench_app_rows ORDER BY g`);
  await pool.query(`INSERT INTO applications (application_no, case_id, item_code, item_doc_id, item_version, psn_no, region, channel, received_by, grid_worker, consent_ref,
      identity_checked, form, time_limit_days, promised_on, status, due_on, submitted_at, ended_at)
    SELECT r.application_no, c.id, r.item_code, 'service-items-national', 1, r.psn_no, r.region, CASE WHEN r.g % 3 = 0 THEN 'window' ELSE 'online' END, 'bench', NULL, NULL,
           CASE WHEN r.g % 3 = 0 THEN '{"cert_type":"01","certno":"bench"}'::jsonb END, '{}'::jsonb, 5, coalesce(r.due_on, (r.at AT TIME ZONE 'Asia/Shanghai')::date + 7),
           r.status, r.due_on, r.at, CASE WHEN r.due_on IS NULL THEN r.at + interval '1 day' END
      FROM bench_app_rows r JOIN cases c ON c.kind = 'one_window' AND c.number = r.application_no ORDER BY r.g`);
  for (const t of ['bench_app_rows', 'bench_app_items', 'bench_app_psn']) await pool.query(`DROP TABLE ${t}`);
  await pool.query('VACUUM ANALYZE applications');
  await pool.query('VACUUM ANALYZE cases');
}

const pct = (xs: number[], p: number): number => {
  const s = [...xs].sort((a, b) => a - b);
  return Math.round(s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]! * 100) / 100;
};

async function timed(runs: number, fn: (i: number) => Promise<number>): Promise<{ p50: number; p99: number; rows: number }> {
  for (let i = 0; i < 5; i++) await fn(i); // warm
  const ms: number[] = [];
  let rows = 0;
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    rows = await fn(i);
    ms.push(performance.now() - t);
  }
  return { p50: pct(ms, 50), p99: pct(ms, 99), rows };
}

export async function runApplicationsBench(opts: { applications: number; runs?: number; dir?: string; log?: (l: string) => void }): Promise<ApplicationsBench> {
  const log = opts.log ?? ((l: string): void => void process.stderr.write(`[bench] applications: ${l}\n`));
  const runs = opts.runs ?? 200;
  const dir = opts.dir ?? path.join(ROOT, '.yibao-bench', 'applications');
  fs.rmSync(path.join(dir, 'pg'), { recursive: true, force: true });
  const pg = await startEmbeddedPostgres(path.join(dir, 'pg'));
  await ensureDatabase(pg.url('postgres'), 'yibao');
  const pool = createPool(pg.url('yibao'), 4);
  try {
    await migrate(pool);
    const today = chinaDate(new Date());
    const t0 = performance.now();
    await seedDemo(pool, { persons: 2000 });
    log(`seeding ${opts.applications} applications in SQL`);
    await seedApplications(pool, opts.applications, today);
    const seed_seconds = Math.round((performance.now() - t0) / 100) / 10;
    await pool.query('CHECKPOINT');
    const regions = (await pool.query<{ region: string; n: number }>(`SELECT region, count(*)::int AS n FROM applications GROUP BY region ORDER BY n DESC, region`)).rows;
    const city = regions[0]!;
    const province = `${city.region.slice(0, 2)}0000`;
    log(`${regions.length} handling regions; the city clerk's ${city.region} has ${city.n}`);
    // the cursors of deep pages: ids from the middle to the end of the city's queue
    const ids = (await pool.query<{ id: number }>(`SELECT id::int FROM applications WHERE region = $1 ORDER BY id`, [city.region])).rows.map((r) => r.id);
    const deep = (i: number): number => ids[Math.floor(ids.length * (0.5 + (0.49 * (i % 97)) / 97))]!;
    const allIds = (await pool.query<{ max: number }>('SELECT max(id)::int AS max FROM applications')).rows[0]!.max;
    const base: Omit<QueueQuery, 'after'> = { regions: [city.region], asOf: today, limit: 50 };
    const q = (extra: Partial<QueueQuery>) => async (): Promise<number> => (await applicationQueue(pool, { ...base, ...extra })).length;
    const deepQ = (extra: Partial<QueueQuery>) => async (i: number): Promise<number> => (await applicationQueue(pool, { ...base, ...extra, after: deep(i) })).length;
    const reference = await timed(runs, async (i) => (await pool.query('SELECT id, application_no, status FROM applications WHERE id > $1 ORDER BY id LIMIT 50', [Math.floor((allIds * (i % 97)) / 97)])).rowCount ?? 0);
    const cases: [string, (i: number) => Promise<number>][] = [
      ['first_page', q({})],
      ['deep_page', deepQ({})],
      ['open_first_page', q({ statuses: ['received', 'in_process'] })],
      ['open_deep_page', deepQ({ statuses: ['received', 'in_process'] })],
      ['item_state_first_page', q({ item: 'card', statuses: ['completed'] })],
      ['item_state_deep_page', deepQ({ item: 'card', statuses: ['completed'] })],
      ['overdue_first_page', q({ statuses: ['received', 'in_process'], overdueOn: today })],
      ['overdue_deep_page', deepQ({ statuses: ['received', 'in_process'], overdueOn: today })],
      ['province_first_page', async () => (await applicationQueue(pool, { regions: [province], asOf: today, limit: 50 })).length],
      ['province_open_first_page', async () => (await applicationQueue(pool, { regions: [province], statuses: ['received', 'in_process'], asOf: today, limit: 50 })).length],
    ];
    const queries: ApplicationsBench['queries'] = {};
    for (const [name, fn] of cases) {
      const r = await timed(runs, fn);
      queries[name] = { p50_ms: r.p50, p99_ms: r.p99, to_reference: Math.round((r.p50 / Math.max(reference.p50, 0.01)) * 10) / 10, rows: r.rows };
      log(`${name}: p50 ${r.p50} ms, p99 ${r.p99} ms`);
    }
    const cityQueries = Object.entries(queries).filter(([k]) => !k.startsWith('province'));
    return {
      applications: opts.applications, regions: regions.length, city: city.region, city_applications: city.n, seed_seconds, runs_per_query: runs,
      queries, reference_p50_ms: reference.p50, reference_p99_ms: reference.p99, queue_p99_ms: Math.max(...cityQueries.map(([, v]) => v.p99_ms)),
    };
  } finally {
    await pool.end();
    await pg.stop();
  }
}
