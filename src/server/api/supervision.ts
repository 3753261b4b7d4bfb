import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { runScan, todayInChina } from '../../app/supervision/scan.ts';
import { addDays } from '../../engine/calendar.ts';
import { invalid, unauthenticated } from '../../engine/errors.ts';
import { publishRuleLibrary } from '../../app/supervision/library.ts';
import { inTransaction } from '../../store/db.ts';
import { loadSupervisionRules } from '../../engine/supervision/rules.ts';
import { RULE_TYPES, SEVERITIES, STAGES } from '../../engine/supervision/types.ts';
import { documentRegistry } from '../../store/documents/registry.ts';
import { findingEvidence, listFindings, listScans } from '../../store/supervision/findings.ts';
import type { AppDeps } from '../deps.ts';
import { scoped, staffRegions } from '../auth/hook.ts';
import { useBilingualValidation, writeContext } from './common.ts';
import { FindingEvidenceModel, FindingPageModel, RuleLibraryCheckModel, RuleLibraryModel, RuleLibraryPublishedModel, ScanModel } from './models.ts';

// The supervisor's routes (docs/supervision.md): the finding queue of the caller's regions with
// filters, one finding with its evidence (the claim's lines, the other visits that made the rule
// fire), the rule library and a draft's check, and the scans (run one for a region on demand).

const ErrorBody = Type.Object({
  error: Type.String(), message: Type.String({ description: '中文 / English' }),
  details: Type.Optional(Type.Array(Type.Object({ field: Type.String(), zh: Type.String(), en: Type.String() }))),
});
const errors = { 400: ErrorBody, 403: ErrorBody, 404: ErrorBody, 409: ErrorBody };
const keys = (t: Record<string, unknown>) => Type.Union(Object.keys(t).map((k) => Type.Literal(k)));
const Day = Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}$', description: 'yyyy-MM-dd, China time' });

export function supervisionRoutes(deps: AppDeps): FastifyPluginAsyncTypebox {
  return async (app) => {
    useBilingualValidation(app);
    const { pool } = deps;
    const documents = deps.documents ?? documentRegistry;
    const tags = ['supervision'];
    app.get('/supervision/findings', {
      schema: {
        tags, summary: '监管疑点队列 / the findings of the caller\'s regions, newest first',
        querystring: Type.Object({
          status: Type.Optional(Type.Union([Type.Literal('open'), Type.Literal('in_case'), Type.Literal('closed')])),
          severity: Type.Optional(keys(SEVERITIES)), rule_type: Type.Optional(keys(RULE_TYPES)), stage: Type.Optional(keys(STAGES)),
          fixmedins_code: Type.Optional(Type.String({ pattern: '^[HP][0-9]{11}$' })),
          admdvs: Type.Optional(Type.String({ pattern: '^[0-9]{6}$', description: 'one region (treatment or insured) within the caller\'s' })),
          from: Type.Optional(Day), to: Type.Optional(Day),
          limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500 })), offset: Type.Optional(Type.Integer({ minimum: 0, maximum: 1_000_000 })),
        }, { additionalProperties: false }),
        response: {
          200: FindingPageModel,
          ...errors,
        },
      },
    }, async (req) => {
      const q = req.query;
      if (q.from !== undefined && q.to !== undefined && q.to < q.from) throw invalid('to', '结束日期早于开始日期', 'the end is before the start');
      // an institution's account: its own institution's findings whatever the query names (supervision-cases.ts)
      const own = req.principal?.kind === 'staff' && req.principal.role === 'institution' ? req.principal.fixmedins_code : undefined;
      const r = await listFindings(pool, {
        regions: own !== undefined ? undefined : staffRegions(req), status: q.status, severity: q.severity, rule_type: q.rule_type, stage: q.stage,
        fixmedins_code: own ?? q.fixmedins_code, admdvs: q.admdvs, from: q.from, to: q.to, limit: q.limit ?? 50, offset: q.offset ?? 0,
      });
      return r as never;
    });
    app.get('/supervision/findings/:id', {
      schema: {
        tags, summary: '疑点及其证据 / one finding with its evidence: the claim\'s lines and the other visits that made the rule fire',
        params: Type.Object({ id: Type.String({ pattern: '^[0-9]{1,15}$' }) }),
        response: { 200: FindingEvidenceModel, ...errors },
      },
    }, async (req) => (await findingEvidence(pool, scoped(req, 'finding_id'))) as never);
    app.get('/supervision/rules', {
      schema: {
        tags, summary: '监管规则库 / the rules of every stored library, and the stored documents (newest versions) to edit a draft from',
        response: { 200: RuleLibraryModel, ...errors },
      },
    }, async () => {
      const [docs, stored] = await Promise.all([documents.compiled(pool, { fresh: true }), documents.list(pool, 'supervision_rules')]);
      return {
        documents: stored.map((d) => ({ rules_id: d.doc_id, version: d.version, admdvs: d.admdvs, stored_at: d.stored_at.toISOString(), stored_by: d.stored_by, note: d.note, doc: d.doc })),
        items: docs.supervision.rules.map((r) => ({
          code: r.code, rules_id: r.rules_id, version: r.version, name: r.name, type: r.type, type_name: RULE_TYPES[r.type], severity: r.severity, blocking: r.blocking,
          scenarios: [...r.scenarios], stages: [...r.stages], insutypes: [...r.insutypes], regions: [...r.regionPrefixes], params: r.params,
        })),
      };
    });
    app.post('/supervision/rules/check', {
      schema: {
        tags, summary: '校验规则库草稿 / check a draft library as storing it would (nothing stored); every problem named by its path',
        body: Type.Unknown(), response: { 200: RuleLibraryCheckModel, ...errors },
      },
    }, async (req) => {
      const r = loadSupervisionRules(req.body);
      return { rules_id: r.rules_id, version: r.version, admdvs: r.admdvs, rules: r.rules.length };
    });
    // Publishing a new version of a region's library: no other kind of document has a REST route
    // to store versions (policies have their own), so the library has its own, checked first.
    app.post('/supervision/rules', {
      schema: {
        tags, summary: '发布规则库新版本 / publish a draft library as a new version of its region\'s (checked first; refusals by JSON path in the document)',
        body: Type.Object({
          admdvs: Type.String({ pattern: '^[0-9]{6}$', description: 'the library\'s region; 000000 for the national library' }),
          doc: Type.Unknown(), note: Type.Optional(Type.String({ maxLength: 500 })),
        }, { additionalProperties: false }),
        response: { 201: RuleLibraryPublishedModel, ...errors },
      },
    }, async (req, reply) => {
      const ctx = writeContext(req, deps);
      const stored = await inTransaction(pool, (q) => publishRuleLibrary(q, documents, ctx, { admdvs: scoped(req, 'region'), doc: req.body.doc, ...(req.body.note === undefined ? {} : { note: req.body.note }) }));
      return reply.status(201).send({ rules_id: stored.doc_id, version: stored.version, admdvs: stored.admdvs, stored_at: stored.stored_at.toISOString(), stored_by: stored.stored_by, note: stored.note });
    });
    app.get('/supervision/scans', {
      schema: { tags, summary: '事后审核批次 / the newest scans', response: { 200: Type.Object({ items: Type.Array(ScanModel) }), ...errors } },
    }, async () => ({ items: (await listScans(pool, 50)) as never }));
    app.post('/supervision/scans', {
      schema: {
        tags, summary: '运行事后审核 / run the library over a region\'s settlements of a period (full or incremental)',
        body: Type.Object({ admdvs: Type.String({ pattern: '^[0-9]{6}$' }), from: Type.Optional(Day), to: Type.Optional(Day), incremental: Type.Optional(Type.Boolean()) }, { additionalProperties: false }),
        response: { 200: ScanModel, ...errors },
      },
    }, async (req) => {
      const p = req.principal;
      if (!p || p.kind !== 'staff') throw unauthenticated('session', '请先登录', 'please sign in');
      const to = req.body.to ?? todayInChina(deps.now());
      const r = await runScan(pool, { scope: scoped(req, 'region'), from: req.body.from ?? addDays(to, -365), to, incremental: req.body.incremental ?? false, by: p.username, now: deps.now(), documents });
      return r as never;
    });
  };
}
