// Stored settlements settled again (issue 19): each settlement keeps the engine's whole input
// (StoredInput, 034_simulation.sql: the visit as priced, the person, the year so far, the
// account, and the fee lines as classified), so that it can be re-settled under its own policy
// version — which must give back exactly what was stored (replayDifferences, `yibao replay
// --verify`) — or under a draft policy in the person's order of the year, the draft's own
// deductibles, caps and account balance carried from one claim to the next (PersonReplay).
// Pure: the rows come from src/store/settlement/replay.ts.
import { applyIncrements, EMPTY_ACCUMULATORS, negateIncrements, settle, type Accumulators, type ClassifiedFeeLine, type Policy, type Settlement, type SettlementInput, type SetldetailLine, type SetlinfoAmounts } from './index.ts';
import type { Fen } from './money.ts';
import { diffDocuments } from './simulator.ts';
import { claimOutcome, refusedOutcome, type ClaimOutcome } from './simulation-report.ts';

/** The engine's input as a settlement stores it: the lines with their classification only, the accumulators without their zeros (engineInput puts them back). */
export type StoredInput = SettlementInput;

/** What a settlement stores of its input (a stored line may carry more than the engine reads). */
export function storedInputOf(input: SettlementInput): StoredInput {
  const lines = input.lines.map((l): ClassifiedFeeLine => ({
    feedetl_sn: l.feedetl_sn, med_list_codg: l.med_list_codg, det_item_fee_sumamt: l.det_item_fee_sumamt, cnt: l.cnt, pric: l.pric, chrgitm_lv: l.chrgitm_lv,
    med_chrgitm_type: l.med_chrgitm_type, selfpay_prop: l.selfpay_prop, pric_uplmt_amt: l.pric_uplmt_amt, fulamt_ownpay_amt: l.fulamt_ownpay_amt, overlmt_amt: l.overlmt_amt,
    preselfpay_amt: l.preselfpay_amt, inscp_scp_amt: l.inscp_scp_amt, two_diseases: l.two_diseases, separately_paid: l.separately_paid, reason: l.reason,
  }));
  // The year's accumulators without their zeros (most are zero for most persons): a third of the text.
  const accumulators = Object.fromEntries(Object.entries(input.accumulators).filter(([, v]) => (typeof v === 'number' ? v !== 0 : Object.keys(v as object).length > 0)));
  return { ...input, lines, accumulators: accumulators as unknown as Accumulators };
}

/** A stored input as the engine reads it: the accumulators' zeros put back. */
export const engineInput = (stored: StoredInput): SettlementInput => ({ ...stored, accumulators: { ...EMPTY_ACCUMULATORS, ...stored.accumulators } });

/** A stored settlement or cancellation as the replay reads it. */
export interface ReplayRow {
  setl_id: string;
  kind: 'settle' | 'cancel';
  orig_setl_id: string | null;
  mdtrt_id: string;
  psn_no: string;
  /** ISO time of the settlement. */
  setl_time: string;
  setl_year: number;
  /** 'YYYY-MM' of setl_time in China time. */
  month: string;
  insutype: string;
  policy_id: string;
  policy_version: number;
  /** What was paid, in fen, from the row's own columns: re-settling its input must give the same. */
  paid: { medfee: number; fund: number; acct: number; cash: number };
  /** The engine's input; null on a cancellation and on a settlement priced by another deployment. */
  inputs: StoredInput | null;
  /** The stored outcome in full (read for a verification only). */
  stored?: { setlinfo: SetlinfoAmounts; setldetail: SetldetailLine[]; increments: Accumulators; explanation: { scheme?: unknown; steps?: unknown; lines?: unknown } };
}

/** Where a re-settlement differs from what was stored (JSON paths, old and new); empty when it is the same. */
export function replayDifferences(stored: NonNullable<ReplayRow['stored']>, s: Settlement): { path: string; stored: unknown; replayed: unknown }[] {
  const was = { setlinfo: stored.setlinfo, setldetail: stored.setldetail, increments: stored.increments, scheme: stored.explanation.scheme, steps: stored.explanation.steps, lines: stored.explanation.lines };
  const now = { setlinfo: s.setlinfo, setldetail: s.setldetail, increments: s.increments, scheme: s.scheme, steps: s.steps, lines: s.lines };
  return diffDocuments(was, now).map((c) => ({ path: c.path, stored: c.from, replayed: c.to }));
}

function negated(o: ClaimOutcome): ClaimOutcome {
  return {
    medfee: -o.medfee, fund: -o.fund, patient: -o.patient, acct: -o.acct, dedc: -o.dedc, by_fund: Object.fromEntries(Object.entries(o.by_fund).map(([k, v]) => [k, -v])),
    increments: negateIncrements(o.increments), refused: o.refused,
  };
}

/**
 * What was paid, one person's rows at a time: each settlement's stored input re-settled under
 * its own stored version — which `replay --verify` proves gives back exactly what was stored —
 * so a simulation reads no stored amounts but the row's four columns, which each re-settlement
 * is checked against (`mismatches`). A cancellation is its original negated. `reset` starts the next person.
 */
export class StoredReplay {
  mismatches = 0;
  private readonly settled = new Map<string, ClaimOutcome>();

  constructor(private readonly versionOf: (policyId: string, version: number) => Policy | undefined) {}

  reset(): void {
    this.settled.clear();
  }

  /** The stored outcome of the row; null when it cannot be replayed (no input, its version gone, or a cancellation of a settlement not replayed). */
  next(row: ReplayRow): ClaimOutcome | null {
    if (row.kind === 'cancel') {
      const orig = row.orig_setl_id === null ? undefined : this.settled.get(row.orig_setl_id);
      return orig ? negated(orig) : null;
    }
    const policy = this.versionOf(row.policy_id, row.policy_version);
    if (!row.inputs || !policy) return null;
    const o = claimOutcome(settle(policy, row.inputs));
    const p = row.paid;
    if (o.medfee !== p.medfee || o.fund !== p.fund || o.acct !== p.acct || o.patient !== p.acct + p.cash) this.mismatches += 1;
    this.settled.set(row.setl_id, o);
    return o;
  }
}

/**
 * One policy's replay of one person's settlements, given in the person's order (setl_time) with
 * their stored outcomes (StoredReplay). The person's year before each settlement is the stored
 * one moved by what this policy did differently so far (its increments less the stored ones):
 * so settlements outside the replay (earlier in the year, another insurance type) count as they
 * did, and a policy that does the same gives back the stored year exactly. Likewise the personal
 * account's balance (moved by what this policy took from it differently) and a stay's deductible
 * paid by its earlier segments. A cancellation undoes what this policy paid for its original.
 * `reset` starts the next person.
 */
export class PersonReplay {
  private year = -1;
  private accShift: Accumulators = EMPTY_ACCUMULATORS;
  private acctShift = 0;
  private readonly settled = new Map<string, ClaimOutcome>();
  private readonly stayShift = new Map<string, number>();

  constructor(private readonly policy: Policy) {}

  reset(): void {
    this.year = -1;
    this.accShift = EMPTY_ACCUMULATORS;
    this.acctShift = 0;
    this.settled.clear();
    this.stayShift.clear();
  }

  /** This policy's outcome of the row whose stored outcome is `stored`; null when it cannot be replayed. */
  next(row: ReplayRow, stored: ClaimOutcome): ClaimOutcome | null {
    if (row.setl_year !== this.year) {
      this.year = row.setl_year;
      this.accShift = EMPTY_ACCUMULATORS;
    }
    if (row.kind === 'cancel') {
      const orig = row.orig_setl_id === null ? undefined : this.settled.get(row.orig_setl_id);
      if (!orig) return null;
      const mine = negated(orig);
      this.shift(mine.increments, stored.increments);
      this.acctShift += stored.acct - mine.acct;
      return mine;
    }
    const input = row.inputs;
    if (!input) return null;
    const v = input.visit;
    const stay = this.stayShift.get(row.mdtrt_id) ?? 0;
    const replayed: SettlementInput = {
      ...input,
      visit: v.continues_admission && stay !== 0 ? { ...v, deductible_paid_this_stay_fen: Math.max(0, (v.deductible_paid_this_stay_fen ?? 0) + stay) as Fen } : v,
      accumulators: atLeastZero(applyIncrements(input.accumulators, this.accShift)),
      acct_balance_fen: Math.max(0, input.acct_balance_fen + this.acctShift) as Fen,
    };
    let mine: ClaimOutcome;
    try {
      mine = claimOutcome(settle(this.policy, replayed));
    } catch {
      // Refused under this policy: nothing accumulates, the patient bears the bill.
      mine = refusedOutcome(stored.medfee);
    }
    this.shift(mine.increments, stored.increments);
    this.acctShift += stored.acct - mine.acct;
    this.stayShift.set(row.mdtrt_id, stay + mine.dedc - stored.dedc);
    this.settled.set(row.setl_id, mine);
    return mine;
  }

  /** This policy added `mine` to the year where the stored settlement added `stored`. */
  private shift(mine: Accumulators, stored: Accumulators): void {
    this.accShift = applyIncrements(applyIncrements(this.accShift, mine), negateIncrements(stored));
  }
}

/** Accumulators with no amount below zero (a policy that paid less leaves less, never a debt). */
function atLeastZero(acc: Accumulators): Accumulators {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(acc)) out[k] = typeof v === 'number' ? Math.max(0, v) : Object.fromEntries(Object.entries(v as Record<string, number>).map(([d, x]) => [d, Math.max(0, x)]));
  return out as unknown as Accumulators;
}

/** What a replay thread is asked (src/app/settlement/simulation-worker.ts). */
export type ReplayWorkerData = {
  /** The policy versions the period's settlements were priced under. */
  policies: { policy_id: string; version: number; doc: unknown }[];
} & ({ mode: 'verify' } | { mode: 'simulate'; from: unknown; to: unknown });

/** What verification found, added up over threads by the caller. */
export interface VerifyTally {
  checked: number;
  same: number;
  cancellations: number;
  /** Settlements without a stored input (before 034, or priced by another deployment). */
  not_replayable: number;
  different: number;
  /** The first differences found, each with its fields. */
  differences: { setl_id: string; psn_no: string; policy: string; fields: { path: string; stored: unknown; replayed: unknown }[] }[];
}

/** Differences listed in full; beyond them only counted. */
export const DIFFERENCES_KEPT = 50;
