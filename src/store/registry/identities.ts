import crypto from 'node:crypto';
import type { Queryable } from '../db.ts';
import type { Type } from 'typebox';
import type { ChangeReportSchema, IdentitySchema, ImportBatchSchema, ImportReportRowSchema, RejectedRowSchema } from './schemas.ts';

// 人员身份 with validity periods, and the comparison import (数据比对) that keeps them true: a
// roster from civil affairs, the disabled federation or tax is compared with what the registry
// holds; the preview says what would be added and ended, and a named person applies it. The
// reads and writes only: what an import adds, ends, changes or refuses is decided in
// src/app/registry/identities.ts.

export type Identity = Type.Static<typeof IdentitySchema>;

const IDENTITY_COLUMNS = 'id, psn_no, psn_idet_type, begntime, endtime, source, import_batch_id, memo';

export async function listIdentities(q: Queryable, psnNo: string): Promise<Identity[]> {
  const r = await q.query<Identity>(`SELECT ${IDENTITY_COLUMNS} FROM person_identities WHERE psn_no = $1 ORDER BY begntime, id`, [psnNo]);
  return r.rows;
}

/** Identities in force on `date` (yyyy-mm-dd). */
export async function identitiesOn(q: Queryable, psnNo: string, date: string): Promise<Identity[]> {
  const r = await q.query<Identity>(
    `SELECT ${IDENTITY_COLUMNS} FROM person_identities
      WHERE psn_no = $1 AND begntime <= $2 AND (endtime IS NULL OR endtime >= $2) ORDER BY psn_idet_type`,
    [psnNo, date],
  );
  return r.rows;
}

export interface IdentityRow {
  psn_no: string;
  psn_idet_type: string;
  begntime: string;
  endtime: string | null;
  source: string;
  memo: string | null;
}

/** Whether the person holds the identity in a period overlapping [begntime, endtime] (open ends included). */
export async function identityOverlaps(q: Queryable, psnNo: string, type: string, begntime: string, endtime: string | null): Promise<boolean> {
  const r = await q.query(
    `SELECT 1 FROM person_identities WHERE psn_no = $1 AND psn_idet_type = $2
        AND (endtime IS NULL OR endtime >= $3) AND ($4::date IS NULL OR begntime <= $4)`,
    [psnNo, type, begntime, endtime],
  );
  return (r.rowCount ?? 0) > 0;
}

export async function insertIdentity(q: Queryable, row: IdentityRow): Promise<Identity> {
  const r = await q.query<Identity>(
    `INSERT INTO person_identities (psn_no, psn_idet_type, begntime, endtime, source, memo) VALUES ($1,$2,$3,$4,$5,$6) RETURNING ${IDENTITY_COLUMNS}`,
    [row.psn_no, row.psn_idet_type, row.begntime, row.endtime, row.source, row.memo],
  );
  return r.rows[0]!;
}

// ---------------------------------------------------------------- comparison import

export type ReportRow = Type.Static<typeof ImportReportRowSchema>;
export type RejectedRow = Type.Static<typeof RejectedRowSchema>;
export type ChangeReport = Type.Static<typeof ChangeReportSchema>;
/** previewed_at, applied_at: ISO 8601. */
export type ImportBatch = Type.Static<typeof ImportBatchSchema>;

type BatchRow = Omit<ImportBatch, 'previewed_at' | 'applied_at'> & { previewed_at: Date; applied_at: Date | null };
const toBatch = (r: BatchRow): ImportBatch => ({ ...r, previewed_at: r.previewed_at.toISOString(), applied_at: r.applied_at ? r.applied_at.toISOString() : null });

const BATCH_COLUMNS = 'id, source, admdvs, idet_types, as_of, file_name, file_sha256, status, previewed_by, previewed_at, applied_by, applied_at, report';

export interface RosterPerson {
  certno: string;
  psn_no: string;
  psn_name: string;
  insuplc_admdvs: string;
}

/** The registered persons among ID numbers, by ID number (10,000 a statement). */
export async function personsByCertno(q: Queryable, certnos: readonly string[]): Promise<Map<string, RosterPerson>> {
  const persons = new Map<string, RosterPerson>();
  for (let i = 0; i < certnos.length; i += 10_000) {
    const r = await q.query<RosterPerson>(
      'SELECT certno, psn_no, psn_name, insuplc_admdvs FROM persons WHERE certno = ANY($1)',
      [certnos.slice(i, i + 10_000)],
    );
    for (const p of r.rows) persons.set(p.certno, p);
  }
  return persons;
}

export type HeldIdentity = Identity & { certno: string; psn_name: string };

/** Identities of the given types not ended before `asOf`, of persons insured under the region prefix, in id order. */
export async function heldIdentities(q: Queryable, prefix: string, idetTypes: readonly string[], asOf: string): Promise<HeldIdentity[]> {
  const held = await q.query<HeldIdentity>(
    `SELECT i.id, i.psn_no, i.psn_idet_type, i.begntime, i.endtime, i.source, i.import_batch_id, i.memo, p.certno, p.psn_name
       FROM person_identities i JOIN persons p USING (psn_no)
      WHERE p.insuplc_admdvs LIKE $1 AND i.psn_idet_type = ANY($2) AND (i.endtime IS NULL OR i.endtime >= $3)
      ORDER BY i.id`,
    [prefix + '%', idetTypes, asOf],
  );
  return held.rows;
}

export interface NewImportBatch {
  source: string;
  admdvs: string;
  idet_types: string[];
  as_of: string;
  file_name: string;
  csv: string;
  previewed_by: string;
  previewed_at: Date;
  report: ChangeReport;
}

/** Stores a previewed roster with its report; the file's SHA-256 is kept beside it. */
export async function insertImportBatch(q: Queryable, b: NewImportBatch): Promise<ImportBatch> {
  const sha = crypto.createHash('sha256').update(b.csv).digest('hex');
  const r = await q.query<BatchRow>(
    `INSERT INTO identity_import_batches (source, admdvs, idet_types, as_of, file_name, file_sha256, csv, status, previewed_by, previewed_at, report)
     VALUES ($1,$2,$3,$4,$5,$6,$7,'previewed',$8,$9,$10) RETURNING ${BATCH_COLUMNS}`,
    [b.source, b.admdvs, b.idet_types, b.as_of, b.file_name, sha, b.csv, b.previewed_by, b.previewed_at, JSON.stringify(b.report)],
  );
  return toBatch(r.rows[0]!);
}

/** A batch with its roster, locked until the transaction ends. */
export async function lockImportBatch(q: Queryable, batchId: number): Promise<(ImportBatch & { csv: string }) | undefined> {
  const found = await q.query<BatchRow & { csv: string }>(`SELECT ${BATCH_COLUMNS}, csv FROM identity_import_batches WHERE id = $1 FOR UPDATE`, [batchId]);
  const row = found.rows[0];
  return row ? { ...toBatch(row), csv: row.csv } : undefined;
}

export async function insertImportedIdentity(q: Queryable, batchId: number, row: IdentityRow): Promise<void> {
  await q.query(
    `INSERT INTO person_identities (psn_no, psn_idet_type, begntime, endtime, source, import_batch_id, memo) VALUES ($1,$2,$3,$4,$5,$6,$7)`,
    [row.psn_no, row.psn_idet_type, row.begntime, row.endtime, row.source, batchId, row.memo],
  );
}

/** Ends an identity because a roster no longer lists it. */
export async function endIdentityByBatch(q: Queryable, id: number, endtime: string, batchId: number): Promise<void> {
  await q.query('UPDATE person_identities SET endtime = $2, ended_by_batch_id = $3 WHERE id = $1', [id, endtime, batchId]);
}

export async function setIdentityEnd(q: Queryable, id: number, endtime: string | null): Promise<void> {
  await q.query('UPDATE person_identities SET endtime = $2 WHERE id = $1', [id, endtime]);
}

export async function markImportBatchApplied(q: Queryable, batchId: number, appliedBy: string, appliedAt: Date, report: ChangeReport): Promise<ImportBatch> {
  const r = await q.query<BatchRow>(
    `UPDATE identity_import_batches SET status = 'applied', applied_by = $2, applied_at = $3, report = $4 WHERE id = $1 RETURNING ${BATCH_COLUMNS}`,
    [batchId, appliedBy, appliedAt, JSON.stringify(report)],
  );
  return toBatch(r.rows[0]!);
}

export async function getImportBatch(q: Queryable, batchId: number): Promise<ImportBatch | undefined> {
  const r = await q.query<BatchRow>(`SELECT ${BATCH_COLUMNS} FROM identity_import_batches WHERE id = $1`, [batchId]);
  return r.rows[0] ? toBatch(r.rows[0]) : undefined;
}
