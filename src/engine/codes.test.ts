import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CLR_TYPES, CLR_TYPE_OF_VISIT, IDENTITY_GROUPS, PSN_IDET_TYPES, identityGroupsOf, isCode } from './codes.ts';

test('registry identities map onto the engine groups; unknown and group-less codes add nothing', () => {
  assert.deepEqual(identityGroupsOf(['2201', '2102', '2102', '2301', '9999']), ['minimum_living', 'severe_disability']);
  assert.deepEqual(identityGroupsOf([]), []);
  // Every engine group is reachable from some registry identity, so no policy clause is dead.
  const reachable = new Set(identityGroupsOf(Object.keys(PSN_IDET_TYPES)));
  assert.deepEqual([...reachable].sort(), Object.keys(IDENTITY_GROUPS).sort());
});

test('each kind of visit clears under its clearing type: 11 outpatient, 21 inpatient, 41 pharmacy', () => {
  assert.deepEqual(CLR_TYPE_OF_VISIT, { outpatient: '11', inpatient: '21', pharmacy: '41' });
  for (const code of Object.values(CLR_TYPE_OF_VISIT)) assert.ok(isCode(CLR_TYPES, code), code);
});
