import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { chinaInstant, parseCivilTime, windowDates } from './dates.ts';

test('only real calendar days and times are read', () => {
  for (const bad of ['2026-02-30', '2026-02-29', '1900-02-29', '2025-04-31', '2026-13-01', '2026-00-10', '2026-01-00', '0000-01-01', '2026-03-15 24:00:00', '2026-03-15 25:00:00', '2026-03-15 10:60:00', '2026-03-15 10:00:60', '20260230', '2026-3-5', '2026-03-15 10:00', '2026-0315', ' 2026-03-15']) {
    assert.equal(parseCivilTime(bad), undefined, bad);
  }
  assert.deepEqual(parseCivilTime('2024-02-29 23:59:59'), { date: '2024-02-29', hour: 23, minute: 59, second: 59 });
  assert.deepEqual(parseCivilTime('2000-02-29'), { date: '2000-02-29', hour: 0, minute: 0, second: 0 });
  assert.deepEqual(parseCivilTime('20260315100500'), { date: '2026-03-15', hour: 10, minute: 5, second: 0 });
  assert.deepEqual(parseCivilTime('2026-03-15T10:05:00.123'), { date: '2026-03-15', hour: 10, minute: 5, second: 0 });
});

test('property: every day the calendar has is read back as itself, in China Standard Time', () => {
  fc.assert(
    fc.property(fc.date({ min: new Date('0001-01-01T00:00:00Z'), max: new Date('2199-12-31T00:00:00Z'), noInvalidDate: true }), (d) => {
      const iso = d.toISOString();
      const t = parseCivilTime(`${iso.slice(0, 10)} ${iso.slice(11, 19)}`);
      assert.ok(t, iso);
      assert.equal(chinaInstant(t).getTime(), Math.floor(d.getTime() / 1000) * 1000 - 8 * 3600_000);
    }),
  );
});

test('years before 100 stay themselves', () => {
  assert.equal(chinaInstant(parseCivilTime('0099-12-31 08:00:00')!).toISOString(), '0099-12-31T00:00:00.000Z');
});

test('windows are counted from the China date of the clock', () => {
  const now = new Date('2026-03-15T17:00:00Z'); // already 16 March in China
  assert.deepEqual(windowDates('care', now), { earliest: '2023-03-16', latest: '2026-03-17' });
  assert.deepEqual(windowDates('filing', now), { earliest: '1990-01-01', latest: '2099-12-31' });
});
