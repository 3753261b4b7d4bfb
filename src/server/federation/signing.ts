import crypto from 'node:crypto';
import { canonicalJson } from '../gateway/canonical.ts';

// Inter-deployment signatures: SM2 with SM3 over the canonical JSON of the message without its
// `signature` field, as OpenSSL signs it (node:crypto, the empty distinguishing id; both ends
// are yibao, unlike the gateway's HIS signatures, which use GM/T 0009's default id: sm2.ts).

export function signedText(message: Record<string, unknown>): Buffer {
  const { signature: _s, ...rest } = message;
  return Buffer.from(canonicalJson(rest), 'utf8');
}

/** Signs the message as it will travel: its JSON form (a Date becomes its ISO text), which the receiver sees. */
export function sign<T extends Record<string, unknown>>(message: Omit<T, 'signature'>, key: crypto.KeyObject): T {
  const plain = JSON.parse(JSON.stringify(message)) as Record<string, unknown>;
  const signature = crypto.sign('sm3', signedText(plain), key).toString('base64');
  return { ...plain, signature } as unknown as T;
}

export function verify(message: Record<string, unknown>, key: crypto.KeyObject): boolean {
  const sig = message['signature'];
  if (typeof sig !== 'string' || sig.length === 0 || sig.length > 200) return false;
  try {
    return crypto.verify('sm3', signedText(message), key, Buffer.from(sig, 'base64'));
  } catch {
    return false;
  }
}
