import { assertInvariant } from './errors.ts';
import type { Leg } from './ledger.ts';

// Institutions' clearing with the fund, the pure part (docs/clearing.md, "Institutions"): what
// an application's claim and the platform's count disagree on, how much of an approved amount
// is withheld as the reserve (质量保证金), and the legs of the payment and of the release.

/** What an institution claims in 3203, fen (setl_cnt and by_fund only when it sent them). */
export interface ClaimedTotals {
  medfee_sumamt: number;
  fund_appy_sum: number;
  cash_payamt: number;
  acct_pay: number;
  setl_cnt?: number;
  by_fund?: Record<string, number>;
}

/**
 * What the platform counts in the same settlements (store/clearing/institutions.ts totalsOf), in
 * fen, cancellations negative; by_fund is Σ fund_payamt per fund_pay_type (the personal account as 310200).
 */
export interface PlatformTotals {
  setl_cnt: number;
  medfee_sumamt: number;
  fund_pay_sumamt: number;
  acct_pay: number;
  psn_cash_pay: number;
  by_fund: Record<string, number>;
}

export interface Mismatch {
  /** The claim's field (by_fund.<fund_pay_type> for a fund). */
  field: string;
  claimed: number;
  platform: number;
  /** Fen, or a count for setl_cnt. */
  unit: 'fen' | 'count';
}

/** Every figure the claim gives that the platform counts differently; a fund only one side names counts as 0 on the other. */
export function claimMismatches(c: ClaimedTotals, p: PlatformTotals): Mismatch[] {
  const out: Mismatch[] = [];
  const cmp = (field: string, claimed: number, platform: number, unit: Mismatch['unit'] = 'fen'): void => {
    if (claimed !== platform) out.push({ field, claimed, platform, unit });
  };
  if (c.setl_cnt !== undefined) cmp('setl_cnt', c.setl_cnt, p.setl_cnt, 'count');
  cmp('medfee_sumamt', c.medfee_sumamt, p.medfee_sumamt);
  cmp('fund_appy_sum', c.fund_appy_sum, p.fund_pay_sumamt);
  cmp('acct_pay', c.acct_pay, p.acct_pay);
  cmp('cash_payamt', c.cash_payamt, p.psn_cash_pay);
  if (c.by_fund !== undefined) {
    const types = [...new Set([...Object.keys(c.by_fund), ...Object.keys(p.by_fund)])].sort();
    for (const t of types) cmp(`by_fund.${t}`, c.by_fund[t] ?? 0, p.by_fund[t] ?? 0);
  }
  return out;
}

/** What the fund owes the institution for the settlements: their fund and personal-account shares (the legs into medins_payable). */
export const payableOf = (p: PlatformTotals): number => p.fund_pay_sumamt + p.acct_pay;

/** The approved amount split into what is paid now and the reserve withheld (rounded down to the fen: the institution is not short-changed by rounding). */
export function reserveSplit(amountFen: number, reserveBp: number): { paid_fen: number; reserve_fen: number } {
  assertInvariant(Number.isSafeInteger(amountFen) && amountFen >= 0, 'an approved amount is zero or more whole fen');
  assertInvariant(Number.isInteger(reserveBp) && reserveBp >= 0 && reserveBp <= 10000, 'the reserve share is 0..10000 bp');
  const reserve = Math.floor((amountFen * reserveBp) / 10000);
  return { paid_fen: amountFen - reserve, reserve_fen: reserve };
}

export const payableAccount = (code: string): string => `medins_payable:${code}`;
export const reserveAccount = (code: string): string => `medins_reserve:${code}`;
export const institutionBankAccount = (code: string): string => `medins_bank:${code}`;

/** The payment: the institution's payable is cleared, part to its bank account, the rest into the reserve. */
export function paymentLegs(code: string, split: { paid_fen: number; reserve_fen: number }): Leg[] {
  const legs: Leg[] = [];
  if (split.paid_fen > 0) legs.push({ debit: institutionBankAccount(code), credit: payableAccount(code), amount: split.paid_fen });
  if (split.reserve_fen > 0) legs.push({ debit: reserveAccount(code), credit: payableAccount(code), amount: split.reserve_fen });
  return legs;
}

/** The release: the reserve goes to the institution's bank account. */
export function releaseLegs(code: string, amountFen: number): Leg[] {
  return amountFen > 0 ? [{ debit: institutionBankAccount(code), credit: reserveAccount(code), amount: amountFen }] : [];
}
