// Shapes for the overview's SVG bar charts: plain arithmetic, no chart library.
import type { Stats } from './types';

/** Bar is one bar of a chart: its label, value and length as a fraction of the longest (0..1). */
export interface Bar {
  label: string;
  value: number;
  frac: number;
}

/** bars scales values to the largest one; a chart of zeros has empty bars. */
export function bars(items: readonly { label: string; value: number }[]): Bar[] {
  const max = Math.max(0, ...items.map((i) => i.value));
  return items.map((i) => ({ ...i, frac: max > 0 ? Math.max(0, i.value) / max : 0 }));
}

/**
 * fillDays returns one entry per day from the first to the last day in byDay (YYYY-MM-DD, any
 * order), with 0 for days without captures, so gaps show as gaps; at most the last maxDays.
 */
export function fillDays(byDay: readonly { day: string; count: number }[], maxDays = 60): { label: string; value: number }[] {
  const counts = new Map(byDay.map((d) => [d.day, d.count]));
  const days = [...counts.keys()].filter((d) => /^\d{4}-\d{2}-\d{2}$/.test(d)).sort();
  if (days.length === 0) return [];
  const out: { label: string; value: number }[] = [];
  const end = Date.parse(`${days.at(-1)}T00:00:00Z`);
  let t = Math.max(Date.parse(`${days[0]}T00:00:00Z`), end - (maxDays - 1) * 86_400_000);
  for (; t <= end; t += 86_400_000) {
    const day = new Date(t).toISOString().slice(0, 10);
    out.push({ label: day, value: counts.get(day) ?? 0 });
  }
  return out;
}

/** statusTotal is the number of conversations counted in stats.byStatus. */
export function statusTotal(s: Pick<Stats, 'byStatus'>): number {
  return Object.values(s.byStatus).reduce((n, v) => n + (v ?? 0), 0);
}
