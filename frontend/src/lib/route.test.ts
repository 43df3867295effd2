import { describe, expect, it } from 'vitest';
import { defaultFilter, filterObject, filterParams, formatRoute, hashFor, isFiltered, parseHash, parseRoute } from './route';
import type { Filter } from './types';

describe('parseHash', () => {
  const tests = [
    { name: 'conversation', in: '#/c/42', want: 42 },
    { name: 'empty', in: '', want: null },
    { name: 'root', in: '#/', want: null },
    { name: 'not_numeric', in: '#/c/abc', want: null },
    { name: 'zero', in: '#/c/0', want: null },
    { name: 'trailing', in: '#/c/42/x', want: null },
    { name: 'query_form', in: '#/?q=tides&c=42', want: 42 },
    { name: 'query_bad_c', in: '#/?c=-1', want: null },
    { name: 'overview', in: '#/overview', want: null },
  ];
  for (const tt of tests) {
    it(tt.name, () => expect(parseHash(tt.in)).toBe(tt.want));
  }
  it('round_trip', () => expect(parseHash(hashFor(7))).toBe(7));
});

describe('parseRoute', () => {
  it('full_filter', () => {
    const r = parseRoute(
      '#/?q=ocean%20tides&status=confirmed&tag=3&tag=5&model=gpt-4o&host=api.openai.com&from=2026-01-02&to=2026-02-03&hasTools=1&hasReasoning=0&hasErrors=1&score=5&score=4&score=9&thumbs=down&forward_key=team-a&sort=tokens&order=asc&c=9',
    );
    const want: Filter = {
      q: 'ocean tides',
      status: 'confirmed',
      tag: [3, 5],
      model: 'gpt-4o',
      host: 'api.openai.com',
      from: '2026-01-02',
      to: '2026-02-03',
      hasTools: '1',
      hasReasoning: '0',
      hasErrors: '1',
      score: [4, 5],
      thumbs: 'down',
      forwardKey: 'team-a',
      sort: 'tokens',
      order: 'asc',
    };
    expect(r).toEqual({ view: 'list', id: 9, filter: want });
  });
  it('ignores_bad_values', () => {
    const r = parseRoute('#/?status=maybe&tag=x&tag=0&from=yesterday&hasTools=2&thumbs=sideways&sort=random&order=up');
    expect(r.filter).toEqual(defaultFilter());
  });
  it('sort_cost', () => expect(parseRoute('#/?sort=cost').filter.sort).toBe('cost'));
  it('overview', () => expect(parseRoute('#/overview').view).toBe('overview'));
  it('exchanges', () => expect(parseRoute('#/exchanges').view).toBe('exchanges'));
  it('exchanges_problems', () => expect(parseRoute('#/exchanges/problems').view).toBe('exchanges'));
  it('unknown_is_list', () => expect(parseRoute('#/nonsense')).toEqual({ view: 'list', id: null, filter: defaultFilter() }));
});

describe('formatRoute', () => {
  const f = (o: Partial<Filter>): Filter => ({ ...defaultFilter(), ...o });
  const tests = [
    { name: 'nothing', in: { view: 'list' as const, id: null, filter: f({}) }, want: '#/' },
    { name: 'short_form', in: { view: 'list' as const, id: 42, filter: f({}) }, want: '#/c/42' },
    { name: 'sort_only', in: { view: 'list' as const, id: null, filter: f({ sort: 'rounds' }) }, want: '#/?sort=rounds' },
    { name: 'sort_cost', in: { view: 'list' as const, id: null, filter: f({ sort: 'cost', order: 'asc' }) }, want: '#/?sort=cost&order=asc' },
    {
      name: 'filter_and_id',
      in: { view: 'list' as const, id: 42, filter: f({ q: ' tides ', status: 'rejected', tag: [1, 2] }) },
      want: '#/?q=tides&status=rejected&tag=1&tag=2&c=42',
    },
    { name: 'scores', in: { view: 'list' as const, id: null, filter: f({ score: [0] }) }, want: '#/?score=0' },
    { name: 'overview', in: { view: 'overview' as const, id: 3, filter: f({ q: 'x' }) }, want: '#/overview' },
    { name: 'exchanges', in: { view: 'exchanges' as const, id: null, filter: f({}) }, want: '#/exchanges' },
  ];
  for (const tt of tests) {
    it(tt.name, () => expect(formatRoute(tt.in)).toBe(tt.want));
  }
  it('round_trip', () => {
    const r = { view: 'list' as const, id: 5, filter: f({ q: 'a&b=c #x', hasErrors: '0', order: 'asc', from: '2025-12-31' }) };
    expect(parseRoute(formatRoute(r))).toEqual(r);
  });
});

describe('filterObject', () => {
  it('tags_are_arrays', () =>
    expect(filterObject({ ...defaultFilter(), status: 'unreviewed', tag: [4], hasTools: '1' })).toEqual({
      status: 'unreviewed',
      tag: ['4'],
      hasTools: '1',
    }));
  it('default_is_empty', () => expect(filterObject(defaultFilter())).toEqual({}));
});

describe('isFiltered', () => {
  it('default', () => expect(isFiltered(defaultFilter())).toBe(false));
  it('sort_is_not_a_filter', () => expect(isFiltered({ ...defaultFilter(), sort: 'tokens', order: 'asc' })).toBe(false));
  it('blank_query', () => expect(isFiltered({ ...defaultFilter(), q: '  ' })).toBe(false));
  it('query', () => expect(isFiltered({ ...defaultFilter(), q: 'x' })).toBe(true));
  it('params', () => expect(filterParams({ ...defaultFilter(), model: 'm' }).toString()).toBe('model=m'));
});
