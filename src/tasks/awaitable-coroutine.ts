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

/** @internal The state of one AwaitableCoroutine. */
export interface Run<T> {
  /** The coroutine's code has begun, or it was closed unstarted. */
  started: boolean;
  /** The task of `await`. */
  task: Task<T> | null;
  readonly loop: Loop;
  /** Called with `arg` when the coroutine is closed before its first step. */
  readonly onUnstarted: ((arg: unknown) => void) | undefined;
  readonly arg: unknown;
}

/** The generator an AwaitableCoroutine is, with its state. */
type Tracked<T> = Coroutine<T> & { _run: Run<T> };

/**
 * @internal The state of an AwaitableCoroutine on `loop`. `onUnstarted(arg)`
 * runs when the coroutine is closed before its first step (its task
 * cancelled at once, say), to drop what its code would have cleaned up.
 */
export function newRun<T, A>(loop: Loop, onUnstarted?: (arg: A) => void, arg?: A): Run<T> {
  return { started: false, task: null, loop, onUnstarted: onUnstarted as ((arg: unknown) => void) | undefined, arg };
}

/**
 * @internal Makes `gen`, a coroutine of a generator function given to
 * `awaitable()` whose body begins with `run.started = true`, the
 * AwaitableCoroutine of `run`.
 */
export function withRun<T>(gen: Coroutine<T>, run: Run<T>): AwaitableCoroutine<T> {
  (gen as Tracked<T>)._run = run;
  return gen as AwaitableCoroutine<T>;
}

/** @internal Makes `coro` an AwaitableCoroutine on `loop` (see newRun). */
export function awaitableCoroutine<T, A>(coro: Coroutine<T>, loop: Loop, onUnstarted?: (arg: A) => void, arg?: A): AwaitableCoroutine<T> {
  const run = newRun<T, A>(loop, onUnstarted, arg);
  return withRun(tracked(coro, run), run);
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

/**
 * AwaitableCoroutine's methods, shadowing %GeneratorPrototype%'s; they find
 * their state in `_run`. Shared, not a closure per method and per call: that
 * cost about 90 XS slots per pending `waitFor`.
 */
const METHODS: PropertyDescriptorMap = {
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
};

/**
 * @internal Gives the coroutines of `genFn` AwaitableCoroutine's methods, on
 * its prototype, then freezes it (xsl keeps a preloaded object in flash only
 * when it is frozen). defineProperties, because a frozen %GeneratorPrototype%
 * (a Moddable preload) makes assignment throw.
 */
export function awaitable(genFn: (...args: never[]) => Coroutine<unknown>): void {
  Object.freeze(Object.defineProperties(genFn.prototype, METHODS));
}

awaitable(tracked);
