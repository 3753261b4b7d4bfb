import crypto from 'node:crypto';
import {
  CHRGITM_LVS, CROSS_REGION_STATUSES, FUND_PAY_TYPES, HOSP_LVS, INSUTYPES, MED_CHRGITM_TYPES, MED_TYPES, PSN_INSU_STAS, PSN_TYPES, SETTLEMENT_AMOUNTS,
} from '../../engine/codes.ts';
import type { FhirResource } from './types.ts';

// The national codes as FHIR CodeSystem resources, generated from src/engine/codes.ts (the one
// copy of the codes): each dictionary becomes one CodeSystem at `<base>/CodeSystem/<id>`, and
// every coding the mappers write names its system through `systemUrl`, so a resource and the
// CodeSystem it points to cannot disagree. The version is a digest of the concepts: it moves
// when a code or a label does, and only then.

type Labels = Readonly<Record<string, { readonly zh: string; readonly en: string }>>;

interface CodeSystemSource {
  /** The national interface's field the codes are the values of. */
  field: string;
  title: { zh: string; en: string };
  /** Complete: every code listed from codes.ts; not-present: a system we name whose codes live in documents (the ICD-10 table, the catalogs). */
  concepts?: Labels;
  where?: string;
}

export const CODE_SYSTEMS = {
  insutype: { field: 'insutype', title: { zh: '险种类型', en: 'insurance type' }, concepts: INSUTYPES },
  'fund-pay-type': { field: 'fund_pay_type', title: { zh: '基金支付类型', en: 'fund payment type' }, concepts: FUND_PAY_TYPES },
  'chrgitm-lv': { field: 'chrgitm_lv', title: { zh: '收费项目等级（甲乙丙类）', en: 'catalog class (A, B, C)' }, concepts: CHRGITM_LVS },
  'med-type': { field: 'med_type', title: { zh: '医疗类别', en: 'medical type' }, concepts: MED_TYPES },
  'med-chrgitm-type': { field: 'med_chrgitm_type', title: { zh: '医疗收费项目类别', en: 'fee category' }, concepts: MED_CHRGITM_TYPES },
  'hosp-lv': { field: 'hosp_lv', title: { zh: '医疗机构等级', en: 'institution level' }, concepts: HOSP_LVS },
  'psn-type': { field: 'psn_type', title: { zh: '人员类别', en: 'person type' }, concepts: PSN_TYPES },
  'psn-insu-stas': { field: 'psn_insu_stas', title: { zh: '参保状态', en: 'enrollment status' }, concepts: PSN_INSU_STAS },
  'cross-region-status': { field: 'cross_region_status', title: { zh: '异地就医状态', en: 'cross-region status of a visit' }, concepts: CROSS_REGION_STATUSES },
  'settlement-amount': { field: 'setlinfo', title: { zh: '结算金额项', en: 'settlement amount' }, concepts: SETTLEMENT_AMOUNTS },
  icd10: { field: 'diag_code', title: { zh: '医保版疾病诊断分类与代码（ICD-10）', en: 'diagnosis codes (ICD-10, national medical-insurance edition)' }, where: 'the ICD-10 table the repository ships (src/store/shipped-documents.ts)' },
  'med-list': { field: 'med_list_codg', title: { zh: '医保目录编码（药品、医疗服务项目、医用耗材）', en: 'national catalogue codes (drugs, services, consumables)' }, where: 'the catalogs of the registry of versioned documents (catalogs/*.json)' },
} as const satisfies Record<string, CodeSystemSource>;

export type CodeSystemId = keyof typeof CODE_SYSTEMS;

/** The default canonical base; a deployment sets its own with YIBAO_FHIR_BASE (docs/fhir.md). */
export const DEFAULT_FHIR_BASE = 'https://yibao.example/fhir';

export const systemUrl = (base: string, id: CodeSystemId): string => `${base}/CodeSystem/${id}`;

/** Identifier namespaces (Identifier.system) under the same base. */
export const IDENTIFIER_SYSTEMS = ['psn-no', 'resident-id-card', 'fixmedins-code', 'admdvs', 'mdtrt-id', 'setl-id', 'enrollment-id', 'clearing-statement'] as const;
export type IdentifierSystem = (typeof IDENTIFIER_SYSTEMS)[number];
export const identifierSystem = (base: string, id: IdentifierSystem): string => `${base}/sid/${id}`;

/** Extension URLs (StructureDefinition canonicals) under the same base. */
export const extensionUrl = (base: string, name: string): string => `${base}/StructureDefinition/${name}`;

export function isCodeSystemId(id: string): id is CodeSystemId {
  return Object.prototype.hasOwnProperty.call(CODE_SYSTEMS, id);
}

export interface Coding {
  readonly system: string;
  readonly code: string;
  readonly display?: string;
}

const codings = new Map<string, Coding>();

/**
 * A coding in one of our systems; the display is the Chinese label (the English one is the
 * CodeSystem's designation). The dictionaries' codings are made once and shared (a year of
 * settlements repeats the same few); codes outside them (diagnoses, catalogue codes) are not kept.
 */
export function coding(base: string, id: CodeSystemId, code: string): Coding {
  const source: CodeSystemSource = CODE_SYSTEMS[id];
  const label = source.concepts?.[code];
  if (!label) return { system: systemUrl(base, id), code };
  const key = `${base} ${id} ${code}`;
  let c = codings.get(key);
  if (!c) codings.set(key, (c = Object.freeze({ system: systemUrl(base, id), code, display: label.zh })));
  return c;
}

const cache = new Map<string, FhirResource>();

/** The CodeSystem resource of one of our dictionaries; the same base and codes give the same resource. */
export function codeSystemResource(base: string, id: CodeSystemId): FhirResource {
  const key = `${base} ${id}`;
  const hit = cache.get(key);
  if (hit) return hit;
  const source: CodeSystemSource = CODE_SYSTEMS[id];
  const concepts = source.concepts
    ? Object.entries(source.concepts).map(([code, l]) => ({ code, display: l.zh, designation: [{ language: 'en', value: l.en }] }))
    : undefined;
  const version = crypto.createHash('sha256').update(JSON.stringify([id, source.title, concepts ?? source.where])).digest('hex').slice(0, 12);
  const name = id.split('-').map((w) => w[0]!.toUpperCase() + w.slice(1)).join('');
  const resource: FhirResource = {
    resourceType: 'CodeSystem',
    id,
    url: systemUrl(base, id),
    version,
    name,
    title: `${source.title.zh} / ${source.title.en}`,
    status: 'active',
    experimental: false,
    publisher: 'yibao',
    description: concepts
      ? `国家医保信息业务编码 ${source.field} 的取值（由 src/engine/codes.ts 生成）/ the values of the national interface field ${source.field}, generated from src/engine/codes.ts`
      : `${source.field} 的编码见${source.where === CODE_SYSTEMS.icd10.where ? '仓库所附的 ICD-10 表' : '版本化文件登记中的目录'}，此处不列出 / the codes of ${source.field} are in ${source.where}; not listed here`,
    caseSensitive: true,
    content: concepts ? 'complete' : 'not-present',
    ...(concepts ? { count: concepts.length, concept: concepts } : {}),
  };
  cache.set(key, resource);
  return resource;
}
