import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { buildApp } from '../src/server/app.ts';
import { readConfig } from '../src/server/config.ts';
import { seedAll } from '../src/cli/seed.ts';
import type { Fixtures } from '../src/demo/generate.ts';
import { freshDatabase } from './support/db.ts';
import { envelope, post, signInAs } from './support/gateway-world.ts';
import { assertBooksHold } from './support/settlement-world.ts';

// Issue 2's promise to anyone scripting against the demo: every persona in the committed
// demo/fixtures.json answers 9001 → 1101 on a freshly seeded platform, with its enrollment and
// identities; the cooperation demo (filings, the 赣湘 agreement) comes with the same seed.

const committed = JSON.parse(fs.readFileSync(path.resolve(import.meta.dirname, '../demo/fixtures.json'), 'utf8')) as Fixtures;

test('9001 then 1101 returns every demo persona with its enrollment and identities', async () => {
  const db = await freshDatabase();
  const config = { ...readConfig({}), demoPersons: 60 };
  const fixtures = await seedAll(db.pool, config, () => undefined);
  assert.ok(fixtures, 'a fresh database gets the demo');
  assert.deepEqual(fixtures.personas.map((p) => p.psn_no), committed.personas.map((p) => p.psn_no), 'the committed fixtures describe the seeded personas');
  const app = await buildApp({ pool: db.pool, now: () => new Date('2026-11-23T02:00:00Z') });
  try {
    const hospital = committed.institutions.find((i) => i.key === 'changsha_level3_hospital')!;
    const signNo = await signInAs(app, hospital.fixmedins_code);
    for (const persona of committed.personas) {
      const head = { fixmedins_code: hospital.fixmedins_code, sign_no: signNo, mdtrtarea_admvs: '430100', insuplc_admdvs: persona.insuplc_admdvs };
      const res = await post(app, envelope('1101', { data: { mdtrt_cert_type: '02', mdtrt_cert_no: persona.certno, psn_name: persona.psn_name } }, head));
      assert.equal(res.body.infcode, 0, `${persona.key}: ${res.body.err_msg}`);
      const out = res.body.output;
      assert.equal(out.baseinfo.psn_no, persona.psn_no, persona.key);
      assert.equal(out.baseinfo.psn_name, persona.psn_name, persona.key);
      assert.ok(
        out.insuinfo.some((i: Record<string, unknown>) => i.insutype === persona.insutype && i.insuplc_admdvs === persona.insuplc_admdvs && i.psn_type === persona.psn_type),
        `${persona.key}: insuinfo ${JSON.stringify(out.insuinfo)}`,
      );
      const open = persona.identities.filter((i) => i.endtime === null || i.endtime >= '2026-11-23').map((i) => i.psn_idet_type).sort();
      assert.deepEqual(out.idetinfo.map((i: Record<string, unknown>) => i.psn_idet_type).sort(), open, `${persona.key}: identities`);
    }
    const unknown = await post(app, envelope('1101', { data: { psn_cert_type: '01', certno: '11010519491231002X' } }, { fixmedins_code: hospital.fixmedins_code, sign_no: signNo, mdtrtarea_admvs: '430100' }));
    assert.equal(unknown.body.infcode, -1);
    assert.match(unknown.body.err_msg, /certno/);

    // The cooperation demo: the Jiujiang retiree's long-term filing to Changsha is in force.
    const retiree = committed.personas.find((p) => p.key === 'jiujiang_retiree_in_changsha')!;
    const filing = await db.pool.query("SELECT kind, mdtrtarea_admdvs, status FROM filings WHERE psn_no = $1", [retiree.psn_no]);
    assert.deepEqual(filing.rows, [{ kind: 'resettled_retiree', mdtrtarea_admdvs: '430100', status: 'effective' }]);
    const pharmacies = await db.pool.query('SELECT count(*)::int AS n FROM agreement_pharmacies');
    assert.ok(pharmacies.rows[0].n >= 20, `the agreement names pooling pharmacies in member counties (${pharmacies.rows[0].n})`);

    // Demo settlements, all through the gateway: each one's amounts add up, the books hold,
    // some cross provinces, and the dashboard's pre-aggregated money view has them.
    const setl = await db.pool.query<{ setl_id: string; medfee_sumamt: string; fund_pay_sumamt: string; acct_pay: string; psn_cash_pay: string; hosp_part_amt: string; setlinfo: any; insuplc_admdvs: string; fixmedins_code: string }>(
      `SELECT s.setl_id, s.medfee_sumamt, s.fund_pay_sumamt, s.acct_pay, s.psn_cash_pay, s.hosp_part_amt, s.setlinfo, s.insuplc_admdvs, s.fixmedins_code FROM settlements s WHERE kind = 'settle'`,
    );
    assert.ok(setl.rows.length >= 20, `demo settlements (${setl.rows.length})`);
    for (const s of setl.rows) {
      const psnPart = Number(s.setlinfo.psn_part_amt);
      assert.equal(psnPart, Number(s.acct_pay) + Number(s.psn_cash_pay), `${s.setl_id}: psn_part_amt`);
      assert.equal(Number(s.medfee_sumamt), Number(s.fund_pay_sumamt) + psnPart + Number(s.hosp_part_amt), `${s.setl_id}: medfee_sumamt = fund + person + hospital`);
      assert.ok(Number(s.medfee_sumamt) > 0, `${s.setl_id}: a visit with fees`);
    }
    await assertBooksHold(db.pool);
    const cross = await db.pool.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM settlements s JOIN institutions i ON i.fixmedins_code = s.fixmedins_code WHERE s.kind = 'settle' AND left(s.insuplc_admdvs, 2) <> left(i.admdvs, 2)`,
    );
    assert.ok(cross.rows[0]!.n >= 1, 'at least one cross-province settlement');
    const retireeStay = await db.pool.query(`SELECT 1 FROM settlements WHERE psn_no = $1 AND med_type = '21'`, [retiree.psn_no]);
    assert.equal(retireeStay.rowCount, 1, "the Jiujiang retiree's stay in Changsha is settled");
    const days = await db.pool.query<{ n: number; span: number }>(`SELECT count(DISTINCT setl_time::date)::int AS n, extract(day FROM max(setl_time) - min(setl_time))::int AS span FROM settlements`);
    assert.ok(days.rows[0]!.n >= 5 && days.rows[0]!.span >= 30, `settlements are spread over past days (${JSON.stringify(days.rows[0])})`);
    const chronic = await db.pool.query(`SELECT 1 FROM settlements s JOIN persons p USING (psn_no) WHERE s.med_type = '14' AND p.psn_no = $1`, [committed.personas.find((p) => p.key === 'changde_elder_hypertension')!.psn_no]);
    assert.equal(chronic.rowCount, 1, 'the recognised hypertension persona has a chronic-disease visit settled');
    const daily = await db.pool.query<{ n: number }>('SELECT count(*)::int AS n FROM dashboard_settlement_daily');
    assert.ok(daily.rows[0]!.n > 0, 'the dashboard has settlement days');
  } finally {
    await app.close();
    await db.drop();
  }
});
