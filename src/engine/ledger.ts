import { assertInvariant } from './errors.ts';
import type { SetldetailLine, SetlinfoAmounts } from './settle.ts';

// The ledger's pure rules: what an account code means, which transfers exist, and the one
// check every transfer passes before the store writes it (docs/architecture.md, "The ledger").
// A leg moves an amount from the credited account (the giver) to the debited account (the
// receiver); an account's balance is its debits − credits (what it received less what it
// gave), so a transfer made of legs balances by construction.

export interface Leg {
  debit: string;
  credit: string;
  amount: number;
}

/** Kinds of account (ledger_accounts.kind). The code says the kind and, where it has them, the region, fund type and owner. */
export const ACCOUNT_KINDS = {
  fund_pool: { zh: '统筹基金', en: 'a pooling region\'s fund', code: 'fund:<admdvs>:<fund_pay_type>' },
  assistance_fund: { zh: '医疗救助基金', en: 'medical-assistance fund', code: 'fund:<admdvs>:610100' },
  personal_account: { zh: '个人账户', en: 'personal account', code: 'psn_acct:<psn_no>' },
  person_cash: { zh: '个人现金', en: 'what a person paid in cash', code: 'psn_cash:<psn_no>' },
  medins_payable: { zh: '应付定点机构', en: 'what the insurance owes an institution', code: 'medins_payable:<fixmedins_code>' },
  medins_cash: { zh: '机构收取现金', en: 'cash an institution collected', code: 'medins_cash:<fixmedins_code>' },
  medins_borne: { zh: '机构负担', en: 'what an institution bears itself', code: 'medins_borne:<fixmedins_code>' },
  medins_charges: { zh: '机构收费', en: 'the charges an institution wrote', code: 'medins_charges:<fixmedins_code>' },
  medins_reserve: { zh: '质量保证金', en: "the share of an institution's payment withheld until the year-end review", code: 'medins_reserve:<fixmedins_code>' },
  medins_bank: { zh: '机构收款账户', en: 'what reached an institution\'s bank account from the fund', code: 'medins_bank:<fixmedins_code>' },
  owed_to: { zh: '异地应付', en: "an insured region's debt to a treatment region", code: 'owed_to:<insured>:<treatment>' },
  owed_by: { zh: '异地应收', en: "a treatment region's claim on an insured region", code: 'owed_by:<treatment>:<insured>' },
  advance_fund: { zh: '预付金', en: 'advance fund one region placed with another', code: 'advance:<insured>:<treatment>' },
  contributor: { zh: '缴费来源', en: 'where contributions come from (person, employer, assistance, government)', code: 'contributor:<admdvs>:<payer>' },
  bank: { zh: '基金专户', en: "a region's fund bank account", code: 'bank:<admdvs>' },
  opening: { zh: '期初余额', en: 'balances brought forward when the ledger took them over', code: 'opening:<admdvs>' },
  // issue 17, the hub's clearing between deployments (docs/federation.md "Hub clearing")
  hub: { zh: '清算中心往来', en: 'what this deployment owes the clearing hub (debit) or the hub owes it (credit)', code: 'hub:<hub deployment id>' },
} as const;
export type AccountKind = keyof typeof ACCOUNT_KINDS;

/** Kinds of transfer (ledger_transfers.kind); clearing and the kinds after it are declared for issues 13-16. */
export const TRANSFER_KINDS = {
  settle: { zh: '结算', en: 'settlement' },
  cancel: { zh: '撤销结算', en: 'cancellation' },
  opening: { zh: '期初余额', en: 'opening balance' },
  contribution: { zh: '缴费', en: 'contribution' },
  deposit: { zh: '个人账户划入', en: 'personal-account deposit' },
  family_share: { zh: '家庭共济', en: 'family sharing' },
  clearing: { zh: '清算', en: 'clearing' },
  advance_payment: { zh: '预付', en: 'advance payment' },
  hospital_payment: { zh: '拨付定点机构', en: 'hospital payment' },
  recovery: { zh: '追回', en: 'recovery' },
  assistance_payment: { zh: '救助支付', en: 'assistance payment' },
  reversal: { zh: '冲正', en: 'reversal' },
  case_payment: { zh: 'DRG/DIP 年终清算', en: 'DRG/DIP year-end settlement' },
  // issue 17: a hub clearing statement posted in a deployment's ledger
  hub_clearing: { zh: '清算中心清算', en: 'hub clearing between deployments' },
} as const;
export type TransferKind = keyof typeof TRANSFER_KINDS;

export interface Account {
  code: string;
  kind: AccountKind;
  admdvs: string | null;
  /** The other region of an inter-region account (owed_to, owed_by, advance). */
  other_admdvs: string | null;
  fund_type: string | null;
  psn_no: string | null;
  fixmedins_code: string | null;
  /** Only a personal account is held at zero or above. */
  may_go_negative: boolean;
}

const OWNED: Record<string, AccountKind> = {
  psn_acct: 'personal_account', psn_cash: 'person_cash',
  medins_payable: 'medins_payable', medins_cash: 'medins_cash', medins_borne: 'medins_borne', medins_charges: 'medins_charges',
  medins_reserve: 'medins_reserve', medins_bank: 'medins_bank',
};
const BETWEEN: Record<string, AccountKind> = { owed_to: 'owed_to', owed_by: 'owed_by', advance: 'advance_fund' };
const PART = /^[0-9A-Za-z_]+$/;

/** The account a code names, or undefined when the code is not one of ACCOUNT_KINDS' forms. */
export function accountOf(code: string): Account | undefined {
  const parts = code.split(':');
  // A hub is named by its deployment id, which may hold a hyphen.
  if (parts[0] === 'hub' && parts.length === 2 && /^[a-z][a-z0-9-]{1,31}$/.test(parts[1]!)) {
    return { code, kind: 'hub', admdvs: null, other_admdvs: null, fund_type: null, psn_no: null, fixmedins_code: null, may_go_negative: true };
  }
  if (!parts.every((p) => PART.test(p))) return undefined;
  const [prefix, a, b] = parts as [string, string | undefined, string | undefined];
  const base = { code, admdvs: null, other_admdvs: null, fund_type: null, psn_no: null, fixmedins_code: null, may_go_negative: true };
  if (prefix === 'fund' && parts.length === 3) return { ...base, kind: b === '610100' ? 'assistance_fund' : 'fund_pool', admdvs: a!, fund_type: b! };
  const owned = OWNED[prefix];
  if (owned && parts.length === 2) {
    if (owned === 'personal_account') return { ...base, kind: owned, psn_no: a!, may_go_negative: false };
    return owned === 'person_cash' ? { ...base, kind: owned, psn_no: a! } : { ...base, kind: owned, fixmedins_code: a! };
  }
  const between = BETWEEN[prefix];
  if (between && parts.length === 3) return { ...base, kind: between, admdvs: a!, other_admdvs: b! };
  if (prefix === 'contributor' && parts.length === 3) return { ...base, kind: 'contributor', admdvs: a! };
  if ((prefix === 'bank' || prefix === 'opening') && parts.length === 2) return { ...base, kind: prefix, admdvs: a! };
  return undefined;
}

export const personalAccount = (psnNo: string): string => `psn_acct:${psnNo}`;
export const fundAccount = (admdvs: string, fundType: string): string => `fund:${admdvs}:${fundType}`;

/** What caused a transfer: a settlement, a contribution, a request on a person's account, a migration… */
export interface Cause {
  kind: string;
  id: string;
}

/** A transfer as its use case describes it, once. */
export interface Transfer {
  kind: TransferKind;
  /** Idempotency key: posting the same key again returns the first transfer. A settlement's setl_id is its key. */
  key: string;
  cause: Cause;
  legs: readonly Leg[];
  /** The transfer this one corrects, legs swapped. */
  reverses: number | null;
  memo: string | null;
}

/** Per account, what a transfer adds to its debits and credits. */
export interface AccountChange {
  account: string;
  debits: number;
  credits: number;
  may_go_negative: boolean;
}

/** A transfer that passed `checkTransfer`: its total, its accounts, and what it adds to each. */
export interface CheckedTransfer extends Transfer {
  amount: number;
  accounts: Account[];
  changes: AccountChange[];
}

/**
 * The one check of every transfer: at least one leg, each a positive whole number of fen
 * between two different accounts of a known form (debits = credits then holds by
 * construction). Whether an account that may not go negative stays at zero or above is the
 * database's to say (a CHECK on its balance row), since only it sees concurrent posts.
 */
export function checkTransfer(t: Transfer): CheckedTransfer {
  // A settlement of a zero bill keeps its (empty) transfer; every other kind moves money.
  assertInvariant(t.legs.length > 0 || t.kind === 'settle' || t.kind === 'cancel', `a ${t.kind} transfer has legs`);
  assertInvariant(t.key.length > 0, 'a transfer has its key');
  const accounts = new Map<string, Account>();
  const changes = new Map<string, AccountChange>();
  let amount = 0;
  const at = (code: string): AccountChange => {
    let c = changes.get(code);
    if (!c) {
      const a = accountOf(code);
      assertInvariant(a !== undefined, `ledger account ${code} is of a declared kind`);
      accounts.set(code, a);
      changes.set(code, (c = { account: code, debits: 0, credits: 0, may_go_negative: a.may_go_negative }));
    }
    return c;
  };
  for (const l of t.legs) {
    assertInvariant(Number.isSafeInteger(l.amount) && l.amount > 0, 'ledger legs carry positive whole fen');
    assertInvariant(l.debit !== l.credit, 'a leg moves money between two accounts');
    at(l.debit).debits += l.amount;
    at(l.credit).credits += l.amount;
    amount += l.amount;
  }
  // Sorted, so every poster locks balance rows in one order.
  const sorted = [...changes.values()].sort((a, b) => (a.account < b.account ? -1 : a.account > b.account ? 1 : 0));
  return { ...t, amount, accounts: [...accounts.values()].sort((a, b) => (a.code < b.code ? -1 : 1)), changes: sorted };
}

export function reversed(legs: readonly Leg[]): Leg[] {
  return legs.map((l) => ({ debit: l.credit, credit: l.debit, amount: l.amount }));
}

// ---- settlement ---------------------------------------------------------------------------

export interface LegsInput {
  setlinfo: SetlinfoAmounts;
  setldetail: readonly SetldetailLine[];
  psn_no: string;
  fixmedins_code: string;
  insuplc_admdvs: string;
  mdtrtarea_admvs: string;
}

/** fund_pay_type codes that are not a fund's money (the personal account's 310200, the cash 999996). */
export const NOT_A_FUND = new Set(['310200', '999996']);

/** The legs of one settlement. Cross-region money passes through the regions' mutual accounts. */
export function settlementLegs(s: LegsInput): Leg[] {
  const legs: Leg[] = [];
  const inst = s.fixmedins_code;
  const cross = s.insuplc_admdvs !== s.mdtrtarea_admvs;
  const payable = `medins_payable:${inst}`;
  // Insurance money (funds and the personal account) reaches the institution directly at home,
  // or through what the insured region owes the treatment region when away.
  const via = cross ? `owed_to:${s.insuplc_admdvs}:${s.mdtrtarea_admvs}` : payable;
  let insured = 0;
  for (const d of s.setldetail) {
    if (NOT_A_FUND.has(d.fund_pay_type) || d.fund_payamt === 0) continue;
    legs.push({ debit: via, credit: fundAccount(s.insuplc_admdvs, d.fund_pay_type), amount: d.fund_payamt });
    insured += d.fund_payamt;
  }
  if (s.setlinfo.acct_pay > 0) {
    legs.push({ debit: via, credit: personalAccount(s.psn_no), amount: s.setlinfo.acct_pay });
    insured += s.setlinfo.acct_pay;
  }
  if (cross && insured > 0) legs.push({ debit: payable, credit: `owed_by:${s.mdtrtarea_admvs}:${s.insuplc_admdvs}`, amount: insured });
  if (s.setlinfo.psn_cash_pay > 0) legs.push({ debit: `medins_cash:${inst}`, credit: `psn_cash:${s.psn_no}`, amount: s.setlinfo.psn_cash_pay });
  if (s.setlinfo.hosp_part_amt > 0) legs.push({ debit: `medins_charges:${inst}`, credit: `medins_borne:${inst}`, amount: s.setlinfo.hosp_part_amt });
  let intoInstitution = 0;
  for (const l of legs) {
    assertInvariant(Number.isSafeInteger(l.amount) && l.amount > 0, 'ledger legs carry positive whole fen');
    if (l.debit.endsWith(`:${inst}`) && l.debit.startsWith('medins_')) intoInstitution += l.amount;
  }
  assertInvariant(intoInstitution === s.setlinfo.medfee_sumamt, 'the legs into the institution add up to the bill (medfee_sumamt)');
  assertInvariant(insured === s.setlinfo.fund_pay_sumamt + s.setlinfo.acct_pay, 'insurance legs = fund_pay_sumamt + acct_pay');
  return legs;
}
