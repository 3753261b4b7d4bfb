import crypto from 'node:crypto';
import { YibaoError, conflict, invalid, unauthenticated, unavailable } from '../../engine/errors.ts';
import { isDatabaseOutOfResources, isDatabaseUnavailable, type Pool, type Queryable } from '../../store/db.ts';
import type { DocumentRegistry } from '../../store/documents/registry.ts';
import type { GroupCommit } from '../../store/group-commit.ts';
import { insertMessage, MESSAGE_RECORDS, MESSAGE_START, messageKey, nextRefmsgSerial, startMessage, type Caller, type MessageLogRow } from '../../store/gateway-store.ts';
import { canonicalJson, differingPaths, sha256Hex } from './canonical.ts';
import { normaliseEnvelope, parseBody, refmsgRegion, type GatewayResponse } from './envelope.ts';
import { verifyBodySignature } from './signature.ts';
import { compactMillis, compactSeconds } from './time.ts';
import type { TransactionRegistry } from './transactions.ts';
import type { FederationPort } from '../../app/federation/port.ts';
import type { Admission } from './admission.ts';
import { remoteOwnerOf, type Deployment } from '../../engine/federation/index.ts';
import type { GatewayContext, GatewayEnvelope, TransactionHandler } from './types.ts';

// The gateway's one pipeline: parse → dispatch → authenticate → (idempotency) → handle →
// answer → log. Every path ends in a well-formed response envelope; nothing here throws.

export interface GatewayDeps {
  pool: Pool;
  /** Where writing messages run: in transactions shared with concurrent messages (group commit). */
  commits: GroupCommit;
  now: () => Date;
  registry: TransactionRegistry;
  /** The versioned documents the handlers price on. */
  documents: DocumentRegistry;
  /** The link to the deployments that own other regions (issue 17); absent: every person is settled here. */
  federation?: FederationPort;
  /** Admission control (issue 18): absent, every message is taken. */
  admission?: Admission;
  /** Where unexpected failures are reported (the answer itself stays a -1 envelope). */
  logError: (err: unknown, context: Record<string, unknown>) => void;
  /** Told of every answer (issue 18: metrics and the message's log line); must not throw. */
  observe?: (o: GatewayObservation) => void;
}

/** One message as answered: what metrics and the request's log line need. */
export interface GatewayObservation {
  infno: string | undefined;
  fixmedins_code: string | undefined;
  msgid: string | undefined;
  infcode: 0 | -1;
  inf_refmsgid: string;
  /** The earlier answer of the same msgid returned again (nothing new committed). */
  replayed: boolean;
  /** A -1 for the client's mistake: the error's kind and the field it names first. */
  refusal?: { kind: string; field: string };
  output: Record<string, unknown>;
}

interface Outcome {
  output: Record<string, unknown>;
  warnings: string[];
}

/** A successful write already answered: its stored response is returned verbatim. */
class Replay {
  constructor(readonly response: GatewayResponse) {}
}

/** A write answered now: its response and the record committed with it. */
class Answered {
  constructor(
    readonly response: GatewayResponse,
    readonly record: MessageLogRow,
  ) {}
}

/** The answer, and its JSON text: serialised once, for the client and for the message log. */
export interface GatewayAnswer {
  response: GatewayResponse;
  body: string;
  /** Refused for now (shed, the database away): the HTTP `Retry-After` the answer carries. */
  retryAfterS?: number;
}

export async function callService(deps: GatewayDeps, body: unknown): Promise<GatewayAnswer> {
  const receivedAt = deps.now();
  let raw: Record<string, unknown> | undefined;
  let envelope: GatewayEnvelope | undefined;
  let serial: number | undefined;
  /** Refused by admission control: nothing is done for it, not even its log row. */
  let shed = false;
  const answer = async (result: Outcome | YibaoError | Error): Promise<GatewayResponse> => {
    // A shed message costs the database nothing, not even its answer's serial.
    serial ??= shed ? crypto.randomInt(0, 2 ** 32) : await nextSerial(deps.pool);
    const ok = !(result instanceof Error);
    return {
      infcode: ok ? 0 : -1,
      inf_refmsgid: refmsgRegion(raw) + compactSeconds(receivedAt) + String(serial).padStart(10, '0'),
      refmsg_time: compactMillis(receivedAt),
      respond_time: compactMillis(deps.now()),
      err_msg: ok ? null : result instanceof YibaoError ? result.bilingual() : internalMessage(),
      warn_msg: ok && result.warnings.length > 0 ? result.warnings.join('；') : null,
      output: ok ? result.output : {},
    };
  };

  let response: GatewayResponse;
  /** The answer's JSON when it was already logged (committed with an idempotent write). */
  let logged: string | undefined;
  let leave: (() => void) | undefined;
  let replayed = false;
  let refused: YibaoError | undefined;
  try {
    raw = parseBody(body);
    envelope = normaliseEnvelope(raw);
    const handler = deps.registry.get(envelope.infno);
    if (!handler) throw unsupported(envelope.infno, deps.registry);
    if (deps.admission) {
      const slot = deps.admission.enter(envelope.fixmedins_code);
      if ('refused' in slot) {
        shed = true;
        throw slot.refused;
      }
      leave = slot.leave;
    }
    const env = envelope;
    const rawBody = raw;
    if (handler.writes) {
      // A message that must ask another deployment first (issue 17) does so outside the
      // transaction, once its caller is known and only when the msgid has no answer yet.
      let prepared: unknown;
      if (handler.prepare && deps.federation) {
        const start = await startMessage(deps.pool, { fixmedins_code: env.fixmedins_code, msgid: env.msgid, sign_no: handler.requiresSignIn ? env.sign_no : undefined });
        const checked = checkCaller(rawBody, env, handler, start.caller);
        // An answered msgid is replayed in the transaction below; nothing is asked again.
        if (!start.previous) prepared = await handler.prepare(context(checked, env, receivedAt, deps.pool, deps, [], undefined));
      }
      // The (institution, msgid) lock with the handler's own keys; the answer's serial, the
      // earlier answer and the caller in the BEGIN round trip; the answer's record with COMMIT.
      const signNo = handler.requiresSignIn ? env.sign_no : undefined;
      const own = handler.conflictKeys?.(env);
      const result: Replay | Answered = await deps.commits.submit({
        keys: [messageKey(env.fixmedins_code, env.msgid), ...(own ?? [])],
        shareable: own !== undefined,
        opening: { read: MESSAGE_START, item: { fixmedins_code: env.fixmedins_code, msgid: env.msgid, sign_no: signNo } },
        run: async (client, start) => {
          serial = start.serial;
          const checked = checkCaller(rawBody, env, handler, start.caller);
          const request = canonicalRequest(env, handler);
          const previous = start.previous;
          if (previous) {
            if (previous.request_hash === request.hash) return new Replay(previous.response as unknown as GatewayResponse);
            const paths = differingPaths(previous.request, request.value);
            throw conflict(
              'msgid',
              `报文ID ${env.msgid} 已用于内容不同的报文（不同之处：${paths.join('、')}），重发须与原报文一致，新业务请使用新的报文ID`,
              `msgid ${env.msgid} was already used for a message with different content (differs at: ${paths.join(', ')}); a retry must repeat the original, new business needs a new msgid`,
            );
          }
          const outcome = await run(handler, checked, env, receivedAt, client, deps, prepared);
          const resp = await answer(outcome);
          return new Answered(resp, messageRecord(env, request, resp, JSON.stringify(resp), true, receivedAt, deps.now()));
        },
        commit: (r) => (r instanceof Answered ? { aggregate: MESSAGE_RECORDS, item: r.record } : undefined),
      });
      response = result.response;
      if (result instanceof Answered) {
        logged = result.record.response_json;
      } else replayed = true;
    } else {
      // The same opening as a write (the earlier-answer lookup unused): serial and caller in one statement.
      const start = await startMessage(deps.pool, { fixmedins_code: env.fixmedins_code, msgid: env.msgid, sign_no: handler.requiresSignIn ? env.sign_no : undefined });
      serial = start.serial;
      const checked = checkCaller(raw, env, handler, start.caller);
      const owner = deps.federation && handler.forwardFor ? forwardTarget(deps.federation, handler.forwardFor(env)) : undefined;
      if (owner && deps.federation) {
        response = await answer(await forward(deps.federation, owner, env, checked));
      } else {
        const prepared = handler.prepare && deps.federation ? await handler.prepare(context(checked, env, receivedAt, deps.pool, deps, [], undefined)) : undefined;
        response = await answer(await run(handler, checked, env, receivedAt, deps.pool, deps, prepared));
      }
    }
  } catch (err) {
    // The database gone (restarting, crashed): a clear "try again"; the same msgid then gets the
    // definitive answer (the log has it if the message committed just before).
    const failure = isDatabaseUnavailable(err) ? databaseUnavailable() : err;
    // A full disk is the operator's to fix: logged, though the hospital only hears "try again".
    if (!(failure instanceof YibaoError) || isDatabaseOutOfResources(err)) deps.logError(err, { infno: envelope?.infno, msgid: envelope?.msgid });
    if (failure instanceof YibaoError) refused = failure;
    response = await answer(failure instanceof Error ? failure : new Error(String(failure)));
  } finally {
    leave?.();
  }
  deps.observe?.({
    infno: envelope?.infno, fixmedins_code: envelope?.fixmedins_code, msgid: envelope?.msgid, infcode: response.infcode, inf_refmsgid: response.inf_refmsgid, replayed, output: response.output,
    ...(refused ? { refusal: { kind: refused.kind, field: (refused.details[0]?.field ?? 'unknown').replace(/\[\d+\]/g, '[]').slice(0, 80) } } : {}),
  });
  const later = refused?.retryAfterS !== undefined ? { retryAfterS: refused.retryAfterS } : {};
  if (logged !== undefined) return { response, body: logged, ...later };
  const json = JSON.stringify(response);
  if (envelope && !shed) await logMessage(deps, envelope, response, json, receivedAt);
  return { response, body: json, ...later };
}

interface Prepared {
  institution: GatewayContext['institution'];
  signIn: GatewayContext['signIn'];
}

/** Known institution, its signature when it registered a key, and a live sign-in of its own. */
function checkCaller(raw: Record<string, unknown>, env: GatewayEnvelope, handler: TransactionHandler, caller: Caller): Prepared {
  const { institution: inst, signIn: row } = caller;
  if (!inst) {
    throw unauthenticated('fixmedins_code', `定点医药机构 ${env.fixmedins_code} 不存在或未登记`, `no designated institution ${env.fixmedins_code} is registered`);
  }
  if (inst.sm2_public_key) verifyBodySignature(raw, env.cainfo, env.signtype, inst.sm2_public_key);
  let signIn: GatewayContext['signIn'];
  if (handler.requiresSignIn) {
    if (!env.sign_no) throw unauthenticated('sign_no', '必填：请先签到（9001）取得签到编号', 'required: sign in first (9001) to obtain a sign_no');
    if (!row || row.fixmedins_code !== env.fixmedins_code) {
      // Another institution's sign_no is answered like an unknown one: nothing leaks.
      throw unauthenticated('sign_no', `签到编号 ${env.sign_no} 无效：不是本机构签到取得的`, `sign_no ${env.sign_no} is not valid: it was not issued to this institution by 9001`);
    }
    if (row.signout_time) {
      throw unauthenticated('sign_no', `签到编号 ${env.sign_no} 已签退，请重新签到（9001）`, `sign_no ${env.sign_no} was signed out; sign in again (9001)`);
    }
    signIn = { sign_no: row.sign_no, opter: row.opter ?? undefined, sign_time: row.sign_time };
  }
  const { sm2_public_key: _key, ...institution } = inst;
  return { institution, signIn };
}

function context(prepared: Prepared, envelope: GatewayEnvelope, receivedAt: Date, db: Queryable, deps: GatewayDeps, warnings: string[], asked: unknown): GatewayContext {
  return {
    pool: deps.pool,
    db,
    documents: deps.documents,
    now: () => receivedAt,
    envelope,
    institution: prepared.institution,
    signIn: prepared.signIn,
    warn: (message) => void warnings.push(message),
    federation: deps.federation,
    prepared: asked,
  };
}

async function run(
  handler: TransactionHandler,
  prepared: Prepared,
  envelope: GatewayEnvelope,
  receivedAt: Date,
  db: Queryable,
  deps: GatewayDeps,
  asked: unknown,
): Promise<Outcome> {
  const warnings: string[] = [];
  const output = await handler.handle(context(prepared, envelope, receivedAt, db, deps, warnings, asked));
  return { output, warnings };
}

/** The deployment that answers a read for this region or psn_no, when it is another one. */
function forwardTarget(port: FederationPort, key: string | undefined): Deployment | undefined {
  if (key === undefined || !/^[0-9]{6}/.test(key)) return undefined;
  return remoteOwnerOf(port.directory, key.slice(0, 6));
}

/** A read-only message answered by the person's owner: the same infno and input, the caller vouched for by this deployment. */
async function forward(port: FederationPort, owner: Deployment, env: GatewayEnvelope, caller: Prepared): Promise<Outcome> {
  const a = await port.send<{ output: Record<string, unknown>; warnings: string[] }>(owner, 'gateway.query', `query:${crypto.randomUUID()}`, {
    infno: env.infno, fixmedins_code: caller.institution.fixmedins_code, input: env.input,
    ...(env.insuplc_admdvs !== undefined ? { insuplc_admdvs: env.insuplc_admdvs } : {}), mdtrtarea_admvs: env.mdtrtarea_admvs,
  });
  return { output: a.output, warnings: a.warnings };
}

interface CanonicalRequest {
  value: unknown;
  json: string;
  hash: string;
}

/**
 * What idempotency compares and the log keeps: exactly what the handler reads (the transaction,
 * its input and the header fields it declares), not the envelope's changing metadata.
 */
function canonicalRequest(env: GatewayEnvelope, handler: TransactionHandler | undefined): CanonicalRequest {
  const value: Record<string, unknown> = { infno: env.infno };
  for (const f of handler?.headerFields ?? []) if (env[f] !== undefined) value[f] = env[f];
  value['input'] = env.input;
  const json = canonicalJson(value);
  return { value, json, hash: sha256Hex(json) };
}

function messageRecord(env: GatewayEnvelope, request: CanonicalRequest, response: GatewayResponse, responseJson: string, idempotent: boolean, receivedAt: Date, answeredAt: Date): MessageLogRow {
  return {
    fixmedins_code: env.fixmedins_code,
    msgid: env.msgid,
    infno: env.infno,
    idempotent,
    request_hash: request.hash,
    request_json: request.json,
    response_json: responseJson,
    infcode: response.infcode,
    received_at: receivedAt,
    answered_at: answeredAt,
  };
}

async function logMessage(deps: GatewayDeps, env: GatewayEnvelope, response: GatewayResponse, responseJson: string, receivedAt: Date): Promise<void> {
  try {
    await insertMessage(deps.pool, messageRecord(env, canonicalRequest(env, deps.registry.get(env.infno)), response, responseJson, false, receivedAt, deps.now()));
  } catch (err) {
    // The answer is already made; a log failure must not turn it into an error.
    deps.logError(err, { infno: env.infno, msgid: env.msgid, while: 'logging the message' });
  }
}

async function nextSerial(pool: Pool): Promise<number> {
  try {
    return await nextRefmsgSerial(pool);
  } catch {
    // Without the database the answer still needs an id; collisions are then merely unlikely.
    return crypto.randomInt(0, 2 ** 32);
  }
}

function unsupported(infno: string, registry: TransactionRegistry): YibaoError {
  const known = [...registry.keys()].sort().join(', ');
  return invalid('infno', `不支持的交易编号 ${infno}（本平台支持：${known}）`, `unsupported transaction ${infno} (supported here: ${known})`);
}

export function databaseUnavailable(): YibaoError {
  return unavailable('database', '医保平台数据库暂时不可用，请稍后用同一报文重试（重试将得到确定结果，不会重复结算）', 'the platform\'s database is unavailable for the moment; retry later with the same msgid (the retry gets the definitive answer, never a second settlement)', 5);
}

function internalMessage(): string {
  return '平台内部错误，请稍后重试；如持续出现请联系经办机构并提供 inf_refmsgid / internal error of the platform; retry later, and if it persists report the inf_refmsgid';
}
