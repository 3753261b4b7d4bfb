// TypeBox validation errors turned into Problems, one per offending path, so a document is
// refused with every structural problem at once (semantic checks add theirs after).
import type { TSchema } from 'typebox';
import Value from 'typebox/value';
import type { Problems } from './errors.ts';

export function schemaProblems(schema: TSchema, value: unknown, prefix: string, problems: Problems): number {
  const seen = new Set<string>();
  let count = 0;
  for (const e of Value.Errors(schema, value)) {
    // A union reports each failed branch and then itself: keep the one anyOf line.
    if (e.keyword === 'boolean' || e.schemaPath.includes('/anyOf/')) continue;
    const path = prefix + (e.instancePath === '' ? '/' : e.instancePath);
    const extra =
      e.keyword === 'additionalProperties'
        ? ` (${String((e.params as { additionalProperties?: unknown }).additionalProperties)})`
        : '';
    const key = `${path}|${e.keyword}`;
    if (seen.has(key)) continue;
    seen.add(key);
    problems.add(path, `结构错误：${e.message}${extra}`, `schema: ${e.message}${extra}`);
    count++;
  }
  return count;
}
