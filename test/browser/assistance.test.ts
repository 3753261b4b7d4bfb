import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { personCookie } from '../support/auth.ts';
import { seededSite, signInStaff } from '../support/browser.ts';

// The medical-assistance pages in Debian's Chromium on the seeded demo: Hunan's reviewer opens the
// queue (the demo's three applications of a Zhuzhou resident, with their deadlines), reads the
// paid one's amount explained to the fen, dismisses the objection of another (it returns to its
// notice); the resident, on a phone and in elder mode, follows the applications and tries to
// apply. YIBAO_SCREENSHOTS=dir saves assistance.png (the staff page with a case open) and
// assistance-phone.png.

const SHOTS = process.env.YIBAO_SCREENSHOTS ? path.resolve(process.env.YIBAO_SCREENSHOTS) : undefined;

const site = seededSite(60);

test('the reviewer works the queue: deadlines, the amount explained to the fen, an objection dismissed', async () => {
  const context = await site.browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'zh-CN', timezoneId: 'Asia/Shanghai' });
  context.setDefaultTimeout(20_000);
  const page = await context.newPage();
  await signInStaff(page, site.base, 'hn.reviewer');
  await page.getByRole('navigation', { name: '主菜单' }).getByRole('link', { name: '医疗救助' }).click();
  await page.getByRole('heading', { name: '医疗救助', exact: true }).waitFor();
  const rows = page.getByTestId('assistance-row');
  await rows.first().waitFor();
  const states = await rows.evaluateAll((r) => r.map((x) => x.getAttribute('data-state')));
  assert.deepEqual([...states].sort(), ['objection_review', 'paid', 'public_notice']);
  // every open step shows its deadline and the whole path's
  assert.ok((await page.getByTestId('deadline').first().textContent())!.includes('全程'));

  // the paid one: each step of the computation, the last the amount paid
  const paid = rows.and(page.locator('[data-state="paid"]'));
  await paid.getByRole('button', { name: /查看/ }).click();
  const explanation = page.getByTestId('assistance-explanation');
  await explanation.waitFor();
  const steps = await explanation.locator('tbody tr').evaluateAll((r) => r.map((x) => x.getAttribute('data-step')));
  assert.deepEqual(steps.slice(-2), ['amount', 'paid']);
  assert.ok(steps.includes('deductible') && steps.includes('ratio') && steps.includes('cap'), steps.join(','));
  if (SHOTS) await page.screenshot({ path: path.join(SHOTS, 'assistance.png'), fullPage: true });

  // the objection under review: dismissed, it returns to its notice
  await paid.getByRole('button', { name: /查看/ }).click();
  const objected = rows.and(page.locator('[data-state="objection_review"]'));
  await objected.getByRole('button', { name: /查看/ }).click();
  await page.getByTestId('objections').waitFor();
  await page.getByLabel('理由 / 意见').fill('经入户核实，反映情况不属实');
  await page.getByRole('button', { name: '异议不成立' }).click();
  await page.locator('#assistance-detail').getByText('公示中').waitFor();
  await page.getByTestId('objections').getByText(/不成立/).waitFor();
  await context.close();
});

test('the resident on a phone, in elder mode, follows the applications and applies for this year\'s burden', async () => {
  const TAN = (await site.db.pool.query<{ psn_no: string }>(`SELECT psn_no FROM medical_assistance_applications WHERE channel = 'proxy' LIMIT 1`)).rows[0]!;
  const context = await site.browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true, locale: 'zh-CN', timezoneId: 'Asia/Shanghai' });
  context.setDefaultTimeout(20_000);
  const [name, value] = (await personCookie(site.db.pool, TAN.psn_no)).split('=') as [string, string];
  await context.addCookies([{ name, value, url: site.base }]);
  await context.addInitScript({ content: "localStorage.setItem('yibao.elder', 'on')" });
  const page = await context.newPage();
  await page.goto(site.base + '/portal/assistance');
  await page.getByRole('heading', { name: '医疗救助', exact: true }).waitFor();
  const mine = page.getByTestId('my-assistance');
  await mine.waitFor();
  assert.equal(await mine.locator('li').count(), 3);
  assert.equal(await page.locator('html.elder').count(), 1, 'elder mode is on');
  // elder mode: settlements only, no outside form; apply with none picked is refused by name
  await page.getByRole('button', { name: '提交申请' }).click();
  await page.getByRole('alert').waitFor();
  assert.match((await page.getByRole('alert').textContent()) ?? '', /至少选择一笔结算/);
  const boxes = page.getByRole('checkbox');
  if ((await boxes.count()) > 0) {
    // a settlement of the year not claimed yet (the demo's paid one claimed her first)
    const claimed = (await site.db.pool.query<{ setl_id: string }>(`SELECT setl_id FROM medical_assistance_settlements WHERE NOT released`)).rows.map((r) => r.setl_id);
    const free = (await site.db.pool.query<{ setl_id: string }>(`SELECT setl_id FROM settlements WHERE psn_no = $1 AND kind = 'settle' AND status = 'settled' AND NOT (setl_id = ANY($2)) ORDER BY setl_time`, [TAN.psn_no, claimed])).rows;
    if (free.length > 0) {
      await boxes.nth(Math.max(0, (await boxes.count()) - 1)).check();
      await page.getByRole('button', { name: '提交申请' }).click();
      await page.getByTestId('applied').or(page.getByRole('alert')).first().waitFor();
    }
  }
  if (SHOTS) await page.screenshot({ path: path.join(SHOTS, 'assistance-phone.png'), fullPage: true });
  await context.close();
});
