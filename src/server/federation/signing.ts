import crypto from 'node:crypto';

// Inter-deployment signatures: SM2 with SM3 over the message's JSON text as it travels, up to
// its last field `signature` (the text before `,"signature":"…"` closed with `}`), as OpenSSL
// signs (node:crypto, the empty distinguishing id; both ends are yibao, unlike the gateway's HIS
// signatures, which use GM/T 0009's default id: sm2.ts). Signing the bytes sent, not a
// canonical form rebuilt from them, costs one pass over the text on each side.

const MARK = ',"signature":"';

/** The message as JSON text with its signature as the last field. */
export function signedJson(message: Record<string, unknown>, key: crypto.KeyObject): string {
  const { signature: _s, ...rest } = message;
  const text = JSON.stringify(rest);
  const signature = crypto.sign('sm3', Buffer.from(text, 'utf8'), key).toString('base64');
  return `${text.slice(0, -1)}${MARK}${signature}"}`;
}

/** The message as an object signed the same way (what `signedJson` sends, parsed back). */
export function sign<T extends Record<string, unknown>>(message: Omit<T, 'signature'>, key: crypto.KeyObject): T {
  return JSON.parse(signedJson(message as Record<string, unknown>, key)) as T;
}

/** The parsed message when `text` is JSON whose last field is a signature by `key` of the text before it; else undefined. */
export function verifiedJson(text: string, key: crypto.KeyObject): Record<string, unknown> | undefined {
  const at = text.lastIndexOf(MARK);
  if (at < 0 || !text.endsWith('"}')) return undefined;
  const signature = text.slice(at + MARK.length, -2);
  if (signature.length === 0 || signature.length > 200 || !/^[A-Za-z0-9+/=]+$/.test(signature)) return undefined;
  try {
    if (!crypto.verify('sm3', Buffer.from(text.slice(0, at) + '}', 'utf8'), key, Buffer.from(signature, 'base64'))) return undefined;
    const value = JSON.parse(text) as unknown;
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}
