import { describe, expect, it } from 'vitest';
import { pagesFor, scrollToShow, visibleRows } from './virtual';

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
