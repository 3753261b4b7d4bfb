import { test } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { publicPoint, sm2Sign, sm2Verify } from './sm2.ts';

// Made once with OpenSSL 3.0.19: `openssl pkeyutl -sign -rawin -digest sm3 -pkeyopt
// distid:1234567812345678`, an implementation independent of sm2.ts.
const OPENSSL_PUBLIC_KEY = '-----BEGIN PUBLIC KEY-----\nMFkwEwYHKoZIzj0CAQYIKoEcz1UBgi0DQgAEZkXqx1Jd+RI6bMObBvdHPlx/kv4/\nDYMhHTuE5Hbj78fgjryv9bldkgeScs5TSi0zggGpSKzuqFBZDCPQmg/PWQ==\n-----END PUBLIC KEY-----\n';
const OPENSSL_MESSAGE = Buffer.from('{"infno":"9001","msg":"测试"}', 'utf8');
const OPENSSL_SIGNATURE = Buffer.from('MEQCIBsIaDql6AQ9uMxSwwhkSAbvXs3J9Y+RIBvYw/uzvsm+AiAHnjlQsD64dWrO25isuUUN0xT8zDnxY3mBZyYuaqojXQ==', 'base64');

test('verifies a signature OpenSSL made with the GM/T 0009 default id, and nothing altered', () => {
  const q = publicPoint(OPENSSL_PUBLIC_KEY);
  assert.equal(sm2Verify(q, OPENSSL_MESSAGE, OPENSSL_SIGNATURE), true);
  assert.equal(sm2Verify(q, Buffer.from('{"infno":"9002","msg":"测试"}'), OPENSSL_SIGNATURE), false);
  assert.equal(sm2Verify(q, OPENSSL_MESSAGE, OPENSSL_SIGNATURE, 'another id'), false);
  const flipped = Buffer.from(OPENSSL_SIGNATURE);
  flipped[flipped.length - 1]! ^= 1;
  assert.equal(sm2Verify(q, OPENSSL_MESSAGE, flipped), false);
  assert.equal(sm2Verify(q, OPENSSL_MESSAGE, Buffer.from('garbage')), false);
});

test('sign → verify round trip; node:crypto signatures verify with the empty id', () => {
  const keys = crypto.generateKeyPairSync('ec', { namedCurve: 'SM2' });
  const sm2Private = crypto.createPrivateKey(keys.privateKey.export({ type: 'pkcs8', format: 'pem' }));
  const q = publicPoint(keys.publicKey);
  const message = Buffer.from('签名测试 message');
  const signature = sm2Sign(sm2Private, message);
  assert.equal(sm2Verify(q, message, signature), true);
  assert.equal(sm2Verify(q, Buffer.from('签名测试 messagE'), signature), false);
  assert.equal(sm2Verify(publicPoint(crypto.generateKeyPairSync('ec', { namedCurve: 'SM2' }).publicKey), message, signature), false);
  // What OpenSSL 3.0 does through node:crypto with a key read from PEM: Z over an empty id.
  assert.equal(sm2Verify(q, message, crypto.sign('sm3', message, sm2Private), ''), true);
});

test('OpenSSL verifies what sm2Sign makes (when the openssl command is installed)', (t) => {
  const probe = spawnSync('openssl', ['version']);
  if (probe.status !== 0) return t.skip('no openssl command');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sm2-'));
  try {
    const keys = crypto.generateKeyPairSync('ec', { namedCurve: 'SM2' });
    fs.writeFileSync(path.join(dir, 'pub.pem'), keys.publicKey.export({ type: 'spki', format: 'pem' }));
    const message = Buffer.from('{"a":1}');
    fs.writeFileSync(path.join(dir, 'msg'), message);
    fs.writeFileSync(path.join(dir, 'sig'), sm2Sign(keys.privateKey, message));
    const verify = (id: string) =>
      spawnSync('openssl', ['pkeyutl', '-verify', '-pubin', '-inkey', path.join(dir, 'pub.pem'), '-rawin', '-digest', 'sm3',
        '-in', path.join(dir, 'msg'), '-sigfile', path.join(dir, 'sig'), '-pkeyopt', `distid:${id}`]).status;
    assert.equal(verify('1234567812345678'), 0);
    assert.notEqual(verify('8765432187654321'), 0);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
