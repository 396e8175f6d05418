/**
 * A FIFO ring buffer with power-of-two capacity: O(1) push and shift, no
 * per-item allocation, no array shifting (which is O(n) in XS).
 */
export class Ring<T> {
  /** @internal */ _items: (T | undefined)[];
  /** @internal */ _head = 0;
  /** Number of items held (a plain field: reading it is one property access, not a getter call). */
  length = 0;

  /** An empty ring with room for `capacity` items before it grows (rounded up to a power of two). */
  constructor(capacity = 16) {
    let cap = 4;
    while (cap < capacity) cap *= 2;
    this._items = new Array<T | undefined>(cap);
  }

  /** Adds `item` at the back. */
  push(item: T): void {
    if (this.length === this._items.length) this._grow();
    const items = this._items;
    items[(this._head + this.length) & (items.length - 1)] = item;
    this.length++;
  }

  /** Removes and returns the oldest item; undefined when empty. */
  shift(): T | undefined {
    if (this.length === 0) return undefined;
    const items = this._items;
    const item = items[this._head];
    items[this._head] = undefined;
    this._head = (this._head + 1) & (items.length - 1);
    this.length--;
    return item;
  }

  /** The item `i` places from the front (0 is the oldest); `i` must be below `length`. */
  at(i: number): T {
    const items = this._items;
    return items[(this._head + i) & (items.length - 1)] as T;
  }

  /**
   * Removes the oldest occurrence of `item`, closing the gap (O(n)); false
   * when absent. For waiter lists, where a cancelled waiter leaves from the middle.
   */
  remove(item: T): boolean {
    const items = this._items;
    const mask = items.length - 1;
    const head = this._head;
    const n = this.length;
    for (let i = 0; i < n; i++) {
      if (items[(head + i) & mask] !== item) continue;
      if (i === 0) {
        this.shift();
        return true;
      }
      for (let j = i + 1; j < n; j++) items[(head + j - 1) & mask] = items[(head + j) & mask];
      items[(head + n - 1) & mask] = undefined;
      this.length--;
      return true;
    }
    return false;
  }

  /** Drops every item (keeps the capacity). */
  clear(): void {
    while (this.length > 0) this.shift();
  }

  private _grow(): void {
    const old = this._items;
    const n = old.length;
    const items = new Array<T | undefined>(n * 2);
    for (let i = 0; i < n; i++) items[i] = old[(this._head + i) & (n - 1)];
    this._items = items;
    this._head = 0;
  }
}
