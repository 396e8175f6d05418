import { Handle, NO_ARGS, TimerHandle, type TimerOwner } from '../contract/handle.js';
import type { TimedFuture, TimerEntry } from '../contract/loop.js';
import { PENDING, resultUnlessDone } from '../future/future.js';

/** What both heaps order by: deadline, then scheduling order. */
interface Timed {
  readonly _when: number;
  readonly _seq: number;
}

/** @internal What the heap with eager removal holds: a TimerHandle, or a TimerEntry (scheduled, so its `_seq` set). */
export type Placed = TimerHandle | (TimerEntry & { _seq: number; _index: number });

/**
 * The loop's timers, by deadline (then scheduling order), in two binary
 * min-heaps that share one sequence:
 *
 * - TimerHandles (callLater, callAt), and TimerEntries (placed by BaseLoop's
 *   EntryTimers hook: a waitFor's time limit, a timeout scope, an interval,
 *   each its own entry with no TimerHandle). Each knows its place in the heap, and
 *   leaves it as soon as it is cancelled: the heap holds live timers only, so
 *   a cancelled handle is garbage at once (in V8 it dies young instead of
 *   being promoted while it waits to be swept out; timeouts are mostly
 *   cancelled). A due entry gets its Handle only then.
 * - TimedFutures (sleeps, through BaseLoop's FutureTimers hook): the future
 *   is the entry, with no place of its own (two slots less in XS). One done
 *   before its deadline stays, as in asyncio, until it reaches the top or the
 *   done ones are more than half, when they are swept out (sleeps are mostly
 *   not cancelled).
 *
 * Push, pop and cancel are O(log n); a sweep is O(n), once per n/2 cancels.
 */
export class TimerHeap implements TimerOwner {
  /** @internal */ _heap: Placed[] = [];
  /** @internal */ _futures: TimedFuture[] = [];
  /** @internal The futures in `_futures` done before their deadline (unset until the first: no XS slot). */
  declare _done?: number;
  /** @internal The sequence number of the next timer (taken in place by the loop: a call less per timer in XS). */
  _seq = 0;

  /** Live timers: the cancelled ones do not count. */
  get size(): number {
    return this._heap.length + this._futures.length - (this._done ?? 0);
  }

  /** Schedules `h`: it stays in the heap until it is due or cancelled. */
  push(h: TimerHandle): void {
    h._owner = this;
    siftUp(this._heap, this._heap.length, h);
  }

  /**
   * @internal Schedules `fut` at its `_when`: it is completed with its
   * `_value` then, unless done before. Returns true when no live timer of
   * its heap is earlier: the top may be a future done before its deadline,
   * which the host need not be armed for.
   */
  pushFuture(fut: TimedFuture): boolean {
    fut._seq = this._seq++;
    return rise(this._futures, this._futures.length, fut) === 0 || this._futures[0]!._state !== PENDING;
  }

  /** The earliest deadline, or undefined. */
  nextWhen(): number | undefined {
    const top = this._heap[0];
    let fut: TimedFuture | undefined = this._futures[0];
    if (fut === undefined) return top === undefined ? undefined : top._when;
    // Tested here, the call only when there are done futures to drop: a call costs computrons in XS.
    if (fut._state !== PENDING) fut = this._liveFuture();
    if (fut !== undefined && (top === undefined || fut._when < top._when)) return fut._when;
    return top === undefined ? undefined : top._when;
  }

  /** Removes the earliest timer if it is due at `now` and returns the handle to run for it, else undefined. */
  popDue(now: number): Handle | undefined {
    const top = this._heap[0];
    let fut: TimedFuture | undefined = this._futures[0];
    if (fut !== undefined) {
      if (fut._state !== PENDING) fut = this._liveFuture();
      if (fut !== undefined && (top === undefined || less(fut, top))) {
        if (fut._when > now) return undefined;
        popTop(this._futures);
        fut._seq = -1;
        // The constructor's one-argument form: a future is neither an array nor undefined.
        return new Handle(resultUnlessDone, NO_ARGS, fut);
      }
    }
    if (top === undefined || top._when > now) return undefined;
    const heap = this._heap;
    // The top out: the last one sinks from the root (no call of remove(), which would find it at 0).
    const last = heap.pop()!;
    if (last !== top) siftDown(heap, 0, last);
    // Told apart by a field only handles have: cheaper in XS than `instanceof` (a call).
    if ((top as TimerHandle)._owner !== undefined) {
      (top as TimerHandle)._owner = null;
      return top as TimerHandle;
    }
    top._index = -1;
    return new Handle(expire, NO_ARGS, top);
  }

  /** Called by a handle when it is cancelled: it leaves the heap. */
  _timerCancelled(h: TimerHandle): void {
    h._owner = null;
    remove(this._heap, h);
  }

  /** @internal Called when a future of the heap is done before its deadline: counted, and swept out with the others once they are more than half. */
  _futureDone(): void {
    const done = (this._done ?? 0) + 1;
    this._done = done;
    if (done * 2 > this._futures.length) this._sweep();
  }

  /** The earliest future not done, the done ones before it dropped. */
  private _liveFuture(): TimedFuture | undefined {
    const futures = this._futures;
    let fut = futures[0];
    while (fut !== undefined && fut._state !== PENDING) {
      popTop(futures);
      // Set: a done future in the heap was counted by _futureDone.
      this._done!--;
      fut = futures[0];
    }
    return fut;
  }

  /** Drops the done futures and puts the others back in heap order (Floyd's heapify). */
  private _sweep(): void {
    const futures = this._futures;
    let n = 0;
    for (let i = 0; i < futures.length; i++) {
      const fut = futures[i]!;
      if (fut._state === PENDING) futures[n++] = fut;
    }
    futures.length = n;
    for (let i = (n >> 1) - 1; i >= 0; i--) sink(futures, i, futures[i]!);
    this._done = 0;
  }
}


/** @internal The callback of a due entry's Handle (XsLoop's timers in C make it too: src/moddable/xs.js). */
export function expire(entry: TimerEntry): void {
  entry._expire();
}

/**
 * @internal Takes `h` out of the heap, moving the last one into its place.
 * BaseLoop's EntryTimers hooks call it and siftUp themselves: a call less
 * per time limit armed and cancelled (XS counts each).
 */
export function remove(heap: Placed[], h: Placed): void {
  const last = heap.pop()!;
  if (last === h) return;
  const i = h._index;
  if (i > 0) {
    const p = heap[(i - 1) >> 1]!;
    // less(last, p) written out: a call less per cancel (XS counts each).
    if (last._when < p._when || (last._when === p._when && last._seq < p._seq)) {
      siftUp(heap, i, last);
      return;
    }
  }
  siftDown(heap, i, last);
}

/** Takes the top out of a heap of futures. */
function popTop(heap: TimedFuture[]): void {
  const last = heap.pop()!;
  if (heap.length > 0) sink(heap, 0, last);
}

function less(a: Timed, b: Timed): boolean {
  return a._when < b._when || (a._when === b._when && a._seq < b._seq);
}

/**
 * @internal Places `item` at `i` or above, moving larger parents down, and returns its
 * place. Every push runs it, so the comparison is written out: a call costs
 * about 20 computrons in XS.
 */
export function siftUp(heap: Placed[], i: number, item: Placed): number {
  while (i > 0) {
    const parent = (i - 1) >> 1;
    const p = heap[parent]!;
    if (item._when > p._when || (item._when === p._when && item._seq > p._seq)) break;
    heap[i] = p;
    p._index = i;
    i = parent;
  }
  heap[i] = item;
  item._index = i;
  return i;
}

/** Places `item` at `i` or below, moving smaller children up (comparisons written out, as in siftUp). */
function siftDown(heap: Placed[], i: number, item: Placed): void {
  const n = heap.length;
  for (;;) {
    let child = 2 * i + 1;
    if (child >= n) break;
    let c = heap[child]!;
    if (child + 1 < n) {
      const r = heap[child + 1]!;
      if (r._when < c._when || (r._when === c._when && r._seq < c._seq)) {
        child++;
        c = r;
      }
    }
    if (item._when < c._when || (item._when === c._when && item._seq < c._seq)) break;
    heap[i] = c;
    c._index = i;
    i = child;
  }
  heap[i] = item;
  item._index = i;
}

/** siftUp for the futures, which keep no place: returns where `fut` went. */
function rise(heap: TimedFuture[], i: number, fut: TimedFuture): number {
  while (i > 0) {
    const parent = (i - 1) >> 1;
    const p = heap[parent]!;
    if (fut._when > p._when || (fut._when === p._when && fut._seq > p._seq)) break;
    heap[i] = p;
    i = parent;
  }
  heap[i] = fut;
  return i;
}

/** siftDown for the futures, which keep no place. */
function sink(heap: TimedFuture[], i: number, fut: TimedFuture): void {
  const n = heap.length;
  for (let child = 2 * i + 1; child < n; child = 2 * i + 1) {
    if (child + 1 < n && less(heap[child + 1]!, heap[child]!)) child++;
    if (!less(heap[child]!, fut)) break;
    heap[i] = heap[child]!;
    i = child;
  }
  heap[i] = fut;
}
