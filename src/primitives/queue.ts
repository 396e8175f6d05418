import { QueueEmpty, QueueFull, QueueShutDown } from '../contract/errors.js';
import type { Loop } from '../contract/loop.js';
import { ClosableIterator } from '../future/closable-iterator.js';
import { failedFuture, RESULT, resolvedFuture, type Future } from '../future/future.js';
import { Ring } from '../future/ring.js';
import { abortedWait, bindSignal, type WaitOptions } from '../future/signal.js';
import { Waiter, WOKEN, WOKEN_THEN_CANCELLED } from '../future/waiter.js';
import { checkInteger } from './check-integer.js';
import { LoopBound, removeItem, type PrimitiveOptions } from './loop-bound.js';
import { pyRepr } from './repr.js';

/**
 * The getters' and putters' Ring until a first one waits: empty and frozen,
 * shared, so a queue nobody waits on (an unbounded one's putters, say) does
 * not pay a Ring's XS slots.
 * @internal
 */
export const NO_WAITERS = Object.freeze(new Ring<never>(1)) as Ring<never>;
// Its slots frozen too (never written: the first waiter gets a ring of its own): xsl copies a preloaded object left mutable to RAM.
Object.freeze(NO_WAITERS._items);

/**
 * asyncio.Queue (CPython 3.13): a FIFO queue for producers and consumers.
 *
 * With `maxsize` 0 it is unbounded; otherwise `put()` waits while it holds
 * `maxsize` items. Waiting getters and putters are woken one per item or free
 * slot, in FIFO order, as asyncio does: a woken waiter takes its turn in its
 * own next step, and if the item (or slot) is gone by then it waits again at
 * the back; a waiter woken and then cancelled passes the wake-up on, so no
 * item is lost or taken twice.
 *
 * Subclasses change the order by overriding the storage hooks `_init`,
 * `_put`, `_get` and `_qsize`, as LifoQueue and PriorityQueue do.
 */
export class Queue<T = unknown> extends LoopBound {
  /** @internal */ readonly _maxsize: number;
  /** @internal Getters waiting for an item, in arrival order (asyncio's `_getters`); NO_WAITERS until the first. */
  _getters: Ring<GetWaiter<T>> = NO_WAITERS;
  /** @internal Putters waiting for a free slot, in arrival order (asyncio's `_putters`); NO_WAITERS until the first. */
  _putters: Ring<PutWaiter<T>> = NO_WAITERS;
  /** @internal Items put and not yet marked done by `taskDone()`. */
  _unfinishedTasks = 0;
  /**
   * @internal The join() waiters not woken yet, null until the first. They
   * stand for the waiters of asyncio's `_finished` Event, which is set while
   * `_unfinishedTasks` is 0: a waiter of its own, not an Event waited on by
   * a sub-coroutine, keeps the coroutine runner out of a program that only
   * uses queues.
   */
  declare _joiners?: JoinWaiter[] | null;
  /** @internal True once shut down (declared: no XS slot until then). */
  declare _isShutdown?: boolean;
  /** @internal The FIFO storage (subclasses have their own). */
  declare _ring: Ring<T>;

  /**
   * @param maxsize The most items the queue holds; 0 (the default) for no
   * limit. A non-number is a TypeError; a negative or non-integer value a RangeError.
   */
  constructor(maxsize = 0, options?: PrimitiveOptions) {
    super(options);
    this._maxsize = checkInteger(maxsize, 'maxsize', 0);
    this._init(maxsize);
  }

  /** Sets up the item storage. Called once by the constructor. */
  protected _init(_maxsize: number): void {
    this._ring = new Ring<T>(4);
  }

  /** Adds an item to the storage. */
  protected _put(item: T): void {
    this._ring.push(item);
  }

  /** Removes and returns the next item; called only when `_qsize()` > 0. */
  protected _get(): T {
    return this._ring.shift() as T;
  }

  /** The number of items in the storage. */
  protected _qsize(): number {
    return this._ring.length;
  }

  /** The most items the queue holds; 0 for no limit. */
  get maxsize(): number {
    return this._maxsize;
  }

  /** The number of items in the queue. */
  qsize(): number {
    return this._qsize();
  }

  /** True when the queue holds no item. */
  empty(): boolean {
    return this._qsize() === 0;
  }

  /** True when the queue holds `maxsize` items (never when `maxsize` is 0). */
  full(): boolean {
    return this._maxsize > 0 && this._qsize() >= this._maxsize;
  }

  /**
   * Puts an item, waiting while the queue is full. Errors come through the
   * Future: QueueShutDown once the queue is shut down (also for a putter
   * already waiting), or the storage's error (a PriorityQueue that cannot
   * compare the item). Aborting `options.signal` cancels just this wait.
   */
  put(item: T, options?: WaitOptions): Future<void> {
    // The bound loop read in place, full() written out: calls less per put (XS counts each).
    const loop = this._loop ?? this._getLoop();
    const aborted = options && abortedWait<void>(loop, options);
    if (aborted) return aborted;
    if (this._isShutdown) return this._failed(new QueueShutDown());
    if (this._maxsize === 0 || this._qsize() < this._maxsize) {
      try {
        this._putNow(item);
      } catch (e) {
        return this._failed(e);
      }
      return resolvedFuture(loop, undefined);
    }
    const w = new PutWaiter<T>(this, loop, item);
    if (this._putters === NO_WAITERS) this._putters = new Ring(4);
    this._putters.push(w);
    return options === undefined ? w : bindSignal(w, options);
  }

  /** Puts an item without waiting: QueueShutDown once shut down, QueueFull when full. */
  putNowait(item: T): void {
    if (this._isShutdown) throw new QueueShutDown();
    if (this.full()) throw new QueueFull();
    this._putNow(item);
  }

  /** @internal putNowait() once its checks passed (put() has made them already). */
  _putNow(item: T): void {
    this._put(item);
    this._unfinishedTasks++;
    // wakeUpNext's first round in place: no call when nobody waits, nor for a getter still waiting (XS counts every call).
    const getters = this._getters;
    if (getters.length > 0 && !getters.shift()!._wake()) wakeUpNext(getters);
  }

  /**
   * Removes and returns an item, waiting while the queue is empty. Once the
   * queue is shut down, the Future fails with QueueShutDown when it is empty
   * (after `shutdown()`, getters drain what is left first). Aborting
   * `options.signal` cancels just this wait.
   */
  get(options?: WaitOptions): Future<T> {
    // The bound loop read in place, empty() and getNowait()'s checks written out: calls less per get (XS counts each).
    const loop = this._loop ?? this._getLoop();
    const aborted = options && abortedWait<T>(loop, options);
    if (aborted) return aborted;
    if (this._qsize() !== 0) {
      let item: T;
      try {
        item = this._getNow();
      } catch (e) {
        return this._failed(e);
      }
      return resolvedFuture(loop, item);
    }
    if (this._isShutdown) return this._failed(new QueueShutDown());
    const w = new GetWaiter<T>(this, loop);
    if (this._getters === NO_WAITERS) this._getters = new Ring(4);
    this._getters.push(w);
    return options === undefined ? w : bindSignal(w, options);
  }

  /** Removes and returns an item without waiting: QueueShutDown when empty and shut down, else QueueEmpty when empty. */
  getNowait(): T {
    if (this.empty()) {
      if (this._isShutdown) throw new QueueShutDown();
      throw new QueueEmpty();
    }
    return this._getNow();
  }

  /** @internal getNowait() on a queue known not to be empty. */
  _getNow(): T {
    const item = this._get();
    // wakeUpNext's first round in place, as in _putNow.
    const putters = this._putters;
    if (putters.length > 0 && !putters.shift()!._wake()) wakeUpNext(putters);
    return item;
  }

  /**
   * Marks one item taken by a consumer as processed; `join()` returns when
   * every item put has been marked. Throws a RangeError (asyncio's ValueError)
   * when called more often than items were put.
   */
  taskDone(): void {
    if (this._unfinishedTasks <= 0) throw new RangeError('taskDone() called too many times');
    if (--this._unfinishedTasks === 0) this._releaseJoins();
  }

  /** Resolves once every item put has been marked done with `taskDone()` (at once when none is pending). */
  join(options?: WaitOptions): Future<void> {
    const loop = this._getLoop();
    const aborted = options && abortedWait<void>(loop, options);
    if (aborted) return aborted;
    if (this._unfinishedTasks === 0) return resolvedFuture(loop, undefined);
    const w = new JoinWaiter(this, loop);
    (this._joiners ??= []).push(w);
    return options === undefined ? w : bindSignal(w, options);
  }

  /** @internal The count of unfinished tasks reached 0 (asyncio's `_finished.set()`): wakes every join. */
  _releaseJoins(): void {
    const joiners = this._joiners;
    if (joiners === undefined || joiners === null) return;
    this._joiners = null;
    for (let i = 0; i < joiners.length; i++) joiners[i]!._wake();
  }

  /**
   * Shuts the queue down (Python 3.13): puts fail with QueueShutDown, and so
   * do waiting putters; gets drain the items left, then fail with it. With
   * `immediate`, the items left are dropped at once, the count of unfinished
   * tasks drops by as many (releasing `join()` when it reaches 0), and every
   * waiting getter fails too.
   */
  shutdown(immediate = false): void {
    if (typeof immediate !== 'boolean') throw new TypeError('shutdown(immediate) needs a boolean');
    this._isShutdown = true;
    if (immediate) {
      while (!this.empty()) {
        this._get();
        if (this._unfinishedTasks > 0) this._unfinishedTasks--;
      }
      if (this._unfinishedTasks === 0) this._releaseJoins();
    }
    // Every waiter re-checks the queue in its next step, and fails there.
    wakeUpAll(this._getters);
    wakeUpAll(this._putters);
  }

  /**
   * The items as an iterator that gets them until the queue is shut down and
   * drained, then ends: `for await (const item of queue.items({ signal }))`
   * in async functions, `const r = yield* it.next(); if (r.done) break;` in
   * generator coroutines (see ClosableIterator). Once `options.signal`
   * aborts, the iteration fails with CancelledError, and an item its get was
   * woken for but did not take stays in the queue. It does not call
   * `taskDone()`; a consumer that uses `join()` calls it for each item.
   */
  items(options?: WaitOptions): ClosableIterator<T> {
    return new ClosableIterator((o) => this.get(o), this._getLoop(), options, QueueShutDown);
  }

  /** `for await (const item of queue)`: `queue.items()` with no signal. */
  [Symbol.asyncIterator](): AsyncIterator<T, undefined> {
    return this.items()[Symbol.asyncIterator]();
  }

  /** @internal A Future already failed with `error`. */
  _failed<R>(error: unknown): Future<R> {
    return failedFuture(this._getLoop(), error);
  }

  /** `<Queue maxsize=2 _queue=[1, 2] _getters[1]>`: asyncio's `str()` (its repr without the address). */
  override toString(): string {
    const items: T[] = [];
    const ring = this._ring;
    for (let i = 0; i < ring.length; i++) items.push(ring._items[(ring._head + i) & (ring._items.length - 1)] as T);
    return this._repr('Queue', items);
  }

  /** @internal asyncio's `_format()` for `items`, the storage in its order. */
  _repr(name: string, items: readonly T[]): string {
    let s = `<${name} maxsize=${this._maxsize}`;
    if (items.length > 0) s += ` _queue=${pyRepr(items)}`;
    if (this._getters.length > 0) s += ` _getters[${this._getters.length}]`;
    if (this._putters.length > 0) s += ` _putters[${this._putters.length}]`;
    if (this._unfinishedTasks > 0) s += ` tasks=${this._unfinishedTasks}`;
    if (this._isShutdown) s += ' shutdown';
    return `${s}>`;
  }
}

/** @internal asyncio's `_wakeup_next`: removes waiters from the front until one that was still waiting is woken. */
export function wakeUpNext(waiters: Ring<Waiter<unknown, unknown>>): void {
  let w: Waiter<unknown, unknown> | undefined;
  while ((w = waiters.shift()) !== undefined) {
    if (w._wake()) return;
  }
}

function wakeUpAll(waiters: Ring<Waiter<unknown, unknown>>): void {
  let w: Waiter<unknown, unknown> | undefined;
  while ((w = waiters.shift()) !== undefined) w._wake();
}

/** A join() waiting for the count of unfinished tasks to reach 0: asyncio's `Event.wait` on `_finished`. */
class JoinWaiter extends Waiter<void, Queue<unknown>> {
  // Explicit: XS runs an implicit derived constructor as `super(...args)`, about 80 computrons more per wait.
  constructor(owner: Queue<unknown>, loop: Loop) {
    super(owner, loop);
  }

  _resume(): void {
    // Not simply woken: a cancellation was requested.
    if (this._state !== WOKEN) {
      const joiners = this._owner._joiners;
      if (joiners !== undefined && joiners !== null) removeItem(joiners, this);
      this._cancelNow();
    } else {
      this._complete(RESULT, undefined, true);
    }
  }
}

/** @internal A get() waiting for an item: the loop body of asyncio's `Queue.get` (exported for anyloop/xs, whose C makes it). */
export class GetWaiter<T> extends Waiter<T, Queue<T>> {
  // Explicit: XS runs an implicit derived constructor as `super(...args)`, about 80 computrons more per wait.
  constructor(owner: Queue<T>, loop: Loop) {
    super(owner, loop);
  }

  _resume(): void {
    const q = this._owner;
    // Not simply woken: a cancellation was requested (a field test, cheaper in XS than _cancelRequested()).
    if (this._state !== WOKEN) {
      q._getters.remove(this);
      // Woken for an item it will not take: the next getter gets the wake-up.
      if (this._state === WOKEN_THEN_CANCELLED && !q.empty()) wakeUpNext(q._getters);
      this._cancelNow();
      return;
    }
    if (q.empty()) {
      if (q._isShutdown) {
        this._completeException(new QueueShutDown(), true);
        return;
      }
      // Another consumer took the item first: wait again, at the back.
      this._rewait();
      q._getters.push(this);
      return;
    }
    let item: T;
    try {
      item = q._getNow();
    } catch (e) {
      // The storage failed (a PriorityQueue that cannot compare): the item stays, for the next getter.
      if (!q.empty()) wakeUpNext(q._getters);
      this._completeException(e, true);
      return;
    }
    this._complete(RESULT, item, true);
  }
}

/** A put() waiting for a free slot: the loop body of asyncio's `Queue.put`. */
class PutWaiter<T> extends Waiter<void, Queue<T>> {
  /** @internal The item to put, dropped once done. */
  _item: T | undefined;

  constructor(owner: Queue<T>, loop: Loop, item: T) {
    super(owner, loop);
    this._item = item;
  }

  _resume(): void {
    const q = this._owner;
    if (this._state !== WOKEN) {
      q._putters.remove(this);
      this._item = undefined;
      // Woken for a slot it will not fill: the next putter gets the wake-up.
      if (this._state === WOKEN_THEN_CANCELLED && !q.full()) wakeUpNext(q._putters);
      this._cancelNow();
      return;
    }
    if (q.full()) {
      if (q._isShutdown) {
        this._item = undefined;
        this._completeException(new QueueShutDown(), true);
        return;
      }
      this._rewait();
      q._putters.push(this);
      return;
    }
    const item = this._item as T;
    this._item = undefined;
    try {
      q.putNowait(item);
    } catch (e) {
      // The storage refused the item (a PriorityQueue that cannot compare it): the slot goes to the next putter.
      if (!q.full()) wakeUpNext(q._putters);
      this._completeException(e, true);
      return;
    }
    this._complete(RESULT, undefined, true);
  }
}
