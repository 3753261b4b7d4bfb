import { chinaDate } from '../../../engine/calendar.ts';
import { getPersonalAccount } from '../../../store/registry/contributions.ts';
import { enrollmentsOn } from '../../../store/registry/enrollments.ts';
import { identitiesOn } from '../../../store/registry/identities.ts';
import { inputObject, optionalDate } from '../input.ts';
import { fenToYuan } from '../../../engine/money.ts';
import { dateAsDateTime } from '../time.ts';
import { ageOn } from '../../../engine/idcard.ts';
import type { TransactionHandler } from '../types.ts';
import { personsRegion, resolvePerson } from './person.ts';

// 1101 人员信息获取: who the patient is, where and how they are insured (insuinfo[], one row
// per insurance in force), and their identities (idetinfo[]: 特困, 低保, 重残…) on the day.

export const personInfo: TransactionHandler = {
  infno: '1101',
  name: { zh: '人员信息获取', en: 'person information' },
  requiresSignIn: true,
  writes: false,
  forwardFor: personsRegion,
  async handle(ctx) {
    const data = inputObject(ctx.envelope.input, 'data');
    const today = chinaDate(ctx.now());
    // begntime asks for the insurance in force on another day (e.g. the admission day).
    const on = optionalDate(data, 'begntime', 'input.data', 'query', ctx.now()) ?? today;
    const person = await resolvePerson(ctx.db, data, 'input.data', today, { allowPsnNo: false });
    const [enrollments, identities, account] = await Promise.all([
      enrollmentsOn(ctx.db, person.psn_no, on),
      identitiesOn(ctx.db, person.psn_no, on),
      getPersonalAccount(ctx.db, person.psn_no),
    ]);
    const balcFen = account?.balc_fen ?? 0;
    if (enrollments.length === 0) ctx.warn(`该人员在 ${on} 无有效参保 / no insurance in force on ${on}`);
    const cvlserv = enrollments.some((e) => e.insutype === '320' && e.psn_insu_stas === '1');
    return {
      baseinfo: {
        psn_no: person.psn_no,
        psn_cert_type: person.psn_cert_type,
        certno: person.certno,
        psn_name: person.psn_name,
        gend: person.gend,
        naty: person.naty,
        brdy: person.brdy,
        age: ageOn(person.brdy, today),
      },
      insuinfo: enrollments.map((e) => ({
        psn_insu_rlts_id: String(e.id),
        // The personal account belongs to the employees' insurance.
        balc: fenToYuan(e.insutype === '310' ? balcFen : 0),
        insutype: e.insutype,
        psn_type: e.psn_type,
        psn_insu_stas: e.psn_insu_stas,
        psn_insu_date: e.psn_insu_date,
        paus_insu_date: e.paus_insu_date,
        cvlserv_flag: cvlserv ? '1' : '0',
        insuplc_admdvs: e.insuplc_admdvs,
        emp_name: e.emp_name,
      })),
      idetinfo: identities.map((i) => ({
        psn_idet_type: i.psn_idet_type,
        psn_type_lv: null,
        memo: i.memo,
        begntime: dateAsDateTime(i.begntime),
        endtime: i.endtime === null ? null : `${i.endtime} 23:59:59`,
      })),
    };
  },
};
