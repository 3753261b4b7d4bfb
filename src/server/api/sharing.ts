import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { FUND_PART_NAMES, sharingReport, sharingTable } from '../../app/supervision/sharing.ts';
import { RULE_TYPES } from '../../engine/supervision/types.ts';
import type { AppDeps } from '../deps.ts';
import { scoped } from '../auth/hook.ts';
import { useBilingualValidation } from './common.ts';
import { toCsv, toXlsx } from './spreadsheet.ts';

// The monthly expense-data sharing report of an agreement (协议数据共享, docs/supervision.md):
// JSON for the page, CSV and XLSX for the bureaus. The hook loaded the agreement and let in
// staff covering one of its members; every member's rows are theirs to read.

const ErrorBody = Type.Object({
  error: Type.String(), message: Type.String({ description: '中文 / English' }),
  details: Type.Optional(Type.Array(Type.Object({ field: Type.String(), zh: Type.String(), en: Type.String() }))),
});
const errors = { 400: ErrorBody, 403: ErrorBody, 404: ErrorBody };
const Fen = Type.Integer({ description: 'fen (分)' });
const RuleTypeFigures = Type.Object({ rule_type: Type.String(), n: Type.Integer(), amount_fen: Fen });
const figures = {
  setl_cnt: Type.Integer(), medfee_sumamt: Fen, fund_pay_sumamt: Fen,
  parts: Type.Record(Type.String(), Fen, { description: 'by fund part (hifp_pay, cvlserv_pay, …, acct_pay, psn_cash_pay, hosp_part_amt)' }),
  findings: Type.Integer({ description: 'after-settlement findings not closed' }), findings_amount_fen: Fen,
};
const Figures = Type.Object(figures);
const SharingReportModel = Type.Object({
  agreement_no: Type.String(), agreement_name: Type.String(), month: Type.String(), from: Type.String(), to: Type.String(),
  fund_parts: Type.Array(Type.String()),
  fund_part_names: Type.Record(Type.String(), Type.Object({ zh: Type.String(), en: Type.String() })),
  members: Type.Array(Type.Object({
    admdvs: Type.String(), name: Type.String(), totals: Figures,
    by_treatment: Type.Array(Type.Object({ ...figures, treatment_admdvs: Type.String(), treatment_name: Type.String() })),
    institutions: Type.Array(Type.Object({
      ...figures, treatment_admdvs: Type.String(), treatment_name: Type.String(), fixmedins_code: Type.String(), fixmedins_name: Type.String(), psn_cnt: Type.Integer(),
      findings_by_rule_type: Type.Array(RuleTypeFigures),
    })),
    findings_by_rule_type: Type.Array(RuleTypeFigures),
  })),
  totals: Figures,
  findings_by_rule_type: Type.Array(RuleTypeFigures),
});

const ruleTypeName = (t: string): string => {
  const n = (RULE_TYPES as Record<string, { zh: string; en: string }>)[t];
  return n ? `${n.zh} ${t}` : t;
};

export function sharingRoutes(deps: AppDeps): FastifyPluginAsyncTypebox {
  return async (app) => {
    useBilingualValidation(app);
    const { pool } = deps;
    app.get('/supervision/sharing/:agreement_no', {
      schema: {
        tags: ['supervision'], summary: '协议数据共享月报 / the monthly expense-data sharing report of an agreement (JSON, CSV or XLSX)',
        description: "Each member's insured people's settlements in force of the month in the other members, by treatment member, institution and fund part, with the after-settlement findings on them by rule type. Amounts in fen (JSON) or yuan (CSV/XLSX).",
        params: Type.Object({ agreement_no: Type.String({ maxLength: 40 }) }),
        // month is checked by the report, so a bad one is refused naming `month`
        querystring: Type.Object({ month: Type.Optional(Type.String({ maxLength: 20, description: 'yyyy-mm' })), format: Type.Optional(Type.Union([Type.Literal('json'), Type.Literal('csv'), Type.Literal('xlsx')])) }),
        response: { 200: SharingReportModel, ...errors },
      },
    }, async (req, reply) => {
      const { agreement_no } = scoped(req, 'agreement');
      const r = await sharingReport(pool, agreement_no, req.query.month);
      const format = req.query.format ?? 'json';
      if (format === 'json') return { ...r, fund_part_names: FUND_PART_NAMES };
      const { header, rows } = sharingTable(r, ruleTypeName);
      const name = `sharing-${r.agreement_no}-${r.month}`;
      if (format === 'xlsx') {
        return reply.type('application/vnd.openxmlformats-officedocument.spreadsheetml.sheet').header('content-disposition', `attachment; filename="${name}.xlsx"`)
          .send(toXlsx(`${r.month} ${r.agreement_no}`, header, rows) as never);
      }
      return reply.type('text/csv; charset=utf-8').header('content-disposition', `attachment; filename="${name}.csv"`).send(toCsv(header, rows) as never);
    });
  };
}
