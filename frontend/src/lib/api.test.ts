import { afterEach, describe, expect, it, vi } from 'vitest';
import { api, ApiError, listQuery } from './api';

describe('listQuery', () => {
  const tests = [
    { name: 'empty', in: {}, want: '' },
    { name: 'all', in: { limit: 50, offset: 100, status: 'rejected' as const }, want: '?limit=50&offset=100&status=rejected' },
    { name: 'zero_offset_kept', in: { offset: 0 }, want: '?offset=0' },
  ];
  for (const tt of tests) {
    it(tt.name, () => expect(listQuery(tt.in)).toBe(tt.want));
  }
});

describe('request', () => {
  afterEach(() => vi.unstubAllGlobals());

  function stubFetch(status: number, body?: unknown) {
    const fetch = vi.fn(async () =>
      new Response(body === undefined ? null : JSON.stringify(body), { status, statusText: status === 502 ? 'Bad Gateway' : '' }),
    );
    vi.stubGlobal('fetch', fetch);
    return fetch;
  }

  it('sends_same_origin_json', async () => {
    const fetch = stubFetch(204);
    await api.setStatus(42, 'confirmed');
    expect(fetch).toHaveBeenCalledOnce();
    const [url, init] = fetch.mock.calls[0] as unknown as [string, RequestInit];
    expect(url).toBe('/api/conversations/42/status');
    expect(init.method).toBe('PUT');
    expect(init.body).toBe('{"status":"confirmed"}');
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
