import type { Settlement } from '../../engine/index.ts';
import { owedByFund } from '../../engine/clearing.ts';
import { chinaDate } from '../../engine/calendar.ts';
import type { FederationRecord } from '../../store/federation/settlements.ts';
import type { VisitRow } from '../../store/settlement/visits.ts';

// One side's record of a cross-deployment settlement or cancellation (issue 17): the same
// amounts on both sides, so that reconciliation and the hub can match them by fed_id.

export function federationRecord(
  who: Pick<FederationRecord, 'role' | 'peer' | 'fed_id' | 'orig_fed_id' | 'setl_id' | 'peer_setl_id' | 'treatment_mdtrt_id' | 'kind'>,
  visit: Pick<VisitRow, 'psn_no' | 'fixmedins_code' | 'insuplc_admdvs' | 'mdtrtarea_admvs' | 'insutype'>,
  at: Date,
  s: Pick<Settlement, 'setlinfo' | 'setldetail'>,
): FederationRecord {
  const i = s.setlinfo;
  return {
    ...who,
    psn_no: visit.psn_no,
    fixmedins_code: visit.fixmedins_code,
    insuplc_admdvs: visit.insuplc_admdvs,
    mdtrtarea_admvs: visit.mdtrtarea_admvs,
    insutype: visit.insutype,
    setl_time: at,
    clr_month: chinaDate(at).slice(0, 7).replace('-', ''),
    medfee_sumamt: i.medfee_sumamt,
    fund_pay_sumamt: i.fund_pay_sumamt,
    acct_pay: i.acct_pay,
    psn_cash_pay: i.psn_cash_pay,
    owed_fen: i.fund_pay_sumamt + i.acct_pay,
    by_fund: owedByFund(who.kind, s.setldetail, i.acct_pay),
    // As in settlements: a row stands ('settled') until a cancellation marks it 'cancelled'.
    status: 'settled',
  };
}
