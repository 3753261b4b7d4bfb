import { test } from 'node:test';
import assert from 'node:assert/strict';
import { YibaoError } from './errors.ts';
import { ageAt, caseOfList, checkSettlementList, lengthOfStay, parseDuration, type ListCodeTables, type SettlementList } from './settlement-list.ts';

// The settlement list's checks (what the fields say together) and the case the grouper reads.

const tables: ListCodeTables = {
  diagnosisName: (c) => ({ 'P07.300x001': '早产儿', 'J18.900': '肺炎', 'I10.x00': '高血压', 'W19.x00': '跌倒' } as Record<string, string>)[c],
  procedureName: (c) => ({ '47.0100': '腹腔镜下阑尾切除术', '96.7201': '呼吸机治疗' } as Record<string, string>)[c],
  principalProblem: (c) => (c.startsWith('W') ? { zh: '外部原因', en: `${c} is an external cause` } : undefined),
};
const at = (s: string): Date => new Date(`${s}+08:00`);
const list = (over: Partial<SettlementList> = {}): SettlementList => ({
  setl_id: '400000001', mdtrt_id: '300000001', psn_no: 'P1', adm_time: at('2026-03-02T08:00:00'), dscg_time: at('2026-03-10T09:00:00'), dscg_way: '1', vent_minutes: 0,
  diagnoses: [{ diag_type: '1', diag_code: 'J18.900', diag_name: '', maindiag: true }, { diag_type: '1', diag_code: 'I10.x00', diag_name: '', maindiag: false }],
  procedures: [], icu: [], ...over,
});
const adult = { gend: '1' as const, brdy: '1950-06-01' };

function problems(l: SettlementList, patient: { gend: '1' | '2'; brdy: string } = adult): string[] {
  try {
    checkSettlementList(l, patient, tables);
    return [];
  } catch (err) {
    assert.ok(err instanceof YibaoError);
    return err.details.map((d) => `${d.field}: ${d.en}`);
  }
}

test('a good list passes and reads as the grouper case, principal and main procedure first', () => {
  const l = list({ procedures: [{ oprn_oprt_code: '96.7201', oprn_oprt_name: '', main: false }, { oprn_oprt_code: '47.0100', oprn_oprt_name: '', main: true, begntime: at('2026-03-03T10:00:00') }], vent_minutes: 100 * 60 + 30 });
  assert.deepEqual(problems(l), []);
  const c = caseOfList(l, adult);
  assert.deepEqual(c.procedures, ['47.0100', '96.7201']);
  assert.deepEqual([c.age, c.los_days, c.vent_hours, c.gend], [75, 8, 100, '1']);
});

test('a newborn without a birth weight, an external cause as principal, a main procedure without its date: each named', () => {
  const newborn = { gend: '2' as const, brdy: '2026-02-27' };
  assert.deepEqual(problems(list({ diagnoses: [{ diag_type: '1', diag_code: 'P07.300x001', diag_name: '', maindiag: true }] }), newborn), ['input.setlinfo.nwb_bir_wt: a newborn (3 days old at admission) needs nwb_bir_wt, the birth weight in grams']);
  assert.deepEqual(problems(list({ nwb_bir_wt: 1800, diagnoses: [{ diag_type: '1', diag_code: 'P07.300x001', diag_name: '', maindiag: true }] }), newborn), []);
  assert.deepEqual(problems(list({ diagnoses: [{ diag_type: '1', diag_code: 'W19.x00', diag_name: '', maindiag: true }] })), ['input.diseinfo[0].diag_code: W19.x00 is an external cause']);
  assert.deepEqual(problems(list({ procedures: [{ oprn_oprt_code: '47.0100', oprn_oprt_name: '', main: true }] })), ['input.oprninfo[0].oprn_oprt_begntime: the main procedure needs oprn_oprt_begntime']);
  // Two main procedures, an unknown code and a principal missing: all at once.
  const many = problems(list({
    diagnoses: [{ diag_type: '1', diag_code: 'J18.900', diag_name: '', maindiag: false }],
    procedures: [{ oprn_oprt_code: '47.0100', oprn_oprt_name: '', main: true, begntime: at('2026-03-03T10:00:00') }, { oprn_oprt_code: '99.9999', oprn_oprt_name: '', main: true, begntime: at('2026-03-03T10:00:00') }],
  }));
  assert.equal(many.length, 3, many.join('\n'));
  assert.match(many.join('\n'), /exactly one western-medicine diagnosis must be the principal one/);
  assert.match(many.join('\n'), /exactly one procedure must be the main one/);
  assert.match(many.join('\n'), /input\.oprninfo\[1\]\.oprn_oprt_code: procedure code 99\.9999/);
});

test('durations, ages and stays', () => {
  assert.equal(parseDuration('1/13/24'), (24 + 13) * 60 + 24);
  assert.equal(parseDuration('96'), 96 * 60);
  assert.equal(parseDuration('1/25/00'), undefined);
  assert.equal(parseDuration('three days'), undefined);
  // 26 × 365 days, six 29 Februaries (2004-2024), less the one day before the birthday.
  assert.deepEqual(ageAt('2000-03-15', at('2026-03-14T23:00:00')), { years: 25, days: 9495 });
  assert.equal(ageAt('2000-03-15', at('2026-03-15T00:30:00')).years, 26, 'the birthday in China time counts');
  assert.equal(lengthOfStay(at('2026-03-02T23:00:00'), at('2026-03-03T01:00:00')), 1);
  assert.equal(lengthOfStay(at('2026-03-02T08:00:00'), at('2026-03-02T18:00:00')), 1, 'a day case is one day');
});
