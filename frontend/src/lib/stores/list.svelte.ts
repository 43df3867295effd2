// The conversation list as the server pages it: rows are fetched a page at a time for the
// part of the list on screen (see ../virtual.ts), so 100,000 conversations cost a few
// requests, and refetched only when the filter or the data changes.
import { api } from '../api';
import { pagesFor, type Window } from '../virtual';
import { emptySelection, select, toggle, type ClickMods, type Selection } from '../selection';
import type { ConversationSummary, Filter } from '../types';

/** pageSize is the rows per request (the API allows up to 500). */
export const pageSize = 100;

export class ListState {
  /** Loaded pages by page number; replaced (not mutated) on every change. */
  pages = $state.raw(new Map<number, ConversationSummary[]>());
  total = $state(0);
  /** Whether the first answer has arrived (to tell "empty" from "loading"). */
  loaded = $state(false);
  /** The j/k cursor as a row index. */
  cursor = $state(0);
  selection = $state.raw<Selection>(emptySelection);

  #window: Window = { start: 0, end: 40 };
  /** A row to put the cursor on once it is loaded (the conversation a link opened). */
  #focus: number | null = null;
  #gen = 0;
  #inFlight = new Set<string>();
  #filter: () => Filter;
  #onError: (err: unknown) => void;

  constructor(filter: () => Filter, onError: (err: unknown) => void) {
    this.#filter = filter;
    this.#onError = onError;
  }

  /** row returns the row at index, or undefined while its page loads. */
  row(index: number): ConversationSummary | undefined {
    return this.pages.get(Math.floor(index / pageSize))?.[index % pageSize];
  }

  /** loadedRows lists the loaded rows in list order with their indexes. */
  loadedRows(): { index: number; row: ConversationSummary }[] {
    const out: { index: number; row: ConversationSummary }[] = [];
    for (const p of [...this.pages.keys()].sort((a, b) => a - b))
      this.pages.get(p)?.forEach((row, i) => out.push({ index: p * pageSize + i, row }));
    return out;
  }

  indexOf(id: number): number {
    return this.loadedRows().find((r) => r.row.id === id)?.index ?? -1;
  }

  /** focus puts the cursor on id now if it is loaded, or as soon as it loads. */
  focus(id: number | null): void {
    this.#focus = id;
    this.#applyFocus();
  }

  #applyFocus(): void {
    if (this.#focus === null) return;
    const i = this.indexOf(this.#focus);
    if (i >= 0) {
      this.cursor = i;
      this.#focus = null;
    }
  }

  /** show tells the list which rows are on screen; missing pages are fetched. */
  show(w: Window): void {
    this.#window = w;
    for (const p of pagesFor(w, pageSize)) if (!this.pages.has(p)) void this.#fetch(p, this.#gen);
  }

  /**
   * reload refetches the pages on screen and drops the others (they are stale). With
   * reset (a new filter) the list starts again at the top and the selection is cleared.
   */
  async reload(reset = false): Promise<void> {
    const gen = ++this.#gen;
    this.#inFlight.clear();
    if (reset) {
      this.cursor = 0;
      this.selection = emptySelection;
      this.#window = { start: 0, end: Math.max(40, this.#window.end - this.#window.start) };
    }
    const want = pagesFor(this.#window, pageSize);
    if (want.length === 0) want.push(0);
    const fresh = new Map<number, ConversationSummary[]>();
    let total = this.total;
    try {
      const pages = await Promise.all(want.map((p) => this.#page(p)));
      if (gen !== this.#gen) return;
      pages.forEach((pg, i) => {
        fresh.set(want[i], pg.items ?? []); // tolerate a Go nil slice encoded as null
        total = pg.total;
      });
    } catch (err) {
      if (gen === this.#gen) this.#onError(err);
      return;
    }
    // Same data, same map: nothing re-renders while the user reads or scrolls.
    if (!reset && JSON.stringify([...fresh]) === JSON.stringify([...this.pages])) {
      this.total = total;
      this.loaded = true;
      this.show(this.#window);
      return;
    }
    this.pages = fresh;
    this.total = total;
    this.loaded = true;
    this.cursor = Math.min(this.cursor, Math.max(0, total - 1));
    this.#applyFocus();
    // Rows scrolled to while this was loading were fetched for the old generation: fetch them again.
    this.show(this.#window);
  }

  #page(p: number) {
    return api.conversations({ ...this.#filter(), limit: pageSize, offset: p * pageSize });
  }

  async #fetch(p: number, gen: number): Promise<void> {
    const key = `${gen}:${p}`;
    if (this.#inFlight.has(key)) return;
    this.#inFlight.add(key);
    try {
      const pg = await this.#page(p);
      if (gen !== this.#gen) return;
      const next = new Map(this.pages);
      next.set(p, pg.items ?? []);
      this.pages = next;
      this.total = pg.total;
      this.loaded = true;
      this.#applyFocus();
    } catch (err) {
      if (gen === this.#gen) this.#onError(err);
    } finally {
      this.#inFlight.delete(key);
    }
  }

  /** patch changes loaded rows in place (an optimistic update before the server confirms). */
  patch(ids: ReadonlySet<number> | number[], change: (c: ConversationSummary) => ConversationSummary): void {
    const set = ids instanceof Set ? ids : new Set(ids);
    const next = new Map<number, ConversationSummary[]>();
    for (const [p, rows] of this.pages) next.set(p, rows.map((c) => (set.has(c.id) ? change(c) : c)));
    this.pages = next;
  }

  moveCursor(delta: number): void {
    this.cursor = Math.min(Math.max(0, this.total - 1), Math.max(0, this.cursor + delta));
  }

  click(id: number, mods: ClickMods): void {
    this.selection = select(this.selection, id, mods, this.loadedRows().map((r) => r.row.id));
  }

  toggle(id: number): void {
    this.selection = toggle(this.selection, id);
  }

  /** anchor makes id the start of the next shift-click range (a plain click opens a row, keeping the selection). */
  anchor(id: number): void {
    this.selection = { ids: this.selection.ids, anchor: id };
  }

  clearSelection(): void {
    this.selection = emptySelection;
  }
}
