// The open conversation and the edits made to it: message text, "don't train", the better
// answer, branch choice, cut and system prompt. Each change is sent to the server and the
// answer it gives replaces what is shown; undoable ones push a toast with Undo.
import { api, ApiError, errorText } from '../api';
import type { ConversationDetail, Message } from '../types';
import type { Toasts } from './toasts.svelte';

export class DetailState {
  detail = $state.raw<ConversationDetail | null>(null);
  error = $state<string | null>(null);
  /** The id of the message whose editor is open (e opens the last one). */
  editing = $state<number | null>(null);
  /** Whether the find bar is open (f, Ctrl+F). */
  finding = $state(false);
  /** The id of the message whose versions are compared side by side (v), or null. */
  comparing = $state<number | null>(null);
  /** The exchange shown in the raw drawer, or null. */
  exchangeId = $state<number | null>(null);

  #seq = 0;
  #loadedId: number | null = null;
  /** The message whose branch is being looked at (◀ ▶), kept over refreshes of the same conversation. */
  #via: number | null = null;
  #toasts: Toasts;
  #onChange: () => void;

  constructor(toasts: Toasts, onChange: () => void) {
    this.#toasts = toasts;
    this.#onChange = onChange;
  }

  /** load fetches conversation id; force refetches the one already shown. */
  async load(id: number | null, force = false): Promise<void> {
    if (id === null) {
      this.detail = null;
      this.error = null;
      this.#loadedId = null;
      return;
    }
    if (id === this.#loadedId && !force) return;
    const seq = ++this.#seq;
    if (id !== this.#loadedId) {
      this.editing = null;
      this.comparing = null;
      this.#via = null;
    }
    try {
      const d = await api.conversation(id, this.#via ?? undefined);
      if (seq !== this.#seq) return;
      this.#set(d);
      this.error = null;
    } catch (err) {
      if (seq !== this.#seq) return;
      this.detail = null;
      this.error = err instanceof ApiError && err.status === 404 ? `Conversation ${id} not found.` : errorText(err);
    }
    this.#loadedId = id;
  }

  #set(d: ConversationDetail): void {
    this.detail = { ...d, messages: d.messages ?? [] };
  }

  #replace(m: Message): void {
    if (!this.detail) return;
    this.detail = { ...this.detail, messages: this.detail.messages.map((x) => (x.id === m.id ? { ...x, ...m } : x)) };
  }

  /** #run performs a change, reporting failure in a toast; it resolves to whether it worked. */
  async #run(what: string, f: () => Promise<void>): Promise<boolean> {
    try {
      await f();
      this.#onChange();
      return true;
    } catch (err) {
      this.#toasts.error(`Could not ${what}: ${errorText(err)}`);
      return false;
    }
  }

  /** save stores new text for m (the system prompt when m is one, which has a negative id). */
  save(m: Message, content: string): Promise<boolean> {
    const d = this.detail;
    if (!d) return Promise.resolve(false);
    return this.#run('save the edit', async () => {
      if (m.role === 'system' && m.id < 0) this.#set(await api.setSystem(d.id, content));
      else this.#replace(await api.editMessage(m.id, content));
      this.editing = null;
    });
  }

  /** revert puts m back to its captured text. */
  revert(m: Message): Promise<boolean> {
    const d = this.detail;
    if (!d || m.original === undefined) return Promise.resolve(false);
    return this.#run('undo the edit', async () => {
      if (m.role === 'system' && m.id < 0) this.#set(await api.setSystem(d.id, m.original ?? ''));
      else this.#replace(await api.undoEdit(m.id));
    });
  }

  setTrain(m: Message, train: boolean): Promise<boolean> {
    return this.#run(train ? 'include the turn' : 'exclude the turn', async () => {
      await api.setTrain(m.id, train);
      this.#replace({ ...m, train });
    });
  }

  /** setThumb rates an answer up (1) or down (-1); the thumb it has already clears it. */
  setThumb(m: Message, thumb: number): Promise<boolean> {
    const next = m.thumb === thumb ? 0 : thumb;
    return this.#run('rate the answer', async () => {
      await api.setThumb(m.id, next);
      this.#replace({ ...m, thumb: next || undefined });
    });
  }

  /** lastAnswer is the last assistant message of the path shown (what the shortcuts act on). */
  lastAnswer(): Message | undefined {
    return [...(this.detail?.messages ?? [])].reverse().find((m) => m.role === 'assistant' && m.id > 0);
  }

  setPreferred(m: Message): Promise<boolean> {
    return this.#run('mark the better answer', async () => {
      await api.setPreferred(m.id);
      this.#replace({ ...m, preferred: true });
    });
  }

  /**
   * view shows the path through messageId (a sibling picked with ◀ ▶) without choosing it:
   * looking at a branch never changes what is exported (issue 14).
   */
  async view(messageId: number): Promise<boolean> {
    const d = this.detail;
    if (!d) return false;
    try {
      const v = await api.conversation(d.id, messageId);
      if (this.detail?.id !== d.id) return false;
      this.#via = v.viewing ? messageId : null;
      this.#set(v);
      return true;
    } catch (err) {
      this.#toasts.error(`Could not show that version: ${errorText(err)}`);
      return false;
    }
  }

  /** viewChosen goes back from a branch being looked at to the chosen path. */
  viewChosen(): Promise<void> {
    this.#via = null;
    return this.load(this.detail?.id ?? null, true);
  }

  /** viewSibling steps the last message with versions to its previous (-1) or next (+1) one. */
  viewSibling(delta: number): Promise<boolean> {
    const m = [...(this.detail?.messages ?? [])].reverse().find((x) => (x.siblingIds?.length ?? 0) > 1);
    const ids = m?.siblingIds ?? [];
    const next = ids[ids.indexOf(m?.id ?? -1) + delta];
    return next === undefined ? Promise.resolve(false) : this.view(next);
  }

  /**
   * useShown makes the path being looked at the chosen one (what export writes): an
   * explicit act, shown in the header, with Undo back to the choice before.
   */
  useShown(): Promise<boolean> {
    const d = this.detail;
    const leaf = d?.messages.at(-1);
    if (!d || !leaf || !d.viewing) return Promise.resolve(false);
    const prev = { head: d.headId, chosen: d.branchChosen };
    return this.#run('use this answer', async () => {
      this.#via = null;
      this.#set(await api.branch(d.id, leaf.id));
      this.#toasts.push('Export now uses this answer', {
        undo: async () => {
          const back = prev.chosen && prev.head ? await api.branch(d.id, prev.head) : await api.clearBranch(d.id);
          if (this.detail?.id === d.id) this.#set(back);
          this.#onChange();
        },
      });
    });
  }

  /** clearChoice drops a person's branch choice: the path ends at the newest answer again. */
  clearChoice(): Promise<boolean> {
    const d = this.detail;
    if (!d) return Promise.resolve(false);
    return this.#run('undo the choice', async () => {
      this.#via = null;
      this.#set(await api.clearBranch(d.id));
    });
  }

  /** cut ends the chosen path at messageId; the toast's Undo restores the previous end. */
  cut(messageId: number, what = 'Cut the conversation here'): Promise<boolean> {
    const d = this.detail;
    if (!d) return Promise.resolve(false);
    const before = d.messages.at(-1)?.id;
    return this.#run('cut the conversation', async () => {
      this.#set(await api.cut(d.id, messageId));
      this.#toasts.push(what, {
        undo: async () => {
          let back = await api.uncut(d.id);
          // There was an earlier cut: go back to it rather than to the whole conversation.
          if (before !== undefined && back.messages?.at(-1)?.id !== before) back = await api.cut(d.id, before);
          if (this.detail?.id === d.id) this.#set(back);
          this.#onChange();
        },
      });
    });
  }

  /** deleteTurn drops m and everything after it: a cut at its parent. */
  deleteTurn(m: Message): Promise<boolean> {
    if (m.parentId === null) {
      this.#toasts.error('The first message cannot be deleted: reject the conversation instead.');
      return Promise.resolve(false);
    }
    return this.cut(m.parentId, 'Deleted the turn and what followed');
  }

  /** compareLast opens the side-by-side view on the last message with versions or an edit (v). */
  compareLast(): void {
    const m = [...(this.detail?.messages ?? [])].reverse().find((x) => (x.siblingIds?.length ?? 0) > 1 || x.original !== undefined);
    if (m) this.comparing = m.id;
  }

  /** editLast opens the editor on the last message (the e shortcut). */
  editLast(): void {
    const last = this.detail?.messages.at(-1);
    if (last) this.editing = last.id;
  }
}
