import { chinaDate } from '../../../engine/calendar.ts';
import { CONTRIBUTION_PAYERS } from '../../../engine/codes.ts';
import { invalid } from '../../../engine/errors.ts';
import { listContributions } from '../../../store/registry/contributions.ts';
import { enrollmentPeriods } from '../../../app/registry/history.ts';
import { inputObject, optionalInteger } from '../input.ts';
import { fenToYuan } from '../../../engine/money.ts';

import type { TransactionHandler } from '../types.ts';
import { personsRegion, resolvePerson } from './person.ts';

// 5310 参保缴费信息跨省查询 (a yibao extension, not in the national catalogue): one person's
// enrollment periods and contributions in every region this deployment holds, so a
// hospital in one province sees the history a transfer (转移接续) left in another.

export const enrollmentContributionQuery: TransactionHandler = {
  infno: '5310',
  name: { zh: '参保缴费信息跨省查询', en: 'cross-province enrollment and contribution query' },
  requiresSignIn: true,
  writes: false,
  forwardFor: personsRegion,
  async handle(ctx) {
    const data = inputObject(ctx.envelope.input, 'data');
    const today = chinaDate(ctx.now());
    const thisYear = Number(today.slice(0, 4));
    const person = await resolvePerson(ctx.db, data, 'input.data', today, { allowPsnNo: true });
    const fromYear = optionalInteger(data, 'begn_year', 'input.data', 1990, 2100) ?? 1990;
    const toYear = optionalInteger(data, 'end_year', 'input.data', 1990, 2100) ?? thisYear;
    if (fromYear > toYear) throw invalid('input.data.end_year', '不应早于 begn_year', 'expected a year not before begn_year');
    const [enrollments, contributions] = await Promise.all([
      enrollmentPeriods(ctx.db, person.psn_no),
      listContributions(ctx.db, person.psn_no, { from: fromYear, to: toYear }),
    ]);
    return {
      baseinfo: {
        psn_no: person.psn_no,
        psn_cert_type: person.psn_cert_type,
        certno: person.certno,
        psn_name: person.psn_name,
        insuplc_admdvs: person.insuplc_admdvs,
      },
      insuhist: enrollments.map((e) => ({
        psn_insu_rlts_id: String(e.id),
        insutype: e.insutype,
        psn_type: e.psn_type,
        insuplc_admdvs: e.insuplc_admdvs,
        insuplc_admdvs_name: e.admdvs_name,
        prov_admdvs: e.province_admdvs,
        emp_name: e.emp_name,
        psn_insu_stas: e.psn_insu_stas,
        psn_insu_date: e.psn_insu_date,
        end_date: e.end_date,
        paus_insu_date: e.paus_insu_date,
        trns_from_rlts_id: e.transferred_from === null ? null : String(e.transferred_from),
      })),
      clctinfo: contributions.map((c) => ({
        psn_insu_rlts_id: String(c.enrollment_id),
        clct_year: c.year,
        insutype: c.insutype,
        insuplc_admdvs: c.insuplc_admdvs,
        clct_amt: fenToYuan(c.amount_fen),
        clct_src: c.payer,
        clct_src_name: CONTRIBUTION_PAYERS[c.payer]?.zh ?? c.payer,
        paid_date: c.paid_on,
      })),
    };
  },
};
