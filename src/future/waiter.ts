import type { MaybeSoon } from '../contract/loop.js';
import { CANCELLED, Future, PENDING, RESULT } from './future.js';

/** @internal Pending sub-states of a Waiter (asyncio's inner future and task). */
export const WOKEN = -1, CANCEL_REQUESTED = -2, WOKEN_THEN_CANCELLED = -3;

/**
 * The Future a primitive returns from a wait that blocks.
 *
 * It stands for asyncio's coroutine
 * `fut = create_future(); waiters.append(fut); await fut; <code after the await>`:
 * `_wake()` is `fut.set_result()`, `cancel()` is cancelling the task that awaits,
 * and the code after the await runs as `_resume()` in the very loop slot where
 * asyncio would resume that coroutine. The waiter completes there and runs its
 * done callbacks inline, because they are the awaiting coroutine's own step.
 * That is what makes the hand-offs exact: a waiter woken and then cancelled
 * still runs `_resume()`, sees `_state === WOKEN_THEN_CANCELLED`, and passes on
 * what it was given (the lock, the unit, the wake-up) before it fails with
 * CancelledError. Nothing is lost and nothing is granted twice.
 *
 * While pending, `_state` is one of PENDING (waiting), WOKEN, CANCEL_REQUESTED
 * (cancelled while waiting) or WOKEN_THEN_CANCELLED; `_value` holds the cancel
 * message. The primitive keeps the waiter in its list until `_resume()`, as
 * asyncio keeps `fut` in `_waiters` until the coroutine's `finally`.
 */
export abstract class Waiter<T, O> extends Future<T> {
  /** @internal The primitive that owns this waiter. */
  _owner: O;

  constructor(owner: O, loop: Future<T>['_loop']) {
    super(undefined, loop);
    this._owner = owner;
  }

  /** @internal asyncio's `fut.done()` for the inner future: woken, cancelled, or finished. */
  _wDone(): boolean {
    return this._state !== PENDING;
  }

  /** @internal asyncio's `fut.cancelled()` for the inner future. */
  _wCancelled(): boolean {
    return this._state === CANCEL_REQUESTED || this._state === CANCELLED;
  }

  /** @internal asyncio's `fut.set_result()`: wakes a waiting waiter; false when it was not waiting. */
  _wake(): boolean {
    if (this._state !== PENDING) return false;
    this._state = WOKEN;
    const loop: MaybeSoon = this._loop;
    if (loop._soon !== undefined) loop._soon(resume, this);
    else loop.callSoon(resume, this);
    return true;
  }

  /**
   * Requests cancellation, as `task.cancel()` does: true unless the waiter is
   * already done. The waiter completes as cancelled in its next step (the
   * next loop turn), after giving back whatever it was handed.
   */
  override cancel(msg?: string): boolean {
    const s = this._state;
    if (s > 0) return super.cancel(msg);
    if (s === PENDING) {
      this._state = CANCEL_REQUESTED;
      this._value = msg;
      this._loop.callSoon(resume, this);
    } else if (s === WOKEN) {
      this._state = WOKEN_THEN_CANCELLED;
      this._value = msg;
    }
    return true;
  }

  /**
   * @internal The code after asyncio's `await fut`. Called once per wake-up or
   * cancellation with `_state` telling which; it must end with `_finish()` (or
   * `_complete(RESULT, value, true)`, the same without a call: hot waits use it),
   * `_cancelNow()`, `_completeException(e, true)` or `_rewait()`.
   */
  abstract _resume(): void;

  /** @internal Completes with a result, running the awaiting step inline. */
  _finish(value: T): void {
    this._complete(RESULT, value, true);
  }

  /** @internal Completes as cancelled with the requested message, inline. */
  _cancelNow(): void {
    this._complete(CANCELLED, this._value, true);
  }

  /** @internal Waits again (asyncio's loop around a fresh `fut`): back to PENDING. */
  _rewait(): void {
    this._state = PENDING;
  }

  /** @internal True when `_resume()` runs because of a cancellation request. */
  _cancelRequested(): boolean {
    return this._state === CANCEL_REQUESTED || this._state === WOKEN_THEN_CANCELLED;
  }
}

function resume(w: Waiter<unknown, unknown>): void {
  // A waiter may be scheduled once per wake-up; one that already finished
  // (completed through another path) has nothing left to do. Woken or
  // cancelled, it is in one of the pending sub-states, all below PENDING (0).
  if (w._state < PENDING) w._resume();
}
