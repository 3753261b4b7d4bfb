import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { chinaDate } from '../../engine/calendar.ts';
import { forbidden, unauthenticated } from '../../engine/errors.ts';
import { activeConsent, principalOfSession } from '../../store/auth/accounts.ts';
import { regionsCover, type Principal } from '../../store/auth/principal.ts';
import type { Actor } from '../../store/cooperation/common.ts';
import type { Pool } from '../../store/db.ts';
import { accessFor } from './access.ts';

// The one gate in front of every /api/v1 route: who is calling (the session cookie), whether
// their role may call this route (access.ts), and whether the person or region the request is
// about is theirs. Routes stay as they were; they read `req.principal` to know the actor.

declare module 'fastify' {
  interface FastifyRequest {
    principal?: Principal;
    /** For a grid worker: the consent that lets them act for the person of this request. */
    consentRef?: string;
  }
}

export const SESSION_COOKIE = 'yibao_session';

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
const text = (v: unknown): string | undefined => (typeof v === 'string' && v.trim() !== '' ? v.trim() : undefined);

interface Subject {
  psn_no?: string;
  /** A division the request writes in or reads for (a new person's region, an import's region, a calendar). */
  admdvs?: string;
}

/** What person or region a request is about, read from its parameters, query and body. */
async function subjectOf(pool: Pool, req: FastifyRequest): Promise<Subject> {
  const params = (req.params ?? {}) as Json;
  const query = (req.query ?? {}) as Json;
  const body = (req.body !== null && typeof req.body === 'object' && !Array.isArray(req.body) ? req.body : {}) as Json;
  const one = async (sql: string, value: string): Promise<string | undefined> => (await pool.query<{ v: string }>(sql, [value])).rows[0]?.v;

  // A person named by number or ID; one not (yet) registered falls through to the region checks.
  const certno = text(params.certno) ?? text(query.certno) ?? text(body.certno);
  const psn = text(params.psn_no) ?? text(query.psn_no) ?? text(body.psn_no);
  if (psn) return { psn_no: psn };
  if (certno) {
    const found = await one('SELECT psn_no AS v FROM persons WHERE certno = $1', certno.toUpperCase());
    if (found) return { psn_no: found };
  }
  if (text(params.filing_no)) {
    const found = await one('SELECT psn_no AS v FROM filings WHERE filing_no = $1', text(params.filing_no)!);
    return found ? { psn_no: found } : {};
  }
  if (text(params.no)) {
    const found = await one('SELECT psn_no AS v FROM recognitions WHERE recognition_no = $1', text(params.no)!);
    return found ? { psn_no: found } : {};
  }
  if (req.routeOptions.url?.startsWith('/api/v1/identity-imports/') && /^\d+$/.test(String(params.id ?? ''))) {
    const found = await one('SELECT admdvs AS v FROM identity_import_batches WHERE id = $1', String(params.id));
    return found ? { admdvs: found } : {};
  }
  const admdvs = text(body.insuplc_admdvs) ?? text(body.admdvs) ?? (req.routeOptions.url?.includes('/filing-policies/') ? text(params.admdvs) : undefined);
  return admdvs ? { admdvs } : {};
}

const denied = () => forbidden('principal', '无权查看或办理该人员、地区的业务', 'you may not see or act on this person or region');

export function installAuth(app: FastifyInstance, deps: { pool: Pool; now: () => Date }): void {
  app.decorateRequest('principal', undefined);
  app.decorateRequest('consentRef', undefined);

  // Who is calling: read on every request so that even public routes (sign-out, /auth/me) know.
  app.addHook('onRequest', async (req) => {
    const token = readCookie(req, SESSION_COOKIE);
    if (token && token.length <= 100) req.principal = await principalOfSession(deps.pool, token, deps.now());
  });

  // May they: after the body is parsed and validated, so a malformed request still gets its 400.
  app.addHook('preHandler', async (req) => {
    const url = req.routeOptions.url;
    if (!url || !url.startsWith('/api/v1/')) return;
    const access = accessFor(req.method, url);
    if (access === 'public') return;
    const p = req.principal;
    if (!p) throw unauthenticated('session', '请先登录', 'please sign in');
    if (access === 'signed_in') return;
    const caller = p.kind === 'person' ? 'person' : p.role;
    if (!access.includes(caller)) throw forbidden('role', '当前角色无权办理此项业务', `the ${caller} role may not do this`);

    const subject = await subjectOf(deps.pool, req);
    if (p.kind === 'person') {
      // A person's own data only; anything not about a person is not theirs to call.
      if (subject.psn_no !== p.psn_no) throw denied();
      return;
    }
    if (p.role === 'grid_worker') {
      if (!subject.psn_no) throw denied();
      const consent = await activeConsent(deps.pool, p.username, subject.psn_no, chinaDate(deps.now()));
      if (!consent) throw forbidden('consent', '该居民未授权您代办', 'this person has not consented to you acting for them');
      req.consentRef = consent;
      return;
    }
    if (subject.psn_no) {
      const r = await deps.pool.query<{ insuplc_admdvs: string }>('SELECT insuplc_admdvs FROM persons WHERE psn_no = $1', [subject.psn_no]);
      const region = r.rows[0]?.insuplc_admdvs;
      if (region && !regionsCover(p.regions, region)) throw denied();
    } else if (subject.admdvs && !regionsCover(p.regions, subject.admdvs)) {
      throw denied();
    }
  });
}

/** The actor the cooperation stores record, from the session rather than from the body. */
export function actorOfRequest(req: FastifyRequest): Actor {
  const p = req.principal;
  if (!p) throw unauthenticated('session', '请先登录', 'please sign in');
  if (p.kind === 'person') return { type: 'person', id: p.psn_no, name: p.psn_name };
  if (p.role === 'grid_worker') return { type: 'grid_worker', id: p.username, name: p.display_name };
  return { type: 'staff', id: p.username, name: p.display_name };
}

/** Staff regions for filtering lists (queues); undefined for the whole deployment. */
export function staffRegions(req: FastifyRequest): readonly string[] | undefined {
  const p = req.principal;
  if (!p || p.kind !== 'staff') return [];
  return p.regions.includes('000000') ? undefined : p.regions;
}
