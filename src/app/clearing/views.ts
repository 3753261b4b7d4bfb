import { checkAdvanceFundPolicy, type AdvanceFundPolicy, type WarningLevel } from '../../engine/advance-fund.ts';
import { NATIONAL } from '../../engine/clearing-rules.ts';
import { fundUses } from './advance-funds.ts';
import { clearingRulesFor } from './rules.ts';
import type { ClearingLevel } from '../../engine/clearing.ts';
import { invalid, notFound } from '../../engine/errors.ts';
import { regionsCover } from '../../store/auth/principal.ts';
import { listWarnings, type WarningRow } from '../../store/clearing/advance-funds.ts';
import { statementsOf, type StoredStatement } from '../../store/clearing/statements.ts';
import { lineSettlement, readStatement, statementLines, type LineSettlement, type StatementLineRow } from '../../store/clearing/views.ts';
import type { Queryable } from '../../store/db.ts';
import { parseMonth } from './run.ts';

// What the finance staff's clearing page reads (docs/clearing.md, "The finance page"): the
// month's statements the caller is party to, one statement with its lines, a line's settlement
// with its explanation, the advance funds with their use rate. Reads only: the run, the
// confirmations and the warnings are written by run.ts, confirm.ts and advance-funds.ts.

/** `regions` undefined: the whole deployment. A statement is the caller's when they cover either side. */
export const partyTo = (regions: readonly string[] | undefined, s: { insured_admdvs: string; treatment_admdvs: string }): boolean =>
  regions === undefined || regionsCover(regions, s.insured_admdvs) || regionsCover(regions, s.treatment_admdvs);

export async function statementsFor(q: Queryable, input: { month: string; level: string; regions: readonly string[] | undefined }): Promise<{ month: string; level: ClearingLevel; items: StoredStatement[] }> {
  const month = parseMonth(input.month);
  if (input.level !== 'province' && input.level !== 'city') throw invalid('level', '清算层级应为 province 或 city', 'the level is province or city');
  const level: ClearingLevel = input.level;
  return { month, level, items: (await statementsOf(q, month, level)).filter((s) => partyTo(input.regions, s)) };
}

export interface StatementDetail extends StoredStatement {
  lines: StatementLineRow[];
}

/** A statement with its lines; the caller's access was decided on the statement's regions before. */
export async function statementDetail(q: Queryable, id: number): Promise<StatementDetail> {
  const s = await readStatement(q, id);
  if (!s) throw notFound('id', '清算单不存在', 'no such clearing statement');
  return { ...s, lines: await statementLines(q, id) };
}

export async function settlementOfLine(q: Queryable, id: number, setlId: string): Promise<LineSettlement> {
  const s = await lineSettlement(q, id, setlId);
  if (!s) throw notFound('setl_id', `清算单 ${id} 不含结算 ${setlId}`, `statement ${id} holds no settlement ${setlId}`);
  return s;
}

export interface FundView {
  insured_admdvs: string;
  treatment_admdvs: string;
  year: number;
  size_fen: number;
  consumed_fen: number;
  rate_bp: number;
  level: WarningLevel;
}

/**
 * The year's advance funds between provinces the caller covers, with their use rate now (what
 * they carry, as checkAdvanceFunds reads it) and the warnings raised so far. Raises nothing:
 * `yibao advance-funds --check` (checkAdvanceFunds) does. The thresholds returned are the
 * national ones; each fund's level is on its own insured province's rules.
 */
export async function advanceFundsView(q: Queryable, input: { year: number; regions: readonly string[] | undefined; now: Date; policy?: AdvanceFundPolicy }): Promise<{ year: number; yellow_bp: number; red_bp: number; funds: FundView[]; warnings: WarningRow[] }> {
  const { year } = input;
  if (!Number.isInteger(year) || year < 2000 || year > 2100) throw invalid('year', '年度须为 2000-2100 的整数', 'year must be a whole number from 2000 to 2100');
  const national = input.policy ? checkAdvanceFundPolicy(input.policy) : (await clearingRulesFor(q, NATIONAL)).advance_fund;
  const funds = (await fundUses(q, year, input.policy)).filter((f) => partyTo(input.regions, f)).map(({ policy: _policy, ...f }) => f);
  const warnings = (await listWarnings(q, year)).filter((w) => partyTo(input.regions, w));
  return { year, yellow_bp: national.yellow_bp, red_bp: national.red_bp, funds, warnings };
}
