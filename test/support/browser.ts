import { after, before } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { chromium, type Browser, type Page } from 'playwright-core';
import { seedAll } from '../../src/cli/seed.ts';
import { DEMO_PASSWORD } from '../../src/demo/staff.ts';
import { buildApp } from '../../src/server/app.ts';
import { readConfig } from '../../src/server/config.ts';
import { freshDatabase, type TestDatabase } from './db.ts';

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

export interface SeededSite extends Site {
  db: TestDatabase;
  app: FastifyInstance;
}

/**
 * The test file's site on the seeded demo of `demoPersons` persons: a fresh database, the app on
 * a free port and Chromium, opened before the file's tests and closed after them (the fields are
 * set once `before` has run).
 */
export function seededSite(demoPersons: number): SeededSite {
  const site = {} as SeededSite;
  before(async () => {
    site.db = await freshDatabase();
    await seedAll(site.db.pool, { ...readConfig({}), demoPersons }, () => undefined);
    site.app = await buildApp({ pool: site.db.pool, now: () => new Date() });
    Object.assign(site, await openSite(site.app));
  });
  after(async () => {
    await site.browser?.close();
    await site.app?.close();
    await site.db?.drop();
  });
  return site;
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
