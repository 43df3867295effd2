import { describe, expect, it } from 'vitest';
import { relativeTime } from './time';

describe('relativeTime', () => {
  const now = Date.parse('2025-06-15T12:00:00Z');
  const tests: { name: string; iso: string; want: string }[] = [
    { name: 'just_now', iso: '2025-06-15T11:59:30Z', want: 'just now' },
    { name: 'future_skew', iso: '2025-06-15T12:00:05Z', want: 'just now' },
    { name: 'minutes', iso: '2025-06-15T11:55:00Z', want: '5 min ago' },
    { name: 'one_minute', iso: '2025-06-15T11:59:10Z', want: '1 min ago' },
    { name: 'hours', iso: '2025-06-15T09:00:00+00:00', want: '3 h ago' },
    { name: 'days', iso: '2025-06-13T12:00:00Z', want: '2 d ago' },
    { name: 'same_year_date', iso: '2025-03-04T12:00:00Z', want: 'Mar 4' },
    { name: 'other_year_date', iso: '2023-03-04T12:00:00Z', want: 'Mar 4, 2023' },
    { name: 'unparseable', iso: 'yesterday', want: 'yesterday' },
  ];
  for (const tt of tests) {
    it(tt.name, () => {
      expect(relativeTime(tt.iso, now), `relativeTime(${tt.iso})`).toBe(tt.want);
    });
  }
});
