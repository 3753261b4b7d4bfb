import type { FederationHandler } from './handler.ts';

// Every message kind this deployment answers, one line each (like the gateway's
// transactions.ts). A kind registered twice stops the process at startup.
export const FEDERATION_HANDLERS: readonly FederationHandler[] = [
];
