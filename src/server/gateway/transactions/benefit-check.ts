import { chinaDate } from '../../../engine/calendar.ts';
import { CROSS_REGION_STATUSES, FUND_PAY_TYPES, isCode, MED_TYPES } from '../../../engine/codes.ts';
import { invalid } from '../../../engine/errors.ts';
import { checkEligibility } from '../../../app/cooperation/eligibility.ts';
import { inputObject, optionalDateTime, optionalString, requiredString } from '../input.ts';
import type { TransactionHandler } from '../types.ts';

// 2001 人员待遇享受检查 (benefit check): before treating, the HIS asks whether the person
// enjoys benefits for this kind of care at this institution on these days. The answer is the
// same decision settlement makes (src/app/cooperation/eligibility.ts), as `trtinfo[]`:
// one row for the enrollment (trt_chk_type 01) and one for direct settlement at this
// institution (02). The national dictionary of trt_chk_type is not public; these two codes are
// yibao's (docs/interface.md).

/** The pooled fund that pays first for an insurance type (310 employees, 390 residents). */
const POOLED_FUND: Record<string, keyof typeof FUND_PAY_TYPES> = { '310': '310100', '390': '390100' };

export const benefitCheck: TransactionHandler = {
  infno: '2001',
  name: { zh: '人员待遇享受检查', en: 'benefit check' },
  requiresSignIn: true,
  writes: false,
  async handle(ctx) {
    const path = 'input.data';
    const d = inputObject(ctx.envelope.input, 'data');
    const psnNo = requiredString(d, 'psn_no', path, 30);
    const insutype = requiredString(d, 'insutype', path, 6);
    const medType = requiredString(d, 'med_type', path, 6);
    if (!isCode(MED_TYPES, medType)) throw invalid(`${path}.med_type`, `未知医疗类别 ${medType}`, `unknown med_type ${medType}`);
    const code = optionalString(d, 'fixmedins_code', path, 30) ?? ctx.institution.fixmedins_code;
    if (code !== ctx.institution.fixmedins_code) {
      throw invalid(`${path}.fixmedins_code`, `只能检查本机构（${ctx.institution.fixmedins_code}）的待遇`, `a benefit check is for the calling institution (${ctx.institution.fixmedins_code})`);
    }
    const begin = optionalDateTime(d, 'begntime', path, 'query', ctx.now()) ?? ctx.now();
    const end = optionalDateTime(d, 'endtime', path, 'query', ctx.now());
    if (end !== undefined && end < begin) throw invalid(`${path}.endtime`, '结束时间早于开始时间', 'endtime is before begntime');
    const dise = optionalString(d, 'dise_codg', path, 30);
    const begndate = chinaDate(begin);
    const enddate = end === undefined ? begndate : chinaDate(end);
    const decision = await checkEligibility(ctx.db, {
      psn_no: psnNo,
      fixmedins_code: code,
      med_type: medType,
      begndate,
      enddate,
      insutype,
      ...(dise ? { diag_code: dise } : {}),
    });
    const fund = POOLED_FUND[insutype] ?? null;
    const enrolled = decision.status !== null;
    const reasons = decision.reasons.map((r) => `${r.zh} / ${r.en}`).join('；');
    const status = decision.status === null ? null : CROSS_REGION_STATUSES[decision.status];
    const row = (type: '01' | '02', enjoys: boolean, result: string) => ({
      psn_no: decision.psn_no,
      trt_chk_type: type,
      fund_pay_type: fund,
      trt_enjymnt_flag: enjoys ? '1' : '0',
      begndate,
      enddate,
      trt_chk_rslt: result,
    });
    const settlement = [status ? `${status.zh} / ${status.en}` : null, decision.terms.reduced ? '异地待遇按参保地规定降低 / reduced cross-region terms' : null, decision.allowed ? null : reasons];
    return {
      trtinfo: [
        row('01', enrolled, enrolled ? `参保有效 / enrolled (${insutype})` : reasons),
        row('02', decision.allowed, settlement.filter((x): x is string => x !== null).join('；')),
      ],
    };
  },
};
