import { invalid, notFound, conflict } from '../../../engine/errors.ts';
import { fenToYuan, yuanToFen } from '../../../engine/money.ts';
import { applyForClearing, cancelApplication } from '../../../app/clearing/institutions.ts';
import { confirmationsOf, insertConfirmation, institutionClearingLines, type InstitutionClearingLine } from '../../../store/clearing/institutions.ts';
import { inputList, inputObject, optionalDate, optionalInteger, optionalString, requiredString } from '../input.ts';
import { dateTime } from '../time.ts';
import { inInputTerms } from './coop-filing.ts';
import type { GatewayContext, TransactionHandler } from '../types.ts';

// 3203 清算申请 / 3204 清算申请撤销: an institution applies for a past period's settlements of one
// clearing type, with its own totals; the answer carries the platform's totals and where they
// differ. 3260-3262: the institution's view of the monthly cross-region clearing (which of its
// settlements each month's statements hold, their state) and its confirmation of a month.
// Field names of 3260-3262 are yibao's (docs/interface.md, "Coverage").

type Obj = Record<string, unknown>;
const money = (x: Obj, k: string, path: string): number => yuanToFen(x[k] ?? 0, `${path}.${k}`);

export const clearingApplication: TransactionHandler = {
  infno: '3203',
  name: { zh: '清算申请', en: 'clearing application' },
  requiresSignIn: true,
  writes: true,
  async handle(ctx) {
    const path = 'input.data';
    const d = inputObject(ctx.envelope.input, 'data');
    const code = optionalString(d, 'fixmedins_code', path, 30);
    if (code !== undefined && code !== ctx.institution.fixmedins_code) throw invalid(`${path}.fixmedins_code`, '只能为本机构申请清算', "an institution applies for its own settlements only: fixmedins_code is not the caller's");
    const begndate = optionalDate(d, 'begndate', path, 'query', ctx.now());
    const enddate = optionalDate(d, 'enddate', path, 'query', ctx.now());
    if (!begndate) throw invalid(`${path}.begndate`, '必填（yyyy-MM-dd）', 'required (yyyy-MM-dd)');
    if (!enddate) throw invalid(`${path}.enddate`, '必填（yyyy-MM-dd）', 'required (yyyy-MM-dd)');
    const cnt = optionalInteger(d, 'fixmedins_setl_cnt', path, -1e9, 1e9);
    const funds = inputList(ctx.envelope.input, 'fundinfo', true);
    let byFund: Record<string, number> | undefined;
    if (funds.length > 0) {
      byFund = {};
      funds.forEach((f, i) => {
        const at = `input.fundinfo[${i}]`;
        const t = requiredString(f, 'fund_pay_type', at, 6);
        if (byFund![t] !== undefined) throw invalid(`${at}.fund_pay_type`, `基金类型 ${t} 重复`, `fund_pay_type ${t} appears twice`);
        byFund![t] = money(f, 'fund_appy_sum', at);
      });
    }
    const applied = await inInputTerms(path, {}, () => applyForClearing(ctx.db, ctx.now(), {
      fixmedins_code: ctx.institution.fixmedins_code,
      msgid: ctx.envelope.msgid,
      clr_type: requiredString(d, 'clr_type', path, 6),
      clr_way: requiredString(d, 'clr_way', path, 6),
      // Some provinces' specifications name it clr_optins (清算经办机构).
      setl_optins: optionalString(d, 'setl_optins', path, 6) ?? optionalString(d, 'clr_optins', path, 6) ?? requiredString(d, 'setl_optins', path, 6),
      begndate,
      enddate,
      claimed: {
        medfee_sumamt: money(d, 'medfee_sumamt', path), fund_appy_sum: money(d, 'fund_appy_sum', path), cash_payamt: money(d, 'cash_payamt', path), acct_pay: money(d, 'acct_pay', path),
        ...(cnt !== undefined ? { setl_cnt: cnt } : {}), ...(byFund ? { by_fund: byFund } : {}),
      },
    }));
    const p = applied.platform;
    if (applied.mismatches.length > 0) ctx.warn(`申报与中心不一致 ${applied.mismatches.length} 项 / ${applied.mismatches.length} figures differ from the center's`);
    return {
      result: {
        clr_appy_evt_id: applied.clr_appy_evt_id,
        center: {
          setl_cnt: p.setl_cnt, medfee_sumamt: fenToYuan(p.medfee_sumamt), fund_pay_sumamt: fenToYuan(p.fund_pay_sumamt), acct_pay: fenToYuan(p.acct_pay), cash_payamt: fenToYuan(p.psn_cash_pay),
          fundinfo: Object.entries(p.by_fund).map(([t, x]) => ({ fund_pay_type: t, fund_payamt: fenToYuan(x) })),
        },
        mismatches: applied.mismatches.map((m) => ({ field: m.field, fixmedins: m.unit === 'count' ? m.claimed : fenToYuan(m.claimed), center: m.unit === 'count' ? m.platform : fenToYuan(m.platform) })),
      },
    };
  },
};

export const clearingApplicationCancel: TransactionHandler = {
  infno: '3204',
  name: { zh: '清算申请撤销', en: 'clearing application cancellation' },
  requiresSignIn: true,
  writes: true,
  async handle(ctx) {
    const path = 'input.data';
    const d = inputObject(ctx.envelope.input, 'data');
    const evt = requiredString(d, 'clr_appy_evt_id', path, 30);
    optionalString(d, 'clr_optins', path, 6); // sent by some HIS; the application knows its region
    await inInputTerms(path, {}, () => cancelApplication(ctx.db, ctx.now(), ctx.institution.fixmedins_code, evt));
    return {};
  },
};

const YM = /^(20\d\d|2100)(0[1-9]|1[0-2])$/;

function ymOf(d: Obj, path: string, now: Date): { from: string; to: string } {
  const ym = optionalString(d, 'clr_ym', path, 6);
  if (ym !== undefined) {
    if (!YM.test(ym)) throw invalid(`${path}.clr_ym`, '应为年月 yyyyMM（2000-2100年）', `expected a month yyyyMM from 2000 to 2100, got "${ym}"`);
    return { from: ym, to: ym };
  }
  const begndate = optionalDate(d, 'begndate', path, 'query', now);
  const enddate = optionalDate(d, 'enddate', path, 'query', now);
  if (!begndate || !enddate) throw invalid(`${path}.clr_ym`, '须提供 clr_ym 或 begndate 与 enddate', 'clr_ym, or begndate and enddate, is required');
  if (enddate < begndate) throw invalid(`${path}.enddate`, '结束日期早于开始日期', 'enddate is before begndate');
  return { from: begndate.slice(0, 4) + begndate.slice(5, 7), to: enddate.slice(0, 4) + enddate.slice(5, 7) };
}

interface StatementSummary {
  clr_ym: string;
  clr_stmt_id: number;
  level: string;
  insuplc_admdvs: string;
  mdtrtarea_admvs: string;
  stmt_stas: string;
  setl_cnt: number;
  fund_clr_sumamt: number;
}

function summarise(lines: readonly InstitutionClearingLine[]): StatementSummary[] {
  const by = new Map<number, StatementSummary & { fen: number }>();
  for (const l of lines) {
    let s = by.get(l.statement_id);
    if (!s) by.set(l.statement_id, (s = { clr_ym: l.month, clr_stmt_id: l.statement_id, level: l.level, insuplc_admdvs: l.insured_admdvs, mdtrtarea_admvs: l.treatment_admdvs, stmt_stas: l.state, setl_cnt: 0, fund_clr_sumamt: 0, fen: 0 }));
    s.setl_cnt += l.kind === 'settle' ? 1 : -1;
    s.fen += l.amount_fen;
  }
  return [...by.values()].map(({ fen, ...s }) => ({ ...s, fund_clr_sumamt: fenToYuan(fen) }));
}

const readOnly = (infno: string, zh: string, en: string, handle: TransactionHandler['handle']): TransactionHandler => ({ infno, name: { zh, en }, requiresSignIn: true, writes: false, handle });

export const crossRegionClearingResults = readOnly('3260', '跨区域清算结果查询', 'cross-region clearing results', async (ctx) => {
  const path = 'input.data';
  const d = inputObject(ctx.envelope.input, 'data');
  const { from, to } = ymOf(d, path, ctx.now());
  const code = ctx.institution.fixmedins_code;
  const lines = await institutionClearingLines(ctx.db, code, from, to);
  const confirmed = new Map((await confirmationsOf(ctx.db, code, from, to)).map((c) => [c.clr_ym, c]));
  return {
    data: summarise(lines).map((s) => ({ ...s, fixmedins_code: code, fixmedins_cfm_flag: confirmed.has(s.clr_ym) ? '1' : '0' })),
  };
});

export const crossRegionClearingDetails = readOnly('3261', '跨区域清算结果明细查询', 'cross-region clearing result details', async (ctx) => {
  const path = 'input.data';
  const d = inputObject(ctx.envelope.input, 'data');
  const { from, to } = ymOf(d, path, ctx.now());
  const stmt = optionalInteger(d, 'clr_stmt_id', path, 1, Number.MAX_SAFE_INTEGER);
  const lines = (await institutionClearingLines(ctx.db, ctx.institution.fixmedins_code, from, to)).filter((l) => stmt === undefined || l.statement_id === stmt);
  return {
    detail: lines.map((l) => ({
      setl_id: l.setl_id, mdtrt_id: l.mdtrt_id, psn_no: l.psn_no, setl_type: l.kind, setl_time: dateTime(l.setl_time), insuplc_admdvs: l.insuplc_admdvs, mdtrtarea_admvs: l.mdtrtarea_admvs,
      fund_clr_amt: fenToYuan(l.amount_fen), clr_ym: l.month, clr_stmt_id: l.statement_id, level: l.level, stmt_stas: l.state,
    })),
  };
});

async function confirmMonth(ctx: GatewayContext): Promise<Record<string, unknown>> {
  const path = 'input.data';
  const d = inputObject(ctx.envelope.input, 'data');
  const ym = requiredString(d, 'clr_ym', path, 6);
  if (!YM.test(ym)) throw invalid(`${path}.clr_ym`, '应为年月 yyyyMM（2000-2100年）', `expected a month yyyyMM from 2000 to 2100, got "${ym}"`);
  const code = ctx.institution.fixmedins_code;
  const lines = await institutionClearingLines(ctx.db, code, ym, ym);
  if (lines.length === 0) throw notFound(`${path}.clr_ym`, `${ym} 无本机构的跨区域清算结果`, `no cross-region clearing result of this institution for ${ym}`);
  const setlCnt = lines.reduce((s, l) => s + (l.kind === 'settle' ? 1 : -1), 0);
  const amount = lines.reduce((s, l) => s + l.amount_fen, 0);
  const ok = await insertConfirmation(ctx.db, { fixmedins_code: code, clr_ym: ym, setl_cnt: setlCnt, amount_fen: amount, opter: ctx.envelope.opter ?? null, msgid: ctx.envelope.msgid, at: ctx.now() });
  if (!ok) throw conflict(`${path}.clr_ym`, `${ym} 的清算结果已确认`, `the clearing result of ${ym} has already been confirmed`);
  return { result: { clr_ym: ym, setl_cnt: setlCnt, fund_clr_sumamt: fenToYuan(amount), cfm_time: dateTime(ctx.now()) } };
}

export const crossRegionClearingConfirm: TransactionHandler = {
  infno: '3262', name: { zh: '跨区域清算结果确认', en: 'cross-region clearing result confirmation' }, requiresSignIn: true, writes: true, headerFields: ['opter'], handle: confirmMonth,
};
