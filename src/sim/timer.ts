/**
 * A drop-in implementation of Moddable's `timer` module on a SimBoard, with
 * the host's exact semantics (modules/base/timer/modTimer.c and mc/timer.c):
 *
 * - `Timer.set(cb)` is an immediate timer: it fires on the next pass of the
 *   host run loop; `Timer.set(cb, ms)` is a one-shot; `Timer.set(cb, ms, repeat)`
 *   and `Timer.repeat(cb, ms)` repeat (without drift: each deadline is the
 *   previous one plus the period). The callback receives the timer.
 * - A timer that becomes due during a pass waits for the next pass; timers
 *   fire in the order they were created.
 * - Immediate and one-shot timers are cleared after their callback runs, and
 *   so is a timer rescheduled as a one-shot from inside its own callback; only
 *   a repeating (or unscheduled) timer survives its callback. A cleared timer
 *   is no longer valid: `Timer.schedule` and `Timer.clear` throw on it, as the
 *   host does (`SyntaxError: C: xsGetHostData: invalid`).
 * - `Timer.schedule(t, ms[, repeat])` reschedules; `Timer.schedule(t)`
 *   unschedules (the timer stays valid and survives its callback).
 * - `Timer.clear(t)` ignores undefined, null and other non-objects.
 * - `Timer.delay(ms)` blocks: virtual time passes, interrupts post messages,
 *   no JavaScript runs.
 * - Arguments are converted like `xsmcToInteger`: NaN becomes 0, fractions
 *   are truncated.
 *
 * The default export acts on the current board (`board.install()`); `timerFor(board)`
 * returns a Timer class bound to one board.
 */
import { currentBoard, type HostTimerRecord, type SimBoard } from './board.js';

/** The host object Moddable's Timer functions return and pass to callbacks. */
export class HostTimer {
  /** @internal */ _record: HostTimerRecord | null = null;
  /** @internal */ readonly _board: SimBoard;

  /** @internal Made by Timer.set and Timer.repeat only. */
  constructor(board: SimBoard) {
    this._board = board;
  }
}

/** A timer callback: it receives the timer. */
export type TimerCallback = (timer: HostTimer) => void;

/** The static interface of Moddable's Timer class. */
export interface TimerModule {
  /** Calls `callback` after `interval` ms of virtual time, then every `repeat` ms if given. */
  set(callback: TimerCallback, interval?: number, repeat?: number): HostTimer;
  /** Calls `callback` every `interval` ms. */
  repeat(callback: TimerCallback, interval: number): HostTimer;
  /** Re-arms `timer`. */
  schedule(timer: HostTimer, interval?: number, repeat?: number): void;
  /** Cancels `timer`; null and undefined are ignored. */
  clear(timer: HostTimer | undefined | null): void;
  /** Blocks for `milliseconds` of virtual time. */
  delay(milliseconds: number): void;
}

/** A Timer class bound to `board`, or to whatever `board()` returns at each call. */
export function timerFor(board: SimBoard | (() => SimBoard)): TimerModule {
  const get = typeof board === 'function' ? board : () => board;
  class Timer {
    private constructor() {}

    static set(callback: TimerCallback, ...rest: unknown[]): HostTimer {
      const interval = rest.length > 0 ? toInteger(rest[0]) : 0;
      const repeat = rest.length > 1 ? toInteger(rest[1]) : 0;
      return create(get(), callback, interval, repeat);
    }

    static repeat(callback: TimerCallback, interval: number): HostTimer {
      const ms = toInteger(interval);
      return create(get(), callback, ms, ms);
    }

    static schedule(timer: HostTimer, ...rest: unknown[]): void {
      get();
      const r = valid(timer);
      if (rest.length === 0) r.board._timerUnschedule(r.record);
      else r.board._timerReschedule(r.record, toInteger(rest[0]), rest.length > 1 ? toInteger(rest[1]) : 0);
    }

    static clear(timer: HostTimer | undefined | null): void {
      // A host function even when it ignores its argument.
      get();
      if (timer === null || typeof timer !== 'object') return;
      const r = valid(timer);
      timer._record = null;
      r.board._timerRemove(r.record);
    }

    static delay(milliseconds: number): void {
      const ms = toInteger(milliseconds);
      if (ms > 0) get()._delay(ms);
    }
  }
  return Timer;
}

/** Moddable's Timer on the current board. */
const Timer: TimerModule = timerFor(currentBoard);
export default Timer;

function create(board: SimBoard, callback: TimerCallback, interval: number, repeat: number): HostTimer {
  if (typeof callback !== 'function') throw new TypeError('Timer: callback is not a function');
  const timer = new HostTimer(board);
  timer._record = board._timerAdd(callback as (t: object) => void, timer, interval, repeat);
  return timer;
}

function valid(timer: unknown): { board: SimBoard; record: HostTimerRecord } {
  if (!(timer instanceof HostTimer)) throw new SyntaxError('C: xsGetHostData: no host object');
  const record = timer._record;
  if (record === null || record.cleared) throw new SyntaxError('C: xsGetHostData: invalid');
  return { board: timer._board, record };
}

/** xsmcToInteger: a number (NaN → 0), truncated to a signed 32-bit integer. */
function toInteger(v: unknown): number {
  const n = Number(v);
  return Number.isFinite(n) ? Math.trunc(n) | 0 : 0;
}
