import { unavailable, type YibaoError } from '../../engine/errors.ts';

// Admission control (issue 18, docs/operations.md "Overload"): past its capacity the gateway
// answers at once with a clear "busy, retry" instead of queueing without bound, so the messages
// it does take keep their latency. A limit on messages in flight in this process, and one per
// institution, so one hospital's flood cannot take every slot. Nothing is done for a refused
// message (not even its log row: under overload that write is what must be saved).

export interface AdmissionLimits {
  /** Messages in flight in this process at most. */
  total: number;
  /** Messages in flight per institution at most. */
  perInstitution: number;
}

/**
 * Far above what one HIS sends at once (a few to a few dozen), so only a flood meets them; a
 * bureau sets its own from its measured capacity (docs/operations.md "Overload").
 */
export const DEFAULT_ADMISSION: AdmissionLimits = { total: 4096, perInstitution: 1024 };

/** A shed message's `Retry-After` (seconds): a sender that waits at least this long, and longer each time, lets the flood drain. */
export const SHED_RETRY_AFTER_S = 1;

export class Admission {
  private inFlight = 0;
  private readonly byInstitution = new Map<string, number>();

  constructor(readonly limits: AdmissionLimits = DEFAULT_ADMISSION) {}

  /** A slot for one message of `institution`, with its release; or the refusal when there is none. */
  enter(institution: string): { leave: () => void } | { refused: YibaoError } {
    const mine = this.byInstitution.get(institution) ?? 0;
    if (mine >= this.limits.perInstitution) {
      return { refused: unavailable('fixmedins_code', `平台繁忙：本机构同时处理的报文已达 ${this.limits.perInstitution} 条，本报文未处理，请稍后用同一报文重试`, `busy: this institution already has ${this.limits.perInstitution} messages in flight; this one was not processed, retry it later with the same msgid`, SHED_RETRY_AFTER_S) };
    }
    if (this.inFlight >= this.limits.total) {
      return { refused: unavailable('gateway', '平台繁忙，本报文未处理，请稍后用同一报文重试', 'the platform is busy; this message was not processed, retry it later with the same msgid', SHED_RETRY_AFTER_S) };
    }
    this.inFlight += 1;
    this.byInstitution.set(institution, mine + 1);
    let left = false;
    return {
      leave: () => {
        if (left) return;
        left = true;
        this.inFlight -= 1;
        const n = (this.byInstitution.get(institution) ?? 1) - 1;
        if (n === 0) this.byInstitution.delete(institution);
        else this.byInstitution.set(institution, n);
      },
    };
  }

  /** Messages in flight now (for metrics). */
  get current(): number {
    return this.inFlight;
  }
}
