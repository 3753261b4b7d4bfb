import type { FederationHandler } from './handler.ts';
import { HUB_HANDLERS } from './hub-handlers.ts'; // the hub's clearing (issue 17 item 3)

// Every message kind this deployment answers, one line each (like the gateway's
// transactions.ts). A kind registered twice stops the process at startup.
export const FEDERATION_HANDLERS: readonly FederationHandler[] = [
  // the hub's clearing between deployments: hub.report, hub.statement
  ...HUB_HANDLERS,
];
