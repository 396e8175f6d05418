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
  /** @internal asyncio's `_fut_waiter`: the future the coroutine waits on. */
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
    const l: MaybeSoon = loop;
    if (l._soon !== undefined) l._soon(stepFirst, this);
    else l.callSoon(stepFirst, this);
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
    this._step(true, undefined);
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
   * @internal One step: sends `value` into the coroutine (or throws it when
   * `ok` is false), then waits on what it yields or completes. A failure to
   * wait on what it yielded (a revoked Proxy) is thrown into the coroutine at
   * that yield, in its next step: the step itself never throws but when the
   * loop refuses that step (closed).
   */
  _step(ok: boolean, value: unknown): void {
    if (this._state !== PENDING) return;
    // The task is the current task, and its loop the running loop, while it
    // steps: set here rather than in an override, one frame less per resume.
    const prev = loopState.task;
    const turn = loopState.turn;
    loopState.task = this;
    loopState.turn = this._loop;
    try {
      // Few locals: each is a slot of XS stack under every resumption.
      let mc = this._mustCancel;
      if (mc !== undefined) {
        if (ok || !(value instanceof CancelledError)) {
          ok = false;
          value = new CancelledError(mc.msg);
        }
        this._mustCancel = undefined;
      }
      this._waitingOn = null;
      // The levels run one at a time from here (see delegate): a level
      // that ends passes its value or exception to the one below.
      let level = this._coro!;
      let r: IteratorResult<unknown, unknown>;
      let awaited: unknown;
      for (;;) {
        // `coro !== level` below: the level is a Delegation (one instanceof per level, not three).
        const coro = level instanceof Delegation ? level.coro : level;
        try {
          r = ok ? coro.next(value) : coro.throw(value);
        } catch (e) {
          if (coro !== level) {
            this._coro = level = (level as Delegation).outer!;
            ok = false;
            value = e;
            continue;
          }
          this._coro = null;
          if (e instanceof CancelledError) this._complete(CANCELLED, e, false);
          else this._completeException(e, false);
          return;
        }
        if (r.done) {
          if (coro !== level) {
            this._coro = level = (level as Delegation).outer!;
            ok = true;
            value = r.value;
            continue;
          }
          this._coro = null;
          const late = this._mustCancel;
          if (late !== undefined) {
            // Cancelled during its last step: it ends cancelled, as in asyncio.
            this._mustCancel = undefined;
            this._complete(CANCELLED, late.msg, false);
          } else {
            this._complete(RESULT, r.value, false);
          }
          return;
        }
        // A Future first, the common case; `instanceof` throws for a revoked
        // Proxy: the callers of _step catch that.
        awaited = r.value;
        if (awaited instanceof Future) break;
        if (!(awaited instanceof Delegation)) {
          try {
            if (!isThenable(awaited)) {
              throw new TypeError(`a coroutine may only yield Futures or PromiseLikes (use yield* fut), got ${describe(awaited)}`);
            }
            awaited = futureFromThenable(awaited, this._loop);
          } catch (e) {
            // A hostile value (a throwing `then` or getter, a revoked Proxy): the
            // error goes into the coroutine at its yield, never into the loop.
            this._loop.callSoon(stepThrow, this, e);
            return;
          }
          break;
        }
        awaited.outer = level;
        this._coro = level = awaited;
        ok = true;
        value = undefined;
      }
      if (awaited === this) {
        this._loop.callSoon(stepThrow, this, new TypeError('a task cannot await itself'));
        return;
      }
      if ((awaited as Future<unknown>)._loop !== this._loop) {
        // asyncio's RuntimeError: the other loop would run this task's step.
        this._loop.callSoon(stepThrow, this, new Error('Task got Future attached to a different loop'));
        return;
      }
      if ((awaited as Future<unknown>)._state > 0) {
        // Already done: woken in a later callback, as addDoneCallback does.
        const loop: MaybeSoon = this._loop;
        if (loop._soon !== undefined) loop._soon(wake, this);
        else loop.callSoon(wake, this);
        (awaited as Future<unknown>)._retrieved();
      } else if ((awaited as Future<unknown>)._callbacks == null) {
        // _listen() inlined for the common case, the only listener.
        (awaited as Future<unknown>)._callbacks = this;
      } else {
        (awaited as Future<unknown>)._listen(this);
      }
      this._waitingOn = awaited as Future<unknown>;
      mc = this._mustCancel;
      if (mc !== undefined && (awaited as Future<unknown>).cancel(mc.msg)) this._mustCancel = undefined;
    } catch (e) {
      // Caught here, not by each caller: one try per step (a try costs computrons in XS).
      this._loop.callSoon(stepThrow, this, e);
    } finally {
      loopState.task = prev;
      loopState.turn = turn;
    }
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

/**
 * The wake-up steps the coroutine itself: every frame on the resume path
 * costs XS stack, which a device has little of. The outcome is read in place
 * (result() is a call, and would throw): no try here, the step has its own.
 */
function wake(c: CoroutineFuture<unknown>): void {
  const w = c._waitingOn;
  // Nothing awaited: the loop's close() abandoned the task.
  if (!w) return;
  if (w._state === RESULT) c._step(true, w._value);
  else c._step(false, w._failure());
}

function stepFirst(c: CoroutineFuture<unknown>): void {
  c._step(true, undefined);
}

function stepThrow(c: CoroutineFuture<unknown>, e: unknown): void {
  c._step(false, e);
}

Object.defineProperty(CoroutineFuture.prototype, '_doneCallback', { value: wake });

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
