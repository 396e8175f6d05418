import { CancelledError } from '../contract/errors.js';
import { checkCallback } from '../contract/handle.js';
import type { Loop } from '../contract/loop.js';
import type { Coroutine } from '../future/coroutine.js';
import { CANCELLED, Future, PENDING, RESULT } from '../future/future.js';
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
 * A wait of a Condition that steps itself: the Future of `wait()` or
 * `waitFor()`. It runs asyncio's coroutine in the same loop slots as a task
 * awaiting it would, without the coroutine runner: `_awaited` is what it
 * waits on (asyncio's `_fut_waiter`); `cancel()` passes to it, or, when
 * nothing can take it, is thrown in at the next step.
 */
abstract class ConditionStep<T> extends Future<T> {
  /** @internal */ readonly _cond: Condition;
  /** @internal What the wait waits on, null while it steps. */
  _awaited: Future<unknown> | null = null;
  /** @internal A cancel that nothing awaited could take, with its message: thrown in at the next step. */
  declare _mustCancel?: { msg: string | undefined };
  /** @internal The awaited future's listener is the wait itself (see DoneListener). */
  declare readonly _doneCallback: (w: ConditionStep<unknown>) => void;

  constructor(cond: Condition, loop: Loop) {
    super(undefined, loop);
    this._cond = cond;
  }

  override cancel(msg?: string): boolean {
    if (this._state !== PENDING) return super.cancel(msg);
    const w = this._awaited;
    if (w === null || !w.cancel(msg)) this._mustCancel = { msg };
    return true;
  }

  /** @internal Waits on `f`, pending: its completion runs the next step. */
  _await(f: Future<unknown>): void {
    this._awaited = f;
    f._listen(this);
  }

  /** @internal One step, with the outcome of `awaited`: its result (`ok`), or what is thrown in. */
  abstract _step(ok: boolean, value: unknown, awaited: Future<unknown>): void;

  /** @internal Ends the wait with what was thrown: cancelled for a CancelledError, failed otherwise. */
  _fail(e: unknown): void {
    if (e instanceof CancelledError) this._complete(CANCELLED, e, true);
    else this._completeException(e, true);
  }
}

function resumeStep(w: ConditionStep<unknown>): void {
  // Completed through the public Future API meanwhile: nothing left to run.
  if (w._state !== PENDING) return;
  const f = w._awaited!;
  w._awaited = null;
  let ok = f._state === RESULT;
  let value = ok ? f._value : f._failure();
  const mc = w._mustCancel;
  if (mc !== undefined) {
    w._mustCancel = undefined;
    if (ok || !(value instanceof CancelledError)) {
      ok = false;
      value = new CancelledError(mc.msg);
    }
  }
  w._step(ok, value, f);
}

Object.defineProperty(ConditionStep.prototype, '_doneCallback', { value: resumeStep });

/**
 * asyncio's `Condition.wait` from just after its lock check: releases the
 * lock, waits for a notify, then takes the lock back, retrying through
 * cancellations; a wait that fails passes a notification on.
 */
class ConditionWait extends ConditionStep<true> {
  /** @internal Set once notified (or failed): the lock is being taken back. */
  _reacquiring = false;
  /** @internal Set when the wait ends with `_error` once the lock is back (asyncio's `finally` re-raising). */
  _failed = false;
  /** @internal The error to end with: the last cancellation wins. */
  declare _error: unknown;

  constructor(cond: Condition, loop: Loop) {
    super(cond, loop);
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
    if (f.done()) this._end();
    else this._await(f);
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
class ConditionWaitFor<R> extends ConditionStep<R> {
  /** @internal */ readonly _predicate: () => R;

  constructor(cond: Condition, loop: Loop, predicate: () => R) {
    super(cond, loop);
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
