import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { YibaoError } from '../../engine/errors.ts';
import { DEFAULT_FHIR_BASE } from './codesystems.ts';
import { paymentReconciliationResource, type ReconciliationStatement } from './mappers.ts';
import { dateWindow, parseSearch } from './search.ts';

// The pure parts of the FHIR adapter: date parameters as windows of instants, the strict
// parameter parser, and the PaymentReconciliation mapper on a plain statement (the shape the
// inter-deployment hub's statements will be handed in), validated as R4.

const require = createRequire(import.meta.url);
const { Fhir } = require('fhir') as { Fhir: new () => { validate: (r: unknown, o: { errorOnUnexpected: boolean }) => { messages: { severity: string }[] } } };
const JSONSchemaValidator = require('@asymmetrik/fhir-json-schema-validator') as new () => { validate: (r: unknown) => unknown[] };

const iso = (d: Date | undefined): string | undefined => d?.toISOString();
const field = (fn: () => unknown): string => {
  try {
    fn();
  } catch (e) {
    if (e instanceof YibaoError) return e.details[0]!.field;
    throw e;
  }
  return 'no error';
};

test('a date parameter covers its precision in China time; prefixes narrow the window', () => {
  const year = dateWindow('created', ['ge2026-01-01', 'le2026-12-31']);
  assert.deepEqual([iso(year.from), iso(year.to)], ['2025-12-31T16:00:00.000Z', '2026-12-31T16:00:00.000Z']);
  assert.deepEqual([iso(dateWindow('created', ['2026']).from), iso(dateWindow('created', ['2026']).to)], ['2025-12-31T16:00:00.000Z', '2026-12-31T16:00:00.000Z']);
  assert.deepEqual([iso(dateWindow('created', ['2026-02']).to)], ['2026-02-28T16:00:00.000Z']);
  assert.deepEqual([iso(dateWindow('created', ['gt2026-03-01T10:00:00Z']).from)], ['2026-03-01T10:00:01.000Z']);
  assert.deepEqual([iso(dateWindow('created', ['lt2026-03-01']).to)], ['2026-02-28T16:00:00.000Z']);
  // the later of two lower bounds, the earlier of two upper ones
  const both = dateWindow('created', ['ge2026-01-01', 'ge2026-06-01', 'le2026-12-31', 'lt2026-07-01']);
  assert.deepEqual([iso(both.from), iso(both.to)], ['2026-05-31T16:00:00.000Z', '2026-06-30T16:00:00.000Z']);
  for (const bad of ['2026-02-30', '2026-13', '26-01-01', 'sa2026', 'ne2026', '2026-01-01T25:00']) assert.equal(field(() => dateWindow('created', [bad])), 'created', bad);
});

test('the parser refuses what a type does not support, by name, unless told to be lenient', () => {
  assert.equal(field(() => parseSearch('ExplanationOfBenefit', { beneficiary: 'Patient/1' }, false)), 'beneficiary');
  assert.deepEqual(parseSearch('ExplanationOfBenefit', { beneficiary: 'Patient/1', _count: '5' }, true).used, [['_count', '5']]);
  assert.equal(parseSearch('Coverage', { beneficiary: 'http://x.example/fhir/R4/Patient/P1' }, false).ids.patient, 'P1');
  assert.equal(field(() => parseSearch('Coverage', { beneficiary: 'Patient/a', patient: 'Patient/b' }, false)), 'patient');
  assert.equal(field(() => parseSearch('Claim', { patient: 'Organization/x' }, false)), 'patient');
  assert.equal(field(() => parseSearch('Claim', { _count: '201' }, false)), '_count');
  assert.equal(field(() => parseSearch('Claim', { _cursor: Buffer.from('{"id":1}').toString('base64url') }, false)), '_cursor');
  assert.deepEqual(parseSearch('Patient', { identifier: 'https://s|v' }, false).identifier, { system: 'https://s', value: 'v' });
});

test('a plain statement (as the hub will hand one) is a valid PaymentReconciliation: the payer, the payee, the funds, the adjustments', () => {
  const s: ReconciliationStatement = {
    id: 'HUB-202611-36-43', month: '202611', payer: { admdvs: '360000', name: '江西省' }, payee: { admdvs: '430000', name: '湖南省' },
    amount_fen: 123_456, by_fund: { '390100': 100_000, '310200': 23_456 }, adjustments_fen: -500, settlements: 17, state: 'paid_in_part',
    created_at: new Date('2026-12-01T01:00:00Z'), paid_at: null,
  };
  const r = paymentReconciliationResource(DEFAULT_FHIR_BASE, s) as Record<string, any>;
  assert.deepEqual(r.period, { start: '2026-11-01', end: '2026-11-30' });
  assert.equal(r.paymentIssuer.reference, 'Organization/bureau-360000');
  assert.equal(r.paymentAmount.value, 1234.56);
  assert.equal(r.outcome, 'partial');
  assert.deepEqual(r.detail.map((d: any) => [d.type.coding[0].code, d.amount.value, d.payee.reference]), [
    ['310200', 234.56, 'Organization/bureau-430000'], ['390100', 1000, 'Organization/bureau-430000'], ['adjustment', -5, 'Organization/bureau-430000'],
  ]);
  assert.deepEqual(new Fhir().validate(r, { errorOnUnexpected: true }).messages.filter((m) => m.severity === 'error'), []);
  assert.deepEqual(new JSONSchemaValidator().validate(r), []);
});
