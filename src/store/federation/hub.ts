import type { HeldRecord, HubClearing, HubException, HubRecord, HubReport, HubStatement, OwnClearedRecord } from '../../engine/federation/hub-clearing.ts';
import type { Queryable } from '../db.ts';

// The hub's clearing between deployments (032_hub_clearing.sql, docs/federation.md "Hub
// clearing"): on the hub, the reports, the records they carry, the runs and the statements; on
// a deployment, the records it reports (from federation_settlements) and the statements it
// posted.

// ---- the hub --------------------------------------------------------------------------------

/** Reports and runs take turns: a report never lands in the middle of a run. */
export async function lockHub(q: Queryable): Promise<void> {
  await q.query(`SELECT pg_advisory_xact_lock(hashtext('hub_clearing'))`);
}

/** The latest month the hub has cleared (months up to it take no more reports), or null. */
export async function lastClearedMonth(q: Queryable): Promise<string | null> {
  const r = await q.query<{ m: string | null }>(`SELECT max(month) AS m FROM hub_runs`);
  return r.rows[0]!.m;
}

export interface StoredReport {
  /** Whether an earlier report of the month was replaced. */
  replaced: boolean;
  /** Records stored (new, or carried again while uncleared). */
  held: number;
  /** Records a run had already cleared: kept as they were. */
  already_cleared: number;
}

/**
 * Stores a report as the newest of its (deployment, month): the uncleared records of the last
 * report of that month are dropped, then each record is held (new), carried (an uncleared one
 * of an earlier report takes this report's content and keeps the earlier month, so a later
 * month's report sent before the earlier month is run does not take it out of that run) or
 * left alone (cleared before).
 */
export async function storeReport(q: Queryable, r: HubReport, msgId: string, sha256: string, at: Date): Promise<StoredReport> {
  const prev = await q.query<{ replaced: boolean }>(
    `INSERT INTO hub_reports AS h (deployment, month, msg_id, records_sha256, count, total_fen, received_at) VALUES ($1, $2, $3, $4, $5, $6, $7)
     ON CONFLICT (deployment, month) DO UPDATE SET msg_id = EXCLUDED.msg_id, records_sha256 = EXCLUDED.records_sha256, count = EXCLUDED.count,
       total_fen = EXCLUDED.total_fen, received_at = EXCLUDED.received_at, versions = h.versions + 1
     RETURNING (xmax <> 0) AS replaced`,
    [r.deployment, r.month, msgId, sha256, r.count, r.total, at],
  );
  const replaced = prev.rows[0]!.replaced;
  await q.query(`DELETE FROM hub_records WHERE deployment = $1 AND report_month = $2 AND cleared_month IS NULL`, [r.deployment, r.month]);
  if (r.records.length === 0) return { replaced, held: 0, already_cleared: 0 };
  const w = await q.query<{ n: number }>(
    `WITH x AS (SELECT * FROM jsonb_to_recordset($3::jsonb) AS x(fed_id text, role text, peer text, kind text, orig_fed_id text, owed_fen bigint, by_fund jsonb,
                 medfee_sumamt bigint, fund_pay_sumamt bigint, acct_pay bigint, psn_cash_pay bigint, setl_time timestamptz)),
     w AS (INSERT INTO hub_records (deployment, fed_id, report_month, role, peer, kind, orig_fed_id, owed_fen, by_fund, medfee_sumamt, fund_pay_sumamt, acct_pay, psn_cash_pay, setl_time)
           SELECT $1, fed_id, $2, role, peer, kind, orig_fed_id, owed_fen, by_fund, medfee_sumamt, fund_pay_sumamt, acct_pay, psn_cash_pay, setl_time FROM x
           ON CONFLICT (deployment, fed_id) DO UPDATE SET report_month = least(hub_records.report_month, EXCLUDED.report_month), role = EXCLUDED.role, peer = EXCLUDED.peer, kind = EXCLUDED.kind,
             orig_fed_id = EXCLUDED.orig_fed_id, owed_fen = EXCLUDED.owed_fen, by_fund = EXCLUDED.by_fund, medfee_sumamt = EXCLUDED.medfee_sumamt,
             fund_pay_sumamt = EXCLUDED.fund_pay_sumamt, acct_pay = EXCLUDED.acct_pay, psn_cash_pay = EXCLUDED.psn_cash_pay, setl_time = EXCLUDED.setl_time
           WHERE hub_records.cleared_month IS NULL
           RETURNING 1)
     SELECT count(*)::int AS n FROM w`,
    [r.deployment, r.month, JSON.stringify(r.records)],
  );
  const held = w.rows[0]!.n;
  return { replaced, held, already_cleared: r.records.length - held };
}

/** The deployments that reported the month. */
export async function reportersOf(q: Queryable, month: string): Promise<string[]> {
  const r = await q.query<{ deployment: string }>(`SELECT deployment FROM hub_reports WHERE month = $1 ORDER BY deployment`, [month]);
  return r.rows.map((x) => x.deployment);
}

/** Every record no run has cleared, reported for the month or before (carried). */
export async function openRecords(q: Queryable, month: string): Promise<HeldRecord[]> {
  const r = await q.query<HeldRecord & { setl_time: Date }>(
    `SELECT deployment, fed_id, role, peer, kind, orig_fed_id, owed_fen, by_fund, medfee_sumamt, fund_pay_sumamt, acct_pay, psn_cash_pay, setl_time
       FROM hub_records WHERE cleared_month IS NULL AND report_month <= $1 ORDER BY fed_id, deployment`,
    [month],
  );
  return r.rows.map((x) => ({ ...x, setl_time: x.setl_time.toISOString() }));
}

export interface HubRun {
  month: string;
  matched: number;
  exceptions: HubException[];
  positions: { deployment: string; net_fen: number }[];
  run_at: Date;
}

export async function hubRunOf(q: Queryable, month: string): Promise<HubRun | undefined> {
  const r = await q.query<HubRun>(`SELECT month, matched, exceptions, positions, run_at FROM hub_runs WHERE month = $1`, [month]);
  return r.rows[0];
}

/** Writes a run: the run row, the matched records marked cleared (both sides), one statement per deployment. */
export async function writeHubRun(q: Queryable, c: HubClearing, at: Date): Promise<void> {
  await q.query(`INSERT INTO hub_runs (month, matched, exceptions, positions, run_at) VALUES ($1, $2, $3, $4, $5)`,
    [c.month, c.matched.length, JSON.stringify(c.exceptions), JSON.stringify(c.positions), at]);
  if (c.matched.length > 0) {
    const r = await q.query(
      `UPDATE hub_records h SET cleared_month = $1 FROM unnest($2::text[], $3::text[], $4::text[]) AS m(fed_id, treatment, insured)
        WHERE h.fed_id = m.fed_id AND h.deployment IN (m.treatment, m.insured) AND h.cleared_month IS NULL`,
      [c.month, c.matched.map((m) => m.fed_id), c.matched.map((m) => m.treatment), c.matched.map((m) => m.insured)],
    );
    if (r.rowCount !== 2 * c.matched.length) throw new Error(`hub run ${c.month}: ${r.rowCount} records marked cleared for ${c.matched.length} matches`);
  }
  await q.query(
    `INSERT INTO hub_statements (month, deployment, net_fen, body) SELECT $1, d, n, b FROM unnest($2::text[], $3::bigint[], $4::jsonb[]) AS s(d, n, b) ORDER BY d`,
    [c.month, c.statements.map((s) => s.deployment), c.statements.map((s) => s.net_fen), c.statements.map((s) => JSON.stringify(s))],
  );
}

export interface StoredHubStatement extends HubStatement {
  id: number;
}

export async function hubStatementsOf(q: Queryable, month: string, deployment?: string): Promise<StoredHubStatement[]> {
  const r = await q.query<{ id: number; body: HubStatement }>(
    `SELECT id, body FROM hub_statements WHERE month = $1 AND ($2::text IS NULL OR deployment = $2) ORDER BY deployment`, [month, deployment ?? null]);
  return r.rows.map((x) => ({ ...x.body, id: x.id }));
}

// ---- a deployment -----------------------------------------------------------------------------

/**
 * The records a deployment reports for a month: its federation_settlements of the month (both
 * roles), and those of earlier months that no statement it posted has cleared yet (late ones,
 * and exceptions the hub carries), which the hub holds once whichever report carries them.
 */
export async function recordsToReport(q: Queryable, month: string): Promise<HubRecord[]> {
  const r = await q.query<HubRecord & { setl_time: Date }>(
    `SELECT f.fed_id, f.role, f.peer, f.kind, f.orig_fed_id, f.owed_fen, f.by_fund, f.medfee_sumamt, f.fund_pay_sumamt, f.acct_pay, f.psn_cash_pay, f.setl_time
       FROM federation_settlements f
      WHERE f.clr_month = $1 OR (f.clr_month < $1 AND NOT EXISTS (SELECT 1 FROM federation_hub_cleared c WHERE c.fed_id = f.fed_id))
      ORDER BY f.fed_id`,
    [month],
  );
  return r.rows.map((x) => ({ ...x, setl_time: x.setl_time.toISOString() }));
}

/** This deployment's own records of the given fed_ids, with the regions their ledger legs name. */
export async function ownRecords(q: Queryable, fedIds: readonly string[]): Promise<Map<string, OwnClearedRecord>> {
  const r = await q.query<OwnClearedRecord>(
    `SELECT fed_id, role, peer, owed_fen, insuplc_admdvs, mdtrtarea_admvs FROM federation_settlements WHERE fed_id = ANY($1::text[])`, [fedIds]);
  return new Map(r.rows.map((x) => [x.fed_id, x]));
}

export interface PostedStatement {
  hub: string;
  statement_id: number;
  month: string;
  net_fen: number;
  transfer_id: number | null;
  posted_at: Date;
}

/** A statement this deployment posted before, locking out a concurrent post of it. */
export async function postedStatement(q: Queryable, hub: string, statementId: number): Promise<PostedStatement | undefined> {
  await q.query(`SELECT pg_advisory_xact_lock(hashtext('hub_statement:' || $1::text || ':' || $2::text))`, [hub, statementId]);
  const r = await q.query<PostedStatement>(`SELECT hub, statement_id, month, net_fen, transfer_id, posted_at FROM federation_hub_statements WHERE hub = $1 AND statement_id = $2`, [hub, statementId]);
  return r.rows[0];
}

/** Which of the fed_ids an earlier statement cleared here, and which. */
export async function clearedBefore(q: Queryable, fedIds: readonly string[]): Promise<{ fed_id: string; statement_id: number }[]> {
  const r = await q.query<{ fed_id: string; statement_id: number }>(`SELECT fed_id, statement_id FROM federation_hub_cleared WHERE fed_id = ANY($1::text[]) ORDER BY fed_id`, [fedIds]);
  return r.rows;
}

export async function recordPosting(q: Queryable, p: Omit<PostedStatement, 'posted_at'> & { body: HubStatement; fed_ids: readonly string[] }, at: Date): Promise<void> {
  await q.query(`INSERT INTO federation_hub_statements (hub, statement_id, month, net_fen, transfer_id, body, posted_at) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
    [p.hub, p.statement_id, p.month, p.net_fen, p.transfer_id, JSON.stringify(p.body), at]);
  if (p.fed_ids.length > 0) {
    await q.query(`INSERT INTO federation_hub_cleared (fed_id, hub, statement_id) SELECT f, $2, $3 FROM unnest($1::text[]) AS f`, [p.fed_ids, p.hub, p.statement_id]);
  }
}
