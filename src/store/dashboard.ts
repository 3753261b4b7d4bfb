import { invalid } from '../engine/errors.ts';
import { isIsoDate } from '../engine/calendar.ts';
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

/** Recounts the pre-aggregated figures (enrollment, settlements by day, visits by day) and notes when. */
export async function refreshDashboard(q: Queryable): Promise<Date> {
  for (const view of ['dashboard_enrollment', 'dashboard_settlement_daily', 'dashboard_settlement_daily_province', 'dashboard_flow_monthly', 'dashboard_visit_daily']) {
    await q.query(`REFRESH MATERIALIZED VIEW CONCURRENTLY ${view}`);
  }
  const r = await q.query<{ at: Date }>(
    `INSERT INTO dashboard_refreshed (only_row, at) VALUES (true, now()) ON CONFLICT (only_row) DO UPDATE SET at = excluded.at RETURNING at`,
  );
  return r.rows[0]!.at;
}

/** Milliseconds until the next recount is due: now when never counted or older than `everyMs`. */
export function recountDueIn(lastAt: Date | null, now: Date, everyMs: number): number {
  if (lastAt === null) return 0;
  return Math.min(everyMs, Math.max(0, everyMs - (now.getTime() - lastAt.getTime())));
}

/** When the figures were last recounted (null: never, e.g. a database migrated before 010). */
export async function dashboardRefreshedAt(q: Queryable): Promise<Date | null> {
  const r = await q.query<{ at: Date }>(`SELECT at FROM dashboard_refreshed`);
  return r.rows[0]?.at ?? null;
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
  if (!isIsoDate(from)) throw invalid('from', '日期应为 yyyy-mm-dd', 'from must be yyyy-mm-dd');
  if (!isIsoDate(to)) throw invalid('to', '日期应为 yyyy-mm-dd', 'to must be yyyy-mm-dd');
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
  if (!/^\d{4}-\d{2}$/.test(opts.month) || !isIsoDate(`${opts.month}-01`)) throw invalid('month', '月份应为 yyyy-mm', 'month must be yyyy-mm');
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

// ---- money, from the settlement ledger (pre-aggregated by day in dashboard_settlement_daily) ----

export interface Period {
  from: string;
  to: string;
}

export interface DayFund {
  day: string;
  fund_pay_type: string;
  fund_fen: number;
}

export interface DayTotal {
  day: string;
  settlements: number;
  medfee_fen: number;
  fund_fen: number;
}

/** Settlements and fund payments by day and fund type, for persons insured in the regions given. */
export async function settlementsByDay(q: Queryable, opts: Period & { regions?: readonly string[] }): Promise<{ totals: DayTotal[]; funds: DayFund[] }> {
  checkPeriod(opts.from, opts.to);
  const args = [opts.from, opts.to, likeAny(opts.regions)];
  // Whole provinces (or everything) read the provincial roll-up; a city's staff the city rows.
  const provincial = !opts.regions || opts.regions.every((r) => regionPrefix(r).length <= 2);
  const [table, region] = provincial ? ['dashboard_settlement_daily_province', 'province'] : ['dashboard_settlement_daily', 'insuplc_admdvs'];
  const funds = await q.query<{ day: string; fund_pay_type: string; fund_fen: string }>(
    `SELECT to_char(day, 'YYYY-MM-DD') AS day, fund_pay_type, sum(fund_fen)::text AS fund_fen FROM ${table}
      WHERE day BETWEEN $1 AND $2 AND ${region} LIKE ANY($3) AND fund_pay_type NOT IN ('none', '310200', '999996') GROUP BY 1, 2 ORDER BY 1, 2`,
    args,
  );
  const totals = await q.query<{ day: string; settlements: string; medfee_fen: string; fund_fen: string }>(
    `SELECT to_char(day, 'YYYY-MM-DD') AS day, sum(settlements)::text AS settlements, sum(medfee_fen)::text AS medfee_fen,
            sum(fund_fen) FILTER (WHERE fund_pay_type NOT IN ('none', '310200', '999996'))::text AS fund_fen
       FROM ${table} WHERE day BETWEEN $1 AND $2 AND ${region} LIKE ANY($3) GROUP BY 1 ORDER BY 1`,
    args,
  );
  return {
    totals: totals.rows.map((r) => ({ day: r.day, settlements: Number(r.settlements), medfee_fen: Number(r.medfee_fen), fund_fen: Number(r.fund_fen ?? 0) })),
    funds: funds.rows.map((r) => ({ day: r.day, fund_pay_type: r.fund_pay_type, fund_fen: Number(r.fund_fen) })),
  };
}

export interface Flow {
  insured: string;
  insured_name: string;
  treated: string;
  treated_name: string;
  settlements: number;
  medfee_fen: number;
  fund_fen: number;
}

/**
 * Who treats whose insured: settlements where the treatment region is not the insured region,
 * by province (or city), where either end is in the regions given; whole months from `from`'s
 * month to `to`'s.
 */
export async function crossRegionFlows(q: Queryable, opts: Period & { regions?: readonly string[]; level: 'province' | 'city' }): Promise<Flow[]> {
  checkPeriod(opts.from, opts.to);
  const width = opts.level === 'province' ? 2 : 4;
  const r = await q.query<{ insured: string; treated: string; insured_name: string | null; treated_name: string | null; settlements: string; medfee_fen: string; fund_fen: string }>(
    `SELECT f.*, a.name AS insured_name, b.name AS treated_name FROM (
       SELECT rpad(left(insuplc_admdvs, $4), 6, '0') AS insured, rpad(left(mdtrtarea_admvs, $4), 6, '0') AS treated,
              sum(settlements)::text AS settlements, sum(medfee_fen)::text AS medfee_fen, sum(fund_fen)::text AS fund_fen
         FROM dashboard_flow_monthly
        WHERE month BETWEEN date_trunc('month', $1::date) AND $2::date AND (insuplc_admdvs LIKE ANY($3) OR mdtrtarea_admvs LIKE ANY($3))
        GROUP BY 1, 2) f
     LEFT JOIN regions a ON a.code = f.insured LEFT JOIN regions b ON b.code = f.treated
     WHERE f.insured <> f.treated ORDER BY f.medfee_fen::bigint DESC`,
    [opts.from, opts.to, likeAny(opts.regions), width],
  );
  return r.rows.map((x) => ({
    insured: x.insured, insured_name: x.insured_name ?? x.insured, treated: x.treated, treated_name: x.treated_name ?? x.treated,
    settlements: Number(x.settlements), medfee_fen: Number(x.medfee_fen), fund_fen: Number(x.fund_fen ?? 0),
  }));
}

export interface DirectRate {
  visits: number;
  settled: number;
  rate: number | null;
  cross_region_visits: number;
  cross_region_settled: number;
  cross_region_rate: number | null;
}

/** Visits registered in the period and the share settled directly (all, and cross-region). */
export async function directSettlementRate(q: Queryable, opts: Period & { regions?: readonly string[] }): Promise<DirectRate> {
  checkPeriod(opts.from, opts.to);
  const r = await q.query<{ visits: string; settled: string; xv: string; xs: string }>(
    `SELECT coalesce(sum(visits), 0)::text AS visits, coalesce(sum(settled), 0)::text AS settled,
            coalesce(sum(visits) FILTER (WHERE cross_region), 0)::text AS xv,
            coalesce(sum(settled) FILTER (WHERE cross_region), 0)::text AS xs
       FROM dashboard_visit_daily WHERE day BETWEEN $1 AND $2 AND insuplc_admdvs LIKE ANY($3)`,
    [opts.from, opts.to, likeAny(opts.regions)],
  );
  const row = r.rows[0]!;
  const ratio = (a: number, b: number): number | null => (b === 0 ? null : Math.round((a / b) * 10000) / 10000);
  const [visits, settled, xv, xs] = [row.visits, row.settled, row.xv, row.xs].map(Number) as [number, number, number, number];
  return { visits, settled, rate: ratio(settled, visits), cross_region_visits: xv, cross_region_settled: xs, cross_region_rate: ratio(xs, xv) };
}

export interface SettlementListRow {
  setl_id: string;
  kind: string;
  setl_time: Date;
  psn_no: string;
  fixmedins_code: string;
  fixmedins_name: string | null;
  insuplc_admdvs: string;
  mdtrtarea_admvs: string;
  medfee_fen: number;
  fund_fen: number;
}

/** The drill-down behind one day: its settlements (newest first), for persons insured in the regions given. */
export async function settlementsOnDay(q: Queryable, opts: { day: string; regions?: readonly string[]; limit?: number }): Promise<SettlementListRow[]> {
  if (!isIsoDate(opts.day)) throw invalid('day', '日期应为 yyyy-mm-dd', 'day must be yyyy-mm-dd');
  const r = await q.query<SettlementListRow & { medfee_fen: string; fund_fen: string }>(
    `SELECT s.setl_id, s.kind, s.setl_time, s.psn_no, s.fixmedins_code, i.fixmedins_name, s.insuplc_admdvs, s.mdtrtarea_admvs,
            s.medfee_sumamt::text AS medfee_fen, s.fund_pay_sumamt::text AS fund_fen
       FROM settlements s LEFT JOIN institutions i USING (fixmedins_code)
      WHERE s.setl_time >= ($1::date::timestamp AT TIME ZONE 'Asia/Shanghai') AND s.setl_time < (($1::date + 1)::timestamp AT TIME ZONE 'Asia/Shanghai')
        AND s.insuplc_admdvs LIKE ANY($2)
      ORDER BY s.setl_time DESC LIMIT $3`,
    [opts.day, likeAny(opts.regions), Math.min(opts.limit ?? 200, 1000)],
  );
  return r.rows.map((x) => ({ ...x, medfee_fen: Number(x.medfee_fen), fund_fen: Number(x.fund_fen) }));
}

export interface PortalSettlement {
  setl_id: string;
  kind: string;
  status: string;
  setl_time: Date;
  mdtrt_id: string;
  fixmedins_code: string;
  fixmedins_name: string | null;
  med_type: string;
  explanation: { policy_id: string; policy_version: number; scheme: string | null; setlinfo: unknown; setldetail: unknown; steps: unknown[]; lines: unknown[] };
}

/** A person's settlements with the engine's explanation as stored at settlement (cancellations included). */
export async function settlementsOfPerson(q: Queryable, psnNo: string): Promise<PortalSettlement[]> {
  const r = await q.query<{
    setl_id: string; kind: string; status: string; setl_time: Date; mdtrt_id: string; fixmedins_code: string; fixmedins_name: string | null; med_type: string;
    policy_id: string; policy_version: number; setlinfo: unknown; setldetail: unknown; explanation: { scheme?: string; steps?: unknown[]; lines?: unknown[] };
  }>(
    `SELECT s.setl_id, s.kind, s.status, s.setl_time, s.mdtrt_id, s.fixmedins_code, i.fixmedins_name, s.med_type, s.policy_id, s.policy_version,
            s.setlinfo, s.setldetail, s.explanation
       FROM settlements s LEFT JOIN institutions i USING (fixmedins_code) WHERE s.psn_no = $1 ORDER BY s.setl_time DESC, s.setl_id DESC LIMIT 200`,
    [psnNo],
  );
  return r.rows.map((x) => ({
    setl_id: x.setl_id, kind: x.kind, status: x.status, setl_time: x.setl_time, mdtrt_id: x.mdtrt_id, fixmedins_code: x.fixmedins_code,
    fixmedins_name: x.fixmedins_name, med_type: x.med_type,
    explanation: { policy_id: x.policy_id, policy_version: x.policy_version, scheme: x.explanation.scheme ?? null, setlinfo: x.setlinfo, setldetail: x.setldetail, steps: x.explanation.steps ?? [], lines: x.explanation.lines ?? [] },
  }));
}
