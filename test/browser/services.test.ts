import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import type { Fixtures } from '../../src/demo/generate.ts';
import { SESSION_COOKIE } from '../../src/server/auth/hook.ts';
import { personCookie, staffCookie } from '../support/auth.ts';
import { seededSite, signInStaff } from '../support/browser.ts';

// The 办事 pages in Debian's Chromium on the seeded demo, on a phone: a Zhuzhou resident applies
// online for an insurance-record query with the material the item lists, Zhuzhou's clerk
// handles it over REST (accept, complete), the resident sees it completed and rates it; the grid
// worker sf.grid signs in, sees 谭秀英's open matters with their promised days and applies as
// her proxy. YIBAO_SCREENSHOTS=dir saves services.png and grid-worker.png.

const SHOTS = process.env.YIBAO_SCREENSHOTS ? path.resolve(process.env.YIBAO_SCREENSHOTS) : undefined;
const committed = JSON.parse(fs.readFileSync(path.resolve(import.meta.dirname, '../../demo/fixtures.json'), 'utf8')) as Fixtures;
const RESIDENT = committed.personas.find((p) => p.key === 'zhuzhou_employee_with_account')!;
const TAN = committed.personas.find((p) => p.key === 'zhuzhou_shifeng_resident')!;
const PHONE = { viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true, locale: 'zh-CN', timezoneId: 'Asia/Shanghai' };

const site = seededSite(60);

test('a resident applies online, the clerk handles it, the resident rates it', async () => {
  const context = await site.browser.newContext(PHONE);
  context.setDefaultTimeout(20_000);
  const cookie = (await personCookie(site.db.pool, RESIDENT.psn_no)).split('=')[1]!;
  await context.addCookies([{ name: SESSION_COOKIE, value: cookie, url: site.base }]);
  const page = await context.newPage();
  await page.goto(`${site.base}/portal/services`);
  await page.getByRole('heading', { name: '办事', exact: true }).waitFor();
  await page.getByTestId('application').first().waitFor();
  const before = await page.getByTestId('application').count();
  assert.ok(before >= 1, 'the demo\'s applications are listed');

  await page.getByLabel('选择事项').selectOption('insurance_query');
  // told once: the item's materials, each marked required or not
  await page.getByLabel('居民身份证或社保卡（必需）').fill('身份证正反面.jpg');
  await page.getByRole('button', { name: '提交申请' }).click();
  const received = page.getByRole('status').filter({ hasText: '已受理，申请号' });
  await received.waitFor();
  const no = /申请号 (\S+)，/.exec((await received.textContent()) ?? '')?.[1];
  assert.ok(no, 'the application number is shown');
  await page.getByTestId('application').nth(before).waitFor();

  // Zhuzhou's clerk handles it over REST: accepted, then completed (never straight from received)
  const clerk = await staffCookie(site.db.pool, { username: 'zz.clerk', role: 'clerk', regions: ['430200'] });
  for (const move of ['accept', 'complete']) {
    const res: { statusCode: number; body: string } = await site.app.inject({ method: 'POST', url: `/api/v1/applications/${no}/${move}`, headers: { cookie: clerk }, payload: {} });
    assert.equal(res.statusCode, 200, res.body);
  }

  await page.reload();
  const row = page.getByTestId('application').filter({ hasText: no! });
  await row.getByText('已办结').waitFor();
  await row.getByRole('button').first().click();
  const detail = row.getByTestId('application-detail');
  await detail.getByRole('radio', { name: '4 分' }).check();
  await detail.getByRole('checkbox', { name: '办理快捷' }).check();
  await detail.getByRole('button', { name: '提交评价' }).click();
  await detail.getByTestId('rated').waitFor();
  assert.match((await detail.getByTestId('rated').textContent()) ?? '', /4 分/);
  const stored = await site.db.pool.query(`SELECT r.score, r.reasons FROM application_ratings r JOIN applications a ON a.id = r.application_id WHERE a.application_no = $1`, [no]);
  assert.deepEqual(stored.rows[0], { score: 4, reasons: ['quick'] });
  if (SHOTS) await page.screenshot({ path: path.join(SHOTS, 'services.png'), fullPage: true });
  await context.close();
});

test('the grid worker sees what is due for 谭秀英 and applies as her proxy', async () => {
  const context = await site.browser.newContext(PHONE);
  context.setDefaultTimeout(20_000);
  const page = await context.newPage();
  await signInStaff(page, site.base, 'sf.grid');
  await page.getByRole('navigation', { name: '主菜单' }).getByRole('link', { name: '代办事项' }).click();
  await page.getByRole('heading', { name: '代办事项' }).waitFor();
  // the demo left her change of details open
  const due = page.getByTestId('application').filter({ hasText: TAN.psn_name });
  await due.first().waitFor();
  await page.getByLabel('居民', { exact: true }).selectOption({ label: TAN.psn_name });
  await page.getByLabel('代办事项', { exact: true }).selectOption('certificate');
  await page.getByLabel('居民身份证或社保卡（必需）').fill('谭秀英身份证.jpg');
  await page.getByRole('button', { name: '提交申请' }).click();
  const done = page.getByRole('status').filter({ hasText: '已代为提交' });
  await done.waitFor();
  const no = /申请号 (\S+)，/.exec((await done.textContent()) ?? '')?.[1];
  const row = (await site.db.pool.query(`SELECT channel, grid_worker, psn_no FROM applications WHERE application_no = $1`, [no])).rows[0];
  assert.deepEqual(row, { channel: 'proxy', grid_worker: 'sf.grid', psn_no: TAN.psn_no });
  const audit = (await site.db.pool.query(`SELECT actor, detail->>'psn_no' AS psn FROM audit_log WHERE action = 'application.submit' AND subject = $1`, [`application:${no}`])).rows[0];
  assert.deepEqual(audit, { actor: 'grid_worker:sf.grid', psn: TAN.psn_no });
  // the transfer of insurance relations is not a proxy item: it is not offered
  assert.equal(await page.getByLabel('代办事项', { exact: true }).locator('option[value="transfer"]').count(), 0);
  await page.getByTestId('application').filter({ hasText: no! }).waitFor();
  if (SHOTS) await page.screenshot({ path: path.join(SHOTS, 'grid-worker.png'), fullPage: true });
  await context.close();
});
