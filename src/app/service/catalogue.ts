import { loadServiceCatalogue, NATIONAL_ITEMS, type ServiceCatalogue, type ServiceItem } from '../../engine/service-items.ts';
import { invalid } from '../../engine/errors.ts';
import { writeAudit, type Actor, actorLabel } from '../../store/audit.ts';
import { inTransaction, type Pool, type Queryable } from '../../store/db.ts';
import { documentRegistry } from '../../store/documents/registry.ts';
import { newestDocuments } from '../../store/documents/rows.ts';

// The service-item catalogue in use for a region: the region's own version (a pooling region's,
// then its province's) or else the national one. A region's document replaces the national
// list as a whole (it lists every item it handles), so what a window tells is one list.

export interface CatalogueInUse {
  doc_id: string;
  version: number;
  admdvs: string;
  catalogue: ServiceCatalogue;
}

export async function catalogueFor(q: Queryable, region: string): Promise<CatalogueInUse> {
  const docs = await newestDocuments(q, 'service_items');
  const byRegion = new Map(docs.map((d) => [d.admdvs, d]));
  for (const admdvs of [region, `${region.slice(0, 2)}0000`, NATIONAL_ITEMS]) {
    const d = byRegion.get(admdvs);
    if (d) return { doc_id: d.doc_id, version: d.version, admdvs: d.admdvs, catalogue: loadServiceCatalogue(d.doc) };
  }
  throw invalid('item_code', '平台尚未载入经办服务事项清单', 'no service-item catalogue is stored on this platform');
}

export async function itemOf(q: Queryable, region: string, code: string): Promise<{ item: ServiceItem; from: CatalogueInUse }> {
  const from = await catalogueFor(q, region);
  const item = from.catalogue.items.find((i) => i.code === code);
  if (!item) throw invalid('item_code', `经办服务事项清单中没有事项 ${code}`, `no service item ${code} in the catalogue`);
  return { item, from };
}

/** An administrator's new version of a region's (or the national) catalogue: checked, stored, audited. */
export async function storeServiceItems(pool: Pool, now: Date, actor: Actor, doc: unknown, note: string): Promise<{ doc_id: string; version: number; admdvs: string }> {
  return inTransaction(pool, async (c) => {
    const stored = await documentRegistry.store(c, { kind: 'service_items', doc, stored_by: actorLabel(actor), note, at: now });
    await writeAudit(c, { actor: actorLabel(actor), now }, 'service_items.store', `service_items:${stored.doc_id}`, { version: stored.version, admdvs: stored.admdvs });
    return { doc_id: stored.doc_id, version: stored.version, admdvs: stored.admdvs };
  });
}
