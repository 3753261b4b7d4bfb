// The documents shipped in the repository, read from disk: the ICD-10 and procedure tables (catalogs/icd),
// the demo policies (policies/), the demo catalogs (catalogs/) and the example claim files
// (policies/examples). The demo seed stores the policies and catalogs in the registry
// (documents/seed.ts), which settlement, the workbench and `--database` runs of the CLI read;
// `yibao settle` and `yibao compare` on files, and the demo's claims, read them here.
import fs from 'node:fs';
import path from 'node:path';
import { diseaseLookupFromTable, loadCatalog, loadPolicy, type Catalog, type DiseaseCodeLookup, type Policy } from '../engine/index.ts';
import { notFound } from '../engine/errors.ts';
import { parseClaims } from '../engine/simulator.ts';
import { chsDrgFiles, parseChsDrg11, type GroupingScheme } from '../engine/drg/scheme.ts';
import { projectRoot } from './migrate.ts';

const ROOT = projectRoot();
const POLICY_DIR = path.join(ROOT, 'policies');
const EXAMPLES_DIR = path.join(POLICY_DIR, 'examples');
const EXAMPLE_FILE = /^[a-z0-9-]+\.claims?\.jsonl?$/;

const readJson = (file: string): unknown => JSON.parse(fs.readFileSync(file, 'utf8'));

let icd: DiseaseCodeLookup | undefined;
/** The ICD-10 medical-insurance table shipped in catalogs/icd, read once. */
export function diseaseLookup(): DiseaseCodeLookup {
  icd ??= diseaseLookupFromTable(readJson(path.join(ROOT, 'catalogs/icd/diagnoses.json')) as Record<string, string>);
  return icd;
}

let codeTables: { diagnoses: Readonly<Record<string, string>>; procedures: Readonly<Record<string, string>> } | undefined;
/** The medical-insurance diagnosis and procedure tables (catalogs/icd), exact codes to names, read once. */
export function icdTables(): { diagnoses: Readonly<Record<string, string>>; procedures: Readonly<Record<string, string>> } {
  codeTables ??= {
    diagnoses: readJson(path.join(ROOT, 'catalogs/icd/diagnoses.json')) as Record<string, string>,
    procedures: readJson(path.join(ROOT, 'catalogs/icd/procedures.json')) as Record<string, string>,
  };
  return codeTables;
}

let chsDrg: GroupingScheme | undefined;
/** The national CHS-DRG 1.1 grouping scheme, read from its rule tables (catalogs/drg/chs-drg-1.1) once: the seed stores it in the registry. */
export function chsDrg11Scheme(): GroupingScheme {
  if (chsDrg) return chsDrg;
  const dir = path.join(ROOT, 'catalogs/drg/chs-drg-1.1');
  const read = (f: string): string => fs.readFileSync(path.join(dir, f), 'utf8');
  chsDrg = parseChsDrg11(
    chsDrgFiles(read, fs.readdirSync(path.join(dir, 'MDC'))),
    { version: 1, source: 'CHS-DRG 1.1 (国家医疗保障疾病诊断相关分组 CHS-DRG 分组方案 1.1 版, 2021), text edition of OpenDRG/DRG_Rules CHS_DRG_11 (Apache-2.0), catalogs/drg' },
  );
  return chsDrg;
}

/** Every policy document under a directory (default: the demo policies). */
export function loadPolicyDir(dir = POLICY_DIR): Policy[] {
  return fs
    .readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f) => loadPolicy(readJson(path.join(dir, f)), diseaseLookup()));
}

/** The treatment region's demo catalog: the shared base plus the region's overrides when present. */
export function loadRegionCatalog(admdvs: string, dir = path.join(ROOT, 'catalogs')): Catalog {
  const base = readJson(path.join(dir, 'base.json'));
  const file = path.join(dir, `${admdvs}.json`);
  return loadCatalog(base, fs.existsSync(file) ? readJson(file) : undefined);
}

/** The example claim files and how many claims each holds. */
export function listClaimExamples(): { file: string; claims: number }[] {
  return fs.readdirSync(EXAMPLES_DIR).filter((f) => EXAMPLE_FILE.test(f)).sort().map((f) => ({ file: f, claims: parseClaims(fs.readFileSync(path.join(EXAMPLES_DIR, f), 'utf8')).length }));
}

/** An example claim file's text, by its file name (no paths). */
export function readClaimExample(file: string): string {
  if (!EXAMPLE_FILE.test(file) || !fs.existsSync(path.join(EXAMPLES_DIR, file))) throw notFound('example', `示例 ${file} 不存在`, `no example ${file}`);
  return fs.readFileSync(path.join(EXAMPLES_DIR, file), 'utf8');
}
