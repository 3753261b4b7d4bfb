import type { Pool } from '../../store/db.ts';

// The contract between the gateway (envelope parsing, authentication, idempotency, answers)
// and the transactions it dispatches to by `infno`. A handler receives the normalised
// envelope and returns the `output` object; it throws YibaoError for a client's mistake,
// which the gateway answers as infcode -1 with a bilingual err_msg.

export interface GatewayEnvelope {
  infno: string;
  msgid: string;
  mdtrtarea_admvs: string;
  insuplc_admdvs: string | undefined;
  fixmedins_code: string;
  fixmedins_name: string | undefined;
  opter: string | undefined;
  opter_name: string | undefined;
  opter_type: string | undefined;
  sign_no: string | undefined;
  inf_time: string | undefined;
  infver: string;
  /** `input` after normalisation: nulls and empty strings removed. */
  input: Record<string, unknown>;
}

export interface GatewayContext {
  pool: Pool;
  now: () => Date;
  envelope: GatewayEnvelope;
}

export interface TransactionHandler {
  infno: string;
  name: { zh: string; en: string };
  /** Whether the envelope must carry a valid sign_no from 9001 (everything but 9001 itself). */
  requiresSignIn: boolean;
  handle: (ctx: GatewayContext) => Promise<Record<string, unknown>>;
}
