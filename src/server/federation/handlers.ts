import { forbidden, invalid } from '../../engine/errors.ts';
import { ownsRegion, type CancelBody, type SettleBody, type VisitCheckBody } from '../../engine/federation/index.ts';
import { cancelForPeer, checkVisitForPeer, settleForPeer } from '../../app/federation/insured-side.ts';
import { inRolledBackTransaction } from '../../store/db.ts';
import { federationRecordsWith } from '../../store/federation/settlements.ts';
import { keptAnswers } from '../../store/federation/inbox.ts';
import { getInstitution } from '../../store/registry/institutions.ts';
import { ownerOf } from '../../engine/federation/index.ts';
import { buildRegistry } from '../gateway/transactions.ts';
import type { GatewayEnvelope } from '../gateway/types.ts';
import type { FederationContext, FederationHandler } from './handler.ts';
import { HUB_HANDLERS } from './hub-handlers.ts'; // the hub's clearing (issue 17 item 3)

// Every message kind this deployment answers, one entry each (like the gateway's
// transactions.ts). The bodies' shapes are the protocol's (src/engine/federation/protocol.ts);
// the use cases check them and the sender's authority.

const transactions = buildRegistry();

/** A read-only gateway transaction of a person insured here, asked by the treatment side's deployment. */
const gatewayQuery: FederationHandler = {
  kind: 'gateway.query',
  writes: false,
  async handle(ctx) {
    const b = ctx.body;
    const infno = typeof b['infno'] === 'string' ? b['infno'] : '';
    const handler = transactions.get(infno);
    if (!handler?.forwardFor || handler.writes) throw invalid('body.infno', `交易 ${infno} 不能跨部署转发`, `transaction ${infno} is not forwarded between deployments`);
    const code = typeof b['fixmedins_code'] === 'string' ? b['fixmedins_code'] : '';
    const inst = await getInstitution(ctx.pool, code);
    if (!inst || ownerOf(ctx.port.directory, inst.admdvs)?.id !== ctx.sender.id) {
      throw forbidden('body.fixmedins_code', `机构 ${code} 不在发送方 ${ctx.sender.id} 所辖统筹区`, `institution ${code} is not in a region that ${ctx.sender.id} owns`);
    }
    if (typeof b['input'] !== 'object' || b['input'] === null) throw invalid('body.input', '应为对象', 'expected an object');
    const envelope: GatewayEnvelope = {
      infno, msgid: ctx.msg_id, mdtrtarea_admvs: typeof b['mdtrtarea_admvs'] === 'string' ? b['mdtrtarea_admvs'] : inst.admdvs,
      insuplc_admdvs: typeof b['insuplc_admdvs'] === 'string' ? b['insuplc_admdvs'] : undefined, fixmedins_code: code, fixmedins_name: inst.fixmedins_name,
      opter: undefined, opter_name: undefined, opter_type: undefined, sign_no: undefined, inf_time: undefined, infver: 'V1.0', recer_sys_code: undefined,
      cainfo: undefined, signtype: undefined, input: b['input'] as Record<string, unknown>,
    };
    const region = handler.forwardFor(envelope);
    if (region === undefined || !ownsRegion(ctx.port.directory, region.slice(0, 6))) throw forbidden('body.input', '所查人员不在本部署参保', 'the person asked about is not insured in this deployment');
    const warnings: string[] = [];
    const output = await handler.handle({
      pool: ctx.pool, db: ctx.pool, documents: ctx.documents, now: () => ctx.now, envelope,
      institution: { fixmedins_code: inst.fixmedins_code, fixmedins_name: inst.fixmedins_name, fixmedins_type: inst.fixmedins_type, hosp_lv: inst.hosp_lv, admdvs: inst.admdvs },
      signIn: undefined, warn: (m) => void warnings.push(m), federation: undefined, prepared: undefined,
    });
    return { output, warnings };
  },
};

const psnKey = (b: Record<string, unknown>): string[] | undefined => {
  const v = (b['visit'] as Record<string, unknown> | undefined)?.['psn_no'];
  return typeof v === 'string' ? [`psn:${v}`] : undefined;
};

export const FEDERATION_HANDLERS: readonly FederationHandler[] = [
  gatewayQuery,
  {
    kind: 'visit.check', writes: false,
    handle: async (ctx) => ({ ...(await checkVisitForPeer(ctx.pool, ctx.port.directory, ctx.sender, ctx.body as unknown as VisitCheckBody, ctx.now, ctx.msg_id)) }),
  },
  {
    // A pre-settlement builds the shadow visit and prices it, then rolls everything back.
    kind: 'settle.preview', writes: false,
    handle: (ctx) => inRolledBackTransaction(ctx.pool, async (q) => ({ ...(await settleForPeer(q, ctx.port.directory, ctx.sender, ctx.body as unknown as SettleBody, ctx.documents, true)) })),
  },
  {
    // A retry, whatever the hospital's msgid, asks the same of the same fed_id; its serial and clock may differ.
    kind: 'settle', writes: true, keys: psnKey,
    requestKey: ({ treatment_setl_id: _s, setl_time: _t, ...what }) => what,
    handle: async (ctx) => ({ ...(await settleForPeer(ctx.q, ctx.port.directory, ctx.sender, ctx.body as unknown as SettleBody, ctx.documents, false)) }),
  },
  {
    // The receiver's records with the sender over a period, and the answers it kept for the sender's messages.
    kind: 'reconcile.list', writes: false,
    async handle(ctx: FederationContext): Promise<Record<string, unknown>> {
      const from = new Date(String(ctx.body['from']));
      const to = new Date(String(ctx.body['to']));
      if (Number.isNaN(from.getTime()) || Number.isNaN(to.getTime()) || to <= from) throw invalid('body.to', '应为晚于 from 的时间', 'expected an instant after from');
      const records = await federationRecordsWith(ctx.pool, ctx.sender.id, from, to);
      const answers = await keptAnswers(ctx.pool, ctx.sender.id, records.map((r) => r.fed_id));
      return { records, answers: Object.fromEntries(answers) };
    },
  },
  {
    kind: 'cancel', writes: true,
    requestKey: ({ treatment_setl_id: _s, setl_time: _t, ...what }) => what,
    handle: async (ctx) => ({ ...(await cancelForPeer(ctx.q, ctx.port.directory, ctx.sender, ctx.body as unknown as CancelBody)) }),
  },
  // the hub's clearing between deployments: hub.report, hub.statement
  ...HUB_HANDLERS,
];

const kinds = new Set<string>();
for (const h of FEDERATION_HANDLERS) {
  if (kinds.has(h.kind)) throw new Error(`federation: message kind ${h.kind} registered twice`);
  kinds.add(h.kind);
}
