import { afterEach, describe, expect, it, vi } from 'vitest';
import { ListState, pageSize } from './list.svelte';
import { defaultFilter } from '../route';

// A fake server with total rows, id = total - index (newest first), answering limit/offset.
function stubServer(total: number) {
  const urls: string[] = [];
  vi.stubGlobal(
    'fetch',
    vi.fn(async (url: string) => {
      urls.push(url);
      const p = new URL(url, 'http://x').searchParams;
      const offset = Number(p.get('offset') ?? 0);
      const limit = Number(p.get('limit') ?? 50);
      const items = [];
      for (let i = offset; i < Math.min(total, offset + limit); i++) items.push({ id: total - i, title: `c${total - i}` });
      return new Response(JSON.stringify({ items, total }), { status: 200 });
    }),
  );
  return urls;
}

const settle = () => new Promise((r) => setTimeout(r, 0));

describe('ListState', () => {
  afterEach(() => vi.unstubAllGlobals());

  it('fetches_only_the_pages_on_screen', async () => {
    const urls = stubServer(100_000);
    const list = new ListState(() => defaultFilter(), (e) => { throw e; });
    await list.reload(true);
    expect(list.total).toBe(100_000);
    expect(urls).toEqual([`/api/conversations?limit=${pageSize}&offset=0`]);
    list.show({ start: 50_000, end: 50_020 });
    await settle();
    expect(urls.at(-1)).toBe(`/api/conversations?limit=${pageSize}&offset=50000`);
    expect(list.row(50_010)?.id).toBe(100_000 - 50_010);
    expect(urls.length).toBe(2);
  });

  it('reload_keeps_only_visible_pages', async () => {
    stubServer(1000);
    const list = new ListState(() => defaultFilter(), (e) => { throw e; });
    await list.reload(true);
    list.show({ start: 250, end: 260 });
    await settle();
    expect(list.pages.size).toBe(2);
    await list.reload();
    expect([...list.pages.keys()]).toEqual([2]);
  });

  it('focus_moves_the_cursor_once_loaded', async () => {
    stubServer(500);
    const list = new ListState(() => defaultFilter(), (e) => { throw e; });
    list.focus(490); // index 10
    await list.reload(true);
    expect(list.cursor).toBe(10);
  });

  it('shift_click_selects_loaded_range', async () => {
    stubServer(10);
    const list = new ListState(() => defaultFilter(), (e) => { throw e; });
    await list.reload(true);
    list.anchor(10);
    list.click(7, { shift: true });
    expect([...list.selection.ids].sort()).toEqual([10, 7, 8, 9].sort());
  });
});
