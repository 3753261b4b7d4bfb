import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyRequest } from 'fastify';
import { Type, type Static } from 'typebox';
import { unauthenticated } from '../../engine/errors.ts';
import {
  approveApplication, institutionPaymentStatement, listInstitutionApplications, refuseApplication, releaseReserve, reviewApplication, type Staff,
} from '../../app/clearing/institutions.ts';
import type { AppDeps } from '../deps.ts';
import { scoped, staffRegions } from '../auth/hook.ts';
import { useBilingualValidation } from './common.ts';
import * as M from './models.ts';

// Finance staff's routes for institutions' clearing (docs/clearing.md, "Institutions"): the
// applications of their regions' institutions, one with its review, approve (pays), refuse,
// release the reserve, and an institution's monthly payment statement. The application or
// institution is the one the auth hook loaded; its region decided (access.ts).

function staffOf(req: FastifyRequest): Staff {
  const p = req.principal;
  if (!p || p.kind !== 'staff') throw unauthenticated('session', '请先登录', 'please sign in');
  return { username: p.username, regions: p.regions };
}

const ErrorBody = Type.Object({
  error: Type.String(), message: Type.String({ description: '中文 / English' }),
  details: Type.Optional(Type.Array(Type.Object({ field: Type.String(), zh: Type.String(), en: Type.String() }))),
});
const errors = { 400: ErrorBody, 403: ErrorBody, 404: ErrorBody, 409: ErrorBody };
const Id = Type.Object({ id: Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER }) });
const Code = Type.Object({ fixmedins_code: Type.String({ minLength: 1, maxLength: 30 }) });
const Reasons = Type.Object({ reasons: Type.Optional(Type.String({ maxLength: 500 })) }, { additionalProperties: false });
/** A store row whose Date fields the response schema sends as ISO strings. */
const asSent = <T>(row: unknown): T => row as T;

export function clearingInstitutionRoutes(deps: AppDeps): FastifyPluginAsyncTypebox {
  return async (app) => {
    useBilingualValidation(app);
    const { pool } = deps;
    const tags = ['clearing'];
    app.get('/clearing/applications', {
      schema: {
        tags, summary: '机构清算申请 / institutions\' clearing applications of the caller\'s regions',
        querystring: Type.Object({ state: Type.Optional(Type.Union(['applied', 'cancelled', 'approved', 'refused'].map((x) => Type.Literal(x)))) }, { additionalProperties: false }),
        response: { 200: Type.Object({ items: Type.Array(M.ClearingApplicationModel) }), ...errors },
      },
    }, async (req) => {
      const regions = staffRegions(req);
      const items = await listInstitutionApplications(pool, { ...(regions ? { regions } : {}), ...(req.query.state ? { state: req.query.state } : {}) });
      return { items: asSent<Static<typeof M.ClearingApplicationModel>[]>(items) };
    });
    app.get('/clearing/applications/:id', {
      schema: { tags, summary: '审核清算申请 / an application against its settlements', params: Id, response: { 200: M.ApplicationReviewModel, ...errors } },
    }, async (req) => asSent<Static<typeof M.ApplicationReviewModel>>(await reviewApplication(pool, scoped(req, 'application_id'), staffOf(req))));
    app.post('/clearing/applications/:id/approve', {
      schema: { tags, summary: '批准并支付 / approve: pay the payable less the reserve', params: Id, body: Type.Optional(Reasons), response: { 200: M.ApplicationReviewModel, ...errors } },
    }, async (req) => {
      const reasons = req.body?.reasons;
      return asSent<Static<typeof M.ApplicationReviewModel>>(await approveApplication(pool, { id: scoped(req, 'application_id'), staff: staffOf(req), now: deps.now(), ...(reasons !== undefined ? { reasons } : {}) }));
    });
    app.post('/clearing/applications/:id/refuse', {
      schema: { tags, summary: '不予批准 / refuse, with reasons', params: Id, body: Type.Optional(Reasons), response: { 200: M.ApplicationReviewModel, ...errors } },
    }, async (req) => asSent<Static<typeof M.ApplicationReviewModel>>(await refuseApplication(pool, { id: scoped(req, 'application_id'), staff: staffOf(req), now: deps.now(), reasons: req.body?.reasons ?? '' })));
    app.post('/clearing/applications/:id/release', {
      schema: { tags, summary: '返还质量保证金 / release an application\'s reserve', params: Id, response: { 200: M.ReserveReleaseModel, ...errors } },
    }, async (req) => releaseReserve(pool, { id: scoped(req, 'application_id'), staff: staffOf(req), now: deps.now() }));
    app.post('/clearing/institutions/:fixmedins_code/release', {
      schema: {
        tags, summary: '返还年度质量保证金 / release a year\'s reserve of an institution', params: Code,
        body: Type.Object({ year: Type.Integer({ minimum: 2000, maximum: 2100 }) }, { additionalProperties: false }), response: { 200: M.ReserveReleaseModel, ...errors },
      },
    }, async (req) => releaseReserve(pool, { fixmedins_code: scoped(req, 'fixmedins_code'), year: req.body.year, staff: staffOf(req), now: deps.now() }));
    app.get('/clearing/institutions/:fixmedins_code/statement', {
      schema: {
        tags, summary: '机构月度支付单 / an institution\'s monthly payment statement', params: Code,
        querystring: Type.Object({ month: Type.String({ minLength: 1, maxLength: 7, description: 'yyyy-MM or yyyyMM' }) }, { additionalProperties: false }),
        response: { 200: M.InstitutionPaymentStatementModel, ...errors },
      },
    }, async (req) => asSent<Static<typeof M.InstitutionPaymentStatementModel>>(await institutionPaymentStatement(pool, scoped(req, 'fixmedins_code'), req.query.month)));
  };
}
