import { describe, expect, it } from 'vitest';
import { timings } from './timing';

describe('timings', () => {
  const start = '2026-12-04T10:00:00.100Z';
  it('gives offsets from the request', () => {
    const got = timings(start, '2026-12-04T10:00:00.350Z', '2026-12-04T10:00:02.100Z');
    expect(got.map((t) => [t.label, t.afterMs])).toEqual([
      ['Sent', null],
      ['First byte', 250],
      ['Last byte', 2000],
    ]);
    expect(got[0].at).toMatch(/^\d\d:\d\d:00\.100$/);
  });
  it('leaves out a first byte that never came', () => {
    expect(timings(start, '0001-01-01T00:00:00Z', start).map((t) => t.label)).toEqual(['Sent', 'Last byte']);
    expect(timings(start, undefined, start).map((t) => t.label)).toEqual(['Sent', 'Last byte']);
  });
  it('gives nothing for a bad start', () => expect(timings('x', undefined, 'y')).toEqual([]));
});
