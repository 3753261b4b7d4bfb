import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import {
  ATTACHMENT_LIMITS,
  CONCLUSIONS,
  INVESTIGATION_MOVES,
  investigationAttachment,
  investigationDetail,
  investigationList,
  investigationWhoOfStaff,
  moveInvestigation,
  raiseInvestigation,
  type InvestigationWho,
} from '../../app/supervision/investigations.ts';
import { chinaDate } from '../../engine/calendar.ts';
import { CASE_MACHINE } from '../../engine/cases.ts';
import { unauthenticated } from '../../engine/errors.ts';
import type { AppDeps } from '../deps.ts';
import { useBilingualValidation } from './common.ts';
import { InvestigationBoxModel, InvestigationModel } from './models.ts';

// 协查 requests between regions (docs/supervision.md): the boxes of the caller's regions, raising
// a request, one request with its history, its moves, its attachments. Every route is declared
// in access.ts as touching nothing: the use case loads the request and decides from its own
// two cities whether the caller is on either side (otherwise "no such request") and whether
// the caller's side may make the move.

const ErrorBody = Type.Object({
  error: Type.String(), message: Type.String({ description: '中文 / English' }),
  details: Type.Optional(Type.Array(Type.Object({ field: Type.String(), zh: Type.String(), en: Type.String() }))),
});
const errors = { 400: ErrorBody, 403: ErrorBody, 404: ErrorBody, 409: ErrorBody };
const literals = (xs: readonly string[]) => Type.Union(xs.map((k) => Type.Literal(k)));
const Nullable = <T extends ReturnType<typeof Type.String>>(t: T) => Type.Union([t, Type.Null()]);
const CaseNo = Type.Object({ case_no: Type.String({ pattern: '^XC[0-9]{6,30}$' }) });

const Attachment = Type.Object({
  name: Type.String({ minLength: 1, maxLength: 200 }), mime: Type.String({ minLength: 3, maxLength: 129 }),
  content_base64: Type.String({ minLength: 1, maxLength: Math.ceil(ATTACHMENT_LIMITS.bytes / 3) * 4 + 16, description: `the file in base64, at most ${ATTACHMENT_LIMITS.bytes} bytes` }),
}, { additionalProperties: false });

export function investigationRoutes(deps: AppDeps): FastifyPluginAsyncTypebox {
  return async (app) => {
    useBilingualValidation(app);
    const { pool } = deps;
    const tags = ['supervision'];
    const who = (req: FastifyRequest): InvestigationWho => {
      const p = req.principal;
      if (!p || p.kind !== 'staff') throw unauthenticated('session', '请先登录', 'please sign in');
      return investigationWhoOfStaff(p);
    };
    const stateName = (s: string) => CASE_MACHINE.investigation_request.states[s] ?? { zh: s, en: s };

    app.get('/supervision/investigations', {
      schema: {
        tags, summary: '协查收件箱/发件箱 / the caller\'s regions\' requests: inbox (asked of them) or outbox (raised by them), by deadline',
        querystring: Type.Object({
          box: Type.Optional(literals(['inbox', 'outbox'])), state: Type.Optional(literals(Object.keys(CASE_MACHINE.investigation_request.states))),
          overdue: Type.Optional(Type.Boolean()), as_of: Type.Optional(Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}$' })),
        }, { additionalProperties: false }),
        response: { 200: InvestigationBoxModel, ...errors },
      },
    }, async (req) => {
      const asOf = req.query.as_of ?? chinaDate(deps.now());
      const box = req.query.box ?? 'inbox';
      const items = await investigationList(pool, who(req), { box, state: req.query.state, overdue: req.query.overdue, asOf });
      return { box, as_of: asOf, items: items.map((i) => ({ ...i, state_name: stateName(i.state) })) } as never;
    });

    app.post('/supervision/investigations', {
      schema: {
        tags, summary: '发起协查 / raise a request about an insured person\'s visits in another region (an agreement with an assistance_investigation clause must allow it)',
        body: Type.Object({
          psn_no: Type.String({ minLength: 1, maxLength: 40 }),
          visits: Type.Array(Type.Object({ mdtrt_id: Type.String({ minLength: 1, maxLength: 60 }), setl_id: Type.Optional(Nullable(Type.String({ maxLength: 60 }))) }, { additionalProperties: false }), { minItems: 1, maxItems: 50 }),
          subject: Type.String({ maxLength: 2000, description: '协查事项 / what to investigate' }), reason: Type.String({ maxLength: 2000, description: '协查理由 / why' }),
          attachments: Type.Optional(Type.Array(Attachment, { maxItems: ATTACHMENT_LIMITS.files })),
          finding_ids: Type.Optional(Type.Array(Type.Integer({ minimum: 1 }), { maxItems: 100 })),
        }, { additionalProperties: false }),
        response: { 201: InvestigationModel, ...errors },
      },
    }, async (req, reply) => reply.status(201).send(await raiseInvestigation(pool, deps.now(), who(req), req.body) as never));

    app.get('/supervision/investigations/:case_no', {
      schema: { tags, summary: '协查请求详情 / one request: visits with amounts, history, attachments, answers, the caller\'s moves', params: CaseNo, response: { 200: InvestigationModel, ...errors } },
    }, async (req) => (await investigationDetail(pool, who(req), req.params.case_no, chinaDate(deps.now()))) as never);

    app.post('/supervision/investigations/:case_no/moves', {
      schema: {
        tags, summary: '办理协查 / a move: accept, refuse, answer (the treatment side); return, confirm (the asking side)',
        params: CaseNo,
        body: Type.Object({
          move: literals(INVESTIGATION_MOVES), reason: Type.Optional(Nullable(Type.String({ maxLength: 2000 }))),
          answer: Type.Optional(Type.Object({
            findings: Type.String({ maxLength: 5000 }), conclusion: literals(Object.keys(CONCLUSIONS)),
            recovery_fen: Type.Optional(Type.Integer({ minimum: 0 })), recovery_ref: Type.Optional(Nullable(Type.String({ maxLength: 100 }))),
          }, { additionalProperties: false })),
          attachments: Type.Optional(Type.Array(Attachment, { maxItems: ATTACHMENT_LIMITS.files })),
        }, { additionalProperties: false }),
        response: { 200: InvestigationModel, ...errors },
      },
    }, async (req) => (await moveInvestigation(pool, deps.now(), who(req), req.params.case_no, req.body as never)) as never);

    app.get('/supervision/investigations/:case_no/attachments/:id', {
      schema: { tags, summary: '下载协查附件 / an attachment\'s file', params: Type.Object({ case_no: CaseNo.properties.case_no, id: Type.String({ pattern: '^[0-9]{1,15}$' }) }) },
    }, async (req, reply) => {
      const a = await investigationAttachment(pool, who(req), req.params.case_no, Number(req.params.id));
      // a file of another bureau's: downloaded, never rendered or sniffed as a page of this site
      return reply.type(a.mime).header('content-disposition', `attachment; filename*=UTF-8''${encodeURIComponent(a.name)}`)
        .header('x-content-type-options', 'nosniff').header('content-security-policy', "sandbox; default-src 'none'").send(a.content);
    });
  };
}
