import { describe, expect, it } from 'vitest';
import { pagesFor, scrollFor, scrollToShow, visibleRows } from './virtual';

describe('visibleRows', () => {
  const tests: { name: string; args: Parameters<typeof visibleRows>; want: { start: number; end: number } }[] = [
    { name: 'top', args: [0, 600, 60, 100_000, 2], want: { start: 0, end: 12 } },
    { name: 'middle', args: [6000, 600, 60, 100_000, 2], want: { start: 98, end: 112 } },
    { name: 'bottom_clamped', args: [5_999_400, 600, 60, 100_000, 2], want: { start: 99_988, end: 100_000 } },
    { name: 'short_list', args: [0, 600, 60, 3, 8], want: { start: 0, end: 3 } },
    { name: 'empty', args: [0, 600, 60, 0, 8], want: { start: 0, end: 0 } },
    { name: 'negative_scroll', args: [-50, 120, 60, 10, 0], want: { start: 0, end: 2 } },
    { name: 'partial_row', args: [30, 60, 60, 10, 0], want: { start: 0, end: 2 } },
  ];
  for (const tt of tests) {
    it(tt.name, () => expect(visibleRows(...tt.args)).toEqual(tt.want));
  }
});

describe('pagesFor', () => {
  const tests = [
    { name: 'one', w: { start: 0, end: 12 }, want: [0] },
    { name: 'straddle', w: { start: 95, end: 105 }, want: [0, 1] },
    { name: 'exact_end', w: { start: 100, end: 200 }, want: [1] },
    { name: 'empty', w: { start: 5, end: 5 }, want: [] },
  ];
  for (const tt of tests) {
    it(tt.name, () => expect(pagesFor(tt.w, 100)).toEqual(tt.want));
  }
});

describe('scrollToShow', () => {
  const tests: { name: string; args: Parameters<typeof scrollToShow>; want: number }[] = [
    { name: 'visible', args: [3, 0, 600, 60], want: 0 },
    { name: 'above', args: [2, 300, 600, 60], want: 120 },
    { name: 'below', args: [20, 0, 600, 60], want: 660 },
  ];
  for (const tt of tests) {
    it(tt.name, () => expect(scrollToShow(...tt.args)).toBe(tt.want));
  }
});

describe('scrollFor', () => {
  it('is the identity while the rows fit', () => {
    const s = scrollFor(100_000, 76, 700);
    expect(s.height).toBe(7_600_000);
    expect(s.virtualTop(12_345)).toBe(12_345);
    expect(s.scrollTop(12_345)).toBe(12_345);
    expect(s.rowTop(10, 500)).toBe(760);
  });

  it('caps the height and keeps both ends reachable', () => {
    const rows = 1_000_000;
    const vp = 700;
    const s = scrollFor(rows, 76, vp, 30_000_000);
    expect(s.height).toBe(30_000_000);
    // At the top: row 0 at the top of the viewport.
    expect(s.virtualTop(0)).toBe(0);
    expect(s.rowTop(0, 0)).toBe(0);
    // At the bottom: the last row ends at the bottom of the viewport.
    const bottom = s.height - vp;
    expect(s.virtualTop(bottom)).toBeCloseTo(rows * 76 - vp, 3);
    expect(s.rowTop(rows - 1, bottom) + 76).toBeCloseTo(bottom + vp, 3);
    // Halfway: the rows there, placed on screen.
    const mid = bottom / 2;
    const first = visibleRows(s.virtualTop(mid), vp, 76, rows, 0).start;
    expect(first).toBeGreaterThan(rows / 2 - 10);
    expect(first).toBeLessThan(rows / 2 + 10);
    const top = s.rowTop(first, mid);
    expect(top).toBeGreaterThan(mid - 76);
    expect(top).toBeLessThanOrEqual(mid);
  });

  it('round-trips scrollTop and virtualTop', () => {
    const s = scrollFor(2_000_000, 76, 800, 30_000_000);
    for (const v of [0, 1, 76 * 123_456, 76 * 1_999_000]) expect(s.virtualTop(s.scrollTop(v))).toBeCloseTo(v, 3);
  });
});
