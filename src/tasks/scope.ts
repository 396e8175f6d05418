import { checkLoop, type Loop } from '../contract/loop.js';
import { level, type Coroutine } from '../future/coroutine.js';
import type { Future } from '../future/future.js';
import { abortedWait, bindSignal, checkSignal, reasonMessage, type AbortSignalLike } from '../future/signal.js';
import { createTask, currentLoop, currentTask, type Task } from './task.js';

/**
 * The body of a scope. A generator function (`function* (t) { ... }`) gets
 * only the scope object and receives cancellation as CancelledError where it
 * waits. Any other function (an async function) also gets an AbortSignal of
 * its own, aborted when the scope cancels it.
 */
export type ScopeBody<S, T> = (scope: S, signal: AbortSignalLike) => Coroutine<T> | PromiseLike<T>;

/** Options of the scopes (`timeout`, `timeoutAt`, `TaskGroup.run`). */
export interface ScopeOptions {
  /** The loop; the current task's loop, else the default loop, when omitted. */
  loop?: Loop;
  /**
   * Aborting it cancels the task running the scope: an outside cancellation,
   * never a timeout. Already aborted, it makes the scope fail at once with
   * CancelledError (the reason's message), without calling the body.
   */
  signal?: AbortSignalLike | undefined;
}

/**
 * A block of code run under a scope (a timeout, a TaskGroup): asyncio's
 * `async with`. Use it one of two ways, once:
 *
 * - `const v = yield* scope` inside a task's coroutine: the scope applies to
 *   the current task, exactly as asyncio's context manager does;
 * - `const v = await scope` anywhere: the scope runs in a task of its own
 *   (one more loop turn at the start and at the end).
 */
export abstract class Scope<T> implements PromiseLike<T> {
  /** @internal */ readonly _loop: Loop;
  /** @internal */ readonly _signal: AbortSignalLike | undefined;
  /** @internal */ _entered = false;
  /** @internal The outcome of `await scope`: its task, or the cancellation by an aborted signal. */
  _task: Future<T> | null = null;

  constructor(options: ScopeOptions | undefined) {
    if (options !== undefined && (options === null || typeof options !== 'object')) {
      throw new TypeError('options must be an object');
    }
    this._loop = options?.loop === undefined ? currentLoop() : checkLoop(options.loop);
    const signal = options?.signal;
    if (signal !== undefined) checkSignal(signal);
    this._signal = signal;
  }

  /** @internal What the scope is called in messages. */
  abstract get _what(): string;

  /** @internal The scope's logic, run inside `task`. */
  abstract _run(task: Task<unknown>): Coroutine<T>;

  /**
   * `yield* scope` inside a task (which calls this and steps the result at
   * once). The task steps the scope's coroutine as a level of its own: the
   * caller's levels below it cost no XS stack while its body runs.
   */
  [Symbol.iterator](): Coroutine<T> {
    const task = this._enter();
    const signal = this._signal;
    return level(signal === undefined ? this._run(task) : this._runWithSignal(task, signal));
  }

  /** @internal The scope's coroutine, cancelled when `signal` aborts. */
  *_runWithSignal(task: Task<unknown>, signal: AbortSignalLike): Coroutine<T> {
    const aborted = abortedWait<T>(this._loop, { signal });
    if (aborted) return yield* aborted;
    const onAbort = (): void => { task.cancel(reasonMessage(signal.reason)); };
    signal.addEventListener('abort', onAbort, { once: true });
    try {
      return yield* level(this._run(task));
    } finally {
      signal.removeEventListener?.('abort', onAbort);
    }
  }

  /** `await scope`: runs it in a task of its own. */
  then<R1 = T, R2 = never>(
    onFulfilled?: ((value: T) => R1 | PromiseLike<R1>) | null,
    onRejected?: ((reason: unknown) => R2 | PromiseLike<R2>) | null,
  ): Promise<R1 | R2> {
    let outcome = this._task;
    if (outcome === null) {
      const options = { signal: this._signal };
      outcome = this._task = abortedWait<T>(this._loop, options) ??
        bindSignal(createTask(this._runInOwnTask(), { loop: this._loop }), options);
    }
    return outcome.then(onFulfilled, onRejected);
  }

  /** The Promise habit: `scope.catch(onRejected)` is `scope.then(undefined, onRejected)`. */
  catch<R = never>(onRejected?: ((reason: unknown) => R | PromiseLike<R>) | null): Promise<T | R> {
    return this.then(undefined, onRejected);
  }

  /** The Promise habit: runs `onFinally` once the scope has ended and passes its outcome on. */
  finally(onFinally?: (() => void) | null): Promise<T> {
    return this.then().finally(onFinally);
  }

  /** @internal The coroutine of the task of `await scope`. */
  *_runInOwnTask(): Coroutine<T> {
    return yield* level(this._run(this._enter()));
  }

  /** @internal Checks that the scope runs once, in a task on its loop; returns that task. */
  _enter(): Task<unknown> {
    const task = taskOn(this._loop, this._what);
    if (this._entered) throw new Error(`${this._what} has already been entered`);
    this._entered = true;
    return task;
  }
}

/** @internal The current task, which must run on `loop`: else an Error naming `what`. */
export function taskOn(loop: Loop, what: string): Task<unknown> {
  const task = currentTask();
  if (task === null) throw new Error(`${what} must run inside a task: yield* it in a task's coroutine, or await it`);
  if (task._loop !== loop) throw new Error(`${what} belongs to another loop than the current task`);
  return task;
}
