import type { FastifyInstance } from 'fastify';
import { chromium, type Browser, type Page } from 'playwright-core';
import { DEMO_PASSWORD } from '../../src/demo/staff.ts';

// The browser tests' shared setup: the app served on a free port and Debian's Chromium
// (never a browser download), headless; and a staff member's sign-in through the sign-in page.

export interface Site {
  base: string;
  browser: Browser;
}

export async function openSite(app: FastifyInstance): Promise<Site> {
  await app.listen({ port: 0, host: '127.0.0.1' });
  const base = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`;
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage'],
  });
  return { base, browser };
}

/** Signs a demo staff member in (the demo password) and waits for the staff menu. */
export async function signInStaff(page: Page, base: string, username: string): Promise<void> {
  await page.goto(base + '/signin');
  await page.getByRole('tab', { name: '工作人员' }).click();
  await page.getByLabel('账号').fill(username);
  await page.getByLabel('密码').fill(DEMO_PASSWORD);
  await page.getByRole('button', { name: '登录' }).click();
  await page.getByRole('navigation', { name: '主菜单' }).waitFor();
}
