import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TRANSACTIONS, buildRegistry } from './transactions.ts';
import type { TransactionHandler } from './types.ts';

test('the registry holds every listed transaction once, and refuses a number twice', () => {
  const registry = buildRegistry();
  // docs/interface.md is the coverage table: what it calls implemented is exactly what is registered.
  const doc = fs.readFileSync(path.resolve(import.meta.dirname, '../../../docs/interface.md'), 'utf8');
  // A row names one or more numbers ("2501/2502", "5301, 5302, 5304", "4101A"); ranges stay planned rows.
  const documented = [...doc.matchAll(/^\| ([\dA-Z/, ]+) \|[^|]*\| \*\*implemented\*\*/gm)].flatMap((m) => m[1]!.split(/[/,]\s*/).map((n) => n.trim()));
  assert.deepEqual([...registry.keys()].sort(), documented.sort());
  assert.equal(registry.get('9001')!.requiresSignIn, false, 'only 9001 comes without a sign-in');
  for (const handler of TRANSACTIONS.filter((h) => h.infno !== '9001')) assert.equal(handler.requiresSignIn, true, handler.infno);
  const twice: TransactionHandler = { ...TRANSACTIONS[0]! };
  assert.throws(() => buildRegistry([...TRANSACTIONS, twice]), /registered twice/);
  assert.throws(() => buildRegistry([{ ...twice, infno: '90011' }]), /four digits/);
});
