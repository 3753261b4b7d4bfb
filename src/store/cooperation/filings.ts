import { addWorkingDays, chinaDate, isIsoDate, type IsoDate } from '../../engine/calendar.ts';
import { conflict, invalid, notFound } from '../../engine/errors.ts';
import {
  FILING_KINDS,
  checkChangeAllowed,
  checkFilingApplication,
  reviewWorkingDays,
  type FilerType,
  type FilingFact,
  type FilingKind,
  type FilingStatus,
} from '../../engine/filing-rules.ts';
import { inTransaction, type Pool, type Queryable } from '../db.ts';
import { regionPrefix } from '../auth/principal.ts';
import { loadCalendar } from './calendar.ts';
import { compactDate, findPerson, loadFilingPolicy, poolingRegionOf, regionExists, type PersonRow } from './common.ts';
import { actorLabel, writeAudit, type Actor } from '../audit.ts';
import { notify } from './notifications.ts';

// Filing for care elsewhere (异地就医备案): submission, review against a working-day clock,
// escalation, change, revocation, and the later check of filings made under commitment.

export interface FilingInput {
  psn_no?: string;
  certno?: string;
  kind: FilingKind;
  mdtrtarea_admdvs: string;
  begndate: IsoDate;
  enddate: IsoDate | null;
  filer: { type: FilerType; id: string; name?: string | null; consent_ref?: string | null };
  commitment: boolean;
  evidence: { kind: string; ref: string; description?: string | null }[];
  fixmedins_code?: string | null;
  referring_fixmedins_code?: string | null;
  diag_code?: string | null;
  diag_name?: string | null;
  reason?: string | null;
  mdtrt_id?: string | null;
  tel?: string | null;
  addr?: string | null;
}

export interface FilingRow {
  filing_no: string;
  psn_no: string;
  insuplc_admdvs: string;
  mdtrtarea_admdvs: string;
  kind: FilingKind;
  term: 'long_term' | 'temporary';
  begndate: IsoDate;
  enddate: IsoDate | null;
  status: FilingStatus;
  commitment: boolean;
  commitment_check: 'pending' | 'verified' | 'failed' | null;
  commitment_check_due: IsoDate | null;
  filer_type: FilerType;
  filer_id: string;
  fixmedins_code: string | null;
  submitted_at: Date;
  review_due: IsoDate | null;
  escalation_level: number;
  effective_on: IsoDate | null;
  decided_by: string | null;
  decision_reason: string | null;
  revoked_on: IsoDate | null;
  replaces_filing_no: string | null;
  id: number;
}

const SELECT_FILING = `SELECT f.id::int, f.filing_no, f.psn_no, f.insuplc_admdvs, f.mdtrtarea_admdvs, f.kind, f.term, f.begndate, f.enddate,
  f.status, f.commitment, f.commitment_check, f.commitment_check_due, f.filer_type, f.filer_id, f.fixmedins_code, f.submitted_at,
  f.review_due, f.escalation_level, f.effective_on, f.decided_by, f.decision_reason, f.revoked_on,
  (SELECT r.filing_no FROM filings r WHERE r.id = f.replaces_id) AS replaces_filing_no
  FROM filings f`;

type FactColumns = 'filing_no' | 'kind' | 'status' | 'insuplc_admdvs' | 'mdtrtarea_admdvs' | 'begndate' | 'enddate' | 'effective_on' | 'revoked_on' | 'fixmedins_code';

/**
 * A person's filings, only the columns toFilingFact reads, as one JSON array (dates stay
 * yyyy-mm-dd): an expression for a statement that reads more than filings. `param` names the
 * person's psn_no, e.g. `$2`.
 */
export const filingFactsJson = (param: string): string =>
  `(SELECT coalesce(json_agg(x ORDER BY x.id), '[]') FROM (SELECT id, filing_no, kind, status, insuplc_admdvs, mdtrtarea_admdvs, begndate, enddate,
     effective_on, revoked_on, fixmedins_code FROM filings WHERE psn_no = ${param}) x)`;

export function toFilingFact(r: Pick<FilingRow, FactColumns>): FilingFact {
  return {
    filingNo: r.filing_no,
    kind: r.kind,
    status: r.status,
    insuplcAdmdvs: r.insuplc_admdvs,
    mdtrtareaAdmdvs: r.mdtrtarea_admdvs,
    begndate: r.begndate,
    enddate: r.enddate,
    effectiveOn: r.effective_on,
    revokedOn: r.revoked_on,
    fixmedinsCode: r.fixmedins_code,
  };
}

export async function filingsOf(q: Queryable, psnNo: string): Promise<FilingRow[]> {
  return (await q.query<FilingRow>(`${SELECT_FILING} WHERE f.psn_no = $1 ORDER BY f.id`, [psnNo])).rows;
}

export async function getFiling(q: Queryable, filingNo: string, lock = false): Promise<FilingRow> {
  const r = await q.query<FilingRow>(`${SELECT_FILING} WHERE f.filing_no = $1${lock ? ' FOR UPDATE OF f' : ''}`, [filingNo]);
  const row = r.rows[0];
  if (!row) throw notFound('filing_no', '查无此备案', 'no such filing');
  return row;
}

export async function filingDetail(q: Queryable, filingNo: string): Promise<{ filing: FilingRow; evidence: unknown[]; events: unknown[] }> {
  const filing = await getFiling(q, filingNo);
  const evidence = await q.query('SELECT kind, ref, description FROM filing_evidence WHERE filing_id = $1 ORDER BY id', [filing.id]);
  const events = await q.query('SELECT at, actor, action, from_status, to_status, reason FROM filing_events WHERE filing_id = $1 ORDER BY id', [filing.id]);
  return { filing, evidence: evidence.rows, events: events.rows };
}

async function event(q: Queryable, filingId: number, at: Date, actor: Actor, action: string, from: string | null, to: string, reason: string | null): Promise<void> {
  await q.query(
    'INSERT INTO filing_events (filing_id, at, actor, action, from_status, to_status, reason) VALUES ($1, $2, $3, $4, $5, $6, $7)',
    [filingId, at, actorLabel(actor), action, from, to, reason],
  );
}

function kindZh(kind: FilingKind): string {
  return FILING_KINDS[kind].zh;
}

/** Validates and writes a filing inside the caller's transaction. */
async function insertFiling(c: Queryable, now: Date, input: FilingInput, person: PersonRow, replaces: FilingRow | null): Promise<FilingRow> {
  const today = chinaDate(now);
  const home = await poolingRegionOf(c, person.insuplc_admdvs);
  if (!(await regionExists(c, input.mdtrtarea_admdvs))) throw invalid('mdtrtarea_admdvs', '就医地区划不存在', 'unknown destination region');
  for (const field of ['fixmedins_code', 'referring_fixmedins_code'] as const) {
    const code = input[field];
    if (code && ((await c.query('SELECT 1 FROM institutions WHERE fixmedins_code = $1', [code])).rowCount ?? 0) === 0) {
      throw invalid(field, '查无此定点医药机构', 'unknown designated institution');
    }
  }
  const policy = await loadFilingPolicy(c, home);
  const existing = (await filingsOf(c, person.psn_no)).map(toFilingFact);
  const checked = checkFilingApplication(
    {
      kind: input.kind,
      psnInsuplcAdmdvs: home,
      mdtrtareaAdmdvs: input.mdtrtarea_admdvs,
      begndate: input.begndate,
      enddate: input.enddate,
      filerType: input.filer.type,
      consentRef: input.filer.consent_ref ?? null,
      commitment: input.commitment,
      evidence: input.evidence,
    },
    existing,
    policy,
    replaces?.filing_no,
  );
  const calendar = await loadCalendar(c, home);
  // A referral or emergency filed by the hospital is the one-stop filing: effective at once.
  const atOnce = input.commitment || input.filer.type === 'hospital';
  const status: FilingStatus = atOnce ? 'effective' : 'pending_review';
  const reviewDue = atOnce ? null : addWorkingDays(calendar, today, reviewWorkingDays(home, input.mdtrtarea_admdvs, policy));
  const checkDue = input.commitment ? addWorkingDays(calendar, today, policy.commitmentCheckDays) : null;
  const serial = (await c.query<{ n: number }>("SELECT nextval('filing_serial')::int AS n")).rows[0]!.n;
  const filingNo = `${home}BA${compactDate(today)}${String(serial).padStart(8, '0')}`;
  const r = await c.query<{ id: number }>(
    `INSERT INTO filings (filing_no, psn_no, insuplc_admdvs, mdtrtarea_admdvs, kind, term, begndate, enddate, filer_type, filer_id, filer_name,
       consent_ref, fixmedins_code, referring_fixmedins_code, diag_code, diag_name, reason, mdtrt_id, tel, addr, commitment, commitment_check,
       commitment_check_due, status, submitted_at, review_due, effective_on, replaces_id)
     VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16,$17,$18,$19,$20,$21,$22,$23,$24,$25,$26,$27,$28) RETURNING id::int`,
    [
      filingNo, person.psn_no, home, input.mdtrtarea_admdvs, input.kind, checked.term, checked.begndate, checked.enddate,
      input.filer.type, input.filer.id, input.filer.name ?? null, input.filer.consent_ref ?? null, input.fixmedins_code ?? null,
      input.referring_fixmedins_code ?? null, input.diag_code ?? null, input.diag_name ?? null, input.reason ?? null, input.mdtrt_id ?? null,
      input.tel ?? person.tel, input.addr ?? null, input.commitment, input.commitment ? 'pending' : null, checkDue, status, now, reviewDue,
      atOnce ? today : null, replaces?.id ?? null,
    ],
  );
  const id = r.rows[0]!.id;
  for (const e of input.evidence) {
    await c.query('INSERT INTO filing_evidence (filing_id, kind, ref, description) VALUES ($1, $2, $3, $4)', [id, e.kind, e.ref, e.description ?? null]);
  }
  const filer: Actor = { type: input.filer.type, id: input.filer.id, name: input.filer.name ?? null };
  await event(c, id, now, filer, 'submit', null, status, input.commitment ? '告知承诺 / under commitment' : null);
  await writeAudit(c, { actor: actorLabel(filer), now }, 'filing.submit', `filing:${filingNo}`, {
    psn_no: person.psn_no, kind: input.kind, mdtrtarea_admdvs: input.mdtrtarea_admdvs, begndate: checked.begndate, enddate: checked.enddate,
    status, review_due: reviewDue, commitment: input.commitment, consent_ref: input.filer.consent_ref ?? null, replaces: replaces?.filing_no ?? null,
  });
  await notify(c, now, person, {
    subject: `filing:${filingNo}`,
    title: atOnce ? { zh: '异地就医备案已生效', en: 'Filing for care elsewhere is effective' } : { zh: '异地就医备案已受理', en: 'Filing for care elsewhere received' },
    body: atOnce
      ? { zh: `${kindZh(input.kind)}备案 ${filingNo} 自 ${checked.begndate} 起生效。`, en: `Filing ${filingNo} (${FILING_KINDS[input.kind].en}) is effective from ${checked.begndate}.` }
      : { zh: `${kindZh(input.kind)}备案 ${filingNo} 已受理，将于 ${reviewDue} 前完成审核。`, en: `Filing ${filingNo} was received and will be reviewed by ${reviewDue}.` },
  });
  return getFiling(c, filingNo);
}

export async function createFiling(pool: Pool, now: Date, input: FilingInput): Promise<FilingRow> {
  return inTransaction(pool, (c) => createFilingIn(c, now, input));
}

/** The same inside the caller's transaction (the gateway's, for 2501). */
export async function createFilingIn(c: Queryable, now: Date, input: FilingInput): Promise<FilingRow> {
  const person = await findPerson(c, { psn_no: input.psn_no, certno: input.certno }, true);
  return insertFiling(c, now, input, person, null);
}

export interface Decision {
  decision: 'approve' | 'reject';
  reason: string | null;
}

export async function reviewFiling(pool: Pool, now: Date, actor: Actor, filingNo: string, d: Decision): Promise<FilingRow> {
  if (d.decision !== 'approve' && d.decision !== 'reject') throw invalid('decision', '审核结论应为 approve 或 reject', "decision must be 'approve' or 'reject'");
  if (d.decision === 'reject' && !d.reason?.trim()) throw invalid('reason', '不予通过须说明理由', 'a rejection needs a reason');
  return inTransaction(pool, async (c) => {
    const f = await getFiling(c, filingNo, true);
    if (f.status !== 'pending_review') throw conflict('filing_no', `备案状态为 ${f.status}，无需审核`, `the filing is ${f.status}, not waiting for review`);
    const today = chinaDate(now);
    const to: FilingStatus = d.decision === 'approve' ? 'effective' : 'rejected';
    await c.query(
      'UPDATE filings SET status = $2, decided_by = $3, decided_at = $4, decision_reason = $5, effective_on = $6 WHERE id = $1',
      [f.id, to, actorLabel(actor), now, d.reason, to === 'effective' ? today : null],
    );
    await event(c, f.id, now, actor, d.decision, f.status, to, d.reason);
    await writeAudit(c, { actor: actorLabel(actor), now }, `filing.${d.decision}`, `filing:${filingNo}`, { from: f.status, to, reason: d.reason, review_due: f.review_due, on_time: f.review_due === null || today <= f.review_due });
    const person = await findPerson(c, { psn_no: f.psn_no });
    await notify(c, now, person, {
      subject: `filing:${filingNo}`,
      title: to === 'effective' ? { zh: '异地就医备案审核通过', en: 'Filing approved' } : { zh: '异地就医备案未通过', en: 'Filing rejected' },
      body: to === 'effective'
        ? { zh: `备案 ${filingNo} 已生效。`, en: `Filing ${filingNo} is effective.` }
        : { zh: `备案 ${filingNo} 未通过：${d.reason}`, en: `Filing ${filingNo} was rejected: ${d.reason}` },
    });
    return getFiling(c, filingNo);
  });
}

export async function revokeFiling(pool: Pool, now: Date, actor: Actor, filingNo: string, reason: string | null): Promise<FilingRow> {
  return inTransaction(pool, (c) => revokeFilingIn(c, now, actor, filingNo, reason));
}

export async function revokeFilingIn(c: Queryable, now: Date, actor: Actor, filingNo: string, reason: string | null): Promise<FilingRow> {
  const f = await getFiling(c, filingNo, true);
  if (f.status !== 'effective' && f.status !== 'pending_review') throw conflict('filing_no', `备案状态为 ${f.status}，不能撤销`, `a ${f.status} filing cannot be revoked`);
  if (actor.type === 'hospital' && (f.filer_type !== 'hospital' || f.filer_id !== actor.id)) throw conflict('filing_no', '医疗机构只能撤销本机构办理的备案', 'a hospital revokes only the filings it made');
  const today = chinaDate(now);
  await c.query('UPDATE filings SET status = $2, revoked_on = $3, revoked_by = $4, revoke_reason = $5 WHERE id = $1', [f.id, 'revoked', today, actorLabel(actor), reason]);
  await event(c, f.id, now, actor, 'revoke', f.status, 'revoked', reason);
  await writeAudit(c, { actor: actorLabel(actor), now }, 'filing.revoke', `filing:${filingNo}`, { from: f.status, revoked_on: today, reason });
  const person = await findPerson(c, { psn_no: f.psn_no });
  await notify(c, now, person, {
    subject: `filing:${filingNo}`,
    title: { zh: '异地就医备案已撤销', en: 'Filing revoked' },
    body: { zh: `备案 ${filingNo} 自 ${today} 起撤销。`, en: `Filing ${filingNo} is revoked from ${today}.` },
  });
  return getFiling(c, filingNo);
}

/**
 * A change ends the current filing and files its replacement in one transaction; long-term
 * filings change only after the policy's months unless staff override with a reason.
 */
export async function changeFiling(
  pool: Pool,
  now: Date,
  actor: Actor,
  filingNo: string,
  change: Partial<Pick<FilingInput, 'kind' | 'mdtrtarea_admdvs' | 'begndate' | 'enddate' | 'evidence' | 'commitment' | 'fixmedins_code' | 'reason'>> & { override_reason?: string | null },
): Promise<FilingRow> {
  return inTransaction(pool, async (c) => {
    const f = await getFiling(c, filingNo, true);
    const person = await findPerson(c, { psn_no: f.psn_no }, true);
    const today = chinaDate(now);
    const policy = await loadFilingPolicy(c, f.insuplc_admdvs);
    const override = Boolean(change.override_reason?.trim());
    if (override && actor.type !== 'staff') throw invalid('override_reason', '仅经办人员可提前变更长期备案', 'only staff may change a long-term filing early');
    checkChangeAllowed(toFilingFact(f), today, policy, override);
    const evidence = change.evidence ?? (await c.query('SELECT kind, ref, description FROM filing_evidence WHERE filing_id = $1', [f.id])).rows;
    await c.query('UPDATE filings SET status = $2, revoked_on = $3, revoked_by = $4, revoke_reason = $5 WHERE id = $1', [
      f.id, 'superseded', today, actorLabel(actor), change.override_reason ?? change.reason ?? null,
    ]);
    await event(c, f.id, now, actor, 'change', f.status, 'superseded', change.override_reason ?? null);
    const begndate = change.begndate ?? (f.begndate > today ? f.begndate : today);
    const kind = change.kind ?? f.kind;
    const input: FilingInput = {
      psn_no: f.psn_no,
      kind,
      mdtrtarea_admdvs: change.mdtrtarea_admdvs ?? f.mdtrtarea_admdvs,
      begndate,
      enddate: change.enddate !== undefined ? change.enddate : FILING_KINDS[kind].term === 'long_term' ? null : f.enddate,
      filer: { type: actor.type === 'system' ? 'staff' : actor.type, id: actor.id, name: actor.name ?? null, consent_ref: actor.type === 'agent' || actor.type === 'grid_worker' ? 'inherited' : null },
      commitment: change.commitment ?? f.commitment,
      evidence,
      fixmedins_code: change.fixmedins_code !== undefined ? change.fixmedins_code : f.fixmedins_code,
      reason: change.reason ?? null,
    };
    const next = await insertFiling(c, now, input, person, f);
    await writeAudit(c, { actor: actorLabel(actor), now }, 'filing.change', `filing:${filingNo}`, { replaced_by: next.filing_no, override_reason: change.override_reason ?? null });
    return next;
  });
}

/** The later check of a filing made under commitment: a failed check revokes it. */
export async function checkCommitment(pool: Pool, now: Date, actor: Actor, filingNo: string, result: 'verified' | 'failed', reason: string | null): Promise<FilingRow> {
  if (result !== 'verified' && result !== 'failed') throw invalid('result', '核查结果应为 verified 或 failed', "result must be 'verified' or 'failed'");
  if (result === 'failed' && !reason?.trim()) throw invalid('reason', '核查不实须说明理由', 'a failed check needs a reason');
  return inTransaction(pool, async (c) => {
    const f = await getFiling(c, filingNo, true);
    if (!f.commitment || f.commitment_check !== 'pending') throw conflict('filing_no', '该备案无待核查的承诺', 'the filing has no commitment waiting for a check');
    const today = chinaDate(now);
    const to: FilingStatus = result === 'failed' && f.status === 'effective' ? 'revoked' : f.status;
    await c.query('UPDATE filings SET commitment_check = $2, status = $3, revoked_on = $4, revoked_by = $5, revoke_reason = $6 WHERE id = $1', [
      f.id, result, to, to === 'revoked' ? today : f.revoked_on, to === 'revoked' ? actorLabel(actor) : null, to === 'revoked' ? reason : null,
    ]);
    await event(c, f.id, now, actor, result === 'verified' ? 'commitment_verified' : 'commitment_failed', f.status, to, reason);
    await writeAudit(c, { actor: actorLabel(actor), now }, `filing.commitment_${result}`, `filing:${filingNo}`, { from: f.status, to, reason });
    if (result === 'failed') {
      const person = await findPerson(c, { psn_no: f.psn_no });
      await notify(c, now, person, {
        subject: `filing:${filingNo}`,
        title: { zh: '承诺事项核查不实，备案撤销', en: 'Commitment not verified: filing revoked' },
        body: { zh: `备案 ${filingNo} 承诺事项核查不实：${reason}`, en: `Filing ${filingNo}: the commitment was not verified: ${reason}` },
      });
    }
    return getFiling(c, filingNo);
  });
}

export interface QueueItem {
  filing_no: string;
  psn_no: string;
  kind: FilingKind;
  insuplc_admdvs: string;
  mdtrtarea_admdvs: string;
  task: 'review' | 'commitment_check';
  due: IsoDate;
  overdue: boolean;
  escalation_level: number;
  submitted_at: Date;
}

/** The review queue: pending reviews and due commitment checks, earliest deadline first. */
export async function reviewQueue(q: Queryable, asOf: IsoDate, insuplc?: string): Promise<QueueItem[]> {
  if (!isIsoDate(asOf)) throw invalid('as_of', '日期应为 yyyy-mm-dd', 'as_of must be yyyy-mm-dd');
  const r = await q.query<Omit<QueueItem, 'overdue'>>(
    `SELECT filing_no, psn_no, kind, insuplc_admdvs, mdtrtarea_admdvs, 'review' AS task, review_due AS due, escalation_level, submitted_at
       FROM filings WHERE status = 'pending_review' AND ($1::text IS NULL OR insuplc_admdvs = $1)
     UNION ALL
     SELECT filing_no, psn_no, kind, insuplc_admdvs, mdtrtarea_admdvs, 'commitment_check', commitment_check_due, escalation_level, submitted_at
       FROM filings WHERE status = 'effective' AND commitment_check = 'pending' AND ($1::text IS NULL OR insuplc_admdvs = $1)
     ORDER BY due, submitted_at LIMIT 1000`,
    [insuplc ?? null],
  );
  return r.rows.map((row) => ({ ...row, overdue: asOf > row.due }));
}

/** Escalates reviews past their deadline (once per day): level + 1, event, audit. */
/** Escalates overdue reviews; `regions` (a supervisor's) limits it to filings insured there. */
export async function escalateOverdue(pool: Pool, now: Date, actor: Actor, asOf: IsoDate, regions?: readonly string[]): Promise<{ filing_no: string; escalation_level: number }[]> {
  if (!isIsoDate(asOf)) throw invalid('as_of', '日期应为 yyyy-mm-dd', 'as_of must be yyyy-mm-dd');
  const within = (regions ?? ['000000']).map((r) => regionPrefix(r) + '%');
  return inTransaction(pool, async (c) => {
    const r = await c.query<{ id: number; filing_no: string; escalation_level: number; review_due: string }>(
      `UPDATE filings SET escalation_level = escalation_level + 1, escalated_at = $2
       WHERE status = 'pending_review' AND review_due < $1::date AND insuplc_admdvs LIKE ANY ($3::text[])
         AND (escalated_at IS NULL OR (escalated_at AT TIME ZONE 'Asia/Shanghai')::date < $1::date)
       RETURNING id::int, filing_no, escalation_level, review_due`,
      [asOf, now, within],
    );
    for (const row of r.rows) {
      await event(c, row.id, now, actor, 'escalate', 'pending_review', 'pending_review', `逾期（应于 ${row.review_due} 前审核）/ overdue since ${row.review_due}`);
      await writeAudit(c, { actor: actorLabel(actor), now }, 'filing.escalate', `filing:${row.filing_no}`, { escalation_level: row.escalation_level, review_due: row.review_due, as_of: asOf });
    }
    return r.rows.map(({ filing_no, escalation_level }) => ({ filing_no, escalation_level }));
  });
}
