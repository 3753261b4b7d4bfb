import type { IsoDate } from '../../engine/calendar.ts';
import { regionPatterns } from '../cooperation/cases.ts';
import type { Queryable } from '../db.ts';

// 协查 requests (025_investigations.sql) as rows: the request beside the case machine's row
// (cases, kind 'investigation_request'), its visits with their amounts, its attachments, the
// agreement that allows it, and the two boxes. SQL only: the moves are src/engine/cases.ts,
// applying them src/app/supervision/investigations.ts.

export interface InvestigationRow {
  case_id: number;
  case_no: string;
  psn_no: string;
  psn_name: string;
  requesting_admdvs: string;
  answering_admdvs: string;
  agreement_no: string;
  accept_days: number;
  answer_days: number;
  subject: string;
  reason: string;
  finding_ids: number[];
  raised_by: string;
  raised_at: Date;
  accepted_by: string | null;
  accepted_at: Date | null;
  refusal: { at: string; by: string; reason: string } | null;
  answers: InvestigationAnswer[];
  closed_by: string | null;
  closed_at: Date | null;
}

export interface InvestigationAnswer {
  at: string;
  by: string;
  findings: string;
  conclusion: 'violation' | 'no_violation';
  recovery_fen: number;
  recovery_ref: string | null;
  /** Set when the requester returned this answer as incomplete. */
  returned?: { at: string; by: string; reason: string };
}

const SELECT = `SELECT r.case_id::int, r.case_no, r.psn_no, p.psn_name, r.requesting_admdvs, r.answering_admdvs, r.agreement_no, r.accept_days, r.answer_days,
       r.subject, r.reason, r.finding_ids::int[] AS finding_ids, r.raised_by, r.raised_at, r.accepted_by, r.accepted_at, r.refusal, r.answers, r.closed_by, r.closed_at
  FROM investigation_requests r JOIN persons p ON p.psn_no = r.psn_no`;

export async function nextInvestigationSerial(q: Queryable): Promise<number> {
  return Number((await q.query<{ n: string }>(`SELECT nextval('investigation_serial')::text AS n`)).rows[0]!.n);
}

export async function findInvestigation(q: Queryable, caseNo: string): Promise<InvestigationRow | undefined> {
  return (await q.query<InvestigationRow>(`${SELECT} WHERE r.case_no = $1`, [caseNo])).rows[0];
}

export async function insertInvestigation(
  q: Queryable,
  r: Pick<InvestigationRow, 'case_id' | 'case_no' | 'psn_no' | 'requesting_admdvs' | 'answering_admdvs' | 'agreement_no' | 'accept_days' | 'answer_days' | 'subject' | 'reason' | 'finding_ids' | 'raised_by' | 'raised_at'>,
  visits: readonly { mdtrt_id: string; setl_id: string | null }[],
): Promise<void> {
  await q.query(
    `INSERT INTO investigation_requests (case_id, case_no, psn_no, requesting_admdvs, answering_admdvs, agreement_no, accept_days, answer_days, subject, reason, finding_ids, raised_by, raised_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)`,
    [r.case_id, r.case_no, r.psn_no, r.requesting_admdvs, r.answering_admdvs, r.agreement_no, r.accept_days, r.answer_days, r.subject, r.reason, r.finding_ids, r.raised_by, r.raised_at],
  );
  for (const v of visits) await q.query('INSERT INTO investigation_visits (case_id, mdtrt_id, setl_id) VALUES ($1, $2, $3)', [r.case_id, v.mdtrt_id, v.setl_id]);
}

export async function setAccepted(q: Queryable, caseId: number, by: string, at: Date): Promise<void> {
  await q.query('UPDATE investigation_requests SET accepted_by = coalesce(accepted_by, $2), accepted_at = coalesce(accepted_at, $3) WHERE case_id = $1', [caseId, by, at]);
}

export async function setRefusal(q: Queryable, caseId: number, refusal: { at: string; by: string; reason: string }): Promise<void> {
  await q.query('UPDATE investigation_requests SET refusal = $2 WHERE case_id = $1', [caseId, JSON.stringify(refusal)]);
}

export async function setAnswers(q: Queryable, caseId: number, answers: readonly InvestigationAnswer[]): Promise<void> {
  await q.query('UPDATE investigation_requests SET answers = $2 WHERE case_id = $1', [caseId, JSON.stringify(answers)]);
}

export async function setClosed(q: Queryable, caseId: number, by: string, at: Date): Promise<void> {
  await q.query('UPDATE investigation_requests SET closed_by = $2, closed_at = $3 WHERE case_id = $1', [caseId, by, at]);
}

// ---- what a request may name -------------------------------------------------------------

export interface VisitFacts {
  mdtrt_id: string;
  psn_no: string;
  kind: string;
  status: string;
  fixmedins_code: string;
  fixmedins_name: string;
  mdtrtarea_admvs: string;
  begntime: Date;
  endtime: Date | null;
  med_type: string;
  /** The visit's standing settlement (or its newest one). */
  setl_id: string | null;
  setl_status: string | null;
  medfee_sumamt: number | null;
  fund_pay_sumamt: number | null;
  setl_time: Date | null;
}

const VISIT_FACTS = `SELECT v.mdtrt_id, v.psn_no, v.kind, v.status, v.fixmedins_code, i.fixmedins_name, v.mdtrtarea_admvs, v.begntime, v.endtime, v.med_type,
       s.setl_id, s.status AS setl_status, s.medfee_sumamt::bigint::float8 AS medfee_sumamt, s.fund_pay_sumamt::bigint::float8 AS fund_pay_sumamt, s.setl_time
  FROM visits v JOIN institutions i ON i.fixmedins_code = v.fixmedins_code
  LEFT JOIN LATERAL (SELECT setl_id, status, medfee_sumamt, fund_pay_sumamt, setl_time FROM settlements x
                      WHERE x.mdtrt_id = v.mdtrt_id AND x.kind = 'settle' ORDER BY (x.status = 'settled') DESC, x.setl_time DESC LIMIT 1) s ON true`;

/** The visits named (unknown ones are missing from the answer). */
export async function visitFacts(q: Queryable, mdtrtIds: readonly string[]): Promise<VisitFacts[]> {
  return (await q.query<VisitFacts>(`${VISIT_FACTS} WHERE v.mdtrt_id = ANY($1::text[])`, [mdtrtIds])).rows;
}

/** A settlement's visit and kind, to check a setl_id named beside its visit. */
export async function settlementOf(q: Queryable, setlId: string): Promise<{ setl_id: string; mdtrt_id: string; kind: string } | undefined> {
  return (await q.query<{ setl_id: string; mdtrt_id: string; kind: string }>('SELECT setl_id, mdtrt_id, kind FROM settlements WHERE setl_id = $1', [setlId])).rows[0];
}

/** The request's visits, each with its institution and what its settlement came to. */
export async function investigationVisits(q: Queryable, caseId: number): Promise<(VisitFacts & { named_setl_id: string | null })[]> {
  return (await q.query<VisitFacts & { named_setl_id: string | null }>(
    `SELECT f.*, iv.setl_id AS named_setl_id FROM investigation_visits iv JOIN (${VISIT_FACTS}) f ON f.mdtrt_id = iv.mdtrt_id WHERE iv.case_id = $1 ORDER BY f.begntime, f.mdtrt_id`,
    [caseId],
  )).rows;
}

/** The findings named, with whose visit they are. */
export async function findingsOfIds(q: Queryable, ids: readonly number[]): Promise<{ id: number; psn_no: string; mdtrt_id: string }[]> {
  return (await q.query<{ id: number; psn_no: string; mdtrt_id: string }>('SELECT id::int, psn_no, mdtrt_id FROM supervision_findings WHERE id = ANY($1::bigint[])', [ids])).rows;
}

/**
 * The agreement in force on `day` whose members include both cities and whose
 * assistance_investigation clause is in force that day: its number and the clause's params.
 */
export async function investigationAgreement(q: Queryable, a: string, b: string, day: IsoDate): Promise<{ agreement_no: string; params: Record<string, unknown> } | undefined> {
  const r = await q.query<{ agreement_no: string; params: Record<string, unknown> }>(
    `SELECT g.agreement_no, c.params FROM agreements g JOIN agreement_clauses c ON c.agreement_id = g.id AND c.kind = 'assistance_investigation'
      WHERE g.begndate <= $3::date AND (g.enddate IS NULL OR g.enddate >= $3::date)
        AND c.begndate <= $3::date AND (c.enddate IS NULL OR c.enddate >= $3::date)
        AND EXISTS (SELECT 1 FROM agreement_members m WHERE m.agreement_id = g.id AND m.admdvs = $1)
        AND EXISTS (SELECT 1 FROM agreement_members m WHERE m.agreement_id = g.id AND m.admdvs = $2)
      ORDER BY g.begndate DESC, g.agreement_no LIMIT 1`,
    [a, b, day],
  );
  return r.rows[0];
}

// ---- attachments -------------------------------------------------------------------------

export interface AttachmentRow {
  id: number;
  name: string;
  mime: string;
  size_bytes: number;
  sha256: string;
  added_at: Date;
  added_by: string;
  side: 'requesting' | 'answering';
}

export async function insertAttachment(q: Queryable, caseId: number, a: { name: string; mime: string; content: Buffer; sha256: string; at: Date; by: string; side: 'requesting' | 'answering' }): Promise<number> {
  const r = await q.query<{ id: number }>(
    `INSERT INTO investigation_attachments (case_id, name, mime, size_bytes, sha256, content, added_at, added_by, side) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id::int`,
    [caseId, a.name, a.mime, a.content.length, a.sha256, a.content, a.at, a.by, a.side],
  );
  return r.rows[0]!.id;
}

export async function attachmentsOf(q: Queryable, caseId: number): Promise<AttachmentRow[]> {
  return (await q.query<AttachmentRow>(
    'SELECT id::int, name, mime, size_bytes, sha256, added_at, added_by, side FROM investigation_attachments WHERE case_id = $1 ORDER BY id',
    [caseId],
  )).rows;
}

export async function attachmentContent(q: Queryable, caseId: number, id: number): Promise<(AttachmentRow & { content: Buffer }) | undefined> {
  return (await q.query<AttachmentRow & { content: Buffer }>(
    'SELECT id::int, name, mime, size_bytes, sha256, added_at, added_by, side, content FROM investigation_attachments WHERE case_id = $1 AND id = $2',
    [caseId, id],
  )).rows[0];
}

// ---- the boxes ---------------------------------------------------------------------------

export interface InvestigationListRow {
  case_no: string;
  state: string;
  psn_no: string;
  psn_name: string;
  requesting_admdvs: string;
  answering_admdvs: string;
  subject: string;
  visits: number;
  raised_at: Date;
  due_on: IsoDate | null;
  overdue: boolean;
  escalation_level: number;
}

/**
 * The requests whose answering side (inbox) or asking side (outbox) is in the regions (each
 * covering the divisions under it; undefined: all), optionally in some states or overdue only;
 * open ones by deadline, then the closed newest first.
 */
export async function investigationBox(q: Queryable, f: { box: 'inbox' | 'outbox'; regions: readonly string[] | undefined; states?: readonly string[] | undefined; overdue?: boolean | undefined; asOf: IsoDate }): Promise<InvestigationListRow[]> {
  const side = f.box === 'inbox' ? 'r.answering_admdvs' : 'r.requesting_admdvs';
  const r = await q.query<InvestigationListRow>(
    `SELECT r.case_no, c.state, r.psn_no, p.psn_name, r.requesting_admdvs, r.answering_admdvs, r.subject,
            (SELECT count(*)::int FROM investigation_visits v WHERE v.case_id = r.case_id) AS visits,
            r.raised_at, c.due_on, coalesce(c.due_on < $3::date, false) AS overdue, c.escalation_level
       FROM investigation_requests r JOIN cases c ON c.id = r.case_id JOIN persons p ON p.psn_no = r.psn_no
      WHERE ($1::text[] IS NULL OR ${side} LIKE ANY($1::text[])) AND ($2::text[] IS NULL OR c.state = ANY($2::text[]))
        AND ($4::boolean IS NOT TRUE OR c.due_on < $3::date)
      ORDER BY c.due_on IS NULL, c.due_on, r.raised_at DESC, r.case_id DESC LIMIT 500`,
    [regionPatterns(f.regions), f.states ?? null, f.asOf, f.overdue ?? null],
  );
  return r.rows;
}

// ---- the daily passes --------------------------------------------------------------------

/** An open request as the passes read it: its case row's columns and the two sides. */
export interface InvestigationClockRow {
  id: number;
  number: string;
  state: string;
  due_on: IsoDate;
  escalation_level: number;
  requesting_admdvs: string;
  answering_admdvs: string;
}

/**
 * Raises by one level every open request in `states` past its deadline, at most once a day,
 * where either side is in the regions (undefined: all); returns them.
 */
export async function escalateInvestigations(q: Queryable, now: Date, f: { states: readonly string[]; asOf: IsoDate; regions: readonly string[] | undefined }): Promise<InvestigationClockRow[]> {
  const r = await q.query<InvestigationClockRow>(
    `UPDATE cases c SET escalation_level = c.escalation_level + 1, escalated_at = $2
       FROM investigation_requests r
      WHERE r.case_id = c.id AND c.kind = 'investigation_request' AND c.due_on IS NOT NULL AND c.state = ANY($3::text[]) AND c.due_on < $1::date
        AND ($4::text[] IS NULL OR r.requesting_admdvs LIKE ANY($4::text[]) OR r.answering_admdvs LIKE ANY($4::text[]))
        AND (c.escalated_at IS NULL OR (c.escalated_at AT TIME ZONE 'Asia/Shanghai')::date < $1::date)
      RETURNING c.id::int, c.number, c.state, c.due_on, c.escalation_level, r.requesting_admdvs, r.answering_admdvs`,
    [f.asOf, now, f.states, regionPatterns(f.regions)],
  );
  return r.rows.sort((a, b) => a.id - b.id);
}

/** Open requests whose reminder day has come, deadline not passed, not yet reminded, either side in the regions; marked sent. */
export async function takeDueInvestigationReminders(q: Queryable, now: Date, asOf: IsoDate, regions: readonly string[] | undefined): Promise<InvestigationClockRow[]> {
  const r = await q.query<InvestigationClockRow>(
    `UPDATE cases c SET reminded_at = $2
       FROM investigation_requests r
      WHERE r.case_id = c.id AND c.kind = 'investigation_request' AND c.due_on IS NOT NULL AND c.reminded_at IS NULL AND c.remind_on <= $1::date AND c.due_on >= $1::date
        AND ($3::text[] IS NULL OR r.requesting_admdvs LIKE ANY($3::text[]) OR r.answering_admdvs LIKE ANY($3::text[]))
      RETURNING c.id::int, c.number, c.state, c.due_on, c.escalation_level, r.requesting_admdvs, r.answering_admdvs`,
    [asOf, now, regionPatterns(regions)],
  );
  return r.rows.sort((a, b) => a.id - b.id);
}
