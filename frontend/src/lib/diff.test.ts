import { describe, expect, it } from 'vitest';
import { diffLines, diffStats, diffTokens, diffWords, lines, readable, splitSides, words } from './diff';

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
  it('cjk_per_character', () => expect(words('去成都 and 한국어')).toEqual(['去', '成', '都', ' ', 'and', ' ', '한', '국', '어']));
  it('combining_marks_stay_in_word', () => expect(words('café naïve')).toEqual(['café', ' ', 'naïve']));
});

describe('readable', () => {
  const tests = [
    {
      // Issue 14: a rewritten phrase read "whichso is why" when its words interleaved.
      name: 'rewritten_phrase_is_one_change',
      a: 'Tides are slow, which is why they rise.',
      b: 'Tides are slow, so that is the reason they rise.',
      want: [
        { op: 'eq', text: 'Tides are slow, ' },
        { op: 'del', text: 'which is why' },
        { op: 'ins', text: 'so that is the reason' },
        { op: 'eq', text: ' they rise.' },
      ],
    },
    {
      name: 'distant_changes_stay_apart',
      a: 'one apple and then many more pears',
      b: 'one peach and then many more plums',
      want: [
        { op: 'eq', text: 'one ' },
        { op: 'del', text: 'apple' },
        { op: 'ins', text: 'peach' },
        { op: 'eq', text: ' and then many more ' },
        { op: 'del', text: 'pears' },
        { op: 'ins', text: 'plums' },
      ],
    },
    {
      name: 'chinese_per_character',
      a: '我们去成都吃美食。',
      b: '我们去重庆吃美食。',
      want: [
        { op: 'eq', text: '我们去' },
        { op: 'del', text: '成都' },
        { op: 'ins', text: '重庆' },
        { op: 'eq', text: '吃美食。' },
      ],
    },
    {
      name: 'japanese_mixed_with_latin',
      a: '東京でGPUを買う',
      b: '大阪でGPUを買う',
      want: [
        { op: 'del', text: '東京' },
        { op: 'ins', text: '大阪' },
        { op: 'eq', text: 'でGPUを買う' },
      ],
    },
  ];
  for (const tt of tests) {
    it(tt.name, () => {
      const got = diffWords(tt.a, tt.b);
      expect(got).toEqual(tt.want);
      expect(sides(got)).toEqual({ a: tt.a, b: tt.b });
    });
  }

  it('rebuilds_both_sides_of_random_edits', () => {
    // A fixed pseudo-random walk: every merged script must still rebuild both texts.
    let seed = 7;
    const rnd = (n: number) => ((seed = (seed * 1103515245 + 12345) % 2147483648), seed % n);
    const vocab = ['the', 'a', 'tide', '成', '都', ' ', '  ', ',', '.', 'why', 'so', 'is', '\n', 'Ünter'];
    for (let run = 0; run < 200; run++) {
      const a = Array.from({ length: rnd(30) }, () => vocab[rnd(vocab.length)]).join('');
      const b = Array.from({ length: rnd(30) }, () => vocab[rnd(vocab.length)]).join('');
      const parts = diffWords(a, b);
      expect(sides(parts)).toEqual({ a, b });
      for (let i = 1; i < parts.length; i++) expect(parts[i].op === parts[i - 1].op).toBe(false);
    }
  });

  it('keeps_a_no_op_group_unchanged', () =>
    expect(readable([{ op: 'eq', text: 'x' }])).toEqual([{ op: 'eq', text: 'x' }]));
});

describe('splitSides', () => {
  it('each_side_shows_its_text', () => {
    const { before, after } = splitSides(diffWords('the quick fox', 'the slow fox'));
    expect(before.map((p) => p.text).join('')).toBe('the quick fox');
    expect(after.map((p) => p.text).join('')).toBe('the slow fox');
    expect(before.some((p) => p.op === 'ins') || after.some((p) => p.op === 'del')).toBe(false);
  });
});

describe('diffStats', () => {
  it('counts', () => expect(diffStats(diffWords('the quick fox', 'the slow fox'))).toEqual({ ins: 4, del: 5 }));
});
