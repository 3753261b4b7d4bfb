import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import type { Fixtures } from '../../src/demo/generate.ts';
import { seededSite, signInStaff } from '../support/browser.ts';

// The 协查 page in Debian's Chromium on the seeded demo: Jiangxi's supervisor (jx.supervisor)
// raises a request from the outbox about the Jiujiang retiree's stay in Changsha, with a file;
// Hunan's supervisor (hn.supervisor) signs in, finds it in the inbox with its deadline, accepts
// and answers it; Jiangxi's sees the answer and confirms, closing it; both see the whole
// history, in Chinese and (for Hunan) in English. YIBAO_SCREENSHOTS=dir saves
// investigations-desktop.png with the closed request's detail.

const SHOTS = process.env.YIBAO_SCREENSHOTS ? path.resolve(process.env.YIBAO_SCREENSHOTS) : undefined;

const committed = JSON.parse(fs.readFileSync(path.resolve(import.meta.dirname, '../../demo/fixtures.json'), 'utf8')) as Fixtures;
const RETIREE = committed.personas.find((p) => p.key === 'jiujiang_retiree_in_changsha')!;

const site = seededSite(60);

async function open(username: string): Promise<{ context: BrowserContext; page: Page }> {
  const context = await site.browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'zh-CN', timezoneId: 'Asia/Shanghai' });
  context.setDefaultTimeout(20_000);
  const page = await context.newPage();
  await signInStaff(page, site.base, username);
  await page.getByRole('navigation', { name: '主菜单' }).getByRole('link', { name: '协查' }).click();
  await page.getByRole('heading', { name: '协查', exact: true }).waitFor();
  assert.equal(new URL(page.url()).pathname, '/staff/investigations');
  return { context, page };
}

const historyOf = async (page: Page): Promise<string[]> => page.getByTestId('history').locator('li').evaluateAll((li) => li.map((x) => x.getAttribute('data-move') ?? ''));

test('Jiangxi raises a request, Hunan accepts and answers it, Jiangxi sees the answer and closes it; both see the history', async () => {
  const stay = (await site.db.pool.query<{ setl_id: string }>(
    `SELECT s.setl_id FROM visits v JOIN settlements s ON s.mdtrt_id = v.mdtrt_id AND s.kind = 'settle' WHERE v.psn_no = $1 AND v.kind = 'inpatient' ORDER BY v.begntime LIMIT 1`, [RETIREE.psn_no],
  )).rows[0]!;

  // Jiangxi: the outbox holds the demo's requests; raise a new one
  const jx = await open('jx.supervisor');
  await jx.page.getByRole('tab', { name: '发件箱（我方发起）' }).click();
  await jx.page.getByTestId('box-outbox').waitFor();
  assert.ok((await jx.page.getByTestId('investigation').count()) >= 1, 'the demo\'s requests are in Jiangxi\'s outbox');
  await jx.page.getByRole('button', { name: '发起协查' }).click();
  await jx.page.getByLabel('参保人编号').fill(RETIREE.psn_no);
  await jx.page.getByRole('button', { name: '查询异地就诊' }).click();
  await jx.page.getByTestId('raise-visits').getByRole('checkbox', { name: new RegExp(stay.setl_id) }).check();
  await jx.page.getByLabel('协查事项').fill('核实住院期间在院情况及费用明细');
  await jx.page.getByLabel('协查理由').fill('住院费用偏高，需就医地核实');
  await jx.page.getByLabel('附件').setInputFiles({ name: '协查函.txt', mimeType: 'text/plain', buffer: Buffer.from('九江市医保局协查函') });
  await jx.page.getByRole('button', { name: '提交协查请求' }).click();
  const detail = jx.page.getByTestId('investigation-detail');
  await detail.waitFor();
  assert.equal(await detail.getAttribute('data-state'), 'requested');
  const caseNo = ((await jx.page.locator('#investigation-detail h2').textContent()) ?? '').replace('协查请求 ', '').trim();
  assert.match(caseNo, /^XC360400\d+$/);
  await detail.getByTestId('no-moves').waitFor(); // nothing for the asking side until it is answered
  assert.deepEqual(await historyOf(jx.page), ['submit']);
  assert.match((await detail.getByTestId('attachments').textContent()) ?? '', /协查函\.txt/);

  // Hunan: the inbox has it with its deadline; accept, then answer
  const hn = await open('hn.supervisor');
  const row = hn.page.locator(`[data-testid="box-inbox"] [data-testid="investigation"][data-case="${caseNo}"]`);
  await row.waitFor();
  assert.equal(await row.getAttribute('data-state'), 'requested');
  assert.ok(['info', 'warn'].includes((await row.getByTestId('deadline').getAttribute('data-tone')) ?? ''), 'a fresh request is not overdue');
  await row.getByRole('button').click();
  const hd = hn.page.getByTestId('investigation-detail');
  await hd.waitFor();
  assert.equal(await hd.getByTestId('visit').count(), 1);
  await hd.getByRole('button', { name: '受理', exact: true }).click();
  await hn.page.locator('[data-testid="investigation-detail"][data-state="accepted"]').waitFor();
  await hd.getByLabel('调查情况').fill('调取病历及床位记录并现场核查：住院真实，收费合规。');
  await hd.getByLabel('结论').selectOption('no_violation');
  await hd.getByRole('button', { name: '回复协查结果' }).click();
  await hn.page.locator('[data-testid="investigation-detail"][data-state="answered"]').waitFor();
  assert.deepEqual(await historyOf(hn.page), ['submit', 'accept', 'answer']);

  // Jiangxi: the answer, then confirm
  await jx.page.reload();
  await jx.page.getByRole('tab', { name: '发件箱（我方发起）' }).click();
  await jx.page.locator(`[data-testid="investigation"][data-case="${caseNo}"]`).getByRole('button').click();
  const jd = jx.page.getByTestId('investigation-detail');
  await jx.page.locator('[data-testid="investigation-detail"][data-state="answered"]').waitFor();
  assert.match((await jd.getByTestId('answer').textContent()) ?? '', /住院真实，收费合规/);
  assert.match((await jd.getByTestId('answer').textContent()) ?? '', /未发现违规/);
  await jd.getByRole('button', { name: '确认办结' }).click();
  await jx.page.locator('[data-testid="investigation-detail"][data-state="closed"]').waitFor();
  assert.deepEqual(await historyOf(jx.page), ['submit', 'accept', 'answer', 'confirm']);

  // Hunan sees the whole history too, in English
  await hn.page.reload();
  await hn.page.getByRole('button', { name: '切换到英文' }).click();
  await hn.page.getByRole('heading', { name: 'Investigations', exact: true }).waitFor();
  await hn.page.locator(`[data-testid="investigation"][data-case="${caseNo}"]`).getByRole('button').click();
  await hn.page.locator('[data-testid="investigation-detail"][data-state="closed"]').waitFor();
  assert.deepEqual(await historyOf(hn.page), ['submit', 'accept', 'answer', 'confirm']);
  assert.match((await hn.page.getByTestId('history').textContent()) ?? '', /Raised.*Accept.*Answer.*Confirm and close/s);

  if (SHOTS) {
    fs.mkdirSync(SHOTS, { recursive: true });
    await hn.page.screenshot({ path: path.join(SHOTS, 'investigations-desktop.png'), fullPage: true });
  }

  const stored = await site.db.pool.query(`SELECT c.state FROM cases c WHERE c.kind = 'investigation_request' AND c.number = $1`, [caseNo]);
  assert.equal(stored.rows[0].state, 'closed');
  await jx.context.close();
  await hn.context.close();
});
