import type { TimerHandle } from '../contract/handle.js';
import { checkLoop, type FutureTimers, type Loop, type TimerLoop } from '../contract/loop.js';
import { getEventLoop, loopState } from '../contract/default-loop.js';
import { CANCELLED, Future, RESULT, resultUnlessDone } from '../future/future.js';
import { abortedWait, bindSignal, type WaitOptions } from '../future/signal.js';
import { CANCEL_REQUESTED, Waiter, WOKEN_THEN_CANCELLED } from '../future/waiter.js';
import { checkDelay, requireTimerLoop } from './timer-loop.js';

/** Options of `sleep`. */
export interface SleepOptions extends WaitOptions {
  /** The loop; the current task's loop, else the default loop, when omitted. */
  loop?: Loop;
}

/**
 * asyncio.sleep: a Future done with `value` after `ms` milliseconds.
 *
 * `sleep(0)` (or a negative delay) is asyncio's bare `yield`: a task awaiting
 * it resumes in the very next loop turn, and it works on any loop. A positive
 * delay needs a TimerLoop and schedules one timer; cancelling the sleep
 * cancels that timer. `Infinity` sleeps until cancelled, with no timer.
 *
 * `value` is asyncio's `result`; options come third. With no third
 * argument, a `value` object with a `signal` or `loop` property is a
 * TypeError: it is `sleep(ms, { signal })` written for `sleep(ms, undefined, { signal })`.
 */
export function sleep<T = void>(ms: number, value?: T, options?: SleepOptions): Future<T> {
  // One path, its calls made only when needed: the checks' for bad input or
  // options, the hook's test in place (XS counts each call; a sleep is a hot path).
  if (typeof ms !== 'number' || ms !== ms) checkDelay(ms, 'sleep() delay', false);
  if (options === undefined && value !== undefined && looksLikeOptions(value)) {
    throw new TypeError('sleep(ms, value, options): the second argument is the result value, and this one looks like options; ' +
      'pass them third: sleep(ms, undefined, { signal })');
  }
  // currentLoop() inlined: the current task's loop, else the default loop.
  const loop = options?.loop === undefined ? loopState.task?._loop ?? getEventLoop() : checkLoop(options.loop);
  const timers = ms > 0 && ms !== Infinity
    ? ((loop as Partial<FutureTimers>)._resultLater !== undefined ? loop as TimerLoop : requireTimerLoop(loop, 'sleep(ms > 0)')) : null;
  const aborted = options && abortedWait<T>(loop, options);
  if (aborted) return aborted;
  const fut = ms <= 0 ? new NextTurn(value as T, loop) : new Sleep<T>(loop, value);
  if (timers !== null) {
    // anyloop's own loops hold the future itself in their timer heap; another loop gets callLater.
    if ((timers as Partial<FutureTimers>)._resultLater !== undefined) (timers as unknown as FutureTimers)._resultLater(ms, fut as Sleep<T>);
    else (fut as Sleep<T>)._handle = timers.callLater(ms, resultUnlessDone, fut);
  }
  return options === undefined ? fut : bindSignal(fut, options);
}

/** An object with a `signal` or `loop` property of its own: SleepOptions given as the value. */
function looksLikeOptions(value: unknown): boolean {
  return value !== null && typeof value === 'object' &&
    (Object.prototype.hasOwnProperty.call(value, 'signal') || Object.prototype.hasOwnProperty.call(value, 'loop'));
}

/**
 * sleep(0). Completed from its own callSoon slot, inline, so the awaiting
 * task's step runs in that slot: exactly where asyncio's bare `yield` resumes
 * the task. A cancel before that slot is delivered in that same slot.
 *
 * The result waits in the future's own `_value` (no slot when there is
 * none): a cancel overwrites it with its message, and the result is not
 * needed then.
 */
class NextTurn<T> extends Waiter<T, null> {
  constructor(value: T, loop: Loop) {
    super(null, loop);
    if (value !== undefined) this._value = value;
    this._wake();
  }

  _resume(): void {
    // _cancelRequested() and _finish()/_cancelNow() inlined: a sleep(0) is a task step's hot path.
    const s = this._state;
    this._complete(s === CANCEL_REQUESTED || s === WOKEN_THEN_CANCELLED ? CANCELLED : RESULT, this._value, true);
  }
}

/**
 * sleep(ms > 0): asyncio's future completed by a call_later timer. On
 * anyloop's own loops the future is the timer itself (the loop's
 * FutureTimers hook): a Future's slots and the deadline's two.
 */
class Sleep<T> extends Future<T> {
  /** @internal Set by the loop with the hook. */
  declare _when: number;
  /** @internal Set by the loop with the hook; -1 once it has let go of the future. */
  declare _seq: number;
  /** @internal On a loop without the hook: the callLater timer. */
  declare _handle?: TimerHandle;

  // Explicit: XS runs an implicit derived constructor as `super(...args)`, about 80 computrons more per sleep.
  constructor(loop: Loop, value: T | undefined) {
    super(undefined, loop);
    // The result to come (the future's own field while pending): no slot when there is none.
    if (value !== undefined) this._value = value;
  }

  // Done before its deadline (cancelled, or set by hand): its timer goes. Not in
  // _complete: the timer's own completion would pay the override, about 30 computrons in XS.
  override cancel(msg?: string): boolean {
    if (!super.cancel(msg)) return false;
    this._forget();
    return true;
  }

  override setResult(value: T): void {
    super.setResult(value);
    this._forget();
  }

  override setException(exception: unknown): void {
    super.setException(exception);
    this._forget();
  }

  /** @internal Lets go of the timer of a future done before its deadline. */
  _forget(): void {
    if (this._seq >= 0) (this._loop as unknown as FutureTimers)._timedDone(this);
    else this._handle?.cancel();
  }
}
