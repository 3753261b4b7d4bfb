import { chinaDate, isIsoDate } from '../../engine/calendar.ts';
import { CLR_TYPES, isCode } from '../../engine/codes.ts';
import { monthBounds } from '../../engine/clearing.ts';
import { conflict, forbidden, invalid, notFound } from '../../engine/errors.ts';
import {
  claimMismatches, payableOf, paymentLegs, releaseLegs, reserveSplit, type ClaimedTotals, type Mismatch, type PlatformTotals,
} from '../../engine/institution-clearing.ts';
import { checkTransfer } from '../../engine/ledger.ts';
import { regionsCover } from '../../store/auth/principal.ts';
import { inTransaction, type Pool, type Queryable } from '../../store/db.ts';
import { postTransfer } from '../../store/ledger.ts';
import {
  balanceBefore, findApplication, findInstitution, heldReserves, insertApplication, linesOfApplication, listApplications, lockInstitutionApplications,
  markCancelled, markDecided, markReleased, overlappingApplication, settlementsInPeriod, totalsOf, type ApplicationRow,
} from '../../store/clearing/institutions.ts';
import { clearingRulesFor } from './rules.ts';

// Institutions' clearing with the fund (docs/clearing.md, "Institutions"): an institution
// applies for a past period's settlements of one clearing type (3203) or withdraws the
// application (3204); staff of the institution's region review it against the platform's own
// count, approve (the payment transfer: the payable cleared to the institution's bank, less the
// reserve of the province's clearing rules) or refuse it; the reserve is released at year end.

export const evtIdOf = (id: number): string => `CA${String(id).padStart(10, '0')}`;

/** The application an event id names; a malformed one is as unknown as a missing one. */
export function idOfEvt(evt: string, field = 'clr_appy_evt_id'): number {
  const m = /^CA(\d{1,15})$/.exec(evt);
  if (!m) throw notFound(field, `查无清算申请 ${evt}`, `no clearing application ${evt}`);
  return Number(m[1]);
}

export interface ApplicationInput {
  fixmedins_code: string;
  msgid: string;
  clr_type: string;
  clr_way: string;
  setl_optins: string;
  begndate: string;
  enddate: string;
  claimed: ClaimedTotals;
}

export interface Applied {
  id: number;
  clr_appy_evt_id: string;
  platform: PlatformTotals;
  mismatches: Mismatch[];
}

/** 3203: stores the application with the claim and the platform's totals of the same settlements (cancellations netted). */
export async function applyForClearing(q: Queryable, now: Date, a: ApplicationInput): Promise<Applied> {
  if (!isCode(CLR_TYPES, a.clr_type)) throw invalid('clr_type', `清算类别应为 ${Object.keys(CLR_TYPES).join('/')}`, `clr_type must be one of ${Object.keys(CLR_TYPES).join(', ')}`);
  if (!isIsoDate(a.begndate)) throw invalid('begndate', '应为日期 yyyy-MM-dd', 'expected a date yyyy-MM-dd');
  if (!isIsoDate(a.enddate)) throw invalid('enddate', '应为日期 yyyy-MM-dd', 'expected a date yyyy-MM-dd');
  if (a.enddate < a.begndate) throw invalid('enddate', '结束日期早于开始日期', 'enddate is before begndate');
  // Only a closed period: a settlement made after the application could not be in it.
  if (a.enddate >= chinaDate(now)) throw invalid('enddate', '只能申请已结束的期间（结束日期须早于今天）', 'only a period that has ended may be applied for (enddate before today)');
  if (!/^\d{6}$/.test(a.setl_optins)) throw invalid('setl_optins', '结算经办机构应为6位区划代码', 'setl_optins must be a six-digit region code');
  await lockInstitutionApplications(q, a.fixmedins_code);
  const other = await overlappingApplication(q, a);
  if (other !== undefined) throw conflict('begndate', `期间与清算申请 ${evtIdOf(other)} 重叠`, `the period overlaps clearing application ${evtIdOf(other)}`);
  const setlIds = await settlementsInPeriod(q, a);
  if (setlIds.length === 0) throw invalid('begndate', '该期间内无此清算类别的结算', 'no settlement of this clearing type in the period');
  const platform = await totalsOf(q, setlIds);
  const id = await insertApplication(q, { ...a, claimed: { ...a.claimed }, platform, at: now, setl_ids: setlIds });
  return { id, clr_appy_evt_id: evtIdOf(id), platform, mismatches: claimMismatches(a.claimed, platform) };
}

/** 3204: withdraws an application not yet decided; only the institution that applied may. */
export async function cancelApplication(q: Queryable, now: Date, fixmedinsCode: string, evt: string): Promise<ApplicationRow> {
  const id = idOfEvt(evt);
  const a = await findApplication(q, id, true);
  if (!a || a.fixmedins_code !== fixmedinsCode) throw notFound('clr_appy_evt_id', `查无本机构的清算申请 ${evt}`, `no clearing application ${evt} of this institution`);
  if (a.state !== 'applied') throw conflict('clr_appy_evt_id', `清算申请已${STATE_ZH[a.state]}，不能撤销`, `the clearing application is ${a.state} and can no longer be cancelled`);
  await markCancelled(q, id, now);
  return (await findApplication(q, id))!;
}

const STATE_ZH: Record<ApplicationRow['state'], string> = { applied: '提交', cancelled: '撤销', approved: '审核通过', refused: '拒绝' };

export interface Staff {
  username: string;
  regions: readonly string[];
}

export interface Review {
  application: ApplicationRow & { clr_appy_evt_id: string };
  /** The platform's totals of the application's settlements as they stand now. */
  platform: PlatformTotals;
  mismatches: Mismatch[];
  setl_ids: string[];
  /** What approval would pay: the payable, the reserve share and its split. */
  payable_fen: number;
  reserve_bp: number;
  paid_fen: number;
  reserve_fen: number;
}

async function requireApplication(q: Queryable, id: number, forUpdate = false): Promise<ApplicationRow> {
  const a = await findApplication(q, id, forUpdate);
  if (!a) throw notFound('id', `清算申请 ${id} 不存在`, `no clearing application ${id}`);
  return a;
}

function requireRegion(staff: Staff, a: { admdvs: string }): void {
  if (!regionsCover(staff.regions, a.admdvs)) throw forbidden('principal', '只有该机构所在地区的经办人员可以办理', "only staff of the institution's region may do this");
}

const provinceOf = (admdvs: string): string => `${admdvs.slice(0, 2)}0000`;

/** The application against its settlements: what the claim and the platform disagree on, and what approval would pay. */
export async function reviewApplication(q: Queryable, id: number, staff?: Staff): Promise<Review> {
  const a = await requireApplication(q, id);
  if (staff) requireRegion(staff, a);
  const setlIds = await linesOfApplication(q, id);
  const platform = await totalsOf(q, setlIds);
  const payable = payableOf(platform);
  const reserveBp = a.reserve_bp ?? (await clearingRulesFor(q, provinceOf(a.admdvs))).medins_reserve_bp;
  const split = a.state === 'approved' ? { paid_fen: a.paid_fen ?? 0, reserve_fen: a.reserve_fen ?? 0 } : reserveSplit(Math.max(payable, 0), reserveBp);
  return {
    application: { ...a, clr_appy_evt_id: evtIdOf(a.id) }, platform, mismatches: claimMismatches(a.claimed, platform), setl_ids: setlIds,
    payable_fen: payable, reserve_bp: reserveBp, ...split,
  };
}

export async function listInstitutionApplications(q: Queryable, f: { regions?: readonly string[]; state?: string; fixmedins_code?: string }): Promise<(ApplicationRow & { clr_appy_evt_id: string })[]> {
  if (f.state !== undefined && !['applied', 'cancelled', 'approved', 'refused'].includes(f.state)) throw invalid('state', '状态应为 applied/cancelled/approved/refused', 'state must be applied, cancelled, approved or refused');
  return (await listApplications(q, f)).map((a) => ({ ...a, clr_appy_evt_id: evtIdOf(a.id) }));
}

function requireApplied(a: ApplicationRow): void {
  if (a.state !== 'applied') throw conflict('state', `清算申请已${STATE_ZH[a.state]}，不能再审核`, `the clearing application is ${a.state}; it can no longer be decided`);
}

/**
 * Approves and pays in one transaction: one hospital_payment transfer, key
 * medins_payment:<id>, clears the institution's payable for the application's settlements, the
 * reserve share into medins_reserve:<code> and the rest to medins_bank:<code>.
 */
export async function approveApplication(pool: Pool, input: { id: number; staff: Staff; now: Date; reasons?: string }): Promise<Review> {
  await inTransaction(pool, async (q) => {
    const a = await requireApplication(q, input.id, true);
    requireRegion(input.staff, a);
    requireApplied(a);
    const platform = await totalsOf(q, await linesOfApplication(q, a.id));
    const payable = payableOf(platform);
    if (payable < 0) throw conflict('platform', '该期间撤销多于结算，应付为负，不能拨付', 'more was cancelled than settled in the period: nothing is owed to pay');
    const reserveBp = (await clearingRulesFor(q, provinceOf(a.admdvs))).medins_reserve_bp;
    const split = reserveSplit(payable, reserveBp);
    const legs = paymentLegs(a.fixmedins_code, split);
    let transferId: number | null = null;
    if (legs.length > 0) {
      const t = checkTransfer({
        kind: 'hospital_payment', key: `medins_payment:${a.id}`, cause: { kind: 'institution_clearing_application', id: String(a.id) }, legs, reverses: null,
        memo: `清算申请 ${evtIdOf(a.id)} 拨付 / payment of clearing application ${evtIdOf(a.id)}`,
      });
      transferId = (await postTransfer(q, t, input.now)).id;
    }
    await markDecided(q, a.id, { state: 'approved', by: input.staff.username, at: input.now, reasons: input.reasons ?? null, reserve_bp: reserveBp, ...split, transfer_id: transferId });
  });
  return reviewApplication(pool, input.id);
}

export async function refuseApplication(pool: Pool, input: { id: number; staff: Staff; now: Date; reasons: string }): Promise<Review> {
  if (typeof input.reasons !== 'string' || input.reasons.trim() === '' || input.reasons.length > 500) throw invalid('reasons', '须写明拒绝理由（1-500字）', 'the reasons for refusing are required (1-500 characters)');
  await inTransaction(pool, async (q) => {
    const a = await requireApplication(q, input.id, true);
    requireRegion(input.staff, a);
    requireApplied(a);
    await markDecided(q, a.id, { state: 'refused', by: input.staff.username, at: input.now, reasons: input.reasons.trim() });
  });
  return reviewApplication(pool, input.id);
}

export interface Released {
  fixmedins_code: string;
  application_ids: number[];
  released_fen: number;
  transfer_id: number | null;
}

/**
 * Releases the reserve (year-end review done): of one approved application, or of every
 * approved application of an institution whose period ends in the year, by its own transfer.
 */
export async function releaseReserve(pool: Pool, input: ({ id: number } | { fixmedins_code: string; year: number }) & { staff: Staff; now: Date }): Promise<Released> {
  return inTransaction(pool, async (q) => {
    let code: string;
    let held: { id: number; reserve_fen: number }[];
    let key: string;
    if ('id' in input) {
      const a = await requireApplication(q, input.id, true);
      requireRegion(input.staff, a);
      if (a.state !== 'approved') throw conflict('state', `清算申请${STATE_ZH[a.state]}，无保证金可返还`, `the clearing application is ${a.state}: it holds no reserve`);
      if (a.released_at !== null) throw conflict('released_at', '保证金已返还', 'the reserve has already been released');
      code = a.fixmedins_code;
      held = [{ id: a.id, reserve_fen: a.reserve_fen ?? 0 }];
      key = `medins_reserve_release:${a.id}`;
    } else {
      if (!Number.isInteger(input.year) || input.year < 2000 || input.year > 2100) throw invalid('year', '年度须为 2000-2100 的整数', 'year must be a whole number from 2000 to 2100');
      const inst = await findInstitution(q, input.fixmedins_code);
      if (!inst) throw notFound('fixmedins_code', '查无此定点机构', 'no such designated institution');
      requireRegion(input.staff, inst);
      code = inst.fixmedins_code;
      held = await heldReserves(q, code, input.year);
      if (held.length === 0) throw conflict('year', `${input.year} 年无未返还的保证金`, `no reserve of ${input.year} is still held`);
      // The newest application released names the set: a later year-end release of the same year (an application approved since) gets its own key.
      key = `medins_reserve_release:${code}:${input.year}:${held[held.length - 1]!.id}`;
    }
    const amount = held.reduce((s, h) => s + h.reserve_fen, 0);
    let transferId: number | null = null;
    const legs = releaseLegs(code, amount);
    if (legs.length > 0) {
      const t = checkTransfer({ kind: 'hospital_payment', key, cause: { kind: 'medins_reserve_release', id: key.slice('medins_reserve_release:'.length) }, legs, reverses: null, memo: '返还质量保证金 / reserve released' });
      const posted = await postTransfer(q, t, input.now);
      if (!posted.posted) throw conflict('released_at', '保证金已返还', 'the reserve has already been released');
      transferId = posted.id;
    }
    await markReleased(q, held.map((h) => h.id), transferId, input.now);
    return { fixmedins_code: code, application_ids: held.map((h) => h.id), released_fen: amount, transfer_id: transferId };
  });
}

export interface PaymentStatement {
  fixmedins_code: string;
  fixmedins_name: string;
  month: string;
  /** Applications filed in the month (China time), with what they claimed. */
  applied: { count: number; claimed_fen: number };
  /** Applications approved in the month, and what their approval owed (paid + withheld). */
  approved: { count: number; approved_fen: number };
  paid_fen: number;
  withheld_fen: number;
  released_fen: number;
  /** At the month's end: the reserve still held and what the fund still owes the institution (its payable). */
  reserve_held_fen: number;
  balance_owed_fen: number;
  applications: (ApplicationRow & { clr_appy_evt_id: string })[];
}

function statementMonth(month: string): { ym: string; start: Date; end: Date } {
  const m = /^(\d{4})-?(0[1-9]|1[0-2])$/.exec(month);
  if (!m || Number(m[1]) < 2000 || Number(m[1]) > 2100) throw invalid('month', '月份应为 yyyy-MM 或 yyyyMM（2000-2100年）', 'month must be yyyy-MM or yyyyMM, 2000 to 2100');
  const ym = `${m[1]}${m[2]}`;
  return { ym, ...monthBounds(ym) };
}

/** An institution's payment statement of a month: what it applied for, what was approved, paid, withheld and released, and what is still owed. */
export async function institutionPaymentStatement(q: Queryable, fixmedinsCode: string, month: string): Promise<PaymentStatement> {
  const { ym, start, end } = statementMonth(month);
  const inst = await findInstitution(q, fixmedinsCode);
  if (!inst) throw notFound('fixmedins_code', '查无此定点机构', 'no such designated institution');
  const all = await listApplications(q, { fixmedins_code: fixmedinsCode });
  const within = (d: Date | null): boolean => d !== null && d >= start && d < end;
  const applied = all.filter((a) => within(a.applied_at));
  const approved = all.filter((a) => a.state === 'approved' && within(a.decided_at));
  const released = all.filter((a) => within(a.released_at));
  const claimedOf = (a: ApplicationRow): number => a.claimed.fund_appy_sum + a.claimed.acct_pay;
  const sum = (xs: ApplicationRow[], f: (a: ApplicationRow) => number): number => xs.reduce((s, a) => s + f(a), 0);
  const touched = new Set([...applied, ...approved, ...released].map((a) => a.id));
  return {
    fixmedins_code: inst.fixmedins_code, fixmedins_name: inst.fixmedins_name, month: ym,
    applied: { count: applied.length, claimed_fen: sum(applied, claimedOf) },
    approved: { count: approved.length, approved_fen: sum(approved, (a) => (a.paid_fen ?? 0) + (a.reserve_fen ?? 0)) },
    paid_fen: sum(approved, (a) => a.paid_fen ?? 0),
    withheld_fen: sum(approved, (a) => a.reserve_fen ?? 0),
    released_fen: sum(released, (a) => a.reserve_fen ?? 0),
    reserve_held_fen: await balanceBefore(q, `medins_reserve:${fixmedinsCode}`, end),
    balance_owed_fen: await balanceBefore(q, `medins_payable:${fixmedinsCode}`, end),
    applications: all.filter((a) => touched.has(a.id)).map((a) => ({ ...a, clr_appy_evt_id: evtIdOf(a.id) })),
  };
}
