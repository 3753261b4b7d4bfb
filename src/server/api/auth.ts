import type { FastifyInstance } from 'fastify';
import { chinaDate } from '../../engine/calendar.ts';
import { invalid } from '../../engine/errors.ts';
import { recordConsent } from '../../app/auth/accounts.ts';
import { revokeSessions, SESSION_MAX_MS, signOut } from '../../app/auth/sessions.ts';
import { personSignIn, requestSignInCode, staffSignIn } from '../../app/auth/sign-in.ts';
import { consentedPersons } from '../../store/auth/accounts.ts';
import { ROLE_NAMES } from '../../store/auth/principal.ts';
import { LoggingSender, type NotificationSender } from '../../store/cooperation/notifications.ts';
import { nearestInstitutions } from '../../store/registry/institutions.ts';
import type { AppDeps } from '../deps.ts';
import { capabilitiesOf } from '../auth/access.ts';
import { Type } from 'typebox';
import { ConsentedPersonModel, MeModel, NearbyInstitutionModel, SessionsRevokedModel } from './models.ts';
import { clearSessionCookie, readCookie, scoped, scopedPerson, SESSION_COOKIE, setSessionCookie } from '../auth/hook.ts';
import { body, date, str } from './cooperation-input.ts';
import { principalLabel } from '../../store/auth/principal.ts';

// Sign-in for staff (username and password) and insured persons (ID number and a one-time code
// sent to their phone), sign-out, who-am-I; and the few reads the portal needs besides the
// registry's: nearest institutions, a grid worker's consented persons.

const MAX_AGE_S = SESSION_MAX_MS / 1000;

export async function registerAuthRoutes(app: FastifyInstance, deps: AppDeps & { codeSender?: NotificationSender }): Promise<void> {
  const { pool } = deps;
  const sender = deps.codeSender ?? new LoggingSender('sms', (line) => console.log(`[yibao] ${line}`));

  app.post('/api/v1/auth/staff', async (req, reply) => {
    const b = body(req.body);
    const s = await staffSignIn(pool, str(b, 'username'), str(b, 'password'), deps.now(), req.ip);
    setSessionCookie(reply, req, s.token, MAX_AGE_S);
    return { principal: s.principal, expires_at: s.expires_at };
  });

  app.post('/api/v1/auth/code', { schema: { tags: ['auth'], summary: '发送登录验证码 / send a sign-in code', response: { 200: Type.Object({ sent_to: Type.String() }) } } }, async (req) => {
    const b = body(req.body);
    return requestSignInCode(pool, str(b, 'certno'), deps.now(), sender, req.ip);
  });

  app.post('/api/v1/auth/person', async (req, reply) => {
    const b = body(req.body);
    const code = str(b, 'code');
    if (!/^[0-9]{6}$/.test(code)) throw invalid('code', '验证码为 6 位数字', 'the code is 6 digits');
    const s = await personSignIn(pool, str(b, 'certno'), code, deps.now(), req.ip);
    setSessionCookie(reply, req, s.token, MAX_AGE_S);
    return { principal: s.principal, expires_at: s.expires_at };
  });

  app.post('/api/v1/auth/sign-out', async (req, reply) => {
    const token = readCookie(req, SESSION_COOKIE);
    if (token) await signOut(pool, token, deps.now());
    clearSessionCookie(reply);
    return { signed_out: true };
  });

  // Sign-in abuse (issue 18): end every session of the caller, or (an administrator covering
  // the account's regions) of a staff account; their tokens are refused from the next request.
  app.post('/api/v1/auth/sign-out-everywhere', { schema: { tags: ['auth'], summary: '退出所有登录 / sign out on every device', response: { 200: SessionsRevokedModel } } }, async (req, reply) => {
    const p = req.principal!;
    const who = p.kind === 'staff' ? { kind: 'staff' as const, username: p.username } : { kind: 'person' as const, psn_no: p.psn_no };
    const ended = await revokeSessions(pool, who, { actor: principalLabel(p), ip: req.ip }, deps.now());
    clearSessionCookie(reply);
    return { subject: who.kind === 'staff' ? who.username : who.psn_no, ended };
  });

  app.post('/api/v1/staff/:username/sessions/revoke', { schema: { tags: ['auth'], summary: '吊销账号的所有会话 / revoke every session of a staff account', response: { 200: SessionsRevokedModel } } }, async (req) => {
    const username = scoped(req, 'staff_username');
    const ended = await revokeSessions(pool, { kind: 'staff', username }, { actor: principalLabel(req.principal!), ip: req.ip }, deps.now());
    return { subject: username, ended };
  });

  // What the pages may offer comes from the route table, so they keep no copy of its role lists.
  app.get('/api/v1/auth/me', { schema: { tags: ['auth'], summary: '当前用户及其权限 / who is signed in and what they may do', response: { 200: MeModel } } }, async (req) => {
    const p = req.principal!;
    return { principal: p, role_name: p.kind === 'staff' ? ROLE_NAMES[p.role] : { zh: '参保人', en: 'insured person' }, ...capabilitiesOf(p) };
  });

  app.get('/api/v1/institutions/nearest', { schema: { tags: ['reference'], summary: '附近定点机构 / nearest institutions', response: { 200: Type.Object({ items: Type.Array(NearbyInstitutionModel) }) } } }, async (req) => {
    const q = req.query as Record<string, unknown>;
    const lat = Number(q.lat);
    const lng = Number(q.lng);
    if (!Number.isFinite(lat) || lat < -90 || lat > 90) throw invalid('lat', '纬度应为 -90 到 90 的数', 'lat must be a number from -90 to 90');
    if (!Number.isFinite(lng) || lng < -180 || lng > 180) throw invalid('lng', '经度应为 -180 到 180 的数', 'lng must be a number from -180 to 180');
    const type = q.fixmedins_type === undefined || q.fixmedins_type === '' ? undefined : String(q.fixmedins_type);
    if (type !== undefined && type !== '1' && type !== '2') throw invalid('fixmedins_type', '应为 1（医疗机构）或 2（药店）', 'must be 1 (medical institution) or 2 (pharmacy)');
    const limit = q.limit === undefined ? 10 : Number(q.limit);
    if (!Number.isInteger(limit) || limit < 1 || limit > 50) throw invalid('limit', 'limit 应为 1-50', 'limit must be 1-50');
    return { items: await nearestInstitutions(pool, { lat, lng }, { ...(type ? { fixmedins_type: type } : {}), limit }) };
  });

  app.get('/api/v1/grid/persons', { schema: { tags: ['auth'], summary: '网格员代办的居民 / the persons who consented to this grid worker', response: { 200: Type.Object({ persons: Type.Array(ConsentedPersonModel) }) } } }, async (req) => {
    const p = req.principal!;
    return { persons: p.kind === 'staff' ? await consentedPersons(pool, p.username, chinaDate(deps.now())) : [] };
  });

  app.post('/api/v1/grid/consents', async (req, reply) => {
    const b = body(req.body);
    // The person is the one the auth hook loaded and checked against the clerk's regions.
    const consent = { consent_ref: str(b, 'consent_ref'), username: str(b, 'username'), psn_no: scopedPerson(req).psn_no, granted_on: date(b, 'granted_on'), evidence: typeof b.evidence === 'string' ? b.evidence : '' };
    await recordConsent(pool, consent, principalLabel(req.principal!), deps.now());
    return reply.status(201).send(consent);
  });
}
