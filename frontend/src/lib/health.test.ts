import { describe, expect, it } from 'vitest';
import { errorParts, percent, saveState } from './health';
import type { AppStatus } from './types';

const none = { server: 0, timeouts: 0, cut: 0, unreachable: 0, aborted: 0, other: 0 };

describe('errorParts', () => {
  const tests = [
    { name: 'none', e: none, want: [] },
    {
      name: 'codes_then_kinds',
      e: { ...none, byStatus: { '429': 3, '401': 1 }, server: 2, timeouts: 1, cut: 2, aborted: 1 },
      want: ['401 ×1', '429 ×3', '5xx ×2', 'timeout ×1', 'cut stream ×2', 'client gave up ×1'],
    },
  ];
  for (const tt of tests) it(tt.name, () => expect(errorParts(tt.e)).toEqual(tt.want));
});

describe('percent', () => {
  it('no_requests', () => expect(percent(0, 0)).toBe('–'));
  it('whole', () => expect(percent(1, 4)).toBe('100%'));
  it('fraction', () => expect(percent(6 / 15, 15)).toBe('40%'));
  it('one_decimal', () => expect(percent(0.975, 40)).toBe('97.5%'));
});

describe('saveState', () => {
  const base: AppStatus = { capturing: true, proxyAddr: '', baseURL: '', dataDir: '', conversations: 0, exchanges: 0, queued: 0 };
  const tests = [
    { name: 'unknown', s: null, ok: false, has: 'unknown' },
    { name: 'all_saved', s: base, ok: true, has: 'every capture saved' },
    { name: 'queued', s: { ...base, queued: 4 }, ok: true, has: '4 queued' },
    { name: 'held', s: { ...base, held: 2 }, ok: false, has: 'held in memory' },
    { name: 'unsaved_wins_over_held', s: { ...base, held: 2, unsaved: 1, saveError: 'disk full' }, ok: false, has: 'disk full' },
    { name: 'db_error_wins', s: { ...base, unsaved: 1, dbError: 'locked' }, ok: false, has: 'locked' },
    { name: 'off', s: { ...base, capturing: false }, ok: true, has: 'capture is off' },
  ];
  for (const tt of tests) {
    it(tt.name, () => {
      const got = saveState(tt.s);
      expect(got.ok).toBe(tt.ok);
      expect(got.text).toContain(tt.has);
    });
  }
});
