import { addWorkingDays, chinaDate } from '../../engine/calendar.ts';
import {
  advanceAccount, advanceFundSize, bankAccount, checkAdvanceFundPolicy, levelsReached, useRateBp, warningLevel,
  type AdvanceFundPolicy, type WarningLevel,
} from '../../engine/advance-fund.ts';
import { rulesFor, type ClearingRules } from '../../engine/clearing-rules.ts';
import { invalid, notFound } from '../../engine/errors.ts';
import { formatYuan } from '../../engine/money.ts';
import { checkTransfer, type Leg } from '../../engine/ledger.ts';
import { loadCalendar } from '../../store/cooperation/calendar.ts';
import { inTransaction, type Pool, type Queryable } from '../../store/db.ts';
import { sendStaffMessage } from '../../store/cooperation/staff-messages.ts';
import { postTransfer } from '../../store/ledger.ts';
import { storedClearingRules } from './rules.ts';
import {
  addToSize, crossProvincePayments, findAdvanceFund, outstandingCrossProvince, listAdvanceFunds, openAdvanceFund, raiseWarning, type AdvanceFundRow,
} from '../../store/clearing/advance-funds.ts';

// Advance funds (预付金) between provinces: sized at the start of the year from the previous
// year's cross-region payments, paid from the insured province's bank account into
// advance:<insured>:<treatment>, topped up and adjusted by further transfers, and watched as
// the year's settlements consume it (docs/clearing.md, "Advance funds"). Which pairs: the
// cooperation agreements name member regions, not payment pairs, and cross-province direct
// settlement is national, so every pair of provinces with cross-region settlements in the
// previous year gets a fund.

export interface Pair {
  insured_admdvs: string;
  treatment_admdvs: string;
}

const PROVINCE = /^[1-9][0-9]0000$/;

function checkYear(year: unknown): number {
  if (typeof year !== 'number' || !Number.isInteger(year) || year < 2000 || year > 2100) throw invalid('year', '年度须为 2000-2100 的整数', 'year must be a whole number from 2000 to 2100');
  return year;
}

function checkPair(p: Pair): void {
  if (!PROVINCE.test(p.insured_admdvs)) throw invalid('insured_admdvs', '参保省份须为省级区划代码（如 360000）', 'insured_admdvs must be a province code such as 360000');
  if (!PROVINCE.test(p.treatment_admdvs)) throw invalid('treatment_admdvs', '就医省份须为省级区划代码（如 430000）', 'treatment_admdvs must be a province code such as 430000');
  if (p.insured_admdvs === p.treatment_admdvs) throw invalid('treatment_admdvs', '就医省份须不同于参保省份', 'treatment_admdvs must differ from insured_admdvs');
}

function checkFen(field: string, v: unknown, allowZero: boolean): number {
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0 || (!allowZero && v === 0)) {
    throw invalid(field, `${field} 须为${allowZero ? '非负' : '正'}整数分`, `${field} must be ${allowZero ? 'zero or more' : 'more than zero'} whole fen`);
  }
  return v;
}

/**
 * The advance-fund figures that govern an insured province: the given override (a what-if, or a
 * test), else the province's stored clearing rules, else the national ones (clearing-rules/).
 */
function policies(stored: readonly ClearingRules[], override?: AdvanceFundPolicy): (insured: string) => AdvanceFundPolicy {
  if (override) {
    checkAdvanceFundPolicy(override);
    return () => override;
  }
  return (insured) => rulesFor(insured, stored).advance_fund;
}

const keyOf = (p: Pair, year: number, what: string): string => `advance:${p.insured_admdvs}:${p.treatment_admdvs}:${year}:${what}`;

/** Pays `deltaFen` into the fund (positive) or back to the bank (negative) under `key`; false when the key was posted before. */
async function move(q: Queryable, p: Pair, year: number, key: string, deltaFen: number, memo: string, now: Date): Promise<boolean> {
  const bank = bankAccount(p.insured_admdvs);
  const fund = advanceAccount(p.insured_admdvs, p.treatment_admdvs);
  const leg: Leg = deltaFen > 0 ? { debit: fund, credit: bank, amount: deltaFen } : { debit: bank, credit: fund, amount: -deltaFen };
  const t = checkTransfer({ kind: 'advance_payment', key, cause: { kind: 'advance_fund', id: `${p.insured_admdvs}:${p.treatment_admdvs}:${year}` }, legs: [leg], reverses: null, memo });
  const posted = await postTransfer(q, t, now);
  if (posted.posted) await addToSize(q, p.insured_admdvs, p.treatment_admdvs, year, deltaFen);
  return posted.posted;
}

export interface SetResult extends Pair {
  year: number;
  basis_fen: number;
  size_fen: number;
  /** False when the fund had been set before (nothing posted). */
  paid: boolean;
}

/** Sets the year's advance funds: one per pair of provinces with cross-region payments in the previous year, paid once. */
export async function setAdvanceFunds(pool: Pool, input: { year: number; now: Date; policy?: AdvanceFundPolicy }): Promise<SetResult[]> {
  const year = checkYear(input.year);
  const policyOf = policies(await storedClearingRules(pool), input.policy);
  const prev = await crossProvincePayments(pool, `${year - 1}01`, `${year - 1}12`);
  const out: SetResult[] = [];
  for (const row of prev) {
    const p: Pair = { insured_admdvs: row.insured_admdvs, treatment_admdvs: row.treatment_admdvs };
    const size = advanceFundSize(row.amount_fen, policyOf(p.insured_admdvs));
    out.push(await inTransaction(pool, async (q) => {
      await openAdvanceFund(q, p.insured_admdvs, p.treatment_admdvs, year, row.amount_fen, input.now);
      const fund = (await findAdvanceFund(q, p.insured_admdvs, p.treatment_admdvs, year, true))!;
      // Only a fund that has had no transfer yet is paid its size: a rerun, or a fund already adjusted by hand, is left alone.
      const paid = fund.transfers === 0 && size > 0 && (await move(q, p, year, keyOf(p, year, 'set'), size, `${year} 年预付金 / advance fund for ${year}`, input.now));
      const now = (await findAdvanceFund(q, p.insured_admdvs, p.treatment_admdvs, year))!;
      return { ...p, year, basis_fen: fund.basis_fen, size_fen: now.size_fen, paid };
    }));
  }
  return out;
}

async function requireFund(q: Queryable, p: Pair, year: number): Promise<AdvanceFundRow> {
  const fund = await findAdvanceFund(q, p.insured_admdvs, p.treatment_admdvs, year, true);
  if (!fund) throw notFound('year', `${p.insured_admdvs}→${p.treatment_admdvs} ${year} 年无预付金`, `no advance fund ${p.insured_admdvs}→${p.treatment_admdvs} for ${year}`);
  return fund;
}

/** A top-up (补足) of `amount_fen`, once per `ref` (the request's number). */
export async function topUp(pool: Pool, input: Pair & { year: number; amount_fen: number; ref: string; now: Date }): Promise<{ size_fen: number; posted: boolean }> {
  const year = checkYear(input.year);
  checkPair(input);
  const amount = checkFen('amount_fen', input.amount_fen, false);
  if (typeof input.ref !== 'string' || !/^[0-9A-Za-z_-]{1,40}$/.test(input.ref)) throw invalid('ref', '补足单号须为 1-40 位字母数字', 'ref must be 1-40 letters, digits, _ or -');
  return inTransaction(pool, async (q) => {
    await requireFund(q, input, year);
    const posted = await move(q, input, year, keyOf(input, year, `topup:${input.ref}`), amount, `预付金补足 ${input.ref} / advance-fund top-up`, input.now);
    return { size_fen: (await findAdvanceFund(q, input.insured_admdvs, input.treatment_admdvs, year))!.size_fen, posted };
  });
}

/**
 * The year's adjustment (调整): brings the fund to `size_fen`, paying in the difference or
 * paying it back; opens the pair's fund if the year has none. Asking for the size it has posts nothing.
 */
export async function adjust(pool: Pool, input: Pair & { year: number; size_fen: number; now: Date }): Promise<{ size_fen: number; posted: boolean }> {
  const year = checkYear(input.year);
  checkPair(input);
  const target = checkFen('size_fen', input.size_fen, true);
  return inTransaction(pool, async (q) => {
    await openAdvanceFund(q, input.insured_admdvs, input.treatment_admdvs, year, 0, input.now);
    const fund = await requireFund(q, input, year);
    const delta = target - fund.size_fen;
    if (delta === 0) return { size_fen: fund.size_fen, posted: false };
    // Numbered by the fund's transfers so far (under its row lock): a rerun finds the size already reached.
    await move(q, input, year, keyOf(input, year, `adjust:${fund.transfers + 1}`), delta, `预付金调整 / advance-fund adjustment`, input.now);
    return { size_fen: target, posted: true };
  });
}

export interface FundCheck extends Pair {
  year: number;
  size_fen: number;
  consumed_fen: number;
  rate_bp: number;
  level: WarningLevel;
  /** Warnings this check raised (a level is raised once a year). */
  raised: ('yellow' | 'red')[];
  top_up_by: string | null;
}

/**
 * The use rate of each of `asOf`'s year's funds: what the pair's cross-region settlements have
 * drawn and no paid clearing statement has repaid yet (the ledger's owed_to balances; the
 * monthly clearing repays in full, so the fund is a float), raising yellow and red warnings once each.
 * Both sides are to be told; a red warning's top-up is due `top_up_working_days` working days
 * later on the insured province's calendar.
 */
export interface FundUse extends Pair {
  year: number;
  size_fen: number;
  consumed_fen: number;
  rate_bp: number;
  level: WarningLevel;
  /** The figures that govern it (the insured province's clearing rules, or the override). */
  policy: AdvanceFundPolicy;
}

/** Each of the year's funds with its use now: the one reading of the use rate, for the check and the finance page. */
export async function fundUses(q: Queryable, year: number, override?: AdvanceFundPolicy): Promise<FundUse[]> {
  const policyOf = policies(await storedClearingRules(q), override);
  const used = new Map((await outstandingCrossProvince(q)).map((r) => [`${r.insured_admdvs}:${r.treatment_admdvs}`, r.amount_fen]));
  return (await listAdvanceFunds(q, year)).map((fund) => {
    const consumed = used.get(`${fund.insured_admdvs}:${fund.treatment_admdvs}`) ?? 0;
    const policy = policyOf(fund.insured_admdvs);
    const rate = useRateBp(consumed, fund.size_fen);
    return { insured_admdvs: fund.insured_admdvs, treatment_admdvs: fund.treatment_admdvs, year, size_fen: fund.size_fen, consumed_fen: consumed, rate_bp: rate, level: warningLevel(rate, policy), policy };
  });
}

export async function checkAdvanceFunds(pool: Pool, asOf: Date, override?: AdvanceFundPolicy): Promise<FundCheck[]> {
  const day = chinaDate(asOf);
  const year = Number(day.slice(0, 4));
  const out: FundCheck[] = [];
  for (const u of await fundUses(pool, year, override)) {
    const { policy, ...fund } = u;
    const p: Pair = { insured_admdvs: u.insured_admdvs, treatment_admdvs: u.treatment_admdvs };
    const raised: ('yellow' | 'red')[] = [];
    let topUpBy: string | null = null;
    const levels = levelsReached(u.rate_bp, policy);
    if (levels.length > 0) {
      await inTransaction(pool, async (q) => {
        for (const level of levels) {
          const due = level === 'red' ? addWorkingDays(await loadCalendar(q, p.insured_admdvs), day, policy.top_up_working_days) : null;
          const ok = await raiseWarning(q, { ...p, year, level, at: asOf, rate_bp: u.rate_bp, consumed_fen: u.consumed_fen, size_fen: u.size_fen, notify_admdvs: [p.insured_admdvs, p.treatment_admdvs], top_up_by: due });
          if (!ok) continue;
          raised.push(level);
          if (due) topUpBy = due;
          await sendStaffMessage(q, asOf, [p.insured_admdvs, p.treatment_admdvs], warningMessage(p, year, level, u.rate_bp, u.consumed_fen, u.size_fen, due));
        }
      });
    }
    out.push({ ...fund, raised, top_up_by: topUpBy });
  }
  return out;
}

/** What both bureaus are told when a fund's use reaches a threshold (the red one asks the insured side to top up by a date). */
function warningMessage(p: Pair, year: number, level: 'yellow' | 'red', rateBp: number, consumed: number, size: number, due: string | null) {
  const pct = size <= 0 ? '>100%' : `${Math.floor(rateBp / 100)}.${String(rateBp % 100).padStart(2, '0')}%`;
  const pair = `${p.insured_admdvs}→${p.treatment_admdvs}`;
  const used = { zh: `${year} 年预付金 ${pair} 已使用 ${pct}（${formatYuan(consumed)} / ${formatYuan(size)} 元）`, en: `the ${year} advance fund ${pair} is ${pct} used (¥${formatYuan(consumed)} of ¥${formatYuan(size)})` };
  return level === 'red'
    ? {
        subject: `advance_fund:${p.insured_admdvs}:${p.treatment_admdvs}:${year}:red`, urgent: true,
        title: { zh: `预付金红色预警 ${pair}`, en: `Advance fund red warning ${pair}` },
        body: { zh: `${used.zh}，请参保省于 ${due} 前补足。`, en: `${used.en}; the insured province is to top it up by ${due}.` },
      }
    : {
        subject: `advance_fund:${p.insured_admdvs}:${p.treatment_admdvs}:${year}:yellow`, urgent: false,
        title: { zh: `预付金黄色预警 ${pair}`, en: `Advance fund yellow warning ${pair}` },
        body: { zh: `${used.zh}。`, en: `${used.en}.` },
      };
}
