import type { FastifyInstance, FastifyRequest } from 'fastify';
import { invalid, unauthenticated } from '../../engine/errors.ts';
import {
  approveApplication, institutionPaymentStatement, listInstitutionApplications, refuseApplication, releaseReserve, reviewApplication, type Staff,
} from '../../app/clearing/institutions.ts';
import type { AppDeps } from '../deps.ts';
import { scoped, staffRegions } from '../auth/hook.ts';
import { body, optStr, type Json } from './cooperation-input.ts';

// Finance staff's routes for institutions' clearing (docs/clearing.md, "Institutions"): the
// applications of their regions' institutions, one with its review, approve (pays), refuse,
// release the reserve, and an institution's monthly payment statement. The application or
// institution is the one the auth hook loaded; its region decided (access.ts).

function staffOf(req: FastifyRequest): Staff {
  const p = req.principal;
  if (!p || p.kind !== 'staff') throw unauthenticated('session', '请先登录', 'please sign in');
  return { username: p.username, regions: p.regions };
}

export async function registerClearingInstitutionRoutes(app: FastifyInstance, deps: AppDeps): Promise<void> {
  const { pool } = deps;
  app.get('/api/v1/clearing/applications', async (req) => {
    const q = req.query as Json;
    const regions = staffRegions(req);
    const state = optStr(q, 'state');
    return { items: await listInstitutionApplications(pool, { ...(regions ? { regions } : {}), ...(state !== undefined ? { state } : {}) }) };
  });
  app.get('/api/v1/clearing/applications/:id', async (req) => reviewApplication(pool, scoped(req, 'application_id'), staffOf(req)));
  app.post('/api/v1/clearing/applications/:id/approve', async (req) => {
    const reasons = optStr(body(req.body ?? {}), 'reasons');
    return approveApplication(pool, { id: scoped(req, 'application_id'), staff: staffOf(req), now: deps.now(), ...(reasons !== undefined ? { reasons } : {}) });
  });
  app.post('/api/v1/clearing/applications/:id/refuse', async (req) => {
    const reasons = optStr(body(req.body ?? {}), 'reasons') ?? '';
    return refuseApplication(pool, { id: scoped(req, 'application_id'), staff: staffOf(req), now: deps.now(), reasons });
  });
  app.post('/api/v1/clearing/applications/:id/release', async (req) => releaseReserve(pool, { id: scoped(req, 'application_id'), staff: staffOf(req), now: deps.now() }));
  app.post('/api/v1/clearing/institutions/:fixmedins_code/release', async (req) => {
    const y = body(req.body ?? {})['year'];
    if (typeof y !== 'number' || !Number.isInteger(y)) throw invalid('year', '年度须为整数', 'year must be a whole number');
    return releaseReserve(pool, { fixmedins_code: scoped(req, 'fixmedins_code'), year: y, staff: staffOf(req), now: deps.now() });
  });
  app.get('/api/v1/clearing/institutions/:fixmedins_code/statement', async (req) => {
    const month = optStr(req.query as Json, 'month');
    if (month === undefined) throw invalid('month', '必填：月份 yyyy-MM', 'required: the month, yyyy-MM');
    return institutionPaymentStatement(pool, scoped(req, 'fixmedins_code'), month);
  });
}
