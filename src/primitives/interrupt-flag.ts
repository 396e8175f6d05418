import type { Loop } from '../contract/loop.js';
import type { Future } from '../future/future.js';
import { abortedWait, bindSignal, type WaitOptions } from '../future/signal.js';
import { Waiter, WOKEN } from '../future/waiter.js';
import { LoopBound, removeItem, type PrimitiveOptions } from './loop-bound.js';

/**
 * A flag that host callbacks outside the loop set and tasks wait on:
 * MicroPython's ThreadSafeFlag, done right.
 *
 * `set()` may be called from any host callback (a GPIO `onReadable`, a
 * network callback, a Moddable timer): it only counts and, on the first set,
 * schedules the wake-up of one waiter through `loop.callSoon`. Sets coalesce:
 * however many arrive before a waiter runs, that waiter is woken once and
 * `wait()` resolves with their number, clearing the flag. Each coalesced
 * batch of sets wakes exactly one waiter; several waiters are served in FIFO
 * order, one per batch. A waiter woken and then cancelled passes the batch
 * on to the next waiter (or leaves the flag set), so no set is ever lost.
 */
export class InterruptFlag extends LoopBound {
  /** @internal Sets not yet handed to a waiter. */
  _pending = 0;
  /** @internal Every set() since creation. */
  _sets = 0;
  /** @internal Waiters in arrival order (cancelled ones leave at their next step). */
  _waiters: InterruptWaiter[] = [];

  constructor(options?: PrimitiveOptions) {
    super(options);
  }

  /** True while sets are waiting to be taken by `wait()`. */
  isSet(): boolean {
    return this._pending > 0;
  }

  /** How many times `set()` was called since the flag was made. */
  get sets(): number {
    return this._sets;
  }

  /** Sets the flag: safe from any host callback. Never throws. */
  set(): void {
    this._sets++;
    if (this._pending++ !== 0) return;
    try {
      this._wakeNext();
    } catch (exception) {
      // A closed loop refuses the wake-up; an exception here would reach the host.
      this._loop?.callExceptionHandler({ message: 'InterruptFlag.set() could not wake a waiter', exception });
    }
  }

  /** Clears the flag, dropping the sets no waiter has taken yet. */
  clear(): void {
    this._pending = 0;
  }

  /**
   * Resolves, once the flag is set, with the number of sets coalesced into
   * this wake-up (at least 1), and clears the flag. Resolves at once when the
   * flag is set and nobody is ahead in line.
   */
  wait(options?: WaitOptions): Future<number> {
    const loop = this._getLoop();
    const aborted = options && abortedWait<number>(loop, options);
    if (aborted) return aborted;
    if (this._pending > 0 && this._waiters.every(isCancelled)) return this._done(this._take());
    const w = new InterruptWaiter(this, loop);
    this._waiters.push(w);
    return bindSignal(w, options);
  }

  /** @internal Takes the pending sets. */
  _take(): number {
    const n = this._pending;
    this._pending = 0;
    return n;
  }

  /** @internal Wakes the first waiter still waiting, if no waiter is already woken for the pending sets. */
  _wakeNext(): void {
    for (const w of this._waiters) {
      if (w._state === WOKEN) return;
      if (w._wake()) return;
    }
  }
}

function isCancelled(w: InterruptWaiter): boolean {
  return w._wCancelled();
}

class InterruptWaiter extends Waiter<number, InterruptFlag> {
  // Explicit: XS runs an implicit derived constructor as `super(...args)`, about 80 computrons more per wait.
  constructor(owner: InterruptFlag, loop: Loop) {
    super(owner, loop);
  }

  _resume(): void {
    const flag = this._owner;
    if (this._cancelRequested()) {
      removeItem(flag._waiters, this);
      // Woken and then cancelled: the sets it was woken for go to the next waiter.
      if (flag._pending > 0) flag._wakeNext();
      this._cancelNow();
      return;
    }
    if (flag._pending === 0) {
      // Cleared between the wake-up and this step: keep its place, wait for the next set.
      this._rewait();
      return;
    }
    removeItem(flag._waiters, this);
    this._finish(flag._take());
  }
}
