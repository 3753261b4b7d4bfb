import { invalid } from '../engine/errors.ts';
import { regionPrefix } from './auth/principal.ts';
import type { Queryable } from './db.ts';

// The supervisors' dashboard: enrollment by region from a pre-aggregated view (a million
// persons are counted once per refresh, not once per page view), and how the review queues kept
// their working-day deadlines, by month, read through the (insured region, review_due) indexes.

export interface RegionEnrollment {
  admdvs: string;
  name: string;
  registered: number;
  enrolled: number;
  rate: number;
}

const likeAny = (regions: readonly string[] | undefined): string[] => (regions ?? ['000000']).map((r) => regionPrefix(r) + '%');

/** Enrollment by province (level 'province') or city (level 'city') within the regions given. */
export async function enrollmentByRegion(q: Queryable, opts: { regions?: readonly string[]; level: 'province' | 'city'; within?: string }): Promise<RegionEnrollment[]> {
  const width = opts.level === 'province' ? 2 : 4;
  const within = opts.within ? [regionPrefix(opts.within) + '%'] : ['%'];
  const r = await q.query<{ admdvs: string; name: string | null; registered: string; enrolled: string }>(
    `SELECT g.admdvs, rg.name, g.registered, g.enrolled FROM (
       SELECT rpad(left(admdvs, $1), 6, '0') AS admdvs, sum(registered)::bigint AS registered, sum(enrolled)::bigint AS enrolled
       FROM dashboard_enrollment WHERE admdvs LIKE ANY($2) AND admdvs LIKE ANY($3) GROUP BY 1) g
     LEFT JOIN regions rg ON rg.code = g.admdvs ORDER BY g.admdvs`,
    [width, likeAny(opts.regions), within],
  );
  return r.rows.map((row) => {
    const registered = Number(row.registered);
    const enrolled = Number(row.enrolled);
    return { admdvs: row.admdvs, name: row.name ?? row.admdvs, registered, enrolled, rate: registered === 0 ? 0 : Math.round((enrolled / registered) * 10000) / 10000 };
  });
}

export async function refreshDashboard(q: Queryable): Promise<void> {
  await q.query('REFRESH MATERIALIZED VIEW CONCURRENTLY dashboard_enrollment');
}

export interface QueueMonth {
  queue: 'filing' | 'recognition';
  month: string;
  decided: number;
  on_time: number;
  late: number;
  pending: number;
  overdue_pending: number;
}

function checkPeriod(from: string, to: string): void {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(from)) throw invalid('from', '日期应为 yyyy-mm-dd', 'from must be yyyy-mm-dd');
  if (!/^\d{4}-\d{2}-\d{2}$/.test(to)) throw invalid('to', '日期应为 yyyy-mm-dd', 'to must be yyyy-mm-dd');
  if (from > to) throw invalid('from', '开始日期晚于结束日期', 'from is after to');
}

const QUEUES = {
  filing: { table: 'filings', decided: "status NOT IN ('pending_review')" },
  recognition: { table: 'recognitions', decided: "status NOT IN ('pending_review')" },
} as const;

/** Per month of deadline: decided on time, decided late, still pending (and past due). */
export async function queueDeadlines(q: Queryable, opts: { regions?: readonly string[]; from: string; to: string; today: string }): Promise<QueueMonth[]> {
  checkPeriod(opts.from, opts.to);
  const out: QueueMonth[] = [];
  for (const [queue, t] of Object.entries(QUEUES) as [keyof typeof QUEUES, (typeof QUEUES)[keyof typeof QUEUES]][]) {
    const r = await q.query<{ month: string; decided: number; on_time: number; pending: number; overdue_pending: number }>(
      `SELECT to_char(review_due, 'YYYY-MM') AS month,
         count(*) FILTER (WHERE decided_at IS NOT NULL)::int AS decided,
         count(*) FILTER (WHERE decided_at IS NOT NULL AND (decided_at AT TIME ZONE 'Asia/Shanghai')::date <= review_due)::int AS on_time,
         count(*) FILTER (WHERE decided_at IS NULL AND status = 'pending_review')::int AS pending,
         count(*) FILTER (WHERE decided_at IS NULL AND status = 'pending_review' AND review_due < $4::date)::int AS overdue_pending
       FROM ${t.table}
       WHERE review_due BETWEEN $1 AND $2 AND insuplc_admdvs LIKE ANY($3)
       GROUP BY 1 ORDER BY 1`,
      [opts.from, opts.to, likeAny(opts.regions), opts.today],
    );
    for (const row of r.rows) out.push({ queue, month: row.month, decided: row.decided, on_time: row.on_time, late: row.decided - row.on_time, pending: row.pending, overdue_pending: row.overdue_pending });
  }
  return out;
}

export interface QueueCase {
  queue: 'filing' | 'recognition';
  no: string;
  psn_no: string;
  insuplc_admdvs: string;
  review_due: string;
  decided_on: string | null;
  status: string;
  on_time: boolean | null;
}

/** The drill-down behind one bar: the cases of a queue whose deadline fell in a month. */
export async function queueCases(q: Queryable, opts: { regions?: readonly string[]; queue: 'filing' | 'recognition'; month: string; limit?: number }): Promise<QueueCase[]> {
  if (!/^\d{4}-\d{2}$/.test(opts.month)) throw invalid('month', '月份应为 yyyy-mm', 'month must be yyyy-mm');
  if (opts.queue !== 'filing' && opts.queue !== 'recognition') throw invalid('queue', '应为 filing 或 recognition', 'queue must be filing or recognition');
  const t = QUEUES[opts.queue];
  const no = opts.queue === 'filing' ? 'filing_no' : 'recognition_no';
  const first = `${opts.month}-01`;
  const r = await q.query<{ no: string; psn_no: string; insuplc_admdvs: string; review_due: string; decided_on: string | null; status: string }>(
    `SELECT ${no} AS no, psn_no, insuplc_admdvs, to_char(review_due, 'YYYY-MM-DD') AS review_due,
       to_char((decided_at AT TIME ZONE 'Asia/Shanghai')::date, 'YYYY-MM-DD') AS decided_on, status
     FROM ${t.table} WHERE review_due >= $1::date AND review_due < ($1::date + interval '1 month') AND insuplc_admdvs LIKE ANY($2)
     ORDER BY review_due, ${no} LIMIT $3`,
    [first, likeAny(opts.regions), Math.min(opts.limit ?? 200, 1000)],
  );
  return r.rows.map((row) => ({ queue: opts.queue, ...row, on_time: row.decided_on === null ? null : row.decided_on <= row.review_due }));
}
