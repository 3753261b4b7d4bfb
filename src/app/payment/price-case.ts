import type { Queryable } from '../../store/db.ts';
import type { SettlementList } from '../../engine/settlement-list.ts';
import type { ListedSettlement, ListRow } from '../../store/payment/settlement-lists.ts';

// Grouping a stay on its newest settlement list and pricing what the fund owes the hospital
// under the treatment region's payment rules (docs/payment.md). The grouper and the payment
// rules arrive with the rest of issue 14; until then a list is stored and not yet priced.

export interface CasePrice {
  drg: string;
  hospital_payment_fen: number;
}

export async function priceCase(_q: Queryable, _s: ListedSettlement, _row: ListRow, _list: SettlementList, _now: Date): Promise<CasePrice | undefined> {
  return undefined;
}
