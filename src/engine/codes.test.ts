import { test } from 'node:test';
import assert from 'node:assert/strict';
import { IDENTITY_GROUPS, PSN_IDET_TYPES, identityGroupsOf } from './codes.ts';

test('registry identities map onto the engine groups; unknown and group-less codes add nothing', () => {
  assert.deepEqual(identityGroupsOf(['2201', '2102', '2102', '2301', '9999']), ['minimum_living', 'severe_disability']);
  assert.deepEqual(identityGroupsOf([]), []);
  // Every engine group is reachable from some registry identity, so no policy clause is dead.
  const reachable = new Set(identityGroupsOf(Object.keys(PSN_IDET_TYPES)));
  assert.deepEqual([...reachable].sort(), Object.keys(IDENTITY_GROUPS).sort());
});
