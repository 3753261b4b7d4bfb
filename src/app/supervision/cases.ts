import { chinaDate, isIsoDate, type IsoDate } from '../../engine/calendar.ts';
import { CASE_MACHINE, planMove } from '../../engine/cases.ts';
import { assertInvariant, conflict, forbidden, invalid, notFound, YibaoError } from '../../engine/errors.ts';
import { checkTransfer, NOT_A_FUND } from '../../engine/ledger.ts';
import { fenToYuan } from '../../engine/money.ts';
import { actorLabel, writeAudit, type Actor } from '../../store/audit.ts';
import { regionsCover, type Principal } from '../../store/auth/principal.ts';
import { loadCalendar } from '../../store/cooperation/calendar.ts';
import { addCaseEvidence, caseEvents, caseEvidence, getCase, type CaseEventRow, type CaseRow, type Evidence } from '../../store/cooperation/cases.ts';
import { inTransaction, type Pool, type Queryable } from '../../store/db.ts';
import { findTransfer, postTransfer, type StoredTransfer } from '../../store/ledger.ts';
import { caseFiles, insertCaseFile, type CaseFile, type StoredCaseFile } from '../../store/supervision/case-files.ts';
import {
  caseFindings,
  caseSuspension,
  closeCaseFindings,
  findSupervisionCase,
  fundsPaidOfCase,
  insertSupervisionCase,
  insertRecoveryOwed,
  insertSuspension,
  lapsedAppeals,
  liftSuspensionRow,
  lockFindings,
  nextSupervisionSerial,
  refreshSuspensionFlag,
  setAppeal,
  setFirstReviewer,
  supervisionQueue,
  suspendedUntil,
  takeFindingsIntoCase,
  writeDecision,
  type CaseFindingRow,
  type SupervisionCaseRow,
  type SupervisionQueueRow,
  type SuspensionRow,
} from '../../store/supervision/cases.ts';
import { moveCase, openCase, type ClockInputs } from '../cooperation/cases.ts';
import { recoveryLegs, type FundPaid } from '../ledger/legs.ts';

// Supervision cases (基金监管案件, issue 15 §3): findings of the rules against one institution
// opened as a case of the one case machine (src/engine/cases.ts, kind 'supervision'), moved
// by openCase / moveCase like every other kind: opened → first review (初审) → second review
// (复审, by another person) → the institution's appeal window (申诉, working days on the
// institution's region's calendar) → investigation (调查) → decision (处理决定) → closed. A
// decision may warn, recover what the funds paid (a ledger transfer of kind 'recovery', key
// 'recovery:<case_no>', from the institution's payable back to the funds, never an edit of
// a settlement), fine a multiple of the recovery, and suspend the institution's direct
// settlement (a row of institution_suspensions and the institution's flag, with audit).
// Every move records who, when and why (case_events, audit_log). Who sees a case: staff of
// the institution's region, the institution itself, the system; others are told it does not
// exist. Everything a move decides from is read from the case, never from the caller.

/** Who may see a case: staff by their regions, one institution, or the platform's own passes. */
export type SupervisionScope =
  | { kind: 'staff'; regions: readonly string[] }
  | { kind: 'institution'; fixmedins_code: string }
  | { kind: 'system' };

/** The one acting and what they see. */
export interface Who {
  actor: Actor;
  scope: SupervisionScope;
}

/** Signed-in staff: moves by role, sees the regions of the account. */
export function whoOfStaff(p: Extract<Principal, { kind: 'staff' }>): Who {
  return { actor: { type: 'staff', id: p.username, name: p.display_name, role: p.role }, scope: { kind: 'staff', regions: p.regions } };
}

/** An institution (as the gateway or its sign-in authenticated it): sees and appeals its own cases; `name`: who of its staff signed in. */
export function whoOfInstitution(fixmedinsCode: string, name?: string): Who {
  return { actor: { type: 'hospital', id: fixmedinsCode, ...(name ? { name } : {}) }, scope: { kind: 'institution', fixmedins_code: fixmedinsCode } };
}

/** The platform itself (the scan opening a case, the pass ending appeal windows). */
export const SYSTEM: Who = { actor: { type: 'system', id: 'supervision' }, scope: { kind: 'system' } };

export const DECISION_KINDS = {
  no_violation: { zh: '不构成违规', en: 'no violation' },
  warning: { zh: '警告', en: 'warning' },
  recovery: { zh: '追回基金', en: 'recovery of the amount' },
  penalty: { zh: '罚款', en: 'penalty' },
  suspension: { zh: '暂停医保直接结算', en: 'suspension of direct settlement' },
} as const;
export type DecisionKind = keyof typeof DECISION_KINDS;

/** The penalty is 1 to 5 times the amount recovered, in tenths (医疗保障基金使用监督管理条例). */
export const PENALTY_MULTIPLE = { min: 1, max: 5 } as const;

function checkScope(who: Who): void {
  assertInvariant((who.actor.type === 'hospital') === (who.scope.kind === 'institution'), 'an institution acts in its own scope, staff and the system in theirs');
  if (who.scope.kind === 'institution') assertInvariant(who.actor.id === who.scope.fixmedins_code, 'an institution acts as itself');
}

function sees(scope: SupervisionScope, admdvs: string, fixmedinsCode: string): boolean {
  if (scope.kind === 'system') return true;
  if (scope.kind === 'institution') return scope.fixmedins_code === fixmedinsCode;
  return regionsCover(scope.regions, admdvs);
}

function reasonOf(v: unknown, field = 'reason'): string {
  const text = typeof v === 'string' ? v.trim() : '';
  if (!text) throw invalid(field, '必填：请说明理由', 'required: say why');
  if (text.length > 2000) throw invalid(field, '不超过 2000 字', 'at most 2000 characters');
  return text;
}

const noCase = (): never => {
  throw notFound('case_no', '查无此案件', 'no such case');
};

interface Loaded {
  kase: CaseRow;
  sup: SupervisionCaseRow;
}

/** The case, locked, if the one asking may see it; otherwise "no such case" (nothing leaks). */
async function loadCase(c: Queryable, who: Who, caseNo: unknown, lock: boolean): Promise<Loaded> {
  if (typeof caseNo !== 'string' || !caseNo) throw invalid('case_no', '必填：案件编号', 'required: the case number');
  const sup = await findSupervisionCase(c, caseNo);
  if (!sup || !sees(who.scope, sup.admdvs, sup.fixmedins_code)) noCase();
  const kase = await getCase(c, 'supervision', caseNo, 'case_no', lock);
  // read again under the case's lock: a move that committed while this one waited is seen whole
  return { kase, sup: lock ? (await findSupervisionCase(c, caseNo))! : sup! };
}

/** The working-day calendar of the institution's pooling region (its city: a county's code with its last two digits 00). */
async function clockOf(c: Queryable, admdvs: string): Promise<ClockInputs> {
  const pooling = `${admdvs.slice(0, 4)}00`;
  return { calendar: await loadCalendar(c, pooling), facts: { home: pooling, dest: null } };
}

async function audit(c: Queryable, now: Date, who: Who, action: string, caseNo: string, detail: Record<string, unknown>): Promise<void> {
  await writeAudit(c, { actor: actorLabel(who.actor), now }, action, `supervision_case:${caseNo}`, detail);
}

// ---- reading -----------------------------------------------------------------------------

export interface SupervisionCaseView {
  case_no: string;
  state: string;
  state_name: { zh: string; en: string };
  fixmedins_code: string;
  fixmedins_name: string;
  admdvs: string;
  amount_fen: number;
  opened_at: Date;
  opened_by: string;
  due_on: IsoDate | null;
  escalation_level: number;
  closed_at: Date | null;
  first_reviewed_by: string | null;
  appeal: Record<string, unknown> | null;
  decision: Record<string, unknown> | null;
  decided_at: Date | null;
  decided_by: string | null;
  recovery_fen: number;
  penalty_fen: number;
  recovery_transfer: StoredTransfer | null;
  suspension: SuspensionRow | null;
  findings: CaseFindingRow[];
  events: CaseEventRow[];
  evidence: { kind: string; ref: string; description: string | null }[];
  /** The files uploaded with the appeal (their content at the evidence route). */
  files: StoredCaseFile[];
}

async function viewOf(c: Queryable, caseNo: string): Promise<SupervisionCaseView> {
  const sup = (await findSupervisionCase(c, caseNo))!;
  const kase = await getCase(c, 'supervision', caseNo, 'case_no');
  return {
    case_no: sup.case_no, state: kase.state, state_name: CASE_MACHINE.supervision.states[kase.state] ?? { zh: kase.state, en: kase.state },
    fixmedins_code: sup.fixmedins_code, fixmedins_name: sup.fixmedins_name, admdvs: sup.admdvs, amount_fen: sup.amount_fen,
    opened_at: kase.opened_at, opened_by: sup.opened_by, due_on: kase.due_on, escalation_level: kase.escalation_level, closed_at: kase.closed_at,
    first_reviewed_by: sup.first_reviewed_by, appeal: sup.appeal, decision: sup.decision, decided_at: sup.decided_at, decided_by: sup.decided_by,
    recovery_fen: sup.recovery_fen, penalty_fen: sup.penalty_fen,
    recovery_transfer: sup.recovery_transfer === null ? null : (await findTransfer(c, recoveryKey(sup.case_no))) ?? null,
    suspension: (await caseSuspension(c, sup.case_id)) ?? null,
    findings: await caseFindings(c, sup.case_id),
    events: await caseEvents(c, sup.case_id),
    evidence: await caseEvidence(c, sup.case_id),
    files: await caseFiles(c, sup.case_id),
  };
}

/**
 * The moves the one asking may make on the case today, as the move routes would take them:
 * the machine's moves from its state for this mover, less those its further checks refuse (a
 * second review by the first reviewer, an appeal after the window, ending a window still
 * open, lifting a suspension not in force). What the pages offer; the moves check again.
 */
export function allowedMoves(who: Who, view: SupervisionCaseView, today: IsoDate): string[] {
  const by = actorLabel(who.actor);
  const out: string[] = [];
  for (const m of CASE_MACHINE.supervision.moves) {
    if (m.from !== view.state || m.move === 'escalate' || m.move === 'submit' || out.includes(m.move)) continue;
    try {
      planMove('supervision', view.state, m.move, who.actor);
    } catch {
      continue;
    }
    if (m.move === 'second_review_pass' && view.first_reviewed_by === by) continue;
    const windowOpen = view.due_on === null || today <= view.due_on;
    if ((m.move === 'appeal' || m.move === 'waive_appeal') && !windowOpen) continue;
    if (m.move === 'appeal_lapsed' && windowOpen) continue;
    const s = view.suspension;
    if (m.move === 'lift_suspension' && !(s && s.lifted_at === null && (s.ends_on === null || s.ends_on >= today))) continue;
    out.push(m.move);
  }
  return out;
}

/** One case with its findings, history, evidence, decision, recovery and suspension, for whoever may see it. */
export async function supervisionCase(q: Queryable, who: Who, caseNo: string): Promise<SupervisionCaseView> {
  checkScope(who);
  await loadCase(q, who, caseNo, false);
  return viewOf(q, caseNo);
}

/** The case queue of the one asking: staff their regions' cases, an institution its own. */
export async function supervisionCases(q: Queryable, who: Who, opts: { states?: readonly string[]; fixmedins_code?: string; asOf: IsoDate; admdvs?: string | undefined; overdue?: boolean | undefined }): Promise<SupervisionQueueRow[]> {
  checkScope(who);
  if (!isIsoDate(opts.asOf)) throw invalid('as_of', '日期应为 yyyy-mm-dd', 'as_of must be yyyy-mm-dd');
  for (const [i, s] of (opts.states ?? []).entries()) {
    if (!(s in CASE_MACHINE.supervision.states)) throw invalid(`states[${i}]`, `未知的案件状态 ${s}`, `unknown case state ${s}`);
  }
  if (opts.admdvs !== undefined && !/^[0-9]{6}$/.test(opts.admdvs)) throw invalid('admdvs', '区划应为 6 位代码', 'admdvs is a 6-digit code');
  const scope = who.scope;
  const rows = await supervisionQueue(q, {
    regions: scope.kind === 'staff' ? scope.regions : undefined,
    fixmedins_code: scope.kind === 'institution' ? scope.fixmedins_code : opts.fixmedins_code,
    states: opts.states,
    asOf: opts.asOf,
  });
  // narrowing within what the scope already allows: a region (any level) and the overdue ones
  return rows.filter((r) => (opts.admdvs === undefined || regionsCover([opts.admdvs], r.admdvs)) && (opts.overdue === undefined || r.overdue === opts.overdue));
}

// ---- opening -----------------------------------------------------------------------------

export interface OpenSupervisionCase {
  finding_ids: readonly number[];
  reason: string;
}

/**
 * Opens a case from open findings of one institution: each is checked (exists, visible, open,
 * same institution), taken into the case (status in_case, case_id), and their amounts summed.
 * The case waits for a supervisor to assign it to the first review.
 */
export async function openSupervisionCase(pool: Pool, now: Date, who: Who, input: OpenSupervisionCase): Promise<SupervisionCaseView> {
  checkScope(who);
  if (who.scope.kind === 'institution') throw forbidden('finding_ids', '医疗机构不能立案', 'an institution does not open cases');
  const ids = input.finding_ids;
  if (!Array.isArray(ids) || ids.length === 0) throw invalid('finding_ids', '必填：至少一条疑点', 'required: at least one finding');
  if (ids.length > 500) throw invalid('finding_ids', '一案至多 500 条疑点', 'at most 500 findings to a case');
  ids.forEach((id, i) => {
    if (!Number.isSafeInteger(id) || id <= 0) throw invalid(`finding_ids[${i}]`, '疑点编号应为正整数', 'a finding id is a positive integer');
    if (ids.indexOf(id) !== i) throw invalid(`finding_ids[${i}]`, `疑点 ${id} 重复`, `finding ${id} is listed twice`);
  });
  const reason = reasonOf(input.reason);
  return inTransaction(pool, async (c) => {
    const rows = await lockFindings(c, ids);
    const byId = new Map(rows.map((r) => [r.id, r]));
    ids.forEach((id, i) => {
      const f = byId.get(id);
      if (!f || !sees(who.scope, f.institution_admdvs, f.fixmedins_code)) throw notFound(`finding_ids[${i}]`, `查无疑点 ${id}`, `no finding ${id}`);
      if (f.status === 'in_case') throw conflict(`finding_ids[${i}]`, `疑点 ${id} 已在案件 ${f.case_no} 中`, `finding ${id} is already in case ${f.case_no}`);
      if (f.status === 'closed') throw conflict(`finding_ids[${i}]`, `疑点 ${id} 已关闭`, `finding ${id} is closed`);
    });
    const first = byId.get(ids[0]!)!;
    ids.forEach((id, i) => {
      if (byId.get(id)!.fixmedins_code !== first.fixmedins_code) {
        throw invalid(`finding_ids[${i}]`, `一案只针对一家机构：疑点 ${id} 属于 ${byId.get(id)!.fixmedins_code}，不是 ${first.fixmedins_code}`, `a case is against one institution: finding ${id} is of ${byId.get(id)!.fixmedins_code}, not ${first.fixmedins_code}`);
      }
    });
    const admdvs = first.institution_admdvs;
    const amount = rows.reduce((a, r) => a + r.amount_fen, 0);
    const serial = await nextSupervisionSerial(c);
    const caseNo = `JG${admdvs}${chinaDate(now).replaceAll('-', '')}${String(serial).padStart(6, '0')}`;
    const kase = await openCase(c, now, who.actor, { kind: 'supervision', number: caseNo, region: admdvs, psnNo: null, to: 'opened', comment: reason, clock: await clockOf(c, admdvs) });
    await insertSupervisionCase(c, { case_id: kase.id, case_no: caseNo, fixmedins_code: first.fixmedins_code, admdvs, amount_fen: amount, opened_by: actorLabel(who.actor) });
    await takeFindingsIntoCase(c, kase.id, ids);
    await audit(c, now, who, 'supervision_case.open', caseNo, { finding_ids: ids, fixmedins_code: first.fixmedins_code, amount_fen: amount, reason });
    return viewOf(c, caseNo);
  });
}

// ---- the staff's moves -------------------------------------------------------------------

/** The moves made with a reason alone. */
export const SIMPLE_MOVES = ['assign', 'first_review_pass', 'second_review_pass', 'return_to_first_review', 'dismiss', 'appeal_lapsed', 'close'] as const;
export type SimpleMove = (typeof SIMPLE_MOVES)[number];

/**
 * A move of the review and closing steps, with its reason. The second review is another
 * person's than the first; the appeal window is ended only once it has passed; a dismissal
 * closes the findings; closing a decided case closes them too.
 */
export async function moveSupervisionCase(pool: Pool, now: Date, who: Who, caseNo: string, move: SimpleMove, reasonText: string): Promise<SupervisionCaseView> {
  checkScope(who);
  if (!(SIMPLE_MOVES as readonly string[]).includes(move)) throw invalid('move', `未知的操作 ${String(move)}`, `unknown move ${String(move)}`);
  const reason = reasonOf(reasonText);
  return inTransaction(pool, async (c) => {
    const { kase, sup } = await loadCase(c, who, caseNo, true);
    const today = chinaDate(now);
    const by = actorLabel(who.actor);
    // the checks a state alone cannot make, after the machine's own (so a wrong state is named first)
    const machine = async (): Promise<Awaited<ReturnType<typeof moveCase>>> => moveCase(c, now, who.actor, kase, move, { comment: reason, clock: await clockOf(c, sup.admdvs) });
    if (move === 'second_review_pass' && kase.state === 'second_review' && sup.first_reviewed_by === by) {
      throw forbidden('case_no', '复审须由初审以外的人员办理', 'the second review is made by someone other than the first reviewer');
    }
    if (move === 'appeal_lapsed' && kase.state === 'appeal' && kase.due_on !== null && today <= kase.due_on) {
      throw conflict('case_no', `申诉期至 ${kase.due_on}，尚未届满`, `the appeal window runs until ${kase.due_on} and has not ended`);
    }
    const moved = await machine();
    if (move === 'first_review_pass') await setFirstReviewer(c, sup.case_id, by);
    if (move === 'return_to_first_review') await setFirstReviewer(c, sup.case_id, null);
    if (move === 'dismiss') await closeCaseFindings(c, sup.case_id, `case_dismissed:${caseNo}`);
    if (move === 'close') await closeCaseFindings(c, sup.case_id, `case_closed:${caseNo}`);
    await audit(c, now, who, `supervision_case.${move}`, caseNo, { from: moved.from, to: moved.to, reason, ...(moved.case.due_on ? { due_on: moved.case.due_on } : {}) });
    return viewOf(c, caseNo);
  });
}

// ---- the institution's appeal ------------------------------------------------------------

export interface AppealInput {
  statement: string;
  evidence: readonly Evidence[];
  /** Files uploaded with the appeal, stored beside the case and named in its evidence as 'file:<id>'. */
  files?: readonly CaseFile[] | undefined;
}

/** What an appeal's file may be: a document or a picture of one, at most 5 MB, at most 10 files. */
export const APPEAL_FILE = { maxBytes: 5 * 1024 * 1024, maxFiles: 10, mimes: ['application/pdf', 'image/png', 'image/jpeg', 'text/plain'] } as const;

function checkFiles(files: readonly CaseFile[]): void {
  if (files.length > APPEAL_FILE.maxFiles) throw invalid('evidence', `申诉文件至多 ${APPEAL_FILE.maxFiles} 份`, `at most ${APPEAL_FILE.maxFiles} files to an appeal`);
  files.forEach((f, i) => {
    const name = typeof f.name === 'string' ? f.name.trim() : '';
    if (!name || name.length > 200 || /[\\/\u0000-\u001f]/.test(name)) throw invalid(`evidence[${i}].name`, '文件名应为 1 至 200 个字符，不含路径', 'a file name is 1 to 200 characters, without a path');
    if (!(APPEAL_FILE.mimes as readonly string[]).includes(f.mime)) throw invalid(`evidence[${i}].mime`, `文件类型应为 ${APPEAL_FILE.mimes.join('、')}`, `a file is one of ${APPEAL_FILE.mimes.join(', ')}`);
    if (!Buffer.isBuffer(f.content) || f.content.length === 0) throw invalid(`evidence[${i}].base64`, '文件为空', 'the file is empty');
    if (f.content.length > APPEAL_FILE.maxBytes) throw invalid(`evidence[${i}].base64`, '文件不超过 5 MB', 'a file is at most 5 MB');
  });
}

function checkWindow(kase: CaseRow, today: IsoDate): void {
  if (kase.state === 'appeal' && kase.due_on !== null && today > kase.due_on) {
    throw conflict('case_no', `申诉期已于 ${kase.due_on} 届满，不能再申诉`, `the appeal window ended on ${kase.due_on}: no appeal is taken after it`);
  }
}

/** The institution appeals (申诉) within its window, with its statement and evidence; the case goes to investigation. */
export async function appealSupervisionCase(pool: Pool, now: Date, who: Who, caseNo: string, input: AppealInput): Promise<SupervisionCaseView> {
  checkScope(who);
  const statement = reasonOf(input.statement, 'statement');
  const files = input.files ?? [];
  checkFiles(files);
  if (!Array.isArray(input.evidence) || input.evidence.length + files.length === 0) throw invalid('evidence', '必填：申诉须附证据材料', 'required: an appeal comes with its evidence');
  if (input.evidence.length > 50) throw invalid('evidence', '证据材料至多 50 份', 'at most 50 pieces of evidence');
  input.evidence.forEach((e, i) => {
    if (typeof e?.kind !== 'string' || !e.kind.trim()) throw invalid(`evidence[${i}].kind`, '必填：材料类别', 'required: the kind of document');
    if (typeof e.ref !== 'string' || !e.ref.trim()) throw invalid(`evidence[${i}].ref`, '必填：材料编号或文件', 'required: the document reference');
  });
  return inTransaction(pool, async (c) => {
    const { kase, sup } = await loadCase(c, who, caseNo, true);
    const today = chinaDate(now);
    checkWindow(kase, today);
    const moved = await moveCase(c, now, who.actor, kase, 'appeal', { comment: statement, clock: await clockOf(c, sup.admdvs) });
    const evidence = input.evidence.map((e) => ({ kind: e.kind.trim(), ref: e.ref.trim(), description: e.description ?? null }));
    for (const f of files) {
      const stored = await insertCaseFile(c, sup.case_id, { ...f, name: f.name.trim() }, now, actorLabel(who.actor));
      evidence.push({ kind: 'file', ref: `file:${stored.id}`, description: stored.name });
    }
    await addCaseEvidence(c, sup.case_id, now, actorLabel(who.actor), evidence);
    await setAppeal(c, sup.case_id, { at: now.toISOString(), by: actorLabel(who.actor), ...(who.actor.name ? { by_name: who.actor.name } : {}), statement, evidence, due_on: kase.due_on });
    await audit(c, now, who, 'supervision_case.appeal', caseNo, { from: moved.from, to: moved.to, evidence: evidence.length, appeal_due: kase.due_on });
    return viewOf(c, caseNo);
  });
}

/** The institution waives its appeal within the window; the case goes to investigation. */
export async function waiveAppeal(pool: Pool, now: Date, who: Who, caseNo: string, reasonText: string): Promise<SupervisionCaseView> {
  checkScope(who);
  const reason = reasonOf(reasonText);
  return inTransaction(pool, async (c) => {
    const { kase, sup } = await loadCase(c, who, caseNo, true);
    checkWindow(kase, chinaDate(now));
    const moved = await moveCase(c, now, who.actor, kase, 'waive_appeal', { comment: reason, clock: await clockOf(c, sup.admdvs) });
    await setAppeal(c, sup.case_id, { waived: true, at: now.toISOString(), by: actorLabel(who.actor), ...(who.actor.name ? { by_name: who.actor.name } : {}), reason });
    await audit(c, now, who, 'supervision_case.waive_appeal', caseNo, { from: moved.from, to: moved.to, reason });
    return viewOf(c, caseNo);
  });
}

// ---- the decision ------------------------------------------------------------------------

export interface DecisionInput {
  /** 'no_violation' alone, or any of warning, recovery, penalty (with recovery), suspension. */
  kinds: readonly DecisionKind[];
  reason: string;
  /** With recovery: the amount (fen); absent: the findings' amount, at most what the funds paid. */
  recovery_fen?: number | undefined;
  /** With penalty: the multiple of the amount recovered, 1 to 5 in tenths. */
  penalty_multiple?: number | undefined;
  /** With suspension: its last day (after today), or null until a lift_suspension. */
  suspension_ends_on?: IsoDate | null | undefined;
}

/** A decision as recorded: what the input said and what the case made of it. */
export interface Decision {
  kinds: DecisionKind[];
  reason: string;
  recovery_fen: number;
  penalty_multiple: number | null;
  penalty_fen: number;
  suspension: { begins_on: IsoDate; ends_on: IsoDate | null } | null;
}

export const recoveryKey = (caseNo: string): string => `recovery:${caseNo}`;

function checkDecisionInput(d: DecisionInput, today: IsoDate): { kinds: DecisionKind[]; reason: string } {
  if (!Array.isArray(d.kinds) || d.kinds.length === 0) throw invalid('kinds', '必填：至少一种处理方式', 'required: at least one kind of decision');
  (d.kinds as readonly unknown[]).forEach((k, i) => {
    if (typeof k !== 'string' || !(k in DECISION_KINDS)) throw invalid(`kinds[${i}]`, `未知的处理方式 ${String(k)}（可选 ${Object.keys(DECISION_KINDS).join('、')}）`, `unknown decision ${String(k)} (one of ${Object.keys(DECISION_KINDS).join(', ')})`);
    if ((d.kinds as readonly unknown[]).indexOf(k) !== i) throw invalid(`kinds[${i}]`, `处理方式 ${k} 重复`, `decision ${k} is listed twice`);
  });
  const order: readonly string[] = Object.keys(DECISION_KINDS);
  const kinds = [...d.kinds].sort((a, b) => order.indexOf(a) - order.indexOf(b));
  if (kinds.includes('no_violation') && kinds.length > 1) throw invalid('kinds', '“不构成违规”不能与其他处理方式并用', "'no_violation' stands alone");
  if (kinds.includes('penalty') && !kinds.includes('recovery')) throw invalid('kinds', '罚款按追回金额的倍数计算，须同时追回', 'a penalty is a multiple of the amount recovered: decide a recovery with it');
  if (d.recovery_fen !== undefined && !kinds.includes('recovery')) throw invalid('recovery_fen', '未决定追回，不能给出追回金额', 'recovery_fen is given only with a recovery');
  if (d.penalty_multiple !== undefined && !kinds.includes('penalty')) throw invalid('penalty_multiple', '未决定罚款，不能给出罚款倍数', 'penalty_multiple is given only with a penalty');
  if (d.suspension_ends_on !== undefined && !kinds.includes('suspension')) throw invalid('suspension_ends_on', '未决定暂停直接结算，不能给出暂停截止日', 'suspension_ends_on is given only with a suspension');
  if (kinds.includes('penalty')) {
    const m = d.penalty_multiple;
    if (typeof m !== 'number' || !Number.isFinite(m) || m < PENALTY_MULTIPLE.min || m > PENALTY_MULTIPLE.max || Math.round(m * 10) !== m * 10) {
      throw invalid('penalty_multiple', `罚款倍数应为 ${PENALTY_MULTIPLE.min} 至 ${PENALTY_MULTIPLE.max} 倍（精确到 0.1）`, `penalty_multiple is ${PENALTY_MULTIPLE.min} to ${PENALTY_MULTIPLE.max} times, in tenths`);
    }
  }
  if (kinds.includes('suspension')) {
    const e = d.suspension_ends_on;
    if (e === undefined) throw invalid('suspension_ends_on', '必填：暂停截止日（yyyy-mm-dd），或 null 表示至解除为止', 'required: the suspension\'s last day (yyyy-mm-dd), or null until it is lifted');
    if (e !== null && (!isIsoDate(e) || e <= today)) throw invalid('suspension_ends_on', `暂停截止日应为 ${today} 之后的日期（yyyy-mm-dd）`, `suspension_ends_on is a date after ${today} (yyyy-mm-dd)`);
  }
  if (d.recovery_fen !== undefined && (!Number.isSafeInteger(d.recovery_fen) || d.recovery_fen <= 0)) {
    throw invalid('recovery_fen', '追回金额应为正整数（分）', 'recovery_fen is a positive whole number of fen');
  }
  return { kinds, reason: reasonOf(d.reason) };
}

function sameDecision(stored: Record<string, unknown>, d: DecisionInput, kinds: readonly DecisionKind[]): boolean {
  const s = stored as unknown as Decision & { requested?: { recovery_fen: number | null } };
  if (JSON.stringify(s.kinds) !== JSON.stringify(kinds)) return false;
  if (d.recovery_fen !== undefined && d.recovery_fen !== s.recovery_fen) return false;
  if (d.penalty_multiple !== undefined && d.penalty_multiple !== s.penalty_multiple) return false;
  if (d.suspension_ends_on !== undefined && d.suspension_ends_on !== (s.suspension?.ends_on ?? null)) return false;
  return true;
}

export interface DecideResult {
  case: SupervisionCaseView;
  /** True when the same decision had been made before: nothing was written again. */
  replayed: boolean;
}

/**
 * Decides an investigated case (处理决定). A recovery takes back the amount (the findings'
 * amount unless staff give less, never more than the standing settlements' funds paid) along
 * the paths the funds paid, as one transfer of kind 'recovery' keyed by the case; a penalty is
 * recorded as its multiple of the recovery; a suspension is recorded with the institution's
 * flag; 'no_violation' closes the findings. Submitting the same decision again (a retry)
 * answers the case as decided and writes nothing; a different one is refused.
 */
export async function decideSupervisionCase(pool: Pool, now: Date, who: Who, caseNo: string, d: DecisionInput): Promise<DecideResult> {
  checkScope(who);
  const today = chinaDate(now);
  const { kinds, reason } = checkDecisionInput(d, today);
  return inTransaction(pool, async (c) => {
    const { kase, sup } = await loadCase(c, who, caseNo, true);
    if ((kase.state === 'decided' || kase.state === 'closed') && sup.decision && sameDecision(sup.decision, d, kinds)) {
      return { case: await viewOf(c, caseNo), replayed: true };
    }
    // the machine first: a case not reviewed twice, in its appeal window or decided is refused here
    const step = await moveCase(c, now, who.actor, kase, 'decide', { comment: reason, clock: await clockOf(c, sup.admdvs) });
    const by = actorLabel(who.actor);
    let recoveryFen = 0;
    let transferId: number | null = null;
    let shares: { setl_id: string; fund_pay_type: string; amount_fen: number }[] = [];
    if (kinds.includes('recovery')) {
      const paid: FundPaid[] = (await fundsPaidOfCase(c, sup.case_id)).map((s) => ({ ...s, funds: s.funds.filter((f) => !NOT_A_FUND.has(f.fund_pay_type) && f.fund_payamt > 0) }));
      const cap = paid.reduce((a, s) => a + s.funds.reduce((b, f) => b + f.fund_payamt, 0), 0);
      if (cap === 0) throw conflict('recovery_fen', '案件所涉结算未由基金支付（或已撤销），无可追回金额', "the case's settlements were not paid by a fund (or were cancelled): there is nothing to recover");
      recoveryFen = d.recovery_fen ?? Math.min(sup.amount_fen, cap);
      if (recoveryFen <= 0) throw invalid('recovery_fen', '疑点金额为 0，请给出追回金额', 'the findings amount to 0: give recovery_fen');
      if (recoveryFen > cap) {
        throw invalid('recovery_fen', `追回金额 ${fenToYuan(recoveryFen)} 元超过所涉结算基金支付 ${fenToYuan(cap)} 元`, `recovery_fen ${fenToYuan(recoveryFen)} yuan is more than the ${fenToYuan(cap)} yuan the settlements' funds paid`);
      }
      const legs = recoveryLegs(paid, recoveryFen);
      shares = legs.shares;
      const posted = await postTransfer(c, checkTransfer({
        kind: 'recovery', key: recoveryKey(caseNo), cause: { kind: 'supervision_case', id: caseNo }, legs: legs.legs, reverses: null,
        memo: `基金监管案件 ${caseNo} 追回 / recovery of supervision case ${caseNo}`,
      }), now);
      transferId = posted.id;
      // what went back across two regions reaches their next clearing statement (027)
      await insertRecoveryOwed(c, { case_no: caseNo, key: recoveryKey(caseNo), at: now, month: chinaDate(now).slice(0, 7).replace('-', ''), shares });
    }
    const multiple = kinds.includes('penalty') ? d.penalty_multiple! : null;
    const penaltyFen = multiple === null ? 0 : Math.round((recoveryFen * Math.round(multiple * 10)) / 10);
    const suspension = kinds.includes('suspension') ? { begins_on: today, ends_on: d.suspension_ends_on ?? null } : null;
    const decision: Decision & { shares: typeof shares } = { kinds, reason, recovery_fen: recoveryFen, penalty_multiple: multiple, penalty_fen: penaltyFen, suspension, shares };
    await writeDecision(c, sup.case_id, { decision: decision as unknown as Record<string, unknown>, at: now, by, recovery_fen: recoveryFen, penalty_fen: penaltyFen, recovery_transfer: transferId });
    await audit(c, now, who, 'supervision_case.decide', caseNo, { from: step.from, to: step.to, kinds, reason, recovery_fen: recoveryFen, penalty_multiple: multiple, penalty_fen: penaltyFen, suspension });
    if (transferId !== null) await audit(c, now, who, 'ledger.recovery', caseNo, { transfer_id: transferId, key: recoveryKey(caseNo), amount_fen: recoveryFen, fixmedins_code: sup.fixmedins_code, shares });
    if (suspension) {
      const row = await insertSuspension(c, { fixmedins_code: sup.fixmedins_code, case_id: sup.case_id, begins_on: suspension.begins_on, ends_on: suspension.ends_on, at: now, by });
      const until = await refreshSuspensionFlag(c, sup.fixmedins_code, today);
      await writeAudit(c, { actor: by, now }, 'institution.direct_settlement_suspended', `institution:${sup.fixmedins_code}`, { case_no: caseNo, suspension_id: row.id, begins_on: row.begins_on, ends_on: row.ends_on, suspended_until: until });
    }
    if (kinds.includes('no_violation')) await closeCaseFindings(c, sup.case_id, `no_violation:${caseNo}`);
    return { case: await viewOf(c, caseNo), replayed: false };
  });
}

/**
 * Lifts the case's suspension of direct settlement before its end (or ends one that runs
 * until lifted): the row records who, when and why, the institution's flag is recomputed
 * from the suspensions still in force, and both are audited.
 */
export async function liftSuspension(pool: Pool, now: Date, who: Who, caseNo: string, reasonText: string): Promise<SupervisionCaseView> {
  checkScope(who);
  const reason = reasonOf(reasonText);
  return inTransaction(pool, async (c) => {
    const { kase, sup } = await loadCase(c, who, caseNo, true);
    const today = chinaDate(now);
    // the machine says who and from which states; then there must be a suspension in force
    planMove('supervision', kase.state, 'lift_suspension', who.actor);
    const s = await caseSuspension(c, sup.case_id, true);
    if (!s || s.lifted_at !== null || (s.ends_on !== null && s.ends_on < today)) {
      throw conflict('case_no', s?.lifted_at ? '该案件的暂停直接结算已解除' : '该案件没有生效中的暂停直接结算', s?.lifted_at ? "the case's suspension was already lifted" : 'the case has no suspension of direct settlement in force');
    }
    const moved = await moveCase(c, now, who.actor, kase, 'lift_suspension', { comment: reason });
    await liftSuspensionRow(c, s.id, now, actorLabel(who.actor), reason);
    const until = await refreshSuspensionFlag(c, sup.fixmedins_code, today);
    await audit(c, now, who, 'supervision_case.lift_suspension', caseNo, { from: moved.from, to: moved.to, reason, suspension_id: s.id });
    await writeAudit(c, { actor: actorLabel(who.actor), now }, 'institution.direct_settlement_restored', `institution:${sup.fixmedins_code}`, { case_no: caseNo, suspension_id: s.id, reason, suspended_until: until });
    return viewOf(c, caseNo);
  });
}

/**
 * Whether an institution's direct settlement is suspended on `day`: the last day suspended
 * ('infinity': until lifted), or null. What 2207/2304 ask before they settle.
 */
export async function directSettlementSuspendedOn(q: Queryable, fixmedinsCode: string, day: IsoDate): Promise<string | null> {
  const until = await suspendedUntil(q, fixmedinsCode);
  return until !== null && (until === 'infinity' || until >= day) ? until : null;
}

/**
 * The daily pass that ends every appeal window past its deadline (the institution neither
 * appealed nor waived): each case moves to investigation by the system, one transaction each.
 * Returns the cases moved.
 */
export async function endLapsedAppeals(pool: Pool, now: Date, regions?: readonly string[]): Promise<string[]> {
  const today = chinaDate(now);
  const moved: string[] = [];
  for (const no of await lapsedAppeals(pool, today, regions)) {
    try {
      await moveSupervisionCase(pool, now, SYSTEM, no, 'appeal_lapsed', `申诉期满未申诉（${today}）/ the appeal window ended without an appeal`);
      moved.push(no);
    } catch (e) {
      // moved meanwhile (an appeal that came first, another pass): nothing to do for this case
      if (!(e instanceof YibaoError && e.kind === 'conflict')) throw e;
    }
  }
  return moved;
}
