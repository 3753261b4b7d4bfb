import { loadPaymentRules, type PaymentRules } from '../../engine/payment/rules.ts';
import type { Queryable } from '../../store/db.ts';
import { newestVersion, readDocument } from '../../store/documents/rows.ts';

// The payment rules in force for a pooling region's year: the newest stored version of the
// document payment-<admdvs>-<year>. None stored: the region pays its hospitals by item. Every
// 4101A asks; the document (a city's weights) is read and compiled only when its version is new.

const compiled = new Map<string, PaymentRules>();

export async function paymentRulesFor(q: Queryable, admdvs: string, year: number): Promise<PaymentRules | undefined> {
  const id = `payment-${admdvs}-${year}`;
  const version = await newestVersion(q, 'payment_rules', id);
  if (version === undefined) return undefined;
  const key = `${id}@${version}`;
  let rules = compiled.get(key);
  if (!rules) {
    const doc = (await readDocument(q, 'payment_rules', id, version))!;
    compiled.set(key, (rules = loadPaymentRules(doc.doc)));
  }
  return rules;
}
