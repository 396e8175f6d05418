import { CancelledError, InvalidStateError } from '../contract/errors.js';
import { getEventLoop } from '../contract/default-loop.js';
import { checkCallback } from '../contract/handle.js';
import { checkLoop, type Loop } from '../contract/loop.js';

/** @internal Future states. Waiters use negative values for their pending sub-states. */
export const PENDING = 0, RESULT = 1, EXCEPTION = 2, CANCELLED = 3;

/** A callback run when a Future is done; it receives the future. */
export type DoneCallback<F> = (future: F) => void;

/** Options of the Future constructor. */
export interface FutureOptions {
  /** The loop that runs done callbacks; the default loop (getEventLoop()) when omitted. */
  loop?: Loop;
}

// Reports exceptions that were set and never retrieved, in debug mode only.
// The held value must not reference the future, or it would never be collected.
// Made on first use, so that a preloaded (frozen) module holds no registry.
interface Unretrieved { loop: Loop; message: string; exception: unknown; source: string | undefined }
const holder: { registry: FinalizationRegistry<Unretrieved> | null | undefined } = { registry: undefined };
function unretrievedRegistry(): FinalizationRegistry<Unretrieved> | null {
  let r = holder.registry;
  if (r === undefined) {
    r = holder.registry = typeof FinalizationRegistry === 'function'
      ? new FinalizationRegistry<Unretrieved>((u) => {
          u.loop.callExceptionHandler({ message: u.message, exception: u.exception, source_traceback: u.source });
        })
      : null;
  }
  return r;
}

/**
 * A value that will exist later: asyncio's Future, awaitable from async
 * functions (it is PromiseLike) and from generator coroutines (`yield* fut`).
 *
 * Done callbacks always run through `loop.callSoon`, in registration order.
 */
export class Future<T> implements PromiseLike<T> {
  /** @internal */ _loop: Loop;
  /** @internal PENDING, RESULT, EXCEPTION, CANCELLED (or a waiter's pending sub-state). */
  _state: number = PENDING;
  /** @internal The result, the exception, or the cancel message / CancelledError. */
  _value: unknown = undefined;
  /** @internal One done callback or promise reaction, several, or none. */
  _callbacks: Listener | Listener[] | null = null;

  constructor(options?: FutureOptions);
  /** @internal On a loop that was checked already (a primitive's, a task's): no options object, no second check. */
  constructor(options: undefined, loop: Loop);
  constructor(options?: FutureOptions, loop?: Loop) {
    this._loop = loop ?? (options?.loop === undefined ? getEventLoop() : checkLoop(options.loop));
    if (this._loop.getDebug()) {
      (this as { _source?: string })._source = new Error('Future created at').stack;
    }
  }

  /** The loop this future belongs to. */
  get loop(): Loop {
    return this._loop;
  }

  /** True once the future has a result, an exception, or was cancelled. */
  done(): boolean {
    return this._state > 0;
  }

  /** True when the future was cancelled. */
  cancelled(): boolean {
    return this._state === CANCELLED;
  }

  /** The result; throws the exception, the CancelledError, or InvalidStateError while pending. */
  result(): T {
    const s = this._state;
    if (s === RESULT) return this._value as T;
    if (s === EXCEPTION) {
      this._retrieved();
      throw this._value;
    }
    if (s === CANCELLED) throw this._cancelledError();
    throw new InvalidStateError('Result is not ready.');
  }

  /** The exception, or null when there is none; throws CancelledError when cancelled, InvalidStateError while pending. */
  exception(): unknown {
    const s = this._state;
    if (s === RESULT) return null;
    if (s === EXCEPTION) {
      this._retrieved();
      return this._value;
    }
    if (s === CANCELLED) throw this._cancelledError();
    throw new InvalidStateError('Exception is not set.');
  }

  /** Marks the future done with a result. InvalidStateError once done. */
  setResult(value: T): void {
    if (this._state > 0) throw new InvalidStateError(`invalid state: future is already done`);
    this._complete(RESULT, value, false);
  }

  /** Marks the future done with an exception. InvalidStateError once done. */
  setException(exception: unknown): void {
    if (this._state > 0) throw new InvalidStateError(`invalid state: future is already done`);
    if (exception instanceof CancelledError) {
      // asyncio refuses this too: cancellation must go through cancel().
      throw new TypeError('CancelledError cannot be set as an exception; use cancel()');
    }
    this._completeException(exception, false);
  }

  /**
   * Cancels the future and schedules its callbacks. Returns false unless it was
   * pending. `msg` travels in the CancelledError.
   */
  cancel(msg?: string): boolean {
    this._retrieved();
    if (this._state !== PENDING) return false;
    this._complete(CANCELLED, msg, false);
    return true;
  }

  /** Adds a callback run (through loop.callSoon) when the future is done; at once when it already is. */
  addDoneCallback(callback: DoneCallback<this>): void {
    checkCallback(callback);
    if (this._state > 0) this._loop.callSoon(callback, this);
    else this._listen(callback);
  }

  /** Removes every registration of `callback`; returns how many were removed. */
  removeDoneCallback(callback: DoneCallback<this>): number {
    const cbs = this._callbacks;
    if (cbs === null) return 0;
    if (!Array.isArray(cbs)) {
      if (cbs !== callback) return 0;
      this._callbacks = null;
      return 1;
    }
    const kept = cbs.filter((cb) => cb !== callback);
    const removed = cbs.length - kept.length;
    this._callbacks = kept.length === 0 ? null : kept;
    return removed;
  }

  /**
   * PromiseLike: `await fut`. The promise settles as soon as the future is
   * done, without waiting for a loop turn (promise jobs defer it anyway), and
   * it rejects only when this future fails or is cancelled.
   */
  then<R1 = T, R2 = never>(
    onFulfilled?: ((value: T) => R1 | PromiseLike<R1>) | null,
    onRejected?: ((reason: unknown) => R2 | PromiseLike<R2>) | null,
  ): Promise<R1 | R2> {
    let settled: Promise<T>;
    if (this._state > 0) {
      settled = this._state === RESULT ? Promise.resolve(this._value as T) : Promise.reject(this._failure());
    } else {
      settled = new Promise<T>((resolve, reject) => this._listen(new Reaction(resolve, reject)));
    }
    return settled.then(onFulfilled, onRejected);
  }

  /** The Promise habit: `fut.catch(onRejected)` is `fut.then(undefined, onRejected)`. */
  catch<R = never>(onRejected?: ((reason: unknown) => R | PromiseLike<R>) | null): Promise<T | R> {
    return this.then(undefined, onRejected);
  }

  /** The Promise habit: runs `onFinally` once the future is done and passes its outcome on. */
  finally(onFinally?: (() => void) | null): Promise<T> {
    return this.then().finally(onFinally);
  }

  /** Generator coroutines: `const v = yield* fut` suspends until done, then returns the result or throws. */
  *[Symbol.iterator](): Generator<Future<unknown>, T, unknown> {
    if (this._state <= 0) yield this;
    return this.result();
  }

  /** @internal The message used when an exception was never retrieved. */
  static _unretrievedMessage = 'Future exception was never retrieved';

  /** @internal The CancelledError for a cancelled future, made once. */
  _cancelledError(): CancelledError {
    const v = this._value;
    if (v instanceof CancelledError) return v;
    const err = new CancelledError(typeof v === 'string' ? v : undefined);
    this._value = err;
    return err;
  }

  /** @internal The exception was looked at: no "never retrieved" report. */
  _retrieved(): void {
    if (this._state === EXCEPTION && holder.registry) holder.registry.unregister(this);
  }

  /** @internal Completes with an exception; in debug mode, watches that somebody retrieves it. */
  _completeException(exception: unknown, inline: boolean): void {
    if (this._loop.getDebug()) {
      // Format the stack now: until then V8 keeps the frames' receivers alive
      // (this future among them when it threw in its own step), and the
      // future could never be collected and reported.
      if (exception instanceof Error) void exception.stack;
      unretrievedRegistry()?.register(this, {
        loop: this._loop,
        message: (this.constructor as typeof Future)._unretrievedMessage,
        exception,
        source: (this as { _source?: string })._source,
      }, this);
    }
    this._complete(EXCEPTION, exception, inline);
  }

  /**
   * @internal Completes the future. `inline` runs the done callbacks now, in
   * this loop callback, instead of scheduling them: used by primitives' waits
   * and sub-coroutines, whose completion is the awaiting coroutine's own step.
   */
  _complete(state: number, value: unknown, inline: boolean): void {
    this._state = state;
    this._value = value;
    const cbs = this._callbacks;
    if (cbs === null) return;
    this._callbacks = null;
    if (!Array.isArray(cbs)) this._notify(cbs, inline);
    else for (let i = 0; i < cbs.length; i++) this._notify(cbs[i]!, inline);
  }

  /** @internal Adds a listener to a pending future. */
  _listen(listener: Listener): void {
    const cbs = this._callbacks;
    if (cbs === null) this._callbacks = listener;
    else if (Array.isArray(cbs)) cbs.push(listener);
    else this._callbacks = [cbs, listener];
  }

  /** @internal The exception an `await` rejects with (marks it retrieved). */
  _failure(): unknown {
    if (this._state === CANCELLED) return this._cancelledError();
    this._retrieved();
    return this._value;
  }

  /**
   * @internal Tells one listener that the future is done: a promise reaction
   * settles at once, a done callback is scheduled (or, `inline`, run now; a
   * failure goes to the loop's handler).
   */
  _notify(listener: Listener, inline: boolean): void {
    if (listener instanceof Reaction) {
      if (this._state === RESULT) listener.resolve(this._value);
      else listener.reject(this._failure());
    } else if (!inline) {
      this._loop.callSoon(listener, this);
    } else {
      try {
        listener(this);
      } catch (exception) {
        this._loop.callExceptionHandler({ message: 'Exception in callback', exception, future: this });
      }
    }
  }
}

/** How `then()` waits: the settle functions of a promise. They never throw. */
class Reaction {
  constructor(readonly resolve: (value: any) => void, readonly reject: (reason: unknown) => void) {}
}

type Listener = DoneCallback<any> | Reaction;

/** @internal A Future on `loop` already done with `value`: what a wait returns when it need not wait. */
export function resolvedFuture<T>(loop: Loop, value: T): Future<T> {
  const f = new Future<T>(undefined, loop);
  f._state = RESULT;
  f._value = value;
  return f;
}

/** @internal A Future on `loop` already failed with `error`: how a wait reports a failure instead of throwing. */
export function failedFuture<T>(loop: Loop, error: unknown): Future<T> {
  const f = new Future<T>(undefined, loop);
  f._completeException(error, false);
  return f;
}

/** True for a PromiseLike (anything with a callable `then`). */
export function isThenable(value: unknown): value is PromiseLike<unknown> {
  return value !== null && (typeof value === 'object' || typeof value === 'function') &&
    typeof (value as { then?: unknown }).then === 'function';
}

/**
 * Wraps a PromiseLike in a Future on `loop`. Cancelling the Future does not
 * stop the promise; its later outcome is ignored.
 */
export function futureFromThenable<T>(thenable: PromiseLike<T>, loop: Loop): Future<T> {
  const fut = new Future<T>({ loop });
  const settle = (ok: boolean, v: unknown): void => {
    if (fut._state !== PENDING) return;
    try {
      if (ok) fut.setResult(v as T);
      else if (v instanceof CancelledError) fut.cancel(v.message);
      else fut.setException(v);
    } catch (exception) {
      // A promise that settles once the loop is closed: reported, never an unhandled rejection.
      loop.callExceptionHandler({ message: 'A promise settled after its loop was closed', exception, future: fut });
    }
  };
  thenable.then((v) => settle(true, v), (e) => settle(false, e));
  return fut;
}
