import { invalid } from '../errors.ts';

// The directory of deployments (issue 17, docs/federation.md): which deployment owns which
// pooling regions, where it answers and which SM2 key signs its messages. It is configuration
// (a JSON file a deployment is started with), checked here once; ownership is a longest-prefix
// match of a region code against the deployments' region prefixes ("36" = 江西省).

export interface Deployment {
  /** Short stable id, e.g. "jiangxi"; part of every fed_id this deployment issues. */
  id: string;
  name: string;
  /** Base URL, e.g. http://127.0.0.1:8101 (the messages go to <url>/federation/v1/messages). */
  url: string;
  /** The deployment's SM2 public key (SPKI PEM). */
  public_key_pem: string;
  /** Region code prefixes it owns: provinces ("36"), cities ("3604") or pooling regions ("360400"). */
  regions: string[];
  /** 'deployment' settles people; 'hub' clears between deployments and owns no region. */
  role: 'deployment' | 'hub';
}

export interface Directory {
  /** This deployment's id. */
  self: string;
  deployments: Deployment[];
  /** Largest accepted difference between a message's sent_at and the receiver's clock. */
  max_skew_seconds: number;
  /** How long one attempt may take before it is abandoned and retried. */
  timeout_ms: number;
  /** Attempts after the first one, with exponential backoff. */
  retries: number;
  backoff_ms: number;
}

const ID = /^[a-z][a-z0-9-]{1,31}$/;

function field(path: string, zh: string, en: string): never {
  throw invalid(path, zh, en);
}

/** Checks a parsed directory document; every mistake names its field. */
export function readDirectory(raw: unknown, path = 'federation'): Directory {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) field(path, '应为 JSON 对象', 'expected a JSON object');
  const o = raw as Record<string, unknown>;
  const self = o['self'];
  if (typeof self !== 'string' || !ID.test(self)) field(`${path}.self`, '应为本部署的标识（小写字母开头）', 'expected this deployment\'s id (lower-case, starting with a letter)');
  const list = o['deployments'];
  if (!Array.isArray(list) || list.length === 0) field(`${path}.deployments`, '应为非空数组', 'expected a non-empty array');
  const seen = new Set<string>();
  const owners = new Map<string, string>();
  const deployments = list.map((d, i): Deployment => {
    const p = `${path}.deployments[${i}]`;
    if (typeof d !== 'object' || d === null) field(p, '应为对象', 'expected an object');
    const x = d as Record<string, unknown>;
    const id = x['id'];
    if (typeof id !== 'string' || !ID.test(id)) field(`${p}.id`, '应为部署标识（小写字母开头）', 'expected a deployment id (lower-case, starting with a letter)');
    if (seen.has(id)) field(`${p}.id`, `部署 ${id} 重复`, `deployment ${id} is listed twice`);
    seen.add(id);
    const url = x['url'];
    if (typeof url !== 'string' || !/^https?:\/\/[^/]+/.test(url)) field(`${p}.url`, '应为 http(s) 地址', 'expected an http(s) URL');
    const key = x['public_key_pem'];
    if (typeof key !== 'string' || !key.includes('BEGIN PUBLIC KEY')) field(`${p}.public_key_pem`, '应为 SM2 公钥（PEM）', 'expected an SM2 public key (PEM)');
    const role = x['role'] ?? 'deployment';
    if (role !== 'deployment' && role !== 'hub') field(`${p}.role`, '应为 deployment 或 hub', 'expected deployment or hub');
    const regions = x['regions'] ?? [];
    if (!Array.isArray(regions) || regions.some((r) => typeof r !== 'string' || !/^[0-9]{2}([0-9]{2}){0,2}$/.test(r))) {
      field(`${p}.regions`, '应为区划代码前缀数组（2、4 或 6 位）', 'expected region code prefixes of 2, 4 or 6 digits');
    }
    if (role === 'hub' && regions.length > 0) field(`${p}.regions`, '清算中心不拥有统筹区', 'the hub owns no region');
    for (const r of regions as string[]) {
      const other = owners.get(r);
      if (other) field(`${p}.regions`, `区划 ${r} 已属于部署 ${other}`, `region ${r} already belongs to deployment ${other}`);
      owners.set(r, id);
    }
    const name = typeof x['name'] === 'string' ? x['name'] : id;
    return { id, name, url: url.replace(/\/+$/, ''), public_key_pem: key, regions: regions as string[], role };
  });
  if (!seen.has(self)) field(`${path}.self`, `本部署 ${self} 不在部署列表中`, `this deployment ${self} is not in the list`);
  const num = (k: string, dflt: number, min: number, max: number): number => {
    const v = o[k] ?? dflt;
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) field(`${path}.${k}`, `应为 ${min}-${max} 的整数`, `expected an integer from ${min} to ${max}`);
    return v;
  };
  return {
    self,
    deployments,
    max_skew_seconds: num('max_skew_seconds', 300, 1, 3600),
    timeout_ms: num('timeout_ms', 3000, 50, 120_000),
    retries: num('retries', 4, 0, 20),
    backoff_ms: num('backoff_ms', 100, 1, 60_000),
  };
}

/** The deployment that owns a region code (longest prefix), or undefined when none does. */
export function ownerOf(dir: Directory, admdvs: string): Deployment | undefined {
  let best: Deployment | undefined;
  let len = 0;
  for (const d of dir.deployments) {
    for (const r of d.regions) if (admdvs.startsWith(r) && r.length > len) [best, len] = [d, r.length];
  }
  return best;
}

/** The owner of a region when it is another deployment (a person insured there is settled over the link). */
export function remoteOwnerOf(dir: Directory | undefined, admdvs: string): Deployment | undefined {
  if (!dir) return undefined;
  const d = ownerOf(dir, admdvs);
  return d && d.id !== dir.self ? d : undefined;
}

export function deploymentById(dir: Directory, id: string): Deployment | undefined {
  return dir.deployments.find((d) => d.id === id);
}

/** Whether a region is this deployment's own (a region nobody claims stays local: a one-deployment install). */
export function ownsRegion(dir: Directory | undefined, admdvs: string): boolean {
  return remoteOwnerOf(dir, admdvs) === undefined;
}
