import fs from 'node:fs';
import path from 'node:path';
import { inTransaction, type Pool } from '../db.ts';
import { projectRoot } from '../migrate.ts';
import { documentRegistry, type DocumentRegistry } from './registry.ts';
import { lockKind, newestVersion, readDocument, type DocumentKind } from './rows.ts';
import { chsDrg11Scheme } from '../shipped-documents.ts';

// The repository's policies/, catalogs/, clearing-rules/, payment-rules/, supervision-rules/ and assistance-rules/ are the seed of the registry: on every start a file
// whose version is not stored yet is stored through the registry (so checked like any other).
// A document that already has this version or a newer one (stored by staff, say) stays as it is.

const ROOT = projectRoot();

const readJson = (file: string): Record<string, unknown> => JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, unknown>;
const jsonFiles = (dir: string): string[] => fs.readdirSync(dir).filter((n) => n.endsWith('.json')).sort();

const SHIPPED = { policies: path.join(ROOT, 'policies'), catalogs: path.join(ROOT, 'catalogs'), clearing_rules: path.join(ROOT, 'clearing-rules'), payment_rules: path.join(ROOT, 'payment-rules'), supervision_rules: path.join(ROOT, 'supervision-rules'), assistance_rules: path.join(ROOT, 'assistance-rules') };

/** Stores every policy, catalog, clearing-rules and payment-rules file under the given directories not stored yet; how many of each were new. */
export async function seedSettlementDocuments(
  pool: Pool,
  dirs: { policies: string; catalogs: string; clearing_rules?: string; payment_rules?: string; supervision_rules?: string; assistance_rules?: string } = SHIPPED,
  registry: DocumentRegistry = documentRegistry,
): Promise<{ policies: number; catalogs: number; clearing_rules: number; payment_rules: number; supervision_rules: number }> {
  // The base catalog first: a region's catalog is checked on it.
  const catalogFiles = jsonFiles(dirs.catalogs).sort((a, b) => Number(b === 'base.json') - Number(a === 'base.json'));
  return inTransaction(pool, async (q) => {
    // Two processes seeding at once: the second sees what the first stored.
    await lockKind(q, 'catalog');
    await lockKind(q, 'policy');
    await lockKind(q, 'clearing_rules');
    await lockKind(q, 'payment_rules');
    await lockKind(q, 'supervision_rules');
    const seed = async (kind: DocumentKind, file: string, idField: string): Promise<number> => {
      const doc = readJson(file);
      const stored = await readDocument(q, kind, String(doc[idField]));
      if (stored && stored.version >= Number(doc['version'])) return 0;
      await registry.store(q, { kind, doc, stored_by: 'seed', note: path.basename(file) });
      return 1;
    };
    let catalogs = 0;
    for (const f of catalogFiles) catalogs += await seed('catalog', path.join(dirs.catalogs, f), 'catalog_id');
    let policies = 0;
    for (const f of jsonFiles(dirs.policies)) policies += await seed('policy', path.join(dirs.policies, f), 'policy_id');
    let clearingRules = 0;
    if (dirs.clearing_rules) for (const f of jsonFiles(dirs.clearing_rules)) clearingRules += await seed('clearing_rules', path.join(dirs.clearing_rules, f), 'rules_id');
    // The national grouping scheme, read from its rule tables (it is not a JSON file of its own).
    await lockKind(q, 'grouping_scheme');
    const scheme = chsDrg11Scheme();
    const storedVersion = await newestVersion(q, 'grouping_scheme', scheme.scheme_id);
    if (storedVersion === undefined || storedVersion < scheme.version) await registry.store(q, { kind: 'grouping_scheme', doc: scheme, stored_by: 'seed', note: 'catalogs/drg/chs-drg-1.1' });
    let paymentRules = 0;
    if (dirs.payment_rules && fs.existsSync(dirs.payment_rules)) for (const f of jsonFiles(dirs.payment_rules)) paymentRules += await seed('payment_rules', path.join(dirs.payment_rules, f), 'rules_id');
    let supervisionRules = 0;
    if (dirs.supervision_rules && fs.existsSync(dirs.supervision_rules)) for (const f of jsonFiles(dirs.supervision_rules)) supervisionRules += await seed('supervision_rules', path.join(dirs.supervision_rules, f), 'rules_id');
    // medical-assistance rules (assistance-rules/): counted apart, so the shape above stays as the tests know it
    await lockKind(q, 'assistance_rules');
    if (dirs.assistance_rules && fs.existsSync(dirs.assistance_rules)) for (const f of jsonFiles(dirs.assistance_rules)) await seed('assistance_rules', path.join(dirs.assistance_rules, f), 'rules_id');
    return { policies, catalogs, clearing_rules: clearingRules, payment_rules: paymentRules, supervision_rules: supervisionRules };
  });
}

/** Stores the shipped service-item catalogues (service-items/, issue 16) not stored yet; how many were new. */
export async function seedServiceItems(pool: Pool, dir = path.join(ROOT, 'service-items'), registry: DocumentRegistry = documentRegistry): Promise<number> {
  return inTransaction(pool, async (q) => {
    await lockKind(q, 'service_items');
    let n = 0;
    for (const f of jsonFiles(dir)) {
      const doc = readJson(path.join(dir, f));
      const stored = await readDocument(q, 'service_items', String(doc['catalogue_id']));
      if (stored && stored.version >= Number(doc['version'])) continue;
      await registry.store(q, { kind: 'service_items', doc, stored_by: 'seed', note: path.basename(f) });
      n++;
    }
    return n;
  });
}
