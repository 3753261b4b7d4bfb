import { assertInvariant } from '../../engine/errors.ts';
import type { TransactionHandler } from './types.ts';

// Every transaction the gateway answers, one line each. To add one, write a
// TransactionHandler (see ./types.ts) and append it here; an infno registered twice stops
// the process at startup.
export const TRANSACTIONS: readonly TransactionHandler[] = [
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
