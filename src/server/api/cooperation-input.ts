import { invalid } from '../../engine/errors.ts';
import { dateProblem, parseCivilTime } from '../../engine/dates.ts';

// Reading request bodies and query strings for the cooperation routes: each reader names the
// field it refuses, so a client learns exactly what to fix.

export type Json = Record<string, unknown>;

export function body(raw: unknown): Json {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) throw invalid('body', '请求体应为 JSON 对象', 'the body must be a JSON object');
  return raw as Json;
}

export function str(o: Json, field: string, prefix = ''): string {
  const v = o[field];
  if (typeof v !== 'string' || v.trim() === '') throw invalid(prefix + field, `缺少 ${field}`, `${field} is required`);
  return v.trim();
}

export function optStr(o: Json, field: string, prefix = ''): string | undefined {
  const v = o[field];
  if (v === undefined || v === null || v === '') return undefined;
  if (typeof v !== 'string' && typeof v !== 'number') throw invalid(prefix + field, `${field} 应为字符串`, `${field} must be a string`);
  return String(v).trim();
}

/** A real day in the registry's window, refused naming the field. */
function recordDate(day: string, field: string): string {
  const problem = dateProblem(day, 'record');
  if (problem) throw invalid(field, problem.zh, problem.en);
  return day;
}

export function date(o: Json, field: string, prefix = ''): string {
  return recordDate(str(o, field, prefix), prefix + field);
}

export function optDate(o: Json, field: string, prefix = ''): string | null {
  const v = optStr(o, field, prefix);
  if (v === undefined) return null;
  // The national interface sends dates with a time ('2026-06-01 00:00:00'): the time must be
  // real too, and the day is what counts.
  const t = parseCivilTime(v);
  if (!t) throw invalid(prefix + field, '应为真实存在的日期 yyyy-mm-dd', `expected a real calendar date yyyy-mm-dd, got ${JSON.stringify(v)}`);
  return recordDate(t.date, prefix + field);
}

export function bool(o: Json, field: string, fallback: boolean): boolean {
  const v = o[field];
  if (v === undefined || v === null || v === '') return fallback;
  if (typeof v === 'boolean') return v;
  if (v === '1' || v === 'true' || v === 1) return true;
  if (v === '0' || v === 'false' || v === 0) return false;
  throw invalid(field, `${field} 应为布尔值`, `${field} must be a boolean`);
}

export function arr(o: Json, field: string, required = false): unknown[] {
  const v = o[field];
  if (v === undefined || v === null) {
    if (required) throw invalid(field, `缺少 ${field}`, `${field} is required`);
    return [];
  }
  if (!Array.isArray(v)) throw invalid(field, `${field} 应为数组`, `${field} must be an array`);
  return v;
}

export function obj(v: unknown, field: string): Json {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) throw invalid(field, `${field} 应为对象`, `${field} must be an object`);
  return v as Json;
}

export function strings(o: Json, field: string, required = false): string[] {
  return arr(o, field, required).map((x, i) => {
    if (typeof x !== 'string' || !x.trim()) throw invalid(`${field}/${i}`, '应为非空字符串', 'must be a non-empty string');
    return x.trim();
  });
}


export function evidenceList(o: Json): { kind: string; ref: string; description: string | null }[] {
  return arr(o, 'evidence').map((e, i) => {
    const x = obj(e, `evidence/${i}`);
    return { kind: str(x, 'kind', `evidence/${i}/`), ref: str(x, 'ref', `evidence/${i}/`), description: optStr(x, 'description', `evidence/${i}/`) ?? null };
  });
}
