import type { FastifyInstance } from 'fastify';
import { invalid } from '../../engine/errors.ts';
import { SIMULATION_CSV_HEADER, simulationTable } from '../../engine/simulation-report.ts';
import { simulationRun, simulationRuns, startSimulationRun } from '../../app/settlement/simulation-runs.ts';
import { readNamedPolicy } from '../../app/settlement/policy-workbench.ts';
import { documentRegistry } from '../../store/documents/registry.ts';
import type { AppDeps } from '../deps.ts';
import { scoped } from '../auth/hook.ts';
import { body, str, type Json } from './cooperation-input.ts';
import { writeContext } from './common.ts';
import { toCsv } from './spreadsheet.ts';

// The workbench's simulations over stored settlements (issue 19): start one in the background,
// follow it, read its report as JSON or CSV. The region is the caller's to cover (access.ts);
// the use cases are src/app/settlement/simulation-runs.ts.

export async function registerSimulationRoutes(app: FastifyInstance, deps: AppDeps): Promise<void> {
  const docs = deps.documents ?? documentRegistry;
  const { pool } = deps;
  /** A policy given inline, or by a stored name (`ID`, `ID.json`, `ID@VERSION`). */
  const policyOf = async (b: Json, field: string): Promise<unknown> => {
    const v = b[field];
    if (v !== null && typeof v === 'object') return v;
    if (typeof v !== 'string') throw invalid(field, `${field} 应为政策文件名或政策文档`, `${field} must be a policy file name or a policy document`);
    return readNamedPolicy(pool, docs, v, field);
  };

  app.post('/api/v1/simulations', async (req, reply) => {
    const b = body(req.body);
    const draft = await policyOf(b, 'draft');
    const baseline = b.baseline === undefined || b.baseline === null ? null : await policyOf(b, 'baseline');
    const run = await startSimulationRun(pool, docs, writeContext(req, deps), { admdvs: scoped(req, 'region'), draft, baseline, from: str(b, 'from'), to: str(b, 'to') }, deps.now);
    return reply.status(202).send(run);
  });
  app.get('/api/v1/simulations', async (req) => ({ items: await simulationRuns(pool, scoped(req, 'region'), deps.now()) }));
  app.get('/api/v1/simulations/:id', async (req) => simulationRun(pool, scoped(req, 'simulation_id'), deps.now()));
  app.get('/api/v1/simulations/:id/report.csv', async (req, reply) => {
    const run = await simulationRun(pool, scoped(req, 'simulation_id'), deps.now());
    if (!run.result) throw invalid('id', `测算 ${run.id} 尚无报告（${run.status}）`, `simulation ${run.id} has no report yet (${run.status})`);
    return reply.type('text/csv; charset=utf-8').header('content-disposition', `attachment; filename="simulation-${run.id}.csv"`).send(toCsv(SIMULATION_CSV_HEADER, simulationTable(run.result.report)));
  });
}
