import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { ageOn, checkChar, makeIdCard, parseIdCard, sequenceFor } from './idcard.ts';

// The sample number printed in GB 11643-1999 itself.
const STANDARD_SAMPLE = '11010519491231002X';

test('the standard sample is valid: birth 1949-12-31, female', () => {
  const r = parseIdCard(STANDARD_SAMPLE);
  assert.ok(r.ok);
  assert.deepEqual(r.value, { certno: STANDARD_SAMPLE, admdvs: '110105', brdy: '1949-12-31', gend: '2' });
  assert.ok(parseIdCard(STANDARD_SAMPLE.toLowerCase()).ok, 'a lower-case x is accepted and normalised');
});

test('a wrong check character is refused and the right one named', () => {
  const r = parseIdCard('110105194912310021');
  assert.ok(!r.ok);
  assert.equal(r.problem.code, 'check_digit');
  assert.match(r.problem.en, /should be X/);
});

test('impossible dates are refused', () => {
  for (const date of ['19490230', '20230229', '19491301', '18991231', '19490000']) {
    const first17 = '110105' + date + '002';
    const r = parseIdCard(first17 + checkChar(first17));
    assert.ok(!r.ok, date);
    assert.equal(r.problem.code, 'date', date);
  }
  const leap = '110105' + '20000229' + '002';
  assert.ok(parseIdCard(leap + checkChar(leap)).ok, '2000-02-29 exists');
  const future = makeIdCard('110105', '2030-01-01', 1);
  assert.equal(parseIdCard(future, '2026-11-23').ok, false, 'born after today');
});

test('length, characters and province are checked', () => {
  assert.equal((parseIdCard('1101051949123100') as { problem: { code: string } }).problem.code, 'length');
  assert.equal((parseIdCard('1101051949123100AX') as { problem: { code: string } }).problem.code, 'characters');
  const first17 = '990105' + '19491231' + '002';
  assert.equal((parseIdCard(first17 + checkChar(first17)) as { problem: { code: string } }).problem.code, 'region');
});

const province = fc.constantFrom('110119', '120119', '130702', '360402', '430204', '430971', '510603');
const birthDate = fc
  .date({ min: new Date('1900-01-01T00:00:00Z'), max: new Date('2025-12-31T00:00:00Z'), noInvalidDate: true })
  .map((d) => d.toISOString().slice(0, 10));

test('property: every generated number validates and gives back its birth date and sex', () => {
  fc.assert(
    fc.property(province, birthDate, fc.constantFrom('1' as const, '2' as const), fc.nat(), (admdvs, brdy, gend, n) => {
      const certno = makeIdCard(admdvs, brdy, sequenceFor(gend, n));
      const r = parseIdCard(certno);
      assert.ok(r.ok, certno);
      assert.equal(r.value.brdy, brdy);
      assert.equal(r.value.gend, gend);
      assert.equal(r.value.admdvs, admdvs);
    }),
  );
});

test('property: changing any one character of a valid number makes it invalid', () => {
  fc.assert(
    fc.property(province, birthDate, fc.nat(999), fc.nat(17), fc.nat(9), (admdvs, brdy, seq, pos, digit) => {
      const certno = makeIdCard(admdvs, brdy, seq);
      const replacement = pos === 17 ? '0123456789X'[(digit + 1) % 11]! : String(digit);
      fc.pre(replacement !== certno[pos]);
      const changed = certno.slice(0, pos) + replacement + certno.slice(pos + 1);
      // MOD 11-2 detects every single-character substitution.
      assert.equal(parseIdCard(changed).ok, false, `${certno} → ${changed}`);
    }),
  );
});

test('ageOn counts whole years', () => {
  assert.equal(ageOn('1960-06-15', '2026-06-14'), 65);
  assert.equal(ageOn('1960-06-15', '2026-06-15'), 66);
});

test('ageOn: a 29 February birthday turns on 1 March, and no age is negative', () => {
  assert.equal(ageOn('2024-02-29', '2025-02-28'), 0);
  assert.equal(ageOn('2024-02-29', '2025-03-01'), 1);
  assert.equal(ageOn('2024-02-29', '2028-02-29'), 4);
  assert.equal(ageOn('2026-05-20', '2026-05-20'), 0);
  assert.equal(ageOn('2026-05-20', '2026-05-19'), 0, 'a date before the birth date is age 0');
  assert.equal(ageOn('2026-05-20', '2025-12-31'), 0);
});
