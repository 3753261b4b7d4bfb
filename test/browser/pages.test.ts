import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { buildApp } from '../../src/server/app.ts';
import { seedDemo } from '../../src/demo/generate.ts';
import { dashboardRefreshedAt, refreshDashboard } from '../../src/store/dashboard.ts';
import { LoggingSender } from '../../src/store/cooperation/notifications.ts';
import { freshDatabase, type TestDatabase } from '../support/db.ts';
import { openSite, signInStaff } from '../support/browser.ts';
import { envelope, post } from '../support/gateway-world.ts';
import { dateTime } from '../../src/server/gateway/time.ts';
import { plainWords } from '../../src/engine/explanation-words.ts';
import type { ExplanationStep } from '../../src/engine/settle.ts';

// The pages in Debian's Chromium (playwright-core, never a downloaded browser) against the
// platform serving its own build, on the demo data: the transferred Deyang employee signs in
// with a code, sees both provinces' contributions and files for care in Deyang; a Changsha clerk
// approves it within its deadline; the person sees it approved; a settlement's explanation adds
// up; a Deyang clerk cannot see the Changsha person. YIBAO_SCREENSHOTS=dir saves every main page
// at phone (390 px) and desktop (1280 px) widths.

const PERSON = { certno: '51060319830508251X', name: '周志华' };
const SHOTS = process.env.YIBAO_SCREENSHOTS ? path.resolve(process.env.YIBAO_SCREENSHOTS) : undefined;
const PHONE = { width: 390, height: 844 };
const DESKTOP = { width: 1280, height: 860 };

let db: TestDatabase;
let app: FastifyInstance;
let browser: Browser;
let base: string;
const sms = new LoggingSender('sms');

before(async () => {
  db = await freshDatabase();
  await seedDemo(db.pool, { persons: 60 });
  await refreshDashboard(db.pool);
  app = await buildApp({ pool: db.pool, now: () => new Date(), codeSender: sms });
  ({ base, browser } = await openSite(app));
});
after(async () => {
  await browser?.close();
  await app?.close();
  await db?.drop();
});

async function newPage(viewport = DESKTOP): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({ viewport, locale: 'zh-CN', timezoneId: 'Asia/Shanghai' });
  context.setDefaultTimeout(15_000);
  return { context, page: await context.newPage() };
}

/** Saves the page at both widths (when asked to), leaving it at the width it had. */
async function shoot(page: Page, name: string): Promise<void> {
  if (!SHOTS) return;
  fs.mkdirSync(SHOTS, { recursive: true });
  const was = page.viewportSize() ?? DESKTOP;
  for (const [label, size] of [['phone', PHONE], ['desktop', DESKTOP]] as const) {
    await page.setViewportSize(size);
    await page.waitForTimeout(250); // charts resize on the window's resize event
    await page.screenshot({ path: path.join(SHOTS, `${name}-${label}.png`), fullPage: true });
  }
  await page.setViewportSize(was);
}

const staffSignIn = (page: Page, username: string): Promise<void> => signInStaff(page, base, username);

const money = (s: string | null): number => Math.round(Number((s ?? '').replace(/,/g, '')) * 100);

/** Text an insured person reads must not show the engine's keys (ratio_cut_bp, cap_rule …) or rule paths (/outpatient/…). */
function assertNoRawKeys(text: string, where: string): void {
  assert.doesNotMatch(text, /_bp\b|\bbp\b/, `${where} shows basis points: ${text}`);
  assert.doesNotMatch(text, /\b[a-z0-9]+_[a-z0-9_]+\b/, `${where} shows a parameter key: ${text}`);
  assert.doesNotMatch(text, /\/[a-z_]+\//, `${where} shows a rule path: ${text}`);
  assert.doesNotMatch(text, /rounding|undefined|NaN/, `${where} shows an unrendered value: ${text}`);
}

let filingNo = '';
let person: { context: BrowserContext; page: Page };

test('an insured person signs in with a code and sees contributions from two provinces', async () => {
  person = await newPage(PHONE);
  const { page } = person;
  await page.goto(base + '/');
  await page.waitForURL('**/signin');
  await shoot(page, 'signin');
  await page.getByLabel('身份证号').fill(PERSON.certno);
  await page.getByRole('button', { name: '获取验证码' }).click();
  await page.getByLabel('短信验证码').waitFor();
  const code = /(\d{6})/.exec(sms.sent.at(-1)?.text ?? '')?.[1];
  assert.ok(code, 'the logging sender carried the code');
  await page.getByLabel('短信验证码').fill(code);
  await page.getByRole('button', { name: '登录' }).click();
  await page.getByRole('heading', { name: `${PERSON.name}，您好` }).waitFor();
  assert.equal(await page.getByTestId('province-count').textContent(), '2');
  const periods = await page.getByTestId('period').allTextContents();
  assert.ok(periods.some((p) => p.includes('四川省')), `a Sichuan period: ${periods.join(' | ')}`);
  assert.ok(periods.some((p) => p.includes('湖南省')), `a Hunan period: ${periods.join(' | ')}`);
  assert.ok(periods.every((p) => /缴费 \d+ 笔/.test(p)), 'contributions in each province');
  await shoot(page, 'portal-home');
  // Elder mode: larger type, higher contrast, the three common tasks as big buttons.
  await page.getByRole('button', { name: '长辈模式' }).click();
  assert.equal(await page.getByRole('button', { name: '长辈模式' }).getAttribute('aria-pressed'), 'true');
  await page.getByRole('link', { name: '办理异地就医备案' }).waitFor();
  await shoot(page, 'portal-home-elder');
  await page.getByRole('button', { name: '长辈模式' }).click();
});

test('the person files for care in Deyang and follows it', async () => {
  const { page } = person;
  await page.getByRole('link', { name: '异地就医备案' }).click();
  await page.getByRole('heading', { name: '异地就医备案' }).waitFor();
  await page.getByLabel('就医省份').selectOption({ label: '四川省' });
  await page.getByLabel('就医城市').selectOption({ label: '德阳市' });
  await page.getByLabel('居住证明（编号或说明）').fill('德阳市旌阳区居住证明 2026-118');
  await page.getByRole('button', { name: '提交备案' }).click();
  const done = await page.getByText(/已提交，备案号/).textContent();
  filingNo = /备案号 (\S+?)。/.exec(done ?? '')?.[1] ?? '';
  assert.ok(filingNo, `a filing number in: ${done}`);
  const item = page.locator(`[data-filing-no="${filingNo}"]`);
  await item.getByText('待审核').waitFor();
  await shoot(page, 'portal-filings');
  for (const [link, heading, name] of [['门诊慢特病', '门诊慢特病认定', 'portal-recognitions'], ['消息', '消息', 'portal-inbox'], ['附近定点机构', '附近的定点医院和药店', 'portal-nearby']] as const) {
    await page.getByRole('link', { name: link, exact: true }).click();
    await page.getByRole('heading', { name: heading, exact: true }).waitFor();
    await page.waitForLoadState('networkidle');
    await shoot(page, name);
  }
});

test('a Changsha clerk approves the filing within its working-day deadline', async () => {
  const { context, page } = await newPage();
  await staffSignIn(page, 'cs.clerk');
  await page.getByRole('heading', { name: '待办审核' }).waitFor();
  const item = page.locator(`[data-testid="queue-item"][data-no="${filingNo}"]`);
  const countdown = await item.locator('.badge').textContent();
  assert.match(countdown ?? '', /剩 \d+ 个工作日|今天到期/, 'not overdue');
  await shoot(page, 'staff-queues');
  await item.getByRole('button', { name: `审核 ${filingNo}` }).click();
  await item.getByLabel('审核意见').fill('居住证明齐全，同意备案');
  await item.getByRole('button', { name: '通过', exact: true }).click();
  await item.waitFor({ state: 'detached' });
  const row = await db.pool.query('SELECT status, decided_by, decided_at, review_due FROM filings WHERE filing_no = $1', [filingNo]);
  assert.equal(row.rows[0].status, 'effective');
  assert.equal(row.rows[0].decided_by, 'staff:cs.clerk');
  await context.close();
});

test('the person then sees the filing approved, with a message', async () => {
  const { page } = person;
  await page.goto(base + '/portal/filings');
  await page.locator(`[data-filing-no="${filingNo}"]`).getByText('已生效').waitFor();
  await page.goto(base + '/portal/inbox');
  await page.getByTestId('message').first().waitFor();
});

const DEYANG_HOSPITAL = { code: 'H51060300001', name: '德阳市人民医院', admdvs: '510600' };
let msgSerial = 0;

/** A message from the Deyang hospital's HIS through the real national gateway. */
async function his(infno: string, input: unknown, signNo = ''): Promise<Record<string, any>> {
  const now = new Date();
  const stamp = dateTime(now).replace(/\D/g, '');
  const res = await post(app, envelope(infno, input, {
    msgid: `${DEYANG_HOSPITAL.code}${stamp}${String(++msgSerial).padStart(4, '0')}`, fixmedins_code: DEYANG_HOSPITAL.code, fixmedins_name: DEYANG_HOSPITAL.name,
    mdtrtarea_admvs: DEYANG_HOSPITAL.admdvs, insuplc_admdvs: '430100', inf_time: dateTime(now), sign_no: signNo,
  }));
  assert.equal(res.body.infcode, 0, `${infno}: ${res.body.err_msg}`);
  return res.body.output;
}

test('with the filing in effect, a visit in Deyang settles directly and the person reads its explanation', async () => {
  const psn = await db.pool.query<{ psn_no: string }>('SELECT psn_no FROM persons WHERE certno = $1', [PERSON.certno]);
  const psnNo = psn.rows[0]!.psn_no;
  const signNo = (await his('9001', { signIn: { opter_no: '001', mac: '00-11-22-33-44-55', ip: '10.0.0.8' } })).signinoutb.sign_no as string;
  const begntime = dateTime(new Date());
  const reg = await his('2201', { data: { psn_no: psnNo, insutype: '310', begntime, mdtrt_cert_type: '02', mdtrt_cert_no: PERSON.certno, ipt_otp_no: 'MZ-DY-001', dept_code: '01', dept_name: '内科', caty: 'A03' } }, signNo);
  const mdtrtId = reg.data.mdtrt_id as string;
  await his('2203', { mdtrtinfo: { mdtrt_id: mdtrtId, psn_no: psnNo, med_type: '11', begntime }, diseinfo: [{ diag_type: '1', diag_srt_no: 1, diag_code: 'J06.900', diag_name: '急性上呼吸道感染', maindiag_flag: '1' }] }, signNo);
  const fee = (sn: string, codg: string, amount: number) => ({ feedetl_sn: sn, mdtrt_id: mdtrtId, psn_no: psnNo, med_list_codg: codg, det_item_fee_sumamt: amount, cnt: 1, pric: amount, fee_ocur_time: begntime });
  await his('2204', { feedetail: [fee('1', 'XJ01CAA040E001010102231', 12.5), fee('2', 'XC10AAA126A001010100417', 30.1), fee('3', '110200001', 10)] }, signNo);
  const setl = await his('2207', { data: { psn_no: psnNo, mdtrt_id: mdtrtId, medfee_sumamt: 52.6, acct_used_flag: '0', insutype: '310' } }, signNo);
  const paid = setl.setlinfo as { medfee_sumamt: number; fund_pay_sumamt: number; psn_cash_pay: number; acct_pay: number };

  // The person is still signed in from filing.
  const { context, page } = person;
  await page.goto(base + '/portal');
  await page.getByRole('heading', { name: `${PERSON.name}，您好` }).waitFor();
  await page.getByRole('link', { name: '结算明细' }).click();
  const ex = page.getByTestId('explanation').first();
  await ex.waitFor();
  const medfee = money(await ex.getByTestId('medfee').textContent());
  const funds = money(await ex.getByTestId('fund-sum').textContent());
  const acct = money(await ex.getByTestId('acct-pay').textContent());
  const cash = money(await ex.getByTestId('cash-pay').textContent());
  const hosp = (await ex.getByTestId('hosp-part').count()) ? money(await ex.getByTestId('hosp-part').textContent()) : 0;
  assert.equal(medfee, Math.round(paid.medfee_sumamt * 100), 'the page shows what 2207 answered');
  assert.equal(funds, Math.round(paid.fund_pay_sumamt * 100));
  assert.equal(cash, Math.round(paid.psn_cash_pay * 100));
  assert.equal(funds + acct + cash + hosp, medfee, 'the explanation adds up');
  const perFund = (await ex.getByTestId('fund-amount').allTextContents()).map(money);
  assert.equal(perFund.reduce((a, b) => a + b, 0), funds, 'each fund adds up to the fund total');
  assert.equal(await ex.getByTestId('adds-up').getAttribute('data-ok'), 'true');
  assert.ok((await ex.locator('.steps li').count()) >= 3, 'each step in words');
  // What the person reads is sentences: no parameter key, rule path or basis point in sight;
  // the engine's own record is behind 详细计算, closed.
  assertNoRawKeys(await page.locator('main').innerText(), 'the portal settlements page');
  // Each step reads as the shared sentence builder words it, from the stored explanation.
  const stored = await page.evaluate(async (psn): Promise<ExplanationStep[]> => {
    const list = (await (await fetch(`/api/v1/settlements?psn_no=${psn}`)).json()) as { items: Array<{ explanation: { steps: ExplanationStep[] } }> };
    return list.items[0]!.explanation.steps;
  }, psnNo);
  assert.deepEqual(await ex.locator('.steps li').allInnerTexts(), stored.map((st) => plainWords(st).zh));
  const technical = ex.getByTestId('technical');
  assert.equal(await technical.getAttribute('open'), null, 'the technical detail starts closed for the person');
  await shoot(page, 'portal-settlements');
  await technical.getByText('详细计算').click();
  assert.match(await technical.innerText(), /ratio_bp/, 'one click shows the parameter keys');
  await page.getByRole('button', { name: '切换到英文' }).click();
  assertNoRawKeys(await ex.locator('.steps').innerText(), 'the English explanation');
  assert.deepEqual(await ex.locator('.steps li').allInnerTexts(), stored.map((st) => plainWords(st).en));
  await page.getByRole('button', { name: 'Switch to Chinese' }).click();
  await context.close();
});

test('a Deyang clerk cannot see the Changsha-insured person; a Changsha clerk can', async () => {
  const deyang = await newPage();
  await staffSignIn(deyang.page, 'dy.clerk');
  await deyang.page.getByRole('link', { name: '人员查询' }).click();
  await deyang.page.getByLabel('身份证号').fill(PERSON.certno);
  await deyang.page.getByRole('button', { name: '查询' }).click();
  const alert = await deyang.page.getByRole('alert').textContent();
  assert.match(alert ?? '', /无权查看/);
  assert.equal(await deyang.page.getByText(PERSON.name).count(), 0, 'nothing of the person is shown');
  await deyang.context.close();

  const changsha = await newPage();
  await staffSignIn(changsha.page, 'cs.clerk');
  await changsha.page.getByRole('link', { name: '人员查询' }).click();
  await changsha.page.getByLabel('身份证号').fill(PERSON.certno);
  await changsha.page.getByRole('button', { name: '查询' }).click();
  await changsha.page.getByRole('heading', { name: new RegExp(PERSON.name) }).waitFor();
  await shoot(changsha.page, 'staff-persons');
  await changsha.page.getByRole('link', { name: '身份比对导入' }).click();
  await changsha.page.getByLabel('名单（CSV）').fill(`certno,psn_idet_type,begntime\n${PERSON.certno},2102,2026-01-01\n430102199901019999,2102,2026-01-01\n`);
  await changsha.page.getByRole('button', { name: '预览变更' }).click();
  await changsha.page.getByRole('heading', { name: /预览/ }).waitFor();
  await shoot(changsha.page, 'staff-imports');
  await changsha.context.close();
});

test("a settlement's explanation adds up to its amounts; the simulator shows a cost difference", async () => {
  const { context, page } = await newPage();
  await staffSignIn(page, 'cs.reviewer');
  await page.getByRole('link', { name: '政策与测算' }).click();
  await page.getByLabel('理赔样本').selectOption({ label: 'inpatient-dibao.claim.json (1)' });
  await page.getByRole('button', { name: '单笔结算说明' }).click();
  const ex = page.getByTestId('explanation');
  await ex.waitFor();
  const medfee = money(await ex.getByTestId('medfee').textContent());
  const funds = money(await ex.getByTestId('fund-sum').textContent());
  const acct = money(await ex.getByTestId('acct-pay').textContent());
  const cash = money(await ex.getByTestId('cash-pay').textContent());
  const hosp = (await ex.getByTestId('hosp-part').count()) ? money(await ex.getByTestId('hosp-part').textContent()) : 0;
  const perFund = (await ex.getByTestId('fund-amount').allTextContents()).map(money);
  assert.ok(medfee > 0 && perFund.length >= 2, 'an inpatient stay paid by more than one fund');
  assert.equal(funds + acct + cash + hosp, medfee, 'funds + account + cash (+ hospital) = total');
  assert.equal(perFund.reduce((a, b) => a + b, 0), funds, 'each fund adds up to the fund total');
  assert.equal(await ex.getByTestId('adds-up').getAttribute('data-ok'), 'true');
  assert.ok((await ex.locator('.steps li').count()) >= 3, 'every step explained');
  assertNoRawKeys(await ex.locator('.steps').innerText(), 'the simulator explanation');
  // On the staff workbench the technical detail is open: the rule paths and keys are there.
  assert.notEqual(await ex.getByTestId('technical').getAttribute('open'), null, 'open for staff');
  assert.match(await ex.getByTestId('technical').innerText(), /\/inpatient\/ratio_bp_by_lv\/\d/);

  await page.getByLabel('理赔样本').selectOption({ label: 'jiujiang-employees-2026.claims.jsonl (224)' });
  await page.getByRole('button', { name: '运行测算' }).click();
  const diff = await page.getByTestId('fund-difference').textContent();
  assert.match(diff ?? '', /^-?[\d.]+$/);
  assert.notEqual(diff, '0.00', 'the two Jiujiang versions differ in cost');
  await shoot(page, 'staff-policies');
  await context.close();
});

test('the supervisor dashboard shows enrollment, money flows and the direct-settlement rate', async () => {
  await refreshDashboard(db.pool); // figures are pre-aggregated; the Deyang settlement came after the first count
  const { context, page } = await newPage();
  await staffSignIn(page, 'hn.supervisor');
  await page.getByRole('heading', { name: '监管看板' }).waitFor();
  await page.getByRole('img', { name: '参保率柱状图' }).waitFor();
  await page.getByText('数据表').first().click();
  const rows = await page.locator('details table tbody tr').allTextContents();
  assert.deepEqual(rows.map((r) => r.slice(0, 3)), ['湖南省'], 'a Hunan supervisor sees Hunan only');
  await page.getByLabel('地区', { exact: true }).selectOption({ label: '湖南省' });
  await page.getByRole('heading', { name: '各市参保率' }).waitFor();
  const flows = await page.getByTestId('flows').locator('tbody tr').allTextContents();
  assert.ok(flows.some((f) => f.startsWith('湖南省') && f.includes('四川省')), `Hunan's insured treated in Sichuan: ${flows.join(' | ')}`);
  assert.match((await page.getByTestId('direct-rate').textContent()) ?? '', /%$/);
  // The figures say when they were counted (China time), here the recount at the test's start.
  // The region's figures may still be loading after the switch ("尚未汇总" meanwhile): wait for a date.
  const when = page.getByTestId('refreshed-at').locator('strong');
  await when.filter({ hasText: /\d/ }).waitFor();
  const asOf = (await when.textContent()) ?? '';
  const counted = await dashboardRefreshedAt(db.pool);
  const expected = counted!.toLocaleString('zh-CN', { timeZone: 'Asia/Shanghai', dateStyle: 'short', timeStyle: 'short' });
  assert.equal(asOf.replace(/\D/g, ''), expected.replace(/\D/g, ''), `the dashboard shows when its figures were counted: ${asOf}`);
  await page.waitForLoadState('networkidle');
  await shoot(page, 'dashboard');
  await context.close();
});

test('a contribution amount finer than a fen is refused on the page, naming yuan, and nothing is recorded', async () => {
  const count = async (): Promise<number> => (await db.pool.query<{ n: number }>('SELECT count(*)::int AS n FROM contributions c JOIN persons p USING (psn_no) WHERE p.certno = $1', [PERSON.certno])).rows[0]!.n;
  const before = await count();
  const { context, page } = await newPage();
  await staffSignIn(page, 'cs.clerk');
  await page.getByRole('link', { name: '人员查询' }).click();
  await page.getByLabel('身份证号').fill(PERSON.certno);
  await page.getByRole('button', { name: '查询' }).click();
  await page.getByRole('heading', { name: new RegExp(PERSON.name) }).waitFor();
  await page.getByLabel('金额（元）').fill('12.345');
  await page.getByRole('button', { name: '登记个人缴费' }).click();
  const alert = page.getByRole('alert').filter({ hasText: '应为金额' });
  await alert.waitFor();
  assert.match((await alert.textContent()) ?? '', /应为金额（元，最多两位小数）/);
  assert.equal(await count(), before, 'no contribution was recorded');
  await context.close();
});
