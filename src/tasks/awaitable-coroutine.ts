import type { Loop } from '../contract/loop.js';
import { level, type Coroutine } from '../future/coroutine.js';
import { createTask, type Task } from './task.js';

/**
 * What asyncio's coroutine functions return here (`waitFor`, `wait`,
 * `asCompleted`'s steps): a coroutine to `yield*` inside a task's coroutine,
 * which runs it in the caller's task as asyncio's `await` does, that can
 * also be awaited from an async function (it then runs in a task of its own,
 * started at once), or passed wherever a coroutine goes (`createTask`,
 * `gather`, `ensureFuture`).
 */
export type AwaitableCoroutine<T> = Coroutine<T> & PromiseLike<T> & {
  /** The Promise habit: `catch(onRejected)` is `then(undefined, onRejected)`. */
  catch<R = never>(onRejected?: ((reason: unknown) => R | PromiseLike<R>) | null): Promise<T | R>;
  /** The Promise habit: runs `onFinally` once it settled and passes its outcome on. */
  finally(onFinally?: (() => void) | null): Promise<T>;
};

interface Run<T> {
  /** The coroutine's code has begun, or it was closed unstarted. */
  started: boolean;
  /** The task of `await`. */
  task: Task<T> | null;
}

/**
 * @internal Makes `coro` an AwaitableCoroutine on `loop`. `onUnstarted`
 * runs when the coroutine is closed before its first step (its task
 * cancelled at once, say), to drop what its code would have cleaned up.
 */
export function awaitableCoroutine<T>(coro: Coroutine<T>, loop: Loop, onUnstarted?: () => void): AwaitableCoroutine<T> {
  const run: Run<T> = { started: false, task: null };
  const gen = tracked(coro, run);
  const throwInto = gen.throw, close = gen.return;
  const closeUnstarted = (): void => {
    if (run.started) return;
    run.started = true;
    onUnstarted?.();
  };
  // Own methods shadow the generator's. defineProperties, because a frozen
  // %GeneratorPrototype% (a Moddable preload) makes assignment throw.
  return Object.defineProperties(gen, {
    throw: {
      value(e: unknown) {
        closeUnstarted();
        return throwInto.call(gen, e);
      },
    },
    return: {
      value(v: T) {
        closeUnstarted();
        return close.call(gen, v);
      },
    },
    then: {
      value<R1 = T, R2 = never>(
        onFulfilled?: ((value: T) => R1 | PromiseLike<R1>) | null,
        onRejected?: ((reason: unknown) => R2 | PromiseLike<R2>) | null,
      ): Promise<R1 | R2> {
        if (run.task === null) {
          if (run.started) {
            return Promise.reject(new Error('this coroutine already ran (yield*): it cannot be awaited'))
              .then(onFulfilled, onRejected);
          }
          run.task = createTask(gen, { loop, _eager: true });
          run.task._startNow();
        }
        return run.task.then(onFulfilled, onRejected);
      },
    },
    catch: {
      value<R = never>(this: PromiseLike<T>, onRejected?: ((reason: unknown) => R | PromiseLike<R>) | null): Promise<T | R> {
        return Promise.resolve(this.then(undefined, onRejected));
      },
    },
    finally: {
      value(this: PromiseLike<T>, onFinally?: (() => void) | null): Promise<T> {
        return Promise.resolve(this.then()).finally(onFinally);
      },
    },
  }) as AwaitableCoroutine<T>;
}

function* tracked<T>(coro: Coroutine<T>, run: Run<T>): Coroutine<T> {
  run.started = true;
  return yield* level(coro);
}
