import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { chinaDate } from '../../engine/calendar.ts';
import { invalid } from '../../engine/errors.ts';
import { diffDocuments } from '../../engine/simulator.ts';
import { listPolicyDocuments, listPolicyVersions, readPolicy, settleClaim, simulate, storePolicyVersion, validatePolicyDocument } from '../../app/settlement/policy-workbench.ts';
import { inTransaction } from '../../store/db.ts';
import { documentRegistry } from '../../store/documents/registry.ts';
import { listClaimExamples, readClaimExample } from '../../store/shipped-documents.ts';
import { crossRegionFlows, dashboardRefreshedAt, directSettlementRate, enrollmentByRegion, queueCases, queueDeadlines, refreshDashboard, settlementsByDay, settlementsOfPerson, settlementsOnDay } from '../../store/dashboard.ts';
import type { AppDeps } from '../deps.ts';
import { scopedPerson, staffRegions } from '../auth/hook.ts';
import { body, optStr, str, type Json } from './cooperation-input.ts';
import { writeContext } from './common.ts';
import * as M from './models.ts';

const Period = { from: Type.String(), to: Type.String() };
const RefreshedAt = Type.Union([Type.String({ format: 'date-time' }), Type.Null()]);

// The staff workbench's policy pages and the dashboard. Thin: the policy use cases live in
// src/app/settlement/policy-workbench.ts, the figures in src/store/dashboard.ts.

/** `?version=N` of a policy read: a stored version; absent, the newest. */
function versionParam(q: Json): number | undefined {
  const v = optStr(q, 'version');
  if (v === undefined) return undefined;
  if (!/^[1-9][0-9]{0,8}$/.test(v)) throw invalid('version', '版本应为正整数', 'version must be a positive integer');
  return Number(v);
}

export async function registerWorkbenchRoutes(app: FastifyInstance, deps: AppDeps): Promise<void> {
  const docs = deps.documents ?? documentRegistry;
  const { pool } = deps;
  /** A document given inline (`doc`) or by the name of a stored policy (`file`: its newest version). */
  const documentOf = async (b: Json, field: string): Promise<unknown> => {
    const v = b[field];
    if (typeof v === 'string') return readPolicy(pool, docs, v);
    if (v !== null && typeof v === 'object') return v;
    throw invalid(field, `${field} 应为政策文件名或政策文档`, `${field} must be a policy file name or a policy document`);
  };

  app.get('/api/v1/policies', async () => ({ items: await listPolicyDocuments(pool, docs) }));
  app.get('/api/v1/policies/:policy_file', async (req) => readPolicy(pool, docs, (req.params as Record<string, string>).policy_file!, versionParam(req.query as Json)));
  app.get('/api/v1/policies/:policy_file/versions', async (req) => ({ items: await listPolicyVersions(pool, docs, (req.params as Record<string, string>).policy_file!) }));
  // A new version of a policy, stored once it compiles and fits the stored set (never an edit).
  app.post('/api/v1/policies', async (req, reply) => {
    const b = body(req.body);
    const v = b.policy;
    if (v === null || typeof v !== 'object') throw invalid('policy', '必填：政策文档', 'required: the policy document');
    const ctx = writeContext(req, deps);
    const stored = await inTransaction(pool, (q) => storePolicyVersion(q, docs, ctx, { admdvs: str(b, 'admdvs'), doc: v, ...(optStr(b, 'note') === undefined ? {} : { note: optStr(b, 'note')! }) }));
    return reply.status(201).send(stored);
  });
  app.post('/api/v1/policies/validate', async (req) => validatePolicyDocument(pool, docs, await documentOf(body(req.body), 'policy')));
  app.post('/api/v1/policies/compare', async (req) => {
    const b = body(req.body);
    return { changes: diffDocuments(await documentOf(b, 'from'), await documentOf(b, 'to')) };
  });
  app.post('/api/v1/policies/simulate', async (req) => {
    const b = body(req.body);
    const claims = typeof b.example === 'string' ? readClaimExample(b.example) : str(b, 'claims');
    if (b.to === undefined) {
      // One claim under one policy: the settlement with every step explained.
      return settleClaim(pool, docs, claims, b.from === undefined ? undefined : await documentOf(b, 'from'));
    }
    // Without `from`: the draft against the stored version in use of its policy.
    return simulate(pool, docs, b.from === undefined ? undefined : await documentOf(b, 'from'), await documentOf(b, 'to'), claims);
  });
  app.get('/api/v1/claim-examples', async () => ({ items: listClaimExamples() }));

  const today = (): string => chinaDate(deps.now());
  app.get('/api/v1/dashboard/enrollment', { schema: { tags: ['dashboard'], summary: '参保人数 / enrollment by region', response: { 200: Type.Object({ refreshed_at: RefreshedAt, items: Type.Array(M.RegionEnrollmentModel) }) } } }, async (req) => {
    const q = req.query as Json;
    const level = optStr(q, 'level') ?? 'province';
    if (level !== 'province' && level !== 'city') throw invalid('level', '应为 province 或 city', 'level must be province or city');
    const within = optStr(q, 'region');
    if (within !== undefined && !/^[0-9]{6}$/.test(within)) throw invalid('region', '区划应为 6 位代码', 'region must be a 6-digit code');
    const regions = staffRegions(req);
    const [refreshedAt, items] = await Promise.all([
      dashboardRefreshedAt(deps.pool),
      enrollmentByRegion(deps.pool, { ...(regions ? { regions } : {}), level, ...(within ? { within } : {}) }),
    ]);
    return { refreshed_at: refreshedAt, items };
  });
  app.get('/api/v1/dashboard/queues', { schema: { tags: ['dashboard'], summary: '审核时限 / queue deadlines by month', response: { 200: Type.Object({ ...Period, items: Type.Array(M.QueueMonthModel) }) } } }, async (req) => {
    const q = req.query as Json;
    const regions = staffRegions(req);
    const t = today();
    const from = optStr(q, 'from') ?? `${t.slice(0, 4)}-01-01`;
    const to = optStr(q, 'to') ?? `${t.slice(0, 4)}-12-31`;
    return { from, to, items: await queueDeadlines(deps.pool, { ...(regions ? { regions } : {}), from, to, today: t }) };
  });
  app.get('/api/v1/dashboard/queues/items', { schema: { tags: ['dashboard'], summary: '某月的案件 / the cases of one month', response: { 200: Type.Object({ items: Type.Array(M.QueueCaseModel) }) } } }, async (req) => {
    const q = req.query as Json;
    const regions = staffRegions(req);
    return { items: await queueCases(deps.pool, { ...(regions ? { regions } : {}), queue: str(q, 'queue') as 'filing' | 'recognition', month: str(q, 'month') }) };
  });
  const period = (q: Json): { from: string; to: string } => {
    const t = today();
    return { from: optStr(q, 'from') ?? `${t.slice(0, 4)}-01-01`, to: optStr(q, 'to') ?? t };
  };
  const scope = (req: Parameters<typeof staffRegions>[0]) => {
    const regions = staffRegions(req);
    return regions ? { regions } : {};
  };
  app.get('/api/v1/dashboard/settlements', { schema: { tags: ['dashboard'], summary: '按日结算 / settlements by day', response: { 200: Type.Object({ ...Period, totals: Type.Array(M.DayTotalModel), funds: Type.Array(M.DayFundModel) }) } } }, async (req) => ({ ...period(req.query as Json), ...(await settlementsByDay(deps.pool, { ...period(req.query as Json), ...scope(req) })) }));
  app.get('/api/v1/dashboard/settlements/items', { schema: { tags: ['dashboard'], summary: '某日的结算 / the settlements of one day', response: { 200: Type.Object({ items: Type.Array(M.SettlementListRowModel) }) } } }, async (req) => ({ items: await settlementsOnDay(deps.pool, { day: str(req.query as Json, 'day'), ...scope(req) }) }));
  app.get('/api/v1/dashboard/flows', { schema: { tags: ['dashboard'], summary: '跨地区就医流向 / cross-region flows', response: { 200: Type.Object({ ...Period, items: Type.Array(M.FlowModel) }) } } }, async (req) => {
    const q = req.query as Json;
    const level = optStr(q, 'level') ?? 'province';
    if (level !== 'province' && level !== 'city') throw invalid('level', '应为 province 或 city', 'level must be province or city');
    return { ...period(q), items: await crossRegionFlows(deps.pool, { ...period(q), level, ...scope(req) }) };
  });
  app.get('/api/v1/dashboard/direct-settlement', { schema: { tags: ['dashboard'], summary: '直接结算率 / the direct-settlement rate', response: { 200: M.DirectRateModel } } }, async (req) => ({ ...period(req.query as Json), ...(await directSettlementRate(deps.pool, { ...period(req.query as Json), ...scope(req) })) }));

  // A person's settlements with their stored explanations (the portal's 结算明细): the person the hook checked.
  app.get('/api/v1/settlements', async (req) => {
    return { items: await settlementsOfPerson(deps.pool, scopedPerson(req).psn_no) };
  });

  app.post('/api/v1/dashboard/refresh', { schema: { tags: ['dashboard'], summary: '重新汇总 / recount the figures', response: { 200: Type.Object({ refreshed_at: Type.String({ format: 'date-time' }) }) } } }, async () => ({ refreshed_at: await refreshDashboard(deps.pool) }));
}
