import assert from 'node:assert/strict';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { buildApp } from '../../src/server/app.ts';
import { CALL_SERVICE_PATH } from '../../src/server/gateway/route.ts';
import type { Queryable } from '../../src/store/db.ts';
import { freshDatabase, type TestDatabase } from './db.ts';
import {
  idNumber,
  insertCert,
  insertContribution,
  insertEnrollment,
  insertIdentity,
  insertInstitution,
  insertPerson,
  insertRegions,
  setAccountBalance,
} from './registry-rows.ts';

// A small registry (two provinces, three institutions, three persons) behind the real app,
// and helpers to call the gateway as a HIS would.

/** 2026-03-15 10:00:00 in China. */
export const NOW = new Date('2026-03-15T02:00:00.000Z');

export const HOSPITAL = 'H43020400001'; // Zhuzhou Shifeng, level 3
export const PHARMACY = 'P43020400002';
export const OTHER_HOSPITAL = 'H36040000003'; // Jiujiang

export const RESIDENT = {
  psn_no: '43020000000001',
  certno: idNumber('430204', '1980-05-20', 11),
  psn_name: '株洲居民甲',
  brdy: '1980-05-20',
  voucher: 'EV-430204-0001-TOKEN',
};
export const RETIREE = {
  psn_no: '36040000000002',
  certno: idNumber('360402', '1958-11-02', 22),
  psn_name: '九江退休乙',
  brdy: '1958-11-02',
  card: 'SSC360400000002',
  card_sn: 'SN0002',
};
/** Insured in Jiangxi first, transferred to Hunan in 2024. */
export const MOVER = {
  psn_no: '43020000000003',
  certno: idNumber('360403', '1990-01-01', 33),
  psn_name: '转移接续丙',
  brdy: '1990-01-01',
};

export async function seedRegistry(db: Queryable): Promise<void> {
  await insertRegions(db, [
    ['430000', '湖南省', 'province', null],
    ['430200', '株洲市', 'city', '430000'],
    ['430204', '石峰区', 'county', '430200'],
    ['430100', '长沙市', 'city', '430000'],
    ['360000', '江西省', 'province', null],
    ['360400', '九江市', 'city', '360000'],
    ['360402', '濂溪区', 'county', '360400'],
  ]);
  await insertInstitution(db, { fixmedins_code: HOSPITAL, fixmedins_name: '株洲市石峰区人民医院', admdvs: '430204', settles_cross_prov_outpatient: true });
  await insertInstitution(db, { fixmedins_code: PHARMACY, fixmedins_name: '石峰大药房', fixmedins_type: '2', hosp_lv: '0', admdvs: '430204' });
  await insertInstitution(db, { fixmedins_code: OTHER_HOSPITAL, fixmedins_name: '九江市第一人民医院', admdvs: '360400' });

  await insertPerson(db, { ...RESIDENT, gend: '1', insuplc_admdvs: '430200' });
  await insertEnrollment(db, { psn_no: RESIDENT.psn_no, insutype: '390', psn_type: '1501', insuplc_admdvs: '430200', psn_insu_date: '2015-01-01' });
  await insertIdentity(db, { psn_no: RESIDENT.psn_no, psn_idet_type: '2102', begntime: '2024-01-01', memo: '低保' });
  await insertIdentity(db, { psn_no: RESIDENT.psn_no, psn_idet_type: '2101', begntime: '2020-01-01', endtime: '2022-12-31', memo: '特困（已到期）' });
  await insertCert(db, { mdtrt_cert_type: '01', mdtrt_cert_no: RESIDENT.voucher, psn_no: RESIDENT.psn_no, valid_until: '2027-01-01' });

  await insertPerson(db, { ...RETIREE, gend: '2', insuplc_admdvs: '360400' });
  await insertEnrollment(db, { psn_no: RETIREE.psn_no, insutype: '310', psn_type: '1201', insuplc_admdvs: '360400', emp_name: '九江纺织厂', psn_insu_date: '1985-07-01' });
  await insertEnrollment(db, { psn_no: RETIREE.psn_no, insutype: '330', psn_type: '1201', insuplc_admdvs: '360400', emp_name: '九江纺织厂', psn_insu_date: '2001-01-01' });
  await setAccountBalance(db, RETIREE.psn_no, '360400', 123456);
  await insertCert(db, { mdtrt_cert_type: '03', mdtrt_cert_no: RETIREE.card, psn_no: RETIREE.psn_no, card_sn: RETIREE.card_sn });

  await insertPerson(db, { ...MOVER, gend: '1', insuplc_admdvs: '430200' });
  const first = await insertEnrollment(db, {
    psn_no: MOVER.psn_no, insutype: '310', psn_type: '1101', insuplc_admdvs: '360400', emp_name: '九江某公司',
    psn_insu_stas: '4', psn_insu_date: '2012-07-01', end_date: '2024-03-31',
  });
  const second = await insertEnrollment(db, {
    psn_no: MOVER.psn_no, insutype: '310', psn_type: '1101', insuplc_admdvs: '430200', emp_name: '株洲某公司',
    psn_insu_date: '2024-04-01', transferred_from: first,
  });
  await insertContribution(db, { psn_no: MOVER.psn_no, enrollment_id: first, insuplc_admdvs: '360400', insutype: '310', year: 2023, amount_fen: 456789, payer: 'employer', paid_on: '2023-12-20' });
  await insertContribution(db, { psn_no: MOVER.psn_no, enrollment_id: second, insuplc_admdvs: '430200', insutype: '310', year: 2025, amount_fen: 500001, payer: 'employer', paid_on: '2025-12-20' });
  await insertContribution(db, { psn_no: MOVER.psn_no, enrollment_id: second, insuplc_admdvs: '430200', insutype: '310', year: 2025, amount_fen: 125029, payer: 'person', paid_on: '2025-12-20' });
}

export interface World {
  db: TestDatabase;
  app: FastifyInstance;
  close: () => Promise<void>;
}

export async function openWorld(): Promise<World> {
  const db = await freshDatabase();
  await seedRegistry(db.pool);
  const app = await buildApp({ pool: db.pool, now: () => NOW });
  return {
    db,
    app,
    close: async () => {
      await app.close();
      await db.drop();
    },
  };
}

let serial = 0;

/** An envelope as a HIS sends it; `input` and any header can be overridden. */
export function envelope(infno: string, input: unknown, header: Record<string, unknown> = {}): Record<string, unknown> {
  serial += 1;
  return {
    infno,
    msgid: `${HOSPITAL}20260315100000${String(serial).padStart(4, '0')}`,
    mdtrtarea_admvs: '430200',
    insuplc_admdvs: '',
    recer_sys_code: 'YIBAO',
    dev_no: '',
    dev_safe_info: '',
    cainfo: '',
    signtype: '',
    infver: 'V1.0',
    opter_type: '1',
    opter: '001',
    opter_name: '收费员',
    inf_time: '2026-03-15 10:00:00',
    fixmedins_code: HOSPITAL,
    fixmedins_name: '株洲市石峰区人民医院',
    sign_no: '',
    input,
    ...header,
  };
}

export interface Answer {
  status: number;
  body: Record<string, any>;
}

export async function post(app: FastifyInstance, payload: unknown, contentType = 'application/json'): Promise<Answer> {
  const res: LightMyRequestResponse = await app.inject({
    method: 'POST',
    url: CALL_SERVICE_PATH,
    headers: contentType ? { 'content-type': contentType } : {},
    payload: typeof payload === 'string' || Buffer.isBuffer(payload) ? payload : JSON.stringify(payload),
  });
  const body = JSON.parse(res.body) as Record<string, any>;
  assertWellFormed(res.statusCode, body);
  return { status: res.statusCode, body };
}

/** The output of an answer that must have succeeded (infcode 0), else the answer's own error. */
export function ok(res: { body: any }): any {
  assert.equal(res.body.infcode, 0, res.body.err_msg);
  return res.body.output;
}

/** Every answer: HTTP 200 and the response envelope of DOMAIN.md §6. */
export function assertWellFormed(status: number, body: Record<string, any>): void {
  assert.equal(status, 200, `HTTP ${status}: ${JSON.stringify(body)}`);
  assert.ok(body.infcode === 0 || body.infcode === -1, `infcode ${body.infcode}`);
  assert.match(body.inf_refmsgid, /^\d{30}$/);
  assert.match(body.refmsg_time, /^\d{17}$/);
  assert.match(body.respond_time, /^\d{17}$/);
  assert.ok(typeof body.output === 'object' && body.output !== null && !Array.isArray(body.output), 'output is an object');
  assert.ok('warn_msg' in body, 'warn_msg is present');
  if (body.infcode === -1) {
    assert.equal(typeof body.err_msg, 'string');
    assert.ok(body.err_msg.includes(' / '), `err_msg is bilingual: ${body.err_msg}`);
  } else {
    assert.equal(body.err_msg, null);
  }
}

export async function signInAs(app: FastifyInstance, fixmedinsCode = HOSPITAL): Promise<string> {
  const res = await post(app, envelope('9001', { signIn: { opter_no: '001', mac: '00-11-22-33-44-55', ip: '10.0.0.8' } }, { fixmedins_code: fixmedinsCode }));
  assert.equal(res.body.infcode, 0, res.body.err_msg);
  return res.body.output.signinoutb.sign_no as string;
}
