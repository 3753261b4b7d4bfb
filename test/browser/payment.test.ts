import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { formatYuan, formatYuanGrouped, yuanToFen } from '../../src/engine/money.ts';
import { seededSite, signInStaff } from '../support/browser.ts';

// The payment page in Debian's Chromium on the seeded demo: Hunan's finance staff (hn.finance)
// opens DRG/DIP payment, lands on Changsha (the first pooling region of Hunan with payment
// rules), sees its two hospitals with their CMI and the budget's gauge, opens a hospital's
// cases, then a case: its DRG code and the grouper's steps (…ADRG…) and the payment explained;
// in English the same steps read in English. Then the simulator at a 10% higher base rate pays
// Changsha's hospitals more, and the year-end runs once: its lines per hospital, and a second run
// (from a page opened before the first) refused with the server's message; Zhuzhou (DIP) asks
// for a point value instead of base rates, refusing one finer than a fen. YIBAO_SCREENSHOTS=dir
// saves payment-desktop.png with the simulator's result and the year-end.

const SHOTS = process.env.YIBAO_SCREENSHOTS ? path.resolve(process.env.YIBAO_SCREENSHOTS) : undefined;

const site = seededSite(300);

const signIn = (page: Page, username: string): Promise<void> => signInStaff(page, site.base, username);

test("Hunan's finance staff sees Changsha's hospitals with their CMI, opens a case's group and why, in Chinese then in English", async () => {
  // Each Changsha hospital's CMI as the stored prices average the weights, and its newest case.
  const stored = (await site.db.pool.query<{ fixmedins_code: string; cmi: string; setl_id: string; group_code: string; n: number }>(
    `SELECT c.fixmedins_code, to_char(avg(c.weight_e4) OVER (PARTITION BY c.fixmedins_code) / 10000.0, 'FM0.0000') AS cmi, c.setl_id, c.group_code,
            row_number() OVER (PARTITION BY c.fixmedins_code ORDER BY l.dscg_time DESC, c.setl_id) AS n
       FROM case_payments c JOIN settlement_lists l ON l.id = c.list_id WHERE c.admdvs = '430100' AND c.superseded_at IS NULL ORDER BY 1`,
  )).rows.filter((r) => r.n === 1);
  assert.equal(stored.length, 2, 'the demo prices stays at both Changsha hospitals');

  const context = await site.browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'zh-CN', timezoneId: 'Asia/Shanghai' });
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

test("Hunan's finance staff simulates Changsha at a 10% higher base rate, then runs the year-end once; a second run is refused", async () => {
  const context = await site.browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'zh-CN', timezoneId: 'Asia/Shanghai' });
  context.setDefaultTimeout(20_000);
  const page = await context.newPage();
  await signIn(page, 'hn.finance');
  await page.goto(site.base + '/staff/payment');
  await page.getByRole('heading', { name: '政策模拟', exact: true }).waitFor();
  assert.equal(await page.getByLabel('统筹区', { exact: true }).inputValue(), '430100');
  const year = Number(await page.getByLabel('年度', { exact: true }).inputValue());

  // The base rates come prefilled from the rules; each goes up by 10% (to the fen).
  const sim = page.getByTestId('simulator');
  const rates = sim.locator('[data-testid^="sim-base-rate-"]');
  assert.ok((await rates.count()) >= 1, 'Changsha pays by DRG: its base rates are on the form');
  for (const input of await rates.all()) {
    const fen = yuanToFen(await input.inputValue());
    assert.ok(fen > 0);
    await input.fill(formatYuan(Math.round((fen * 11) / 10)));
  }
  assert.equal(await page.getByTestId('sim-weights-scale').inputValue(), '100');
  await sim.getByRole('button', { name: '模拟', exact: true }).click();
  const difference = page.getByTestId('sim-difference');
  await difference.waitFor();
  assert.ok(Number(await difference.getAttribute('data-fen')) > 0, 'a higher base rate pays the hospitals more');
  assert.match((await difference.textContent()) ?? '', /^\+[\d,]+\.\d{2}$/, 'the difference in yuan with two decimals and its sign');
  const before = yuanToFen(((await page.getByTestId('sim-before').textContent()) ?? '').replace(/,/g, ''));
  const after = yuanToFen(((await page.getByTestId('sim-after').textContent()) ?? '').replace(/,/g, ''));
  assert.equal(after - before, Number(await difference.getAttribute('data-fen')), 'after − before is the difference shown');
  const simHospitals = page.locator('[data-testid="sim-hospital"]');
  assert.equal(await simHospitals.count(), 2, 'both Changsha hospitals');
  const diffs = await simHospitals.evaluateAll((rows) => rows.map((r) => Number(r.getAttribute('data-difference'))));
  assert.ok(diffs.every((d) => d > 0), `each hospital is paid more: ${diffs.join(', ')}`);
  assert.ok(Math.abs(diffs[0]!) >= Math.abs(diffs[1]!), 'the largest difference first');
  assert.ok((await page.locator('[data-testid="sim-group"]').count()) > 0);
  await page.locator('[data-testid="sim-case"]').first().waitFor();
  assert.equal(await site.db.pool.query('SELECT 1 FROM payment_year_ends WHERE admdvs = $1 AND year = $2', ['430100', year]).then((r) => r.rowCount), 0, 'the simulator stores nothing, and no year-end yet');

  // A second page, opened before the year-end runs, has its confirm step open.
  const late = await context.newPage();
  await late.goto(site.base + '/staff/payment');
  const lateCard = late.getByTestId('year-end-card');
  await lateCard.getByRole('button', { name: '年终清算', exact: true }).click();
  await lateCard.getByRole('button', { name: '确认执行' }).waitFor();

  // The year-end: a confirm step that says it runs once, then the lines per hospital.
  const card = page.getByTestId('year-end-card');
  await card.getByRole('button', { name: '年终清算', exact: true }).click();
  assert.match((await card.getByRole('group').textContent()) ?? '', /只能执行一次/);
  await card.getByRole('button', { name: '确认执行' }).click();
  await card.locator('[data-testid="year-end-line"]').first().waitFor();
  const lines = (await site.db.pool.query<{ fixmedins_code: string; due_fen: string; balance_fen: string }>(
    `SELECT l.fixmedins_code, l.due_fen, l.balance_fen FROM payment_year_end_lines l JOIN payment_year_ends y ON y.id = l.year_end_id WHERE y.admdvs = '430100' AND y.year = $1 ORDER BY 1`, [year],
  )).rows;
  assert.equal(lines.length, 2, 'one line per Changsha hospital');
  for (const l of lines) {
    const row = card.locator(`[data-testid="year-end-line"][data-code="${l.fixmedins_code}"]`);
    assert.equal(await row.getByTestId('due').textContent(), formatYuanGrouped(Number(l.due_fen)), l.fixmedins_code);
    const bal = Number(l.balance_fen);
    assert.equal(await row.getByTestId('balance').textContent(), bal < 0 ? `−${formatYuanGrouped(-bal)}` : formatYuanGrouped(bal));
  }
  await card.getByTestId('year-end-totals').waitFor();
  assert.equal(await card.getByRole('button', { name: '年终清算', exact: true }).count(), 0, 'no second button once it has run');

  if (SHOTS) {
    fs.mkdirSync(SHOTS, { recursive: true });
    await page.waitForTimeout(250);
    await page.screenshot({ path: path.join(SHOTS, 'payment-desktop.png'), fullPage: true });
  }

  // The late page's run is refused: the server's message, and the year-end that was run.
  await lateCard.getByRole('button', { name: '确认执行' }).click();
  const alert = lateCard.getByRole('alert');
  await alert.waitFor();
  assert.match((await alert.textContent()) ?? '', /430100 \d{4} 年的年终清算已于 .* 完成/);
  await lateCard.locator('[data-testid="year-end-line"]').first().waitFor();
  assert.equal((await site.db.pool.query('SELECT 1 FROM payment_year_ends WHERE admdvs = $1 AND year = $2', ['430100', year])).rowCount, 1, 'still one year-end');

  // In English the refusal reads in English.
  await late.getByRole('button', { name: '切换到英文' }).click();
  await lateCard.getByText(/was already run at/).waitFor();

  // Zhuzhou pays by DIP: the simulator asks for a point value (empty: the budget sets it), not base rates.
  await page.getByLabel('统筹区', { exact: true }).selectOption('430200');
  const point = page.getByTestId('sim-point-value');
  await point.waitFor();
  assert.equal(await point.inputValue(), '', 'no point value fixed by the bureau');
  assert.equal(await page.locator('[data-testid^="sim-base-rate-"]').count(), 0);
  await point.fill('12.345');
  await page.getByTestId('simulator').getByRole('button', { name: '模拟', exact: true }).click();
  assert.match((await page.getByRole('region', { name: '政策模拟' }).getByRole('alert').textContent()) ?? '', /两位小数/, 'a point value finer than a fen is refused on the page');
  await point.fill('50');
  await page.getByTestId('simulator').getByRole('button', { name: '模拟', exact: true }).click();
  await page.getByTestId('sim-totals').getByText('→ 50.00').waitFor();
  await context.close();
});
