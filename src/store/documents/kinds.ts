import { loadClearingRules } from '../../engine/clearing-rules.ts';
import { loadPaymentRules } from '../../engine/payment/rules.ts';
import { loadSupervisionRules } from '../../engine/supervision/rules.ts';
import { loadServiceCatalogue } from '../../engine/service-items.ts';
import { loadAssistanceRules } from '../../engine/assistance.ts';
import { compileScheme, type GroupingScheme } from '../../engine/drg/scheme.ts';
import { checkPolicySet, loadCatalog, loadPolicy } from '../../engine/index.ts';
import { invalid, YibaoError, type ErrorDetail } from '../../engine/errors.ts';
import type { Queryable } from '../db.ts';
import { diseaseLookup } from '../shipped-documents.ts';
import { newestDocuments, type DocumentKind } from './rows.ts';

// What each kind of document is checked with before it is stored: the engine compiles it as
// settlement will, against the newest stored documents it depends on, so a document the engine
// refuses never reaches the database. A kind without rules yet cannot be stored (16's service
// items register theirs here).

/** What a document says about itself: its id, its version and the region it is for. */
export interface DocumentIdentity {
  doc_id: string;
  version: number;
  admdvs: string;
}

export interface KindRules {
  name: { zh: string; en: string };
  /** Compiles the document against the stored set; its identity, or a YibaoError listing every problem. Absent: not storable yet. */
  check?: (q: Queryable, doc: unknown) => Promise<DocumentIdentity>;
}

/** Another policy of the same region and insurance type whose period overlaps the candidate's. */
async function checkPolicy(q: Queryable, doc: unknown): Promise<DocumentIdentity> {
  const p = loadPolicy(doc, diseaseLookup());
  const problems: ErrorDetail[] = [];
  for (const other of await newestDocuments(q, 'policy', p.admdvs)) {
    if (other.doc_id === p.policy_id) continue; // the version it replaces
    const o = loadPolicy(other.doc, diseaseLookup());
    if (o.insutype !== p.insutype) continue;
    try {
      checkPolicySet([o, p]);
    } catch (err) {
      if (!(err instanceof YibaoError)) throw err;
      for (const d of err.details) problems.push({ ...d, field: '/effective_from' });
    }
  }
  if (problems.length > 0) throw new YibaoError('invalid', problems);
  return { doc_id: p.policy_id, version: p.version, admdvs: p.admdvs };
}

/** A region's catalog compiles on the newest base; a new base must keep every region's overrides compiling. */
async function checkCatalog(q: Queryable, doc: unknown): Promise<DocumentIdentity> {
  const stored = await newestDocuments(q, 'catalog');
  const d = doc as { catalog_id?: unknown; admdvs?: unknown; version?: unknown } | null;
  if (d !== null && typeof d === 'object' && d.admdvs === 'base') {
    loadCatalog(doc);
    for (const region of stored) if (region.admdvs !== 'base') loadCatalog(doc, region.doc);
  } else {
    const base = stored.find((s) => s.admdvs === 'base');
    if (!base) throw invalid('/admdvs', '请先存入基础目录（admdvs 为 base）', 'store the base catalog (admdvs base) first');
    loadCatalog(base.doc, doc);
  }
  // loadCatalog checked the three against the catalog schema.
  const c = doc as { catalog_id: string; admdvs: string; version: number };
  return { doc_id: c.catalog_id, version: c.version, admdvs: c.admdvs };
}

/** Clearing rules stand alone: the schema and the thresholds' order are all there is to check. */
async function checkClearingRules(_q: Queryable, doc: unknown): Promise<DocumentIdentity> {
  const r = loadClearingRules(doc);
  return { doc_id: r.rules_id, version: r.version, admdvs: r.admdvs };
}

/** A grouping scheme compiles on its own; the grouper reads nothing else. */
async function checkGroupingScheme(_q: Queryable, doc: unknown): Promise<DocumentIdentity> {
  const s = compileScheme(doc as GroupingScheme);
  const d = doc as GroupingScheme;
  if (typeof d.admdvs !== 'string' || !Number.isInteger(d.version) || d.version < 1) throw invalid('/version', '分组方案须有 version（正整数）与 admdvs', 'a grouping scheme needs a version (a positive integer) and an admdvs');
  return { doc_id: s.scheme_id, version: s.version, admdvs: d.admdvs };
}

/** Payment rules stand alone too: one document per region and year, its id saying which. */
async function checkPaymentRules(_q: Queryable, doc: unknown): Promise<DocumentIdentity> {
  const r = loadPaymentRules(doc);
  return { doc_id: r.rules_id, version: r.version, admdvs: r.admdvs };
}

/** A supervision rule library stands alone: its schema, each type's parameters and the regions it names. */
async function checkSupervisionRules(_q: Queryable, doc: unknown): Promise<DocumentIdentity> {
  const r = loadSupervisionRules(doc);
  return { doc_id: r.rules_id, version: r.version, admdvs: r.admdvs };
}

/** A service-item catalogue stands alone: its schema, every item's flags, materials, time limit and fee (issue 16). */
async function checkServiceItems(_q: Queryable, doc: unknown): Promise<DocumentIdentity> {
  const c = loadServiceCatalogue(doc);
  return { doc_id: c.catalogue_id, version: c.version, admdvs: c.admdvs };
}

/** Medical-assistance rules stand alone: one document per pooling region and year (src/engine/assistance.ts). */
async function checkAssistanceRules(_q: Queryable, doc: unknown): Promise<DocumentIdentity> {
  const r = loadAssistanceRules(doc);
  return { doc_id: r.rules_id, version: r.version, admdvs: r.admdvs };
}

export const KINDS: Record<DocumentKind, KindRules> = {
  policy: { name: { zh: '参保地政策', en: 'policy' }, check: checkPolicy },
  catalog: { name: { zh: '医保目录', en: 'catalog' }, check: checkCatalog },
  clearing_rules: { name: { zh: '清算规则', en: 'clearing rules' }, check: checkClearingRules },
  grouping_scheme: { name: { zh: 'DRG 分组方案', en: 'DRG grouping scheme' }, check: checkGroupingScheme },
  payment_rules: { name: { zh: 'DRG/DIP 支付规则', en: 'DRG/DIP payment rules' }, check: checkPaymentRules },
  supervision_rules: { name: { zh: '基金监管规则', en: 'supervision rules' }, check: checkSupervisionRules },
  service_items: { name: { zh: '经办服务事项', en: 'service items' }, check: checkServiceItems }, // issue 16
  assistance_rules: { name: { zh: '医疗救助规则', en: 'medical-assistance rules' }, check: checkAssistanceRules }, // issue 16
};
