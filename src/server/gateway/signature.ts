import crypto from 'node:crypto';
import { invalid, unauthenticated } from '../../engine/errors.ts';
import { canonicalJson } from './canonical.ts';

// Envelope signatures (SM2 over SM3, node:crypto on OpenSSL 3). The signed text is the
// canonical JSON (./canonical.ts) of the request body exactly as parsed, with the `cainfo`
// member removed; `cainfo` carries the DER signature in base64 (hex is accepted too).
// A key read from PEM/DER is an SM2 key to OpenSSL 3.0, which then signs per GB/T 32918
// (SM3 over Z || message) with an EMPTY distinguishing id, not GM/T 0009's
// "1234567812345678"; node:crypto cannot set the id. See docs/interface.md, "Signatures".

/** The exact text an institution signs for `body`. */
export function signedText(body: Record<string, unknown>): string {
  const { cainfo: _omitted, ...rest } = body;
  return canonicalJson(rest);
}

/** Signs a request body (clients and tests); returns the body with `cainfo` and `signtype` set. */
export function signBody(body: Record<string, unknown>, privateKey: crypto.KeyObject | string): Record<string, unknown> {
  const withType = { ...body, signtype: 'SM2' };
  const signature = crypto.sign('sm3', Buffer.from(signedText(withType), 'utf8'), asSm2PrivateKey(privateKey));
  return { ...withType, cainfo: signature.toString('base64') };
}

/**
 * A key fresh from generateKeyPairSync('ec', { namedCurve: 'SM2' }) is a plain EC key to
 * OpenSSL and would sign ECDSA-style without Z; re-reading it from PKCS#8 makes it SM2.
 */
function asSm2PrivateKey(key: crypto.KeyObject | string): crypto.KeyObject {
  if (typeof key === 'string') return crypto.createPrivateKey(key);
  return crypto.createPrivateKey({ key: key.export({ type: 'pkcs8', format: 'der' }), format: 'der', type: 'pkcs8' });
}

const keyCache = new Map<string, crypto.KeyObject>();

function publicKey(pem: string): crypto.KeyObject {
  let key = keyCache.get(pem);
  if (!key) {
    try {
      key = crypto.createPublicKey(pem);
    } catch {
      // The registered key is broken: the institution cannot be authenticated until it is fixed.
      throw unauthenticated('fixmedins_code', '该机构登记的SM2公钥无法读取，请联系经办机构', 'the SM2 public key registered for this institution cannot be read; ask the bureau to fix it');
    }
    if (keyCache.size > 1000) keyCache.clear();
    keyCache.set(pem, key);
  }
  return key;
}

function decodeSignature(cainfo: string): Buffer {
  if (/^[0-9a-fA-F]+$/.test(cainfo) && cainfo.length % 2 === 0) return Buffer.from(cainfo, 'hex');
  if (/^[A-Za-z0-9+/]+={0,2}$/.test(cainfo)) return Buffer.from(cainfo, 'base64');
  throw invalid('cainfo', '应为Base64或十六进制的签名', 'expected a base64 or hex signature');
}

/** Verifies the body's signature with the institution's PEM public key; throws when it does not hold. */
export function verifyBodySignature(body: Record<string, unknown>, cainfo: string | undefined, signtype: string | undefined, pem: string): void {
  if (signtype !== undefined && !/^SM[23]$/i.test(signtype)) {
    throw invalid('signtype', '应为SM2或SM3', `expected SM2 or SM3, got "${signtype.slice(0, 20)}"`);
  }
  if (cainfo === undefined) {
    throw unauthenticated('cainfo', '该机构已登记SM2公钥，报文须签名', 'this institution has a registered SM2 key; the message must be signed');
  }
  const key = publicKey(pem);
  let ok = false;
  try {
    ok = crypto.verify('sm3', Buffer.from(signedText(body), 'utf8'), key, decodeSignature(cainfo));
  } catch (err) {
    if (err instanceof Error && err.name === 'YibaoError') throw err;
    ok = false;
  }
  if (!ok) {
    throw unauthenticated('cainfo', '签名验证失败：报文被改动或签名密钥不符', 'signature verification failed: the message was altered or signed with another key');
  }
}
