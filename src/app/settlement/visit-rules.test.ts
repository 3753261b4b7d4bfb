import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { YibaoError } from '../../engine/errors.ts';
import { inTransaction } from '../../store/db.ts';
import { insertVisit, type VisitRow } from '../../store/settlement/visits.ts';
import { freshDatabase, type TestDatabase } from '../../../test/support/db.ts';
import { HOSPITAL, MOVER, NOW, PHARMACY, RESIDENT, seedRegistry } from '../../../test/support/gateway-world.ts';
import { requireStatus, requireVisit, type Caller } from './visit.ts';

// Who may act on a visit and when (src/app/settlement/visit.ts), against a real database:
// another institution's visit does not exist for the caller, another person's is refused, the
// row is locked when asked, and a status that does not allow the action is a conflict naming it.

let db: TestDatabase;
let mdtrtId: string;
const caller = (fixmedins_code: string): Caller => ({ fixmedins_code, fixmedins_type: '1', hosp_lv: '3', admdvs: '430204', now: NOW, msgid: 'm1' });

before(async () => {
  db = await freshDatabase();
  await seedRegistry(db.pool);
  mdtrtId = await insertVisit(db.pool, {
    kind: 'outpatient', status: 'open', psn_no: RESIDENT.psn_no, insutype: '390', psn_type: '1501', fixmedins_code: HOSPITAL, hosp_lv: '3',
    mdtrtarea_admvs: '430200', insuplc_admdvs: '430200', med_type: '11', begntime: NOW, endtime: null, ipt_otp_no: null, mdtrt_cert_type: null,
    mdtrt_cert_no: null, emergency_flag: false, dise_codes: [], cross_region_status: '0', eligibility: {}, info: {},
  }, NOW);
});
after(async () => db.drop());

function refusal(f: () => unknown): YibaoError {
  try {
    f();
  } catch (e) {
    assert.ok(e instanceof YibaoError, String(e));
    return e;
  }
  assert.fail('expected a refusal');
}
async function refused(work: Promise<unknown>): Promise<YibaoError> {
  const err = await work.then(() => undefined, (e: unknown) => e);
  assert.ok(err instanceof YibaoError, `expected a refusal, got ${String(err)}`);
  return err;
}

test("the caller's own visit, with its person; with or without the person's number", async () => {
  const v = await requireVisit(db.pool, caller(HOSPITAL), mdtrtId, RESIDENT.psn_no, 'input.data', false);
  assert.equal(v.mdtrt_id, mdtrtId);
  assert.equal(v.person.certno, RESIDENT.certno);
  assert.equal((await requireVisit(db.pool, caller(HOSPITAL), mdtrtId, undefined, 'input.data', false)).psn_no, RESIDENT.psn_no);
});

test("another institution's visit is not found for the caller, as an unknown one is", async () => {
  for (const [who, id] of [[PHARMACY, mdtrtId], [HOSPITAL, '999999999']] as const) {
    const err = await refused(requireVisit(db.pool, caller(who), id, undefined, 'input.data', false));
    assert.equal(err.kind, 'not_found');
    assert.deepEqual(err.details, [{ field: 'input.data.mdtrt_id', zh: `本机构无就诊 ${id}`, en: `no visit ${id} at this institution` }]);
  }
});

test("another person's number is refused naming psn_no", async () => {
  const err = await refused(requireVisit(db.pool, caller(HOSPITAL), mdtrtId, MOVER.psn_no, 'input.feedetail[0]', false));
  assert.equal(err.kind, 'invalid');
  assert.deepEqual(err.details, [{ field: 'input.feedetail[0].psn_no', zh: `人员 ${MOVER.psn_no} 与就诊 ${mdtrtId} 不符`, en: `person ${MOVER.psn_no} does not match visit ${mdtrtId}` }]);
});

test('asked to lock, the visit row stays locked until the transaction ends', async () => {
  await inTransaction(db.pool, async (q) => {
    await requireVisit(q, caller(HOSPITAL), mdtrtId, undefined, 'input.data', true);
    const other = await db.pool.query('SELECT 1 FROM visits WHERE mdtrt_id = $1 FOR UPDATE NOWAIT', [mdtrtId]).then(() => 'not locked', (e: unknown) => (e as Error).message);
    assert.match(other, /could not obtain lock/);
  });
});

test("a status that does not allow the action is a conflict naming the visit's status in both languages", () => {
  const visit = (status: VisitRow['status']): VisitRow => ({ mdtrt_id: '42', status } as VisitRow);
  requireStatus(visit('open'), ['open'], 'input.data', { zh: '结算', en: 'settle' });
  requireStatus(visit('discharged'), ['open', 'discharged'], 'input.data', { zh: '结算', en: 'settle' });
  const cases: Array<[VisitRow['status'], string]> = [['open', '就诊中'], ['discharged', '已出院'], ['settled', '已结算'], ['cancelled', '已撤销']];
  for (const [status, zh] of cases) {
    const err = refusal(() => requireStatus(visit(status), status === 'open' ? ['discharged'] : ['open'], 'input.data', { zh: '撤销挂号', en: 'cancel the registration' }));
    assert.equal(err.kind, 'conflict');
    assert.deepEqual(err.details, [{ field: 'input.data.mdtrt_id', zh: `就诊 42 ${zh}，不能撤销挂号`, en: `visit 42 is ${status}; cannot cancel the registration` }]);
  }
});
