import { describe, expect, it } from 'vitest';
import { defaultFilter } from './route';
import { keep, loadPos, moveBack, moveOn, progress, queueKey, savePos, storageKey } from './queue';

// memory is a Storage stand-in holding strings, as localStorage does.
function memory(): Pick<Storage, 'getItem' | 'setItem'> & { data: Map<string, string> } {
  const data = new Map<string, string>();
  return { data, getItem: (k) => data.get(k) ?? null, setItem: (k, v) => void data.set(k, String(v)) };
}

describe('queue walk', () => {
  // Each step passes the current conversation; stillListed says whether it still matches.
  const tests = [
    { name: 'steady_list', total: [5, 5, 5], listed: [true, true, true], want: ['1 of 5', '2 of 5', '3 of 5', '4 of 5'] },
    // Confirming under "unreviewed" takes each out: the list shrinks, the count does not.
    { name: 'shrinking_list', total: [340, 339, 338], listed: [false, false, false], want: ['1 of 340', '2 of 340', '3 of 340', '4 of 340'] },
    { name: 'skip_then_confirm', total: [10, 10, 9], listed: [true, false, true], want: ['1 of 10', '2 of 10', '3 of 10', '4 of 10'] },
  ];
  for (const tt of tests) {
    it(tt.name, () => {
      let p = { index: 0, done: 0 };
      const seen = [];
      for (let i = 0; i <= tt.listed.length; i++) {
        const total = i === 0 ? tt.total[0] : tt.listed[i - 1] ? tt.total[i - 1] : tt.total[i - 1] - 1;
        const g = progress(p, total);
        seen.push(`${g.position} of ${g.of}`);
        if (i < tt.listed.length) p = moveOn(p, tt.listed[i]);
      }
      expect(seen).toEqual(tt.want);
    });
  }

  it('finishes', () => {
    const g = progress(moveOn({ index: 2, done: 2 }, true), 3);
    expect(g).toEqual({ position: 3, of: 3, finished: true });
  });
  it('back_stops_at_start', () => expect(moveBack({ index: 0, done: 0 })).toEqual({ index: 0, done: 0 }));
  it('back_one', () => expect(moveBack({ index: 4, done: 6 })).toEqual({ index: 3, done: 5 }));
});

describe('saved positions', () => {
  it('resumes_per_filter', () => {
    const s = memory();
    const a = queueKey({ ...defaultFilter(), status: 'unreviewed' });
    const b = queueKey({ ...defaultFilter(), q: 'tides' });
    savePos(s, a, { index: 3, done: 36 });
    savePos(s, b, { index: 1, done: 1 });
    expect(loadPos(s, a)).toEqual({ index: 3, done: 36 });
    expect(loadPos(s, b)).toEqual({ index: 1, done: 1 });
    expect(loadPos(s, queueKey(defaultFilter()))).toEqual({ index: 0, done: 0 });
  });
  it('forgets_the_oldest', () => {
    const s = memory();
    for (let i = 0; i <= keep; i++) savePos(s, `q=${i}`, { index: i, done: i });
    expect(loadPos(s, 'q=0')).toEqual({ index: 0, done: 0 });
    expect(loadPos(s, `q=${keep}`)).toEqual({ index: keep, done: keep });
    expect(Object.keys(JSON.parse(s.data.get(storageKey) ?? '{}'))).toHaveLength(keep);
  });
  it('damaged_entry_starts_over', () => {
    const s = memory();
    s.setItem(storageKey, '{not json');
    expect(loadPos(s, 'x')).toEqual({ index: 0, done: 0 });
    s.setItem(storageKey, JSON.stringify({ x: { index: -2, done: 'a' } }));
    expect(loadPos(s, 'x')).toEqual({ index: 0, done: 0 });
    savePos(s, 'x', { index: 1, done: 1 });
    expect(loadPos(s, 'x')).toEqual({ index: 1, done: 1 });
  });
});
