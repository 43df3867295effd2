import { describe, expect, it } from 'vitest';
import { hashFor, parseHash } from './route';

describe('parseHash', () => {
  const tests = [
    { name: 'conversation', in: '#/c/42', want: 42 },
    { name: 'empty', in: '', want: null },
    { name: 'root', in: '#/', want: null },
    { name: 'not_numeric', in: '#/c/abc', want: null },
    { name: 'zero', in: '#/c/0', want: null },
    { name: 'trailing', in: '#/c/42/x', want: null },
  ];
  for (const tt of tests) {
    it(tt.name, () => expect(parseHash(tt.in)).toBe(tt.want));
  }
  it('round_trip', () => expect(parseHash(hashFor(7))).toBe(7));
});
