// Time formatting for lists and message headers. Functions take `now` so they are
// deterministic under test; callers pass a clock that ticks with the poll.

const minute = 60_000;
const hour = 60 * minute;
const day = 24 * hour;

/**
 * relativeTime renders an RFC 3339 time as a short distance from now: "just now",
 * "5 min ago", "3 h ago", "2 d ago", then a calendar date ("Mar 4", or "Mar 4, 2023"
 * in another year). Times slightly in the future (clock skew) count as "just now";
 * an unparseable input is returned as is.
 */
export function relativeTime(iso: string, now: number): string {
  const t = Date.parse(iso);
  if (Number.isNaN(t)) return iso;
  const d = now - t;
  if (d < 45_000) return 'just now';
  if (d < hour) return `${Math.max(1, Math.round(d / minute))} min ago`;
  if (d < day) return `${Math.floor(d / hour)} h ago`;
  if (d < 7 * day) return `${Math.floor(d / day)} d ago`;
  const date = new Date(t);
  const sameYear = date.getFullYear() === new Date(now).getFullYear();
  return date.toLocaleDateString('en-US', { month: 'short', day: 'numeric', ...(sameYear ? {} : { year: 'numeric' }) });
}

/** absoluteTime renders an RFC 3339 time in the user's locale, for tooltips. */
export function absoluteTime(iso: string): string {
  const t = Date.parse(iso);
  return Number.isNaN(t) ? iso : new Date(t).toLocaleString();
}

/** clockTime renders an RFC 3339 time as a local time of day ("3:18 PM"), for message headers. */
export function clockTime(iso: string): string {
  const t = Date.parse(iso);
  return Number.isNaN(t) ? iso : new Date(t).toLocaleTimeString([], { hour: 'numeric', minute: '2-digit' });
}
