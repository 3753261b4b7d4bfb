import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { invalid } from '../../engine/errors.ts';
import { readDirectory, type Directory } from '../../engine/federation/index.ts';

// This deployment's place in the federation: the directory (YIBAO_FEDERATION names its JSON
// file), its own private key (`private_key_file`, relative to the directory file) and the
// peers' public keys, loaded and checked once at start.

export interface FederationNode {
  directory: Directory;
  privateKey: crypto.KeyObject;
  publicKeys: ReadonlyMap<string, crypto.KeyObject>;
}

export function loadFederation(file: string): FederationNode {
  let raw: unknown;
  try {
    raw = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (err) {
    throw invalid('YIBAO_FEDERATION', `无法读取联邦目录 ${file}：${(err as Error).message}`, `cannot read the federation directory ${file}: ${(err as Error).message}`);
  }
  const directory = readDirectory(raw);
  const keyFile = (raw as Record<string, unknown>)['private_key_file'];
  if (typeof keyFile !== 'string') throw invalid('federation.private_key_file', '必填：本部署私钥文件（PEM）', 'required: this deployment\'s private key file (PEM)');
  let privateKey: crypto.KeyObject;
  try {
    privateKey = crypto.createPrivateKey(fs.readFileSync(path.resolve(path.dirname(file), keyFile), 'utf8'));
  } catch (err) {
    throw invalid('federation.private_key_file', `私钥无法读取：${(err as Error).message}`, `the private key cannot be read: ${(err as Error).message}`);
  }
  return nodeOf(directory, privateKey);
}

export function nodeOf(directory: Directory, privateKey: crypto.KeyObject): FederationNode {
  const publicKeys = new Map<string, crypto.KeyObject>();
  directory.deployments.forEach((d, i) => {
    try {
      publicKeys.set(d.id, crypto.createPublicKey(d.public_key_pem));
    } catch (err) {
      throw invalid(`federation.deployments[${i}].public_key_pem`, `公钥无效：${(err as Error).message}`, `not a valid public key: ${(err as Error).message}`);
    }
  });
  const own = crypto.createPublicKey(privateKey).export({ type: 'spki', format: 'pem' }).toString();
  const listed = publicKeys.get(directory.self)!.export({ type: 'spki', format: 'pem' }).toString();
  if (own !== listed) throw invalid('federation.private_key_file', '私钥与目录中本部署的公钥不匹配', 'the private key does not match this deployment\'s public key in the directory');
  return { directory, privateKey, publicKeys };
}

/** A new SM2 key pair as PEM text (the federation demo and the tests make theirs with it). */
export function newKeyPair(): { privateKeyPem: string; publicKeyPem: string } {
  const k = crypto.generateKeyPairSync('ec', { namedCurve: 'SM2' });
  return {
    privateKeyPem: k.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    publicKeyPem: k.publicKey.export({ type: 'spki', format: 'pem' }).toString(),
  };
}
