import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { addDays, addMonths, addWorkingDays, chinaDate, buildCalendar, isWorkingDay, workingDaysBetween, type CalendarDay } from './calendar.ts';

// 2026 National Day (State Council schedule): 10-01…10-07 off, Sunday 09-20 and Saturday 10-10 worked.
const national2026: CalendarDay[] = [
  ...['2026-10-01', '2026-10-02', '2026-10-03', '2026-10-04', '2026-10-05', '2026-10-06', '2026-10-07'].map((day) => ({ day, kind: 'holiday' as const, name: '国庆节' })),
  { day: '2026-09-20', kind: 'workday', name: '国庆节调休上班' },
  { day: '2026-10-10', kind: 'workday', name: '国庆节调休上班' },
  { day: '2026-09-25', kind: 'holiday', name: '中秋节' },
];
const cal = buildCalendar([national2026]);

test('a review received before a public holiday is due after it', () => {
  // Wednesday 09-30 + 1 working day: 10-01…07 are off, 10-08 (Thursday) is due.
  assert.equal(addWorkingDays(cal, '2026-09-30', 1), '2026-10-08');
  // 3 working days from 09-30: 10-08, 10-09, then Saturday 10-10 is an adjusted working day.
  assert.equal(addWorkingDays(cal, '2026-09-30', 3), '2026-10-10');
});

test('an adjusted working day on a Sunday counts; the Friday holiday does not', () => {
  // Friday 09-18 + 1: Saturday 19 off, Sunday 20 is 调休上班.
  assert.equal(addWorkingDays(cal, '2026-09-18', 1), '2026-09-20');
  // Thursday 09-24 + 1: Friday 25 is 中秋节, so Monday 28.
  assert.equal(addWorkingDays(cal, '2026-09-24', 1), '2026-09-28');
  assert.equal(isWorkingDay(cal, '2026-09-20'), true);
  assert.equal(isWorkingDay(cal, '2026-10-05'), false);
  assert.equal(isWorkingDay(buildCalendar([]), '2026-10-05'), true, 'without the holiday data a Monday works');
});

test('a region layer overrides the national one', () => {
  const regional = buildCalendar([national2026, [{ day: '2026-10-10', kind: 'holiday', name: '本地调整' }]]);
  assert.equal(isWorkingDay(regional, '2026-10-10'), false);
  assert.equal(addWorkingDays(regional, '2026-09-30', 3), '2026-10-12');
});

test('dates: months clamp to the month end, Beijing date of an instant', () => {
  assert.equal(addMonths('2026-08-31', 6), '2027-02-28');
  assert.equal(addDays('2026-12-31', 1), '2027-01-01');
  assert.equal(chinaDate(new Date('2026-11-23T17:00:00Z')), '2026-11-24');
  assert.equal(chinaDate(new Date('2026-11-23T15:59:59Z')), '2026-11-23');
});

test('property: the Nth working day after d is a working day with exactly N working days in between', () => {
  fc.assert(
    fc.property(fc.integer({ min: 0, max: 700 }), fc.integer({ min: 1, max: 15 }), (offset, n) => {
      const from = addDays('2026-01-01', offset);
      const due = addWorkingDays(cal, from, n);
      assert.ok(isWorkingDay(cal, due));
      assert.equal(workingDaysBetween(cal, from, due), n);
      assert.ok(due > from);
    }),
  );
});
