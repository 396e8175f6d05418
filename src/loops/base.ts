import { checkCallback, checkTime, Handle, TimerHandle } from '../contract/handle.js';
import type { ExceptionContext, ExceptionHandler, TimerLoop } from '../contract/loop.js';
import { Ring } from '../future/ring.js';
import { TimerHeap } from './timer-heap.js';

/**
 * The machinery every concrete loop shares: a ring-buffer ready queue, a timer
 * heap, turns, and exception handling. A loop adds a clock (`time()`) and,
 * when it runs on a host, `_hostWake()` to get a turn scheduled.
 */
export abstract class BaseLoop implements TimerLoop {
  /** @internal Callbacks ready to run. */
  readonly _ready = new Ring<Handle>(16);
  /** @internal Scheduled timers. */
  readonly _timers = new TimerHeap();
  private _debug = false;
  private _handler: ExceptionHandler | null = null;

  /** Monotonic loop time in milliseconds. */
  abstract time(): number;

  /**
   * @internal Called when the loop gains work while it may be asleep: a first
   * ready callback, or a timer. Host-driven loops arm their host timer here.
   */
  protected _hostWake(): void {}

  callSoon<A extends unknown[]>(callback: (...args: A) => void, ...args: A): Handle {
    this._checkSchedule();
    checkCallback(callback);
    const h = new Handle(callback as (...a: unknown[]) => void, args);
    this._ready.push(h);
    if (this._ready.length === 1) this._hostWake();
    return h;
  }

  callAt<A extends unknown[]>(when: number, callback: (...args: A) => void, ...args: A): TimerHandle {
    this._checkSchedule();
    checkTime(when, 'when');
    checkCallback(callback);
    const h = new TimerHandle(when, this._timers.nextSeq(), callback as (...a: unknown[]) => void, args);
    this._timers.push(h);
    this._hostWake();
    return h;
  }

  callLater<A extends unknown[]>(delayMs: number, callback: (...args: A) => void, ...args: A): TimerHandle {
    checkTime(delayMs, 'delayMs');
    return this.callAt(this.time() + delayMs, callback, ...args);
  }

  getDebug(): boolean {
    return this._debug;
  }

  /** Turns debug mode on or off (creation stacks, unretrieved-exception reports). */
  setDebug(enabled: boolean): void {
    this._debug = Boolean(enabled);
  }

  /** Sets the handler for failures, called as `(loop, context)`; null restores the default. */
  setExceptionHandler(handler: ExceptionHandler | null): void {
    if (handler !== null && typeof handler !== 'function') {
      throw new TypeError('exception handler must be a function or null');
    }
    this._handler = handler;
  }

  /** The handler set by setExceptionHandler, or null. */
  getExceptionHandler(): ExceptionHandler | null {
    return this._handler;
  }

  callExceptionHandler(context: ExceptionContext): void {
    const handler = this._handler;
    try {
      if (handler === null) this.defaultExceptionHandler(context);
      else handler(this, context);
    } catch (exception) {
      try {
        this.defaultExceptionHandler({ message: 'Unhandled error in exception handler', exception, context });
      } catch {
        // Nothing may escape the loop: on XS it would reboot the device.
      }
    }
  }

  /** Prints the context's message and error; never throws. */
  defaultExceptionHandler(context: ExceptionContext): void {
    let text = `anyloop: ${context.message}`;
    const e = context.exception;
    if (e !== undefined) {
      text += `\n${e instanceof Error ? (e.stack ?? `${e.name}: ${e.message}`) : describe(e)}`;
    }
    if (typeof context.source_traceback === 'string') text += `\nFuture created at:\n${context.source_traceback}`;
    this._printError(text);
  }

  /** @internal Called before anything is scheduled; a loop that can be closed throws here once it is. */
  protected _checkSchedule(): void {}

  /** @internal Where the default handler prints; a loop for another host may print elsewhere. */
  protected _printError(text: string): void {
    printError(text);
  }

  /** @internal True when a turn has something to run now. */
  _hasWork(): boolean {
    if (this._ready.length > 0) return true;
    const next = this._timers.nextWhen();
    return next !== undefined && next <= this.time();
  }

  /**
   * @internal One turn: moves due timers to the ready queue, then runs at most
   * `limit` of the callbacks that were ready when the turn began. Callbacks
   * they schedule wait for a later turn.
   */
  _runOnce(limit = Infinity): void {
    const ready = this._ready;
    const timers = this._timers;
    if (timers._heap.length > 0) {
      // The clock is read only when a timer could be due (on a device it is a host call).
      const now = this.time();
      let due: TimerHandle | undefined;
      while ((due = timers.popDue(now)) !== undefined) ready.push(due);
    }
    let n = ready.length < limit ? ready.length : limit;
    let h: Handle | undefined;
    // One try around the callbacks, entered again after a failure: a try per
    // callback costs about 30 computrons in XS.
    while (n > 0) {
      try {
        while (n > 0) {
          n--;
          h = ready.shift()!;
          // Handle._run inlined: each frame costs XS stack, which a device has little of.
          const cb = h._callback;
          if (cb !== null) {
            const args = h._args;
            if (args === undefined) cb();
            else if (args.length === 1) cb(args[0]);
            else cb(...args);
          }
        }
      } catch (exception) {
        this.callExceptionHandler({ message: 'Exception in callback', exception, handle: h });
      }
    }
  }
}

function describe(v: unknown): string {
  try {
    return String(v);
  } catch {
    return Object.prototype.toString.call(v);
  }
}

function printError(text: string): void {
  const g = globalThis as { console?: { error?: (s: string) => void }; trace?: (s: string) => void; print?: (s: string) => void };
  if (typeof g.console?.error === 'function') g.console.error(text);
  else if (typeof g.trace === 'function') g.trace(`${text}\n`);
  else if (typeof g.print === 'function') g.print(text);
}
