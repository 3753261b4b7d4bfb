// The daily reconciliation between two deployments (issue 17, docs/federation.md): both sides'
// records of their cross-deployment settlements over a period, matched by fed_id. A pair
// agrees when the amounts, the kind, the status and the month are the same and each names
// the other's setl_id.

export interface ReconciledRecord {
  fed_id: string;
  kind: 'settle' | 'cancel';
  orig_fed_id: string | null;
  setl_id: string;
  peer_setl_id: string;
  treatment_mdtrt_id: string;
  clr_month: string;
  medfee_sumamt: number;
  fund_pay_sumamt: number;
  acct_pay: number;
  psn_cash_pay: number;
  owed_fen: number;
  by_fund: Record<string, number>;
  status: 'settled' | 'cancelled';
}

export interface Reconciliation {
  matched: number;
  /** Present on both sides but not the same: the fields that differ. */
  differing: Array<{ fed_id: string; fields: string[] }>;
  /** Only this side has them. */
  only_here: ReconciledRecord[];
  /** Only the other side has them. */
  only_there: ReconciledRecord[];
}

const COMPARED = ['kind', 'orig_fed_id', 'clr_month', 'medfee_sumamt', 'fund_pay_sumamt', 'acct_pay', 'psn_cash_pay', 'owed_fen', 'status', 'treatment_mdtrt_id'] as const;

function sameFunds(a: Record<string, number>, b: Record<string, number>): boolean {
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  for (const k of keys) if ((a[k] ?? 0) !== (b[k] ?? 0)) return false;
  return true;
}

export function reconcile(here: readonly ReconciledRecord[], there: readonly ReconciledRecord[]): Reconciliation {
  const theirs = new Map(there.map((r) => [r.fed_id, r]));
  const out: Reconciliation = { matched: 0, differing: [], only_here: [], only_there: [] };
  for (const r of here) {
    const t = theirs.get(r.fed_id);
    if (!t) {
      out.only_here.push(r);
      continue;
    }
    theirs.delete(r.fed_id);
    const fields: string[] = COMPARED.filter((k) => String(r[k]) !== String(t[k]));
    if (!sameFunds(r.by_fund, t.by_fund)) fields.push('by_fund');
    if (r.peer_setl_id !== t.setl_id || r.setl_id !== t.peer_setl_id) fields.push('setl_id');
    if (fields.length === 0) out.matched += 1;
    else out.differing.push({ fed_id: r.fed_id, fields });
  }
  out.only_there = [...theirs.values()];
  return out;
}
