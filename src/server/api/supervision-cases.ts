import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import {
  allowedMoves, appealSupervisionCase, decideSupervisionCase, liftSuspension, moveSupervisionCase, openSupervisionCase, SIMPLE_MOVES,
  supervisionCase, supervisionCases, waiveAppeal, whoOfInstitution, whoOfStaff, type DecisionKind, type SimpleMove, type SupervisionCaseView, type Who,
} from '../../app/supervision/cases.ts';
import { chinaDate } from '../../engine/calendar.ts';
import { CASE_MACHINE } from '../../engine/cases.ts';
import { invalid, notFound, unauthenticated } from '../../engine/errors.ts';
import { caseFile } from '../../store/supervision/case-files.ts';
import { findSupervisionCase } from '../../store/supervision/cases.ts';
import type { CaseFile } from '../../store/supervision/case-files.ts';
import type { AppDeps } from '../deps.ts';
import { scoped } from '../auth/hook.ts';
import { useBilingualValidation } from './common.ts';
import { SupervisionCaseModel, SupervisionCaseRowModel } from './models.ts';

// Supervision cases over REST (docs/supervision.md, "Cases over REST"): the case queue, opening a
// case from findings, one case with everything about it and the moves the caller may make now,
// the staff's moves (reviews, investigation's end, decision, lift), the institution's appeal or
// waiver with its files, and a file of the evidence. The auth hook has already loaded the case
// and checked it is the caller's (region for staff, institution for an institution's account);
// the use cases (src/app/supervision/cases.ts) check again from the case they lock.

const ErrorBody = Type.Object({
  error: Type.String(), message: Type.String({ description: '中文 / English' }),
  details: Type.Optional(Type.Array(Type.Object({ field: Type.String(), zh: Type.String(), en: Type.String() }))),
});
const errors = { 400: ErrorBody, 403: ErrorBody, 404: ErrorBody, 409: ErrorBody };
const CaseNo = Type.String({ pattern: '^JG[0-9]{6,30}$', description: 'JG + the institution\'s region + yyyymmdd + serial' });

const MOVES = [...SIMPLE_MOVES, 'decide', 'lift_suspension'] as const;

/** Who is asking, as the use cases take it: staff by their regions, an institution's account as its institution. */
function whoOf(req: FastifyRequest): Who {
  const p = req.principal;
  if (!p || p.kind !== 'staff') throw unauthenticated('session', '请先登录', 'please sign in');
  if (p.role === 'institution') return whoOfInstitution(p.fixmedins_code!, `${p.display_name} (${p.username})`);
  return whoOfStaff(p);
}

const withMoves = (who: Who, view: SupervisionCaseView, now: Date, extra: { replayed?: boolean } = {}) => ({
  ...view,
  appeal_due_on: view.state === 'appeal' ? view.due_on : ((view.appeal as { due_on?: string } | null)?.due_on ?? null),
  moves: allowedMoves(who, view, chinaDate(now)),
  ...extra,
});

/** An uploaded file: its base64 decoded strictly (a malformed one is refused by its field, not stored as garbage). */
function fileOf(e: { name: string; mime: string; base64: string }, i: number): CaseFile {
  const b64 = e.base64.replace(/\s+/g, '');
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(b64) || b64.length % 4 !== 0) throw invalid(`evidence[${i}].base64`, '文件内容应为 base64', 'the file is base64');
  return { name: e.name, mime: e.mime, content: Buffer.from(b64, 'base64') };
}

export function supervisionCaseRoutes(deps: AppDeps): FastifyPluginAsyncTypebox {
  return async (app) => {
    useBilingualValidation(app);
    const { pool } = deps;
    const tags = ['supervision'];

    app.get('/supervision/cases', {
      schema: {
        tags, summary: '稽核案件队列 / the cases of the caller\'s regions (an institution: its own), the nearest deadline first',
        querystring: Type.Object({
          state: Type.Optional(Type.String({ description: 'one state or several, comma-separated' })),
          fixmedins_code: Type.Optional(Type.String({ pattern: '^[HP][0-9]{11}$' })),
          admdvs: Type.Optional(Type.String({ pattern: '^[0-9]{6}$' })),
          overdue: Type.Optional(Type.Union([Type.Literal('true'), Type.Literal('false')])),
        }),
        response: { 200: Type.Object({ items: Type.Array(SupervisionCaseRowModel) }), ...errors },
      },
    }, async (req) => {
      const q = req.query;
      const who = whoOf(req);
      const states = q.state ? q.state.split(',').map((s) => s.trim()).filter(Boolean) : undefined;
      const rows = await supervisionCases(pool, who, {
        asOf: chinaDate(deps.now()), ...(states ? { states } : {}),
        // an institution's account sees its own whatever it names (the use case replaces it)
        ...(q.fixmedins_code ? { fixmedins_code: q.fixmedins_code } : {}), admdvs: q.admdvs, overdue: q.overdue === undefined ? undefined : q.overdue === 'true',
      });
      return { items: rows.map((r) => ({ ...r, state_name: CASE_MACHINE.supervision.states[r.state] ?? { zh: r.state, en: r.state } })) } as never;
    });

    app.post('/supervision/cases', {
      schema: {
        tags, summary: '由疑点立案 / open a case from open findings of one institution',
        body: Type.Object({ finding_ids: Type.Array(Type.Integer({ minimum: 1 }), { minItems: 1, maxItems: 500 }), reason: Type.String({ minLength: 1, maxLength: 2000 }) }, { additionalProperties: false }),
        response: { 201: SupervisionCaseModel, ...errors },
      },
    }, async (req, reply) => {
      const who = whoOf(req);
      const view = await openSupervisionCase(pool, deps.now(), who, { finding_ids: req.body.finding_ids, reason: req.body.reason });
      return reply.status(201).send(withMoves(who, view, deps.now()) as never);
    });

    app.get('/supervision/cases/:case_no', {
      schema: {
        tags, summary: '案件详情 / one case: its findings, history, evidence, decision, recovery, suspension, and the moves the caller may make now',
        params: Type.Object({ case_no: CaseNo }), response: { 200: SupervisionCaseModel, ...errors },
      },
    }, async (req) => {
      const who = whoOf(req);
      return withMoves(who, await supervisionCase(pool, who, scoped(req, 'case_no')), deps.now()) as never;
    });

    app.post('/supervision/cases/:case_no/moves', {
      schema: {
        tags, summary: '办理案件 / a staff move: assign, first or second review, return, dismiss, end the appeal window, decide, lift a suspension, close',
        params: Type.Object({ case_no: CaseNo }),
        body: Type.Object({
          move: Type.Union(MOVES.map((m) => Type.Literal(m))),
          reason: Type.String({ minLength: 1, maxLength: 2000 }),
          decision: Type.Optional(Type.Object({
            kinds: Type.Array(Type.String(), { minItems: 1, maxItems: 5 }),
            recovery_fen: Type.Optional(Type.Integer({ minimum: 1 })),
            penalty_multiple: Type.Optional(Type.Number({ minimum: 1, maximum: 5 })),
            suspension_ends_on: Type.Optional(Type.Union([Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}$' }), Type.Null()])),
          }, { additionalProperties: false })),
        }, { additionalProperties: false }),
        response: { 200: SupervisionCaseModel, ...errors },
      },
    }, async (req) => {
      const who = whoOf(req);
      const caseNo = scoped(req, 'case_no');
      const { move, reason, decision } = req.body;
      const now = deps.now();
      if (move !== 'decide' && decision !== undefined) throw invalid('decision', '只有“作出处理决定”附处理决定', 'a decision comes with the move decide only');
      if (move === 'decide') {
        if (!decision) throw invalid('decision', '必填：处理决定（kinds 等）', 'required: the decision (kinds…)');
        const r = await decideSupervisionCase(pool, now, who, caseNo, {
          kinds: decision.kinds as DecisionKind[], reason, recovery_fen: decision.recovery_fen, penalty_multiple: decision.penalty_multiple, suspension_ends_on: decision.suspension_ends_on,
        });
        return withMoves(who, r.case, now, { replayed: r.replayed }) as never;
      }
      if (move === 'lift_suspension') return withMoves(who, await liftSuspension(pool, now, who, caseNo, reason), now) as never;
      return withMoves(who, await moveSupervisionCase(pool, now, who, caseNo, move as SimpleMove, reason), now) as never;
    });

    app.post('/supervision/cases/:case_no/appeal', {
      schema: {
        tags, summary: '机构申诉或放弃申诉 / the institution appeals within its window with its statement and files, or waives its appeal',
        params: Type.Object({ case_no: CaseNo }),
        body: Type.Object({
          statement: Type.Optional(Type.String({ maxLength: 2000 })),
          evidence: Type.Optional(Type.Array(Type.Object({
            name: Type.String({ minLength: 1, maxLength: 200 }), mime: Type.String({ maxLength: 100 }), base64: Type.String({ minLength: 1, maxLength: 7_000_000 }),
          }, { additionalProperties: false }), { maxItems: 10 })),
          waive: Type.Optional(Type.Boolean({ description: 'true: waive the appeal (with reason); the case goes to investigation' })),
          reason: Type.Optional(Type.String({ maxLength: 2000 })),
        }, { additionalProperties: false }),
        response: { 200: SupervisionCaseModel, ...errors },
      },
    }, async (req) => {
      const who = whoOf(req);
      const caseNo = scoped(req, 'case_no');
      const b = req.body;
      const now = deps.now();
      if (b.waive === true) {
        if (b.statement !== undefined || b.evidence !== undefined) throw invalid('waive', '放弃申诉时不附申诉陈述和材料', 'a waiver comes without a statement or evidence');
        return withMoves(who, await waiveAppeal(pool, now, who, caseNo, b.reason ?? ''), now) as never;
      }
      const files = (b.evidence ?? []).map(fileOf);
      return withMoves(who, await appealSupervisionCase(pool, now, who, caseNo, { statement: b.statement ?? '', evidence: [], files }), now) as never;
    });

    app.get('/supervision/cases/:case_no/evidence/:id', {
      schema: {
        tags, summary: '申诉材料文件 / one file of the case\'s evidence, as uploaded',
        params: Type.Object({ case_no: CaseNo, id: Type.String({ pattern: '^[0-9]{1,15}$' }) }),
        response: { ...errors },
      },
    }, async (req, reply) => {
      const sup = await findSupervisionCase(pool, scoped(req, 'case_no'));
      const file = sup ? await caseFile(pool, sup.case_id, Number((req.params as { id: string }).id)) : undefined;
      if (!file) throw notFound('id', '该案件没有这份材料', 'the case has no such file');
      // served as a download: an uploaded file is never rendered as a page of this origin
      return reply
        .header('content-type', file.mime)
        .header('content-disposition', `attachment; filename*=UTF-8''${encodeURIComponent(file.name)}`)
        .header('x-content-type-options', 'nosniff')
        .send(file.content as never);
    });
  };
}
