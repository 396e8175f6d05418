import { CancelledError } from '../contract/errors.js';
import { loopState } from '../contract/default-loop.js';
import type { Loop, MaybeSoon } from '../contract/loop.js';
import { CANCELLED, Future, futureFromThenable, isThenable, PENDING, RESULT, type DoneCallback } from './future.js';

/**
 * A generator coroutine: it yields Futures (or PromiseLikes) to wait on them,
 * usually through `yield* fut`, and returns its result.
 */
export type Coroutine<T> = Generator<Future<unknown> | PromiseLike<unknown>, T, unknown>;

/**
 * A Future whose result a generator coroutine computes, one step per loop
 * callback: asyncio's Task.__step machinery. Cancellation is thrown into the
 * coroutine at the point where it waits, so `finally` blocks run. Task (in
 * the tasks layer) is its subclass: it starts in a later loop turn and
 * schedules its done callbacks. (A primitive's compound wait, which asyncio
 * writes as a coroutine, steps itself instead: see StepFuture.)
 */
export class CoroutineFuture<T> extends Future<T> {
  /** @internal The running level: the coroutine, or the innermost Delegation (see delegate); null once done. */
  _coro: Coroutine<unknown> | Delegation | null;
  // Declared, not initialised: a field not set yet costs no slot (XS heap).
  /** @internal asyncio's `_fut_waiter`: the future the coroutine waits on; null between steps once done or abandoned, never set before the first step. */
  declare _waitingOn?: Future<unknown> | null;
  /** @internal asyncio's `_must_cancel`, with the message: undefined when no cancel is pending. */
  declare _mustCancel?: { msg: string | undefined };

  /** `scheduled` false: a task whose creator runs its first step (`_startNow()`). */
  constructor(coro: Coroutine<T>, loop: Loop, scheduled = true) {
    super(undefined, loop);
    if (coro === null || typeof coro !== 'object' || typeof coro.next !== 'function' || typeof coro.throw !== 'function') {
      throw new TypeError('a coroutine must be a generator object (call the generator function)');
    }
    this._coro = coro;
    if (!scheduled) return;
    // The first step is the step itself (taskStep), told by `_waitingOn` never set: no
    // frame in between (XS stack is short, and the first step is the deepest).
    const l: MaybeSoon = loop;
    if (l._soon !== undefined) l._soon(taskStep, this);
    else l.callSoon(taskStep, this);
  }

  /**
   * Requests cancellation: the CancelledError is thrown into the coroutine at
   * its current suspension point, on its next step. False once done.
   */
  override cancel(msg?: string): boolean {
    if (this._state !== PENDING) return super.cancel(msg);
    const w = this._waitingOn;
    if (w !== undefined && w !== null) {
      // While `w` cancels, a cancel() reaching back here (a cycle of tasks
      // awaiting each other, a task gathering itself) only records itself.
      const before = this._mustCancel;
      this._waitingOn = null;
      const passed = w.cancel(msg);
      this._waitingOn = w;
      if (this._mustCancel !== before) {
        // It came back: nothing in the cycle would ever wake this task, so it
        // stops waiting and takes the cancellation in its next step.
        w.removeDoneCallback(this as unknown as DoneCallback<Future<unknown>>);
        this._waitingOn = null;
        this._loop.callSoon(stepFirst, this);
        return true;
      }
      // The awaited future's completion wakes us with its CancelledError.
      if (passed) return true;
    }
    this._mustCancel = { msg };
    return true;
  }

  /** @internal The awaited future's listener is the coroutine future itself (see DoneListener): no closure per task. */
  declare readonly _doneCallback: (c: CoroutineFuture<unknown>) => void;

  /**
   * @internal Runs the first step of a task made unscheduled, now, in the
   * caller's turn (asyncio's eager start): what `await waitFor(coro)` needs
   * for the coroutine to start where asyncio starts it.
   */
  _startNow(): void {
    taskStep(this, true, undefined);
  }

  /**
   * @internal Closes `level` as `return()` closes a native `yield*` chain:
   * the innermost level first, so `finally` blocks run in order; an
   * exception from a level goes into the level below, and the one left
   * is thrown.
   */
  _close(level: Coroutine<unknown> | Delegation): void {
    let failed = false;
    let error: unknown;
    for (let l: Coroutine<unknown> | Delegation | null = level; l !== null; l = l instanceof Delegation ? l.outer : null) {
      const coro = l instanceof Delegation ? l.coro : l;
      try {
        // A level that catches and waits again stays suspended: the task has ended anyway.
        if (!(failed ? coro.throw(error) : coro.return(undefined)).done) return;
        failed = false;
      } catch (e) {
        failed = true;
        error = e;
      }
    }
    if (failed) throw error;
  }

  /**
   * @internal Installs `native`, the same algorithm as the task step
   * (`step`) in native code (anyloop/xs: src/moddable/native.c on XS), as
   * the step every task runs from now on: the one the constructor and a
   * completing Future schedule, and the wake-up. It gets what it needs from
   * JavaScript as `native.kit`, frozen: the prototypes it checks values
   * against, loopState, the state constants, and the TypeScript for what it
   * hands over (a task with a cancellation pending goes to `step`, a
   * yielded value that is no plain Future or Delegation to `yielded`). A
   * static, not an export: the build keeps it (nothing in anyloop calls it).
   */
  static _useNativeStep(native: Step): void {
    Object.defineProperty(native, 'kit', {
      value: Object.freeze({
        step, stepThrow, loopState, yielded, isCancelled, TypeError, Error,
        futureProto: Future.prototype, delegationProto: Delegation.prototype,
        cancelledProto: CancelledError.prototype, Delegation, PENDING, RESULT, CANCELLED,
      }),
    });
    taskStep = native;
    Object.defineProperty(CoroutineFuture.prototype, '_doneCallback', { value: native, configurable: true });
  }

}

/**
 * @internal `yield* delegate(coro)` is `yield* coro` inside a coroutine that
 * a CoroutineFuture steps (a task): the value or
 * exception of `coro` comes back the same way, and cancellation lands where
 * `coro` waits, but the task steps `coro` as a level of its own. Each level
 * of a native `yield*` is resumed through every level below it and costs XS
 * stack on every resumption (a device has 384 or 512 slots); a task resumes
 * only its innermost level, so anyloop's own wrappers (scopes, holding,
 * waitFor) cost no stack while their body runs.
 *
 * The Delegation is the iterator `yield*` drives: its first `next()` hands
 * itself to the task (which links it to the level below, `outer`), the next
 * one returns the value the task passes down when `coro` is done.
 */
export class Delegation {
  readonly coro: Coroutine<unknown>;
  outer: Coroutine<unknown> | Delegation | null = null;

  constructor(coro: Coroutine<unknown>) {
    this.coro = coro;
  }

  [Symbol.iterator](): this {
    return this;
  }

  next(value?: unknown): IteratorResult<unknown, unknown> {
    return this.outer === null ? { done: false, value: this } : { done: true, value };
  }

  throw(e: unknown): never {
    throw e;
  }

  return(value?: unknown): IteratorResult<unknown, unknown> {
    return { done: true, value };
  }
}

/** True for a generator object: what a coroutine is. */
export function isCoroutine(value: unknown): value is Coroutine<unknown> {
  return value !== null && typeof value === 'object' &&
    typeof (value as Partial<Coroutine<unknown>>).next === 'function' &&
    typeof (value as Partial<Coroutine<unknown>>).throw === 'function';
}

/**
 * `yield* delegate(coro)` is `yield* coro` for coroutines that nest deep on a
 * small stack: the same value, exception and cancellation (a cancel lands
 * where `coro` waits; `finally` blocks run innermost first), but the task runs
 * `coro` as a level of its own. Every level of a plain `yield*` is resumed
 * through all the levels above it, about 29 slots of XS stack each (a device
 * has 384 or 512); a delegated level costs no stack while `coro` runs, and
 * about 6 heap slots. Only inside a coroutine that a task runs (directly or
 * through anyloop's scopes); anything else that drives the generator gets
 * the delegation itself as a yielded value.
 *
 * ```js
 * function* readRecord(reader) {
 *   const header = yield* delegate(readHeader(reader));   // resumed without readRecord's frame
 *   return yield* delegate(readBody(reader, header));
 * }
 * ```
 */
export function delegate<T>(coro: Coroutine<T>): Coroutine<T> {
  if (!isCoroutine(coro)) throw new TypeError('delegate() needs a coroutine (call the generator function)');
  return level(coro);
}

/** @internal delegate() for a coroutine its caller has checked already (anyloop's own wrappers). */
export function level<T>(coro: Coroutine<T>): Coroutine<T> {
  return new Delegation(coro) as unknown as Coroutine<T>;
}

/** A task step: `step`'s signature. */
type Step = (c: CoroutineFuture<unknown>, ok?: boolean, value?: unknown) => void;

/**
 * The step tasks schedule and run: `step`, or a native step installed in
 * its place (CoroutineFuture._useNativeStep). A module binding, read where a
 * step is scheduled as `step` would be: the TypeScript path pays nothing for it.
 */
let taskStep: Step = step;

/** What `r` holds in step() while a level of the coroutine runs: an exception then is the coroutine's. */
const RUNNING = { done: false, value: undefined };

/**
 * One step of `c`: sends `value` into the coroutine (or throws it when `ok`
 * is false), then waits on what it yields or completes. Called with `c`
 * alone, it is the task's wake-up (its DoneListener callback), and reads the
 * outcome of what the task waited on in place: the loop calls it with no
 * frame in between (each frame costs XS stack and computrons). A failure to
 * wait on what the coroutine yielded (a revoked Proxy) is thrown into the
 * coroutine at that yield, in its next step: the step itself never throws but
 * when the loop refuses that step (closed).
 */
function step(c: CoroutineFuture<unknown>, ok?: boolean, value?: unknown): void {
  // Few locals: each costs computrons on every call, and is a slot of XS
  // stack under every resumption (`value` holds what is awaited, too).
  if (ok === undefined) {
    value = c._waitingOn;
    if (value === undefined) {
      // Never set: the task's first step, as the constructor scheduled it.
      ok = true;
    } else if (value === null) {
      // Nothing awaited: the loop's close() abandoned the task.
      return;
    } else {
      ok = (value as Future<unknown>)._state === RESULT;
      value = ok ? (value as Future<unknown>)._value : (value as Future<unknown>)._failure();
    }
  }
  if (c._state !== PENDING) return;
  // The task is the current task, and its loop the running loop, while it steps.
  const prev = loopState.task;
  const turn = loopState.turn;
  loopState.task = c;
  loopState.turn = c._loop;
  let level = c._coro!;
  // Undefined until the first level runs.
  let coro: Coroutine<unknown> | undefined;
  let r: IteratorResult<unknown, unknown> | undefined;
  let mc: { msg: string | undefined } | undefined;
  // One try per step, entered again only when a level fails (a try costs
  // about 30 computrons in XS): `r` is RUNNING while a level runs.
  run: for (;;) {
    try {
      if (coro === undefined) {
        mc = c._mustCancel;
        if (mc !== undefined) {
          if (ok || !(value instanceof CancelledError)) {
            ok = false;
            value = new CancelledError(mc.msg);
          }
          c._mustCancel = undefined;
        }
        c._waitingOn = null;
      }
      // The levels run one at a time from here (see delegate): a level
      // that ends passes its value or exception to the one below.
      for (;;) {
        // A property read, not `instanceof` (a call in XS): a level is the coroutine or a Delegation.
        coro = level.constructor === Delegation ? (level as Delegation).coro : level as Coroutine<unknown>;
        r = RUNNING;
        r = ok ? coro.next(value) : coro.throw(value);
        if (r.done) {
          if (coro !== level) {
            c._coro = level = (level as Delegation).outer!;
            ok = true;
            value = r.value;
            continue;
          }
          c._coro = null;
          mc = c._mustCancel;
          if (mc !== undefined) {
            // Cancelled during its last step: it ends cancelled, as in asyncio.
            c._mustCancel = undefined;
            c._complete(CANCELLED, mc.msg, false);
          } else {
            c._complete(RESULT, r.value, false);
          }
          break run;
        }
        // A Future first, the common case; `instanceof` throws for a revoked
        // Proxy: the catch below throws that into the coroutine.
        value = r.value;
        if (value instanceof Future) break;
        if (!(value instanceof Delegation)) {
          // A hostile value (a throwing `then` or getter, a revoked Proxy): the
          // error goes into the coroutine at its yield, never into the loop.
          if (!isThenable(value)) {
            throw new TypeError(`a coroutine may only yield Futures or PromiseLikes (use yield* fut), got ${describe(value)}`);
          }
          value = futureFromThenable(value, c._loop);
          break;
        }
        value.outer = level;
        c._coro = level = value;
        ok = true;
        value = undefined;
      }
      if (value === c) {
        c._loop.callSoon(stepThrow, c, new TypeError('a task cannot await itself'));
      } else if ((value as Future<unknown>)._loop !== c._loop) {
        // asyncio's RuntimeError: the other loop would run this task's step.
        c._loop.callSoon(stepThrow, c, new Error('Task got Future attached to a different loop'));
      } else {
        if ((value as Future<unknown>)._state > 0) {
          // Already done: woken in a later callback, as addDoneCallback does.
          if ((c._loop as MaybeSoon)._soon !== undefined) (c._loop as MaybeSoon)._soon!(taskStep, c);
          else c._loop.callSoon(taskStep, c);
          (value as Future<unknown>)._retrieved();
        } else if ((value as Future<unknown>)._callbacks == null) {
          // _listen() inlined for the common case, the only listener.
          (value as Future<unknown>)._callbacks = c;
        } else {
          (value as Future<unknown>)._listen(c);
        }
        c._waitingOn = value as Future<unknown>;
        mc = c._mustCancel;
        if (mc !== undefined && (value as Future<unknown>).cancel(mc.msg)) c._mustCancel = undefined;
      }
      break;
    } catch (e) {
      if (r === RUNNING && coro !== level) {
        // A delegated level failed: the level below gets the exception.
        c._coro = level = (level as Delegation).outer!;
        ok = false;
        value = e;
        r = undefined;
        continue;
      }
      try {
        if (r !== RUNNING) {
          // Not the coroutine's: thrown into it at its yield, in its next step.
          c._loop.callSoon(stepThrow, c, e);
        } else {
          c._coro = null;
          try {
            if (e instanceof CancelledError) c._complete(CANCELLED, e, false);
            else c._completeException(e, false);
          } catch (failure) {
            c._loop.callSoon(stepThrow, c, failure);
          }
        }
      } finally {
        loopState.task = prev;
        loopState.turn = turn;
      }
      return;
    }
  }
  loopState.task = prev;
  loopState.turn = turn;
}

function stepFirst(c: CoroutineFuture<unknown>): void {
  taskStep(c, true, undefined);
}

function stepThrow(c: CoroutineFuture<unknown>, e: unknown): void {
  taskStep(c, false, e);
}

Object.defineProperty(CoroutineFuture.prototype, '_doneCallback', { value: taskStep, configurable: true });

/**
 * For a native step: step's checks of a yielded value in which its own
 * prototype walk found no Future or Delegation (a Proxy's traps are
 * JavaScript's, a thenable, anything else): the Future to wait on, or null
 * for a Delegation; a value that is neither throws (the native step throws
 * it into the coroutine at its yield, as step does).
 */
function yielded(value: unknown, c: CoroutineFuture<unknown>): Future<unknown> | null {
  if (value instanceof Future) return value;
  if (value instanceof Delegation) return null;
  if (!isThenable(value)) {
    throw new TypeError(`a coroutine may only yield Futures or PromiseLikes (use yield* fut), got ${describe(value)}`);
  }
  return futureFromThenable(value, c._loop);
}

/** step's `e instanceof CancelledError`, for a native step (a Proxy). */
function isCancelled(e: unknown): boolean {
  return e instanceof CancelledError;
}

function describe(v: unknown): string {
  if (v === undefined) return 'undefined (a bare yield)';
  if (v === null) return 'null';
  if (typeof v !== 'object') return `${typeof v} ${typeof v === 'symbol' ? v.toString() : String(v)}`;
  try {
    return `an object (${Object.prototype.toString.call(v)})`;
  } catch {
    // A throwing Symbol.toStringTag getter, a revoked Proxy.
    return 'an object';
  }
}
