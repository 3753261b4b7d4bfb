import os from 'node:os';
import path from 'node:path';
import { invalid } from '../engine/errors.ts';
import { DEFAULT_ADMISSION } from './gateway/admission.ts';

// Everything the process reads from its environment, read once, validated, in one place.
export interface Config {
  /** HTTP port (contract: `PORT`, default 8080). */
  port: number;
  host: string;
  /** Where the embedded PostgreSQL and other state live (contract: `YIBAO_DATA_DIR`). */
  dataDir: string;
  /** An external PostgreSQL; when absent the embedded one is started (contract: `DATABASE_URL`). */
  databaseUrl: string | undefined;
  /** Number of demo persons generated on first start (0 disables the demo). */
  demoPersons: number;
  /** Counties (or provinces) that pool on their own besides the default cities (`YIBAO_EXTRA_POOLING_REGIONS`, comma-separated). */
  extraPoolingRegions: string[];
  logLevel: string;
  /** The canonical base of the FHIR API's code systems, identifiers and extensions (`YIBAO_FHIR_BASE`, docs/fhir.md). */
  fhirBase: string;
  /** HTTP worker processes sharing the port (node:cluster); all state is in PostgreSQL. */
  workers: number;
  /** The federation directory this deployment is part of (`YIBAO_FEDERATION`, a JSON file; docs/federation.md), or none. */
  federationFile: string | undefined;
  /** The gateway's admission limits per process (docs/operations.md "Overload"). */
  admission: { total: number; perInstitution: number };
  /** Which demo the first start seeds (`YIBAO_DEMO`): 'full' (one deployment holds everyone) or 'federation' (one deployment of a federation: only its own regions' persons; needs YIBAO_FEDERATION). */
  demo: 'full' | 'federation';
  /** The bearer token GET /metrics asks for (`YIBAO_METRICS_TOKEN`); unset: /metrics answers loopback addresses only. */
  metricsToken: string | undefined;
}

function positive(env: NodeJS.ProcessEnv, name: string, dflt: number): number {
  const v = Number(env[name] ?? String(dflt));
  if (!Number.isInteger(v) || v < 1 || v > 1_000_000) throw invalid(name, '应为 1-1000000 的整数', 'expected an integer from 1 to 1000000');
  return v;
}

export function readConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const port = Number(env.PORT ?? '8080');
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw invalid('PORT', '端口应为 0-65535 的整数', 'expected an integer port from 0 to 65535');
  }
  const demoPersons = Number(env.YIBAO_DEMO_PERSONS ?? '2000');
  if (!Number.isInteger(demoPersons) || demoPersons < 0) {
    throw invalid('YIBAO_DEMO_PERSONS', '应为非负整数', 'expected a non-negative integer');
  }
  const extraPoolingRegions = (env.YIBAO_EXTRA_POOLING_REGIONS ?? '').split(',').map((c) => c.trim()).filter(Boolean);
  for (const code of extraPoolingRegions) {
    if (!/^[0-9]{6}$/.test(code)) throw invalid('YIBAO_EXTRA_POOLING_REGIONS', `统筹区 ${code} 应为 6 位区划代码`, `pooling region ${code} must be a 6-digit region code`);
  }
  const workers = Number(env.YIBAO_WORKERS ?? String(Math.min(os.availableParallelism(), 8)));
  if (!Number.isInteger(workers) || workers < 1 || workers > 64) {
    throw invalid('YIBAO_WORKERS', '应为 1-64 的整数', 'expected an integer from 1 to 64');
  }
  const demo = env.YIBAO_DEMO || 'full';
  if (demo !== 'full' && demo !== 'federation') throw invalid('YIBAO_DEMO', '应为 full 或 federation', 'expected full or federation');
  if (demo === 'federation' && !env.YIBAO_FEDERATION) {
    throw invalid('YIBAO_DEMO', '联邦演示数据需要 YIBAO_FEDERATION（本部署的联邦目录）', 'the federation demo needs YIBAO_FEDERATION (this deployment\'s directory)');
  }
  const fhirBase = (env.YIBAO_FHIR_BASE ?? 'https://yibao.example/fhir').replace(/\/+$/, '');
  if (!/^https?:\/\/[^\s/?#]+(\/[^\s?#]*)?$/.test(fhirBase)) {
    throw invalid('YIBAO_FHIR_BASE', '应为 http(s) 地址（不含查询参数）', 'expected an http(s) URL without a query');
  }
  const metricsToken = env.YIBAO_METRICS_TOKEN || undefined;
  if (metricsToken !== undefined && !/^[\x21-\x7e]{16,256}$/.test(metricsToken)) {
    throw invalid('YIBAO_METRICS_TOKEN', '应为 16-256 个可打印字符（不含空格）', 'expected 16 to 256 printable characters without spaces');
  }
  return {
    metricsToken,
    demo,
    workers,
    fhirBase,
    port,
    host: env.HOST ?? '0.0.0.0',
    dataDir: path.resolve(env.YIBAO_DATA_DIR ?? '.yibao'),
    databaseUrl: env.DATABASE_URL || undefined,
    demoPersons,
    extraPoolingRegions,
    logLevel: env.LOG_LEVEL ?? 'info',
    federationFile: env.YIBAO_FEDERATION ? path.resolve(env.YIBAO_FEDERATION) : undefined,
    admission: { total: positive(env, 'YIBAO_GATEWAY_MAX_IN_FLIGHT', DEFAULT_ADMISSION.total), perInstitution: positive(env, 'YIBAO_GATEWAY_MAX_PER_INSTITUTION', DEFAULT_ADMISSION.perInstitution) },
  };
}
