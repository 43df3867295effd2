// Display helpers for usage and cost: money, and one value per day for the charts.
import type { UsageCost } from './types';
import { compact } from './format';

/** usd formats US dollars: cents for sums of a dollar or more, four decimals below, "<$0.0001" for crumbs. */
export function usd(n: number): string {
  if (n === 0) return '$0';
  if (n < 0.0001) return '<$0.0001';
  return n >= 1 ? `$${n.toFixed(2)}` : `$${n.toFixed(4)}`;
}

/** daySeries gives one bar per day from since (YYYY-MM-DD) for days days, with value(row) or 0 for a day without traffic. */
export function daySeries(rows: readonly UsageCost[], since: string, days: number, value: (r: UsageCost) => number): { label: string; value: number }[] {
  const byDay = new Map(rows.map((r) => [r.day, r]));
  const start = Date.parse(`${since.slice(0, 10)}T00:00:00Z`);
  const out: { label: string; value: number }[] = [];
  for (let i = 0; i < days && !Number.isNaN(start); i++) {
    const day = new Date(start + i * 86_400_000).toISOString().slice(0, 10);
    const r = byDay.get(day);
    out.push({ label: day, value: r ? value(r) : 0 });
  }
  return out;
}

/** tokenParts describes tokens in and out with the cached parts apart: "12k in (8k cached, 1k cache write) · 300 out". */
export function tokenParts(input: number, output: number, cached = 0, cacheWrite = 0): string {
  const parts = [cached && `${compact(cached)} cached`, cacheWrite && `${compact(cacheWrite)} cache write`].filter(Boolean);
  return `${compact(input)} in${parts.length ? ` (${parts.join(', ')})` : ''} · ${compact(output)} out`;
}
