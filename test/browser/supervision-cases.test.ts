import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { checkLedger } from '../../src/store/ledger.ts';
import { formatYuanGrouped } from '../../src/engine/money.ts';
import { seededSite, signInStaff } from '../support/browser.ts';

// The supervision case pages in Debian's Chromium on the seeded demo (its planted wrong claims at
// Zhuzhou and the scan that found them): Hunan's supervisor opens a case from a planted finding
// of 株洲市中心医院 and assigns it, Hunan's reviewer (hn.reviewer) passes the first review, the
// supervisor the second; the hospital's own account (zz.hospital) signs in, sees only its own
// findings and cases, and appeals with a file; the supervisor decides a recovery, the page shows
// it, and the ledger holds its one recovery transfer, balanced. YIBAO_SCREENSHOTS=dir saves screenshots.

const SHOTS = process.env.YIBAO_SCREENSHOTS ? path.resolve(process.env.YIBAO_SCREENSHOTS) : undefined;
const ZZ = 'H43021100001';

const site = seededSite(300);

async function signOut(page: Page): Promise<void> {
  await page.getByRole('button', { name: '退出' }).click();
  await page.getByRole('tab', { name: '工作人员' }).waitFor();
}

async function openCasesPage(page: Page, username: string): Promise<void> {
  await signInStaff(page, site.base, username);
  await page.getByRole('navigation', { name: '主菜单' }).getByRole('link', { name: '稽核案件' }).click();
  await page.getByRole('heading', { name: '稽核案件', exact: true }).waitFor();
}

/** Makes the move with its reason from the case's move form. */
async function move(page: Page, name: string, reason: string, state: string): Promise<void> {
  const form = page.getByTestId('moves');
  await form.getByRole('radio', { name }).check();
  await form.getByLabel('理由').fill(reason);
  await form.getByRole('button', { name: '提交' }).click();
  await page.locator(`[data-testid="case-detail"][data-state="${state}"]`).waitFor();
}

test('a planted finding worked from the pages to a recovery in the ledger, the hospital appealing with a file in between', async () => {
  const finding = (await site.db.pool.query<{ id: number }>(
    `SELECT f.id::int FROM supervision_findings f JOIN settlements s ON s.setl_id = f.setl_id
      WHERE f.fixmedins_code = $1 AND f.status = 'open' AND s.fund_pay_sumamt > 0 AND f.amount_fen > 0 ORDER BY f.id LIMIT 1`, [ZZ])).rows[0];
  assert.ok(finding, 'a planted finding of 株洲市中心医院 on a settlement the funds paid');
  const context = await site.browser.newContext({ viewport: { width: 390, height: 844 }, locale: 'zh-CN', timezoneId: 'Asia/Shanghai' }); // a phone
  context.setDefaultTimeout(20_000);
  const page = await context.newPage();

  // The supervisor opens the case from the finding (filtered to the hospital) and assigns it.
  await openCasesPage(page, 'hn.supervisor');
  await page.getByLabel('机构编码').fill(ZZ);
  const row = page.locator(`[data-testid="open-finding"][data-id="${finding.id}"]`);
  await row.getByRole('checkbox').check();
  await page.getByLabel('立案理由').fill('规则命中，立案核查');
  await page.getByRole('button', { name: '立案（1 条疑点）' }).click();
  const detail = page.getByTestId('case-detail');
  await page.locator('[data-testid="case-detail"][data-state="opened"]').waitFor();
  const caseNo = (await site.db.pool.query<{ case_no: string }>(`SELECT c.number AS case_no FROM supervision_findings f JOIN cases c ON c.id = f.case_id WHERE f.id = $1`, [finding.id])).rows[0]!.case_no;
  await page.locator(`[data-testid="case"][data-case="${caseNo}"]`).waitFor();
  // the finding's lines, inline from its evidence
  await detail.getByTestId('case-finding').getByRole('button', { name: '查看明细' }).click();
  await detail.getByTestId('finding-lines').getByText('涉及').first().waitFor();
  await move(page, '分派初审', '分派给省局审核员', 'first_review');
  await signOut(page);

  // Hunan's reviewer: the first review.
  await openCasesPage(page, 'hn.reviewer');
  await page.locator(`[data-testid="case"][data-case="${caseNo}"]`).getByRole('button', { name: `详情 ${caseNo}` }).click();
  await move(page, '初审通过', '初审：收费与医嘱不符', 'second_review');
  await signOut(page);

  // The supervisor, another person: the second review opens the appeal window.
  await openCasesPage(page, 'hn.supervisor');
  await page.getByLabel('状态').selectOption('second_review');
  await page.locator(`[data-testid="case"][data-case="${caseNo}"]`).getByRole('button', { name: `详情 ${caseNo}` }).click();
  await move(page, '复审通过（进入申诉期）', '复审同意', 'appeal');
  await page.getByTestId('appeal-due').waitFor();
  await signOut(page);

  // The hospital signs in: its own page, its own findings and cases only; it appeals with a file.
  await signInStaff(page, site.base, 'zz.hospital');
  await page.getByRole('heading', { name: '本机构医保监管' }).waitFor();
  assert.equal(new URL(page.url()).pathname, '/institution', 'the institution’s home');
  await page.getByTestId('own-finding').first().waitFor();
  const institutions = await page.locator('[data-testid="own-finding"], [data-testid="own-case"]').evaluateAll((els) => [...new Set(els.map((e) => e.getAttribute('data-institution')))]);
  assert.deepEqual(institutions, [ZZ], 'only its own findings and cases');
  assert.equal(await page.getByRole('navigation', { name: '主菜单' }).getByRole('link').count(), 1, 'one page only');
  await page.locator(`[data-testid="own-case"][data-case="${caseNo}"]`).getByRole('button', { name: `详情 ${caseNo}` }).click();
  const form = page.getByTestId('appeal-form');
  await form.getByLabel('申诉陈述').fill('两项收费为两次独立检查，附医嘱单');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'yibao-appeal-'));
  const file = path.join(dir, 'order.pdf');
  fs.writeFileSync(file, '%PDF-1.4\n% 医嘱单 / the doctor\'s order\n%%EOF\n');
  await form.getByLabel(/证据材料/).setInputFiles(file);
  await form.getByRole('button', { name: '提交申诉' }).click();
  await page.locator('[data-testid="case-detail"][data-state="investigation"]').waitFor();
  await page.getByTestId('files').getByRole('link', { name: 'order.pdf' }).waitFor();
  if (SHOTS) await page.screenshot({ path: path.join(SHOTS, 'institution.png'), fullPage: true });
  const stored = await site.db.pool.query<{ name: string; content: Buffer }>(`SELECT name, content FROM supervision_case_files f JOIN supervision_cases s USING (case_id) WHERE s.case_no = $1`, [caseNo]);
  assert.deepEqual(stored.rows.map((r) => [r.name, r.content.toString()]), [['order.pdf', fs.readFileSync(file, 'utf8')]], 'the file as uploaded');
  fs.rmSync(dir, { recursive: true, force: true });
  await signOut(page);

  // The supervisor decides a recovery; the page shows it; the ledger has it once, balanced.
  await openCasesPage(page, 'hn.supervisor');
  await page.getByLabel('状态').selectOption('investigation');
  await page.locator(`[data-testid="case"][data-case="${caseNo}"]`).getByRole('button', { name: `详情 ${caseNo}` }).click();
  await detail.getByTestId('appeal').getByText('两项收费为两次独立检查').waitFor();
  const moves = page.getByTestId('moves');
  await moves.getByRole('radio', { name: '作出处理决定' }).check();
  await moves.getByRole('checkbox', { name: '追回基金' }).check();
  await moves.getByRole('checkbox', { name: '警告' }).check();
  await moves.getByLabel('理由').fill('申诉理由不成立，追回并警告');
  await moves.getByRole('button', { name: '提交' }).click();
  await page.locator('[data-testid="case-detail"][data-state="decided"]').waitFor();
  const shown = await page.getByTestId('recovery').textContent();
  if (SHOTS) await page.screenshot({ path: path.join(SHOTS, 'supervision-case.png'), fullPage: true });
  const transfer = await site.db.pool.query<{ kind: string; amount_fen: number }>(`SELECT kind, amount_fen::int FROM ledger_transfers WHERE key = $1`, [`recovery:${caseNo}`]);
  assert.equal(transfer.rows.length, 1, 'one recovery transfer');
  assert.equal(transfer.rows[0]!.kind, 'recovery');
  assert.ok(transfer.rows[0]!.amount_fen > 0);
  assert.ok((shown ?? '').includes(`追回基金 ${formatYuanGrouped(transfer.rows[0]!.amount_fen)} 元`), `the page shows the recovery: ${shown}`);
  const ledger = await checkLedger(site.db.pool);
  assert.equal(ledger.debits_fen, ledger.credits_fen, 'debits equal credits');
  assert.deepEqual(ledger.unbalanced, []);
  const history = await page.getByTestId('history').locator('li').allTextContents();
  assert.equal(history.length, 6, `立案, 分派, 初审, 复审, 申诉, 决定: ${history.join(' | ')}`);
  assert.ok(history.some((h) => h.includes('staff:hn.reviewer')) && history.some((h) => h.includes(`hospital:${ZZ}`)), 'who of every step');
  await context.close();
});
