import type { FastifyPluginAsync } from 'fastify';
import { addWorkingDays, chinaDate, workingDaysBetween } from '../../engine/calendar.ts';
import { invalid } from '../../engine/errors.ts';
import { isCode } from '../../engine/codes.ts';
import { assertKind, FILER_TYPES, type FilerType } from '../../engine/filing-rules.ts';
import type { AgreementClauseKind } from '../../engine/eligibility.ts';
import type { AppDeps } from '../deps.ts';
import { actorOfRequest, scoped, scopedPerson, staffRegions } from '../auth/hook.ts';
import type { FastifyRequest } from 'fastify';
import { createAgreement } from '../../app/cooperation/agreements.ts';
import { deleteCalendarDay, setCalendarDay } from '../../app/cooperation/calendar.ts';
import { escalateOverdue, sendReminders } from '../../app/cooperation/cases.ts';
import { changeFilingPolicy } from '../../app/cooperation/filing-policy.ts';
import { changeFiling, checkCommitment, createFiling, filingQueue, reviewFiling, revokeFiling, type FilingChange, type FilingInput } from '../../app/cooperation/filings.ts';
import {
  applyRecognition,
  recognitionReviewQueue,
  renewRecognition,
  reviewRecognition,
  revokeRecognition,
  upsertDisease,
  upsertSeparatelyPaidDrug,
  type RecognitionInput,
} from '../../app/cooperation/recognitions.ts';
import { getAgreement, listAgreements } from '../../store/cooperation/agreements.ts';
import { listCalendarDays, loadCalendar } from '../../store/cooperation/calendar.ts';
import { loadFilingPolicy } from '../../store/cooperation/common.ts';
import { checkEligibility, type EligibilityQuery } from '../../app/cooperation/eligibility.ts';
import { filingDetail, filingsOf } from '../../store/cooperation/filings.ts';
import { inbox, markRead } from '../../store/cooperation/notifications.ts';
import { markStaffMessageRead, staffInbox } from '../../store/cooperation/staff-messages.ts';
import { getRecognition, listDiseases, recognitionsOf } from '../../store/cooperation/recognitions.ts';
import { Type } from 'typebox';
import { FilingModel, FilingQueueItemModel, NotificationModel, StaffMessageModel, RecognitionModel, RecognitionQueueItemModel } from './models.ts';
import { arr, body, bool, date, evidenceList, obj, optDate, optStr, str, strings, type Json } from './cooperation-input.ts';

// REST routes for filing, chronic-disease recognition, agreements, calendars, eligibility and
// the inbox, under /api/v1. Thin: read the input, call the use case (src/app/cooperation/) or a
// store read, answer. The person, filing or
// recognition a route acts on is the one the auth hook loaded and checked (req.scope).

type Params = Record<string, string>;

/** Who an application is for: psn_no or certno (at least one). */
function applicant(o: Json): { psn_no?: string; certno?: string } {
  const psn_no = optStr(o, 'psn_no');
  const certno = optStr(o, 'certno');
  if (!psn_no && !certno) throw invalid('psn_no', '须提供 psn_no 或 certno', 'psn_no or certno is required');
  return { ...(psn_no ? { psn_no } : {}), ...(certno ? { certno } : {}) };
}

/** Who files: the `filer` object, by default the person themselves. */
function filerOf(o: Json): { filer: Json; type: FilerType } {
  const filer = obj(o.filer ?? { type: 'person', id: o.psn_no ?? o.certno ?? '' }, 'filer');
  const type = str(filer, 'type', 'filer.');
  if (!isCode(FILER_TYPES, type)) throw invalid('filer.type', '办理人类型无效', 'unknown filer type');
  return { filer, type };
}

/** An application for the person the hook checked, whichever of psn_no and certno the body used. */
function forScopedPerson<T extends { psn_no?: string; certno?: string }>(req: FastifyRequest, input: T): T {
  const { certno: _certno, ...rest } = input;
  return { ...rest, psn_no: scopedPerson(req).psn_no } as T;
}

export function filingInput(o: Json): FilingInput {
  const { filer, type: filerType } = filerOf(o);
  return {
    ...applicant(o),
    kind: assertKind(o.kind),
    mdtrtarea_admdvs: str(o, 'mdtrtarea_admdvs'),
    begndate: date(o, 'begndate'),
    enddate: optDate(o, 'enddate'),
    filer: { type: filerType, id: str(filer, 'id', 'filer.'), name: optStr(filer, 'name', 'filer.') ?? null, consent_ref: optStr(filer, 'consent_ref', 'filer.') ?? null },
    commitment: bool(o, 'commitment', false),
    evidence: evidenceList(o),
    fixmedins_code: optStr(o, 'fixmedins_code') ?? null,
    referring_fixmedins_code: optStr(o, 'referring_fixmedins_code') ?? null,
    diag_code: optStr(o, 'diag_code') ?? null,
    diag_name: optStr(o, 'diag_name') ?? null,
    reason: optStr(o, 'reason') ?? null,
    mdtrt_id: optStr(o, 'mdtrt_id') ?? null,
    tel: optStr(o, 'tel') ?? null,
    addr: optStr(o, 'addr') ?? null,
  };
}

export function recognitionInput(o: Json): RecognitionInput {
  return {
    ...applicant(o),
    opsp_dise_code: str(o, 'opsp_dise_code'),
    ...identification(o),
  };
}

/** The hospital's identification of a disease: what an application and a renewal both carry. */
function identification(o: Json): Omit<RecognitionInput, 'psn_no' | 'certno' | 'opsp_dise_code'> {
  const { filer, type: filerType } = filerOf(o);
  return {
    diag_code: str(o, 'diag_code'),
    ide_fixmedins_code: str(o, 'ide_fixmedins_code'),
    diag_dr_codg: str(o, 'diag_dr_codg'),
    diag_dr_name: str(o, 'diag_dr_name'),
    hosp_ide_date: date(o, 'hosp_ide_date'),
    resp_dr_codg: optStr(o, 'resp_dr_codg') ?? null,
    resp_dr_name: optStr(o, 'resp_dr_name') ?? null,
    begndate: optDate(o, 'begndate'),
    filer: { type: filerType, id: str(filer, 'id', 'filer.'), consent_ref: optStr(filer, 'consent_ref', 'filer.') ?? null },
    evidence: evidenceList(o),
  };
}

function eligibilityQuery(o: Json): EligibilityQuery {
  const q: EligibilityQuery = {
    fixmedins_code: str(o, 'fixmedins_code'),
    med_type: str(o, 'med_type'),
    begndate: date(o, 'begndate'),
  };
  for (const f of ['psn_no', 'certno', 'insutype', 'diag_code', 'drug_code', 'dr_codg'] as const) {
    const v = optStr(o, f);
    if (v) q[f] = v;
  }
  const end = optDate(o, 'enddate');
  if (end) q.enddate = end;
  if (bool(o, 'emergency_flag', false)) q.emergency_flag = true;
  return q;
}

/**
 * A person or grid worker files as themself (the session says who, not the body); staff at a
 * window record who brought the application, as the body says.
 */
function withSessionFiler<T extends { filer: FilingInput['filer'] }>(req: FastifyRequest, input: T): T {
  const p = req.principal;
  if (p?.kind === 'person') return { ...input, filer: { type: 'person', id: p.psn_no, name: p.psn_name, consent_ref: null } };
  if (p?.kind === 'staff' && p.role === 'grid_worker') return { ...input, filer: { type: 'grid_worker', id: p.username, name: p.display_name, consent_ref: req.consentRef ?? null } };
  return input;
}

/**
 * Each queue item (already limited in SQL to the insured regions the staff member serves) with
 * the working days left before its deadline on the insured region's calendar (negative:
 * overdue by so many).
 */
async function withWorkingDaysLeft<T extends { insuplc_admdvs: string; due?: string; review_due?: string | null }>(
  pool: AppDeps['pool'], asOf: string, mine: T[],
): Promise<(T & { working_days_left: number | null })[]> {
  const calendars = new Map<string, Awaited<ReturnType<typeof loadCalendar>>>();
  const out: (T & { working_days_left: number | null })[] = [];
  for (const item of mine) {
    const due = item.due ?? item.review_due ?? null;
    let cal = calendars.get(item.insuplc_admdvs);
    if (!cal) calendars.set(item.insuplc_admdvs, (cal = await loadCalendar(pool, item.insuplc_admdvs)));
    const left = due === null ? null : due >= asOf ? workingDaysBetween(cal, asOf, due) : -workingDaysBetween(cal, due, asOf);
    out.push({ ...item, working_days_left: left });
  }
  return out;
}

/** The cooperation routes as a plugin; app.ts mounts it under /api/v1 like the registry's. */
export function cooperationRoutes(deps: AppDeps): FastifyPluginAsync {
  return async (app) => {
    const { pool } = deps;
    const today = (): string => chinaDate(deps.now());

    // ---- filings ----
    app.post('/filings', { schema: { tags: ['cooperation'], summary: '申请异地就医备案 / file for care elsewhere', response: { 201: FilingModel } } }, async (req, reply) => reply.status(201).send(await createFiling(pool, deps.now(), withSessionFiler(req, forScopedPerson(req, filingInput(body(req.body)))))));
    app.get('/filings', { schema: { tags: ['cooperation'], summary: '某人的备案 / a person\'s filings', response: { 200: Type.Object({ filings: Type.Array(FilingModel) }) } } }, async (req) => ({ filings: await filingsOf(pool, scopedPerson(req).psn_no) }));
    app.get('/filings/queue', { schema: { tags: ['cooperation'], summary: '备案待办 / the filing review queue', response: { 200: Type.Object({ as_of: Type.String(), items: Type.Array(FilingQueueItemModel) }) } } }, async (req) => {
      const q = req.query as Json;
      const asOf = optStr(q, 'as_of') ?? today();
      return { as_of: asOf, items: await withWorkingDaysLeft(pool, asOf, await filingQueue(pool, asOf, { insuplc: optStr(q, 'insuplc_admdvs'), regions: staffRegions(req) })) };
    });
    app.post('/filings/escalate', async (req) => {
      const b = body(req.body);
      return { escalated: await escalateOverdue(pool, deps.now(), actorOfRequest(req), optDate(b, 'as_of') ?? today(), staffRegions(req)) };
    });
    // The reminder pass (a scheduler calls it daily): each open case near its deadline tells its person once.
    app.post('/cases/remind', async (req) => {
      const b = body(req.body);
      return { reminded: await sendReminders(pool, deps.now(), optDate(b, 'as_of') ?? today(), staffRegions(req)) };
    });
    app.get('/filings/:filing_no', async (req) => filingDetail(pool, scoped(req, 'filing_no')));
    app.post('/filings/:filing_no/review', async (req) => {
      const b = body(req.body);
      const decision = str(b, 'decision') as 'approve' | 'reject';
      return reviewFiling(pool, deps.now(), actorOfRequest(req), scoped(req, 'filing_no'), { decision, reason: optStr(b, 'reason') ?? null });
    });
    app.post('/filings/:filing_no/revoke', async (req) => {
      const b = body(req.body);
      return revokeFiling(pool, deps.now(), actorOfRequest(req), scoped(req, 'filing_no'), optStr(b, 'reason') ?? null);
    });
    app.post('/filings/:filing_no/change', async (req, reply) => {
      const b = body(req.body);
      const change: FilingChange = {};
      if (b.kind !== undefined) change.kind = assertKind(b.kind);
      const dest = optStr(b, 'mdtrtarea_admdvs');
      if (dest) change.mdtrtarea_admdvs = dest;
      const begn = optDate(b, 'begndate');
      if (begn) change.begndate = begn;
      if (b.enddate !== undefined) change.enddate = optDate(b, 'enddate');
      if (b.evidence !== undefined) change.evidence = evidenceList(b);
      if (b.commitment !== undefined) change.commitment = bool(b, 'commitment', false);
      change.reason = optStr(b, 'reason') ?? null;
      change.override_reason = optStr(b, 'override_reason') ?? null;
      return reply.status(201).send(await changeFiling(pool, deps.now(), actorOfRequest(req), scoped(req, 'filing_no'), change));
    });
    app.post('/filings/:filing_no/commitment-check', async (req) => {
      const b = body(req.body);
      return checkCommitment(pool, deps.now(), actorOfRequest(req), scoped(req, 'filing_no'), str(b, 'result') as 'verified' | 'failed', optStr(b, 'reason') ?? null);
    });
    app.get('/filing-policies/:admdvs', async (req) => loadFilingPolicy(pool, (req.params as Params).admdvs!));
    app.put('/filing-policies/:admdvs', async (req) => {
      const b = body(req.body);
      const flag = (f: string): boolean | undefined => (b[f] === undefined || b[f] === null || b[f] === '' ? undefined : bool(b, f, false));
      return changeFilingPolicy(pool, deps.now(), actorOfRequest(req), (req.params as Params).admdvs!, {
        in_province_unfiled_allowed: flag('in_province_unfiled_allowed'),
        cross_province_unfiled_allowed: flag('cross_province_unfiled_allowed'),
        counts: {
          temporary_validity_months: b.temporary_validity_months,
          long_term_change_after_months: b.long_term_change_after_months,
          review_days_in_province: b.review_days_in_province,
          review_days_cross_province: b.review_days_cross_province,
          commitment_check_days: b.commitment_check_days,
        },
      });
    });

    // ---- calendars ----
    app.get('/calendars/:admdvs/:year', async (req) => {
      const { admdvs, year } = req.params as Params;
      if (!/^\d{4}$/.test(year!) || Number(year) < 1900 || Number(year) > 2100) throw invalid('year', '年份应为 1900-2100 的 4 位数字', 'year must be 4 digits, 1900-2100');
      return listCalendarDays(pool, admdvs!, Number(year));
    });
    app.put('/calendars/:admdvs/days/:day', async (req) => {
      const b = body(req.body);
      const { admdvs, day } = req.params as Params;
      const kind = str(b, 'kind') as 'holiday' | 'workday';
      await setCalendarDay(pool, deps.now(), actorOfRequest(req), admdvs!, { day: day!, kind, name: str(b, 'name') });
      return { admdvs, day, kind, name: b.name };
    });
    app.delete('/calendars/:admdvs/days/:day', async (req) => {
      const { admdvs, day } = req.params as Params;
      await deleteCalendarDay(pool, deps.now(), actorOfRequest(req), admdvs!, day!);
      return { deleted: true };
    });
    app.get('/calendars/:admdvs/working-days', async (req) => {
      const { admdvs } = req.params as Params;
      const q = req.query as Json;
      const from = date(q, 'from');
      const days = Number(str(q, 'days'));
      if (!Number.isInteger(days) || days < 0 || days > 366) throw invalid('days', 'days 应为 0-366 的整数', 'days must be an integer 0-366');
      return { from, days, due: addWorkingDays(await loadCalendar(pool, admdvs!), from, days) };
    });

    // ---- chronic diseases, recognitions, separately paid drugs ----
    app.get('/chronic-diseases/:list_admdvs', async (req) => ({ diseases: await listDiseases(pool, (req.params as Params).list_admdvs!) }));
    app.put('/chronic-diseases/:list_admdvs/:code', async (req) => {
      const b = body(req.body);
      const { list_admdvs, code } = req.params as Params;
      const vm = b.validity_months;
      await upsertDisease(pool, deps.now(), actorOfRequest(req), {
        list_admdvs: list_admdvs!,
        code: code!,
        name: str(b, 'name'),
        icd10_ranges: strings(b, 'icd10_ranges', true),
        validity_months: vm === undefined || vm === null ? null : (vm as number),
        valid_from: date(b, 'valid_from'),
        valid_to: optDate(b, 'valid_to'),
        note: optStr(b, 'note') ?? null,
      });
      return { diseases: await listDiseases(pool, list_admdvs!) };
    });
    app.post('/recognitions', { schema: { tags: ['cooperation'], summary: '申请慢特病认定 / apply for a chronic-disease recognition', response: { 201: RecognitionModel } } }, async (req, reply) => reply.status(201).send(await applyRecognition(pool, deps.now(), withSessionFiler(req, forScopedPerson(req, recognitionInput(body(req.body)))))));
    app.get('/recognitions', { schema: { tags: ['cooperation'], summary: '某人的慢特病认定 / a person\'s recognitions', response: { 200: Type.Object({ recognitions: Type.Array(RecognitionModel) }) } } }, async (req) => ({ recognitions: await recognitionsOf(pool, scopedPerson(req).psn_no) }));
    app.get('/recognitions/queue', { schema: { tags: ['cooperation'], summary: '认定待办 / the recognition review queue', response: { 200: Type.Object({ as_of: Type.String(), items: Type.Array(RecognitionQueueItemModel) }) } } }, async (req) => {
      const q = req.query as Json;
      const asOf = optStr(q, 'as_of') ?? today();
      return { as_of: asOf, items: await withWorkingDaysLeft(pool, asOf, await recognitionReviewQueue(pool, asOf, { insuplc: optStr(q, 'insuplc_admdvs'), regions: staffRegions(req) })) };
    });
    app.get('/recognitions/:no', async (req) => getRecognition(pool, scoped(req, 'recognition_no')));
    app.post('/recognitions/:no/review', async (req) => {
      const b = body(req.body);
      return reviewRecognition(pool, deps.now(), actorOfRequest(req), scoped(req, 'recognition_no'), str(b, 'decision') as 'approve' | 'reject', optStr(b, 'reason') ?? null);
    });
    app.post('/recognitions/:no/revoke', async (req) => {
      const b = body(req.body);
      return revokeRecognition(pool, deps.now(), actorOfRequest(req), scoped(req, 'recognition_no'), optStr(b, 'reason') ?? null);
    });
    app.post('/recognitions/:no/renew', async (req, reply) => {
      const b = body(req.body);
      return reply.status(201).send(await renewRecognition(pool, deps.now(), scoped(req, 'recognition_no'), identification(b)));
    });
    app.put('/separately-paid-drugs/:admdvs/:drug_code', async (req) => {
      const b = body(req.body);
      const { admdvs, drug_code } = req.params as Params;
      const input = { admdvs: admdvs!, drug_code: drug_code!, drug_name: str(b, 'drug_name'), icd10_ranges: strings(b, 'icd10_ranges', true), dispensers: strings(b, 'dispensers', true) };
      await upsertSeparatelyPaidDrug(pool, deps.now(), actorOfRequest(req), input);
      return input;
    });

    // ---- agreements ----
    app.post('/agreements', async (req, reply) => {
      const b = body(req.body);
      const clauses = arr(b, 'clauses').map((x, i) => {
        const c = obj(x, `clauses/${i}`);
        return {
          kind: str(c, 'kind', `clauses/${i}/`) as AgreementClauseKind,
          begndate: optDate(c, 'begndate', `clauses/${i}/`),
          enddate: optDate(c, 'enddate', `clauses/${i}/`),
          params: c.params === undefined ? {} : obj(c.params, `clauses/${i}/params`),
        };
      });
      const created = await createAgreement(pool, deps.now(), actorOfRequest(req), {
        agreement_no: str(b, 'agreement_no'),
        name: str(b, 'name'),
        signed_on: optDate(b, 'signed_on'),
        begndate: date(b, 'begndate'),
        enddate: optDate(b, 'enddate'),
        members: strings(b, 'members', true),
        clauses,
        extra_diseases: arr(b, 'extra_diseases').map((x, i) => {
          const d = obj(x, `extra_diseases/${i}`);
          return { code: str(d, 'code', `extra_diseases/${i}/`), name: str(d, 'name', `extra_diseases/${i}/`), icd10_ranges: strings(d, 'icd10_ranges', true) };
        }),
        pooling_pharmacies: arr(b, 'pooling_pharmacies').map((x, i) => {
          const ph = obj(x, `pooling_pharmacies/${i}`);
          return { county_admdvs: str(ph, 'county_admdvs', `pooling_pharmacies/${i}/`), fixmedins_code: str(ph, 'fixmedins_code', `pooling_pharmacies/${i}/`) };
        }),
      });
      return reply.status(201).send(created);
    });
    app.get('/agreements', async (req) => ({ agreements: await listAgreements(pool, optStr(req.query as Json, 'member')) }));
    app.get('/agreements/:agreement_no', async (req) => getAgreement(pool, (req.params as Params).agreement_no!));

    // ---- eligibility ----
    app.get('/eligibility', async (req) => checkEligibility(pool, { ...eligibilityQuery(req.query as Json), person: scopedPerson(req) }));
    app.post('/eligibility', async (req) => checkEligibility(pool, { ...eligibilityQuery(body(req.body)), person: scopedPerson(req) }));

    // ---- inbox ----
    app.get('/inbox/:psn_no', { schema: { tags: ['cooperation'], summary: '站内消息 / in-app messages', response: { 200: Type.Object({ notifications: Type.Array(NotificationModel) }) } } }, async (req) => ({ notifications: await inbox(pool, scopedPerson(req).psn_no) }));
    app.post('/inbox/:psn_no/:id/read', async (req) => {
      const { id } = req.params as Params;
      if (!/^\d{1,15}$/.test(id!)) throw invalid('id', 'id 应为数字', 'id must be a number');
      if (!(await markRead(pool, scopedPerson(req).psn_no, Number(id), deps.now()))) throw invalid('id', '查无此消息', 'no such message');
      return { read: true };
    });
    app.get('/staff-inbox', { schema: { tags: ['cooperation'], summary: '经办机构消息 / messages to the bureaus the caller covers', response: { 200: Type.Object({ messages: Type.Array(StaffMessageModel) }) } } }, async (req) => ({
      messages: await staffInbox(pool, staffRegions(req) ?? ['000000']),
    }));
    app.post('/staff-inbox/:id/read', async (req) => {
      await markStaffMessageRead(pool, scoped(req, 'message_id'), actorOfRequest(req).id, deps.now());
      return { read: true };
    });
  };
}
