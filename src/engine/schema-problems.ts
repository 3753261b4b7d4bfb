// TypeBox validation errors turned into Problems, one per offending path, so a document is
// refused with every structural problem at once (semantic checks add theirs after).
import type { TSchema } from 'typebox';
import Value from 'typebox/value';
import type { Problems } from './errors.ts';

export function schemaProblems(schema: TSchema, value: unknown, prefix: string, problems: Problems): number {
  const seen = new Set<string>();
  let count = 0;
  const add = (path: string, zh: string, en: string): void => {
    if (seen.has(path + en)) return;
    seen.add(path + en);
    problems.add(path, zh, en);
    count++;
  };
  for (const e of Value.Errors(schema, value)) {
    // A union reports each failed branch and then itself: keep the one anyOf line.
    if (e.keyword === 'boolean' || e.schemaPath.includes('/anyOf/')) continue;
    const params = e.params as { requiredProperties?: string[]; additionalProperties?: string[] };
    // Missing and unexpected properties are named by their own path.
    if (e.keyword === 'required' && params.requiredProperties) {
      for (const p of params.requiredProperties) add(`${prefix}${e.instancePath}/${p}`, '缺少必填项', 'required property is missing');
      continue;
    }
    if (e.keyword === 'additionalProperties' && params.additionalProperties) {
      for (const p of params.additionalProperties) add(`${prefix}${e.instancePath}/${p}`, '不允许的字段', 'property is not allowed here');
      continue;
    }
    add(prefix + (e.instancePath === '' ? '/' : e.instancePath), `结构错误：${e.message}`, `schema: ${e.message}`);
  }
  return count;
}
