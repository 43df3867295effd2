// The review queue: "Review next" walks the conversations the current filter or search
// selects, one at a time, moving on by itself after confirm or reject. Its position is
// saved per filter (lib/queue.ts), so it resumes where it was left.
import { api, errorText } from '../api';
import { loadPos, moveBack, moveOn, progress, queueKey, savePos, type QueuePos } from '../queue';
import type { Status } from '../types';
import type { Live } from './live.svelte';

export class ReviewQueue {
  active = $state(false);
  pos = $state<QueuePos>({ index: 0, done: 0 });
  total = $state(0);
  /** The conversation the queue is on, or null when it is finished. */
  current = $state<number | null>(null);
  busy = $state(false);
  readonly progress = $derived(progress(this.pos, this.total));

  #live: Live;
  #key = '';

  constructor(live: Live) {
    this.#live = live;
  }

  /** start opens the queue over the list's filter, where it was left. */
  async start(): Promise<void> {
    this.#key = queueKey(this.#live.route.filter);
    this.pos = loadPos(localStorage, this.#key);
    this.active = true;
    await this.#show();
  }

  stop(): void {
    this.active = false;
  }

  /** act sets the current conversation's status and moves on. */
  async act(status: Status): Promise<void> {
    if (!this.active || this.current === null || this.busy) return;
    // The reviewer opened another conversation meanwhile: act on that one, the queue waits.
    if (this.#live.selectedId !== this.current) return this.#live.curate.review(status);
    await this.#live.detail.load(this.current); // a key pressed before the conversation arrived
    const d = this.#live.detail.detail;
    if (d?.id !== this.current) return;
    if (d.status !== status) await this.#live.curate.review(status);
    await this.next();
  }

  /** next passes the current conversation (skip) and shows the following one. */
  async next(): Promise<void> {
    if (!this.active || this.busy || this.current === null) return;
    await this.#step(async () => {
      const at = await api.conversations({ ...this.#live.route.filter, limit: 1, offset: this.pos.index });
      this.pos = moveOn(this.pos, at.items?.[0]?.id === this.current);
    });
  }

  async prev(): Promise<void> {
    if (!this.active || this.busy) return;
    await this.#step(async () => {
      this.pos = moveBack(this.pos);
    });
  }

  async #step(move: () => Promise<void>): Promise<void> {
    this.busy = true;
    try {
      await move();
      savePos(localStorage, this.#key, this.pos);
      await this.#show();
    } catch (err) {
      this.#live.toasts.error(`Review queue: ${errorText(err)}`);
    } finally {
      this.busy = false;
    }
  }

  async #show(): Promise<void> {
    const pg = await api.conversations({ ...this.#live.route.filter, limit: 1, offset: this.pos.index });
    this.total = pg.total;
    const id = pg.items?.[0]?.id ?? null;
    this.current = id;
    if (id !== null) this.#live.open(id);
  }
}
