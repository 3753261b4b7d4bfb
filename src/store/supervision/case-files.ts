import crypto from 'node:crypto';
import type { Queryable } from '../db.ts';

// The files an institution uploads with its appeal (migration 026): kept whole in the database
// beside the case, named in the case's evidence as 'file:<id>'. Never changed or deleted.

export interface CaseFile {
  name: string;
  mime: string;
  content: Buffer;
}

export interface StoredCaseFile {
  id: number;
  name: string;
  mime: string;
  size: number;
  sha256: string;
  uploaded_at: Date;
  uploaded_by: string;
}

/** Stores one file of a case; its id. */
export async function insertCaseFile(q: Queryable, caseId: number, f: CaseFile, at: Date, by: string): Promise<StoredCaseFile> {
  const sha = crypto.createHash('sha256').update(f.content).digest();
  const r = await q.query<StoredCaseFile>(
    `INSERT INTO supervision_case_files (case_id, name, mime, size, sha256, content, uploaded_at, uploaded_by) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
     RETURNING id::int AS id, name, mime, size, encode(sha256, 'hex') AS sha256, uploaded_at, uploaded_by`,
    [caseId, f.name, f.mime, f.content.length, sha, f.content, at, by],
  );
  return r.rows[0]!;
}

/** The files of a case, without their content. */
export async function caseFiles(q: Queryable, caseId: number): Promise<StoredCaseFile[]> {
  const r = await q.query<StoredCaseFile>(
    `SELECT id::int AS id, name, mime, size, encode(sha256, 'hex') AS sha256, uploaded_at, uploaded_by FROM supervision_case_files WHERE case_id = $1 ORDER BY id`,
    [caseId],
  );
  return r.rows;
}

/** One file of a case with its content; undefined when the id is not one of the case's. */
export async function caseFile(q: Queryable, caseId: number, id: number): Promise<(StoredCaseFile & { content: Buffer }) | undefined> {
  const r = await q.query<StoredCaseFile & { content: Buffer }>(
    `SELECT id::int AS id, name, mime, size, encode(sha256, 'hex') AS sha256, uploaded_at, uploaded_by, content FROM supervision_case_files WHERE case_id = $1 AND id = $2`,
    [caseId, id],
  );
  return r.rows[0];
}
