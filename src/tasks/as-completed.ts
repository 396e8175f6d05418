import { TimeoutError } from '../contract/errors.js';
import type { TimerHandle } from '../contract/handle.js';
import { checkLoop, type Loop } from '../contract/loop.js';
import type { Coroutine } from '../future/coroutine.js';
import type { Future } from '../future/future.js';
import { Queue } from '../primitives/queue.js';
import { awaitableCoroutine, type AwaitableCoroutine } from './awaitable-coroutine.js';
import { currentLoop } from './task.js';
import { checkDelay, requireTimerLoop } from './timer-loop.js';
import { futureSet } from './wait.js';

/** Options of `asCompleted`. */
export interface AsCompletedOptions {
  /** At most this many milliseconds for all of them (null, the default: no limit). Needs a TimerLoop. */
  timeout?: number | null;
  /** The loop; the current task's loop, else the default loop, when omitted. */
  loop?: Loop;
}

/**
 * asyncio.as_completed (3.13): the futures of `aws` in the order they
 * complete. Two ways to iterate, as in asyncio:
 *
 * - plain iteration gives one AwaitableCoroutine per future, each giving
 *   the result (or raising the exception) of the next one to complete:
 *   `for (const next of asCompleted(tasks)) { const r = yield* next; }`
 *   inside a task, or `await next` from an async function;
 * - async iteration gives the futures themselves, done:
 *   `for await (const fut of asCompleted(tasks)) { fut.result(); }`
 *   (TypeScript types a `for await` value as awaited, `T`: cast it back to
 *   the Future it is).
 *
 * On `timeout` expiry, every wait still to come raises TimeoutError; nothing
 * is cancelled. `aws` takes Futures (Tasks) and PromiseLikes, as `wait`.
 */
export function asCompleted<T>(aws: Iterable<Future<T> | PromiseLike<T>>, options?: AsCompletedOptions): AsCompleted<T> {
  if (options !== undefined && (options === null || typeof options !== 'object')) {
    throw new TypeError('options must be an object');
  }
  const loop = options?.loop === undefined ? currentLoop() : checkLoop(options.loop);
  const fs = futureSet(aws, loop, 'asCompleted()');
  const ms = checkDelay(options?.timeout ?? null, 'asCompleted() timeout', true);
  return new AsCompleted(fs, ms, loop);
}

/** What `asCompleted` returns: asyncio's `_AsCompletedIterator`. */
export class AsCompleted<T> implements Iterable<AwaitableCoroutine<T>>, AsyncIterable<Future<T>> {
  /** @internal Futures in completion order; null marks a timeout. */
  readonly _done: Queue<Future<T> | null>;
  /** @internal The futures not done yet (emptied by a timeout). */
  readonly _todo: Set<Future<T>>;
  /** @internal How many waits are still to come. */
  _todoLeft: number;
  /** @internal */ _timeoutHandle: TimerHandle | null = null;
  /** @internal */ readonly _loop: Loop;
  /** @internal */ readonly _onCompletion: (f: Future<T>) => void;

  /** @internal Made by `asCompleted()`. */
  constructor(fs: Set<Future<T>>, ms: number | null, loop: Loop) {
    this._loop = loop;
    this._done = new Queue(0, { loop });
    this._onCompletion = (f) => this._handleCompletion(f);
    for (const f of fs) f.addDoneCallback(this._onCompletion);
    if (fs.size > 0 && ms !== null && ms !== Infinity) {
      this._timeoutHandle = requireTimerLoop(loop, 'asCompleted() with a timeout').callLater(ms, () => this._handleTimeout());
    }
    this._todo = fs;
    this._todoLeft = fs.size;
  }

  /** One AwaitableCoroutine per future: the result of the next one to complete. */
  *[Symbol.iterator](): Iterator<AwaitableCoroutine<T>> {
    while (this._todoLeft > 0) {
      this._todoLeft--;
      yield awaitableCoroutine(this._waitForOne(true) as Coroutine<T>, this._loop);
    }
  }

  /** The futures themselves, each once it is done. */
  [Symbol.asyncIterator](): AsyncIterator<Future<T>> {
    return {
      next: (): Promise<IteratorResult<Future<T>>> => {
        if (this._todoLeft === 0) return Promise.resolve({ done: true, value: undefined });
        this._todoLeft--;
        return Promise.resolve(awaitableCoroutine(this._nextDone(), this._loop));
      },
    };
  }

  /** @internal A done future travels inside an IteratorResult: a promise would unwrap it, a Future being a thenable. */
  *_nextDone(): Coroutine<IteratorResult<Future<T>>> {
    return { done: false, value: (yield* this._waitForOne(false)) as Future<T> };
  }

  /** @internal */
  _handleTimeout(): void {
    for (const f of this._todo) {
      f.removeDoneCallback(this._onCompletion);
      this._done.putNowait(null);
    }
    this._todo.clear();
  }

  /** @internal */
  _handleCompletion(f: Future<T>): void {
    // A timeout came first.
    if (this._todo.size === 0) return;
    this._todo.delete(f);
    this._done.putNowait(f);
    if (this._todo.size === 0) this._timeoutHandle?.cancel();
  }

  /** @internal The next future to complete, or with `resolve` its result. */
  *_waitForOne(resolve: boolean): Coroutine<T | Future<T>> {
    const f = yield* this._done.get();
    if (f === null) throw new TimeoutError('the timeout expired');
    return resolve ? f.result() : f;
  }
}
