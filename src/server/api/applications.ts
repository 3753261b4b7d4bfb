import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { chinaDate } from '../../engine/calendar.ts';
import { RATING_REASONS } from '../../engine/service-items.ts';
import { answerFollowUp, applicationDetail, attachMaterials, moveApplication, rateApplication, submitApplication, withdrawConsent } from '../../app/service/applications.ts';
import { catalogueFor, storeServiceItems } from '../../app/service/catalogue.ts';
import { consentedPersons } from '../../store/auth/accounts.ts';
import { poolingRegionOf } from '../../store/cooperation/common.ts';
import { applicationQueue, applicationsOfPersons, serviceSummary } from '../../store/service/applications.ts';
import type { AppDeps } from '../deps.ts';
import { actorOfRequest, scoped, scopedPerson, staffRegions } from '../auth/hook.ts';
import { useBilingualValidation } from './common.ts';
import {
  ApplicationListModel, ApplicationModel, ApplicationRatingModel, ConsentWithdrawnModel, FollowUpModel, ServiceCatalogueModel, ServiceSummaryModel,
} from './models.ts';

// The service network over REST (docs/service-network.md): the service-item catalogue, one-window
// applications (apply, list, one application, the clerk's moves, materials, the rating and a poor
// rating's follow-up), the supervisor's summary and a grid worker's consent withdrawn. Thin: the
// auth hook has loaded the person or application and checked it is the caller's; the use cases
// are src/app/service/.

const ErrorBody = Type.Object({
  error: Type.String(), message: Type.String({ description: '中文 / English' }),
  details: Type.Optional(Type.Array(Type.Object({ field: Type.String(), zh: Type.String(), en: Type.String() }))),
});
const errors = { 400: ErrorBody, 403: ErrorBody, 404: ErrorBody, 409: ErrorBody };
const ApplicationNo = Type.String({ pattern: '^[0-9]{6}SQ[0-9]{8,30}$', description: 'the handling region + SQ + yyyymmdd + serial' });
const Material = Type.Object({ code: Type.String({ minLength: 1, maxLength: 40 }), ref: Type.String({ minLength: 1, maxLength: 200 }) }, { additionalProperties: false });
const Comment = Type.Optional(Type.String({ maxLength: 2000 }));

export function applicationRoutes(deps: AppDeps): FastifyPluginAsyncTypebox {
  return async (app) => {
    useBilingualValidation(app);
    const { pool } = deps;
    const tags = ['service'];
    const today = (): string => chinaDate(deps.now());

    app.get('/service-items', {
      schema: {
        tags, summary: '经办服务事项清单 / the service-item catalogue in use for a region (its own version, else the national one)',
        querystring: Type.Object({ admdvs: Type.Optional(Type.String({ pattern: '^[0-9]{6}$' })) }),
        response: { 200: ServiceCatalogueModel, ...errors },
      },
    }, async (req) => {
      const p = req.principal!;
      // a person's own insured region by default; staff the region they name, else the national list
      const region = req.query.admdvs ?? (p.kind === 'person' ? await poolingRegionOf(pool, p.insuplc_admdvs) : '000000');
      const c = await catalogueFor(pool, region);
      return {
        doc_id: c.doc_id, version: c.version, admdvs: c.admdvs, items: c.catalogue.items,
        rating_reasons: Object.entries(RATING_REASONS).map(([code, r]) => ({ code, zh: r.zh, en: r.en, good: r.good })),
      } as never;
    });

    app.post('/service-items', {
      schema: {
        tags, summary: '存入经办服务事项清单新版本 / store a new version of a region\'s (000000: the national) catalogue, checked item by item',
        body: Type.Object({ admdvs: Type.String({ pattern: '^[0-9]{6}$' }), note: Type.Optional(Type.String({ maxLength: 500 })) }, { additionalProperties: true }),
        response: { 201: Type.Object({ doc_id: Type.String(), version: Type.Integer(), admdvs: Type.String() }), ...errors },
      },
    }, async (req, reply) => {
      const { note, ...doc } = req.body as Record<string, unknown>;
      return reply.status(201).send(await storeServiceItems(pool, deps.now(), actorOfRequest(req), doc, typeof note === 'string' ? note : ''));
    });

    app.post('/applications', {
      schema: {
        tags, summary: '申请办事 / apply for a service item: online (the person), at a window (a clerk, identity checked) or by proxy (a consenting person\'s grid worker)',
        body: Type.Object({
          psn_no: Type.Optional(Type.String({ maxLength: 40 })), certno: Type.Optional(Type.String({ maxLength: 40 })),
          item_code: Type.String({ minLength: 1, maxLength: 40 }),
          form: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
          materials: Type.Optional(Type.Array(Material, { maxItems: 50 })),
          identity_checked: Type.Optional(Type.Object({ cert_type: Type.String({ minLength: 1, maxLength: 10 }), certno: Type.String({ minLength: 1, maxLength: 40 }) }, { additionalProperties: false })),
        }, { additionalProperties: false }),
        response: { 201: ApplicationModel, ...errors },
      },
    }, async (req, reply) => {
      const b = req.body;
      const a = await submitApplication(pool, deps.now(), actorOfRequest(req), {
        psn_no: scopedPerson(req).psn_no, item_code: b.item_code, form: b.form ?? {}, materials: b.materials ?? [],
        identity_checked: b.identity_checked ?? null, consent_ref: req.consentRef ?? null,
      });
      return reply.status(201).send(await applicationDetail(pool, a.application_no, today()) as never);
    });

    app.get('/applications', {
      schema: {
        tags, summary: '办事申请 / a person\'s own applications, a grid worker\'s consenting persons\', or the staff queue of the caller\'s regions (first received first, keyset pages)',
        querystring: Type.Object({
          state: Type.Optional(Type.String({ description: 'one state or several, comma-separated; open = received,in_process', maxLength: 100 })),
          item: Type.Optional(Type.String({ maxLength: 40 })),
          overdue: Type.Optional(Type.Union([Type.Literal('true'), Type.Literal('false')])),
          after: Type.Optional(Type.Integer({ minimum: 0 })),
          limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200 })),
        }),
        response: { 200: ApplicationListModel, ...errors },
      },
    }, async (req) => {
      const p = req.principal!;
      const q = req.query;
      const asOf = today();
      if (p.kind === 'person') return { items: await applicationsOfPersons(pool, [p.psn_no], asOf), next_after: null } as never;
      if (p.role === 'grid_worker') {
        const mine = await consentedPersons(pool, p.username, asOf);
        return { items: mine.length === 0 ? [] : await applicationsOfPersons(pool, mine.map((m) => m.psn_no), asOf, 200), next_after: null } as never;
      }
      const statuses = q.state ? q.state.split(',').map((s) => s.trim()).filter(Boolean).flatMap((s) => (s === 'open' ? ['received', 'in_process'] : [s])) : undefined;
      const limit = q.limit ?? 50;
      const items = await applicationQueue(pool, { regions: staffRegions(req), statuses, item: q.item, overdueOn: q.overdue === 'true' ? asOf : undefined, asOf, after: q.after, limit });
      return { items, next_after: items.length === limit ? items[items.length - 1]!.id : null } as never;
    });

    app.get('/applications/:application_no', {
      schema: { tags, summary: '申请详情 / one application: state, deadline, events, materials, rating and follow-up', params: Type.Object({ application_no: ApplicationNo }), response: { 200: ApplicationModel, ...errors } },
    }, async (req) => applicationDetail(pool, scoped(req, 'application_no'), today()) as never);

    for (const move of ['accept', 'complete', 'refuse', 'cancel'] as const) {
      app.post(`/applications/:application_no/${move}`, {
        schema: {
          tags, summary: { accept: '受理转办理 / accept: into process', complete: '办结 / complete (only from in process)', refuse: '不予办理 / refuse, with reasons', cancel: '撤回 / withdraw (the applicant or a clerk)' }[move],
          params: Type.Object({ application_no: ApplicationNo }),
          body: Type.Optional(Type.Object({ reasons: Type.Optional(Type.Array(Type.String({ maxLength: 500 }), { maxItems: 20 })), comment: Comment }, { additionalProperties: false })),
          response: { 200: ApplicationModel, ...errors },
        },
      }, async (req) => {
        const no = scoped(req, 'application_no');
        await moveApplication(pool, deps.now(), actorOfRequest(req), no, move, { reasons: req.body?.reasons ?? null, comment: req.body?.comment ?? null });
        return applicationDetail(pool, no, today()) as never;
      });
    }

    app.post('/applications/:application_no/materials', {
      schema: {
        tags, summary: '补充材料 / attach materials while the application is open', params: Type.Object({ application_no: ApplicationNo }),
        body: Type.Object({ materials: Type.Array(Material, { maxItems: 50 }) }, { additionalProperties: false }), response: { 200: ApplicationModel, ...errors },
      },
    }, async (req) => {
      const no = scoped(req, 'application_no');
      await attachMaterials(pool, deps.now(), actorOfRequest(req), no, req.body.materials);
      return applicationDetail(pool, no, today()) as never;
    });

    app.post('/applications/:application_no/rating', {
      schema: {
        tags, summary: '好差评 / rate an ended application once (1-5 with reasons); a poor rating (≤ 2) opens a follow-up', params: Type.Object({ application_no: ApplicationNo }),
        body: Type.Object({ score: Type.Integer(), reasons: Type.Optional(Type.Array(Type.String({ maxLength: 40 }), { maxItems: 20 })), comment: Type.Optional(Type.String({ maxLength: 500 })) }, { additionalProperties: false }),
        response: { 201: ApplicationRatingModel, ...errors },
      },
    }, async (req, reply) => reply.status(201).send(await rateApplication(pool, deps.now(), actorOfRequest(req), scoped(req, 'application_no'), req.body) as never));

    app.post('/applications/:application_no/follow-up/answer', {
      schema: {
        tags, summary: '差评回访整改答复 / answer a poor rating\'s follow-up', params: Type.Object({ application_no: ApplicationNo }),
        body: Type.Object({ answer: Type.String({ minLength: 1, maxLength: 2000 }) }, { additionalProperties: false }), response: { 200: FollowUpModel, ...errors },
      },
    }, async (req) => answerFollowUp(pool, deps.now(), actorOfRequest(req), scoped(req, 'application_no'), req.body.answer) as never);

    app.get('/service-summary', {
      schema: { tags, summary: '办事情况汇总 / counts by item and state, deadlines kept, ratings and follow-ups of the caller\'s regions', response: { 200: ServiceSummaryModel, ...errors } },
    }, async (req) => {
      const asOf = today();
      const s = await serviceSummary(pool, staffRegions(req), asOf);
      return { as_of: asOf, ...s, deadlines: { ...s.deadlines, kept_share: s.deadlines.ended === 0 ? null : s.deadlines.on_time / s.deadlines.ended } } as never;
    });

    app.post('/grid/consents/:consent_ref/withdraw', {
      schema: { tags, summary: '撤回代办授权 / withdraw a grid worker\'s consent, effective at once', params: Type.Object({ consent_ref: Type.String({ minLength: 1, maxLength: 100 }) }), response: { 200: ConsentWithdrawnModel, ...errors } },
    }, async (req) => withdrawConsent(pool, deps.now(), actorOfRequest(req), scoped(req, 'consent_ref')));
  };
}
