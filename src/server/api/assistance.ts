import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import {
  applicationView, applyForAssistanceNow, decideProposal, endNoticesAndPay, listAssistance, objectToApplication, payApplication, previewAmount,
  resolveObjection, reviewApplication, runSubsidies, scanReassistance, type ApplicationView,
} from '../../app/service/assistance.ts';
import { chinaDate } from '../../engine/calendar.ts';
import { CASE_MACHINE, isOverdue, moversOf } from '../../engine/cases.ts';
import type { Actor } from '../../store/audit.ts';
import type { ApplicationRow } from '../../store/assistance.ts';
import type { AppDeps } from '../deps.ts';
import { actorOfRequest, scoped, scopedPerson, staffRegions } from '../auth/hook.ts';
import { useBilingualValidation } from './common.ts';
import { AssistanceAppliedModel, AssistanceApplicationModel, AssistanceApplicationRowModel, AssistanceExplanationModel, ReassistanceScanModel, SubsidyReportModel } from './models.ts';

// Medical assistance on application over REST (docs/service-network.md, "Medical assistance"):
// apply (the person, a clerk, a consenting grid worker), the person's list and the staff queue,
// one application with its explanation to the fen and the moves the caller may make, the
// review, the objections of the notice and their review, the payment, the notice pass (ends
// the notices that ran out and pays), the re-assistance scan and its proposals, the contribution
// subsidies. The auth hook has loaded the application and checked it is the caller's.

const ErrorBody = Type.Object({
  error: Type.String(), message: Type.String({ description: '中文 / English' }),
  details: Type.Optional(Type.Array(Type.Object({ field: Type.String(), zh: Type.String(), en: Type.String() }))),
});
const errors = { 400: ErrorBody, 403: ErrorBody, 404: ErrorBody, 409: ErrorBody };
const No = Type.String({ pattern: '^[0-9]{6}YJ[0-9]{16}$', description: 'pooling region + YJ + yyyymmdd + serial' });
const Region = Type.String({ pattern: '^[0-9]{6}$' });
const Year = Type.Integer({ minimum: 2000, maximum: 2100 });

const row = (a: ApplicationRow, today: string) => ({
  application_no: a.application_no, type: a.type, psn_no: a.psn_no, psn_name: a.psn_name, region: a.region, year: a.year, channel: a.channel, applicant: a.applicant,
  proxy_username: a.proxy_username, consent_ref: a.consent_ref, state: a.state, state_name: { zh: CASE_MACHINE.medical_assistance.states[a.state]?.zh ?? a.state, en: CASE_MACHINE.medical_assistance.states[a.state]?.en ?? a.state },
  submitted_at: a.submitted_at, due_on: a.due_on, step_due_on: a.step_due_on, overdue: isOverdue(a.step_due_on, today) || (a.step_due_on !== null && isOverdue(a.due_on, today)),
  escalation_level: a.escalation_level, computed_fen: a.computed_fen, paid_fen: a.paid_fen, notice_starts_on: a.notice_starts_on, notice_ends_on: a.notice_ends_on,
});

/** The moves the machine lets this caller make from the application's state. */
function movesOf(actor: Actor, state: string): string[] {
  const movers = moversOf(actor);
  return [...new Set(CASE_MACHINE.medical_assistance.moves.filter((m) => m.from === state && m.move !== 'escalate' && m.by.some((b) => movers.includes(b))).map((m) => m.move))];
}

const view = (v: ApplicationView, actor: Actor, today: string, extra: { replayed?: boolean } = {}) => ({
  ...row(v, today), form: v.form, rules_id: v.rules_id, rules_version: v.rules_version, deductible_fen: v.deductible_fen, explanation: v.explanation,
  reviewed_by: v.reviewed_by, reviewed_at: v.reviewed_at, payment_transfer: v.payment_transfer, paid_at: v.paid_at, payee_account: v.payee_account, decision_reason: v.decision_reason,
  objections: v.objections, events: v.events, moves: actor.type === 'staff' ? movesOf(actor, v.state) : [], ...extra,
});

const Outside = Type.Object({
  description: Type.String({ minLength: 1, maxLength: 500 }), amount_fen: Type.Integer({ minimum: 1 }), paid_on: Type.String(),
  materials: Type.Array(Type.Object({ kind: Type.String({ minLength: 1 }), ref: Type.String({ minLength: 1 }) }, { additionalProperties: false }), { maxItems: 20 }),
}, { additionalProperties: false });

export function assistanceRoutes(deps: AppDeps): FastifyPluginAsyncTypebox {
  return async (app) => {
    useBilingualValidation(app);
    const { pool } = deps;
    const tags = ['assistance'];
    const today = (): string => chinaDate(deps.now());
    const actor = (req: FastifyRequest): Actor => actorOfRequest(req);

    app.post('/assistance/applications', {
      schema: {
        tags, summary: '申请医疗救助 / apply for medical assistance (the person online, a clerk at the window, a grid worker with consent)',
        body: Type.Object({
          psn_no: Type.Optional(Type.String()), certno: Type.Optional(Type.String()), year: Type.Optional(Year),
          setl_ids: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 40 }), { maxItems: 200 })),
          outside: Type.Optional(Type.Array(Outside, { maxItems: 50 })),
          reason: Type.Optional(Type.Union([Type.String({ maxLength: 2000 }), Type.Null()])),
        }, { additionalProperties: false }),
        response: { 201: AssistanceAppliedModel, ...errors },
      },
    }, async (req, reply) => {
      const person = scopedPerson(req);
      const b = req.body;
      const out = await applyForAssistanceNow(pool, deps.now(), actor(req), {
        psn_no: person.psn_no, year: b.year, setl_ids: b.setl_ids, outside: b.outside, reason: b.reason ?? null, ...(req.consentRef ? { consent_ref: req.consentRef } : {}),
      });
      return reply.code(201).send(out as never);
    });

    app.get('/assistance/applications', {
      schema: {
        tags, summary: '本人的医疗救助申请 / a person\'s assistance applications',
        querystring: Type.Object({ psn_no: Type.Optional(Type.String()), certno: Type.Optional(Type.String()) }),
        response: { 200: Type.Object({ items: Type.Array(AssistanceApplicationRowModel) }), ...errors },
      },
    }, async (req) => {
      const person = scopedPerson(req);
      const rows = await listAssistance(pool, { psn_no: person.psn_no, limit: 200 });
      return { items: rows.map((r) => row(r, today())) } as never;
    });

    app.get('/assistance/queue', {
      schema: {
        tags, summary: '医疗救助办件队列 / the caller\'s regions\' applications, the nearest step deadline first',
        querystring: Type.Object({
          state: Type.Optional(Type.String({ description: 'one state or several, comma-separated' })),
          type: Type.Optional(Type.Union([Type.Literal('assistance'), Type.Literal('reassistance')])),
          limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500 })),
        }),
        response: { 200: Type.Object({ items: Type.Array(AssistanceApplicationRowModel) }), ...errors },
      },
    }, async (req) => {
      const states = req.query.state ? req.query.state.split(',').map((s) => s.trim()).filter(Boolean) : undefined;
      const rows = await listAssistance(pool, { regions: staffRegions(req), states, type: req.query.type, limit: req.query.limit ?? 200 });
      return { items: rows.map((r) => row(r, today())) } as never;
    });

    app.get('/assistance/applications/:application_no', {
      schema: { tags, summary: '救助申请详情及金额说明 / one application with its amount explained to the fen', params: Type.Object({ application_no: No }), response: { 200: AssistanceApplicationModel, ...errors } },
    }, async (req) => view(await applicationView(pool, scoped(req, 'application_no')), actor(req), today()) as never);

    app.get('/assistance/applications/:application_no/preview', {
      schema: { tags, summary: '按规则试算（不写入）/ what the review would compute now, from the stored settlements', params: Type.Object({ application_no: No }), response: { 200: AssistanceExplanationModel, ...errors } },
    }, async (req) => previewAmount(pool, deps.now(), scoped(req, 'application_no')));

    app.post('/assistance/applications/:application_no/review', {
      schema: {
        tags, summary: '审核：通过（计算金额并公示）或不予通过 / review: approve (amount computed, notice starts) or reject',
        params: Type.Object({ application_no: No }),
        body: Type.Object({
          decision: Type.Union([Type.Literal('approve'), Type.Literal('reject')]),
          reason: Type.Optional(Type.Union([Type.String({ maxLength: 2000 }), Type.Null()])),
          outside_accepted_fen: Type.Optional(Type.Array(Type.Integer({ minimum: 0 }), { maxItems: 50, description: 'per outside line, the amount accepted from its materials' })),
        }, { additionalProperties: false }),
        response: { 200: AssistanceApplicationModel, ...errors },
      },
    }, async (req) => view(await reviewApplication(pool, deps.now(), actor(req), scoped(req, 'application_no'), req.body), actor(req), today()) as never);

    app.post('/assistance/applications/:application_no/proposal', {
      schema: {
        tags, summary: '确认或不予立项再救助建议 / confirm or dismiss a re-assistance proposal',
        params: Type.Object({ application_no: No }),
        body: Type.Object({ decision: Type.Union([Type.Literal('confirm'), Type.Literal('dismiss')]), reason: Type.Optional(Type.Union([Type.String({ maxLength: 2000 }), Type.Null()])) }, { additionalProperties: false }),
        response: { 200: AssistanceApplicationModel, ...errors },
      },
    }, async (req) => view(await decideProposal(pool, deps.now(), actor(req), scoped(req, 'application_no'), req.body), actor(req), today()) as never);

    app.post('/assistance/applications/:application_no/objections', {
      schema: {
        tags, summary: '记录公示期异议（暂停支付）/ record an objection raised during the notice (it stops the payment)',
        params: Type.Object({ application_no: No }),
        body: Type.Object({ objector: Type.String({ minLength: 1, maxLength: 200 }), contact: Type.Optional(Type.Union([Type.String({ maxLength: 100 }), Type.Null()])), reason: Type.String({ minLength: 1, maxLength: 2000 }) }, { additionalProperties: false }),
        response: { 200: AssistanceApplicationModel, ...errors },
      },
    }, async (req) => view(await objectToApplication(pool, deps.now(), actor(req), scoped(req, 'application_no'), req.body), actor(req), today()) as never);

    app.post('/assistance/applications/:application_no/objections/resolve', {
      schema: {
        tags, summary: '异议复核：成立（不予救助）或不成立（继续公示或支付）/ the objection review',
        params: Type.Object({ application_no: No }),
        body: Type.Object({ resolution: Type.Union([Type.Literal('upheld'), Type.Literal('dismissed')]), reason: Type.String({ minLength: 1, maxLength: 2000 }) }, { additionalProperties: false }),
        response: { 200: AssistanceApplicationModel, ...errors },
      },
    }, async (req) => view(await resolveObjection(pool, deps.now(), actor(req), scoped(req, 'application_no'), req.body), actor(req), today()) as never);

    app.post('/assistance/applications/:application_no/pay', {
      schema: {
        tags, summary: '支付救助金（一次，限额内）/ pay an approved application, once, within the yearly cap',
        params: Type.Object({ application_no: No }),
        response: { 200: AssistanceApplicationModel, ...errors },
      },
    }, async (req) => {
      const v = await payApplication(pool, deps.now(), actor(req), scoped(req, 'application_no'));
      return view(v, actor(req), today(), { replayed: v.replayed }) as never;
    });

    app.post('/assistance/notice-pass', {
      schema: {
        tags, summary: '公示期满处理：无异议的批准并支付 / end the notices that ran out without an objection and pay them',
        body: Type.Object({ as_of: Type.Optional(Type.String({ description: 'yyyy-mm-dd; default today' })) }, { additionalProperties: false }),
        response: { 200: Type.Object({ items: Type.Array(Type.Object({ application_no: Type.String(), paid_fen: Type.Integer() })) }), ...errors },
      },
    }, async (req) => {
      const who = actor(req);
      // the pass moves as the system; the audit names who started it
      const items = await endNoticesAndPay(pool, deps.now(), { type: 'system', id: `notice-pass:${who.id}` }, req.body.as_of ?? today(), staffRegions(req));
      return { items };
    });

    app.post('/assistance/reassistance-scans', {
      schema: {
        tags, summary: '再救助扫描：年度负担超标准者建议立项 / the re-assistance scan: proposes cases for staff to confirm',
        body: Type.Object({ admdvs: Region, year: Year }, { additionalProperties: false }),
        response: { 200: ReassistanceScanModel, ...errors },
      },
    }, async (req) => scanReassistance(pool, deps.now(), actor(req), scoped(req, 'region'), req.body.year));

    app.post('/assistance/subsidies', {
      schema: {
        tags, summary: '资助参保：预览或执行 / contribution subsidies of the identity groups: preview (apply false) or apply',
        body: Type.Object({ admdvs: Region, year: Year, apply: Type.Boolean(), as_of: Type.Optional(Type.String()) }, { additionalProperties: false }),
        response: { 200: SubsidyReportModel, ...errors },
      },
    }, async (req) => runSubsidies(pool, deps.now(), actor(req), { admdvs: scoped(req, 'region'), year: req.body.year, apply: req.body.apply, as_of: req.body.as_of }));
  };
}
