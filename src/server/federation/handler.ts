import type { Deployment, MessageKind } from '../../engine/federation/index.ts';
import type { FederationPort } from '../../app/federation/port.ts';
import type { Pool, Queryable } from '../../store/db.ts';
import type { DocumentRegistry } from '../../store/documents/registry.ts';

// The contract between the receiving route (./route.ts: envelope, signature, clock, replay,
// idempotency) and the handlers of each message kind (./handlers.ts), like the gateway's
// TransactionHandler. A handler checks the sender's authority over what the body names (its
// institution's region, the person's region), then calls the use case.

export interface FederationContext {
  /** A writing kind's transaction (its answer is kept with it); the pool for a read. */
  q: Queryable;
  pool: Pool;
  /** The deployment that signed the message (already verified). */
  sender: Deployment;
  /** The message's id: for a writing kind, the idempotency id of what it does. */
  msg_id: string;
  body: Record<string, unknown>;
  now: Date;
  documents: DocumentRegistry;
  /** The link, for a handler that must ask a third deployment (the hub's statements). */
  port: FederationPort;
}

export interface FederationHandler {
  kind: MessageKind;
  /** Writing kinds run in one transaction with the inbox row that keeps their answer. */
  writes: boolean;
  /** Group-commit keys of what it changes besides the message itself (e.g. `psn:<psn_no>`); undefined: a transaction of its own. */
  keys?: (body: Record<string, unknown>) => string[] | undefined;
  /**
   * For a writing kind: the part of the body that says what is asked (hashed for idempotency),
   * without what changes from one attempt to the next (the sender's clock, a serial it
   * allocated). Default: the whole body.
   */
  requestKey?: (body: Record<string, unknown>) => unknown;
  handle: (ctx: FederationContext) => Promise<Record<string, unknown>>;
}
