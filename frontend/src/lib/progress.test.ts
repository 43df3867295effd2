import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { progressId, progressText, withProgress, type Progress } from './progress';

describe('withProgress', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('polls while the work runs, skips failed polls, and stops when it settles', async () => {
    let finish!: (v: string) => void;
    const work = new Promise<string>((r) => (finish = r));
    const answers: (Progress | Error)[] = [new Error('404: not started'), { done: 10, total: 100 }, { done: 60, total: 100 }];
    let polls = 0;
    const seen: Progress[] = [];
    const run = withProgress(
      work,
      async () => {
        const a = answers[Math.min(polls++, answers.length - 1)];
        if (a instanceof Error) throw a;
        return a;
      },
      (p) => seen.push(p),
      100,
    );
    await vi.advanceTimersByTimeAsync(350);
    expect(seen).toEqual([{ done: 10, total: 100 }, { done: 60, total: 100 }]);
    finish('written');
    await expect(run).resolves.toBe('written');
    const after = polls;
    await vi.advanceTimersByTimeAsync(1000);
    expect(polls).toBe(after);
  });

  it('passes the work error on and stops polling', async () => {
    let polls = 0;
    const run = withProgress(
      Promise.reject(new Error('disk full')),
      async () => {
        polls++;
        return { done: 1, total: 2 };
      },
      () => {},
      100,
    );
    const caught = run.catch((e: Error) => e.message);
    await vi.advanceTimersByTimeAsync(500);
    expect(await caught).toBe('disk full');
    expect(polls).toBe(0);
  });
});

describe('progressText', () => {
  it.each([
    [null, ''],
    [{ done: 0, total: 0 }, '0'],
    [{ done: 12345, total: 100000 }, '12,345 of 100,000'],
  ])('%j → %s', (p, want) => expect(progressText(p)).toBe(want));
});

describe('progressId', () => {
  it('is fresh and fits the server pattern', () => {
    const a = progressId();
    expect(a).toMatch(/^[A-Za-z0-9_-]{1,64}$/);
    expect(progressId()).not.toBe(a);
  });
});
