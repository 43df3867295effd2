import { afterEach, describe, expect, it, vi } from 'vitest';
import { api, ApiError, errorText, listQuery, notImplemented } from './api';
import { defaultFilter } from './route';

describe('listQuery', () => {
  const tests = [
    { name: 'empty', in: {}, want: '' },
    { name: 'all', in: { limit: 50, offset: 100, status: 'rejected' as const }, want: '?status=rejected&limit=50&offset=100' },
    { name: 'zero_offset_kept', in: { offset: 0 }, want: '?offset=0' },
    { name: 'search_and_tags', in: { q: 'tides', tag: [1, 2], sort: 'rounds' as const }, want: '?q=tides&tag=1&tag=2&sort=rounds' },
  ];
  for (const tt of tests) {
    it(tt.name, () => expect(listQuery(tt.in)).toBe(tt.want));
  }
});

describe('request', () => {
  afterEach(() => vi.unstubAllGlobals());

  function stubFetch(status: number, body?: unknown) {
    const fetch = vi.fn(
      async () =>
        new Response(body === undefined ? null : JSON.stringify(body), { status, statusText: status === 502 ? 'Bad Gateway' : '' }),
    );
    vi.stubGlobal('fetch', fetch);
    return fetch;
  }
  function call(fetch: ReturnType<typeof stubFetch>) {
    return fetch.mock.calls[0] as unknown as [string, RequestInit];
  }

  it('unauthorized_goes_to_login', async () => {
    stubFetch(401, { error: 'unauthorized: send Authorization: Bearer TOKEN, or log in at /login' });
    const assign = vi.fn();
    vi.stubGlobal('location', { assign });
    await expect(api.stats()).rejects.toMatchObject({ status: 401 });
    expect(assign).toHaveBeenCalledWith('/login');
  });

  it('other_errors_stay_on_the_page', async () => {
    stubFetch(403, { error: 'forbidden' });
    const assign = vi.fn();
    vi.stubGlobal('location', { assign });
    await expect(api.stats()).rejects.toMatchObject({ status: 403 });
    expect(assign).not.toHaveBeenCalled();
  });

  it('sends_same_origin_json', async () => {
    const fetch = stubFetch(204);
    await api.setStatus(42, 'confirmed');
    expect(fetch).toHaveBeenCalledOnce();
    const [url, init] = call(fetch);
    expect(url).toBe('/api/conversations/42/status');
    expect(init.method).toBe('PUT');
    expect(init.body).toBe('{"status":"confirmed"}');
  });

  it('reject_with_reason', async () => {
    const fetch = stubFetch(204);
    await api.setStatus(1, 'rejected', 'off topic');
    expect(call(fetch)[1].body).toBe('{"status":"rejected","reason":"off topic"}');
  });

  it('bulk_on_filter', async () => {
    const fetch = stubFetch(200, { affected: 3 });
    const target = { filter: { status: 'unreviewed' } };
    await expect(api.bulk(target, { action: 'status', status: 'confirmed' })).resolves.toEqual({ affected: 3 });
    const [url, init] = call(fetch);
    expect(url).toBe('/api/bulk');
    expect(JSON.parse(init.body as string)).toEqual({ filter: { status: 'unreviewed' }, action: 'status', status: 'confirmed' });
  });

  it('export_preview_query', async () => {
    const fetch = stubFetch(200, { records: [], valid: 0, invalid: 0, reasons: [] });
    await api.exportPreview({ format: 'sharegpt', system: 'field', filter: { ...defaultFilter(), status: 'confirmed', tag: [3] } });
    expect(call(fetch)[0]).toBe('/api/export/preview?status=confirmed&tag=3&format=sharegpt&system=field');
  });

  it('export_opener_option', async () => {
    const fetch = stubFetch(200, { records: [], valid: 0, invalid: 0, reasons: [] });
    await api.exportPreview({ format: 'sharegpt', system: 'field', opener: 'drop', filter: defaultFilter() });
    expect(call(fetch)[0]).toBe('/api/export/preview?format=sharegpt&system=field&opener=drop');
    const write = stubFetch(200, { written: 1, invalid: 0, path: '/x.json' });
    await api.exportWrite({ format: 'sharegpt', system: 'field', opener: 'drop', filter: defaultFilter() });
    expect(JSON.parse(call(write)[1].body as string)).toMatchObject({ format: 'sharegpt', system: 'field', opener: 'drop' });
  });

  it('export_pairs_option', async () => {
    const fetch = stubFetch(200, { records: [], valid: 0, invalid: 0, reasons: [] });
    await api.exportPreview({ format: 'dpo', system: 'field', pairs: 'signalled', filter: defaultFilter() });
    expect(call(fetch)[0]).toBe('/api/export/preview?format=dpo&system=field&pairs=signalled');
    const write = stubFetch(200, { written: 1, invalid: 0, path: '/x.jsonl' });
    await api.exportWrite({ format: 'dpo', system: 'field', pairs: 'signalled', filter: defaultFilter() });
    expect(JSON.parse(call(write)[1].body as string)).toMatchObject({ format: 'dpo', pairs: 'signalled' });
  });

  it('validity', async () => {
    const fetch = stubFetch(200, { format: 'dpo', valid: false, records: 0, reasons: ['no preference pair'] });
    await expect(api.validity(4, 'dpo', 'all')).resolves.toMatchObject({ valid: false });
    expect(call(fetch)[0]).toBe('/api/conversations/4/validity?format=dpo&pairs=all');
  });

  it('returns_body', async () => {
    stubFetch(200, { items: [], total: 0 });
    await expect(api.conversations({ limit: 1 })).resolves.toEqual({ items: [], total: 0 });
  });

  it('error_message_from_body', async () => {
    stubFetch(404, { error: 'conversation 9 not found' });
    await expect(api.conversation(9)).rejects.toEqual(new ApiError(404, 'conversation 9 not found'));
  });

  it('error_without_body', async () => {
    stubFetch(502);
    const err = await api.status().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect((err as ApiError).status).toBe(502);
    expect((err as ApiError).message).toBe('Bad Gateway');
  });
});

describe('notImplemented', () => {
  it('missing_route', () => expect(notImplemented(new ApiError(404, 'no such API endpoint: GET /api/facets'))).toBe(true));
  it('missing_row', () => expect(notImplemented(new ApiError(404, 'conversation 9 not found'))).toBe(false));
  it('text', () => expect(errorText(new ApiError(404, 'no such API endpoint: PUT /api/x'))).toMatch(/does not support/));
});
