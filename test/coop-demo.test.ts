import { test } from 'node:test';
import assert from 'node:assert/strict';
import { seedCooperationDemo } from '../src/demo/cooperation.ts';
import { inbox } from '../src/store/cooperation/notifications.ts';
import { freshDatabase } from './support/db.ts';
import { INSTITUTIONS, insertCoopBase, insertPerson } from './support/coop-rows.ts';

test('the cooperation demo adds the 赣湘 agreement, filings, recognitions and delivers notifications', async () => {
  const db = await freshDatabase();
  try {
    await insertCoopBase(db.pool);
    const retiree = await insertPerson(db.pool, '360400');
    const traveller = await insertPerson(db.pool, '430200');
    const patients = [await insertPerson(db.pool, '360400'), await insertPerson(db.pool, '430100', { tel: null })];
    const lines: string[] = [];
    const out = await seedCooperationDemo(db.pool, {
      now: new Date('2026-11-23T02:00:00Z'),
      retiree,
      traveller: { psn_no: traveller.psn_no, destination: '110100' },
      chronic: patients.map((p) => ({ psn_no: p.psn_no, hospital: INSTITUTIONS.jiujiangHospital })),
      pharmacies: [
        { county_admdvs: '430102', fixmedins_code: INSTITUTIONS.changshaPharmacy1 },
        { county_admdvs: '430103', fixmedins_code: INSTITUTIONS.changshaPharmacy2 },
      ],
      log: (l) => lines.push(l),
    });
    assert.equal(out.filings.length, 2);
    assert.equal(out.recognitions.length, 2);
    const ag = await db.pool.query('SELECT count(*)::int AS n FROM agreement_members m JOIN agreements a ON a.id = m.agreement_id WHERE a.agreement_no = $1', [out.agreementNo]);
    assert.equal(ag.rows[0].n, 10);
    const statuses = await db.pool.query('SELECT status FROM filings ORDER BY id');
    assert.deepEqual(statuses.rows.map((r) => r.status), ['effective', 'effective']);
    assert.ok((await inbox(db.pool, retiree.psn_no)).length >= 2);
    assert.ok(out.messagesSent > 0 && lines.some((l) => l.startsWith('[sms')), 'SMS copies went through the logging sender');
    const pending = await db.pool.query("SELECT count(*)::int AS n FROM notifications WHERE delivered_at IS NULL");
    assert.equal(pending.rows[0].n, 0, 'every copy was delivered');
  } finally {
    await db.drop();
  }
});
