import { describe, expect, it } from 'vitest';
import { diffLines, diffStats, diffTokens, diffWords, lines, words } from './diff';

// apply rebuilds both sides from a script, which every correct diff must allow.
function sides(parts: { op: string; text: string }[]) {
  return {
    a: parts.filter((p) => p.op !== 'ins').map((p) => p.text).join(''),
    b: parts.filter((p) => p.op !== 'del').map((p) => p.text).join(''),
  };
}

describe('diffWords', () => {
  const tests = [
    { name: 'same', a: 'hello world', b: 'hello world', want: [{ op: 'eq', text: 'hello world' }] },
    { name: 'both_empty', a: '', b: '', want: [] },
    { name: 'from_empty', a: '', b: 'new', want: [{ op: 'ins', text: 'new' }] },
    { name: 'to_empty', a: 'old', b: '', want: [{ op: 'del', text: 'old' }] },
    {
      name: 'replace_word',
      a: 'the quick fox',
      b: 'the slow fox',
      want: [
        { op: 'eq', text: 'the ' },
        { op: 'del', text: 'quick' },
        { op: 'ins', text: 'slow' },
        { op: 'eq', text: ' fox' },
      ],
    },
    {
      name: 'insert_middle',
      a: 'a c',
      b: 'a b c',
      want: [
        { op: 'eq', text: 'a ' },
        { op: 'ins', text: 'b ' },
        { op: 'eq', text: 'c' },
      ],
    },
    {
      name: 'punctuation_is_a_token',
      a: 'Hi.',
      b: 'Hi!',
      want: [
        { op: 'eq', text: 'Hi' },
        { op: 'del', text: '.' },
        { op: 'ins', text: '!' },
      ],
    },
  ];
  for (const tt of tests) {
    it(tt.name, () => expect(diffWords(tt.a, tt.b)).toEqual(tt.want));
  }

  it('rebuilds_both_sides', () => {
    const a = 'One two three four five six seven eight nine ten. Üben ist gut!\nSecond line here.';
    const b = 'One 2 three five six seven eight NINE ten and eleven. Üben ist sehr gut!\nSecond line.';
    expect(sides(diffWords(a, b))).toEqual({ a, b });
  });

  it('minimal', () => {
    const parts = diffTokens(['a', 'b', 'c', 'a', 'b', 'b', 'a'], ['c', 'b', 'a', 'b', 'a', 'c']);
    const edits = parts.filter((p) => p.op !== 'eq').reduce((n, p) => n + p.text.length, 0);
    expect(edits).toBe(5); // the classic Myers example: D = 5
    expect(sides(parts)).toEqual({ a: 'abcabba', b: 'cbabac' });
  });
});

describe('diffLines', () => {
  it('changed_line', () =>
    expect(diffLines('a\nb\nc\n', 'a\nB\nc\n')).toEqual([
      { op: 'eq', text: 'a\n' },
      { op: 'del', text: 'b\n' },
      { op: 'ins', text: 'B\n' },
      { op: 'eq', text: 'c\n' },
    ]));
  it('no_final_newline', () => expect(lines('x\ny')).toEqual(['x\n', 'y']));
});

describe('words', () => {
  it('keeps_everything', () => expect(words('a  b, c').join('')).toBe('a  b, c'));
  it('splits', () => expect(words('foo_bar baz!')).toEqual(['foo_bar', ' ', 'baz', '!']));
});

describe('diffStats', () => {
  it('counts', () => expect(diffStats(diffWords('the quick fox', 'the slow fox'))).toEqual({ ins: 4, del: 5 }));
});
