import crypto from 'node:crypto';

// SM2 signatures (GB/T 32918.2) with a chosen distinguishing id. node:crypto signs and
// verifies SM2 only with OpenSSL 3.0's default of an EMPTY id, while HIS and the national
// platform sign with GM/T 0009's default "1234567812345678"; so the Z digest and the
// verification equation are computed here, on the recommended curve, with BigInt. SM3
// itself comes from node:crypto. Cross-checked against `openssl pkeyutl -pkeyopt distid:…`
// in sm2.test.ts.

export const DEFAULT_SM2_ID = '1234567812345678';

const P = 0xfffffffeffffffffffffffffffffffffffffffff00000000ffffffffffffffffn;
const A = 0xfffffffeffffffffffffffffffffffffffffffff00000000fffffffffffffffcn;
const B = 0x28e9fa9e9d9f5e344d5a9e4bcf6509a7f39789f515ab8f92ddbcbd414d940e93n;
const N = 0xfffffffeffffffffffffffffffffffff7203df6b21c6052b53bbf40939d54123n;
const GX = 0x32c4ae2c1f1981195f9904466a39c9948fe30bbff2660be1715a4589334c74c7n;
const GY = 0xbc3736a2f4f6779c59bdcee36b692153d0a9877cc62a474002df32e52139f0a0n;

interface Affine {
  x: bigint;
  y: bigint;
}
/** Jacobian coordinates; z = 0 is the point at infinity. */
interface Jacobian {
  x: bigint;
  y: bigint;
  z: bigint;
}

const mod = (a: bigint, m: bigint = P): bigint => {
  const r = a % m;
  return r < 0n ? r + m : r;
};

function inverse(a: bigint, m: bigint): bigint {
  let [oldR, r] = [mod(a, m), m];
  let [oldS, s] = [1n, 0n];
  while (r !== 0n) {
    const q = oldR / r;
    [oldR, r] = [r, oldR - q * r];
    [oldS, s] = [s, oldS - q * s];
  }
  if (oldR !== 1n) throw new Error('sm2: not invertible');
  return mod(oldS, m);
}

const INFINITY: Jacobian = { x: 1n, y: 1n, z: 0n };

// a = -3 (mod p), so doubling uses the dbl-2001-b formulas.
function double(p: Jacobian): Jacobian {
  if (p.z === 0n || p.y === 0n) return INFINITY;
  const delta = mod(p.z * p.z);
  const gamma = mod(p.y * p.y);
  const beta = mod(p.x * gamma);
  const alpha = mod(3n * (p.x - delta) * (p.x + delta));
  const x = mod(alpha * alpha - 8n * beta);
  const z = mod((p.y + p.z) ** 2n - gamma - delta);
  const y = mod(alpha * (4n * beta - x) - 8n * gamma * gamma);
  return { x, y, z };
}

function add(p: Jacobian, q: Jacobian): Jacobian {
  if (p.z === 0n) return q;
  if (q.z === 0n) return p;
  const z1z1 = mod(p.z * p.z);
  const z2z2 = mod(q.z * q.z);
  const u1 = mod(p.x * z2z2);
  const u2 = mod(q.x * z1z1);
  const s1 = mod(p.y * q.z * z2z2);
  const s2 = mod(q.y * p.z * z1z1);
  const h = mod(u2 - u1);
  const r = mod(2n * (s2 - s1));
  if (h === 0n) return r === 0n ? double(p) : INFINITY;
  const i = mod(4n * h * h);
  const j = mod(h * i);
  const v = mod(u1 * i);
  const x = mod(r * r - j - 2n * v);
  const y = mod(r * (v - x) - 2n * s1 * j);
  const z = mod(((p.z + q.z) ** 2n - z1z1 - z2z2) * h);
  return { x, y, z };
}

function multiply(k: bigint, point: Affine): Jacobian {
  let result = INFINITY;
  let addend: Jacobian = { ...point, z: 1n };
  for (let n = k; n > 0n; n >>= 1n) {
    if (n & 1n) result = add(result, addend);
    addend = double(addend);
  }
  return result;
}

/** k1·P1 + k2·P2 with one shared chain of doublings (Shamir's trick). */
function multiplyTwo(k1: bigint, p1: Affine, k2: bigint, p2: Affine): Jacobian {
  const j1: Jacobian = { ...p1, z: 1n };
  const j2: Jacobian = { ...p2, z: 1n };
  const both = add(j1, j2);
  let result = INFINITY;
  const bits = Math.max(k1.toString(2).length, k2.toString(2).length);
  for (let i = bits - 1; i >= 0; i--) {
    result = double(result);
    const b1 = (k1 >> BigInt(i)) & 1n;
    const b2 = (k2 >> BigInt(i)) & 1n;
    if (b1 && b2) result = add(result, both);
    else if (b1) result = add(result, j1);
    else if (b2) result = add(result, j2);
  }
  return result;
}

function toAffine(p: Jacobian): Affine | undefined {
  if (p.z === 0n) return undefined;
  const zInv = inverse(p.z, P);
  const zInv2 = mod(zInv * zInv);
  return { x: mod(p.x * zInv2), y: mod(p.y * zInv2 * zInv) };
}

function onCurve(q: Affine): boolean {
  return q.x < P && q.y < P && mod(q.y * q.y - (q.x ** 3n + A * q.x + B)) === 0n;
}

const bytes32 = (n: bigint): Buffer => Buffer.from(n.toString(16).padStart(64, '0'), 'hex');
const toBigInt = (b: Buffer): bigint => (b.length === 0 ? 0n : BigInt('0x' + b.toString('hex')));
const sm3 = (...parts: Buffer[]): Buffer => {
  const h = crypto.createHash('sm3');
  for (const part of parts) h.update(part);
  return h.digest();
};

/** Z_A = SM3(ENTL ‖ ID ‖ a ‖ b ‖ xG ‖ yG ‖ xA ‖ yA). */
function zDigest(q: Affine, id: string): Buffer {
  const idBytes = Buffer.from(id, 'utf8');
  const entl = Buffer.alloc(2);
  entl.writeUInt16BE(idBytes.length * 8);
  return sm3(entl, idBytes, bytes32(A), bytes32(B), bytes32(GX), bytes32(GY), bytes32(q.x), bytes32(q.y));
}

/** The public point of an SM2/EC key (PEM text or KeyObject), from its SPKI encoding. */
export function publicPoint(key: crypto.KeyObject | string): Affine {
  const object = typeof key === 'string' ? crypto.createPublicKey(key) : key.type === 'private' ? crypto.createPublicKey(key) : key;
  const der = object.export({ type: 'spki', format: 'der' });
  const point = der.subarray(der.length - 65);
  if (point[0] !== 0x04) throw new Error('sm2: expected an uncompressed public point');
  const q = { x: toBigInt(point.subarray(1, 33)), y: toBigInt(point.subarray(33, 65)) };
  if (!onCurve(q)) throw new Error('sm2: the public key is not on the SM2 curve');
  return q;
}

/** The private scalar of an SM2/EC private key, from its PKCS#8 (RFC 5915 ECPrivateKey inside). */
function privateScalar(key: crypto.KeyObject): bigint {
  const der = key.export({ type: 'pkcs8', format: 'der' });
  // ECPrivateKey: SEQUENCE { INTEGER 1, OCTET STRING (32) d, … }
  const at = der.indexOf(Buffer.from([0x02, 0x01, 0x01, 0x04, 0x20]));
  if (at < 0) throw new Error('sm2: not an EC private key');
  return toBigInt(der.subarray(at + 5, at + 37));
}

function derInteger(n: bigint): Buffer {
  let b = Buffer.from(n.toString(16).padStart(2, '0').replace(/^(.(..)*)$/, '0$1'), 'hex');
  if (b[0]! & 0x80) b = Buffer.concat([Buffer.from([0]), b]);
  return Buffer.concat([Buffer.from([0x02, b.length]), b]);
}

function encodeSignature(r: bigint, s: bigint): Buffer {
  const body = Buffer.concat([derInteger(r), derInteger(s)]);
  return Buffer.concat([Buffer.from([0x30, body.length]), body]);
}

/** DER SEQUENCE { r, s }, or a raw 64-byte r ‖ s; undefined when it is neither. */
function decodeSignature(sig: Buffer): { r: bigint; s: bigint } | undefined {
  if (sig.length >= 8 && sig[0] === 0x30 && sig[1] === sig.length - 2 && sig[2] === 0x02) {
    const rLen = sig[3]!;
    const sAt = 4 + rLen;
    if (sig[sAt] === 0x02 && sAt + 2 + sig[sAt + 1]! === sig.length && rLen <= 33 && sig[sAt + 1]! <= 33) {
      return { r: toBigInt(sig.subarray(4, sAt)), s: toBigInt(sig.subarray(sAt + 2)) };
    }
  }
  if (sig.length === 64) return { r: toBigInt(sig.subarray(0, 32)), s: toBigInt(sig.subarray(32)) };
  return undefined;
}

/** Verifies an SM2 signature (DER or raw r ‖ s) of `message` under `id`. */
export function sm2Verify(publicKey: Affine, message: Buffer, signature: Buffer, id: string = DEFAULT_SM2_ID): boolean {
  const rs = decodeSignature(signature);
  if (!rs) return false;
  const { r, s } = rs;
  if (r < 1n || r >= N || s < 1n || s >= N) return false;
  const t = mod(r + s, N);
  if (t === 0n) return false;
  const e = toBigInt(sm3(zDigest(publicKey, id), message));
  const point = toAffine(multiplyTwo(s, { x: GX, y: GY }, t, publicKey));
  if (!point) return false;
  return mod(e + point.x, N) === r;
}

/** Signs `message` under `id` with a private SM2 key; DER-encoded (r, s). */
export function sm2Sign(privateKey: crypto.KeyObject, message: Buffer, id: string = DEFAULT_SM2_ID): Buffer {
  const d = privateScalar(privateKey);
  const q = publicPoint(privateKey);
  const e = toBigInt(sm3(zDigest(q, id), message));
  const dInv = inverse(1n + d, N);
  for (;;) {
    const k = toBigInt(crypto.randomBytes(32));
    if (k < 1n || k >= N) continue;
    const x1 = toAffine(multiply(k, { x: GX, y: GY }))!.x;
    const r = mod(e + x1, N);
    if (r === 0n || r + k === N) continue;
    const s = mod(dInv * (k - r * d), N);
    if (s === 0n) continue;
    return encodeSignature(r, s);
  }
}
