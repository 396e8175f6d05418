import { CancelledError } from '../contract/errors.js';
import type { Loop } from '../contract/loop.js';
import { CANCELLED, Future, futureFromThenable, isThenable, PENDING, RESULT } from './future.js';

/**
 * A generator coroutine: it yields Futures (or PromiseLikes) to wait on them,
 * usually through `yield* fut`, and returns its result.
 */
export type Coroutine<T> = Generator<Future<unknown> | PromiseLike<unknown>, T, unknown>;

/**
 * @internal The task whose step is running (held here, where tasks step, so
 * that a step costs no extra frame; `currentTask()` reads it).
 */
export const running: { current: CoroutineFuture<unknown> | null } = { current: null };

/**
 * A Future whose result a generator coroutine computes, one step per loop
 * callback: asyncio's Task.__step machinery. Cancellation is thrown into the
 * coroutine at the point where it waits, so `finally` blocks run.
 *
 * Two modes. A Task (the subclass in the tasks layer) starts in a later loop
 * turn and schedules its done callbacks. A sub-coroutine (`inline`: what
 * `await coro()` is in asyncio, used by Condition, Barrier and Queue.join)
 * starts at once, synchronously, and completes inline, because it runs as
 * part of the step of whatever awaits it.
 */
export class CoroutineFuture<T> extends Future<T> {
  /** @internal */ _coro: Coroutine<T> | null;
  /** @internal asyncio's `_fut_waiter`: the future the coroutine waits on. */
  _waitingOn: Future<unknown> | null = null;
  /** @internal asyncio's `_must_cancel`, with the message: undefined when no cancel is pending. */
  _mustCancel: { msg: string | undefined } | undefined = undefined;
  /** @internal Sub-coroutine mode. */
  readonly _inline: boolean;
  /** @internal True for a Task: it is the current task while it steps. */
  _setsCurrent = false;
  /** @internal The done callback given to awaited futures, made once. */
  readonly _wakeup: (f: Future<unknown>) => void;

  constructor(coro: Coroutine<T>, loop: Loop, inline: boolean) {
    super(undefined, loop);
    if (coro === null || typeof coro !== 'object' || typeof coro.next !== 'function' || typeof coro.throw !== 'function') {
      throw new TypeError('a coroutine must be a generator object (call the generator function)');
    }
    this._coro = coro;
    this._inline = inline;
    // The wake-up steps the coroutine itself: every frame on the resume
    // path costs XS stack, which a device has little of.
    this._wakeup = (f) => {
      let v: unknown;
      try {
        v = f.result();
      } catch (e) {
        this._step(false, e);
        return;
      }
      this._step(true, v);
    };
    if (inline) this._step(true, undefined);
    else loop.callSoon(stepFirst, this);
  }

  /**
   * Requests cancellation: the CancelledError is thrown into the coroutine at
   * its current suspension point, on its next step. False once done.
   */
  override cancel(msg?: string): boolean {
    if (this._state !== PENDING) return super.cancel(msg);
    const w = this._waitingOn;
    if (w !== null && w.cancel(msg)) {
      // The awaited future's completion wakes us with its CancelledError.
      return true;
    }
    this._mustCancel = { msg };
    return true;
  }

  /**
   * @internal One step: sends `value` into the coroutine (or throws it when
   * `ok` is false), then waits on what it yields or completes.
   */
  _step(ok: boolean, value: unknown): void {
    if (this._state !== PENDING) return;
    // A task is the current task while it steps (tasks set _setsCurrent).
    const prev = running.current;
    if (this._setsCurrent) running.current = this;
    try {
      const mc = this._mustCancel;
      if (mc !== undefined) {
        if (ok || !(value instanceof CancelledError)) {
          ok = false;
          value = new CancelledError(mc.msg);
        }
        this._mustCancel = undefined;
      }
      this._waitingOn = null;
      const coro = this._coro!;
      let r: IteratorResult<Future<unknown> | PromiseLike<unknown>, T>;
      try {
        r = ok ? coro.next(value) : coro.throw(value);
      } catch (e) {
        this._coro = null;
        if (e instanceof CancelledError) this._complete(CANCELLED, e, this._inline);
        else this._completeException(e, this._inline);
        return;
      }
      if (r.done) {
        this._coro = null;
        const late = this._mustCancel;
        if (late !== undefined) {
          // Cancelled during its last step: it ends cancelled, as in asyncio.
          this._mustCancel = undefined;
          this._complete(CANCELLED, late.msg, this._inline);
        } else {
          this._complete(RESULT, r.value, this._inline);
        }
        return;
      }
      let awaited = r.value as unknown;
      if (!(awaited instanceof Future)) {
        if (!isThenable(awaited)) {
          this._loop.callSoon(stepThrow, this, new TypeError(
            `a coroutine may only yield Futures or PromiseLikes (use yield* fut), got ${describe(awaited)}`));
          return;
        }
        awaited = futureFromThenable(awaited, this._loop);
      }
      const fut = awaited as Future<unknown>;
      if (fut === this) {
        this._loop.callSoon(stepThrow, this, new TypeError('a task cannot await itself'));
        return;
      }
      fut.addDoneCallback(this._wakeup);
      this._waitingOn = fut;
      const pending = this._mustCancel;
      if (pending !== undefined && fut.cancel(pending.msg)) this._mustCancel = undefined;
    } finally {
      running.current = prev;
    }
  }
}

function stepFirst(c: CoroutineFuture<unknown>): void {
  c._step(true, undefined);
}

function stepThrow(c: CoroutineFuture<unknown>, e: unknown): void {
  c._step(false, e);
}

function describe(v: unknown): string {
  if (v === undefined) return 'undefined (a bare yield)';
  if (v === null) return 'null';
  return typeof v === 'object' ? `an object (${Object.prototype.toString.call(v)})` : `${typeof v} ${String(v)}`;
}
