import type { AgreementFact } from '../../engine/eligibility.ts';
import type { FilingPolicy } from '../../engine/filing-rules.ts';
import type { ChronicDisease } from '../../engine/chronic-disease.ts';
import { together, type Queryable } from '../db.ts';
import { agreementFactsFor } from './agreements.ts';
import { loadFilingPolicy } from './common.ts';
import { nationalDiseases } from './recognitions.ts';

// The reference data an eligibility check reads for an insured region: the national chronic
// disease list, the region's agreements and its filing policy. It changes a few times a year
// and is read on every registration, so each process keeps it, keyed by the database's
// reference generation (migration 007), which every change moves in its own transaction.
// The generation is read with the person's own facts (no extra statement); the cached data
// is used only when it was loaded under that same generation, so a change is seen at once.

export interface RegionReference {
  nationalDiseases: ChronicDisease[];
  agreements: AgreementFact[];
  policy: FilingPolicy;
}

let cached: { generation: number; regions: Map<string, RegionReference> } = { generation: -1, regions: new Map() };

/**
 * The reference data of insured region `home` as of `generation` (read by the caller, in the
 * same transaction, before this call): from the cache, or loaded in one round trip.
 */
export async function regionReference(q: Queryable, generation: number, home: string): Promise<RegionReference> {
  if (cached.generation !== generation) cached = { generation, regions: new Map() };
  const hit = cached.regions.get(home);
  if (hit) return hit;
  const mine = cached;
  const b = together(q);
  const [national, agreements, policy] = await Promise.all([nationalDiseases(b), agreementFactsFor(b, home), loadFilingPolicy(b, home)]);
  const ref = { nationalDiseases: national, agreements, policy };
  // Loaded after the generation was read: at worst newer than it, never older. A newer
  // generation seen meanwhile has replaced `cached`; this result then goes nowhere.
  if (cached === mine) mine.regions.set(home, ref);
  return ref;
}
