import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { CALL_SERVICE_PATH } from './route.ts';
import { HOSPITAL, PHARMACY, RESIDENT, assertWellFormed, envelope, openWorld, post, signInAs, type World } from '../../../test/support/gateway-world.ts';
import { counts } from '../../../test/support/settlement-world.ts';
import { seedSettlementDocuments } from '../../store/documents/seed.ts';

// What real HIS send, what broken clients send, and what a fuzzer sends: every answer is
// HTTP 200 with a well-formed response envelope.

let w: World;
let sign_no: string;
before(async () => {
  w = await openWorld();
  // The catalogs and policies, so that fee lines and settlements reach the engine in the hostile fuzz.
  await seedSettlementDocuments(w.db.pool);
  sign_no = await signInAs(w.app);
});
after(async () => {
  await w.close();
});

const person = (extra: Record<string, unknown> = {}) => ({ data: { mdtrt_cert_type: '02', mdtrt_cert_no: RESIDENT.certno, ...extra } });

describe('real-client quirks are accepted', () => {
  test('nulls and empty strings in the header and the input', async () => {
    const res = await post(
      w.app,
      envelope('1101', person({ card_sn: null, psn_name: '', begntime: null, certno: '' }), {
        insuplc_admdvs: null, opter_type: null, opter_name: '', cainfo: null, signtype: null, dev_no: null, inf_time: '', sign_no,
      }),
    );
    assert.equal(res.body.infcode, 0, res.body.err_msg);
    assert.equal(res.body.output.baseinfo.psn_no, RESIDENT.psn_no);
  });

  test('numbers as strings and strings as numbers', async () => {
    const res = await post(w.app, envelope(1101 as unknown as string, { data: { mdtrt_cert_type: 2, mdtrt_cert_no: RESIDENT.certno } }, { opter_type: 1, mdtrtarea_admvs: 430200, sign_no }));
    assert.equal(res.body.infcode, 0, res.body.err_msg);
    const years = await post(w.app, envelope('5310', { data: { certno: RESIDENT.certno, psn_cert_type: 1, begn_year: '2020', end_year: 2026 } }, { sign_no }));
    assert.equal(years.body.infcode, 0, years.body.err_msg);
  });

  for (const infver of ['V1.0', 'v1.0', '1.0', '1', 1, null, '']) {
    test(`infver ${JSON.stringify(infver)}`, async () => {
      const res = await post(w.app, envelope('1101', person(), { infver, sign_no }));
      assert.equal(res.body.infcode, 0, res.body.err_msg);
    });
  }

  test('an unsupported infver is refused naming infver', async () => {
    const res = await post(w.app, envelope('1101', person(), { infver: 'V2.0', sign_no }));
    assert.equal(res.body.infcode, -1);
    assert.match(res.body.err_msg, /infver/);
  });

  test('extra fields (serv_code, serv_sign, unknown input fields) are ignored', async () => {
    const res = await post(w.app, envelope('1101', { ...person({ exp_content: 'x', hospital_private: { a: 1 } }), extra: [1, 2] }, { serv_code: 'abc', serv_sign: 'def', enctype: '', sign_no }));
    assert.equal(res.body.infcode, 0, res.body.err_msg);
  });

  test('input sent as a JSON text', async () => {
    const res = await post(w.app, envelope('1101', JSON.stringify(person()), { sign_no }));
    assert.equal(res.body.infcode, 0, res.body.err_msg);
  });

  for (const contentType of ['text/plain', 'application/x-www-form-urlencoded', 'application/json;charset=GBK', '']) {
    test(`content-type "${contentType}" with a JSON body`, async () => {
      const res = await post(w.app, JSON.stringify(envelope('1101', person(), { sign_no })), contentType);
      assert.equal(res.body.infcode, 0, res.body.err_msg);
    });
  }

  test('a UTF-8 byte-order mark before the JSON', async () => {
    const res = await post(w.app, '\uFEFF' + JSON.stringify(envelope('1901', { data: { type: 'MED_TYPE' } }, { sign_no })));
    assert.equal(res.body.infcode, 0, res.body.err_msg);
  });
});

describe('malformed requests get a -1 envelope naming the problem', () => {
  const cases: Array<[string, string | Record<string, unknown>, RegExp]> = [
    ['not JSON', '{"infno": "1101", ', /body/],
    ['empty body', '', /body/],
    ['a JSON array', '[{"infno":"1101"}]', /body.*JSON/],
    ['a JSON string', '"1101"', /body/],
    ['JSON null', 'null', /body/],
    ['missing infno', { ...envelope('1101', person()), infno: undefined }, /infno/],
    ['infno an object', envelope({ x: 1 } as unknown as string, person()), /infno/],
    ['infno not four digits', envelope('11011', person()), /infno/],
    ['missing msgid and fixmedins_code', { ...envelope('1101', person()), msgid: null, fixmedins_code: '' }, /msgid.*fixmedins_code/],
    ['mdtrtarea_admvs not a region', envelope('1101', person(), { mdtrtarea_admvs: '43' }), /mdtrtarea_admvs/],
    ['opter_type out of range', envelope('1101', person(), { opter_type: '9' }), /opter_type/],
    ['input an array', envelope('1101', [1, 2]), /input/],
    ['input a number', envelope('1101', 42), /input/],
    ['input not JSON text', envelope('1101', '{oops'), /input/],
    ['a NUL in the input', envelope('1101', { data: { mdtrt_cert_no: 'a\u0000b' } }, { sign_no: 'x' }), /input\.data\.mdtrt_cert_no/],
    ['mdtrt_cert_type not a code', envelope('1101', { data: { mdtrt_cert_type: '07', mdtrt_cert_no: '1' } }, { sign_no: '__SIGN__' }), /input\.data\.mdtrt_cert_type/],
    ['data missing', envelope('1101', {}, { sign_no: '__SIGN__' }), /input\.data/],
    ['data a list of numbers', envelope('1101', { data: [1] }, { sign_no: '__SIGN__' }), /input\.data/],
    ['certno an object', envelope('1101', { data: { certno: { a: 1 } } }, { sign_no: '__SIGN__' }), /input\.data\.certno/],
  ];
  for (const [name, payload, expected] of cases) {
    test(name, async () => {
      const body = typeof payload === 'string' ? payload : JSON.parse(JSON.stringify(payload).replaceAll('__SIGN__', sign_no));
      const res = await post(w.app, body);
      assert.equal(res.body.infcode, -1);
      assert.match(res.body.err_msg, expected);
    });
  }

  test('every bad header field is listed at once', async () => {
    const res = await post(w.app, { infno: 'abc', msgid: 7, mdtrtarea_admvs: true, fixmedins_code: HOSPITAL, input: {} });
    assert.equal(res.body.infcode, -1);
    for (const field of ['infno', 'mdtrtarea_admvs']) assert.match(res.body.err_msg, new RegExp(field));
  });

  test('a body over the size limit', async () => {
    const res = await w.app.inject({ method: 'POST', url: CALL_SERVICE_PATH, headers: { 'content-type': 'application/json' }, payload: 'x'.repeat(17 * 1024 * 1024) });
    const body = JSON.parse(res.body);
    assertWellFormed(res.statusCode, body);
    assert.equal(body.infcode, -1);
    assert.match(body.err_msg, /too large/);
  });
});

describe('fuzz', () => {
  const scalar = fc.oneof(
    fc.constant(null),
    fc.constant(''),
    fc.boolean(),
    fc.integer(),
    fc.double(),
    fc.string(),
    fc.string({ unit: 'binary' }),
    fc.constantFrom('1101', '9001', '9002', '1201', '1901', '5310', '2207', 'V1.0', '1', '02', '430200', HOSPITAL, RESIDENT.certno),
  );
  const json = fc.letrec((tie) => ({
    value: fc.oneof({ depthSize: 'small' }, scalar, tie('array'), tie('object')),
    array: fc.array(tie('value'), { maxLength: 4 }),
    object: fc.dictionary(fc.oneof(fc.string(), fc.constantFrom('data', 'signIn', 'mdtrt_cert_type', 'mdtrt_cert_no', 'certno', 'card_sn', 'type')), tie('value'), { maxKeys: 5 }),
  })).value;
  const headerValue = fc.oneof(scalar, json);
  const fields = ['infno', 'msgid', 'mdtrtarea_admvs', 'insuplc_admdvs', 'fixmedins_code', 'sign_no', 'infver', 'opter_type', 'cainfo', 'signtype', 'inf_time', 'input'];
  // Mostly plausible envelopes with some fields replaced or dropped, plus arbitrary JSON and text.
  const mutated = fc
    .tuple(
      fc.constantFrom('1101', '9001', '9002', '1201', '1901', '5310', '0000'),
      fc.dictionary(fc.constantFrom(...fields), headerValue, { maxKeys: 4 }),
      fc.subarray(fields, { maxLength: 3 }),
      fc.oneof(json, fc.record({ data: json }), fc.record({ data: fc.record({ mdtrt_cert_type: scalar, mdtrt_cert_no: scalar, card_sn: scalar, certno: scalar, psn_cert_type: scalar, type: scalar }, { requiredKeys: [] }) })),
      fc.boolean(),
    )
    .map(([infno, replaced, dropped, input, signed]) => {
      const base: Record<string, unknown> = { ...envelope(infno, input, signed ? { sign_no } : {}), ...replaced };
      for (const f of dropped) delete base[f];
      return JSON.stringify(base);
    });
  const body = fc.oneof(
    { weight: 6, arbitrary: mutated as fc.Arbitrary<string | Buffer> },
    { weight: 2, arbitrary: json.map((v) => JSON.stringify(v) ?? '') },
    { weight: 1, arbitrary: fc.string({ unit: 'binary' }) },
    { weight: 1, arbitrary: fc.uint8Array({ maxLength: 200 }).map((b): string | Buffer => Buffer.from(b)) },
  );

  test('generated bodies: no crash, no HTTP 500, always a well-formed envelope', async () => {
    await fc.assert(
      fc.asyncProperty(body, fc.constantFrom('application/json', 'text/plain', ''), async (payload, contentType) => {
        const res = await w.app.inject({
          method: 'POST',
          url: CALL_SERVICE_PATH,
          headers: contentType ? { 'content-type': contentType } : {},
          payload,
        });
        let parsed: Record<string, any>;
        try {
          parsed = JSON.parse(res.body);
        } catch {
          throw new Error(`not JSON (HTTP ${res.statusCode}): ${res.body.slice(0, 200)}`);
        }
        assertWellFormed(res.statusCode, parsed);
        // A client's mistake is named; the platform's own failures would say "internal".
        if (parsed.infcode === -1) assert.doesNotMatch(parsed.err_msg, /internal error/, parsed.err_msg);
      }),
      { numRuns: Number(process.env.FUZZ_RUNS ?? 300), seed: process.env.FUZZ_SEED ? Number(process.env.FUZZ_SEED) : undefined },
    );
  });

  // Hostile values where the probe found them (issue 11): impossible dates, huge and inconsistent
  // amounts, __proto__/constructor/prototype keys and numbers in every notation, in the
  // transactions that read them (outpatient, inpatient, pharmacy, queries, filings). 0 internal errors, every refusal names a field, and a refused
  // message writes nothing (visits, fee lines, settlements, ledger as they were).
  const pad = (n: number, w = 2) => String(n).padStart(w, '0');
  const dateText = fc.oneof(
    fc
      .tuple(
        fc.constantFrom(0, 1, 99, 1899, 1900, 1989, 1990, 2023, 2024, 2025, 2026, 2027, 2099, 2100, 9999),
        fc.integer({ min: 0, max: 13 }),
        fc.integer({ min: 0, max: 32 }),
        fc.option(fc.tuple(fc.integer({ min: 0, max: 25 }), fc.integer({ min: 0, max: 61 }), fc.integer({ min: 0, max: 61 }))),
        fc.boolean(),
      )
      .map(([y, mo, d, t, compact]) => {
        const date = compact ? `${pad(y, 4)}${pad(mo)}${pad(d)}` : `${pad(y, 4)}-${pad(mo)}-${pad(d)}`;
        if (!t) return date;
        return compact ? `${date}${pad(t[0])}${pad(t[1])}${pad(t[2])}` : `${date} ${pad(t[0])}:${pad(t[1])}:${pad(t[2])}`;
      }),
    fc.constantFrom('2026-03-15 10:00:00', '2026-03-15', '2026-02-28 08:00:00', '2024-02-29 12:00:00', '2026-03-14T09:30:00', '2026-03-15 10:00', '15/03/2026', '2026-3-5', 'now', ''),
    fc.integer(),
    fc.string({ maxLength: 24 }),
  );
  const numberish = fc.oneof(
    fc.constantFrom<unknown>(
      '0x10', '0b1', '0o7', '1e21', 1e21, '1e2', 1e2, '1E-7', 1e-7, 'Infinity', '-Infinity', 'NaN', '+1', ' 1 ', '1_000', '１', '.5', '5.', '-0', '00012', '1,000',
      99999999999.99, '99999999999.99', 9999999.99, '10000000.01', -1, -0.01, 0, '9007199254740993', 12.5, '12.50', '12.505', 0.33, 3, '0.5', 1000,
    ),
    fc.integer({ min: -1e6, max: 1e12 }),
    fc.double({ noNaN: true, min: -1e15, max: 1e15 }),
    fc.integer({ min: -100000, max: 100000000 }).map((fen) => (fen / 100).toFixed(2)),
  );
  /** Placeholders that become the named keys in the JSON text (a JS object literal would set its prototype instead). */
  const PROTO = { '@@proto@@': '__proto__', '@@constructor@@': 'constructor', '@@prototype@@': 'prototype' } as const;
  const hostileKey = fc.option(fc.tuple(fc.constantFrom(...(Object.keys(PROTO) as (keyof typeof PROTO)[])), fc.constantFrom<unknown>({ psn_no: RESIDENT.psn_no }, { insutype: '310' }, 1, { prototype: { x: 1 } })), { freq: 3 });
  const withKey = (obj: Record<string, unknown>, k: [string, unknown] | null) => (k ? { ...obj, [k[0]]: k[1] } : obj);
  const field = fc.option(numberish, { nil: undefined, freq: 6 });
  const feeLine = fc
    .record({ det_item_fee_sumamt: field, cnt: field, pric: field, fee_ocur_time: fc.option(dateText, { nil: undefined }), init_feedetl_sn: fc.option(fc.constant('L1'), { nil: undefined }), key: hostileKey })
    .map(({ key, ...l }) => withKey(l, key));
  const hostile = fc.oneof(
    fc.record({ infno: fc.constant('2201'), begntime: dateText, key: hostileKey }).map(({ key, begntime }) => ({ infno: '2201', setup: 'none', input: { data: withKey({ psn_no: RESIDENT.psn_no, insutype: '390', begntime }, key) } })),
    fc.record({ begntime: dateText, key: hostileKey }).map(({ key, begntime }) => ({ infno: '1101', setup: 'none', input: { data: withKey({ mdtrt_cert_type: '02', mdtrt_cert_no: RESIDENT.certno, begntime }, key) } })),
    fc.record({ begntime: dateText, endtime: fc.option(dateText, { nil: undefined }) }).map((t) => ({ infno: '5205', setup: 'none', input: { data: { psn_no: RESIDENT.psn_no, ...t } } })),
    fc.record({ stmt_begndate: dateText, stmt_enddate: dateText, medfee_sumamt: field, fund_pay_sumamt: field }).map((d) => ({ infno: '3201', setup: 'none', input: { data: d } })),
    fc.record({ cum_ym: fc.oneof(fc.constantFrom('202603', '202613', '000001', 'abcdef', '2026-3'), fc.string({ maxLength: 6 })) }).map((d) => ({ infno: '5206', setup: 'none', input: { data: { psn_no: RESIDENT.psn_no, ...d } } })),
    fc.record({ begntime: dateText, endtime: fc.option(dateText, { nil: undefined }) }).map((t) => ({ infno: '2001', setup: 'none', input: { data: { psn_no: RESIDENT.psn_no, insutype: '390', med_type: '11', ...t } } })),
    fc.record({ begndate: dateText, enddate: fc.option(dateText, { nil: undefined }) }).map((t) => ({ infno: '2501', setup: 'none', input: { data: { psn_no: RESIDENT.psn_no, mdtrtarea_admdvs: '430100', ...t } } })),
    fc.array(feeLine, { minLength: 1, maxLength: 4 }).map((ls) => ({ infno: '2204', setup: 'outpatient', input: { feedetail: ls } })),
    fc.record({ infno: fc.constantFrom('2206', '2207'), medfee_sumamt: field, key: hostileKey }).map(({ infno, medfee_sumamt, key }) => ({ infno, setup: 'outpatient', input: { data: withKey({ psn_no: RESIDENT.psn_no, medfee_sumamt }, key) } })),
    fc.record({ begntime: dateText, key: hostileKey }).map(({ key, begntime }) => ({ infno: '2401', setup: 'none', input: { mdtrtinfo: withKey({ psn_no: RESIDENT.psn_no, insutype: '390', med_type: '21', begntime }, key) } })),
    fc.array(feeLine, { minLength: 1, maxLength: 3 }).map((ls) => ({ infno: '2301', setup: 'stay', input: { feedetail: ls } })),
    fc.record({ endtime: dateText }).map((d) => ({ infno: '2402', setup: 'stay', input: { dscginfo: { psn_no: RESIDENT.psn_no, ...d } } })),
    fc.record({ begntime: dateText }).map((d) => ({ infno: '2403', setup: 'stay', input: { adminfo: { psn_no: RESIDENT.psn_no, ...d } } })),
    fc
      .record({ infno: fc.constantFrom('2101', '2102'), begntime: fc.option(dateText, { nil: undefined }), medfee_sumamt: field, lines: fc.array(feeLine, { minLength: 1, maxLength: 3 }) })
      .map(({ infno, begntime, medfee_sumamt, lines }) => ({ infno, setup: 'pharmacy', input: { data: { psn_no: RESIDENT.psn_no, insutype: '390', med_type: '41', begntime, medfee_sumamt }, feedetail: lines } })),
  );
  const WRITTEN = ['visits', 'visit_diagnoses', 'fee_lines', 'settlements', 'accumulators', 'ledger_transfers', 'ledger_legs', 'cross_region_owed', 'accounts_fen', 'visit_states', 'line_states'];
  const written = (c: Record<string, number>) => Object.fromEntries(WRITTEN.map((k) => [k, c[k]]));
  const filings = async () => (await w.db.pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM filings`)).rows[0]!.n;
  let sn = 0;

  test('hostile values (dates, amounts, __proto__, notations): no internal error, refusals name a field and write nothing', async () => {
    // The generic fuzz above may have signed out (9002): a sign-in of this test's own.
    const sign_no = await signInAs(w.app);
    const pharmacySign = await signInAs(w.app, PHARMACY);
    let refused = 0;
    await fc.assert(
      fc.asyncProperty(hostile, async (m) => {
        const input: Record<string, any> = structuredClone(m.input);
        let header: Record<string, unknown> = { sign_no };
        const code = (l: Record<string, unknown>, id: string | undefined, codg: string) => Object.assign(l, { feedetl_sn: `F${++sn}`, med_list_codg: codg }, id ? { mdtrt_id: id } : {});
        if (m.setup === 'outpatient' || m.setup === 'stay') {
          // A fresh open visit or stay with one good line, so the hostile message reaches the engine.
          const open = m.setup === 'outpatient'
            ? await post(w.app, envelope('2201', { data: { psn_no: RESIDENT.psn_no, insutype: '390' } }, { sign_no }))
            : await post(w.app, envelope('2401', { mdtrtinfo: { psn_no: RESIDENT.psn_no, insutype: '390', med_type: '21', begntime: '2026-03-14 09:00:00' } }, { sign_no }));
          assert.equal(open.body.infcode, 0, open.body.err_msg);
          const id = (open.body.output.data ?? open.body.output.result).mdtrt_id as string;
          const good = await post(w.app, envelope(m.setup === 'outpatient' ? '2204' : '2301', { feedetail: [{ feedetl_sn: 'L1', mdtrt_id: id, med_list_codg: '110200001', det_item_fee_sumamt: 10, cnt: 1, pric: 10 }] }, { sign_no }));
          assert.equal(good.body.infcode, 0, good.body.err_msg);
          if (input.feedetail) for (const l of input.feedetail) code(l, id, '110200001');
          else (input.data ?? input.dscginfo ?? input.adminfo).mdtrt_id = id;
        }
        if (m.setup === 'pharmacy') {
          header = { sign_no: pharmacySign, fixmedins_code: PHARMACY };
          for (const l of input.feedetail) code(l, undefined, 'XJ01CAA040E001010102231');
        }
        let text = JSON.stringify(envelope(m.infno, input, header));
        for (const [placeholder, key] of Object.entries(PROTO)) text = text.replaceAll(`"${placeholder}"`, `"${key}"`);
        const before = written(await counts(w.db.pool));
        const filed = await filings();
        const res = await w.app.inject({ method: 'POST', url: CALL_SERVICE_PATH, headers: { 'content-type': 'application/json' }, payload: text });
        const body = JSON.parse(res.body);
        assertWellFormed(res.statusCode, body);
        if (body.infcode === 0) return;
        refused += 1;
        assert.doesNotMatch(body.err_msg, /internal error/, `${text}\n→ ${body.err_msg}`);
        // bilingual(): "field：…" — the first detail's field is a path of the message.
        assert.match(body.err_msg, /^(input[\w.[\]]*|infno|msgid|sign_no|body)：/, `${text}\n→ ${body.err_msg}`);
        assert.deepEqual(written(await counts(w.db.pool)), before, `${text}\n→ ${body.err_msg}: a refused message wrote`);
        assert.equal(await filings(), filed, 'a refused message filed nothing');
      }),
      { numRuns: Number(process.env.FUZZ_RUNS ?? 200), seed: process.env.FUZZ_SEED ? Number(process.env.FUZZ_SEED) : undefined },
    );
    assert.ok(refused > 0, 'the hostile values were refused at least sometimes');
  });
});
