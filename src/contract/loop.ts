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
