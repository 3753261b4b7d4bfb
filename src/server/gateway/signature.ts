import crypto from 'node:crypto';
import { invalid, unauthenticated } from '../../engine/errors.ts';
import { canonicalJson } from './canonical.ts';
import { DEFAULT_SM2_ID, publicPoint, sm2Sign, sm2Verify } from './sm2.ts';

// Envelope signatures: SM2 with SM3 over the canonical JSON (./canonical.ts) of the request
// body exactly as parsed, with the `cainfo` member removed; `cainfo` carries the DER
// signature in base64 (hex, and raw 64-byte r ‖ s, are accepted too). The distinguishing id
// is GM/T 0009's "1234567812345678"; signatures made with an empty id (what node:crypto and
// OpenSSL 3.0 produce by default) are accepted too. See docs/interface.md, "Signatures".

/** The exact text an institution signs for `body`. */
export function signedText(body: Record<string, unknown>): string {
  const { cainfo: _omitted, ...rest } = body;
  return canonicalJson(rest);
}

/** Signs a request body (clients, tests, federation); returns it with `signtype` and `cainfo` set. */
export function signBody(body: Record<string, unknown>, privateKey: crypto.KeyObject): Record<string, unknown> {
  const withType = { ...body, signtype: 'SM2' };
  const signature = sm2Sign(privateKey, Buffer.from(signedText(withType), 'utf8'), DEFAULT_SM2_ID);
  return { ...withType, cainfo: signature.toString('base64') };
}

const pointCache = new Map<string, ReturnType<typeof publicPoint>>();

function registeredPoint(pem: string): ReturnType<typeof publicPoint> {
  let point = pointCache.get(pem);
  if (!point) {
    try {
      point = publicPoint(pem);
    } catch {
      // The registered key is broken: the institution cannot be authenticated until it is fixed.
      throw unauthenticated('fixmedins_code', '该机构登记的SM2公钥无法读取，请联系经办机构', 'the SM2 public key registered for this institution cannot be read; ask the bureau to fix it');
    }
    if (pointCache.size > 1000) pointCache.clear();
    pointCache.set(pem, point);
  }
  return point;
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
  const point = registeredPoint(pem);
  const signature = decodeSignature(cainfo);
  const text = Buffer.from(signedText(body), 'utf8');
  if (!sm2Verify(point, text, signature, DEFAULT_SM2_ID) && !sm2Verify(point, text, signature, '')) {
    throw unauthenticated('cainfo', '签名验证失败：报文被改动或签名密钥不符', 'signature verification failed: the message was altered or signed with another key');
  }
}
