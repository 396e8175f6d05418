import type { TimerHandle } from '../contract/handle.js';
import { checkLoop, type Loop } from '../contract/loop.js';
import { isCoroutine, type Coroutine } from '../future/coroutine.js';
import { Future } from '../future/future.js';
import { awaitableCoroutine, type AwaitableCoroutine } from './awaitable-coroutine.js';
import { ensureFuture } from './ensure-future.js';
import { currentLoop } from './task.js';
import { checkDelay, requireTimerLoop } from './timer-loop.js';

/** When `wait` returns: asyncio's FIRST_COMPLETED, FIRST_EXCEPTION, ALL_COMPLETED. */
export type ReturnWhen = 'FIRST_COMPLETED' | 'FIRST_EXCEPTION' | 'ALL_COMPLETED';

/** Options of `wait`. */
export interface WaitManyOptions {
  /** At most this many milliseconds (null, the default: no limit). Needs a TimerLoop. */
  timeout?: number | null;
  /** When to return; `'ALL_COMPLETED'` when omitted. */
  returnWhen?: ReturnWhen;
  /** The loop; the current task's loop, else the default loop, when omitted. */
  loop?: Loop;
}

/** What `wait` gives: the done futures and the pending ones, each in the order given. */
export type WaitResult<T> = [done: Set<Future<T>>, pending: Set<Future<T>>];

/**
 * asyncio.wait: waits until the futures in `aws` are done (`ALL_COMPLETED`),
 * one is (`FIRST_COMPLETED`), one failed with an exception other than
 * cancellation (`FIRST_EXCEPTION`, else all done), or `timeout` ms passed,
 * and gives `[done, pending]`. It never raises TimeoutError and never
 * cancels anything: what is pending on return goes on. Cancelling the
 * waiting task leaves the futures alone too.
 *
 * `aws` holds Futures (Tasks) and PromiseLikes (wrapped in Futures, which
 * are what the sets then hold); duplicates count once. A coroutine is a
 * TypeError, as in asyncio: make it a task first, so it can be found in the
 * sets. An empty `aws` is a RangeError.
 *
 * `yield* wait(aws)` inside a task's coroutine runs as asyncio's `await
 * wait(aws)`, in the caller's task; `await wait(aws)` works from async
 * functions (see AwaitableCoroutine).
 */
export function wait<T>(aws: Iterable<Future<T> | PromiseLike<T>>, options?: WaitManyOptions): AwaitableCoroutine<WaitResult<T>> {
  if (options !== undefined && (options === null || typeof options !== 'object')) {
    throw new TypeError('options must be an object');
  }
  const loop = options?.loop === undefined ? currentLoop() : checkLoop(options.loop);
  const fs = futureSet(aws, loop, 'wait()');
  if (fs.size === 0) throw new RangeError('wait() needs at least one Future');
  const ms = checkDelay(options?.timeout ?? null, 'wait() timeout', true);
  const returnWhen = options?.returnWhen ?? 'ALL_COMPLETED';
  if (returnWhen !== 'FIRST_COMPLETED' && returnWhen !== 'FIRST_EXCEPTION' && returnWhen !== 'ALL_COMPLETED') {
    throw new RangeError(`Invalid returnWhen value: ${String(returnWhen)}`);
  }
  if (ms !== null) requireTimerLoop(loop, 'wait() with a timeout');
  return awaitableCoroutine(waitDone(fs, ms, returnWhen, loop), loop);
}

/** @internal The distinct Futures of `aws` (PromiseLikes wrapped), in order; TypeError for a coroutine or a non-iterable. */
export function futureSet<T>(aws: Iterable<Future<T> | PromiseLike<T>>, loop: Loop, what: string): Set<Future<T>> {
  if (aws instanceof Future || isCoroutine(aws) || aws === null || typeof aws !== 'object' ||
    typeof (aws as Partial<Iterable<unknown>>)[Symbol.iterator] !== 'function') {
    throw new TypeError(`${what} expects an iterable of Futures or PromiseLikes`);
  }
  const fs = new Set<Future<T>>();
  for (const aw of aws) {
    if (isCoroutine(aw)) throw new TypeError(`${what}: passing coroutines is forbidden, use tasks explicitly`);
    fs.add(ensureFuture(aw, { loop }));
  }
  return fs;
}

/** asyncio's `_wait`. */
function* waitDone<T>(fs: Set<Future<T>>, ms: number | null, returnWhen: ReturnWhen, loop: Loop): Coroutine<WaitResult<T>> {
  const waiter = new Future<void>(undefined, loop);
  let handle: TimerHandle | null = null;
  if (ms !== null && ms !== Infinity) handle = requireTimerLoop(loop, 'wait() with a timeout').callLater(ms, release, waiter);
  let counter = fs.size;
  const onCompletion = (f: Future<T>): void => {
    counter--;
    if (counter <= 0 || returnWhen === 'FIRST_COMPLETED' ||
      (returnWhen === 'FIRST_EXCEPTION' && !f.cancelled() && f.exception() !== null)) {
      handle?.cancel();
      release(waiter);
    }
  };
  for (const f of fs) f.addDoneCallback(onCompletion);
  try {
    yield* waiter;
  } finally {
    handle?.cancel();
    for (const f of fs) f.removeDoneCallback(onCompletion);
  }
  const done = new Set<Future<T>>(), pending = new Set<Future<T>>();
  for (const f of fs) (f.done() ? done : pending).add(f);
  return [done, pending];
}

function release(waiter: Future<void>): void {
  if (!waiter.done()) waiter.setResult();
}
