import type { IsoDate } from '../../engine/calendar.ts';
import { notFound } from '../../engine/errors.ts';
import { regionPatterns } from '../cooperation/cases.ts';
import type { Queryable } from '../db.ts';

// One-window applications as rows (migration 029): the application, its materials, its rating
// and a poor rating's follow-up. SQL only: the workflow is the case machine's
// (src/app/service/applications.ts moves it); `status` and `due_on` mirror the case.

export interface ApplicationRow {
  id: number;
  application_no: string;
  case_id: number;
  item_code: string;
  item_doc_id: string;
  item_version: number;
  psn_no: string;
  region: string;
  channel: 'online' | 'window' | 'proxy';
  received_by: string;
  grid_worker: string | null;
  consent_ref: string | null;
  identity_checked: { cert_type: string; certno: string } | null;
  form: Record<string, unknown>;
  time_limit_days: number;
  promised_on: IsoDate;
  status: string;
  due_on: IsoDate | null;
  refusal_reasons: string[] | null;
  linked_kind: string | null;
  linked_no: string | null;
  submitted_at: Date;
  ended_at: Date | null;
}

const COLUMNS = `id::int, application_no, case_id::int, item_code, item_doc_id, item_version, psn_no, region, channel, received_by, grid_worker, consent_ref,
  identity_checked, form, time_limit_days, promised_on, status, due_on, refusal_reasons, linked_kind, linked_no, submitted_at, ended_at`;

export async function nextApplicationSerial(q: Queryable): Promise<number> {
  return Number((await q.query<{ n: string }>(`SELECT nextval('application_serial') AS n`)).rows[0]!.n);
}

export async function nextFollowUpSerial(q: Queryable): Promise<number> {
  return Number((await q.query<{ n: string }>(`SELECT nextval('rating_follow_up_serial') AS n`)).rows[0]!.n);
}

export type NewApplication = Omit<ApplicationRow, 'id' | 'refusal_reasons' | 'linked_kind' | 'linked_no' | 'ended_at'>;

export async function insertApplication(q: Queryable, a: NewApplication): Promise<ApplicationRow> {
  const r = await q.query<ApplicationRow>(
    `INSERT INTO applications (application_no, case_id, item_code, item_doc_id, item_version, psn_no, region, channel, received_by, grid_worker, consent_ref,
       identity_checked, form, time_limit_days, promised_on, status, due_on, submitted_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18) RETURNING ${COLUMNS}`,
    [a.application_no, a.case_id, a.item_code, a.item_doc_id, a.item_version, a.psn_no, a.region, a.channel, a.received_by, a.grid_worker, a.consent_ref,
      a.identity_checked === null ? null : JSON.stringify(a.identity_checked), JSON.stringify(a.form), a.time_limit_days, a.promised_on, a.status, a.due_on, a.submitted_at],
  );
  return r.rows[0]!;
}

export async function findApplication(q: Queryable, no: string, lock = false): Promise<ApplicationRow | undefined> {
  return (await q.query<ApplicationRow>(`SELECT ${COLUMNS} FROM applications WHERE application_no = $1${lock ? ' FOR UPDATE' : ''}`, [no])).rows[0];
}

export async function getApplication(q: Queryable, no: string, lock = false): Promise<ApplicationRow> {
  const a = await findApplication(q, no, lock);
  if (!a) throw notFound('application_no', '查无此申请', 'no such application');
  return a;
}

/** The application that opened a review case (a filing, a recognition), if any. */
export async function applicationLinkedTo(q: Queryable, kind: string, no: string, lock = false): Promise<ApplicationRow | undefined> {
  return (await q.query<ApplicationRow>(`SELECT ${COLUMNS} FROM applications WHERE linked_kind = $1 AND linked_no = $2${lock ? ' FOR UPDATE' : ''}`, [kind, no])).rows[0];
}

export async function linkApplication(q: Queryable, id: number, kind: string, no: string): Promise<void> {
  await q.query('UPDATE applications SET linked_kind = $2, linked_no = $3 WHERE id = $1', [id, kind, no]);
}

/** The case's new state mirrored on the row; a closed state ends it (with the refusal's reasons). */
export async function writeApplicationState(q: Queryable, id: number, s: { status: string; due_on: IsoDate | null; ended_at: Date | null; refusal_reasons?: string[] | null }): Promise<void> {
  await q.query(
    'UPDATE applications SET status = $2, due_on = $3, ended_at = $4, refusal_reasons = coalesce($5, refusal_reasons) WHERE id = $1',
    [id, s.status, s.due_on, s.ended_at, s.refusal_reasons ?? null],
  );
}

export async function addMaterials(q: Queryable, applicationId: number, at: Date, by: string, materials: readonly { code: string; ref: string }[]): Promise<void> {
  for (const m of materials) {
    await q.query('INSERT INTO application_materials (application_id, material_code, ref, added_at, added_by) VALUES ($1, $2, $3, $4, $5)', [applicationId, m.code, m.ref, at, by]);
  }
}

export interface MaterialRow {
  material_code: string;
  ref: string;
  added_at: Date;
  added_by: string;
}

export async function materialsOf(q: Queryable, applicationId: number): Promise<MaterialRow[]> {
  return (await q.query<MaterialRow>('SELECT material_code, ref, added_at, added_by FROM application_materials WHERE application_id = $1 ORDER BY id', [applicationId])).rows;
}

export interface ListRow {
  id: number;
  application_no: string;
  item_code: string;
  psn_no: string;
  psn_name: string;
  region: string;
  channel: string;
  status: string;
  due_on: IsoDate | null;
  promised_on: IsoDate;
  overdue: boolean;
  submitted_at: Date;
  grid_worker: string | null;
  rated: boolean;
}

const LIST_COLUMNS = `a.id::int, a.application_no, a.item_code, a.psn_no, p.psn_name, a.region, a.channel, a.status, a.due_on, a.promised_on,
  coalesce(a.due_on < $1::date, false) AS overdue, a.submitted_at, a.grid_worker, EXISTS (SELECT 1 FROM application_ratings r WHERE r.application_id = a.id) AS rated`;

/** A person's applications, newest first. */
export async function applicationsOfPersons(q: Queryable, psnNos: readonly string[], asOf: IsoDate, limit = 100): Promise<ListRow[]> {
  const r = await q.query<ListRow>(
    `SELECT ${LIST_COLUMNS} FROM applications a JOIN persons p USING (psn_no) WHERE a.psn_no = ANY($2::text[]) ORDER BY a.id DESC LIMIT $3`,
    [asOf, psnNos, limit],
  );
  return r.rows;
}

export interface QueueQuery {
  /** The staff member's regions (each covering the divisions under it); undefined: all. */
  regions: readonly string[] | undefined;
  statuses?: readonly string[] | undefined;
  item?: string | undefined;
  /** Only those past their deadline on this day. */
  overdueOn?: IsoDate | undefined;
  asOf: IsoDate;
  /** Keyset: the last id of the page before. */
  after?: number | undefined;
  limit: number;
}

/**
 * The staff queue: applications of the regions covered, in the order received (先到先办),
 * paged by id. The covered regions are resolved to the handling regions' codes first so the
 * (region, status, id) indexes answer a page without sorting.
 */
export async function applicationQueue(q: Queryable, f: QueueQuery): Promise<ListRow[]> {
  const r = await q.query<ListRow>(
    `WITH covered AS (SELECT CASE WHEN $2::text[] IS NULL THEN NULL ELSE ARRAY(SELECT code FROM regions WHERE code LIKE ANY($2::text[])) END AS codes)
     SELECT ${LIST_COLUMNS}
       FROM applications a JOIN persons p USING (psn_no), covered
      WHERE (covered.codes IS NULL OR a.region = ANY(covered.codes))
        AND ($3::text[] IS NULL OR a.status = ANY($3::text[]))
        AND ($4::text IS NULL OR a.item_code = $4)
        AND ($5::date IS NULL OR a.due_on < $5::date)
        AND a.id > $6
      ORDER BY a.id LIMIT $7`,
    [f.asOf, regionPatterns(f.regions), f.statuses ?? null, f.item ?? null, f.overdueOn ?? null, f.after ?? 0, f.limit],
  );
  return r.rows;
}

export interface RatingRow {
  score: number;
  reasons: string[];
  comment: string | null;
  rated_at: Date;
  rated_by: string;
  follow_up_no: string | null;
}

export async function ratingOf(q: Queryable, applicationId: number): Promise<RatingRow | undefined> {
  return (await q.query<RatingRow>('SELECT score, reasons, comment, rated_at, rated_by, follow_up_no FROM application_ratings WHERE application_id = $1', [applicationId])).rows[0];
}

/** False when the application is rated already (a rating is accepted once). */
export async function insertRating(q: Queryable, applicationId: number, r: Omit<RatingRow, 'follow_up_no'>): Promise<boolean> {
  const res = await q.query(
    'INSERT INTO application_ratings (application_id, score, reasons, comment, rated_at, rated_by) VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING',
    [applicationId, r.score, r.reasons, r.comment, r.rated_at, r.rated_by],
  );
  return (res.rowCount ?? 0) === 1;
}

export async function insertFollowUp(q: Queryable, f: { follow_up_no: string; case_id: number; application_id: number }): Promise<void> {
  await q.query('INSERT INTO rating_follow_ups (follow_up_no, case_id, application_id) VALUES ($1, $2, $3)', [f.follow_up_no, f.case_id, f.application_id]);
  await q.query('UPDATE application_ratings SET follow_up_no = $2 WHERE application_id = $1', [f.application_id, f.follow_up_no]);
}

export interface FollowUpRow {
  follow_up_no: string;
  case_id: number;
  application_id: number;
  answer: string | null;
  answered_at: Date | null;
  answered_by: string | null;
}

export async function followUpOf(q: Queryable, applicationId: number, lock = false): Promise<FollowUpRow | undefined> {
  return (await q.query<FollowUpRow>(`SELECT follow_up_no, case_id::int, application_id::int, answer, answered_at, answered_by FROM rating_follow_ups WHERE application_id = $1${lock ? ' FOR UPDATE' : ''}`, [applicationId])).rows[0];
}

export async function writeFollowUpAnswer(q: Queryable, no: string, answer: string, at: Date, by: string): Promise<void> {
  await q.query('UPDATE rating_follow_ups SET answer = $2, answered_at = $3, answered_by = $4 WHERE follow_up_no = $1', [no, answer, at, by]);
}

export interface ServiceSummary {
  by_item_state: { item_code: string; status: string; count: number }[];
  /** Ended applications (completed or refused) and those ended on or before their promised day. */
  deadlines: { ended: number; on_time: number; open: number; overdue: number };
  ratings: { score: number; count: number }[];
  follow_ups: { open: number; overdue: number; answered: number };
}

/** The supervisor's figures of the regions covered (undefined: all). */
export async function serviceSummary(q: Queryable, regions: readonly string[] | undefined, asOf: IsoDate): Promise<ServiceSummary> {
  const pats = regionPatterns(regions);
  const where = `($1::text[] IS NULL OR a.region LIKE ANY($1::text[]))`;
  const byItem = await q.query<{ item_code: string; status: string; count: number }>(
    `SELECT a.item_code, a.status, count(*)::int AS count FROM applications a WHERE ${where} GROUP BY 1, 2 ORDER BY 1, 2`, [pats]);
  const dl = await q.query<ServiceSummary['deadlines']>(
    `SELECT count(*) FILTER (WHERE a.status IN ('completed', 'refused'))::int AS ended,
            count(*) FILTER (WHERE a.status IN ('completed', 'refused') AND (a.ended_at AT TIME ZONE 'Asia/Shanghai')::date <= a.promised_on)::int AS on_time,
            count(*) FILTER (WHERE a.due_on IS NOT NULL)::int AS open,
            count(*) FILTER (WHERE a.due_on < $2::date)::int AS overdue
       FROM applications a WHERE ${where}`, [pats, asOf]);
  const ratings = await q.query<{ score: number; count: number }>(
    `SELECT r.score, count(*)::int AS count FROM application_ratings r JOIN applications a ON a.id = r.application_id WHERE ${where} GROUP BY 1 ORDER BY 1`, [pats]);
  const fu = await q.query<ServiceSummary['follow_ups']>(
    `SELECT count(*) FILTER (WHERE c.due_on IS NOT NULL)::int AS open, count(*) FILTER (WHERE c.due_on < $2::date)::int AS overdue,
            count(*) FILTER (WHERE c.due_on IS NULL)::int AS answered
       FROM rating_follow_ups f JOIN cases c ON c.id = f.case_id JOIN applications a ON a.id = f.application_id WHERE ${where}`, [pats, asOf]);
  return { by_item_state: byItem.rows, deadlines: dl.rows[0]!, ratings: ratings.rows, follow_ups: fu.rows[0]! };
}

export interface ConsentRow {
  consent_ref: string;
  username: string;
  psn_no: string;
  granted_on: IsoDate;
  revoked_on: IsoDate | null;
}

export async function findConsent(q: Queryable, ref: string, lock = false): Promise<ConsentRow | undefined> {
  return (await q.query<ConsentRow>(`SELECT consent_ref, username, psn_no, granted_on, revoked_on FROM grid_consents WHERE consent_ref = $1${lock ? ' FOR UPDATE' : ''}`, [ref])).rows[0];
}

/** Ends a consent from `today` (activeConsent counts a consent revoked on a day as gone that day). */
export async function writeConsentWithdrawn(q: Queryable, ref: string, today: IsoDate, by: string): Promise<void> {
  await q.query('UPDATE grid_consents SET revoked_on = $2, revoked_by = $3 WHERE consent_ref = $1', [ref, today, by]);
}

/** An application's case keeps the promised day when a later state's clock would reach past it. */
export async function keepPromise(q: Queryable, caseId: number, promised: IsoDate): Promise<IsoDate> {
  await q.query('UPDATE cases SET due_on = $2, remind_on = least(remind_on, $2) WHERE id = $1', [caseId, promised]);
  return promised;
}
