import { workerData } from 'node:worker_threads';
import { loadPolicy, settle, type Policy } from '../../engine/index.ts';
import { DIFFERENCES_KEPT, engineInput, PersonReplay, replayDifferences, StoredReplay, type ReplayRow, type ReplayWorkerData, type VerifyTally } from '../../engine/replay.ts';
import { SimulationTally, type TallyData } from '../../engine/simulation-report.ts';
import { diseaseLookup } from '../../store/shipped-documents.ts';
import { serveBatches } from '../threads.ts';

// One worker thread of a replay of stored settlements (simulation.ts): it is sent every row of
// the persons hashed to it, in person order, and either re-settles each under its own policy
// version and lists what differs from what was stored (verify), or re-settles it under its own
// version (what was paid), the draft and the baseline policy when one is given, and tallies the
// comparison (simulate).

const data = workerData as ReplayWorkerData;
/** A row as sent, its stored input made whole for the engine. */
function parse(text: string): ReplayRow {
  const row = JSON.parse(text) as ReplayRow;
  return row.inputs ? { ...row, inputs: engineInput(row.inputs) } : row;
}
const versions = new Map<string, Policy>(data.policies.map((p) => [`${p.policy_id}@${p.version}`, loadPolicy(p.doc, diseaseLookup())]));
const versionOf = (id: string, version: number): Policy | undefined => versions.get(`${id}@${version}`);

if (data.mode === 'verify') {
  const t: VerifyTally = { checked: 0, same: 0, cancellations: 0, not_replayable: 0, different: 0, differences: [] };
  serveBatches<VerifyTally>((items) => {
    for (const text of items) {
      const row = parse(text);
      if (row.kind === 'cancel') {
        t.cancellations += 1;
        continue;
      }
      if (!row.inputs || !row.stored) {
        t.not_replayable += 1;
        continue;
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
    }
  }, () => t);
} else {
  const stored = new StoredReplay(versionOf);
  const to = new PersonReplay(loadPolicy(data.to, diseaseLookup()));
  const from = data.from === null ? null : new PersonReplay(loadPolicy(data.from, diseaseLookup()));
  const tally = new SimulationTally();
  let person = '';
  /** The level of each of the person's settlements, for their cancellations (which store no input). */
  const levels = new Map<string, string>();
  serveBatches<TallyData & { mismatches: number }>((items) => {
    for (const text of items) {
      const row = parse(text);
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
      const p = row.inputs?.person;
      const claim = { setl_id: row.setl_id, psn_no: row.psn_no, setl_time: row.setl_time, insutype: row.insutype, hosp_lv, month: row.month, retiree: p?.retiree ?? false, identities: p?.identities ?? [] };
      if (!paid) {
        tally.skip();
        continue;
      }
      tally.add(claim, from ? from.next(row, paid) : paid, to.next(row, paid));
    }
  }, () => ({ ...tally.data(), mismatches: stored.mismatches }));
}
