import { setTimeout as sleep } from 'node:timers/promises';
import { YibaoError, unavailable, type ErrorKind } from '../../engine/errors.ts';
import { FEDERATION_VERSION, type Deployment, type FederationAnswer, type FederationEnvelope, type MessageKind } from '../../engine/federation/index.ts';
import type { FederationPort } from '../../app/federation/port.ts';
import type { FederationNode } from './node.ts';
import { sign, verify } from './signing.ts';

// The sending half of the link: one signed POST per attempt, a timeout on each, a bounded
// number of retries with exponential backoff and jitter. A retry carries the same msg_id and
// body with a later sent_at, signed again, so the receiver answers it from what it kept. An
// answer counts only when it is signed by the deployment asked and echoes the msg_id.

export const MESSAGES_PATH = '/federation/v1/messages';

export const KIND_OF_STATUS: Record<number, ErrorKind> = { 400: 'invalid', 401: 'unauthenticated', 403: 'forbidden', 404: 'not_found', 409: 'conflict', 503: 'unavailable' };

export interface LinkOptions {
  now?: () => Date;
  /** Where an attempt's failure is reported (the caller sees only the final outcome). */
  log?: (line: string) => void;
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
        const envelope = sign<FederationEnvelope & Record<string, unknown>>(
          { version: FEDERATION_VERSION, msg_id: msgId, kind, from: dir.self, to: to.id, sent_at: sentAt(), body: body as Record<string, unknown> },
          node.privateKey,
        );
        let answer: FederationAnswer;
        try {
          const res = await fetch(to.url + MESSAGES_PATH, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify(envelope),
            signal: AbortSignal.timeout(dir.timeout_ms),
          });
          const text = await res.text();
          answer = JSON.parse(text) as FederationAnswer;
        } catch (err) {
          why = (err as Error).message;
          o.log?.(`federation ${kind} ${msgId} → ${to.id} attempt ${attempt + 1}: ${why}`);
          continue;
        }
        if (typeof answer !== 'object' || answer === null || !verify(answer as unknown as Record<string, unknown>, peerKey) || answer.msg_id !== msgId || answer.from !== to.id || answer.to !== dir.self) {
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
