import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import type { Browser, Page } from 'playwright-core';
import { buildApp } from '../../src/server/app.ts';
import { seedAll } from '../../src/cli/seed.ts';
import { readConfig } from '../../src/server/config.ts';
import { applyForClearing } from '../../src/app/clearing/institutions.ts';
import { inTransaction } from '../../src/store/db.ts';
import { settlementsInPeriod, totalsOf } from '../../src/store/clearing/institutions.ts';
import { adjust } from '../../src/app/clearing/advance-funds.ts';
import { chinaDate } from '../../src/engine/calendar.ts';
import { freshDatabase, type TestDatabase } from '../support/db.ts';
import { openSite, signInStaff } from '../support/browser.ts';

// The finance page in Debian's Chromium on the seeded demo: Hunan's finance staff (hn.finance)
// previews and runs the clearing of the demo's month (this month in China time: its first run
// collects every settlement before it), sees the statements Hunan is party to, confirms Hunan's
// side of one, opens its settlements and one settlement's explanation, and sees the advance
// fund's gauge; Jiangxi's finance staff (jx.finance) contests a settlement of it and withdraws
// the contest from the dispute list, then confirms the other side and the statement is paid. YIBAO_SCREENSHOTS=dir saves one screenshot of the page.

const SHOTS = process.env.YIBAO_SCREENSHOTS ? path.resolve(process.env.YIBAO_SCREENSHOTS) : undefined;

let db: TestDatabase;
let app: FastifyInstance;
let browser: Browser;
let base: string;
const now = new Date();

before(async () => {
  db = await freshDatabase();
  await seedAll(db.pool, { ...readConfig({}), demoPersons: 300 }, () => undefined);
  // An advance fund of Hunan with another province, a third used by this year's payments at most.
  const pair = (await db.pool.query<{ i: string; t: string; a: number }>(
    `SELECT left(insuplc_admdvs, 2) || '0000' AS i, left(mdtrtarea_admvs, 2) || '0000' AS t, sum(amount_fen)::bigint AS a FROM cross_region_owed
      WHERE left(insuplc_admdvs, 2) <> left(mdtrtarea_admvs, 2) AND '43' IN (left(insuplc_admdvs, 2), left(mdtrtarea_admvs, 2)) GROUP BY 1, 2 ORDER BY 3 DESC LIMIT 1`,
  )).rows[0];
  assert.ok(pair, 'the demo has cross-province settlements of Hunan');
  await adjust(db.pool, { insured_admdvs: pair.i, treatment_admdvs: pair.t, year: Number(chinaDate(now).slice(0, 4)), size_fen: Math.max(1, pair.a) * 3, now });
  // A Hunan hospital applies for the clearing of its settlements before today (3203), claiming what the platform counts.
  const inst = (await db.pool.query<{ code: string; clr_type: string }>(
    `SELECT s.fixmedins_code AS code, s.clr_type FROM settlements s JOIN institutions i USING (fixmedins_code)
      WHERE i.admdvs LIKE '43%' AND s.setl_time < $1 GROUP BY 1, 2 ORDER BY count(*) DESC LIMIT 1`, [new Date(`${chinaDate(now)}T00:00:00+08:00`)])).rows[0];
  assert.ok(inst, 'a Hunan institution settled before today');
  const yesterday = chinaDate(new Date(now.getTime() - 86_400_000));
  const p = await totalsOf(db.pool, await settlementsInPeriod(db.pool, { fixmedins_code: inst.code, clr_type: inst.clr_type, begndate: '2026-01-01', enddate: yesterday }));
  await inTransaction(db.pool, (q) => applyForClearing(q, now, { fixmedins_code: inst.code, msgid: 'BROWSER-3203', clr_type: inst.clr_type, clr_way: '1', setl_optins: '430000', begndate: '2026-01-01', enddate: yesterday,
    claimed: { medfee_sumamt: p.medfee_sumamt, fund_appy_sum: p.fund_pay_sumamt, cash_payamt: p.psn_cash_pay, acct_pay: p.acct_pay, setl_cnt: p.setl_cnt, by_fund: p.by_fund } }));
  app = await buildApp({ pool: db.pool, now: () => new Date() });
  ({ base, browser } = await openSite(app));
});
after(async () => {
  await browser?.close();
  await app?.close();
  await db?.drop();
});

const signIn = (page: Page, username: string): Promise<void> => signInStaff(page, base, username);

test("Hunan's finance staff clears the demo's month from the page, confirms Hunan's side and drills down to an explanation; Jiangxi's confirms the other and it is paid", async () => {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'zh-CN', timezoneId: 'Asia/Shanghai' });
  context.setDefaultTimeout(20_000);
  const page = await context.newPage();
  await signIn(page, 'hn.finance');
  await page.getByRole('navigation', { name: '主菜单' }).getByRole('link', { name: '清算' }).click();
  await page.getByRole('heading', { name: '清算', exact: true }).waitFor();
  const month = chinaDate(now).slice(0, 7);
  assert.equal(await page.getByLabel('清算月份', { exact: true }).inputValue(), month, 'the demo’s month is this month');

  // Preview first: nothing stored; then run.
  await page.getByRole('button', { name: '预览清算' }).click();
  await page.getByTestId('run-result').getByText(/^预览：/).waitFor();
  assert.equal((await db.pool.query('SELECT count(*)::int AS n FROM clearing_statements')).rows[0].n, 0, 'the preview stored nothing');
  await page.getByRole('button', { name: '执行清算' }).click();
  await page.getByTestId('run-result').getByText(/^已执行：/).waitFor();
  const stored = await db.pool.query<{ id: number; insured_admdvs: string; treatment_admdvs: string }>(
    `SELECT id::int AS id, insured_admdvs, treatment_admdvs FROM clearing_statements WHERE month = $1 AND level = 'province' ORDER BY insured_admdvs, treatment_admdvs`, [month.replace('-', '')]);
  const hunans = stored.rows.filter((s) => s.insured_admdvs === '430000' || s.treatment_admdvs === '430000');
  assert.ok(hunans.length > 0, 'the run stored statements of Hunan');

  // The statements Hunan is party to, and only those.
  const rows = page.getByTestId('statement');
  await rows.first().waitFor();
  assert.deepEqual((await rows.evaluateAll((els) => els.map((e) => Number(e.getAttribute('data-id'))))).sort(), hunans.map((s) => s.id).sort());

  // Confirm Hunan's side of the statement between Jiangxi and Hunan (the 赣湘 pair).
  const first = hunans.find((s) => s.insured_admdvs === '360000' || s.treatment_admdvs === '360000')!;
  assert.ok(first, 'the demo month has a statement between Jiangxi and Hunan');
  const row = page.locator(`[data-testid="statement"][data-id="${first.id}"]`);
  const side = first.insured_admdvs === '430000' ? '参保地' : '就医地';
  await row.getByRole('button', { name: `确认（${side}）` }).click();
  const expected = first.insured_admdvs === '430000' ? 'confirmed_by_insured' : 'confirmed_by_treatment';
  await page.locator(`[data-testid="statement"][data-id="${first.id}"][data-state="${expected}"]`).waitFor();
  assert.equal(await row.getByRole('button', { name: /^确认/ }).count(), 0, 'Hunan has confirmed its side; the other side is not Hunan’s');
  const st = await db.pool.query('SELECT state, insured_confirmed_by, treatment_confirmed_by FROM clearing_statements WHERE id = $1', [first.id]);
  assert.equal(st.rows[0].state, expected);
  assert.equal(first.insured_admdvs === '430000' ? st.rows[0].insured_confirmed_by : st.rows[0].treatment_confirmed_by, 'hn.finance');

  // Drill down: the statement's settlements, then one settlement's explanation.
  await row.getByRole('button', { name: `明细 ${first.id}` }).click();
  const lines = page.getByTestId('statement-lines').getByTestId('line');
  await lines.first().waitFor();
  const count = (await db.pool.query('SELECT count(*)::int AS n FROM clearing_lines WHERE statement_id = $1', [first.id])).rows[0].n;
  assert.equal(await lines.count(), count);
  await lines.first().getByRole('button').click();
  const ex = page.getByTestId('explanation');
  await ex.waitFor();
  assert.equal(await ex.getByTestId('adds-up').getAttribute('data-ok'), 'true', 'the explanation adds up');

  // The advance fund as a gauge, drawn.
  const gauge = page.getByTestId('gauge').first();
  await gauge.waitFor();
  await gauge.locator('canvas').waitFor();
  assert.equal(await gauge.getAttribute('data-level'), 'none');
  assert.match(await gauge.getByRole('img').getAttribute('aria-label') ?? '', /预付金使用率 \d+(\.\d+)?%/);
  await page.getByRole('img', { name: '各月轧差头寸柱状图' }).waitFor();
  await page.getByRole('button', { name: '退出' }).click();
  await page.getByRole('tab', { name: '工作人员' }).waitFor();

  // Jiangxi's finance staff confirms the other side: the statement is paid, by one clearing transfer.
  await signIn(page, 'jx.finance');
  await page.getByRole('navigation', { name: '主菜单' }).getByRole('link', { name: '清算' }).click();
  const jxRow = page.locator(`[data-testid="statement"][data-id="${first.id}"]`);
  // First Jiangxi contests one settlement of it, then withdraws the contest from the dispute list.
  await jxRow.getByRole('button', { name: `明细 ${first.id}` }).click();
  const jxLines = page.getByTestId('statement-lines').getByTestId('line');
  await jxLines.first().waitFor();
  await jxLines.first().getByRole('checkbox').check();
  await page.getByLabel('争议理由').fill('病历与费用不符');
  await page.getByRole('button', { name: '对所选 1 笔提出争议' }).click();
  await page.locator(`[data-testid="statement"][data-id="${first.id}"][data-state="disputed"]`).waitFor();
  const dispute = page.getByTestId('disputes').locator('[data-testid="dispute"][data-state="open"]');
  await dispute.waitFor();
  await dispute.getByRole('button', { name: '撤回争议' }).click();
  await page.getByTestId('disputes').locator('[data-testid="dispute"][data-state="withdrawn"]').waitFor();
  const contested = await db.pool.query(`SELECT state, raised_by, resolved_by FROM clearing_disputes WHERE statement_id = $1`, [first.id]);
  assert.deepEqual(contested.rows, [{ state: 'withdrawn', raised_by: 'jx.finance', resolved_by: 'jx.finance' }]);
  await jxRow.getByRole('button', { name: `确认（${side === '参保地' ? '就医地' : '参保地'}）` }).click();
  await page.locator(`[data-testid="statement"][data-id="${first.id}"][data-state="paid"]`).getByText('已支付').waitFor();
  const paid = await db.pool.query(`SELECT s.state, t.kind FROM clearing_statements s JOIN ledger_transfers t ON t.id = s.transfer_id WHERE s.id = $1`, [first.id]);
  assert.deepEqual(paid.rows[0], { state: 'paid', kind: 'clearing' });
  // An institution of Hunan has applied (3203) for its settlements before today: Hunan's finance staff approves it from the page.
  await page.getByRole('button', { name: '退出' }).click();
  await page.getByRole('tab', { name: '工作人员' }).waitFor();
  await signIn(page, 'hn.finance');
  await page.getByRole('navigation', { name: '主菜单' }).getByRole('link', { name: '清算' }).click();
  const app3203 = await db.pool.query<{ id: number }>(`SELECT id::int AS id FROM institution_clearing_applications`);
  assert.equal(app3203.rows.length, 1);
  const appRow = page.locator(`[data-testid="application"][data-id="${app3203.rows[0]!.id}"]`);
  await appRow.waitFor();
  await appRow.getByRole('button', { name: /^审核/ }).click();
  await page.getByTestId('application-review').getByText('申请与平台结算数据一致。').waitFor();
  await appRow.getByRole('button', { name: '批准并支付' }).click();
  await page.locator(`[data-testid="application"][data-id="${app3203.rows[0]!.id}"][data-state="approved"]`).waitFor();
  const approved = await db.pool.query(`SELECT a.state, t.kind FROM institution_clearing_applications a JOIN ledger_transfers t ON t.id = a.payment_transfer_id`);
  assert.deepEqual(approved.rows, [{ state: 'approved', kind: 'hospital_payment' }]);
  if (SHOTS) {
    fs.mkdirSync(SHOTS, { recursive: true });
    await page.waitForTimeout(250);
    await page.screenshot({ path: path.join(SHOTS, 'clearing-desktop.png'), fullPage: true });
  }
  await context.close();
});
