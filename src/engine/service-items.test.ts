import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { buildCalendar } from './calendar.ts';
import { CASE_MACHINE, deadlineOf, planMove, RATING_FOLLOW_UP_DAYS } from './cases.ts';
import { YibaoError } from './errors.ts';
import { COMMON_SERVICE_ITEMS } from './service-network.ts';
import { channelRefusal, checkRating, LINKED_OUTCOMES, loadServiceCatalogue, missingMaterials } from './service-items.ts';

// The service-item catalogue's checks, and the one-window and rating follow-up kinds of the case
// machine: an application never skips a state, its deadline is the item's working days.

const national = JSON.parse(fs.readFileSync(new URL('../../service-items/national.json', import.meta.url), 'utf8')) as Record<string, unknown>;
const clone = (): Record<string, unknown> & { items: Record<string, unknown>[] } => JSON.parse(JSON.stringify(national));

function fields(fn: () => unknown): string[] {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof YibaoError, String(e));
    return e.details.map((d) => d.field);
  }
  return assert.fail('not refused');
}

test('the shipped national catalogue loads, with the codes other parts reference', () => {
  const c = loadServiceCatalogue(national);
  const codes = c.items.map((i) => i.code);
  for (const code of ['enrollment', 'contribution', 'transfer', 'filing', 'recognition', 'cash_claim', 'medical_assistance', 'certificate', 'family_sharing', 'info_change', 'insurance_query', 'card']) {
    assert.ok(codes.includes(code), code);
  }
  assert.ok(c.items.length >= 16);
  assert.ok(c.items.every((i) => i.fee === 0));
  assert.equal(c.items.find((i) => i.code === 'filing')!.linked, 'filing_review');
});

test('a bad catalogue is refused naming every field as a pointer, all at once', () => {
  const d = clone();
  d.items[0]!.fee = 100;
  d.items[1]!.code = d.items[0]!.code;
  d.items[2]!.levels = ['province'];
  d.items[3]!.time_limit_working_days = -1;
  d.items[4]!.linked = 'supervision';
  (d.items[5]!.materials as Record<string, unknown>[])[0]!.required = 'yes';
  d.items[6]!.name = { zh: '只有中文' };
  assert.deepEqual(fields(() => loadServiceCatalogue(d)), [
    '/items/0/fee', '/items/1/code', '/items/2/levels', '/items/3/time_limit_working_days', '/items/4/linked', '/items/5/materials/0/required', '/items/6/name',
  ]);
  assert.deepEqual(fields(() => loadServiceCatalogue({ ...clone(), admdvs: '43', version: 0 })), ['/admdvs', '/version']);
  assert.deepEqual(fields(() => loadServiceCatalogue({ ...clone(), items: [] })), ['/items']);
  const none = clone();
  Object.assign(none.items[0]!, { online: false, window: false, proxy: false });
  assert.deepEqual(fields(() => loadServiceCatalogue(none)), ['/items/0/window']);
});

test('channels and materials: told once, every missing one named', () => {
  const c = loadServiceCatalogue(national);
  const transfer = c.items.find((i) => i.code === 'transfer')!;
  assert.equal(channelRefusal(transfer, 'proxy')?.en, 'item transfer cannot be handled by a grid worker as proxy');
  assert.equal(channelRefusal(transfer, 'online'), null);
  const claim = c.items.find((i) => i.code === 'cash_claim')!;
  assert.deepEqual(missingMaterials(claim, ['id_card']).map((m) => m.code), ['invoice', 'fee_list', 'bank_account']);
  assert.deepEqual(missingMaterials(claim, ['id_card', 'invoice', 'fee_list', 'bank_account']), []);
});

test('a one-window application never skips a state: received → in process → completed', () => {
  const clerk = { type: 'staff', role: 'clerk' };
  const person = { type: 'person' };
  const system = { type: 'system' };
  assert.equal(planMove('one_window', null, 'submit', person, 'received').to, 'received');
  assert.equal(planMove('one_window', null, 'submit', clerk, 'received').to, 'received');
  assert.throws(() => planMove('one_window', 'received', 'complete', clerk), (e: YibaoError) => e.kind === 'conflict' && e.details[0]!.field === 'application_no' && /received/.test(e.details[0]!.en));
  assert.equal(planMove('one_window', 'received', 'accept', clerk).to, 'in_process');
  assert.equal(planMove('one_window', 'in_process', 'complete', clerk).to, 'completed');
  assert.equal(planMove('one_window', 'in_process', 'complete', system).to, 'completed');
  assert.equal(planMove('one_window', 'received', 'refuse', clerk).to, 'refused');
  assert.equal(planMove('one_window', 'in_process', 'cancel', person).to, 'cancelled');
  // the applicant neither accepts nor completes; nothing moves an ended application
  assert.throws(() => planMove('one_window', 'received', 'accept', person), (e: YibaoError) => e.kind === 'forbidden');
  assert.throws(() => planMove('one_window', 'in_process', 'complete', person), (e: YibaoError) => e.kind === 'forbidden');
  for (const end of ['completed', 'refused', 'cancelled']) {
    for (const move of ['accept', 'complete', 'refuse', 'cancel']) assert.throws(() => planMove('one_window', end, move, clerk), (e: YibaoError) => e.kind === 'conflict', `${end} ${move}`);
  }
  assert.ok(CASE_MACHINE.one_window.inUse && CASE_MACHINE.rating_follow_up.inUse);
});

test('the deadline is the item\'s working days on the calendar: National Day off, the make-up Saturday worked', () => {
  const cal = buildCalendar([[
    ...['2026-10-01', '2026-10-02', '2026-10-03', '2026-10-04', '2026-10-05', '2026-10-06', '2026-10-07'].map((day) => ({ day, kind: 'holiday' as const, name: '国庆节' })),
    { day: '2026-10-10', kind: 'workday' as const, name: '国庆节调休上班' },
  ]]);
  // Wednesday 30 September + 5 working days: 8, 9, 10 (Saturday, worked), 12, 13 October
  assert.deepEqual(deadlineOf('one_window', 'received', cal, '2026-09-30', { home: '430100', dest: null, timeLimitDays: 5 }), { due: '2026-10-13', remindOn: '2026-10-12' });
  assert.equal(deadlineOf('one_window', 'completed', cal, '2026-09-30', { home: '430100', dest: null, timeLimitDays: 5 }), null);
  assert.throws(() => deadlineOf('one_window', 'received', cal, '2026-09-30', { home: '430100', dest: null }), /time limit/);
  assert.equal(deadlineOf('rating_follow_up', 'open', cal, '2026-09-30', { home: '430100', dest: null })!.due, '2026-10-13');
  assert.equal(RATING_FOLLOW_UP_DAYS, 5);
});

test('a rating follow-up is opened by the system and answered by staff, once', () => {
  assert.equal(planMove('rating_follow_up', null, 'submit', { type: 'system' }, 'open').to, 'open');
  assert.throws(() => planMove('rating_follow_up', null, 'submit', { type: 'person' }, 'open'), (e: YibaoError) => e.kind === 'forbidden');
  assert.equal(planMove('rating_follow_up', 'open', 'answer', { type: 'staff', role: 'clerk' }).to, 'answered');
  assert.throws(() => planMove('rating_follow_up', 'answered', 'answer', { type: 'staff', role: 'clerk' }), (e: YibaoError) => e.kind === 'conflict' && e.details[0]!.field === 'follow_up_no');
});

test('ratings: 1-5, reasons from the list, a poor one says why; linked outcomes', () => {
  assert.deepEqual(checkRating(5, ['quick'], ' 很好 '), { score: 5, reasons: ['quick'], comment: '很好' });
  assert.deepEqual(fields(() => checkRating(6, ['nope'], null)), ['score', 'reasons']);
  assert.deepEqual(fields(() => checkRating(2, [], null)), ['reasons']);
  assert.equal(checkRating(2, [], '等了很久').score, 2);
  assert.equal(LINKED_OUTCOMES.filing_review('pending_review'), null);
  assert.equal(LINKED_OUTCOMES.filing_review('effective'), 'completed');
  assert.equal(LINKED_OUTCOMES.filing_review('rejected'), 'refused');
  assert.equal(LINKED_OUTCOMES.recognition_review('recognised'), 'completed');
});

test('every item code a service point may list is an item of the national catalogue', () => {
  const codes = new Set(loadServiceCatalogue(national).items.map((i) => i.code));
  const missing = Object.keys(COMMON_SERVICE_ITEMS).filter((c) => !codes.has(c));
  assert.deepEqual(missing, [], 'the points\' list of items and the catalogue name the same matters');
});
