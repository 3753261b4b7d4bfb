import { Problems } from './errors.ts';

// The service-item catalogue (经办服务事项清单) as data: which matters a person can bring to the
// service network, at which levels they are handled, whether online, at a window or by a grid
// worker's proxy (代办), across provinces (跨省通办), the materials told once (一次告知), the
// promised time limit in working days (承诺时限) and the fee (always none). One document per
// region, the national one (admdvs 000000) the fallback. Pure: the store keeps the versions.

export const SERVICE_LEVELS = ['county', 'town', 'village'] as const;
export type ServiceLevel = (typeof SERVICE_LEVELS)[number];

/** The case kinds an item may open as its handling: the one-window application then follows that case. */
export const LINKED_KINDS = ['filing_review', 'recognition_review', 'medical_assistance'] as const;
export type LinkedKind = (typeof LINKED_KINDS)[number];

export const NATIONAL_ITEMS = '000000';

export interface Material {
  code: string;
  name: { zh: string; en: string };
  required: boolean;
}

export interface ServiceItem {
  code: string;
  name: { zh: string; en: string };
  levels: ServiceLevel[];
  cross_province: boolean;
  online: boolean;
  window: boolean;
  proxy: boolean;
  materials: Material[];
  time_limit_working_days: number;
  /** Fen; the catalogue refuses anything but 0 (经办服务不收费). */
  fee: number;
  linked?: LinkedKind;
}

export interface ServiceCatalogue {
  catalogue_id: string;
  admdvs: string;
  version: number;
  items: ServiceItem[];
}

const CODE = /^[a-z][a-z0-9_]{1,39}$/;
const ADMDVS = /^[0-9]{6}$/;

function isObj(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function checkName(p: Problems, at: string, v: unknown): void {
  if (!isObj(v) || typeof v.zh !== 'string' || !v.zh.trim() || typeof v.en !== 'string' || !v.en.trim()) {
    p.add(at, '名称须有中文（zh）与英文（en）', 'a name needs zh and en');
  }
}

/**
 * Checks a catalogue document: every problem at once, each naming its field as a JSON pointer
 * (`/items/3/fee`). Returns the catalogue typed when it is sound.
 */
export function loadServiceCatalogue(doc: unknown): ServiceCatalogue {
  const p = new Problems();
  if (!isObj(doc)) {
    p.add('/', '经办服务事项清单应为对象', 'the catalogue must be an object');
    p.throwIfAny();
  }
  const d = doc as Record<string, unknown>;
  if (typeof d.catalogue_id !== 'string' || !/^[a-z0-9-]{3,60}$/.test(d.catalogue_id)) p.add('/catalogue_id', 'catalogue_id 应为 3-60 位小写字母、数字或连字符', 'catalogue_id must be 3-60 lower-case letters, digits or hyphens');
  if (typeof d.admdvs !== 'string' || !ADMDVS.test(d.admdvs)) p.add('/admdvs', 'admdvs 应为 6 位区划代码（全国为 000000）', 'admdvs must be a 6-digit division code (000000 national)');
  if (!Number.isInteger(d.version) || (d.version as number) < 1) p.add('/version', 'version 应为正整数', 'version must be a positive integer');
  if (!Array.isArray(d.items) || d.items.length === 0) {
    p.add('/items', '清单须至少有一个事项', 'the catalogue needs at least one item');
    p.throwIfAny();
  }
  const seen = new Set<string>();
  (d.items as unknown[]).forEach((raw, i) => {
    const at = `/items/${i}`;
    if (!isObj(raw)) {
      p.add(at, '事项应为对象', 'an item must be an object');
      return;
    }
    if (typeof raw.code !== 'string' || !CODE.test(raw.code)) p.add(`${at}/code`, '事项代码应为小写字母开头的 2-40 位字母、数字或下划线', 'an item code is 2-40 lower-case letters, digits or underscores');
    else if (seen.has(raw.code)) p.add(`${at}/code`, `事项代码 ${raw.code} 重复`, `item code ${raw.code} appears twice`);
    else seen.add(raw.code);
    checkName(p, `${at}/name`, raw.name);
    if (!Array.isArray(raw.levels) || raw.levels.length === 0 || raw.levels.some((l) => !SERVICE_LEVELS.includes(l as ServiceLevel))) {
      p.add(`${at}/levels`, `办理层级应为 ${SERVICE_LEVELS.join('、')} 中的至少一个`, `levels must be one or more of ${SERVICE_LEVELS.join(', ')}`);
    }
    for (const flag of ['cross_province', 'online', 'window', 'proxy'] as const) {
      if (typeof raw[flag] !== 'boolean') p.add(`${at}/${flag}`, `${flag} 应为 true 或 false`, `${flag} must be true or false`);
    }
    if (raw.online === false && raw.window === false && raw.proxy === false) p.add(`${at}/window`, '事项须至少可在线上、窗口或代办其一办理', 'an item must be possible online, at a window or by proxy');
    if (!Number.isInteger(raw.time_limit_working_days) || (raw.time_limit_working_days as number) < 0 || (raw.time_limit_working_days as number) > 60) {
      p.add(`${at}/time_limit_working_days`, '承诺时限应为 0-60 个工作日（0 为即办）', 'time_limit_working_days must be 0-60 working days (0: done at once)');
    }
    if (raw.fee !== 0) p.add(`${at}/fee`, '医保经办服务不收费：fee 应为 0（分）', 'insurance services are free: fee must be 0 fen');
    if (raw.linked !== undefined && !LINKED_KINDS.includes(raw.linked as LinkedKind)) p.add(`${at}/linked`, `linked 应为 ${LINKED_KINDS.join('、')} 之一`, `linked must be one of ${LINKED_KINDS.join(', ')}`);
    if (!Array.isArray(raw.materials)) p.add(`${at}/materials`, 'materials 应为数组', 'materials must be an array');
    else {
      const mseen = new Set<string>();
      raw.materials.forEach((m, j) => {
        const mat = `${at}/materials/${j}`;
        if (!isObj(m)) return p.add(mat, '材料应为对象', 'a material must be an object');
        if (typeof m.code !== 'string' || !CODE.test(m.code)) p.add(`${mat}/code`, '材料代码应为小写字母、数字或下划线', 'a material code is lower-case letters, digits or underscores');
        else if (mseen.has(m.code)) p.add(`${mat}/code`, `材料代码 ${m.code} 重复`, `material code ${m.code} appears twice`);
        else mseen.add(m.code);
        checkName(p, `${mat}/name`, m.name);
        if (typeof m.required !== 'boolean') p.add(`${mat}/required`, 'required 应为 true 或 false', 'required must be true or false');
      });
    }
  });
  p.throwIfAny();
  return d as unknown as ServiceCatalogue;
}

/** The channels an application arrives by. */
export const CHANNELS = ['online', 'window', 'proxy'] as const;
export type Channel = (typeof CHANNELS)[number];

/** Whether an item may be applied for by a channel; the refusal's words when not. */
export function channelRefusal(item: ServiceItem, channel: Channel): { zh: string; en: string } | null {
  if (item[channel]) return null;
  const words = { online: { zh: '不能在线申请', en: 'cannot be applied for online' }, window: { zh: '不在窗口受理', en: 'is not received at a window' }, proxy: { zh: '不可由网格员代办', en: 'cannot be handled by a grid worker as proxy' } }[channel];
  return { zh: `事项“${item.name.zh}”${words.zh}`, en: `item ${item.code} ${words.en}` };
}

/** The required materials not among those attached (一次告知: all of them named at once). */
export function missingMaterials(item: ServiceItem, attached: readonly string[]): Material[] {
  return item.materials.filter((m) => m.required && !attached.includes(m.code));
}

/** Codes attached that the item does not list. */
export function unknownMaterials(item: ServiceItem, attached: readonly string[]): string[] {
  return attached.filter((c) => !item.materials.some((m) => m.code === c));
}

// 好差评: a score of 1-5 and reasons from a fixed list; a score of 2 or less is poor and is
// followed up (回访整改).
export const RATING_REASONS = {
  quick: { zh: '办理快捷', en: 'quick', good: true },
  told_once: { zh: '一次告知清楚', en: 'told everything once', good: true },
  courteous: { zh: '态度热情', en: 'courteous', good: true },
  convenient: { zh: '就近方便', en: 'close and convenient', good: true },
  slow: { zh: '办理超时或拖延', en: 'slow or late', good: false },
  asked_again: { zh: '多次补交材料', en: 'asked for materials more than once', good: false },
  unclear: { zh: '告知不清', en: 'not told clearly', good: false },
  discourteous: { zh: '态度不好', en: 'discourteous', good: false },
  not_solved: { zh: '问题未解决', en: 'problem not solved', good: false },
} as const;
export type RatingReason = keyof typeof RATING_REASONS;
export const POOR_RATING = 2;

export function checkRating(score: unknown, reasons: unknown, comment: unknown): { score: number; reasons: RatingReason[]; comment: string | null } {
  const p = new Problems();
  if (!Number.isInteger(score) || (score as number) < 1 || (score as number) > 5) p.add('score', '评分应为 1-5 的整数', 'score must be an integer 1-5');
  const list = reasons ?? [];
  if (!Array.isArray(list)) p.add('reasons', 'reasons 应为原因代码数组', 'reasons must be an array of reason codes');
  else for (const r of list) if (typeof r !== 'string' || !(r in RATING_REASONS)) p.add('reasons', `未知的评价原因 ${String(r)}（可选：${Object.keys(RATING_REASONS).join('、')}）`, `unknown reason ${String(r)} (one of ${Object.keys(RATING_REASONS).join(', ')})`);
  if (comment !== undefined && comment !== null && (typeof comment !== 'string' || comment.length > 500)) p.add('comment', '评价内容不超过 500 字', 'comment is text of at most 500 characters');
  if (Number.isInteger(score) && (score as number) <= POOR_RATING && Array.isArray(list) && list.length === 0 && !(typeof comment === 'string' && comment.trim())) {
    p.add('reasons', '差评须选择原因或填写说明', 'a poor rating needs a reason or a comment');
  }
  p.throwIfAny();
  return { score: score as number, reasons: [...new Set(list as RatingReason[])], comment: typeof comment === 'string' && comment.trim() ? comment.trim() : null };
}

/**
 * What a linked review case's state means for the application that opened it: completed,
 * refused, or (null) still in process. One entry per linked kind; a new linked kind (medical
 * assistance) adds its line here and its opener in src/app/service/linked.ts.
 */
export const LINKED_OUTCOMES: Readonly<Record<LinkedKind, (state: string) => 'completed' | 'refused' | null>> = {
  // under commitment (告知承诺) a filing is effective at once: the matter is done
  filing_review: (s) => (s === 'effective' || s === 'commitment_check' ? 'completed' : s === 'rejected' || s === 'revoked' || s === 'superseded' ? 'refused' : null),
  recognition_review: (s) => (s === 'recognised' ? 'completed' : s === 'rejected' || s === 'revoked' ? 'refused' : null),
  // approved is not done yet: the matter is completed when the assistance is paid
  medical_assistance: (s) => (s === 'paid' ? 'completed' : s === 'rejected' || s === 'dismissed' ? 'refused' : null),
};

export function isLinkedKind(kind: string): kind is LinkedKind {
  return (LINKED_KINDS as readonly string[]).includes(kind);
}
