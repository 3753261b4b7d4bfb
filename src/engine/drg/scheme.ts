import { invalid } from '../errors.ts';

// A DRG grouping scheme as data (CHS-DRG 1.1 and a city's local subdivision of it): the national
// rule tables read into one plain, JSON-serialisable document (kind `grouping_scheme` in the
// registry), and that document compiled into lookups for the grouper (group.ts). The tables are
// the national specification's (catalogs/drg/chs-drg-1.1, OpenDRG's text edition); nothing of
// the scheme is written in code: a new version or a local scheme is a new document.

/** One way into an ADRG; an ADRG lists one or more (any of them lets the case in). */
export interface AdrgCondition {
  /** The principal diagnosis is one of these. */
  principal?: string[];
  /** The principal diagnosis or a secondary one is one of these. */
  any_diagnosis?: string[];
  /** For each list, one of the case's procedures is in it (the first list: the main procedure, where it can be). */
  procedures?: string[][];
  /** Some operating-room procedure, whatever it is ("全部手术"). */
  any_or_procedure?: boolean;
  /** No operating-room procedure ("且无手术"). */
  no_or_procedure?: boolean;
  /** The principal diagnosis is in the MDC's principal table. */
  principal_in_mdc?: boolean;
}

export interface AdrgRule {
  code: string;
  name: string;
  mdc: string;
  /** By the code's second letter: A-J surgery, K-Q operations outside the theatre, R-Z medical. */
  kind: 'surgical' | 'operative' | 'medical';
  when: AdrgCondition[];
}

export interface GroupingScheme {
  scheme_id: string;
  version: number;
  /** 'national' for the national scheme, a pooling region for a local subdivision. */
  admdvs: string;
  source: string;
  mdcs: { code: string; name: string; principal: string[] }[];
  /** MDCZ's body regions: multiple severe trauma is injuries of two or more of them. */
  trauma_regions: { name: string; diagnoses: string[] }[];
  adrgs: AdrgRule[];
  drgs: { code: string; name: string }[];
  /** Major and ordinary complications: code → the exclusion table that applies (null: none). */
  mcc: Record<string, string | null>;
  cc: Record<string, string | null>;
  /** Exclusion tables (表 7-N): the principal diagnoses under which a listed CC/MCC does not count. */
  exclusions: Record<string, string[]>;
}

/** The files of the CHS-DRG 1.1 text edition, by role. */
export interface ChsDrgFiles {
  mdc: string;
  adrg: string;
  drg: string;
  adrgDetail: string;
  mcc: string;
  cc: string;
  cce: string;
  /** MDC code (MDCB) → its principal-diagnosis file's text. */
  mdcPrincipal: Record<string, string>;
}

// A code at the start of a line: a diagnosis (I63.900, A01.000x005+J17.0*, I10.x00) or a procedure (37.5100, 93.9000x003).
const CODE = /^([A-Z]\d{2}[0-9A-Za-z.+*]*|\d{2}\.[0-9A-Za-z.]+)(?:\s+(.*))?$/;
const ADRG_LINE = /^([A-Z]{2}\d)\s+(.*)$/;
const MDC_LINE = /^(MDC[A-Z])\s+(.*)$/;
const clean = (name: string): string => name.replace(/~~/g, '').replace(/\s+/g, ' ').trim();
const linesOf = (text: string): string[] => text.replace(/^\uFEFF/, '').split(/\r?\n/).map((l) => l.trim()).filter((l) => l !== '' && !l.startsWith('#'));
const codeOf = (line: string): string | undefined => CODE.exec(line)?.[1];

/** "code name" lines of a two-column table (1_MDC, 2_ADRG, 3_DRG). */
function namedCodes(text: string, pattern: RegExp, file: string): { code: string; name: string }[] {
  return linesOf(text).map((line, i) => {
    const m = /^(\S+)\s+(.*)$/.exec(line);
    if (!m || !pattern.test(m[1]!)) throw invalid(`${file}:${i + 1}`, `无法识别的行：${line}`, `unrecognised line: ${line}`);
    return { code: m[1]!, name: clean(m[2]!) };
  });
}

/** An MDC's principal table; MDCZ's is split by body region under headers ("头颈部创伤"). */
function principalTable(text: string): { all: string[]; regions: { name: string; diagnoses: string[] }[] } {
  const all: string[] = [];
  const regions: { name: string; diagnoses: string[] }[] = [];
  for (const line of linesOf(text)) {
    const code = codeOf(line);
    if (code) {
      all.push(code);
      regions.at(-1)?.diagnoses.push(code);
    } else if (!line.startsWith('包含')) {
      regions.push({ name: line, diagnoses: [] });
    }
  }
  return { all, regions };
}

/** The ADRG of a code's second letter. */
export function adrgKind(code: string): AdrgRule['kind'] {
  const c = code[1]!;
  return c <= 'J' ? 'surgical' : c <= 'Q' ? 'operative' : 'medical';
}

/** 4_ADRG_DETAIL: each ADRG's entry rule from its headed code lists. */
function adrgRules(text: string, names: Map<string, string>): AdrgRule[] {
  const rules: AdrgRule[] = [];
  let mdc = '';
  let current: { code: string; mdc: string; headers: string[]; lists: { header: string; codes: string[] }[] } | undefined;
  const flush = (): void => {
    if (!current) return;
    rules.push(ruleOf(current.code, current.mdc, current.headers, current.lists, names));
    current = undefined;
  };
  let inPrincipalTable = false;
  for (const line of linesOf(text)) {
    const mdcLine = MDC_LINE.exec(line);
    if (mdcLine) {
      flush();
      mdc = mdcLine[1]!;
      inPrincipalTable = line.includes('主诊表');
      continue;
    }
    const adrg = ADRG_LINE.exec(line);
    if (adrg && !CODE.test(line)) {
      flush();
      inPrincipalTable = false;
      current = { code: adrg[1]!, mdc, headers: [], lists: [] };
      continue;
    }
    if (inPrincipalTable || !current) continue; // the MDC principal tables are read from MDC/*.dat
    const code = codeOf(line);
    if (code) {
      const last = current.lists.at(-1);
      if (!last) throw invalid(`ADRG ${current.code}`, `代码 ${code} 前没有表头`, `code ${code} comes before any header`);
      last.codes.push(code);
    } else {
      current.headers.push(line);
      current.lists.push({ header: line, codes: [] });
    }
  }
  flush();
  return rules;
}

function ruleOf(code: string, mdc: string, headers: string[], lists: { header: string; codes: string[] }[], names: Map<string, string>): AdrgRule {
  const kind = adrgKind(code);
  const name = names.get(code) ?? code;
  const withCodes = lists.filter((l) => l.codes.length > 0);
  const find = (pred: (h: string) => boolean): string[] | undefined => withCodes.find((l) => pred(l.header))?.codes;
  const base = { code, name, mdc, kind };
  // 主要诊断 + 手术表 1 + 手术表 2 / 或 主要诊断 + 手术表 1 + 手术表 3 + 手术表 4 (breast, female genital cancer)
  const alternatives = headers.filter((h) => /^(或)?包含以下主要诊断\+/.test(h));
  if (alternatives.length > 0) {
    const principal = find((h) => h.startsWith('主要诊断'))!;
    const table = (n: string): string[] => {
      const t = find((h) => new RegExp(`^手术(表)?\\s*${n}[：:]`).test(h));
      if (!t) throw invalid(`ADRG ${code}`, `缺少手术表 ${n}`, `operation table ${n} is missing`);
      return t;
    };
    return { ...base, when: alternatives.map((h) => ({ principal, procedures: [...h.matchAll(/手术表\s*(\d+)/g)].map((m) => table(m[1]!)) })) };
  }
  if (headers.some((h) => h.startsWith('符合 MDCZ 主诊表'))) return { ...base, when: [{ principal_in_mdc: true, no_or_procedure: true }] };
  const both = headers.indexOf('同时包含以下手术：');
  if (both >= 0) {
    const principal = find((h) => h === '包含以下主要诊断：');
    const a = lists[both]!.codes;
    const b = lists[headers.indexOf('和', both)]!.codes;
    return { ...base, when: [{ ...(principal ? { principal } : {}), procedures: [a, b] }] };
  }
  const anyDiagnosis = find((h) => h.startsWith('主要诊断或其他诊断中包含'));
  if (anyDiagnosis) return { ...base, when: [{ any_diagnosis: anyDiagnosis }] };
  let principal = find((h) => h === '包含以下主要诊断：' || h === '包含以下诊断：');
  const procedures = find((h) => h === '包含以下主要手术或操作：');
  // Two readings the tables leave to the specification's text: the outcome of delivery (Z37, OR1
  // 阴道分娩) is coded beside the delivery, never as the principal diagnosis, so its list is
  // "among the diagnoses"; and where a treatment ADRG (RC1 放射治疗, RE1 化学治疗和/或其他治疗)
  // lists admissions for treatment (Z51) beside its procedures, such an admission enters by itself.
  if (principal && principal.every((c) => c.startsWith('Z37'))) return { ...base, when: [{ any_diagnosis: principal }] };
  if (principal && procedures && principal.every((c) => c.startsWith('Z51'))) return { ...base, when: [{ principal, procedures: [procedures] }, { principal }] };
  const anyProcedure = headers.some((h) => h.includes('全部手术')) || (kind === 'surgical' && !procedures);
  const cond: AdrgCondition = {
    ...(principal ? { principal } : {}),
    ...(procedures ? { procedures: [procedures] } : {}),
    ...(anyProcedure ? { any_or_procedure: true } : {}),
  };
  if (!principal && !procedures && !anyProcedure) throw invalid(`ADRG ${code}`, '没有入组条件', 'has no entry rule');
  return { ...base, when: [cond] };
}

// 5_MCC, 6_CC and 7_CCE come from a PDF: a name can break over lines and whole pages run into
// one line, so they are read as a stream of words. A word that is a code starts an entry.
const CODE_WORD = /^([A-Z]\d{2}[0-9A-Za-z.+*]*|\d{2}\.[0-9A-Za-z.]+)$/;
const wordsOf = (text: string): string[] => text.replace(/^\uFEFF/, '').split(/\s+/).filter((w) => w !== '');

/** 5_MCC / 6_CC: "code name… 表 7-N" or "code name… 无" (no exclusion table). */
function complications(text: string, file: string): Record<string, string | null> {
  const out: Record<string, string | null> = {};
  let code: string | undefined;
  const words = wordsOf(text);
  for (let i = 0; i < words.length; i++) {
    const w = words[i]!;
    if (CODE_WORD.test(w) && code === undefined) {
      code = w;
      continue;
    }
    if (code === undefined) continue; // headers, page numbers
    const table = w === '表' && /^7-\d+$/.test(words[i + 1] ?? '') ? words[++i]! : w === '无' ? null : undefined;
    if (table === undefined) continue; // a word of the name
    // The PDF repeats some pages; a code listed twice must name the same table.
    if (out[code] !== undefined && out[code] !== table) throw invalid(file, `代码 ${code} 的排除表前后不一`, `code ${code} is listed with two exclusion tables`);
    out[code] = table;
    code = undefined;
  }
  return out;
}

/** 7_CCE: "表 7-N 包含以下主要诊断：" then the principal diagnoses of that table. */
function exclusionTables(text: string): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  let table: string[] | undefined;
  const words = wordsOf(text);
  for (let i = 0; i < words.length; i++) {
    const w = words[i]!;
    if (w === '表' && /^7-\d+$/.test(words[i + 1] ?? '')) {
      table = out[words[++i]!] = [];
      continue;
    }
    if (table && CODE_WORD.test(w)) table.push(w);
  }
  return out;
}

/** The text edition's files by role, given a reader of a file by its path in the folder and the names in MDC/. */
export function chsDrgFiles(read: (file: string) => string, mdcFileNames: readonly string[]): ChsDrgFiles {
  return {
    mdc: read('1_MDC.txt'), adrg: read('2_ADRG.txt'), drg: read('3_DRG.txt'), adrgDetail: read('4_ADRG_DETAIL.txt'), mcc: read('5_MCC.txt'), cc: read('6_CC.txt'), cce: read('7_CCE.txt'),
    mdcPrincipal: Object.fromEntries(mdcFileNames.map((f) => [f.slice(0, 4), read(`MDC/${f}`)])),
  };
}

/** The CHS-DRG 1.1 text edition read into a grouping-scheme document. */
export function parseChsDrg11(files: ChsDrgFiles, meta: { version: number; source: string }): GroupingScheme {
  const mdcNames = namedCodes(files.mdc, /^MDC[A-Z]$/, '1_MDC.txt');
  const adrgNames = new Map(namedCodes(files.adrg, /^[A-Z]{2}\d$/, '2_ADRG.txt').map((a) => [a.code, a.name]));
  const drgs = namedCodes(files.drg, /^[A-Z]{2}\d[1359]$/, '3_DRG.txt');
  let trauma: { name: string; diagnoses: string[] }[] = [];
  const mdcs = mdcNames.map(({ code, name }) => {
    const text = files.mdcPrincipal[code];
    if (text === undefined) throw invalid(`MDC/${code}`, `缺少 ${code} 的主诊表`, `the principal table of ${code} is missing`);
    const t = principalTable(text);
    if (code === 'MDCZ') trauma = t.regions.filter((r) => r.diagnoses.length > 0);
    return { code, name, principal: t.all };
  });
  const adrgs = adrgRules(files.adrgDetail, adrgNames);
  if (adrgs.length !== adrgNames.size) throw invalid('4_ADRG_DETAIL.txt', `ADRG 数 ${adrgs.length} 与 2_ADRG.txt 的 ${adrgNames.size} 不符`, `${adrgs.length} ADRG rules against ${adrgNames.size} ADRGs in 2_ADRG.txt`);
  return {
    scheme_id: 'chs-drg-1.1',
    version: meta.version,
    admdvs: 'national',
    source: meta.source,
    mdcs,
    trauma_regions: trauma,
    adrgs,
    drgs,
    mcc: complications(files.mcc, '5_MCC.txt'),
    cc: complications(files.cc, '6_CC.txt'),
    exclusions: exclusionTables(files.cce),
  };
}

/** The scheme as lookups: which MDCs take a principal diagnosis, which ADRGs an MDC holds, the DRGs of an ADRG. */
export interface CompiledScheme {
  scheme_id: string;
  version: number;
  mdcOf: Map<string, string[]>;
  mdcName: Map<string, string>;
  adrgsOf: Map<string, CompiledAdrg[]>;
  drgsOf: Map<string, Map<string, string>>; // ADRG → suffix (1/3/5/9) → DRG name
  drgName: Map<string, string>;
  /** MDCA's ADRGs, tried before any MDC (transplants, ventilation ≥ 96 h, ECMO). */
  preMdc: CompiledAdrg[];
  /** Procedures of the theatre: those some surgical ADRG lists (outside MDCA and MDCR, whose lists are treatments too). */
  orProcedures: Set<string>;
  traumaRegion: Map<string, number[]>;
  traumaRegionNames: string[];
  mcc: Map<string, string | null>;
  cc: Map<string, string | null>;
  exclusions: Map<string, Set<string>>;
}

export interface CompiledCondition {
  principal?: Set<string>;
  any_diagnosis?: Set<string>;
  procedures?: Set<string>[];
  any_or_procedure?: boolean;
  no_or_procedure?: boolean;
  principal_in_mdc?: boolean;
}

export interface CompiledAdrg {
  code: string;
  name: string;
  mdc: string;
  kind: AdrgRule['kind'];
  when: CompiledCondition[];
  /** Whether any way in asks for a procedure: such ADRGs are tried before the ones by diagnosis alone. */
  byProcedure: boolean;
}

export function compileScheme(s: GroupingScheme): CompiledScheme {
  if (!s || typeof s !== 'object' || !Array.isArray(s.mdcs) || !Array.isArray(s.adrgs) || !Array.isArray(s.drgs)) {
    throw invalid('/', '不是分组方案文档（需要 mdcs、adrgs、drgs）', 'not a grouping-scheme document (mdcs, adrgs and drgs are required)');
  }
  const mdcOf = new Map<string, string[]>();
  for (const m of s.mdcs) for (const code of m.principal) mdcOf.set(code, [...(mdcOf.get(code) ?? []), m.code]);
  // A few principal diagnoses an ADRG lists are missing from its MDC's table (BB1's S02.100):
  // the ADRG's list says which MDC takes them.
  for (const a of s.adrgs) {
    if (a.mdc === 'MDCA') continue;
    for (const w of a.when) for (const code of w.principal ?? []) if (!mdcOf.has(code)) mdcOf.set(code, [a.mdc]);
  }
  const adrgsOf = new Map<string, CompiledAdrg[]>();
  const orProcedures = new Set<string>();
  const preMdc: CompiledAdrg[] = [];
  for (const a of s.adrgs) {
    const when = a.when.map((w) => ({
      ...(w.principal ? { principal: new Set(w.principal) } : {}),
      ...(w.any_diagnosis ? { any_diagnosis: new Set(w.any_diagnosis) } : {}),
      ...(w.procedures ? { procedures: w.procedures.map((p) => new Set(p)) } : {}),
      ...(w.any_or_procedure ? { any_or_procedure: true } : {}),
      ...(w.no_or_procedure ? { no_or_procedure: true } : {}),
      ...(w.principal_in_mdc ? { principal_in_mdc: true } : {}),
    }));
    const c: CompiledAdrg = { code: a.code, name: a.name, mdc: a.mdc, kind: a.kind, when, byProcedure: a.when.some((w) => w.procedures !== undefined || w.any_or_procedure === true) };
    if (a.mdc === 'MDCA') preMdc.push(c);
    else adrgsOf.set(a.mdc, [...(adrgsOf.get(a.mdc) ?? []), c]);
    if (a.kind === 'surgical' && a.mdc !== 'MDCA' && a.mdc !== 'MDCR') for (const w of a.when) for (const list of w.procedures ?? []) for (const p of list) orProcedures.add(p);
  }
  // Procedure ADRGs first, each group in the tables' order.
  for (const [mdc, list] of adrgsOf) adrgsOf.set(mdc, [...list.filter((a) => a.byProcedure), ...list.filter((a) => !a.byProcedure)]);
  const drgsOf = new Map<string, Map<string, string>>();
  for (const d of s.drgs) {
    const adrg = d.code.slice(0, 3);
    if (!drgsOf.has(adrg)) drgsOf.set(adrg, new Map());
    drgsOf.get(adrg)!.set(d.code[3]!, d.name);
  }
  const traumaRegion = new Map<string, number[]>();
  s.trauma_regions.forEach((r, i) => {
    for (const code of r.diagnoses) traumaRegion.set(code, [...(traumaRegion.get(code) ?? []), i]);
  });
  return {
    scheme_id: s.scheme_id,
    version: s.version,
    mdcOf,
    mdcName: new Map(s.mdcs.map((m) => [m.code, m.name])),
    adrgsOf,
    drgsOf,
    drgName: new Map(s.drgs.map((d) => [d.code, d.name])),
    preMdc,
    orProcedures,
    traumaRegion,
    traumaRegionNames: s.trauma_regions.map((r) => r.name),
    mcc: new Map(Object.entries(s.mcc)),
    cc: new Map(Object.entries(s.cc)),
    exclusions: new Map(Object.entries(s.exclusions).map(([k, v]) => [k, new Set(v)])),
  };
}
