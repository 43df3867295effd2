import { describe, expect, it } from 'vitest';
import { daySeries, tokenParts, usd } from './usage';
import type { UsageCost } from './types';

describe('usd', () => {
  const cases: [number, string][] = [
    [0, '$0'],
    [0.00001, '<$0.0001'],
    [0.0123, '$0.0123'],
    [12.345, '$12.35'],
  ];
  for (const [n, want] of cases) it(String(n), () => expect(usd(n)).toBe(want));
});

describe('daySeries', () => {
  const row = (day: string, requests: number) => ({ day, requests }) as UsageCost;
  it('fills days without traffic with 0', () => {
    expect(daySeries([row('2026-12-02', 5), row('2026-12-04', 1)], '2026-12-01T00:00:00+01:00', 4, (r) => r.requests)).toEqual([
      { label: '2026-12-01', value: 0 },
      { label: '2026-12-02', value: 5 },
      { label: '2026-12-03', value: 0 },
      { label: '2026-12-04', value: 1 },
    ]);
  });
  it('crosses a month end', () => {
    expect(daySeries([], '2026-11-30', 2, () => 1).map((d) => d.label)).toEqual(['2026-11-30', '2026-12-01']);
  });
});

describe('tokenParts', () => {
  const cases: [string, [number, number, number?, number?], string][] = [
    ['plain', [950, 120], '950 in · 120 out'],
    ['cached apart', [12_400, 300, 8_000], '12.4k in (8k cached) · 300 out'],
    ['anthropic cache write', [188_107, 393, 0, 188_086], '188k in (188k cache write) · 393 out'],
    ['both', [60_000, 2_000, 40_000, 10_000], '60k in (40k cached, 10k cache write) · 2k out'],
  ];
  for (const [name, args, want] of cases) it(name, () => expect(tokenParts(...args)).toBe(want));
});
