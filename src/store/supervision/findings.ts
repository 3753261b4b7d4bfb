// The rows of supervision (issue 15): claims read as the rules see them (ClaimView), findings
// written once per rule and claim and stage, and the scans' runs. The SQL of the scan, the
// gateway's stages and the cancellation's amendment; the use cases are in src/app/supervision/.
import { ageOn } from '../../engine/idcard.ts';
import type { Fen } from '../../engine/money.ts';
import type { ClaimView, Finding, LineView, Stage } from '../../engine/supervision/types.ts';
import type { Pool, Queryable } from '../db.ts';

const CIVIL = `'YYYY-MM-DD HH24:MI:SS'`;
const china = (col: string): string => `to_char(${col} AT TIME ZONE 'Asia/Shanghai', ${CIVIL})`;
/** Times travel as epoch seconds: formatting them in PostgreSQL costs the scan more than in here (chinaCivil). */
const epoch = (col: string): string => `floor(extract(epoch FROM ${col}))::bigint`;

/** A visit's row as every claim query answers it: times as epoch seconds, the lines as one text (LINE_FIELDS). */
interface ClaimRow {
  mdtrt_id: string;
  kind: ClaimView['kind'];
  psn_no: string;
  gend: string;
  brdy: string;
  insutype: string;
  med_type: string;
  fixmedins_code: string;
  fixmedins_type: string;
  hosp_lv: string;
  mdtrtarea_admvs: string;
  insuplc_admdvs: string;
  b: number;
  e: number | null;
  dise_codes: string[];
  setl_id: string | null;
  fund_pay_sumamt: number | null;
  lines_text: string | null;
}

/** A claim with a settlement in force, and the China day it was settled on (the scan's period is of settlement days). */
export type SettledClaim = ClaimView & { readonly setl_day: string };

const VISIT_COLUMNS = `v.mdtrt_id, v.kind, v.psn_no, p.gend, p.brdy, v.insutype, v.med_type, v.fixmedins_code, i.fixmedins_type, v.hosp_lv,
  v.mdtrtarea_admvs, v.insuplc_admdvs, ${epoch('v.begntime')} AS b, ${epoch('v.endtime')} AS e, v.dise_codes`;

// A claim's lines come back as one text per visit (fields split by U+001F, lines by U+001E):
// the scan reads a million lines, and splitting a string costs far less than a row per line.
const LINE_FIELDS = `concat_ws(E'\\x1f', l.seq, l.feedetl_sn, l.med_list_codg, l.med_chrgitm_type, l.chrgitm_lv, l.cnt::float8, l.pric, l.det_item_fee_sumamt,
    coalesce(l.pric_uplmt_fen::text, ''), l.inscp_scp_amt, l.fulamt_ownpay_amt, coalesce(${epoch('l.fee_ocur_time')}::text, ''), coalesce(l.init_feedetl_sn, ''))`;
/** One visit's lines, looked up by its key: a claim or a person's history. */
const LINES_OF_VISIT = `(SELECT string_agg(${LINE_FIELDS}, E'\\x1e') FROM fee_lines l WHERE l.mdtrt_id = v.mdtrt_id AND l.status = 'uploaded') AS lines_text`;

const CHINA_OFFSET_S = 8 * 3600;
const TWO = Array.from({ length: 60 }, (_, i) => String(i).padStart(2, '0'));
const chinaDays = new Map<number, string>();
/** Epoch seconds → yyyy-mm-dd hh:mm:ss in China time (no daylight saving there); a million lines' times, so the day is looked up, not formatted. */
function chinaCivil(epochS: number): string {
  const local = epochS + CHINA_OFFSET_S;
  const dayNo = Math.floor(local / 86_400);
  let day = chinaDays.get(dayNo);
  if (day === undefined) {
    day = new Date(dayNo * 86_400_000).toISOString().slice(0, 10);
    if (chinaDays.size < 100_000) chinaDays.set(dayNo, day);
  }
  const sec = local - dayNo * 86_400;
  return `${day} ${TWO[Math.floor(sec / 3600)]}:${TWO[Math.floor(sec / 60) % 60]}:${TWO[sec % 60]}`;
}

function parseLines(text: string | null): LineView[] {
  if (text === null || text === '') return [];
  const rows = text.split('\x1e').map((line) => line.split('\x1f'));
  // The aggregates do not sort (a sort a visit costs the database more than this does); the lines mostly come in order.
  let ordered = true;
  for (let k = 1; k < rows.length && ordered; k++) ordered = Number(rows[k - 1]![0]) <= Number(rows[k]![0]);
  if (!ordered) rows.sort((x, y) => Number(x[0]) - Number(y[0]));
  return rows.map((f) => ({
    feedetl_sn: f[1]!, med_list_codg: f[2]!, list_type: null, med_chrgitm_type: f[3]!, chrgitm_lv: f[4]!, cnt: Number(f[5]), pric: Number(f[6]) as Fen,
    det_item_fee_sumamt: Number(f[7]) as Fen, pric_uplmt_fen: f[8] === '' ? null : (Number(f[8]) as Fen), inscp_scp_amt: Number(f[9]) as Fen,
    fulamt_ownpay_amt: Number(f[10]) as Fen, fee_ocur_time: f[11] === '' ? null : chinaCivil(Number(f[11])), init_feedetl_sn: f[12] === '' ? null : f[12]!,
  }));
}

function claimOf(v: ClaimRow): ClaimView {
  const begntime = chinaCivil(Number(v.b));
  return {
    mdtrt_id: v.mdtrt_id, setl_id: v.setl_id, kind: v.kind, psn_no: v.psn_no, gend: v.gend, age: ageOn(v.brdy, begntime.slice(0, 10)),
    insutype: v.insutype, med_type: v.med_type, fixmedins_code: v.fixmedins_code, fixmedins_type: v.fixmedins_type, hosp_lv: v.hosp_lv,
    mdtrtarea_admvs: v.mdtrtarea_admvs, insuplc_admdvs: v.insuplc_admdvs, begntime, endtime: v.e === null ? null : chinaCivil(Number(v.e)), dise_codes: v.dise_codes,
    lines: parseLines(v.lines_text), fund_pay_sumamt: (v.fund_pay_sumamt ?? 0) as Fen,
  };
}

/**
 * Adds a settlement row (in visit, then settlement-time order) to the claims read so far: a stay
 * settled mid-way has several settlements in force, one claim with their sum and the newest number.
 */
function addSettled(out: SettledClaim[], v: ClaimRow & { st: number }): void {
  const setl_day = chinaCivil(Number(v.st)).slice(0, 10);
  const prev = out[out.length - 1];
  if (prev && prev.mdtrt_id === v.mdtrt_id) {
    out[out.length - 1] = { ...prev, setl_id: v.setl_id, setl_day, fund_pay_sumamt: (prev.fund_pay_sumamt + (v.fund_pay_sumamt ?? 0)) as Fen };
  } else out.push({ ...claimOf(v), setl_day });
}

const SETTLED_COLUMNS = `${VISIT_COLUMNS}, s.setl_id, s.fund_pay_sumamt, ${epoch('s.setl_time')} AS st`;
const SETTLED_FROM = `FROM settlements s
       JOIN visits v ON v.mdtrt_id = s.mdtrt_id
       JOIN persons p ON p.psn_no = v.psn_no
       JOIN institutions i ON i.fixmedins_code = v.fixmedins_code`;
const SETTLED_ORDER = `ORDER BY v.psn_no, v.begntime, v.mdtrt_id, s.setl_time`;

/**
 * The settled visits (a settlement in force) of some persons that began in [from, to) — the
 * claims a scan judges and the history the cross-visit rules read — each with its lines still
 * uploaded; person by person, in time order.
 */
export async function settledClaimsOf(q: Queryable, psnNos: readonly string[], from: Date, to: Date): Promise<SettledClaim[]> {
  const r = await q.query<ClaimRow & { st: number }>(
    `SELECT ${SETTLED_COLUMNS}, ${LINES_OF_VISIT} ${SETTLED_FROM}
      WHERE s.psn_no = ANY($1::text[]) AND s.kind = 'settle' AND s.status = 'settled' AND v.begntime >= $2 AND v.begntime < $3
      ${SETTLED_ORDER}`,
    [psnNos, from, to],
  );
  const out: SettledClaim[] = [];
  for (const v of r.rows) addSettled(out, v);
  return out;
}

// A full scan reads every settled claim of its window in one ordered pass: one statement whose
// lines are aggregated by a grouped join (one pass over fee_lines) instead of a lookup per visit,
// fetched from a cursor in chunks so memory stays flat whatever the number of claims.
const STREAM_SQL = `
  SELECT ${SETTLED_COLUMNS}, a.lines_text ${SETTLED_FROM}
    LEFT JOIN (
      SELECT l.mdtrt_id, string_agg(${LINE_FIELDS}, E'\\x1e') AS lines_text
        FROM fee_lines l
       WHERE l.status = 'uploaded' AND l.mdtrt_id IN (SELECT mdtrt_id FROM visits WHERE begntime >= $1 AND begntime < $2)
       GROUP BY l.mdtrt_id) a ON a.mdtrt_id = v.mdtrt_id
   WHERE s.kind = 'settle' AND s.status = 'settled' AND v.begntime >= $1 AND v.begntime < $2
     AND ($3 = '' OR v.psn_no IN (SELECT psn_no FROM settlements
                                   WHERE mdtrtarea_admvs LIKE $3 || '%' AND setl_time >= $4 AND setl_time < $5))
   ${SETTLED_ORDER}`;

/**
 * Every settled claim whose visit began in [from, to) — for a region, only the persons with a
 * settlement treated there in [periodFrom, periodTo) — person by person in time order, in chunks
 * that never split a person: a full scan's read.
 */
export async function* streamSettledClaims(
  pool: Pool,
  f: { from: Date; to: Date; prefix: string; periodFrom: Date; periodTo: Date; chunk?: number },
): AsyncGenerator<SettledClaim[]> {
  const client = await pool.connect();
  let open = false;
  try {
    await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
    open = true;
    // The window's lines are grouped by visit in memory rather than sorted on disk.
    await client.query(`SET LOCAL work_mem = '256MB'`);
    // The whole result is read: plan for all of it, not for the first rows (a cursor's default).
    await client.query('SET LOCAL cursor_tuple_fraction = 1.0');
    await client.query(`DECLARE supervision_claims NO SCROLL CURSOR FOR ${STREAM_SQL}`, [f.from, f.to, f.prefix, f.periodFrom, f.periodTo]);
    const size = f.chunk ?? 20_000;
    let pending: SettledClaim[] = [];
    for (;;) {
      const r = await client.query<ClaimRow & { st: number }>(`FETCH ${size} FROM supervision_claims`);
      for (const v of r.rows) addSettled(pending, v);
      if (r.rows.length < size) {
        if (pending.length > 0) yield pending;
        break;
      }
      // Hold back the last person of the chunk: their next claims may be in the next one.
      const tail = pending[pending.length - 1]!.psn_no;
      let cut = pending.length;
      while (cut > 0 && pending[cut - 1]!.psn_no === tail) cut--;
      if (cut > 0) {
        yield pending.slice(0, cut);
        pending = pending.slice(cut);
      }
    }
    await client.query('COMMIT');
    open = false;
  } finally {
    if (open) await client.query('ROLLBACK').catch(() => undefined);
    client.release();
  }
}

/** One visit as the rules see it before settlement (3101/3102, the check inside 2207/2304): its uploaded lines, nothing paid yet. */
export async function openClaim(q: Queryable, mdtrtId: string): Promise<ClaimView | undefined> {
  const r = await q.query<ClaimRow>(
    `SELECT ${VISIT_COLUMNS}, NULL::text AS setl_id, NULL::bigint AS fund_pay_sumamt, ${LINES_OF_VISIT}
       FROM visits v JOIN persons p ON p.psn_no = v.psn_no JOIN institutions i ON i.fixmedins_code = v.fixmedins_code
      WHERE v.mdtrt_id = $1`,
    [mdtrtId],
  );
  const v = r.rows[0];
  return v === undefined ? undefined : claimOf(v);
}

/** A person's settled visits around a claim: the history the cross-visit rules read. */
export async function historyOf(q: Queryable, psnNo: string, from: Date, to: Date): Promise<SettledClaim[]> {
  return settledClaimsOf(q, [psnNo], from, to);
}

/**
 * The next persons (in psn_no order, after `after`) with a settlement in force whose day is in
 * [from, to] and, for one region, treated there; the unit of a scan's batch.
 */
export async function personsToScan(q: Queryable, f: { after: string; limit: number; from: string; to: string; scope: string; changedSince: Date | null }): Promise<string[]> {
  const r = await q.query<{ psn_no: string }>(
    `SELECT DISTINCT psn_no FROM settlements
      WHERE psn_no > $1
        AND setl_time >= ($2::date::timestamp AT TIME ZONE 'Asia/Shanghai') AND setl_time < (($3::date + 1)::timestamp AT TIME ZONE 'Asia/Shanghai')
        AND ($4 = 'all' OR mdtrtarea_admvs LIKE rtrim($4, '0') || '%')
        AND ($5::timestamptz IS NULL OR setl_time > $5)
      ORDER BY psn_no LIMIT $6`,
    [f.after, f.from, f.to, f.scope, f.changedSince, f.limit],
  );
  return r.rows.map((x) => x.psn_no);
}

/** Settlement rows (settle or cancel) in force of the scope's claims: the newest time, the next watermark. */
export async function newestSettlementTime(q: Queryable): Promise<Date | null> {
  const r = await q.query<{ t: Date | null }>(`SELECT max(setl_time) AS t FROM settlements`);
  return r.rows[0]!.t;
}

export interface ClaimRegions {
  mdtrt_id: string;
  mdtrtarea_admvs: string;
  insuplc_admdvs: string;
}

/**
 * Writes a claim's findings at a stage: new ones inserted, those found before amended (lines,
 * related visits, amount, wording) while still open, and open ones of the claim that no longer
 * fire closed. `judged` lists every claim judged, so a claim with no finding closes its old ones.
 */
export async function saveFindings(
  q: Queryable,
  stage: Stage,
  judged: readonly ClaimRegions[],
  findings: readonly Finding[],
  at: Date,
  scanId: number | null,
): Promise<{ found: number; amended: number; closed: number }> {
  if (judged.length === 0) return { found: 0, amended: 0, closed: 0 };
  const region = new Map(judged.map((c) => [c.mdtrt_id, c]));
  let found = 0;
  let amended = 0;
  if (findings.length > 0) {
    const r = await q.query<{ inserted: boolean; changed: boolean }>(
      `INSERT INTO supervision_findings AS f (fingerprint, stage, rule_code, rule_version, rule_type, severity, mdtrt_id, setl_id, psn_no, fixmedins_code,
                                          mdtrtarea_admvs, insuplc_admdvs, lines, related, amount_fen, vola_cont, found_at, scan_id)
       SELECT x.fingerprint, $1, x.rule_code, x.rule_version, x.rule_type, x.severity, x.mdtrt_id, x.setl_id, x.psn_no, x.fixmedins_code,
              x.mdtrtarea_admvs, x.insuplc_admdvs, x.lines, x.related, x.amount_fen, x.vola_cont, $2, $3
         FROM jsonb_to_recordset($4::jsonb) AS x(fingerprint text, rule_code text, rule_version int, rule_type text, severity text, mdtrt_id text, setl_id text,
              psn_no text, fixmedins_code text, mdtrtarea_admvs text, insuplc_admdvs text, lines text[], related text[], amount_fen bigint, vola_cont jsonb)
       ON CONFLICT (stage, fingerprint) DO UPDATE
          SET lines = EXCLUDED.lines, related = EXCLUDED.related, amount_fen = EXCLUDED.amount_fen, vola_cont = EXCLUDED.vola_cont,
              rule_version = EXCLUDED.rule_version, severity = EXCLUDED.severity, setl_id = EXCLUDED.setl_id,
              status = CASE WHEN f.status = 'closed' AND f.closed_reason = 'no_longer_fires' THEN 'open' ELSE f.status END,
              closed_reason = CASE WHEN f.status = 'closed' AND f.closed_reason = 'no_longer_fires' THEN NULL ELSE f.closed_reason END
        WHERE f.status <> 'in_case'
          AND (f.lines, f.related, f.amount_fen, f.vola_cont, f.rule_version, f.severity, f.setl_id, f.status)
              IS DISTINCT FROM (EXCLUDED.lines, EXCLUDED.related, EXCLUDED.amount_fen, EXCLUDED.vola_cont, EXCLUDED.rule_version, EXCLUDED.severity, EXCLUDED.setl_id,
                                CASE WHEN f.status = 'closed' AND f.closed_reason = 'no_longer_fires' THEN 'open' ELSE f.status END)
       RETURNING (xmax = 0) AS inserted, true AS changed`,
      [stage, at, scanId, JSON.stringify(findings.map((x) => {
        const c = region.get(x.mdtrt_id)!;
        return {
          fingerprint: x.fingerprint, rule_code: x.rule_code, rule_version: x.rule_version, rule_type: x.rule_type, severity: x.severity, mdtrt_id: x.mdtrt_id,
          setl_id: x.setl_id, psn_no: x.psn_no, fixmedins_code: x.fixmedins_code, mdtrtarea_admvs: c.mdtrtarea_admvs, insuplc_admdvs: c.insuplc_admdvs,
          lines: x.lines, related: x.related, amount_fen: x.amount_fen, vola_cont: x.vola_cont,
        };
      }))],
    );
    for (const row of r.rows) if (row.inserted) found++; else amended++;
  }
  const closed = await q.query(
    // Joined to the unnested claims rather than `= ANY`: the planner estimates `= ANY` element by
    // element, which for a batch of 20,000 claims cost more than the update itself.
    `UPDATE supervision_findings f SET status = 'closed', closed_reason = 'no_longer_fires'
       FROM unnest($2::text[]) AS j(mdtrt_id)
      WHERE f.mdtrt_id = j.mdtrt_id AND f.stage = $1 AND f.status = 'open' AND f.fingerprint <> ALL($3::text[])`,
    [stage, judged.map((c) => c.mdtrt_id), findings.map((f) => f.fingerprint)],
  );
  return { found, amended, closed: closed.rowCount ?? 0 };
}

/**
 * A settlement cancelled (2208/2305/2601): its open findings close; one already in a case keeps
 * its case and is marked, so the reviewer sees that the claim was taken back.
 */
export async function closeFindingsOfSettlement(q: Queryable, setlId: string): Promise<number> {
  const r = await q.query(
    `UPDATE supervision_findings SET status = CASE WHEN status = 'open' THEN 'closed' ELSE status END, closed_reason = 'settlement_cancelled'
      WHERE setl_id = $1 AND status <> 'closed'`,
    [setlId],
  );
  return r.rowCount ?? 0;
}

export interface ScanRow {
  id: number;
  scope: string;
  mode: 'full' | 'incremental';
  period_from: string;
  period_to: string;
  status: 'running' | 'done';
  watermark: Date | null;
  persons: number;
  claims: number;
  lines: number;
  found: number;
  amended: number;
  closed: number;
  started_by: string;
  started_at: Date;
  finished_at: Date | null;
}

export async function startScan(q: Queryable, s: { scope: string; mode: 'full' | 'incremental'; from: string; to: string; rules: unknown; by: string; at: Date }): Promise<ScanRow> {
  const r = await q.query<ScanRow>(
    `INSERT INTO supervision_scans (scope, mode, period_from, period_to, rules, status, started_by, started_at)
     VALUES ($1, $2, $3, $4, $5, 'running', $6, $7) RETURNING *`,
    [s.scope, s.mode, s.from, s.to, JSON.stringify(s.rules), s.by, s.at],
  );
  return r.rows[0]!;
}

export async function addToScan(q: Queryable, id: number, d: { persons: number; claims: number; lines: number; found: number; amended: number; closed: number }): Promise<void> {
  await q.query(
    `UPDATE supervision_scans SET persons = persons + $2, claims = claims + $3, lines = lines + $4, found = found + $5, amended = amended + $6, closed = closed + $7 WHERE id = $1`,
    [id, d.persons, d.claims, d.lines, d.found, d.amended, d.closed],
  );
}

export async function finishScan(q: Queryable, id: number, watermark: Date | null, at: Date): Promise<ScanRow> {
  const r = await q.query<ScanRow>(`UPDATE supervision_scans SET status = 'done', watermark = $2, finished_at = $3 WHERE id = $1 RETURNING *`, [id, watermark, at]);
  return r.rows[0]!;
}

/** The last finished scan of a scope: where an incremental run starts. */
export async function lastScan(q: Queryable, scope: string): Promise<ScanRow | undefined> {
  const r = await q.query<ScanRow>(`SELECT * FROM supervision_scans WHERE scope = $1 AND status = 'done' AND watermark IS NOT NULL ORDER BY id DESC LIMIT 1`, [scope]);
  return r.rows[0];
}

export interface FindingRow {
  id: number;
  stage: Stage;
  rule_code: string;
  rule_version: number;
  rule_type: string;
  severity: string;
  status: string;
  closed_reason: string | null;
  mdtrt_id: string;
  setl_id: string | null;
  psn_no: string;
  psn_name: string;
  fixmedins_code: string;
  fixmedins_name: string;
  mdtrtarea_admvs: string;
  insuplc_admdvs: string;
  lines: string[];
  related: string[];
  amount_fen: number;
  vola_cont: { zh: string; en: string };
  found_at: Date;
}

export interface FindingFilter {
  /** The caller's regions (treatment or insured region of the finding); undefined: every region. */
  regions: readonly string[] | undefined;
  status?: string | undefined;
  severity?: string | undefined;
  rule_type?: string | undefined;
  stage?: string | undefined;
  fixmedins_code?: string | undefined;
  /** Narrows to one region (treatment or insured), within the caller's regions; never widens them. */
  admdvs?: string | undefined;
  /** The claim's begin day, China time, inclusive (yyyy-MM-dd). */
  from?: string | undefined;
  to?: string | undefined;
  limit: number;
  offset: number;
}

export interface RuleTypeCount {
  rule_type: string;
  n: number;
  amount_fen: number;
}

const FINDING_COLUMNS = `f.id, f.stage, f.rule_code, f.rule_version, f.rule_type, f.severity, f.status, f.closed_reason, f.mdtrt_id, f.setl_id, f.psn_no, p.psn_name,
  f.fixmedins_code, i.fixmedins_name, f.mdtrtarea_admvs, f.insuplc_admdvs, f.lines, f.related, f.amount_fen, f.vola_cont, f.found_at`;

/** The supervisor's queue: findings of the caller's regions (as treatment or insured region), newest first, with the total and the counts by rule type. */
export async function listFindings(q: Queryable, f: FindingFilter): Promise<{ total: number; items: FindingRow[]; by_rule_type: RuleTypeCount[] }> {
  const inRegion = (arg: string): string => `(f.mdtrtarea_admvs LIKE rtrim(${arg}, '0') || '%' OR f.insuplc_admdvs LIKE rtrim(${arg}, '0') || '%')`;
  const where = `($1::text[] IS NULL OR EXISTS (SELECT 1 FROM unnest($1::text[]) r WHERE ${inRegion('r')}))
      AND ($2::text IS NULL OR f.status = $2) AND ($3::text IS NULL OR f.severity = $3)
      AND ($5::text IS NULL OR f.stage = $5) AND ($6::text IS NULL OR f.fixmedins_code = $6)
      AND ($7::text IS NULL OR ${inRegion('$7::text')})
      AND ($8::date IS NULL AND $9::date IS NULL OR EXISTS (SELECT 1 FROM visits v WHERE v.mdtrt_id = f.mdtrt_id
            AND ($8::date IS NULL OR v.begntime >= ($8::date::timestamp AT TIME ZONE 'Asia/Shanghai'))
            AND ($9::date IS NULL OR v.begntime < (($9::date + 1)::timestamp AT TIME ZONE 'Asia/Shanghai'))))
      AND ($4::text IS NULL OR f.rule_type = $4)`;
  const args = [f.regions ?? null, f.status ?? null, f.severity ?? null, f.rule_type ?? null, f.stage ?? null, f.fixmedins_code ?? null, f.admdvs ?? null, f.from ?? null, f.to ?? null];
  const [total, rows, byType] = await Promise.all([
    q.query<{ n: number }>(`SELECT count(*)::int AS n FROM supervision_findings f WHERE ${where}`, args),
    q.query<FindingRow>(
      `SELECT ${FINDING_COLUMNS} FROM supervision_findings f JOIN persons p ON p.psn_no = f.psn_no JOIN institutions i ON i.fixmedins_code = f.fixmedins_code
        WHERE ${where} ORDER BY f.found_at DESC, f.id DESC LIMIT $10 OFFSET $11`,
      [...args, f.limit, f.offset],
    ),
    q.query<RuleTypeCount>(
      `SELECT f.rule_type, count(*)::int AS n, coalesce(sum(f.amount_fen), 0)::bigint AS amount_fen FROM supervision_findings f
        WHERE ${where} GROUP BY f.rule_type ORDER BY count(*) DESC, f.rule_type`,
      // Every filter but the rule type: the counts show each type under the others.
      args.map((a, i) => (i === 3 ? null : a)),
    ),
  ]);
  return { total: total.rows[0]!.n, items: rows.rows, by_rule_type: byType.rows.map((r) => ({ ...r, amount_fen: Number(r.amount_fen) })) };
}

/** The two regions of a finding, for the access check; undefined when there is none. */
export async function findingRegions(q: Queryable, id: number): Promise<{ mdtrtarea_admvs: string; insuplc_admdvs: string; fixmedins_code: string } | undefined> {
  const r = await q.query<{ mdtrtarea_admvs: string; insuplc_admdvs: string; fixmedins_code: string }>(`SELECT mdtrtarea_admvs, insuplc_admdvs, fixmedins_code FROM supervision_findings WHERE id = $1`, [id]);
  return r.rows[0];
}

export interface FindingEvidence {
  finding: FindingRow;
  /** Every line of the claim, those concerned marked. */
  lines: Array<{ feedetl_sn: string; med_list_codg: string; med_chrgitm_type: string; chrgitm_lv: string; cnt: number; pric: number; det_item_fee_sumamt: number; inscp_scp_amt: number; fee_ocur_time: string | null; concerned: boolean }>;
  /** The claim and the other visits that made the rule fire. */
  visits: Array<{ mdtrt_id: string; kind: string; fixmedins_code: string; fixmedins_name: string; begntime: string; endtime: string | null; dise_codes: string[]; status: string; related: boolean }>;
}

/** A finding with what made it fire: the claim's lines and the related visits. */
export async function findingEvidence(q: Queryable, id: number): Promise<FindingEvidence | undefined> {
  const f = await q.query<FindingRow>(`SELECT ${FINDING_COLUMNS} FROM supervision_findings f JOIN persons p ON p.psn_no = f.psn_no JOIN institutions i ON i.fixmedins_code = f.fixmedins_code WHERE f.id = $1`, [id]);
  const finding = f.rows[0];
  if (!finding) return undefined;
  const lines = await q.query<FindingEvidence['lines'][number]>(
    `SELECT feedetl_sn, med_list_codg, med_chrgitm_type, chrgitm_lv, cnt::float8 AS cnt, pric, det_item_fee_sumamt, inscp_scp_amt, ${china('fee_ocur_time')} AS fee_ocur_time,
            feedetl_sn = ANY($2::text[]) AS concerned
       FROM fee_lines WHERE mdtrt_id = $1 ORDER BY seq`,
    [finding.mdtrt_id, finding.lines],
  );
  const visits = await q.query<FindingEvidence['visits'][number]>(
    `SELECT v.mdtrt_id, v.kind, v.fixmedins_code, i.fixmedins_name, ${china('v.begntime')} AS begntime, ${china('v.endtime')} AS endtime, v.dise_codes, v.status, v.mdtrt_id <> $1 AS related
       FROM visits v JOIN institutions i ON i.fixmedins_code = v.fixmedins_code WHERE v.mdtrt_id = $1 OR v.mdtrt_id = ANY($2::text[]) ORDER BY v.begntime`,
    [finding.mdtrt_id, finding.related],
  );
  return { finding, lines: lines.rows, visits: visits.rows };
}

/** The newest scans, for the page. */
export async function listScans(q: Queryable, limit: number): Promise<ScanRow[]> {
  return (await q.query<ScanRow>(`SELECT * FROM supervision_scans ORDER BY id DESC LIMIT $1`, [limit])).rows;
}
