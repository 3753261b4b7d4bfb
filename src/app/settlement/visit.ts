import { conflict, invalid, notFound } from '../../engine/errors.ts';
import type { Queryable } from '../../store/db.ts';
import { findVisit, type VisitRow, type VisitWithPerson } from '../../store/settlement/visits.ts';

// Who may act on a visit, and when: the rules every settlement transaction applies before it
// touches a visit (its institution, its person, a status that allows the action). The store
// reads the row (findVisit, locked when asked); the decisions are here.

/** The calling institution as the gateway authenticated it, with the message's clock and msgid. */
export interface Caller {
  fixmedins_code: string;
  fixmedins_type: string;
  hosp_lv: string;
  admdvs: string;
  now: Date;
  msgid: string;
}

/** The visit named by an input, checked to be this institution's and this person's. */
export async function requireVisit(q: Queryable, caller: Caller, mdtrtId: string, psnNo: string | undefined, path: string, lock: boolean): Promise<VisitWithPerson> {
  const v = await findVisit(q, mdtrtId, lock);
  if (!v || v.fixmedins_code !== caller.fixmedins_code) {
    throw notFound(`${path}.mdtrt_id`, `本机构无就诊 ${mdtrtId}`, `no visit ${mdtrtId} at this institution`);
  }
  if (psnNo !== undefined && psnNo !== v.psn_no) throw invalid(`${path}.psn_no`, `人员 ${psnNo} 与就诊 ${mdtrtId} 不符`, `person ${psnNo} does not match visit ${mdtrtId}`);
  return v;
}

/** The visit's status allows the action, or a conflict (409) naming the status in both languages. */
export function requireStatus(v: VisitRow, allowed: readonly string[], path: string, action: { zh: string; en: string }): void {
  if (allowed.includes(v.status)) return;
  const zh: Record<string, string> = { open: '就诊中', discharged: '已出院', settled: '已结算', cancelled: '已撤销' };
  throw conflict(`${path}.mdtrt_id`, `就诊 ${v.mdtrt_id} ${zh[v.status]}，不能${action.zh}`, `visit ${v.mdtrt_id} is ${v.status}; cannot ${action.en}`);
}
