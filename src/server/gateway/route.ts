import type { FastifyPluginAsync } from 'fastify';
import { invalid } from '../../engine/errors.ts';
import type { Pool } from '../../store/db.ts';
import { documentRegistry, type DocumentRegistry } from '../../store/documents/registry.ts';
import { GroupCommit, type GroupCommitObserver } from '../../store/group-commit.ts';
import { callService, type GatewayObservation } from './gateway.ts';
import { Admission, DEFAULT_ADMISSION, type AdmissionLimits } from './admission.ts';
import type { FederationPort } from '../../app/federation/port.ts';
import { compactMillis, compactSeconds } from './time.ts';
import { buildRegistry, type TransactionRegistry } from './transactions.ts';

// The national interface's one endpoint (a contract: the path never changes). Whatever
// arrives — any content type, broken JSON, a body too large — is answered with HTTP 200 and
// a response envelope; the body is parsed by the gateway itself, not by Fastify.
export const CALL_SERVICE_PATH = '/fsi/api/rsfComIfsService/callService';

export interface GatewayRouteDeps {
  pool: Pool;
  now: () => Date;
  registry?: TransactionRegistry;
  /** The versioned documents (default: the process's registry). */
  documents?: DocumentRegistry;
  /** The link to the deployments that own other regions (issue 17). */
  federation?: FederationPort;
  /** Admission control's limits (issue 18; default DEFAULT_ADMISSION). */
  admission?: AdmissionLimits;
  /** Metrics (issue 18): each answer with its time in seconds, and the group commit's batches. */
  metrics?: { gatewayMessage: (o: GatewayObservation, seconds: number) => void; groupCommit: GroupCommitObserver };
}

/** The gateway as a plugin of its own scope, so that taking raw bytes does not leak to the REST routes. */
export function gatewayRoutes(deps: GatewayRouteDeps): FastifyPluginAsync {
  const registry = deps.registry ?? buildRegistry();
  return async (scope) => {
    const commits = new GroupCommit(deps.pool, undefined, deps.metrics?.groupCommit);
    const admission = new Admission(deps.admission ?? DEFAULT_ADMISSION);
    // HIS send application/json, text/plain, form types or nothing at all: take the bytes.
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', { parseAs: 'buffer' }, (_req, body, done) => done(null, body));

    // Failures before the handler (body too large, an aborted upload) still get an envelope.
    scope.setErrorHandler((err, request, reply) => {
      const at = deps.now();
      const e = err as { statusCode?: number; message?: string };
      if (!e.statusCode || e.statusCode >= 500) request.log.error(err);
      const why =
        e.statusCode === 413
          ? invalid('body', '请求报文过大', 'the body is too large')
          : invalid('body', '请求报文无法读取', `the body could not be read (${e.message ?? 'unknown error'})`);
      return reply.status(200).send({
        infcode: -1,
        inf_refmsgid: '000000' + compactSeconds(at) + String(Math.floor(Math.random() * 1e10)).padStart(10, '0'),
        refmsg_time: compactMillis(at),
        respond_time: compactMillis(deps.now()),
        err_msg: why.bilingual(),
        warn_msg: null,
        output: {},
      });
    });

    scope.post(CALL_SERVICE_PATH, async (request, reply) => {
      const started = performance.now();
      const answer = await callService(
        {
          pool: deps.pool,
          commits,
          now: deps.now,
          registry,
          documents: deps.documents ?? documentRegistry,
          ...(deps.federation ? { federation: deps.federation } : {}),
          admission,
          logError: (err, context) => request.log.error({ err, ...context }, 'gateway: unexpected failure'),
          // The message's own log line (request id, msgid, inf_refmsgid: the key of its row in
          // gateway_messages), and its metrics; an infno not served here counts as one label.
          observe: (o) => {
            const infno = o.infno !== undefined && registry.has(o.infno) ? o.infno : o.infno === undefined ? undefined : 'unsupported';
            request.log.info({ infno, fixmedins_code: o.fixmedins_code, msgid: o.msgid, infcode: o.infcode, inf_refmsgid: o.inf_refmsgid, replayed: o.replayed, refusal: o.refusal }, 'gateway: message answered');
            deps.metrics?.gatewayMessage({ ...o, infno }, (performance.now() - started) / 1000);
          },
        },
        request.body ?? '',
      );
      // Still 200 with the envelope (what a HIS reads); the header tells a sender that honours it how long to wait.
      if (answer.retryAfterS !== undefined) void reply.header('retry-after', String(answer.retryAfterS));
      return reply.status(200).header('content-type', 'application/json; charset=utf-8').send(answer.body);
    });
  };
}
