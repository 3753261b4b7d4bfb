import type { FastifyInstance, FastifyRequest, FastifySchemaValidationError } from 'fastify';
import { invalid, unauthenticated, YibaoError } from '../../engine/errors.ts';
import { principalLabel } from '../../store/auth/principal.ts';
import type { WriteContext } from '../../store/audit.ts';
import type { AppDeps } from '../deps.ts';

// What every REST route shares: the acting person, and schema failures turned into the one
// error type so that a malformed request names its field in Chinese and English.

/** The signed-in caller, as the audit log records them (the auth hook has already let them in). */
export function writeContext(req: FastifyRequest, deps: AppDeps): WriteContext {
  if (!req.principal) throw unauthenticated('session', '请先登录', 'please sign in');
  return { actor: principalLabel(req.principal), now: deps.now() };
}

const ZH: Record<string, string> = {
  required: '缺少必填字段',
  type: '类型不正确',
  pattern: '格式不正确',
  enum: '取值不在允许范围内',
  minLength: '长度过短',
  maxLength: '长度过长',
  minimum: '数值过小',
  maximum: '数值过大',
  additionalProperties: '不允许的字段',
  format: '格式不正确',
  minItems: '项目过少',
  maxItems: '项目过多',
};

export function schemaError(errors: FastifySchemaValidationError[], dataVar: string): YibaoError {
  return new YibaoError(
    'invalid',
    errors.map((e) => {
      const params = e.params as { missingProperty?: string; additionalProperty?: string };
      const path = (e.instancePath ?? '').replace(/^\//, '').replace(/\//g, '.');
      const leaf = params.missingProperty ?? params.additionalProperty;
      const field = [dataVar === 'body' ? '' : dataVar, path, leaf].filter(Boolean).join('.') || dataVar;
      return { field, zh: ZH[e.keyword] ?? '取值无效', en: e.message ?? 'invalid value' };
    }),
  );
}

export function useBilingualValidation(app: FastifyInstance): void {
  app.setSchemaErrorFormatter((errors, dataVar) => schemaError(errors, dataVar));
}

/**
 * PostgreSQL's text cannot hold U+0000, so a value carrying one would fail deep in a query as a
 * 500. Every /api/v1 and /fhir/R4 request is searched (path, query, body, keys too) before any route code
 * runs, and refused naming the first field that holds one.
 */
export function refuseNulCharacters(app: FastifyInstance): void {
  app.addHook('preValidation', async (req) => {
    const url = req.routeOptions.url;
    if (!url?.startsWith('/api/v1/') && !url?.startsWith('/fhir/R4/')) return;
    const field = nulField(req.params) ?? nulField(req.query) ?? nulField(req.body);
    if (field !== undefined) throw invalid(field || 'body', '不能包含空字符（U+0000）', 'must not contain a NUL character (U+0000)');
  });
}

/** The dotted path of the first string holding U+0000; walked without recursion, however deep. */
function nulField(value: unknown): string | undefined {
  const stack: [unknown, string][] = [[value, '']];
  while (stack.length > 0) {
    const [v, at] = stack.pop()!;
    if (typeof v === 'string') {
      if (v.includes('\u0000')) return at;
    } else if (v !== null && typeof v === 'object') {
      for (const [k, x] of Object.entries(v)) {
        const here = at ? `${at}.${k}` : k;
        if (k.includes('\u0000')) return here;
        stack.push([x, here]);
      }
    }
  }
  return undefined;
}
