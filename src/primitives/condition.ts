import { CancelledError } from '../contract/errors.js';
import { checkCallback } from '../contract/handle.js';
import type { Loop } from '../contract/loop.js';
import type { Coroutine } from '../future/coroutine.js';
import { CANCELLED, Future, RESULT } from '../future/future.js';
import { StepFuture } from '../future/step-future.js';
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
    return bindSignalFirst(options, () => new ConditionWait(this, loop));
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
    return bindSignalFirst(options, () => new ConditionWaitFor(this, loop, predicate));
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

/**
 * asyncio's `Condition.wait` from just after its lock check: releases the
 * lock, waits for a notify, then takes the lock back, retrying through
 * cancellations; a wait that fails passes a notification on.
 */
class ConditionWait extends StepFuture<true> {
  /** @internal */ readonly _cond: Condition;
  /** @internal Set once notified (or failed): the lock is being taken back. */
  _reacquiring = false;
  /** @internal Set when the wait ends with `_error` once the lock is back (asyncio's `finally` re-raising). */
  _failed = false;
  /** @internal The error to end with: the last cancellation wins. */
  declare _error: unknown;

  constructor(cond: Condition, loop: Loop) {
    super(loop);
    this._cond = cond;
    const fut = new Future<boolean>(undefined, loop);
    cond._lock.release();
    cond._waiters.push(fut);
    this._await(fut);
  }

  _step(ok: boolean, value: unknown, awaited: Future<unknown>): void {
    if (!this._reacquiring) {
      removeItem(this._cond._waiters, awaited);
      this._reacquiring = true;
    } else if (ok) {
      this._end();
      return;
    } else if (!(value instanceof CancelledError)) {
      // Not a cancellation: the lock is not taken back.
      this._endWith(value);
      return;
    }
    if (!ok) {
      this._failed = true;
      this._error = value;
    }
    this._reacquire();
  }

  /** @internal Takes the lock back: at once when it is free, else through its waiter. */
  _reacquire(): void {
    let f: Future<true>;
    try {
      f = this._cond._lock.acquire();
    } catch (e) {
      this._endWith(e);
      return;
    }
    if (!this._await(f)) this._end();
  }

  /** @internal Fails with `e`, which replaces any earlier error. */
  _endWith(e: unknown): void {
    this._failed = true;
    this._error = e;
    this._end();
  }

  /** @internal The lock is held again (or cannot be): true, or the error after passing a notification on. */
  _end(): void {
    if (!this._failed) {
      this._complete(RESULT, true, true);
      return;
    }
    // This wait may have been notified before it failed: pass the notification on.
    this._cond._notify(1);
    this._fail(this._error);
  }
}

/** asyncio's `Condition.wait_for` loop, after its first predicate check: waits, then checks the predicate again. */
class ConditionWaitFor<R> extends StepFuture<R> {
  /** @internal */ readonly _cond: Condition;
  /** @internal */ readonly _predicate: () => R;

  constructor(cond: Condition, loop: Loop, predicate: () => R) {
    super(loop);
    this._cond = cond;
    this._predicate = predicate;
    this._wait();
  }

  _step(ok: boolean, value: unknown): void {
    if (!ok) {
      this._fail(value);
      return;
    }
    let result: R;
    try {
      result = this._predicate();
    } catch (e) {
      this._fail(e);
      return;
    }
    if (!result) {
      this._wait();
      return;
    }
    const late = this._mustCancel;
    if (late !== undefined) {
      // Cancelled by the predicate itself: it ends cancelled, as a task's last step does.
      this._mustCancel = undefined;
      this._complete(CANCELLED, late.msg, true);
    } else {
      this._complete(RESULT, result, true);
    }
  }

  /** @internal `await cond.wait()`; a cancel the predicate asked for goes to that wait at once. */
  _wait(): void {
    let w: Future<true>;
    try {
      w = this._cond.wait();
    } catch (e) {
      this._fail(e);
      return;
    }
    this._await(w);
    const mc = this._mustCancel;
    if (mc !== undefined && w.cancel(mc.msg)) this._mustCancel = undefined;
  }
}
