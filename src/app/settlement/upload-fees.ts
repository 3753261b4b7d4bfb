// The fee-line use case of 2204 / 2301 / 2102: each line once, classified by the engine on
// the treatment region's catalog for this person on the visit's day; the store inserts them.
import { classifyFeeLines, type ClassifiedFeeLine, type FeeLine } from '../../engine/index.ts';
import type { MED_TYPES } from '../../engine/codes.ts';
import { invalid } from '../../engine/errors.ts';
import { ageOn } from '../../engine/idcard.ts';
import { chinaDate } from '../../engine/calendar.ts';
import type { Queryable } from '../../store/db.ts';
import type { DocumentRegistry } from '../../store/documents/registry.ts';
import { insertLines, type LineExtras, type VisitRow, type VisitWithPerson } from '../../store/settlement/visits.ts';
import type { Caller } from './visit.ts';

/** 2204 / 2301 / 2102: classify on the treatment region's catalog, store in one multi-row insert. */
export async function uploadFees(q: Queryable, caller: Caller, visit: VisitWithPerson, lines: readonly FeeLine[], extras: readonly LineExtras[], path: string, documents: DocumentRegistry): Promise<ClassifiedFeeLine[]> {
  const seen = new Set<string>();
  for (const l of lines) {
    if (seen.has(l.feedetl_sn)) throw invalid(`${path}.feedetl_sn`, `费用明细流水号 ${l.feedetl_sn} 重复`, `feedetl_sn ${l.feedetl_sn} appears twice`);
    seen.add(l.feedetl_sn);
  }
  const docs = await documents.compiled(q);
  const catalog = documents.catalogFor(docs, visit.mdtrtarea_admvs);
  const person = visit.person;
  const classified = classifyFeeLines(catalog, lines, { gend: person.gend, age: ageOn(person.brdy, chinaDate(visit.begntime)) }, { med_type: visit.med_type as VisitRow['med_type'] & keyof typeof MED_TYPES });
  await insertLines(q, visit.mdtrt_id, caller.msgid, classified, extras, path);
  return classified;
}
