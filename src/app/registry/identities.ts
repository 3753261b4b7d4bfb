// 人员身份: recording one by hand, and the comparison import (数据比对) that keeps them true: a
// roster from civil affairs, the disabled federation or tax is compared with what the registry
// holds. This file decides what a roster adds, ends, changes and refuses; the store
// (src/store/registry/identities.ts) only reads and writes the rows and batches.
import { addDays, chinaDate, isIsoDate } from '../../engine/calendar.ts';
import { IDENTITY_SOURCES, isCode, PSN_IDET_TYPES, type IdentitySource } from '../../engine/codes.ts';
import { parseIdCard } from '../../engine/idcard.ts';
import { conflict, invalid, notFound, Problems } from '../../engine/errors.ts';
import { inTransaction, type Pool, type Queryable } from '../../store/db.ts';
import { writeAudit, type WriteContext } from '../../store/audit.ts';
import {
  endIdentityByBatch, getImportBatch, heldIdentities, identityOverlaps, insertIdentity, insertImportBatch, insertImportedIdentity,
  lockImportBatch, markImportBatchApplied, personsByCertno, setIdentityEnd,
  type ChangeReport, type HeldIdentity, type Identity, type ImportBatch, type RejectedRow, type ReportRow, type RosterPerson,
} from '../../store/registry/identities.ts';
import { regionPrefix } from '../../store/registry/institutions.ts';
import { lockPerson } from '../../store/registry/persons.ts';
import { getRegion } from '../../store/registry/regions.ts';
import { splitCsvLine } from '../../engine/csv.ts';

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
  if (!(await lockPerson(q, input.psn_no))) throw notFound('psn_no', `人员编号 ${input.psn_no} 不存在`, `no person with psn_no ${input.psn_no}`);
  // One period at a time of each identity.
  if (await identityOverlaps(q, input.psn_no, input.psn_idet_type, input.begntime, input.endtime ?? null)) {
    throw conflict('psn_idet_type', '该身份在此期间已有记录', 'this identity already has a period overlapping these dates');
  }
  const identity = await insertIdentity(q, {
    psn_no: input.psn_no, psn_idet_type: input.psn_idet_type, begntime: input.begntime, endtime: input.endtime ?? null, source: input.source, memo: input.memo ?? null,
  });
  await writeAudit(q, ctx, 'identity.add', input.psn_no, { ...identity });
  return identity;
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


export interface RosterRow {
  line: number;
  certno: string;
  psn_idet_type: string;
  begntime: string;
  endtime: string | null;
  psn_name: string | undefined;
  memo: string | undefined;
}

/** Parses the roster; rows that cannot be read are rejected with their reason, never silently dropped. */
export function parseRoster(csv: string, today: string): { rows: RosterRow[]; rejected: RejectedRow[] } {
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
  const rows: RosterRow[] = [];
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

export interface ImportPlan {
  report: ChangeReport;
  toAdd: Array<{ psn_no: string; psn_idet_type: string; begntime: string; endtime: string | null; memo: string | undefined }>;
  toEnd: Array<{ id: number; psn_no: string; endtime: string }>;
  toChange: Array<{ id: number; psn_no: string; endtime: string | null }>;
}

export interface ImportScope {
  source: IdentitySource;
  admdvs: string;
  idetTypes: string[];
  asOf: string;
}

/**
 * The comparison itself (pure): each readable row of the roster against the registered persons
 * and the identities they hold. A listed identity not held is added, one held with another end
 * is changed, a held one the roster leaves out ends the day before the roster's date (never
 * before it began); a row about no one, someone outside the region, another name, a type
 * outside the scope or a start after the roster's date is refused with its reason.
 */
export function compareRoster(
  parsed: { rows: readonly RosterRow[]; rejected: readonly RejectedRow[] },
  scope: ImportScope,
  persons: ReadonlyMap<string, RosterPerson>,
  held: readonly HeldIdentity[],
): ImportPlan {
  const { rows, rejected } = parsed;
  const prefix = regionPrefix(scope.admdvs);
  const heldByKey = new Map(held.map((h) => [`${h.psn_no}|${h.psn_idet_type}`, h]));
  const report: ChangeReport = {
    counts: { rows: rows.length + rejected.length, added: 0, ended: 0, changed: 0, unchanged: 0, rejected: 0 },
    added: [], ended: [], changed: [], unchanged: [], rejected: [...rejected],
  };
  const out: ImportPlan = { report, toAdd: [], toEnd: [], toChange: [] };
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
  for (const h of held) {
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

/** Compares the roster with the registry. Reads only. */
async function plan(q: Queryable, scope: ImportScope, csv: string, today: string): Promise<ImportPlan> {
  const parsed = parseRoster(csv, today);
  const persons = await personsByCertno(q, [...new Set(parsed.rows.map((r) => r.certno))]);
  // Identities in force on the roster's date for the covered types among persons insured in the region.
  const held = await heldIdentities(q, regionPrefix(scope.admdvs), scope.idetTypes, scope.asOf);
  return compareRoster(parsed, scope, persons, held);
}

async function validateRequest(q: Queryable, req: ImportRequest, today: string): Promise<ImportScope> {
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
    const batch = await insertImportBatch(q, {
      source: scope.source, admdvs: scope.admdvs, idet_types: scope.idetTypes, as_of: scope.asOf, file_name: req.file_name ?? '', csv: req.csv,
      previewed_by: ctx.actor, previewed_at: ctx.now, report,
    });
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
    const batch = await lockImportBatch(q, batchId);
    if (!batch) throw notFound('id', `比对批次 ${batchId} 不存在`, `no identity import batch ${batchId}`);
    if (batch.status === 'applied') throw conflict('id', `比对批次 ${batchId} 已于 ${batch.applied_at ?? undefined} 由 ${batch.applied_by} 执行`, `batch ${batchId} was already applied`);
    const today = chinaDate(ctx.now);
    const scope: ImportScope = { source: batch.source as IdentitySource, admdvs: batch.admdvs, idetTypes: batch.idet_types, asOf: batch.as_of };
    const planned = await plan(q, scope, batch.csv, today);
    for (const a of planned.toAdd) {
      await insertImportedIdentity(q, batchId, { psn_no: a.psn_no, psn_idet_type: a.psn_idet_type, begntime: a.begntime, endtime: a.endtime, source: scope.source, memo: a.memo ?? null });
      await writeAudit(q, ctx, 'identity.add', a.psn_no, { psn_idet_type: a.psn_idet_type, begntime: a.begntime, endtime: a.endtime, batch: batchId });
    }
    for (const e of planned.toEnd) {
      await endIdentityByBatch(q, e.id, e.endtime, batchId);
      await writeAudit(q, ctx, 'identity.end', e.psn_no, { identity_id: e.id, endtime: e.endtime, batch: batchId });
    }
    for (const c of planned.toChange) {
      await setIdentityEnd(q, c.id, c.endtime);
      await writeAudit(q, ctx, 'identity.change', c.psn_no, { identity_id: c.id, endtime: c.endtime, batch: batchId });
    }
    const applied = await markImportBatchApplied(q, batchId, ctx.actor, ctx.now, planned.report);
    await writeAudit(q, ctx, 'identity_import.apply', `identity_import:${batchId}`, { counts: planned.report.counts });
    return applied;
  });
}

/** One import batch by its id (GET /identity-imports/:id). */
export async function requireImportBatch(q: Queryable, batchId: number): Promise<ImportBatch> {
  const batch = await getImportBatch(q, batchId);
  if (!batch) throw notFound('id', `比对批次 ${batchId} 不存在`, `no identity import batch ${batchId}`);
  return batch;
}
