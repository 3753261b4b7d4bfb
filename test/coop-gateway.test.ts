import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { HOSPITAL, NOW, OTHER_HOSPITAL, RETIREE, envelope, openWorld, post, signInAs, type World } from './support/gateway-world.ts';
import { coopCounts } from './support/coop-rows.ts';
import { staffCookie } from './support/auth.ts';

// 2501-2504 and 5301/5302/5304 through the real gateway: envelope, sign-in, idempotency,
// and the cooperation store behind them. The world: a Zhuzhou hospital (HOSPITAL) and the
// Jiujiang retiree (RETIREE), NOW = 2026-03-15.

let world: World;
let signNo: string;
let staff: string;

before(async () => {
  world = await openWorld();
  signNo = await signInAs(world.app);
  staff = await staffCookie(world.db.pool, { username: 'zz-clerk', role: 'clerk', regions: ['360400', '430200'] });
});
after(async () => world.close());

const call = (infno: string, input: unknown, header: Record<string, unknown> = {}) => post(world.app, envelope(infno, input, { sign_no: signNo, ...header }));

async function eligibility(fixmedins: string, med_type: string, extra: Record<string, string> = {}): Promise<any> {
  const res = await world.app.inject({
    method: 'GET',
    url: `/api/v1/eligibility?${new URLSearchParams({ psn_no: RETIREE.psn_no, fixmedins_code: fixmedins, med_type, begndate: '2026-03-16', ...extra })}`,
    headers: { cookie: staff },
  });
  return res.json();
}

test('2501 files a referral in one stop; 5302/5304 show it; eligibility counts it; 2502 cancels it', async () => {
  // The Jiujiang hospital refers the retiree to the Zhuzhou hospital.
  const before = await eligibility(HOSPITAL, '21');
  assert.equal(before.status, 'unfiled');
  const refSign = await signInAs(world.app, OTHER_HOSPITAL);
  const filed = await post(
    world.app,
    envelope('2501', {
      refmedin: {
        psn_no: RETIREE.psn_no, insutype: '310', tel: '', diag_code: 'I63.900', diag_name: '脑梗死', dise_cond_dscr: '需上级医院康复',
        reflin_medins_no: HOSPITAL, reflin_medins_name: '株洲市石峰区人民医院', hosp_agre_refl_flag: '1', refl_type: '2',
        refl_date: '2026-03-15 09:00:00', refl_rea: '康复治疗', refl_opnn: '同意转诊', begndate: '2026-03-15', enddate: null,
      },
    }, { fixmedins_code: OTHER_HOSPITAL, fixmedins_name: '九江市第一人民医院', sign_no: refSign, mdtrtarea_admvs: '360400', insuplc_admdvs: '360400' }),
  );
  assert.equal(filed.body.infcode, 0, filed.body.err_msg);
  const sn = filed.body.output.result.trt_dcla_detl_sn as string;
  assert.match(sn, /^360400BA20260315\d{8}$/);
  assert.equal(filed.body.output.result.enddate, '2026-09-14', 'a referral lasts six months');

  const after = await eligibility(HOSPITAL, '21');
  assert.equal(after.status, 'referral_filed');
  assert.equal(after.terms.filingNo, sn);

  const q5302 = await call('5302', { data: { psn_no: RETIREE.psn_no } });
  assert.equal(q5302.body.infcode, 0, q5302.body.err_msg);
  assert.deepEqual(q5302.body.output.psnfixmedin.map((r: any) => [r.trt_dcla_detl_sn, r.dcla_type, r.vali_flag]), [[sn, 'referral', '1']]);
  const q5304 = await call('5304', { data: { psn_no: RETIREE.psn_no } });
  assert.equal(q5304.body.output.refmedin.length, 1);

  // Only the referring hospital may cancel it.
  const wrong = await call('2502', { data: { trt_dcla_detl_sn: sn, psn_no: RETIREE.psn_no, memo: '误报' } });
  assert.equal(wrong.body.infcode, -1);
  const cancel = await post(world.app, envelope('2502', { data: { trt_dcla_detl_sn: sn, psn_no: RETIREE.psn_no, memo: '患者放弃转诊' } }, { fixmedins_code: OTHER_HOSPITAL, sign_no: refSign, mdtrtarea_admvs: '360400' }));
  assert.equal(cancel.body.infcode, 0, cancel.body.err_msg);
  assert.equal((await eligibility(HOSPITAL, '21')).status, 'unfiled', 'a cancelled referral no longer counts');
  assert.equal((await call('5304', { data: { psn_no: RETIREE.psn_no } })).body.output.refmedin.length, 0);
  assert.equal((await call('5304', { data: { psn_no: RETIREE.psn_no, all: '1' } })).body.output.refmedin[0].status, 'revoked');
});

test('2503 records a hospital-identified chronic disease; 5301 lists it; eligibility settles med_type 14; 2504 cancels it', async () => {
  const filed = await call('2503', {
    data: {
      psn_no: RETIREE.psn_no, insutype: '310', opsp_dise_code: 'CP01', opsp_dise_name: '高血压', insu_optins: '360400',
      ide_fixmedins_no: HOSPITAL, ide_fixmedins_name: '株洲市石峰区人民医院', hosp_ide_date: '2026-03-14 00:00:00',
      diag_dr_codg: 'D430204001', diag_dr_name: '赵医生', diag_code: 'I10.x00', begndate: '2026-03-15',
    },
  });
  assert.equal(filed.body.infcode, 0, filed.body.err_msg);
  const sn = filed.body.output.result.trt_dcla_detl_sn as string;
  const q = await call('5301', { data: { psn_no: RETIREE.psn_no } });
  assert.deepEqual(q.body.output.feedetail.map((r: any) => [r.trt_dcla_detl_sn, r.opsp_dise_code, r.vali_flag]), [[sn, 'CP01', '1']]);

  // Hunan hospital, Jiangxi patient: hypertension is on the national cross-province list.
  await world.db.pool.query('UPDATE institutions SET settles_chronic = true WHERE fixmedins_code = $1', [HOSPITAL]);
  const e = await eligibility(HOSPITAL, '14', { diag_code: 'I10.x00' });
  assert.equal(e.allowed, true, JSON.stringify(e.reasons));
  assert.equal(e.terms.chronicDisease.basis, 'national_cross_province');

  const cancel = await call('2504', { data: { trt_dcla_detl_sn: sn, psn_no: RETIREE.psn_no, memo: '录入错误' } });
  assert.equal(cancel.body.infcode, 0, cancel.body.err_msg);
  assert.equal((await eligibility(HOSPITAL, '14', { diag_code: 'I10.x00' })).allowed, false);
});

test('2001 answers what settlement would decide: enrollment, and direct settlement here with its status and reasons', async () => {
  for (const medType of ['21', '11']) {
    const check = await call('2001', { data: { psn_no: RETIREE.psn_no, insutype: '310', med_type: medType, begntime: '2026-03-16 09:00:00' } });
    assert.equal(check.body.infcode, 0, check.body.err_msg);
    const [enrolled, direct] = check.body.output.trtinfo;
    const e = await eligibility(HOSPITAL, medType);
    assert.equal(enrolled.trt_chk_type, '01');
    assert.equal(enrolled.trt_enjymnt_flag, '1');
    assert.equal(enrolled.fund_pay_type, '310100');
    assert.equal(direct.trt_chk_type, '02');
    assert.equal(direct.trt_enjymnt_flag, e.allowed ? '1' : '0', `the same decision as settlement (${medType})`);
    assert.equal(direct.begndate, '2026-03-16');
    if (!e.allowed) assert.ok(direct.trt_chk_rslt.includes(e.reasons.at(-1).zh), 'a refusal says why');
  }
  const refusals: Array<[Record<string, unknown>, string]> = [
    [{ psn_no: RETIREE.psn_no, insutype: '310', med_type: '99' }, 'input.data.med_type'],
    [{ psn_no: RETIREE.psn_no, insutype: '310', med_type: '11', fixmedins_code: OTHER_HOSPITAL }, 'input.data.fixmedins_code'],
    [{ insutype: '310', med_type: '11' }, 'input.data.psn_no'],
  ];
  for (const [data, field] of refusals) {
    const r = await call('2001', { data });
    assert.equal(r.body.infcode, -1);
    assert.ok(String(r.body.err_msg).includes(field), `${field}: ${r.body.err_msg}`);
  }
});

test('refusals through the gateway name the input field and write nothing', async () => {
  const counts = await coopCounts(world.db.pool);
  const cases: [string, unknown, string][] = [
    ['2503', { data: { psn_no: RETIREE.psn_no, opsp_dise_code: 'NOPE', hosp_ide_date: '2026-03-14', diag_dr_codg: 'D', diag_dr_name: '医生' } }, 'input.data.opsp_dise_code'],
    ['2503', { data: { psn_no: RETIREE.psn_no, opsp_dise_code: 'CP02', diag_code: 'I10.x00', hosp_ide_date: '2026-03-14', diag_dr_codg: 'D', diag_dr_name: '医生' } }, 'input.data.diag_code'],
    ['2501', { refmedin: { psn_no: RETIREE.psn_no, mdtrtarea_admdvs: '360400', begndate: '2026-03-15' } }, 'input.refmedin.mdtrtarea_admdvs'],
    ['2501', { refmedin: { psn_no: RETIREE.psn_no, mdtrtarea_admdvs: '430100', begndate: '2026-03-15', enddate: '2026-03-01' } }, 'input.refmedin.enddate'],
    ['2501', { refmedin: { psn_no: RETIREE.psn_no, hosp_agre_refl_flag: '0', mdtrtarea_admdvs: '430100' } }, 'input.refmedin.hosp_agre_refl_flag'],
    ['2502', { data: { trt_dcla_detl_sn: 'NO-SUCH', psn_no: RETIREE.psn_no } }, 'input.data.trt_dcla_detl_sn'],
  ];
  for (const [infno, input, field] of cases) {
    const res = await call(infno, input);
    assert.equal(res.body.infcode, -1, `${infno} ${field}`);
    assert.ok(String(res.body.err_msg).includes(field), `${infno}: expected ${field} in ${res.body.err_msg}`);
    assert.deepEqual(await coopCounts(world.db.pool), counts, `${infno} ${field}: nothing written`);
  }
  assert.ok(NOW instanceof Date);
});
