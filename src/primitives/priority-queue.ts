import type { PrimitiveOptions } from './loop-bound.js';
import { Queue } from './queue.js';

/** Orders two items: negative when `a` comes first, positive when `b` does, 0 when either may. */
export type Compare<T> = (a: T, b: T) => number;

/**
 * asyncio.PriorityQueue: a Queue that gives out the smallest item first,
 * kept in a binary heap (O(log n) put and get).
 *
 * The heap moves items exactly as Python's heapq does, so items that compare
 * equal come out in the same order as in asyncio. Every comparison happens
 * before the heap changes: when `compare` throws, the put or get fails and
 * the queue is left as it was.
 */
export class PriorityQueue<T = unknown> extends Queue<T> {
  /** @internal */ declare _heap: T[];
  /** @internal */ readonly _compare: Compare<T>;

  /**
   * @param maxsize The most items the queue holds; 0 (the default) for no limit.
   * @param compare Orders items like `Array.prototype.sort`'s comparator. The
   * default orders numbers and bigints by value, strings with `<`, and arrays
   * element by element like Python tuples (so `[priority, item]` entries work,
   * and `item` is compared only when priorities are equal); anything else,
   * NaN and mixed kinds throw a TypeError when compared.
   */
  constructor(maxsize = 0, compare?: Compare<T>, options?: PrimitiveOptions) {
    super(maxsize, options);
    if (compare !== undefined && typeof compare !== 'function') {
      throw new TypeError(`compare must be a function, got ${compare === null ? 'null' : typeof compare}`);
    }
    this._compare = compare ?? (naturalOrder as Compare<T>);
  }

  protected override _init(_maxsize: number): void {
    this._heap = [];
  }

  /** heapq.heappush: the new leaf moves up past every larger parent. */
  protected override _put(item: T): void {
    const heap = this._heap;
    const compare = this._compare;
    let pos = heap.length;
    while (pos > 0 && compare(item, heap[(pos - 1) >> 1]!) < 0) pos = (pos - 1) >> 1;
    for (let i = heap.length; i > pos; i = (i - 1) >> 1) heap[i] = heap[(i - 1) >> 1]!;
    heap[pos] = item;
  }

  /**
   * heapq.heappop: the last item takes the root's place, the smaller child
   * moves up all the way to a leaf, then the last item moves up from there.
   */
  protected override _get(): T {
    const heap = this._heap;
    const size = heap.length - 1;
    const last = heap[size]!;
    if (size === 0) {
      heap.pop();
      return last;
    }
    const compare = this._compare;
    const top = heap[0]!;
    let leaf = 0;
    for (let child = 1; child < size; child = 2 * leaf + 1) {
      if (child + 1 < size && !(compare(heap[child]!, heap[child + 1]!) < 0)) child++;
      leaf = child;
    }
    // The path from the root to `leaf` follows the bits of leaf + 1 after its
    // leading 1: depth `d` of it is the ancestor (leaf + 1 >> (depth - d)) - 1.
    const key = leaf + 1;
    const depth = 31 - Math.clz32(key);
    let at = depth;
    while (at > 0 && compare(last, heap[(key >> (depth - at)) - 1]!) < 0) at--;
    for (let d = 0; d < at; d++) heap[(key >> (depth - d)) - 1] = heap[(key >> (depth - d - 1)) - 1]!;
    heap[(key >> (depth - at)) - 1] = last;
    heap.pop();
    return top;
  }

  protected override _qsize(): number {
    return this._heap.length;
  }

  /** `<PriorityQueue maxsize=0 _queue=[1, 3, 2]>` (the heap's order): asyncio's `str()`. */
  override toString(): string {
    return this._repr('PriorityQueue', this._heap);
  }
}

/** Python's ordering of ints, floats, strings and tuples, as far as JavaScript values go. */
function naturalOrder(a: unknown, b: unknown): number {
  const ta = typeof a;
  const tb = typeof b;
  if ((ta === 'number' || ta === 'bigint') && (tb === 'number' || tb === 'bigint')) {
    if (Number.isNaN(a) || Number.isNaN(b)) throw new TypeError('PriorityQueue cannot order NaN');
    return (a as number) < (b as number) ? -1 : (a as number) > (b as number) ? 1 : 0;
  }
  if (ta === 'string' && tb === 'string') return (a as string) < (b as string) ? -1 : (a as string) > (b as string) ? 1 : 0;
  if (Array.isArray(a) && Array.isArray(b)) {
    const n = Math.min(a.length, b.length);
    for (let i = 0; i < n; i++) {
      // Like a tuple, the first unequal pair decides; equal (identical) items are not ordered.
      if (a[i] === b[i]) continue;
      const c = naturalOrder(a[i], b[i]);
      if (c !== 0) return c;
    }
    return a.length - b.length;
  }
  throw new TypeError(`PriorityQueue cannot compare ${kind(a)} with ${kind(b)}; pass a compare function`);
}

function kind(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  return typeof v === 'object' ? `an object (${Object.prototype.toString.call(v)})` : `a ${typeof v}`;
}
