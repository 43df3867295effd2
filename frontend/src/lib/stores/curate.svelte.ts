// Curating: review status, notes, tags, and the same on many conversations at once through
// POST /api/bulk. Destructive changes push a toast with Undo.
import { api, bulkFilter, errorText } from '../api';
import { plural } from '../format';
import type { BulkAction, BulkTarget, ConversationSummary, Status, Tag } from '../types';
import type { Live } from './live.svelte';

/** undoLimit is the most conversations a bulk change over a filter remembers for Undo. */
export const undoLimit = 5000;

/** BulkScope is what a bulk action applies to: the selected rows or everything the filter matches. */
export type BulkScope = 'selection' | 'all';

export class Curator {
  #live: Live;
  constructor(live: Live) {
    this.#live = live;
  }

  get #toasts() {
    return this.#live.toasts;
  }

  #fail(what: string, err: unknown): void {
    this.#toasts.error(`Could not ${what}: ${errorText(err)}`);
  }

  /** review sets the status of the open conversation, showing it at once and reverting on failure. */
  async review(status: Status, reason = ''): Promise<void> {
    const d = this.#live.detail.detail;
    if (!d) return;
    const before = { status: d.status, reason: d.rejectReason ?? '' };
    await this.#setStatus(d.id, status, reason);
    if (status === 'rejected' && before.status !== 'rejected') {
      this.#toasts.push(`Rejected “${d.title || 'Untitled'}”`, {
        undo: () => this.#setStatus(d.id, before.status, before.reason),
      });
    }
  }

  async #setStatus(id: number, status: Status, reason: string): Promise<void> {
    const { list, detail } = this.#live;
    const rejectReason = status === 'rejected' ? reason : '';
    const change = (c: ConversationSummary) => ({ ...c, status, rejectReason });
    list.patch([id], change);
    if (detail.detail?.id === id) detail.detail = { ...detail.detail, ...change(detail.detail) };
    try {
      await api.setStatus(id, status, rejectReason || undefined);
    } catch (err) {
      this.#fail(`mark conversation ${id} ${status}`, err);
      void detail.load(id, true);
    }
    this.#live.changed();
  }

  /** score rates the open conversation 1–5; the score it has already (or 0) clears it. */
  async score(score: number): Promise<void> {
    const d = this.#live.detail.detail;
    if (!d) return;
    const next = d.score === score ? 0 : score;
    const change = (c: ConversationSummary) => ({ ...c, score: next || undefined });
    this.#live.list.patch([d.id], change);
    this.#live.detail.detail = { ...d, ...change(d) };
    try {
      await api.setScore(d.id, next);
    } catch (err) {
      this.#fail('save the score', err);
      void this.#live.detail.load(d.id, true);
    }
    this.#live.changed();
  }

  async setNote(note: string): Promise<void> {
    const d = this.#live.detail.detail;
    if (!d) return;
    try {
      await api.setNote(d.id, note);
      this.#live.detail.detail = { ...d, note };
      this.#live.changed();
    } catch (err) {
      this.#fail('save the note', err);
    }
  }

  /** tag adds or removes a tag on the open conversation; a removal can be undone. */
  async tag(tag: Tag, add: boolean): Promise<void> {
    const d = this.#live.detail.detail;
    if (!d) return;
    const apply = async (on: boolean) => {
      await api.setTags(d.id, on ? { add: [tag.id] } : { remove: [tag.id] });
      const cur = this.#live.detail.detail;
      if (cur?.id === d.id) {
        const tags = (cur.tags ?? []).filter((t) => t.id !== tag.id);
        this.#live.detail.detail = { ...cur, tags: on ? [...tags, tag] : tags };
      }
      this.#live.changed();
    };
    try {
      await apply(add);
      if (!add) this.#toasts.push(`Removed tag “${tag.name}”`, { undo: () => apply(true) });
    } catch (err) {
      this.#fail(add ? 'add the tag' : 'remove the tag', err);
    }
  }

  async createTag(name: string, color: string): Promise<Tag | null> {
    try {
      const t = await api.createTag(name.trim(), color);
      await this.#live.loadFacets();
      return t;
    } catch (err) {
      this.#fail(`create tag “${name}”`, err);
      return null;
    }
  }

  async updateTag(id: number, change: { name?: string; color?: string }): Promise<void> {
    try {
      await api.updateTag(id, change);
      await this.#live.loadFacets();
      this.#live.changed();
    } catch (err) {
      this.#fail('change the tag', err);
    }
  }

  async deleteTag(tag: Tag): Promise<void> {
    try {
      await api.deleteTag(tag.id);
      await this.#live.loadFacets();
      this.#live.changed();
      this.#toasts.push(`Deleted tag “${tag.name}”`);
    } catch (err) {
      this.#fail('delete the tag', err);
    }
  }

  /** bulkCount is how many conversations scope covers, for the confirmation. */
  bulkCount(scope: BulkScope): number {
    return scope === 'all' ? this.#live.list.total : this.#live.list.selection.ids.size;
  }

  /**
   * bulk applies action to scope. For Undo it first notes each conversation's state: the
   * loaded rows for a selection, or the matching rows (up to undoLimit) for a filter.
   */
  async bulk(scope: BulkScope, action: BulkAction): Promise<void> {
    const { list, route } = this.#live;
    const target: BulkTarget = scope === 'all' ? bulkFilter(route.filter) : { ids: [...list.selection.ids] };
    let before: ConversationSummary[] | null = null;
    try {
      before = scope === 'all' ? await this.#matching() : list.loadedRows().map((r) => r.row).filter((c) => list.selection.ids.has(c.id));
      const { affected } = await api.bulk(target, action);
      list.clearSelection();
      this.#live.changed();
      const undo = before ? this.#undoFor(before, action) : undefined;
      this.#toasts.push(`${describe(action, this.#live.tags)}: ${plural(affected, 'conversation')}`, { undo });
    } catch (err) {
      this.#fail('apply the bulk change', err);
    }
  }

  async #matching(): Promise<ConversationSummary[] | null> {
    const { list, route } = this.#live;
    if (list.total > undoLimit) return null;
    const out: ConversationSummary[] = [];
    for (let offset = 0; offset < list.total; offset += 500) {
      const pg = await api.conversations({ ...route.filter, limit: 500, offset });
      out.push(...(pg.items ?? []));
      if ((pg.items ?? []).length < 500) break;
    }
    return out;
  }

  #undoFor(before: ConversationSummary[], action: BulkAction): (() => Promise<void>) | undefined {
    if (before.length === 0) return undefined;
    return async () => {
      if (action.action === 'status') {
        const groups = new Map<string, number[]>();
        for (const c of before) {
          const k = JSON.stringify([c.status, c.rejectReason ?? '']);
          groups.set(k, [...(groups.get(k) ?? []), c.id]);
        }
        for (const [k, ids] of groups) {
          const [status, reason] = JSON.parse(k) as [Status, string];
          await api.bulk({ ids }, { action: 'status', status, ...(reason ? { reason } : {}) });
        }
      } else {
        // Only the conversations the action changed: those that had (untag) or lacked (tag) it.
        const had = (c: ConversationSummary) => (c.tags ?? []).some((t) => t.id === action.tagId);
        const ids = before.filter((c) => (action.action === 'tag' ? !had(c) : had(c))).map((c) => c.id);
        if (ids.length) await api.bulk({ ids }, { action: action.action === 'tag' ? 'untag' : 'tag', tagId: action.tagId });
      }
      this.#live.changed();
    };
  }
}

/** describe names a bulk action for its toast: "Confirmed", "Tagged “good”". */
export function describe(a: BulkAction, tags: readonly Tag[]): string {
  if (a.action === 'status') return a.status === 'unreviewed' ? 'Marked unreviewed' : a.status === 'confirmed' ? 'Confirmed' : 'Rejected';
  const name = tags.find((t) => t.id === a.tagId)?.name ?? `tag ${a.tagId}`;
  return a.action === 'tag' ? `Tagged “${name}”` : `Removed “${name}”`;
}
