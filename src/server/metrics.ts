import cluster from 'node:cluster';
import crypto from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import client from 'prom-client';
import { YibaoError } from '../engine/errors.ts';
import type { Pool } from '../store/db.ts';
import type { GroupCommitObserver } from '../store/group-commit.ts';
import type { GatewayObservation } from './gateway/gateway.ts';

// The process's metrics (issue 18, docs/operations.md "Metrics and tracing"). The store and
// the gateway know nothing of Prometheus: they offer callbacks (GroupCommitObserver, the
// gateway's observe) that this module turns into counters and histograms. One registry per
// application, so that tests building several apps in one process do not share figures.
//
// Under node:cluster each worker keeps its own registry; GET /metrics on any worker asks the
// primary, which collects every worker's registry through prom-client's AggregatorRegistry and
// answers the sum — one scrape, the whole deployment.

export const METRICS_PATH = '/metrics';

/** Transactions that commit a settlement, and the kind they count under. */
const SETTLING: Record<string, string> = { '2207': 'outpatient', '2304': 'inpatient', '2102': 'pharmacy' };

/** REST routes that run a job, by method and route pattern. */
const JOBS: Record<string, string> = {
  'POST /api/v1/clearing/runs': 'clearing',
  'POST /api/v1/supervision/scans': 'scan',
  'POST /api/v1/payment/regions/:admdvs/years/:year/year-end': 'year_end',
};

const SECONDS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

export class AppMetrics {
  readonly registry = new client.Registry();
  private readonly httpRequests = new client.Counter({ name: 'yibao_http_requests_total', help: 'REST and other HTTP requests answered, by method, route pattern and status', labelNames: ['method', 'route', 'status'], registers: [this.registry] });
  private readonly httpDuration = new client.Histogram({ name: 'yibao_http_request_duration_seconds', help: 'Time to answer an HTTP request, by method, route pattern and status', labelNames: ['method', 'route', 'status'], buckets: SECONDS, registers: [this.registry] });
  private readonly gatewayMessages = new client.Counter({ name: 'yibao_gateway_messages_total', help: 'Interface messages answered, by transaction (infno) and infcode (0 or -1)', labelNames: ['infno', 'infcode'], registers: [this.registry] });
  private readonly gatewayDuration = new client.Histogram({ name: 'yibao_gateway_message_duration_seconds', help: 'Time to answer an interface message, by infno and infcode', labelNames: ['infno', 'infcode'], buckets: SECONDS, registers: [this.registry] });
  private readonly refusals = new client.Counter({ name: 'yibao_refusals_total', help: 'Refusals by source (gateway -1, rest 4xx), error kind and the field named first', labelNames: ['source', 'kind', 'field'], registers: [this.registry] });
  private readonly batchUnits = new client.Histogram({ name: 'yibao_group_commit_units', help: 'Units (gateway writes) per group-commit transaction, committed or not', buckets: [1, 2, 4, 8, 16, 32, 64], registers: [this.registry] });
  private readonly batchRollbacks = new client.Counter({ name: 'yibao_group_commit_rollbacks_total', help: 'Group-commit transactions rolled back, by what followed: retried (serialization failure, deadlock), rerun (each unit alone), failed', labelNames: ['then'], registers: [this.registry] });
  private readonly settlements = new client.Counter({ name: 'yibao_settlements_total', help: 'Settlements committed through the gateway, by insured region and kind', labelNames: ['insuplc_admdvs', 'kind'], registers: [this.registry] });
  private readonly fundFen = new client.Counter({ name: 'yibao_settlement_fund_pay_fen_total', help: 'Fund payments (fund_pay_sumamt) of committed settlements in fen, by insured region', labelNames: ['insuplc_admdvs'], registers: [this.registry] });
  private readonly jobRuns = new client.Counter({ name: 'yibao_job_runs_total', help: 'Job runs (clearing, scan, year_end) by outcome (ok, refused, failed)', labelNames: ['job', 'outcome'], registers: [this.registry] });
  private readonly jobDuration = new client.Histogram({ name: 'yibao_job_duration_seconds', help: 'Duration of job runs', labelNames: ['job'], buckets: [0.01, 0.05, 0.1, 0.5, 1, 5, 10, 30, 60, 300, 900], registers: [this.registry] });

  constructor(pool: Pool) {
    const gauge = (name: string, help: string, read: () => number): void => {
      new client.Gauge({ name, help, registers: [this.registry], collect() { this.set(read()); } });
    };
    gauge('yibao_db_pool_total', 'Connections the pg pool holds (idle and in use)', () => pool.totalCount);
    gauge('yibao_db_pool_idle', 'Idle connections in the pg pool', () => pool.idleCount);
    gauge('yibao_db_pool_waiting', 'Queries waiting for a pool connection', () => pool.waitingCount);
    client.collectDefaultMetrics({ register: this.registry, prefix: 'yibao_process_' });
  }

  /** What the group commit reports, as metrics. */
  readonly groupCommit: GroupCommitObserver = {
    batch: (units) => this.batchUnits.observe(units),
    rolledBack: (then) => this.batchRollbacks.inc({ then }),
  };

  /** One interface message answered (called by the gateway route with its own timing). */
  gatewayMessage(o: GatewayObservation, seconds: number): void {
    const labels = { infno: o.infno ?? 'unknown', infcode: String(o.infcode) };
    this.gatewayMessages.inc(labels);
    this.gatewayDuration.observe(labels, seconds);
    if (o.refusal) this.refusals.inc({ source: 'gateway', kind: o.refusal.kind, field: o.refusal.field });
    const kind = o.infno ? SETTLING[o.infno] : undefined;
    if (kind && o.infcode === 0 && !o.replayed) {
      const setl = (o.output['setlinfo'] ?? {}) as Record<string, unknown>;
      const region = typeof setl['insuplc_admdvs'] === 'string' && /^[0-9]{6}$/.test(setl['insuplc_admdvs']) ? setl['insuplc_admdvs'] : 'unknown';
      this.settlements.inc({ insuplc_admdvs: region, kind });
      const fund = Math.round(Number(setl['fund_pay_sumamt'] ?? 0) * 100);
      if (Number.isFinite(fund) && fund > 0) this.fundFen.inc({ insuplc_admdvs: region }, fund);
    }
  }

  /** Request counting, REST refusals and job runs, for every route registered after it. */
  install(app: FastifyInstance): void {
    app.addHook('onError', async (request, _reply, err) => {
      if (err instanceof YibaoError) refusalOf.set(request, { kind: err.kind, field: fieldLabel(err.details[0]?.field) });
    });
    app.addHook('onResponse', async (request, reply) => {
      const route = request.routeOptions.url ?? '(unmatched)';
      const labels = { method: request.method, route, status: String(reply.statusCode) };
      const seconds = reply.elapsedTime / 1000;
      this.httpRequests.inc(labels);
      this.httpDuration.observe(labels, seconds);
      const status = reply.statusCode;
      if (status >= 400 && status < 500 && route.startsWith('/api/')) {
        const r = refusalOf.get(request) ?? { kind: status === 404 ? 'not_found' : 'invalid', field: 'request' };
        this.refusals.inc({ source: 'rest', kind: r.kind, field: r.field });
      }
      const job = JOBS[`${request.method} ${route}`];
      if (job) {
        this.jobRuns.inc({ job, outcome: status < 400 ? 'ok' : status < 500 ? 'refused' : 'failed' });
        this.jobDuration.observe({ job }, seconds);
      }
    });
  }

  /** This process's metrics, or the whole cluster's when this is a worker. */
  async text(): Promise<{ contentType: string; body: string }> {
    const body = cluster.isWorker ? await askPrimary() : await this.registry.metrics();
    return { contentType: this.registry.contentType, body };
  }
}

const refusalOf = new WeakMap<FastifyRequest, { kind: string; field: string }>();

/** A field as a label: array positions dropped so that the label's values stay few. */
function fieldLabel(field: string | undefined): string {
  return (field ?? 'unknown').replace(/\[\d+\]/g, '[]').slice(0, 80);
}

/**
 * GET /metrics: not behind the staff session (Prometheus scrapes it), but not public. With
 * YIBAO_METRICS_TOKEN set, only `Authorization: Bearer <token>` is let in; without it, only
 * loopback addresses.
 */
export function metricsRoute(app: FastifyInstance, metrics: AppMetrics, token: string | undefined): void {
  app.get(METRICS_PATH, { schema: { hide: true } }, async (request, reply) => {
    if (token) {
      const given = /^Bearer (.+)$/.exec(request.headers.authorization ?? '')?.[1] ?? '';
      if (!sameSecret(given, token)) return reply.status(401).header('www-authenticate', 'Bearer').send({ error: 'unauthenticated', message: '需要指标令牌 / the metrics token is required (Authorization: Bearer)' });
    } else if (!isLoopback(request.socket.remoteAddress)) {
      return reply.status(403).send({ error: 'forbidden', message: '未设置 YIBAO_METRICS_TOKEN 时仅本机可读取指标 / without YIBAO_METRICS_TOKEN only loopback addresses may read the metrics' });
    }
    const { contentType, body } = await metrics.text();
    return reply.header('content-type', contentType).send(body);
  });
}

function sameSecret(a: string, b: string): boolean {
  const x = crypto.createHash('sha256').update(a).digest();
  const y = crypto.createHash('sha256').update(b).digest();
  return crypto.timingSafeEqual(x, y);
}

export function isLoopback(address: string | undefined): boolean {
  return address === '::1' || /^(::ffff:)?127\./.test(address ?? '');
}

/** An incoming x-request-id worth keeping: short, printable, no spaces. */
export function requestIdOf(header: string | string[] | undefined): string {
  const v = Array.isArray(header) ? header[0] : header;
  return v && /^[A-Za-z0-9._:-]{1,64}$/.test(v) ? v : crypto.randomUUID();
}

// --- node:cluster: the primary aggregates ---------------------------------------------------

const ASK = 'yibao:metrics-ask';
const ANSWER = 'yibao:metrics-answer';
const waiting = new Map<string, (text: string) => void>();

/** In a worker: its registry answers the primary's collection (prom-client's cluster protocol). */
export function shareWithPrimary(metrics: AppMetrics): void {
  if (!cluster.isWorker) return;
  client.AggregatorRegistry.setRegistries([metrics.registry]);
  new client.AggregatorRegistry(); // its constructor is what makes a worker answer the primary's collection
  process.on('message', (m: { type?: string; id?: string; text?: string }) => {
    if (m?.type === ANSWER && m.id) waiting.get(m.id)?.(m.text ?? '');
  });
}

function askPrimary(): Promise<string> {
  const id = crypto.randomUUID();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      waiting.delete(id);
      reject(new Error('the primary did not answer the metrics request'));
    }, 10_000);
    waiting.set(id, (text) => {
      clearTimeout(timer);
      waiting.delete(id);
      resolve(text);
    });
    process.send?.({ type: ASK, id });
  });
}

/** In the primary: answers a worker's request with every worker's metrics, summed. */
export function aggregateForWorkers(): void {
  const aggregator = new client.AggregatorRegistry();
  cluster.on('message', (worker, m: { type?: string; id?: string }) => {
    if (m?.type !== ASK) return;
    aggregator.clusterMetrics().then(
      (text) => worker.send({ type: ANSWER, id: m.id, text }),
      (err: Error) => worker.send({ type: ANSWER, id: m.id, text: `# aggregation failed: ${err.message}\n` }),
    );
  });
}
