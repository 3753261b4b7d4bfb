import swagger from '@fastify/swagger';
import type { FastifyInstance } from 'fastify';

// The OpenAPI description is generated from the routes' own TypeBox schemas, so it cannot
// drift from what the server validates. Served at /openapi.json.
export async function registerOpenApi(app: FastifyInstance): Promise<void> {
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0', // 3.1: JSON Schema's null type is valid, and the schemas use it for absent values
      info: {
        title: 'yibao REST API',
        description: '医保平台 REST 接口：参保登记、参保缴费信息跨省查询、身份比对导入 / registry, cross-province enrollment query, identity comparison import',
        version: '1',
      },
      tags: [
        { name: 'registry', description: '参保登记 / registry' },
        { name: 'query', description: '跨省查询 / cross-province query' },
        { name: 'identities', description: '人员身份比对 / identity comparison' },
        { name: 'reference', description: '区划与定点机构 / regions and institutions' },
        { name: 'cooperation', description: '异地就医备案、慢特病认定、消息 / filings, recognitions, messages' },
        { name: 'auth', description: '登录与权限 / sign-in and capabilities' },
        { name: 'dashboard', description: '监管看板 / the supervision dashboard' },
        { name: 'clearing', description: '地区间清算 / clearing between regions' },
        { name: 'assistance', description: '医疗救助（依申请、公示、支付、再救助、资助参保）/ medical assistance on application' },
        { name: 'fhir', description: 'FHIR R4 只读接口（/fhir/R4，见 docs/fhir.md）/ the read-only FHIR R4 API' },
      ],
    },
  });
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());
}
