import type { Deployment, Directory, MessageKind } from '../../engine/federation/index.ts';

// What the federation use cases need of the link between deployments; the signed HTTP
// exchange that implements it is an adapter (src/server/federation/link.ts).

export interface FederationPort {
  directory: Directory;
  /**
   * Sends one message and returns the answer's body. Retries (a later sent_at, signed again)
   * with backoff until the answer or the retries run out; throws YibaoError: the receiver's
   * refusal as it gave it, or `unavailable` when it could not be reached.
   */
  send<T>(to: Deployment, kind: MessageKind, msgId: string, body: object): Promise<T>;
}
