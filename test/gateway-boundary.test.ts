import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { RESIDENT, envelope, ok, post } from './support/gateway-world.ts';
import { assertBooksHold, counts, lines, openSettlementWorld, type SettlementWorld } from './support/settlement-world.ts';

// What a hostile probe found at the gateway's boundary (issue 11, defects 3-6): impossible
// dates, amounts past the engine's limits, fee lines whose total is not price × count,
// numbers in other notations, and input hidden under __proto__. Each is refused naming the
// field, and nothing is written but the message log.

let w: SettlementWorld;
before(async () => {
  w = await openSettlementWorld();
});
after(async () => w.close());

const registration = (extra: Record<string, unknown> = {}) => ({ data: { psn_no: RESIDENT.psn_no, insutype: '390', mdtrt_cert_type: '02', mdtrt_cert_no: RESIDENT.certno, ...extra } });

async function register(): Promise<string> {
  return ok(await w.call('2201', registration({ begntime: '2026-03-15 10:00:00' }))).data.mdtrt_id;
}

const line = (mdtrtId: string, sn: string, f: Record<string, unknown>) => ({ feedetl_sn: sn, mdtrt_id: mdtrtId, psn_no: RESIDENT.psn_no, med_list_codg: '110200001', fee_ocur_time: '2026-03-15 10:05:00', ...f });

/** Each case is refused naming every field in `fields`, not as an internal error, and changes nothing but the message log. */
async function assertRefused(cases: Array<[string, string, unknown, string[]]>): Promise<void> {
  const before = await counts(w.db.pool);
  for (const [what, infno, input, fields] of cases) {
    const res = await w.call(infno, input);
    assert.equal(res.body.infcode, -1, `${what}: accepted ${JSON.stringify(res.body.output).slice(0, 200)}`);
    assert.doesNotMatch(res.body.err_msg, /internal error/, what);
    for (const f of fields) assert.ok(res.body.err_msg.includes(`${f}:`), `${what}: ${res.body.err_msg} should name ${f}`);
  }
  assert.deepEqual(await counts(w.db.pool), { ...before, gateway_messages: before.gateway_messages! + cases.length }, 'only the message log grew');
}

describe('defect 3: impossible dates', () => {
  test('days that do not exist, hours past 23, year 0000 and 9999 are refused by field name', async () => {
    const mdtrtId = await register();
    await assertRefused([
      ['30 February', '2201', registration({ begntime: '2026-02-30 10:00:00' }), ['input.data.begntime']],
      ['29 February of a common year', '2201', registration({ begntime: '2026-02-29 10:00:00' }), ['input.data.begntime']],
      ['31 April', '2201', registration({ begntime: '2025-04-31 10:00:00' }), ['input.data.begntime']],
      ['hour 25 in a date field', '1101', { data: { mdtrt_cert_type: '02', mdtrt_cert_no: RESIDENT.certno, begntime: '2026-03-15 25:00:00' } }, ['input.data.begntime']],
      ['year 0000 in 1101', '1101', { data: { mdtrt_cert_type: '02', mdtrt_cert_no: RESIDENT.certno, begntime: '0000-01-01' } }, ['input.data.begntime']],
      ['year 0000 in 5205', '5205', { data: { psn_no: RESIDENT.psn_no, begntime: '0000-01-01 00:00:00' } }, ['input.data.begntime']],
      ['year 0000 in 2204', '2204', { feedetail: [line(mdtrtId, 'D1', { det_item_fee_sumamt: 10, cnt: 1, pric: 10, fee_ocur_time: '0000-03-15 10:00:00' })] }, ['input.feedetail[0].fee_ocur_time']],
      ['a visit on 9999-12-31', '2201', registration({ begntime: '9999-12-31 10:00:00' }), ['input.data.begntime']],
      ['a visit next month', '2201', registration({ begntime: '2026-04-15 10:00:00' }), ['input.data.begntime']],
      ['a minute 60', '2201', registration({ begntime: '2026-03-15 10:60:00' }), ['input.data.begntime']],
    ]);
  });

  test('a real leap day and a date in the window are kept exactly', async () => {
    const id = ok(await w.call('2201', registration({ begntime: '2024-02-29 23:59:59' }))).data.mdtrt_id;
    const r = await w.db.pool.query<{ t: string }>(`SELECT to_char(begntime AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM-DD HH24:MI:SS') AS t FROM visits WHERE mdtrt_id = $1`, [id]);
    assert.equal(r.rows[0]!.t, '2024-02-29 23:59:59');
    ok(await w.call('1101', { data: { mdtrt_cert_type: '02', mdtrt_cert_no: RESIDENT.certno, begntime: '20260101' } }));
  });
});

describe('defect 4: amounts within the engine limits', () => {
  test('lines past a line limit, and a message past a bill limit, are refused', async () => {
    const mdtrtId = await register();
    const huge = '99999999999.99';
    const many = Array.from({ length: 1000 }, (_, i) => line(mdtrtId, `M${i}`, { det_item_fee_sumamt: '9000000.00', cnt: 1, pric: '9000000.00' }));
    await assertRefused([
      ['two lines of 99,999,999,999.99', '2204', { feedetail: [line(mdtrtId, 'H1', { det_item_fee_sumamt: huge, cnt: 1, pric: huge }), line(mdtrtId, 'H2', { det_item_fee_sumamt: huge, cnt: 1, pric: huge })] }, ['input.feedetail[0].det_item_fee_sumamt']],
      ['1000 lines of 9,000,000', '2204', { feedetail: many }, ['input.feedetail']],
      ['a settlement total past the limit', '2206', { data: { psn_no: RESIDENT.psn_no, mdtrt_id: mdtrtId, medfee_sumamt: huge } }, ['input.data.medfee_sumamt']],
    ]);
  });

  test("a visit's unsettled lines stay within a bill's limit across uploads, and settle to the exact total", async () => {
    const mdtrtId = await register();
    // A minute apart: the same charge at the same minute is a duplicate the supervision rules refuse at settlement.
    const big = Array.from({ length: 10 }, (_, i) => line(mdtrtId, `B${i}`, { det_item_fee_sumamt: '9999999.99', cnt: 1, pric: '9999999.99', fee_ocur_time: `2026-03-15 10:0${i}:00` }));
    ok(await w.call('2204', { feedetail: big }));
    await assertRefused([['one yuan past the visit limit', '2204', { feedetail: [line(mdtrtId, 'B10', { det_item_fee_sumamt: 1, cnt: 1, pric: 1 })] }, ['input.feedetail']]]);
    const pre = ok(await w.call('2206', { data: { psn_no: RESIDENT.psn_no, mdtrt_id: mdtrtId } }));
    assert.equal(pre.setlinfo.medfee_sumamt, 99999999.9);
    assert.equal(pre.setlinfo.medfee_sumamt, pre.setlinfo.fund_pay_sumamt + pre.setlinfo.psn_part_amt + pre.setlinfo.hosp_part_amt);
    const settled = ok(await w.call('2207', { data: { psn_no: RESIDENT.psn_no, mdtrt_id: mdtrtId, medfee_sumamt: '99999999.90' } }));
    assert.equal(settled.setlinfo.medfee_sumamt, 99999999.9);
    await assertBooksHold(w.db.pool);
  });

  test('the database refuses amounts past the limits from any writer', async () => {
    const mdtrtId = await register();
    ok(await w.call('2204', { feedetail: [line(mdtrtId, 'S1', { det_item_fee_sumamt: 10, cnt: 1, pric: 10 })] }));
    for (const [what, set] of [
      ['a line of 10^13 fen', 'det_item_fee_sumamt = 10000000000000, inscp_scp_amt = 10000000000000, fulamt_ownpay_amt = 0, overlmt_amt = 0, preselfpay_amt = 0'],
      ['a negative price', 'pric = -1000'],
      ['a count of 10^21', 'cnt = 1e21'],
      ['a total that is not price × count', 'det_item_fee_sumamt = 100000, inscp_scp_amt = 100000, fulamt_ownpay_amt = 0, overlmt_amt = 0, preselfpay_amt = 0'],
    ] as const) {
      await assert.rejects(w.db.pool.query(`UPDATE fee_lines SET ${set} WHERE mdtrt_id = $1`, [mdtrtId]), /violates check constraint/, what);
    }
    await assert.rejects(w.db.pool.query(`UPDATE visits SET begntime = '9999-12-31' WHERE mdtrt_id = $1`, [mdtrtId]), /violates check constraint/);
  });
});

describe('defect 5: a fee line is price × count, in decimal', () => {
  test('inconsistent totals, other notations and negative prices are refused naming the fields', async () => {
    const mdtrtId = await register();
    const one = (f: Record<string, unknown>) => ({ feedetail: [line(mdtrtId, 'C1', f)] });
    const at = 'input.feedetail[0]';
    await assertRefused([
      ['1 × 1 billed as 1000', '2204', one({ det_item_fee_sumamt: 1000, cnt: 1, pric: 1 }), [`${at}.det_item_fee_sumamt`, `${at}.pric`, `${at}.cnt`]],
      ['a total off by one fen', '2204', one({ det_item_fee_sumamt: '1.00', cnt: 3, pric: '0.33' }), [`${at}.det_item_fee_sumamt`, `${at}.pric`, `${at}.cnt`]],
      ['count in hex', '2204', one({ det_item_fee_sumamt: 16, cnt: '0x10', pric: 1 }), [`${at}.cnt`]],
      ['count with an exponent', '2204', one({ det_item_fee_sumamt: 10, cnt: '1e1', pric: 1 }), [`${at}.cnt`]],
      ['count 1e21', '2204', one({ det_item_fee_sumamt: 1, cnt: 1e21, pric: 1 }), [`${at}.cnt`]],
      ['count Infinity', '2204', one({ det_item_fee_sumamt: 1, cnt: 'Infinity', pric: 1 }), [`${at}.cnt`]],
      ['count with a plus sign', '2204', one({ det_item_fee_sumamt: 1, cnt: '+1', pric: 1 }), [`${at}.cnt`]],
      ['count with five decimals', '2204', one({ det_item_fee_sumamt: 1, cnt: '1.00001', pric: 1 }), [`${at}.cnt`]],
      ['amount in hex', '2204', one({ det_item_fee_sumamt: '0x10', cnt: 16, pric: 1 }), [`${at}.det_item_fee_sumamt`]],
      ['amount with an exponent', '2204', one({ det_item_fee_sumamt: '1e2', cnt: 100, pric: 1 }), [`${at}.det_item_fee_sumamt`]],
      ['a negative price', '2204', one({ det_item_fee_sumamt: -10, cnt: -1, pric: -10, init_feedetl_sn: 'X' }), [`${at}.pric`]],
      ['a refund that names no original line', '2204', one({ det_item_fee_sumamt: -10, cnt: -1, pric: 10 }), [`${at}.init_feedetl_sn`]],
    ]);
  });

  test('rounding to the fen, decimal text and a refund line naming its original are accepted', async () => {
    const mdtrtId = await register();
    const up = ok(await w.call('2204', {
      feedetail: [
        ...lines(mdtrtId, RESIDENT.psn_no),
        line(mdtrtId, 'R1', { det_item_fee_sumamt: '0.17', cnt: '0.5', pric: '0.33' }),
        line(mdtrtId, 'R2', { det_item_fee_sumamt: '0.16', cnt: 0.5, pric: 0.33 }),
        line(mdtrtId, 'R3', { det_item_fee_sumamt: 0.99, cnt: '3.0000', pric: '0.330' }),
        line(mdtrtId, 'R4', { det_item_fee_sumamt: -10, cnt: -1, pric: 10, init_feedetl_sn: 'L3' }),
      ],
    }));
    assert.deepEqual(up.result.slice(3).map((r: any) => [r.det_item_fee_sumamt, r.cnt, r.pric]), [[0.17, 0.5, 0.33], [0.16, 0.5, 0.33], [0.99, 3, 0.33], [-10, -1, 10]]);
  });
});

describe('defect 6: __proto__, constructor and prototype keys', () => {
  const raw = (infno: string, inputJson: string) => {
    const env = envelope(infno, {}, { sign_no: w.signNo });
    return JSON.stringify(env).replace('"input":{}', `"input":${inputJson}`);
  };
  const data = JSON.stringify(registration().data);

  test('data under __proto__ is refused naming the key, and registers nothing', async () => {
    const before = await counts(w.db.pool);
    for (const [input, field] of [
      [`{"__proto__":{"data":${data}}}`, 'input.__proto__'],
      [`{"data":{"__proto__":${data}}}`, 'input.data.__proto__'],
      [`{"data":${data.slice(0, -1)},"constructor":{"prototype":{"psn_no":"x"}}}}`, 'input.data.constructor'],
      [`{"data":${JSON.stringify(JSON.stringify({ __proto__x: 1 })).replace('__proto__x', '__proto__')}}`, 'input.data.__proto__'],
    ]) {
      const res = await post(w.app, raw('2201', input!));
      assert.equal(res.body.infcode, -1, `${input}: ${JSON.stringify(res.body.output)}`);
      assert.ok(res.body.err_msg.includes(`${field}:`), `${res.body.err_msg} should name ${field}`);
    }
    const top = await post(w.app, JSON.stringify(envelope('2201', registration(), { sign_no: w.signNo })).replace('{"infno"', '{"__proto__":{"x":1},"infno"'));
    assert.equal(top.body.infcode, -1);
    assert.match(top.body.err_msg, /__proto__:/);
    // Refused while parsing (before the log), except the JSON text that only the handler parses.
    assert.deepEqual(await counts(w.db.pool), { ...before, gateway_messages: before.gateway_messages! + 1 }, 'no visit');
  });

  test('a same-msgid retry with content added under __proto__ is refused, not replayed', async () => {
    const env = envelope('2201', registration(), { sign_no: w.signNo });
    const first = await post(w.app, env);
    ok(first);
    const logged = await w.db.pool.query<{ request: any }>(`SELECT request FROM gateway_messages WHERE msgid = $1`, [env['msgid']]);
    assert.equal(logged.rows[0]!.request.input.data.psn_no, RESIDENT.psn_no, 'the log holds what the handler read');
    const retry = await post(w.app, JSON.stringify(env).replace('"data":{', '"data":{"__proto__":{"insutype":"310"},'));
    assert.equal(retry.body.infcode, -1);
    assert.notDeepEqual(retry.body.output, first.body.output);
    assert.match(retry.body.err_msg, /input\.data\.__proto__:/);
  });

  test('a same-msgid retry that changes a header field the handler reads is refused, not replayed', async () => {
    // 2201 stores the envelope's regions with the visit: they are content, not metadata.
    const env = envelope('2201', registration(), { sign_no: w.signNo, insuplc_admdvs: '' });
    ok(await post(w.app, env));
    const logged = await w.db.pool.query<{ request: any }>(`SELECT request FROM gateway_messages WHERE msgid = $1`, [env['msgid']]);
    assert.equal(logged.rows[0]!.request.mdtrtarea_admvs, '430200', 'the log keeps the header fields the handler read');
    const before = await counts(w.db.pool);
    const retry = await post(w.app, { ...env, insuplc_admdvs: '430200', inf_time: '2026-03-15 10:00:09' });
    assert.equal(retry.body.infcode, -1, 'refused, not replayed');
    assert.match(retry.body.err_msg, /differs at: insuplc_admdvs/);
    assert.deepEqual(await counts(w.db.pool), { ...before, gateway_messages: before.gateway_messages! + 1 });
  });
});
