import cluster from 'node:cluster';
import { readConfig, type Config } from '../server/config.ts';
import { buildApp } from '../server/app.ts';
import { loadFederation } from '../server/federation/node.ts';
import { createPool } from '../store/db.ts';
import { openDatabase } from './database.ts';
import { seedOnFirstStart } from './seed.ts';
import { aggregateForWorkers } from '../server/metrics.ts';
import { dashboardRefreshedAt, recountDueIn, refreshDashboard } from '../store/dashboard.ts';

// `yibao serve`. The primary process owns the database (starts the embedded server, migrates,
// seeds); HTTP is served by YIBAO_WORKERS processes sharing the port through node:cluster,
// since one Node process saturates one core long before PostgreSQL is busy. With one worker
// the primary serves HTTP itself.

const log = (line: string): void => console.log(`[yibao] ${line}`);
/** The federation directory and keys when YIBAO_FEDERATION names them (docs/federation.md). */
function federationOf(config: Config): { federation?: ReturnType<typeof loadFederation> } {
  return config.federationFile ? { federation: loadFederation(config.federationFile) } : {};
}

const RECOUNT_EVERY_MS = 10 * 60_000; // the dashboard's figures

export async function serve(): Promise<void> {
  const config = readConfig();
  if (cluster.isWorker) return serveWorker(config);
  const started = performance.now();
  const db = await openDatabase(config, log);
  await seedOnFirstStart(db.pool, config, log);

  let stopping = false;
  let stopHttp: () => Promise<void>;
  if (config.workers <= 1) {
    const app = await buildApp({ pool: db.pool, now: () => new Date(), fhirBase: config.fhirBase, admission: config.admission, metricsToken: config.metricsToken, logLevel: config.logLevel === 'silent' ? undefined : config.logLevel, ...federationOf(config) });
    await app.listen({ port: config.port, host: config.host });
    stopHttp = () => app.close();
  } else {
    // A gateway message allocates many short-lived objects; a larger young generation lets
    // most of them die without being copied (fewer, cheaper scavenges under load).
    aggregateForWorkers(); // GET /metrics on any worker answers the sum over all of them
    cluster.setupPrimary({ execArgv: [...process.execArgv, '--max-semi-space-size=32'] });
    const fork = (): void => {
      const worker = cluster.fork({ DATABASE_URL: db.url });
      worker.on('exit', (code, signal) => {
        if (stopping) return;
        // A worker told to stop (SIGTERM, exit 0) is not replaced; one that crashed is.
        if (code === 0) return log(`worker ${worker.process.pid} stopped`);
        log(`worker ${worker.process.pid} exited (${signal ?? code}); starting another`);
        fork();
      });
    };
    const listening = new Promise<void>((resolve) => {
      let n = 0;
      cluster.on('listening', () => void (++n === config.workers && resolve()));
    });
    for (let i = 0; i < config.workers; i++) fork();
    await listening;
    stopHttp = async () => {
      const exits = Object.values(cluster.workers ?? {}).map((w) => new Promise((r) => w!.once('exit', r)));
      for (const w of Object.values(cluster.workers ?? {})) w!.process.kill('SIGTERM');
      await Promise.all(exits);
    };
  }
  log(`ready on http://localhost:${config.port} (${config.workers} worker${config.workers > 1 ? 's' : ''}) in ${Math.round(performance.now() - started)} ms`);
  // The dashboard's pre-aggregated figures are recounted by the primary only: every 10
  // minutes, on demand through the API, and at start unless the last recount is younger than
  // that (a restart under load should not spend the database's CPU on figures it has).
  // The recount of a million persons costs the database seconds of CPU; the log lines tell
  // operators (and the bench, which measures the steady state after them) where it stands.
  const refresh = (): void => {
    const t0 = performance.now();
    refreshDashboard(db.pool).then(
      () => log(`dashboard figures recounted in ${Math.round(performance.now() - t0)} ms`),
      (err: Error) => stopping || log(`dashboard refresh failed: ${err.message}`),
    );
  };
  let refresher: NodeJS.Timeout | undefined;
  const firstIn = recountDueIn(await dashboardRefreshedAt(db.pool), new Date(), RECOUNT_EVERY_MS);
  if (firstIn > 0) log(`dashboard figures recounted ${Math.round((RECOUNT_EVERY_MS - firstIn) / 1000)} s ago; next recount in ${Math.round(firstIn / 1000)} s`);
  const first = setTimeout(() => {
    refresh();
    refresher = setInterval(refresh, RECOUNT_EVERY_MS);
    refresher.unref();
  }, firstIn);
  first.unref();

  const shutdown = async (signal: string): Promise<void> => {
    if (stopping) return;
    stopping = true;
    clearTimeout(first);
    clearInterval(refresher);
    log(`${signal}: stopping`);
    await stopHttp();
    await db.close();
    process.exit(0);
  };
  process.on('SIGINT', () => void shutdown('SIGINT'));
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
}

/** One HTTP worker: the primary has migrated and seeded; DATABASE_URL points at its database. */
async function serveWorker(config: Config): Promise<void> {
  const pool = createPool(config.databaseUrl!);
  const app = await buildApp({ pool, now: () => new Date(), fhirBase: config.fhirBase, admission: config.admission, metricsToken: config.metricsToken, logLevel: config.logLevel === 'silent' ? undefined : config.logLevel, ...federationOf(config) });
  await app.listen({ port: config.port, host: config.host });
  const stop = async (): Promise<void> => {
    await app.close();
    await pool.end();
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop());
  // A primary killed without warning must not leave workers holding the port.
  process.on('disconnect', () => void stop());
  // Ctrl-C reaches the whole process group: the primary decides how workers stop.
  process.on('SIGINT', () => undefined);
}
