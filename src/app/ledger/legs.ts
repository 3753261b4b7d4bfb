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
