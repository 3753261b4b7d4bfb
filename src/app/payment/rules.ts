import { loadPaymentRules, type PaymentRules } from '../../engine/payment/rules.ts';
import type { Queryable } from '../../store/db.ts';
import { newestDocuments } from '../../store/documents/rows.ts';

// The payment rules in force for a pooling region's year: the newest stored version of the
// document payment-<admdvs>-<year>. None stored: the region pays its hospitals by item.

const compiled = new Map<string, PaymentRules>();

export async function paymentRulesFor(q: Queryable, admdvs: string, year: number): Promise<PaymentRules | undefined> {
  const doc = (await newestDocuments(q, 'payment_rules', admdvs)).find((d) => d.doc_id === `payment-${admdvs}-${year}`);
  if (!doc) return undefined;
  const key = `${doc.doc_id}@${doc.version}`;
  let rules = compiled.get(key);
  if (!rules) compiled.set(key, (rules = loadPaymentRules(doc.doc)));
  return rules;
}
