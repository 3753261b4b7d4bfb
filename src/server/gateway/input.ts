import { invalid } from '../../engine/errors.ts';
import { chinaInstant, outsideWindow, parseCivilTime, type CivilTime, type DateWindowName } from '../../engine/dates.ts';

// Readers for a handler's `input`. Real HIS send numbers as strings and strings as numbers,
// so every reader accepts both and names the field (as `input.data.certno`) when it refuses.
// Nulls and empty strings were already removed by the envelope parser: absent means absent.

type Obj = Record<string, unknown>;

/** Keys that name an object's machinery in JavaScript, never data of the interface: refused wherever they appear. */
export const FORBIDDEN_KEYS: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype']);

function isObject(value: unknown): value is Obj {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * The object at `input.<key>` (e.g. `data`, `signIn`, `medinsinfo`). Absent → `{}` when
 * `optional`, otherwise an error naming `input.<key>`. Some clients send the object as a
 * JSON string; that is accepted.
 */
export function inputObject(input: Obj, key: string, optional = false): Obj {
  let value = input[key];
  if (typeof value === 'string') {
    try {
      value = JSON.parse(value);
    } catch {
      throw invalid(`input.${key}`, '应为JSON对象', 'expected a JSON object');
    }
  }
  if (value === undefined || value === null) {
    if (optional) return {};
    throw invalid(`input.${key}`, '缺少该节点', 'missing; expected an object');
  }
  if (!isObject(value)) throw invalid(`input.${key}`, '应为JSON对象', 'expected a JSON object');
  if (typeof input[key] === 'string') refuseForbiddenKeys(value, `input.${key}`);
  return value;
}

/** An object parsed here from JSON text gets the envelope's rule: no __proto__/constructor/prototype keys, at any depth. */
function refuseForbiddenKeys(value: unknown, path: string): void {
  if (typeof value !== 'object' || value === null) return;
  for (const [k, v] of Object.entries(value)) {
    const at = Array.isArray(value) ? `${path}[${k}]` : `${path}.${k}`;
    if (!Array.isArray(value) && FORBIDDEN_KEYS.has(k)) throw invalid(at, `不允许的字段名 ${k}`, `the field name ${k} is not allowed`);
    refuseForbiddenKeys(v, at);
  }
}

/** A list at `input.<key>`; a single object is read as a list of one (clients do both). */
export function inputList(input: Obj, key: string, optional = false): Obj[] {
  const value = input[key];
  if (value === undefined) {
    if (optional) return [];
    throw invalid(`input.${key}`, '缺少该节点', 'missing; expected a list');
  }
  const list = Array.isArray(value) ? value : [value];
  return list.map((item, i) => {
    if (!isObject(item)) throw invalid(`input.${key}[${i}]`, '应为JSON对象', 'expected a JSON object');
    return item;
  });
}

/** A string field; numbers are turned into their decimal text. `path` names it in errors. */
export function optionalString(obj: Obj, key: string, path: string, maxLength = 200): string | undefined {
  const value = obj[key];
  if (value === undefined || value === null) return undefined;
  let text: string;
  if (typeof value === 'string') text = value.trim();
  else if (typeof value === 'number' && Number.isFinite(value)) text = String(value);
  else throw invalid(`${path}.${key}`, '应为字符串', `expected a string, got ${describe(value)}`);
  if (text === '') return undefined;
  if (text.length > maxLength) {
    throw invalid(`${path}.${key}`, `长度不应超过${maxLength}`, `expected at most ${maxLength} characters`);
  }
  return text;
}

export function requiredString(obj: Obj, key: string, path: string, maxLength = 200): string {
  const text = optionalString(obj, key, path, maxLength);
  if (text === undefined) throw invalid(`${path}.${key}`, '必填', 'required');
  return text;
}

/** A code from a table (codes.ts); `pad` left-pads digit codes ("1" → "01") as clients drop zeros. */
export function optionalCode<T extends string>(
  obj: Obj,
  key: string,
  path: string,
  table: Record<T, unknown>,
  pad = 0,
): T | undefined {
  let text = optionalString(obj, key, path, 20);
  if (text === undefined) return undefined;
  if (pad > 0 && /^\d+$/.test(text)) text = text.padStart(pad, '0');
  if (!Object.prototype.hasOwnProperty.call(table, text)) {
    const allowed = Object.keys(table).join(', ');
    throw invalid(`${path}.${key}`, `取值应为 ${allowed} 之一`, `expected one of ${allowed}, got "${text}"`);
  }
  return text as T;
}

/**
 * A calendar date and time of day within the field's window (dates.ts); `what` says which
 * form the field takes in the error. Refuses by field name, never rolls a day forward.
 */
function civilTime(obj: Obj, key: string, path: string, window: DateWindowName, now: Date, what: { zh: string; en: string }): CivilTime | undefined {
  const text = optionalString(obj, key, path, 30);
  if (text === undefined) return undefined;
  const t = parseCivilTime(text);
  if (!t) throw invalid(`${path}.${key}`, `应为真实存在的${what.zh}`, `expected a real calendar ${what.en}, got "${text}"`);
  const outside = outsideWindow(t.date, text, window, now);
  if (outside) throw invalid(`${path}.${key}`, outside.zh, outside.en);
  return t;
}

/** A date as yyyy-MM-dd; a datetime "yyyy-MM-dd HH:mm:ss" or yyyyMMdd is read as its date. */
export function optionalDate(obj: Obj, key: string, path: string, window: DateWindowName, now: Date): string | undefined {
  return civilTime(obj, key, path, window, now, { zh: '日期 yyyy-MM-dd', en: 'date yyyy-MM-dd' })?.date;
}

/** An integer field (numbers or digit strings). */
export function optionalInteger(obj: Obj, key: string, path: string, min: number, max: number): number | undefined {
  const value = obj[key];
  if (value === undefined || value === null) return undefined;
  const n = typeof value === 'number' ? value : typeof value === 'string' && /^\s*-?\d+\s*$/.test(value) ? Number(value) : NaN;
  if (!Number.isSafeInteger(n) || n < min || n > max) {
    throw invalid(`${path}.${key}`, `应为 ${min}-${max} 的整数`, `expected an integer from ${min} to ${max}, got ${describe(value)}`);
  }
  return n;
}

export function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'string') return `"${value.length > 40 ? value.slice(0, 40) + '…' : value}"`;
  if (typeof value === 'object') return 'an object';
  return `${typeof value} ${String(value)}`;
}

/** A time "yyyy-MM-dd HH:mm:ss" (or a date, read as its midnight) in China Standard Time → the instant. */
export function optionalDateTime(obj: Obj, key: string, path: string, window: DateWindowName, now: Date): Date | undefined {
  const t = civilTime(obj, key, path, window, now, { zh: '时间 yyyy-MM-dd HH:mm:ss', en: 'time yyyy-MM-dd HH:mm:ss' });
  return t === undefined ? undefined : chinaInstant(t);
}

/** A '0'/'1' flag (clients send numbers as well); absent → `fallback`. */
export function optionalFlag(obj: Obj, key: string, path: string, fallback: boolean): boolean {
  const text = optionalString(obj, key, path, 1);
  if (text === undefined) return fallback;
  if (text !== '0' && text !== '1') throw invalid(`${path}.${key}`, '取值应为 0 或 1', `expected 0 or 1, got "${text}"`);
  return text === '1';
}
