import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { newKeyPair } from '../../src/server/federation/node.ts';
import { CALL_SERVICE_PATH } from '../../src/server/gateway/route.ts';
import { freePort } from '../../src/store/embedded.ts';
import { loadRegionCatalog } from '../../src/store/shipped-documents.ts';
import { FaultProxy, NO_FAULTS, type FaultRates } from './fault-proxy.ts';

// Deployments of a federation as separate `yibao serve` processes (issue 17): the directory
// files and keys, the child processes (started, killed with SIGKILL, restarted on the same
// database and port), the fault proxies in front of each one that the others talk to, and a
// hospital that drives the national gateway and retries a message with the same msgid.

export const ROOT = path.resolve(import.meta.dirname, '..', '..');

export interface DeploymentSpec {
  id: string;
  name: string;
  regions: string[];
  role?: 'deployment' | 'hub';
}

/** The demo's three: Jiangxi, Hunan and the hub that clears between them. */
export const DEMO_DEPLOYMENTS: readonly DeploymentSpec[] = [
  { id: 'hub', name: '跨省清算中心', regions: [], role: 'hub' },
  { id: 'jiangxi', name: '江西省医保平台', regions: ['36'] },
  { id: 'hunan', name: '湖南省医保平台', regions: ['43'] },
];

export interface LinkSettings {
  max_skew_seconds: number;
  timeout_ms: number;
  retries: number;
  backoff_ms: number;
}

export const DEFAULT_LINK: LinkSettings = { max_skew_seconds: 300, timeout_ms: 3000, retries: 4, backoff_ms: 100 };

/** Makes (or keeps) each deployment's key pair in `folder`: `<id>.key.pem`; returns the public keys. */
export function ensureKeys(folder: string, specs: readonly DeploymentSpec[]): Map<string, string> {
  fs.mkdirSync(folder, { recursive: true });
  const keys = new Map<string, string>();
  for (const s of specs) {
    const priv = path.join(folder, `${s.id}.key.pem`);
    const pub = path.join(folder, `${s.id}.pub.pem`);
    if (!fs.existsSync(priv) || !fs.existsSync(pub)) {
      const k = newKeyPair();
      fs.writeFileSync(priv, k.privateKeyPem, { mode: 0o600 });
      fs.writeFileSync(pub, k.publicKeyPem);
    }
    keys.set(s.id, fs.readFileSync(pub, 'utf8'));
  }
  return keys;
}

/**
 * Writes one directory file per deployment (`<id>.json`, same deployments, its own `self` and
 * key); `urlFor(viewer, target)` is where `viewer` reaches `target` (directly, or a proxy).
 */
export function writeDirectories(folder: string, specs: readonly DeploymentSpec[], urlFor: (viewer: string, target: string) => string, link: LinkSettings = DEFAULT_LINK): Map<string, string> {
  const keys = ensureKeys(folder, specs);
  const files = new Map<string, string>();
  for (const viewer of specs) {
    const doc = {
      self: viewer.id,
      private_key_file: `${viewer.id}.key.pem`,
      ...link,
      deployments: specs.map((t) => ({ id: t.id, name: t.name, url: urlFor(viewer.id, t.id), public_key_pem: keys.get(t.id)!, regions: t.regions, ...(t.role === 'hub' ? { role: 'hub' } : {}) })),
    };
    const file = path.join(folder, `${viewer.id}.json`);
    fs.writeFileSync(file, JSON.stringify(doc, null, 2) + '\n');
    files.set(viewer.id, file);
  }
  return files;
}

export interface ServeOptions {
  id: string;
  port: number;
  databaseUrl: string;
  federationFile: string;
  /** Persons the federation demo seeds over the deployment's own pooling regions. */
  persons: number;
  env?: Record<string, string>;
  /** Where each output line goes (besides the kept tail); default: kept only. */
  echo?: (line: string) => void;
}

/** One `yibao serve` child process; kill() is SIGKILL (no shutdown of any kind), start() again reuses its database and port. */
export class DeploymentProcess {
  private child: ChildProcess | undefined;
  private exited: Promise<void> = Promise.resolve();
  /** The last lines it printed (for a failing test's message). */
  readonly tail: string[] = [];

  constructor(readonly o: ServeOptions) {}

  get url(): string {
    return `http://127.0.0.1:${this.o.port}`;
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  get running(): boolean {
    return this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null;
  }

  async start(timeoutMs = 180_000): Promise<void> {
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'src/cli/main.ts'), 'serve'], {
      cwd: ROOT,
      env: {
        ...process.env,
        PORT: String(this.o.port),
        HOST: '127.0.0.1',
        DATABASE_URL: this.o.databaseUrl,
        YIBAO_FEDERATION: this.o.federationFile,
        YIBAO_DEMO: 'federation',
        YIBAO_DEMO_PERSONS: String(this.o.persons),
        YIBAO_WORKERS: '1',
        YIBAO_DATA_DIR: path.join(path.dirname(this.o.federationFile), `${this.o.id}-data`),
        LOG_LEVEL: 'warn',
        ...this.o.env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child = child;
    this.exited = new Promise((resolve) => child.once('exit', () => resolve()));
    const keep = (chunk: Buffer): void => {
      for (const line of chunk.toString('utf8').split('\n')) {
        if (!line) continue;
        this.tail.push(line);
        if (this.tail.length > 200) this.tail.shift();
        this.o.echo?.(line);
      }
    };
    child.stdout!.on('data', keep);
    child.stderr!.on('data', keep);
    await this.waitHealthy(timeoutMs);
  }

  /** Polls GET /healthz until it answers 200; fails with the process's last words if it exits. */
  async waitHealthy(timeoutMs: number): Promise<void> {
    const until = Date.now() + timeoutMs;
    while (Date.now() < until) {
      if (!this.running) throw new Error(`deployment ${this.o.id} exited before it was ready:\n${this.tail.slice(-30).join('\n')}`);
      try {
        const res = await fetch(`${this.url}/healthz`, { signal: AbortSignal.timeout(1000) });
        if (res.status === 200) return;
      } catch {
        // not listening yet
      }
      await sleep(150);
    }
    throw new Error(`deployment ${this.o.id} not healthy after ${timeoutMs} ms:\n${this.tail.slice(-30).join('\n')}`);
  }

  /** kill -9: the process gets no chance to finish anything. */
  async kill(): Promise<void> {
    if (!this.running) return;
    this.child!.kill('SIGKILL');
    await this.exited;
  }

  /** A polite stop (SIGTERM: the server closes, then its pool). */
  async stop(): Promise<void> {
    if (!this.running) return;
    this.child!.kill('SIGTERM');
    const done = await Promise.race([this.exited.then(() => true), sleep(10_000).then(() => false)]);
    if (!done) await this.kill();
  }

  async restart(timeoutMs?: number): Promise<void> {
    await this.kill();
    await this.start(timeoutMs);
  }
}

export interface FederationOptions {
  /** A folder for the keys and directory files (created). */
  folder: string;
  specs?: readonly DeploymentSpec[];
  /** Each deployment's database URL (already created; `yibao serve` migrates it). */
  databaseUrl: (id: string) => string;
  persons: number;
  /** Put a fault proxy in front of each deployment for the others (default true). */
  proxied?: boolean;
  link?: LinkSettings;
  seed?: string;
  echo?: (id: string, line: string) => void;
  env?: Record<string, string>;
}

export interface RunningFederation {
  processes: Map<string, DeploymentProcess>;
  /** The proxy in front of a deployment: what every other deployment's messages to it pass through. */
  proxies: Map<string, FaultProxy>;
  files: Map<string, string>;
  /** Sets the faults of the messages sent to `to` (all of them when to is omitted). */
  setFaults: (rates: FaultRates, to?: string) => void;
  stop: () => Promise<void>;
}

/** Starts the deployments (all at once; each seeds its demo), each reached by the others through its proxy. */
export async function startFederation(o: FederationOptions): Promise<RunningFederation> {
  const specs = o.specs ?? DEMO_DEPLOYMENTS;
  const proxied = o.proxied ?? true;
  const ports = new Map<string, number>();
  for (const s of specs) ports.set(s.id, await freePort());
  const direct = (id: string): string => `http://127.0.0.1:${ports.get(id)!}`;
  const proxies = new Map<string, FaultProxy>();
  if (proxied) {
    for (const s of specs) {
      const p = new FaultProxy(direct(s.id), `${o.seed ?? 'faults'}:${s.id}`);
      await p.listen();
      proxies.set(s.id, p);
    }
  }
  const files = writeDirectories(o.folder, specs, (viewer, target) => (viewer === target || !proxied ? direct(target) : proxies.get(target)!.url), o.link);
  const processes = new Map<string, DeploymentProcess>();
  for (const s of specs) {
    processes.set(s.id, new DeploymentProcess({
      id: s.id, port: ports.get(s.id)!, databaseUrl: o.databaseUrl(s.id), federationFile: files.get(s.id)!, persons: o.persons,
      ...(o.env ? { env: o.env } : {}),
      ...(o.echo ? { echo: (line: string) => o.echo!(s.id, line) } : {}),
    }));
  }
  const stop = async (): Promise<void> => {
    await Promise.all([...processes.values()].map((p) => p.stop()));
    await Promise.all([...proxies.values()].map((p) => p.close()));
  };
  try {
    await Promise.all([...processes.values()].map((p) => p.start()));
  } catch (err) {
    await stop();
    throw err;
  }
  return {
    processes,
    proxies,
    files,
    setFaults: (rates, to) => {
      for (const [id, p] of proxies) if (to === undefined || id === to) p.rates = rates;
    },
    stop,
  };
}

export { NO_FAULTS };

// ---------------------------------------------------------------- the hospital

/** "YYYY-MM-DD HH:MM:SS" in China time. */
export function chinaTime(d: Date): string {
  return new Date(d.getTime() + 8 * 3_600_000).toISOString().slice(0, 19).replace('T', ' ');
}

export interface GatewayAnswer {
  infcode: number;
  err_msg: string | null;
  output: any;
  inf_refmsgid: string;
}

export interface HospitalOptions {
  /** The deployment's base URL (its gateway). */
  url: string;
  fixmedins_code: string;
  fixmedins_name: string;
  /** The institution's pooling region (the envelope's mdtrtarea_admvs). */
  mdtrtarea_admvs: string;
  /** Longest time a message is retried on connection errors before giving up. */
  retryForMs?: number;
}

/**
 * A hospital's HIS against one deployment's gateway. Every business message has its own msgid;
 * a connection error (refused, reset, timed out) is retried with the SAME msgid and the same
 * content until an answer comes, as the national interface asks of a HIS: the gateway answers
 * a repeated write from what it kept, so a retry never settles twice.
 */
export class Hospital {
  signNo = '';
  private serial = 0;
  /** Messages that needed more than one attempt. */
  retried = 0;

  constructor(readonly o: HospitalOptions) {}

  newMsgid(): string {
    this.serial += 1;
    const stamp = chinaTime(new Date()).replace(/[- :]/g, '');
    return `${this.o.fixmedins_code}${stamp}${String(this.serial % 10_000).padStart(4, '0')}`;
  }

  envelope(infno: string, input: unknown, msgid: string, insuplc_admdvs = ''): Record<string, unknown> {
    const now = new Date();
    return {
      infno, msgid, mdtrtarea_admvs: this.o.mdtrtarea_admvs, insuplc_admdvs, recer_sys_code: 'YIBAO', infver: 'V1.0', opter_type: '1', opter: 'fed', opter_name: '收费员',
      inf_time: chinaTime(now), fixmedins_code: this.o.fixmedins_code, fixmedins_name: this.o.fixmedins_name, sign_no: this.signNo, input,
    };
  }

  /** One POST; throws on a connection error (no answer). */
  async post(envelope: Record<string, unknown>, timeoutMs = 30_000): Promise<GatewayAnswer> {
    const res = await fetch(this.o.url + CALL_SERVICE_PATH, {
      method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(envelope), signal: AbortSignal.timeout(timeoutMs),
    });
    return (await res.json()) as GatewayAnswer;
  }

  /**
   * Sends a message, retrying it with the same msgid while there is no answer, or while
   * `retryWhile` says the answer asks for it (e.g. an unreachable insured side's -1).
   */
  async call(infno: string, input: unknown, o: { msgid?: string; insuplc_admdvs?: string; retryWhile?: (a: GatewayAnswer) => boolean } = {}): Promise<GatewayAnswer & { msgid: string; attempts: number }> {
    const msgid = o.msgid ?? this.newMsgid();
    const envelope = this.envelope(infno, input, msgid, o.insuplc_admdvs);
    const until = Date.now() + (this.o.retryForMs ?? 120_000);
    for (let attempt = 1; ; attempt++) {
      let answer: GatewayAnswer | undefined;
      try {
        answer = await this.post(envelope);
      } catch (err) {
        if (Date.now() > until) throw new Error(`${infno} ${msgid}: no answer after ${attempt} attempts: ${(err as Error).message}`);
      }
      if (answer && !(o.retryWhile?.(answer) && Date.now() < until)) {
        if (attempt > 1) this.retried += 1;
        return { ...answer, msgid, attempts: attempt };
      }
      await sleep(Math.min(1000, 50 * attempt));
    }
  }

  /** 9001: signs in and keeps the sign_no for the later messages. */
  async signIn(): Promise<string> {
    const a = await this.call('9001', { signIn: { opter_no: 'fed', mac: '00-00-00-00-00-00', ip: '127.0.0.1' } });
    if (a.infcode !== 0) throw new Error(`9001 refused: ${a.err_msg}`);
    this.signNo = a.output.signinoutb.sign_no as string;
    return this.signNo;
  }
}

// ---------------------------------------------------------------- an outpatient visit

export interface DemoItems {
  class_a: string;
  class_b: string;
  /** A price-limited item and its limit in fen. */
  limited: { code: string; limit_fen: number };
}

/** Plain items of a region's catalog (the treatment side classifies on its own). */
export function catalogItems(pooling: string): DemoItems {
  const items = [...loadRegionCatalog(pooling).items.values()].filter((i) => i.restrict === null && !i.separately_paid).sort((a, b) => (a.med_list_codg < b.med_list_codg ? -1 : 1));
  const a = items.find((i) => i.chrgitm_lv === '01' && i.pric_uplmt_fen === null)!;
  const b = items.find((i) => i.chrgitm_lv === '02' && i.pric_uplmt_fen === null)!;
  const lim = items.find((i) => i.pric_uplmt_fen !== null)!;
  return { class_a: a.med_list_codg, class_b: b.med_list_codg, limited: { code: lim.med_list_codg, limit_fen: lim.pric_uplmt_fen! } };
}

export interface Patient {
  certno: string;
  insuplc_admdvs: string;
  /** Known after 1101 (the insured side's number). */
  psn_no?: string;
  insutype?: string;
}

export interface OutpatientResult {
  psn_no: string;
  mdtrt_id: string;
  medfee_sumamt_fen: number;
  preview?: GatewayAnswer;
  settle: GatewayAnswer & { msgid: string; attempts: number };
}

const yuan = (fen: number): string => (fen / 100).toFixed(2);

/**
 * 1101 (when the psn_no is not known yet) → 2201 → 2204 → (2206) → 2207, each message retried
 * with its own msgid until answered; a refusal at any step throws with the gateway's message.
 * `lines` are [item code, price in fen, count].
 */
export async function outpatientVisit(h: Hospital, p: Patient, lines: Array<[string, number, number]>, o: { preview?: boolean; acct_used?: boolean; retryWhile?: (a: GatewayAnswer) => boolean } = {}): Promise<OutpatientResult> {
  const must = async (infno: string, input: unknown): Promise<GatewayAnswer & { msgid: string; attempts: number }> => {
    const a = await h.call(infno, input, { insuplc_admdvs: p.insuplc_admdvs, ...(o.retryWhile ? { retryWhile: o.retryWhile } : {}) });
    if (a.infcode !== 0) throw new Error(`${infno} refused: ${a.err_msg}`);
    return a;
  };
  if (!p.psn_no) {
    const who = await must('1101', { data: { mdtrt_cert_type: '02', mdtrt_cert_no: p.certno, psn_cert_type: '01', certno: p.certno } });
    p.psn_no = who.output.baseinfo.psn_no as string;
    p.insutype = (who.output.insuinfo as Array<{ insutype: string }>)[0]!.insutype;
  }
  const at = chinaTime(new Date());
  const reg = await must('2201', { data: { psn_no: p.psn_no, insutype: p.insutype, begntime: at, mdtrt_cert_type: '02', mdtrt_cert_no: p.certno, ipt_otp_no: `MZ${h.newMsgid().slice(-12)}`, dept_code: '01', dept_name: '内科', caty: 'A03' } });
  const mdtrtId = reg.output.data.mdtrt_id as string;
  const feedetail = lines.map(([code, fen, cnt], i) => ({ feedetl_sn: `F${i + 1}`, mdtrt_id: mdtrtId, psn_no: p.psn_no, med_list_codg: code, pric: yuan(fen), cnt, det_item_fee_sumamt: yuan(fen * cnt), fee_ocur_time: at }));
  await must('2204', { feedetail });
  const total = lines.reduce((s, [, fen, cnt]) => s + fen * cnt, 0);
  const data = { psn_no: p.psn_no, mdtrt_id: mdtrtId, medfee_sumamt: yuan(total), acct_used_flag: o.acct_used === false ? '0' : '1', insutype: p.insutype };
  const preview = o.preview ? await must('2206', { data }) : undefined;
  const settle = await h.call('2207', { data }, { insuplc_admdvs: p.insuplc_admdvs, ...(o.retryWhile ? { retryWhile: o.retryWhile } : {}) });
  return { psn_no: p.psn_no, mdtrt_id: mdtrtId, medfee_sumamt_fen: total, ...(preview ? { preview } : {}), settle };
}

/** Runs one `yibao …` command (e.g. `federation report --month 202612`) as a deployment would, with its database and directory. */
export async function runYibao(args: string[], o: { databaseUrl: string; federationFile: string }): Promise<{ code: number; output: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'src/cli/main.ts'), ...args], {
    cwd: ROOT, env: { ...process.env, DATABASE_URL: o.databaseUrl, YIBAO_FEDERATION: o.federationFile, LOG_LEVEL: 'warn' }, stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (c: Buffer) => (output += c.toString('utf8')));
  child.stderr!.on('data', (c: Buffer) => (output += c.toString('utf8')));
  const code = await new Promise<number>((resolve) => child.on('exit', (c) => resolve(c ?? 1)));
  return { code, output };
}
