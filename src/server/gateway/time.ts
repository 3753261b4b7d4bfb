// The interface's clock faces: every time it writes is China Standard Time (UTC+8, no
// daylight saving), whatever the server's zone. The instant itself comes from ctx.now.

const CST_OFFSET_MS = 8 * 3600 * 1000;

function parts(at: Date): { y: string; mo: string; d: string; h: string; mi: string; s: string; ms: string } {
  const t = new Date(at.getTime() + CST_OFFSET_MS);
  const p = (n: number, w = 2): string => String(n).padStart(w, '0');
  return {
    y: p(t.getUTCFullYear(), 4),
    mo: p(t.getUTCMonth() + 1),
    d: p(t.getUTCDate()),
    h: p(t.getUTCHours()),
    mi: p(t.getUTCMinutes()),
    s: p(t.getUTCSeconds()),
    ms: p(t.getUTCMilliseconds(), 3),
  };
}

/** yyyyMMddHHmmssSSS (refmsg_time, respond_time). */
export function compactMillis(at: Date): string {
  const x = parts(at);
  return `${x.y}${x.mo}${x.d}${x.h}${x.mi}${x.s}${x.ms}`;
}

/** yyyyMMddHHmmss (inside inf_refmsgid). */
export function compactSeconds(at: Date): string {
  return compactMillis(at).slice(0, 14);
}

/** yyyy-MM-dd HH:mm:ss (sign_time, begntime…). */
export function dateTime(at: Date): string {
  const x = parts(at);
  return `${x.y}-${x.mo}-${x.d} ${x.h}:${x.mi}:${x.s}`;
}

/** A stored date (yyyy-mm-dd) as the interface's datetime at midnight. */
export function dateAsDateTime(date: string): string {
  return `${date} 00:00:00`;
}
