import http from 'node:http';
import https from 'node:https';
import { setTimeout as sleep } from 'node:timers/promises';
import { YibaoError, unavailable, type ErrorKind } from '../../engine/errors.ts';
import { FEDERATION_VERSION, type Deployment, type FederationAnswer, type FederationEnvelope, type MessageKind } from '../../engine/federation/index.ts';
import type { FederationPort } from '../../app/federation/port.ts';
import type { FederationNode } from './node.ts';
import { signedJson, verifiedJson } from './signing.ts';

// The sending half of the link: one signed POST per attempt, a timeout on each, a bounded
// number of retries with exponential backoff and jitter. A retry carries the same msg_id and
// body with a later sent_at, signed again, so the receiver answers it from what it kept. An
// answer counts only when it is signed by the deployment asked and echoes the msg_id.

export const MESSAGES_PATH = '/federation/v1/messages';

export const KIND_OF_STATUS: Record<number, ErrorKind> = { 400: 'invalid', 401: 'unauthenticated', 403: 'forbidden', 404: 'not_found', 409: 'conflict', 429: 'rate_limited', 503: 'unavailable' };

export interface LinkOptions {
  now?: () => Date;
  /** Where an attempt's failure is reported (the caller sees only the final outcome). */
  log?: (line: string) => void;
}

// Connections to the peers are kept open between messages (one TCP and HTTP set-up less per message).
const AGENTS = { http: new http.Agent({ keepAlive: true, maxSockets: 64 }), https: new https.Agent({ keepAlive: true, maxSockets: 64 }) };

/** One POST of a JSON text; the answer's text whatever its status; the whole exchange within `timeoutMs`. */
function postJson(url: string, body: string, timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const secure = url.startsWith('https:');
    const req = (secure ? https : http).request(url, {
      method: 'POST', agent: secure ? AGENTS.https : AGENTS.http,
      headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
    }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        clearTimeout(timer);
        resolve(Buffer.concat(chunks).toString('utf8'));
      });
      res.on('error', fail);
    });
    const timer = setTimeout(() => req.destroy(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
    function fail(err: Error): void {
      clearTimeout(timer);
      reject(err);
    }
    req.on('error', fail);
    req.end(body);
  });
}

export function federationLink(node: FederationNode, o: LinkOptions = {}): FederationPort {
  const dir = node.directory;
  const now = o.now ?? (() => new Date());
  // Every attempt is dated later than the one before (a receiver refuses the same sent_at twice as a replay), even on a clock that stands still.
  let last = 0;
  const sentAt = (): string => {
    last = Math.max(now().getTime(), last + 1);
    return new Date(last).toISOString();
  };
  return {
    directory: dir,
    async send<T>(to: Deployment, kind: MessageKind, msgId: string, body: object): Promise<T> {
      const peerKey = node.publicKeys.get(to.id)!;
      let why = '';
      for (let attempt = 0; attempt <= dir.retries; attempt++) {
        if (attempt > 0) {
          const base = dir.backoff_ms * 2 ** (attempt - 1);
          await sleep(base / 2 + Math.random() * base);
        }
        const envelope: Omit<FederationEnvelope, 'signature'> = { version: FEDERATION_VERSION, msg_id: msgId, kind, from: dir.self, to: to.id, sent_at: sentAt(), body: body as Record<string, unknown> };
        let answer: FederationAnswer | undefined;
        try {
          answer = verifiedJson(await postJson(to.url + MESSAGES_PATH, signedJson(envelope, node.privateKey), dir.timeout_ms), peerKey) as FederationAnswer | undefined;
        } catch (err) {
          why = (err as Error).message;
          o.log?.(`federation ${kind} ${msgId} → ${to.id} attempt ${attempt + 1}: ${why}`);
          continue;
        }
        if (answer === undefined || answer.msg_id !== msgId || answer.from !== to.id || answer.to !== dir.self) {
          why = 'an answer not signed by the deployment asked';
          o.log?.(`federation ${kind} ${msgId} → ${to.id} attempt ${attempt + 1}: ${why}`);
          continue;
        }
        if (answer.ok) return answer.body as T;
        const e = answer.error!;
        if (e.retryable) {
          why = e.en;
          continue;
        }
        throw new YibaoError(KIND_OF_STATUS[e.status] ?? 'invalid', [{ field: e.field, zh: `${to.name}：${e.zh}`, en: `${to.name}: ${e.en}` }]);
      }
      throw unavailable(`federation.${to.id}`, `${to.name}暂时无法连接，本次未办理，请稍后用同一报文重试`, `${to.name} cannot be reached; nothing was done, retry later with the same message (${why})`);
    },
  };
}
