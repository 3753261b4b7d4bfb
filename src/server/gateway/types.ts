import type { Pool, Queryable } from '../../store/db.ts';
import type { DocumentRegistry } from '../../store/documents/registry.ts';
import type { FederationPort } from '../../app/federation/port.ts';

// The contract between the gateway (envelope parsing, authentication, idempotency, answers)
// and the transactions it dispatches to by `infno`. A handler receives the normalised
// envelope and returns the `output` object; it throws YibaoError for a client's mistake,
// which the gateway answers as infcode -1 with a bilingual err_msg.
//
// Writing a handler (see docs/interface.md, "Adding a transaction"):
//   export const referralFiling: TransactionHandler = {
//     infno: '2501', name: { zh: '转院备案', en: 'referral filing' },
//     requiresSignIn: true, writes: true,
//     async handle(ctx) { const data = inputObject(ctx.envelope.input, 'data'); …; return { result: {…} }; },
//   };
// then add one line to the list in ./transactions.ts.

/** The request envelope after normalisation (one parser: ./envelope.ts). */
export interface GatewayEnvelope {
  /** Four digits, e.g. "1101". */
  infno: string;
  /** The sender's message id; with fixmedins_code it keys the message log and idempotency. */
  msgid: string;
  /** Treatment region (就医地医保区划), six digits. */
  mdtrtarea_admvs: string;
  /** Insured region (参保地医保区划), six digits, when the client sent one. */
  insuplc_admdvs: string | undefined;
  fixmedins_code: string;
  fixmedins_name: string | undefined;
  opter: string | undefined;
  opter_name: string | undefined;
  /** "1" staff, "2" kiosk, "3" mobile. */
  opter_type: string | undefined;
  sign_no: string | undefined;
  /** As sent (yyyy-MM-dd HH:mm:ss by the spec); informational, the platform's clock decides. */
  inf_time: string | undefined;
  /** Always "V1.0" after normalisation ("1", "1.0", "v1.0" are accepted). */
  infver: string;
  recer_sys_code: string | undefined;
  cainfo: string | undefined;
  signtype: string | undefined;
  /**
   * `input` after normalisation: object keys whose value is null or "" are removed at every
   * depth; numbers stay numbers and strings stay strings (use the readers in ./input.ts,
   * which accept both).
   */
  input: Record<string, unknown>;
}

/** Header fields a handler may read as content (see TransactionHandler.headerFields). */
export type HeaderField = 'mdtrtarea_admvs' | 'insuplc_admdvs' | 'opter' | 'opter_name';

/** The calling institution, authenticated by the gateway before any handler runs. */
export interface GatewayInstitution {
  fixmedins_code: string;
  fixmedins_name: string;
  /** "1" medical institution, "2" retail pharmacy. */
  fixmedins_type: string;
  hosp_lv: string;
  admdvs: string;
}

export interface GatewayContext {
  /** The pool. Read-only handlers may query through it; writing handlers must use `db`. */
  pool: Pool;
  /**
   * Where the handler reads and writes. For a handler with `writes: true` this is a client
   * inside the one transaction that also records the message for idempotency: the handler's
   * writes and the recorded answer commit together or not at all. For read-only handlers it
   * is the pool.
   */
  db: Queryable;
  /** The one clock: always returns the instant the gateway received the message. */
  now: () => Date;
  envelope: GatewayEnvelope;
  /** The caller, already authenticated (known code, signature when a key is registered). */
  institution: GatewayInstitution;
  /** The valid sign-in the envelope's sign_no names; undefined when requiresSignIn is false. */
  signIn: { sign_no: string; opter: string | undefined; sign_time: Date } | undefined;
  /** Adds a line to the answer's warn_msg (the answer still succeeds). */
  warn: (message: string) => void;
  /** The versioned documents (policies, catalogs) settlement prices on. */
  documents: DocumentRegistry;
  /** The link to the deployments that own other regions (issue 17); absent outside a federation. */
  federation: FederationPort | undefined;
  /** What `prepare` returned (undefined when the handler has none or nothing had to be asked). */
  prepared: unknown;
}

export interface TransactionHandler {
  infno: string;
  name: { zh: string; en: string };
  /** Whether the envelope must carry a valid sign_no from 9001 (everything but 9001 itself). */
  requiresSignIn: boolean;
  /**
   * Whether the transaction changes state. A writing transaction runs in one database
   * transaction keyed by (fixmedins_code, msgid): a retry of the same msgid with the same
   * content gets the original answer without running again; different content is refused.
   */
  writes: boolean;
  /**
   * For a writing transaction that may share its database transaction with concurrent
   * messages (group commit): the keys of everything it reads and then changes, named from the
   * input (e.g. `psn:<psn_no>`, `visit:<mdtrt_id>`). Return undefined when the input does not
   * name them all; without this function the message runs in a transaction of its own.
   */
  conflictKeys?: (envelope: GatewayEnvelope) => string[] | undefined;
  /**
   * The header fields the handler reads besides `input` (e.g. the regions a registration
   * stores). They are part of what idempotency compares and what the log keeps, so a retry
   * that changes one is refused, not replayed. Every header field a handler reads is listed here.
   */
  headerFields?: readonly HeaderField[];
  /** Returns the `output` object of the answer. */
  handle: (ctx: GatewayContext) => Promise<Record<string, unknown>>;
  /**
   * In a federation (issue 17): what must be asked of another deployment before the
   * transaction, after the caller is authenticated and only for a msgid not answered yet.
   * `ctx.db` is the pool and nothing may be written; the result reaches `handle` as
   * `ctx.prepared`. Nothing is held open while the other deployment answers.
   */
  prepare?: (ctx: GatewayContext) => Promise<unknown>;
  /**
   * For a read-only transaction: the region code (or a psn_no, whose first six digits are its
   * region) that decides who answers; when another deployment owns it, the message is
   * forwarded there whole (the person's owner answers 1101, 5310, 5302 …).
   */
  forwardFor?: (envelope: GatewayEnvelope) => string | undefined;
}
