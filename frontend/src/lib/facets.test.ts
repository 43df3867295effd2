import { describe, expect, it } from 'vitest';
import { forwardKeyChoices } from './facets';

describe('forwardKeyChoices', () => {
  const tests: { name: string; ids: string[] | undefined | null; chosen: string; want: [string, string][] }[] = [
    { name: 'older_server', ids: undefined, chosen: '', want: [] },
    { name: 'no_facets', ids: null, chosen: '', want: [] },
    { name: 'none_captured', ids: [], chosen: '', want: [] },
    {
      name: 'named_and_unnamed',
      ids: ['fk-0123456789ab', 'team-a'],
      chosen: '',
      want: [
        ['fk-0123456789ab', 'fk-0123456789ab (no name)'],
        ['team-a', 'team-a'],
      ],
    },
    { name: 'chosen_listed', ids: ['team-a', 'team-b'], chosen: 'team-b', want: [['team-a', 'team-a'], ['team-b', 'team-b']] },
    { name: 'chosen_not_listed_is_kept', ids: [], chosen: 'gone', want: [['gone', 'gone']] },
    { name: 'not_a_hash', ids: ['fk-xyz'], chosen: '', want: [['fk-xyz', 'fk-xyz']] },
  ];
  for (const tt of tests) {
    it(tt.name, () => {
      const facets = tt.ids === null ? null : { forwardKeys: tt.ids };
      expect(forwardKeyChoices(facets, tt.chosen).map((c) => [c.value, c.label])).toEqual(tt.want);
    });
  }
});
