import { CancelledError, TimeoutError } from '../contract/errors.js';
import { checkLoop, type Loop } from '../contract/loop.js';
import type { Coroutine } from '../future/coroutine.js';
import { Future } from '../future/future.js';
import { abortedWait, bindSignal, type WaitOptions } from '../future/signal.js';
import { awaitIn, ensureFuture, type Awaitable } from './ensure-future.js';
import { isCoroutine } from './follow.js';
import { createTask, currentLoop, type Task } from './task.js';
import { timeout } from './timeout.js';
import { checkDelay, requireTimerLoop } from './timer-loop.js';

/** Options of `waitFor`. */
export interface WaitForOptions extends WaitOptions {
  /** The loop; the future's own, else the current task's, else the default loop, when omitted. */
  loop?: Loop;
}

/**
 * asyncio.wait_for: waits for `aw`, at most `ms` milliseconds (null: no
 * limit). On expiry `aw` is cancelled, and once it has finished cancelling
 * the returned Future fails with TimeoutError (its `cause` is the
 * CancelledError). Cancelling the returned Future cancels `aw`; that is
 * never turned into TimeoutError. With `ms <= 0`, `aw` is cancelled at once
 * (a coroutine never starts) unless it is already done.
 *
 * The returned Future is a Task of its own running Python 3.12's
 * `async with timeout(ms): return await aw`, so it works from async
 * functions: `await waitFor(queue.get(), 100)`. Inside a task's coroutine,
 * `yield* timeout(ms, ...)` is the exact in-task scope (no extra task, no
 * extra loop turn).
 *
 * Throws a TypeError when `ms > 0` and the loop has no timers.
 *
 * An already-aborted `options.signal` returns a Task already cancelled, and
 * `aw` is dropped at once: a Future is cancelled, a coroutine closed unstarted.
 */
export function waitFor<T>(aw: Awaitable<T>, ms: number | null, options?: WaitForOptions): Task<T> {
  let loop: Loop;
  let aborted: Future<T> | null | undefined;
  try {
    checkDelay(ms, 'waitFor() timeout', true);
    if (options?.loop !== undefined) loop = checkLoop(options.loop);
    else loop = aw instanceof Future ? aw._loop : currentLoop();
    // Checked here, not in the task's timeout() scope, so the error names the call the user made.
    if (ms !== null && ms > 0) requireTimerLoop(loop, 'waitFor(aw, ms > 0)');
    aborted = options && abortedWait<T>(loop, options);
  } catch (e) {
    // `aw` may be a wait already registered (`waitFor(q.get(), NaN)`): it must not take the next item.
    drop(aw);
    throw e;
  }
  if (aborted) return abandon(aw, aborted);
  const coro = ms !== null && ms <= 0 ? cancelUnlessDone(aw, loop) : waitWithin(aw, ms, loop);
  const task = createTask(coro, { loop });
  if (aw instanceof Future) {
    // A Future is already waiting (a queue getter, a lock waiter). If the task
    // is cancelled before its first step, its coroutine never runs to cancel
    // it, and the abandoned waiter would later take an item or a lock that
    // nobody receives.
    task.addDoneCallback(() => { if (!aw.done()) aw.cancel(); });
  }
  return bindSignal(task, options);
}

/** waitFor with an aborted signal: drops `aw` and returns a Task cancelled at once. */
function abandon<T>(aw: Awaitable<T>, aborted: Future<T>): Task<T> {
  drop(aw);
  const loop = aborted._loop;
  const task = createTask(awaitIn(aborted, loop), { loop });
  // Its only step, run now rather than in a later turn, re-raises the abort.
  task._step(true, undefined);
  return task;
}

/** Gives up on `aw` before waiting: a Future is cancelled, a coroutine closed unstarted. */
function drop(aw: Awaitable<unknown>): void {
  if (aw instanceof Future) aw.cancel();
  else if (isCoroutine(aw)) aw.return(undefined);
}

function* waitWithin<T>(aw: Awaitable<T>, ms: number | null, loop: Loop): Coroutine<T> {
  return yield* timeout(ms, function* () { return yield* awaitIn(aw, loop); }, { loop });
}

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
