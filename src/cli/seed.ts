import fs from 'node:fs';
import path from 'node:path';
import type { Config } from '../server/config.ts';
import { readConfig } from '../server/config.ts';
import { seedDemo, type Fixtures } from '../demo/generate.ts';
import { seedCooperationForFixtures } from '../demo/cooperation.ts';
import { demoSettlementCount, seedDemoSettlements } from '../demo/settlements.ts';
import { seedPlantedClaims } from '../demo/planted.ts';
import { seedDemoInvestigations } from '../demo/investigations.ts';
import { seedDemoAssistance } from '../demo/assistance.ts';
import { runScan } from '../app/supervision/scan.ts';
import { addDays, chinaDate } from '../engine/calendar.ts';
import { seedDemoAdvanceFunds } from '../demo/clearing.ts';
import { seedDemoDipHistory } from '../demo/payment.ts';
import type { Pool } from '../store/db.ts';
import { DETAIL_COUNTIES } from '../demo/places.ts';
import { importRegions } from '../app/registry/regions.ts';
import { refreshDashboard } from '../store/dashboard.ts';
import { openDatabase } from './database.ts';
import { seedFederationDemo } from '../demo/federation.ts';
import { loadFederation } from '../server/federation/node.ts';

// Demo data: loaded on the first start of `yibao serve` (an empty database), or explicitly
// with `yibao seed [--fixtures FILE]`. Its size is YIBAO_DEMO_PERSONS (default 2000).

export function writeFixtures(file: string, fixtures: Fixtures): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, JSON.stringify(fixtures, null, 2) + '\n');
}

/**
 * Seeds an empty database: the registry's demo, then the cooperation demo (the 赣湘 agreement,
 * filings, recognitions) for its personas, then settlements through the gateway. A database that holds the demo already is left alone.
 */
export async function seedAll(pool: Pool, config: Config, log: (line: string) => void): Promise<Fixtures | undefined> {
  const fixtures = await seedDemo(pool, { persons: config.demoPersons, extraPoolingRegions: config.extraPoolingRegions, log: (l) => log(`demo: ${l}`) });
  if (!fixtures) return undefined;
  const now = new Date();
  const coop = await seedCooperationForFixtures(pool, fixtures, now, (l) => log(`demo: ${l}`));
  log(`demo: agreement ${coop.agreementNo}, ${coop.filings.length} filings, ${coop.recognitions.length} recognitions, ${coop.messagesSent} notifications`);
  // Zhuzhou's DIP catalog needs its earlier years before its stays are priced.
  await seedDemoDipHistory(pool, fixtures, now, (l) => log(`demo: ${l}`));
  // Settlements through the gateway, so the money views and the portal have something to show.
  const started = performance.now();
  const setl = await seedDemoSettlements(pool, fixtures, { now, count: demoSettlementCount(config.demoPersons) });
  log(`demo: ${setl.settlements} settlements through the gateway (${setl.outpatient} outpatient, ${setl.inpatient} inpatient, ${setl.crossRegion} cross-region) in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  // Among them, wrong claims of every kind the supervision rules look for, and the scan that finds them.
  await seedPlantedClaims(pool, fixtures, { now, log: (l) => log(`demo: ${l}`) });
  const scan = await runScan(pool, { scope: 'all', from: addDays(chinaDate(now), -365), to: chinaDate(now), incremental: false, by: 'demo', now });
  log(`demo: supervision scan ${scan.id}: ${scan.claims} claims, ${scan.found} findings`);
  // 协查 between the 赣湘 members: one request run through its closed loop, one waiting near its deadline.
  await seedDemoInvestigations(pool, fixtures, now, (l) => log(`demo: ${l}`));
  await seedDemoAdvanceFunds(pool, now, (l) => log(`demo: ${l}`));
  // 医疗救助 on application (after the settlements whose burden it assists), and the subsidy runs.
  await seedDemoAssistance(pool, fixtures, now, (l) => log(`demo: ${l}`));
  await refreshDashboard(pool); // the dashboard's enrollment and settlement figures
  return fixtures;
}

/** One deployment of a federation (docs/federation.md "Running two deployments"): its own regions' persons only; false when already seeded. */
async function seedFederation(pool: Pool, config: Config, log: (line: string) => void): Promise<boolean> {
  const directory = loadFederation(config.federationFile!).directory;
  const fed = await seedFederationDemo(pool, { directory, persons: config.demoPersons, extraPoolingRegions: config.extraPoolingRegions, log: (l) => log(`demo: ${l}`) });
  if (fed) await refreshDashboard(pool);
  return fed !== undefined;
}

export async function seedOnFirstStart(pool: Pool, config: Config, log: (line: string) => void): Promise<void> {
  if (config.demo === 'federation' && config.demoPersons > 0) {
    await seedFederation(pool, config, log);
    return;
  }
  const fixtures = await seedAll(pool, config, log);
  if (fixtures) {
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
  const db = await openDatabase(config, log);
  try {
    if (args.includes('--regions')) {
      // Re-import the regions with the current pooling configuration (also on a seeded database).
      const r = await importRegions(db.pool, { detailCounties: DETAIL_COUNTIES, extraPoolingRegions: config.extraPoolingRegions });
      log(`regions: ${r.count} imported`);
      return;
    }
    if (config.demo === 'federation' && config.demoPersons > 0) {
      if (!(await seedFederation(db.pool, config, log))) log('the database already holds the demo; nothing to do');
      return;
    }
    const fixtures = await seedAll(db.pool, config, log);
    if (!fixtures) log('the database already holds the demo (or YIBAO_DEMO_PERSONS=0); nothing to do');
    else if (fixturesFile) {
      writeFixtures(path.resolve(fixturesFile), fixtures);
      log(`fixtures written to ${fixturesFile}`);
    }
  } finally {
    await db.close();
  }
}
