// The view, the open conversation and the list filter live in the URL hash, so reloads,
// back/forward and links shared between the browser and the desktop window keep them:
//   #/c/42                          conversation 42, no filter (the short form)
//   #/?q=tides&status=confirmed&c=42 a search and filter, conversation 42 open
//   #/overview                      the dashboard
//   #/exchanges                     every proxied request (models, embeddings, failures …)
//   #/exchanges/problems            the same, showing failures and unroutable requests
import { statuses, type Filter, type Order, type Sort, type Status, type Thumbs, type Tri } from './types';

export type View = 'list' | 'overview' | 'exchanges';

/** Route is what the hash says to show. */
export interface Route {
  view: View;
  /** The open conversation, or null. */
  id: number | null;
  filter: Filter;
}

/** defaultFilter is the unfiltered list, newest activity first. */
export function defaultFilter(): Filter {
  return {
    q: '',
    status: '',
    tag: [],
    model: '',
    host: '',
    from: '',
    to: '',
    hasTools: '',
    hasReasoning: '',
    hasErrors: '',
    score: [],
    thumbs: '',
    forwardKey: '',
    sort: 'updated',
    order: 'desc',
  };
}

const sorts: readonly Sort[] = ['updated', 'created', 'rounds', 'tokens', 'cost'];
const tris: readonly Tri[] = ['', '1', '0'];
const datePattern = /^\d{4}-\d{2}-\d{2}$/;

function positiveInt(s: string | null): number | null {
  if (s === null || !/^\d+$/.test(s)) return null;
  const n = Number(s);
  return Number.isSafeInteger(n) && n > 0 ? n : null;
}

function pick<T extends string>(allowed: readonly T[], v: string | null, fallback: T): T {
  return v !== null && (allowed as readonly string[]).includes(v) ? (v as T) : fallback;
}

/** filterFromParams reads a Filter from query parameters, ignoring values it does not understand. */
export function filterFromParams(p: URLSearchParams): Filter {
  const f = defaultFilter();
  f.q = p.get('q') ?? '';
  f.status = pick<Status | ''>(['', ...statuses], p.get('status'), '');
  f.tag = p
    .getAll('tag')
    .map(positiveInt)
    .filter((n): n is number => n !== null);
  f.model = p.get('model') ?? '';
  f.host = p.get('host') ?? '';
  const from = p.get('from') ?? '';
  const to = p.get('to') ?? '';
  f.from = datePattern.test(from) ? from : '';
  f.to = datePattern.test(to) ? to : '';
  f.hasTools = pick(tris, p.get('hasTools'), '');
  f.hasReasoning = pick(tris, p.get('hasReasoning'), '');
  f.hasErrors = pick(tris, p.get('hasErrors'), '');
  f.score = [...new Set(p.getAll('score').filter((s) => /^[0-5]$/.test(s)).map(Number))].sort();
  f.thumbs = pick<Thumbs>(['', 'up', 'down'], p.get('thumbs'), '');
  f.forwardKey = p.get('forward_key') ?? '';
  f.sort = pick(sorts, p.get('sort'), 'updated');
  f.order = pick<Order>(['desc', 'asc'], p.get('order'), 'desc');
  return f;
}

/**
 * filterParams renders the parameters of f that differ from the default, in a stable order,
 * as GET /api/conversations and the URL hash take them (tags repeated).
 */
export function filterParams(f: Filter): URLSearchParams {
  const p = new URLSearchParams();
  const q = f.q.trim();
  if (q) p.set('q', q);
  if (f.status) p.set('status', f.status);
  for (const t of f.tag) p.append('tag', String(t));
  if (f.model) p.set('model', f.model);
  if (f.host) p.set('host', f.host);
  if (f.from) p.set('from', f.from);
  if (f.to) p.set('to', f.to);
  if (f.hasTools) p.set('hasTools', f.hasTools);
  if (f.hasReasoning) p.set('hasReasoning', f.hasReasoning);
  if (f.hasErrors) p.set('hasErrors', f.hasErrors);
  for (const s of f.score) p.append('score', String(s));
  if (f.thumbs) p.set('thumbs', f.thumbs);
  // snake_case, as the server (and issue 13) names it.
  if (f.forwardKey) p.set('forward_key', f.forwardKey);
  if (f.sort !== 'updated') p.set('sort', f.sort);
  if (f.order !== 'desc') p.set('order', f.order);
  return p;
}

/** filterObject is f as the JSON "filter" object of POST /api/bulk and /api/export. */
export function filterObject(f: Filter): Record<string, string | string[]> {
  const o: Record<string, string | string[]> = {};
  const p = filterParams(f);
  for (const k of new Set(p.keys())) o[k] = k === 'tag' || k === 'score' ? p.getAll(k) : (p.get(k) ?? '');
  return o;
}

/** isFiltered reports whether f narrows the list (sorting does not count). */
export function isFiltered(f: Filter): boolean {
  const p = filterParams(f);
  p.delete('sort');
  p.delete('order');
  return p.size > 0;
}

/** parseRoute reads a location hash; anything it does not recognise is the plain list. */
export function parseRoute(hash: string): Route {
  const h = hash.replace(/^#/, '');
  if (h === '/overview') return { view: 'overview', id: null, filter: defaultFilter() };
  if (h === '/exchanges' || h === '/exchanges/problems') return { view: 'exchanges', id: null, filter: defaultFilter() };
  const short = /^\/c\/(\d+)$/.exec(h);
  if (short) return { view: 'list', id: positiveInt(short[1]), filter: defaultFilter() };
  const qs = /^\/\?(.*)$/.exec(h);
  if (!qs) return { view: 'list', id: null, filter: defaultFilter() };
  const p = new URLSearchParams(qs[1]);
  return { view: 'list', id: positiveInt(p.get('c')), filter: filterFromParams(p) };
}

/** formatRoute is the hash for r: the short "#/c/42" form when nothing is filtered. */
export function formatRoute(r: Route): string {
  if (r.view === 'overview') return '#/overview';
  if (r.view === 'exchanges') return '#/exchanges';
  const p = filterParams(r.filter);
  if (p.size === 0) return r.id === null ? '#/' : `#/c/${r.id}`;
  if (r.id !== null) p.set('c', String(r.id));
  return `#/?${p.toString()}`;
}

/** parseHash returns the conversation ID a hash opens, or null. */
export function parseHash(hash: string): number | null {
  return parseRoute(hash).id;
}

/** hashFor is the hash that opens conversation id, keeping filter. */
export function hashFor(id: number, filter: Filter = defaultFilter()): string {
  return formatRoute({ view: 'list', id, filter });
}
