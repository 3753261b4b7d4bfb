import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import {
  createGrid, createServicePoint, editGrid, editServicePoint, importServiceNetwork, listGrids, listServicePoints, nearestServicePoints, regionCoverage, requireServicePoint,
} from '../../app/service/network.ts';
import { bookAppointment, callNext, finishTicketAt, takeTicket, ticketsOf, type WindowWho } from '../../app/service/windows.ts';
import { chinaDate } from '../../engine/calendar.ts';
import { invalid, unauthenticated } from '../../engine/errors.ts';
import { COMMON_SERVICE_ITEMS } from '../../engine/service-network.ts';
import { principalLabel, regionsCover } from '../../store/auth/principal.ts';
import { scoped, staffRegions } from '../auth/hook.ts';
import type { AppDeps } from '../deps.ts';
import { useBilingualValidation, writeContext } from './common.ts';
import {
  AppointmentModel, CoverageModel, GridModel, NearbyServicePointsModel, ServiceImportReportModel, ServicePointModel, TicketListModel, TicketModel,
} from './models.ts';

// The service network over REST (docs/service-network.md): service points and grids (reference
// data any signed-in caller reads; staff of the region write), the import, the windows' tickets
// and appointments, the 15-minute coverage and the nearest points open now. Who may call each
// route, and which point, grid or region it touches, is src/server/auth/access.ts; the fields a
// point or grid must have are checked by the engine so that each problem is named in zh/en.

const ErrorBody = Type.Object({
  error: Type.String(), message: Type.String({ description: '中文 / English' }),
  details: Type.Optional(Type.Array(Type.Object({ field: Type.String(), zh: Type.String(), en: Type.String() }))),
});
const errors = { 400: ErrorBody, 403: ErrorBody, 404: ErrorBody, 409: ErrorBody };
const Any = Type.Unknown();
const Day = Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}$' });
const PointCode = Type.Object({ code: Type.String({ minLength: 1, maxLength: 40 }) });
const Ticket = Type.Object({ code: PointCode.properties.code, ticket_no: Type.String({ pattern: '^[AY][0-9]{3}$' }) });

/** A point's fields; the engine checks their values (so lat: "x" is named as lat by the engine). */
const pointFields = {
  code: Type.Optional(Any), name: Type.Optional(Any), level: Type.Optional(Any), kind: Type.Optional(Any), admdvs: Type.Optional(Any),
  address: Type.Optional(Any), lat: Type.Optional(Any), lng: Type.Optional(Any), opening_hours: Type.Optional(Any), windows: Type.Optional(Any),
  items: Type.Optional(Any), active: Type.Optional(Any),
};
const gridFields = { code: Type.Optional(Any), name: Type.Optional(Any), admdvs: Type.Optional(Any), villages: Type.Optional(Any), worker: Type.Optional(Any) };

export function serviceNetworkRoutes(deps: AppDeps): FastifyPluginAsyncTypebox {
  return async (app) => {
    useBilingualValidation(app);
    const { pool } = deps;
    const tags = ['service network'];
    const who = (req: FastifyRequest): WindowWho => {
      const p = req.principal;
      if (!p) throw unauthenticated('session', '请先登录', 'please sign in');
      return p.kind === 'person' ? { kind: 'person', psn_no: p.psn_no, label: principalLabel(p) } : { kind: 'staff', regions: p.regions, label: principalLabel(p) };
    };

    app.get('/service-points', {
      schema: {
        tags, summary: '服务网点 / service points under a region (admdvs), optionally active ones handling an item',
        querystring: Type.Object({ admdvs: Type.Optional(Type.String({ pattern: '^[0-9]{6,12}$' })), item: Type.Optional(Type.String({ maxLength: 40 })), active: Type.Optional(Type.Boolean()) }),
        response: { 200: Type.Object({ items: Type.Array(ServicePointModel), service_items: Type.Record(Type.String(), Type.Object({ zh: Type.String(), en: Type.String() })) }), ...errors },
      },
    }, async (req) => ({
      items: await listServicePoints(pool, { under: req.query.admdvs, item: req.query.item, ...(req.query.active !== undefined ? { active: req.query.active } : {}) }),
      service_items: COMMON_SERVICE_ITEMS,
    }));

    app.get('/service-points/nearest', {
      schema: {
        tags, summary: '附近网点 / the nearest active points handling an item, their walk and whether open at `at` (hours and working-day calendar)',
        querystring: Type.Object({ lat: Type.Optional(Type.String()), lng: Type.Optional(Type.String()), item: Type.Optional(Type.String({ maxLength: 40 })), at: Type.Optional(Type.String()), limit: Type.Optional(Type.String()) }),
        response: { 200: NearbyServicePointsModel, ...errors },
      },
    }, async (req) => {
      const q = req.query;
      const lat = Number(q.lat), lng = Number(q.lng);
      if (q.lat === undefined || q.lat === '' || !Number.isFinite(lat) || lat < -90 || lat > 90) throw invalid('lat', '纬度应为 -90 到 90 的数', 'lat must be a number from -90 to 90');
      if (q.lng === undefined || q.lng === '' || !Number.isFinite(lng) || lng < -180 || lng > 180) throw invalid('lng', '经度应为 -180 到 180 的数', 'lng must be a number from -180 to 180');
      const at = q.at === undefined || q.at === '' ? deps.now() : new Date(q.at);
      if (Number.isNaN(at.getTime())) throw invalid('at', '时间应为 ISO 8601，如 2026-06-30T09:00:00+08:00', 'at must be ISO 8601, e.g. 2026-06-30T09:00:00+08:00');
      const limit = q.limit === undefined || q.limit === '' ? 5 : Number(q.limit);
      return nearestServicePoints(pool, { lat, lng }, q.item === '' ? undefined : q.item, at, limit);
    });

    app.get('/service-points/:code', {
      schema: { tags, summary: '网点详情 / one service point', params: PointCode, response: { 200: ServicePointModel, ...errors } },
    }, async (req) => requireServicePoint(pool, req.params.code));

    app.post('/service-points', {
      schema: { tags, summary: '新建服务网点 / create a service point (staff of its region)', body: Type.Object(pointFields, { additionalProperties: false }), response: { 201: ServicePointModel, ...errors } },
    }, async (req, reply) => reply.status(201).send(await createServicePoint(pool, writeContext(req, deps), req.body)));

    app.put('/service-points/:code', {
      schema: { tags, summary: '修改服务网点 / edit a point: the fields given change (its code and region stay)', params: PointCode, body: Type.Object(pointFields, { additionalProperties: false }), response: { 200: ServicePointModel, ...errors } },
    }, async (req) => editServicePoint(pool, writeContext(req, deps), scoped(req, 'service_point'), req.body));

    app.post('/service-network/imports', {
      schema: {
        tags, summary: '导入网点和网格 / import points (CSV or JSON) and grids (JSON) under a region: a preview with each row\'s problems, or (apply) all rows in one transaction',
        body: Type.Object({
          admdvs: Type.String({ pattern: '^[0-9]{6,12}$' }), apply: Type.Optional(Type.Boolean()),
          csv: Type.Optional(Type.String({ maxLength: 5_000_000, description: 'header: code,name,level,kind,admdvs,address,lat,lng,windows,items[,opening_hours][,active]; items separated by |' })),
          points: Type.Optional(Type.Array(Type.Object(pointFields, { additionalProperties: false }), { maxItems: 5000 })),
          grids: Type.Optional(Type.Array(Type.Object(gridFields, { additionalProperties: false }), { maxItems: 5000 })),
        }, { additionalProperties: false }),
        response: { 200: ServiceImportReportModel, ...errors },
      },
    }, async (req) => {
      if (req.body.csv !== undefined && req.body.points !== undefined) throw invalid('csv', 'csv 与 points 只能给一个', 'give csv or points, not both');
      return importServiceNetwork(pool, writeContext(req, deps), { admdvs: req.body.admdvs, csv: req.body.csv, points: req.body.points, grids: req.body.grids, apply: req.body.apply ?? false });
    });

    app.get('/grids', {
      schema: { tags, summary: '网格 / the grids of the caller\'s regions (under admdvs if given)', querystring: Type.Object({ admdvs: Type.Optional(Type.String({ pattern: '^[0-9]{6,12}$' })) }), response: { 200: Type.Object({ items: Type.Array(GridModel) }), ...errors } },
    }, async (req) => {
      const regions = staffRegions(req);
      const items = await listGrids(pool, req.query.admdvs);
      return { items: regions === undefined ? items : items.filter((g) => regionsCover(regions, g.admdvs)) };
    });

    app.post('/grids', {
      schema: { tags, summary: '新建网格 / create a grid of a town\'s or village\'s villages with its grid worker', body: Type.Object(gridFields, { additionalProperties: false }), response: { 201: GridModel, ...errors } },
    }, async (req, reply) => reply.status(201).send(await createGrid(pool, writeContext(req, deps), req.body)));

    app.put('/grids/:code', {
      schema: { tags, summary: '修改网格 / edit a grid: name, villages, worker', params: PointCode, body: Type.Object(gridFields, { additionalProperties: false }), response: { 200: GridModel, ...errors } },
    }, async (req) => editGrid(pool, writeContext(req, deps), scoped(req, 'grid'), req.body));

    // ---- windows ----

    app.post('/service-points/:code/tickets', {
      schema: {
        tags, summary: '取号 / take a number (A001… walk-in; Y001… for today\'s appointment, which checks it in) while the point is open',
        params: PointCode,
        body: Type.Object({ item: Type.Optional(Type.String({ maxLength: 40 })), appointment_id: Type.Optional(Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER })) }, { additionalProperties: false }),
        response: { 201: TicketModel, ...errors },
      },
    }, async (req, reply) => reply.status(201).send(await takeTicket(pool, writeContext(req, deps), who(req), req.params.code, req.body ?? {})));

    app.post('/service-points/:code/tickets/next', {
      schema: {
        tags, summary: '叫号 / a clerk calls the next waiting number (appointments whose slot has begun first); ticket null when no one waits',
        params: PointCode, body: Type.Optional(Type.Object({ window_no: Type.Optional(Type.Integer({ minimum: 1, maximum: 100 })) }, { additionalProperties: false })),
        response: { 200: Type.Object({ ticket: Type.Union([TicketModel, Type.Null()]) }), ...errors },
      },
    }, async (req) => ({ ticket: await callNext(pool, writeContext(req, deps), scoped(req, 'service_point'), req.body?.window_no ?? null) }));

    for (const state of ['served', 'missed'] as const) {
      app.post(`/service-points/:code/tickets/:ticket_no/${state}`, {
        schema: {
          tags, summary: state === 'served' ? '办结 / a called number served' : '过号 / a called number missed (did not come)',
          params: Ticket, querystring: Type.Object({ day: Type.Optional(Day) }), response: { 200: TicketModel, ...errors },
        },
      }, async (req) => finishTicketAt(pool, writeContext(req, deps), scoped(req, 'service_point'), req.params.ticket_no, state, req.query.day));
    }

    app.get('/service-points/:code/tickets', {
      schema: { tags, summary: '当日号单 / the day\'s tickets of a point (default today)', params: PointCode, querystring: Type.Object({ day: Type.Optional(Day) }), response: { 200: TicketListModel, ...errors } },
    }, async (req) => ticketsOf(pool, scoped(req, 'service_point'), req.query.day ?? chinaDate(deps.now())));

    app.post('/service-points/:code/appointments', {
      schema: {
        tags, summary: '预约 / book a slot (30 minutes within the opening hours of a working day, at most the point\'s windows per slot)',
        params: PointCode,
        body: Type.Object({ day: Day, slot: Type.String({ pattern: '^[0-2][0-9]:[0-5][0-9]$' }), item: Type.String({ minLength: 1, maxLength: 40 }) }, { additionalProperties: false }),
        response: { 201: AppointmentModel, ...errors },
      },
    }, async (req, reply) => reply.status(201).send(await bookAppointment(pool, writeContext(req, deps), who(req), req.params.code, req.body)));

    // ---- coverage ----

    app.get('/coverage', {
      schema: {
        tags, summary: '15分钟医保服务圈 / the 15-minute coverage of a region\'s villages and grids: shares, gaps, the best site for one new point',
        querystring: Type.Object({ admdvs: Type.String({ pattern: '^[0-9]{6,12}$' }) }), response: { 200: CoverageModel, ...errors },
      },
    }, async (req) => regionCoverage(pool, scoped(req, 'region')));
  };
}
