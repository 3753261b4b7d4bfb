// The logic of each rule type (DOMAIN.md §8): one claim judged against the library at one stage,
// with the person's other visits for the rules that look across visits (split admissions,
// bed-hanging, overlapping stays, repeated tests, over-quantity prescribing). Pure: the gateway
// (3101/3102 and the check inside 2207/2304) and the batch scan hand in the same shapes, so a
// rule fires the same way wherever it runs.
import type { CatalogItem } from '../catalog.ts';
import type { Fen } from '../money.ts';
import { regionPrefix, type Library, type Rule } from './rules.ts';
import type { ClaimView, Finding, LineView, Scenario, Stage } from './types.ts';

/** The treatment region's catalog item of a code (the catalog the lines were classified on). */
export type CatalogLookup = (mdtrtarea_admvs: string, med_list_codg: string) => CatalogItem | undefined;

const DAY_MS = 86_400_000;
/** Days since 1970 of the civil day of a 'yyyy-mm-dd…' text. */
const dayNo = (t: string): number => Date.UTC(Number(t.slice(0, 4)), Number(t.slice(5, 7)) - 1, Number(t.slice(8, 10))) / DAY_MS;
const lineTime = (claim: ClaimView, l: LineView): string => l.fee_ocur_time ?? claim.begntime;
const fen = (n: number): Fen => Math.max(0, Math.round(n)) as Fen;
const yuan = (f: number): string => (f / 100).toFixed(2);
const sum = (ls: readonly LineView[], f: (l: LineView) => number): number => ls.reduce((a, l) => a + f(l), 0);

/** The lines still charged: refund lines and the charges they take back drop out. */
export function chargedLines(claim: ClaimView): LineView[] {
  const refunded = new Set<string>();
  for (const l of claim.lines) if (l.init_feedetl_sn !== null && l.cnt < 0) refunded.add(l.init_feedetl_sn);
  return claim.lines.filter((l) => l.cnt > 0 && l.det_item_fee_sumamt > 0 && !refunded.has(l.feedetl_sn));
}

export function scenariosOf(claim: ClaimView): Scenario[] {
  const s: Scenario[] = [claim.kind];
  if (regionPrefix(claim.insuplc_admdvs) !== regionPrefix(claim.mdtrtarea_admvs)) s.push('cross_region');
  return s;
}

/**
 * The rules that judge a claim at a stage: of its stage, scenario, insurance type and treatment
 * region, in force on its first day; of two with the same code, the narrower region's.
 */
export function rulesFor(library: Library, stage: Stage, claim: ClaimView): Rule[] {
  const scen = scenariosOf(claim);
  const day = claim.begntime.slice(0, 10);
  // A scan asks this for every claim; the answer depends on these five only.
  let cache = chosen.get(library);
  if (cache === undefined) chosen.set(library, (cache = new Map()));
  const key = `${stage}|${scen.join(',')}|${claim.insutype}|${claim.mdtrtarea_admvs}|${day}`;
  const known = cache.get(key);
  if (known !== undefined) return known;
  const rules = chooseRules(library, stage, scen, claim.insutype, claim.mdtrtarea_admvs, day);
  if (cache.size < 50_000) cache.set(key, rules);
  return rules;
}

const chosen = new WeakMap<Library, Map<string, Rule[]>>();

function chooseRules(library: Library, stage: Stage, scen: readonly Scenario[], insutype: string, mdtrtarea: string, day: string): Rule[] {
  const best = new Map<string, { rule: Rule; prefix: number }>();
  for (const r of library.rules) {
    if (!r.stages.includes(stage) || !r.scenarios.some((s) => scen.includes(s))) continue;
    if (r.insutypes.length > 0 && !r.insutypes.includes(insutype)) continue;
    if (r.effective_from > day) continue;
    const prefix = r.regionPrefixes.find((p) => mdtrtarea.startsWith(p));
    if (prefix === undefined) continue;
    const seen = best.get(r.code);
    if (!seen || prefix.length > seen.prefix || (prefix.length === seen.prefix && r.version > seen.rule.version)) best.set(r.code, { rule: r, prefix: prefix.length });
  }
  return [...best.values()].map((b) => b.rule);
}

/** How far back (days before a claim's first day) the cross-visit rules look: what the history must cover. */
export function lookbackDays(library: Library): number {
  let days = 1;
  for (const r of library.rules) {
    const p = r.params as Partial<Record<string, unknown>>;
    if (r.type === 'split_admission') days = Math.max(days, (p['days'] as number) + 1);
    if (r.type === 'excessive_tests') days = Math.max(days, p['window_days'] as number);
    if (r.type === 'over_quantity_prescribing') days = Math.max(days, (p['max_supply_days'] as number) * 4);
    if (r.type === 'overlapping_stays' || r.type === 'bed_hanging') days = Math.max(days, 180); // a long stay that began before
  }
  return days;
}

/** What a rule of one type reports before it becomes a Finding. */
interface Hit {
  lines: string[];
  related: string[];
  amount: number;
  zh: string;
  en: string;
}

const hitOf = (ls: readonly LineView[], amount: number, zh: string, en: string, related: string[] = []): Hit | null =>
  ls.length === 0 && related.length === 0 ? null : { lines: ls.map((l) => l.feedetl_sn), related, amount, zh, en };

/** The same item at the same minute, count and price, more than once on one claim: the second and later. */
function duplicateCharging(claim: ClaimView, lines: LineView[], p: { exclude_item_types: readonly string[] }): Hit | null {
  const seen = new Set<string>();
  const dup: LineView[] = [];
  for (const l of lines) {
    if (l.fee_ocur_time === null || p.exclude_item_types.includes(l.med_chrgitm_type)) continue;
    const key = `${l.med_list_codg}|${l.fee_ocur_time.slice(0, 16)}|${l.cnt}|${l.pric}`;
    if (seen.has(key)) dup.push(l);
    else seen.add(key);
  }
  if (dup.length === 0) return null;
  const amt = sum(dup, (l) => l.det_item_fee_sumamt);
  return hitOf(dup, amt, `同一项目同一时间重复收费 ${dup.length} 条，金额 ${yuan(amt)} 元`, `${dup.length} line(s) charge the same item at the same time again, ${yuan(amt)} yuan`);
}

/** A price above the catalog's limit, or more units a day than the item's daily standard. */
function overStandard(claim: ClaimView, lines: LineView[], p: { price: boolean; daily_quantity: boolean }, itemOf: (c: string) => CatalogItem | undefined): Hit | null {
  const hit = new Map<string, LineView>();
  let amount = 0;
  const words: string[] = [];
  const wordsEn: string[] = [];
  if (p.price) {
    for (const l of lines) {
      if (l.pric_uplmt_fen === null || l.pric <= l.pric_uplmt_fen) continue;
      hit.set(l.feedetl_sn, l);
      amount += (l.pric - l.pric_uplmt_fen) * l.cnt;
      words.push(`${l.med_list_codg} 单价 ${yuan(l.pric)} 元超过限价 ${yuan(l.pric_uplmt_fen)} 元`);
      wordsEn.push(`${l.med_list_codg} priced ${yuan(l.pric)} above its limit ${yuan(l.pric_uplmt_fen)}`);
    }
  }
  if (p.daily_quantity) {
    const byDay = new Map<string, LineView[]>();
    for (const l of lines) {
      if (itemOf(l.med_list_codg)?.restrict?.max_daily_cnt === undefined) continue;
      const key = `${l.med_list_codg}|${lineTime(claim, l).slice(0, 10)}`;
      byDay.set(key, [...(byDay.get(key) ?? []), l]);
    }
    for (const [key, ls] of byDay) {
      const max = itemOf(ls[0]!.med_list_codg)!.restrict!.max_daily_cnt!;
      const cnt = sum(ls, (l) => l.cnt);
      if (cnt <= max) continue;
      for (const l of ls) hit.set(l.feedetl_sn, l);
      amount += (cnt - max) * ls[ls.length - 1]!.pric;
      const [code, day] = key.split('|');
      words.push(`${code} 在 ${day} 计 ${cnt}，超过每日标准 ${max}`);
      wordsEn.push(`${code} billed ${cnt} on ${day}, above the daily standard of ${max}`);
    }
  }
  return hitOf([...hit.values()], amount, words.join('；'), wordsEn.join('; '));
}

/** An item the fund pays only for certain diagnoses, paid on a claim with none of them. */
function beyondScope(claim: ClaimView, lines: LineView[], itemOf: (c: string) => CatalogItem | undefined): Hit | null {
  const ls = lines.filter((l) => {
    const pre = itemOf(l.med_list_codg)?.restrict?.dise_prefixes;
    return pre !== undefined && l.inscp_scp_amt > 0 && !claim.dise_codes.some((d) => pre.some((x) => d.startsWith(x)));
  });
  if (ls.length === 0) return null;
  const amt = sum(ls, (l) => l.inscp_scp_amt);
  const codes = [...new Set(ls.map((l) => l.med_list_codg))].join('、');
  return hitOf(ls, amt, `${codes} 限定诊断支付，本次诊断（${claim.dise_codes.join('、') || '无'}）不符，基金支付范围内金额 ${yuan(amt)} 元`, `${codes} is paid for certain diagnoses only; this visit's (${claim.dise_codes.join(', ') || 'none'}) do not qualify; ${yuan(amt)} yuan in scope`);
}

/** Items a bundle's price already includes, billed beside it the same day. */
function splitCharging(claim: ClaimView, lines: LineView[], { bundles }: { bundles: ReadonlyArray<{ code: string; includes: readonly string[]; name: { zh: string; en: string } }> }): Hit | null {
  const hit: LineView[] = [];
  const names: string[] = [];
  const namesEn: string[] = [];
  for (const b of bundles) {
    const days = new Set(lines.filter((l) => l.med_list_codg === b.code).map((l) => lineTime(claim, l).slice(0, 10)));
    if (days.size === 0) continue;
    const parts = lines.filter((l) => b.includes.includes(l.med_list_codg) && days.has(lineTime(claim, l).slice(0, 10)));
    if (parts.length === 0) continue;
    hit.push(...parts);
    names.push(b.name.zh);
    namesEn.push(b.name.en);
  }
  if (hit.length === 0) return null;
  const amt = sum(hit, (l) => l.det_item_fee_sumamt);
  return hitOf(hit, amt, `${names.join('、')}已含的项目另行收费 ${hit.length} 条，${yuan(amt)} 元`, `${hit.length} line(s) bill separately what ${namesEn.join(', ')} already includes, ${yuan(amt)} yuan`);
}

/** An item billed under another's code, told by its price: the price of the item really given. */
function itemSwapping(lines: LineView[], { pairs }: { pairs: ReadonlyArray<{ billed: string; actual: string; price_min_fen: Fen; price_max_fen: Fen; name: { zh: string; en: string } }> }): Hit | null {
  const hit: LineView[] = [];
  const names = new Set<string>();
  const namesEn = new Set<string>();
  for (const l of lines) {
    const pair = pairs.find((x) => x.billed === l.med_list_codg && l.pric >= x.price_min_fen && l.pric <= x.price_max_fen);
    if (!pair) continue;
    hit.push(l);
    names.add(pair.name.zh);
    namesEn.add(pair.name.en);
  }
  if (hit.length === 0) return null;
  const amt = sum(hit, (l) => l.inscp_scp_amt);
  return hitOf(hit, amt, `按价格判断疑似串换：${[...names].join('、')}，基金支付范围内 ${yuan(amt)} 元`, `priced like another item (swapping suspected): ${[...namesEn].join(', ')}; ${yuan(amt)} yuan in scope`);
}

/** The same test more than max_times within window_days across the person's visits: the ones beyond. */
function excessiveTests(claim: ClaimView, lines: LineView[], history: readonly ClaimView[], p: { codes: readonly string[]; item_types: readonly string[]; window_days: number; max_times: number }): Hit | null {
  const watched = (l: LineView): boolean => p.codes.includes(l.med_list_codg) || p.item_types.includes(l.med_chrgitm_type);
  const mine = lines.filter(watched);
  if (mine.length === 0) return null;
  // Every earlier occurrence of a watched code, ordered; a line fires when the window before it already holds max_times.
  const events: Array<{ t: string; code: string; mdtrt_id: string; sn: string; n: number }> = [];
  for (const v of [claim, ...history]) {
    for (const l of v === claim ? lines : chargedLines(v)) if (watched(l)) events.push({ t: lineTime(v, l), code: l.med_list_codg, mdtrt_id: v.mdtrt_id, sn: l.feedetl_sn, n: Math.max(1, Math.round(l.cnt)) });
  }
  events.sort((a, b) => (a.t < b.t ? -1 : a.t > b.t ? 1 : a.mdtrt_id < b.mdtrt_id ? -1 : a.mdtrt_id > b.mdtrt_id ? 1 : a.sn < b.sn ? -1 : a.sn > b.sn ? 1 : 0));
  const hit: LineView[] = [];
  const related = new Set<string>();
  for (const l of mine) {
    const t = lineTime(claim, l);
    const idx = events.findIndex((e) => e.mdtrt_id === claim.mdtrt_id && e.sn === l.feedetl_sn);
    let before = 0;
    const from = dayNo(t) - p.window_days + 1;
    const rel: string[] = [];
    for (let i = 0; i < idx; i++) {
      const e = events[i]!;
      if (e.code !== l.med_list_codg || dayNo(e.t) < from) continue;
      before += e.n;
      if (e.mdtrt_id !== claim.mdtrt_id) rel.push(e.mdtrt_id);
    }
    // A line of several units counts its own repeats too.
    if (before + Math.max(1, Math.round(l.cnt)) > p.max_times) {
      hit.push(l);
      rel.forEach((r) => related.add(r));
    }
  }
  if (hit.length === 0) return null;
  const amt = sum(hit, (l) => l.det_item_fee_sumamt);
  const codes = [...new Set(hit.map((l) => l.med_list_codg))].join('、');
  return hitOf(hit, amt, `${codes} 在 ${p.window_days} 日内超过 ${p.max_times} 次，${yuan(amt)} 元`, `${codes} more than ${p.max_times} time(s) within ${p.window_days} days, ${yuan(amt)} yuan`, [...related].sort());
}

function sexRestricted(claim: ClaimView, lines: LineView[], itemOf: (c: string) => CatalogItem | undefined): Hit | null {
  const ls = lines.filter((l) => {
    const g = itemOf(l.med_list_codg)?.restrict?.gend;
    return g !== undefined && g !== claim.gend;
  });
  if (ls.length === 0) return null;
  const amt = sum(ls, (l) => l.det_item_fee_sumamt);
  const sex = claim.gend === '1' ? { zh: '男性', en: 'a man' } : { zh: '女性', en: 'a woman' };
  const codes = [...new Set(ls.map((l) => l.med_list_codg))].join('、');
  return hitOf(ls, amt, `限${claim.gend === '1' ? '女' : '男'}性项目 ${codes} 用于${sex.zh}，${yuan(amt)} 元`, `item ${codes} restricted to ${claim.gend === '1' ? 'women' : 'men'} billed for ${sex.en}, ${yuan(amt)} yuan`);
}

function ageRestricted(claim: ClaimView, lines: LineView[], itemOf: (c: string) => CatalogItem | undefined): Hit | null {
  const ls = lines.filter((l) => {
    const r = itemOf(l.med_list_codg)?.restrict;
    return r != null && ((r.min_age !== undefined && claim.age < r.min_age) || (r.max_age !== undefined && claim.age > r.max_age));
  });
  if (ls.length === 0) return null;
  const amt = sum(ls, (l) => l.det_item_fee_sumamt);
  const codes = [...new Set(ls.map((l) => l.med_list_codg))].join('、');
  return hitOf(ls, amt, `限年龄项目 ${codes} 用于 ${claim.age} 岁患者，${yuan(amt)} 元`, `age-restricted item ${codes} billed for a patient aged ${claim.age}, ${yuan(amt)} yuan`);
}

const related3 = (a: string | undefined, b: string | undefined, match: 'category' | 'code' | 'any'): boolean =>
  match === 'any' || (a !== undefined && b !== undefined && (match === 'code' ? a === b : a.slice(0, 3) === b.slice(0, 3)));

/** A stay that begins within N days of the end of an earlier stay for a related main diagnosis. */
function splitAdmission(claim: ClaimView, history: readonly ClaimView[], p: { days: number; diagnosis_match: 'category' | 'code' | 'any'; same_institution: boolean }): Hit | null {
  if (claim.kind !== 'inpatient') return null;
  const begin = dayNo(claim.begntime);
  const prior = history.filter(
    (v) =>
      v.kind === 'inpatient' && v.endtime !== null && v.endtime <= claim.begntime &&
      begin - dayNo(v.endtime) <= p.days &&
      (!p.same_institution || v.fixmedins_code === claim.fixmedins_code) &&
      related3(v.dise_codes[0], claim.dise_codes[0], p.diagnosis_match),
  );
  if (prior.length === 0) return null;
  const last = prior.reduce((a, b) => (a.endtime! > b.endtime! ? a : b));
  const gap = begin - dayNo(last.endtime!);
  return hitOf([], claim.fund_pay_sumamt, `出院 ${gap} 日后（${p.days} 日内）以相关诊断 ${claim.dise_codes[0] ?? ''} 再次入院，前次住院 ${last.mdtrt_id}`, `readmitted ${gap} day(s) after discharge (within ${p.days}) for the related diagnosis ${claim.dise_codes[0] ?? ''}; earlier stay ${last.mdtrt_id}`, prior.map((v) => v.mdtrt_id).sort());
}

/** Outpatient or pharmacy visits on days strictly inside a stay, or a stay without daily charges. */
function bedHanging(claim: ClaimView, lines: LineView[], history: readonly ClaimView[], p: { visits_during_stay: boolean; min_stay_days: number; min_charged_day_share_bp: number; daily_item_types: readonly string[] }): Hit | null {
  if (claim.kind !== 'inpatient') return null;
  const begin = dayNo(claim.begntime);
  const end = claim.endtime === null ? null : dayNo(claim.endtime);
  const zh: string[] = [];
  const en: string[] = [];
  const related: string[] = [];
  if (p.visits_during_stay) {
    for (const v of history) {
      if (v.kind === 'inpatient') continue;
      const d = dayNo(v.begntime);
      if (d > begin && (end === null || d < end)) related.push(v.mdtrt_id);
    }
    if (related.length > 0) {
      zh.push(`住院期间另有门诊或药店结算 ${related.length} 次`);
      en.push(`${related.length} outpatient or pharmacy visit(s) during the stay`);
    }
  }
  if (end !== null && end - begin >= p.min_stay_days) {
    const days = end - begin;
    // A daily line of count n stands for n days (a bed fee uploaded once for the stay counts its days).
    const charged = Math.min(days, sum(lines.filter((l) => p.daily_item_types.includes(l.med_chrgitm_type)), (l) => Math.max(1, Math.round(l.cnt))));
    if (charged * 10000 < days * p.min_charged_day_share_bp) {
      zh.push(`住院 ${days} 日，床位、治疗、护理收费仅 ${charged} 日`);
      en.push(`a stay of ${days} day(s) with bed, treatment or nursing charges for ${charged} day(s) only`);
    }
  }
  if (zh.length === 0) return null;
  return { lines: [], related: related.sort(), amount: claim.fund_pay_sumamt, zh: zh.join('；'), en: en.join('; ') };
}

/** Another stay at another institution overlapping this one; reported on the later-begun of the two. */
function overlappingStays(claim: ClaimView, history: readonly ClaimView[], p: { min_overlap_days: number }): Hit | null {
  if (claim.kind !== 'inpatient') return null;
  const end = (v: ClaimView): number => (v.endtime === null ? Number.MAX_SAFE_INTEGER : dayNo(v.endtime));
  const others = history.filter((v) => {
    if (v.kind !== 'inpatient' || v.fixmedins_code === claim.fixmedins_code) return false;
    const later = claim.begntime > v.begntime || (claim.begntime === v.begntime && claim.mdtrt_id > v.mdtrt_id);
    const overlap = Math.min(end(v), end(claim)) - Math.max(dayNo(v.begntime), dayNo(claim.begntime));
    return later && overlap >= p.min_overlap_days;
  });
  if (others.length === 0) return null;
  return hitOf([], claim.fund_pay_sumamt, `与 ${others.map((v) => `${v.fixmedins_code} 的住院 ${v.mdtrt_id}`).join('、')} 时间重叠`, `overlaps the stay(s) ${others.map((v) => `${v.mdtrt_id} at ${v.fixmedins_code}`).join(', ')}`, others.map((v) => v.mdtrt_id).sort());
}

/**
 * Drugs dispensed beyond what the person can have used: a running stock per drug across every
 * institution (what 5205 shows a doctor), each dispensing adding cnt × days_per_unit days and each
 * day using one; a line fires when the stock it leaves is above max_supply_days + tolerance.
 */
function overQuantity(claim: ClaimView, lines: LineView[], history: readonly ClaimView[], p: { max_supply_days: number; tolerance_days: number }, itemOf: (c: string) => CatalogItem | undefined): Hit | null {
  const perUnit = (code: string): number | undefined => itemOf(code)?.restrict?.days_per_unit;
  const mine = lines.filter((l) => perUnit(l.med_list_codg) !== undefined);
  if (mine.length === 0) return null;
  const codes = new Set(mine.map((l) => l.med_list_codg));
  const events: Array<{ t: string; code: string; mdtrt_id: string; sn: string; days: number }> = [];
  for (const v of [claim, ...history]) {
    for (const l of v === claim ? lines : chargedLines(v)) if (codes.has(l.med_list_codg)) events.push({ t: lineTime(v, l), code: l.med_list_codg, mdtrt_id: v.mdtrt_id, sn: l.feedetl_sn, days: l.cnt * perUnit(l.med_list_codg)! });
  }
  events.sort((a, b) => (a.t < b.t ? -1 : a.t > b.t ? 1 : a.mdtrt_id < b.mdtrt_id ? -1 : a.mdtrt_id > b.mdtrt_id ? 1 : a.sn < b.sn ? -1 : a.sn > b.sn ? 1 : 0));
  const hit: LineView[] = [];
  const related = new Set<string>();
  let amount = 0;
  const limit = p.max_supply_days + p.tolerance_days;
  const worst: string[] = [];
  const worstEn: string[] = [];
  for (const code of codes) {
    let stock = 0;
    let last: number | null = null;
    const holders: string[] = [];
    for (const e of events) {
      if (e.code !== code) continue;
      const d = dayNo(e.t);
      if (last !== null) stock = Math.max(0, stock - (d - last));
      if (stock === 0) holders.length = 0;
      last = d;
      stock += e.days;
      if (e.mdtrt_id === claim.mdtrt_id) {
        if (stock > limit) {
          const l = mine.find((x) => x.feedetl_sn === e.sn)!;
          hit.push(l);
          const excess = Math.min(e.days, stock - p.max_supply_days);
          amount += (excess / perUnit(code)!) * l.pric;
          holders.forEach((h) => related.add(h));
          worst.push(`${code} 累计可用 ${Math.round(stock)} 日，超过 ${p.max_supply_days} 日`);
          worstEn.push(`${code} supplied for ${Math.round(stock)} days on hand, above ${p.max_supply_days}`);
        }
      } else holders.push(e.mdtrt_id);
    }
  }
  return hitOf(hit, amount, worst.join('；'), worstEn.join('; '), [...related].sort());
}

/** An item the institution's level may not bill. */
function qualification(claim: ClaimView, lines: LineView[], itemOf: (c: string) => CatalogItem | undefined): Hit | null {
  const ls = lines.filter((l) => {
    const lvs = itemOf(l.med_list_codg)?.restrict?.hosp_lvs;
    return lvs !== undefined && !lvs.includes(claim.hosp_lv);
  });
  if (ls.length === 0) return null;
  const amt = sum(ls, (l) => l.det_item_fee_sumamt);
  const codes = [...new Set(ls.map((l) => l.med_list_codg))].join('、');
  return hitOf(ls, amt, `${codes} 超出本机构等级（${claim.hosp_lv}）可开展的范围，${yuan(amt)} 元`, `${codes} is beyond what an institution of level ${claim.hosp_lv} may bill, ${yuan(amt)} yuan`);
}

function judgeOne(rule: Rule, claim: ClaimView, lines: LineView[], history: readonly ClaimView[], itemOf: (c: string) => CatalogItem | undefined): Hit | null {
  const p = rule.params as never;
  switch (rule.type) {
    case 'duplicate_charging': return duplicateCharging(claim, lines, p);
    case 'over_standard_charging': return overStandard(claim, lines, p, itemOf);
    case 'beyond_payment_scope': return beyondScope(claim, lines, itemOf);
    case 'split_charging': return splitCharging(claim, lines, p);
    case 'item_swapping': return itemSwapping(lines, p);
    case 'excessive_tests': return excessiveTests(claim, lines, history, p);
    case 'sex_restricted': return sexRestricted(claim, lines, itemOf);
    case 'age_restricted': return ageRestricted(claim, lines, itemOf);
    case 'split_admission': return splitAdmission(claim, history, p);
    case 'bed_hanging': return bedHanging(claim, lines, history, p);
    case 'overlapping_stays': return overlappingStays(claim, history, p);
    case 'over_quantity_prescribing': return overQuantity(claim, lines, history, p, itemOf);
    case 'qualification_mismatch': return qualification(claim, lines, itemOf);
  }
}

/**
 * Every rule of the library that fires on a claim at a stage. `history` is the person's other
 * visits (any order, the claim itself left out or not); the lookback the scan loads is
 * lookbackDays(library) before the claim's first day, up to its last.
 */
export function judgeClaim(library: Library, stage: Stage, claim: ClaimView, history: readonly ClaimView[], catalog: CatalogLookup): Finding[] {
  const rules = rulesFor(library, stage, claim);
  if (rules.length === 0) return [];
  const lines = chargedLines(claim);
  const others = history.filter((v) => v.mdtrt_id !== claim.mdtrt_id && v.psn_no === claim.psn_no);
  const itemOf = (code: string): CatalogItem | undefined => catalog(claim.mdtrtarea_admvs, code);
  const out: Finding[] = [];
  for (const rule of rules) {
    const hit = judgeOne(rule, claim, lines, others, itemOf);
    if (hit === null) continue;
    out.push({
      rule_code: rule.code,
      rule_version: rule.version,
      rule_type: rule.type,
      rule_name: rule.name,
      severity: rule.severity,
      blocking: rule.blocking,
      mdtrt_id: claim.mdtrt_id,
      setl_id: claim.setl_id,
      psn_no: claim.psn_no,
      fixmedins_code: claim.fixmedins_code,
      lines: hit.lines,
      related: hit.related,
      amount_fen: fen(hit.amount),
      vola_cont: { zh: hit.zh, en: hit.en },
      fingerprint: `${rule.code}:${claim.mdtrt_id}`,
    });
  }
  return out;
}
