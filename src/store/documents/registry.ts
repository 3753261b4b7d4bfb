import { checkPolicySet, loadCatalog, loadPolicy, type Catalog, type Policy } from '../../engine/index.ts';
import { conflict, invalid, notFound } from '../../engine/errors.ts';
import { compileLibrary, loadSupervisionRules, type Library } from '../../engine/supervision/rules.ts';
import type { Queryable } from '../db.ts';
import { diseaseLookup } from '../shipped-documents.ts';
import { KINDS } from './kinds.ts';
import {
  DOCUMENT_KINDS, documentsGeneration, documentVersions, insertDocument, lockKind, newestDocuments, readDocument,
  type DocumentKind, type StoredDocument,
} from './rows.ts';

// The one registry of versioned documents (policies, catalogs, and the kinds declared in
// kinds.ts). Settlement prices on its compiled set and the supervision rules judge on it; the policy workbench and the CLI list and
// read the same stored versions. The compiled set is kept until the documents' generation
// moves, checked at most once a second, so no request pays for a compile.

/** Everything settlement needs, compiled from the newest stored versions at one generation. */
export interface CompiledDocuments {
  generation: number;
  policies: readonly Policy[];
  /** Treatment pooling region → its catalog (base + the region's overrides). */
  catalogs: ReadonlyMap<string, Catalog>;
  base: unknown;
  /** The supervision rules of every stored library (the national one and the regions'). */
  supervision: Library;
}

export interface StoreRequest {
  kind: DocumentKind;
  doc: unknown;
  /** Who stores it: the signed-in login, `seed` for the repository's files. */
  stored_by: string;
  note?: string;
  at?: Date;
}

async function compile(q: Queryable, generation: number): Promise<CompiledDocuments> {
  const policies = (await newestDocuments(q, 'policy')).map((r) => loadPolicy(r.doc, diseaseLookup()));
  checkPolicySet(policies);
  const cat = await newestDocuments(q, 'catalog');
  const base = cat.find((r) => r.admdvs === 'base')?.doc;
  const catalogs = new Map<string, Catalog>();
  if (base !== undefined) for (const r of cat) if (r.admdvs !== 'base') catalogs.set(r.admdvs, loadCatalog(base, r.doc));
  const supervision = compileLibrary((await newestDocuments(q, 'supervision_rules')).map((r) => loadSupervisionRules(r.doc)));
  return { generation, policies, catalogs, base, supervision };
}

const kindOf = (kind: string): DocumentKind => {
  const k = DOCUMENT_KINDS.find((x) => x === kind);
  if (!k) throw notFound('kind', `没有 ${kind} 这类文档`, `no document kind ${kind}`);
  return k;
};

export class DocumentRegistry {
  private current: CompiledDocuments | undefined;
  private checkedAt = 0;
  private pending: Promise<CompiledDocuments> | undefined;
  private readonly baseOnly = new Map<string, Catalog>();

  /** maxAgeMs: how long the compiled set is used before the generation is looked at again. */
  constructor(private readonly maxAgeMs = 1000) {}

  /** The declared kinds, and whether each can be stored yet (has its rules). */
  kinds(): { kind: DocumentKind; name: { zh: string; en: string }; storable: boolean }[] {
    return DOCUMENT_KINDS.map((kind) => ({ kind, name: KINDS[kind].name, storable: KINDS[kind].check !== undefined }));
  }

  /** The newest version of every document of a kind, by id. */
  async list(q: Queryable, kind: DocumentKind): Promise<StoredDocument[]> {
    return newestDocuments(q, kind);
  }

  /** Every version of one document, newest first (refused when there is none). */
  async versions(q: Queryable, kind: DocumentKind, docId: string): Promise<StoredDocument[]> {
    const v = await documentVersions(q, kind, docId);
    if (v.length === 0) throw this.missing(kind, docId);
    return v;
  }

  /** One stored version; the newest when no version is given. */
  async get(q: Queryable, kind: DocumentKind, docId: string, version?: number): Promise<StoredDocument> {
    const d = await readDocument(q, kind, docId, version);
    if (!d) throw this.missing(kind, docId, version);
    return d;
  }

  /** The newest stored version of a document. */
  async newest(q: Queryable, kind: DocumentKind, docId: string): Promise<StoredDocument> {
    return this.get(q, kind, docId);
  }

  /** Checks a draft as storing it would (compiled, against the stored set), storing nothing. */
  async check(q: Queryable, kind: DocumentKind, doc: unknown): Promise<{ doc_id: string; version: number; admdvs: string }> {
    const rules = KINDS[kindOf(kind)];
    if (!rules.check) throw invalid('kind', `${rules.name.zh}尚不能存入`, `${rules.name.en} cannot be stored yet`);
    return rules.check(q, doc);
  }

  /**
   * Stores a new version, in the caller's transaction: compiled first, so a document the engine
   * refuses stores nothing; its version must be above every stored one (a version is never
   * edited). The generation moves, so settlement compiles the new set.
   */
  async store(q: Queryable, r: StoreRequest): Promise<StoredDocument> {
    await lockKind(q, r.kind);
    const id = await this.check(q, r.kind, r.doc);
    const newest = await readDocument(q, r.kind, id.doc_id);
    if (newest && newest.version >= id.version) {
      throw conflict('/version', `${id.doc_id} 已存有版本 ${newest.version}：新版本号须大于它`, `${id.doc_id} already has version ${newest.version}: a new version must be higher`);
    }
    if (newest && newest.admdvs !== id.admdvs) {
      throw invalid('/admdvs', `${id.doc_id} 属于 ${newest.admdvs}，新版本不能改为 ${id.admdvs}`, `${id.doc_id} belongs to ${newest.admdvs}; a new version cannot move it to ${id.admdvs}`);
    }
    return insertDocument(q, { kind: r.kind, ...id, doc: r.doc, stored_by: r.stored_by, note: r.note ?? '', ...(r.at ? { at: r.at } : {}) });
  }

  /**
   * The compiled set of the newest versions, recompiled when the generation has moved. `fresh`:
   * look at the generation now (the workbench, right after a version is stored), not within the second.
   */
  async compiled(q: Queryable, opts: { fresh?: boolean } = {}): Promise<CompiledDocuments> {
    if (this.current && !opts.fresh && Date.now() - this.checkedAt < this.maxAgeMs) return this.current;
    this.pending ??= this.refresh(q).finally(() => (this.pending = undefined));
    return this.pending;
  }

  private async refresh(q: Queryable): Promise<CompiledDocuments> {
    const g = await documentsGeneration(q);
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

  private missing(kind: DocumentKind, docId: string, version?: number) {
    const v = version === undefined ? '' : ` v${version}`;
    return notFound('doc_id', `没有${KINDS[kind].name.zh} ${docId}${v}`, `no ${KINDS[kind].name.en} ${docId}${v}`);
  }
}

/** The registry of this process (the gateway's handlers and the REST routes share it unless given another). */
export const documentRegistry = new DocumentRegistry();
