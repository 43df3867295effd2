// Keyboard shortcuts for the review window, as a pure mapping so they can be tested.

export type KeyAction =
  | 'next'
  | 'prev'
  | 'open'
  | 'confirm'
  | 'reject'
  | 'tag'
  | 'edit'
  | 'search'
  | 'help'
  | 'escape'
  | 'prevBranch'
  | 'nextBranch'
  | 'useBranch'
  | 'compare'
  | 'queue'
  | 'skip'
  | 'score1'
  | 'score2'
  | 'score3'
  | 'score4'
  | 'score5'
  | 'thumbUp'
  | 'thumbDown'
  | 'better'
  | 'dontTrain'
  | 'note'
  | 'raw'
  | 'find';

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
  t: 'tag',
  e: 'edit',
  '/': 'search',
  '?': 'help',
  '[': 'prevBranch',
  ']': 'nextBranch',
  u: 'useBranch',
  v: 'compare',
  q: 'queue',
  s: 'skip',
  '1': 'score1',
  '2': 'score2',
  '3': 'score3',
  '4': 'score4',
  '5': 'score5',
  '+': 'thumbUp',
  '=': 'thumbUp',
  '-': 'thumbDown',
  b: 'better',
  d: 'dontTrain',
  n: 'note',
  r: 'raw',
  f: 'find',
};

/** shortcuts lists the keys for the help overlay, in the order shown. */
export const shortcuts: readonly [keys: string, what: string][] = [
  ['j / k', 'next / previous conversation (in the queue: skip / back)'],
  ['Enter', 'open it'],
  ['q', 'review next: the listed conversations one at a time'],
  ['s', 'skip to the next one in the queue'],
  ['c', 'confirm (in the queue: and move on)'],
  ['x', 'reject (in the queue: and move on)'],
  ['1 / 2 / 3 / 4 / 5', 'quality score; the same key again clears it'],
  ['+ / -', 'thumbs up / down on the last answer'],
  ['b', 'mark the last answer as the better one'],
  ['d', "don't train on the last answer (again: train)"],
  ['t', 'tag'],
  ['n', 'note'],
  ['e', 'edit the last message'],
  ['[ / ]', 'look at the previous / next version of an answer'],
  ['u', 'use the version shown for export'],
  ['v', 'compare versions side by side'],
  ['r', 'raw exchange of the last answer'],
  ['/', 'search'],
  ['f', 'find in this conversation (also Ctrl+F)'],
  ['shift / ctrl click', 'select several'],
  ['Esc', 'close a dialog or drawer, leave a field, stop the queue'],
  ['?', 'this help'],
];

/** keyAction returns the shortcut for a key press, or null when it is not one. */
export function keyAction(e: KeyInput): KeyAction | null {
  if (e.key === 'Escape') return 'escape';
  if ((e.ctrlKey || e.metaKey) && !e.altKey && e.key === 'f') return 'find';
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
