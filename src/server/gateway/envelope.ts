import { Problems, invalid } from '../../engine/errors.ts';
import { describe, FORBIDDEN_KEYS } from './input.ts';
import type { GatewayEnvelope } from './types.ts';

// The one envelope parser. It takes what real HIS send (nulls, "", numbers as strings and
// strings as numbers, infver "V1.0"/"1.0"/"1", extra fields such as serv_code) and either
// returns a normalised GatewayEnvelope or throws one YibaoError listing every problem.

const MAX_DEPTH = 32;

/** The raw request body (bytes or text from any content type) → a parsed JSON object. */
export function parseBody(body: unknown): Record<string, unknown> {
  let value: unknown = body;
  if (Buffer.isBuffer(value)) value = value.toString('utf8');
  if (typeof value === 'string') {
    const text = value.replace(/^\uFEFF/, '').trim();
    if (text === '') throw invalid('body', '请求报文为空，应为JSON对象', 'the body is empty; expected a JSON object');
    try {
      value = JSON.parse(text);
    } catch (err) {
      throw invalid('body', '请求报文不是合法的JSON', `the body is not valid JSON (${(err as Error).message})`);
    }
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw invalid('body', '请求报文应为JSON对象', `expected a JSON object, got ${describe(value)}`);
  }
  return value as Record<string, unknown>;
}

interface HeaderRule {
  required: boolean;
  maxLength: number;
  pattern?: RegExp;
  expected?: { zh: string; en: string };
}

const DIGITS6 = { zh: '6位数字区划代码', en: 'a six-digit region code' };

const HEADER: Record<string, HeaderRule> = {
  // Four digits, and a version letter where the specification has one (4101A).
  infno: { required: true, maxLength: 5, pattern: /^\d{4}[A-Z]?$/, expected: { zh: '4位数字交易编号（可带版本字母，如 4101A）', en: 'a four-digit transaction number, with a version letter where there is one (4101A)' } },
  msgid: { required: true, maxLength: 64 },
  mdtrtarea_admvs: { required: true, maxLength: 6, pattern: /^\d{6}$/, expected: DIGITS6 },
  insuplc_admdvs: { required: false, maxLength: 6, pattern: /^\d{6}$/, expected: DIGITS6 },
  fixmedins_code: { required: true, maxLength: 30 },
  fixmedins_name: { required: false, maxLength: 200 },
  opter: { required: false, maxLength: 30 },
  opter_name: { required: false, maxLength: 50 },
  opter_type: { required: false, maxLength: 1, pattern: /^[123]$/, expected: { zh: '1、2或3', en: '1 (staff), 2 (kiosk) or 3 (mobile)' } },
  sign_no: { required: false, maxLength: 64 },
  inf_time: { required: false, maxLength: 30 },
  recer_sys_code: { required: false, maxLength: 30 },
  cainfo: { required: false, maxLength: 4096 },
  signtype: { required: false, maxLength: 10 },
};

// Control characters cannot be stored as text (NUL) and never belong in a code or id.
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f]/;

/** A header value as text: strings trimmed, finite numbers as their decimal text, null/"" as absent. */
function headerText(raw: Record<string, unknown>, key: string, problems: Problems): string | undefined {
  const value = raw[key];
  if (value === undefined || value === null) return undefined;
  let text: string;
  if (typeof value === 'string') text = value.trim();
  else if (typeof value === 'number' && Number.isFinite(value)) text = String(value);
  else {
    problems.add(key, '应为字符串', `expected a string, got ${describe(value)}`);
    return undefined;
  }
  return text === '' ? undefined : text;
}

function normaliseInfver(raw: Record<string, unknown>, problems: Problems): string {
  const text = headerText(raw, 'infver', problems);
  if (text === undefined || /^[vV]?1(\.0{1,2})?$/.test(text)) return 'V1.0';
  problems.add('infver', '不支持的接口版本，应为 V1.0', `unsupported interface version "${text.slice(0, 20)}"; expected V1.0`);
  return 'V1.0';
}

/** PostgreSQL text and jsonb cannot hold NUL or unpaired UTF-16 surrogates. */
function textStorable(text: string): boolean {
  return !text.includes('\u0000') && !/\p{Cs}/u.test(text);
}

/**
 * Removes null and "" values from objects (and from lists) at every depth, refuses NUL
 * characters and absurd nesting, and keeps everything else as sent.
 */
function normaliseValue(value: unknown, path: string, depth: number, problems: Problems): unknown {
  if (depth > MAX_DEPTH) {
    problems.add(path, `嵌套层数超过${MAX_DEPTH}`, `nested deeper than ${MAX_DEPTH} levels`);
    return undefined;
  }
  if (typeof value === 'string') {
    if (!textStorable(value)) problems.add(path, '含有NUL字符或不成对的代理字符', 'contains a NUL character or an unpaired surrogate');
    return value;
  }
  if (Array.isArray(value)) {
    return value
      .filter((v) => v !== null && v !== '')
      .map((v, i) => normaliseValue(v, `${path}[${i}]`, depth + 1, problems));
  }
  if (typeof value === 'object' && value !== null) {
    const out: Record<string, unknown> = {};
    for (const [key, v] of Object.entries(value)) {
      if (FORBIDDEN_KEYS.has(key)) {
        // Copied as a key it would become the object's prototype: read by handlers, unseen by the log and the hash.
        problems.add(`${path}.${key}`, `不允许的字段名 ${key}`, `the field name ${key} is not allowed`);
        continue;
      }
      if (v === null || v === '') continue;
      if (!textStorable(key)) {
        problems.add(path, '字段名含有NUL字符或不成对的代理字符', 'a field name contains a NUL character or an unpaired surrogate');
        continue;
      }
      out[key] = normaliseValue(v, `${path}.${key}`, depth + 1, problems);
    }
    return out;
  }
  return value;
}

function normaliseInput(raw: Record<string, unknown>, problems: Problems): Record<string, unknown> {
  let value = raw.input;
  if (value === undefined || value === null || value === '') return {};
  if (typeof value === 'string') {
    // Some clients send input as a JSON text.
    try {
      value = JSON.parse(value);
    } catch {
      problems.add('input', '应为JSON对象', 'expected a JSON object, got a string that is not JSON');
      return {};
    }
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    problems.add('input', '应为JSON对象', `expected a JSON object, got ${describe(value)}`);
    return {};
  }
  return normaliseValue(value, 'input', 1, problems) as Record<string, unknown>;
}

/** A parsed body → the normalised envelope, or a YibaoError naming every bad field. */
export function normaliseEnvelope(raw: Record<string, unknown>): GatewayEnvelope {
  const problems = new Problems();
  for (const key of Object.keys(raw)) if (FORBIDDEN_KEYS.has(key)) problems.add(key, `不允许的字段名 ${key}`, `the field name ${key} is not allowed`);
  const header: Record<string, string | undefined> = {};
  for (const [key, rule] of Object.entries(HEADER)) {
    const text = headerText(raw, key, problems);
    if (text === undefined) {
      if (rule.required) problems.add(key, '必填', 'required');
      continue;
    }
    if (CONTROL.test(text) || !textStorable(text)) {
      problems.add(key, '含有控制字符', 'contains control characters');
      continue;
    }
    if (text.length > rule.maxLength || (rule.pattern && !rule.pattern.test(text))) {
      const shown = JSON.stringify(text.slice(0, 40));
      if (rule.expected) problems.add(key, `应为${rule.expected.zh}`, `expected ${rule.expected.en}, got ${shown}`);
      else problems.add(key, `长度不应超过${rule.maxLength}`, `expected at most ${rule.maxLength} characters`);
      continue;
    }
    header[key] = text;
  }
  const infver = normaliseInfver(raw, problems);
  const input = normaliseInput(raw, problems);
  problems.throwIfAny();
  return {
    infno: header.infno!,
    msgid: header.msgid!,
    mdtrtarea_admvs: header.mdtrtarea_admvs!,
    insuplc_admdvs: header.insuplc_admdvs,
    fixmedins_code: header.fixmedins_code!,
    fixmedins_name: header.fixmedins_name,
    opter: header.opter,
    opter_name: header.opter_name,
    opter_type: header.opter_type,
    sign_no: header.sign_no,
    inf_time: header.inf_time,
    infver,
    recer_sys_code: header.recer_sys_code,
    cainfo: header.cainfo,
    signtype: header.signtype,
    input,
  };
}

/** The response envelope (DOMAIN.md §6). */
export interface GatewayResponse {
  infcode: 0 | -1;
  /** Region 6 + yyyyMMddHHmmss 14 + serial 10. */
  inf_refmsgid: string;
  /** When the request was received, yyyyMMddHHmmssSSS. */
  refmsg_time: string;
  /** When the answer was made, yyyyMMddHHmmssSSS. */
  respond_time: string;
  err_msg: string | null;
  warn_msg: string | null;
  output: Record<string, unknown>;
}

/** The region part of inf_refmsgid: the treatment region when the request named a valid one. */
export function refmsgRegion(raw: Record<string, unknown> | undefined): string {
  const v = raw?.mdtrtarea_admvs;
  const text = typeof v === 'number' ? String(v) : typeof v === 'string' ? v.trim() : '';
  return /^\d{6}$/.test(text) ? text : '000000';
}
