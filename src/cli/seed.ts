import fs from 'node:fs';
import path from 'node:path';
import type { Config } from '../server/config.ts';
import { seedDemo, type Fixtures } from '../demo/generate.ts';
import { createPool, ensureDatabase, type Pool } from '../store/db.ts';
import { startEmbeddedPostgres } from '../store/embedded.ts';
import { migrate } from '../store/migrate.ts';
import { readConfig } from '../server/config.ts';
import { DETAIL_COUNTIES } from '../demo/places.ts';
import { importRegions } from '../store/registry/regions.ts';
import { refreshDashboard } from '../store/dashboard.ts';

// Demo data: loaded on the first start of `yibao serve` (an empty database), or explicitly
// with `yibao seed [--fixtures FILE]`. Its size is YIBAO_DEMO_PERSONS (default 2000).

export function writeFixtures(file: string, fixtures: Fixtures): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, JSON.stringify(fixtures, null, 2) + '\n');
}

/** Seeds an empty database; a database that holds the demo already is left alone. */
export async function seedOnFirstStart(pool: Pool, config: Config, log: (line: string) => void): Promise<void> {
  const fixtures = await seedDemo(pool, { persons: config.demoPersons, extraPoolingRegions: config.extraPoolingRegions, log: (l) => log(`demo: ${l}`) });
  if (fixtures) {
    await refreshDashboard(pool);
    const file = path.join(config.dataDir, 'fixtures.json');
    writeFixtures(file, fixtures);
    log(`demo: personas and named institutions written to ${file}`);
  }
}

/** `yibao seed [--fixtures FILE]`: seeds the configured database and exits; `yibao seed --regions` re-imports the regions only. */
export async function seedCommand(args: string[]): Promise<void> {
  const config = readConfig();
  const log = (line: string): void => console.log(`[yibao] ${line}`);
  const i = args.indexOf('--fixtures');
  const fixturesFile = i >= 0 ? args[i + 1] : undefined;
  let url = config.databaseUrl;
  const embedded = url ? undefined : await startEmbeddedPostgres(path.join(config.dataDir, 'pg'));
  if (embedded) {
    await ensureDatabase(embedded.url('postgres'), 'yibao');
    url = embedded.url('yibao');
  }
  const pool = createPool(url!);
  try {
    await migrate(pool, log);
    if (args.includes('--regions')) {
      // Re-import the regions with the current pooling configuration (also on a seeded database).
      const r = await importRegions(pool, { detailCounties: DETAIL_COUNTIES, extraPoolingRegions: config.extraPoolingRegions });
      log(`regions: ${r.count} imported`);
      return;
    }
    const fixtures = await seedDemo(pool, { persons: config.demoPersons, extraPoolingRegions: config.extraPoolingRegions, log: (l) => log(`demo: ${l}`) });
    if (fixtures) await refreshDashboard(pool);
    if (!fixtures) log('the database already holds the demo (or YIBAO_DEMO_PERSONS=0); nothing to do');
    else if (fixturesFile) {
      writeFixtures(path.resolve(fixturesFile), fixtures);
      log(`fixtures written to ${fixturesFile}`);
    }
  } finally {
    await pool.end();
    if (embedded) await embedded.stop();
  }
}
