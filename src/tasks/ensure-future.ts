import { checkLoop, type Loop } from '../contract/loop.js';
import { level, isCoroutine, type Coroutine } from '../future/coroutine.js';
import { Future, futureFromThenable, isThenable } from '../future/future.js';
import { createTask, currentLoop } from './task.js';

/** Anything a task can wait on: a Future, a PromiseLike or a coroutine. */
export type Awaitable<T> = Future<T> | PromiseLike<T> | Coroutine<T>;

/** Options of `ensureFuture`. */
export interface EnsureFutureOptions {
  /** The loop; the future's own, else the current task's, else the default loop, when omitted. */
  loop?: Loop;
}

/**
 * asyncio.ensure_future: a Future is returned as it is (an Error if it belongs
 * to another loop than `options.loop`), a coroutine is wrapped in a Task, and
 * a PromiseLike in a Future (cancelling that Future does not stop the promise).
 */
export function ensureFuture<T>(aw: Awaitable<T>, options?: EnsureFutureOptions): Future<T> {
  const loop = options?.loop === undefined ? undefined : checkLoop(options.loop);
  if (aw instanceof Future) {
    if (loop !== undefined && aw._loop !== loop) {
      throw new Error('The future belongs to a different loop than the one given as options.loop');
    }
    return aw;
  }
  if (isCoroutine(aw)) return createTask(aw as Coroutine<T>, { loop: loop ?? currentLoop() });
  if (isThenable(aw)) return futureFromThenable(aw, loop ?? currentLoop());
  throw new TypeError(`a Future, a coroutine or a PromiseLike is required, got ${aw === null ? 'null' : typeof aw}`);
}

/** @internal Waits on `aw` within the current task: a coroutine runs in place, as asyncio's `await coro`. */
export function* awaitIn<T>(aw: Awaitable<T>, loop: Loop): Coroutine<T> {
  return yield* waitable(aw, loop);
}

/** @internal What `yield*` waits on for `aw` in the current task: a coroutine as a level of its own, else its Future. */
export function waitable<T>(aw: Awaitable<T>, loop: Loop): Coroutine<T> | Future<T> {
  return isCoroutine(aw) ? level(aw as Coroutine<T>) : ensureFuture(aw, { loop });
}
