import { workerData } from 'node:worker_threads';
import { loadPolicy, settle, type Policy } from '../../engine/index.ts';
import { DIFFERENCES_KEPT, PersonReplay, replayDifferences, StoredReplay, type ReplayRow, type ReplayWorkerData, type VerifyTally } from '../../engine/replay.ts';
import { SimulationTally, type TallyData } from '../../engine/simulation-report.ts';
import { diseaseLookup } from '../../store/shipped-documents.ts';
import { runThread } from '../threads.ts';
import { createPool } from '../../store/db.ts';
import { replayRows, type ReplayFilter, type ReplayShare } from '../../store/settlement/replay.ts';

// One worker thread of a replay of stored settlements (simulation.ts): it reads the rows of its
// share of the persons itself, in person order, in the snapshot the replay exported, and either
// re-settles each under its own policy version and lists what differs from what was stored
// (verify), or re-settles it under its own version (what was paid), the draft and the baseline
// policy when one is given, and tallies the comparison (simulate).

/** What a replay thread is given: its job, the database, the period and its share of the persons. */
export type ReplayThreadData = ReplayWorkerData & { url: string; filter: ReplayFilter; share: ReplayShare };

const data = workerData as ReplayThreadData;

/** The thread's share of the rows, each handed to `each`; `done` told every thousand rows and at the end. */
async function eachRow(each: (row: ReplayRow) => void, done: (n: number) => void): Promise<void> {
  const pool = createPool(data.url, 1);
  try {
    let n = 0;
    for await (const row of replayRows(pool, data.filter, data.share)) {
      each(row);
      if (++n % 1000 === 0) done(1000);
    }
    done(n % 1000);
  } finally {
    await pool.end();
  }
}

const versions = new Map<string, Policy>(data.policies.map((p) => [`${p.policy_id}@${p.version}`, loadPolicy(p.doc, diseaseLookup())]));
const versionOf = (id: string, version: number): Policy | undefined => versions.get(`${id}@${version}`);

if (data.mode === 'verify') {
  const t: VerifyTally = { checked: 0, same: 0, cancellations: 0, not_replayable: 0, different: 0, differences: [] };
  runThread<VerifyTally>(async (done) => {
    await eachRow((row) => {
      if (row.kind === 'cancel') {
        t.cancellations += 1;
        return;
      }
      if (!row.inputs || !row.stored) {
        t.not_replayable += 1;
        return;
      }
      t.checked += 1;
      const key = `${row.policy_id}@${row.policy_version}`;
      const policy = versionOf(row.policy_id, row.policy_version);
      const fields = policy ? replayDifferences(row.stored, settle(policy, row.inputs)) : [{ path: '/policy', stored: key, replayed: null }];
      if (fields.length === 0) t.same += 1;
      else {
        t.different += 1;
        if (t.differences.length < DIFFERENCES_KEPT) t.differences.push({ setl_id: row.setl_id, psn_no: row.psn_no, policy: key, fields: fields.slice(0, 10) });
      }
    }, done);
    return t;
  });
} else {
  const stored = new StoredReplay(versionOf);
  const to = new PersonReplay(loadPolicy(data.to, diseaseLookup()));
  const from = data.from === null ? null : new PersonReplay(loadPolicy(data.from, diseaseLookup()));
  const tally = new SimulationTally();
  let person = '';
  /** The level of each of the person's settlements, for their cancellations (which store no input). */
  const levels = new Map<string, string>();
  runThread<TallyData & { mismatches: number }>(async (done) => {
    await eachRow((row) => {
      if (row.psn_no !== person) {
        person = row.psn_no;
        stored.reset();
        to.reset();
        from?.reset();
        levels.clear();
      }
      const hosp_lv = row.inputs?.visit.hosp_lv ?? levels.get(row.orig_setl_id ?? '') ?? '';
      levels.set(row.setl_id, hosp_lv);
      const paid = stored.next(row);
      if (!paid) {
        tally.skip();
        return;
      }
      const p = row.inputs?.person;
      const claim = { setl_id: row.setl_id, psn_no: row.psn_no, setl_time: row.setl_time, insutype: row.insutype, hosp_lv, month: row.month, retiree: p?.retiree ?? false, identities: p?.identities ?? [] };
      tally.add(claim, from ? from.next(row, paid) : paid, to.next(row, paid));
    }, done);
    return { ...tally.data(), mismatches: stored.mismatches };
  });
}
