import type { TimerHandle, TimerOwner } from '../contract/handle.js';

/**
 * A binary min-heap of TimerHandles by deadline (then scheduling order). Each
 * handle knows its place in the heap, and leaves it as soon as it is
 * cancelled: the heap holds live timers only, so a cancelled handle is
 * garbage at once (in V8 it dies young instead of being promoted while it
 * waits to be swept out). Push, pop and cancel are O(log n).
 */
export class TimerHeap implements TimerOwner {
  /** @internal */ _heap: TimerHandle[] = [];
  private _seq = 0;

  /** Handles in the heap: live timers only, since a cancelled one leaves at once. */
  get size(): number {
    return this._heap.length;
  }

  /** @internal A sequence number for the next handle. */
  nextSeq(): number {
    return this._seq++;
  }

  /** Schedules `h`: it stays in the heap until it is due or cancelled. */
  push(h: TimerHandle): void {
    h._owner = this;
    siftUp(this._heap, this._heap.length, h);
  }

  /** The earliest deadline, or undefined. */
  nextWhen(): number | undefined {
    const top = this._heap[0];
    return top === undefined ? undefined : top._when;
  }

  /** Removes and returns the earliest handle if it is due at `now`, else undefined. */
  popDue(now: number): TimerHandle | undefined {
    const top = this._heap[0];
    if (top === undefined || top._when > now) return undefined;
    remove(this._heap, top);
    return top;
  }

  /** Called by a handle when it is cancelled: it leaves the heap. */
  _timerCancelled(h: TimerHandle): void {
    remove(this._heap, h);
  }
}

/** Takes `h` out of the heap, moving the last handle into its place. */
function remove(heap: TimerHandle[], h: TimerHandle): void {
  h._owner = null;
  const last = heap.pop()!;
  if (last === h) return;
  const i = h._index;
  if (i > 0 && less(last, heap[(i - 1) >> 1]!)) siftUp(heap, i, last);
  else siftDown(heap, i, last);
}

function less(a: TimerHandle, b: TimerHandle): boolean {
  return a._when < b._when || (a._when === b._when && a._seq < b._seq);
}

/**
 * Places `item` at `i` or above, moving larger parents down. Every push runs
 * it, so the comparison is written out: a call costs about 20 computrons in XS.
 */
function siftUp(heap: TimerHandle[], i: number, item: TimerHandle): void {
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
}

/** Places `item` at `i` or below, moving smaller children up. */
function siftDown(heap: TimerHandle[], i: number, item: TimerHandle): void {
  const n = heap.length;
  for (;;) {
    let child = 2 * i + 1;
    if (child >= n) break;
    let c = heap[child]!;
    if (child + 1 < n) {
      const r = heap[child + 1]!;
      if (less(r, c)) {
        child++;
        c = r;
      }
    }
    if (!less(c, item)) break;
    heap[i] = c;
    c._index = i;
    i = child;
  }
  heap[i] = item;
  item._index = i;
}
