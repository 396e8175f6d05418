import { Handle, NO_ARGS } from '../contract/handle.js';

/**
 * A BaseLoop's ready queue: callbacks ready to run, oldest first, in a ring
 * buffer of two slots per entry. An entry is either a Handle (`callSoon`, a
 * due timer) with an empty second slot, or a pair, a callback and its one
 * argument (`_soon`, anyloop's own hand-offs): no Handle object per hand-off
 * (fewer computrons and slots in XS). Both kinds keep one FIFO order.
 *
 * For loop authors it is what a `Ring<Handle>` was: `length`, `push(handle)`
 * and `shift()`, which gives a pair as a Handle made for it.
 */
export class ReadyQueue {
  /** @internal The slots: at `_head`, a callback or a Handle, then its argument (or undefined). */
  readonly _items: unknown[];
  /** @internal The slot of the oldest entry. */
  _head = 0;
  /** @internal The number of slots less one (a power of two less one): a field, since `items.length` is a call in XS. */
  _mask: number;
  /** Number of entries held. */
  length = 0;

  /** An empty queue with room for `capacity` entries before it grows (rounded up to a power of two). */
  constructor(capacity = 16) {
    let slots = 8;
    while (slots < 2 * capacity) slots *= 2;
    this._items = new Array<unknown>(slots);
    this._mask = slots - 1;
  }

  /** Adds `handle` at the back. */
  push(handle: Handle): void {
    if (2 * this.length > this._mask) this._grow();
    this._items[(this._head + 2 * this.length) & this._mask] = handle;
    this.length++;
  }

  /** Removes and returns the oldest entry, a pair as a Handle made for it; undefined when empty. */
  shift(): Handle | undefined {
    if (this.length === 0) return undefined;
    const items = this._items;
    const i = this._head;
    const entry = items[i];
    const arg = items[i + 1];
    items[i] = undefined;
    items[i + 1] = undefined;
    this._head = (i + 2) & this._mask;
    this.length--;
    return typeof entry === 'function' ? new Handle(entry as (arg: unknown) => void, NO_ARGS, arg as object) : entry as Handle;
  }

  /** @internal Cancels every entry in place (close()): a pair becomes a cancelled Handle. */
  _cancelAll(): void {
    const items = this._items;
    for (let k = 0; k < this.length; k++) {
      const i = (this._head + 2 * k) & this._mask;
      let entry = items[i];
      if (typeof entry === 'function') {
        items[i] = entry = new Handle(entry as (arg: unknown) => void, NO_ARGS, items[i + 1] as object);
        items[i + 1] = undefined;
      }
      (entry as Handle).cancel();
    }
  }

  /**
   * @internal Doubles the slots in place: the array stays the same object (a turn
   * holds it while its callbacks push), and the head stays where it is; the
   * entries that wrapped round to the front move behind the old end.
   */
  _grow(): void {
    const items = this._items;
    const n = this._mask + 1;
    for (let i = 0; i < this._head; i++) {
      items[n + i] = items[i];
      items[i] = undefined;
    }
    // Filled up to the new end, so that the array's storage is not sparse.
    for (let i = n + this._head; i < 2 * n; i++) items[i] = undefined;
    this._mask = 2 * n - 1;
  }
}
