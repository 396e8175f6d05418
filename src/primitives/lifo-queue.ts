import { Queue } from './queue.js';

/** asyncio.LifoQueue: a Queue that gives out the most recently added item first. */
export class LifoQueue<T = unknown> extends Queue<T> {
  /** @internal The items, newest last. */
  declare _stack: T[];

  protected override _init(_maxsize: number): void {
    this._stack = [];
  }

  protected override _put(item: T): void {
    this._stack.push(item);
  }

  protected override _get(): T {
    return this._stack.pop() as T;
  }

  protected override _qsize(): number {
    return this._stack.length;
  }

  /** `<LifoQueue maxsize=0 _queue=[1, 2]>` (the last is next): asyncio's `str()`. */
  override toString(): string {
    return this._repr('LifoQueue', this._stack);
  }
}
