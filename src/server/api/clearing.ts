import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyRequest } from 'fastify';
import { Type, type Static } from 'typebox';
import { chinaDate } from '../../engine/calendar.ts';
import { formatYuan } from '../../engine/money.ts';
import { confirmStatement } from '../../app/clearing/confirm.ts';
import { disputeStatement, disputesOf, resolveDispute } from '../../app/clearing/disputes.ts';
import { positionsOverMonths } from '../../app/clearing/positions.ts';
import { runClearing } from '../../app/clearing/run.ts';
import { advanceFundsView, partyTo, settlementOfLine, statementDetail, statementsFor, type StatementDetail } from '../../app/clearing/views.ts';
import { regionsCover } from '../../store/auth/principal.ts';
import type { AppDeps } from '../deps.ts';
import { scoped, staffRegions } from '../auth/hook.ts';
import { useBilingualValidation, writeContext } from './common.ts';
import { toCsv, toXlsx, type Cell } from './spreadsheet.ts';
import * as M from './models.ts';

// The finance staff's clearing routes under /api/v1/clearing (docs/clearing.md, "The finance
// page and the REST routes"). The run is runClearing, the code `yibao clear` calls; confirming
// is confirmStatement. A statement's routes are the caller's when they cover either of its
// regions (the auth hook loaded it); lists answer only with what the caller is party to.

const ErrorBody = Type.Object({
  error: Type.String(),
  message: Type.String({ description: '中文 / English' }),
  details: Type.Optional(Type.Array(Type.Object({ field: Type.String(), zh: Type.String(), en: Type.String() }))),
});
const errors = { 400: ErrorBody, 403: ErrorBody, 404: ErrorBody, 409: ErrorBody };
const Month = Type.String({ pattern: '^[0-9]{4}-?(0[1-9]|1[0-2])$', description: 'YYYY-MM or YYYYMM (China time)' });
const Level = Type.Union([Type.Literal('province'), Type.Literal('city')], { description: 'province: between provinces; city: between the pooling regions of one province' });
const StatementId = Type.Object({ id: Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER }) });

/** A store row whose Date fields the response schema sends as ISO strings (format date-time). */
const asSent = <T>(row: unknown): T => row as T;

/** The caller's regions for filtering (undefined: the whole deployment). */
const regionsOf = (req: FastifyRequest): readonly string[] | undefined => staffRegions(req);

const STATE_ZH: Record<string, string> = {
  drafted: '待确认', confirmed_by_insured: '参保地已确认', confirmed_by_treatment: '就医地已确认', confirmed: '双方已确认', paid: '已支付', disputed: '有争议', paid_in_part: '部分支付',
};

/** A statement as an export's header and rows: one row per line, amounts in yuan. */
function exportTable(s: StatementDetail): { header: string[]; rows: Cell[][] } {
  const header = ['清算单 statement', '月份 month', '层级 level', '参保地 insured', '就医地 treatment', '状态 state', '序号 n', '结算号 setl_id', '类型 kind',
    '结算时间 setl_time', '人员 psn_no', '机构 fixmedins_code', '机构名称 fixmedins_name', '参保区划 insuplc_admdvs', '就医区划 mdtrtarea_admvs', '险种 insutype',
    '医疗类别 med_type', '医疗费用（元） medfee', '清算金额（元） amount', '调整 adjustment'];
  const time = (d: Date): string => new Date(d.getTime() + 8 * 3600_000).toISOString().slice(0, 19).replace('T', ' ');
  const rows: Cell[][] = s.lines.map((l) => [
    s.id, s.month, s.level, s.insured_admdvs, s.treatment_admdvs, `${STATE_ZH[s.state] ?? s.state} ${s.state}`, l.n + 1, l.setl_id, l.kind, time(l.setl_time), l.psn_no,
    l.fixmedins_code, l.fixmedins_name, l.insuplc_admdvs, l.mdtrtarea_admvs, l.insutype, l.med_type, formatYuan(l.medfee_fen), formatYuan(l.amount_fen), l.adjustment ? '是 yes' : '否 no',
  ]);
  rows.push([s.id, s.month, s.level, s.insured_admdvs, s.treatment_admdvs, `${STATE_ZH[s.state] ?? s.state} ${s.state}`, null, '合计 total', null, null, null, null, null, null, null, null, null, null,
    formatYuan(s.amount_fen), `${s.totals.count} 笔 / lines`]);
  return { header, rows };
}

export function clearingRoutes(deps: AppDeps): FastifyPluginAsyncTypebox {
  return async (app) => {
    useBilingualValidation(app);
    const { pool } = deps;
    const Side = Type.Union([Type.Literal('insured'), Type.Literal('treatment')]);
    /** Who acts, from the session: the app checks the side's region against these regions. */
    const staffOf = (req: FastifyRequest) => {
      const p = req.principal!;
      const ctx = writeContext(req, deps);
      return { by: ctx.actor, regions: p.kind === 'staff' ? p.regions : [], now: ctx.now };
    };

    app.post('/clearing/runs', {
      schema: {
        tags: ['clearing'], summary: '月度清算 / run (or preview) the monthly clearing',
        description: 'The same run as `yibao clear`: a month run before answers with its stored statements and writes nothing. The answer holds the caller\'s statements and positions only.',
        body: Type.Object({ month: Month, level: Type.Optional(Level), dry_run: Type.Optional(Type.Boolean()) }, { additionalProperties: false }),
        response: { 200: M.ClearingRunModel, ...errors },
      },
    }, async (req) => {
      const regions = regionsOf(req);
      const r = await runClearing(pool, { month: req.body.month, level: req.body.level ?? 'province', dryRun: req.body.dry_run ?? false, now: deps.now() });
      const mine = (a: string): boolean => regions === undefined || regionsCover(regions, a);
      return {
        ...r,
        statements: r.statements.filter((s) => partyTo(regions, s)),
        positions: r.positions.filter((p) => mine(p.admdvs)),
        pairs: r.pairs.filter((p) => mine(p.payer) || mine(p.payee)),
      };
    });

    app.get('/clearing/statements', {
      schema: {
        tags: ['clearing'], summary: '清算单 / the month\'s statements the caller is party to',
        querystring: Type.Object({ month: Month, level: Type.Optional(Level) }),
        response: { 200: Type.Object({ month: Type.String(), level: Type.String(), items: Type.Array(M.ClearingStatementModel) }), ...errors },
      },
    }, async (req) => statementsFor(pool, { month: req.query.month, level: req.query.level ?? 'province', regions: regionsOf(req) }));

    app.get('/clearing/statements/:id', {
      schema: { tags: ['clearing'], summary: '清算单明细 / a statement with its lines', params: StatementId, response: { 200: M.ClearingStatementDetailModel, ...errors } },
    }, async (req) => asSent<Static<typeof M.ClearingStatementDetailModel>>(await statementDetail(pool, scoped(req, 'statement_id'))));

    // A line's settlement with its stored explanation, in the shape GET /settlements sends. Not
    // that route: it is decided on the person's insured region, and the treatment side's staff
    // must read the settlements they are asked to pay for too.
    app.get('/clearing/statements/:id/settlements/:setl_id', {
      schema: {
        tags: ['clearing'], summary: '清算单中一笔结算及其计算说明 / one line\'s settlement with its explanation',
        params: Type.Object({ id: Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER }), setl_id: Type.String({ minLength: 1, maxLength: 64 }) }),
      },
    }, async (req) => settlementOfLine(pool, scoped(req, 'statement_id'), req.params.setl_id));

    app.post('/clearing/statements/:id/confirm', {
      schema: {
        tags: ['clearing'], summary: '确认清算单 / confirm a statement for one side',
        description: 'insured: the insured region\'s staff; treatment: the treatment region\'s. The second confirmation posts the clearing transfer and the statement is paid.',
        params: StatementId,
        body: Type.Object({ side: Side }, { additionalProperties: false }),
        response: { 200: M.ClearingStatementModel, ...errors },
      },
    }, async (req) => confirmStatement(pool, { statement_id: scoped(req, 'statement_id'), side: req.body.side, ...staffOf(req) }));

    app.post('/clearing/statements/:id/disputes', {
      schema: {
        tags: ['clearing'], summary: '对清算单提出争议 / contest settlements of a statement',
        description: 'A side that has not confirmed names the settlements it contests and why; they wait in the dispute list while the rest is confirmed and paid.',
        params: StatementId,
        body: Type.Object({ side: Side, setl_ids: Type.Array(Type.String({ minLength: 1, maxLength: 64 }), { minItems: 1, maxItems: 500 }), reason: Type.String({ minLength: 1, maxLength: 500 }) }, { additionalProperties: false }),
        response: { 200: Type.Object({ statement: M.ClearingStatementModel, disputes: Type.Array(Type.Integer()) }), ...errors },
      },
    }, async (req) => disputeStatement(pool, { statement_id: scoped(req, 'statement_id'), side: req.body.side, setl_ids: req.body.setl_ids, reason: req.body.reason, ...staffOf(req) }));

    app.get('/clearing/disputes', {
      schema: {
        tags: ['clearing'], summary: '清算争议清单 / the dispute list of the caller\'s regions',
        querystring: Type.Object({ state: Type.Optional(Type.Union([Type.Literal('open'), Type.Literal('withdrawn'), Type.Literal('upheld')])) }, { additionalProperties: false }),
        response: { 200: Type.Object({ disputes: Type.Array(M.ClearingDisputeModel) }), ...errors },
      },
    }, async (req) => ({ disputes: asSent<Static<typeof M.ClearingDisputeModel>[]>(await disputesOf(pool, { regions: regionsOf(req) ?? ['000000'], ...(req.query.state ? { state: req.query.state } : {}) })) }));

    app.post('/clearing/disputes/:id/resolve', {
      schema: {
        tags: ['clearing'], summary: '处理争议 / resolve a dispute',
        description: 'withdrawn: by the side that raised it (the line is paid); upheld: by the other side, conceding (the line is not owed).',
        params: Type.Object({ id: Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER }) }),
        body: Type.Object({ side: Side, outcome: Type.Union([Type.Literal('withdrawn'), Type.Literal('upheld')]), note: Type.Optional(Type.String({ maxLength: 500 })) }, { additionalProperties: false }),
        response: { 200: M.ClearingDisputeModel, ...errors },
      },
    }, async (req) => asSent<Static<typeof M.ClearingDisputeModel>>(await resolveDispute(pool, { dispute_id: scoped(req, 'dispute_id'), side: req.body.side, outcome: req.body.outcome, note: req.body.note ?? '', ...staffOf(req) })));

    app.get('/clearing/statements/:id/export', {
      schema: {
        tags: ['clearing'], summary: '导出清算单 / export a statement as CSV or XLSX',
        params: StatementId,
        querystring: Type.Object({ format: Type.Optional(Type.Union([Type.Literal('csv'), Type.Literal('xlsx')])) }),
      },
    }, async (req, reply) => {
      const s = await statementDetail(pool, scoped(req, 'statement_id'));
      const { header, rows } = exportTable(s);
      const name = `clearing-${s.month}-${s.level}-${s.insured_admdvs}-${s.treatment_admdvs}-${s.id}`;
      if ((req.query.format ?? 'csv') === 'xlsx') {
        return reply.type('application/vnd.openxmlformats-officedocument.spreadsheetml.sheet').header('content-disposition', `attachment; filename="${name}.xlsx"`)
          .send(toXlsx(`${s.month} ${s.insured_admdvs}-${s.treatment_admdvs}`, header, rows));
      }
      return reply.type('text/csv; charset=utf-8').header('content-disposition', `attachment; filename="${name}.csv"`).send(toCsv(header, rows));
    });

    app.get('/clearing/advance-funds', {
      schema: {
        tags: ['clearing'], summary: '预付金及使用率 / the year\'s advance funds, their use rate and warnings',
        description: 'Reads only: the warnings are raised by `yibao advance-funds --check`.',
        querystring: Type.Object({ year: Type.Optional(Type.Integer({ minimum: 2000, maximum: 2100 })) }),
        response: { 200: M.AdvanceFundsModel, ...errors },
      },
    }, async (req) => asSent<Static<typeof M.AdvanceFundsModel>>(await advanceFundsView(pool, { year: req.query.year ?? Number(chinaDate(deps.now()).slice(0, 4)), regions: regionsOf(req), now: deps.now() })));

    app.get('/clearing/positions', {
      schema: {
        tags: ['clearing'], summary: '各月轧差头寸 / net positions by month',
        querystring: Type.Object({ from: Type.Optional(Month), to: Type.Optional(Month), level: Type.Optional(Level) }),
        response: { 200: M.PositionsModel, ...errors },
      },
    }, async (req) => positionsOverMonths(pool, {
      ...(req.query.from === undefined ? {} : { from: req.query.from }), ...(req.query.to === undefined ? {} : { to: req.query.to }),
      level: req.query.level ?? 'province', regions: regionsOf(req), now: deps.now(),
    }));
  };
}
