import crypto from 'node:crypto';

// One canonical JSON text for a value: object keys sorted (UTF-16 code-unit order) at every
// depth, no whitespace, strings and numbers as JSON.stringify writes them. Used for the
// request hash of idempotency and for the text an institution signs.

export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return '[' + value.map((v) => canonicalJson(v)).join(',') + ']';
  const obj = value as Record<string, unknown>;
  const keys = Object.keys(obj)
    .filter((k) => obj[k] !== undefined)
    .sort();
  return '{' + keys.map((k) => JSON.stringify(k) + ':' + canonicalJson(obj[k])).join(',') + '}';
}

export function sha256Hex(text: string): string {
  return crypto.createHash('sha256').update(text, 'utf8').digest('hex');
}

/** Paths at which two JSON values differ, at most `limit` of them (for "different content" errors). */
export function differingPaths(a: unknown, b: unknown, path = '', limit = 5, out: string[] = []): string[] {
  if (out.length >= limit) return out;
  const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null;
  if (isObj(a) && isObj(b) && Array.isArray(a) === Array.isArray(b)) {
    const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])].sort();
    for (const k of keys) {
      differingPaths(a[k], b[k], Array.isArray(a) ? `${path}[${k}]` : path ? `${path}.${k}` : k, limit, out);
      if (out.length >= limit) break;
    }
    return out;
  }
  if (canonicalJson(a) !== canonicalJson(b)) out.push(path || '(whole message)');
  return out;
}
