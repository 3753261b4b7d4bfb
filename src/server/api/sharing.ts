import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { FUND_PART_NAMES, sharingReport, sharingTable } from '../../app/supervision/sharing.ts';
import { RULE_TYPES } from '../../engine/supervision/types.ts';
import type { AppDeps } from '../deps.ts';
import { scoped } from '../auth/hook.ts';
import { useBilingualValidation } from './common.ts';
import { SharingReportModel } from './models.ts';
import { toCsv, toXlsx } from './spreadsheet.ts';

// The monthly expense-data sharing report of an agreement (协议数据共享, docs/supervision.md):
// JSON for the page, CSV and XLSX for the bureaus. The hook loaded the agreement and let in
// staff covering one of its members; every member's rows are theirs to read.

const ErrorBody = Type.Object({
  error: Type.String(), message: Type.String({ description: '中文 / English' }),
  details: Type.Optional(Type.Array(Type.Object({ field: Type.String(), zh: Type.String(), en: Type.String() }))),
});
const errors = { 400: ErrorBody, 403: ErrorBody, 404: ErrorBody };
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
