import { assertInvariant } from '../../engine/errors.ts';
import type { TransactionHandler } from './types.ts';
import { dictionary } from './transactions/dictionary.ts';
import { enrollmentContributionQuery } from './transactions/enrollment-history.ts';
import { institutionInfo } from './transactions/institution-info.ts';
import { personInfo } from './transactions/person-info.ts';
import { signIn, signOut } from './transactions/sign-in.ts';
import { chronicDiseaseFiling, chronicDiseaseFilingCancel } from './transactions/coop-chronic.ts';
import { referralFiling, referralFilingCancel } from './transactions/coop-filing.ts';
import { chronicDiseaseQuery, personFilingQuery, referralQuery } from './transactions/coop-queries.ts';

// Every transaction the gateway answers, one line each. To add one, write a
// TransactionHandler (see ./types.ts) and append it here; an infno registered twice stops
// the process at startup.
export const TRANSACTIONS: readonly TransactionHandler[] = [
  signIn, // 9001
  signOut, // 9002
  personInfo, // 1101
  institutionInfo, // 1201
  dictionary, // 1901
  enrollmentContributionQuery, // 5310 (yibao extension)
  referralFiling, // 2501
  referralFilingCancel, // 2502
  chronicDiseaseFiling, // 2503
  chronicDiseaseFilingCancel, // 2504
  chronicDiseaseQuery, // 5301
  personFilingQuery, // 5302
  referralQuery, // 5304
];

export type TransactionRegistry = ReadonlyMap<string, TransactionHandler>;

export function buildRegistry(handlers: readonly TransactionHandler[] = TRANSACTIONS): TransactionRegistry {
  const registry = new Map<string, TransactionHandler>();
  for (const handler of handlers) {
    assertInvariant(/^\d{4}$/.test(handler.infno), `infno ${handler.infno} is not four digits`);
    assertInvariant(!registry.has(handler.infno), `infno ${handler.infno} is registered twice`);
    registry.set(handler.infno, handler);
  }
  return registry;
}
