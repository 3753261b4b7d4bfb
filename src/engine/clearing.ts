import { assertInvariant } from './errors.ts';
import type { Leg } from './ledger.ts';

// The monthly clearing run's pure rules (docs/clearing.md): which statement a cross-region
// settlement belongs to at a level, a statement's totals, the net positions (轧差) of the
// regions, and the legs that pay a statement. Deterministic: same rows, same statements.

export type ClearingLevel = 'province' | 'city';
export const CLEARING_LEVELS: readonly ClearingLevel[] = ['province', 'city'];

export type StatementState = 'drafted' | 'confirmed_by_insured' | 'confirmed_by_treatment' | 'confirmed' | 'disputed' | 'paid_in_part' | 'paid';
export type DisputeState = 'open' | 'withdrawn' | 'upheld';
export type DisputeOutcome = Exclude<DisputeState, 'open'>;
export type ClearingSide = 'insured' | 'treatment';

/** One cross-region settlement or cancellation as the run reads it. Amounts in fen, negative on a cancellation. */
export interface ClearingRow {
  setl_id: string;
  kind: 'settle' | 'cancel';
  orig_setl_id: string | null;
  insuplc_admdvs: string;
  mdtrtarea_admvs: string;
  insutype: string;
  setl_time: Date;
  /** What the insured region owes for it (cross_region_owed.amount_fen). */
  amount_fen: number;
  /** The fund and personal-account amounts by fund type, signed like amount_fen. */
  by_fund: Record<string, number>;
  /** The settlement this cancels is held by an earlier statement. */
  cancels_cleared: boolean;
}

export interface StatementLine {
  setl_id: string;
  kind: 'settle' | 'cancel';
  insuplc_admdvs: string;
  mdtrtarea_admvs: string;
  insutype: string;
  setl_time: Date;
  amount_fen: number;
  adjustment: boolean;
}

export interface StatementTotals {
  amount_fen: number;
  count: number;
  by_fund: Record<string, number>;
  by_insutype: Record<string, number>;
  adjustments_fen: number;
  adjustments_count: number;
}

export interface DraftStatement {
  month: string;
  level: ClearingLevel;
  insured_admdvs: string;
  treatment_admdvs: string;
  totals: StatementTotals;
  lines: StatementLine[];
}

/** A statement's totals without its lines: what the run computes in SQL and stores. */
export interface StatementDraft {
  insured_admdvs: string;
  treatment_admdvs: string;
  totals: StatementTotals;
}

export const provinceOf = (admdvs: string): string => `${admdvs.slice(0, 2)}0000`;

/** Not paid by a fund of the insured region: the personal account is counted from acct_pay, the hospital's share not at all. */
const NOT_OWED_BY_FUND = new Set(['310200', '999996']);

/**
 * What a cross-region settlement owes by fund type (the personal account as 310200), signed
 * like what it owes: negative on a cancellation. Stored with it (cross_region_owed.by_fund) for
 * the statements' totals; migration 019 applies the same rule to the rows stored before.
 */
export function owedByFund(kind: 'settle' | 'cancel', setldetail: readonly { fund_pay_type: string; fund_payamt: number }[], acctPay: number): Record<string, number> {
  const sign = kind === 'cancel' ? -1 : 1;
  const out: Record<string, number> = {};
  for (const d of setldetail) if (!NOT_OWED_BY_FUND.has(d.fund_pay_type) && d.fund_payamt !== 0) add(out, d.fund_pay_type, Math.abs(d.fund_payamt));
  if (acctPay !== 0) out['310200'] = Math.abs(acctPay);
  for (const k of Object.keys(out)) out[k] = sign * out[k]!;
  return sortKeys(out);
}

/**
 * A statement's totals hold together (asserted on every run, in production too): by fund type
 * and by insurance type they add up to its amount, the adjustments are some of its lines, and
 * its lines (as written) are its count.
 */
export function checkStatement(s: StatementDraft, linesWritten?: number): void {
  const t = s.totals;
  const pair = `${s.insured_admdvs} → ${s.treatment_admdvs}`;
  const sum = (o: Record<string, number>): number => Object.values(o).reduce((a, b) => a + b, 0);
  assertInvariant(sum(t.by_fund) === t.amount_fen, `statement ${pair}: its fund types add up to its amount`);
  assertInvariant(sum(t.by_insutype) === t.amount_fen, `statement ${pair}: its insurance types add up to its amount`);
  assertInvariant(t.count > 0 && t.adjustments_count >= 0 && t.adjustments_count <= t.count, `statement ${pair}: its adjustments are some of its lines`);
  assertInvariant(linesWritten === undefined || linesWritten === t.count, `statement ${pair}: it holds one line per settlement counted`);
}

/** The (insured, treatment) pair of a row at a level, or undefined when the row is not cleared at that level. */
export function pairOf(level: ClearingLevel, insured: string, treatment: string): [string, string] | undefined {
  const pi = provinceOf(insured);
  const pt = provinceOf(treatment);
  if (level === 'province') return pi === pt ? undefined : [pi, pt];
  return pi === pt && insured !== treatment ? [insured, treatment] : undefined;
}

/** Whether `month` is YYYYMM with a real month. */
export function isClearingMonth(month: string): boolean {
  return /^[0-9]{4}(0[1-9]|1[0-2])$/.test(month);
}

/** The month's first instant in China time (UTC+8, no daylight saving) and the next month's. */
export function monthBounds(month: string): { start: Date; end: Date } {
  assertInvariant(isClearingMonth(month), 'a clearing month is YYYYMM');
  const y = Number(month.slice(0, 4));
  const m = Number(month.slice(4, 6));
  const at = (yy: number, mm: number): Date => new Date(Date.UTC(yy, mm - 1, 1, -8));
  return { start: at(y, m), end: m === 12 ? at(y + 1, 1) : at(y, m + 1) };
}

const add = (o: Record<string, number>, k: string, v: number): void => {
  o[k] = (o[k] ?? 0) + v;
};
const sortKeys = (o: Record<string, number>): Record<string, number> =>
  Object.fromEntries(Object.entries(o).filter(([, v]) => v !== 0).sort(([a], [b]) => (a < b ? -1 : 1)));

/**
 * The statements of a month at a level from the rows the run collected (settlements no
 * statement holds yet, up to the month's end): one per pair, ordered by pair; lines by time then setl_id.
 */
export function buildStatements(month: string, level: ClearingLevel, rows: readonly ClearingRow[]): DraftStatement[] {
  const { start, end } = monthBounds(month);
  const byPair = new Map<string, DraftStatement>();
  for (const r of rows) {
    assertInvariant(r.setl_time < end, `settlement ${r.setl_id} is not after the month ${month}`);
    const pair = pairOf(level, r.insuplc_admdvs, r.mdtrtarea_admvs);
    if (!pair) continue;
    const fundSum = Object.values(r.by_fund).reduce((a, b) => a + b, 0);
    assertInvariant(fundSum === r.amount_fen, `settlement ${r.setl_id}: its fund amounts add up to what is owed`);
    const key = `${pair[0]}:${pair[1]}`;
    let s = byPair.get(key);
    if (!s) {
      s = { month, level, insured_admdvs: pair[0], treatment_admdvs: pair[1], lines: [],
        totals: { amount_fen: 0, count: 0, by_fund: {}, by_insutype: {}, adjustments_fen: 0, adjustments_count: 0 } };
      byPair.set(key, s);
    }
    const adjustment = r.setl_time < start || r.cancels_cleared;
    s.lines.push({ setl_id: r.setl_id, kind: r.kind, insuplc_admdvs: r.insuplc_admdvs, mdtrtarea_admvs: r.mdtrtarea_admvs, insutype: r.insutype, setl_time: r.setl_time, amount_fen: r.amount_fen, adjustment });
    const t = s.totals;
    t.amount_fen += r.amount_fen;
    t.count += 1;
    for (const [f, v] of Object.entries(r.by_fund)) add(t.by_fund, f, v);
    add(t.by_insutype, r.insutype, r.amount_fen);
    if (adjustment) {
      t.adjustments_fen += r.amount_fen;
      t.adjustments_count += 1;
    }
  }
  const out = [...byPair.values()].sort((a, b) => (a.insured_admdvs + a.treatment_admdvs < b.insured_admdvs + b.treatment_admdvs ? -1 : 1));
  for (const s of out) {
    s.lines.sort((a, b) => a.setl_time.getTime() - b.setl_time.getTime() || (a.setl_id < b.setl_id ? -1 : a.setl_id > b.setl_id ? 1 : 0));
    s.totals.by_fund = sortKeys(s.totals.by_fund);
    s.totals.by_insutype = sortKeys(s.totals.by_insutype);
    assertInvariant(s.lines.reduce((a, l) => a + l.amount_fen, 0) === s.totals.amount_fen, 'a statement is the sum of its lines');
  }
  return out;
}

export interface NetPosition {
  admdvs: string;
  /** What the others owe this region less what it owes them (positive: it receives). */
  net_fen: number;
}

/** After netting (轧差), who pays whom how much, per pair of regions. */
export interface NetTransfer {
  payer: string;
  payee: string;
  amount_fen: number;
}

/** The net positions of the regions over a set of statements and the net per pair; the positions sum to zero to the fen. */
export function netPositions(statements: readonly { insured_admdvs: string; treatment_admdvs: string; totals: { amount_fen: number } }[]): { positions: NetPosition[]; pairs: NetTransfer[] } {
  const pos = new Map<string, number>();
  const pair = new Map<string, number>(); // key "a:b" with a < b: what a owes b, net
  for (const s of statements) {
    const i = s.insured_admdvs;
    const t = s.treatment_admdvs;
    const x = s.totals.amount_fen;
    pos.set(t, (pos.get(t) ?? 0) + x);
    pos.set(i, (pos.get(i) ?? 0) - x);
    const [a, b, sign] = i < t ? [i, t, 1] : [t, i, -1];
    pair.set(`${a}:${b}`, (pair.get(`${a}:${b}`) ?? 0) + sign * x);
  }
  const positions = [...pos.entries()].sort(([a], [b]) => (a < b ? -1 : 1)).map(([admdvs, net_fen]) => ({ admdvs, net_fen }));
  assertInvariant(positions.reduce((a, p) => a + p.net_fen, 0) === 0, 'net positions over all regions sum to zero');
  const pairs: NetTransfer[] = [];
  for (const [k, v] of [...pair.entries()].sort(([a], [b]) => (a < b ? -1 : 1))) {
    const [a, b] = k.split(':') as [string, string];
    if (v !== 0) pairs.push(v > 0 ? { payer: a, payee: b, amount_fen: v } : { payer: b, payee: a, amount_fen: -v });
  }
  return { positions, pairs };
}

/**
 * The legs that pay a statement: per pooling pair of its lines, the insured region's debt
 * against the treatment region's claim (owed_by ← owed_to); once, the money between the two
 * sides' bank accounts. A negative amount runs the other way; a zero one has no leg.
 */
export function clearingLegs(s: { insured_admdvs: string; treatment_admdvs: string; lines: readonly { insuplc_admdvs: string; mdtrtarea_admvs: string; amount_fen: number }[] }): Leg[] {
  const perPair = new Map<string, number>();
  for (const l of s.lines) perPair.set(`${l.insuplc_admdvs}:${l.mdtrtarea_admvs}`, (perPair.get(`${l.insuplc_admdvs}:${l.mdtrtarea_admvs}`) ?? 0) + l.amount_fen);
  const legs: Leg[] = [];
  const leg = (debit: string, credit: string, x: number): void => {
    if (x > 0) legs.push({ debit, credit, amount: x });
    else if (x < 0) legs.push({ debit: credit, credit: debit, amount: -x });
  };
  for (const [k, x] of [...perPair.entries()].sort(([a], [b]) => (a < b ? -1 : 1))) {
    const [i, t] = k.split(':') as [string, string];
    leg(`owed_by:${t}:${i}`, `owed_to:${i}:${t}`, x);
  }
  const total = s.lines.reduce((a, l) => a + l.amount_fen, 0);
  leg(`bank:${s.treatment_admdvs}`, `bank:${s.insured_admdvs}`, total);
  return legs;
}

/**
 * A statement's state, from what has happened to it: paid once both sides confirmed (in part
 * while a contested line waits), disputed while a contest is open before that, else who has
 * confirmed so far. `confirmed` is only ever passed inside the paying transaction.
 */
export function statementState(x: { insured_confirmed: boolean; treatment_confirmed: boolean; paid: boolean; open_disputes: number }): StatementState {
  if (x.paid) return x.open_disputes > 0 ? 'paid_in_part' : 'paid';
  if (x.open_disputes > 0) return 'disputed';
  if (x.insured_confirmed && x.treatment_confirmed) return 'confirmed';
  if (x.insured_confirmed) return 'confirmed_by_insured';
  if (x.treatment_confirmed) return 'confirmed_by_treatment';
  return 'drafted';
}

/**
 * The lines a statement pays: not those under an open or upheld dispute (contested: they wait;
 * upheld: not owed), nor the cancellation of a settlement whose dispute was upheld (the original
 * was never paid, so its reversal repays nothing; the two net in the owed accounts).
 */
export function payableLines<L extends { setl_id: string; orig_setl_id: string | null }>(lines: readonly L[], disputes: ReadonlyMap<string, DisputeState>, upheldOriginals: ReadonlySet<string>): L[] {
  return lines.filter((l) => {
    const d = disputes.get(l.setl_id);
    if (d === 'open' || d === 'upheld') return false;
    return l.orig_setl_id === null || !upheldOriginals.has(l.orig_setl_id);
  });
}

/** Who may settle a dispute which way: the side that raised it withdraws it; the other side concedes it (upheld). */
export function mayResolve(raisedBy: ClearingSide, outcome: DisputeOutcome, side: ClearingSide): boolean {
  return outcome === 'withdrawn' ? side === raisedBy : side !== raisedBy;
}

