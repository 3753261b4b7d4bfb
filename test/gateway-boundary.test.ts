import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { RESIDENT, envelope, post } from './support/gateway-world.ts';
import { counts, openSettlementWorld, type SettlementWorld } from './support/settlement-world.ts';

// What a hostile probe found at the gateway's boundary (issue 11, defects 3-6): impossible
// dates and input hidden under __proto__. Each is refused naming the field, and nothing is
// written but the message log.

let w: SettlementWorld;
before(async () => {
  w = await openSettlementWorld();
});
after(async () => w.close());

const ok = (res: { body: any }) => {
  assert.equal(res.body.infcode, 0, res.body.err_msg);
  return res.body.output;
};

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
});
