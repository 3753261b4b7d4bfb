import { invalid, YibaoError } from '../../engine/errors.ts';
import type { PageRequest, Window } from '../../store/fhir/queries.ts';
import type { ServedType } from './types.ts';

// The search parameters each resource type answers, parsed strictly: a parameter we do not
// support, a modifier, a malformed value is a 400 naming it (an unsupported parameter silently
// ignored would widen a search: a misspelt `patient` would return everyone the caller may see).
// `Prefer: handling=lenient` drops unknown parameters instead, as FHIR allows; the self link then
// shows only the ones used.

export type ParamKind = 'id' | 'identifier' | 'date' | 'reference:Patient' | 'reference:Claim' | 'uri';

export const SEARCH_PARAMS: Record<ServedType, Record<string, ParamKind>> = {
  Patient: { _id: 'id', identifier: 'identifier' },
  Coverage: { _id: 'id', identifier: 'identifier', beneficiary: 'reference:Patient', patient: 'reference:Patient' },
  Organization: { _id: 'id', identifier: 'identifier' },
  Claim: { _id: 'id', identifier: 'identifier', patient: 'reference:Patient', created: 'date' },
  ClaimResponse: { _id: 'id', identifier: 'identifier', patient: 'reference:Patient', created: 'date', request: 'reference:Claim' },
  ExplanationOfBenefit: { _id: 'id', identifier: 'identifier', patient: 'reference:Patient', created: 'date', claim: 'reference:Claim' },
  PaymentReconciliation: { _id: 'id', identifier: 'identifier', created: 'date' },
  CodeSystem: { _id: 'id', url: 'uri' },
};

/** Parameters every search takes besides its own. */
export const RESULT_PARAMS = ['_count', '_cursor', '_format'] as const;

export const DEFAULT_COUNT = 50;
export const MAX_COUNT = 200;

export interface ParsedSearch {
  /** Each parameter used, its values as given (for the self and next links). */
  used: [string, string][];
  ids: Partial<Record<string, string>>;
  identifier?: { system?: string; value: string };
  created?: Window;
  page: PageRequest;
}

const ID = /^[A-Za-z0-9\-.]{1,64}$/;

const values = (v: unknown): string[] => (Array.isArray(v) ? v.map(String) : v === undefined ? [] : [String(v)]);

function once(name: string, vs: string[]): string {
  if (vs.length !== 1) throw invalid(name, `${name} 只能给出一次`, `${name} may be given once`);
  const v = vs[0]!;
  if (v === '') throw invalid(name, `${name} 不能为空`, `${name} must not be empty`);
  if (v.includes(',')) throw invalid(name, `${name} 不支持以逗号分隔的多个值`, `${name}: several values separated by commas are not supported`);
  return v;
}

function referenceId(name: string, v: string, type: string): string {
  // Patient/<id>, <id>, or an absolute URL ending in Patient/<id>
  const parts = v.split('/');
  const id = parts[parts.length - 1]!;
  const named = parts.length >= 2 ? parts[parts.length - 2] : undefined;
  if ((named !== undefined && named !== type) || !ID.test(id)) {
    throw invalid(name, `${name} 应为 ${type}/<id>`, `${name} must be ${type}/<id>`);
  }
  return id;
}

const CHINA_OFFSET = '+08:00';

/** The instants [start, end) a FHIR date or dateTime value covers at its precision (China time when it names no zone). */
export function dateRange(name: string, value: string): { start: Date; end: Date } {
  const m = /^(\d{4})(?:-(\d{2})(?:-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})?)?)?)?$/.exec(value);
  const bad = (): YibaoError => invalid(name, `${name} 的日期格式不正确（应为 YYYY、YYYY-MM、YYYY-MM-DD 或带时区的时间）`, `${name}: not a FHIR date (YYYY, YYYY-MM, YYYY-MM-DD or a dateTime)`);
  if (!m) throw bad();
  const [, y, mo, d, hh, mi, ss, frac, zone] = m;
  const year = Number(y);
  const month = mo === undefined ? 1 : Number(mo);
  const day = d === undefined ? 1 : Number(d);
  if (month < 1 || month > 12 || day < 1 || day > new Date(Date.UTC(year, month, 0)).getUTCDate() || year < 1900) throw bad();
  const tz = zone === undefined ? CHINA_OFFSET : zone === 'Z' ? '+00:00' : zone;
  const pad = (n: number): string => String(n).padStart(2, '0');
  const at = (yy: number, mm: number, dd: number, rest = 'T00:00:00'): Date => {
    const t = new Date(Date.UTC(yy, mm - 1, dd));
    return new Date(`${t.getUTCFullYear()}-${pad(t.getUTCMonth() + 1)}-${pad(t.getUTCDate())}${rest}${tz}`);
  };
  if (hh !== undefined) {
    if (Number(hh) > 23 || Number(mi) > 59 || (ss !== undefined && Number(ss) > 59)) throw bad();
    const start = new Date(`${y}-${mo}-${d}T${hh}:${mi}:${ss ?? '00'}${frac ?? ''}${tz}`);
    if (Number.isNaN(start.getTime())) throw bad();
    const step = ss === undefined ? 60_000 : frac === undefined ? 1000 : 1;
    return { start, end: new Date(start.getTime() + step) };
  }
  if (mo === undefined) return { start: at(year, 1, 1), end: at(year + 1, 1, 1) };
  if (d === undefined) return { start: at(year, month, 1), end: at(year, month + 1, 1) };
  return { start: at(year, month, day), end: at(year, month, day + 1) };
}

/** The window a date parameter's values (each with its prefix) leave; they all apply (AND). */
export function dateWindow(name: string, vs: readonly string[]): Window {
  let from: Date | undefined;
  let to: Date | undefined;
  const later = (a: Date | undefined, b: Date): Date => (a === undefined || b > a ? b : a);
  const earlier = (a: Date | undefined, b: Date): Date => (a === undefined || b < a ? b : a);
  for (const v of vs) {
    const m = /^(eq|ne|gt|lt|ge|le|sa|eb|ap)?(.*)$/.exec(v)!;
    const prefix = m[1] ?? 'eq';
    if (!['eq', 'gt', 'lt', 'ge', 'le'].includes(prefix)) throw invalid(name, `${name} 不支持前缀 ${prefix}（支持 eq、gt、lt、ge、le）`, `${name}: the prefix ${prefix} is not supported (eq, gt, lt, ge, le are)`);
    const { start, end } = dateRange(name, m[2]!);
    if (prefix === 'eq') { from = later(from, start); to = earlier(to, end); }
    if (prefix === 'ge') from = later(from, start);
    if (prefix === 'gt') from = later(from, end);
    if (prefix === 'le') to = earlier(to, end);
    if (prefix === 'lt') to = earlier(to, start);
  }
  return { ...(from ? { from } : {}), ...(to ? { to } : {}) };
}

/** The keyset position a next link carries: base64url of {at?, id}. */
export function encodeCursor(after: { at?: string; id: string }): string {
  return Buffer.from(JSON.stringify(after)).toString('base64url');
}

function decodeCursor(v: string): { at?: string; id: string } {
  const bad = invalid('_cursor', '_cursor 无效（请使用 next 链接原样翻页）', '_cursor is not valid (follow the next link as it is)');
  if (!/^[A-Za-z0-9_-]{1,400}$/.test(v)) throw bad;
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(v, 'base64url').toString('utf8'));
  } catch {
    throw bad;
  }
  const o = parsed as { at?: unknown; id?: unknown };
  if (parsed === null || typeof parsed !== 'object' || typeof o.id !== 'string' || o.id.length > 64 || o.id.includes('\u0000')) throw bad;
  if (o.at !== undefined && (typeof o.at !== 'string' || !/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/.test(o.at))) throw bad;
  return o.at === undefined ? { id: o.id } : { at: o.at, id: o.id };
}

/** Parses a search's query string for a resource type; refuses what it does not support by name. */
export function parseSearch(type: ServedType, query: Record<string, unknown>, lenient: boolean): ParsedSearch {
  const own = SEARCH_PARAMS[type];
  const out: ParsedSearch = { used: [], ids: {}, page: { count: DEFAULT_COUNT } };
  for (const [name, raw] of Object.entries(query)) {
    const vs = values(raw);
    if (name === '_format') {
      continue; // checked by the route (406 when it is not JSON)
    }
    if (name === '_count') {
      const v = once(name, vs);
      const n = /^[0-9]{1,4}$/.test(v) ? Number(v) : NaN;
      if (!Number.isInteger(n) || n < 1 || n > MAX_COUNT) throw invalid('_count', `_count 应为 1 到 ${MAX_COUNT} 的整数`, `_count must be an integer from 1 to ${MAX_COUNT}`);
      out.page.count = n;
      out.used.push([name, v]);
      continue;
    }
    if (name === '_cursor') {
      out.page.after = decodeCursor(once(name, vs));
      continue; // not part of the search itself: the next link sets its own
    }
    const kind = Object.prototype.hasOwnProperty.call(own, name) ? own[name] : undefined;
    if (kind === undefined) {
      if (lenient) continue;
      throw invalid(name, `${type} 不支持检索参数 ${name}（支持：${Object.keys(own).join('、')}）`, `${type} has no search parameter ${name} (supported: ${Object.keys(own).join(', ')})`);
    }
    if (kind === 'date') {
      if (vs.length === 0 || vs.some((v) => v === '')) throw invalid(name, `${name} 不能为空`, `${name} must not be empty`);
      out.created = dateWindow(name, vs);
      for (const v of vs) out.used.push([name, v]);
      continue;
    }
    const v = once(name, vs);
    out.used.push([name, v]);
    if (kind === 'id') {
      if (!ID.test(v)) throw invalid(name, `${name} 不是有效的资源 id`, `${name} is not a valid resource id`);
      out.ids._id = v;
    } else if (kind === 'reference:Patient') {
      const id = referenceId(name, v, 'Patient');
      if (out.ids.patient !== undefined && out.ids.patient !== id) throw invalid(name, `${name} 与另一患者参数所指不同`, `${name} names another patient than the other parameter`);
      out.ids.patient = id;
    } else if (kind === 'reference:Claim') {
      out.ids.claim = referenceId(name, v, 'Claim');
    } else if (kind === 'uri') {
      out.ids.url = v;
    } else {
      const bar = v.indexOf('|');
      const system = bar < 0 ? undefined : v.slice(0, bar);
      const value = bar < 0 ? v : v.slice(bar + 1);
      if (value === '' || value.length > 64) throw invalid(name, `${name} 应为 system|value 或 value`, `${name} must be system|value or value`);
      out.identifier = system ? { system, value } : { value };
    }
  }
  return out;
}
