import { buildDipGroups, dipBudgetPointValue, dipCaseScore, dipGroupOf, type DipCatalog, type PointValue } from '../../engine/payment/dip.ts';
import { drgDipBudgetFen, type PaymentRules } from '../../engine/payment/rules.ts';
import { inTransaction, type Pool, type Queryable } from '../../store/db.ts';
import { historyStays, historyVersion, insertHistory, type HistoryRow } from '../../store/payment/dip.ts';
import { invalid, Problems, YibaoError } from '../../engine/errors.ts';
import { yuanToFen } from '../../engine/money.ts';

// A DIP region's year: its catalog of groups built from the three years before (imported
// history and the platform's own lists), and the point value cases are priced at during the
// year — the bureau's fixed one, else the budget point value (the budget's DIP share ÷ the
// reimbursement ratio ÷ the previous year's total score). The year-end settlement replaces it
// with the settlement point value of the year's own cases (year-end.ts).

export interface DipYear {
  catalog: DipCatalog;
  point_value: PointValue | { point_value_fen: number; fixed: true };
}

const cache = new Map<string, DipYear>();

export const historyYears = (year: number): number[] => [year - 3, year - 2, year - 1];

export async function dipYear(q: Queryable, rules: PaymentRules): Promise<DipYear | undefined> {
  const dip = rules.dip;
  if (!dip) return undefined;
  const years = historyYears(rules.year);
  const key = `${rules.rules_id}@${rules.version}#${await historyVersion(q, rules.admdvs, years)}`;
  const hit = cache.get(key);
  if (hit) return hit;
  const stays = await historyStays(q, rules.admdvs, years);
  if (stays.length === 0) return undefined;
  const catalog = buildDipGroups(stays, { min_cases: dip.min_cases, year_weights: dip.year_weights });
  let point_value: DipYear['point_value'];
  if (dip.point_value_fen !== null) point_value = { point_value_fen: dip.point_value_fen, fixed: true };
  else {
    // The previous year's cases scored on this catalog stand in for this year's.
    const last = stays.filter((s) => s.year === rules.year - 1);
    let total = 0;
    for (const s of last.length > 0 ? last : stays) total += dipCaseScore(s.total_cost_fen, dipGroupOf(s, catalog), dip).score_tt;
    const expected = Math.floor((drgDipBudgetFen(rules) * 10000) / dip.reimbursement_ratio_bp);
    point_value = dipBudgetPointValue({ expected_total_cost_fen: expected, total_score_tt: Math.max(1, total) });
  }
  const year = { catalog, point_value };
  cache.clear(); // one region-year at a time is what a process prices
  cache.set(key, year);
  return year;
}

/**
 * Imports DIP history from CSV text (`year,fixmedins_code,principal_diagnosis,main_procedure,total_cost`,
 * cost in yuan), every line checked first: one bad line refuses the file, naming the line and field.
 */
export async function importDipHistory(pool: Pool, a: { admdvs: string; batch: string; text: string; now: Date; progress?: (line: string) => void }): Promise<number> {
  const lines = a.text.replace(/^\uFEFF/, '').split(/\r?\n/).filter((l) => l.trim() !== '');
  const header = (lines.shift() ?? '').split(',').map((h) => h.trim());
  const want = ['year', 'fixmedins_code', 'principal_diagnosis', 'main_procedure', 'total_cost'];
  if (want.some((h, i) => header[i] !== h)) throw invalid('line 1', `表头应为 ${want.join(',')}`, `the header must be ${want.join(',')}`);
  const p = new Problems();
  const rows: HistoryRow[] = [];
  lines.forEach((line, i) => {
    const at = `line ${i + 2}`;
    const [year, code, diagnosis, procedure, cost] = line.split(',').map((c) => c.trim());
    const y = Number(year);
    if (!Number.isInteger(y) || y < 2000 || y > 2100) p.add(`${at}/year`, '年度应为 2000-2100', `the year is 2000 to 2100, got "${year}"`);
    if (!code) p.add(`${at}/fixmedins_code`, '必填', 'required');
    if (!diagnosis || !/^[A-Z]\d{2}/.test(diagnosis)) p.add(`${at}/principal_diagnosis`, '应为 ICD-10 代码', `expected an ICD-10 code, got "${diagnosis ?? ''}"`);
    let fen = 0;
    try {
      fen = yuanToFen(cost ?? '', `${at}/total_cost`);
    } catch (err) {
      if (!(err instanceof YibaoError)) throw err;
      for (const d of err.details) p.add(d.field, d.zh, d.en);
    }
    rows.push({ year: y, fixmedins_code: code ?? '', principal_diagnosis: diagnosis ?? '', main_procedure: procedure ? procedure : null, total_cost_fen: fen });
  });
  p.throwIfAny();
  a.progress?.(`${rows.length} stays read, importing`);
  return inTransaction(pool, (q) => insertHistory(q, a.admdvs, a.batch, rows, a.now));
}
