import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import type { Coverage, NearbyServicePoints } from '../../web/src/api-types.ts';
import { seededSite, signInStaff } from '../support/browser.ts';
import { personCookie } from '../support/auth.ts';

// The coverage page in Debian's Chromium on the seeded demo: Zhuzhou's clerk (zz.clerk) opens
// 服务网点与覆盖 and sees Shifeng's villages, points and grids — the page's figures are the API's
// — at desktop and phone widths and in elder mode, edits a point's windows on the second tab;
// 谭秀英 sees the nearest points open now on her portal. YIBAO_SCREENSHOTS=dir saves
// coverage-desktop.png, coverage-phone.png and portal-nearest-points-desktop.png.

const SHOTS = process.env.YIBAO_SCREENSHOTS ? path.resolve(process.env.YIBAO_SCREENSHOTS) : undefined;
const DESKTOP = { width: 1280, height: 900 };
const PHONE = { width: 390, height: 844 };
const site = seededSite(20);

async function open(viewport = DESKTOP): Promise<{ context: BrowserContext; page: Page }> {
  const context = await site.browser.newContext({ viewport, locale: 'zh-CN', timezoneId: 'Asia/Shanghai' });
  context.setDefaultTimeout(20_000);
  const page = await context.newPage();
  await signInStaff(page, site.base, 'zz.clerk');
  await page.getByRole('navigation', { name: '主菜单' }).getByRole('link', { name: '服务网点与覆盖' }).click();
  await page.getByRole('heading', { name: '15分钟医保服务圈' }).waitFor();
  assert.equal(new URL(page.url()).pathname, '/staff/coverage');
  return { context, page };
}

const pct = (x: number | null) => (x === null ? '—' : `${(x * 100).toFixed(1)}%`);
const apiGet = <T,>(page: Page, url: string): Promise<T> => page.evaluate(async (u) => (await fetch(u)).json(), url) as Promise<T>;

test('the map shows the API\'s coverage of the clerk\'s region: shares, grids, gaps and the proposed point', async () => {
  const { context, page } = await open();
  await page.getByTestId('total-share').waitFor();
  const c = await apiGet<Coverage>(page, '/api/v1/coverage?admdvs=430200');
  assert.ok(c.villages.length > 20, 'Shifeng\'s villages are in Zhuzhou\'s coverage');
  assert.equal(await page.getByTestId('total-share').textContent(), pct(c.total.share));
  assert.equal(await page.getByTestId('total-people').textContent(), `${c.total.covered_population} / ${c.total.population}`);
  assert.equal(await page.getByTestId('points-counted').textContent(), String(c.points_counted));
  const grids = await page.getByTestId('grid-table').locator('tbody tr').evaluateAll((rows) => rows.map((r) => [r.getAttribute('data-code'), r.getAttribute('data-share')]));
  assert.deepEqual(grids, c.grids.map((g) => [g.code, g.share === null ? '' : String(g.share)]));
  const gaps = await page.getByTestId('gap-table').locator('tbody tr').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-code')));
  assert.deepEqual(gaps, c.gaps.slice(0, 30).map((g) => g.code));
  assert.equal(await page.getByTestId('proposal').getAttribute('data-village'), c.proposal!.village);
  // the grid worker's grid is named with its worker
  assert.match((await page.getByTestId('grid-table').textContent()) ?? '', /谢红/);
  // the plane is drawn: a canvas with pixels
  const drawn = await page.locator('.coverage-map canvas').first().evaluate((cv) => (cv as unknown as { width: number; height: number }).width > 0);
  assert.ok(drawn);
  if (SHOTS) await page.screenshot({ path: path.join(SHOTS, 'coverage-desktop.png'), fullPage: true });

  // every village row says what the API says
  await page.getByText(`全部 ${c.villages.length} 个村（社区）`).click();
  const covered = await page.getByTestId('village-table').locator('tbody tr[data-covered="yes"]').count();
  assert.equal(covered, c.villages.filter((v) => v.covered).length);

  // English
  await page.getByRole('button', { name: '切换到英文' }).click();
  await page.getByRole('heading', { name: 'The 15-minute service circle' }).waitFor();
  await page.getByRole('button', { name: 'Switch to Chinese' }).click();
  await context.close();
});

test('on a phone and in elder mode the page fits the screen', async () => {
  const { context, page } = await open(PHONE);
  await page.getByTestId('total-share').waitFor();
  await page.getByRole('button', { name: '长辈模式' }).click();
  // strings run in the page, where the DOM is (the tests' TypeScript has no DOM types)
  assert.equal(await page.evaluate('document.documentElement.classList.contains("elder")'), true);
  const overflow = (await page.evaluate('document.documentElement.scrollWidth - window.innerWidth')) as number;
  assert.ok(overflow <= 1, `the page is ${overflow}px wider than the phone`);
  await page.getByRole('button', { name: '长辈模式' }).click();
  if (SHOTS) await page.screenshot({ path: path.join(SHOTS, 'coverage-phone.png'), fullPage: false });
  await context.close();
});

test('the points tab lists the region\'s points and a clerk edits one', async () => {
  const { context, page } = await open();
  await page.getByRole('tab', { name: '服务网点' }).click();
  await page.getByTestId('point-table').waitFor();
  const points = await apiGet<{ items: { code: string; name: string; windows: number }[] }>(page, '/api/v1/service-points?admdvs=430200');
  assert.equal(await page.getByTestId('point-table').locator('tbody tr').count(), points.items.length);
  const hall = points.items[0]!;
  await page.getByRole('button', { name: `修改${hall.name}` }).click();
  const editor = page.getByTestId('point-editor');
  await editor.getByLabel('窗口数').fill('9');
  await editor.getByRole('button', { name: '保存' }).click();
  await editor.waitFor({ state: 'detached' });
  await page.locator(`tr[data-code="${hall.code}"] td.num`).first().filter({ hasText: '9' }).waitFor();
  const after = await apiGet<{ windows: number }>(page, `/api/v1/service-points/${hall.code}`);
  assert.equal(after.windows, 9);
  // a bad latitude is refused by name and shown
  await page.getByRole('button', { name: `修改${hall.name}` }).click();
  await editor.getByLabel('纬度').fill('95');
  await editor.getByRole('button', { name: '保存' }).click();
  await editor.getByText(/纬度/).first().waitFor();
  assert.match((await editor.textContent()) ?? '', /lat|纬度/);
  await context.close();
});

test('谭秀英 sees the nearest points open now on her portal', async () => {
  const who = (await site.db.pool.query<{ psn_no: string }>(`SELECT psn_no FROM persons WHERE psn_name = '谭秀英'`)).rows[0]!;
  const cookie = await personCookie(site.db.pool, who.psn_no);
  const [name, value] = cookie.split('=') as [string, string];
  const context = await site.browser.newContext({ viewport: DESKTOP, locale: 'zh-CN', timezoneId: 'Asia/Shanghai' });
  context.setDefaultTimeout(20_000);
  await context.addCookies([{ name, value, url: site.base }]);
  const page = await context.newPage();
  await page.goto(site.base + '/portal');
  await page.getByTestId('nearest-points').waitFor();
  const codes = await page.getByTestId('nearest-point').evaluateAll((li) => li.map((x) => [x.getAttribute('data-code'), x.getAttribute('data-open')]));
  const hall = await apiGet<{ items: { lat: number; lng: number }[] }>(page, '/api/v1/service-points?admdvs=430204&active=true');
  const near = await apiGet<NearbyServicePoints>(page, `/api/v1/service-points/nearest?lat=${hall.items[0]!.lat}&lng=${hall.items[0]!.lng}&item=enrollment&limit=5`);
  // the page asked a moment earlier: the same points, and "open now" agrees unless the clock crossed an opening time
  assert.deepEqual(codes.map((c) => c[0]), near.items.map((p) => p.code));
  assert.ok(codes.length > 0);
  if (SHOTS) await page.locator('#nearest-service-points').screenshot({ path: path.join(SHOTS, 'portal-nearest-points-desktop.png') });
  // another item: the list follows
  await page.getByLabel('办理事项').selectOption('transfer');
  await page.getByTestId('nearest-point').first().waitFor();
  const transfer = await page.getByTestId('nearest-point').evaluateAll((li) => li.map((x) => x.getAttribute('data-code')));
  assert.ok(transfer.every((c) => /^SP[0-9]{6}0{6}01$/.test(c ?? '')), 'only the county halls handle transfers in the demo');
  await context.close();
});
