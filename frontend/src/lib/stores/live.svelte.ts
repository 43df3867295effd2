// Live app state: /api/status and the conversation list are polled every 2 s, and the
// selected conversation is refetched only when its summary says it changed. Polling, not
// SSE: response streaming does not work in the Windows webview.
import { api, ApiError } from '../api';
import { hashFor, parseHash } from '../route';
import { moveCursor } from '../keys';
import type { AppStatus, ConversationDetail, ConversationSummary, Status } from '../types';

/** pollMs is the refresh interval for status and the list. */
export const pollMs = 2000;
const pageSize = 100;
const maxLimit = 500; // the API's upper bound for limit

function message(err: unknown): string {
  if (err instanceof ApiError) return err.message;
  if (err instanceof Error) return err.message;
  return String(err);
}

/** Live owns the data the page shows; components read its fields and call its methods. */
export class Live {
  status = $state.raw<AppStatus | null>(null);
  list = $state.raw<ConversationSummary[]>([]);
  total = $state(0);
  /** Whether the first list answer has arrived (to tell "empty" from "loading"). */
  loaded = $state(false);
  filter = $state<Status | ''>('');
  limit = $state(pageSize);
  /** The conversation named in the URL hash, if any. */
  routeId = $state<number | null>(null);
  /** The row j/k point at; Enter opens it. */
  cursor = $state<number | null>(null);
  detail = $state.raw<ConversationDetail | null>(null);
  detailError = $state<string | null>(null);
  /** Set while the API cannot be reached or answers with an error. */
  error = $state<string | null>(null);
  /** A clock that ticks with the poll, for relative times. */
  now = $state(Date.now());

  /** selectedId is the routed conversation, or the newest one when none is routed. */
  selectedId = $derived(this.routeId ?? this.list[0]?.id ?? null);
  canShowMore = $derived(this.list.length < this.total && this.limit < maxLimit);

  #timer: ReturnType<typeof setTimeout> | undefined;
  #inFlight = false;
  #again = false;
  #listSeq = 0;
  #detailSeq = 0;
  #detailKey = '';

  /** start begins polling and following the hash; the returned function stops both. */
  start(): () => void {
    const onHash = () => this.#route();
    const onVisible = () => !document.hidden && this.refresh();
    window.addEventListener('hashchange', onHash);
    document.addEventListener('visibilitychange', onVisible);
    this.#route();
    this.refresh();
    return () => {
      clearTimeout(this.#timer);
      window.removeEventListener('hashchange', onHash);
      document.removeEventListener('visibilitychange', onVisible);
    };
  }

  /** refresh polls now instead of waiting for the next tick. */
  async refresh(): Promise<void> {
    if (this.#inFlight) {
      this.#again = true;
      return;
    }
    clearTimeout(this.#timer);
    this.#inFlight = true;
    try {
      await this.#poll();
    } finally {
      this.#inFlight = false;
      if (this.#again) {
        this.#again = false;
        queueMicrotask(() => this.refresh());
      } else if (!document.hidden) {
        this.#timer = setTimeout(() => this.refresh(), pollMs);
      }
    }
  }

  async #poll(): Promise<void> {
    const seq = ++this.#listSeq;
    try {
      const [status, page] = await Promise.all([
        api.status(),
        api.conversations({ limit: this.limit, status: this.filter || undefined }),
      ]);
      this.now = Date.now();
      this.status = status;
      if (seq === this.#listSeq) {
        // Same data, same array: nothing re-renders while the user reads or scrolls.
        const items = page.items ?? []; // tolerate a Go nil slice encoded as null
        if (JSON.stringify(items) !== JSON.stringify(this.list)) this.list = items;
        this.total = page.total;
        this.loaded = true;
      }
      this.error = null;
    } catch (err) {
      // Keep showing what we have; the banner says the server is unreachable.
      this.error = message(err);
      return;
    }
    await this.#syncDetail();
  }

  /** #syncDetail loads the selected conversation when it changed since the last load. */
  async #syncDetail(): Promise<void> {
    const id = this.selectedId;
    if (id === null) {
      this.detail = null;
      this.#detailKey = '';
      return;
    }
    const s = this.list.find((c) => c.id === id);
    const key = s ? `${id}:${s.updatedAt}:${s.messageCount}:${s.status}` : `${id}`;
    if (key === this.#detailKey) return;
    const seq = ++this.#detailSeq;
    try {
      const d = await api.conversation(id);
      if (seq !== this.#detailSeq) return;
      this.detail = { ...d, messages: d.messages ?? [] };
      this.detailError = null;
      this.#detailKey = key;
    } catch (err) {
      if (seq !== this.#detailSeq) return;
      this.detail = null;
      this.detailError = err instanceof ApiError && err.status === 404 ? `Conversation ${id} not found.` : message(err);
      this.#detailKey = key;
    }
  }

  #route(): void {
    this.routeId = parseHash(location.hash);
    this.cursor = this.selectedId;
    void this.#syncDetail();
  }

  /** open selects a conversation through the URL hash, so back/forward work. */
  open(id: number): void {
    location.hash = hashFor(id);
  }

  /** openCursor opens the row the cursor is on. */
  openCursor(): void {
    if (this.cursor !== null) this.open(this.cursor);
  }

  /** moveCursor moves the j/k cursor by delta rows. */
  moveCursor(delta: number): void {
    this.cursor = moveCursor(
      this.list.map((c) => c.id),
      this.cursor ?? this.selectedId,
      delta,
    );
  }

  setFilter(f: Status | ''): void {
    this.filter = f;
    this.limit = pageSize;
    this.refresh();
  }

  showMore(): void {
    this.limit = Math.min(maxLimit, this.limit + pageSize);
    this.refresh();
  }

  async setCapture(on: boolean): Promise<void> {
    try {
      this.status = await api.setCapture(on);
      this.error = null;
    } catch (err) {
      this.error = `Could not turn capture ${on ? 'on' : 'off'}: ${message(err)}`;
    }
  }

  /**
   * review sets the status of the conversation on screen (not a newer selection still
   * loading), showing it at once and undoing it on failure.
   */
  async review(status: Status): Promise<void> {
    const id = this.detail?.id;
    if (id === undefined) return;
    const before = { list: this.list, detail: this.detail };
    this.list = this.list.map((c) => (c.id === id ? { ...c, status } : c));
    if (this.detail?.id === id) this.detail = { ...this.detail, status };
    try {
      await api.setStatus(id, status);
      this.error = null;
    } catch (err) {
      this.list = before.list;
      this.detail = before.detail;
      this.error = `Could not mark conversation ${id} ${status}: ${message(err)}`;
    }
    this.refresh();
  }
}
