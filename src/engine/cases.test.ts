import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildCalendar, type CalendarDay } from './calendar.ts';
import { CASE_KINDS, CASE_MACHINE, MOVE_NAMES, RECOGNITION_REVIEW_DAYS, deadlineOf, isOverdue, moversOf, openStates, planMove, workingDaysBefore, type CaseKind } from './cases.ts';
import { YibaoError } from './errors.ts';
import { DEFAULT_FILING_POLICY } from './filing-rules.ts';

// The case machine: every declared move is allowed for its movers and no one else, every other
// (state, move) pair is refused with today's words, and deadlines count working days.

const national2026: CalendarDay[] = [
  ...['2026-10-01', '2026-10-02', '2026-10-03', '2026-10-04', '2026-10-05', '2026-10-06', '2026-10-07'].map((day) => ({ day, kind: 'holiday' as const, name: '国庆节' })),
  { day: '2026-10-10', kind: 'workday', name: '国庆节调休上班' },
];
const cal = buildCalendar([national2026]);

/** An actor who moves as exactly this mover. */
const AS = {
  applicant: { type: 'person' },
  hospital: { type: 'hospital' },
  clerk: { type: 'staff', role: 'clerk' },
  reviewer: { type: 'staff', role: 'reviewer' },
  supervisor: { type: 'staff', role: 'supervisor' },
  system: { type: 'system' },
} as const;

function refusedWith(fn: () => unknown, kind: string, field: string): YibaoError {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof YibaoError, String(e));
    assert.equal(e.kind, kind, e.message);
    assert.equal(e.details[0]!.field, field);
    assert.ok(e.details[0]!.zh && e.details[0]!.en);
    return e;
  }
  assert.fail('the move was not refused');
}

test('every declared move is allowed for each of its movers and refused (403) for the others', () => {
  for (const kind of CASE_KINDS) {
    const def = CASE_MACHINE[kind];
    for (const m of def.moves) {
      assert.ok(m.from === null || def.states[m.from], `${kind}: ${m.move} from an undeclared state ${m.from}`);
      assert.ok(def.states[m.to], `${kind}: ${m.move} to an undeclared state ${m.to}`);
      assert.ok(MOVE_NAMES[m.move], `${kind}: the move ${m.move} has words`);
      for (const mover of Object.keys(AS) as (keyof typeof AS)[]) {
        const others = def.moves.filter((o) => o.move === m.move && o.from === m.from && o.to === m.to);
        if (others.some((o) => o.by.includes(mover))) {
          assert.equal(planMove(kind, m.from, m.move, AS[mover], m.to).to, m.to);
        } else {
          refusedWith(() => planMove(kind, m.from, m.move, AS[mover], m.to), 'forbidden', def.field);
        }
      }
    }
  }
});

test('a move the state does not allow is refused (409) naming the subject, in today\'s words', () => {
  const approveTwice = refusedWith(() => planMove('filing_review', 'effective', 'approve', AS.reviewer), 'conflict', 'filing_no');
  assert.equal(approveTwice.details[0]!.zh, '备案状态为 effective，无需审核');
  assert.equal(approveTwice.details[0]!.en, 'the filing is effective, not waiting for review');
  // a filing waiting for its commitment check shows as effective
  assert.equal(refusedWith(() => planMove('filing_review', 'commitment_check', 'reject', AS.clerk), 'conflict', 'filing_no').details[0]!.en, 'the filing is effective, not waiting for review');
  assert.equal(refusedWith(() => planMove('filing_review', 'rejected', 'revoke', AS.clerk), 'conflict', 'filing_no').details[0]!.zh, '备案状态为 rejected，不能撤销');
  assert.equal(refusedWith(() => planMove('filing_review', 'revoked', 'change', AS.applicant), 'conflict', 'filing_no').details[0]!.zh, '备案状态为已撤销，不能变更');
  assert.equal(refusedWith(() => planMove('recognition_review', 'revoked', 'revoke', AS.reviewer), 'conflict', 'recognition_no').details[0]!.en, 'a revoked recognition cannot be revoked');
  assert.equal(refusedWith(() => planMove('recognition_review', 'pending_review', 'renew', AS.applicant), 'conflict', 'recognition_no').details[0]!.zh, '只有已认定的病种可以续期');
  assert.equal(refusedWith(() => planMove('filing_review', 'effective', 'commitment_verified', AS.clerk), 'conflict', 'filing_no').details[0]!.en, 'the filing has no commitment waiting for a check');
  // no words of its own: the generic sentence names the kind, the state and the move
  const generic = refusedWith(() => planMove('supervision', 'closed', 'close', AS.supervisor), 'conflict', 'case_no');
  assert.equal(generic.details[0]!.en, 'a supervision case that is closed cannot close');
  // every (state, move) pair the machine does not list is refused
  for (const kind of CASE_KINDS) {
    const def = CASE_MACHINE[kind];
    for (const state of [null, ...Object.keys(def.states)]) {
      for (const move of Object.keys(MOVE_NAMES)) {
        if (def.moves.some((m) => m.from === state && m.move === move)) continue;
        refusedWith(() => planMove(kind, state, move, AS.system), 'conflict', def.field);
      }
    }
  }
});

test('who moves: the applicant, a hospital, staff by role, an administrator at any desk, the system', () => {
  assert.deepEqual(moversOf({ type: 'agent' }), ['applicant']);
  assert.deepEqual(moversOf({ type: 'grid_worker' }), ['applicant']);
  assert.deepEqual(moversOf({ type: 'staff', role: 'finance' }), []);
  assert.deepEqual(moversOf({ type: 'staff', role: 'admin' }), ['clerk', 'reviewer', 'supervisor']);
  assert.deepEqual(moversOf({ type: 'staff' }), ['clerk', 'reviewer', 'supervisor']);
  // a clerk reviews filings, only a reviewer recognitions
  assert.equal(planMove('filing_review', 'pending_review', 'approve', AS.clerk).to, 'effective');
  refusedWith(() => planMove('recognition_review', 'pending_review', 'approve', AS.clerk), 'forbidden', 'recognition_no');
  // the person may not approve their own filing, nor escalate it
  refusedWith(() => planMove('filing_review', 'pending_review', 'approve', AS.applicant), 'forbidden', 'filing_no');
  refusedWith(() => planMove('filing_review', 'pending_review', 'escalate', AS.applicant), 'forbidden', 'filing_no');
  // only a hospital's filing opens effective at once
  refusedWith(() => planMove('filing_review', null, 'submit', AS.applicant, 'effective'), 'forbidden', 'filing_no');
  assert.equal(planMove('filing_review', null, 'submit', AS.hospital, 'effective').to, 'effective');
});

test('the review deadline counts working days across the National Day holiday, and keeps today\'s values', () => {
  const facts = { home: '360400', dest: '110100', policy: DEFAULT_FILING_POLICY };
  // cross-province: 3 working days from Wednesday 09-30 → 10-08, 10-09, Saturday 10-10 (调休)
  assert.deepEqual(deadlineOf('filing_review', 'pending_review', cal, '2026-09-30', facts), { due: '2026-10-10', remindOn: '2026-10-09' });
  // in-province: 1 working day → 10-08; the reminder is due the day before, never before the case opened
  assert.deepEqual(deadlineOf('filing_review', 'pending_review', cal, '2026-09-30', { ...facts, dest: '360100' }), { due: '2026-10-08', remindOn: '2026-09-30' });
  // the policy's commitment check: 20 working days (10-08, 10-09, 10-10, then three weeks and two days)
  assert.equal(deadlineOf('filing_review', 'commitment_check', cal, '2026-09-30', facts)!.due, '2026-11-03');
  assert.equal(deadlineOf('filing_review', 'commitment_check', cal, '2026-09-30', { ...facts, policy: { ...DEFAULT_FILING_POLICY, commitmentCheckDays: 2 } })!.due, '2026-10-09');
  // recognition reviews: five working days
  assert.equal(RECOGNITION_REVIEW_DAYS, 5);
  assert.equal(deadlineOf('recognition_review', 'pending_review', cal, '2026-09-30', { home: '360400', dest: null })!.due, '2026-10-13'); // 10-08, 09, 10 (调休), 12, 13
  // a closed state has no clock
  assert.equal(deadlineOf('filing_review', 'effective', cal, '2026-09-30', facts), null);
  assert.equal(deadlineOf('recognition_review', 'recognised', cal, '2026-09-30', facts), null);
  // the reminder skips the holiday backwards: 1 working day before Thursday 10-08 is Wednesday 09-30
  assert.equal(workingDaysBefore(cal, '2026-10-08', 1, '2026-09-01'), '2026-09-30');
});

test('overdue the day after the deadline; only review states escalate; the queue\'s open states', () => {
  assert.equal(isOverdue('2026-10-08', '2026-10-08'), false);
  assert.equal(isOverdue('2026-10-08', '2026-10-09'), true);
  assert.equal(isOverdue(null, '2026-10-09'), false);
  for (const kind of ['filing_review', 'recognition_review'] as CaseKind[]) {
    const escalating = Object.entries(CASE_MACHINE[kind].states).filter(([, s]) => s.clock?.escalates).map(([n]) => n);
    assert.deepEqual(escalating, ['pending_review'], kind);
    assert.ok(planMove(kind, 'pending_review', 'escalate', AS.system).to === 'pending_review');
    assert.ok(planMove(kind, 'pending_review', 'escalate', AS.supervisor).to === 'pending_review');
  }
  assert.deepEqual(openStates(['filing_review']), ['pending_review', 'commitment_check']);
  assert.deepEqual(openStates(['recognition_review']), ['pending_review']);
  // every kind has its rows and use cases now
  assert.deepEqual(CASE_KINDS.filter((k) => CASE_MACHINE[k].inUse), [...CASE_KINDS]);
  // a filing's status for each state: commitment_check shows effective
  assert.equal(CASE_MACHINE.filing_review.status('commitment_check'), 'effective');
  assert.equal(CASE_MACHINE.filing_review.status('superseded'), 'superseded');
});

test('a supervision case: reviewed twice, then the appeal window, investigated, decided, closed; each move by its own desk', () => {
  const path = [
    ['submit', null, 'opened', AS.system],
    ['assign', 'opened', 'first_review', AS.supervisor],
    ['first_review_pass', 'first_review', 'second_review', AS.reviewer],
    ['second_review_pass', 'second_review', 'appeal', AS.supervisor],
    ['appeal', 'appeal', 'investigation', AS.hospital],
    ['decide', 'investigation', 'decided', AS.supervisor],
    ['close', 'decided', 'closed', AS.supervisor],
  ] as const;
  for (const [move, from, to, who] of path) assert.equal(planMove('supervision', from, move, who).to, to, move);
  // deciding a case not yet reviewed twice, or still in its appeal window, names the case in words of its own
  for (const s of ['opened', 'first_review', 'second_review']) {
    const e = refusedWith(() => planMove('supervision', s, 'decide', AS.supervisor), 'conflict', 'case_no');
    assert.match(e.details[0]!.en, /has not passed both reviews/);
    assert.match(e.details[0]!.zh, /尚未完成初审和复审/);
  }
  assert.match(refusedWith(() => planMove('supervision', 'appeal', 'decide', AS.supervisor), 'conflict', 'case_no').details[0]!.en, /appeal window/);
  assert.match(refusedWith(() => planMove('supervision', 'decided', 'appeal', AS.hospital), 'conflict', 'case_no').details[0]!.zh, /不在申诉期/);
  // the institution only appeals or waives; a reviewer passes the first review, not the second; no one but a supervisor decides
  refusedWith(() => planMove('supervision', 'investigation', 'decide', AS.hospital), 'forbidden', 'case_no');
  refusedWith(() => planMove('supervision', 'investigation', 'decide', AS.reviewer), 'forbidden', 'case_no');
  refusedWith(() => planMove('supervision', 'second_review', 'second_review_pass', AS.reviewer), 'forbidden', 'case_no');
  refusedWith(() => planMove('supervision', 'appeal', 'appeal', AS.supervisor), 'forbidden', 'case_no');
  // the appeal window counts working days and does not escalate (the institution's deadline)
  assert.equal(deadlineOf('supervision', 'appeal', cal, '2026-09-30', { home: '430200', dest: null })!.due, '2026-10-13'); // 10-08, 09, 10 (调休), 12, 13
  assert.equal(CASE_MACHINE.supervision.states['appeal']!.clock!.escalates, false);
});
