import { dateProblem, type DateWindowName } from './dates.ts';
// One error type for the whole platform (like Medplum's OperationOutcome): every failure a
// client can cause is a YibaoError naming the field and what was expected, in Chinese and
// English. The server turns it into an HTTP answer or a gateway envelope in one place.

export type ErrorKind =
  | 'invalid' // the input is malformed or breaks a rule: HTTP 400
  | 'not_found' // the thing named does not exist: HTTP 404
  | 'conflict' // the input clashes with existing state (duplicate, wrong state): HTTP 409
  | 'forbidden' // the caller may not do this: HTTP 403
  | 'unauthenticated' // no or bad credentials: HTTP 401
  | 'unavailable' // a party the answer needs cannot be reached now; the same request may be retried: HTTP 503
  | 'rate_limited'; // too many tries from this address or for this account; retry after `retryAfterS`: HTTP 429

export interface ErrorDetail {
  /** Path of the offending field, e.g. `input.data.certno` or `/inpatient/ratio_bp/1`. */
  field: string;
  zh: string;
  en: string;
}

export class YibaoError extends Error {
  readonly kind: ErrorKind;
  readonly details: readonly ErrorDetail[];
  /** When the same request may be tried again, in seconds (a Retry-After header). */
  readonly retryAfterS: number | undefined;

  constructor(kind: ErrorKind, details: readonly ErrorDetail[], retryAfterS?: number) {
    if (details.length === 0) throw new Error('YibaoError needs at least one detail');
    super(details.map((d) => `${d.field}: ${d.en}`).join('; '));
    this.name = 'YibaoError';
    this.kind = kind;
    this.details = details;
    this.retryAfterS = retryAfterS;
  }

  /** "字段 certno：…；… / certno: …; …" — the bilingual one-line form used in err_msg. */
  bilingual(): string {
    const zh = this.details.map((d) => `${d.field}：${d.zh}`).join('；');
    const en = this.details.map((d) => `${d.field}: ${d.en}`).join('; ');
    return `${zh} / ${en}`;
  }
}

export const invalid = (field: string, zh: string, en: string): YibaoError =>
  new YibaoError('invalid', [{ field, zh, en }]);
export const notFound = (field: string, zh: string, en: string): YibaoError =>
  new YibaoError('not_found', [{ field, zh, en }]);
export const conflict = (field: string, zh: string, en: string): YibaoError =>
  new YibaoError('conflict', [{ field, zh, en }]);
export const forbidden = (field: string, zh: string, en: string): YibaoError =>
  new YibaoError('forbidden', [{ field, zh, en }]);
export const unauthenticated = (field: string, zh: string, en: string): YibaoError =>
  new YibaoError('unauthenticated', [{ field, zh, en }]);
export const unavailable = (field: string, zh: string, en: string, retryAfterS?: number): YibaoError =>
  new YibaoError('unavailable', [{ field, zh, en }], retryAfterS);

/** Too many tries: refused until `retryAfterS` seconds have passed (sign-in limits). */
export const rateLimited = (field: string, zh: string, en: string, retryAfterS: number): YibaoError =>
  new YibaoError('rate_limited', [{ field, zh, en }], retryAfterS);

/** Collects problems so a whole document can be refused with every problem listed. */
export class Problems {
  private readonly list: ErrorDetail[] = [];
  add(field: string, zh: string, en: string): void {
    this.list.push({ field, zh, en });
  }
  /** A yyyy-MM-dd date that must be a real day in the window of its kind of field (dates.ts). */
  date(field: string, value: unknown, window: DateWindowName, now?: Date): void {
    const problem = dateProblem(value, window, now);
    if (problem) this.add(field, problem.zh, problem.en);
  }
  get count(): number {
    return this.list.length;
  }
  throwIfAny(kind: ErrorKind = 'invalid'): void {
    if (this.list.length > 0) throw new YibaoError(kind, [...this.list]);
  }
}

/** An invariant of the platform itself was broken: a bug, never a client's mistake. Stays on in production. */
export function assertInvariant(condition: unknown, message: string): asserts condition {
  if (!condition) throw new Error(`invariant violated: ${message}`);
}
