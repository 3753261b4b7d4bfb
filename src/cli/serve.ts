import { readConfig } from '../server/config.ts';
import { buildApp } from '../server/app.ts';
import { openDatabase } from './database.ts';
import { seedOnFirstStart } from './seed.ts';
import { refreshDashboard } from '../store/dashboard.ts';

export async function serve(): Promise<void> {
  const started = performance.now();
  const config = readConfig();
  const log = (line: string): void => console.log(`[yibao] ${line}`);

  const db = await openDatabase(config, log);
  const pool = db.pool;
  await seedOnFirstStart(pool, config, log);

  const app = await buildApp({ pool, now: () => new Date(), logLevel: config.logLevel === 'silent' ? undefined : 'warn' });
  await app.listen({ port: config.port, host: config.host });
  log(`ready on http://localhost:${config.port} in ${Math.round(performance.now() - started)} ms`);
  // The dashboard's enrollment figures are counted once per start (and on demand), not per view.
  const refresh = (): void => void refreshDashboard(pool).catch((err: Error) => log(`dashboard refresh failed: ${err.message}`));
  refresh();
  const refresher = setInterval(refresh, 10 * 60_000);
  refresher.unref();

  let stopping = false;
  const shutdown = async (signal: string): Promise<void> => {
    if (stopping) return;
    stopping = true;
    log(`${signal}: stopping`);
    await app.close();
    await db.close();
    process.exit(0);
  };
  process.on('SIGINT', () => void shutdown('SIGINT'));
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
}
