import type { Handle, TimerHandle } from './handle.js';
import type { Future } from '../future/future.js';

/**
 * What a failure report carries: asyncio's exception-handler context. Loops
 * pass it to their exception handler; the default handler prints it and never throws.
 */
export interface ExceptionContext {
  /** A short human description, e.g. `Future exception was never retrieved`. */
  message: string;
  /** The error, when there is one. */
  exception?: unknown;
  /** The future concerned, when there is one. */
  future?: Future<unknown>;
  /** The handle whose callback failed, when there is one. */
  handle?: Handle;
  [key: string]: unknown;
}

/**
 * The minimal loop contract: all that Future and every primitive need.
 *
 * A loop must run callbacks in FIFO order; a callback scheduled while a turn
 * runs goes to the next turn (a turn runs the callbacks that were ready when it
 * began); an exception thrown by a callback never escapes the loop: it goes to
 * `callExceptionHandler` and the loop goes on; a cancelled Handle never runs.
 */
export interface Loop {
  /** Schedules `callback(...args)` for the next turn. Throws TypeError for a non-function. */
  callSoon<A extends unknown[]>(callback: (...args: A) => void, ...args: A): Handle;
  /** Reports a failure that has nobody else to go to. Must never throw. */
  callExceptionHandler(context: ExceptionContext): void;
  /** Debug mode: futures record where they were created and report unretrieved exceptions. */
  getDebug(): boolean;
}

/** The optional timer capability, needed only by `sleep`, timeouts and `interval`. */
export interface TimerLoop extends Loop {
  /** Monotonic loop time in milliseconds. */
  time(): number;
  /** Schedules `callback(...args)` for loop time `when` (ms). */
  callAt<A extends unknown[]>(when: number, callback: (...args: A) => void, ...args: A): TimerHandle;
  /** Schedules `callback(...args)` `delayMs` milliseconds from now. */
  callLater<A extends unknown[]>(delayMs: number, callback: (...args: A) => void, ...args: A): TimerHandle;
}

/**
 * @internal A Future that a loop with the FutureTimers hook keeps in its
 * timer heap itself and completes at `_when` with its `_value` (set while
 * pending: the result to come), unless it is done by then: a sleep.
 */
export interface TimedFuture extends Future<unknown> {
  /** @internal The deadline, set by the loop. */
  _when: number;
  /** @internal Scheduling order, set by the loop: -1 once the loop has let go of the future (due, or the loop closed). */
  _seq: number;
}

/**
 * @internal An optional hook of anyloop's own loops (BaseLoop's): a timer
 * that is the Future it completes, with no TimerHandle, as asyncio's sleep is
 * `call_later(delay, _set_result_unless_cancelled, future, result)` in one
 * object (fewer slots on a device). A TimedFuture done before its deadline
 * (`_seq` still >= 0) calls `_timedDone`. A loop without the hook gets `callLater`.
 */
export interface FutureTimers {
  /** @internal Completes `fut` with its `_value` `delayMs` (positive, finite) from now unless it is done by then. */
  _resultLater(delayMs: number, fut: TimedFuture): void;
  /** @internal `fut` is done before its deadline: the loop forgets it. */
  _timedDone(fut: TimedFuture): void;
}

/**
 * @internal A timer that is its own entry in the loop's heap of timers, with
 * no TimerHandle: a `waitFor` time limit, an interval's next deadline.
 * Unlike a sleep it has an action of its own, and it is mostly cancelled
 * (a time limit), so it leaves the heap at once when cancelled, as a
 * TimerHandle does. Once due, its `_expire()` is queued like a due handle's
 * callback, and cannot be taken back: an entry disarmed (or armed again)
 * after it was due must make that call do nothing.
 */
export interface TimerEntry {
  /** @internal The deadline (loop time, ms), set by the entry before `_expireAt`. */
  _when: number;
  /** @internal Scheduling order, set by the loop. */
  _seq?: number;
  /** @internal Its place in the heap, set by the loop: -1 (or unset) while out of it. */
  _index?: number;
  /** @internal Called in a loop turn once the deadline passed. */
  _expire(): void;
}

/**
 * @internal An optional hook of anyloop's own loops (BaseLoop's): timers that
 * are their own heap entries (fewer slots on a device than an entry holding
 * a TimerHandle). A loop without the hook gets `callAt`.
 */
export interface EntryTimers {
  /** @internal Calls `entry._expire()` in a turn once loop time reaches `entry._when`, unless cancelled first. */
  _expireAt(entry: TimerEntry): void;
  /** @internal Takes `entry` out of the heap; it must be in it (`_index >= 0`). */
  _expireCancel(entry: TimerEntry): void;
}

/**
 * @internal An optional hook of anyloop's own loops (BaseLoop's):
 * `callSoon(callback, arg)` for anyloop's own one-argument callbacks, whose
 * `arg` is an object and not an array, with no rest array, no check of the
 * callback and no Handle returned (a task's wake-up, a done callback, a
 * waiter's resume: one per hand-off). A loop without it gets `callSoon`.
 */
export interface SoonHook {
  /** @internal Schedules `callback(arg)` as `callSoon(callback, arg)` would. */
  _soon(callback: (arg: any) => void, arg: object): void;
}

/** @internal A Loop that may offer the SoonHook. */
export type MaybeSoon = Loop & Partial<SoonHook>;

/**
 * @internal An optional hook of anyloop's own loops (BaseLoop's):
 * `callAt(when, callback, arg)` for anyloop's own one-argument timers (a
 * debounce, a pulse, a timeout), whose `when` is a finite
 * number and `arg` an object that is not an array: no rest array and no
 * checks. A loop without it gets `callAt`.
 */
export interface AtHook {
  /** @internal Schedules `callback(arg)` at loop time `when` as `callAt(when, callback, arg)` would. */
  _at(when: number, callback: (arg: any) => void, arg: object): TimerHandle;
}

/** @internal A TimerLoop that may offer the AtHook. */
export type MaybeAt = TimerLoop & Partial<AtHook>;

/** A handler for failures: asyncio's `(loop, context)` signature. */
export type ExceptionHandler = (loop: Loop, context: ExceptionContext) => void;

/** True when `loop` has the timer capability. */
export function isTimerLoop(loop: Loop): loop is TimerLoop {
  return typeof (loop as Partial<TimerLoop>).callAt === 'function' && typeof (loop as Partial<TimerLoop>).time === 'function';
}

/** Throws a TypeError unless `loop` has the three methods of the contract. */
export function checkLoop(loop: unknown): Loop {
  const l = loop as Partial<Loop> | null;
  if (l === null || typeof l !== 'object' || typeof l.callSoon !== 'function' ||
      typeof l.callExceptionHandler !== 'function' || typeof l.getDebug !== 'function') {
    throw new TypeError('loop must implement callSoon, callExceptionHandler and getDebug');
  }
  return l as Loop;
}
