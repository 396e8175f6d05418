import { loopState } from '../contract/default-loop.js';
import { checkCallback, checkTime, Handle, NO_ARGS, TimerHandle } from '../contract/handle.js';
import type { ExceptionContext, ExceptionHandler, TimedFuture, TimerEntry, TimerLoop } from '../contract/loop.js';
import { CancelledError } from '../contract/errors.js';
import type { CoroutineFuture } from '../future/coroutine.js';
import { CANCELLED, type DoneCallback, type Future } from '../future/future.js';
import { ReadyQueue } from './ready-queue.js';
import { remove, siftUp, TimerHeap, type Placed } from './timer-heap.js';


/** Turns `close()` may run to let cancelled tasks finish (their `finally` blocks). */
const CLOSE_TURNS = 1000;

/**
 * The machinery every concrete loop shares, exported for loop authors: a
 * ring-buffer ready queue, a timer heap, turns, and exception handling
 * (docs/writing-a-loop.md). A loop adds a clock (`time()`) and, when it runs
 * on a host, overrides `_hostWake()` to get turns scheduled and calls
 * `_runOnce()` in them.
 *
 * The subclass API is the underscore-named members below, as in asyncio's
 * BaseEventLoop (`_ready`, `_run_once`): `_ready`, `_timers`, `_runOnce`,
 * `_hasWork`, and the hooks `_hostWake`, `_checkSchedule` and `_printError`.
 * They are part of the published types and kept stable.
 */
export abstract class BaseLoop implements TimerLoop {
  /** Callbacks ready to run, oldest first (`length`, `push()`, `shift()`; a closing loop may cancel them in place). */
  readonly _ready = new ReadyQueue(8);
  /** Scheduled live timers: `nextWhen()` is the earliest deadline, `size` their number. */
  readonly _timers = new TimerHeap();
  // Declared, not initialised: a field at its default costs no XS slot until set.
  declare private _debug?: boolean;
  declare private _handler?: ExceptionHandler | null;
  /** @internal True once closed. */
  declare _closed?: boolean;
  /** @internal Callbacks and their arguments, in pairs, to run once the current turn's callbacks have run. */
  declare _turnEnd?: unknown[];

  /** Monotonic loop time in milliseconds. */
  abstract time(): number;

  /**
   * Called when the loop gains work while it may be asleep: a first ready
   * callback, or a new timer, at least whenever it is the earliest live one
   * (a timer behind a live one needs no wake-up of its own: the host is
   * armed for that one already, and arms again after it). A host-driven loop schedules a turn or arms its
   * host timer here; it must not run callbacks inside it (its callers are
   * `callSoon` and `callAt`). The default does nothing, for loops driven
   * from outside.
   */
  protected _hostWake(): void {}

  callSoon<A extends unknown[]>(callback: (...args: A) => void, ...args: A): Handle {
    this._checkSchedule();
    // Checked inline: a call costs computrons in XS, and callSoon runs once per hand-off.
    if (typeof callback !== 'function') checkCallback(callback);
    const h = new Handle(callback as (...a: unknown[]) => void, args);
    const ready = this._ready;
    ready.push(h);
    if (ready.length === 1) this._hostWake();
    return h;
  }

  /**
   * @internal SoonHook: `callSoon(callback, arg)` for anyloop's own callbacks
   * (a task's wake-up, a done callback, a waiter's resume), whose `arg` is an
   * object that is not an array: no rest array, no check of the callback,
   * no Handle. The ready queue holds the callback and its argument as a pair,
   * in the one FIFO order of every ready callback; close() cancels it.
   */
  _soon(callback: (arg: any) => void, arg: object): void {
    // _checkSchedule() called only when a subclass overrides it: a call less per hand-off (XS counts each).
    if (this._closed === true || this._checkSchedule !== baseCheckSchedule) this._checkSchedule();
    const ready = this._ready;
    if (2 * ready.length > ready._mask) ready._grow();
    const i = (ready._head + 2 * ready.length) & ready._mask;
    ready._items[i] = callback;
    ready._items[i + 1] = arg;
    if (++ready.length === 1) this._hostWake();
  }

  callAt<A extends unknown[]>(when: number, callback: (...args: A) => void, ...args: A): TimerHandle {
    return this._callAt(when, callback as (...a: unknown[]) => void, args);
  }

  callLater<A extends unknown[]>(delayMs: number, callback: (...args: A) => void, ...args: A): TimerHandle {
    // Checked inline, the checks' calls only for bad input: waits arm a timer each (XS counts every call).
    if (typeof delayMs !== 'number' || delayMs - delayMs !== 0) checkTime(delayMs, 'delayMs');
    return this._callAt(this.time() + delayMs, callback as (...a: unknown[]) => void, args);
  }

  /** callAt with the arguments in their rest array: callLater passes them on without spreading them again (a copy in XS). */
  private _callAt(when: number, callback: (...a: unknown[]) => void, args: unknown[]): TimerHandle {
    if (this._closed === true || this._checkSchedule !== baseCheckSchedule) this._checkSchedule();
    if (typeof when !== 'number' || when - when !== 0) checkTime(when, 'when');
    if (typeof callback !== 'function') checkCallback(callback);
    const timers = this._timers;
    const h = new TimerHandle(when, timers._seq++, callback, args);
    timers.push(h);
    // A timer behind the earliest changes no wake-up: the host is armed for that one already.
    if (h._index === 0) this._hostWake();
    return h;
  }

  /**
   * @internal AtHook: `callAt(when, callback, arg)` for anyloop's own timers,
   * whose `when` is finite and `arg` an object that is not an array: no rest
   * array, no checks. The same TimerHandle in the same heap, in the same order.
   */
  _at(when: number, callback: (arg: any) => void, arg: object): TimerHandle {
    if (this._closed === true || this._checkSchedule !== baseCheckSchedule) this._checkSchedule();
    const timers = this._timers;
    const h = new TimerHandle(when, timers._seq++, callback, NO_ARGS, arg);
    timers.push(h);
    if (h._index === 0) this._hostWake();
    return h;
  }

  /** @internal FutureTimers: the heap holds `fut` (a sleep) itself, with no TimerHandle. */
  _resultLater(delayMs: number, fut: TimedFuture): void {
    if (this._closed === true || this._checkSchedule !== baseCheckSchedule) this._checkSchedule();
    fut._when = this.time() + delayMs;
    if (this._timers.pushFuture(fut)) this._hostWake();
  }

  /** @internal FutureTimers: `fut` is done before its deadline. */
  _timedDone(_fut: TimedFuture): void {
    this._timers._futureDone();
  }

  /** @internal EntryTimers: the heap holds `entry` itself, with no TimerHandle. */
  _expireAt(entry: TimerEntry): void {
    if (this._closed === true || this._checkSchedule !== baseCheckSchedule) this._checkSchedule();
    // The heap's work in place, without a TimerHeap method in between: a call less per time limit (XS counts each).
    const timers = this._timers;
    entry._seq = timers._seq++;
    const heap = timers._heap;
    // The earliest of its heap (all live): the host may need arming for it.
    if (siftUp(heap, heap.length, entry as Placed) === 0) this._hostWake();
  }

  /** @internal EntryTimers: `entry` leaves the heap. */
  _expireCancel(entry: TimerEntry): void {
    remove(this._timers._heap, entry as Placed);
    entry._index = -1;
  }

  getDebug(): boolean {
    return this._debug === true;
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
    return this._handler ?? null;
  }

  callExceptionHandler(context: ExceptionContext): void {
    const handler = this._handler;
    try {
      if (handler === undefined || handler === null) this.defaultExceptionHandler(context);
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

  /** True once `close()` was called. */
  isClosed(): boolean {
    return this._closed === true;
  }

  /**
   * @internal Runs `callback(arg)` once the callbacks of the current turn
   * have run, within the turn (outside a turn: in the next one). How a
   * failure nobody handles is reported without a turn of its own.
   */
  _atTurnEnd<A>(callback: (arg: A) => void, arg: A): void {
    if (loopState.turn === this) (this._turnEnd ??= []).push(callback, arg);
    else this.callSoon(callback, arg);
  }

  /**
   * Closes the loop. First every pending task of the loop is cancelled and
   * the loop runs (up to 1000 turns, without moving its clock) until those
   * tasks are done, so their `finally` blocks run; a task still not done then
   * (waiting on a promise or a timer in a `finally`, say) is marked cancelled
   * and its coroutine closed. So every task of the loop is done and every
   * `await task` settles, except the task that calls `close()` itself. Then
   * the callbacks and timers left are cancelled and the host is let go;
   * scheduling afterwards throws an Error. Idempotent.
   */
  close(): void {
    if (this._closed) return;
    this._cancelTasks();
    this._closed = true;
    // Cancelled in place: close() may come from a callback, in the middle of a
    // turn that still counts on the ready queue's length.
    this._ready._cancelAll();
    let t: Handle | undefined;
    while ((t = this._timers.popDue(Infinity)) !== undefined) t.cancel();
    this._onClose();
  }

  /** What a loop does with its host once closed: a subclass lets go of its host timer here. */
  protected _onClose(): void {}

  /** Called before anything is scheduled: throws an Error once the loop is closed (a subclass may refuse more, calling super). */
  protected _checkSchedule(): void {
    if (this._closed) throw new Error(`${this.constructor.name} is closed`);
  }

  /**
   * @internal close()'s first part. The tasks layer shares its state through
   * `loopState.tasks` (the loops do not import it).
   */
  private _cancelTasks(): void {
    const tasks = loopState.tasks;
    if (tasks === null) return;
    // A finally block may create tasks: a few rounds catch those too.
    for (let round = 0; round < 3; round++) {
      const pending = [...tasks(this)].filter((t) => t !== loopState.task) as Task[];
      if (pending.length === 0) return;
      for (const t of pending) t.cancel('the loop was closed');
      this._drain();
      for (const t of pending) if (!t.done()) this._abandon(t);
      this._drain();
    }
  }

  /**
   * @internal Ends a task that did not finish when cancelled: it stops
   * listening to what it waits on (a late outcome of that is ignored), becomes
   * cancelled, and its coroutine is closed, which runs its `finally` blocks.
   */
  private _abandon(t: Task): void {
    const waiting = t._waitingOn;
    t._waitingOn = null;
    waiting?.removeDoneCallback(t as unknown as DoneCallback<Future<unknown>>);
    const level = t._coro;
    t._coro = null;
    t._complete(CANCELLED, new CancelledError('the loop was closed before the task finished'), false);
    try {
      if (level !== null) t._close(level);
    } catch (exception) {
      this.callExceptionHandler({ message: 'Exception closing a task as its loop closed', exception, task: t });
    }
  }

  /** @internal Runs what is ready, for at most CLOSE_TURNS turns. */
  private _drain(): void {
    for (let turns = 0; turns < CLOSE_TURNS && this._ready.length > 0; turns++) this._runOnce();
  }

  /** Where the default handler prints; a loop for another host may print elsewhere. */
  protected _printError(text: string): void {
    printError(text);
  }

  /** True when a turn has something to run now: a ready callback or a due timer. */
  _hasWork(): boolean {
    if (this._ready.length > 0) return true;
    const next = this._timers.nextWhen();
    return next !== undefined && next <= this.time();
  }

  /**
   * One turn: moves due timers to the ready queue, then runs at most `limit`
   * of the callbacks that were ready when the turn began. Callbacks they
   * schedule wait for a later turn; an exception goes to
   * `callExceptionHandler` and the turn goes on. Call it from a host callback,
   * never from inside a callback of this loop.
   */
  _runOnce(limit = Infinity): void {
    // Few locals: each is a slot of XS stack under every callback of the turn.
    const ready = this._ready;
    let h: Handle | undefined;
    // Declared once, not per callback: a block's `const` costs computrons in XS each time round.
    let args: unknown;
    if (this._timers._heap.length > 0 || this._timers._futures.length > 0) {
      // The due timers move to the ready queue (inlined: a call less per turn,
      // no local more: `args` holds the time). The clock is read only when a
      // timer could be due: on a device each read is a host call.
      args = this.time();
      // popDue() called only while a timer may be due: when no sleep waits, the
      // earliest handle tells (a call less per turn when none is due).
      // An empty heap's top is undefined, and `undefined <= n` false: no length read (a host getter call in XS).
      while ((this._timers._futures.length > 0 || (this._timers._heap[0]?._when as number) <= (args as number)) &&
        (h = this._timers.popDue(args as number)) !== undefined) ready.push(h);
    }
    let n = ready.length;
    if (limit < n) n = limit;
    // This loop is the running loop for the turn (getEventLoop()); a turn of
    // another loop nested in one of its callbacks gives it back afterwards.
    const outer = loopState.turn;
    loopState.turn = this;
    // One try around the callbacks, entered again after a failure: a try per
    // callback costs about 30 computrons in XS.
    while (n > 0) {
      try {
        while (n > 0) {
          n--;
          // ReadyQueue.shift inlined: a call less per callback.
          h = ready._items[ready._head] as Handle | undefined;
          // close() from a callback ran the rest of this turn already: the queue ran out.
          if (h === undefined) {
            n = 0;
            break;
          }
          args = ready._items[ready._head + 1];
          ready._items[ready._head] = undefined;
          ready._items[ready._head + 1] = undefined;
          ready._head = (ready._head + 2) & ready._mask;
          ready.length--;
          if (typeof h === 'function') {
            // A pair: anyloop's own callback and its argument.
            (h as (arg: unknown) => void)(args);
          } else if (h._callback !== null) {
            // A Handle (handle.run() inlined: each frame costs XS stack, which a device has little of).
            // Called detached, `(0, f)(...)`, as run() calls it: a local less (XS stack).
            args = h._args;
            if (args === undefined) (0, h._callback)();
            else if (Array.isArray(args)) (0, h._callback)(...args);
            else (0, h._callback)(args);
          }
        }
      } catch (exception) {
        this._callbackFailed(h!, args, exception);
      }
    }
    loopState.turn = outer;
    if (this._turnEnd !== undefined && this._turnEnd.length > 0) this._runTurnEnd(this._turnEnd);
  }

  /**
   * @internal A ready callback threw: reported to the exception handler. A
   * pair (`_soon`'s callback and `arg`) is reported with a Handle made for
   * it, as a Handle's failure is. XsLoop's turn in C (src/moddable/native.c) calls it too.
   */
  _callbackFailed(h: Handle | ((arg: unknown) => void), arg: unknown, exception: unknown): void {
    if (typeof h === 'function') h = new Handle(h, NO_ARGS, arg as object);
    this.callExceptionHandler({ message: 'Exception in callback', exception, handle: h });
  }

  /** @internal Runs the callbacks `_atTurnEnd` gathered during the turn. */
  _runTurnEnd(end: unknown[]): void {
    for (let i = 0; i < end.length; i += 2) {
      try {
        (end[i] as (arg: unknown) => void)(end[i + 1]);
      } catch (exception) {
        this.callExceptionHandler({ message: 'Exception in callback', exception });
      }
    }
    end.length = 0;
  }
}

/** A Task, as close() sees it (the loops do not import the tasks layer). */
type Task = CoroutineFuture<unknown>;

/** BaseLoop's own _checkSchedule: the hot paths call it only when a subclass has another. */
const baseCheckSchedule = BaseLoop.prototype['_checkSchedule'];

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
