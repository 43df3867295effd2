import { describe, expect, it } from 'vitest';
import { keyAction, moveCursor, shortcuts, type KeyInput } from './keys';

describe('keyAction', () => {
  const tests: { name: string; in: KeyInput; want: ReturnType<typeof keyAction> }[] = [
    { name: 'j_next', in: { key: 'j' }, want: 'next' },
    { name: 'k_prev', in: { key: 'k' }, want: 'prev' },
    { name: 'enter_open', in: { key: 'Enter' }, want: 'open' },
    { name: 'c_confirm', in: { key: 'c' }, want: 'confirm' },
    { name: 'x_reject', in: { key: 'x' }, want: 'reject' },
    { name: 'ctrl_c_is_copy', in: { key: 'c', ctrlKey: true }, want: null },
    { name: 'meta_c_is_copy', in: { key: 'c', metaKey: true }, want: null },
    { name: 'typing', in: { key: 'j', typing: true }, want: null },
    { name: 'other', in: { key: 'z' }, want: null },
    { name: 'q_queue', in: { key: 'q' }, want: 'queue' },
    { name: 's_skip', in: { key: 's' }, want: 'skip' },
    { name: 'digit_score', in: { key: '4' }, want: 'score4' },
    { name: 'zero_is_nothing', in: { key: '0' }, want: null },
    { name: 'plus_thumb_up', in: { key: '+' }, want: 'thumbUp' },
    { name: 'minus_thumb_down', in: { key: '-' }, want: 'thumbDown' },
    { name: 'brackets_branch', in: { key: ']' }, want: 'nextBranch' },
    { name: 'alt_digit_is_not_score', in: { key: '4', altKey: true }, want: null },
    { name: 't_tag', in: { key: 't' }, want: 'tag' },
    { name: 'e_edit', in: { key: 'e' }, want: 'edit' },
    { name: 'slash_search', in: { key: '/' }, want: 'search' },
    { name: 'question_help', in: { key: '?' }, want: 'help' },
    { name: 'escape_while_typing', in: { key: 'Escape', typing: true }, want: 'escape' },
    { name: 'slash_while_typing', in: { key: '/', typing: true }, want: null },
  ];
  for (const tt of tests) {
    it(tt.name, () => expect(keyAction(tt.in)).toBe(tt.want));
  }
});

describe('shortcuts', () => {
  // Every key the help lists is one keyAction knows, so the help cannot promise a dead key.
  it('listed_keys_act', () => {
    const mouse = new Set(['shift', 'ctrl click', 'Esc']);
    for (const [keys] of shortcuts) {
      for (const k of keys.split(' / ').filter((k) => !mouse.has(k))) expect(keyAction({ key: k }), `key ${k}`).not.toBeNull();
    }
  });
});

describe('moveCursor', () => {
  const ids = [5, 4, 3];
  const tests = [
    { name: 'down', cur: 5, delta: 1, want: 4 },
    { name: 'up', cur: 4, delta: -1, want: 5 },
    { name: 'clamp_bottom', cur: 3, delta: 1, want: 3 },
    { name: 'clamp_top', cur: 5, delta: -1, want: 5 },
    { name: 'none_starts_first', cur: null, delta: 1, want: 5 },
    { name: 'gone_starts_first', cur: 99, delta: 1, want: 5 },
  ];
  for (const tt of tests) {
    it(tt.name, () => expect(moveCursor(ids, tt.cur, tt.delta)).toBe(tt.want));
  }
  it('empty', () => expect(moveCursor([], 1, 1)).toBeNull());
});
