import { acceptReport, statementFor } from '../../app/federation/hub-clearing.ts';
import type { FederationHandler } from './handler.ts';

// The hub's two message kinds (docs/federation.md "Hub clearing"). The route has verified the
// sender; the use cases check that this deployment is the hub and the sender's authority over
// the body (its own report, its own statement).
export const HUB_HANDLERS: readonly FederationHandler[] = [
  {
    kind: 'hub.report',
    writes: true,
    handle: async (ctx) => ({ ...(await acceptReport(ctx.q, { dir: ctx.port.directory, sender: ctx.sender, msg_id: ctx.msg_id, body: ctx.body, now: ctx.now })) }),
  },
  {
    kind: 'hub.statement',
    writes: false,
    handle: async (ctx) => ({ ...(await statementFor(ctx.q, { dir: ctx.port.directory, sender: ctx.sender, body: ctx.body })) }),
  },
];
