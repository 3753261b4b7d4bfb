import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { signBody, signedText } from './signature.ts';
import {
  HOSPITAL,
  MOVER,
  OTHER_HOSPITAL,
  PHARMACY,
  RESIDENT,
  RETIREE,
  envelope,
  openWorld,
  post,
  signInAs,
  type World,
} from '../../../test/support/gateway-world.ts';
import { insertPerson } from '../../../test/support/registry-rows.ts';
import { nhsaFixture } from '../../../test/support/fixtures.ts';

let w: World;
before(async () => {
  w = await openWorld();
});
after(async () => {
  await w.close();
});

describe('9001 then 1101', () => {
  test('by ID card (02): person, enrollment and identities on the day', async () => {
    const sign_no = await signInAs(w.app);
    const res = await post(w.app, envelope('1101', { data: { mdtrt_cert_type: '02', mdtrt_cert_no: RESIDENT.certno, psn_name: RESIDENT.psn_name } }, { sign_no }));
    assert.equal(res.body.infcode, 0, res.body.err_msg);
    const out = res.body.output;
    assert.deepEqual(out.baseinfo, {
      psn_no: RESIDENT.psn_no,
      psn_cert_type: '01',
      certno: RESIDENT.certno,
      psn_name: RESIDENT.psn_name,
      gend: '1',
      naty: '01',
      brdy: '1980-05-20',
      age: 45, // 2026-03-15, birthday in May not yet reached
    });
    assert.ok(Array.isArray(out.insuinfo));
    assert.equal(out.insuinfo.length, 1);
    assert.deepEqual(
      { ...out.insuinfo[0], psn_insu_rlts_id: undefined },
      {
        psn_insu_rlts_id: undefined,
        balc: 0,
        insutype: '390',
        psn_type: '1501',
        psn_insu_stas: '1',
        psn_insu_date: '2015-01-01',
        paus_insu_date: null,
        cvlserv_flag: '0',
        insuplc_admdvs: '430200',
        emp_name: null,
      },
    );
    // The expired 特困 identity is not in force on the day; 低保 is.
    assert.deepEqual(out.idetinfo, [{ psn_idet_type: '2102', psn_type_lv: null, memo: '低保', begntime: '2024-01-01 00:00:00', endtime: null }]);
    assert.equal(res.body.warn_msg, null);
  });

  test('by electronic voucher (01)', async () => {
    const sign_no = await signInAs(w.app);
    const res = await post(w.app, envelope('1101', { data: { mdtrt_cert_type: '01', mdtrt_cert_no: RESIDENT.voucher } }, { sign_no }));
    assert.equal(res.body.infcode, 0, res.body.err_msg);
    assert.equal(res.body.output.baseinfo.psn_no, RESIDENT.psn_no);
  });

  test('by social security card (03) with card_sn; balc in yuan from fen', async () => {
    const sign_no = await signInAs(w.app);
    const res = await post(w.app, envelope('1101', { data: { mdtrt_cert_type: '03', mdtrt_cert_no: RETIREE.card, card_sn: RETIREE.card_sn } }, { sign_no }));
    assert.equal(res.body.infcode, 0, res.body.err_msg);
    const out = res.body.output;
    assert.equal(out.baseinfo.psn_no, RETIREE.psn_no);
    assert.equal(out.baseinfo.gend, '2');
    assert.equal(out.baseinfo.age, 67);
    const byType = Object.fromEntries(out.insuinfo.map((i: any) => [i.insutype, i]));
    assert.deepEqual(Object.keys(byType).sort(), ['310', '330']);
    assert.equal(byType['310'].balc, 1234.56);
    assert.equal(byType['310'].insuplc_admdvs, '360400');
    assert.equal(byType['310'].emp_name, '九江纺织厂');
    assert.equal(byType['330'].balc, 0);
    assert.deepEqual(out.idetinfo, []);
  });

  test('03 without card_sn, or with the wrong one, is refused naming card_sn', async () => {
    const sign_no = await signInAs(w.app);
    const missing = await post(w.app, envelope('1101', { data: { mdtrt_cert_type: '03', mdtrt_cert_no: RETIREE.card } }, { sign_no }));
    assert.equal(missing.body.infcode, -1);
    assert.match(missing.body.err_msg, /input\.data\.card_sn/);
    const wrong = await post(w.app, envelope('1101', { data: { mdtrt_cert_type: '03', mdtrt_cert_no: RETIREE.card, card_sn: 'SN9999' } }, { sign_no }));
    assert.equal(wrong.body.infcode, -1);
    assert.match(wrong.body.err_msg, /card_sn/);
  });

  test('by psn_cert_type + certno ("1" read as "01")', async () => {
    const sign_no = await signInAs(w.app);
    const res = await post(w.app, envelope('1101', { data: { psn_cert_type: '1', certno: RETIREE.certno } }, { sign_no }));
    assert.equal(res.body.infcode, 0, res.body.err_msg);
    assert.equal(res.body.output.baseinfo.psn_no, RETIREE.psn_no);
  });

  test('begntime asks for the insurance in force on another day', async () => {
    const sign_no = await signInAs(w.app);
    const res = await post(w.app, envelope('1101', { data: { mdtrt_cert_type: '02', mdtrt_cert_no: MOVER.certno, begntime: '2023-06-01 00:00:00' } }, { sign_no }));
    assert.equal(res.body.infcode, 0, res.body.err_msg);
    assert.deepEqual(res.body.output.insuinfo.map((i: any) => i.insuplc_admdvs), ['360400']);
    const before = await post(w.app, envelope('1101', { data: { mdtrt_cert_type: '02', mdtrt_cert_no: MOVER.certno, begntime: '2000-01-01' } }, { sign_no }));
    assert.equal(before.body.infcode, 0);
    assert.deepEqual(before.body.output.insuinfo, []);
    assert.match(before.body.warn_msg, /2000-01-01/);
  });

  test('unknown person → -1 naming the certificate', async () => {
    const sign_no = await signInAs(w.app);
    const res = await post(w.app, envelope('1101', { data: { mdtrt_cert_type: '02', mdtrt_cert_no: '430204199001011234' } }, { sign_no }));
    assert.equal(res.body.infcode, -1);
    assert.match(res.body.err_msg, /input\.data\.mdtrt_cert_no/);
    assert.match(res.body.err_msg, /430204199001011234/);
    assert.deepEqual(res.body.output, {});
    const noWho = await post(w.app, envelope('1101', { data: { psn_name: '某人' } }, { sign_no }));
    assert.equal(noWho.body.infcode, -1);
    assert.match(noWho.body.err_msg, /mdtrt_cert_type/);
  });

  test('a name that does not match the certificate is refused', async () => {
    const sign_no = await signInAs(w.app);
    const res = await post(w.app, envelope('1101', { data: { mdtrt_cert_type: '02', mdtrt_cert_no: RESIDENT.certno, psn_name: '别人' } }, { sign_no }));
    assert.equal(res.body.infcode, -1);
    assert.match(res.body.err_msg, /psn_name/);
  });

  test('the spec sample request (fixtures/nhsa/1101-request) answers its person', async () => {
    const sample = nhsaFixture('1101-request.spec-sample.json') as Record<string, any>;
    // The sample's person, with the sample's document type "2".
    await insertPerson(w.db.pool, { psn_no: '43020000000099', psn_cert_type: '02', certno: sample.input.data.certno, psn_name: sample.input.data.psn_name, gend: '1', brdy: '2020-01-01', insuplc_admdvs: '430200' });
    const sign_no = await signInAs(w.app);
    const res = await post(w.app, { ...sample, fixmedins_code: HOSPITAL, sign_no });
    assert.equal(res.body.infcode, 0, res.body.err_msg);
    assert.equal(res.body.output.baseinfo.psn_name, '李四');
    assert.equal(res.body.output.baseinfo.age, 6);
    assert.match(res.body.inf_refmsgid, /^100000\d{24}$/, 'the region part is the treatment region of the request');
  });
});

describe('authentication', () => {
  test('1101 without a sign_no, or with an unknown one → -1 naming sign_no', async () => {
    const input = { data: { mdtrt_cert_type: '02', mdtrt_cert_no: RESIDENT.certno } };
    const absent = await post(w.app, envelope('1101', input));
    assert.equal(absent.body.infcode, -1);
    assert.match(absent.body.err_msg, /sign_no/);
    const unknown = await post(w.app, envelope('1101', input, { sign_no: 'not-a-sign-no' }));
    assert.equal(unknown.body.infcode, -1);
    assert.match(unknown.body.err_msg, /sign_no/);
  });

  test('a signed-out sign_no → -1; signing out twice → -1', async () => {
    const sign_no = await signInAs(w.app);
    const out = await post(w.app, envelope('9002', { signOut: { sign_no, opter_no: '001' } }, { sign_no }));
    assert.equal(out.body.infcode, 0, out.body.err_msg);
    assert.equal(out.body.output.signoutoutb.sign_no, sign_no);
    assert.equal(out.body.output.signoutoutb.sign_time, '2026-03-15 10:00:00');
    const after = await post(w.app, envelope('1101', { data: { mdtrt_cert_type: '02', mdtrt_cert_no: RESIDENT.certno } }, { sign_no }));
    assert.equal(after.body.infcode, -1);
    assert.match(after.body.err_msg, /已签退/);
    assert.match(after.body.err_msg, /signed out/);
    const again = await post(w.app, envelope('9002', { signOut: { sign_no } }, { sign_no }));
    assert.equal(again.body.infcode, -1);
  });

  test("another institution's sign_no or code → -1", async () => {
    const mine = await signInAs(w.app, HOSPITAL);
    const input = { data: { mdtrt_cert_type: '02', mdtrt_cert_no: RESIDENT.certno } };
    // The pharmacy presents the hospital's sign_no.
    const borrowed = await post(w.app, envelope('1101', input, { fixmedins_code: PHARMACY, sign_no: mine }));
    assert.equal(borrowed.body.infcode, -1);
    assert.match(borrowed.body.err_msg, /sign_no/);
    const otherSign = await signInAs(w.app, OTHER_HOSPITAL);
    const crossed = await post(w.app, envelope('1101', input, { fixmedins_code: HOSPITAL, sign_no: otherSign }));
    assert.equal(crossed.body.infcode, -1);
    // Unknown institution codes cannot even sign in.
    const stranger = await post(w.app, envelope('9001', { signIn: {} }, { fixmedins_code: 'H99999999999' }));
    assert.equal(stranger.body.infcode, -1);
    assert.match(stranger.body.err_msg, /fixmedins_code/);
    assert.match(stranger.body.err_msg, /H99999999999/);
  });

  test('another institution cannot sign out my sign-in', async () => {
    const mine = await signInAs(w.app, HOSPITAL);
    const theirs = await signInAs(w.app, PHARMACY);
    const res = await post(w.app, envelope('9002', { signOut: { sign_no: mine } }, { fixmedins_code: PHARMACY, sign_no: theirs }));
    assert.equal(res.body.infcode, -1);
    const still = await post(w.app, envelope('1901', { data: { type: 'insutype' } }, { sign_no: mine }));
    assert.equal(still.body.infcode, 0, 'my sign-in is still valid');
  });

  test('SM2 signatures: signed passes, tampered, unsigned or signed by another key fails', async () => {
    const keys = crypto.generateKeyPairSync('ec', { namedCurve: 'SM2' });
    const stranger = crypto.generateKeyPairSync('ec', { namedCurve: 'SM2' });
    const pem = keys.publicKey.export({ type: 'spki', format: 'pem' }).toString();
    await w.db.pool.query(`UPDATE institutions SET sm2_public_key = $1 WHERE fixmedins_code = $2`, [pem, OTHER_HOSPITAL]);
    try {
      const signInBody = signBody(envelope('9001', { signIn: { opter_no: '9' } }, { fixmedins_code: OTHER_HOSPITAL }), keys.privateKey);
      const signedIn = await post(w.app, signInBody);
      assert.equal(signedIn.body.infcode, 0, signedIn.body.err_msg);
      const sign_no = signedIn.body.output.signinoutb.sign_no;

      const query = signBody(envelope('1101', { data: { mdtrt_cert_type: '02', mdtrt_cert_no: RETIREE.certno } }, { fixmedins_code: OTHER_HOSPITAL, sign_no }), keys.privateKey);
      assert.equal((await post(w.app, query)).body.infcode, 0);
      // The documented canonical text: sorted keys, no whitespace, cainfo left out.
      assert.ok(signedText(query).startsWith('{"cainfo"') === false && signedText(query).startsWith('{"dev_no":""'));

      const tampered = { ...query, input: { data: { mdtrt_cert_type: '02', mdtrt_cert_no: RESIDENT.certno } } };
      const t = await post(w.app, tampered);
      assert.equal(t.body.infcode, -1);
      assert.match(t.body.err_msg, /cainfo/);

      const unsigned = await post(w.app, { ...query, cainfo: '' });
      assert.equal(unsigned.body.infcode, -1);
      assert.match(unsigned.body.err_msg, /cainfo/);

      const foreign = await post(w.app, signBody(envelope('9001', { signIn: {} }, { fixmedins_code: OTHER_HOSPITAL }), stranger.privateKey));
      assert.equal(foreign.body.infcode, -1);

      // A client signing with node:crypto (OpenSSL's empty id) is accepted too.
      const viaNode = envelope('1901', { data: { type: 'INSUTYPE' } }, { fixmedins_code: OTHER_HOSPITAL, sign_no, signtype: 'SM2' });
      const pemKey = crypto.createPrivateKey(keys.privateKey.export({ type: 'pkcs8', format: 'pem' }));
      const nodeSigned = { ...viaNode, cainfo: crypto.sign('sm3', Buffer.from(signedText(viaNode)), pemKey).toString('base64') };
      assert.equal((await post(w.app, nodeSigned)).body.infcode, 0);

      const garbage = await post(w.app, { ...query, cainfo: '!!not base64!!' });
      assert.equal(garbage.body.infcode, -1);
      assert.match(garbage.body.err_msg, /cainfo/);
    } finally {
      await w.db.pool.query(`UPDATE institutions SET sm2_public_key = NULL WHERE fixmedins_code = $1`, [OTHER_HOSPITAL]);
    }
  });
});

describe('other transactions', () => {
  test('unknown infno → -1 listing what is supported', async () => {
    const sign_no = await signInAs(w.app);
    // 3301 (catalog matching upload) is not built.
    const res = await post(w.app, envelope('3301', { data: {} }, { sign_no }));
    assert.equal(res.body.infcode, -1);
    assert.match(res.body.err_msg, /3301/);
    assert.match(res.body.err_msg, /1101/);
  });

  test('1201: the caller by default; by region and type', async () => {
    const sign_no = await signInAs(w.app);
    const self = await post(w.app, envelope('1201', {}, { sign_no }));
    assert.equal(self.body.infcode, 0, self.body.err_msg);
    assert.deepEqual(self.body.output.medinsinfo.map((m: any) => m.fixmedins_code), [HOSPITAL]);
    assert.equal(self.body.output.medinsinfo[0].cross_prov_otp_flag, '1');
    assert.equal(self.body.output.medinsinfo[0].admdvs_name, '石峰区');
    const pharmacies = await post(w.app, envelope('1201', { medinsinfo: { admdvs: '430000', fixmedins_type: 2 } }, { sign_no }));
    assert.deepEqual(pharmacies.body.output.medinsinfo.map((m: any) => m.fixmedins_code), [PHARMACY]);
    const jiangxi = await post(w.app, envelope('1201', { medinsinfo: { admdvs: '360000' } }, { sign_no }));
    assert.deepEqual(jiangxi.body.output.medinsinfo.map((m: any) => m.fixmedins_code), [OTHER_HOSPITAL]);
    const bad = await post(w.app, envelope('1201', { medinsinfo: { fixmedins_type: '7' } }, { sign_no }));
    assert.equal(bad.body.infcode, -1);
    assert.match(bad.body.err_msg, /input\.medinsinfo\.fixmedins_type/);
  });

  test('1901: a code table by type; unknown type → -1', async () => {
    const sign_no = await signInAs(w.app);
    const res = await post(w.app, envelope('1901', { data: { type: 'insutype' } }, { sign_no }));
    assert.equal(res.body.infcode, 0, res.body.err_msg);
    const values = res.body.output.list.map((e: any) => e.value);
    assert.ok(values.includes('310') && values.includes('390'));
    assert.equal(res.body.output.list.find((e: any) => e.value === '390').label, '城乡居民基本医疗保险');
    const unknown = await post(w.app, envelope('1901', { data: { type: 'no_such_dict' } }, { sign_no }));
    assert.equal(unknown.body.infcode, -1);
    assert.match(unknown.body.err_msg, /NO_SUCH_DICT/);
    assert.match(unknown.body.err_msg, /MED_TYPE/);
  });

  test('5310: enrollment and contributions across provinces after a transfer', async () => {
    const sign_no = await signInAs(w.app);
    const res = await post(w.app, envelope('5310', { data: { psn_cert_type: '01', certno: MOVER.certno } }, { sign_no }));
    assert.equal(res.body.infcode, 0, res.body.err_msg);
    const out = res.body.output;
    assert.equal(out.baseinfo.psn_no, MOVER.psn_no);
    assert.deepEqual(
      out.insuhist.map((e: any) => [e.prov_admdvs, e.insuplc_admdvs, e.psn_insu_stas, e.end_date]),
      [
        ['360000', '360400', '4', '2024-03-31'],
        ['430000', '430200', '1', null],
      ],
    );
    assert.equal(out.insuhist[1].trns_from_rlts_id, out.insuhist[0].psn_insu_rlts_id);
    assert.deepEqual(out.clctinfo.map((c: any) => [c.clct_year, c.insuplc_admdvs, c.clct_amt, c.clct_src]), [
      [2023, '360400', 4567.89, 'employer'],
      [2025, '430200', 5000.01, 'employer'],
      [2025, '430200', 1250.29, 'person'],
    ]);
    const byPsnNo = await post(w.app, envelope('5310', { data: { psn_no: MOVER.psn_no, begn_year: '2024' } }, { sign_no }));
    assert.equal(byPsnNo.body.infcode, 0, byPsnNo.body.err_msg);
    assert.equal(byPsnNo.body.output.clctinfo.length, 2);
    const reversed = await post(w.app, envelope('5310', { data: { psn_no: MOVER.psn_no, begn_year: 2025, end_year: 2024 } }, { sign_no }));
    assert.equal(reversed.body.infcode, -1);
    assert.match(reversed.body.err_msg, /end_year/);
  });
});

describe('idempotency and the message log', () => {
  test('a retried 9001 msgid returns the original answer; different content is refused naming the difference', async () => {
    const first = envelope('9001', { signIn: { opter_no: '001', mac: 'AA', ip: '10.0.0.1' } });
    const a = await post(w.app, first);
    assert.equal(a.body.infcode, 0);
    // A retry carries a new inf_time and still gets the same sign-in back.
    const b = await post(w.app, { ...first, inf_time: '2026-03-15 10:00:05' });
    assert.deepEqual(b.body, a.body);
    const rows = await w.db.pool.query(`SELECT count(*)::int AS n FROM gateway_sign_ins WHERE sign_no = $1`, [a.body.output.signinoutb.sign_no]);
    assert.equal(rows.rows[0].n, 1);
    const total = await w.db.pool.query(`SELECT count(*)::int AS n FROM gateway_sign_ins WHERE mac = 'AA'`);
    assert.equal(total.rows[0].n, 1, 'the retry wrote nothing');

    const changed = await post(w.app, { ...first, input: { signIn: { opter_no: '001', mac: 'BB', ip: '10.0.0.1' } } });
    assert.equal(changed.body.infcode, -1);
    assert.match(changed.body.err_msg, /input\.signIn\.mac/);
    assert.match(changed.body.err_msg, /msgid/);

    // The same msgid from another institution is another message.
    const other = await post(w.app, { ...first, fixmedins_code: PHARMACY });
    assert.equal(other.body.infcode, 0);
    assert.notEqual(other.body.output.signinoutb.sign_no, a.body.output.signinoutb.sign_no);
  });

  test('concurrent retries of one msgid sign in once', async () => {
    const msg = envelope('9001', { signIn: { mac: 'CONCURRENT' } });
    const answers = await Promise.all([1, 2, 3, 4].map(() => post(w.app, msg)));
    const signNos = new Set(answers.map((r) => r.body.output.signinoutb?.sign_no));
    assert.equal(signNos.size, 1);
    const n = await w.db.pool.query(`SELECT count(*)::int AS n FROM gateway_sign_ins WHERE mac = 'CONCURRENT'`);
    assert.equal(n.rows[0].n, 1);
  });

  test('a failed write does not hold its msgid; reads are logged but not replayed', async () => {
    const sign_no = await signInAs(w.app);
    const msg = envelope('9002', { signOut: { sign_no: 'nobody' } }, { sign_no });
    assert.equal((await post(w.app, msg)).body.infcode, -1);
    const fixed = await post(w.app, { ...msg, input: { signOut: { sign_no } } });
    assert.equal(fixed.body.infcode, 0, fixed.body.err_msg);

    const read = envelope('1901', { data: { type: 'MED_TYPE' } }, { sign_no: await signInAs(w.app) });
    await post(w.app, read);
    const logged = await w.db.pool.query(`SELECT infno, idempotent, infcode, request FROM gateway_messages WHERE msgid = $1`, [read.msgid]);
    assert.equal(logged.rows.length, 1);
    assert.equal(logged.rows[0].idempotent, false);
    assert.deepEqual(logged.rows[0].request, { infno: '1901', input: { data: { type: 'MED_TYPE' } } });
  });
});
