// Calls to the platform's REST API. The session is an HttpOnly cookie the browser sends itself;
// errors come back as { error, message: '中文 / English', details } and are shown in the current language.

import { formatYuanGrouped } from '../../src/engine/money.ts';

export class ApiError extends Error {
  readonly status: number;
  readonly zh: string;
  readonly en: string;
  constructor(status: number, message: string) {
    const [zh, en] = message.includes(' / ') ? (message.split(' / ', 2) as [string, string]) : [message, message];
    super(en);
    this.status = status;
    this.zh = zh;
    this.en = en;
  }
}

export async function api<T>(path: string, init: { method?: string; body?: unknown } = {}): Promise<T> {
  let res: Response;
  try {
    res = await fetch(path, {
      method: init.method ?? 'GET',
      credentials: 'same-origin',
      headers: init.body === undefined ? {} : { 'content-type': 'application/json' },
      ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }),
    });
  } catch {
    throw new ApiError(0, '网络连接失败，请检查网络后重试 / the network is unreachable; try again');
  }
  const text = await res.text();
  const data = text ? (JSON.parse(text) as unknown) : undefined;
  if (!res.ok) {
    const message = (data as { message?: string } | undefined)?.message ?? `请求失败（${res.status}） / request failed (${res.status})`;
    throw new ApiError(res.status, message);
  }
  return data as T;
}

export const post = <T>(path: string, body: unknown = {}): Promise<T> => api<T>(path, { method: 'POST', body });

/** fen → "1,234.50" */
export const yuan = formatYuanGrouped;

export type { Me, PersonPrincipal } from './types.ts';
