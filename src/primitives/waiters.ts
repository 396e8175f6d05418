import { removeItem } from './loop-bound.js';

/**
 * A list of waiters that holds no array while at most one waits: null for
 * none, the waiter itself for one, an array from two on (two XS slots less
 * than an array, for the common lone waiter). An array stays one once made.
 */
export type Waiters<W extends object> = W | W[] | null;

const NONE: readonly never[] = Object.freeze([]);

/** `waiters` with `w` added last. */
export function addWaiter<W extends object>(waiters: Waiters<W>, w: W): Waiters<W> {
  if (waiters === null) return w;
  if (!Array.isArray(waiters)) return [waiters, w];
  waiters.push(w);
  return waiters;
}

/** `waiters` without `w` (as they were when `w` is not among them). */
export function dropWaiter<W extends object>(waiters: Waiters<W>, w: W): Waiters<W> {
  if (waiters === w) return null;
  if (Array.isArray(waiters)) removeItem(waiters, w);
  return waiters;
}

/** The waiters, oldest first, in an array (a lone one in a new array): to iterate. */
export function waiterList<W extends object>(waiters: Waiters<W>): readonly W[] {
  return waiters === null ? NONE : Array.isArray(waiters) ? waiters : [waiters];
}
