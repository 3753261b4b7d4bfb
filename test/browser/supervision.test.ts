import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { seededSite, signInStaff } from '../support/browser.ts';

// The supervision pages in Debian's Chromium on the seeded demo (its planted wrong claims at
// Zhuzhou, scanned at the end of the seed): Hunan's supervisor (hn.supervisor) opens 基金监管,
// filters the queue by rule type (every row of that type, as many as the database holds), opens
// a planted claim's evidence — the concerned lines marked as the finding names them, the other
// visits that made a split admission fire — and reads the explanation in English after the
// switch. The rules page checks a bad draft and shows the refusal's JSON path. The sharing page
// shows the 赣湘 agreement's busiest month, its rows as the settlements sum, and the CSV link
// downloads the same month with its byte-order mark. YIBAO_SCREENSHOTS=dir saves screenshots.

const SHOTS = process.env.YIBAO_SCREENSHOTS ? path.resolve(process.env.YIBAO_SCREENSHOTS) : undefined;

const site = seededSite(300);

async function newPage(width = 1280): Promise<Page> {
  const context = await site.browser.newContext({ viewport: { width, height: 900 }, locale: 'zh-CN', timezoneId: 'Asia/Shanghai', acceptDownloads: true });
  context.setDefaultTimeout(20_000);
  const page = await context.newPage();
  await signInStaff(page, site.base, 'hn.supervisor');
  return page;
}

const hunan = `(mdtrtarea_admvs LIKE '43%' OR insuplc_admdvs LIKE '43%')`;

test('the supervisor filters the queue by rule type, opens a planted claim’s evidence, and reads it in English', async () => {
  const page = await newPage();
  await page.getByRole('navigation', { name: '主菜单' }).getByRole('link', { name: '基金监管' }).click();
  await page.getByRole('heading', { name: '基金监管', exact: true }).waitFor();
  assert.equal(new URL(page.url()).pathname, '/staff/supervision');

  // The counts by rule type are the database's.
  const byType = (await site.db.pool.query<{ rule_type: string; n: number }>(`SELECT rule_type, count(*)::int AS n FROM supervision_findings WHERE ${hunan} GROUP BY 1`)).rows;
  assert.ok(byType.length >= 10, `the planted kinds were found (${byType.length} types)`);
  await page.getByTestId('rule-type-count').first().waitFor();
  for (const t of byType) assert.equal(await page.locator(`[data-testid="rule-type-count"][data-type="${t.rule_type}"]`).getAttribute('data-n'), String(t.n), t.rule_type);

  // Filtered by a rule type: every row is of it, as many as stored.
  await page.getByLabel('规则类型', { exact: true }).selectOption('sex_restricted');
  const planted = (await site.db.pool.query<{ id: number; mdtrt_id: string; lines: string[]; vola_cont: { zh: string; en: string }; amount_fen: string }>(
    `SELECT f.id::int AS id, f.mdtrt_id, f.lines, f.vola_cont, f.amount_fen FROM supervision_findings f JOIN demo_planted_claims p ON p.mdtrt_id = f.mdtrt_id
      WHERE p.kind = 'sex_restricted' AND f.rule_type = 'sex_restricted' AND f.stage = 'after' ORDER BY f.id LIMIT 1`,
  )).rows[0]!;
  assert.ok(planted && planted.lines.length > 0, 'a planted sex-restricted claim with its lines');
  const row = page.locator(`[data-testid="finding"][data-id="${planted.id}"]`);
  await row.waitFor();
  const types = await page.locator('[data-testid="finding"]').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-type')));
  const stored = byType.find((t) => t.rule_type === 'sex_restricted')!.n;
  assert.equal(types.length, Math.min(stored, 20));
  assert.ok(types.every((t) => t === 'sex_restricted'), types.join(','));
  assert.match((await page.getByTestId('page-info').textContent()) ?? '', new RegExp(`共 ${stored} 条`));

  // Its evidence: the concerned lines marked, the explanation, the amount.
  await row.getByRole('button', { name: `证据 ${planted.id}` }).click();
  const evidence = page.locator(`[data-testid="evidence"][data-id="${planted.id}"]`);
  await evidence.waitFor();
  const concerned = await evidence.locator('[data-testid="evidence-line"][data-concerned="true"]').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-sn')));
  assert.deepEqual(concerned.sort(), [...planted.lines].sort(), 'the lines the finding names are the ones marked');
  assert.ok((await evidence.locator('[data-testid="evidence-line"]').count()) >= concerned.length);
  assert.equal(await evidence.getByTestId('evidence-amount').getAttribute('data-fen'), String(planted.amount_fen));
  assert.match((await evidence.getByTestId('explanation').textContent()) ?? '', new RegExp(planted.vola_cont.zh.slice(0, 12).replace(/[.*+?^${}()|[\]\\]/g, '\\$&')));
  if (SHOTS) {
    fs.mkdirSync(SHOTS, { recursive: true });
    await page.screenshot({ path: path.join(SHOTS, 'supervision-evidence.png'), fullPage: true });
  }

  // English: the same explanation in English.
  await page.getByRole('button', { name: '切换到英文' }).click();
  await page.getByRole('heading', { name: 'Fund supervision', exact: true }).waitFor();
  await evidence.getByText('The claim’s lines (those concerned marked)').waitFor();
  assert.match((await evidence.getByTestId('explanation').textContent()) ?? '', new RegExp(planted.vola_cont.en.slice(0, 20).replace(/[.*+?^${}()|[\]\\]/g, '\\$&')));

  // A split admission: the earlier stay that made it fire is among the visits.
  await page.getByLabel('Rule type', { exact: true }).selectOption('split_admission');
  const split = (await site.db.pool.query<{ id: number; related: string[] }>(
    `SELECT f.id::int AS id, f.related FROM supervision_findings f JOIN demo_planted_claims p ON p.mdtrt_id = f.mdtrt_id
      WHERE p.kind = 'split_admission' AND f.rule_type = 'split_admission' AND f.stage = 'after' ORDER BY f.id LIMIT 1`,
  )).rows[0]!;
  assert.ok(split.related.length > 0);
  await page.locator(`[data-testid="finding"][data-id="${split.id}"]`).getByRole('button', { name: `Evidence ${split.id}` }).click();
  const ev2 = page.locator(`[data-testid="evidence"][data-id="${split.id}"]`);
  await ev2.waitFor();
  assert.equal(await ev2.locator('[data-testid="evidence-visit"][data-related="true"]').count(), split.related.length, 'the other visits that made it fire');
  await page.context().close();
});

test('the rules page checks a bad draft and shows the refusal’s path', async () => {
  const page = await newPage(390); // a phone's width
  await page.goto(site.base + '/staff/supervision/rules');
  await page.getByRole('heading', { name: '监管规则库', exact: true }).waitFor();
  await page.locator('[data-testid="rule"][data-code="JG-CF-001"]').waitFor();
  const draft = page.getByTestId('draft');
  const doc = JSON.parse(await draft.inputValue());
  assert.equal(doc.rules_id, 'supervision-national');
  assert.equal(doc.version, 2, 'a draft starts one version above the stored one');
  // The form over the draft's head rewrites the JSON.
  await page.getByTestId('draft-head').getByLabel('版本', { exact: true }).fill('3');
  assert.equal(JSON.parse(await draft.inputValue()).version, 3);
  doc.rules[2].severity = 'terrible';
  await draft.fill(JSON.stringify(doc, null, 2));
  await page.getByRole('button', { name: '检查', exact: true }).click();
  const refusal = page.locator('[data-testid="refusal"][data-path="/rules/2/severity"]');
  await refusal.waitFor();
  assert.match((await refusal.textContent()) ?? '', /\/rules\/2\/severity/);
  if (SHOTS) await page.screenshot({ path: path.join(SHOTS, 'supervision-rules-phone.png'), fullPage: false });
  // Fixed, the same draft passes the check; nothing was stored by checking.
  doc.rules[2].severity = 'suspect';
  await draft.fill(JSON.stringify(doc));
  await page.getByRole('button', { name: '检查', exact: true }).click();
  await page.getByTestId('draft-result').waitFor();
  assert.match((await page.getByTestId('draft-result').textContent()) ?? '', /草稿无误/);
  assert.equal((await site.db.pool.query(`SELECT count(*)::int AS n FROM documents WHERE kind = 'supervision_rules' AND version > 1`)).rows[0].n, 0);
  await page.context().close();
});

test('the sharing page shows the busiest month’s table as the settlements sum, and its CSV downloads', async () => {
  const members = (await site.db.pool.query<{ admdvs: string }>(`SELECT m.admdvs FROM agreement_members m JOIN agreements a ON a.id = m.agreement_id WHERE a.agreement_no = 'GX10-HXB-2'`)).rows.map((r) => r.admdvs.slice(0, 4));
  const busiest = (await site.db.pool.query<{ month: string; n: number; medfee: string }>(
    `SELECT to_char(setl_time AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM') AS month, count(*)::int AS n, sum(medfee_sumamt)::bigint AS medfee FROM settlements
      WHERE kind = 'settle' AND status = 'settled' AND left(insuplc_admdvs, 4) = ANY($1) AND left(mdtrtarea_admvs, 4) = ANY($1) AND left(insuplc_admdvs, 4) <> left(mdtrtarea_admvs, 4)
      GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT 1`,
    [members],
  )).rows[0];
  assert.ok(busiest, 'the demo settles some members’ people in other members');

  const page = await newPage();
  await page.goto(site.base + '/staff/supervision/sharing');
  await page.getByRole('heading', { name: '协议数据共享月报', exact: true }).waitFor();
  await page.getByLabel('月份', { exact: true }).fill(busiest.month);
  await page.getByTestId('total-count').getByText(String(busiest.n), { exact: true }).waitFor();
  assert.equal(await page.getByTestId('total-medfee').getAttribute('data-fen'), String(busiest.medfee));
  const rows = await page.locator('[data-testid="sharing-row"]').evaluateAll((rs) => rs.map((r) => Number(r.getAttribute('data-count'))));
  assert.equal(rows.reduce((a, b) => a + b, 0), busiest.n, 'the rows add up to the month’s settlements');
  await page.locator('canvas').first().waitFor();
  if (SHOTS) await page.screenshot({ path: path.join(SHOTS, 'supervision-sharing.png'), fullPage: true });

  const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: '下载 CSV' }).click()]);
  assert.equal(download.suggestedFilename(), `sharing-GX10-HXB-2-${busiest.month}.csv`);
  const file = fs.readFileSync((await download.path())!);
  assert.deepEqual([...file.subarray(0, 3)], [0xef, 0xbb, 0xbf], 'the byte-order mark');
  const text = file.subarray(3).toString('utf8');
  assert.match(text, /^协议 agreement,月份 month/);
  assert.equal(text.trim().split('\r\n').filter((l) => !l.includes('合计 total')).length - 1, rows.length, 'one line per institution row of the page');
  await page.context().close();
});
