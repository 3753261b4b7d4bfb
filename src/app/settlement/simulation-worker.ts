import { workerData } from 'node:worker_threads';
import { loadPolicy, settle, type Policy } from '../../engine/index.ts';
import { DIFFERENCES_KEPT, PersonReplay, replayDifferences, storedOutcome, type ReplayRow, type ReplayWorkerData, type VerifyTally } from '../../engine/replay.ts';
import { SimulationTally, type TallyData } from '../../engine/simulation-report.ts';
import { diseaseLookup } from '../../store/shipped-documents.ts';
import { serveBatches } from '../threads.ts';

// One worker thread of a replay of stored settlements (simulation.ts): it is sent every row of
// the persons hashed to it, in person order, and either re-settles each under its own policy
// version and lists what differs (verify), or prices each under the draft (and the baseline
// policy, when one is given) and tallies the comparison (simulate).

const data = workerData as ReplayWorkerData;

const parse = (text: string): ReplayRow => JSON.parse(text) as ReplayRow;

if (data.mode === 'verify') {
  const policies = new Map<string, Policy>(data.policies.map((p) => [`${p.policy_id}@${p.version}`, loadPolicy(p.doc, diseaseLookup())]));
  const t: VerifyTally = { checked: 0, same: 0, cancellations: 0, not_replayable: 0, different: 0, differences: [] };
  serveBatches<VerifyTally>((items) => {
    for (const text of items) {
      const row = parse(text);
      if (row.kind === 'cancel') {
        t.cancellations += 1;
        continue;
      }
      const input = row.inputs;
      if (!input) {
        t.not_replayable += 1;
        continue;
      }
      t.checked += 1;
      const key = `${row.policy_id}@${row.policy_version}`;
      const policy = policies.get(key);
      const fields = policy ? replayDifferences(row, settle(policy, input)) : [{ path: '/policy', stored: key, replayed: null }];
      if (fields.length === 0) t.same += 1;
      else {
        t.different += 1;
        if (t.differences.length < DIFFERENCES_KEPT) t.differences.push({ setl_id: row.setl_id, psn_no: row.psn_no, policy: key, fields: fields.slice(0, 10) });
      }
    }
  }, () => t);
} else {
  const to = new PersonReplay(loadPolicy(data.to, diseaseLookup()));
  const from = data.from === null ? null : new PersonReplay(loadPolicy(data.from, diseaseLookup()));
  const tally = new SimulationTally();
  let person = '';
  /** The level of each of the person's settlements, for their cancellations (which store no input). */
  const levels = new Map<string, string>();
  serveBatches<TallyData>((items) => {
    for (const text of items) {
      const row = parse(text);
      if (row.psn_no !== person) {
        person = row.psn_no;
        to.reset();
        from?.reset();
        levels.clear();
      }
      const hosp_lv = row.inputs?.visit.hosp_lv ?? levels.get(row.orig_setl_id ?? '') ?? '';
      levels.set(row.setl_id, hosp_lv);
      const a = from ? from.next(row) : storedOutcome(row);
      const b = to.next(row);
      const p = row.inputs?.person;
      tally.add({ setl_id: row.setl_id, psn_no: row.psn_no, setl_time: row.setl_time, insutype: row.insutype, hosp_lv, month: row.month, retiree: p?.retiree ?? false, identities: p?.identities ?? [] }, a, b);
    }
  }, () => tally.data());
}
