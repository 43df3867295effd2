// Live app state: the route (view, filter, open conversation) from the URL hash, /api/status
// polled every 2 s, and the list and open conversation refetched only when status.changed
// grows. Polling, not SSE: response streaming does not work in the Windows webview.
import { api, errorText, notImplemented } from '../api';
import { filterParams, formatRoute, parseRoute, type Route } from '../route';
import type { AppStatus, Facets, Filter, Tag } from '../types';
import { ListState } from './list.svelte';
import { DetailState } from './detail.svelte';
import { Toasts } from './toasts.svelte';
import { Curator } from './curate.svelte';
import { ReviewQueue } from './queue.svelte';

/** pollMs is the refresh interval for status. */
export const pollMs = 2000;

/** Live owns the data the page shows; components read its fields and call its methods. */
export class Live {
  status = $state.raw<AppStatus | null>(null);
  route = $state.raw<Route>(parseRoute(''));
  facets = $state.raw<Facets | null>(null);
  tags = $state.raw<Tag[]>([]);
  /** Set while the API cannot be reached or answers with an error. */
  error = $state<string | null>(null);
  /** A clock that ticks with the poll, for relative times. */
  now = $state(Date.now());
  /** Overlays: the shortcut help and the export dialog. */
  help = $state(false);
  exporting = $state(false);

  readonly toasts = new Toasts();
  readonly list = new ListState(
    () => this.route.filter,
    (err) => (this.error = errorText(err)),
  );
  readonly detail = new DetailState(this.toasts, () => this.changed());
  readonly curate = new Curator(this);
  readonly queue = new ReviewQueue(this);

  /** selectedId is the routed conversation, or the first row when none is routed. */
  selectedId = $derived(this.route.id ?? this.list.row(0)?.id ?? null);

  #timer: ReturnType<typeof setTimeout> | undefined;
  #lastChanged: number | undefined;
  #filterKey = '';
  #polling = false;

  /** start begins polling and following the hash; the returned function stops both. */
  start(): () => void {
    const onHash = () => this.#route();
    const onVisible = () => !document.hidden && this.poll();
    window.addEventListener('hashchange', onHash);
    document.addEventListener('visibilitychange', onVisible);
    this.#route();
    void this.loadFacets();
    this.poll();
    return () => {
      clearTimeout(this.#timer);
      window.removeEventListener('hashchange', onHash);
      document.removeEventListener('visibilitychange', onVisible);
    };
  }

  /** poll checks /api/status now and refetches what changed. */
  async poll(): Promise<void> {
    if (this.#polling) return;
    this.#polling = true;
    clearTimeout(this.#timer);
    try {
      const s = await api.status();
      this.status = s;
      this.now = Date.now();
      this.error = null;
      // An older server has no "changed": refetch the list every time (it compares before re-rendering).
      if (s.changed === undefined || s.changed !== this.#lastChanged) {
        const first = this.#lastChanged === undefined;
        this.#lastChanged = s.changed;
        await this.list.reload();
        if (!first) {
          void this.detail.load(this.selectedId, true);
          void this.loadFacets();
        }
      }
    } catch (err) {
      // Keep showing what we have; the banner says the server is unreachable.
      this.error = errorText(err);
    } finally {
      this.#polling = false;
      if (!document.hidden) this.#timer = setTimeout(() => this.poll(), pollMs);
    }
    void this.detail.load(this.selectedId);
  }

  /** changed is called after the UI changed data: the next poll sees status.changed grow. */
  changed(): void {
    setTimeout(() => this.poll(), 50);
  }

  async loadFacets(): Promise<void> {
    try {
      this.facets = await api.facets();
      this.tags = this.facets.tags ?? [];
    } catch (err) {
      // Older server: no facet menus, and tags only if /api/tags exists.
      if (!notImplemented(err)) this.error = errorText(err);
      this.facets = null;
      this.tags = await api.tags().catch(() => []);
    }
  }

  #route(): void {
    const r = parseRoute(location.hash);
    this.route = r;
    const key = filterParams(r.filter).toString();
    if (key !== this.#filterKey) {
      this.#filterKey = key;
      void this.list.reload(true).then(() => this.detail.load(this.selectedId));
    }
    this.list.focus(r.id);
    void this.detail.load(this.selectedId);
  }

  #go(r: Route, replace = false): void {
    const hash = formatRoute(r);
    if (replace) {
      history.replaceState(null, '', hash);
      this.#route();
    } else if (location.hash !== hash) location.hash = hash;
    else this.#route();
  }

  /** open shows a conversation through the URL hash, so back/forward work. */
  open(id: number): void {
    this.#go({ ...this.route, view: 'list', id });
  }

  /** setFilter changes the list filter; typing in the search box replaces the history entry. */
  setFilter(change: Partial<Filter>, replace = false): void {
    this.#go({ ...this.route, view: 'list', filter: { ...this.route.filter, ...change } }, replace);
  }

  showView(view: Route['view']): void {
    this.#go({ ...this.route, view });
  }

  openCursor(): void {
    const id = this.list.row(this.list.cursor)?.id;
    if (id !== undefined) this.open(id);
  }

  async setCapture(on: boolean): Promise<void> {
    try {
      this.status = await api.setCapture(on);
      this.error = null;
    } catch (err) {
      this.error = `Could not turn capture ${on ? 'on' : 'off'}: ${errorText(err)}`;
    }
  }
}
