import Fastify, { type FastifyInstance } from 'fastify';
import { YibaoError, type ErrorKind } from '../engine/errors.ts';
import { clearingRoutes } from './api/clearing.ts';
import { cooperationRoutes } from './api/cooperation.ts';
import { gatewayRoutes } from './gateway/route.ts';
import { databaseUnavailable } from './gateway/gateway.ts';
import { isDatabaseOutOfResources, isDatabaseUnavailable } from '../store/db.ts';
import { federationRoutes } from './federation/route.ts';
import { federationLink } from './federation/link.ts';
import { FEDERATION_HANDLERS } from './federation/handlers.ts';
import { documentRegistry } from '../store/documents/registry.ts';
import { registerOpenApi } from './api/openapi.ts';
import { registryRoutes } from './api/registry.ts';
import { registerAuthRoutes } from './api/auth.ts';
import { registerWorkbenchRoutes } from './api/workbench.ts';
import { registerSimulationRoutes } from './api/simulations.ts';
import { clearingInstitutionRoutes } from './api/clearing-institutions.ts';
import { paymentRoutes } from './api/payment.ts';
import { supervisionRoutes } from './api/supervision.ts';
import { investigationRoutes } from './api/investigations.ts';
import { sharingRoutes } from './api/sharing.ts';
import { supervisionCaseRoutes } from './api/supervision-cases.ts';
import { serviceNetworkRoutes } from './api/service-network.ts';
import { applicationRoutes } from './api/applications.ts';
import { assistanceRoutes } from './api/assistance.ts';
import { FHIR_PREFIX, fhirRoutes } from './fhir/routes.ts';
import { installAuth } from './auth/hook.ts';
import { refuseNulCharacters } from './api/common.ts';
import { serveWeb } from './web.ts';
import type { AppDeps } from './deps.ts';
import { AppMetrics, metricsRoute, requestIdOf, shareWithPrimary } from './metrics.ts';

// Builds the HTTP application. Route handlers stay thin: they validate, call the store and
// the engine, and shape answers; no business rule lives here.

const STATUS: Record<ErrorKind, number> = {
  invalid: 400,
  not_found: 404,
  conflict: 409,
  forbidden: 403,
  unauthenticated: 401,
  unavailable: 503,
  rate_limited: 429,
};

export async function buildApp(deps: AppDeps): Promise<FastifyInstance> {
  const app = Fastify({
    logger: deps.logLevel ? { level: deps.logLevel, ...(deps.logDestination ? { stream: deps.logDestination } : {}) } : false,
    bodyLimit: 16 * 1024 * 1024, // a long inpatient fee upload is a few MB of JSON
    // Metrics and tracing (issue 18): the caller's x-request-id when it is a sane one, else a
    // fresh id; on every log line of the request (request.log) and echoed in the answer.
    genReqId: (req) => requestIdOf(req.headers['x-request-id']),
  });
  const metrics = new AppMetrics(deps.pool);
  shareWithPrimary(metrics);
  metrics.install(app);
  app.addHook('onRequest', (request, reply, done) => {
    reply.header('x-request-id', request.id);
    done();
  });

  // One place turns errors into answers: a client's mistake is never a 500.
  app.setErrorHandler((thrown, request, reply) => {
    let err = thrown;
    if (isDatabaseUnavailable(err)) {
      if (isDatabaseOutOfResources(err)) request.log.error(err); // a full disk: the operator's to fix
      err = databaseUnavailable(); // 503 with its Retry-After, below
    }
    if (err instanceof YibaoError) {
      if (err.retryAfterS !== undefined) void reply.header('retry-after', String(Math.max(1, Math.ceil(err.retryAfterS))));
      return reply.status(STATUS[err.kind]).send({ error: err.kind, message: err.bilingual(), details: err.details });
    }
    const e = err as { validation?: unknown; statusCode?: number; message: string };
    if (e.validation || (e.statusCode && e.statusCode < 500)) {
      return reply.status(e.statusCode ?? 400).send({ error: 'invalid', message: `请求无效 / invalid request: ${e.message}` });
    }
    request.log.error(err);
    return reply.status(500).send({ error: 'internal', message: '服务器内部错误 / internal server error' });
  });

  await registerOpenApi(app);
  // Before any route: every /api/v1 route is behind the session and its scope.
  installAuth(app, deps);
  refuseNulCharacters(app);
  await registerAuthRoutes(app, deps);
  // Every group of routes is a plugin made from the dependencies, mounted with its prefix.
  await app.register(registryRoutes(deps), { prefix: '/api/v1' });
  await app.register(cooperationRoutes(deps), { prefix: '/api/v1' });
  await app.register(clearingRoutes(deps), { prefix: '/api/v1' });
  await app.register(clearingInstitutionRoutes(deps), { prefix: '/api/v1' });
  await app.register(paymentRoutes(deps), { prefix: '/api/v1' });
  await app.register(supervisionRoutes(deps), { prefix: '/api/v1' });
  await app.register(investigationRoutes(deps), { prefix: '/api/v1' });
  await app.register(sharingRoutes(deps), { prefix: '/api/v1' });
  await app.register(supervisionCaseRoutes(deps), { prefix: '/api/v1' });
  await app.register(serviceNetworkRoutes(deps), { prefix: '/api/v1' });
  await app.register(applicationRoutes(deps), { prefix: '/api/v1' });
  await app.register(assistanceRoutes(deps), { prefix: '/api/v1' }); // medical assistance (issue 16)
  await app.register(fhirRoutes(deps), { prefix: FHIR_PREFIX }); // the read-only FHIR R4 API (issue 17, docs/fhir.md)
  // Federation (issue 17): the link to the other deployments, used by the gateway for persons
  // insured there, and the endpoint where they send theirs.
  const port = deps.federation ? federationLink(deps.federation, { now: deps.now, log: (line) => app.log.warn(line) }) : undefined;
  await app.register(gatewayRoutes({ pool: deps.pool, now: deps.now, metrics, ...(deps.documents ? { documents: deps.documents } : {}), ...(port ? { federation: port } : {}), ...(deps.admission ? { admission: deps.admission } : {}) }));
  if (deps.federation && port) {
    await app.register(federationRoutes({
      pool: deps.pool, now: deps.now, node: deps.federation, port, documents: deps.documents ?? documentRegistry, handlers: FEDERATION_HANDLERS,
      logError: (err, context) => app.log.error({ err, ...context }, 'federation: unexpected failure'),
    }));
  }

  metricsRoute(app, metrics, deps.metricsToken); // GET /metrics (issue 18, docs/operations.md)

  app.get('/healthz', async (_req, reply) => {
    await deps.pool.query('SELECT 1');
    return reply.send({ status: 'ok' });
  });

  await registerWorkbenchRoutes(app, deps);
  await registerSimulationRoutes(app, deps);
  await serveWeb(app, deps.webDir);

  return app;
}
