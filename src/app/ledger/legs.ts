import { assertInvariant } from '../../engine/errors.ts';
import { fundAccount, personalAccount, type Leg } from '../../engine/ledger.ts';

// Which legs each kind of money movement outside a settlement makes, and between which
// accounts (the settlement's own legs are the engine's settlementLegs). Pure: the use cases
// of this folder and of src/app/registry/ read the facts and post the legs.

/** The pooled fund an insurance type's contributions go into (fund_pay_type). */
export const POOLED_FUND_OF_INSUTYPE: Readonly<Record<string, string>> = {
  '310': '310100', '320': '320100', '330': '330100', '390': '390100', '392': '390200',
};

/** An insurance type without a fund_pay_type of its own (340, 370, 410, 510) keeps its contributions in `<insutype>100`. */
export function pooledFundOf(insutype: string): string {
  return POOLED_FUND_OF_INSUTYPE[insutype] ?? `${insutype}100`;
}

/**
 * How an employee's own contribution is split (policy data). The 2021 reform of employees'
 * personal accounts (国办发〔2021〕14号) credits an in-service employee's own contribution to
 * the personal account and the employer's whole contribution to the pooled fund; retirees
 * receive a fixed deposit from the pooled fund instead (a `deposit` transfer). The share is in
 * basis points of the person's own contribution, so a region that still splits differently
 * sets it here.
 */
export interface ContributionSplit {
  /** Share of an in-service employee's own 310 contribution credited to the personal account. */
  own_share_to_account_bp: number;
}
export const CONTRIBUTION_SPLIT: ContributionSplit = { own_share_to_account_bp: 10_000 };

export interface ContributionFacts {
  psn_no: string;
  /** The pooling region (统筹区) of the enrollment the contribution is booked against. */
  pooling_admdvs: string;
  insutype: string;
  payer: string;
  amount_fen: number;
  /** The enrollment's person type: 11xx are in service. */
  psn_type: string;
  has_account: boolean;
}

/** Where a contribution's money comes from: the payer in the region (person, employer, assistance, government). */
export const contributorAccount = (admdvs: string, payer: string): string => `contributor:${admdvs}:${payer}`;

/** A contribution: from its contributor into the region's fund, an in-service employee's own share into the personal account. */
export function contributionLegs(c: ContributionFacts, split: ContributionSplit = CONTRIBUTION_SPLIT): Leg[] {
  const from = contributorAccount(c.pooling_admdvs, c.payer);
  const own = c.insutype === '310' && c.payer === 'person' && c.psn_type.startsWith('11') && c.has_account;
  const toAccount = own ? Math.floor((c.amount_fen * split.own_share_to_account_bp) / 10_000) : 0;
  const legs: Leg[] = [];
  if (toAccount > 0) legs.push({ debit: personalAccount(c.psn_no), credit: from, amount: toAccount });
  if (c.amount_fen - toAccount > 0) legs.push({ debit: fundAccount(c.pooling_admdvs, pooledFundOf(c.insutype)), credit: from, amount: c.amount_fen - toAccount });
  return legs;
}

/** A deposit into a personal account (个人账户划入, e.g. a retiree's fixed monthly amount): from the employees' pooled fund of its region. */
export function depositLegs(psnNo: string, poolingAdmdvs: string, amountFen: number): Leg[] {
  return [{ debit: personalAccount(psnNo), credit: fundAccount(poolingAdmdvs, '310100'), amount: amountFen }];
}

/**
 * Family sharing (家庭共济): the holder's personal account pays part of a family member's own
 * burden, which the member would otherwise pay in cash: it goes to the member's cash account.
 */
export function familyShareLegs(holderPsnNo: string, memberPsnNo: string, amountFen: number): Leg[] {
  return [{ debit: `psn_cash:${memberPsnNo}`, credit: personalAccount(holderPsnNo), amount: amountFen }];
}

/** What one settlement's funds paid, the facts a recovery (追回) is taken back along. */
export interface FundPaid {
  setl_id: string;
  fixmedins_code: string;
  insuplc_admdvs: string;
  mdtrtarea_admvs: string;
  /** Per fund_pay_type (funds only, not the personal account), what the fund paid, in fen. */
  funds: readonly { fund_pay_type: string; fund_payamt: number }[];
}

/** A recovery's share of one settlement's fund. */
export interface RecoveryShare {
  setl_id: string;
  fund_pay_type: string;
  insuplc_admdvs: string;
  amount_fen: number;
}

/**
 * A recovery (追回) of `amountFen` from an institution back to the funds that paid: shared out
 * over the settlements' fund payments in proportion (largest remainder, so the shares add up
 * to the amount exactly), each share taken back along the path its settlement paid — the
 * institution's payable to the insured region's fund at home, through the regions' mutual
 * accounts across regions. The settlement's own rows stay as they are. `amountFen` is at most
 * what the funds paid (the caller refuses more).
 */
export function recoveryLegs(paid: readonly FundPaid[], amountFen: number): { legs: Leg[]; shares: RecoveryShare[] } {
  const parts = paid.flatMap((s) => s.funds.filter((f) => f.fund_payamt > 0).map((f) => ({ s, f })));
  const total = parts.reduce((a, p) => a + p.f.fund_payamt, 0);
  assertInvariant(Number.isSafeInteger(amountFen) && amountFen > 0 && amountFen <= total, `a recovery of ${amountFen} fen is at most the ${total} fen the funds paid`);
  // largest remainder: floor shares, then one fen each to the largest remainders (ties: in order)
  const exact = parts.map((p) => (BigInt(amountFen) * BigInt(p.f.fund_payamt)));
  const floors = exact.map((e) => Number(e / BigInt(total)));
  let left = amountFen - floors.reduce((a, b) => a + b, 0);
  const order = exact.map((e, i) => ({ i, r: e % BigInt(total) })).sort((a, b) => (a.r === b.r ? a.i - b.i : a.r > b.r ? -1 : 1));
  for (const { i } of order) {
    if (left === 0) break;
    floors[i] = floors[i]! + 1;
    left--;
  }
  const shares: RecoveryShare[] = [];
  const merged = new Map<string, Leg>();
  const add = (debit: string, credit: string, amount: number): void => {
    const k = `${debit}\u0000${credit}`;
    const e = merged.get(k);
    if (e) e.amount += amount;
    else merged.set(k, { debit, credit, amount });
  };
  parts.forEach(({ s, f }, i) => {
    const a = floors[i]!;
    if (a === 0) return;
    shares.push({ setl_id: s.setl_id, fund_pay_type: f.fund_pay_type, insuplc_admdvs: s.insuplc_admdvs, amount_fen: a });
    const payable = `medins_payable:${s.fixmedins_code}`;
    if (s.insuplc_admdvs === s.mdtrtarea_admvs) {
      add(fundAccount(s.insuplc_admdvs, f.fund_pay_type), payable, a);
    } else {
      add(`owed_by:${s.mdtrtarea_admvs}:${s.insuplc_admdvs}`, payable, a);
      add(fundAccount(s.insuplc_admdvs, f.fund_pay_type), `owed_to:${s.insuplc_admdvs}:${s.mdtrtarea_admvs}`, a);
    }
  });
  return { legs: [...merged.values()], shares };
}
