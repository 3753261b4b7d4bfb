import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { YibaoError } from '../errors.ts';
import { accountOf, checkTransfer } from '../ledger.ts';
import {
  canonicalRecords, checkReport, clearHub, hubClearingLegs, hubMovement, matchRecords, monthOf, reportTotal, statementMismatch,
  type HeldRecord, type HubRecord, type OwnClearedRecord,
} from './hub-clearing.ts';

// The hub's matching and netting (docs/federation.md "Hub clearing"), on hand-made records and
// on generated ones: nets sum to zero, the net of a pair is the difference of its two gross
// amounts, every matched fed_id is cleared once (on both sides' statements), and a record only
// one side reported, or reported differently, is never cleared.

const DIR = [
  { id: 'jiangxi', role: 'deployment' as const },
  { id: 'hunan', role: 'deployment' as const },
  { id: 'hubei', role: 'deployment' as const },
  { id: 'hub', role: 'hub' as const },
];
const DEPLOYMENTS = ['hubei', 'hunan', 'jiangxi'];
const REGION: Record<string, string> = { jiangxi: '360400', hunan: '430200', hubei: '420100' };

function rec(fedId: string, role: 'treatment' | 'insured', peer: string, owed: number, over: Partial<HubRecord> = {}): HubRecord {
  const kind = owed < 0 ? 'cancel' : 'settle';
  return {
    fed_id: fedId, role, peer, kind, orig_fed_id: kind === 'cancel' ? fedId.replace(/:cancel$/, '') : null, owed_fen: owed, by_fund: owed === 0 ? {} : { '310100': owed },
    medfee_sumamt: Math.abs(owed) + 500, fund_pay_sumamt: Math.abs(owed), acct_pay: 0, psn_cash_pay: 500, setl_time: '2026-12-10T02:00:00.000Z', ...over,
  };
}
const held = (deployment: string, r: HubRecord): HeldRecord => ({ ...r, deployment });
/** Both sides of one settlement: the treatment side's record and the insured side's. */
function both(t: string, i: string, fedId: string, owed: number): HeldRecord[] {
  return [held(t, rec(fedId, 'treatment', i, owed)), held(i, rec(fedId, 'insured', t, owed))];
}

test('two deployments: matched both ways, netted, one statement each', () => {
  const records = [
    ...both('hunan', 'jiangxi', 'hunan:M1:1', 15000), // a Jiangxi person treated in Hunan: Jiangxi owes Hunan 150.00
    ...both('hunan', 'jiangxi', 'hunan:M2:1', 5000),
    ...both('jiangxi', 'hunan', 'jiangxi:M9:1', 8000), // a Hunan person treated in Jiangxi
  ];
  const c = clearHub('202612', ['hunan', 'jiangxi'], records, new Set(['hunan', 'jiangxi']));
  assert.equal(c.matched.length, 3);
  assert.deepEqual(c.exceptions, []);
  assert.deepEqual(c.positions, [{ deployment: 'hunan', net_fen: 12000 }, { deployment: 'jiangxi', net_fen: -12000 }]);
  const [hunan, jiangxi] = c.statements;
  assert.deepEqual(hunan!.lines, [{ counterparty: 'jiangxi', owed_to_it_fen: 20000, it_owes_fen: 8000, net_fen: 12000, count: 3 }]);
  assert.deepEqual(jiangxi!.lines, [{ counterparty: 'hunan', owed_to_it_fen: 8000, it_owes_fen: 20000, net_fen: -12000, count: 3 }]);
  assert.deepEqual(hunan!.cleared.map((x) => `${x.fed_id} ${x.role}`), ['hunan:M1:1 treatment', 'hunan:M2:1 treatment', 'jiangxi:M9:1 insured']);
});

test('exceptions: one side only, amounts that differ, a deployment that did not report, two claiming the insured side: none cleared', () => {
  const records = [
    ...both('hunan', 'jiangxi', 'hunan:OK:1', 1000),
    held('hunan', rec('hunan:ALONE:1', 'treatment', 'jiangxi', 2000)),
    held('hunan', rec('hunan:DIFF:1', 'treatment', 'jiangxi', 3000)),
    held('jiangxi', rec('hunan:DIFF:1', 'insured', 'hunan', 2990)),
    held('hunan', rec('hunan:FUND:1', 'treatment', 'jiangxi', 3000, { by_fund: { '310100': 2000, '310200': 1000 } })),
    held('jiangxi', rec('hunan:FUND:1', 'insured', 'hunan', 3000)),
    held('hubei', rec('hunan:TWO:1', 'insured', 'hunan', 700)),
    held('jiangxi', rec('hunan:TWO:1', 'insured', 'hunan', 700)),
  ];
  const c = clearHub('202612', DEPLOYMENTS, records, new Set(['hunan', 'jiangxi']));
  assert.deepEqual(c.matched.map((m) => m.fed_id), ['hunan:OK:1']);
  const kinds = c.exceptions.map((e) => ('fed_id' in e ? `${e.kind} ${e.fed_id}` : `${e.kind} ${e.deployment}`));
  assert.deepEqual(kinds, ['one_side hunan:ALONE:1', 'differs hunan:DIFF:1', 'differs hunan:FUND:1', 'inconsistent hunan:TWO:1', 'not_reported hubei']);
  const diff = c.exceptions.find((e) => e.kind === 'differs' && e.fed_id === 'hunan:DIFF:1');
  assert.deepEqual(diff && diff.kind === 'differs' ? diff.fields : [], ['owed_fen', 'by_fund', 'medfee_sumamt', 'fund_pay_sumamt']);
  assert.deepEqual(c.positions.map((p) => p.net_fen), [0, 1000, -1000]);
  // Each statement lists the exceptions that concern it: hubei's own missing report, and the one it is part of.
  const hubei = c.statements.find((s) => s.deployment === 'hubei')!;
  assert.deepEqual(hubei.exceptions.map((e) => e.kind), ['inconsistent', 'not_reported']);
  const jiangxi = c.statements.find((s) => s.deployment === 'jiangxi')!;
  assert.equal(jiangxi.exceptions.length, 4, 'alone, two differing, two claiming; hubei\'s missing report is not its concern (no record of it names hubei)');
  const alone = c.exceptions.find((e) => e.kind === 'one_side');
  assert.equal(alone?.kind === 'one_side' && alone.peer_reported, true);
});

test('a report: the sender reports only its own records, every mistake named', () => {
  const good = { month: '202612', deployment: 'hunan', records: [rec('hunan:M1:1', 'treatment', 'jiangxi', 1000), rec('jiangxi:M2:1', 'insured', 'jiangxi', 400)], count: 2, total: 600 };
  const r = checkReport(good, 'hunan', DIR);
  assert.equal(r.total, 600);
  assert.equal(reportTotal(r.records), 600);
  const refused = (body: unknown, sender = 'hunan'): string => {
    try {
      checkReport(body, sender, DIR);
    } catch (e) {
      assert.ok(e instanceof YibaoError);
      return `${e.kind} ${e.details[0]!.field}`;
    }
    return 'accepted';
  };
  assert.equal(refused(good, 'jiangxi'), 'forbidden body.deployment');
  assert.equal(refused({ ...good, records: [rec('hunan:M1:1', 'treatment', 'hub', 1000)], count: 1, total: 1000 }), 'forbidden body.records[0].peer');
  assert.equal(refused({ ...good, records: [rec('hunan:M1:1', 'treatment', 'hunan', 1000)], count: 1, total: 1000 }), 'forbidden body.records[0].peer');
  assert.equal(refused({ ...good, records: [rec('hunan:M1:1', 'treatment', 'nowhere', 1000)], count: 1, total: 1000 }), 'forbidden body.records[0].peer');
  assert.equal(refused({ ...good, records: [rec('jiangxi:M1:1', 'treatment', 'jiangxi', 1000)], count: 1, total: 1000 }), 'forbidden body.records[0].fed_id');
  assert.equal(refused({ ...good, records: [rec('hubei:M1:1', 'insured', 'jiangxi', 1000)], count: 1, total: 1000 }), 'forbidden body.records[0].fed_id');
  assert.equal(refused({ ...good, count: 3 }), 'invalid body.count');
  assert.equal(refused({ ...good, total: 1600 }), 'invalid body.total');
  assert.equal(refused({ ...good, month: '202613' }), 'invalid body.month');
  assert.equal(refused({ ...good, records: [rec('hunan:M1:1', 'treatment', 'jiangxi', 1000, { setl_time: '2026-12-31T16:00:00Z' })], count: 1, total: 1000 }), 'invalid body.records[0].setl_time');
  assert.equal(refused({ ...good, records: [rec('hunan:M1:1', 'treatment', 'jiangxi', 1000, { by_fund: { '310100': 999 } })], count: 1, total: 1000 }), 'invalid body.records[0].by_fund');
  assert.equal(refused({ ...good, records: [rec('hunan:M1:1', 'treatment', 'jiangxi', 10.5)], count: 1, total: 10.5 }), 'invalid body.records[0].owed_fen');
  assert.equal(refused({ ...good, records: [good.records[0], good.records[0]], count: 2, total: 2000 }), 'invalid body.records[1].fed_id');
  // An earlier month's record rides along (late, or carried); the China-time month of an instant.
  assert.equal(refused({ ...good, records: [rec('hunan:M1:1', 'treatment', 'jiangxi', 1000, { setl_time: '2026-10-01T00:00:00Z' })], count: 1, total: 1000 }), 'accepted');
  assert.equal(monthOf(new Date('2026-11-30T16:00:00Z')), '202612');
  assert.equal(monthOf(new Date('2026-11-30T15:59:59Z')), '202611');
});

test('the canonical text of a report does not depend on the order of its records or of by_fund\'s keys', () => {
  const a = rec('hunan:A:1', 'treatment', 'jiangxi', 3000, { by_fund: { '310100': 2000, '310200': 1000 } });
  const b = rec('hunan:B:1', 'treatment', 'jiangxi', 100);
  const a2 = { ...a, by_fund: { '310200': 1000, '310100': 2000 }, setl_time: '2026-12-10T10:00:00+08:00' };
  assert.equal(canonicalRecords([a, b]), canonicalRecords([b, a2]));
  assert.notEqual(canonicalRecords([a, b]), canonicalRecords([a, { ...b, owed_fen: 101, by_fund: { '310100': 101 } }]));
});

test('the legs of a statement: owed_to gives to the hub, owed_by receives from it; the hub moves by minus the net', () => {
  const own: OwnClearedRecord[] = [
    { fed_id: 'hunan:M1:1', role: 'insured', peer: 'hunan', owed_fen: 15000, insuplc_admdvs: '360400', mdtrtarea_admvs: '430200' },
    { fed_id: 'hunan:M2:1', role: 'insured', peer: 'hunan', owed_fen: 5000, insuplc_admdvs: '360400', mdtrtarea_admvs: '430200' },
    { fed_id: 'hunan:M2:1:cancel', role: 'insured', peer: 'hunan', owed_fen: -5000, insuplc_admdvs: '360400', mdtrtarea_admvs: '430200' },
    { fed_id: 'jiangxi:M9:1', role: 'treatment', peer: 'hunan', owed_fen: 8000, insuplc_admdvs: '430200', mdtrtarea_admvs: '360400' },
  ];
  const legs = hubClearingLegs('hub', own);
  assert.deepEqual(legs, [
    { debit: 'owed_by:360400:430200', credit: 'hub:hub', amount: 8000 },
    { debit: 'hub:hub', credit: 'owed_to:360400:430200', amount: 15000 },
  ]);
  assert.equal(hubMovement('hub', legs), 7000); // Jiangxi's net is −7000: it owes the hub 70.00
  const t = checkTransfer({ kind: 'hub_clearing', key: 'hub_clearing:202612:1', cause: { kind: 'hub_statement', id: 'hub:1' }, legs, reverses: null, memo: null });
  assert.equal(t.amount, 23000);
  assert.equal(accountOf('hub:nat-hub')?.kind, 'hub');
  assert.equal(accountOf('hub:Nat'), undefined);
  // More cancelled than settled: the leg runs the other way.
  assert.deepEqual(hubClearingLegs('hub', [{ ...own[2]! }]), [{ debit: 'owed_to:360400:430200', credit: 'hub:hub', amount: 5000 }]);
});

test('a statement that does not match the deployment\'s own records is named line by line', () => {
  const c = clearHub('202612', ['hunan', 'jiangxi'], [...both('hunan', 'jiangxi', 'hunan:M1:1', 15000), ...both('jiangxi', 'hunan', 'jiangxi:M9:1', 8000)], new Set(['hunan', 'jiangxi']));
  const s = c.statements.find((x) => x.deployment === 'jiangxi')!;
  const own = new Map<string, OwnClearedRecord>([
    ['hunan:M1:1', { fed_id: 'hunan:M1:1', role: 'insured', peer: 'hunan', owed_fen: 15000, insuplc_admdvs: '360400', mdtrtarea_admvs: '430200' }],
    ['jiangxi:M9:1', { fed_id: 'jiangxi:M9:1', role: 'treatment', peer: 'hunan', owed_fen: 8000, insuplc_admdvs: '430200', mdtrtarea_admvs: '360400' }],
  ]);
  assert.deepEqual(statementMismatch(s, own), []);
  const changed = new Map(own);
  changed.set('hunan:M1:1', { ...own.get('hunan:M1:1')!, owed_fen: 14000 });
  assert.equal(statementMismatch(s, changed).length, 2, 'the record and its line');
  const missing = new Map(own);
  missing.delete('jiangxi:M9:1');
  assert.match(statementMismatch(s, missing)[0]!.en, /does not hold/);
  assert.match(statementMismatch({ ...s, net_fen: 0 }, own)[0]!.en, /net position/);
  assert.match(statementMismatch({ ...s, cleared: [...s.cleared, s.cleared[0]!] }, own)[0]!.en, /twice/);
});

// ---- generated records ------------------------------------------------------------------

type Fate = 'both' | 'treatment_only' | 'insured_only' | 'differs';
const settlement = fc.record({
  t: fc.constantFrom(...DEPLOYMENTS),
  shift: fc.integer({ min: 1, max: DEPLOYMENTS.length - 1 }),
  owed: fc.integer({ min: -50_000, max: 200_000 }),
  fate: fc.constantFrom<Fate>('both', 'both', 'both', 'treatment_only', 'insured_only', 'differs'),
});

test('property: nets sum to zero, a pair\'s net is its gross difference, a match is cleared once on both statements, an exception never', () => {
  fc.assert(fc.property(fc.array(settlement, { maxLength: 60 }), fc.subarray(DEPLOYMENTS), (gen, silent) => {
    const records: HeldRecord[] = [];
    const fates = new Map<string, Fate>();
    gen.forEach((g, n) => {
      const i = DEPLOYMENTS[(DEPLOYMENTS.indexOf(g.t) + g.shift) % DEPLOYMENTS.length]!;
      const fedId = `${g.t}:V${n}:1`;
      fates.set(fedId, g.fate);
      if (g.fate !== 'insured_only') records.push(held(g.t, rec(fedId, 'treatment', i, g.owed)));
      if (g.fate !== 'treatment_only') records.push(held(i, rec(fedId, 'insured', g.t, g.fate === 'differs' ? g.owed + 1 : g.owed)));
    });
    const reporters = new Set(DEPLOYMENTS.filter((d) => !silent.includes(d)));
    const c = clearHub('202612', DEPLOYMENTS, records, reporters);
    assert.equal(c.positions.reduce((a, p) => a + p.net_fen, 0), 0);
    // Gross per ordered pair, straight from the generated settlements that both sides reported alike.
    const gross = new Map<string, number>();
    for (const m of c.matched) gross.set(`${m.insured}>${m.treatment}`, (gross.get(`${m.insured}>${m.treatment}`) ?? 0) + m.owed_fen);
    for (const s of c.statements) {
      for (const l of s.lines) {
        assert.equal(l.net_fen, (gross.get(`${l.counterparty}>${s.deployment}`) ?? 0) - (gross.get(`${s.deployment}>${l.counterparty}`) ?? 0));
        const mirror = c.statements.find((x) => x.deployment === l.counterparty)!.lines.find((x) => x.counterparty === s.deployment)!;
        assert.equal(mirror.net_fen + l.net_fen, 0);
        assert.equal(mirror.owed_to_it_fen, l.it_owes_fen);
      }
      assert.equal(s.net_fen, s.lines.reduce((a, l) => a + l.net_fen, 0));
    }
    const clearedOn = new Map<string, string[]>();
    for (const s of c.statements) for (const x of s.cleared) clearedOn.set(x.fed_id, [...(clearedOn.get(x.fed_id) ?? []), `${s.deployment}/${x.role}`]);
    for (const [fedId, fate] of fates) {
      if (fate === 'both') {
        assert.equal(c.matched.filter((m) => m.fed_id === fedId).length, 1, `${fedId} matched once`);
        assert.equal(clearedOn.get(fedId)?.length, 2, `${fedId} cleared on both sides' statements`);
        assert.deepEqual(clearedOn.get(fedId)!.map((x) => x.split('/')[1]).sort(), ['insured', 'treatment']);
      } else {
        assert.equal(clearedOn.has(fedId), false, `${fedId} (${fate}) is not cleared`);
        assert.equal(c.exceptions.filter((e) => 'fed_id' in e && e.fed_id === fedId).length, 1, `${fedId} is one exception`);
      }
    }
    assert.deepEqual(c.exceptions.filter((e) => e.kind === 'not_reported').map((e) => (e.kind === 'not_reported' ? e.deployment : '')), [...silent].sort());
    // Each deployment's own records make its statement fit, and its legs move the hub by minus its net.
    for (const s of c.statements) {
      const own = new Map<string, OwnClearedRecord>(records.filter((r) => r.deployment === s.deployment).map((r) => [r.fed_id, {
        fed_id: r.fed_id, role: r.role, peer: r.peer, owed_fen: r.owed_fen,
        insuplc_admdvs: REGION[r.role === 'insured' ? s.deployment : r.peer]!, mdtrtarea_admvs: REGION[r.role === 'treatment' ? s.deployment : r.peer]!,
      }]));
      assert.deepEqual(statementMismatch(s, own), []);
      assert.equal(hubMovement('hub', hubClearingLegs('hub', s.cleared.map((x) => own.get(x.fed_id)!))) + s.net_fen, 0);
    }
  }), { numRuns: 300 });
});

test('property: matching does not depend on the order the records arrive in', () => {
  fc.assert(fc.property(fc.array(settlement, { maxLength: 30 }), fc.integer(), (gen, seed) => {
    const records: HeldRecord[] = gen.flatMap((g, n) => {
      const i = DEPLOYMENTS[(DEPLOYMENTS.indexOf(g.t) + g.shift) % DEPLOYMENTS.length]!;
      return g.fate === 'treatment_only' ? [held(g.t, rec(`${g.t}:V${n}:1`, 'treatment', i, g.owed))] : both(g.t, i, `${g.t}:V${n}:1`, g.owed);
    });
    const shuffled = [...records].sort((a, b) => ((a.fed_id + a.deployment + seed).length % 3) - ((b.fed_id + b.deployment + seed).length % 3) || (a.deployment < b.deployment ? 1 : -1));
    assert.deepEqual(matchRecords(shuffled, new Set(DEPLOYMENTS)), matchRecords(records, new Set(DEPLOYMENTS)));
  }), { numRuns: 100 });
});
