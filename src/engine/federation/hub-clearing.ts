import { assertInvariant, forbidden, invalid } from '../errors.ts';
import { isClearingMonth, monthBounds } from '../clearing.ts';
import { MAX_ABS_FEN } from '../money.ts';
import type { Leg } from '../ledger.ts';

// The hub's clearing between deployments (issue 17, docs/federation.md "Hub clearing"): the
// monthly clearing of docs/clearing.md one level up. Each deployment reports its month of
// cross-deployment settlement records; the hub matches the two sides' records of each fed_id,
// nets what every deployment owes every other (轧差), lists what it could not match, and issues
// one statement per deployment, which the deployment posts in its own ledger. Pure: the same
// records give the same statements.

export type HubRole = 'treatment' | 'insured';

/** One cross-deployment settlement or cancellation as one side reports it (a federation_settlements row). */
export interface HubRecord {
  fed_id: string;
  role: HubRole;
  /** The other deployment of the settlement. */
  peer: string;
  kind: 'settle' | 'cancel';
  orig_fed_id: string | null;
  /** What the insured side owes the treatment side (negative for a cancellation). */
  owed_fen: number;
  by_fund: Record<string, number>;
  medfee_sumamt: number;
  fund_pay_sumamt: number;
  acct_pay: number;
  psn_cash_pay: number;
  /** ISO instant. */
  setl_time: string;
}

export interface HubReport {
  month: string;
  deployment: string;
  records: HubRecord[];
  count: number;
  /** What the deployment receives net if every record clears: Σ owed_fen of its treatment records − Σ of its insured records. */
  total: number;
}

/** The treatment deployment of a settlement: the first part of its fed_id (settleFedId). */
export const treatmentOf = (fedId: string): string => fedId.split(':')[0]!;

/** The China-time month (YYYYMM) of an instant: what `clr_month` holds. */
export function monthOf(at: Date): string {
  const c = new Date(at.getTime() + 8 * 3600_000);
  return `${c.getUTCFullYear()}${String(c.getUTCMonth() + 1).padStart(2, '0')}`;
}

/** Σ treatment − Σ insured: the deployment's net if everything it reports clears. */
export function reportTotal(records: readonly Pick<HubRecord, 'role' | 'owed_fen'>[]): number {
  return records.reduce((a, r) => a + (r.role === 'treatment' ? r.owed_fen : -r.owed_fen), 0);
}

const sortKeys = (o: Record<string, number>): Record<string, number> => Object.fromEntries(Object.entries(o).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
const byFedId = <T extends { fed_id: string }>(a: T, b: T): number => (a.fed_id < b.fed_id ? -1 : a.fed_id > b.fed_id ? 1 : 0);

/** The one text of a report's records whose SHA-256 names the report (its msg_id): sorted by fed_id, keys in one order. */
export function canonicalRecords(records: readonly HubRecord[]): string {
  return JSON.stringify([...records].sort(byFedId).map((r) => [r.fed_id, r.role, r.peer, r.kind, r.orig_fed_id, r.owed_fen, sortKeys(r.by_fund), r.medfee_sumamt, r.fund_pay_sumamt, r.acct_pay, r.psn_cash_pay, new Date(r.setl_time).toISOString()]));
}

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isFen = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && Math.abs(v) <= MAX_ABS_FEN;

/**
 * Checks a report's shape and the sender's authority over it (the hub's `hub.report` handler):
 * a deployment reports only its own records. The sender is the report's deployment; every
 * record's peer is a known deployment other than the sender and not the hub; a treatment
 * record's fed_id is the sender's, an insured record's its peer's; a record is dated in the
 * report's month or before it (a late record of a month already reported is carried); count and
 * total are the records'. Every mistake names its field.
 */
export function checkReport(raw: unknown, sender: string, deployments: readonly { id: string; role: 'deployment' | 'hub' }[]): HubReport {
  if (!isObj(raw)) throw invalid('body', '应为对象', 'expected an object');
  const month = raw['month'];
  if (typeof month !== 'string' || !isClearingMonth(month)) throw invalid('body.month', '月份应为 YYYYMM', 'the month is YYYYMM');
  const deployment = raw['deployment'];
  if (deployment !== sender) throw forbidden('body.deployment', `部署只能上报本部署的记录：签名方是 ${sender}，报告写的是 ${String(deployment)}`, `a deployment reports only its own records: signed by ${sender}, the report names ${String(deployment)}`);
  const roles = new Map(deployments.map((d) => [d.id, d.role]));
  const list = raw['records'];
  if (!Array.isArray(list)) throw invalid('body.records', '应为数组', 'expected an array');
  const { end } = monthBounds(month);
  const seen = new Set<string>();
  const records = list.map((x, i): HubRecord => {
    const p = `body.records[${i}]`;
    if (!isObj(x)) throw invalid(p, '应为对象', 'expected an object');
    const fedId = x['fed_id'];
    if (typeof fedId !== 'string' || !/^[a-z][a-z0-9-]{1,31}:[^\s]{1,160}$/.test(fedId)) throw invalid(`${p}.fed_id`, '应为跨部署结算号', 'expected a cross-deployment settlement id');
    if (seen.has(fedId)) throw invalid(`${p}.fed_id`, `结算号 ${fedId} 重复`, `fed_id ${fedId} is listed twice`);
    seen.add(fedId);
    const role = x['role'];
    if (role !== 'treatment' && role !== 'insured') throw invalid(`${p}.role`, '应为 treatment 或 insured', 'expected treatment or insured');
    const peer = x['peer'];
    if (typeof peer !== 'string' || roles.get(peer) !== 'deployment' || peer === sender) {
      throw forbidden(`${p}.peer`, `对方部署 ${String(peer)} 不是目录中的另一个部署`, `the peer ${String(peer)} is not another deployment of the directory`);
    }
    const owner = treatmentOf(fedId);
    if (owner !== (role === 'treatment' ? sender : peer)) {
      throw forbidden(`${p}.fed_id`, `结算号 ${fedId} 属于就医地部署 ${owner}，与角色 ${role} 不符`, `fed_id ${fedId} belongs to treatment deployment ${owner}, which does not fit the role ${role}`);
    }
    const kind = x['kind'];
    if (kind !== 'settle' && kind !== 'cancel') throw invalid(`${p}.kind`, '应为 settle 或 cancel', 'expected settle or cancel');
    const orig = x['orig_fed_id'] ?? null;
    if ((kind === 'cancel') !== (typeof orig === 'string')) throw invalid(`${p}.orig_fed_id`, '撤销须有原结算号，结算不得有', 'a cancellation names its original, a settlement does not');
    const amounts = ['owed_fen', 'medfee_sumamt', 'fund_pay_sumamt', 'acct_pay', 'psn_cash_pay'] as const;
    for (const k of amounts) if (!isFen(x[k])) throw invalid(`${p}.${k}`, '应为整数分', 'expected whole fen');
    const byFund = x['by_fund'];
    if (!isObj(byFund) || !Object.entries(byFund).every(([k, v]) => /^[0-9]{6}$/.test(k) && isFen(v))) throw invalid(`${p}.by_fund`, '应为 {基金支付类型: 分}', 'expected {fund_pay_type: fen}');
    const sumFund = Object.values(byFund as Record<string, number>).reduce((a, b) => a + b, 0);
    if (sumFund !== x['owed_fen']) throw invalid(`${p}.by_fund`, '各基金金额之和应等于应付金额', 'the fund amounts add up to owed_fen');
    const at = typeof x['setl_time'] === 'string' ? new Date(x['setl_time']) : new Date(NaN);
    if (!Number.isFinite(at.getTime())) throw invalid(`${p}.setl_time`, '应为 ISO 时间', 'expected an ISO instant');
    if (at >= end) throw invalid(`${p}.setl_time`, `结算时间晚于 ${month}`, `the settlement is dated after ${month}`);
    return {
      fed_id: fedId, role, peer, kind, orig_fed_id: orig as string | null, owed_fen: x['owed_fen'] as number, by_fund: sortKeys(byFund as Record<string, number>),
      medfee_sumamt: x['medfee_sumamt'] as number, fund_pay_sumamt: x['fund_pay_sumamt'] as number, acct_pay: x['acct_pay'] as number, psn_cash_pay: x['psn_cash_pay'] as number,
      setl_time: at.toISOString(),
    };
  });
  if (raw['count'] !== records.length) throw invalid('body.count', `记录数应为 ${records.length}`, `count should be ${records.length}`);
  const total = reportTotal(records);
  if (raw['total'] !== total) throw invalid('body.total', `合计应为 ${total} 分`, `total should be ${total} fen`);
  return { month, deployment, records, count: records.length, total };
}

// ---- matching and netting ----------------------------------------------------------------

/** A record as the hub holds it: who reported it. */
export interface HeldRecord extends HubRecord {
  deployment: string;
}

/** A fed_id both sides reported alike: the insured deployment owes the treatment deployment owed_fen. */
export interface HubMatch {
  fed_id: string;
  treatment: string;
  insured: string;
  kind: 'settle' | 'cancel';
  owed_fen: number;
}

export type HubException =
  /** Only one side reported the record (`peer_reported`: whether the other side reported the month at all). */
  | { kind: 'one_side'; fed_id: string; reported_by: string; role: HubRole; peer: string; owed_fen: number; peer_reported: boolean }
  /** Both sides reported it, with different amounts (or kind, original, fund split). */
  | { kind: 'differs'; fed_id: string; treatment: string; insured: string; fields: string[]; treatment_owed_fen: number; insured_owed_fen: number }
  /** The reports do not fit together (two deployments claim the insured side, peers that do not name each other). */
  | { kind: 'inconsistent'; fed_id: string; reported_by: string[] }
  /** A deployment sent no report of the month. */
  | { kind: 'not_reported'; deployment: string };

/** Who an exception concerns (whose statement lists it). */
export function concerns(e: HubException): string[] {
  switch (e.kind) {
    case 'one_side': return [e.reported_by, e.peer];
    case 'differs': return [e.treatment, e.insured];
    case 'inconsistent': return e.reported_by;
    case 'not_reported': return [e.deployment];
  }
}

const COMPARED = ['kind', 'orig_fed_id', 'owed_fen', 'by_fund', 'medfee_sumamt', 'fund_pay_sumamt', 'acct_pay', 'psn_cash_pay'] as const;

function sameFunds(a: Record<string, number>, b: Record<string, number>): boolean {
  const ka = Object.keys(a);
  return ka.length === Object.keys(b).length && ka.every((k) => a[k] === b[k]);
}

function differingFields(a: HubRecord, b: HubRecord): string[] {
  return COMPARED.filter((k) => (k === 'by_fund' ? !sameFunds(a.by_fund, b.by_fund) : a[k] !== b[k]));
}

/**
 * Matches the held records by fed_id: a treatment record and an insured record from the two
 * deployments that name each other, with equal amounts and fund split, are a match; anything
 * else is an exception and is not cleared (it stays held for the next run).
 */
export function matchRecords(held: readonly HeldRecord[], reporters: ReadonlySet<string>): { matched: HubMatch[]; exceptions: HubException[] } {
  const groups = new Map<string, HeldRecord[]>();
  for (const r of held) {
    const g = groups.get(r.fed_id);
    if (g) g.push(r);
    else groups.set(r.fed_id, [r]);
  }
  const matched: HubMatch[] = [];
  const exceptions: HubException[] = [];
  for (const fedId of [...groups.keys()].sort()) {
    const g = groups.get(fedId)!;
    assertInvariant(new Set(g.map((r) => r.deployment)).size === g.length, `fed_id ${fedId} is held once per deployment`);
    if (g.length === 1) {
      const r = g[0]!;
      exceptions.push({ kind: 'one_side', fed_id: fedId, reported_by: r.deployment, role: r.role, peer: r.peer, owed_fen: r.owed_fen, peer_reported: reporters.has(r.peer) });
      continue;
    }
    const t = g.find((r) => r.role === 'treatment');
    const i = g.find((r) => r.role === 'insured');
    if (g.length > 2 || !t || !i || t.peer !== i.deployment || i.peer !== t.deployment) {
      exceptions.push({ kind: 'inconsistent', fed_id: fedId, reported_by: g.map((r) => r.deployment).sort() });
      continue;
    }
    const fields = differingFields(t, i);
    if (fields.length > 0) {
      exceptions.push({ kind: 'differs', fed_id: fedId, treatment: t.deployment, insured: i.deployment, fields, treatment_owed_fen: t.owed_fen, insured_owed_fen: i.owed_fen });
      continue;
    }
    matched.push({ fed_id: fedId, treatment: t.deployment, insured: i.deployment, kind: t.kind, owed_fen: t.owed_fen });
  }
  return { matched, exceptions };
}

/** Per ordered pair, what the first owes the second over the matches (gross, cancellations negative). */
export function grossOwed(matched: readonly HubMatch[]): Map<string, number> {
  const gross = new Map<string, number>();
  for (const m of matched) {
    const k = `${m.insured}>${m.treatment}`;
    gross.set(k, (gross.get(k) ?? 0) + m.owed_fen);
  }
  return gross;
}

export interface HubLine {
  counterparty: string;
  /** What the counterparty owes this deployment (gross, over its matched treatment records). */
  owed_to_it_fen: number;
  /** What this deployment owes the counterparty (gross, over its matched insured records). */
  it_owes_fen: number;
  /** owed_to_it − it_owes: positive, the counterparty pays this deployment. */
  net_fen: number;
  count: number;
}

export interface ClearedRecord {
  fed_id: string;
  role: HubRole;
  counterparty: string;
  owed_fen: number;
}

export interface HubStatement {
  month: string;
  deployment: string;
  /** One per counterparty with a cleared record, ordered by id. */
  lines: HubLine[];
  /** Its multilateral net position: Σ lines' net (positive: it receives from the hub). */
  net_fen: number;
  cleared: ClearedRecord[];
  exceptions: HubException[];
}

export interface HubClearing {
  month: string;
  statements: HubStatement[];
  matched: HubMatch[];
  exceptions: HubException[];
  positions: { deployment: string; net_fen: number }[];
}

/**
 * The month's clearing over what the hub holds (every uncleared record reported for the month
 * or carried from earlier ones): matches, gross both ways per pair, each deployment's net
 * position (they sum to zero, asserted in production too), one statement per deployment.
 */
export function clearHub(month: string, deployments: readonly string[], held: readonly HeldRecord[], reporters: ReadonlySet<string>): HubClearing {
  assertInvariant(isClearingMonth(month), 'a clearing month is YYYYMM');
  const { matched, exceptions } = matchRecords(held, reporters);
  for (const d of [...deployments].sort()) if (!reporters.has(d)) exceptions.push({ kind: 'not_reported', deployment: d });
  const gross = grossOwed(matched);
  const ids = [...new Set([...deployments, ...held.map((r) => r.deployment), ...held.map((r) => r.peer)])].sort();
  // One pass over the matches and the records, so a month of millions stays linear.
  const count = new Map<string, number>();
  const cleared = new Map<string, ClearedRecord[]>(ids.map((d) => [d, []]));
  for (const m of matched) {
    for (const k of [`${m.insured}>${m.treatment}`, `${m.treatment}>${m.insured}`]) count.set(k, (count.get(k) ?? 0) + 1);
    cleared.get(m.treatment)!.push({ fed_id: m.fed_id, role: 'treatment', counterparty: m.insured, owed_fen: m.owed_fen });
    cleared.get(m.insured)!.push({ fed_id: m.fed_id, role: 'insured', counterparty: m.treatment, owed_fen: m.owed_fen });
  }
  const names = new Set(held.map((r) => `${r.deployment}>${r.peer}`));
  const statements = ids.map((d): HubStatement => {
    const lines: HubLine[] = [];
    for (const c of ids) {
      const n = c === d ? 0 : count.get(`${d}>${c}`) ?? 0;
      if (n === 0) continue;
      const owedToIt = gross.get(`${c}>${d}`) ?? 0;
      const itOwes = gross.get(`${d}>${c}`) ?? 0;
      lines.push({ counterparty: c, owed_to_it_fen: owedToIt, it_owes_fen: itOwes, net_fen: owedToIt - itOwes, count: n });
    }
    const mine = exceptions.filter((e) => concerns(e).includes(d) || (e.kind === 'not_reported' && names.has(`${d}>${e.deployment}`)));
    return { month, deployment: d, lines, net_fen: lines.reduce((a, l) => a + l.net_fen, 0), cleared: cleared.get(d)!, exceptions: mine };
  });
  const positions = statements.map((s) => ({ deployment: s.deployment, net_fen: s.net_fen }));
  assertInvariant(positions.reduce((a, p) => a + p.net_fen, 0) === 0, 'the deployments\' net positions sum to zero');
  return { month, statements, matched, exceptions, positions };
}

// ---- posting a statement in a deployment's ledger ----------------------------------------

/** The hub's account in a deployment's ledger: what the hub owes it (credit) or it owes the hub (debit). */
export const hubAccount = (hubId: string): string => `hub:${hubId}`;

/** One of this deployment's own records that a statement clears, with the regions its settlement booked. */
export interface OwnClearedRecord {
  fed_id: string;
  role: HubRole;
  peer: string;
  owed_fen: number;
  insuplc_admdvs: string;
  mdtrtarea_admvs: string;
}

/**
 * Checks a statement against this deployment's own records (it clears only records this side
 * holds, with their role, peer and amount, and each line is the sum of them) and returns what
 * does not fit, in both languages; empty when it fits.
 */
export function statementMismatch(s: HubStatement, own: ReadonlyMap<string, OwnClearedRecord>): { zh: string; en: string }[] {
  const out: { zh: string; en: string }[] = [];
  const perPeer = new Map<string, { to: number; owes: number }>();
  const seen = new Set<string>();
  for (const c of s.cleared) {
    if (seen.has(c.fed_id)) {
      out.push({ zh: `清算单两次清分记录 ${c.fed_id}`, en: `the statement clears ${c.fed_id} twice` });
      continue;
    }
    seen.add(c.fed_id);
    const r = own.get(c.fed_id);
    if (!r) {
      out.push({ zh: `清算单清分了本部署没有的记录 ${c.fed_id}`, en: `the statement clears ${c.fed_id}, which this deployment does not hold` });
      continue;
    }
    if (r.role !== c.role || r.peer !== c.counterparty || r.owed_fen !== c.owed_fen) {
      out.push({ zh: `记录 ${c.fed_id}：清算单为 ${c.role}/${c.counterparty}/${c.owed_fen} 分，本部署为 ${r.role}/${r.peer}/${r.owed_fen} 分`, en: `record ${c.fed_id}: the statement has ${c.role}/${c.counterparty}/${c.owed_fen} fen, this deployment ${r.role}/${r.peer}/${r.owed_fen} fen` });
    }
    const p = perPeer.get(r.peer) ?? { to: 0, owes: 0 };
    if (r.role === 'treatment') p.to += r.owed_fen;
    else p.owes += r.owed_fen;
    perPeer.set(r.peer, p);
  }
  const listed = new Set(s.lines.map((l) => l.counterparty));
  for (const l of s.lines) {
    const p = perPeer.get(l.counterparty) ?? { to: 0, owes: 0 };
    if (p.to !== l.owed_to_it_fen || p.owes !== l.it_owes_fen || l.net_fen !== p.to - p.owes) {
      out.push({ zh: `与 ${l.counterparty} 的行：清算单应收 ${l.owed_to_it_fen}、应付 ${l.it_owes_fen} 分，本部署记录为应收 ${p.to}、应付 ${p.owes} 分`, en: `the line with ${l.counterparty}: the statement has ${l.owed_to_it_fen} owed to this deployment and ${l.it_owes_fen} owed by it, its own records ${p.to} and ${p.owes}` });
    }
  }
  for (const peer of perPeer.keys()) if (!listed.has(peer)) out.push({ zh: `清算单缺少与 ${peer} 的行`, en: `the statement has no line with ${peer}` });
  const net = s.lines.reduce((a, l) => a + l.net_fen, 0);
  if (net !== s.net_fen) out.push({ zh: `净额 ${s.net_fen} 分不等于各行净额之和 ${net} 分`, en: `the net position ${s.net_fen} fen is not the sum of its lines, ${net} fen` });
  return out;
}

/**
 * The legs that post a statement in a deployment's ledger: per owed account its settlements
 * booked, the month's cleared amounts move to the hub's account. An insured record's debt
 * leaves `owed_to:<insured>:<treatment>` for `hub:<hub>` (this deployment now owes the hub); a
 * treatment record's claim leaves `owed_by:<treatment>:<insured>` for `hub:<hub>` (the hub now
 * owes it). A negative sum (more cancelled than settled) runs the other way; a zero one has no leg.
 * The hub account's movement (debits − credits) is minus the statement's net position.
 */
export function hubClearingLegs(hubId: string, records: readonly OwnClearedRecord[]): Leg[] {
  const hub = hubAccount(hubId);
  const perAccount = new Map<string, number>();
  for (const r of records) {
    const account = r.role === 'insured' ? `owed_to:${r.insuplc_admdvs}:${r.mdtrtarea_admvs}` : `owed_by:${r.mdtrtarea_admvs}:${r.insuplc_admdvs}`;
    perAccount.set(account, (perAccount.get(account) ?? 0) + r.owed_fen);
  }
  const legs: Leg[] = [];
  for (const [account, x] of [...perAccount.entries()].sort(([a], [b]) => (a < b ? -1 : 1))) {
    // owed_to holds a debit balance (the fund paid into it): it gives to the hub account.
    // owed_by holds a credit balance (the claim): it receives from the hub account.
    const [debit, credit] = account.startsWith('owed_to:') ? [hub, account] : [account, hub];
    if (x > 0) legs.push({ debit, credit, amount: x });
    else if (x < 0) legs.push({ debit: credit, credit: debit, amount: -x });
  }
  return legs;
}

/** The hub account's movement under legs (debits − credits). */
export function hubMovement(hubId: string, legs: readonly Leg[]): number {
  const hub = hubAccount(hubId);
  return legs.reduce((a, l) => a + (l.debit === hub ? l.amount : 0) - (l.credit === hub ? l.amount : 0), 0);
}
