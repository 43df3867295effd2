// Keyboard shortcuts for the review list, as a pure mapping so they can be tested.

export type KeyAction = 'next' | 'prev' | 'open' | 'confirm' | 'reject';

/** KeyInput is the part of a KeyboardEvent that decides the shortcut. */
export interface KeyInput {
  key: string;
  ctrlKey?: boolean;
  metaKey?: boolean;
  altKey?: boolean;
  /** Whether focus is in a text field, where letters must type, not act. */
  typing?: boolean;
}

const actions: Record<string, KeyAction> = {
  j: 'next',
  ArrowDown: 'next',
  k: 'prev',
  ArrowUp: 'prev',
  Enter: 'open',
  c: 'confirm',
  x: 'reject',
};

/** keyAction returns the shortcut for a key press, or null when it is not one. */
export function keyAction(e: KeyInput): KeyAction | null {
  if (e.ctrlKey || e.metaKey || e.altKey || e.typing) return null;
  return actions[e.key] ?? null;
}

/**
 * moveCursor returns the ID delta rows away from current in ids, clamped to the ends.
 * With no current (or one no longer listed) it starts at the first row.
 */
export function moveCursor(ids: readonly number[], current: number | null, delta: number): number | null {
  if (ids.length === 0) return null;
  const i = current === null ? -1 : ids.indexOf(current);
  if (i < 0) return ids[0];
  return ids[Math.min(ids.length - 1, Math.max(0, i + delta))];
}
