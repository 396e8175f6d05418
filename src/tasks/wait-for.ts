import { loopState } from '../contract/default-loop.js';
import { CancelledError, TimeoutError } from '../contract/errors.js';
import { checkLoop, isTimerLoop, type EntryTimers, type Loop, type TimerEntry, type TimerLoop } from '../contract/loop.js';
import { isCoroutine, type Coroutine } from '../future/coroutine.js';
import { Future, RESULT } from '../future/future.js';
import type { Handle } from '../contract/handle.js';
import { abortedWait, type AbortSignalLike, type WaitOptions } from '../future/signal.js';
import { awaitable, newRun, withRun, type AwaitableCoroutine, type Run } from './awaitable-coroutine.js';
import { awaitIn, ensureFuture, waitable, type Awaitable } from './ensure-future.js';
import { taskOn } from './scope.js';
import { createTask, currentLoop, type Task } from './task.js';
import { CREATED, ENTERED, EXPIRED, EXPIRING, EXITED, exitTimeout, onTimeout, timeout, Timeout, type TimeoutState } from './timeout.js';
import { checkDelay, requireTimerLoop } from './timer-loop.js';

/** Options of `waitFor`. */
export interface WaitForOptions extends WaitOptions {
  /** The loop; the future's own, else the current task's, else the default loop, when omitted. */
  loop?: Loop;
}

/**
 * asyncio.wait_for (3.12+): waits for `aw`, at most `ms` milliseconds (null:
 * no limit). It is `timeout(ms, function* () { return yield* aw; })`: on
 * expiry `aw` is cancelled, and once it has finished cancelling, waitFor
 * fails with TimeoutError (its `cause` is the CancelledError). Cancelling
 * the waiting task cancels `aw`; that is never turned into TimeoutError.
 * With `ms <= 0`, `aw` is cancelled at once (a coroutine never starts)
 * unless it is already done.
 *
 * Inside a task, `yield* waitFor(aw, ms)` is exact: a coroutine `aw` runs in
 * the caller's task, starting in the caller's step, as in asyncio.
 *
 * From an async function, `await waitFor(aw, ms)` runs the same coroutine in
 * a task of its own whose first step runs at once, in the promise job where
 * the `await` calls `then()`, before any loop turn: a coroutine `aw` starts
 * where asyncio would start it. What JavaScript cannot
 * match is the end: the async function resumes in a promise job after that
 * task completes, where asyncio resumes the caller in the same step; and the
 * async function cannot be cancelled, so pass a `signal` (its abort cancels
 * the wait, never as TimeoutError).
 *
 * An already-aborted `options.signal` drops `aw` at once (a Future is
 * cancelled, a coroutine closed unstarted), and the wait fails with
 * CancelledError. A wait that is cancelled before it starts (its task
 * cancelled before the first step) drops `aw` the same way, so an abandoned
 * queue getter takes no item, and so does a call that fails its checks
 * (`waitFor(q.get(), NaN)`). Throws a TypeError when `ms > 0` and the loop
 * has no timers.
 */
export function waitFor<T>(aw: Awaitable<T>, ms: number | null, options?: WaitForOptions): AwaitableCoroutine<T> {
  // The common wait first, with the checks it needs: a Future, no options, no limit or a positive one on a TimerLoop.
  // The loop's EntryTimers hook tells a TimerLoop of anyloop's own without the call of isTimerLoop (XS counts each).
  if (options === undefined && aw instanceof Future && (ms === null || (typeof ms === 'number' && ms > 0 &&
      (typeof (aw._loop as Partial<EntryTimers>)._expireAt === 'function' || isTimerLoop(aw._loop))))) {
    return new FutureWait(aw, ms) as unknown as AwaitableCoroutine<T>;
  }
  let loop: Loop;
  let aborted: Future<T> | null | undefined;
  try {
    checkDelay(ms, 'waitFor() timeout', true);
    if (options !== undefined && (options === null || typeof options !== 'object')) {
      throw new TypeError('options must be an object');
    }
    if (options?.loop !== undefined) loop = checkLoop(options.loop);
    else loop = aw instanceof Future ? aw._loop : currentLoop();
    // Checked here, not in the timeout() scope, so the error names the call the user made.
    if (ms !== null && ms > 0) requireTimerLoop(loop, 'waitFor(aw, ms > 0)');
    aborted = options && abortedWait<T>(loop, options);
  } catch (e) {
    // `aw` may be a wait already registered (`waitFor(q.get(), NaN)`): it must not take the next item.
    drop(aw);
    throw e;
  }
  if (aborted) drop(aw);
  if (!aborted && aw instanceof Future && aw._loop === loop && options?.signal === undefined && (ms === null || ms > 0)) {
    return new FutureWait(aw, ms) as unknown as AwaitableCoroutine<T>;
  }
  const run = newRun<T, unknown>(loop, drop, aw);
  return withRun(waitWithin(run, aw, ms, loop, options?.signal, aborted), run);
}

/** Drops what a wait that never starts was given: a waiting Future would otherwise take an item nobody receives. */
function drop(aw: unknown): void {
  if (aw instanceof Future) aw.cancel();
  else if (isCoroutine(aw)) aw.return(undefined);
}

function* waitWithin<T>(
  run: Run<T>, aw: Awaitable<T>, ms: number | null, loop: Loop, signal: AbortSignalLike | undefined, aborted: Future<T> | null | undefined,
): Coroutine<T> {
  run.started = true;
  if (aborted) return yield* aborted;
  if (ms !== null && ms <= 0) return yield* cancelUnlessDone(aw, loop);
  if (signal !== undefined) return yield* timeout(ms, function* () { return yield* awaitIn(aw, loop); }, { loop, signal });
  // timeout()'s scope inline, without the scope, its body function and their
  // generators: fewer XS slots per pending wait.
  const t = new Timeout(ms === null ? null : (loop as TimerLoop).time() + ms, loop);
  t._enter(taskOn(loop, 'waitFor()'));
  let value: T;
  try {
    value = yield* waitable(aw, loop);
  } catch (e) {
    t._exit(true, e);
    throw e;
  }
  t._exit(false, undefined);
  return value;
}

awaitable(waitWithin);

function* cancelUnlessDone<T>(aw: Awaitable<T>, loop: Loop): Coroutine<T> {
  const fut = ensureFuture(aw, { loop });
  if (fut.done()) return fut.result();
  yield* cancelAndWait(fut, loop);
  try {
    return fut.result();
  } catch (e) {
    if (e instanceof CancelledError) throw new TimeoutError('the timeout expired', { cause: e });
    throw e;
  }
}

/** asyncio's `_cancel_and_wait`: cancels `fut` and waits until it is done. */
function* cancelAndWait(fut: Future<unknown>, loop: Loop): Coroutine<void> {
  const waiter = new Future<void>(undefined, loop);
  const release = (): void => { if (!waiter.done()) waiter.setResult(); };
  fut.addDoneCallback(release);
  try {
    fut.cancel();
    yield* waiter;
  } finally {
    fut.removeDoneCallback(release);
  }
}

/**
 * @internal `waitFor(future, ms)` with no signal and `ms` null or positive, which is
 * asyncio's `async with timeout(ms): return await future`, as one iterator
 * that `yield*` drives: its first `next()` enters the timeout (arms the
 * timer, as Timeout does) and yields the future, the next one returns its
 * result; a failure thrown in leaves the timeout as the scope's `except`
 * does. The same steps as the scope and body coroutines it stands for,
 * without their generators and delegations (a wait is the hot path of a
 * device app). Run as a coroutine (a task of its own, gather), or awaited
 * (`then`: in a task of its own, started at once), it acts the same.
 *
 * On anyloop's own loops the wait is its own timer (the loop's EntryTimers
 * hook), with no TimerHandle; a loop without the hook gets `callAt`.
 */
export class FutureWait<T> implements TimeoutState, TimerEntry {
  _state = CREATED;
  _task: Task<unknown> | null = null;
  /** @internal The time limit (ms, null: none) until the wait is entered; from then on its deadline (loop time). */
  _when: number;
  /** @internal Set by a loop with the EntryTimers hook. */
  declare _seq?: number;
  /** @internal Set by a loop with the EntryTimers hook: >= 0 while the timer is in its heap. */
  declare _index?: number;
  /** @internal The expiry callback on a loop without the hook, or for a deadline already past (declared: no slot otherwise). */
  declare _handle?: Handle | null;
  /** @internal The task's `cancelling()` on entry, when not 0 (declared: no slot otherwise). */
  declare _cancelling?: number;
  /** @internal The task `then()` made, once awaited (declared: no slot otherwise). */
  declare _awaited?: Task<T>;
  /**
   * The wait is its own IteratorResult, as FutureIterator is: `next()`
   * returns `this` with these set, no result object per step (XS allocates
   * each). Set by the first `next()` (declared: no slot before).
   */
  declare done: boolean;
  /** See `done`: the future while it is yielded, then the result. */
  declare value: unknown;

  // No loop of its own: the future's is the wait's (waitFor makes one for a future of its loop only).
  constructor(readonly _future: Future<T>, ms: number | null) {
    // null kept as is (the type is the deadline's, which a wait without limit never gets).
    this._when = ms as number;
  }

  [Symbol.iterator](): this {
    return this;
  }

  next(): IteratorResult<Future<unknown>, T> {
    const f = this._future;
    if (this._state === CREATED) {
      // taskOn() called only to throw: two calls less per wait (XS counts each).
      let task = loopState.task as Task<unknown> | null;
      if (task === null || task._loop !== f._loop) task = taskOn(f._loop, 'waitFor()');
      this._state = ENTERED;
      this._task = task;
      // task.cancelling(), read in place (XS counts every call).
      const cancelling = task._cancelRequests;
      if (cancelling !== undefined && cancelling !== 0) this._cancelling = cancelling;
      if (f._state <= 0) {
        const ms = this._when;
        if (ms !== null && ms !== Infinity) {
          const loop = f._loop as TimerLoop;
          const now = loop.time();
          const when = now + ms;
          this._when = when;
          if (when > now && typeof (loop as Partial<EntryTimers>)._expireAt === 'function') (loop as unknown as EntryTimers)._expireAt(this);
          else if (when <= now) this._handle = loop.callSoon(onTimeout, this);
          else this._handle = loop.callAt(when, onTimeout, this);
        }
        this.done = false;
        this.value = f;
        return this as IteratorResult<Future<unknown>, T>;
      }
    } else if (this._state >= EXPIRED) {
      // Left already (EXPIRED or EXITED): a finished coroutine.
      return { done: true, value: undefined as T };
    }
    if (f._state === RESULT && this._state === ENTERED) {
      // The common end, exitTimeout's part for it done in place: the timer goes
      // (the entry's own, unhooked in place: a call less per wait), nothing expired.
      if (this._index! >= 0) (f._loop as unknown as EntryTimers)._expireCancel(this);
      else this._disarm();
      this._state = EXITED;
      this.done = true;
      this.value = f._value;
      return this as IteratorResult<Future<unknown>, T>;
    }
    let value: T;
    try {
      value = f.result();
    } catch (e) {
      this._disarm();
      exitTimeout(this, true, e);
      throw e;
    }
    this._disarm();
    exitTimeout(this, false, undefined);
    return { done: true, value };
  }

  throw(e: unknown): never {
    if (this._state === CREATED) this._drop();
    else if (this._state < EXPIRED) {
      this._disarm();
      exitTimeout(this, true, e);
    }
    throw e;
  }

  return(value?: T): IteratorResult<Future<unknown>, T> {
    if (this._state === CREATED) {
      this._drop();
    } else {
      // Closed while it waits (its task abandoned): nothing is converted, the timer goes.
      this._disarm();
      this._state = EXITED;
    }
    return { done: true, value: value as T };
  }

  /** `await waitFor(future, ms)`: in a task of its own, started at once. */
  then<R1 = T, R2 = never>(
    onFulfilled?: ((value: T) => R1 | PromiseLike<R1>) | null,
    onRejected?: ((reason: unknown) => R2 | PromiseLike<R2>) | null,
  ): Promise<R1 | R2> {
    let task = this._awaited;
    if (task === undefined) {
      if (this._state !== CREATED) {
        return Promise.reject(new Error('this coroutine already ran (yield*): it cannot be awaited')).then(onFulfilled, onRejected);
      }
      task = this._awaited = createTask(this as unknown as Coroutine<T>, { loop: this._future._loop, _eager: true });
      task._startNow();
    }
    return task.then(onFulfilled, onRejected);
  }

  /** The Promise habit: `catch(onRejected)` is `then(undefined, onRejected)`. */
  catch<R = never>(onRejected?: ((reason: unknown) => R | PromiseLike<R>) | null): Promise<T | R> {
    return Promise.resolve(this.then(undefined, onRejected));
  }

  /** The Promise habit: runs `onFinally` once it settled and passes its outcome on. */
  finally(onFinally?: (() => void) | null): Promise<T> {
    return Promise.resolve(this.then()).finally(onFinally);
  }

  /** @internal TimerEntry: the deadline passed (a wait that has left since is not cancelled). */
  _expire(): void {
    if (this._state === ENTERED) {
      this._task!.cancel();
      this._state = EXPIRING;
    }
  }

  /** @internal The timer goes, if there is one. */
  _disarm(): void {
    const index = this._index;
    if (index !== undefined && index >= 0) (this._future._loop as unknown as EntryTimers)._expireCancel(this);
    else if (this._handle != null) {
      this._handle.cancel();
      this._handle = null;
    }
  }

  /** Closed before its first step: the future is dropped, as a wait that never starts drops it. */
  _drop(): void {
    this._state = EXITED;
    this._future.cancel();
  }
}
