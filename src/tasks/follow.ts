import { CancelledError } from '../contract/errors.js';
import type { Loop } from '../contract/loop.js';
import { level, isCoroutine, type Coroutine } from '../future/coroutine.js';
import { CANCELLED, Future, isThenable, PENDING, RESULT } from '../future/future.js';
import { reasonMessage } from '../future/signal.js';
import { createAbortController, type AbortControllerLike } from './abort.js';

const GeneratorFunctionPrototype = Object.getPrototypeOf(function* () {}) as object;

/** True for a `function*` (a bound one too). */
export function isGeneratorFunction(fn: unknown): boolean {
  return typeof fn === 'function' && Object.getPrototypeOf(fn) === GeneratorFunctionPrototype;
}

/**
 * The Future a task waits on while an async function's promise runs. Its
 * cancel() cannot stop the promise; it aborts the AbortSignal that was given
 * to the function and stays pending until the promise settles. A rejection
 * with a CancelledError (such as the signal's reason), or, once aborted, with
 * the signal's reason or an error named AbortError, makes it cancelled; any
 * other outcome is its own, as for a coroutine that catches CancelledError.
 */
class PromiseFollower<T> extends Future<T> {
  /** @internal */ readonly _controller: AbortControllerLike;

  constructor(promise: PromiseLike<T>, controller: AbortControllerLike, loop: Loop) {
    super(undefined, loop);
    this._controller = controller;
    promise.then((v) => this._settle(true, v), (e) => this._settle(false, e));
  }

  /** @internal The promise settled; once the loop is closed, scheduling throws: that is reported, never a rejection. */
  _settle(ok: boolean, v: unknown): void {
    if (this._state !== PENDING) return;
    try {
      if (ok) this._complete(RESULT, v, false);
      else this._settleRejected(v);
    } catch (exception) {
      this._loop.callExceptionHandler({ message: 'A promise settled after its loop was closed', exception, future: this });
    }
  }

  override cancel(msg?: string): boolean {
    if (this._state !== PENDING) return super.cancel(msg);
    const signal = this._controller.signal;
    if (!signal.aborted) this._controller.abort(new CancelledError(msg));
    return true;
  }

  /** @internal */
  _settleRejected(e: unknown): void {
    const signal = this._controller.signal;
    if (e instanceof CancelledError) {
      this._complete(CANCELLED, e, false);
    } else if (signal.aborted && (e === signal.reason || (e instanceof Error && e.name === 'AbortError'))) {
      const r = signal.reason;
      this._complete(CANCELLED, r instanceof CancelledError ? r : new CancelledError(reasonMessage(e)), false);
    } else {
      this._completeException(e, false);
    }
  }
}

/**
 * Drives what a task function or a scope body returned: a coroutine is run in
 * place, a Future awaited, a PromiseLike followed (cancelling it aborts
 * `controller`). Anything else is a TypeError.
 */
export function* follow<T>(result: unknown, controller: AbortControllerLike, loop: Loop, what: string): Coroutine<T> {
  if (isCoroutine(result)) return (yield* level(result)) as T;
  if (result instanceof Future) return (yield* result) as T;
  if (isThenable(result)) return yield* new PromiseFollower(result as PromiseLike<T>, controller, loop);
  throw new TypeError(`${what} must return a coroutine (a generator), a Future or a PromiseLike, got ${result === null ? 'null' : typeof result}`);
}

/**
 * The coroutine that runs a scope body (timeout, TaskGroup) inside the
 * current task. A generator function is called as `body(arg)` and its own
 * coroutine is returned, unwrapped (each generator level costs XS stack on
 * every resumption); it receives cancellation as CancelledError. Any other
 * function is called as `body(arg, signal)` with a signal of its own,
 * aborted when the scope's task is cancelled while it waits on the body's
 * promise.
 */
export function bodyCoroutine<A, T>(
  body: (arg: A, signal: AbortControllerLike['signal']) => unknown, arg: A, loop: Loop, what: string,
): Coroutine<T> {
  if (typeof body !== 'function') throw new TypeError(`${what} must be a function`);
  if (isGeneratorFunction(body)) {
    const coro = (body as (arg: A) => unknown)(arg);
    if (!isCoroutine(coro)) throw new TypeError(`${what} must return a coroutine`);
    return coro as Coroutine<T>;
  }
  const controller = createAbortController((exception) => {
    loop.callExceptionHandler({ message: 'Exception in an abort listener', exception });
  });
  return follow<T>(body(arg, controller.signal), controller, loop, what);
}
