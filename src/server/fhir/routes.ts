import type { FastifyInstance, FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { notFound, YibaoError, type ErrorKind } from '../../engine/errors.ts';
import {
  searchClaims, searchCoverages, searchOrganizations, searchPatients, searchSettlements, searchStatements,
  type FhirScope, type Page, type PageRequest,
} from '../../store/fhir/queries.ts';
import type { AppDeps } from '../deps.ts';
import { staffRegions } from '../auth/hook.ts';
import { CODE_SYSTEMS, codeSystemResource, DEFAULT_FHIR_BASE, IDENTIFIER_SYSTEMS, identifierSystem, isCodeSystemId, type CodeSystemId, type IdentifierSystem } from './codesystems.ts';
import {
  claimResource, claimResponseResource, coverageResource, explanationOfBenefitResource, organizationResource, patientResource, paymentReconciliationResource, statementOfRow,
} from './mappers.ts';
import { encodeCursor, parseSearch, RESULT_PARAMS, SEARCH_PARAMS, type ParsedSearch } from './search.ts';
import { SERVED_TYPES, type FhirResource, type ServedType } from './types.ts';

// The read-only FHIR R4 API at /fhir/R4 (docs/fhir.md): read and search of each served type, the
// CapabilityStatement, and every error as an OperationOutcome. Who may call what is the route
// table's (src/server/auth/access.ts) like every REST route; a search is filtered in SQL by the
// caller's scope (FhirScope), never a page filtered afterwards.

export const FHIR_PREFIX = '/fhir/R4';
const FHIR_JSON = 'application/fhir+json; charset=utf-8';

const STATUS: Record<ErrorKind, number> = { invalid: 400, not_found: 404, conflict: 409, forbidden: 403, unauthenticated: 401, unavailable: 503, rate_limited: 429 };
const ISSUE_CODE: Record<ErrorKind, string> = { invalid: 'invalid', not_found: 'not-found', conflict: 'conflict', forbidden: 'forbidden', unauthenticated: 'login', unavailable: 'transient', rate_limited: 'throttled' };

/** An error as FHIR's OperationOutcome: one issue per detail, naming the parameter or field, in Chinese and English. */
export function operationOutcome(kind: ErrorKind | 'internal' | 'not-acceptable', details: readonly { field: string; zh: string; en: string }[]): FhirResource {
  const code = kind === 'internal' ? 'exception' : kind === 'not-acceptable' ? 'not-supported' : ISSUE_CODE[kind];
  return {
    resourceType: 'OperationOutcome',
    issue: details.map((d) => ({
      severity: kind === 'internal' ? 'fatal' : 'error',
      code,
      details: { text: `${d.zh} / ${d.en}` },
      diagnostics: `${d.field}: ${d.zh} / ${d.en}`,
      expression: [d.field],
    })),
  };
}

function sendError(reply: FastifyReply, err: unknown, req: FastifyRequest): FastifyReply {
  if (err instanceof YibaoError) {
    if (err.kind === 'unauthenticated') reply.header('www-authenticate', 'Bearer realm="yibao"');
    return reply.status(STATUS[err.kind]).type(FHIR_JSON).send(operationOutcome(err.kind, err.details));
  }
  const e = err as { validation?: unknown; statusCode?: number; message?: string };
  if (e.validation || (e.statusCode && e.statusCode < 500)) {
    return reply.status(e.statusCode ?? 400).type(FHIR_JSON).send(operationOutcome('invalid', [{ field: 'request', zh: '请求无效', en: `invalid request: ${e.message ?? ''}` }]));
  }
  req.log.error(err);
  return reply.status(500).type(FHIR_JSON).send(operationOutcome('internal', [{ field: 'server', zh: '服务器内部错误', en: 'internal server error' }]));
}

/** The caller's scope: the hook has let them in; staff see their regions', a person their own, an institution its own. */
function scopeOf(req: FastifyRequest): FhirScope {
  const p = req.principal;
  if (!p) return { kind: 'person', psn_no: '' }; // not reached: these routes are not public
  if (p.kind === 'person') return { kind: 'person', psn_no: p.psn_no };
  if (p.role === 'institution') return { kind: 'institution', fixmedins_code: p.fixmedins_code ?? '' };
  return { kind: 'regions', regions: staffRegions(req) };
}

const origin = (req: FastifyRequest): string => `${req.protocol}://${req.host}`;

function searchset(req: FastifyRequest, type: ServedType, search: ParsedSearch, resources: FhirResource[], next: Page<unknown>['next']): FhirResource {
  const base = `${origin(req)}${FHIR_PREFIX}/${type}`;
  const qs = (extra: [string, string][]): string => {
    const params = new URLSearchParams([...search.used, ...extra]);
    return params.size > 0 ? `?${params}` : '';
  };
  return {
    resourceType: 'Bundle',
    type: 'searchset',
    link: [{ relation: 'self', url: `${base}${qs([])}` }, ...(next ? [{ relation: 'next', url: `${base}${qs([['_cursor', encodeCursor(next)]])}` }] : [])],
    entry: resources.map((r) => ({ fullUrl: `${base}/${r.id}`, resource: r, search: { mode: 'match' } })),
  };
}

/** What a search's identifier names in our terms, or `none` when it names a system we do not issue. */
function identifierFor(base: string, search: ParsedSearch, systems: Partial<Record<IdentifierSystem, string>>): Record<string, string> | 'none' | undefined {
  const ident = search.identifier;
  if (!ident) return undefined;
  if (ident.system === undefined) return { any: ident.value };
  for (const sid of IDENTIFIER_SYSTEMS) {
    const key = systems[sid];
    if (key !== undefined && identifierSystem(base, sid) === ident.system) return { [key]: ident.value };
  }
  return 'none';
}

export function fhirRoutes(deps: AppDeps): FastifyPluginAsync {
  const base = deps.fhirBase ?? DEFAULT_FHIR_BASE;
  const { pool } = deps;

  return async (app: FastifyInstance) => {
    app.setErrorHandler((err, req, reply) => sendError(reply, err, req));
    app.setNotFoundHandler((req, reply) => sendError(reply, notFound('url', `FHIR 接口没有这个地址或资源类型：${req.url.split('?')[0]}`, `no such FHIR endpoint or resource type: ${req.url.split('?')[0]}`), req));
    // Every answer is FHIR JSON; any other _format is refused (406) before the route runs.
    app.addHook('onRequest', async (req, reply) => {
      const format = (req.query as Record<string, unknown> | undefined)?._format;
      if (format !== undefined && !(typeof format === 'string' && ['json', 'application/json', 'application/fhir+json'].includes(format))) {
        return reply.status(406).type(FHIR_JSON).send(operationOutcome('not-acceptable', [{ field: '_format', zh: '只提供 JSON（application/fhir+json）', en: 'only JSON (application/fhir+json) is served' }]));
      }
      reply.type(FHIR_JSON);
    });

    const schema = (summary: string) => ({ schema: { tags: ['fhir'], summary } });
    const lenient = (req: FastifyRequest): boolean => /handling\s*=\s*lenient/i.test(String(req.headers.prefer ?? ''));
    const query = (req: FastifyRequest): Record<string, unknown> => (req.query ?? {}) as Record<string, unknown>;
    const idOf = (req: FastifyRequest): string => (req.params as { id: string }).id;
    const one = async (found: Promise<{ rows: FhirResource[] }>, type: string, id: string): Promise<FhirResource> => {
      const r = (await found).rows[0];
      if (!r) throw notFound('id', `${type}/${id} 不存在`, `${type}/${id} does not exist`);
      return r;
    };
    const mapped = async <T>(p: Promise<Page<T>>, f: (row: T) => FhirResource): Promise<{ rows: FhirResource[]; next: Page<T>['next'] }> => {
      const page = await p;
      return { rows: page.rows.map(f), next: page.next };
    };
    const readPage: PageRequest = { count: 1 };

    // ── the CapabilityStatement ───────────────────────────────────────────────────────────────
    app.get('/metadata', schema('FHIR CapabilityStatement'), async () => capabilityStatement(base));

    // ── CodeSystem: public terminology ────────────────────────────────────────────────────────
    app.get('/CodeSystem', schema('CodeSystem 检索 / search CodeSystems'), async (req) => {
      const s = parseSearch('CodeSystem', query(req), lenient(req));
      const all = (Object.keys(CODE_SYSTEMS) as CodeSystemId[]).sort().map((id) => codeSystemResource(base, id)); // in id order: the keyset's
      const rows = all.filter((c) => (s.ids._id === undefined || c.id === s.ids._id) && (s.ids.url === undefined || c.url === s.ids.url));
      const start = s.page.after ? rows.findIndex((c) => c.id! > s.page.after!.id) : 0;
      const from = start < 0 ? rows.length : start;
      const pageRows = rows.slice(from, from + s.page.count);
      const more = from + s.page.count < rows.length;
      return searchset(req, 'CodeSystem', s, pageRows, more ? { id: pageRows[pageRows.length - 1]!.id! } : undefined);
    });
    app.get('/CodeSystem/:id', schema('CodeSystem'), async (req) => {
      const id = idOf(req);
      if (!isCodeSystemId(id)) throw notFound('id', `CodeSystem/${id} 不存在`, `CodeSystem/${id} does not exist`);
      return codeSystemResource(base, id);
    });

    // ── Organization: institutions and bureaus, reference data ────────────────────────────────
    const orgSearch = (f: Parameters<typeof searchOrganizations>[1], page: PageRequest) => mapped(searchOrganizations(pool, f, page), (r) => organizationResource(base, r));
    app.get('/Organization', schema('Organization 检索 / search'), async (req) => {
      const s = parseSearch('Organization', query(req), lenient(req));
      const ident = identifierFor(base, s, { 'fixmedins-code': 'fixmedins_code', admdvs: 'admdvs' });
      if (ident === 'none') return searchset(req, 'Organization', s, [], undefined);
      const byIdent = ident?.any !== undefined ? (/^[HP][0-9]{11}$/.test(ident.any) ? { fixmedins_code: ident.any } : { admdvs: ident.any }) : ident;
      const r = await orgSearch({ ...(s.ids._id ? { id: s.ids._id } : {}), ...byIdent }, s.page);
      return searchset(req, 'Organization', s, r.rows, r.next);
    });
    app.get('/Organization/:id', schema('Organization'), async (req) => one(orgSearch({ id: idOf(req) }, readPage), 'Organization', idOf(req)));

    // ── Patient ───────────────────────────────────────────────────────────────────────────────
    const patientSearch = (scope: FhirScope, f: Parameters<typeof searchPatients>[2], page: PageRequest) => mapped(searchPatients(pool, scope, f, page), (r) => patientResource(base, r));
    app.get('/Patient', schema('Patient 检索 / search'), async (req) => {
      const s = parseSearch('Patient', query(req), lenient(req));
      const ident = identifierFor(base, s, { 'psn-no': 'psn_no', 'resident-id-card': 'certno' });
      if (ident === 'none' || (s.ids._id && ident?.psn_no && ident.psn_no !== s.ids._id)) return searchset(req, 'Patient', s, [], undefined);
      const f = { ...(s.ids._id ? { psn_no: s.ids._id } : {}), ...(ident?.psn_no ? { psn_no: ident.psn_no } : {}), ...(ident?.certno ? { certno: ident.certno } : {}), ...(ident?.any ? { any: ident.any } : {}) };
      const r = await patientSearch(scopeOf(req), f, s.page);
      return searchset(req, 'Patient', s, r.rows, r.next);
    });
    app.get('/Patient/:id', schema('Patient'), async (req) => one(patientSearch(scopeOf(req), { psn_no: idOf(req) }, readPage), 'Patient', idOf(req)));

    // ── Coverage ──────────────────────────────────────────────────────────────────────────────
    const coverageSearch = (scope: FhirScope, f: Parameters<typeof searchCoverages>[2], page: PageRequest) => mapped(searchCoverages(pool, scope, f, page), (r) => coverageResource(base, r));
    app.get('/Coverage', schema('Coverage 检索 / search'), async (req) => {
      const s = parseSearch('Coverage', query(req), lenient(req));
      const ident = identifierFor(base, s, { 'enrollment-id': 'id' });
      const byIdent = ident === 'none' ? undefined : (ident?.id ?? ident?.any);
      if (ident === 'none' || (s.ids._id && byIdent !== undefined && byIdent !== s.ids._id)) return searchset(req, 'Coverage', s, [], undefined);
      const id = s.ids._id ?? byIdent;
      const r = await coverageSearch(scopeOf(req), { ...(id !== undefined ? { id } : {}), ...(s.ids.patient ? { psn_no: s.ids.patient } : {}) }, s.page);
      return searchset(req, 'Coverage', s, r.rows, r.next);
    });
    app.get('/Coverage/:id', schema('Coverage'), async (req) => one(coverageSearch(scopeOf(req), { id: idOf(req) }, readPage), 'Coverage', idOf(req)));

    // ── Claim: a visit with its fee lines ─────────────────────────────────────────────────────
    const claimSearch = (scope: FhirScope, f: Parameters<typeof searchClaims>[2], page: PageRequest) => mapped(searchClaims(pool, scope, f, page), (r) => claimResource(base, r));
    app.get('/Claim', schema('Claim 检索 / search'), async (req) => {
      const s = parseSearch('Claim', query(req), lenient(req));
      const ident = identifierFor(base, s, { 'mdtrt-id': 'id' });
      const id = ident === 'none' ? undefined : (ident?.id ?? ident?.any);
      if (ident === 'none' || (s.ids._id && id !== undefined && id !== s.ids._id)) return searchset(req, 'Claim', s, [], undefined);
      const mdtrt = s.ids._id ?? id;
      const r = await claimSearch(scopeOf(req), { ...(mdtrt ? { mdtrt_id: mdtrt } : {}), ...(s.ids.patient ? { psn_no: s.ids.patient } : {}), ...(s.created ? { created: s.created } : {}) }, s.page);
      return searchset(req, 'Claim', s, r.rows, r.next);
    });
    app.get('/Claim/:id', schema('Claim'), async (req) => one(claimSearch(scopeOf(req), { mdtrt_id: idOf(req) }, readPage), 'Claim', idOf(req)));

    // ── ClaimResponse and ExplanationOfBenefit: a settlement ─────────────────────────────────
    for (const type of ['ClaimResponse', 'ExplanationOfBenefit'] as const) {
      const toResource = type === 'ClaimResponse' ? claimResponseResource : explanationOfBenefitResource;
      const settlementSearch = (scope: FhirScope, f: Parameters<typeof searchSettlements>[2], page: PageRequest) => mapped(searchSettlements(pool, scope, f, page), (r) => toResource(base, r));
      app.get(`/${type}`, schema(`${type} 检索 / search`), async (req) => {
        const s = parseSearch(type, query(req), lenient(req));
        const ident = identifierFor(base, s, { 'setl-id': 'id' });
        const id = ident === 'none' ? undefined : (ident?.id ?? ident?.any);
        if (ident === 'none' || (s.ids._id && id !== undefined && id !== s.ids._id)) return searchset(req, type, s, [], undefined);
        const setl = s.ids._id ?? id;
        const r = await settlementSearch(scopeOf(req), {
          ...(setl ? { setl_id: setl } : {}), ...(s.ids.patient ? { psn_no: s.ids.patient } : {}), ...(s.ids.claim ? { mdtrt_id: s.ids.claim } : {}), ...(s.created ? { created: s.created } : {}),
        }, s.page);
        return searchset(req, type, s, r.rows, r.next);
      });
      app.get(`/${type}/:id`, schema(type), async (req) => one(settlementSearch(scopeOf(req), { setl_id: idOf(req) }, readPage), type, idOf(req)));
    }

    // ── PaymentReconciliation: clearing statements ────────────────────────────────────────────
    const statementSearch = (scope: FhirScope, f: Parameters<typeof searchStatements>[2], page: PageRequest) => mapped(searchStatements(pool, scope, f, page), (r) => paymentReconciliationResource(base, statementOfRow(r)));
    app.get('/PaymentReconciliation', schema('PaymentReconciliation 检索 / search'), async (req) => {
      const s = parseSearch('PaymentReconciliation', query(req), lenient(req));
      const ident = identifierFor(base, s, { 'clearing-statement': 'id' });
      const id = ident === 'none' ? undefined : (ident?.id ?? ident?.any);
      if (ident === 'none' || (s.ids._id && id !== undefined && id !== s.ids._id)) return searchset(req, 'PaymentReconciliation', s, [], undefined);
      const r = await statementSearch(scopeOf(req), { ...((s.ids._id ?? id) ? { id: s.ids._id ?? id } : {}), ...(s.created ? { created: s.created } : {}) }, s.page);
      return searchset(req, 'PaymentReconciliation', s, r.rows, r.next);
    });
    app.get('/PaymentReconciliation/:id', schema('PaymentReconciliation'), async (req) => one(statementSearch(scopeOf(req), { id: idOf(req) }, readPage), 'PaymentReconciliation', idOf(req)));
  };
}

/** What /fhir/R4 supports, exactly: the types, their read and search, each search parameter. */
export function capabilityStatement(base: string): FhirResource {
  const PARAM_TYPE: Record<string, string> = { id: 'token', identifier: 'token', date: 'date', 'reference:Patient': 'reference', 'reference:Claim': 'reference', uri: 'uri' };
  return {
    resourceType: 'CapabilityStatement',
    status: 'active',
    date: '2026-12-03',
    publisher: 'yibao',
    kind: 'instance',
    software: { name: 'yibao' },
    implementation: { description: '医保平台只读 FHIR R4 接口 / the read-only FHIR R4 API of yibao' },
    fhirVersion: '4.0.1',
    format: ['application/fhir+json', 'json'],
    rest: [{
      mode: 'server',
      documentation: `会话令牌（登录后的 yibao_session）以 Cookie 或 Authorization: Bearer 提交；CodeSystem 与 metadata 公开。编码系统的规范地址以 ${base} 为前缀 / a session token (yibao_session, from sign-in) as the cookie or an Authorization: Bearer header; CodeSystem and metadata are public. Canonical URLs are under ${base}`,
      security: { cors: false, description: '与 REST 接口相同的访问规则（src/server/auth/access.ts）/ the access rules of the REST API' },
      resource: SERVED_TYPES.map((type) => ({
        type,
        interaction: [{ code: 'read' }, { code: 'search-type' }],
        versioning: 'no-version',
        readHistory: false,
        updateCreate: false,
        searchParam: [
          ...Object.entries(SEARCH_PARAMS[type]).map(([name, kind]) => ({ name, type: PARAM_TYPE[kind]! })),
          ...RESULT_PARAMS.filter((p) => p !== '_format').map((name) => ({ name, type: name === '_count' ? 'number' : 'string' })),
        ],
      })),
    }],
  };
}

