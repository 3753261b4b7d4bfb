import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { chromium, type Browser, type Page } from 'playwright-core';
import { buildApp } from '../../src/server/app.ts';
import { seedAll } from '../../src/cli/seed.ts';
import { readConfig } from '../../src/server/config.ts';
import { DEMO_PASSWORD } from '../../src/demo/staff.ts';
import { freshDatabase, type TestDatabase } from '../support/db.ts';

// The payment page in Debian's Chromium on the seeded demo: Hunan's finance staff (hn.finance)
// opens DRG/DIP payment, lands on Changsha (the first pooling region of Hunan with payment
// rules), sees its two hospitals with their CMI and the budget's gauge, opens a hospital's
// cases, then a case: its DRG code and the grouper's steps (…ADRG…) and the payment explained;
// in English the same steps read in English. YIBAO_SCREENSHOTS=dir saves payment-desktop.png.

const SHOTS = process.env.YIBAO_SCREENSHOTS ? path.resolve(process.env.YIBAO_SCREENSHOTS) : undefined;

let db: TestDatabase;
let app: FastifyInstance;
let browser: Browser;
let base: string;
let profile: string;

before(async () => {
  db = await freshDatabase();
  await seedAll(db.pool, { ...readConfig({}), demoPersons: 300 }, () => undefined);
  app = await buildApp({ pool: db.pool, now: () => new Date() });
  await app.listen({ port: 0, host: '127.0.0.1' });
  base = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`;
  profile = fs.mkdtempSync(path.join(os.tmpdir(), 'yibao-chromium-'));
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage'],
  });
});
after(async () => {
  await browser?.close();
  await app?.close();
  await db?.drop();
  if (profile) fs.rmSync(profile, { recursive: true, force: true });
});

async function signIn(page: Page, username: string): Promise<void> {
  await page.goto(base + '/signin');
  await page.getByRole('tab', { name: '工作人员' }).click();
  await page.getByLabel('账号').fill(username);
  await page.getByLabel('密码').fill(DEMO_PASSWORD);
  await page.getByRole('button', { name: '登录' }).click();
  await page.getByRole('navigation', { name: '主菜单' }).waitFor();
}

test("Hunan's finance staff sees Changsha's hospitals with their CMI, opens a case's group and why, in Chinese then in English", async () => {
  // Each Changsha hospital's CMI as the stored prices average the weights, and its newest case.
  const stored = (await db.pool.query<{ fixmedins_code: string; cmi: string; setl_id: string; group_code: string; n: number }>(
    `SELECT c.fixmedins_code, to_char(avg(c.weight_e4) OVER (PARTITION BY c.fixmedins_code) / 10000.0, 'FM0.0000') AS cmi, c.setl_id, c.group_code,
            row_number() OVER (PARTITION BY c.fixmedins_code ORDER BY l.dscg_time DESC, c.setl_id) AS n
       FROM case_payments c JOIN settlement_lists l ON l.id = c.list_id WHERE c.admdvs = '430100' AND c.superseded_at IS NULL ORDER BY 1`,
  )).rows.filter((r) => r.n === 1);
  assert.equal(stored.length, 2, 'the demo prices stays at both Changsha hospitals');

  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'zh-CN', timezoneId: 'Asia/Shanghai' });
  context.setDefaultTimeout(20_000);
  const page = await context.newPage();
  await signIn(page, 'hn.finance');
  await page.getByRole('navigation', { name: '主菜单' }).getByRole('link', { name: 'DRG/DIP 支付' }).click();
  await page.getByRole('heading', { name: 'DRG/DIP 支付', exact: true }).waitFor();
  assert.equal(new URL(page.url()).pathname, '/staff/payment');
  assert.equal(await page.getByLabel('统筹区', { exact: true }).inputValue(), '430100', 'Changsha first: the first of Hunan with payment rules');

  // The hospitals with their CMI, as the stored prices average the weights.
  for (const h of stored) {
    const row = page.locator(`[data-testid="hospital"][data-code="${h.fixmedins_code}"]`);
    await row.waitFor();
    assert.equal((await row.getByTestId('cmi').textContent())?.trim(), h.cmi, h.fixmedins_code);
  }
  await page.getByTestId('budget-gauge').waitFor();
  assert.match((await page.getByTestId('method').textContent()) ?? '', /DRG/);
  assert.match((await page.getByTestId('rules').textContent()) ?? '', /基准费率/);

  // A hospital's own cases, then one case: its DRG and why.
  const h = stored[0]!;
  await page.locator(`[data-testid="hospital"][data-code="${h.fixmedins_code}"]`).getByRole('button').click();
  const caseRow = page.locator(`[data-testid="hospital-cases"] [data-testid="case"][data-setl="${h.setl_id}"]`);
  await caseRow.waitFor();
  await caseRow.getByRole('button').click();
  const panel = page.getByTestId('case-panel');
  await panel.getByTestId('drg').waitFor();
  assert.equal(await panel.getByTestId('drg').textContent(), h.group_code);
  const zh = (await panel.getByTestId('grouping-steps').textContent()) ?? '';
  assert.match(zh, /ADRG/);
  assert.match(zh, /主要诊断|诊断/, 'the grouper’s steps in Chinese');
  assert.match((await panel.getByTestId('payment-steps').textContent()) ?? '', /基金应付医院/);

  if (SHOTS) {
    fs.mkdirSync(SHOTS, { recursive: true });
    await page.waitForTimeout(250);
    await page.screenshot({ path: path.join(SHOTS, 'payment-desktop.png'), fullPage: true });
  }

  // English: the same steps read in English.
  await page.getByRole('button', { name: '切换到英文' }).click();
  await page.getByRole('heading', { name: 'DRG/DIP payment', exact: true }).waitFor();
  await panel.getByText('Its group and why').waitFor();
  const en = (await panel.getByTestId('grouping-steps').textContent()) ?? '';
  assert.match(en, /ADRG/);
  assert.match(en, /principal diagnosis|diagnosis/);
  assert.doesNotMatch(en, /[诊断主要]/, 'no Chinese left in the steps');
  assert.match((await panel.getByTestId('payment-steps').textContent()) ?? '', /the fund owes the hospital/);
  await context.close();
});
