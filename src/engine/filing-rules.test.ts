import { test } from 'node:test';
import assert from 'node:assert/strict';
import { YibaoError } from './errors.ts';
import {
  DEFAULT_FILING_POLICY,
  checkChangeAllowed,
  checkFilingApplication,
  filingCoversVisit,
  reviewWorkingDays,
  type FilingApplication,
  type FilingFact,
} from './filing-rules.ts';

const base: FilingApplication = {
  kind: 'resettled_retiree',
  psnInsuplcAdmdvs: '360400',
  mdtrtareaAdmdvs: '430100',
  begndate: '2026-03-01',
  enddate: null,
  filerType: 'person',
  consentRef: null,
  commitment: false,
  evidence: [{ kind: 'residence_permit' }, { kind: 'retirement_proof' }],
};

function fact(over: Partial<FilingFact>): FilingFact {
  return {
    filingNo: 'F1',
    kind: 'resettled_retiree',
    status: 'effective',
    insuplcAdmdvs: '360400',
    mdtrtareaAdmdvs: '430100',
    begndate: '2026-03-01',
    enddate: null,
    effectiveOn: '2026-03-01',
    revokedOn: null,
    fixmedinsCode: null,
    ...over,
  };
}

function fields(fn: () => unknown): string[] {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof YibaoError, String(err));
    return err.details.map((d) => d.field);
  }
  assert.fail('expected a YibaoError');
}

test('a complete long-term application passes and lasts until revoked', () => {
  assert.deepEqual(checkFilingApplication(base, [], DEFAULT_FILING_POLICY), { begndate: '2026-03-01', enddate: null, term: 'long_term' });
});

test('temporary filings last at least six months (a policy parameter)', () => {
  const t = { ...base, kind: 'temporary_other' as const, evidence: [], enddate: '2026-04-01' };
  assert.equal(checkFilingApplication(t, [], DEFAULT_FILING_POLICY).enddate, '2026-08-31');
  assert.equal(checkFilingApplication(t, [], { ...DEFAULT_FILING_POLICY, temporaryValidityMonths: 3 }).enddate, '2026-05-31');
  assert.equal(checkFilingApplication({ ...t, enddate: '2026-12-31' }, [], DEFAULT_FILING_POLICY).enddate, '2026-12-31');
});

test('bad applications name their fields', () => {
  assert.deepEqual(fields(() => checkFilingApplication({ ...base, mdtrtareaAdmdvs: '360400' }, [], DEFAULT_FILING_POLICY)), ['mdtrtarea_admdvs']);
  assert.deepEqual(fields(() => checkFilingApplication({ ...base, mdtrtareaAdmdvs: '360402' }, [], DEFAULT_FILING_POLICY)), ['mdtrtarea_admdvs']);
  assert.deepEqual(
    fields(() => checkFilingApplication({ ...base, kind: 'temporary_other', enddate: '2026-02-01', evidence: [] }, [], DEFAULT_FILING_POLICY)),
    ['enddate'],
  );
  assert.deepEqual(fields(() => checkFilingApplication({ ...base, evidence: [{ kind: 'retirement_proof' }] }, [], DEFAULT_FILING_POLICY)), ['evidence']);
  assert.deepEqual(fields(() => checkFilingApplication({ ...base, filerType: 'grid_worker' }, [], DEFAULT_FILING_POLICY)), ['filer.consent_ref']);
  assert.deepEqual(fields(() => checkFilingApplication({ ...base, kind: 'referral', evidence: [{ kind: 'referral_form' }] }, [], DEFAULT_FILING_POLICY)), ['filer.type']);
  assert.deepEqual(fields(() => checkFilingApplication(base, [fact({ begndate: '2025-01-01' })], DEFAULT_FILING_POLICY)), ['begndate']);
  // Under commitment the proofs may follow, but the commitment itself is required.
  assert.deepEqual(fields(() => checkFilingApplication({ ...base, commitment: true, evidence: [] }, [], DEFAULT_FILING_POLICY)), ['evidence']);
  assert.doesNotThrow(() => checkFilingApplication({ ...base, commitment: true, evidence: [{ kind: 'commitment_letter' }] }, [], DEFAULT_FILING_POLICY));
});

test('overlap: one long-term filing at a time; a revoked one does not block', () => {
  const other = { ...base, kind: 'long_term_resident' as const, mdtrtareaAdmdvs: '440100', evidence: [{ kind: 'hukou' }] };
  assert.deepEqual(fields(() => checkFilingApplication(other, [fact({})], DEFAULT_FILING_POLICY)), ['begndate']);
  assert.doesNotThrow(() => checkFilingApplication(other, [fact({ status: 'revoked', revokedOn: '2026-02-01' })], DEFAULT_FILING_POLICY));
  // A temporary trip elsewhere does not clash with a long-term filing.
  assert.doesNotThrow(() => checkFilingApplication({ ...base, kind: 'temporary_other', mdtrtareaAdmdvs: '110100', evidence: [] }, [fact({})], DEFAULT_FILING_POLICY));
});

test('a long-term filing changes after six months unless staff override', () => {
  const f = fact({ effectiveOn: '2026-03-01' });
  assert.deepEqual(fields(() => checkChangeAllowed(f, '2026-08-31', DEFAULT_FILING_POLICY, false)), ['filing_no']);
  assert.doesNotThrow(() => checkChangeAllowed(f, '2026-09-01', DEFAULT_FILING_POLICY, false));
  assert.doesNotThrow(() => checkChangeAllowed(f, '2026-04-01', DEFAULT_FILING_POLICY, true));
  assert.doesNotThrow(() => checkChangeAllowed(fact({ kind: 'temporary_other', enddate: '2026-08-31' }), '2026-03-02', DEFAULT_FILING_POLICY, false));
});

test('a filing completed after admission and before discharge covers the stay; a revoked one stops counting', () => {
  const stay = { begndate: '2026-06-01', enddate: '2026-06-10' };
  assert.equal(filingCoversVisit(fact({ begndate: '2026-06-05', effectiveOn: '2026-06-05' }), stay), true);
  assert.equal(filingCoversVisit(fact({ begndate: '2026-06-11', effectiveOn: '2026-06-11' }), stay), false, 'after discharge');
  assert.equal(filingCoversVisit(fact({ status: 'pending_review', effectiveOn: null }), stay), false);
  assert.equal(filingCoversVisit(fact({ status: 'revoked', revokedOn: '2026-06-05' }), stay), false);
  assert.equal(filingCoversVisit(fact({ status: 'revoked', revokedOn: '2026-07-01' }), stay), true, 'settled before the revocation');
  assert.equal(reviewWorkingDays('360400', '430100', DEFAULT_FILING_POLICY), 3);
  assert.equal(reviewWorkingDays('430700', '430100', DEFAULT_FILING_POLICY), 1);
});
