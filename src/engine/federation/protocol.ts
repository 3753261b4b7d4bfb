import type { Settlement } from '../index.ts';
import type { ClassifiedFeeLine } from '../catalog.ts';
import type { Leg } from '../ledger.ts';
import { assertInvariant } from '../errors.ts';

// The messages deployments exchange (issue 17, docs/federation.md "Protocol"). Every message is
// one signed envelope POSTed to <url>/federation/v1/messages; its msg_id is the idempotency id
// (for a settlement: its fed_id), so a retry of any message gets the first answer.

export const FEDERATION_VERSION = 1;

/** What a message asks, and whether the receiver changes state for it (then it keeps the answer). */
export const MESSAGE_KINDS = {
  /** A read-only gateway transaction of a person insured at the receiver (1101, 5310, 5302 …). */
  'gateway.query': { writes: false, zh: '参保地查询', en: 'a query answered by the insured side' },
  /** Registration: who the person is, the enrollment, whether the visit may be settled directly. */
  'visit.check': { writes: false, zh: '就诊资格核验', en: 'a visit\'s eligibility' },
  /** Pre-settlement (2206/2303/2101): the insured side's benefits, nothing recorded. */
  'settle.preview': { writes: false, zh: '预结算', en: 'pre-settlement' },
  /** Settlement: the insured side computes and records the benefits and its half of the money. */
  'settle': { writes: true, zh: '结算', en: 'settlement' },
  /** Cancellation of a settlement (2208/2305/2103/2601). */
  'cancel': { writes: true, zh: '结算撤销', en: 'cancellation' },
  /** Reconciliation: the receiver's records with the sender over a period. */
  'reconcile.list': { writes: false, zh: '对账', en: 'reconciliation list' },
  /** The hub: a deployment's month of cross-deployment records. */
  'hub.report': { writes: true, zh: '月度上报', en: 'monthly report' },
  /** The hub: a deployment's clearing statement of a month. */
  'hub.statement': { writes: false, zh: '清算单', en: 'clearing statement' },
} as const;
export type MessageKind = keyof typeof MESSAGE_KINDS;

export function isMessageKind(k: unknown): k is MessageKind {
  return typeof k === 'string' && Object.hasOwn(MESSAGE_KINDS, k);
}

/** The signed envelope. `signature`: SM2 (base64) over SM3 of the canonical JSON of the rest. */
export interface FederationEnvelope {
  version: typeof FEDERATION_VERSION;
  msg_id: string;
  kind: MessageKind;
  from: string;
  to: string;
  /** ISO instant; a retry is sent with a later one and signed again. */
  sent_at: string;
  body: Record<string, unknown>;
  signature: string;
}

/** The answer, signed by the receiver the same way (over everything but `signature`). */
export interface FederationAnswer {
  version: typeof FEDERATION_VERSION;
  msg_id: string;
  from: string;
  to: string;
  ok: boolean;
  body: Record<string, unknown>;
  /** A refusal: the field and the reason in both languages, and whether a retry may succeed. */
  error: { status: number; field: string; zh: string; en: string; retryable: boolean } | null;
  signature: string;
}

/** A settlement's id across deployments: the treatment deployment, its visit, the visit's n-th settlement. */
export function settleFedId(treatment: string, mdtrtId: string, n: number): string {
  assertInvariant(Number.isInteger(n) && n >= 1, 'a visit\'s settlements count from 1');
  return `${treatment}:${mdtrtId}:${n}`;
}

export function cancelFedId(settleId: string): string {
  return `${settleId}:cancel`;
}

/** The visit as the treatment side holds it: what the insured side's settlement needs of it. */
export interface RemoteVisit {
  mdtrt_id: string;
  kind: 'outpatient' | 'inpatient' | 'pharmacy';
  psn_no: string;
  insutype: string;
  psn_type: string;
  fixmedins_code: string;
  hosp_lv: string;
  mdtrtarea_admvs: string;
  insuplc_admdvs: string;
  med_type: string;
  begntime: string;
  endtime: string | null;
  emergency_flag: boolean;
  dise_codes: string[];
  mdtrt_cert_type: string | null;
  mdtrt_cert_no: string | null;
}

/** A fee line as classified on the treatment side's catalog (the insured side does not re-classify). */
export type RemoteLine = ClassifiedFeeLine;

export interface SettleBody {
  fed_id: string;
  /** The setl_id the treatment side will give its own row (from its sequence, allocated before asking). */
  treatment_setl_id: string;
  visit: RemoteVisit;
  lines: RemoteLine[];
  mid_setl: boolean;
  acct_used_flag: boolean;
  /** The treatment side's clock for the settlement (its day decides the policy). */
  setl_time: string;
}

export interface SettleAnswer {
  /** The insured side's own setl_id (null for a preview). */
  setl_id: string | null;
  /** The treatment setl_id the insured side recorded (a retry's answer names the first one). */
  treatment_setl_id: string;
  settlement: Settlement;
  cross_region_status: string;
  eligibility: Record<string, unknown> | null;
  /** The lines it priced (the treatment side checks they are still the visit's unsettled ones). */
  line_sns: string[];
  /** Whether the person is enrolled in the civil-servant supplement. */
  cvlserv: boolean;
  /** When the insured side recorded it (both sides date the settlement so). */
  setl_time: string;
  mid_setl: boolean;
}

export interface CancelBody {
  fed_id: string;
  orig_fed_id: string;
  treatment_setl_id: string;
  setl_time: string;
}

export interface CancelAnswer {
  setl_id: string;
  treatment_setl_id: string;
  setl_time: string;
  setlinfo: Settlement['setlinfo'];
  setldetail: Settlement['setldetail'];
}

/** Registration: what the treatment side asks before it opens a visit of a person insured at the receiver. */
export interface VisitCheckBody {
  fixmedins_code: string;
  psn_no: string;
  insutype?: string;
  insuplc_admdvs?: string;
  med_type: string;
  begntime: string;
  emergency_flag: boolean;
  dise_codes: string[];
}

/**
 * A cross-deployment settlement's money in two halves, one per ledger: the insured side books
 * its funds and the personal account against what it owes the treatment region (`owed_to:`);
 * the treatment side books the institution's bill against what the insured region owes it
 * (`owed_by:`), the cash and the part the institution bears. Each leg is balanced, so each
 * half is.
 */
export function splitLegs(legs: readonly Leg[]): { insured: Leg[]; treatment: Leg[] } {
  const insured = legs.filter((l) => l.debit.startsWith('owed_to:'));
  const treatment = legs.filter((l) => !l.debit.startsWith('owed_to:'));
  for (const l of treatment) assertInvariant(!l.credit.startsWith('fund:') && !l.credit.startsWith('psn_acct:'), 'the treatment side never books the insured side\'s funds');
  return { insured, treatment };
}
