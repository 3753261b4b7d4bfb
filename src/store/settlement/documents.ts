import fs from 'node:fs';
import path from 'node:path';
import { checkPolicySet, loadCatalog, loadPolicy, type Catalog, type Policy } from '../../engine/index.ts';
import { notFound } from '../../engine/errors.ts';
import type { Queryable } from '../db.ts';
import { projectRoot } from '../migrate.ts';
import { diseaseLookup } from '../shipped-documents.ts';

// Policy documents and catalogs are data in the database (versioned), loaded from policies/
// and catalogs/ by the demo seed. The server compiles them once and keeps them until the
// documents' generation number moves, checked at most once a second, so no request pays for
// a compile.

const ROOT = projectRoot();

/** Loads every policy and catalog file under the given directories; already stored versions stay. */
export async function seedSettlementDocuments(
  q: Queryable,
  dirs: { policies: string; catalogs: string } = { policies: path.join(ROOT, 'policies'), catalogs: path.join(ROOT, 'catalogs') },
): Promise<{ policies: number; catalogs: number }> {
  const json = (f: string): Record<string, unknown> => JSON.parse(fs.readFileSync(f, 'utf8')) as Record<string, unknown>;
  let policies = 0;
  let catalogs = 0;
  for (const f of fs.readdirSync(dirs.policies).filter((n) => n.endsWith('.json')).sort()) {
    const doc = json(path.join(dirs.policies, f));
    // Compiled before storing: a document the engine refuses never reaches the database.
    const p = loadPolicy(doc, diseaseLookup());
    const r = await q.query(
      `INSERT INTO policy_documents (policy_id, version, admdvs, insutype, doc) VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING`,
      [p.policy_id, p.version, p.admdvs, p.insutype, doc],
    );
    policies += r.rowCount ?? 0;
  }
  for (const f of fs.readdirSync(dirs.catalogs).filter((n) => n.endsWith('.json')).sort()) {
    const doc = json(path.join(dirs.catalogs, f));
    const r = await q.query(
      `INSERT INTO catalog_documents (catalog_id, admdvs, version, doc) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING`,
      [String(doc['catalog_id']), String(doc['admdvs']), Number(doc['version'] ?? 1), doc],
    );
    catalogs += r.rowCount ?? 0;
  }
  return { policies, catalogs };
}

export interface CompiledDocuments {
  generation: number;
  policies: readonly Policy[];
  /** Treatment pooling region → its catalog (base + the region's overrides). */
  catalogs: ReadonlyMap<string, Catalog>;
  base: unknown;
}

async function compile(q: Queryable, generation: number): Promise<CompiledDocuments> {
  // The newest version of each policy id and catalog id.
  const pol = await q.query<{ doc: unknown }>(
    `SELECT DISTINCT ON (policy_id) doc FROM policy_documents ORDER BY policy_id, version DESC`,
  );
  const policies = pol.rows.map((r) => loadPolicy(r.doc, diseaseLookup()));
  checkPolicySet(policies);
  const cat = await q.query<{ admdvs: string; doc: unknown }>(
    `SELECT DISTINCT ON (catalog_id) admdvs, doc FROM catalog_documents ORDER BY catalog_id, version DESC`,
  );
  const base = cat.rows.find((r) => r.admdvs === 'base')?.doc;
  const catalogs = new Map<string, Catalog>();
  if (base !== undefined) for (const r of cat.rows) if (r.admdvs !== 'base') catalogs.set(r.admdvs, loadCatalog(base, r.doc));
  return { generation, policies, catalogs, base };
}

/** The compiled documents, cached per pool-holding process. */
export class DocumentCache {
  private current: CompiledDocuments | undefined;
  private checkedAt = 0;
  private pending: Promise<CompiledDocuments> | undefined;
  private readonly baseOnly = new Map<string, Catalog>();

  constructor(private readonly maxAgeMs = 1000) {}

  async get(q: Queryable): Promise<CompiledDocuments> {
    const now = Date.now();
    if (this.current && now - this.checkedAt < this.maxAgeMs) return this.current;
    this.pending ??= this.refresh(q).finally(() => (this.pending = undefined));
    return this.pending;
  }

  private async refresh(q: Queryable): Promise<CompiledDocuments> {
    // A sequence never advanced reports last_value 1 as well: count it as 0.
    const g = (await q.query<{ g: number }>(`SELECT CASE WHEN is_called THEN last_value ELSE 0 END AS g FROM settlement_documents_generation`)).rows[0]!.g;
    if (!this.current || this.current.generation !== g) {
      this.current = await compile(q, g);
      this.baseOnly.clear();
    }
    this.checkedAt = Date.now();
    return this.current;
  }

  /** The treatment region's catalog; a region without its own overrides classifies on the base. */
  catalogFor(docs: CompiledDocuments, admdvs: string): Catalog {
    const own = docs.catalogs.get(admdvs);
    if (own) return own;
    if (docs.base === undefined) throw notFound('mdtrtarea_admvs', '平台尚未加载医保目录', 'no catalog is loaded on this platform');
    let c = this.baseOnly.get(admdvs);
    if (!c) {
      c = loadCatalog(docs.base);
      this.baseOnly.set(admdvs, c);
    }
    return c;
  }
}

/** The one cache of this process (the gateway's handlers share it). */
export const documents = new DocumentCache();
