import { compileScheme, type CompiledScheme } from '../../engine/drg/scheme.ts';
import { groupCase } from '../../engine/drg/group.ts';
import type { ListCase } from '../../engine/settlement-list.ts';
import { notFound } from '../../engine/errors.ts';
import type { Queryable } from '../../store/db.ts';
import { newestVersion, readDocument } from '../../store/documents/rows.ts';

// Grouping a stay: the newest stored version of the grouping scheme (a document of kind
// `grouping_scheme`, the national CHS-DRG 1.1 tables by default), compiled once per version.

export const DEFAULT_SCHEME = 'chs-drg-1.1';

export interface StayGrouping {
  scheme: string;
  scheme_version: number;
  mdc: string | null;
  adrg: string | null;
  drg: string;
  status: 'grouped' | 'ungroupable';
  explanation: unknown;
}

const compiled = new Map<string, CompiledScheme>();

export async function storedScheme(q: Queryable, schemeId = DEFAULT_SCHEME): Promise<{ scheme: CompiledScheme; version: number }> {
  const version = await newestVersion(q, 'grouping_scheme', schemeId);
  if (version === undefined) throw notFound('scheme', `分组方案 ${schemeId} 尚未存入`, `the grouping scheme ${schemeId} has not been stored`);
  const key = `${schemeId}@${version}`;
  let scheme = compiled.get(key);
  if (!scheme) {
    const doc = (await readDocument(q, 'grouping_scheme', schemeId, version))!;
    compiled.clear(); // one scheme version in memory at a time: they are large
    compiled.set(key, (scheme = compileScheme(doc.doc as never)));
  }
  return { scheme, version };
}

export async function groupStay(q: Queryable, c: ListCase, schemeId = DEFAULT_SCHEME): Promise<StayGrouping> {
  const { scheme, version } = await storedScheme(q, schemeId);
  const g = groupCase(scheme, c, { explain: true });
  return { scheme: schemeId, scheme_version: version, mdc: g.mdc, adrg: g.adrg, drg: g.drg, status: g.status, explanation: { steps: g.explanation, cc: g.cc ?? [], reason: g.reason ?? null } };
}
