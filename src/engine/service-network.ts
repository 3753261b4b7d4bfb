import { isWorkingDay, weekday, type IsoDate, type WorkingCalendar } from './calendar.ts';
import { Problems, invalid } from './errors.ts';
import { splitCsvLine } from './csv.ts';

// Service points (服务网点) and grids (网格): the pure rules — what a point's code, level, kind,
// hours and items may be, whether it is open at an instant, where a region's places may lie,
// the appointment slots of a day and the queue numbers (叫号) of a window. No I/O: the store
// hands in the region, its calendar and the places already known.

export const SERVICE_POINT_LEVELS = ['province', 'city', 'county', 'town', 'village'] as const;
export type ServicePointLevel = (typeof SERVICE_POINT_LEVELS)[number];

/** What a point is: a bureau's hall, a town/street station, a village/community point, or a point inside a bank, hospital or pharmacy. */
export const SERVICE_POINT_KINDS = {
  bureau_hall: { zh: '医保经办大厅', en: 'bureau service hall' },
  town_station: { zh: '乡镇（街道）医保服务站', en: 'town/street service station' },
  village_point: { zh: '村（社区）医保服务点', en: 'village/community service point' },
  bank: { zh: '银行网点医保服务点', en: 'service point in a bank' },
  hospital: { zh: '医院医保服务点', en: 'service point in a hospital' },
  pharmacy: { zh: '药店医保服务点', en: 'service point in a pharmacy' },
} as const;
export type ServicePointKind = keyof typeof SERVICE_POINT_KINDS;

/**
 * The service items a point may handle. For now the list is here; the service-item catalogue
 * (a document of kind `service_items`) is to replace it as the source of valid codes.
 */
export const COMMON_SERVICE_ITEMS = {
  enrollment: { zh: '参保登记', en: 'enrollment registration' },
  contribution: { zh: '参保缴费', en: 'contribution' },
  transfer: { zh: '医保关系转移接续', en: 'transfer of insurance relation' },
  filing: { zh: '异地就医备案', en: 'filing for care elsewhere' },
  recognition: { zh: '门诊慢特病认定', en: 'chronic-disease recognition' },
  cash_claim: { zh: '零星报销', en: 'claim for care paid in cash' },
  medical_assistance: { zh: '医疗救助', en: 'medical assistance' },
  certificate: { zh: '参保凭证打印', en: 'certificate printing' },
  family_sharing: { zh: '个人账户家庭共济', en: 'personal-account family sharing' },
  info_change: { zh: '参保信息变更', en: 'change of insured information' },
  insurance_query: { zh: '参保信息查询', en: 'insurance query' },
  card: { zh: '医保卡（码）服务', en: 'card and code services' },
} as const;
export type ServiceItemCode = keyof typeof COMMON_SERVICE_ITEMS;

/**
 * "The common items" of the 15-minute service circle: what a point must handle for the homes
 * around it to count as covered — the everyday matters a village point does (seed 001).
 */
export const COVERAGE_ITEMS: readonly ServiceItemCode[] = ['enrollment', 'contribution', 'insurance_query', 'certificate', 'info_change'];

export const WEEKDAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] as const;
export type Weekday = (typeof WEEKDAYS)[number];
/** Opening hours per weekday as [from, to) intervals of "HH:MM"; a day not named is closed. */
export type OpeningHours = Partial<Record<Weekday, [string, string][]>>;

const HHMM = /^([01][0-9]|2[0-3]):([0-5][0-9])$/;
export const minutesOf = (hhmm: string): number => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));
export const hhmmOf = (minutes: number): string => `${String(Math.floor(minutes / 60)).padStart(2, '0')}:${String(minutes % 60).padStart(2, '0')}`;

/** The hours as given, checked: known weekdays, "HH:MM" intervals from < to, in order, not overlapping. */
export function checkOpeningHours(value: unknown, problems: Problems, field = 'opening_hours'): OpeningHours {
  const out: OpeningHours = {};
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    problems.add(field, '应为按星期的时段对象，如 {"mon":[["08:30","12:00"]]}', 'must be an object of weekday intervals, e.g. {"mon":[["08:30","12:00"]]}');
    return out;
  }
  for (const [day, intervals] of Object.entries(value as Record<string, unknown>)) {
    const f = `${field}.${day}`;
    if (!(WEEKDAYS as readonly string[]).includes(day)) {
      problems.add(f, `星期应为 ${WEEKDAYS.join('/')} 之一`, `the weekday must be one of ${WEEKDAYS.join('/')}`);
      continue;
    }
    if (!Array.isArray(intervals) || intervals.length > 6) {
      problems.add(f, '应为至多 6 个 [开始, 结束] 时段', 'must be a list of at most 6 [from, to] intervals');
      continue;
    }
    let last = -1;
    const list: [string, string][] = [];
    for (const [i, iv] of intervals.entries()) {
      if (!Array.isArray(iv) || iv.length !== 2 || !iv.every((t) => typeof t === 'string' && HHMM.test(t))) {
        problems.add(`${f}.${i}`, '时段应为 ["HH:MM","HH:MM"]', 'an interval is ["HH:MM","HH:MM"]');
        continue;
      }
      const [a, b] = [minutesOf(iv[0] as string), minutesOf(iv[1] as string)];
      if (a >= b) problems.add(`${f}.${i}`, '开始时间须早于结束时间', 'the start must be before the end');
      else if (a < last) problems.add(`${f}.${i}`, '时段须按时间先后且不重叠', 'intervals must be in order and not overlap');
      else {
        last = b;
        list.push([iv[0] as string, iv[1] as string]);
      }
    }
    out[day as Weekday] = list;
  }
  return out;
}

/** Weekday intervals, the usual office hours: Monday to Friday 08:30–12:00 and 14:30–17:30. */
export const OFFICE_HOURS: OpeningHours = Object.fromEntries(
  (['mon', 'tue', 'wed', 'thu', 'fri'] as const).map((d) => [d, [['08:30', '12:00'], ['14:30', '17:30']]]),
);

/**
 * Whether a point with these hours is open on `day` at `hhmm` (China time): a non-working day of
 * the region's calendar closes it whatever its hours (a public holiday on a Monday), and a
 * make-up working day on a weekend (调休上班) opens it with the hours of a Monday.
 */
export function isOpenAt(hours: OpeningHours, cal: WorkingCalendar, day: IsoDate, hhmm: string): boolean {
  return intervalsOn(hours, cal, day).some(([a, b]) => {
    const t = minutesOf(hhmm);
    return t >= minutesOf(a) && t < minutesOf(b);
  });
}

/** The intervals a point is open on a day (none on a non-working day of the calendar). */
export function intervalsOn(hours: OpeningHours, cal: WorkingCalendar, day: IsoDate): [string, string][] {
  if (!isWorkingDay(cal, day)) return [];
  const w = weekday(day);
  const name = w === 0 || w === 6 ? 'mon' : WEEKDAYS[w]!; // a working weekend day keeps Monday's hours
  return hours[name] ?? [];
}

/** The length of an appointment slot (预约时段), minutes. */
export const SLOT_MINUTES = 30;

/** The slots of a day: every whole SLOT_MINUTES within the open intervals, by start time. */
export function slotsOn(hours: OpeningHours, cal: WorkingCalendar, day: IsoDate): string[] {
  const out: string[] = [];
  for (const [a, b] of intervalsOn(hours, cal, day)) {
    for (let t = minutesOf(a); t + SLOT_MINUTES <= minutesOf(b); t += SLOT_MINUTES) out.push(hhmmOf(t));
  }
  return out;
}

/** A window ticket's number: the series letter and a three-digit serial (A001 … A999). */
export function ticketNo(series: 'A' | 'Y', serial: number): string {
  if (!Number.isInteger(serial) || serial < 1 || serial > 999) throw invalid('ticket_no', '当日号码已发完（999 个）', 'the day\'s numbers are used up (999)');
  return `${series}${String(serial).padStart(3, '0')}`;
}
export const TICKET_NO = /^[AY][0-9]{3}$/;
export const TICKET_STATES = ['waiting', 'called', 'served', 'missed'] as const;
export type TicketState = (typeof TICKET_STATES)[number];
/** Ticket moves: a called number is served or missed; nothing else moves. */
export const TICKET_MOVES: Record<'served' | 'missed', readonly TicketState[]> = { served: ['called'], missed: ['called'] };

// ---- codes and places ----

/** A point's code: SP, the 12-digit region code (right-padded with zeros), a 2-digit serial. */
export const SERVICE_POINT_CODE = /^SP[0-9]{12}[0-9]{2}$/;
export const GRID_CODE = /^WG[0-9]{12}[0-9]{2}$/;
export const pad12 = (admdvs: string): string => admdvs.padEnd(12, '0');
export const servicePointCode = (admdvs: string, serial: number): string => `SP${pad12(admdvs)}${String(serial).padStart(2, '0')}`;
export const gridCode = (admdvs: string, serial: number): string => `WG${pad12(admdvs)}${String(serial).padStart(2, '0')}`;

/** A box of latitudes and longitudes. */
export interface Extent { min_lat: number; max_lat: number; min_lng: number; max_lng: number }

/** The margin around a region's known places, degrees (≈ 2 km): a new point may stand a little past the outermost village. */
export const EXTENT_MARGIN_DEG = 0.02;
/** When a region has no known places: the radius around its centre (its own or its nearest ancestor's), km, by level. */
export const EXTENT_RADIUS_KM: Record<ServicePointLevel, number> = { province: 600, city: 150, county: 60, town: 25, village: 10 };

/**
 * A region's extent: the bounding box of its known places (its villages and service points,
 * with a margin), or, with none, a square of the level's radius around its centre; undefined
 * when neither is known (then only the ranges are checked).
 */
export function regionExtent(places: readonly { lat: number; lng: number }[], centre: { lat: number; lng: number } | undefined, level: ServicePointLevel): Extent | undefined {
  if (places.length > 0) {
    let e = { min_lat: Infinity, max_lat: -Infinity, min_lng: Infinity, max_lng: -Infinity };
    for (const p of places) e = { min_lat: Math.min(e.min_lat, p.lat), max_lat: Math.max(e.max_lat, p.lat), min_lng: Math.min(e.min_lng, p.lng), max_lng: Math.max(e.max_lng, p.lng) };
    return { min_lat: e.min_lat - EXTENT_MARGIN_DEG, max_lat: e.max_lat + EXTENT_MARGIN_DEG, min_lng: e.min_lng - EXTENT_MARGIN_DEG, max_lng: e.max_lng + EXTENT_MARGIN_DEG };
  }
  if (!centre) return undefined;
  const dLat = EXTENT_RADIUS_KM[level] / 111.195;
  const dLng = dLat / Math.max(0.1, Math.cos((centre.lat * Math.PI) / 180));
  return { min_lat: centre.lat - dLat, max_lat: centre.lat + dLat, min_lng: centre.lng - dLng, max_lng: centre.lng + dLng };
}

/** Checks a position: numbers in range, and inside the region's extent when one is known. */
export function checkPosition(lat: unknown, lng: unknown, extent: Extent | undefined, problems: Problems, regionName: string, prefix = ''): { lat: number; lng: number } | undefined {
  const okLat = typeof lat === 'number' && Number.isFinite(lat) && lat >= -90 && lat <= 90;
  const okLng = typeof lng === 'number' && Number.isFinite(lng) && lng >= -180 && lng <= 180;
  if (!okLat) problems.add(`${prefix}lat`, '纬度应为 -90 到 90 之间的数', 'lat must be a number from -90 to 90');
  if (!okLng) problems.add(`${prefix}lng`, '经度应为 -180 到 180 之间的数', 'lng must be a number from -180 to 180');
  if (!okLat || !okLng) return undefined;
  if (extent) {
    if (lat < extent.min_lat || lat > extent.max_lat) problems.add(`${prefix}lat`, `纬度 ${lat} 不在${regionName}范围内（${extent.min_lat.toFixed(3)}–${extent.max_lat.toFixed(3)}）`, `lat ${lat} is outside ${regionName} (${extent.min_lat.toFixed(3)}–${extent.max_lat.toFixed(3)})`);
    if (lng < extent.min_lng || lng > extent.max_lng) problems.add(`${prefix}lng`, `经度 ${lng} 不在${regionName}范围内（${extent.min_lng.toFixed(3)}–${extent.max_lng.toFixed(3)}）`, `lng ${lng} is outside ${regionName} (${extent.min_lng.toFixed(3)}–${extent.max_lng.toFixed(3)})`);
  }
  return { lat, lng };
}

/** A service point as staff give it (create, edit, import row). */
export interface ServicePointInput {
  code?: unknown; name?: unknown; level?: unknown; kind?: unknown; admdvs?: unknown; address?: unknown;
  lat?: unknown; lng?: unknown; opening_hours?: unknown; windows?: unknown; items?: unknown; active?: unknown;
}

export interface ServicePoint {
  code: string; name: string; level: ServicePointLevel; kind: ServicePointKind; admdvs: string; address: string;
  lat: number; lng: number; opening_hours: OpeningHours; windows: number; items: ServiceItemCode[]; active: boolean;
}

/** The region a point or grid is in, as the store found it. */
export interface RegionFacts { code: string; name: string; level: ServicePointLevel; extent: Extent | undefined }

const str = (v: unknown): string | undefined => (typeof v === 'string' && v.trim() !== '' ? v.trim() : undefined);

/** Checks the service item codes against the known list. */
export function checkItems(value: unknown, problems: Problems, field = 'items'): ServiceItemCode[] {
  if (!Array.isArray(value) || value.length === 0 || value.length > 50) {
    problems.add(field, '应为 1-50 个服务事项编码', 'must be a list of 1-50 service item codes');
    return [];
  }
  const out: ServiceItemCode[] = [];
  for (const [i, c] of value.entries()) {
    if (typeof c !== 'string' || !(c in COMMON_SERVICE_ITEMS)) problems.add(`${field}.${i}`, `未知的服务事项编码 ${String(c)}`, `unknown service item code ${String(c)}`);
    else if (!out.includes(c as ServiceItemCode)) out.push(c as ServiceItemCode);
  }
  return out;
}

/**
 * A service point checked whole: every problem named by its field, in Chinese and English, or
 * the point. `region` is the one named by admdvs (undefined when it does not exist); `existing`
 * is the stored point when editing (its code and region stay).
 */
export function checkServicePoint(input: ServicePointInput, region: RegionFacts | undefined, existing?: ServicePoint, prefix = ''): ServicePoint {
  const p = new Problems();
  const f = (name: string) => `${prefix}${name}`;
  const merged = { ...(existing ?? {}), ...Object.fromEntries(Object.entries(input).filter(([, v]) => v !== undefined)) } as ServicePointInput;
  const admdvs = existing ? existing.admdvs : str(merged.admdvs);
  if (existing && input.admdvs !== undefined && input.admdvs !== existing.admdvs) p.add(f('admdvs'), '网点所属地区不能修改（编码含地区）', 'a point\'s region cannot change (its code contains it)');
  if (!admdvs) p.add(f('admdvs'), '缺少所属地区编码', 'admdvs is required');
  else if (!region) p.add(f('admdvs'), `地区 ${admdvs} 不在区划库中`, `region ${admdvs} is not in the region registry`);
  const code = str(merged.code);
  if (!code || !SERVICE_POINT_CODE.test(code)) p.add(f('code'), '网点编码应为 SP + 12 位地区码 + 2 位序号', 'the code is SP + the 12-digit region code + a 2-digit serial');
  else if (admdvs && code.slice(2, 14) !== pad12(admdvs)) p.add(f('code'), `网点编码应以 SP${pad12(admdvs)} 开头`, `the code must start with SP${pad12(admdvs)}`);
  const name = str(merged.name);
  if (!name || name.length > 100) p.add(f('name'), '名称应为 1-100 个字符', 'the name is 1-100 characters');
  const level = merged.level as ServicePointLevel;
  if (!(SERVICE_POINT_LEVELS as readonly string[]).includes(String(level))) p.add(f('level'), `层级应为 ${SERVICE_POINT_LEVELS.join('/')}`, `level must be one of ${SERVICE_POINT_LEVELS.join('/')}`);
  // a point's region is the one it serves: a town station's admdvs is its town, a village point's its village
  else if (region && level !== region.level) p.add(f('level'), `${region.name}是 ${region.level} 级地区，其网点层级应为 ${region.level}`, `${region.name} is a ${region.level}; its points are of level ${region.level}`);
  const kind = merged.kind as ServicePointKind;
  if (!(String(kind) in SERVICE_POINT_KINDS)) p.add(f('kind'), `类别应为 ${Object.keys(SERVICE_POINT_KINDS).join('/')}`, `kind must be one of ${Object.keys(SERVICE_POINT_KINDS).join('/')}`);
  const address = merged.address === undefined ? '' : merged.address;
  if (typeof address !== 'string' || address.length > 200) p.add(f('address'), '地址至多 200 个字符', 'the address is at most 200 characters');
  const at = checkPosition(merged.lat, merged.lng, region?.extent, p, region?.name ?? '该地区', prefix);
  const hours = checkOpeningHours(merged.opening_hours ?? OFFICE_HOURS, p, f('opening_hours'));
  const windows = merged.windows ?? 1;
  if (typeof windows !== 'number' || !Number.isInteger(windows) || windows < 1 || windows > 100) p.add(f('windows'), '窗口数应为 1-100 的整数', 'windows must be a whole number from 1 to 100');
  const items = checkItems(merged.items, p, f('items'));
  const active = merged.active ?? true;
  if (typeof active !== 'boolean') p.add(f('active'), '应为 true 或 false', 'must be true or false');
  p.throwIfAny();
  return { code: code!, name: name!, level, kind, admdvs: admdvs!, address: address as string, lat: at!.lat, lng: at!.lng, opening_hours: hours, windows: windows as number, items, active: active as boolean };
}

export interface GridInput { code?: unknown; name?: unknown; admdvs?: unknown; villages?: unknown; worker?: unknown }
export interface Grid { code: string; name: string; admdvs: string; villages: string[]; worker: string | null }

/**
 * A grid checked whole. `region` is its town or village; `villageOk` says whether a code is a
 * village/community inside that region; `workerOk` whether a username is a grid worker free for it.
 */
export function checkGrid(
  input: GridInput, region: RegionFacts | undefined, villageProblem: (code: string) => string | undefined,
  workerProblem: (username: string) => { zh: string; en: string } | undefined, existing?: Grid, prefix = '',
): Grid {
  const p = new Problems();
  const f = (name: string) => `${prefix}${name}`;
  const merged = { ...(existing ?? {}), ...Object.fromEntries(Object.entries(input).filter(([, v]) => v !== undefined)) } as GridInput;
  const admdvs = existing ? existing.admdvs : str(merged.admdvs);
  if (existing && input.admdvs !== undefined && input.admdvs !== existing.admdvs) p.add(f('admdvs'), '网格所属地区不能修改（编码含地区）', 'a grid\'s region cannot change (its code contains it)');
  if (!admdvs) p.add(f('admdvs'), '缺少所属地区编码', 'admdvs is required');
  else if (!region) p.add(f('admdvs'), `地区 ${admdvs} 不在区划库中`, `region ${admdvs} is not in the region registry`);
  else if (region.level !== 'town' && region.level !== 'village') p.add(f('admdvs'), '网格属于乡镇（街道）或村（社区）', 'a grid belongs to a town/street or a village/community');
  const code = str(merged.code);
  if (!code || !GRID_CODE.test(code)) p.add(f('code'), '网格编码应为 WG + 12 位地区码 + 2 位序号', 'the code is WG + the 12-digit region code + a 2-digit serial');
  else if (admdvs && code.slice(2, 14) !== pad12(admdvs)) p.add(f('code'), `网格编码应以 WG${pad12(admdvs)} 开头`, `the code must start with WG${pad12(admdvs)}`);
  const name = str(merged.name);
  if (!name || name.length > 100) p.add(f('name'), '名称应为 1-100 个字符', 'the name is 1-100 characters');
  const villages: string[] = [];
  if (!Array.isArray(merged.villages) || merged.villages.length === 0 || merged.villages.length > 200) p.add(f('villages'), '应为 1-200 个村（社区）编码', 'must be a list of 1-200 village/community codes');
  else for (const [i, v] of merged.villages.entries()) {
    const why = typeof v === 'string' ? villageProblem(v) : '应为 12 位村（社区）编码';
    if (why) p.add(`${f('villages')}.${i}`, why, `${String(v)} is not a village/community of this grid's region`);
    else if (!villages.includes(v as string)) villages.push(v as string);
  }
  const worker = merged.worker === undefined || merged.worker === null || merged.worker === '' ? null : merged.worker;
  if (worker !== null) {
    const why = typeof worker === 'string' ? workerProblem(worker) : { zh: '应为网格员账号', en: 'must be a grid worker\'s username' };
    if (why) p.add(f('worker'), why.zh, why.en);
  }
  p.throwIfAny();
  return { code: code!, name: name!, admdvs: admdvs!, villages, worker: worker as string | null };
}


export const POINT_CSV_COLUMNS = ['code', 'name', 'level', 'kind', 'admdvs', 'address', 'lat', 'lng', 'windows', 'items', 'opening_hours', 'active'] as const;

/**
 * Service points from CSV with a header of POINT_CSV_COLUMNS (code … items required): numbers
 * read as numbers, items separated by "|", opening_hours as JSON (empty: office hours), active
 * true/false (empty: true). A cell that cannot be read is left as text for the row check to name.
 */
export function parsePointCsv(csv: string): ServicePointInput[] {
  const lines = csv.replace(/^\uFEFF/, '').split(/\r?\n/).filter((l) => l.trim() !== '');
  const header = splitCsvLine(lines[0] ?? '').map((h) => h.toLowerCase());
  const p = new Problems();
  for (const c of POINT_CSV_COLUMNS.slice(0, 10)) if (!header.includes(c)) p.add('csv', `表头缺少列 ${c}`, `the header lacks the column ${c}`);
  for (const c of header) if (!(POINT_CSV_COLUMNS as readonly string[]).includes(c)) p.add('csv', `未知的列 ${c}`, `unknown column ${c}`);
  p.throwIfAny();
  const num = (s: string | undefined): unknown => (s === undefined || s === '' ? undefined : /^-?[0-9]+(\.[0-9]+)?$/.test(s) ? Number(s) : s);
  return lines.slice(1).map((line) => {
    const cells = splitCsvLine(line);
    const at = (c: string): string | undefined => cells[header.indexOf(c)];
    let hours: unknown;
    const h = at('opening_hours');
    if (h) {
      try { hours = JSON.parse(h); } catch { hours = h; }
    }
    const active = at('active');
    return {
      code: at('code'), name: at('name'), level: at('level'), kind: at('kind'), admdvs: at('admdvs'), address: at('address') ?? '',
      lat: num(at('lat')), lng: num(at('lng')), windows: num(at('windows')),
      items: (at('items') ?? '').split('|').map((s) => s.trim()).filter(Boolean),
      opening_hours: hours, active: active === undefined || active === '' ? undefined : active === 'true' ? true : active === 'false' ? false : active,
    };
  });
}
