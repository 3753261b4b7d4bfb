import type { IsoDate } from '../engine/calendar.ts';
import type { AssistanceExplanation, SettlementBurden } from '../engine/assistance.ts';
import type { Queryable } from './db.ts';

// The SQL of medical assistance on application (migration 030): the applications beside their
// case rows, the settlements they claim, the objections of the public notice, the year's
// assistance already paid to a person, and the contribution subsidies.

export type AssistanceType = 'assistance' | 'reassistance';
export type AssistanceChannel = 'online' | 'window' | 'proxy' | 'system';

export interface OutsideLine {
  description: string;
  amount_fen: number;
  paid_on: string;
  materials: { kind: string; ref: string }[];
}

export interface AssistanceForm {
  setl_ids: string[];
  outside: OutsideLine[];
  reason: string | null;
  /** The re-assistance scan's figures when it proposed the case. */
  proposed?: { burden_fen: number; amount_fen: number };
}

export interface ApplicationRow {
  case_id: number;
  application_no: string;
  type: AssistanceType;
  psn_no: string;
  psn_name: string;
  region: string;
  year: number;
  channel: AssistanceChannel;
  applicant: string;
  proxy_username: string | null;
  consent_ref: string | null;
  form: AssistanceForm;
  rules_id: string;
  rules_version: number;
  submitted_at: Date;
  due_on: IsoDate;
  computed_fen: number | null;
  deductible_fen: number | null;
  explanation: AssistanceExplanation | null;
  reviewed_by: string | null;
  reviewed_at: Date | null;
  notice_starts_on: IsoDate | null;
  notice_ends_on: IsoDate | null;
  paid_fen: number | null;
  payment_transfer: number | null;
  paid_at: Date | null;
  payee_account: string | null;
  decision_reason: string | null;
  /** From the case row. */
  state: string;
  step_due_on: IsoDate | null;
  escalation_level: number;
}

const COLUMNS = `a.case_id::int AS case_id, a.application_no, a.type, a.psn_no, p.psn_name, a.region, a.year, a.channel, a.applicant, a.proxy_username, a.consent_ref,
  a.form, a.rules_id, a.rules_version, a.submitted_at, a.due_on, a.computed_fen, a.deductible_fen, a.explanation, a.reviewed_by, a.reviewed_at,
  a.notice_starts_on, a.notice_ends_on, a.paid_fen, a.payment_transfer, a.paid_at, a.payee_account, a.decision_reason,
  c.state, c.due_on AS step_due_on, c.escalation_level`;
const FROM = `medical_assistance_applications a JOIN cases c ON c.id = a.case_id JOIN persons p ON p.psn_no = a.psn_no`;

export async function nextApplicationSerial(q: Queryable): Promise<number> {
  return Number((await q.query<{ n: string }>(`SELECT nextval('medical_assistance_serial') AS n`)).rows[0]!.n);
}

/** What an application is stored with: its row's own facts at submission (the review, the notice and the payment come later). */
export type NewApplication = Pick<ApplicationRow,
  'case_id' | 'application_no' | 'type' | 'psn_no' | 'region' | 'year' | 'channel' | 'applicant' | 'proxy_username' | 'consent_ref' | 'form' | 'rules_id' | 'rules_version' | 'submitted_at' | 'due_on'
> & { explanation?: AssistanceExplanation | null };

/** Inserts an application; false when the person already has a re-assistance case for the year (the scan's rerun). */
export async function insertApplication(q: Queryable, a: NewApplication): Promise<boolean> {
  const r = await q.query(
    `INSERT INTO medical_assistance_applications (case_id, application_no, type, psn_no, region, year, channel, applicant, proxy_username, consent_ref, form, rules_id, rules_version, submitted_at, due_on, explanation)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16) ON CONFLICT (psn_no, year) WHERE type = 'reassistance' DO NOTHING`,
    [a.case_id, a.application_no, a.type, a.psn_no, a.region, a.year, a.channel, a.applicant, a.proxy_username, a.consent_ref, JSON.stringify(a.form), a.rules_id, a.rules_version, a.submitted_at, a.due_on, a.explanation ? JSON.stringify(a.explanation) : null],
  );
  return (r.rowCount ?? 0) > 0;
}

/** One application with its case's state; `lock` takes the application row for the move. */
export async function findApplication(q: Queryable, no: string, lock = false): Promise<ApplicationRow | undefined> {
  const r = await q.query<ApplicationRow>(`SELECT ${COLUMNS} FROM ${FROM} WHERE a.application_no = $1${lock ? ' FOR UPDATE OF a, c' : ''}`, [no]);
  return r.rows[0];
}

/** Whose and where an application is, for the auth hook. */
export async function applicationScope(q: Queryable, no: string): Promise<{ psn_no: string; region: string } | undefined> {
  const r = await q.query<{ psn_no: string; region: string }>(`SELECT psn_no, region FROM medical_assistance_applications WHERE application_no = $1`, [no]);
  return r.rows[0];
}

export interface ApplicationFilter {
  psn_no?: string | undefined;
  /** Staff regions (pooling-region prefixes are compared by the caller's cover); undefined: all. */
  regions?: readonly string[] | undefined;
  states?: readonly string[] | undefined;
  type?: AssistanceType | undefined;
  limit: number;
}

/** Applications, the nearest step deadline first (closed ones after, newest first). */
export async function listApplications(q: Queryable, f: ApplicationFilter): Promise<ApplicationRow[]> {
  const r = await q.query<ApplicationRow>(
    `SELECT ${COLUMNS} FROM ${FROM}
      WHERE ($1::text IS NULL OR a.psn_no = $1)
        AND ($2::text[] IS NULL OR EXISTS (SELECT 1 FROM unnest($2::text[]) g WHERE a.region LIKE rtrim(g, '0') || '%' OR g = '000000'))
        AND ($3::text[] IS NULL OR c.state = ANY($3)) AND ($4::text IS NULL OR a.type = $4)
      ORDER BY c.due_on NULLS LAST, a.submitted_at DESC LIMIT $5`,
    [f.psn_no ?? null, f.regions ? [...f.regions] : null, f.states ? [...f.states] : null, f.type ?? null, f.limit],
  );
  return r.rows;
}

/** Claims settlements for an application; the setl_id already claimed by a live application, if any. */
export async function claimSettlements(q: Queryable, no: string, setlIds: readonly string[]): Promise<string | undefined> {
  for (const id of setlIds) {
    const r = await q.query(
      `INSERT INTO medical_assistance_settlements (application_no, setl_id) VALUES ($1, $2) ON CONFLICT (setl_id) WHERE NOT released DO NOTHING`,
      [no, id],
    );
    if ((r.rowCount ?? 0) === 0) return id;
  }
  return undefined;
}

export async function releaseSettlements(q: Queryable, no: string): Promise<void> {
  await q.query(`UPDATE medical_assistance_settlements SET released = true WHERE application_no = $1`, [no]);
}

/** A person's settled (not cancelled) settlements of a year, insured in the region, as burdens; only the ids named when given. */
export async function settlementBurdens(q: Queryable, psnNo: string, year: number, setlIds?: readonly string[]): Promise<(SettlementBurden & { psn_no: string })[]> {
  const r = await q.query<SettlementBurden & { psn_no: string }>(
    `SELECT s.setl_id, s.psn_no, to_char(s.setl_time AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM-DD') AS setl_date,
            coalesce((s.setlinfo->>'inscp_scp_amt')::bigint, 0) AS inscp_scp_amt, coalesce((s.setlinfo->>'hifp_pay')::bigint, 0) AS hifp_pay,
            coalesce((s.setlinfo->>'hifmi_pay')::bigint, 0) AS hifmi_pay, coalesce((s.setlinfo->>'hifob_pay')::bigint, 0) AS hifob_pay,
            coalesce((s.setlinfo->>'cvlserv_pay')::bigint, 0) AS cvlserv_pay, coalesce((s.setlinfo->>'maf_pay')::bigint, 0) AS maf_pay
       FROM settlements s
      WHERE s.psn_no = $1 AND s.setl_year = $2 AND s.kind = 'settle' AND s.status = 'settled' AND ($3::text[] IS NULL OR s.setl_id = ANY($3))
      ORDER BY s.setl_time, s.setl_id`,
    [psnNo, year, setlIds ? [...setlIds] : null],
  );
  return r.rows.map((x) => ({ ...x, inscp_scp_amt: Number(x.inscp_scp_amt), hifp_pay: Number(x.hifp_pay), hifmi_pay: Number(x.hifmi_pay), hifob_pay: Number(x.hifob_pay), cvlserv_pay: Number(x.cvlserv_pay), maf_pay: Number(x.maf_pay) }));
}

/** Every settlement id named, with whose it is and whether it counts (for the apply check's errors by field). */
export async function settlementOwners(q: Queryable, setlIds: readonly string[]): Promise<Map<string, { psn_no: string; setl_year: number; kind: string; status: string }>> {
  const r = await q.query<{ setl_id: string; psn_no: string; setl_year: number; kind: string; status: string }>(
    `SELECT setl_id, psn_no, setl_year, kind, status FROM settlements WHERE setl_id = ANY($1)`, [[...setlIds]]);
  return new Map(r.rows.map((x) => [x.setl_id, x]));
}

/** What a person's year has had of assistance: at settlement (maf_pay of settled settlements), paid applications by type, the deductible used. */
export interface YearAssistance {
  settlement_maf_fen: number;
  applications_fen: number;
  reassistance_fen: number;
  deductible_used_fen: number;
}

export async function yearAssistance(q: Queryable, psnNo: string, year: number, except?: string): Promise<YearAssistance> {
  const r = await q.query<{ maf: string; app: string; re: string; ded: string }>(
    `SELECT (SELECT coalesce(sum((setlinfo->>'maf_pay')::bigint), 0) FROM settlements WHERE psn_no = $1 AND setl_year = $2 AND kind = 'settle' AND status = 'settled')::text AS maf,
            (SELECT coalesce(sum(paid_fen), 0) FROM medical_assistance_applications WHERE psn_no = $1 AND year = $2 AND type = 'assistance' AND paid_at IS NOT NULL)::text AS app,
            (SELECT coalesce(sum(paid_fen), 0) FROM medical_assistance_applications WHERE psn_no = $1 AND year = $2 AND type = 'reassistance' AND paid_at IS NOT NULL)::text AS re,
            (SELECT coalesce(sum(a.deductible_fen), 0) FROM medical_assistance_applications a JOIN cases c ON c.id = a.case_id
              WHERE a.psn_no = $1 AND a.year = $2 AND a.type = 'assistance' AND c.state NOT IN ('rejected', 'dismissed') AND a.application_no IS DISTINCT FROM $3)::text AS ded`,
    [psnNo, year, except ?? null],
  );
  const x = r.rows[0]!;
  return { settlement_maf_fen: Number(x.maf), applications_fen: Number(x.app), reassistance_fen: Number(x.re), deductible_used_fen: Number(x.ded) };
}

export async function writeReview(q: Queryable, no: string, r: { computed_fen: number; deductible_fen: number; explanation: AssistanceExplanation; by: string; at: Date; notice_starts_on: IsoDate | null; notice_ends_on: IsoDate | null; reason: string | null }): Promise<void> {
  await q.query(
    `UPDATE medical_assistance_applications SET computed_fen = $2, deductible_fen = $3, explanation = $4, reviewed_by = $5, reviewed_at = $6, notice_starts_on = $7, notice_ends_on = $8, decision_reason = $9 WHERE application_no = $1`,
    [no, r.computed_fen, r.deductible_fen, JSON.stringify(r.explanation), r.by, r.at, r.notice_starts_on, r.notice_ends_on, r.reason],
  );
}

/** Updates the proposal's figures (re-assistance scan) or the explanation shown before a review. */
export async function writeExplanation(q: Queryable, no: string, explanation: AssistanceExplanation): Promise<void> {
  await q.query(`UPDATE medical_assistance_applications SET explanation = $2 WHERE application_no = $1`, [no, JSON.stringify(explanation)]);
}

export async function writeDecisionReason(q: Queryable, no: string, reason: string, by: string, at: Date): Promise<void> {
  await q.query(`UPDATE medical_assistance_applications SET decision_reason = $2, reviewed_by = coalesce(reviewed_by, $3), reviewed_at = coalesce(reviewed_at, $4) WHERE application_no = $1`, [no, reason, by, at]);
}

export async function writePaid(q: Queryable, no: string, p: { paid_fen: number; transfer_id: number | null; at: Date; payee: string | null; explanation: AssistanceExplanation }): Promise<void> {
  await q.query(
    `UPDATE medical_assistance_applications SET paid_fen = $2, payment_transfer = $3, paid_at = $4, payee_account = $5, explanation = $6 WHERE application_no = $1`,
    [no, p.paid_fen, p.transfer_id, p.at, p.payee, JSON.stringify(p.explanation)],
  );
}

export interface ObjectionRow {
  id: number;
  application_no: string;
  at: Date;
  recorded_by: string;
  objector: string;
  contact: string | null;
  reason: string;
  resolution: 'upheld' | 'dismissed' | null;
  resolution_reason: string | null;
  resolved_by: string | null;
  resolved_at: Date | null;
}

export async function insertObjection(q: Queryable, o: { application_no: string; at: Date; recorded_by: string; objector: string; contact: string | null; reason: string }): Promise<ObjectionRow> {
  const r = await q.query<ObjectionRow>(
    `INSERT INTO medical_assistance_objections (application_no, at, recorded_by, objector, contact, reason) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id::int AS id, *`,
    [o.application_no, o.at, o.recorded_by, o.objector, o.contact, o.reason],
  );
  return { ...r.rows[0]!, id: Number(r.rows[0]!.id) };
}

export async function objectionsOf(q: Queryable, no: string): Promise<ObjectionRow[]> {
  const r = await q.query<ObjectionRow>(`SELECT id::int AS id, application_no, at, recorded_by, objector, contact, reason, resolution, resolution_reason, resolved_by, resolved_at FROM medical_assistance_objections WHERE application_no = $1 ORDER BY id`, [no]);
  return r.rows;
}

export async function resolveObjections(q: Queryable, no: string, r: { resolution: 'upheld' | 'dismissed'; reason: string; by: string; at: Date }): Promise<number> {
  const x = await q.query(
    `UPDATE medical_assistance_objections SET resolution = $2, resolution_reason = $3, resolved_by = $4, resolved_at = $5 WHERE application_no = $1 AND resolution IS NULL`,
    [no, r.resolution, r.reason, r.by, r.at],
  );
  return x.rowCount ?? 0;
}

/** The applications of a state whose notice ended before `asOf` (the notice pass), of the regions when given. */
export async function noticesEnded(q: Queryable, asOf: IsoDate, regions: readonly string[] | undefined): Promise<string[]> {
  const r = await q.query<{ application_no: string }>(
    `SELECT a.application_no FROM medical_assistance_applications a JOIN cases c ON c.id = a.case_id
      WHERE c.kind = 'medical_assistance' AND c.state = 'public_notice' AND a.notice_ends_on < $1
        AND ($2::text[] IS NULL OR EXISTS (SELECT 1 FROM unnest($2::text[]) g WHERE a.region LIKE rtrim(g, '0') || '%' OR g = '000000'))
      ORDER BY a.application_no`,
    [asOf, regions ? [...regions] : null],
  );
  return r.rows.map((x) => x.application_no);
}

/** Persons insured in a pooling region with settlements in the year whose remaining burden adds up to at least `min` fen (the re-assistance scan's candidates). */
export async function heavyBurdens(q: Queryable, region: string, year: number, min: number): Promise<string[]> {
  const r = await q.query<{ psn_no: string }>(
    `SELECT s.psn_no FROM settlements s JOIN regions g ON g.code = s.insuplc_admdvs
      WHERE s.setl_year = $2 AND s.kind = 'settle' AND s.status = 'settled' AND (g.code = $1 OR g.pooling_admdvs = $1)
      GROUP BY s.psn_no
     HAVING sum(greatest(0, coalesce((s.setlinfo->>'inscp_scp_amt')::bigint, 0) - coalesce((s.setlinfo->>'hifp_pay')::bigint, 0) - coalesce((s.setlinfo->>'hifmi_pay')::bigint, 0)
                - coalesce((s.setlinfo->>'hifob_pay')::bigint, 0) - coalesce((s.setlinfo->>'cvlserv_pay')::bigint, 0) - coalesce((s.setlinfo->>'maf_pay')::bigint, 0))) >= $3
      ORDER BY s.psn_no`,
    [region, year, min],
  );
  return r.rows.map((x) => x.psn_no);
}

/** Persons with an identity in force on `asOf`, insured in the pooling region (resident 390 enrollment covering the year), their identity types. */
export async function subsidyCandidates(q: Queryable, region: string, year: number, asOf: IsoDate): Promise<{ psn_no: string; psn_name: string; idet_types: string[]; already: boolean }[]> {
  const r = await q.query<{ psn_no: string; psn_name: string; idet_types: string[]; already: boolean }>(
    `SELECT p.psn_no, p.psn_name, array_agg(DISTINCT i.psn_idet_type ORDER BY i.psn_idet_type) AS idet_types,
            (EXISTS (SELECT 1 FROM assistance_subsidies s WHERE s.psn_no = p.psn_no AND s.year = $2)
              OR EXISTS (SELECT 1 FROM contributions k WHERE k.psn_no = p.psn_no AND k.year = $2 AND k.payer = 'assistance')) AS already
       FROM persons p JOIN regions g ON g.code = p.insuplc_admdvs
       JOIN person_identities i ON i.psn_no = p.psn_no AND i.begntime <= $3 AND (i.endtime IS NULL OR i.endtime >= $3)
      WHERE (g.code = $1 OR g.pooling_admdvs = $1)
        AND EXISTS (SELECT 1 FROM enrollments e WHERE e.psn_no = p.psn_no AND e.insutype = '390' AND e.psn_insu_stas = '1'
                     AND e.psn_insu_date <= make_date($2, 12, 31) AND (e.end_date IS NULL OR e.end_date >= make_date($2, 1, 1)))
      GROUP BY p.psn_no, p.psn_name ORDER BY p.psn_no`,
    [region, year, asOf],
  );
  return r.rows;
}

/** Records a subsidy once per person and year; false when there is one already (a rerun, or a concurrent run first). */
export async function insertSubsidy(q: Queryable, s: { psn_no: string; year: number; region: string; identity: string; share_bp: number; amount_fen: number; rules_id: string; rules_version: number; contribution_id: number; transfer_id: number; at: Date; by: string }): Promise<boolean> {
  const r = await q.query(
    `INSERT INTO assistance_subsidies (psn_no, year, region, identity, share_bp, amount_fen, rules_id, rules_version, contribution_id, transfer_id, at, by_actor)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) ON CONFLICT (psn_no, year) DO NOTHING`,
    [s.psn_no, s.year, s.region, s.identity, s.share_bp, s.amount_fen, s.rules_id, s.rules_version, s.contribution_id, s.transfer_id, s.at, s.by],
  );
  return (r.rowCount ?? 0) > 0;
}

/** Serialises subsidy runs of one region and year (a concurrent run waits, then finds the subsidies there). */
export async function lockSubsidyRun(q: Queryable, region: string, year: number): Promise<void> {
  await q.query(`SELECT pg_advisory_xact_lock(30, hashtext($1))`, [`assistance_subsidies:${region}:${year}`]);
}
