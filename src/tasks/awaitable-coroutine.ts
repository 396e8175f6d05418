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
  readonly loop: Loop;
  /** Called with `arg` when the coroutine is closed before its first step. */
  readonly onUnstarted: ((arg: unknown) => void) | undefined;
  readonly arg: unknown;
}

/** The generator `awaitableCoroutine` returns, with its state. */
type Tracked<T> = Coroutine<T> & { _run: Run<T> };

/**
 * @internal Makes `coro` an AwaitableCoroutine on `loop`. `onUnstarted(arg)`
 * runs when the coroutine is closed before its first step (its task
 * cancelled at once, say), to drop what its code would have cleaned up.
 * Its state is one object; its methods are shared (a closure per method and
 * per call cost about 90 XS slots per pending `waitFor`).
 */
export function awaitableCoroutine<T, A>(coro: Coroutine<T>, loop: Loop, onUnstarted?: (arg: A) => void, arg?: A): AwaitableCoroutine<T> {
  const run: Run<T> = { started: false, task: null, loop, onUnstarted: onUnstarted as ((arg: unknown) => void) | undefined, arg };
  const gen = tracked(coro, run) as Tracked<T>;
  gen._run = run;
  return gen as unknown as AwaitableCoroutine<T>;
}

function* tracked<T>(coro: Coroutine<T>, run: Run<T>): Coroutine<T> {
  run.started = true;
  return yield* level(coro);
}

function closeUnstarted(run: Run<unknown>): void {
  if (run.started) return;
  run.started = true;
  run.onUnstarted?.(run.arg);
}

const generatorPrototype = Object.getPrototypeOf(tracked.prototype) as Coroutine<unknown>;
const throwInto = generatorPrototype.throw, close = generatorPrototype.return;

// On the prototype of every generator `tracked` makes, shadowing
// %GeneratorPrototype%'s. defineProperties, because a frozen
// %GeneratorPrototype% (a Moddable preload) makes assignment throw.
Object.defineProperties(tracked.prototype, {
  throw: {
    value(this: Tracked<unknown>, e: unknown) {
      closeUnstarted(this._run);
      return throwInto.call(this, e);
    },
  },
  return: {
    value(this: Tracked<unknown>, v: unknown) {
      closeUnstarted(this._run);
      return close.call(this, v);
    },
  },
  then: {
    value<T, R1 = T, R2 = never>(
      this: Tracked<T>,
      onFulfilled?: ((value: T) => R1 | PromiseLike<R1>) | null,
      onRejected?: ((reason: unknown) => R2 | PromiseLike<R2>) | null,
    ): Promise<R1 | R2> {
      const run = this._run;
      if (run.task === null) {
        if (run.started) {
          return Promise.reject(new Error('this coroutine already ran (yield*): it cannot be awaited'))
            .then(onFulfilled, onRejected);
        }
        run.task = createTask(this, { loop: run.loop, _eager: true });
        run.task._startNow();
      }
      return run.task.then(onFulfilled, onRejected);
    },
  },
  catch: {
    value<T, R = never>(this: PromiseLike<T>, onRejected?: ((reason: unknown) => R | PromiseLike<R>) | null): Promise<T | R> {
      return Promise.resolve(this.then(undefined, onRejected));
    },
  },
  finally: {
    value<T>(this: PromiseLike<T>, onFinally?: (() => void) | null): Promise<T> {
      return Promise.resolve(this.then()).finally(onFinally);
    },
  },
});
