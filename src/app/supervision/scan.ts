// The after-settlement scan (事后审核): the whole library over the settlements of a period, for
// every region or one, person by person so the cross-visit rules see each person's visits
// together. Each batch of persons is written in its own transaction, so a run killed
// half-way loses nothing committed and a rerun finds each finding once (one row per rule, claim
// and stage); an incremental run reads only the persons with settlement rows (settle or cancel)
// since the last run's watermark.
import { chinaDate, isIsoDate } from '../../engine/calendar.ts';
import { invalid } from '../../engine/errors.ts';
import { judgeClaim, lookbackDays, type CatalogLookup } from '../../engine/supervision/judge.ts';
import { regionPrefix } from '../../engine/supervision/rules.ts';
import type { ClaimView, Finding } from '../../engine/supervision/types.ts';
import { inTransaction, type Pool } from '../../store/db.ts';
import { documentRegistry, type DocumentRegistry } from '../../store/documents/registry.ts';
import {
  addToScan, finishScan, lastScan, newestSettlementTime, personsToScan, saveFindings, settledClaimsOf, startScan, streamSettledClaims, type ScanRow, type SettledClaim,
} from '../../store/supervision/findings.ts';

const DAY_MS = 86_400_000;
/** Settlements committed out of time order (a long transaction) are read again by the next incremental run. */
const WATERMARK_OVERLAP_MS = 10 * 60_000;

export interface ScanOptions {
  /** 'all' or a region code (province, city, county) whose treatment claims are judged. */
  scope: string;
  /** Settlement days, China time, inclusive. */
  from: string;
  to: string;
  /** Only the persons with settlement rows since the scope's last finished run (a full run when there is none). */
  incremental: boolean;
  by: string;
  now?: Date;
  /** A batch: persons (incremental runs) or claim rows (full runs) read at once; each batch is written in its own transaction. */
  batch?: number;
  progress?: (line: string) => void;
  documents?: DocumentRegistry;
}

export interface ScanResult extends ScanRow {
  seconds: number;
}

const chinaDayStart = (day: string): Date => new Date(`${day}T00:00:00+08:00`);

function checkOptions(o: ScanOptions): void {
  if (!isIsoDate(o.from)) throw invalid('from', '应为日期 yyyy-MM-dd', 'expected a date yyyy-MM-dd');
  if (!isIsoDate(o.to)) throw invalid('to', '应为日期 yyyy-MM-dd', 'expected a date yyyy-MM-dd');
  if (o.to < o.from) throw invalid('to', '结束日期早于开始日期', 'the end is before the start');
  if (o.scope !== 'all' && !/^\d{6}$/.test(o.scope)) throw invalid('scope', "应为 all 或六位区划代码", "expected 'all' or a six-digit region code");
}

/** Runs the library over the period; the run's row with its counts. */
export async function runScan(pool: Pool, o: ScanOptions): Promise<ScanResult> {
  checkOptions(o);
  const started = Date.now();
  const documents = o.documents ?? documentRegistry;
  const docs = await documents.compiled(pool, { fresh: true });
  const library = docs.supervision;
  const catalog: CatalogLookup = (admdvs, code) => documents.catalogFor(docs, admdvs).items.get(code);
  const lookback = lookbackDays(library) * DAY_MS;
  const now = o.now ?? new Date();
  const previous = o.incremental ? await lastScan(pool, o.scope) : undefined;
  const changedSince = previous?.watermark ? new Date(previous.watermark.getTime() - WATERMARK_OVERLAP_MS) : null;
  const mode = changedSince ? 'incremental' : 'full';
  // Read before the persons: what settles during the run is the next run's.
  const watermark = await newestSettlementTime(pool);
  const scan = await startScan(pool, { scope: o.scope, mode, from: o.from, to: o.to, rules: library.documents, by: o.by, at: now });
  const prefix = o.scope === 'all' ? '' : regionPrefix(o.scope);
  const from = chinaDayStart(o.from);
  const toEnd = new Date(chinaDayStart(o.to).getTime() + DAY_MS);
  const say = o.progress ?? (() => undefined);
  say(`scan ${scan.id}: ${library.rules.length} rules (${library.documents.map((d) => `${d.rules_id} v${d.version}`).join(', ') || 'none stored'}), ${o.scope}, ${o.from}..${o.to}, ${mode}${changedSince ? ` since ${changedSince.toISOString()}` : ''}`);
  const totals = { persons: 0, claims: 0, lines: 0, found: 0, amended: 0, closed: 0 };
  // Where the time goes, shown with the progress: reading, judging, writing.
  const ms = { read: 0, judge: 0, write: 0 };
  const window = { from: new Date(from.getTime() - lookback), to: new Date(toEnd.getTime() + lookback) };
  // A full run reads the window in one ordered pass; an incremental one only the changed persons' claims.
  const source: AsyncIterator<SettledClaim[]> = changedSince
    ? changedPersonsClaims(pool, { window, period: { from: o.from, to: o.to }, scope: o.scope, changedSince, limit: o.batch ?? 5000 })
    : streamSettledClaims(pool, { ...window, prefix, periodFrom: from, periodTo: toEnd, ...(o.batch ? { chunk: o.batch } : {}) });
  const read = async (): Promise<IteratorResult<SettledClaim[]>> => {
    const t = performance.now();
    const r = await source.next();
    ms.read += performance.now() - t;
    return r;
  };
  try {
    // The next chunk is read while this one is judged and written: the database and the judge overlap.
    let next = read();
    for (;;) {
      const chunk = await next;
      if (chunk.done) break;
      const claims = chunk.value;
      next = read();
      next.catch(() => undefined); // awaited at the top of the loop; a run that stops before then leaves it alone
      let t = performance.now();
      const judged: ClaimView[] = [];
      const findings: Finding[] = [];
      let lines = 0;
      let persons = 0;
      let i = 0;
      while (i < claims.length) {
        let j = i;
        while (j < claims.length && claims[j]!.psn_no === claims[i]!.psn_no) j++;
        const mine = claims.slice(i, j);
        let any = false;
        for (const c of mine) {
          if (c.setl_day < o.from || c.setl_day > o.to || !c.mdtrtarea_admvs.startsWith(prefix)) continue;
          any = true;
          judged.push(c);
          lines += c.lines.length;
          for (const f of judgeClaim(library, 'after', c, mine, catalog)) findings.push(f);
        }
        if (any) persons++;
        i = j;
      }
      ms.judge += performance.now() - t;
      if (judged.length === 0) continue;
      t = performance.now();
      const d = await inTransaction(pool, async (q) => {
        const saved = await saveFindings(q, 'after', judged, findings, now, scan.id);
        const batch = { persons, claims: judged.length, lines, ...saved };
        await addToScan(q, scan.id, batch);
        return batch;
      });
      ms.write += performance.now() - t;
      for (const k of Object.keys(totals) as (keyof typeof totals)[]) totals[k] += d[k];
      const secs = (Date.now() - started) / 1000;
      say(`  ${totals.persons} persons, ${totals.claims} claims, ${totals.lines} lines, ${totals.found} new findings, ${totals.amended} amended, ${totals.closed} closed (${Math.round(totals.lines / Math.max(secs, 0.001))} lines/s; read ${(ms.read / 1000).toFixed(1)} s, judge ${(ms.judge / 1000).toFixed(1)} s, write ${(ms.write / 1000).toFixed(1)} s)`);
    }
  } finally {
    await source.return?.();
  }
  const done = await finishScan(pool, scan.id, watermark, new Date());
  return { ...done, seconds: (Date.now() - started) / 1000 };
}

/** An incremental run's read: the changed persons in batches, each batch's claims in the window. */
async function* changedPersonsClaims(
  pool: Pool,
  f: { window: { from: Date; to: Date }; period: { from: string; to: string }; scope: string; changedSince: Date; limit: number },
): AsyncGenerator<SettledClaim[]> {
  let after = '';
  for (;;) {
    const persons = await personsToScan(pool, { after, limit: f.limit, from: f.period.from, to: f.period.to, scope: f.scope, changedSince: f.changedSince });
    if (persons.length === 0) return;
    yield await settledClaimsOf(pool, persons, f.window.from, f.window.to);
    after = persons[persons.length - 1]!;
  }
}

/** Today's date in China: the default end of a scan's period. */
export const todayInChina = (now = new Date()): string => chinaDate(now);
