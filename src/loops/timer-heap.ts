import type { TimerHandle, TimerOwner } from '../contract/handle.js';

/**
 * A binary min-heap of TimerHandles by deadline (then scheduling order), with
 * lazy cancellation: a cancelled handle stays until it reaches the top, and the
 * heap is rebuilt when cancelled handles outnumber live ones, so cancelled
 * timers never pile up. Push and pop are O(log n).
 */
export class TimerHeap implements TimerOwner {
  /** @internal */ _heap: TimerHandle[] = [];
  /** @internal Cancelled handles still in the heap. */
  _cancelled = 0;
  private _seq = 0;

  /** Handles in the heap, cancelled ones included. */
  get size(): number {
    return this._heap.length;
  }

  /** Live (not cancelled) timers. */
  get live(): number {
    return this._heap.length - this._cancelled;
  }

  /** @internal A sequence number for the next handle. */
  nextSeq(): number {
    return this._seq++;
  }

  push(h: TimerHandle): void {
    h._owner = this;
    const heap = this._heap;
    heap.push(h);
    siftUp(heap, heap.length - 1);
  }

  /** The earliest live deadline, or undefined. Drops cancelled handles from the top. */
  nextWhen(): number | undefined {
    this._dropCancelledTop();
    const top = this._heap[0];
    return top === undefined ? undefined : top._when;
  }

  /** Removes and returns the earliest live handle if it is due at `now`, else undefined. */
  popDue(now: number): TimerHandle | undefined {
    this._dropCancelledTop();
    const top = this._heap[0];
    if (top === undefined || top._when > now) return undefined;
    this._pop();
    top._owner = null;
    return top;
  }

  /** @internal Called by a handle when it is cancelled. */
  _timerCancelled(h: TimerHandle): void {
    this._cancelled++;
    const heap = this._heap;
    if (heap[0] === h) {
      this._dropCancelledTop();
    } else if (this._cancelled > 64 && this._cancelled * 2 > heap.length) {
      this._compact();
    }
  }

  private _dropCancelledTop(): void {
    const heap = this._heap;
    while (heap.length > 0 && heap[0]!._callback === null) {
      heap[0]!._owner = null;
      this._pop();
      this._cancelled--;
    }
  }

  private _pop(): void {
    const heap = this._heap;
    const last = heap.pop()!;
    if (heap.length > 0) {
      heap[0] = last;
      siftDown(heap, 0);
    }
  }

  private _compact(): void {
    const live: TimerHandle[] = [];
    for (const h of this._heap) {
      if (h._callback !== null) live.push(h);
      else h._owner = null;
    }
    for (let i = (live.length >> 1) - 1; i >= 0; i--) siftDown(live, i);
    this._heap = live;
    this._cancelled = 0;
  }
}

function less(a: TimerHandle, b: TimerHandle): boolean {
  return a._when < b._when || (a._when === b._when && a._seq < b._seq);
}

function siftUp(heap: TimerHandle[], i: number): void {
  const item = heap[i]!;
  while (i > 0) {
    const parent = (i - 1) >> 1;
    const p = heap[parent]!;
    if (!less(item, p)) break;
    heap[i] = p;
    i = parent;
  }
  heap[i] = item;
}

function siftDown(heap: TimerHandle[], i: number): void {
  const n = heap.length;
  const item = heap[i]!;
  for (;;) {
    let child = 2 * i + 1;
    if (child >= n) break;
    if (child + 1 < n && less(heap[child + 1]!, heap[child]!)) child++;
    if (!less(heap[child]!, item)) break;
    heap[i] = heap[child]!;
    i = child;
  }
  heap[i] = item;
}
