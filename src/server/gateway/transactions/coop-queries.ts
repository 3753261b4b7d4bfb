import { personsRegion } from './person.ts';
import { chinaDate } from '../../../engine/calendar.ts';
import { findPerson } from '../../../store/cooperation/common.ts';
import { filingsOf } from '../../../store/cooperation/filings.ts';
import { recognitionsOf } from '../../../store/cooperation/recognitions.ts';
import { FILING_KINDS } from '../../../engine/filing-rules.ts';
import { inputObject, optionalDate, requiredString } from '../input.ts';

import type { GatewayContext, TransactionHandler } from '../types.ts';

// Queries a HIS makes before treating a person from elsewhere, as the national catalogue
// names them: 5301 人员慢特病备案查询 (recognised chronic diseases), 5302 人员定点信息查询
// (the person's filings: destination, kind, validity), 5304 转院信息查询 (referrals).
// Only records valid on the query date (input.data.date, default today) unless
// input.data.all is "1".

/** What every query here reads: whose records, on which day, and whether invalid ones are wanted too. */
async function queryOf(ctx: GatewayContext): Promise<{ psnNo: string; day: string; all: boolean }> {
  const d = inputObject(ctx.envelope.input, 'data');
  const person = await findPerson(ctx.db, { psn_no: requiredString(d, 'psn_no', 'input.data', 30) }, false, 'input.data.psn_no');
  const day = optionalDate(d, 'date', 'input.data', 'query', ctx.now()) ?? chinaDate(ctx.now());
  return { psnNo: person.psn_no, day, all: d.all === '1' || d.all === 1 };
}

function valid(r: { status: string; begndate: string; enddate: string | null; revoked_on: string | null }, day: string, good: string): boolean {
  return r.status === good && r.begndate <= day && (r.enddate === null || day <= r.enddate) && (r.revoked_on === null || day < r.revoked_on);
}

export const chronicDiseaseQuery: TransactionHandler = {
  infno: '5301',
  name: { zh: '人员慢特病备案查询', en: 'chronic disease filings of a person' },
  requiresSignIn: true,
  writes: false,
  forwardFor: personsRegion,
  async handle(ctx) {
    const { psnNo, day, all } = await queryOf(ctx);
    const rows = (await recognitionsOf(ctx.db, psnNo)).filter((r) => all || valid(r, day, 'recognised'));
    return {
      feedetail: rows.map((r) => ({
        trt_dcla_detl_sn: r.recognition_no,
        psn_no: r.psn_no,
        insuplc_admdvs: r.insuplc_admdvs,
        opsp_dise_code: r.opsp_dise_code,
        opsp_dise_name: r.opsp_dise_name,
        diag_code: r.diag_code,
        ide_fixmedins_no: r.ide_fixmedins_code,
        diag_dr_codg: r.diag_dr_codg,
        diag_dr_name: r.diag_dr_name,
        hosp_ide_date: r.hosp_ide_date,
        begndate: r.begndate,
        enddate: r.enddate,
        vali_flag: valid(r, day, 'recognised') ? '1' : '0',
        status: r.status,
      })),
    };
  },
};

function filingRows(rows: Awaited<ReturnType<typeof filingsOf>>, day: string) {
  return rows.map((f) => ({
    trt_dcla_detl_sn: f.filing_no,
    psn_no: f.psn_no,
    insuplc_admdvs: f.insuplc_admdvs,
    mdtrtarea_admdvs: f.mdtrtarea_admdvs,
    dcla_type: f.kind,
    dcla_type_name: FILING_KINDS[f.kind].zh,
    fixmedins_code: f.fixmedins_code,
    begndate: f.begndate,
    enddate: f.enddate,
    vali_flag: valid(f, day, 'effective') ? '1' : '0',
    status: f.status,
    commitment: f.commitment ? '1' : '0',
  }));
}

export const personFilingQuery: TransactionHandler = {
  infno: '5302',
  name: { zh: '人员定点信息查询', en: "a person's filings for care elsewhere" },
  requiresSignIn: true,
  writes: false,
  forwardFor: personsRegion,
  async handle(ctx) {
    const { psnNo, day, all } = await queryOf(ctx);
    const rows = (await filingsOf(ctx.db, psnNo)).filter((f) => all || valid(f, day, 'effective'));
    return { psnfixmedin: filingRows(rows, day) };
  },
};

export const referralQuery: TransactionHandler = {
  infno: '5304',
  name: { zh: '转院信息查询', en: 'referrals of a person' },
  requiresSignIn: true,
  writes: false,
  forwardFor: personsRegion,
  async handle(ctx) {
    const { psnNo, day, all } = await queryOf(ctx);
    const rows = (await filingsOf(ctx.db, psnNo)).filter((f) => f.kind === 'referral' && (all || valid(f, day, 'effective')));
    return { refmedin: filingRows(rows, day) };
  },
};
