import { chinaDate, isIsoDate, type IsoDate } from '../../engine/calendar.ts';
import { deadlineOf, planMove, type DeadlineFacts } from '../../engine/cases.ts';
import { conflict, invalid } from '../../engine/errors.ts';
import { FILING_KINDS, checkChangeAllowed, checkFilingApplication, type FilerType, type FilingKind, type FilingStatus } from '../../engine/filing-rules.ts';
import { actorLabel, writeAudit, type Actor } from '../../store/audit.ts';
import { getCase } from '../../store/cooperation/cases.ts';
import { loadCalendar } from '../../store/cooperation/calendar.ts';
import { compactDate, findPerson, loadFilingPolicy, poolingRegionOf, regionExists, type PersonRow } from '../../store/cooperation/common.ts';
import {
  filingEvidence,
  filingsOf,
  getFiling,
  insertFilingRow,
  institutionExists,
  nextFilingSerial,
  reviewQueue,
  toFilingFact,
  writeCommitmentCheck,
  writeFilingDecision,
  writeFilingEnd,
  type FilingRow,
  type QueueItem,
} from '../../store/cooperation/filings.ts';
import { notify } from '../../store/cooperation/notifications.ts';
import { inTransaction, type Pool, type Queryable } from '../../store/db.ts';
import { moveCase, openCase } from './cases.ts';

// Filing for care elsewhere (异地就医备案): submission, review against a working-day clock,
// change, revocation, and the later check of filings made under commitment. Each is a move of
// the filing's case (./cases.ts); the filing's row keeps its status in step.

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

function kindZh(kind: FilingKind): string {
  return FILING_KINDS[kind].zh;
}

async function filingCase(c: Queryable, filingNo: string): Promise<Awaited<ReturnType<typeof getCase>>> {
  return getCase(c, 'filing_review', filingNo, 'filing_no', true);
}

/** Validates and writes a filing inside the caller's transaction, opening its case. */
async function insertFiling(c: Queryable, now: Date, input: FilingInput, person: PersonRow, replaces: FilingRow | null): Promise<FilingRow> {
  const today = chinaDate(now);
  const home = await poolingRegionOf(c, person.insuplc_admdvs);
  if (!(await regionExists(c, input.mdtrtarea_admdvs))) throw invalid('mdtrtarea_admdvs', '就医地区划不存在', 'unknown destination region');
  for (const field of ['fixmedins_code', 'referring_fixmedins_code'] as const) {
    const code = input[field];
    if (code && !(await institutionExists(c, code))) throw invalid(field, '查无此定点医药机构', 'unknown designated institution');
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
  const facts: DeadlineFacts = { home, dest: input.mdtrtarea_admdvs, policy };
  // A referral or emergency filed by the hospital is the one-stop filing: effective at once;
  // one under commitment is effective at once too, its documents checked later.
  const atOnce = input.commitment || input.filer.type === 'hospital';
  const state = input.commitment ? 'commitment_check' : atOnce ? 'effective' : 'pending_review';
  const status: FilingStatus = atOnce ? 'effective' : 'pending_review';
  const reviewDue = atOnce ? null : deadlineOf('filing_review', 'pending_review', calendar, today, facts)!.due;
  const checkDue = input.commitment ? deadlineOf('filing_review', 'commitment_check', calendar, today, facts)!.due : null;
  const filer: Actor = { type: input.filer.type, id: input.filer.id, name: input.filer.name ?? null };
  // who may open the case in that state, before anything is written
  planMove('filing_review', null, 'submit', filer, state);
  const filingNo = `${home}BA${compactDate(today)}${String(await nextFilingSerial(c)).padStart(8, '0')}`;
  await insertFilingRow(c, {
    filing_no: filingNo, psn_no: person.psn_no, insuplc_admdvs: home, mdtrtarea_admdvs: input.mdtrtarea_admdvs, kind: input.kind, term: checked.term,
    begndate: checked.begndate, enddate: checked.enddate, filer_type: input.filer.type, filer_id: input.filer.id, filer_name: input.filer.name ?? null,
    consent_ref: input.filer.consent_ref ?? null, fixmedins_code: input.fixmedins_code ?? null, referring_fixmedins_code: input.referring_fixmedins_code ?? null,
    diag_code: input.diag_code ?? null, diag_name: input.diag_name ?? null, reason: input.reason ?? null, mdtrt_id: input.mdtrt_id ?? null,
    tel: input.tel ?? person.tel, addr: input.addr ?? null, commitment: input.commitment, commitment_check: input.commitment ? 'pending' : null,
    commitment_check_due: checkDue, status, submitted_at: now, review_due: reviewDue, effective_on: atOnce ? today : null, replaces_id: replaces?.id ?? null,
  });
  await openCase(c, now, filer, {
    kind: 'filing_review', number: filingNo, region: home, psnNo: person.psn_no, to: state,
    comment: input.commitment ? '告知承诺 / under commitment' : null, evidence: input.evidence, clock: { calendar, facts },
  });
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
    const moved = await moveCase(c, now, actor, await filingCase(c, filingNo), d.decision, { comment: d.reason });
    const today = chinaDate(now);
    const to = moved.status as FilingStatus;
    await writeFilingDecision(c, f.id, { status: to, decided_by: actorLabel(actor), decided_at: now, decision_reason: d.reason, effective_on: to === 'effective' ? today : null });
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
  const kase = await filingCase(c, filingNo);
  planMove('filing_review', kase.state, 'revoke', actor);
  if (actor.type === 'hospital' && (f.filer_type !== 'hospital' || f.filer_id !== actor.id)) throw conflict('filing_no', '医疗机构只能撤销本机构办理的备案', 'a hospital revokes only the filings it made');
  const today = chinaDate(now);
  await moveCase(c, now, actor, kase, 'revoke', { comment: reason });
  await writeFilingEnd(c, f.id, { status: 'revoked', revoked_on: today, revoked_by: actorLabel(actor), revoke_reason: reason });
  await writeAudit(c, { actor: actorLabel(actor), now }, 'filing.revoke', `filing:${filingNo}`, { from: f.status, revoked_on: today, reason });
  const person = await findPerson(c, { psn_no: f.psn_no });
  await notify(c, now, person, {
    subject: `filing:${filingNo}`,
    title: { zh: '异地就医备案已撤销', en: 'Filing revoked' },
    body: { zh: `备案 ${filingNo} 自 ${today} 起撤销。`, en: `Filing ${filingNo} is revoked from ${today}.` },
  });
  return getFiling(c, filingNo);
}

export type FilingChange = Partial<Pick<FilingInput, 'kind' | 'mdtrtarea_admdvs' | 'begndate' | 'enddate' | 'evidence' | 'commitment' | 'fixmedins_code' | 'reason'>> & { override_reason?: string | null };

/**
 * A change ends the current filing and files its replacement in one transaction; long-term
 * filings change only after the policy's months unless staff override with a reason.
 */
export async function changeFiling(pool: Pool, now: Date, actor: Actor, filingNo: string, change: FilingChange): Promise<FilingRow> {
  return inTransaction(pool, async (c) => {
    const f = await getFiling(c, filingNo, true);
    const person = await findPerson(c, { psn_no: f.psn_no }, true);
    const today = chinaDate(now);
    const policy = await loadFilingPolicy(c, f.insuplc_admdvs);
    const override = Boolean(change.override_reason?.trim());
    if (override && actor.type !== 'staff') throw invalid('override_reason', '仅经办人员可提前变更长期备案', 'only staff may change a long-term filing early');
    checkChangeAllowed(toFilingFact(f), today, policy, override);
    const evidence = change.evidence ?? (await filingEvidence(c, filingNo));
    await moveCase(c, now, actor, await filingCase(c, filingNo), 'change', { comment: change.override_reason ?? null });
    await writeFilingEnd(c, f.id, { status: 'superseded', revoked_on: today, revoked_by: actorLabel(actor), revoke_reason: change.override_reason ?? change.reason ?? null });
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
    const moved = await moveCase(c, now, actor, await filingCase(c, filingNo), result === 'verified' ? 'commitment_verified' : 'commitment_failed', { comment: reason });
    const to = moved.status as FilingStatus;
    await writeCommitmentCheck(c, f.id, {
      commitment_check: result, status: to, revoked_on: to === 'revoked' ? today : f.revoked_on, revoked_by: to === 'revoked' ? actorLabel(actor) : null, revoke_reason: to === 'revoked' ? reason : null,
    });
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

/** The filing queue for `asOf`, of one insured place or of a staff member's regions. */
export async function filingQueue(q: Queryable, asOf: IsoDate, opts: { insuplc?: string | undefined; regions?: readonly string[] | undefined } = {}): Promise<QueueItem[]> {
  if (!isIsoDate(asOf)) throw invalid('as_of', '日期应为 yyyy-mm-dd', 'as_of must be yyyy-mm-dd');
  return reviewQueue(q, asOf, opts.insuplc, opts.regions);
}
