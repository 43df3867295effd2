// The timings of a captured exchange, as the inspector shows them.

/** Timing is one moment of an exchange: when, and how long after the request was sent. */
export interface Timing {
  label: string;
  /** Local time of day with milliseconds, e.g. "14:03:07.215". */
  at: string;
  /** Milliseconds after the request was sent; null for the request itself. */
  afterMs: number | null;
}

const pad = (n: number, w = 2) => String(n).padStart(w, '0');

function clock(t: number): string {
  const d = new Date(t);
  return `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}.${pad(d.getMilliseconds(), 3)}`;
}

/**
 * timings lists sent, first byte and last byte of an exchange from its RFC 3339 times. A first
 * byte that never came (missing, or Go's zero time) is left out.
 */
export function timings(start: string, firstByte: string | undefined, end: string): Timing[] {
  const s = Date.parse(start);
  if (Number.isNaN(s)) return [];
  const out: Timing[] = [{ label: 'Sent', at: clock(s), afterMs: null }];
  const f = firstByte ? Date.parse(firstByte) : NaN;
  if (!Number.isNaN(f) && f >= s) out.push({ label: 'First byte', at: clock(f), afterMs: f - s });
  const e = Date.parse(end);
  if (!Number.isNaN(e) && e >= s) out.push({ label: 'Last byte', at: clock(e), afterMs: e - s });
  return out;
}
