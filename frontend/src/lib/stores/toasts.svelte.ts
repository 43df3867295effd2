// Short-lived messages at the bottom of the window; destructive actions add an Undo button.

export interface Toast {
  id: number;
  text: string;
  kind: 'info' | 'error';
  /** Reverts the action the toast reports; the button disappears once used. */
  undo?: () => Promise<void> | void;
}

/** toastMs is how long a toast stays; ones with Undo stay longer, to leave time to use it. */
export const toastMs = 5000;
const undoMs = 10000;

export class Toasts {
  items = $state<Toast[]>([]);
  #next = 1;

  /** push shows a toast and returns its id. */
  push(text: string, opts: { kind?: Toast['kind']; undo?: Toast['undo'] } = {}): number {
    const id = this.#next++;
    this.items = [...this.items.slice(-3), { id, text, kind: opts.kind ?? 'info', undo: opts.undo }];
    setTimeout(() => this.dismiss(id), opts.undo ? undoMs : toastMs);
    return id;
  }

  error(text: string): number {
    return this.push(text, { kind: 'error' });
  }

  dismiss(id: number): void {
    this.items = this.items.filter((t) => t.id !== id);
  }

  async undo(t: Toast): Promise<void> {
    this.dismiss(t.id);
    try {
      await t.undo?.();
    } catch (err) {
      this.error(`Undo failed: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
}
