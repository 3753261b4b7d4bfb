// Publishing a region's rule library (监管规则库): a new version of a `supervision_rules`
// document, checked as the scan will read it, stored beside the old ones (a version is never
// edited) and audited. The region is the one the caller named and the hook checked they
// cover; the document must be for that region ('000000' publishes the national library).
import { invalid } from '../../engine/errors.ts';
import { writeAudit, type WriteContext } from '../../store/audit.ts';
import type { Queryable } from '../../store/db.ts';
import type { DocumentRegistry } from '../../store/documents/registry.ts';
import type { DocumentVersion } from '../../store/documents/rows.ts';

export const NATIONAL_ADMDVS = '000000';

export async function publishRuleLibrary(
  q: Queryable,
  docs: DocumentRegistry,
  ctx: WriteContext,
  input: { admdvs: string; doc: unknown; note?: string },
): Promise<DocumentVersion> {
  const own = (input.doc as { admdvs?: unknown } | null)?.admdvs;
  const expected = input.admdvs === NATIONAL_ADMDVS ? 'national' : input.admdvs;
  if (own !== expected) throw invalid('/admdvs', `规则库的地区应为 ${expected}`, `the library's admdvs must be ${expected}`);
  const stored = await docs.store(q, { kind: 'supervision_rules', doc: input.doc, stored_by: ctx.actor, at: ctx.now, ...(input.note === undefined ? {} : { note: input.note }) });
  await writeAudit(q, ctx, 'supervision_rules.publish', `supervision_rules:${stored.doc_id}`, { version: stored.version, admdvs: stored.admdvs, note: stored.note });
  const { doc: _doc, ...version } = stored;
  return version;
}
