import type { TimerHandle } from '../contract/handle.js';
import { checkLoop, type Loop } from '../contract/loop.js';
import { Future, PENDING, RESULT } from '../future/future.js';
import { abortedWait, bindSignal, type WaitOptions } from '../future/signal.js';
import { Waiter } from '../future/waiter.js';
import { currentLoop } from './task.js';
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
  checkDelay(ms, 'sleep() delay', false);
  if (options === undefined && looksLikeOptions(value)) {
    throw new TypeError('sleep(ms, value, options): the second argument is the result value, and this one looks like options; ' +
      'pass them third: sleep(ms, undefined, { signal })');
  }
  const loop = options?.loop === undefined ? currentLoop() : checkLoop(options.loop);
  const timers = ms > 0 && ms !== Infinity ? requireTimerLoop(loop, 'sleep(ms > 0)') : null;
  const aborted = options && abortedWait<T>(loop, options);
  if (aborted) return aborted;
  if (ms <= 0) return bindSignal(new NextTurn(value as T, loop), options);
  const fut = new Sleep<T>(loop);
  // Without a value the timer's handle keeps the future alone: fewer slots in XS.
  if (timers !== null) fut._handle = value === undefined ? timers.callLater(ms, wake, fut) : timers.callLater(ms, wake, fut, value);
  return bindSignal(fut, options);
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
 */
class NextTurn<T> extends Waiter<T, null> {
  /** @internal */ readonly _result: T;

  constructor(value: T, loop: Loop) {
    super(null, loop);
    this._result = value;
    this._wake();
  }

  _resume(): void {
    if (this._cancelRequested()) this._cancelNow();
    else this._finish(this._result);
  }
}

/** sleep(ms > 0): asyncio's future completed by a call_later timer. */
class Sleep<T> extends Future<T> {
  /** @internal */ _handle: TimerHandle | null = null;

  // Explicit: XS runs an implicit derived constructor as `super(...args)`, about 80 computrons more per sleep.
  constructor(loop: Loop) {
    super(undefined, loop);
  }

  override cancel(msg?: string): boolean {
    if (!super.cancel(msg)) return false;
    this._handle?.cancel();
    this._handle = null;
    return true;
  }
}

function wake<T>(fut: Sleep<T>, value?: T): void {
  fut._handle = null;
  if (fut._state === PENDING) fut._complete(RESULT, value as T, false);
}
