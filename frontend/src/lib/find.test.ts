import { describe, expect, it } from 'vitest';
import { matchRanges, searchTerms } from './find';

describe('searchTerms', () => {
  const tests = [
    { name: 'words', q: 'ocean tides', want: ['ocean', 'tides'] },
    { name: 'phrase', q: '"two a day" moon', want: ['two a day', 'moon'] },
    { name: 'operators', q: 'tides AND NOT moon OR sun', want: ['tides', 'moon', 'sun'] },
    { name: 'prefix_and_groups', q: '(tide* OR wave*) -storm', want: ['tide', 'wave', 'storm'] },
    { name: 'column_filter', q: 'content:haiku', want: ['haiku'] },
    { name: 'cjk', q: '成都 美食', want: ['成都', '美食'] },
    { name: 'empty', q: '  ', want: [] },
  ];
  for (const tt of tests) it(tt.name, () => expect(searchTerms(tt.q)).toEqual(tt.want));
});

describe('matchRanges', () => {
  const tests = [
    { name: 'case_insensitive', text: 'Tides and tides', terms: ['tides'], want: [[0, 5], [10, 15]] },
    { name: 'two_terms_in_order', text: 'the moon pulls the tides', terms: ['tides', 'moon'], want: [[4, 8], [19, 24]] },
    { name: 'overlap_keeps_longest_first', text: 'tidewater', terms: ['tide', 'tidewater'], want: [[0, 9]] },
    { name: 'cjk_inside_sentence', text: '我们在成都吃美食', terms: ['成都', '美食'], want: [[3, 5], [6, 8]] },
    { name: 'none', text: 'nothing here', terms: ['zzz'], want: [] },
    { name: 'empty_term', text: 'abc', terms: [''], want: [] },
  ];
  for (const tt of tests) it(tt.name, () => expect(matchRanges(tt.text, tt.terms)).toEqual(tt.want));
});
