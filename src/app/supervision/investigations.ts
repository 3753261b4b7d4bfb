import crypto from 'node:crypto';
import { chinaDate, isIsoDate, type IsoDate } from '../../engine/calendar.ts';
import { CASE_MACHINE, INVESTIGATION_DAYS, INVESTIGATION_SIDES, MOVE_NAMES, planMove, type InvestigationSide } from '../../engine/cases.ts';
import { forbidden, invalid, notFound, Problems, YibaoError } from '../../engine/errors.ts';
import { actorLabel, writeAudit, type Actor } from '../../store/audit.ts';
import { regionsCover, type Principal } from '../../store/auth/principal.ts';
import { loadCalendar } from '../../store/cooperation/calendar.ts';
import { addCaseEvidence, caseEvents, getCase, type CaseEventRow, type CaseRow } from '../../store/cooperation/cases.ts';
import { inTransaction, type Pool, type Queryable } from '../../store/db.ts';
import { findPersonByPsnNo } from '../../store/registry/persons.ts';
import { findSupervisionCase } from '../../store/supervision/cases.ts';
import {
  attachmentContent,
  attachmentsOf,
  findingsOfIds,
  findInvestigation,
  insertAttachment,
  insertInvestigation,
  investigationAgreement,
  investigationBox,
  investigationVisits,
  nextInvestigationSerial,
  setAccepted,
  setAnswers,
  setClosed,
  setRefusal,
  settlementOf,
  visitFacts,
  type AttachmentRow,
  type InvestigationAnswer,
  type InvestigationListRow,
  type InvestigationRow,
  type VisitFacts,
} from '../../store/supervision/investigations.ts';
import { moveCase, openCase, type ClockInputs } from '../cooperation/cases.ts';

// Cross-region investigation requests (异地协查, issue 15 §4): the insured city's supervisors
// ask the treatment city's to investigate their insured person's visits there. A request is
// allowed only between two members of an agreement in force with an assistance_investigation
// clause, whose params give the working days to accept (accept_days) and to answer
// (answer_days). It is a case of the one machine (src/engine/cases.ts, kind
// 'investigation_request'): requested 待受理 → accepted 调查中 → answered 已回复 → closed 已办结,
// or refused 不予受理; the asking side may return an answer as incomplete (back to accepted).
// The machine says which moves exist; which side may make each is INVESTIGATION_SIDES, decided
// here from the request's own two cities against the caller's regions. Both sides see the
// whole request; anyone else is told it does not exist.

/** The one acting: staff (their regions; undefined: the whole deployment) or the platform's passes. */
export interface InvestigationWho {
  actor: Actor;
  regions: readonly string[] | undefined;
}

export function investigationWhoOfStaff(p: Extract<Principal, { kind: 'staff' }>): InvestigationWho {
  return { actor: { type: 'staff', id: p.username, name: p.display_name, role: p.role }, regions: p.regions.includes('000000') ? undefined : p.regions };
}

/** An attachment as sent: the file in base64. */
export interface AttachmentInput {
  name: string;
  mime: string;
  content_base64: string;
}

/** At most this many bytes a file, and this many files a move. */
export const ATTACHMENT_LIMITS = { bytes: 2 * 1024 * 1024, files: 10 } as const;

export interface RaiseInput {
  psn_no: string;
  /** The visits (mdtrt_id, optionally the settlement setl_id) in the other city. */
  visits: readonly { mdtrt_id: string; setl_id?: string | null | undefined }[];
  /** What is to be investigated. */
  subject: string;
  /** Why. */
  reason: string;
  attachments?: readonly AttachmentInput[] | undefined;
  finding_ids?: readonly number[] | undefined;
}

export const INVESTIGATION_MOVES = ['accept', 'refuse', 'answer', 'return', 'confirm'] as const;
export type InvestigationMove = (typeof INVESTIGATION_MOVES)[number];

export const CONCLUSIONS = {
  violation: { zh: '存在违规', en: 'violation found' },
  no_violation: { zh: '未发现违规', en: 'no violation' },
} as const;

export interface MoveInput {
  move: InvestigationMove;
  reason?: string | null | undefined;
  /** With 'answer': the findings, the conclusion and any recovery. */
  answer?: { findings: string; conclusion: 'violation' | 'no_violation'; recovery_fen?: number | undefined; recovery_ref?: string | null | undefined } | undefined;
  attachments?: readonly AttachmentInput[] | undefined;
}

const cityOf = (admdvs: string): string => `${admdvs.slice(0, 4)}00`;

function text(v: unknown, field: string, max: number, required = true): string | null {
  const t = typeof v === 'string' ? v.trim() : '';
  if (v !== undefined && v !== null && typeof v !== 'string') throw invalid(field, `${field} 应为文字`, `${field} must be text`);
  if (!t) {
    if (required) throw invalid(field, '必填', 'required');
    return null;
  }
  if (t.length > max) throw invalid(field, `不超过 ${max} 字`, `at most ${max} characters`);
  return t;
}

interface CheckedAttachment {
  name: string;
  mime: string;
  content: Buffer;
  sha256: string;
}

function checkAttachments(list: unknown, field = 'attachments'): CheckedAttachment[] {
  if (list === undefined || list === null) return [];
  if (!Array.isArray(list)) throw invalid(field, '附件应为列表', 'attachments is a list');
  if (list.length > ATTACHMENT_LIMITS.files) throw invalid(field, `附件至多 ${ATTACHMENT_LIMITS.files} 份`, `at most ${ATTACHMENT_LIMITS.files} attachments`);
  return list.map((a: Partial<AttachmentInput> | null, i) => {
    const f = `${field}[${i}]`;
    const name = text(a?.name, `${f}.name`, 200)!;
    const mime = typeof a?.mime === 'string' ? a.mime.trim().toLowerCase() : '';
    if (!/^[a-z0-9][a-z0-9!#$&^_.+-]{0,63}\/[a-z0-9][a-z0-9!#$&^_.+-]{0,63}$/.test(mime)) throw invalid(`${f}.mime`, '文件类型应为 MIME 类型，如 application/pdf', 'mime is a MIME type such as application/pdf');
    const b64 = typeof a?.content_base64 === 'string' ? a.content_base64.replace(/\s+/g, '') : '';
    if (!b64 || !/^[A-Za-z0-9+/]*={0,2}$/.test(b64) || b64.length % 4 !== 0) throw invalid(`${f}.content_base64`, '文件内容应为 Base64 编码', 'content_base64 is the file in base64');
    const content = Buffer.from(b64, 'base64');
    if (content.length === 0) throw invalid(`${f}.content_base64`, '文件为空', 'the file is empty');
    if (content.length > ATTACHMENT_LIMITS.bytes) throw invalid(`${f}.content_base64`, `单个附件不超过 ${ATTACHMENT_LIMITS.bytes / 1024 / 1024} MB`, `an attachment is at most ${ATTACHMENT_LIMITS.bytes / 1024 / 1024} MB`);
    return { name, mime, content, sha256: crypto.createHash('sha256').update(content).digest('hex') };
  });
}

async function storeAttachments(c: Queryable, now: Date, who: InvestigationWho, caseId: number, side: InvestigationSide, files: readonly CheckedAttachment[]): Promise<void> {
  const by = actorLabel(who.actor);
  for (const f of files) {
    const id = await insertAttachment(c, caseId, { ...f, at: now, by, side });
    await addCaseEvidence(c, caseId, now, by, [{ kind: 'attachment', ref: `investigation_attachment:${id}`, description: f.name }]);
  }
}

/** The agreement's deadlines: the clause's params, or the defaults where it says nothing. */
function daysOf(params: Record<string, unknown>): { accept_days: number; answer_days: number } {
  const n = (v: unknown, d: number): number => (Number.isSafeInteger(v) && (v as number) > 0 ? (v as number) : d);
  return { accept_days: n(params.accept_days, INVESTIGATION_DAYS.accept), answer_days: n(params.answer_days, INVESTIGATION_DAYS.answer) };
}

/** The clock of a state: the calendar of the side that must act in it, the agreement's days. */
async function clockFor(c: Queryable, r: Pick<InvestigationRow, 'requesting_admdvs' | 'answering_admdvs' | 'accept_days' | 'answer_days'>, state: string): Promise<ClockInputs> {
  const city = state === 'answered' ? r.requesting_admdvs : r.answering_admdvs;
  return { calendar: await loadCalendar(c, city), facts: { home: r.requesting_admdvs, dest: r.answering_admdvs, agreement: { accept_days: r.accept_days, answer_days: r.answer_days } } };
}

const covers = (regions: readonly string[] | undefined, admdvs: string): boolean => regions === undefined || regionsCover(regions, admdvs);

function sideRegion(r: Pick<InvestigationRow, 'requesting_admdvs' | 'answering_admdvs'>, side: InvestigationSide): string {
  return side === 'requesting' ? r.requesting_admdvs : r.answering_admdvs;
}

const SIDE_WORDS: Record<InvestigationSide, { zh: string; en: string }> = {
  requesting: { zh: '参保地（请求方）', en: 'the insured place (the asking side)' },
  answering: { zh: '就医地（协查方）', en: 'the treatment place (the answering side)' },
};

const noRequest = (): never => {
  throw notFound('case_no', '查无此协查请求', 'no such investigation request');
};

async function load(c: Queryable, who: InvestigationWho, caseNo: unknown, lock: boolean): Promise<{ req: InvestigationRow; kase: CaseRow }> {
  if (typeof caseNo !== 'string' || !/^XC[0-9]{6,30}$/.test(caseNo)) noRequest();
  const req = await findInvestigation(c, caseNo as string);
  // decided from the loaded row: a staff member of either side sees it, no one else learns it exists
  if (!req || !(covers(who.regions, req.requesting_admdvs) || covers(who.regions, req.answering_admdvs))) noRequest();
  const kase = await getCase(c, 'investigation_request', caseNo as string, 'case_no', lock);
  return { req: lock ? (await findInvestigation(c, caseNo as string))! : req!, kase };
}

async function audit(c: Queryable, now: Date, who: InvestigationWho, action: string, caseNo: string, detail: Record<string, unknown>): Promise<void> {
  await writeAudit(c, { actor: actorLabel(who.actor), now }, action, `investigation:${caseNo}`, detail);
}

// ---- raising -----------------------------------------------------------------------------

/**
 * Raises a request (发起协查): the person must be insured in the caller's regions; every visit
 * theirs, in one other city; that city and the person's must be members of an agreement in
 * force with an assistance_investigation clause (refused naming `visits` otherwise, nothing
 * written). The deadline to accept is the clause's accept_days on the answering city's calendar.
 */
export async function raiseInvestigation(pool: Pool, now: Date, who: InvestigationWho, input: RaiseInput): Promise<InvestigationDetail> {
  const p = new Problems();
  const subject = tryText(p, input.subject, 'subject', 2000);
  const reason = tryText(p, input.reason, 'reason', 2000);
  const visits = input.visits;
  if (!Array.isArray(visits) || visits.length === 0) p.add('visits', '必填：至少一次就诊', 'required: at least one visit');
  else if (visits.length > 50) p.add('visits', '至多 50 次就诊', 'at most 50 visits');
  else {
    visits.forEach((v, i) => {
      if (typeof v?.mdtrt_id !== 'string' || !v.mdtrt_id.trim()) p.add(`visits[${i}].mdtrt_id`, '必填：就诊 ID', 'required: the visit id');
      else if (visits.findIndex((x) => x?.mdtrt_id === v.mdtrt_id) !== i) p.add(`visits[${i}].mdtrt_id`, `就诊 ${v.mdtrt_id} 重复`, `visit ${v.mdtrt_id} is named twice`);
      if (v?.setl_id != null && (typeof v.setl_id !== 'string' || !v.setl_id.trim())) p.add(`visits[${i}].setl_id`, '结算 ID 应为文字', 'setl_id must be text');
    });
  }
  const findingIds = input.finding_ids ?? [];
  if (!Array.isArray(findingIds) || findingIds.length > 100) p.add('finding_ids', '疑点编号应为至多 100 个正整数', 'finding_ids is at most 100 positive integers');
  else findingIds.forEach((id, i) => {
    if (!Number.isSafeInteger(id) || id <= 0) p.add(`finding_ids[${i}]`, '疑点编号应为正整数', 'a finding id is a positive integer');
  });
  let files: CheckedAttachment[] = [];
  try {
    files = checkAttachments(input.attachments);
  } catch (e) {
    if (!(e instanceof YibaoError)) throw e;
    for (const d of e.details) p.add(d.field, d.zh, d.en);
  }
  if (typeof input.psn_no !== 'string' || !input.psn_no.trim()) p.add('psn_no', '必填：参保人编号', 'required: the insured person');
  p.throwIfAny();

  return inTransaction(pool, async (c) => {
    const person = await findPersonByPsnNo(c, input.psn_no.trim());
    // a person the caller's regions do not insure is not theirs to ask about, nor to learn of
    if (!person || !covers(who.regions, person.insuplc_admdvs)) throw notFound('psn_no', '查无此参保人（或不属于您的辖区）', 'no such insured person in your regions');
    const requesting = cityOf(person.insuplc_admdvs);
    const facts = await visitFacts(c, visits.map((v) => v.mdtrt_id.trim()));
    const byId = new Map(facts.map((f) => [f.mdtrt_id, f]));
    const q = new Problems();
    let answering: string | undefined;
    const named: { mdtrt_id: string; setl_id: string | null }[] = [];
    for (const [i, v] of visits.entries()) {
      const f = byId.get(v.mdtrt_id.trim());
      if (!f || f.psn_no !== person.psn_no) {
        q.add(`visits[${i}].mdtrt_id`, `就诊 ${v.mdtrt_id} 不是该参保人的就诊`, `visit ${v.mdtrt_id} is not this person's`);
        continue;
      }
      const city = cityOf(f.mdtrtarea_admvs);
      if (city === requesting) q.add(`visits[${i}].mdtrt_id`, `就诊 ${f.mdtrt_id} 在参保地 ${requesting}，无需异地协查`, `visit ${f.mdtrt_id} was in the insured city ${requesting}: no cross-region request is needed`);
      else if (answering !== undefined && city !== answering) q.add(`visits[${i}].mdtrt_id`, `一个协查请求只向一个就医地：就诊 ${f.mdtrt_id} 在 ${city}，不在 ${answering}`, `a request goes to one treatment city: visit ${f.mdtrt_id} was in ${city}, not ${answering}`);
      else answering = city;
      let setl: string | null = null;
      if (v.setl_id) {
        const s = await settlementOf(c, v.setl_id.trim());
        if (!s || s.mdtrt_id !== f.mdtrt_id || s.kind !== 'settle') q.add(`visits[${i}].setl_id`, `结算 ${v.setl_id} 不是就诊 ${f.mdtrt_id} 的结算`, `settlement ${v.setl_id} is not of visit ${f.mdtrt_id}`);
        else setl = s.setl_id;
      }
      named.push({ mdtrt_id: f.mdtrt_id, setl_id: setl ?? f.setl_id });
    }
    q.throwIfAny();
    const to = answering!;
    if (findingIds.length > 0) {
      const found = new Map((await findingsOfIds(c, findingIds)).map((f) => [f.id, f]));
      findingIds.forEach((id, i) => {
        const f = found.get(id);
        if (!f || f.psn_no !== person.psn_no) q.add(`finding_ids[${i}]`, `疑点 ${id} 不是该参保人的疑点`, `finding ${id} is not this person's`);
        else if (!named.some((n) => n.mdtrt_id === f.mdtrt_id)) q.add(`finding_ids[${i}]`, `疑点 ${id} 的就诊不在本请求中`, `finding ${id} is about a visit not in this request`);
      });
      q.throwIfAny();
    }
    const today = chinaDate(now);
    const agreement = await investigationAgreement(c, requesting, to, today);
    if (!agreement) {
      throw invalid('visits', `参保地 ${requesting} 与就医地 ${to} 之间没有 ${today} 有效、含协查条款（assistance_investigation）的合作协议，不能发起协查`,
        `there is no agreement in force on ${today} between the insured city ${requesting} and the treatment city ${to} with an assistance_investigation clause: no request may be raised`);
    }
    const days = daysOf(agreement.params);
    const serial = await nextInvestigationSerial(c);
    const caseNo = `XC${requesting}${today.replaceAll('-', '')}${String(serial).padStart(6, '0')}`;
    const sides = { requesting_admdvs: requesting, answering_admdvs: to, ...days };
    const kase = await openCase(c, now, who.actor, { kind: 'investigation_request', number: caseNo, region: requesting, psnNo: person.psn_no, to: 'requested', comment: reason, clock: await clockFor(c, sides, 'requested') });
    await insertInvestigation(c, {
      case_id: kase.id, case_no: caseNo, psn_no: person.psn_no, ...sides, agreement_no: agreement.agreement_no, subject: subject!, reason: reason!,
      finding_ids: [...findingIds], raised_by: actorLabel(who.actor), raised_at: now,
    }, named);
    await storeAttachments(c, now, who, kase.id, 'requesting', files);
    await audit(c, now, who, 'investigation.raise', caseNo, { psn_no: person.psn_no, requesting_admdvs: requesting, answering_admdvs: to, agreement_no: agreement.agreement_no, ...days, visits: named, finding_ids: findingIds, attachments: files.map((f) => ({ name: f.name, sha256: f.sha256 })), due_on: kase.due_on });
    return detailOf(c, who, caseNo, today);
  });
}

function tryText(p: Problems, v: unknown, field: string, max: number): string | null {
  try {
    return text(v, field, max);
  } catch (e) {
    if (!(e instanceof YibaoError)) throw e;
    for (const d of e.details) p.add(d.field, d.zh, d.en);
    return null;
  }
}

// ---- moving ------------------------------------------------------------------------------

/**
 * A move of either side: the machine says whether the state allows it (409 naming case_no),
 * then the caller's regions must cover the side that makes it (403). Refusing and returning
 * need a reason; answering needs the findings and a conclusion, a recovery only with a violation.
 */
export async function moveInvestigation(pool: Pool, now: Date, who: InvestigationWho, caseNo: string, input: MoveInput): Promise<InvestigationDetail> {
  const move = input.move;
  if (!(INVESTIGATION_MOVES as readonly string[]).includes(move)) throw invalid('move', `未知的操作 ${String(move)}（可选 ${INVESTIGATION_MOVES.join('、')}）`, `unknown move ${String(move)} (one of ${INVESTIGATION_MOVES.join(', ')})`);
  const reason = text(input.reason, 'reason', 2000, move === 'refuse' || move === 'return');
  let answer: Omit<InvestigationAnswer, 'at' | 'by'> | undefined;
  if (move === 'answer') {
    const a = input.answer;
    if (!a || typeof a !== 'object') throw invalid('answer', '必填：协查结果（findings、conclusion）', 'required: the answer (findings, conclusion)');
    const findings = text(a.findings, 'answer.findings', 5000)!;
    if (!(typeof a.conclusion === 'string' && a.conclusion in CONCLUSIONS)) throw invalid('answer.conclusion', '结论应为 violation（存在违规）或 no_violation（未发现违规）', 'conclusion is violation or no_violation');
    const rec = a.recovery_fen ?? 0;
    if (!Number.isSafeInteger(rec) || rec < 0) throw invalid('answer.recovery_fen', '追回金额应为非负整数（分）', 'recovery_fen is a whole number of fen, 0 or more');
    if (rec > 0 && a.conclusion !== 'violation') throw invalid('answer.recovery_fen', '未发现违规时不能有追回金额', 'a recovery comes only with a violation');
    const ref = text(a.recovery_ref, 'answer.recovery_ref', 100, false);
    if (rec > 0 && !ref) throw invalid('answer.recovery_ref', '有追回金额时须写明案件编号或转账编号', 'a recovery names its case number or transfer reference');
    answer = { findings, conclusion: a.conclusion, recovery_fen: rec, recovery_ref: ref };
  } else if (input.answer !== undefined && input.answer !== null) {
    throw invalid('answer', '只有回复（answer）时填写协查结果', 'the answer is given only with the move answer');
  }
  const files = checkAttachments(input.attachments);
  return inTransaction(pool, async (c) => {
    const { req, kase } = await load(c, who, caseNo, true);
    const side = INVESTIGATION_SIDES[move]!;
    // the state first (a wrong move is named as such), then the side
    const { to } = planMove('investigation_request', kase.state, move, who.actor);
    if (!covers(who.regions, sideRegion(req, side))) {
      const words = MOVE_NAMES[move]!;
      throw forbidden('case_no', `只有${SIDE_WORDS[side].zh} ${sideRegion(req, side)} 的监管人员可以${words.zh}`, `only supervisors of ${SIDE_WORDS[side].en} ${sideRegion(req, side)} may ${words.en}`);
    }
    // a recovery named by one of the platform's own supervision case numbers must be that case, of the answering city
    if (answer?.recovery_ref && /^JG[0-9]+$/.test(answer.recovery_ref)) {
      const sup = await findSupervisionCase(c, answer.recovery_ref);
      if (!sup || cityOf(sup.admdvs) !== req.answering_admdvs) {
        throw invalid('answer.recovery_ref', `查无就医地 ${req.answering_admdvs} 的基金监管案件 ${answer.recovery_ref}`, `no supervision case ${answer.recovery_ref} of the treatment city ${req.answering_admdvs}`);
      }
    }
    const moved = await moveCase(c, now, who.actor, kase, move, { comment: reason, clock: await clockFor(c, req, to) });
    const by = actorLabel(who.actor);
    if (move === 'accept') await setAccepted(c, req.case_id, by, now);
    if (move === 'refuse') await setRefusal(c, req.case_id, { at: now.toISOString(), by, reason: reason! });
    if (move === 'answer') await setAnswers(c, req.case_id, [...req.answers, { at: now.toISOString(), by, ...answer! }]);
    if (move === 'return') {
      const answers = [...req.answers];
      answers[answers.length - 1] = { ...answers[answers.length - 1]!, returned: { at: now.toISOString(), by, reason: reason! } };
      await setAnswers(c, req.case_id, answers);
    }
    if (move === 'confirm') await setClosed(c, req.case_id, by, now);
    await storeAttachments(c, now, who, req.case_id, side, files);
    await audit(c, now, who, `investigation.${move}`, req.case_no, { from: moved.from, to: moved.to, reason, ...(answer ? { answer } : {}), attachments: files.map((f) => ({ name: f.name, sha256: f.sha256 })), due_on: moved.case.due_on });
    return detailOf(c, who, req.case_no, chinaDate(now));
  });
}

// ---- reading -----------------------------------------------------------------------------

/** The request as its row holds it (without the row's internal id), with what the caller needs to act on it. */
export interface InvestigationDetail extends Omit<InvestigationRow, 'case_id'> {
  state: string;
  state_name: { zh: string; en: string };
  /** The newest answer (all of them, returned ones marked, stay in `answers`). */
  answer: InvestigationAnswer | null;
  due_on: IsoDate | null;
  overdue: boolean;
  escalation_level: number;
  /** Which sides the caller is on, and the moves they may make now. */
  my_sides: InvestigationSide[];
  allowed_moves: InvestigationMove[];
  visits: (VisitFacts & { named_setl_id: string | null })[];
  events: CaseEventRow[];
  attachments: AttachmentRow[];
}

async function detailOf(c: Queryable, who: InvestigationWho, caseNo: string, asOf: IsoDate): Promise<InvestigationDetail> {
  const req = (await findInvestigation(c, caseNo))!;
  const kase = await getCase(c, 'investigation_request', caseNo, 'case_no');
  const mySides = (['requesting', 'answering'] as const).filter((s) => covers(who.regions, sideRegion(req, s)));
  const allowed = INVESTIGATION_MOVES.filter((m) => {
    if (!mySides.includes(INVESTIGATION_SIDES[m]!)) return false;
    try {
      planMove('investigation_request', kase.state, m, who.actor);
      return true;
    } catch {
      return false;
    }
  });
  return {
    ...req, state: kase.state, state_name: CASE_MACHINE.investigation_request.states[kase.state] ?? { zh: kase.state, en: kase.state },
    answer: req.answers.at(-1) ?? null, due_on: kase.due_on, overdue: kase.due_on !== null && kase.due_on < asOf, escalation_level: kase.escalation_level,
    my_sides: mySides, allowed_moves: allowed,
    visits: await investigationVisits(c, req.case_id), events: await caseEvents(c, req.case_id), attachments: await attachmentsOf(c, req.case_id),
  };
}

/** One request with its visits, history, attachments and answers, for a staff member of either side. */
export async function investigationDetail(q: Queryable, who: InvestigationWho, caseNo: string, asOf: IsoDate): Promise<InvestigationDetail> {
  await load(q, who, caseNo, false);
  return detailOf(q, who, caseNo, asOf);
}

/** The inbox (requests to the caller's regions) or outbox (raised by them), optionally by state or overdue only. */
export async function investigationList(q: Queryable, who: InvestigationWho, f: { box: 'inbox' | 'outbox'; state?: string | undefined; overdue?: boolean | undefined; asOf: IsoDate }): Promise<InvestigationListRow[]> {
  if (f.box !== 'inbox' && f.box !== 'outbox') throw invalid('box', 'box 应为 inbox 或 outbox', 'box is inbox or outbox');
  if (!isIsoDate(f.asOf)) throw invalid('as_of', '日期应为 yyyy-mm-dd', 'as_of must be yyyy-mm-dd');
  if (f.state !== undefined && !(f.state in CASE_MACHINE.investigation_request.states)) throw invalid('state', `未知的协查状态 ${f.state}`, `unknown request state ${f.state}`);
  return investigationBox(q, { box: f.box, regions: who.regions, states: f.state ? [f.state] : undefined, overdue: f.overdue, asOf: f.asOf });
}

/** One attachment's file, for a staff member of either side. */
export async function investigationAttachment(q: Queryable, who: InvestigationWho, caseNo: string, id: number): Promise<AttachmentRow & { content: Buffer }> {
  const { req } = await load(q, who, caseNo, false);
  const a = Number.isSafeInteger(id) ? await attachmentContent(q, req.case_id, id) : undefined;
  if (!a) throw notFound('id', `查无附件 ${id}`, `no attachment ${id}`);
  return a;
}
