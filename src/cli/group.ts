import fs from 'node:fs';
import readline from 'node:readline';
import type { Readable, Writable } from 'node:stream';
import { once } from 'node:events';
import { compileScheme, type CompiledScheme, type GroupingScheme } from '../engine/drg/scheme.ts';
import { groupCase, type DrgCase } from '../engine/drg/group.ts';
import { Problems, YibaoError } from '../engine/errors.ts';
import { chsDrg11Scheme } from '../store/shipped-documents.ts';

// `yibao group --scheme chs-drg-1.1 --input cases.jsonl [--output out.jsonl]`: a file of cases
// (one JSON object a line) through the DRG grouper, one grouping a line out, streamed so that a
// year of a province's stays never sits in memory. A bad line is reported with its number and
// field on stderr and skipped; the run goes on and exits with 1 at the end.

/** The schemes the command knows, by id: each read from the tables shipped in the repository. */
export const GROUPING_SCHEMES: Readonly<Record<string, () => GroupingScheme>> = {
  'chs-drg-1.1': chsDrg11Scheme,
};

export interface GroupArgs {
  scheme: string;
  input: string;
  output?: string;
}

const USAGE = 'usage: yibao group --scheme chs-drg-1.1 --input cases.jsonl [--output out.jsonl]';

export function parseGroupArgs(args: readonly string[]): GroupArgs {
  const value = (flag: string): string | undefined => {
    const i = args.indexOf(flag);
    return i >= 0 ? args[i + 1] : undefined;
  };
  const scheme = value('--scheme');
  const input = value('--input');
  if (!scheme || !input) throw new Error(USAGE);
  const output = value('--output');
  return { scheme, input, ...(output ? { output } : {}) };
}

/** The compiled scheme of an id, or an error listing the known ones. */
export function schemeById(id: string): CompiledScheme {
  const load = Object.hasOwn(GROUPING_SCHEMES, id) ? GROUPING_SCHEMES[id] : undefined;
  if (!load) {
    const known = Object.keys(GROUPING_SCHEMES).join(', ');
    throw new Error(`未知的分组方案 "${id}"，可用：${known} / unknown grouping scheme "${id}"; known schemes: ${known}`);
  }
  return compileScheme(load());
}

const isCount = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v) && v >= 0;
const isCodeList = (v: unknown): v is string[] => Array.isArray(v) && v.every((x) => typeof x === 'string' && x.trim() !== '');

/** One input line as a case; every problem of the line named by its field (`line 7: diagnoses`). */
export function caseFromLine(text: string, lineNo: number): DrgCase {
  const at = (field: string): string => `line ${lineNo}: ${field}`;
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    throw new YibaoError('invalid', [{ field: at('(json)'), zh: '不是有效的 JSON', en: 'not valid JSON' }]);
  }
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    throw new YibaoError('invalid', [{ field: at('(json)'), zh: '应为一个 JSON 对象', en: 'a JSON object is expected' }]);
  }
  const r = raw as Record<string, unknown>;
  const p = new Problems();
  const id = typeof r.id === 'number' ? String(r.id) : r.id;
  if (typeof id !== 'string' || id === '') p.add(at('id'), '缺少病例编号（字符串）', 'the case id (a string) is missing');
  const gend = String(r.gend);
  if (gend !== '1' && gend !== '2') p.add(at('gend'), '性别应为 1（男）或 2（女）', 'sex is 1 (male) or 2 (female)');
  if (!isCount(r.age)) p.add(at('age'), '年龄应为不小于 0 的整数（岁）', 'age is a whole number of years, 0 or more');
  if (r.age_days !== undefined && r.age_days !== null && !isCount(r.age_days)) p.add(at('age_days'), '天龄应为不小于 0 的整数', 'age_days is a whole number, 0 or more');
  if (r.birth_weight_g !== undefined && r.birth_weight_g !== null && !(isCount(r.birth_weight_g) && r.birth_weight_g > 0)) p.add(at('birth_weight_g'), '出生体重应为正整数（克）', 'birth_weight_g is a positive whole number of grams');
  if (!isCount(r.los_days)) p.add(at('los_days'), '住院天数应为不小于 0 的整数', 'los_days is a whole number, 0 or more');
  if (r.dscg_way !== undefined && r.dscg_way !== null && typeof r.dscg_way !== 'string' && typeof r.dscg_way !== 'number') p.add(at('dscg_way'), '离院方式应为代码', 'dscg_way is a code');
  if (r.vent_hours !== undefined && r.vent_hours !== null && !(typeof r.vent_hours === 'number' && Number.isFinite(r.vent_hours) && r.vent_hours >= 0)) p.add(at('vent_hours'), '呼吸机使用小时数应为不小于 0 的数', 'vent_hours is a number, 0 or more');
  if (!isCodeList(r.diagnoses) || r.diagnoses.length === 0) p.add(at('diagnoses'), '缺少诊断（代码数组，主要诊断在前）', 'diagnoses (a list of codes, the principal first) are missing');
  if (r.procedures !== undefined && r.procedures !== null && !isCodeList(r.procedures)) p.add(at('procedures'), '手术操作应为代码数组（主要手术在前）', 'procedures is a list of codes, the main one first');
  p.throwIfAny();
  return {
    id: id as string,
    gend: gend as '1' | '2',
    age: r.age as number,
    ...(isCount(r.age_days) ? { age_days: r.age_days } : {}),
    ...(isCount(r.birth_weight_g) ? { birth_weight_g: r.birth_weight_g } : {}),
    los_days: r.los_days as number,
    ...(r.dscg_way !== undefined && r.dscg_way !== null ? { dscg_way: String(r.dscg_way) } : {}),
    ...(typeof r.vent_hours === 'number' ? { vent_hours: r.vent_hours } : {}),
    diagnoses: (r.diagnoses as string[]).map((d) => d.trim()),
    procedures: ((r.procedures as string[] | undefined | null) ?? []).map((x) => x.trim()),
  };
}

export interface GroupRunSummary {
  cases: number;
  grouped: number;
  ungroupable: number;
  errors: number;
  seconds: number;
  cases_per_s: number;
}

/** Groups every line of `input` into `output`; `log` gets the bad lines, the progress and nothing else. */
export async function groupLines(scheme: CompiledScheme, input: Readable, output: Writable, log: (line: string) => void, progressEvery = 10_000): Promise<GroupRunSummary> {
  const t0 = performance.now();
  const s = { cases: 0, grouped: 0, ungroupable: 0, errors: 0 };
  let buffer = '';
  const caseOrReport = (line: string, lineNo: number): DrgCase | undefined => {
    try {
      return caseFromLine(line, lineNo);
    } catch (err) {
      s.errors++;
      log(err instanceof YibaoError ? err.bilingual() : `line ${lineNo}: ${err instanceof Error ? err.message : String(err)}`);
      return undefined;
    }
  };
  const flush = async (): Promise<void> => {
    if (buffer === '') return;
    const chunk = buffer;
    buffer = '';
    if (!output.write(chunk)) await once(output, 'drain');
  };
  let lineNo = 0;
  for await (const line of readline.createInterface({ input, crlfDelay: Infinity })) {
    lineNo++;
    if (line.trim() !== '') {
      const c = caseOrReport(line, lineNo);
      if (c) {
        const g = groupCase(scheme, c, { explain: true });
        s.cases++;
        if (g.status === 'grouped') s.grouped++;
        else s.ungroupable++;
        buffer += JSON.stringify({ id: g.id, mdc: g.mdc, adrg: g.adrg, drg: g.drg, status: g.status, explanation: g.explanation }) + '\n';
        if (buffer.length >= 1 << 16) await flush();
      }
    }
    if (lineNo % progressEvery === 0) log(`${lineNo} lines: ${s.grouped} grouped, ${s.ungroupable} ungroupable, ${s.errors} bad`);
  }
  await flush();
  const seconds = (performance.now() - t0) / 1000;
  return { ...s, seconds, cases_per_s: seconds > 0 ? Math.round(s.cases / seconds) : 0 };
}

export function summaryLine(r: GroupRunSummary): string {
  return `${r.cases} cases: ${r.grouped} grouped, ${r.ungroupable} ungroupable, ${r.errors} errors; ${r.seconds.toFixed(2)} s, ${r.cases_per_s} cases/s`;
}

export async function groupCommand(args: string[]): Promise<void> {
  const a = parseGroupArgs(args);
  const scheme = schemeById(a.scheme);
  const log = (line: string): void => console.error(`[yibao group] ${line}`);
  const input = fs.createReadStream(a.input);
  const output = a.output ? fs.createWriteStream(a.output) : process.stdout;
  const r = await groupLines(scheme, input, output, log);
  if (a.output) {
    output.end();
    await once(output, 'finish');
  }
  log(summaryLine(r));
  if (r.errors > 0) process.exitCode = 1;
}
