import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { runsInProgress } from '../../src/app/settlement/simulation-runs.ts';
import { simulateStored } from '../../src/app/settlement/simulation.ts';
import { DocumentRegistry } from '../../src/store/documents/registry.ts';
import { seededSite, signInStaff } from '../support/browser.ts';

// The simulator over stored settlements in Debian's Chromium on the seeded demo (issue 19):
// Changsha's clerk (cs.clerk) loads the employees' policy as a draft, lowers its outpatient
// deductible, runs it over the year in the background, and reads the report — the fund's
// difference is what the use case computes directly, the groups and the largest changes with
// both explanations are on the page, and the CSV is offered. YIBAO_SCREENSHOTS=dir saves one screenshot of the page.

const SHOTS = process.env.YIBAO_SCREENSHOTS ? path.resolve(process.env.YIBAO_SCREENSHOTS) : undefined;

const site = seededSite(300);

test("Changsha's clerk simulates a lower outpatient deductible over the stored year and reads the report", async () => {
  const context = await site.browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'zh-CN', timezoneId: 'Asia/Shanghai' });
  context.setDefaultTimeout(30_000);
  const page = await context.newPage();
  await signInStaff(page, site.base, 'cs.clerk');
  await page.getByRole('link', { name: '历史结算测算' }).click();
  await page.getByRole('heading', { name: '政策测算：历史结算回放' }).waitFor();
  await page.getByLabel('政策', { exact: true }).selectOption('430100-310-2026.json');
  const year = new Date().getFullYear();
  await page.getByLabel('开始日期').fill(`${year - 1}-01-01`);
  await page.getByLabel('结束日期').fill(`${year}-12-31`);
  await page.getByRole('button', { name: '载入所选政策作为草案' }).click();
  const draftBox = page.getByTestId('draft');
  for (let i = 0; i < 100 && !(await draftBox.inputValue()).includes('430100-310-2026'); i++) await page.waitForTimeout(100);
  const draft = JSON.parse(await draftBox.inputValue()) as Record<string, Record<string, unknown>>;
  draft['outpatient']!['deductible_yuan'] = 0;
  await draftBox.fill(JSON.stringify({ ...draft, version: Number(draft['version']) + 1 }));
  await page.getByRole('button', { name: '开始测算' }).click();

  const report = page.getByTestId('simulation-report');
  await report.waitFor();
  await runsInProgress();
  const direct = await simulateStored(site.db.pool, new DocumentRegistry(), { from: `${year - 1}-01-01`, to: `${year}-12-31`, draft: { ...draft, version: Number(draft['version']) + 1 }, baseline: null });
  assert.equal(await report.getByTestId('fund-difference').textContent(), direct.report.fund.difference);
  assert.ok(Number(direct.report.fund.difference) > 0, 'no deductible: the fund pays more');
  assert.match((await report.getByTestId('groups').textContent()) ?? '', /全部/);
  assert.ok((await report.getByTestId('largest').count()) > 0, 'the largest changes are listed');
  await report.getByTestId('largest').first().locator('summary').click();
  assert.ok((await report.getByTestId('largest').first().locator('ol.steps').count()) === 2, 'both explanations, side by side');
  assert.ok((await page.locator('canvas').count()) >= 2, 'the charts are drawn');
  const href = await page.getByRole('link', { name: '下载 CSV' }).getAttribute('href');
  const csv = await page.evaluate(async (url) => (await fetch(url!)).text(), href);
  assert.match(csv, /section,key,name/);
  assert.equal(await page.getByTestId('run').first().getAttribute('data-status'), 'done');
  assert.match((await page.getByTestId('run').first().textContent()) ?? '', new RegExp(`${direct.report.claims + direct.report.skipped} / ${direct.report.claims + direct.report.skipped}`), 'the run counts every row it read');
  if (SHOTS) {
    fs.mkdirSync(SHOTS, { recursive: true });
    await page.screenshot({ path: path.join(SHOTS, 'simulations-desktop.png'), fullPage: true });
  }
  await context.close();
});
