import type { CompiledAdrg, CompiledCondition, CompiledScheme } from './scheme.ts';

// The CHS-DRG grouper: one case (a stay's diagnoses and procedures) through the scheme's
// tables in the national specification's order, and every step said in Chinese and English.
// 1. Pre-MDC (MDCA): transplants, invasive ventilation ≥ 96 h, ECMO — by procedure.
// 2. Newborns (MDCP): admitted at 28 days of age or younger; infants under one year whose
//    principal diagnosis is a newborn one (PV1). Birth weight chooses among PS1-PS4.
// 3. HIV (MDCY) and multiple severe trauma (MDCZ: injuries of two or more body regions).
// 4. The MDC whose principal table holds the principal diagnosis (by sex where two do).
// 5. The ADRG: those entered by procedure first (the main procedure, then any other), then by
//    diagnosis; a theatre procedure no surgical ADRG of the MDC takes puts the case in the
//    MDC's QY group.
// 6. The complication level from the secondary diagnoses: an MCC or CC counts unless the
//    principal diagnosis is in its exclusion table (MCC → 1, CC → 3, none → 5; 9 undivided).

export interface DrgCase {
  id: string;
  gend: '1' | '2';
  age: number;
  age_days?: number;
  birth_weight_g?: number;
  los_days: number;
  dscg_way?: string;
  vent_hours?: number;
  /** Principal first. */
  diagnoses: string[];
  /** Main first. */
  procedures: string[];
}

export interface GroupingStep {
  stage: 'pre-mdc' | 'newborn' | 'mdc' | 'adrg' | 'complication' | 'ungroupable';
  rule: string;
  zh: string;
  en: string;
  codes?: string[];
}

export interface ComplicationNote {
  code: string;
  level: 'MCC' | 'CC';
  counted: boolean;
  excludedBy?: string;
}

export interface Grouping {
  id: string;
  scheme: string;
  mdc: string | null;
  adrg: string | null;
  drg: string;
  status: 'grouped' | 'ungroupable';
  reason?: string;
  explanation: GroupingStep[];
  cc?: ComplicationNote[];
}

/** Ventilation of this many hours or more is a pre-MDC case, as the procedure 96.7201 says. */
export const LONG_VENTILATION_HOURS = 96;
const VENTILATION_96H = '96.7201';
const NEWBORN_DAYS = 28;

interface Facts {
  principal: string;
  secondary: string[];
  procedures: string[];
  /** The procedures with 96.7201 added when the list's ventilation hours reach 96. */
  withVentilation: string[];
  hasOr: boolean;
}

/** Which procedure of the case satisfies a list: the main one when it can (`mainOnly`), else any. */
function someIn(list: Set<string>, procedures: readonly string[], mainOnly: boolean): string | undefined {
  if (mainOnly) return procedures[0] !== undefined && list.has(procedures[0]) ? procedures[0] : undefined;
  for (const p of procedures) if (list.has(p)) return p;
  return undefined;
}

/** The codes a condition matched on, or undefined when the case does not meet it. */
// Most conditions tried fail: each test is made before the matched codes are collected, so a
// failed one allocates nothing (the grouper's hot path, docs/benchmarks.md).
function meets(c: CompiledCondition, f: Facts, procedures: readonly string[], mainOnly: boolean, inMdc: boolean): string[] | undefined {
  if (c.principal && !c.principal.has(f.principal)) return undefined;
  let diagnosis: string | undefined;
  if (c.any_diagnosis) {
    diagnosis = c.any_diagnosis.has(f.principal) ? f.principal : firstIn(c.any_diagnosis, f.secondary);
    if (diagnosis === undefined) return undefined;
  }
  if (c.principal_in_mdc && !inMdc) return undefined;
  if (c.no_or_procedure && f.hasOr) return undefined;
  if (c.any_or_procedure && !f.hasOr) return undefined;
  const lists = c.procedures;
  if (lists) {
    const first = mainOnly && lists.length === 1;
    for (let i = 0; i < lists.length; i++) if (someIn(lists[i]!, procedures, first && i === 0) === undefined) return undefined;
  }
  const codes: string[] = [];
  if (c.principal || c.principal_in_mdc) codes.push(f.principal);
  if (diagnosis !== undefined) codes.push(diagnosis);
  if (lists) for (let i = 0; i < lists.length; i++) codes.push(someIn(lists[i]!, procedures, mainOnly && i === 0 && lists.length === 1)!);
  return codes;
}

function firstIn(set: Set<string>, codes: readonly string[]): string | undefined {
  for (const x of codes) if (set.has(x)) return x;
  return undefined;
}

/** The first ADRG of `list` (all entered by procedure, or all by diagnosis) the case meets: by procedure, the main one is tried first. */
function firstAdrg(list: readonly CompiledAdrg[], f: Facts, procedures: readonly string[], inMdc: boolean, byProcedure: boolean): { adrg: CompiledAdrg; codes: string[]; mainOnly: boolean } | undefined {
  if (byProcedure) {
    const found = firstAdrgPass(list, f, procedures, inMdc, true);
    if (found) return found;
  }
  return firstAdrgPass(list, f, procedures, inMdc, false);
}

function firstAdrgPass(list: readonly CompiledAdrg[], f: Facts, procedures: readonly string[], inMdc: boolean, mainOnly: boolean): { adrg: CompiledAdrg; codes: string[]; mainOnly: boolean } | undefined {
  for (const a of list) {
    for (const c of a.when) {
      const codes = meets(c, f, procedures, mainOnly, inMdc);
      if (codes) return { adrg: a, codes, mainOnly };
    }
  }
  return undefined;
}

/** Lookups derived from a compiled scheme once (the scheme module is untouched): each MDC's ADRGs split by way in, each CC/MCC with its exclusion table. */
interface Derived {
  byProcedure: Map<string, CompiledAdrg[]>;
  byDiagnosis: Map<string, CompiledAdrg[]>;
  preMdcByProcedure: CompiledAdrg[];
  complication: Map<string, { level: 'MCC' | 'CC'; table: string | null; excludes: Set<string> | undefined }>;
}

const derivedOf = new WeakMap<CompiledScheme, Derived>();

function derived(s: CompiledScheme): Derived {
  let d = derivedOf.get(s);
  if (d) return d;
  const byProcedure = new Map<string, CompiledAdrg[]>();
  const byDiagnosis = new Map<string, CompiledAdrg[]>();
  for (const [mdc, list] of s.adrgsOf) {
    byProcedure.set(mdc, list.filter((a) => a.byProcedure));
    byDiagnosis.set(mdc, list.filter((a) => !a.byProcedure));
  }
  const complication: Derived['complication'] = new Map();
  // An MCC listing wins over a CC listing of the same code, as in complicationsOf before.
  for (const [level, map] of [['CC', s.cc], ['MCC', s.mcc]] as const) {
    for (const [code, t] of map) {
      const table = t ?? null;
      complication.set(code, { level, table, excludes: table === null ? undefined : s.exclusions.get(table) });
    }
  }
  d = { byProcedure, byDiagnosis, preMdcByProcedure: s.preMdc.filter((a) => a.byProcedure), complication };
  derivedOf.set(s, d);
  return d;
}

const level = { MCC: { zh: '严重合并症或并发症（MCC）', en: 'a major complication or comorbidity (MCC)' }, CC: { zh: '一般合并症或并发症（CC）', en: 'a complication or comorbidity (CC)' } };

/** The secondary diagnoses that count as MCC or CC, and those the principal's exclusion table takes out. */
function complicationsOf(d: Derived, f: Facts): ComplicationNote[] {
  const out: ComplicationNote[] = [];
  for (const code of f.secondary) {
    const x = d.complication.get(code);
    if (!x) continue;
    const excluded = x.table !== null && (x.excludes?.has(f.principal) ?? false);
    out.push(excluded ? { code, level: x.level, counted: false, excludedBy: `表 ${x.table}` } : { code, level: x.level, counted: true });
  }
  return out;
}

/** The DRG of an ADRG at a complication level, where the ADRG divides: 1 with MCC, 3 with CC, 5 without, 9 undivided. */
function drgAt(s: CompiledScheme, adrg: string, worst: 'MCC' | 'CC' | null): { drg: string; suffix: string } | undefined {
  const drgs = s.drgsOf.get(adrg);
  if (!drgs) return undefined;
  if (drgs.has('9')) return { drg: `${adrg}9`, suffix: '9' };
  const wanted = worst === 'MCC' ? ['1', '3', '5'] : worst === 'CC' ? ['3', '5'] : ['5'];
  for (const x of wanted) if (drgs.has(x)) return { drg: `${adrg}${x}`, suffix: x };
  return undefined;
}

/** PS1-PS4 by birth weight (the ADRGs' own names say the bands). */
const WEIGHT_BANDS: ReadonlyMap<string, readonly [number, number]> = new Map([['PS1', [0, 1499]], ['PS2', [1500, 1999]], ['PS3', [2000, 2499]], ['PS4', [2500, 99999]]]);
function weightBand(adrg: string): readonly [number, number] | undefined {
  return WEIGHT_BANDS.get(adrg);
}

/** An ungroupable case's result; `steps` is undefined when the grouping is not explained. */
function ungroupableCase(s: CompiledScheme, c: DrgCase, steps: GroupingStep[] | undefined, rule: string, zh: string, en: string, mdc: string | null = null): Grouping {
  steps?.push({ stage: 'ungroupable', rule, zh, en });
  return { id: c.id, scheme: s.scheme_id, mdc, adrg: null, drg: mdc ? `${mdc.slice(3)}QY` : '0000', status: 'ungroupable', reason: en, explanation: steps ?? [] };
}

export function groupCase(s: CompiledScheme, c: DrgCase, options: { explain?: boolean } = {}): Grouping {
  // Without explanations no step's text is built at all (`steps` undefined); the result is the same.
  const steps: GroupingStep[] | undefined = options.explain !== false ? [] : undefined;
  const d = derived(s);
  const principal = c.diagnoses[0];
  if (principal === undefined) return ungroupableCase(s, c, steps, 'no_principal', '没有主要诊断', 'no principal diagnosis');
  const ventilated = (c.vent_hours ?? 0) >= LONG_VENTILATION_HOURS;
  const withVentilation = ventilated && !c.procedures.includes(VENTILATION_96H) ? [...c.procedures, VENTILATION_96H] : c.procedures;
  let hasOr = false;
  for (const p of c.procedures) {
    if (s.orProcedures.has(p)) {
      hasOr = true;
      break;
    }
  }
  const f: Facts = { principal, secondary: c.diagnoses.slice(1), procedures: c.procedures, withVentilation, hasOr };

  // 1. Pre-MDC.
  const pre = firstAdrg(d.preMdcByProcedure, f, withVentilation, false, true);
  let mdc: string | undefined;
  let found: { adrg: CompiledAdrg; codes: string[]; mainOnly: boolean } | undefined;
  if (pre) {
    mdc = 'MDCA';
    found = pre;
    if (steps) {
      const byVent = ventilated && pre.codes.includes(VENTILATION_96H) && !c.procedures.includes(VENTILATION_96H);
      steps.push({
        stage: 'pre-mdc', rule: pre.adrg.code,
        zh: byVent ? `有创呼吸机使用 ${c.vent_hours} 小时（≥${LONG_VENTILATION_HOURS} 小时），先期分组 MDCA` : `手术操作 ${pre.codes.join('、')} 属先期分组 MDCA`,
        en: byVent ? `invasive ventilation for ${c.vent_hours} hours (≥ ${LONG_VENTILATION_HOURS}): pre-MDC group MDCA` : `procedure ${pre.codes.join(', ')} is a pre-MDC procedure (MDCA)`,
        codes: pre.codes,
      });
    }
  }

  // 2. Newborns.
  const ageDays = c.age_days ?? (c.age === 0 ? undefined : 365 * c.age);
  if (!mdc && ageDays !== undefined && ageDays <= NEWBORN_DAYS) {
    mdc = 'MDCP';
    steps?.push({ stage: 'newborn', rule: 'MDCP', zh: `入院时 ${ageDays} 天（≤${NEWBORN_DAYS} 天），新生儿 MDCP`, en: `${ageDays} days old at admission (≤ ${NEWBORN_DAYS}): newborn, MDCP` });
  }
  const mdcsOfPrincipal = s.mdcOf.get(principal) ?? [];
  if (!mdc && ageDays !== undefined && ageDays < 365 && mdcsOfPrincipal.includes('MDCP')) {
    mdc = 'MDCP';
    steps?.push({ stage: 'newborn', rule: 'MDCP', zh: `不满 1 周岁，主要诊断 ${principal} 源于新生儿期，MDCP`, en: `under one year old with a principal diagnosis of newborn origin (${principal}): MDCP` });
  }

  // 3-4. HIV, multiple trauma, then the MDC of the principal diagnosis.
  if (!mdc) {
    if (mdcsOfPrincipal.includes('MDCY')) {
      mdc = 'MDCY';
      steps?.push({ stage: 'mdc', rule: 'MDCY', zh: `主要诊断 ${principal} 在 MDCY 主诊表`, en: `the principal diagnosis ${principal} is in MDCY's principal table`, codes: [principal] });
    } else if (mdcsOfPrincipal.includes('MDCZ')) {
      const regions = new Set<number>();
      const hit: string[] = [];
      for (const dx of c.diagnoses) {
        const rs = s.traumaRegion.get(dx);
        if (!rs) continue;
        hit.push(dx);
        for (const r of rs) regions.add(r);
      }
      if (regions.size >= 2) {
        mdc = 'MDCZ';
        if (steps) {
          const names = [...regions].map((r) => s.traumaRegionNames[r]).join('、');
          steps.push({ stage: 'mdc', rule: 'MDCZ', zh: `${names}多部位严重创伤（${hit.join('、')}），MDCZ`, en: `severe injuries of ${regions.size} body regions (${hit.join(', ')}): multiple trauma, MDCZ`, codes: hit });
        }
      }
    }
  }
  if (!mdc) {
    const candidates = mdcsOfPrincipal.filter((m) => m !== 'MDCZ' && m !== 'MDCP' && m !== 'MDCA' && !(m === 'MDCM' && c.gend === '2') && !(m === 'MDCN' && c.gend === '1') && !(m === 'MDCO' && c.gend === '1'));
    if (candidates.length === 0) {
      if (mdcsOfPrincipal.length > 0) {
        return ungroupableCase(s, c, steps, 'sex', `主要诊断 ${principal} 与性别不符（${mdcsOfPrincipal.join('、')}）`, `the principal diagnosis ${principal} does not fit the patient's sex (${mdcsOfPrincipal.join(', ')})`);
      }
      return ungroupableCase(s, c, steps, 'no_mdc', `主要诊断 ${principal} 不在任何 MDC 的主诊表中`, `the principal diagnosis ${principal} is in no MDC's principal table`);
    }
    mdc = candidates[0]!;
    steps?.push({ stage: 'mdc', rule: mdc, zh: `主要诊断 ${principal} 在 ${mdc}（${s.mdcName.get(mdc)}）主诊表`, en: `the principal diagnosis ${principal} is in the principal table of ${mdc}`, codes: [principal] });
  }

  // 5. The ADRG.
  if (!found) {
    const inMdc = mdcsOfPrincipal.includes(mdc);
    found = firstAdrg(d.byProcedure.get(mdc) ?? [], f, withVentilation, inMdc, true);
    if (!found && f.hasOr) {
      const or = c.procedures.filter((p) => s.orProcedures.has(p));
      return ungroupableCase(s, c, steps, 'QY', `手术 ${or.join('、')} 与 ${mdc} 的手术组均不相符，歧义组 ${mdc.slice(3)}QY`, `procedure ${or.join(', ')} fits none of ${mdc}'s surgical groups: ${mdc.slice(3)}QY`, mdc);
    }
    found ??= firstAdrg(d.byDiagnosis.get(mdc) ?? [], f, withVentilation, inMdc, false);
    if (found && weightBand(found.adrg.code) && c.birth_weight_g !== undefined) {
      // The PS groups share their diagnoses; birth weight decides among them.
      const weight = c.birth_weight_g;
      const ps = (s.adrgsOf.get(mdc) ?? []).find((a) => {
        const b = weightBand(a.code);
        return b !== undefined && weight >= b[0] && weight <= b[1];
      });
      if (ps) found = { ...found, adrg: ps };
    }
    if (!found) return ungroupableCase(s, c, steps, 'no_adrg', `${mdc} 中没有接收主要诊断 ${principal} 的病组`, `no ADRG of ${mdc} takes the principal diagnosis ${principal}`, mdc);
  }
  const a = found.adrg;
  if (steps) {
    const how = a.byProcedure
      ? { zh: `${found.mainOnly ? '主要手术' : '手术操作'} ${found.codes.filter((x) => x !== principal).join('、')}${a.when.some((w) => w.principal) ? `，主要诊断 ${principal}` : ''}`, en: `${found.mainOnly ? 'the main procedure' : 'procedure'} ${found.codes.filter((x) => x !== principal).join(', ')}${a.when.some((w) => w.principal) ? ` with the principal diagnosis ${principal}` : ''}` }
      : { zh: `诊断 ${found.codes.join('、')}`, en: `diagnosis ${found.codes.join(', ')}` };
    steps.push({ stage: 'adrg', rule: a.code, zh: `${how.zh} → ADRG ${a.code} ${a.name}`, en: `${how.en} → ADRG ${a.code}`, codes: found.codes });
  }

  // 6. The complication level.
  const notes = complicationsOf(d, f);
  let worst: 'MCC' | 'CC' | null = null;
  for (const n of notes) {
    if (n.counted) worst = n.level === 'MCC' || worst === 'MCC' ? 'MCC' : 'CC';
  }
  if (steps) {
    for (const n of notes) {
      if (n.counted) steps.push({ stage: 'complication', rule: n.level, zh: `其他诊断 ${n.code} 为${level[n.level].zh}`, en: `secondary diagnosis ${n.code} is ${level[n.level].en}`, codes: [n.code] });
      else steps.push({ stage: 'complication', rule: n.excludedBy!, zh: `其他诊断 ${n.code}（${n.level}）被主要诊断 ${principal} 的排除${n.excludedBy}排除，不计`, en: `secondary diagnosis ${n.code} (${n.level}) does not count: the principal diagnosis ${principal} is in its exclusion ${n.excludedBy}`, codes: [n.code] });
    }
  }
  const drg = drgAt(s, a.code, worst);
  if (!drg) return ungroupableCase(s, c, steps, 'no_drg', `ADRG ${a.code} 没有细分组`, `ADRG ${a.code} has no DRG`, mdc);
  if (steps) {
    const what = drg.suffix === '9'
      ? { zh: '不再细分', en: 'not subdivided' }
      : drg.suffix === '1' ? { zh: '伴严重合并症或并发症', en: 'with MCC' } : drg.suffix === '3' ? { zh: '伴合并症或并发症', en: worst === 'MCC' ? 'with MCC or CC' : 'with CC' } : { zh: '不伴（严重）合并症或并发症', en: worst ? `${worst} does not divide this ADRG further` : 'without CC or MCC' };
    steps.push({ stage: 'complication', rule: drg.drg, zh: `${what.zh} → DRG ${drg.drg} ${s.drgName.get(drg.drg)}`, en: `${what.en} → DRG ${drg.drg}` });
  }
  return { id: c.id, scheme: s.scheme_id, mdc, adrg: a.code, drg: drg.drg, status: 'grouped', explanation: steps ?? [], ...(notes.length > 0 ? { cc: notes } : {}) };
}
