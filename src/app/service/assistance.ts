import {
  computeAssistance, computeReassistance, groupFor, loadAssistanceRules, payableNow, reassistanceApplies, subsidyFor,
  type AssistanceExplanation, type AssistanceRules,
} from '../../engine/assistance.ts';
import { addWorkingDays, chinaDate, isIsoDate, workingDaysBetween, type IsoDate } from '../../engine/calendar.ts';
import { planMove } from '../../engine/cases.ts';
import { identityGroupsOf } from '../../engine/codes.ts';
import { conflict, forbidden, invalid, notFound, Problems } from '../../engine/errors.ts';
import { checkTransfer, fundAccount } from '../../engine/ledger.ts';
import {
  claimSettlements, findApplication, heavyBurdens, insertApplication, insertObjection, insertSubsidy, listApplications, lockSubsidyRun,
  nextApplicationSerial, noticesEnded, objectionsOf, releaseSettlements, resolveObjections, settlementBurdens, settlementOwners,
  subsidyCandidates, writeDecisionReason, writeExplanation, writePaid, writeReview, yearAssistance,
  type ApplicationRow, type AssistanceChannel, type AssistanceForm, type ObjectionRow, type OutsideLine,
} from '../../store/assistance.ts';
import { activeConsent } from '../../store/auth/accounts.ts';
import { actorLabel, writeAudit, type Actor } from '../../store/audit.ts';
import { caseEvents, getCase } from '../../store/cooperation/cases.ts';
import { loadCalendar } from '../../store/cooperation/calendar.ts';
import { compactDate, findPerson, poolingRegionOf } from '../../store/cooperation/common.ts';
import { notify } from '../../store/cooperation/notifications.ts';
import { inTransaction, type Pool, type Queryable } from '../../store/db.ts';
import { newestDocuments } from '../../store/documents/rows.ts';
import { postTransfer } from '../../store/ledger.ts';
import { identitiesOn } from '../../store/registry/identities.ts';
import { lockPerson } from '../../store/registry/persons.ts';
import { contribute } from '../registry/contribute.ts';
import { moveCase, openCase, type ClockInputs } from '../cooperation/cases.ts';

// 医疗救助 on application (docs/service-network.md, "Medical assistance"): apply (online, at a
// window, by a consenting grid worker) → review (the amount computed from the stored
// settlements by the region's rules) → public notice (公示) with objections → payment from
// the assistance fund, once, within the yearly cap; the re-assistance scan that proposes
// cases; the contribution subsidies (资助参保). Every move goes through the case machine.

const FIELD = 'application_no';
const MAX_FEN = 100_000_000;

/** The region's newest rules for the year, loaded (a stored document was checked when stored). */
export async function assistanceRulesFor(q: Queryable, region: string, year: number): Promise<AssistanceRules> {
  const docs = (await newestDocuments(q, 'assistance_rules', region)).map((d) => loadAssistanceRules(d.doc)).filter((r) => r.year === year);
  const rules = docs.sort((a, b) => b.version - a.version)[0];
  if (!rules) throw conflict('year', `统筹区 ${region} 没有 ${year} 年度的医疗救助规则`, `pooling region ${region} has no medical-assistance rules for ${year}`);
  return rules;
}

function clockOf(rules: AssistanceRules, calendar: ClockInputs['calendar'], noticeDays = rules.clocks.notice_days): ClockInputs {
  const c = rules.clocks;
  return { calendar, facts: { home: rules.admdvs, dest: null, assistance: { review_days: c.review_days, notice_days: noticeDays, objection_review_days: c.objection_review_days, pay_days: c.pay_days } } };
}

async function groupsOn(q: Queryable, psnNo: string, day: IsoDate): Promise<string[]> {
  return identityGroupsOf((await identitiesOn(q, psnNo, day)).map((i) => i.psn_idet_type));
}

export interface AssistanceApplicationInput {
  psn_no?: string | undefined;
  certno?: string | undefined;
  /** The year of the burden (defaults to this year). */
  year?: number | undefined;
  /** Settlements of the year whose remaining burden is applied for. */
  setl_ids?: string[] | undefined;
  /** Amounts paid outside the settlements, each with its materials (invoices, discharge summary). */
  outside?: OutsideLine[] | undefined;
  reason?: string | null | undefined;
  /** A grid worker's consent reference (the auth hook's req.consentRef); checked again here. */
  consent_ref?: string | undefined;
}

export interface AppliedAssistance {
  application_no: string;
  case_id: number;
  state: string;
  psn_no: string;
  region: string;
  year: number;
  channel: AssistanceChannel;
  due_on: IsoDate;
  step_due_on: IsoDate | null;
}

function checkForm(input: AssistanceApplicationInput, year: number): { setl_ids: string[]; outside: OutsideLine[] } {
  const p = new Problems();
  const setlIds = input.setl_ids ?? [];
  const outside = input.outside ?? [];
  if (!Array.isArray(setlIds) || setlIds.some((s) => typeof s !== 'string' || s.trim() === '')) p.add('setl_ids', '结算编号应为非空字符串', 'setl_ids are non-empty strings');
  else if (new Set(setlIds).size !== setlIds.length) p.add('setl_ids', '结算编号重复', 'a settlement is named twice');
  if (setlIds.length > 200) p.add('setl_ids', '一次最多申请 200 笔结算', 'at most 200 settlements per application');
  if (!Array.isArray(outside)) p.add('outside', '院外费用应为数组', 'outside is an array');
  else {
    if (outside.length > 50) p.add('outside', '院外费用最多 50 笔', 'at most 50 amounts paid outside');
    outside.forEach((o, i) => {
      if (typeof o?.description !== 'string' || !o.description.trim()) p.add(`outside[${i}].description`, '请说明费用内容', 'describe what was paid');
      if (!Number.isSafeInteger(o?.amount_fen) || o.amount_fen <= 0 || o.amount_fen > MAX_FEN) p.add(`outside[${i}].amount_fen`, '金额应为正整数（分），不超过 100 万元', 'a positive whole number of fen, at most 1,000,000 yuan');
      if (!isIsoDate(o?.paid_on) || !o.paid_on.startsWith(`${year}-`)) p.add(`outside[${i}].paid_on`, `支付日期应为 ${year} 年内的 yyyy-mm-dd`, `paid_on is a yyyy-mm-dd day of ${year}`);
      if (!Array.isArray(o?.materials) || o.materials.length === 0 || o.materials.some((m) => !m?.kind?.trim() || !m?.ref?.trim())) {
        p.add(`outside[${i}].materials`, '院外费用须附发票等材料（kind、ref）', 'an amount paid outside needs its materials (kind, ref)');
      }
    });
  }
  if (p.count === 0 && setlIds.length === 0 && outside.length === 0) p.add('setl_ids', '请至少选择一笔结算或填写一笔院外费用', 'name at least one settlement or one amount paid outside');
  if (input.reason != null && (typeof input.reason !== 'string' || input.reason.length > 2000)) p.add('reason', '申请理由不超过 2000 字', 'the reason is at most 2000 characters');
  p.throwIfAny();
  return { setl_ids: setlIds.map((s) => s.trim()), outside: outside.map((o) => ({ description: o.description.trim(), amount_fen: o.amount_fen, paid_on: o.paid_on, materials: o.materials.map((m) => ({ kind: m.kind.trim(), ref: m.ref.trim() })) })) };
}

/** Which channel an actor applies through: the person online, staff at a window, a grid worker (or agent) by proxy. */
function channelOf(actor: Actor): AssistanceChannel {
  if (actor.type === 'person') return 'online';
  if (actor.type === 'staff') return 'window';
  if (actor.type === 'grid_worker' || actor.type === 'agent') return 'proxy';
  if (actor.type === 'system') return 'system';
  throw forbidden('actor', '医疗机构不能申请医疗救助', 'a hospital does not apply for medical assistance');
}

async function nextNo(c: Queryable, region: string, today: IsoDate): Promise<string> {
  return `${region}YJ${compactDate(today)}${String(await nextApplicationSerial(c)).padStart(8, '0')}`;
}

/**
 * Opens a medical-assistance application inside the caller's transaction (the one-window
 * flow links its item application to the number returned). The person must be of an eligible
 * identity group today; the settlements named must be the person's, of the year, settled and
 * claimed by no other live application; an amount paid outside needs its materials. A grid
 * worker needs the person's active consent. Nothing is computed from client-sent amounts: the
 * review computes the amount from the stored settlements. Audited with both persons.
 */
export async function applyForAssistance(c: Queryable, now: Date, actor: Actor, input: AssistanceApplicationInput): Promise<AppliedAssistance> {
  const today = chinaDate(now);
  const year = input.year ?? Number(today.slice(0, 4));
  if (!Number.isInteger(year) || year < 2000 || year > Number(today.slice(0, 4))) throw invalid('year', '救助年度应为今年或以前的年度', 'year must be this year or an earlier one');
  const form = checkForm(input, year);
  const channel = channelOf(actor);
  const person = await findPerson(c, { psn_no: input.psn_no, certno: input.certno }, true);
  if (actor.type === 'person' && actor.id !== person.psn_no) throw forbidden('psn_no', '只能为本人申请', 'a person applies for themselves only');
  let consentRef: string | null = null;
  if (channel === 'proxy') {
    const consent = await activeConsent(c, actor.id, person.psn_no, today);
    if (!consent || (input.consent_ref !== undefined && input.consent_ref !== consent)) throw forbidden('consent', '该居民未授权您代办', 'this person has not consented to you acting for them');
    consentRef = consent;
  }
  const region = await poolingRegionOf(c, person.insuplc_admdvs);
  const rules = await assistanceRulesFor(c, region, year);
  const groups = await groupsOn(c, person.psn_no, today);
  if (!groupFor(rules, groups)) {
    throw conflict('psn_no', `${person.psn_name} 不属于本统筹区医疗救助对象（特困、低保、低保边缘、返贫致贫等身份）`, `${person.psn_no} is of no eligible identity group for medical assistance in ${region}`);
  }
  if (form.setl_ids.length > 0) {
    const owners = await settlementOwners(c, form.setl_ids);
    const p = new Problems();
    form.setl_ids.forEach((id, i) => {
      const s = owners.get(id);
      if (!s || s.psn_no !== person.psn_no) p.add(`setl_ids[${i}]`, `结算 ${id} 不是本人的结算`, `settlement ${id} is not this person's`);
      else if (s.kind !== 'settle' || s.status !== 'settled') p.add(`setl_ids[${i}]`, `结算 ${id} 已撤销`, `settlement ${id} is cancelled`);
      else if (s.setl_year !== year) p.add(`setl_ids[${i}]`, `结算 ${id} 不属于 ${year} 年度`, `settlement ${id} is not of ${year}`);
    });
    p.throwIfAny();
  }
  const calendar = await loadCalendar(c, region);
  const no = await nextNo(c, region, today);
  const dueOn = addWorkingDays(calendar, today, rules.clocks.total_days);
  const kase = await openCase(c, now, actor, {
    kind: 'medical_assistance', number: no, region, psnNo: person.psn_no, to: 'pending_review', comment: input.reason ?? null,
    evidence: form.outside.flatMap((o) => o.materials.map((m) => ({ kind: m.kind, ref: m.ref, description: o.description }))),
    clock: clockOf(rules, calendar),
  });
  const assistanceForm: AssistanceForm = { setl_ids: form.setl_ids, outside: form.outside, reason: input.reason ?? null };
  await insertApplication(c, {
    case_id: kase.id, application_no: no, type: 'assistance', psn_no: person.psn_no, region, year, channel, applicant: actorLabel(actor),
    proxy_username: channel === 'proxy' ? actor.id : null, consent_ref: consentRef, form: assistanceForm, rules_id: rules.rules_id, rules_version: rules.version, submitted_at: now, due_on: dueOn,
  });
  const taken = await claimSettlements(c, no, form.setl_ids);
  if (taken) throw conflict(`setl_ids[${form.setl_ids.indexOf(taken)}]`, `结算 ${taken} 已在另一笔救助申请中`, `settlement ${taken} is claimed by another assistance application`);
  await writeAudit(c, { actor: actorLabel(actor), now }, 'medical_assistance.apply', `medical_assistance:${no}`, {
    psn_no: person.psn_no, channel, proxy: channel === 'proxy' ? actor.id : null, consent_ref: consentRef, setl_ids: form.setl_ids, outside_fen: form.outside.reduce((a, o) => a + o.amount_fen, 0), due_on: dueOn,
  });
  await notify(c, now, person, {
    subject: `medical_assistance:${no}`,
    title: { zh: '医疗救助申请已受理', en: 'Medical-assistance application received' },
    body: { zh: `救助申请 ${no} 已受理，将于 ${dueOn} 前办结。`, en: `Application ${no} is received and will be completed by ${dueOn}.` },
  });
  return { application_no: no, case_id: kase.id, state: kase.state, psn_no: person.psn_no, region, year, channel, due_on: dueOn, step_due_on: kase.due_on };
}

/** The REST route's wrapper: one transaction. */
export async function applyForAssistanceNow(pool: Pool, now: Date, actor: Actor, input: AssistanceApplicationInput): Promise<AppliedAssistance> {
  return inTransaction(pool, (c) => applyForAssistance(c, now, actor, input));
}

export interface ApplicationView extends ApplicationRow {
  objections: ObjectionRow[];
  events: { at: Date; actor: string; move: string; from_state: string | null; to_state: string; comment: string | null }[];
}

export async function applicationView(q: Queryable, no: string): Promise<ApplicationView> {
  const a = await findApplication(q, no);
  if (!a) throw notFound(FIELD, `救助申请 ${no} 不存在`, `no assistance application ${no}`);
  return { ...a, objections: await objectionsOf(q, no), events: await caseEvents(q, a.case_id) };
}

export async function listAssistance(q: Queryable, f: Parameters<typeof listApplications>[1]): Promise<ApplicationRow[]> {
  return listApplications(q, f);
}

async function lockApplication(c: Queryable, no: string): Promise<ApplicationRow> {
  const a = await findApplication(c, no, true);
  if (!a) throw notFound(FIELD, `救助申请 ${no} 不存在`, `no assistance application ${no}`);
  return a;
}

/** What the review computes for an application now, from the stored settlements (never from amounts a client sent). */
async function compute(c: Queryable, a: ApplicationRow, rules: AssistanceRules, today: IsoDate, outsideAccepted: readonly number[]): Promise<{ explanation: AssistanceExplanation; deductible: number }> {
  const groups = await groupsOn(c, a.psn_no, today);
  const year = await yearAssistance(c, a.psn_no, a.year, a.application_no);
  if (a.type === 'reassistance') {
    const explanation = computeReassistance(rules, { groups, settlements: await settlementBurdens(c, a.psn_no, a.year), applications_paid_fen: year.applications_fen, reassistance_paid_fen: year.reassistance_fen });
    return { explanation, deductible: 0 };
  }
  const settlements = a.form.setl_ids.length > 0 ? await settlementBurdens(c, a.psn_no, a.year, a.form.setl_ids) : [];
  const explanation = computeAssistance(rules, {
    groups, settlements, outside: a.form.outside.map((o, i) => ({ description: o.description, accepted_fen: outsideAccepted[i] ?? 0 })),
    year_paid_fen: year.settlement_maf_fen + year.applications_fen, deductible_used_fen: year.deductible_used_fen,
  });
  return { explanation, deductible: explanation.lines.find((l) => l.step === 'deductible')?.amount_fen ?? 0 };
}

/** The amount the review would compute today, without moving anything (the staff page shows it before deciding). */
export async function previewAmount(q: Queryable, now: Date, no: string): Promise<AssistanceExplanation> {
  const a = await findApplication(q, no);
  if (!a) throw notFound(FIELD, `救助申请 ${no} 不存在`, `no assistance application ${no}`);
  const rules = await assistanceRulesFor(q, a.region, a.year);
  return (await compute(q, a, rules, chinaDate(now), a.form.outside.map((o) => o.amount_fen))).explanation;
}

export interface ReviewInput {
  decision: 'approve' | 'reject';
  reason?: string | null | undefined;
  /** Per outside line, the amount the reviewer accepts from its materials (at most what was declared); absent: none. */
  outside_accepted_fen?: number[] | undefined;
}

/** The review: approve (the amount computed and explained; the public notice starts) or reject (the settlements released). */
export async function reviewApplication(pool: Pool, now: Date, actor: Actor, no: string, input: ReviewInput): Promise<ApplicationView> {
  if (input.decision !== 'approve' && input.decision !== 'reject') throw invalid('decision', '审核结论应为 approve 或 reject', "decision must be 'approve' or 'reject'");
  if (input.decision === 'reject' && !input.reason?.trim()) throw invalid('reason', '不予通过须说明理由', 'a rejection needs its reason');
  return inTransaction(pool, async (c) => {
    const a = await lockApplication(c, no);
    const kase = await getCase(c, 'medical_assistance', no, FIELD, true);
    planMove('medical_assistance', kase.state, input.decision, actor);
    const today = chinaDate(now);
    const rules = await assistanceRulesFor(c, a.region, a.year);
    const calendar = await loadCalendar(c, a.region);
    if (input.decision === 'reject') {
      await moveCase(c, now, actor, kase, 'reject', { comment: input.reason! });
      await writeDecisionReason(c, no, input.reason!.trim(), actorLabel(actor), now);
      await releaseSettlements(c, no);
      await writeAudit(c, { actor: actorLabel(actor), now }, 'medical_assistance.reject', `medical_assistance:${no}`, { psn_no: a.psn_no, reason: input.reason });
      return applicationView(c, no);
    }
    const accepted = input.outside_accepted_fen ?? [];
    const p = new Problems();
    if (!Array.isArray(accepted) || accepted.length > a.form.outside.length) p.add('outside_accepted_fen', `院外费用认定金额最多 ${a.form.outside.length} 项`, `at most ${a.form.outside.length} accepted amounts, one per outside line`);
    else accepted.forEach((v, i) => {
      if (!Number.isSafeInteger(v) || v < 0 || v > a.form.outside[i]!.amount_fen) p.add(`outside_accepted_fen[${i}]`, `认定金额应为 0 至申报金额 ${a.form.outside[i]!.amount_fen} 分`, `between 0 and the declared ${a.form.outside[i]!.amount_fen} fen`);
    });
    p.throwIfAny();
    const { explanation, deductible } = await compute(c, a, rules, today, accepted);
    if (explanation.amount_fen === 0) throw conflict(FIELD, '按规则计算的救助金额为 0，请不予通过并说明理由', 'the rules give 0: reject it with the reason instead');
    const moved = await moveCase(c, now, actor, kase, 'approve', { comment: input.reason ?? null, clock: clockOf(rules, calendar) });
    await writeReview(c, no, { computed_fen: explanation.amount_fen, deductible_fen: deductible, explanation, by: actorLabel(actor), at: now, notice_starts_on: today, notice_ends_on: moved.case.due_on, reason: input.reason ?? null });
    await writeAudit(c, { actor: actorLabel(actor), now }, 'medical_assistance.approve', `medical_assistance:${no}`, { psn_no: a.psn_no, computed_fen: explanation.amount_fen, notice_ends_on: moved.case.due_on });
    return applicationView(c, no);
  });
}

export interface ObjectionInput {
  objector: string;
  contact?: string | null | undefined;
  reason: string;
}

/** An objection during the notice: recorded, and the application stops for the objection review (nothing is paid meanwhile). */
export async function objectToApplication(pool: Pool, now: Date, actor: Actor, no: string, input: ObjectionInput): Promise<ApplicationView> {
  const p = new Problems();
  if (typeof input.objector !== 'string' || !input.objector.trim() || input.objector.length > 200) p.add('objector', '请填写异议人（不超过 200 字）', 'name the objector (at most 200 characters)');
  if (typeof input.reason !== 'string' || !input.reason.trim() || input.reason.length > 2000) p.add('reason', '请填写异议理由（不超过 2000 字）', 'give the objection\'s reason (at most 2000 characters)');
  if (input.contact != null && (typeof input.contact !== 'string' || input.contact.length > 100)) p.add('contact', '联系方式不超过 100 字', 'contact is at most 100 characters');
  p.throwIfAny();
  return inTransaction(pool, async (c) => {
    const a = await lockApplication(c, no);
    const kase = await getCase(c, 'medical_assistance', no, FIELD, true);
    planMove('medical_assistance', kase.state, 'object', actor);
    if (a.notice_ends_on !== null && chinaDate(now) > a.notice_ends_on) throw conflict(FIELD, `公示期已于 ${a.notice_ends_on} 结束`, `the notice ended on ${a.notice_ends_on}`);
    const rules = await assistanceRulesFor(c, a.region, a.year);
    const calendar = await loadCalendar(c, a.region);
    const o = await insertObjection(c, { application_no: no, at: now, recorded_by: actorLabel(actor), objector: input.objector.trim(), contact: input.contact?.trim() || null, reason: input.reason.trim() });
    await moveCase(c, now, actor, kase, 'object', { comment: `异议 #${o.id}：${o.reason}`, clock: clockOf(rules, calendar) });
    await writeAudit(c, { actor: actorLabel(actor), now }, 'medical_assistance.object', `medical_assistance:${no}`, { psn_no: a.psn_no, objection_id: o.id, objector: o.objector });
    return applicationView(c, no);
  });
}

/**
 * The objection review: upheld, the application is rejected (its settlements released);
 * dismissed, it returns to what is left of its notice, or goes on to payment when the notice
 * is over.
 */
export async function resolveObjection(pool: Pool, now: Date, actor: Actor, no: string, input: { resolution: 'upheld' | 'dismissed'; reason: string }): Promise<ApplicationView> {
  if (input.resolution !== 'upheld' && input.resolution !== 'dismissed') throw invalid('resolution', '复核结论应为 upheld 或 dismissed', "resolution must be 'upheld' or 'dismissed'");
  if (typeof input.reason !== 'string' || !input.reason.trim()) throw invalid('reason', '请说明复核理由', 'give the review\'s reason');
  return inTransaction(pool, async (c) => {
    const a = await lockApplication(c, no);
    const kase = await getCase(c, 'medical_assistance', no, FIELD, true);
    const move = input.resolution === 'upheld' ? 'uphold_objection' : 'dismiss_objection';
    planMove('medical_assistance', kase.state, move, actor);
    const today = chinaDate(now);
    const rules = await assistanceRulesFor(c, a.region, a.year);
    const calendar = await loadCalendar(c, a.region);
    await resolveObjections(c, no, { resolution: input.resolution, reason: input.reason.trim(), by: actorLabel(actor), at: now });
    if (input.resolution === 'upheld') {
      await moveCase(c, now, actor, kase, move, { comment: input.reason });
      await writeDecisionReason(c, no, `异议成立：${input.reason.trim()}`, actorLabel(actor), now);
      await releaseSettlements(c, no);
    } else {
      const noticeLeft = a.notice_ends_on !== null && today <= a.notice_ends_on;
      if (noticeLeft) {
        await moveCase(c, now, actor, kase, move, { to: 'public_notice', comment: input.reason, clock: clockOf(rules, calendar, workingDaysBetween(calendar, today, a.notice_ends_on!)) });
      } else {
        await moveCase(c, now, actor, kase, move, { to: 'approved', comment: input.reason, clock: clockOf(rules, calendar) });
      }
    }
    await writeAudit(c, { actor: actorLabel(actor), now }, `medical_assistance.objection_${input.resolution}`, `medical_assistance:${no}`, { psn_no: a.psn_no, reason: input.reason });
    return applicationView(c, no);
  });
}

/**
 * Pays an approved application from the assistance fund to the person, once: the application
 * row and the person are locked, a paid one is returned as it is, the amount is cut to what
 * the yearly cap leaves now, and the transfer's key is the application's number, so a retry or
 * a concurrent second payment posts nothing more.
 */
async function payLocked(c: Queryable, now: Date, actor: Actor, no: string): Promise<{ paid: boolean }> {
  const a = await lockApplication(c, no);
  if (a.state === 'paid') return { paid: false };
  const kase = await getCase(c, 'medical_assistance', no, FIELD, true);
  planMove('medical_assistance', kase.state, 'pay', actor);
  await lockPerson(c, a.psn_no);
  const rules = await assistanceRulesFor(c, a.region, a.year);
  const year = await yearAssistance(c, a.psn_no, a.year, no);
  const approved = a.computed_fen ?? 0;
  let cap: number;
  let paidBefore: number;
  if (a.type === 'reassistance') {
    cap = rules.reassistance?.annual_cap_fen ?? 0;
    paidBefore = year.reassistance_fen;
  } else {
    cap = rules.groups.find((g) => g.identity === a.explanation?.identity)?.annual_cap_fen ?? 0;
    paidBefore = year.settlement_maf_fen + year.applications_fen;
  }
  const { pay_fen, cut_fen } = payableNow(approved, cap, paidBefore);
  const explanation: AssistanceExplanation = {
    ...a.explanation!,
    lines: [
      ...(a.explanation?.lines ?? []),
      ...(cut_fen > 0 ? [{ step: 'cut_at_payment', zh: `支付时年度限额仅余 ${(pay_fen / 100).toFixed(2)} 元，核减 ${(cut_fen / 100).toFixed(2)} 元`, en: `at payment the yearly cap left ${pay_fen} fen: ${cut_fen} fen cut`, rule: '', amount_fen: cut_fen }] : []),
      { step: 'paid', zh: '实际支付', en: 'paid', rule: '', amount_fen: pay_fen },
    ],
  };
  let transferId: number | null = null;
  const payee = `psn_cash:${a.psn_no}`;
  if (pay_fen > 0) {
    const t = checkTransfer({
      kind: 'assistance_payment', key: `assistance_payment:${no}`, cause: { kind: 'medical_assistance', id: no },
      legs: [{ debit: payee, credit: fundAccount(a.region, '610100'), amount: pay_fen }], reverses: null, memo: a.type === 'reassistance' ? '再救助' : '医疗救助',
    });
    transferId = (await postTransfer(c, t, now)).id;
  }
  await moveCase(c, now, actor, kase, 'pay', { comment: `支付 ${(pay_fen / 100).toFixed(2)} 元${cut_fen > 0 ? `（限额核减 ${(cut_fen / 100).toFixed(2)} 元）` : ''}` });
  await writePaid(c, no, { paid_fen: pay_fen, transfer_id: transferId, at: now, payee: pay_fen > 0 ? payee : null, explanation });
  await writeAudit(c, { actor: actorLabel(actor), now }, 'medical_assistance.pay', `medical_assistance:${no}`, { psn_no: a.psn_no, paid_fen: pay_fen, cut_fen, transfer_id: transferId });
  const person = await findPerson(c, { psn_no: a.psn_no });
  await notify(c, now, person, {
    subject: `medical_assistance:${no}:paid`,
    title: { zh: '医疗救助金已支付', en: 'Medical assistance paid' },
    body: { zh: `救助申请 ${no} 已支付 ${(pay_fen / 100).toFixed(2)} 元。`, en: `Application ${no}: ${(pay_fen / 100).toFixed(2)} yuan paid.` },
  });
  return { paid: true };
}

export async function payApplication(pool: Pool, now: Date, actor: Actor, no: string): Promise<ApplicationView & { replayed: boolean }> {
  return inTransaction(pool, async (c) => {
    const r = await payLocked(c, now, actor, no);
    return { ...(await applicationView(c, no)), replayed: !r.paid };
  });
}

/**
 * The notice pass: every application whose notice ended before `asOf` without an open
 * objection (an objection has moved it out of public_notice) is approved and paid at once.
 * Rerun, it finds nothing more to do.
 */
export async function endNoticesAndPay(pool: Pool, now: Date, actor: Actor, asOf: IsoDate, regions?: readonly string[]): Promise<{ application_no: string; paid_fen: number }[]> {
  if (!isIsoDate(asOf)) throw invalid('as_of', '日期应为 yyyy-mm-dd', 'as_of must be yyyy-mm-dd');
  const out: { application_no: string; paid_fen: number }[] = [];
  for (const no of await noticesEnded(pool, asOf, regions)) {
    await inTransaction(pool, async (c) => {
      const a = await lockApplication(c, no);
      if (a.state !== 'public_notice' || a.notice_ends_on === null || a.notice_ends_on >= asOf) return; // moved meanwhile
      const kase = await getCase(c, 'medical_assistance', no, FIELD, true);
      const rules = await assistanceRulesFor(c, a.region, a.year);
      await moveCase(c, now, actor, kase, 'end_notice', { comment: `公示期满（${a.notice_starts_on} 至 ${a.notice_ends_on}），无异议`, clock: clockOf(rules, await loadCalendar(c, a.region)) });
      await writeAudit(c, { actor: actorLabel(actor), now }, 'medical_assistance.end_notice', `medical_assistance:${no}`, { psn_no: a.psn_no, notice_ends_on: a.notice_ends_on });
      await payLocked(c, now, actor, no);
      out.push({ application_no: no, paid_fen: (await findApplication(c, no))!.paid_fen ?? 0 });
    });
  }
  return out;
}

// ---- re-assistance (再救助 / 倾斜救助) ------------------------------------------------------

export interface ReassistanceProposal {
  application_no: string;
  psn_no: string;
  psn_name: string;
  burden_fen: number;
  amount_fen: number;
}

/**
 * Scans a pooling region's year: each person whose burden after all layers (the settlements'
 * remaining burden less the assistance paid on application) is above the rules' threshold and
 * who is of re-assistance's groups gets a proposed case (state `proposed`, opened by the
 * system) for staff to confirm or dismiss. A person proposed once for the year is never
 * proposed again (a unique index), so a rerun proposes nothing twice.
 */
export async function scanReassistance(pool: Pool, now: Date, by: Actor, region: string, year: number): Promise<{ scanned: number; proposed: ReassistanceProposal[]; already: number }> {
  if (!/^[0-9]{6}$/.test(region)) throw invalid('admdvs', '统筹区应为 6 位代码', 'admdvs must be a 6-digit code');
  if (!Number.isInteger(year) || year < 2000 || year > 2100) throw invalid('year', '年度无效', 'invalid year');
  const rules = await assistanceRulesFor(pool, region, year);
  const ra = rules.reassistance;
  if (!ra) throw conflict('admdvs', `${region} ${year} 年度规则未设再救助`, `the ${year} rules of ${region} have no re-assistance`);
  const system: Actor = { type: 'system', id: 'reassistance-scan' };
  const today = chinaDate(now);
  const candidates = await heavyBurdens(pool, region, year, ra.burden_threshold_fen + 1);
  const proposed: ReassistanceProposal[] = [];
  let already = 0;
  for (const psnNo of candidates) {
    await inTransaction(pool, async (c) => {
      await lockPerson(c, psnNo);
      const exists = await c.query(`SELECT 1 FROM medical_assistance_applications WHERE psn_no = $1 AND year = $2 AND type = 'reassistance'`, [psnNo, year]);
      if (exists.rowCount) { already++; return; }
      const groups = await groupsOn(c, psnNo, today);
      if (!reassistanceApplies(rules, groups)) return;
      const ya = await yearAssistance(c, psnNo, year);
      const explanation = computeReassistance(rules, { groups, settlements: await settlementBurdens(c, psnNo, year), applications_paid_fen: ya.applications_fen, reassistance_paid_fen: ya.reassistance_fen });
      if (explanation.amount_fen <= 0) return;
      const calendar = await loadCalendar(c, region);
      const no = await nextNo(c, region, today);
      const kase = await openCase(c, now, system, { kind: 'medical_assistance', number: no, region, psnNo, to: 'proposed', comment: `再救助扫描：年度负担 ${(explanation.burden_fen / 100).toFixed(2)} 元`, clock: clockOf(rules, calendar) });
      await insertApplication(c, {
        case_id: kase.id, application_no: no, type: 'reassistance', psn_no: psnNo, region, year, channel: 'system', applicant: actorLabel(by), proxy_username: null, consent_ref: null,
        form: { setl_ids: [], outside: [], reason: null, proposed: { burden_fen: explanation.burden_fen, amount_fen: explanation.amount_fen } },
        rules_id: rules.rules_id, rules_version: rules.version, submitted_at: now, due_on: addWorkingDays(calendar, today, rules.clocks.total_days), explanation,
      });
      await writeAudit(c, { actor: actorLabel(by), now }, 'medical_assistance.propose', `medical_assistance:${no}`, { psn_no: psnNo, burden_fen: explanation.burden_fen, amount_fen: explanation.amount_fen });
      const person = await findPerson(c, { psn_no: psnNo });
      proposed.push({ application_no: no, psn_no: psnNo, psn_name: person.psn_name, burden_fen: explanation.burden_fen, amount_fen: explanation.amount_fen });
    });
  }
  return { scanned: candidates.length, proposed, already };
}

/** Staff confirm a proposal (it goes to review, its whole path counted from today) or dismiss it with a reason. */
export async function decideProposal(pool: Pool, now: Date, actor: Actor, no: string, input: { decision: 'confirm' | 'dismiss'; reason?: string | null | undefined }): Promise<ApplicationView> {
  if (input.decision !== 'confirm' && input.decision !== 'dismiss') throw invalid('decision', '应为 confirm 或 dismiss', "decision must be 'confirm' or 'dismiss'");
  if (input.decision === 'dismiss' && !input.reason?.trim()) throw invalid('reason', '不予立项须说明理由', 'a dismissal needs its reason');
  return inTransaction(pool, async (c) => {
    const a = await lockApplication(c, no);
    const kase = await getCase(c, 'medical_assistance', no, FIELD, true);
    planMove('medical_assistance', kase.state, input.decision, actor);
    const rules = await assistanceRulesFor(c, a.region, a.year);
    const calendar = await loadCalendar(c, a.region);
    await moveCase(c, now, actor, kase, input.decision, { comment: input.reason ?? null, clock: clockOf(rules, calendar) });
    if (input.decision === 'confirm') {
      const due = addWorkingDays(calendar, chinaDate(now), rules.clocks.total_days);
      await c.query(`UPDATE medical_assistance_applications SET due_on = $2 WHERE application_no = $1`, [no, due]);
      await writeExplanation(c, no, (await compute(c, a, rules, chinaDate(now), [])).explanation);
    } else {
      await writeDecisionReason(c, no, input.reason!.trim(), actorLabel(actor), now);
    }
    await writeAudit(c, { actor: actorLabel(actor), now }, `medical_assistance.${input.decision}`, `medical_assistance:${no}`, { psn_no: a.psn_no, reason: input.reason ?? null });
    return applicationView(c, no);
  });
}

// ---- contribution subsidies (资助参保) -----------------------------------------------------

export interface SubsidyReport {
  admdvs: string;
  year: number;
  applied: boolean;
  rules: { rules_id: string; version: number };
  persons: number;
  total_fen: number;
  by_group: { identity: string; share_bp: number; persons: number; fen: number }[];
  /** Already subsidised for the year (a contribution paid by assistance, or an earlier run). */
  already: number;
  items: { psn_no: string; psn_name: string; identity: string; amount_fen: number }[];
}

/**
 * The subsidy run of a pooling region and year: each person of a subsidised group (identity in
 * force on `asOf`, resident enrollment covering the year) gets the group's share of the
 * resident contribution, recorded as a contribution paid by `assistance` and posted as one
 * transfer from the assistance fund into the residents' fund (through the assistance
 * contributor account, which nets to zero). Preview writes nothing; apply is idempotent per
 * person and year (assistance_subsidies UNIQUE, the transfer's key).
 */
export async function runSubsidies(pool: Pool, now: Date, actor: Actor, input: { admdvs: string; year: number; apply: boolean; as_of?: string | undefined }): Promise<SubsidyReport> {
  if (!/^[0-9]{6}$/.test(input.admdvs)) throw invalid('admdvs', '统筹区应为 6 位代码', 'admdvs must be a 6-digit code');
  if (!Number.isInteger(input.year) || input.year < 2000 || input.year > 2100) throw invalid('year', '年度无效', 'invalid year');
  if (input.as_of !== undefined && !isIsoDate(input.as_of)) throw invalid('as_of', '日期应为 yyyy-mm-dd', 'as_of must be yyyy-mm-dd');
  const asOf = input.as_of ?? chinaDate(now);
  const work = async (c: Queryable): Promise<SubsidyReport> => {
    const rules = await assistanceRulesFor(c, input.admdvs, input.year);
    if (input.apply) await lockSubsidyRun(c, input.admdvs, input.year);
    const groups = new Map<string, { identity: string; share_bp: number; persons: number; fen: number }>();
    const items: SubsidyReport['items'] = [];
    let already = 0;
    for (const cand of await subsidyCandidates(c, input.admdvs, input.year, asOf)) {
      const s = subsidyFor(rules, identityGroupsOf(cand.idet_types));
      if (!s || s.amount_fen <= 0) continue;
      if (cand.already) { already++; continue; }
      if (input.apply) {
        const contribution = await contribute(c, { psn_no: cand.psn_no, year: input.year, amount_fen: s.amount_fen, payer: 'assistance', insutype: '390', paid_on: asOf }, { actor: actorLabel(actor), now });
        // contribute() posted contributor:assistance → the fund; the assistance fund pays the contributor account
        const t = checkTransfer({
          kind: 'contribution', key: `assistance_subsidy:${cand.psn_no}:${input.year}`, cause: { kind: 'contribution', id: String(contribution.id) },
          legs: [{ debit: `contributor:${input.admdvs}:assistance`, credit: fundAccount(input.admdvs, '610100'), amount: s.amount_fen }], reverses: null, memo: `资助参保 ${s.identity} ${s.share_bp / 100}%`,
        });
        const posted = await postTransfer(c, t, now);
        const inserted = await insertSubsidy(c, {
          psn_no: cand.psn_no, year: input.year, region: input.admdvs, identity: s.identity, share_bp: s.share_bp, amount_fen: s.amount_fen,
          rules_id: rules.rules_id, rules_version: rules.version, contribution_id: contribution.id, transfer_id: posted.id, at: now, by: actorLabel(actor),
        });
        if (!inserted) throw conflict('year', `${cand.psn_no} ${input.year} 年度已资助参保`, `${cand.psn_no} is subsidised for ${input.year} already`);
        await writeAudit(c, { actor: actorLabel(actor), now }, 'assistance_subsidy.apply', cand.psn_no, { year: input.year, identity: s.identity, share_bp: s.share_bp, amount_fen: s.amount_fen, contribution_id: contribution.id, transfer_id: posted.id });
      }
      const g = groups.get(s.identity) ?? { identity: s.identity, share_bp: s.share_bp, persons: 0, fen: 0 };
      g.persons++;
      g.fen += s.amount_fen;
      groups.set(s.identity, g);
      items.push({ psn_no: cand.psn_no, psn_name: cand.psn_name, identity: s.identity, amount_fen: s.amount_fen });
    }
    const byGroup = [...groups.values()].sort((a, b) => a.identity.localeCompare(b.identity));
    return {
      admdvs: input.admdvs, year: input.year, applied: input.apply, rules: { rules_id: rules.rules_id, version: rules.version },
      persons: items.length, total_fen: items.reduce((a, i) => a + i.amount_fen, 0), by_group: byGroup, already, items,
    };
  };
  return inTransaction(pool, work);
}
