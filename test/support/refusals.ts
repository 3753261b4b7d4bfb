import assert from 'node:assert/strict';
import { YibaoError, type ErrorKind } from '../../src/engine/errors.ts';

/**
 * Awaits a refusal of this kind that names exactly these fields (one, or several in order), each
 * problem told in Chinese and in English; answers the error for further checks.
 */
export async function refuses(work: Promise<unknown>, kind: ErrorKind, fields: string | readonly string[]): Promise<YibaoError> {
  const named = typeof fields === 'string' ? [fields] : [...fields];
  const err = await work.then(() => undefined, (e: unknown) => e);
  assert.ok(err instanceof YibaoError, `expected a refusal naming ${named.join(', ')}, got ${String(err)}`);
  assert.equal(err.kind, kind, err.message);
  assert.deepEqual(err.details.map((d) => d.field), named, err.message);
  assert.ok(err.details.every((d) => /[\u4e00-\u9fff]/.test(d.zh) && d.en.length > 0), 'Chinese and English');
  return err;
}
