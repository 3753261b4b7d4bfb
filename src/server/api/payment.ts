import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type, type Static } from 'typebox';
import { caseView, institutionPaymentYear, regionPaymentYear } from '../../app/payment/reports.ts';
import { runYearEnd } from '../../app/payment/year-end.ts';
import { simulateYear } from '../../app/payment/simulate.ts';
import { unauthenticated } from '../../engine/errors.ts';
import { regionsWithPaymentRules } from '../../store/payment/reports.ts';
import type { AppDeps } from '../deps.ts';
import { scoped, staffRegions } from '../auth/hook.ts';
import { useBilingualValidation } from './common.ts';
import * as M from './models.ts';

// The bureau's routes for paying hospitals by DRG/DIP (docs/payment.md, "Pages and routes"): a
// pooling region's year, one hospital's own year, one stay with its lists, groupings and prices.
// The region, institution or settlement is the one the auth hook loaded and checked (access.ts).
// Finance staff run the year-end settlement (once per region and year); the simulator writes nothing.

const ErrorBody = Type.Object({
  error: Type.String(), message: Type.String({ description: '中文 / English' }),
  details: Type.Optional(Type.Array(Type.Object({ field: Type.String(), zh: Type.String(), en: Type.String() }))),
});
const errors = { 400: ErrorBody, 403: ErrorBody, 404: ErrorBody, 409: ErrorBody };
const Year = Type.Integer({ minimum: 2000, maximum: 2100, description: 'the discharge year' });
const RegionYear = Type.Object({ admdvs: Type.String({ pattern: '^[0-9]{6}$', description: 'a pooling region' }), year: Year });
const InstitutionYear = Type.Object({ fixmedins_code: Type.String({ minLength: 1, maxLength: 30 }), year: Year });
const Setl = Type.Object({ setl_id: Type.String({ minLength: 1, maxLength: 40 }) });
/** A use case's answer whose Date fields the response schema sends as ISO strings. */
const asSent = <T>(row: unknown): T => row as T;

export function paymentRoutes(deps: AppDeps): FastifyPluginAsyncTypebox {
  return async (app) => {
    useBilingualValidation(app);
    const { pool } = deps;
    const tags = ['payment'];
    app.get('/payment/regions', {
      schema: {
        tags, summary: '有支付规则的统筹区 / the pooling regions and years of the caller\'s regions that have payment rules',
        response: { 200: Type.Object({ items: Type.Array(M.PaymentRegionModel) }), ...errors },
      },
    }, async (req) => ({ items: await regionsWithPaymentRules(pool, staffRegions(req)) }));
    app.get('/payment/regions/:admdvs/years/:year', {
      schema: {
        tags, summary: '统筹区年度 DRG/DIP 支付 / a pooling region\'s year of DRG/DIP payment: budget use, hospitals, groups, outliers', params: RegionYear,
        response: { 200: M.RegionPaymentYearModel, ...errors },
      },
    }, async (req) => asSent<Static<typeof M.RegionPaymentYearModel>>(await regionPaymentYear(pool, scoped(req, 'region'), req.params.year)));
    app.post('/payment/regions/:admdvs/years/:year/year-end', {
      schema: {
        tags, summary: '年终清算 / run the year-end settlement of a region\'s DRG/DIP year (once): each hospital\'s due against what its settlements paid', params: RegionYear,
        response: { 200: M.RegionPaymentYearModel, ...errors },
      },
    }, async (req) => {
      const p = req.principal;
      if (!p || p.kind !== 'staff') throw unauthenticated('session', '请先登录', 'please sign in');
      const admdvs = scoped(req, 'region');
      await runYearEnd(pool, { admdvs, year: req.params.year, by: p.username, now: deps.now() });
      return asSent<Static<typeof M.RegionPaymentYearModel>>(await regionPaymentYear(pool, admdvs, req.params.year));
    });
    app.post('/payment/regions/:admdvs/years/:year/simulate', {
      schema: {
        tags, summary: '支付政策模拟 / the year\'s cases paid again under a changed base rate, weights, coefficients or point value (nothing stored)', params: RegionYear,
        body: M.PaymentChangeModel, response: { 200: M.PaymentSimulationModel, ...errors },
      },
    }, async (req) => simulateYear(pool, { admdvs: scoped(req, 'region'), year: req.params.year, change: req.body }));
    app.get('/payment/institutions/:fixmedins_code/years/:year', {
      schema: {
        tags, summary: '医院年度病例与支付 / a hospital\'s own year: its cases, groups, months and year-end', params: InstitutionYear,
        response: { 200: M.InstitutionPaymentYearModel, ...errors },
      },
    }, async (req) => asSent<Static<typeof M.InstitutionPaymentYearModel>>(await institutionPaymentYear(pool, scoped(req, 'fixmedins_code'), req.params.year)));
    app.get('/payment/cases/:setl_id', {
      schema: {
        tags, summary: '病例的清单、分组与支付及其说明 / one stay: its lists, groupings and prices, explained', params: Setl,
        response: { 200: M.PaymentCaseModel, ...errors },
      },
    }, async (req) => asSent<Static<typeof M.PaymentCaseModel>>(await caseView(pool, scoped(req, 'setl_id'))));
  };
}
