import type { FastifyPluginAsync } from 'fastify';
import { YibaoError, conflict, invalid, unauthenticated } from '../../engine/errors.ts';
import { FEDERATION_VERSION, deploymentById, isMessageKind, type FederationAnswer, type FederationEnvelope } from '../../engine/federation/index.ts';
import type { FederationPort } from '../../app/federation/port.ts';
import type { Pool } from '../../store/db.ts';
import type { DocumentRegistry } from '../../store/documents/registry.ts';
import { GroupCommit } from '../../store/group-commit.ts';
import { INBOX_START, inboxKey, noteMessage } from '../../store/federation/inbox.ts';
import { canonicalJson, sha256Hex } from '../gateway/canonical.ts';
import type { FederationHandler } from './handler.ts';
import { KIND_OF_STATUS, MESSAGES_PATH } from './link.ts';
import type { FederationNode } from './node.ts';
import { signedJson, verifiedJson } from './signing.ts';

// The receiving half of the link: one endpoint for every kind. In order: the envelope's shape,
// a sender the directory knows, its signature, its clock, then the message itself: a read is
// noted and answered; a writing kind runs under the lock of (sender, msg_id) in one
// transaction with the inbox row that keeps its answer, so a retry (a later sent_at) gets that
// answer and a replay (the same or an older sent_at) is refused. Every answer is signed.

export interface FederationRouteDeps {
  pool: Pool;
  now: () => Date;
  node: FederationNode;
  port: FederationPort;
  documents: DocumentRegistry;
  handlers: readonly FederationHandler[];
  logError: (err: unknown, context: Record<string, unknown>) => void;
}

const STATUS_OF_KIND: Record<string, number> = Object.fromEntries(Object.entries(KIND_OF_STATUS).map(([s, k]) => [k, Number(s)]));

class Replayed {
  constructor(readonly body: Record<string, unknown>) {}
}

export function federationRoutes(deps: FederationRouteDeps): FastifyPluginAsync {
  const byKind = new Map(deps.handlers.map((h) => [h.kind, h]));
  const dir = deps.node.directory;
  return async (scope) => {
    const commits = new GroupCommit(deps.pool);
    // The signature covers the text as sent: the body is taken as text and parsed here.
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', { parseAs: 'string' }, (_req, body, done) => done(null, body));
    scope.post(MESSAGES_PATH, async (request, reply) => {
      const text = typeof request.body === 'string' ? request.body : '';
      let raw: Record<string, unknown> | undefined;
      try {
        raw = JSON.parse(text) as Record<string, unknown>;
      } catch {
        raw = undefined;
      }
      const msgId = typeof raw?.['msg_id'] === 'string' ? raw['msg_id'] : '';
      const from = typeof raw?.['from'] === 'string' ? raw['from'] : '';
      const answer = (ok: boolean, body: Record<string, unknown>, error: FederationAnswer['error']): string =>
        signedJson({ version: FEDERATION_VERSION, msg_id: msgId, from: dir.self, to: from, ok, body, error }, deps.node.privateKey);
      reply.type('application/json; charset=utf-8');
      try {
        const env = checkEnvelope(raw, text, deps);
        const handler = byKind.get(env.kind);
        if (!handler) throw invalid('kind', `本部署不处理 ${env.kind} 报文`, `this deployment does not handle ${env.kind} messages`);
        const sender = deploymentById(dir, env.from)!;
        const bodyHash = sha256Hex(canonicalJson({ kind: env.kind, body: handler.requestKey ? handler.requestKey(env.body) : env.body }));
        const sentAt = new Date(env.sent_at);
        const at = deps.now();
        const ctx = { pool: deps.pool, sender, msg_id: env.msg_id, body: env.body, now: at, documents: deps.documents, port: deps.port };
        let body: Record<string, unknown>;
        if (!handler.writes) {
          if (!(await noteMessage(deps.pool, { sender: sender.id, msg_id: env.msg_id, kind: env.kind, body_hash: bodyHash, sent_at: sentAt, response: null, at }))) throw replay(env.msg_id);
          body = await handler.handle({ ...ctx, q: deps.pool });
        } else {
          const own = handler.keys?.(env.body);
          const result = await commits.submit({
            keys: [inboxKey(sender.id, env.msg_id), ...(own ?? [])],
            shareable: own !== undefined,
            opening: { read: INBOX_START, item: { sender: sender.id, msg_id: env.msg_id } },
            run: async (q, previous) => {
              if (previous) {
                if (previous.body_hash !== bodyHash) throw conflict('msg_id', `报文ID ${env.msg_id} 已用于内容不同的报文`, `msg_id ${env.msg_id} was already used for a different message`);
                if (!(await noteMessage(q, { sender: sender.id, msg_id: env.msg_id, kind: env.kind, body_hash: bodyHash, sent_at: sentAt, response: null, at }))) throw replay(env.msg_id);
                return new Replayed(previous.response ?? {});
              }
              const out = await handler.handle({ ...ctx, q });
              await noteMessage(q, { sender: sender.id, msg_id: env.msg_id, kind: env.kind, body_hash: bodyHash, sent_at: sentAt, response: out, at });
              return out;
            },
            commit: () => undefined,
          });
          body = result instanceof Replayed ? result.body : result;
        }
        return reply.send(answer(true, body, null));
      } catch (err) {
        if (err instanceof YibaoError) {
          const d = err.details[0]!;
          const status = STATUS_OF_KIND[err.kind] ?? 400;
          return reply.status(status).send(answer(false, {}, { status, field: d.field, zh: d.zh, en: d.en, retryable: err.kind === 'unavailable' || REPLAYS.has(err) }));
        }
        deps.logError(err, { msg_id: msgId, from });
        // A failure of ours (the database gone): the sender may retry the same message.
        return reply.status(503).send(answer(false, {}, { status: 503, field: 'msg_id', zh: '对方平台内部错误，可重试', en: 'internal error of the receiving platform; retry', retryable: true }));
      }
    });
  };
}

/** Replay refusals: a duplicate in transit of a sender's own message, so the sender may retry it (a later sent_at gets the kept answer). */
const REPLAYS = new WeakSet<YibaoError>();

function replay(msgId: string): YibaoError {
  const e = unauthenticated('sent_at', `报文 ${msgId} 是重放：发送时间不晚于已收到的同一报文`, `message ${msgId} is a replay: its sent_at is not later than the same message already received`);
  REPLAYS.add(e);
  return e;
}

/** Shape, sender, signature, addressee and clock; every refusal names the field. */
function checkEnvelope(raw: Record<string, unknown> | undefined, text: string, deps: FederationRouteDeps): FederationEnvelope {
  const dir = deps.node.directory;
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw invalid('body', '应为 JSON 对象', 'expected a JSON object');
  if (raw['version'] !== FEDERATION_VERSION) throw invalid('version', `应为 ${FEDERATION_VERSION}`, `expected ${FEDERATION_VERSION}`);
  const msgId = raw['msg_id'];
  if (typeof msgId !== 'string' || msgId.length === 0 || msgId.length > 200) throw invalid('msg_id', '应为 1-200 字符', 'expected 1 to 200 characters');
  if (!isMessageKind(raw['kind'])) throw invalid('kind', '未知报文类型', 'unknown message kind');
  if (typeof raw['body'] !== 'object' || raw['body'] === null || Array.isArray(raw['body'])) throw invalid('body', '应为对象', 'expected an object');
  const from = raw['from'];
  const sender = typeof from === 'string' ? deploymentById(dir, from) : undefined;
  if (!sender || sender.id === dir.self) throw unauthenticated('from', `未知的发送方 ${String(from)}`, `unknown sender ${String(from)}`);
  if (!verifiedJson(text, deps.node.publicKeys.get(sender.id)!)) throw unauthenticated('signature', `签名无效：不是 ${sender.id} 的私钥所签`, `bad signature: not signed by ${sender.id}'s key`);
  if (raw['to'] !== dir.self) throw invalid('to', `报文发给 ${String(raw['to'])}，本部署是 ${dir.self}`, `the message is addressed to ${String(raw['to'])}; this is ${dir.self}`);
  const sentAt = typeof raw['sent_at'] === 'string' ? Date.parse(raw['sent_at']) : NaN;
  if (!Number.isFinite(sentAt)) throw invalid('sent_at', '应为 ISO 时间', 'expected an ISO instant');
  const skew = Math.abs(deps.now().getTime() - sentAt) / 1000;
  if (skew > dir.max_skew_seconds) throw unauthenticated('sent_at', `发送时间与本机时钟相差 ${Math.round(skew)} 秒，超过 ${dir.max_skew_seconds} 秒`, `sent_at is ${Math.round(skew)} s from this clock, more than ${dir.max_skew_seconds} s`);
  return raw as unknown as FederationEnvelope;
}
