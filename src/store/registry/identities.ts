import { addDays, chinaDate, isIsoDate } from '../../engine/calendar.ts';
import crypto from 'node:crypto';
import { IDENTITY_SOURCES, isCode, PSN_IDET_TYPES, type IdentitySource } from '../../engine/codes.ts';
import { parseIdCard } from '../../engine/idcard.ts';
import { conflict, invalid, notFound, Problems } from '../../engine/errors.ts';
import { inTransaction, type Pool, type Queryable } from '../db.ts';
import type { Type } from 'typebox';
import type { ChangeReportSchema, IdentitySchema, ImportBatchSchema, ImportReportRowSchema, RejectedRowSchema } from './schemas.ts';
import { writeAudit, type WriteContext } from '../audit.ts';
import { regionPrefix } from './institutions.ts';
import { getRegion } from './regions.ts';

// 人员身份 with validity periods, and the comparison import (数据比对) that keeps them true: a
// roster from civil affairs, the disabled federation or tax is compared with what the registry
// holds; the preview says what would be added and ended, and a named person applies it.

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

export interface NewIdentity {
  psn_no: string;
  psn_idet_type: string;
  begntime: string;
  endtime?: string | null | undefined;
  source: string;
  memo?: string | null | undefined;
}

/** Records one identity by hand (a staff decision); comparison data goes through the import. */
export async function addIdentity(q: Queryable, input: NewIdentity, ctx: WriteContext): Promise<Identity> {
  const p = new Problems();
  if (!isCode(PSN_IDET_TYPES, input.psn_idet_type)) p.add('psn_idet_type', '人员身份类别无效', `expected one of ${Object.keys(PSN_IDET_TYPES).join(', ')}`);
  p.date('begntime', input.begntime, 'record');
  if (input.endtime != null) p.date('endtime', input.endtime, 'record');
  if (input.endtime != null && isIsoDate(input.endtime) && input.endtime < input.begntime) p.add('endtime', '结束日期不应早于开始日期', 'expected a date not before begntime');
  if (!isCode(IDENTITY_SOURCES, input.source)) p.add('source', '来源无效', `expected one of ${Object.keys(IDENTITY_SOURCES).join(', ')}`);
  p.throwIfAny();
  const person = await q.query('SELECT psn_no FROM persons WHERE psn_no = $1 FOR UPDATE', [input.psn_no]);
  if (!person.rowCount) throw notFound('psn_no', `人员编号 ${input.psn_no} 不存在`, `no person with psn_no ${input.psn_no}`);
  const overlapping = await q.query(
    `SELECT 1 FROM person_identities WHERE psn_no = $1 AND psn_idet_type = $2
        AND (endtime IS NULL OR endtime >= $3) AND ($4::date IS NULL OR begntime <= $4)`,
    [input.psn_no, input.psn_idet_type, input.begntime, input.endtime ?? null],
  );
  if (overlapping.rowCount) throw conflict('psn_idet_type', '该身份在此期间已有记录', 'this identity already has a period overlapping these dates');
  const r = await q.query<Identity>(
    `INSERT INTO person_identities (psn_no, psn_idet_type, begntime, endtime, source, memo) VALUES ($1,$2,$3,$4,$5,$6) RETURNING ${IDENTITY_COLUMNS}`,
    [input.psn_no, input.psn_idet_type, input.begntime, input.endtime ?? null, input.source, input.memo ?? null],
  );
  await writeAudit(q, ctx, 'identity.add', input.psn_no, { ...r.rows[0] });
  return r.rows[0]!;
}

// ---------------------------------------------------------------- comparison import

export interface ImportRequest {
  source: string;
  /** The region whose insured persons the roster covers (a province, city or county). */
  admdvs: string;
  /** The identity types the roster is authoritative for; defaults to the types in the file. */
  idet_types?: string[] | undefined;
  /** The roster's date: listed identities begin no later, missing ones end the day before. Defaults to today. */
  as_of?: string | undefined;
  file_name?: string | undefined;
  /** CSV with a header: certno,psn_idet_type,begntime[,endtime][,psn_name][,memo]. */
  csv: string;
}

export type ReportRow = Type.Static<typeof ImportReportRowSchema>;
export type RejectedRow = Type.Static<typeof RejectedRowSchema>;
export type ChangeReport = Type.Static<typeof ChangeReportSchema>;
/** previewed_at, applied_at: ISO 8601. */
export type ImportBatch = Type.Static<typeof ImportBatchSchema>;

type BatchRow = Omit<ImportBatch, 'previewed_at' | 'applied_at'> & { previewed_at: Date; applied_at: Date | null };
const toBatch = (r: BatchRow): ImportBatch => ({ ...r, previewed_at: r.previewed_at.toISOString(), applied_at: r.applied_at ? r.applied_at.toISOString() : null });

const BATCH_COLUMNS = 'id, source, admdvs, idet_types, as_of, file_name, file_sha256, status, previewed_by, previewed_at, applied_by, applied_at, report';

/** Splits one CSV line (RFC 4180 quotes). */
function splitCsvLine(line: string): string[] {
  const out: string[] = [];
  let cur = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i]!;
    if (quoted) {
      if (ch === '"' && line[i + 1] === '"') { cur += '"'; i++; }
      else if (ch === '"') quoted = false;
      else cur += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') { out.push(cur.trim()); cur = ''; }
    else cur += ch;
  }
  out.push(cur.trim());
  return out;
}

interface ParsedRow {
  line: number;
  certno: string;
  psn_idet_type: string;
  begntime: string;
  endtime: string | null;
  psn_name: string | undefined;
  memo: string | undefined;
}

/** Parses the roster; rows that cannot be read are rejected with their reason, never silently dropped. */
export function parseRoster(csv: string, today: string): { rows: ParsedRow[]; rejected: RejectedRow[] } {
  const lines = csv.replace(/^\uFEFF/, '').split(/\r?\n/);
  const header = splitCsvLine(lines[0] ?? '').map((h) => h.toLowerCase());
  const p = new Problems();
  for (const required of ['certno', 'psn_idet_type', 'begntime']) {
    if (!header.includes(required)) p.add('csv', `表头缺少列 ${required}`, `the header lacks the column ${required}`);
  }
  p.throwIfAny();
  const col = (cells: string[], name: string): string | undefined => {
    const i = header.indexOf(name);
    return i >= 0 && cells[i] !== undefined && cells[i] !== '' ? cells[i] : undefined;
  };
  const rows: ParsedRow[] = [];
  const rejected: RejectedRow[] = [];
  const seen = new Set<string>();
  for (let i = 1; i < lines.length; i++) {
    const text = lines[i]!;
    if (text.trim() === '') continue;
    const cells = splitCsvLine(text);
    const line = i + 1;
    const certnoRaw = col(cells, 'certno') ?? '';
    const reject = (field: string, zh: string, en: string): void => {
      rejected.push({ line, certno: certnoRaw, field, reason_zh: zh, reason_en: en });
    };
    const id = parseIdCard(certnoRaw, today);
    if (!id.ok) { reject('certno', id.problem.zh, id.problem.en); continue; }
    const type = col(cells, 'psn_idet_type') ?? '';
    if (!isCode(PSN_IDET_TYPES, type)) { reject('psn_idet_type', `人员身份类别 ${type} 无效`, `unknown identity type ${type}`); continue; }
    const begntime = col(cells, 'begntime') ?? '';
    if (!isIsoDate(begntime)) { reject('begntime', '开始日期应为 yyyy-mm-dd', 'begntime must be a date yyyy-mm-dd'); continue; }
    const endtime = col(cells, 'endtime') ?? null;
    if (endtime !== null && (!isIsoDate(endtime) || endtime < begntime)) { reject('endtime', '结束日期应为不早于开始日期的 yyyy-mm-dd', 'endtime must be a date yyyy-mm-dd not before begntime'); continue; }
    const key = `${id.value.certno}|${type}`;
    if (seen.has(key)) { reject('certno', '同一人同一身份在文件中重复', 'the same person and identity appear twice in the file'); continue; }
    seen.add(key);
    rows.push({ line, certno: id.value.certno, psn_idet_type: type, begntime, endtime, psn_name: col(cells, 'psn_name'), memo: col(cells, 'memo') });
  }
  return { rows, rejected };
}

interface Plan {
  report: ChangeReport;
  toAdd: Array<{ psn_no: string; psn_idet_type: string; begntime: string; endtime: string | null; memo: string | undefined }>;
  toEnd: Array<{ id: number; psn_no: string; endtime: string }>;
  toChange: Array<{ id: number; psn_no: string; endtime: string | null }>;
}

interface Scope {
  source: IdentitySource;
  admdvs: string;
  idetTypes: string[];
  asOf: string;
}

/** Compares the roster with the registry. Reads only. */
async function plan(q: Queryable, scope: Scope, csv: string, today: string): Promise<Plan> {
  const { rows, rejected } = parseRoster(csv, today);
  const prefix = regionPrefix(scope.admdvs);
  const persons = new Map<string, { psn_no: string; psn_name: string; insuplc_admdvs: string }>();
  const certnos = [...new Set(rows.map((r) => r.certno))];
  for (let i = 0; i < certnos.length; i += 10_000) {
    const r = await q.query<{ certno: string; psn_no: string; psn_name: string; insuplc_admdvs: string }>(
      'SELECT certno, psn_no, psn_name, insuplc_admdvs FROM persons WHERE certno = ANY($1)',
      [certnos.slice(i, i + 10_000)],
    );
    for (const p of r.rows) persons.set(p.certno, p);
  }
  // Identities in force on the roster's date for the covered types among persons insured in the region.
  const held = await q.query<Identity & { certno: string; psn_name: string }>(
    `SELECT i.id, i.psn_no, i.psn_idet_type, i.begntime, i.endtime, i.source, i.import_batch_id, i.memo, p.certno, p.psn_name
       FROM person_identities i JOIN persons p USING (psn_no)
      WHERE p.insuplc_admdvs LIKE $1 AND i.psn_idet_type = ANY($2) AND (i.endtime IS NULL OR i.endtime >= $3)
      ORDER BY i.id`,
    [prefix + '%', scope.idetTypes, scope.asOf],
  );
  const heldByKey = new Map(held.rows.map((h) => [`${h.psn_no}|${h.psn_idet_type}`, h]));
  const report: ChangeReport = {
    counts: { rows: rows.length + rejected.length, added: 0, ended: 0, changed: 0, unchanged: 0, rejected: 0 },
    added: [], ended: [], changed: [], unchanged: [], rejected: [...rejected],
  };
  const out: Plan = { report, toAdd: [], toEnd: [], toChange: [] };
  const listed = new Set<string>();
  for (const row of rows) {
    const person = persons.get(row.certno);
    const reject = (field: string, zh: string, en: string): void => {
      report.rejected.push({ line: row.line, certno: row.certno, field, reason_zh: zh, reason_en: en });
    };
    if (!person) { reject('certno', '该身份证号无参保登记', 'no person is registered with this ID number'); continue; }
    if (!person.insuplc_admdvs.startsWith(prefix)) {
      reject('certno', `此人参保地为 ${person.insuplc_admdvs}，不在本次比对区划 ${scope.admdvs} 内`, `the person is insured in ${person.insuplc_admdvs}, outside the roster's region ${scope.admdvs}`);
      continue;
    }
    if (row.psn_name !== undefined && row.psn_name !== person.psn_name) {
      reject('psn_name', `姓名与登记不符（登记为 ${person.psn_name}）`, 'the name differs from the registered one');
      continue;
    }
    if (!scope.idetTypes.includes(row.psn_idet_type)) {
      reject('psn_idet_type', `身份类别 ${row.psn_idet_type} 不在本次比对范围`, `identity type ${row.psn_idet_type} is outside this roster's scope`);
      continue;
    }
    if (row.begntime > scope.asOf) {
      reject('begntime', `开始日期晚于名单日期 ${scope.asOf}`, `begntime is after the roster date ${scope.asOf}`);
      continue;
    }
    const key = `${person.psn_no}|${row.psn_idet_type}`;
    listed.add(key);
    const base: ReportRow = { line: row.line, certno: row.certno, psn_no: person.psn_no, psn_name: person.psn_name, psn_idet_type: row.psn_idet_type, begntime: row.begntime, endtime: row.endtime };
    const existing = heldByKey.get(key);
    if (!existing) {
      report.added.push(base);
      out.toAdd.push({ psn_no: person.psn_no, psn_idet_type: row.psn_idet_type, begntime: row.begntime, endtime: row.endtime, memo: row.memo });
    } else if ((existing.endtime ?? null) !== row.endtime) {
      report.changed.push({ ...base, begntime: existing.begntime, identity_id: existing.id, old_endtime: existing.endtime });
      out.toChange.push({ id: existing.id, psn_no: person.psn_no, endtime: row.endtime });
    } else {
      report.unchanged.push({ ...base, begntime: existing.begntime });
    }
  }
  const endOn = addDays(scope.asOf, -1);
  for (const h of held.rows) {
    if (listed.has(`${h.psn_no}|${h.psn_idet_type}`)) continue;
    const endtime = endOn < h.begntime ? h.begntime : endOn;
    report.ended.push({ line: 0, certno: h.certno, psn_no: h.psn_no, psn_name: h.psn_name, psn_idet_type: h.psn_idet_type, begntime: h.begntime, endtime, identity_id: h.id });
    out.toEnd.push({ id: h.id, psn_no: h.psn_no, endtime });
  }
  report.rejected.sort((a, b) => a.line - b.line);
  report.counts.added = report.added.length;
  report.counts.ended = report.ended.length;
  report.counts.changed = report.changed.length;
  report.counts.unchanged = report.unchanged.length;
  report.counts.rejected = report.rejected.length;
  return out;
}

async function validateRequest(q: Queryable, req: ImportRequest, today: string): Promise<Scope> {
  const p = new Problems();
  if (!isCode(IDENTITY_SOURCES, req.source)) p.add('source', '数据来源无效', `expected one of ${Object.keys(IDENTITY_SOURCES).join(', ')}`);
  if (typeof req.csv !== 'string' || req.csv.trim() === '') p.add('csv', '比对文件不能为空', 'the roster file is empty');
  else if (req.csv.length > 50_000_000) p.add('csv', '比对文件过大（上限 50 MB）', 'the roster file is too large (50 MB at most)');
  if (req.as_of !== undefined) p.date('as_of', req.as_of, 'record');
  for (const t of req.idet_types ?? []) {
    if (!isCode(PSN_IDET_TYPES, t)) p.add('idet_types', `人员身份类别 ${t} 无效`, `unknown identity type ${t}`);
  }
  if (typeof req.admdvs !== 'string' || !/^[0-9]{6}$/.test(req.admdvs)) p.add('admdvs', '区划应为 6 位数字', 'expected a 6-digit region code');
  p.throwIfAny();
  if (!(await getRegion(q, req.admdvs))) throw notFound('admdvs', `区划 ${req.admdvs} 不存在`, `region ${req.admdvs} is not known`);
  let idetTypes = req.idet_types;
  if (!idetTypes || idetTypes.length === 0) {
    // Without an explicit scope, the roster speaks for the types it contains.
    idetTypes = [...new Set(parseRoster(req.csv, today).rows.map((r) => r.psn_idet_type))];
    if (idetTypes.length === 0) throw invalid('idet_types', '无法确定比对的身份类别：文件中没有有效行，请指定 idet_types', 'cannot tell which identities the roster covers: no valid rows; give idet_types');
  }
  return { source: req.source as IdentitySource, admdvs: req.admdvs, idetTypes: [...idetTypes].sort(), asOf: req.as_of ?? today };
}

/** Stores the roster and the report of what applying it would change; writes no identity. */
export async function previewIdentityImport(pool: Pool, req: ImportRequest, ctx: WriteContext): Promise<ImportBatch> {
  return inTransaction(pool, async (q) => {
    const today = chinaDate(ctx.now);
    const scope = await validateRequest(q, req, today);
    const { report } = await plan(q, scope, req.csv, today);
    const sha = crypto.createHash('sha256').update(req.csv).digest('hex');
    const r = await q.query<BatchRow>(
      `INSERT INTO identity_import_batches (source, admdvs, idet_types, as_of, file_name, file_sha256, csv, status, previewed_by, previewed_at, report)
       VALUES ($1,$2,$3,$4,$5,$6,$7,'previewed',$8,$9,$10) RETURNING ${BATCH_COLUMNS}`,
      [scope.source, scope.admdvs, scope.idetTypes, scope.asOf, req.file_name ?? '', sha, req.csv, ctx.actor, ctx.now, JSON.stringify(report)],
    );
    const batch = toBatch(r.rows[0]!);
    await writeAudit(q, ctx, 'identity_import.preview', `identity_import:${batch.id}`, { counts: report.counts, source: scope.source, admdvs: scope.admdvs });
    return batch;
  });
}

/**
 * Applies a previewed roster. The comparison is run again against the registry as it is now
 * (someone may have changed it since the preview), and that report is the one recorded.
 */
export async function applyIdentityImport(pool: Pool, batchId: number, ctx: WriteContext): Promise<ImportBatch> {
  return inTransaction(pool, async (q) => {
    const found = await q.query<BatchRow & { csv: string }>(`SELECT ${BATCH_COLUMNS}, csv FROM identity_import_batches WHERE id = $1 FOR UPDATE`, [batchId]);
    const batch = found.rows[0];
    if (!batch) throw notFound('id', `比对批次 ${batchId} 不存在`, `no identity import batch ${batchId}`);
    if (batch.status === 'applied') throw conflict('id', `比对批次 ${batchId} 已于 ${batch.applied_at?.toISOString()} 由 ${batch.applied_by} 执行`, `batch ${batchId} was already applied`);
    const today = chinaDate(ctx.now);
    const scope: Scope = { source: batch.source as IdentitySource, admdvs: batch.admdvs, idetTypes: batch.idet_types, asOf: batch.as_of };
    const planned = await plan(q, scope, batch.csv, today);
    for (const a of planned.toAdd) {
      await q.query(
        `INSERT INTO person_identities (psn_no, psn_idet_type, begntime, endtime, source, import_batch_id, memo) VALUES ($1,$2,$3,$4,$5,$6,$7)`,
        [a.psn_no, a.psn_idet_type, a.begntime, a.endtime, scope.source, batchId, a.memo ?? null],
      );
      await writeAudit(q, ctx, 'identity.add', a.psn_no, { psn_idet_type: a.psn_idet_type, begntime: a.begntime, endtime: a.endtime, batch: batchId });
    }
    for (const e of planned.toEnd) {
      await q.query('UPDATE person_identities SET endtime = $2, ended_by_batch_id = $3 WHERE id = $1', [e.id, e.endtime, batchId]);
      await writeAudit(q, ctx, 'identity.end', e.psn_no, { identity_id: e.id, endtime: e.endtime, batch: batchId });
    }
    for (const c of planned.toChange) {
      await q.query('UPDATE person_identities SET endtime = $2 WHERE id = $1', [c.id, c.endtime]);
      await writeAudit(q, ctx, 'identity.change', c.psn_no, { identity_id: c.id, endtime: c.endtime, batch: batchId });
    }
    const r = await q.query<BatchRow>(
      `UPDATE identity_import_batches SET status = 'applied', applied_by = $2, applied_at = $3, report = $4 WHERE id = $1 RETURNING ${BATCH_COLUMNS}`,
      [batchId, ctx.actor, ctx.now, JSON.stringify(planned.report)],
    );
    await writeAudit(q, ctx, 'identity_import.apply', `identity_import:${batchId}`, { counts: planned.report.counts });
    return toBatch(r.rows[0]!);
  });
}

export async function getImportBatch(q: Queryable, batchId: number): Promise<ImportBatch | undefined> {
  const r = await q.query<BatchRow>(`SELECT ${BATCH_COLUMNS} FROM identity_import_batches WHERE id = $1`, [batchId]);
  return r.rows[0] ? toBatch(r.rows[0]) : undefined;
}
