/**
 * @internal The empty rest array of the Handles the loops make for a callback
 * with one argument, which goes in apart. Frozen: preload then keeps it in flash.
 */
export const NO_ARGS: unknown[] = Object.freeze([]) as unknown as unknown[];

/**
 * Handles returned by `callSoon`, `callAt` and `callLater`. A loop makes one
 * with `new Handle(callback, args)`, keeps it in its ready queue (or timer
 * heap) and calls `run()` when it is due; a cancelled handle never runs.
 */
export class Handle {
  /** @internal The callback, or null once cancelled (drops its references early). */
  _callback: ((...args: any[]) => void) | null;
  /**
   * @internal The arguments, when there are any: a handle without arguments
   * has no such property, and keeps one slot less in XS. One argument that
   * is neither an array nor undefined is kept as itself, not in an array:
   * two slots less in XS for the common `callSoon(fn, x)`; an array here
   * always holds the arguments.
   */
  _args?: unknown;

  /** A handle for `callback(...args)`; `args` is the callSoon rest array. */
  constructor(callback: (...args: any[]) => void, args: unknown[]);
  /** @internal A handle for `callback(arg)`, `arg` an object that is not an array (`args` empty). */
  constructor(callback: (arg: any) => void, args: unknown[], arg: object);
  constructor(callback: (...args: any[]) => void, args: unknown[], arg?: object) {
    this._callback = callback;
    // Set here, not after: every handle gets its fields in one place (one shape in V8).
    if (arg !== undefined) this._args = arg;
    else if (args.length === 1) {
      const a = args[0];
      this._args = a === undefined || Array.isArray(a) ? args : a;
    } else if (args.length !== 0) {
      this._args = args;
    }
  }

  /** Stops the callback from running. Idempotent. */
  cancel(): void {
    this._callback = null;
    if (this._args !== undefined) this._args = undefined;
  }

  /** True once `cancel()` was called. */
  cancelled(): boolean {
    return this._callback === null;
  }

  /**
   * Runs the callback with its arguments; does nothing once cancelled. For
   * loops: exceptions propagate, and the loop must catch them and report them
   * through `callExceptionHandler` (`{ message, exception, handle }`).
   */
  run(): void {
    const cb = this._callback;
    if (cb !== null) {
      const args = this._args;
      if (args === undefined) cb();
      else if (Array.isArray(args)) cb(...args);
      else cb(args);
    }
  }
}

/** What a TimerHandle tells the timer heap holding it when it is cancelled. */
export interface TimerOwner {
  /** Called by `handle.cancel()`: the owner drops the handle at once. */
  _timerCancelled(handle: TimerHandle): void;
}

/** A Handle for a callback due at a loop time. */
export class TimerHandle extends Handle {
  /** @internal Deadline in loop milliseconds. */
  readonly _when: number;
  /** @internal Tie-breaker: equal deadlines run in scheduling order. */
  readonly _seq: number;
  /** @internal The heap holding this handle while it is scheduled. */
  _owner: TimerOwner | null = null;
  /** @internal Its place in that heap. */
  _index = -1;

  /** A timer handle for `callback(...args)` at `when`; `args` is the callAt rest array. */
  constructor(when: number, seq: number, callback: (...args: any[]) => void, args: unknown[]);
  /** @internal A timer handle for `callback(arg)`, `arg` an object that is not an array (`args` empty). */
  constructor(when: number, seq: number, callback: (arg: any) => void, args: unknown[], arg: object);
  constructor(when: number, seq: number, callback: (...args: any[]) => void, args: unknown[], arg?: object) {
    super(callback, args, arg!);
    this._when = when;
    this._seq = seq;
  }

  /** The loop time (ms) at which the callback is due. */
  when(): number {
    return this._when;
  }

  override cancel(): void {
    if (this._callback !== null) {
      // Handle.cancel() inlined: a call less per cancelled timer (XS counts each).
      this._callback = null;
      if (this._args !== undefined) this._args = undefined;
      const owner = this._owner;
      if (owner !== null) owner._timerCancelled(this);
    }
  }
}

/** Throws a TypeError unless `callback` is a function; every loop validates with this. */
export function checkCallback(callback: unknown, what = 'callback'): void {
  if (typeof callback !== 'function') {
    throw new TypeError(`${what} must be a function, got ${callback === null ? 'null' : typeof callback}`);
  }
}

/** Throws a RangeError/TypeError unless `ms` is a finite number (a delay or a deadline). */
export function checkTime(ms: unknown, what: string): number {
  // `ms - ms` is 0 for a finite number only (NaN for NaN and the infinities): no call, on every timer.
  if (typeof ms === 'number' && ms - ms === 0) return ms;
  if (typeof ms !== 'number' || Number.isNaN(ms)) {
    throw new TypeError(`${what} must be a number, got ${typeof ms === 'number' ? 'NaN' : typeof ms}`);
  }
  if (!Number.isFinite(ms)) throw new RangeError(`${what} must be finite, got ${ms}`);
  return ms;
}
