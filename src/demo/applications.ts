import { answerFollowUp, moveApplication, rateApplication, submitApplication } from '../app/service/applications.ts';
import { activeConsent } from '../store/auth/accounts.ts';
import type { Actor } from '../store/audit.ts';
import type { Pool } from '../store/db.ts';
import { chinaDate } from '../engine/calendar.ts';
import type { FixturePersona } from './fixture-rows.ts';

// The one-window demo (issue 16), through the real use cases: applications of several items by
// every channel in every state — online, at Zhuzhou's window, by the grid worker sf.grid for
// 谭秀英 who consented — some rated, one poorly with its follow-up waiting for Zhuzhou's answer.

const ZZ_CLERK: Actor = { type: 'staff', id: 'zz.clerk', name: '株洲市医保局经办员 陈芳', role: 'clerk' };
const SF_GRID: Actor = { type: 'grid_worker', id: 'sf.grid', name: '石峰区网格员 谢红' };

export async function seedDemoApplications(pool: Pool, personas: readonly FixturePersona[], now: Date, log: (line: string) => void): Promise<number> {
  const tan = personas.find((p) => p.key === 'zhuzhou_shifeng_resident');
  const worker = personas.find((p) => p.key === 'zhuzhou_employee_with_account');
  if (!tan || !worker) return 0;
  const online = (p: FixturePersona): Actor => ({ type: 'person', id: p.psn_no, name: p.psn_name });
  const id = (p: FixturePersona) => [{ code: 'id_card', ref: `demo:id:${p.psn_no}` }];
  const consent = await activeConsent(pool, 'sf.grid', tan.psn_no, chinaDate(now));
  let n = 0;

  // 谭秀英's certificate printed by her grid worker, completed at once and rated well
  if (consent) {
    const a = await submitApplication(pool, now, SF_GRID, { psn_no: tan.psn_no, item_code: 'certificate', form: {}, materials: id(tan), consent_ref: consent });
    await moveApplication(pool, now, ZZ_CLERK, a.application_no, 'accept', {});
    await moveApplication(pool, now, ZZ_CLERK, a.application_no, 'complete', { comment: '参保凭证已打印并由网格员送达' });
    await rateApplication(pool, now, SF_GRID, a.application_no, { score: 5, reasons: ['convenient', 'quick'], comment: '网格员上门办理，很方便' });
    // and her change of details, waiting at the window
    await submitApplication(pool, now, SF_GRID, { psn_no: tan.psn_no, item_code: 'info_change', form: { field: 'tel', value: '0731-2800000' }, materials: id(tan), consent_ref: consent });
    n += 2;
  }
  // at Zhuzhou's window: a claim for care paid in cash, in process
  const claim = await submitApplication(pool, now, ZZ_CLERK, {
    psn_no: worker.psn_no, item_code: 'cash_claim', form: { reason: '外地急诊现金垫付' },
    materials: [...id(worker), { code: 'invoice', ref: 'demo:invoice:1' }, { code: 'fee_list', ref: 'demo:fee-list:1' }, { code: 'bank_account', ref: 'demo:bank:1' }],
    identity_checked: { cert_type: '01', certno: worker.certno },
  });
  await moveApplication(pool, now, ZZ_CLERK, claim.application_no, 'accept', {});
  // online: an insurance-record query, completed and rated poorly — its follow-up waits for the answer
  const query = await submitApplication(pool, now, online(worker), { psn_no: worker.psn_no, item_code: 'insurance_query', form: {}, materials: id(worker) });
  await moveApplication(pool, now, ZZ_CLERK, query.application_no, 'accept', {});
  await moveApplication(pool, now, ZZ_CLERK, query.application_no, 'complete', {});
  await rateApplication(pool, now, online(worker), query.application_no, { score: 2, reasons: ['slow', 'unclear'], comment: '查询结果缺少 2019 年的缴费记录' });
  // online: a family-sharing request refused with its reason and rated fairly
  const share = await submitApplication(pool, now, online(worker), { psn_no: worker.psn_no, item_code: 'family_sharing', form: { relative_certno: 'not-a-relative' }, materials: [...id(worker), { code: 'relation_proof', ref: 'demo:relation:1' }] });
  await moveApplication(pool, now, ZZ_CLERK, share.application_no, 'refuse', { reasons: ['亲属关系证明与户籍信息不符'] });
  await rateApplication(pool, now, online(worker), share.application_no, { score: 4, reasons: ['told_once'] });
  // online: a change of enrollment just received
  await submitApplication(pool, now, online(worker), { psn_no: worker.psn_no, item_code: 'enrollment_change', form: { change: 'resume' }, materials: id(worker) });
  n += 4;
  // an earlier poor rating already answered (回访整改 done)
  const card = await submitApplication(pool, now, online(worker), { psn_no: worker.psn_no, item_code: 'card', form: { kind: 'loss' }, materials: id(worker) });
  await moveApplication(pool, now, ZZ_CLERK, card.application_no, 'accept', {});
  await moveApplication(pool, now, ZZ_CLERK, card.application_no, 'complete', {});
  await rateApplication(pool, now, online(worker), card.application_no, { score: 1, reasons: ['asked_again'] });
  await answerFollowUp(pool, now, ZZ_CLERK, card.application_no, '已致电说明补办流程，窗口改为一次告知全部材料');
  n += 1;
  log(`one-window applications: ${n} (online, window, proxy by sf.grid), 4 rated, 2 poor ratings followed up (1 answered)`);
  return n;
}
