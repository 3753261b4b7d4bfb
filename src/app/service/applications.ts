import { chinaDate, type IsoDate } from '../../engine/calendar.ts';
import { CASE_MACHINE } from '../../engine/cases.ts';
import { conflict, forbidden, invalid, notFound, YibaoError } from '../../engine/errors.ts';
import { channelRefusal, checkRating, missingMaterials, POOR_RATING, unknownMaterials, type Channel, type ServiceItem } from '../../engine/service-items.ts';
import { actorLabel, writeAudit, type Actor } from '../../store/audit.ts';
import { caseEvents, getCase, type CaseEventRow } from '../../store/cooperation/cases.ts';
import { loadCalendar } from '../../store/cooperation/calendar.ts';
import { compactDate, findPerson, poolingRegionOf } from '../../store/cooperation/common.ts';
import { notify } from '../../store/cooperation/notifications.ts';
import { sendStaffMessage } from '../../store/cooperation/staff-messages.ts';
import { inTransaction, type Pool, type Queryable } from '../../store/db.ts';
import {
  addMaterials, findConsent, followUpOf, getApplication, insertApplication, insertFollowUp, insertRating, linkApplication, materialsOf,
  nextApplicationSerial, nextFollowUpSerial, ratingOf, writeConsentWithdrawn, writeFollowUpAnswer,
  type ApplicationRow, type FollowUpRow, type MaterialRow, type RatingRow,
} from '../../store/service/applications.ts';
import { openCase } from '../cooperation/case-moves.ts';
import { moveCaseOnly } from '../cooperation/case-moves.ts';
import { stepApplication } from './application-moves.ts';
import { itemOf } from './catalogue.ts';
import { LINKED_OPENERS } from './linked.ts';
import { followLinkedApplication } from './linked-sync.ts';

// One-window applications (一窗受理 · 一次告知 · 一单办结): an application of a catalogue item,
// by the person online, by a clerk at a window (identity checked) or by a grid worker with the
// person's consent (代办, proxy items only); received → in process → completed or refused on
// the case machine, the deadline the item's promised working days on the handling region's
// calendar; rated once when it ends (好差评), a poor rating followed up (回访整改).

export interface ApplicationInput {
  psn_no: string;
  item_code: string;
  form: Record<string, unknown>;
  materials: { code: string; ref: string }[];
  /** At a window: the certificate the clerk checked. */
  identity_checked?: { cert_type: string; certno: string } | null;
  /** For a grid worker: the consent the auth hook found. */
  consent_ref?: string | null;
}

const SYSTEM: Actor = { type: 'system', id: 'one-window' };

/** The channel is who applies: the person online, staff at a window, a grid worker by proxy. */
export function channelOf(actor: Actor): Channel {
  if (actor.type === 'person') return 'online';
  if (actor.type === 'grid_worker') return 'proxy';
  if (actor.type === 'staff') return 'window';
  throw forbidden('principal', '只有本人、窗口经办人员或网格员可以申请', 'only the person, a window clerk or a grid worker may apply');
}

function checkMaterials(item: ServiceItem, materials: readonly { code: string; ref: string }[]): void {
  const codes = materials.map((m) => m.code);
  const unknown = unknownMaterials(item, codes);
  if (unknown.length > 0) throw invalid('materials', `事项“${item.name.zh}”不需要材料：${unknown.join('、')}`, `item ${item.code} lists no material ${unknown.join(', ')}`);
  const missing = missingMaterials(item, codes);
  if (missing.length > 0) {
    throw invalid('materials', `缺少材料：${missing.map((m) => m.name.zh).join('、')}`, `missing material: ${missing.map((m) => m.code).join(', ')}`);
  }
  for (const m of materials) if (!m.ref.trim()) throw invalid('materials', `材料 ${m.code} 缺少文件`, `material ${m.code} needs a file reference`);
}

async function submitIn(c: Queryable, now: Date, actor: Actor, input: ApplicationInput): Promise<ApplicationRow> {
  const channel = channelOf(actor);
  const person = await findPerson(c, { psn_no: input.psn_no }, true);
  const region = await poolingRegionOf(c, person.insuplc_admdvs);
  const { item, from } = await itemOf(c, region, input.item_code);
  const refused = channelRefusal(item, channel);
  if (refused) throw channel === 'proxy' ? forbidden('item_code', refused.zh, refused.en) : invalid('item_code', refused.zh, refused.en);
  let identity: ApplicationRow['identity_checked'] = null;
  if (channel === 'window') {
    const id = input.identity_checked;
    if (!id || !id.cert_type?.trim() || !id.certno?.trim()) throw invalid('identity_checked', '窗口受理须记录核验的身份证件（cert_type、certno）', 'a window application records the certificate checked (cert_type, certno)');
    if (id.certno.trim().toUpperCase() !== person.certno.toUpperCase()) throw invalid('identity_checked.certno', '核验的证件号码与申请人不符', 'the certificate checked is not the applicant\'s');
    identity = { cert_type: id.cert_type.trim(), certno: id.certno.trim().toUpperCase() };
  }
  if (channel === 'proxy' && !input.consent_ref) throw forbidden('consent', '该居民未授权您代办', 'this person has not consented to you acting for them');
  checkMaterials(item, input.materials);

  const today = chinaDate(now);
  const calendar = await loadCalendar(c, region);
  const applicationNo = `${region}SQ${compactDate(today)}${String(await nextApplicationSerial(c)).padStart(8, '0')}`;
  const kase = await openCase(c, now, actor, {
    kind: 'one_window', number: applicationNo, region, psnNo: person.psn_no, to: 'received', comment: `${item.name.zh} / ${item.code}`,
    clock: { calendar, facts: { home: region, dest: null, timeLimitDays: item.time_limit_working_days } },
  });
  let app = await insertApplication(c, {
    application_no: applicationNo, case_id: kase.id, item_code: item.code, item_doc_id: from.doc_id, item_version: from.version, psn_no: person.psn_no, region,
    channel, received_by: actorLabel(actor), grid_worker: channel === 'proxy' ? actor.id : null, consent_ref: channel === 'proxy' ? input.consent_ref! : null,
    identity_checked: identity, form: input.form, time_limit_days: item.time_limit_working_days, promised_on: kase.due_on!, status: 'received', due_on: kase.due_on, submitted_at: now,
  });
  await addMaterials(c, app.id, now, actorLabel(actor), input.materials);
  await writeAudit(c, { actor: actorLabel(actor), now }, 'application.submit', `application:${applicationNo}`, {
    psn_no: person.psn_no, item_code: item.code, channel, promised_on: app.promised_on, materials: input.materials.map((m) => m.code),
    ...(channel === 'proxy' ? { grid_worker: actor.id, consent_ref: input.consent_ref } : {}), ...(identity ? { identity_checked: identity } : {}),
  });
  await notify(c, now, person, {
    subject: `application:${applicationNo}`,
    title: { zh: '办事申请已受理', en: 'Application received' },
    body: { zh: `“${item.name.zh}”申请 ${applicationNo} 已受理，承诺于 ${app.promised_on} 前办结。`, en: `Application ${applicationNo} (${item.name.en}) was received and is promised by ${app.promised_on}.` },
  });
  if (item.linked) {
    const open = LINKED_OPENERS[item.linked];
    if (!open) throw invalid('item_code', `事项“${item.name.zh}”暂不能在线办理`, `item ${item.code} cannot be handled here yet`);
    const linkedNo = await open(c, now, { actor, person, form: input.form, materials: input.materials, consentRef: input.consent_ref ?? null });
    await linkApplication(c, app.id, item.linked, linkedNo);
    app = { ...app, linked_kind: item.linked, linked_no: linkedNo };
    // the review case is the handling: accepted at once, and done at once if the review is (告知承诺)
    app = await stepApplication(c, now, SYSTEM, app, 'accept', { comment: `${item.linked} ${linkedNo}` });
    const review = await getCase(c, item.linked, linkedNo, 'linked_no');
    app = (await followLinkedApplication(c, now, review, null)) ?? app;
  }
  return app;
}

/**
 * Receives an application. A refusal of a grid worker's proxy (no consent, a non-proxy item)
 * is audited with both persons even though nothing else is written.
 */
export async function submitApplication(pool: Pool, now: Date, actor: Actor, input: ApplicationInput): Promise<ApplicationRow> {
  try {
    return await inTransaction(pool, (c) => submitIn(c, now, actor, input));
  } catch (err) {
    if (actor.type === 'grid_worker' && err instanceof YibaoError) await auditProxyRefusal(pool, now, actor, input.psn_no, input.item_code, err);
    throw err;
  }
}

export async function auditProxyRefusal(q: Queryable, now: Date, actor: Actor, psnNo: string, item: string | null, err: YibaoError): Promise<void> {
  await writeAudit(q, { actor: actorLabel(actor), now }, 'application.proxy_refused', `person:${psnNo}`, { grid_worker: actor.id, psn_no: psnNo, item_code: item, refusal: err.details[0] ?? null });
}

/** A clerk's or the applicant's move: accept, complete, refuse (with reasons), cancel. */
export async function moveApplication(pool: Pool, now: Date, actor: Actor, no: string, move: 'accept' | 'complete' | 'refuse' | 'cancel', opts: { reasons?: string[] | null; comment?: string | null }): Promise<ApplicationRow> {
  if (move === 'refuse') {
    const reasons = (opts.reasons ?? []).map((r) => r.trim()).filter(Boolean);
    if (reasons.length === 0) throw invalid('reasons', '不予办理须说明理由', 'a refusal needs its reasons');
    opts = { ...opts, reasons };
  }
  try {
    return await inTransaction(pool, async (c) => {
      const app = await getApplication(c, no, true);
      if (app.linked_kind && actor.type !== 'system') {
        throw conflict('application_no', `该申请随${app.linked_kind === 'filing_review' ? '备案' : app.linked_kind === 'recognition_review' ? '认定' : '审核'} ${app.linked_no} 的审核办结，请在审核中办理`, `the application follows ${app.linked_kind} ${app.linked_no}: decide it there`);
      }
      return stepApplication(c, now, actor, app, move, opts);
    });
  } catch (err) {
    if (actor.type === 'grid_worker' && err instanceof YibaoError && err.kind === 'forbidden') await auditProxyRefusal(pool, now, actor, (await getApplication(pool, no)).psn_no, null, err);
    throw err;
  }
}

/** Materials brought later (补正), while the application is open; codes from the item's list. */
export async function attachMaterials(pool: Pool, now: Date, actor: Actor, no: string, materials: { code: string; ref: string }[]): Promise<MaterialRow[]> {
  if (materials.length === 0) throw invalid('materials', '请至少附一项材料', 'attach at least one material');
  return inTransaction(pool, async (c) => {
    const app = await getApplication(c, no, true);
    if (app.due_on === null) throw conflict('application_no', '申请已结束，不能再补充材料', 'the application has ended: no more materials');
    const { item } = await itemOf(c, app.region, app.item_code);
    const unknown = unknownMaterials(item, materials.map((m) => m.code));
    if (unknown.length > 0) throw invalid('materials', `事项“${item.name.zh}”不需要材料：${unknown.join('、')}`, `item ${item.code} lists no material ${unknown.join(', ')}`);
    await addMaterials(c, app.id, now, actorLabel(actor), materials);
    await writeAudit(c, { actor: actorLabel(actor), now }, 'application.materials', `application:${no}`, { psn_no: app.psn_no, materials: materials.map((m) => m.code), ...(actor.type === 'grid_worker' ? { grid_worker: actor.id } : {}) });
    return materialsOf(c, app.id);
  });
}

export interface ApplicationDetail extends ApplicationRow {
  item_name: { zh: string; en: string } | null;
  state_name: { zh: string; en: string };
  overdue: boolean;
  escalation_level: number;
  events: CaseEventRow[];
  materials: MaterialRow[];
  rating: RatingRow | null;
  follow_up: (FollowUpRow & { state: string; due_on: IsoDate | null }) | null;
}

export async function applicationDetail(q: Queryable, no: string, asOf: IsoDate): Promise<ApplicationDetail> {
  const app = await getApplication(q, no);
  const kase = await getCase(q, 'one_window', no, 'application_no');
  let itemName: ApplicationDetail['item_name'] = null;
  try {
    itemName = (await itemOf(q, app.region, app.item_code)).item.name;
  } catch {
    itemName = null; // an item a later catalogue dropped keeps its applications
  }
  const fu = await followUpOf(q, app.id);
  const fuCase = fu ? await getCase(q, 'rating_follow_up', fu.follow_up_no, 'follow_up_no') : undefined;
  return {
    ...app,
    item_name: itemName,
    state_name: CASE_MACHINE.one_window.states[app.status] ?? { zh: app.status, en: app.status },
    overdue: app.due_on !== null && asOf > app.due_on,
    escalation_level: kase.escalation_level,
    events: await caseEvents(q, kase.id),
    materials: await materialsOf(q, app.id),
    rating: (await ratingOf(q, app.id)) ?? null,
    follow_up: fu && fuCase ? { ...fu, state: fuCase.state, due_on: fuCase.due_on } : null,
  };
}

/** 好差评: once per ended application, by the person or their consenting grid worker; a poor score opens a follow-up. */
export async function rateApplication(pool: Pool, now: Date, actor: Actor, no: string, r: { score: unknown; reasons?: unknown; comment?: unknown }): Promise<RatingRow> {
  const rating = checkRating(r.score, r.reasons, r.comment);
  if (actor.type !== 'person' && actor.type !== 'grid_worker') throw forbidden('principal', '评价由申请人本人（或经授权的网格员）作出', 'the applicant (or their consenting grid worker) rates');
  return inTransaction(pool, async (c) => {
    const app = await getApplication(c, no, true);
    if (app.status !== 'completed' && app.status !== 'refused') throw conflict('application_no', '申请办结后方可评价', 'an application is rated once it has ended');
    const stored = await insertRating(c, app.id, { ...rating, rated_at: now, rated_by: actorLabel(actor) });
    if (!stored) throw conflict('application_no', '该申请已评价，评价只能作出一次', 'the application is rated already: a rating is accepted once');
    await writeAudit(c, { actor: actorLabel(actor), now }, 'application.rate', `application:${no}`, { psn_no: app.psn_no, score: rating.score, reasons: rating.reasons, ...(actor.type === 'grid_worker' ? { grid_worker: actor.id } : {}) });
    if (rating.score <= POOR_RATING) {
      const today = chinaDate(now);
      const followUpNo = `${app.region}HF${compactDate(today)}${String(await nextFollowUpSerial(c)).padStart(8, '0')}`;
      const kase = await openCase(c, now, SYSTEM, {
        kind: 'rating_follow_up', number: followUpNo, region: app.region, psnNo: app.psn_no, to: 'open', comment: `差评 ${rating.score} / poor rating of ${no}`,
        clock: { calendar: await loadCalendar(c, app.region), facts: { home: app.region, dest: null } },
      });
      await insertFollowUp(c, { follow_up_no: followUpNo, case_id: kase.id, application_id: app.id });
      await sendStaffMessage(c, now, [app.region], {
        subject: `rating_follow_up:${followUpNo}:open`,
        title: { zh: '差评待回访整改', en: 'Poor rating to follow up' },
        body: { zh: `申请 ${no} 获评 ${rating.score} 分，请于 ${kase.due_on} 前回访整改。`, en: `Application ${no} was rated ${rating.score}; follow it up by ${kase.due_on}.` },
        urgent: false,
      });
      await writeAudit(c, { actor: actorLabel(SYSTEM), now }, 'rating_follow_up.open', `rating_follow_up:${followUpNo}`, { application_no: no, score: rating.score, due_on: kase.due_on });
    }
    return (await ratingOf(c, app.id))!;
  });
}

/** Staff answer a poor rating's follow-up (回访整改): the answer recorded, the follow-up closed, the person told. */
export async function answerFollowUp(pool: Pool, now: Date, actor: Actor, no: string, answer: string): Promise<FollowUpRow> {
  const text = answer.trim();
  if (!text) throw invalid('answer', '回访答复不能为空', 'the answer must not be empty');
  if (text.length > 2000) throw invalid('answer', '回访答复不超过 2000 字', 'the answer is at most 2000 characters');
  return inTransaction(pool, async (c) => {
    const app = await getApplication(c, no, true);
    const fu = await followUpOf(c, app.id, true);
    if (!fu) throw notFound('follow_up_no', '该申请没有待回访的差评', 'the application has no follow-up');
    const kase = await getCase(c, 'rating_follow_up', fu.follow_up_no, 'follow_up_no', true);
    await moveCaseOnly(c, now, actor, kase, 'answer', { comment: text });
    await writeFollowUpAnswer(c, fu.follow_up_no, text, now, actorLabel(actor));
    await writeAudit(c, { actor: actorLabel(actor), now }, 'rating_follow_up.answer', `rating_follow_up:${fu.follow_up_no}`, { application_no: no, psn_no: app.psn_no, on_time: kase.due_on !== null && chinaDate(now) <= kase.due_on });
    await notify(c, now, await findPerson(c, { psn_no: app.psn_no }), {
      subject: `rating_follow_up:${fu.follow_up_no}`,
      title: { zh: '您的评价已回访', en: 'Your rating was followed up' },
      body: { zh: `关于申请 ${no}：${text}`, en: `About application ${no}: ${text}` },
    });
    return (await followUpOf(c, app.id))!;
  });
}

/** Withdraws a grid worker's consent from today: the next proxy request is refused. */
export async function withdrawConsent(pool: Pool, now: Date, actor: Actor, consentRef: string): Promise<{ consent_ref: string; username: string; psn_no: string; revoked_on: IsoDate }> {
  return inTransaction(pool, async (c) => {
    const consent = await findConsent(c, consentRef, true);
    if (!consent) throw notFound('consent_ref', '查无此授权', 'no such consent');
    const today = chinaDate(now);
    if (consent.revoked_on !== null && consent.revoked_on <= today) throw conflict('consent_ref', '该授权已撤回', 'the consent is withdrawn already');
    await writeConsentWithdrawn(c, consentRef, today, actorLabel(actor));
    await writeAudit(c, { actor: actorLabel(actor), now }, 'grid.consent_withdraw', `consent:${consentRef}`, { psn_no: consent.psn_no, grid_worker: consent.username, revoked_on: today });
    return { consent_ref: consentRef, username: consent.username, psn_no: consent.psn_no, revoked_on: today };
  });
}
