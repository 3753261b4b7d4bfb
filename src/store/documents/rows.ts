import type { Queryable } from '../db.ts';

// The SQL of the document registry (table `documents`, migration 014). Rows are only ever
// added: a change is a new version; the newest version of a document is the one in use.

/** The kinds of versioned document. A new kind is added here, to the table's CHECK (migrations 014, 020, 021, 030), and to kinds.ts. */
export const DOCUMENT_KINDS = ['policy', 'catalog', 'clearing_rules', 'grouping_scheme', 'payment_rules', 'supervision_rules', 'service_items', 'assistance_rules'] as const;
export type DocumentKind = (typeof DOCUMENT_KINDS)[number];

/** One stored version, without its document. */
export interface DocumentVersion {
  kind: DocumentKind;
  doc_id: string;
  version: number;
  admdvs: string;
  stored_at: Date;
  stored_by: string;
  note: string;
}

export interface StoredDocument extends DocumentVersion {
  doc: unknown;
}

const VERSION_COLUMNS = 'kind, doc_id, version, admdvs, stored_at, stored_by, note';

/** The newest version of every document of a kind (of one region when given), by id. */
export async function newestDocuments(q: Queryable, kind: DocumentKind, admdvs?: string): Promise<StoredDocument[]> {
  const r = await q.query<StoredDocument>(
    `SELECT DISTINCT ON (doc_id) ${VERSION_COLUMNS}, doc FROM documents WHERE kind = $1 AND ($2::text IS NULL OR admdvs = $2) ORDER BY doc_id, version DESC`,
    [kind, admdvs ?? null],
  );
  return r.rows;
}

/** Every stored version of one document, newest first. */
export async function documentVersions(q: Queryable, kind: DocumentKind, docId: string): Promise<StoredDocument[]> {
  const r = await q.query<StoredDocument>(`SELECT ${VERSION_COLUMNS}, doc FROM documents WHERE kind = $1 AND doc_id = $2 ORDER BY version DESC`, [kind, docId]);
  return r.rows;
}

/** One version of a document, or its newest when no version is given. */
export async function readDocument(q: Queryable, kind: DocumentKind, docId: string, version?: number): Promise<StoredDocument | undefined> {
  const r = await q.query<StoredDocument>(
    `SELECT ${VERSION_COLUMNS}, doc FROM documents WHERE kind = $1 AND doc_id = $2 AND ($3::integer IS NULL OR version = $3) ORDER BY version DESC LIMIT 1`,
    [kind, docId, version ?? null],
  );
  return r.rows[0];
}

/** The newest version number of one document, without reading it (large documents are read only when a cache misses). */
export async function newestVersion(q: Queryable, kind: DocumentKind, docId: string): Promise<number | undefined> {
  const r = await q.query<{ version: number }>(`SELECT max(version) AS version FROM documents WHERE kind = $1 AND doc_id = $2`, [kind, docId]);
  return r.rows[0]?.version ?? undefined;
}

/** Serialises the writers of one kind until the caller's transaction ends (the checks read the stored set). */
export async function lockKind(q: Queryable, kind: DocumentKind): Promise<void> {
  await q.query(`SELECT pg_advisory_xact_lock(14, hashtext($1))`, [`documents:${kind}`]);
}

export interface NewVersion {
  kind: DocumentKind;
  doc_id: string;
  version: number;
  admdvs: string;
  doc: unknown;
  stored_by: string;
  note: string;
  /** The process clock; absent: the database's. */
  at?: Date;
}

export async function insertDocument(q: Queryable, v: NewVersion): Promise<StoredDocument> {
  const r = await q.query<StoredDocument>(
    `INSERT INTO documents (kind, doc_id, version, admdvs, doc, stored_at, stored_by, note) VALUES ($1, $2, $3, $4, $5, coalesce($6, now()), $7, $8)
     RETURNING ${VERSION_COLUMNS}, doc`,
    [v.kind, v.doc_id, v.version, v.admdvs, v.doc, v.at ?? null, v.stored_by, v.note],
  );
  return r.rows[0]!;
}

/** The documents' generation: moves with every stored version. A sequence never advanced counts as 0. */
export async function documentsGeneration(q: Queryable): Promise<number> {
  const r = await q.query<{ g: number }>(`SELECT CASE WHEN is_called THEN last_value ELSE 0 END AS g FROM documents_generation`);
  return Number(r.rows[0]!.g);
}
