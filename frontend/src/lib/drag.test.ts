import { describe, expect, it, vi } from 'vitest';
import { conversationName, defaultName, dialogFormats, downloadPath, downloadURLData, dragBody, dragWay, startDrag, type DragSpec } from './drag';
import { defaultFilter } from './route';

const confirmedTagged: DragSpec = {
  format: 'sharegpt',
  system: 'inline',
  filter: { ...defaultFilter(), status: 'confirmed', tag: [3], sort: 'rounds' },
  name: 'chats.json',
};
const picked: DragSpec = { format: 'sharegpt-jsonl', system: 'field', ids: [7, 2], name: 'llmtap-2026-11-22.jsonl' };

describe('dragWay', () => {
  const tests = [
    { name: 'desktop_app', status: { nativeDrag: true }, want: 'native' },
    { name: 'browser', status: { nativeDrag: false }, want: 'browser' },
    { name: 'older_server', status: {}, want: 'browser' },
    { name: 'status_not_loaded', status: null, want: 'browser' },
  ];
  for (const tt of tests) it(tt.name, () => expect(dragWay(tt.status)).toBe(tt.want));
});

describe('names', () => {
  const status = { exportNames: { sharegpt: 'llmtap-2026-11-22.json', 'sharegpt-jsonl': 'llmtap-2026-11-22.jsonl' } };
  it('default_json_from_server', () => expect(defaultName('sharegpt', status)).toBe('llmtap-2026-11-22.json'));
  it('default_jsonl_from_server', () => expect(defaultName('sharegpt-jsonl', status)).toBe('llmtap-2026-11-22.jsonl'));
  it('default_before_status', () => expect(defaultName('sharegpt-jsonl', null)).toBe('llmtap-export.jsonl'));
  it('default_older_server', () => expect(defaultName('sharegpt', {})).toBe('llmtap-export.json'));
  const tests = [
    { name: 'title', title: 'Plan a weekend in Lisbon', want: 'plan-a-weekend-in-lisbon.json' },
    { name: 'punctuation', title: '  "Why?" — fix: the /tmp path!  ', want: 'why-fix-the-tmp-path.json' },
    { name: 'unicode_kept', title: '里斯本 周末', want: '里斯本-周末.json' },
    { name: 'untitled', title: '', want: 'conversation-42.json' },
    { name: 'only_symbols', title: '???', want: 'conversation-42.json' },
    { name: 'long_cut_clean', title: 'word '.repeat(30), want: `${'word-'.repeat(12).slice(0, 59)}.json` },
  ];
  for (const tt of tests) it(tt.name, () => expect(conversationName(tt.title, 42)).toBe(tt.want));
});

describe('downloadPath and DownloadURL', () => {
  it('filter', () =>
    expect(downloadPath(confirmedTagged)).toBe('/api/export/download?status=confirmed&tag=3&format=sharegpt&system=inline&name=chats.json'));
  it('ids_not_filter', () =>
    expect(downloadPath({ ...picked, filter: confirmedTagged.filter })).toBe(
      '/api/export/download?format=sharegpt-jsonl&system=field&ids=7%2C2&name=llmtap-2026-11-22.jsonl',
    ));
  it('name_escaped', () => expect(downloadPath({ ...picked, name: 'a&b c.json' })).toContain('&name=a%26b+c.json'));
  it('download_url_json', () =>
    expect(downloadURLData(confirmedTagged, 'http://127.0.0.1:8781')).toBe(
      'application/json:chats.json:http://127.0.0.1:8781/api/export/download?status=confirmed&tag=3&format=sharegpt&system=inline&name=chats.json',
    ));
  it('download_url_jsonl', () =>
    expect(downloadURLData(picked, 'http://localhost:5173')).toBe(
      'application/x-ndjson:llmtap-2026-11-22.jsonl:http://localhost:5173/api/export/download?format=sharegpt-jsonl&system=field&ids=7%2C2&name=llmtap-2026-11-22.jsonl',
    ));
});

describe('dragBody', () => {
  it('filter', () =>
    expect(dragBody(confirmedTagged)).toEqual({
      format: 'sharegpt',
      system: 'inline',
      filter: { status: 'confirmed', tag: ['3'], sort: 'rounds' },
      name: 'chats.json',
    }));
  it('opener', () => {
    const spec: DragSpec = { ...picked, opener: 'drop' };
    expect(dragBody(spec)).toEqual({ format: 'sharegpt-jsonl', system: 'field', opener: 'drop', ids: [7, 2], name: 'llmtap-2026-11-22.jsonl' });
    expect(downloadPath(spec)).toBe('/api/export/download?format=sharegpt-jsonl&system=field&opener=drop&ids=7%2C2&name=llmtap-2026-11-22.jsonl');
  });
  it('ids', () => expect(dragBody(picked)).toEqual({ format: 'sharegpt-jsonl', system: 'field', ids: [7, 2], name: 'llmtap-2026-11-22.jsonl' }));
  it('reasoning', () => {
    const spec: DragSpec = { ...picked, reasoning: 'inline' };
    expect(dragBody(spec)).toEqual({ format: 'sharegpt-jsonl', system: 'field', reasoning: 'inline', ids: [7, 2], name: 'llmtap-2026-11-22.jsonl' });
    expect(downloadPath(spec)).toBe('/api/export/download?format=sharegpt-jsonl&system=field&reasoning=inline&ids=7%2C2&name=llmtap-2026-11-22.jsonl');
    expect(downloadPath({ ...picked, reasoning: '' })).not.toContain('reasoning');
  });
  it('min_score', () => {
    const spec: DragSpec = { ...confirmedTagged, minScore: 4 };
    expect(dragBody(spec)).toEqual({
      format: 'sharegpt',
      system: 'inline',
      filter: { status: 'confirmed', tag: ['3'], sort: 'rounds', minScore: '4' },
      name: 'chats.json',
    });
    expect(downloadPath(spec)).toBe('/api/export/download?status=confirmed&tag=3&format=sharegpt&system=inline&minScore=4&name=chats.json');
    expect(downloadPath({ ...spec, minScore: 0 })).not.toContain('minScore');
    expect(downloadPath({ ...picked, minScore: 4 })).not.toContain('minScore'); // picked conversations are taken whatever their score
  });
});

describe('startDrag', () => {
  function event() {
    const data: Record<string, string> = {};
    const dataTransfer = { setData: (k: string, v: string) => void (data[k] = v), effectAllowed: 'uninitialized' as DataTransfer['effectAllowed'] };
    return { e: { preventDefault: vi.fn(), dataTransfer }, data, dataTransfer };
  }

  it('native_cancels_the_page_drag_and_asks_the_server', async () => {
    const { e, data } = event();
    const native = vi.fn(async () => ({ path: '/x' }));
    const onError = vi.fn();
    startDrag(e, picked, { way: 'native', origin: 'http://wails.localhost', onError, native });
    expect(e.preventDefault).toHaveBeenCalledOnce();
    expect(native).toHaveBeenCalledWith(dragBody(picked));
    expect(data).toEqual({});
    await Promise.resolve();
    expect(onError).not.toHaveBeenCalled();
  });

  it('native_failure_reported', async () => {
    const { e } = event();
    const onError = vi.fn();
    const err = new Error('the mouse button was released before the drag began');
    startDrag(e, picked, { way: 'native', origin: 'http://x', onError, native: () => Promise.reject(err) });
    await vi.waitFor(() => expect(onError).toHaveBeenCalledWith(err));
  });

  it('browser_sets_the_download_url', () => {
    const { e, data, dataTransfer } = event();
    const native = vi.fn(async () => ({}));
    startDrag(e, confirmedTagged, { way: 'browser', origin: 'http://127.0.0.1:8781', onError: vi.fn(), native });
    expect(e.preventDefault).not.toHaveBeenCalled();
    expect(native).not.toHaveBeenCalled();
    const url = 'http://127.0.0.1:8781/api/export/download?status=confirmed&tag=3&format=sharegpt&system=inline&name=chats.json';
    expect(data).toEqual({ DownloadURL: `application/json:chats.json:${url}`, 'text/uri-list': url, 'text/plain': url });
    expect(dataTransfer.effectAllowed).toBe('copy');
  });
});

describe('dialogFormats', () => {
  const spec = (format: string, pairs = false) => ({ format, label: format.toUpperCase(), help: '', ext: '.jsonl', mime: 'application/x-ndjson', pairs, masks: false });
  const tests = [
    {
      name: 'server_list_with_pairs',
      status: { exportFormats: [spec('sharegpt'), spec('openai-jsonl'), spec('messages-jsonl'), spec('kto'), spec('dpo', true), spec('openai-dpo', true)] },
      want: ['sharegpt', 'openai-jsonl', 'messages-jsonl', 'kto', 'dpo', 'openai-dpo'],
    },
    { name: 'older_server', status: {}, want: ['sharegpt', 'sharegpt-jsonl'] },
    { name: 'status_not_loaded', status: null, want: ['sharegpt', 'sharegpt-jsonl'] },
  ];
  for (const tt of tests) it(tt.name, () => expect(dialogFormats(tt.status).map((f) => f.format)).toEqual(tt.want));
  it('labels_from_server', () => expect(dialogFormats({ exportFormats: [spec('openai-jsonl')] })[0].label).toBe('OPENAI-JSONL'));
  it('jsonl_mime_for_openai', () =>
    expect(downloadURLData({ format: 'openai-jsonl', system: 'field', ids: [1], name: 'a.jsonl' }, 'http://h')).toMatch(/^application\/x-ndjson:a\.jsonl:/));
});
