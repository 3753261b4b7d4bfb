// Regions: which divisions pool (统筹区), and which a person or an enrollment may be insured in.
// The divisions themselves come from the store (src/store/registry/regions.ts: the package's
// files and the rows).
import { invalid, notFound } from '../../engine/errors.ts';
import type { Queryable } from '../../store/db.ts';
import {
  getRegion, loadDivisions, MUNICIPALITIES, upsertRegions, type Division, type Region, type RegionImportOptions,
} from '../../store/registry/regions.ts';

/**
 * The pooling regions under the options: by default every prefecture-level city, and each
 * municipality as a whole; minus the cities that do not pool on their own, plus the extra ones.
 */
export function poolingRegionSet(rows: readonly Division[], opts: RegionImportOptions = {}): Set<string> {
  const nonPooling = new Set(opts.nonPoolingCities ?? []);
  const set = new Set<string>();
  for (const r of rows) {
    const prov = r.code.slice(0, 2);
    if (r.level === 'province' && MUNICIPALITIES.has(prov)) set.add(r.code);
    if (r.level === 'city' && !MUNICIPALITIES.has(prov) && !nonPooling.has(r.code)) set.add(r.code);
  }
  for (const extra of opts.extraPoolingRegions ?? []) set.add(extra);
  return set;
}

/**
 * Imports (or refreshes) the regions. Idempotent: codes already present are updated in place,
 * so a changed pooling configuration is applied by running it again. A division belongs to the
 * nearest pooling region among itself and its ancestors.
 */
export async function importRegions(q: Queryable, opts: RegionImportOptions = {}): Promise<{ count: number }> {
  const rows = await loadDivisions(opts);
  const byCode = new Map(rows.map((r) => [r.code, r]));
  for (const extra of opts.extraPoolingRegions ?? []) {
    if (!byCode.has(extra)) throw invalid('extraPoolingRegions', `统筹区 ${extra} 不是已知的行政区划`, `pooling region ${extra} is not a known division`);
  }
  const pooling = poolingRegionSet(rows, opts);
  const poolingOf = (code: string): string | null => {
    for (let r = byCode.get(code); r; r = r.parent ? byCode.get(r.parent) : undefined) {
      if (pooling.has(r.code)) return r.code;
    }
    return null;
  };
  await upsertRegions(q, rows.map((r) => ({ ...r, pooling_admdvs: poolingOf(r.code), is_pooling: pooling.has(r.code) })));
  return { count: rows.length };
}

/**
 * The region a person or an enrollment may be insured in: a 6-digit division (county, city or
 * 市本级) that belongs to a pooling region. Throws a YibaoError naming `field` otherwise.
 */
export async function requireInsuranceRegion(q: Queryable, code: unknown, field: string): Promise<Region & { pooling_admdvs: string }> {
  if (typeof code !== 'string' || !/^[0-9]{6}$/.test(code)) {
    throw invalid(field, '医保区划应为 6 位数字', 'expected a 6-digit region code (admdvs)');
  }
  const region = await getRegion(q, code);
  if (!region) throw notFound(field, `医保区划 ${code} 不存在`, `region ${code} is not known to this deployment`);
  if (!region.pooling_admdvs) {
    throw invalid(field, `区划 ${code}（${region.name}）不属于任何统筹区`, `region ${code} (${region.name}) belongs to no pooling region`);
  }
  return region as Region & { pooling_admdvs: string };
}

/** One region by its code (GET /regions/:code). */
export async function requireRegion(q: Queryable, code: string): Promise<Region> {
  const region = await getRegion(q, code);
  if (!region) throw notFound('code', `区划 ${code} 不存在`, `region ${code} is not known`);
  return region;
}
