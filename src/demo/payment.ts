import type { Pool } from '../store/db.ts';
import { inTransaction } from '../store/db.ts';
import { insertHistory, type HistoryRow } from '../store/payment/dip.ts';
import { poolingRegionOf } from '../store/cooperation/common.ts';
import { chinaDate } from '../engine/calendar.ts';
import type { Fixtures } from './generate.ts';
import { Prng } from './prng.ts';
import { STAY_TEMPLATES } from './stays.ts';

// The demo's DIP history: Zhuzhou pays by DIP, whose catalog is built from the three years
// before. yibao holds no stays of those years, so the demo imports what a region's earlier
// system would hand over — each hospital's stays of the demo's templates, about what such a
// stay costs, a few far above or below — as an import batch (dip_history), deterministic.

export const DIP_DEMO_REGION = '430200';

export async function seedDemoDipHistory(pool: Pool, fixtures: Fixtures, now: Date, log: (line: string) => void): Promise<number> {
  const rng = new Prng(`${fixtures.seed}:dip-history`);
  const year = Number(chinaDate(now).slice(0, 4));
  const hospitals = [];
  for (const inst of fixtures.institutions) {
    if (inst.fixmedins_type === '1' && inst.settles_inpatient && (await poolingRegionOf(pool, inst.admdvs)) === DIP_DEMO_REGION) hospitals.push(inst);
  }
  const rows: HistoryRow[] = [];
  for (const [i, y] of [year - 3, year - 2, year - 1].entries()) {
    for (const h of hospitals) {
      for (const t of STAY_TEMPLATES) {
        // A little more each year (prices rise, the hospital grows).
        const n = rng.between(12, 24) + i * 2;
        for (let k = 0; k < n; k++) {
          const spread = rng.chance(0.04) ? rng.between(220, 380) : rng.chance(0.05) ? rng.between(25, 45) : rng.between(65, 135);
          rows.push({
            year: y, fixmedins_code: h.fixmedins_code, principal_diagnosis: t.principal.code, main_procedure: t.procedures[0]?.code ?? null,
            total_cost_fen: Math.round((t.typical_yuan * (96 + 2 * i) * spread) / 100),
          });
        }
      }
    }
  }
  const n = await inTransaction(pool, (q) => insertHistory(q, DIP_DEMO_REGION, `demo-${year - 3}-${year - 1}`, rows, now));
  log(`DIP history of ${DIP_DEMO_REGION}: ${n} stays of ${year - 3}-${year - 1} at ${hospitals.length} hospitals`);
  return n;
}
