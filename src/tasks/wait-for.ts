import { CancelledError, TimeoutError } from '../contract/errors.js';
import { checkLoop, type Loop, type TimerLoop } from '../contract/loop.js';
import { isCoroutine, type Coroutine } from '../future/coroutine.js';
import { Future } from '../future/future.js';
import { abortedWait, type AbortSignalLike, type WaitOptions } from '../future/signal.js';
import { awaitable, newRun, withRun, type AwaitableCoroutine, type Run } from './awaitable-coroutine.js';
import { awaitIn, ensureFuture, waitable, type Awaitable } from './ensure-future.js';
import { currentLoop } from './task.js';
import { taskOn } from './scope.js';
import { timeout, Timeout } from './timeout.js';
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
