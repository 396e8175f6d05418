import { CancelledError } from '../contract/errors.js';
import { checkCallback } from '../contract/handle.js';
import type { Loop } from '../contract/loop.js';
import { CoroutineFuture, type Coroutine } from '../future/coroutine.js';
import { Future } from '../future/future.js';
import { abortedWait, bindSignalFirst, type WaitOptions } from '../future/signal.js';
import { Lock } from './lock.js';
import { LoopBound, removeItem, type PrimitiveOptions } from './loop-bound.js';
import { hold, holding, type Held } from './hold.js';
import { stateRepr } from './repr.js';

/**
 * asyncio.Condition: a condition variable over a Lock. `wait()` releases the
 * lock, waits for a `notify()`, and takes the lock back before it returns,
 * even when it is cancelled. A waiter that fails after being notified (it was
 * cancelled, say) passes the notification on to another waiter, so none is
 * lost; this may wake a waiter spuriously, which the condition protocol
 * allows: always re-check the state after `wait()`, or use `waitFor()`.
 */
export class Condition extends LoopBound {
  /** @internal The underlying lock. */
  readonly _lock: Lock;
  /** @internal One future per waiting `wait()`, in arrival order; `notify` sets them. */
  _waiters: Future<boolean>[] = [];

  /**
   * @param lock The lock to use (a new one when omitted); TypeError when it is
   * not a Lock. The condition and its lock share one loop: an Error when
   * `options.loop` differs from the loop the lock is already bound to.
   */
  constructor(lock?: Lock, options?: PrimitiveOptions) {
    super(options);
    const loop = this._loop;
    if (lock === undefined) {
      lock = new Lock(loop === null ? undefined : { loop });
    } else if (!(lock instanceof Lock)) {
      throw new TypeError('Condition(lock): lock must be a Lock');
    } else if (loop !== null) {
      if (lock._loop === null) lock._loop = loop;
      else if (lock._loop !== loop) throw new Error('Condition(lock): the lock is bound to a different loop');
    }
    this._lock = lock;
  }

  /** @internal The lock's loop, which the condition shares. */
  override _getLoop(): Loop {
    return this._loop = this._lock._getLoop();
  }

  /** True while the underlying lock is held. */
  locked(): boolean {
    return this._lock.locked();
  }

  /** Acquires the underlying lock. */
  acquire(options?: WaitOptions): Future<true> {
    return this._lock.acquire(options);
  }

  /** Releases the underlying lock. Throws an Error when it is not held. */
  release(): void {
    this._lock.release();
  }

  /**
   * Releases the lock, waits until notified, re-acquires the lock and resolves
   * with `true`. The lock is held again however the wait ends, cancellation
   * included. Throws an Error at once when the lock is not held. An
   * already-aborted signal cancels it at once without releasing the lock:
   * the wait never began.
   */
  wait(options?: WaitOptions): Future<true> {
    this._checkLocked('wait on');
    const loop = this._getLoop();
    const aborted = options && abortedWait<true>(loop, options);
    if (aborted) return aborted;
    return bindSignalFirst(options, () => new CoroutineFuture(this._waitCoro(loop), loop, true));
  }

  /**
   * Waits (through `wait()`) until `predicate()` returns a truthy value and
   * resolves with that value; at once when it already does. Call it with the
   * lock held: after each wake-up the predicate is checked again with the lock
   * held. Throws an Error at once when it has to wait and the lock is not held.
   * An already-aborted signal cancels it at once, before the predicate is called.
   */
  waitFor<R>(predicate: () => R, options?: WaitOptions): Future<R> {
    checkCallback(predicate, 'predicate');
    const loop = this._getLoop();
    const aborted = options && abortedWait<R>(loop, options);
    if (aborted) return aborted;
    const result = predicate();
    if (result) return this._done(result);
    this._checkLocked('wait on');
    return bindSignalFirst(options, () => new CoroutineFuture(this._waitForCoro(predicate), loop, true));
  }

  /**
   * Wakes up to `n` waiters (default 1). They return from `wait()` once they
   * re-acquire the lock, which the caller still holds. Throws an Error when
   * the lock is not held, a TypeError when `n` is not a number.
   */
  notify(n = 1): void {
    if (typeof n !== 'number' || Number.isNaN(n)) throw new TypeError('notify(n): n must be a number');
    this._checkLocked('notify on');
    this._notify(n);
  }

  /** Wakes every waiter. Throws an Error when the lock is not held. */
  notifyAll(): void {
    this.notify(this._waiters.length);
  }

  /** @internal */
  _checkLocked(what: string): void {
    if (!this._lock.locked()) throw new Error(`cannot ${what} un-acquired lock`);
  }

  /** @internal Sets the first `n` futures that are still waiting. */
  _notify(n: number): void {
    const waiters = this._waiters;
    let woken = 0;
    for (let i = 0; i < waiters.length && woken < n; i++) {
      const fut = waiters[i]!;
      if (!fut.done()) {
        woken++;
        fut.setResult(false);
      }
    }
  }

  /** @internal asyncio's `Condition.wait` coroutine, from just after its lock check. */
  *_waitCoro(loop: Loop): Coroutine<true> {
    const fut = new Future<boolean>(undefined, loop);
    this._lock.release();
    try {
      try {
        this._waiters.push(fut);
        try {
          yield* fut;
          return true;
        } finally {
          removeItem(this._waiters, fut);
        }
      } finally {
        // The lock must be held again however the wait ended; a cancel while
        // re-acquiring is remembered and thrown once the lock is back.
        let err: CancelledError | null = null;
        for (;;) {
          try {
            yield* this._lock.acquire();
            break;
          } catch (e) {
            if (!(e instanceof CancelledError)) throw e;
            err = e;
          }
        }
        if (err !== null) throw err;
      }
    } catch (e) {
      // This task may have been notified before it failed: pass the notification on.
      this._notify(1);
      throw e;
    }
  }

  /** @internal asyncio's `Condition.wait_for` loop, after its first predicate check. */
  *_waitForCoro<R>(predicate: () => R): Coroutine<R> {
    for (;;) {
      yield* this.wait();
      const result = predicate();
      if (result) return result;
    }
  }

  /**
   * asyncio's `async with cond:` as a handle: a Future done with a Held once
   * acquired (in the same step as `acquire()`). `using _ = yield* cond.hold()`
   * in a task's coroutine, `using _ = await cond.hold()` in an async function:
   * leaving the block releases, on a throw or a cancellation too. Without
   * `using` (XS), call the Held's `release()` in a `finally`.
   */
  hold(options?: WaitOptions): Future<Held<this>> {
    return hold(this, this._getLoop(), options);
  }

  /**
   * asyncio's `async with cond:` around a block, for a task's coroutine:
   * `yield* cond.holding(function* () { ... })` acquires, runs the block and
   * releases, on a throw or a cancellation too; it gives the block's result.
   */
  holding<R>(body: () => Coroutine<R>): Coroutine<R> {
    return holding(this, body);
  }

  /** `<Condition [locked, waiters:2]>`: asyncio's repr, without the address. */
  override toString(): string {
    return stateRepr('Condition', this.locked() ? 'locked' : 'unlocked', this._waiters.length);
  }
}
