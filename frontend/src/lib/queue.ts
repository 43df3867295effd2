// The review queue's bookkeeping, pure so it can be tested: where the queue is in the
// list a filter selects, how far the reviewer got, and the position saved per filter so
// that "Review next" resumes where it was left.
import { filterParams } from './route';
import type { Filter } from './types';

/** QueuePos is how far a queue got: index is the list offset of the current conversation, done how many were passed. */
export interface QueuePos {
  index: number;
  done: number;
}

/** queueKey names a filter's queue: the same filter and order resume the same queue. */
export function queueKey(f: Filter): string {
  return filterParams(f).toString();
}

/**
 * moveOn is the position after the current conversation is passed (acted on or
 * skipped). When it still matches the filter it stays in the list and the queue steps
 * over it; when the action took it out (confirming under "unreviewed") the next one
 * moved into its place.
 */
export function moveOn(p: QueuePos, stillListed: boolean): QueuePos {
  return { index: stillListed ? p.index + 1 : p.index, done: p.done + 1 };
}

/** moveBack is the position one conversation back, when there is one. */
export function moveBack(p: QueuePos): QueuePos {
  return p.index === 0 ? p : { index: p.index - 1, done: Math.max(0, p.done - 1) };
}

/**
 * progress is what the queue bar says: the current conversation's number and how many
 * the queue holds, counting those passed, so a list that shrinks as it is reviewed
 * still reads "37 of 340". finished is set when nothing is left.
 */
export function progress(p: QueuePos, total: number): { position: number; of: number; finished: boolean } {
  const left = Math.max(0, total - p.index);
  return { position: Math.min(p.done + 1, p.done + left), of: p.done + left, finished: left === 0 };
}

/** storageKey is where queue positions are saved (localStorage). */
export const storageKey = 'llmtap.queue';
/** keep is how many filters' positions are remembered; the oldest is forgotten first. */
export const keep = 20;

/** loadPos returns the saved position of a filter's queue, or the start. */
export function loadPos(store: Pick<Storage, 'getItem'>, key: string): QueuePos {
  try {
    const all = JSON.parse(store.getItem(storageKey) ?? '{}') as Record<string, QueuePos>;
    const p = all[key];
    if (p && Number.isInteger(p.index) && Number.isInteger(p.done) && p.index >= 0 && p.done >= 0) return { index: p.index, done: p.done };
  } catch {
    // A damaged entry starts the queue over.
  }
  return { index: 0, done: 0 };
}

/** savePos saves a filter's queue position, keeping the newest keep filters. */
export function savePos(store: Pick<Storage, 'getItem' | 'setItem'>, key: string, p: QueuePos): void {
  let all: Record<string, QueuePos> = {};
  try {
    all = JSON.parse(store.getItem(storageKey) ?? '{}');
  } catch {
    all = {};
  }
  delete all[key];
  all[key] = p; // newest last
  const keys = Object.keys(all);
  for (const k of keys.slice(0, Math.max(0, keys.length - keep))) delete all[k];
  store.setItem(storageKey, JSON.stringify(all));
}
