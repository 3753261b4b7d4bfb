import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TRANSACTIONS, buildRegistry } from './transactions.ts';
import type { TransactionHandler } from './types.ts';

test('the registry holds every listed transaction once, and refuses a number twice', () => {
  const registry = buildRegistry();
  assert.deepEqual([...registry.keys()].sort(), ['1101', '1201', '1901', '5310', '9001', '9002']);
  assert.equal(registry.get('9001')!.requiresSignIn, false, 'only 9001 comes without a sign-in');
  for (const handler of TRANSACTIONS.filter((h) => h.infno !== '9001')) assert.equal(handler.requiresSignIn, true, handler.infno);
  const twice: TransactionHandler = { ...TRANSACTIONS[0]! };
  assert.throws(() => buildRegistry([...TRANSACTIONS, twice]), /registered twice/);
  assert.throws(() => buildRegistry([{ ...twice, infno: '90011' }]), /four digits/);
});
