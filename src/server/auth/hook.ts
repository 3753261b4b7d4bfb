import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { chinaDate } from '../../engine/calendar.ts';
import { forbidden, invalid, notFound, unauthenticated, YibaoError } from '../../engine/errors.ts';
import { principalOfSession } from '../../app/auth/sessions.ts';
import { activeConsent, staffAccountRegions } from '../../store/auth/accounts.ts';
import { regionsCover, type Principal } from '../../store/auth/principal.ts';
import type { Actor } from '../../store/audit.ts';
import type { Pool } from '../../store/db.ts';
import { filingScope, importBatchRegion, recognitionScope } from '../../store/auth/scope.ts';
import { findStaffMessage } from '../../store/cooperation/staff-messages.ts';
import { disputeSides, statementSides } from '../../store/clearing/views.ts';
import { findApplication as findClearingApplication, findInstitution } from '../../store/clearing/institutions.ts';
import { findApplication, findConsent } from '../../store/service/applications.ts';
import { writeAudit } from '../../store/audit.ts';
import { settlementRegions } from '../../store/payment/reports.ts';
import { findRun } from '../../store/settlement/simulation-runs.ts';
import { findingRegions } from '../../store/supervision/findings.ts';
import { agreementMembers } from '../../store/supervision/sharing.ts';
import { findSupervisionCase } from '../../store/supervision/cases.ts';
import { findGrid, findServicePoint } from '../../store/service/network.ts';
import { applicationScope } from '../../store/assistance.ts';
import { findPersonByCertno, findPersonByPsnNo, type Person } from '../../store/registry/persons.ts';
import { requirePersonByCertno } from '../../app/registry/persons.ts';
import { claimScope, coverageScope, settlementScope } from '../../store/fhir/queries.ts';
import { callerOf, roleMayCall, ruleFor, type Touches } from './access.ts';

// The one gate in front of every /api/v1 route: who is calling (the session cookie), whether
// their role may call this route, and whether the resource the route touches is theirs. Each
// route declares in access.ts the one resource it touches and the one place its key is read
// from; the hook loads that resource and decides from the loaded row's own person and region,
// then hands it to the handler on `req.scope`, so the handler acts on what was checked.

declare module 'fastify' {
  interface FastifyRequest {
    principal?: Principal;
    /** For a grid worker: the consent that lets them act for the person of this request. */
    consentRef?: string;
    /** What the route touches, as the hook loaded and checked it. */
    scope?: Scope;
  }
}

export interface Scope {
  /** The person the request is about: named directly, or the person of a filing or recognition. */
  person?: Person;
  filing_no?: string;
  recognition_no?: string;
  import_id?: number;
  message_id?: number;
  statement_id?: number;
  dispute_id?: number;
  application_id?: number;
  fixmedins_code?: string;
  setl_id?: string;
  finding_id?: number;
  /** An agreement the caller's regions are members of (its members, as loaded). */
  agreement?: { agreement_no: string; members: readonly string[] };
  case_no?: string;
  /** The service point or grid a service-network route touches. */
  service_point?: string;
  grid?: string;
  /** A staff account whose sessions an administrator revokes (sign-in abuse, issue 18). */
  staff_username?: string;
  /** A one-window or medical-assistance application (its person and handling region decide), a grid worker's consent (its person's). */
  application_no?: string;
  consent_ref?: string;
  /** A workbench simulation (issue 19): its region decides. */
  simulation_id?: string;
  /** The region the decision was made on: the person's, filing's, recognition's, batch's, or the one named. */
  region?: string;
}

export const SESSION_COOKIE = 'yibao_session';

/** The routes behind the gate: the REST API and the FHIR API. */
const guarded = (url: string): boolean => url.startsWith('/api/v1/') || url.startsWith('/fhir/R4/');

/** The session token as `Authorization: Bearer <token>` (what FHIR clients send); a malformed header is none. */
export function bearerToken(req: FastifyRequest): string | undefined {
  const header = req.headers.authorization;
  if (typeof header !== 'string') return undefined;
  const m = /^Bearer +([A-Za-z0-9._~+/=-]{1,100})$/i.exec(header.trim());
  return m?.[1];
}

/** A cookie's value; a malformed one (bad percent-encoding) is as good as none. */
export function readCookie(req: FastifyRequest, name: string): string | undefined {
  const header = req.headers.cookie;
  if (typeof header !== 'string') return undefined;
  for (const part of header.split(';')) {
    const i = part.indexOf('=');
    if (i > 0 && part.slice(0, i).trim() === name) {
      try {
        return decodeURIComponent(part.slice(i + 1).trim());
      } catch {
        return undefined;
      }
    }
  }
  return undefined;
}

export function setSessionCookie(reply: FastifyReply, req: FastifyRequest, token: string, maxAgeSeconds: number): void {
  const secure = req.protocol === 'https' ? '; Secure' : '';
  reply.header('set-cookie', `${SESSION_COOKIE}=${token}; HttpOnly; SameSite=Strict; Path=/; Max-Age=${maxAgeSeconds}${secure}`);
}

export function clearSessionCookie(reply: FastifyReply): void {
  reply.header('set-cookie', `${SESSION_COOKIE}=; HttpOnly; SameSite=Strict; Path=/; Max-Age=0`);
}

type Json = Record<string, unknown>;
type Place = 'path' | 'query' | 'body';

const PLACE_ZH: Record<Place, string> = { path: '路径', query: '查询参数', body: '请求体' };

function placesOf(req: FastifyRequest): Record<Place, Json> {
  const obj = (v: unknown): Json => (v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Json) : {});
  return { path: obj(req.params), query: obj(req.query), body: obj(req.body) };
}

/** A key's value in one place: a non-empty string or a number; anything else is refused by name. */
function keyIn(place: Json, field: string): string | undefined {
  const v = place[field];
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'number' && Number.isFinite(v)) return String(v);
  if (typeof v !== 'string') throw invalid(field, `${field} 应为字符串`, `${field} must be a string`);
  return v.trim() === '' ? undefined : v.trim();
}

const denied = () => forbidden('principal', '无权查看或办理该人员、地区的业务', 'you may not see or act on this person or region');

interface Loaded extends Scope {
  /** Where the key was read, and what it said. */
  key: { place: Place; field: string; value: string };
  /** A resource between regions (a clearing statement, a settlement, an agreement's members): a staff member covering any may act on it. */
  either?: readonly string[];
  /** The institution a supervision finding or case is against: the only institution account that may see it. */
  institution?: string;
}

/** Loads the resource a route declares, from the one place it declares; not found is a 404. */
async function load(pool: Pool, touches: Exclude<Touches, 'nothing'>, places: Record<Place, Json>): Promise<Loaded> {
  // 'person by body psn_no|certno' → resource 'person', place 'body', fields psn_no then certno
  const [resource, source] = touches.split(' by ') as [string, string];
  const [place, fieldList] = source.split(' ') as [Place, string];
  const fields = fieldList.split('|');
  const field = fields.find((f) => keyIn(places[place], f) !== undefined);
  if (!field) throw invalid(fields[0]!, `须提供 ${fields.join(' 或 ')}`, `${fields.join(' or ')} is required`);
  const value = keyIn(places[place], field)!;
  const key = { place, field, value };

  if (resource === 'person') {
    const person =
      field === 'psn_no' ? await findPersonByPsnNo(pool, value)
      : place === 'path' ? await requirePersonByCertno(pool, value) // the registry's routes check the ID number
      : await findPersonByCertno(pool, value);
    if (!person) throw notFound(field, '查无此参保人', 'no such insured person');
    return { key, person, region: person.insuplc_admdvs };
  }
  if (resource === 'filing') {
    const f = await filingScope(pool, value);
    if (!f) throw notFound('filing_no', '查无此备案', 'no such filing');
    return { key, filing_no: value, ...f };
  }
  if (resource === 'recognition') {
    const r = await recognitionScope(pool, value);
    if (!r) throw notFound('recognition_no', '查无此认定', 'no such recognition');
    return { key, recognition_no: value, ...r };
  }
  if (resource === 'identity import') {
    const id = /^[0-9]{1,15}$/.test(value) ? Number(value) : NaN;
    const region = Number.isSafeInteger(id) ? await importBatchRegion(pool, id) : undefined;
    if (!region) throw notFound('id', `比对批次 ${value} 不存在`, `no identity import batch ${value}`);
    return { key, import_id: id, region };
  }
  if (resource === 'staff message') {
    const id = /^[0-9]{1,15}$/.test(value) ? Number(value) : NaN;
    const m = Number.isSafeInteger(id) ? await findStaffMessage(pool, id) : undefined;
    if (!m) throw notFound('id', `消息 ${value} 不存在`, `no staff message ${value}`);
    return { key, message_id: id, region: m.admdvs };
  }
  if (resource === 'clearing statement') {
    const id = /^[0-9]{1,15}$/.test(value) ? Number(value) : NaN;
    const sides = Number.isSafeInteger(id) ? await statementSides(pool, id) : undefined;
    if (!sides) throw notFound('id', `清算单 ${value} 不存在`, `no clearing statement ${value}`);
    return { key, statement_id: id, either: [sides.insured_admdvs, sides.treatment_admdvs] };
  }
  if (resource === 'clearing dispute') {
    const id = /^[0-9]{1,15}$/.test(value) ? Number(value) : NaN;
    const sides = Number.isSafeInteger(id) ? await disputeSides(pool, id) : undefined;
    if (!sides) throw notFound('id', `争议 ${value} 不存在`, `no clearing dispute ${value}`);
    return { key, dispute_id: id, statement_id: sides.statement_id, either: [sides.insured_admdvs, sides.treatment_admdvs] };
  }
  if (resource === 'clearing application') {
    const id = /^[0-9]{1,15}$/.test(value) ? Number(value) : NaN;
    const a = Number.isSafeInteger(id) ? await findClearingApplication(pool, id) : undefined;
    if (!a) throw notFound('id', `清算申请 ${value} 不存在`, `no clearing application ${value}`);
    return { key, application_id: id, region: a.admdvs }; // the institution's region
  }
  if (resource === 'settlement') {
    const sides = await settlementRegions(pool, value);
    if (!sides) throw notFound('setl_id', `结算 ${value} 不存在`, `no settlement ${value}`);
    return { key, setl_id: value, either: [sides.insuplc_admdvs, sides.mdtrtarea_admvs] };
  }
  if (resource === 'supervision finding') {
    const id = /^[0-9]{1,15}$/.test(value) ? Number(value) : NaN;
    const sides = Number.isSafeInteger(id) ? await findingRegions(pool, id) : undefined;
    if (!sides) throw notFound('id', `监管疑点 ${value} 不存在`, `no supervision finding ${value}`);
    return { key, finding_id: id, either: [sides.insuplc_admdvs, sides.mdtrtarea_admvs], institution: sides.fixmedins_code };
  }
  if (resource === 'supervision case') {
    const sup = await findSupervisionCase(pool, value);
    if (!sup) throw notFound('case_no', '查无此案件', 'no such case');
    // the institution's region works the case (its supervisors), as the use cases decide
    return { key, case_no: sup.case_no, region: sup.admdvs, institution: sup.fixmedins_code };
  }
  if (resource === 'application') {
    const a = await findApplication(pool, value);
    const person = a ? await findPersonByPsnNo(pool, a.psn_no) : undefined;
    if (!a || !person) throw notFound('application_no', '查无此申请', 'no such application');
    // the handling region's staff work it; the person and their consenting grid worker see it
    return { key, application_no: a.application_no, person, region: a.region };
  }
  if (resource === 'consent') {
    const g = await findConsent(pool, value);
    const person = g ? await findPersonByPsnNo(pool, g.psn_no) : undefined;
    if (!g || !person) throw notFound('consent_ref', '查无此授权', 'no such consent');
    return { key, consent_ref: g.consent_ref, person, region: person.insuplc_admdvs };
  }
  if (resource === 'assistance application') {
    const a = await applicationScope(pool, value);
    const person = a ? await findPersonByPsnNo(pool, a.psn_no) : undefined;
    if (!a || !person) throw notFound('application_no', '查无此救助申请', 'no such assistance application');
    // the pooling region whose fund pays works it; the person (or a consenting grid worker) reads it
    return { key, application_no: value, person, region: a.region };
  }
  if (resource === 'agreement') {
    const members = await agreementMembers(pool, value);
    if (!members) throw notFound('agreement_no', `协议 ${value} 不存在`, `no agreement ${value}`);
    return { key, agreement: { agreement_no: value, members }, either: members };
  }
  if (resource === 'staff account') {
    const regions = await staffAccountRegions(pool, value);
    if (!regions) throw notFound('username', '查无此账号', 'no such staff account');
    return { key, staff_username: value, either: regions };
  }
  if (resource === 'simulation run') {
    const run = await findRun(pool, value);
    if (!run) throw notFound('id', `测算 ${value} 不存在`, `no simulation ${value}`);
    return { key, simulation_id: run.id, region: run.admdvs };
  }
  if (resource === 'institution') {
    const inst = await findInstitution(pool, value);
    if (!inst) throw notFound('fixmedins_code', '查无此定点机构', 'no such designated institution');
    return { key, fixmedins_code: inst.fixmedins_code, region: inst.admdvs };
  }
  if (resource === 'service point') {
    const sp = await findServicePoint(pool, value);
    if (!sp) throw notFound('code', '查无此网点', 'no such service point');
    return { key, service_point: sp.code, region: sp.admdvs };
  }
  if (resource === 'grid') {
    const g = await findGrid(pool, value);
    if (!g) throw notFound('code', '查无此网格', 'no such grid');
    return { key, grid: g.code, region: g.admdvs };
  }
  if (resource === 'fhir patient') {
    const person = await findPersonByPsnNo(pool, value);
    if (!person) throw notFound('id', `Patient/${value} 不存在`, `Patient/${value} does not exist`);
    return { key, person, region: person.insuplc_admdvs };
  }
  if (resource === 'fhir coverage') {
    const c = await coverageScope(pool, value);
    const person = c ? await findPersonByPsnNo(pool, c.psn_no) : undefined;
    if (!c || !person) throw notFound('id', `Coverage/${value} 不存在`, `Coverage/${value} does not exist`);
    // the enrollment's region, and the person's current one (a transfer keeps the history visible there)
    return { key, person, either: [c.insuplc_admdvs, c.person_admdvs] };
  }
  if (resource === 'fhir claim' || resource === 'fhir settlement') {
    const v = resource === 'fhir claim' ? await claimScope(pool, value) : await settlementScope(pool, value);
    const person = v ? await findPersonByPsnNo(pool, v.psn_no) : undefined;
    const type = resource === 'fhir claim' ? 'Claim' : 'ExplanationOfBenefit';
    if (!v || !person) throw notFound('id', `${type}/${value} 不存在`, `${type}/${value} does not exist`);
    // between two regions like a settlement; the person's own; the institution's own
    return { key, person, either: [v.insuplc_admdvs, v.mdtrtarea_admvs], institution: v.fixmedins_code };
  }
  return { key, region: value }; // a region: the code itself
}

/**
 * A request that names its subject a second time (a psn_no in the query beside the ID number in
 * the path, …) must name the same one: otherwise a 400 naming the field, before anything is done.
 */
function refuseDisagreement(loaded: Loaded, places: Record<Place, Json>): void {
  const { key, person } = loaded;
  const want = new Map<string, string>([[key.field, key.value]]);
  if (person) {
    want.set('psn_no', person.psn_no);
    want.set('certno', person.certno.toUpperCase());
  }
  for (const place of Object.keys(places) as Place[]) {
    for (const [field, expected] of want) {
      if (place === key.place && field === key.field) continue;
      const got = keyIn(places[place], field);
      if (got === undefined || (field === 'certno' ? got.toUpperCase() : got) === expected) continue;
      throw invalid(
        field,
        `${PLACE_ZH[place]}中的 ${field} 与${PLACE_ZH[key.place]}中的 ${key.field} 所指不一致`,
        `${field} in the ${place} does not match ${key.field} in the ${key.place}`,
      );
    }
  }
}

export function installAuth(app: FastifyInstance, deps: { pool: Pool; now: () => Date }): void {
  app.decorateRequest('principal', undefined);
  app.decorateRequest('consentRef', undefined);
  app.decorateRequest('scope', undefined);

  // Fail closed: a route that does not say who may call it and what it touches does not start.
  app.addHook('onRoute', (route) => {
    if (!guarded(route.url)) return;
    for (const method of [route.method].flat()) {
      if (!ruleFor(method, route.url)) throw new Error(`${method} ${route.url} has no entry in src/server/auth/access.ts (who may call it, what it touches)`);
    }
  });

  // Who is calling: read on every request so that even public routes (sign-out, /auth/me) know.
  app.addHook('onRequest', async (req) => {
    const token = readCookie(req, SESSION_COOKIE) ?? bearerToken(req);
    if (token && token.length <= 100) req.principal = await principalOfSession(deps.pool, token, deps.now());
  });

  // May they: after the body is parsed and validated, so a malformed request still gets its 400.
  app.addHook('preHandler', async (req) => {
    const url = req.routeOptions.url;
    if (!url || !guarded(url)) return;
    const rule = ruleFor(req.method, url);
    if (!rule) throw denied(); // not reached: onRoute refuses such routes
    if (rule.access === 'public') return;
    const p = req.principal;
    if (!p) throw unauthenticated('session', '请先登录', 'please sign in');
    const caller = callerOf(p);
    if (!roleMayCall(caller, rule)) throw forbidden('role', '当前角色无权办理此项业务', `the ${caller} role may not do this`);
    if (rule.access === 'signed_in' || rule.access === 'any_account') return;
    // a search the handler filters in SQL by whoever calls (the FHIR API's): no one resource to load
    if (rule.touches === 'caller scope in SQL') return;
    // Persons and grid workers only ever act on one person's data; an institution's account on its own institution's.
    const forInstitution = p.kind === 'staff' && p.role === 'institution';
    const forOnePerson = p.kind === 'person' || p.role === 'grid_worker' || forInstitution;
    if (rule.touches === 'nothing') {
      // the lists an institution may read filter by its own institution in the handler
      if (forOnePerson && !forInstitution) throw denied();
      return;
    }

    const places = placesOf(req);
    let loaded: Loaded;
    try {
      loaded = await load(deps.pool, rule.touches, places);
    } catch (err) {
      // Someone acting for one person learns nothing about whether other records exist.
      if (forOnePerson && err instanceof YibaoError && err.kind === 'not_found') throw denied();
      throw err;
    }

    if (p.kind === 'person') {
      if (loaded.person?.psn_no !== p.psn_no) throw denied();
    } else if (forInstitution) {
      // decided from the loaded finding's or case's own institution, never from a region
      if (loaded.institution === undefined || loaded.institution !== p.fixmedins_code) throw denied();
    } else if (p.role === 'grid_worker') {
      if (!loaded.person) throw denied();
      const consent = await activeConsent(deps.pool, p.username, loaded.person.psn_no, chinaDate(deps.now()));
      if (!consent) {
        // a proxy refused is audited with both persons (nothing else is written)
        await writeAudit(deps.pool, { actor: `grid_worker:${p.username}`, now: deps.now() }, 'grid.proxy_refused', `person:${loaded.person.psn_no}`, {
          grid_worker: p.username, psn_no: loaded.person.psn_no, route: `${req.method} ${url}`, reason: 'no active consent',
        });
        throw forbidden('consent', '该居民未授权您代办', 'this person has not consented to you acting for them');
      }
      req.consentRef = consent;
    } else if (loaded.either) {
      const covered = loaded.either.find((r) => regionsCover(p.regions, r));
      if (!covered) throw denied();
      loaded.region = covered;
    } else if (!loaded.region || !regionsCover(p.regions, loaded.region)) {
      throw denied();
    } else if (rule.alsoRegion) {
      const also = keyIn(places.body, 'insuplc_admdvs');
      if (also !== undefined && !regionsCover(p.regions, also)) throw denied();
    }
    // Only once the declared resource is known to be theirs: a foreign one is a 403 whatever else
    // the request says, and the comparison reveals nothing of what the other key names.
    refuseDisagreement(loaded, places);
    const { key: _key, either: _either, institution: _institution, ...scope } = loaded;
    req.scope = scope;
  });
}

/** The person the hook loaded and checked for this request (routes that touch a person). */
export function scopedPerson(req: FastifyRequest): Person {
  const person = req.scope?.person;
  if (!person) throw new Error(`${req.method} ${req.routeOptions.url} has no person in scope: declare it in access.ts`);
  return person;
}

/** The loaded resource's key for the routes that touch a filing, recognition or import batch. */
export function scoped<K extends 'filing_no' | 'recognition_no' | 'import_id' | 'message_id' | 'statement_id' | 'dispute_id' | 'application_id' | 'fixmedins_code' | 'setl_id' | 'finding_id' | 'agreement' | 'case_no' | 'region' | 'service_point' | 'grid' | 'application_no' | 'consent_ref' | 'staff_username' | 'simulation_id'>(req: FastifyRequest, key: K): NonNullable<Scope[K]> {
  const v = req.scope?.[key];
  if (v === undefined) throw new Error(`${req.method} ${req.routeOptions.url} has no ${key} in scope: declare it in access.ts`);
  return v as NonNullable<Scope[K]>;
}

/** The actor the cooperation stores record, from the session rather than from the body. */
export function actorOfRequest(req: FastifyRequest): Actor {
  const p = req.principal;
  if (!p) throw unauthenticated('session', '请先登录', 'please sign in');
  if (p.kind === 'person') return { type: 'person', id: p.psn_no, name: p.psn_name };
  if (p.role === 'grid_worker') return { type: 'grid_worker', id: p.username, name: p.display_name };
  // the institution acts as itself; who of its staff signed in is the name
  if (p.role === 'institution') return { type: 'hospital', id: p.fixmedins_code!, name: `${p.display_name} (${p.username})` };
  return { type: 'staff', id: p.username, name: p.display_name, role: p.role };
}

/** Staff regions for filtering lists (queues); undefined for the whole deployment. */
export function staffRegions(req: FastifyRequest): readonly string[] | undefined {
  const p = req.principal;
  if (!p || p.kind !== 'staff') return [];
  return p.regions.includes('000000') ? undefined : p.regions;
}
