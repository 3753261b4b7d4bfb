import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import type { Fixtures } from '../../src/demo/generate.ts';
import { SESSION_COOKIE } from '../../src/server/auth/hook.ts';
import { personCookie, staffCookie } from '../support/auth.ts';
import { seededSite } from '../support/browser.ts';

// The window clerk's workbench and the supervisor's service dashboard in Debian's Chromium on
// the seeded demo: a number waits at the clerk's point (put in the table directly, since taking
// one needs the point open and this test runs at any hour), the clerk calls it and marks it
// served; a resident's online application is accepted and then completed from the queue, one
// step at a time; Hunan's supervisor sees the same figures the summary API gives.
// YIBAO_SCREENSHOTS=dir saves window.png and service-dashboard.png.

const SHOTS = process.env.YIBAO_SCREENSHOTS ? path.resolve(process.env.YIBAO_SCREENSHOTS) : undefined;
const committed = JSON.parse(fs.readFileSync(path.resolve(import.meta.dirname, '../../demo/fixtures.json'), 'utf8')) as Fixtures;
const RESIDENT = committed.personas.find((p) => p.key === 'zhuzhou_employee_with_account')!;
const DESKTOP = { viewport: { width: 1280, height: 900 }, locale: 'zh-CN', timezoneId: 'Asia/Shanghai' };

const site = seededSite(60);

async function asStaff(username: string, role: string, regions: string[]) {
  const cookie = await staffCookie(site.db.pool, { username, role: role as 'clerk', regions });
  const context = await site.browser.newContext(DESKTOP);
  context.setDefaultTimeout(20_000);
  await context.addCookies([{ name: SESSION_COOKIE, value: cookie.split('=')[1]!, url: site.base }]);
  return { context, cookie, page: await context.newPage() };
}

test('the clerk calls a waiting number, marks it served, and moves an application through the queue', async () => {
  const { context, page } = await asStaff('zz.clerk', 'clerk', ['430200']);
  await page.goto(`${site.base}/staff/window`);
  await page.getByRole('heading', { name: '窗口工作台' }).waitFor();
  const point = await page.getByLabel('服务网点').inputValue();
  assert.ok(point.startsWith('SP4302'), `a Zhuzhou point is chosen: ${point}`);
  await site.db.pool.query(
    `INSERT INTO service_tickets (point_code, day, ticket_no, state, taken_by, taken_at) VALUES ($1, (now() AT TIME ZONE 'Asia/Shanghai')::date, 'A900', 'waiting', 'test', now())`, [point]);
  await page.reload();
  await page.getByTestId('ticket').filter({ hasText: 'A900' }).waitFor();
  await page.getByRole('button', { name: '叫下一号' }).click();
  await page.getByRole('status').filter({ hasText: 'A900' }).waitFor();
  const row = page.getByTestId('ticket').filter({ hasText: 'A900' });
  await row.getByText('已叫号').waitFor();
  await row.getByRole('button', { name: '办结' }).click();
  await row.getByText('已办结').waitFor();
  const stored = await site.db.pool.query(`SELECT state, called_by FROM service_tickets WHERE point_code = $1 AND ticket_no = 'A900'`, [point]);
  assert.deepEqual(stored.rows.map((r) => r.state), ['served']);
  assert.ok(String(stored.rows[0]!.called_by).includes('zz.clerk'), String(stored.rows[0]!.called_by));

  // a resident applies online; the clerk finds it received, accepts it, then completes it
  const person = await personCookie(site.db.pool, RESIDENT.psn_no);
  const applied = await site.app.inject({ method: 'POST', url: '/api/v1/applications', headers: { cookie: person }, payload: { psn_no: RESIDENT.psn_no, item_code: 'insurance_query', materials: [{ code: 'id_card', ref: 'id.jpg' }] } });
  assert.equal(applied.statusCode, 201, applied.body);
  const no = applied.json().application_no as string;
  await page.reload();
  const app = page.getByTestId('queue-application').filter({ hasText: no });
  await app.getByRole('button').first().click();
  // received: accept or refuse, never complete
  assert.equal(await app.getByRole('button', { name: '办结' }).count(), 0);
  await app.getByRole('button', { name: '受理转办理' }).click();
  // it leaves the received queue for the in-process one, where it is completed
  await app.waitFor({ state: 'detached' });
  await page.getByLabel('状态').selectOption('in_process');
  // the application stays open on the workbench as it changes queue
  assert.equal(await app.getByRole('button').first().getAttribute('aria-expanded'), 'true');
  await app.getByRole('button', { name: '办结' }).click();
  await app.waitFor({ state: 'detached' });
  await page.getByLabel('状态').selectOption('completed');
  await app.waitFor();
  const done = await site.app.inject({ method: 'GET', url: `/api/v1/applications/${no}`, headers: { cookie: person } });
  assert.equal(done.json().status, 'completed');
  assert.deepEqual(done.json().events.map((e: { move: string }) => e.move), ['submit', 'accept', 'complete']);
  if (SHOTS) { fs.mkdirSync(SHOTS, { recursive: true }); await page.screenshot({ path: path.join(SHOTS, 'window.png'), fullPage: true }); }
  await context.close();
});

test('the supervisor\'s service dashboard shows the summary API\'s figures', async () => {
  const { context, cookie, page } = await asStaff('hn.supervisor', 'supervisor', ['430000']);
  const api = await site.app.inject({ method: 'GET', url: '/api/v1/service-summary', headers: { cookie } });
  assert.equal(api.statusCode, 200, api.body);
  const s = api.json();
  assert.ok(s.by_item_state.length > 0, 'the demo has applications in Hunan');
  await page.goto(`${site.base}/staff/service-dashboard`);
  await page.getByRole('heading', { name: '经办服务看板' }).waitFor();
  assert.equal(await page.getByTestId('open').textContent(), String(s.deadlines.open));
  const kept = s.deadlines.kept_share === null ? '—' : `${(s.deadlines.kept_share * 100).toFixed(1)}%`;
  assert.equal(await page.getByTestId('kept').textContent(), kept);
  assert.equal(await page.getByTestId('ratings').locator('tbody tr').count(), s.ratings.length);
  assert.equal(await page.getByTestId('by-item').locator('tbody tr').count(), new Set(s.by_item_state.map((r: { item_code: string }) => r.item_code)).size);
  if (SHOTS) { fs.mkdirSync(SHOTS, { recursive: true }); await page.screenshot({ path: path.join(SHOTS, 'service-dashboard.png'), fullPage: true }); }
  await context.close();
});
