import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { Prng } from '../../src/demo/prng.ts';

// A link between two deployments that a test controls (issue 17, "Reliability, shown by
// tests"). Each deployment's directory names the other one's URL as this proxy's port, so every
// inter-deployment message of one direction passes here. Per request, drawn from a seeded PRNG
// in arrival order: drop the request (never forwarded, the socket destroyed), drop the response
// (forwarded, then the socket destroyed instead of answering), delay it, or duplicate it
// (forwarded twice, answered with the first answer). A target that cannot be reached (a killed
// deployment) is seen by the sender as a connection reset.

export interface FaultRates {
  /** Probability that a request is destroyed before it is forwarded. */
  dropRequest: number;
  /** Probability that the answer is thrown away and the socket destroyed after forwarding. */
  dropResponse: number;
  /** Probability that forwarding waits delayMs (uniform in the range) first. */
  delay: number;
  delayMs: [number, number];
  /** Probability that the request is forwarded a second time as well. */
  duplicate: number;
}

export const NO_FAULTS: FaultRates = { dropRequest: 0, dropResponse: 0, delay: 0, delayMs: [0, 0], duplicate: 0 };

export interface FaultStats {
  requests: number;
  forwarded: number;
  droppedRequests: number;
  droppedResponses: number;
  delayed: number;
  duplicated: number;
  /** Forwards that failed (target down or reset). */
  unreachable: number;
}

interface Forwarded {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

export class FaultProxy {
  rates: FaultRates;
  readonly stats: FaultStats = { requests: 0, forwarded: 0, droppedRequests: 0, droppedResponses: 0, delayed: 0, duplicated: 0, unreachable: 0 };
  private readonly rng: Prng;
  private server: http.Server | undefined;
  private readonly agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
  /** Requests still being handled (so a test can wait for a duplicate's second delivery). */
  private inFlight = 0;
  /** The last bodies received, when `record` is on (a test replays or forges a real message). */
  record = false;
  readonly recorded: Buffer[] = [];

  /** `target`: the deployment's own base URL (http://127.0.0.1:port); may be changed while running. */
  constructor(public target: string, seed: string, rates: FaultRates = NO_FAULTS) {
    this.rng = new Prng(seed);
    this.rates = rates;
  }

  async listen(port = 0): Promise<number> {
    const server = http.createServer((req, res) => void this.handle(req, res));
    server.keepAliveTimeout = 5000;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => resolve());
    });
    this.server = server;
    return (server.address() as AddressInfo).port;
  }

  get url(): string {
    return `http://127.0.0.1:${(this.server!.address() as AddressInfo).port}`;
  }

  /** Waits until no request is being handled (duplicates delivered, delays over). */
  async idle(timeoutMs = 30_000): Promise<void> {
    const until = Date.now() + timeoutMs;
    while (this.inFlight > 0 && Date.now() < until) await sleep(10);
  }

  async close(): Promise<void> {
    this.agent.destroy();
    const server = this.server;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    this.inFlight += 1;
    try {
      this.stats.requests += 1;
      const chunks: Buffer[] = [];
      for await (const c of req) chunks.push(c as Buffer);
      const body = Buffer.concat(chunks);
      if (this.record) {
        this.recorded.push(body);
        if (this.recorded.length > 200) this.recorded.shift();
      }
      // Every decision drawn up front, in arrival order, so a seed gives one sequence of faults.
      const r = this.rates;
      const dropRequest = this.rng.chance(r.dropRequest);
      const delay = this.rng.chance(r.delay) ? r.delayMs[0] + this.rng.int(Math.max(1, r.delayMs[1] - r.delayMs[0] + 1)) : 0;
      const duplicate = this.rng.chance(r.duplicate);
      const dropResponse = this.rng.chance(r.dropResponse);
      if (dropRequest) {
        this.stats.droppedRequests += 1;
        req.socket.destroy();
        return;
      }
      if (delay > 0) {
        this.stats.delayed += 1;
        await sleep(delay);
      }
      const first = this.forward(req, body);
      let second: Promise<Forwarded | undefined> | undefined;
      if (duplicate) {
        this.stats.duplicated += 1;
        // The copy arrives while the first may still be running: the receiver's lock decides.
        second = sleep(this.rng.int(5)).then(() => this.forward(req, body));
      }
      const answer = await first;
      if (second) await second;
      if (!answer) {
        req.socket.destroy();
        return;
      }
      if (dropResponse) {
        this.stats.droppedResponses += 1;
        req.socket.destroy();
        return;
      }
      const headers = { ...answer.headers };
      delete headers['transfer-encoding'];
      delete headers['connection'];
      delete headers['keep-alive'];
      headers['content-length'] = String(answer.body.length);
      res.writeHead(answer.status, headers);
      res.end(answer.body);
    } catch {
      req.socket.destroy();
    } finally {
      this.inFlight -= 1;
    }
  }

  private forward(req: http.IncomingMessage, body: Buffer): Promise<Forwarded | undefined> {
    const target = new URL(req.url ?? '/', this.target);
    const headers = { ...req.headers, host: target.host, 'content-length': String(body.length) };
    delete headers['connection'];
    return new Promise((resolve) => {
      const out = http.request(target, { method: req.method, headers, agent: this.agent }, (answer) => {
        const chunks: Buffer[] = [];
        answer.on('data', (c: Buffer) => chunks.push(c));
        answer.on('end', () => {
          this.stats.forwarded += 1;
          resolve({ status: answer.statusCode ?? 502, headers: answer.headers, body: Buffer.concat(chunks) });
        });
        answer.on('error', () => {
          this.stats.unreachable += 1;
          resolve(undefined);
        });
      });
      out.setTimeout(60_000, () => out.destroy(new Error('timeout')));
      out.on('error', () => {
        this.stats.unreachable += 1;
        resolve(undefined);
      });
      out.end(body);
    });
  }
}
