import { describe, expect, it } from 'vitest';
import { bars, fillDays, statusTotal } from './stats';

describe('bars', () => {
  it('scales_to_max', () =>
    expect(bars([{ label: 'a', value: 5 }, { label: 'b', value: 10 }]).map((b) => b.frac)).toEqual([0.5, 1]));
  it('zeros', () => expect(bars([{ label: 'a', value: 0 }])[0].frac).toBe(0));
  it('empty', () => expect(bars([])).toEqual([]));
});

describe('fillDays', () => {
  it('fills_gaps_in_order', () =>
    expect(fillDays([{ day: '2026-03-03', count: 2 }, { day: '2026-03-01', count: 1 }])).toEqual([
      { label: '2026-03-01', value: 1 },
      { label: '2026-03-02', value: 0 },
      { label: '2026-03-03', value: 2 },
    ]));
  it('month_boundary', () =>
    expect(fillDays([{ day: '2026-02-28', count: 1 }, { day: '2026-03-01', count: 1 }]).map((d) => d.label)).toEqual([
      '2026-02-28',
      '2026-03-01',
    ]));
  it('keeps_last_days', () => {
    const got = fillDays([{ day: '2026-01-01', count: 1 }, { day: '2026-01-31', count: 1 }], 7);
    expect(got.map((d) => d.label)).toEqual(['2026-01-25', '2026-01-26', '2026-01-27', '2026-01-28', '2026-01-29', '2026-01-30', '2026-01-31']);
  });
  it('empty', () => expect(fillDays([])).toEqual([]));
});

describe('statusTotal', () => {
  it('sums', () => expect(statusTotal({ byStatus: { unreviewed: 3, confirmed: 2 } })).toBe(5));
});
