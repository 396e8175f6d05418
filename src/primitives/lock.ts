import type { Future } from '../future/future.js';
import { abortedWait, bindSignal, type WaitOptions } from '../future/signal.js';
import { Waiter } from '../future/waiter.js';
import { LoopBound, removeItem, type PrimitiveOptions } from './loop-bound.js';

/**
 * asyncio.Lock: a FIFO mutex. A newcomer never jumps ahead of live waiters;
 * `release()` wakes the first waiter, which takes the lock in its own next
 * step; a waiter woken and then cancelled wakes the next one instead.
 */
export class Lock extends LoopBound {
  /** @internal */ _locked = false;
  /** @internal Waiters in arrival order, null until the first one. */
  _waiters: LockWaiter[] | null = null;

  constructor(options?: PrimitiveOptions) {
    super(options);
  }

  /** True while the lock is held. */
  locked(): boolean {
    return this._locked;
  }

  /** Resolves with `true` once the lock is held by the caller (at once when it is free and nobody waits). */
  acquire(options?: WaitOptions): Future<true> {
    const loop = this._getLoop();
    const aborted = options && abortedWait<true>(loop, options);
    if (aborted) return aborted;
    const waiters = this._waiters;
    if (!this._locked && (waiters === null || waiters.every(isCancelled))) {
      this._locked = true;
      return this._done(true);
    }
    const w = new LockWaiter(this, loop);
    (this._waiters ??= []).push(w);
    return bindSignal(w, options);
  }

  /** Releases the lock and wakes the first waiter. Throws an Error when the lock is not held. */
  release(): void {
    if (!this._locked) throw new Error('Lock is not acquired.');
    this._locked = false;
    this._wakeUpFirst();
  }

  /** @internal Wakes the first waiter unless it is already woken or cancelled. */
  _wakeUpFirst(): void {
    const first = this._waiters?.[0];
    if (first !== undefined) first._wake();
  }
}

function isCancelled(w: LockWaiter): boolean {
  return w._wCancelled();
}

class LockWaiter extends Waiter<true, Lock> {
  _resume(): void {
    const lock = this._owner;
    removeItem(lock._waiters!, this);
    if (this._cancelRequested()) {
      // Woken and then cancelled: the lock is still free, so the next waiter gets it.
      if (!lock._locked) lock._wakeUpFirst();
      this._cancelNow();
      return;
    }
    lock._locked = true;
    this._finish(true);
  }
}
