import { CancelledError, InvalidStateError } from '../contract/errors.js';
import { getEventLoop } from '../contract/default-loop.js';
import { checkCallback } from '../contract/handle.js';
import { checkLoop, type ExceptionContext, type Loop, type MaybeSoon } from '../contract/loop.js';

/** @internal Future states. Waiters use negative values for their pending sub-states. */
export const PENDING = 0, RESULT = 1, EXCEPTION = 2, CANCELLED = 3;

/** A callback run when a Future is done; it receives the future. */
export type DoneCallback<F> = (future: F) => void;

/** Options of the Future constructor. */
export interface FutureOptions {
  /** The loop that runs done callbacks; the default loop (getEventLoop()) when omitted. */
  loop?: Loop;
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
  /** @internal The result, the exception, or the cancel message / CancelledError (declared: no slot while pending). */
  declare _value: unknown;
  /** @internal One done callback or promise reaction, several, or none (null, or unset until the first: no XS slot). */
  declare _callbacks?: Listener | Listener[] | null;

  constructor(options?: FutureOptions);
  /** @internal On a loop that was checked already (a primitive's, a task's): no options object, no second check. */
  constructor(options: undefined, loop: Loop);
  constructor(options?: FutureOptions, loop?: Loop) {
    this._loop = loop ?? optionsLoop(options);
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

  /** Marks the future done with a result. InvalidStateError once done; an Error, leaving it pending, when its loop is closed. */
  setResult(value: T): void {
    this._checkSettable();
    this._complete(RESULT, value, false);
  }

  /**
   * Marks the future done with an exception (any value: `null` too is a
   * failure). InvalidStateError once done; an Error, leaving it pending, when
   * its loop is closed.
   */
  setException(exception: unknown): void {
    this._checkSettable();
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

  /**
   * Adds a callback run (through loop.callSoon) when the future is done; at
   * once when it already is. A failure with a done callback is the
   * callback's to handle: it is never reported as unretrieved.
   */
  addDoneCallback(callback: DoneCallback<this>): void {
    // Checked inline: a task adds its wake-up once per wait, and a call counts in XS.
    if (typeof callback !== 'function') checkCallback(callback);
    if (this._state > 0) {
      this._loop.callSoon(callback, this);
      this._retrieved();
    } else {
      this._listen(callback);
    }
  }

  /** Removes every registration of `callback`; returns how many were removed. */
  removeDoneCallback(callback: DoneCallback<this>): number {
    const cbs = this._callbacks;
    if (cbs == null) return 0;
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
    if (this._state > 0) {
      const settled = this._state === RESULT ? Promise.resolve(this._value as T) : Promise.reject(this._failure());
      return settled.then(onFulfilled, onRejected);
    }
    // One promise, no derived one: the Reaction runs the handlers when the future is done.
    return new Promise<R1 | R2>((resolve) => this._listen(new Reaction(onFulfilled, onRejected, resolve)));
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
  [Symbol.iterator](): Iterator<Future<unknown>, T, unknown> {
    // A plain iterator, not a generator: nothing of it stays on the stack
    // under a waiting coroutine (XS stack), and it is smaller. `new`, not a
    // literal with `__proto__`: that saves XS about 18 computrons per wait
    // but halves V8's rate of done-future awaits from generator tasks.
    return new FutureIterator(this) as Iterator<Future<unknown>, T, unknown>;
  }

  /** @internal The report of an exception that was never retrieved: its message names the future. */
  _unretrievedMessage(): string {
    return 'Future exception was never retrieved';
  }

  /** @internal The CancelledError for a cancelled future, made once. */
  _cancelledError(): CancelledError {
    const v = this._value;
    if (v instanceof CancelledError) return v;
    const err = new CancelledError(typeof v === 'string' ? v : undefined);
    this._value = err;
    return err;
  }

  /** @internal The exception was looked at (or handed to a done callback): no "never retrieved" report. */
  _retrieved(): void {
    if ((this as Reportable)._unretrieved === true) (this as Reportable)._unretrieved = false;
  }

  /** @internal Throws, changing nothing, unless setResult/setException may complete the future. */
  _checkSettable(): void {
    if (this._state > 0) throw new InvalidStateError('invalid state: future is already done');
    const closed = (this._loop as { isClosed?: () => boolean }).isClosed;
    if (typeof closed === 'function' && closed.call(this._loop) === true) {
      throw new Error('the loop is closed');
    }
  }

  /**
   * @internal Completes with an exception. With nobody listening, the
   * failure is reported at the end of the loop turn unless somebody
   * retrieves it first (result(), exception(), await, a done callback): a
   * failure nobody handles is never silent, and nothing depends on the
   * garbage collector. A future somebody waits on pays nothing for this.
   */
  _completeException(exception: unknown, inline: boolean): void {
    const unheard = this._callbacks == null;
    this._complete(EXCEPTION, exception, inline);
    if (unheard && !(exception instanceof CancelledError)) {
      (this as Reportable)._unretrieved = true;
      const loop = this._loop as Loop & { _atTurnEnd?: (cb: (f: Future<unknown>) => void, f: Future<unknown>) => void };
      // A loop without the end-of-turn hook (a custom one) checks in its next turn.
      if (typeof loop._atTurnEnd === 'function') loop._atTurnEnd(reportUnretrieved, this);
      else loop.callSoon(reportUnretrieved, this);
    }
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
    if (cbs == null) return;
    this._callbacks = null;
    if (typeof cbs === 'function') {
      this._notify(cbs, inline);
      return;
    }
    // The common case, one DoneListener (a task), told here: no _notify frame
    // and no Array.isArray call (XS counts each). An array has no _doneCallback.
    const callback = (cbs as Partial<DoneListener>)._doneCallback;
    if (callback === undefined) {
      if (!Array.isArray(cbs)) this._notify(cbs, inline);
      else for (let i = 0; i < cbs.length; i++) this._notify(cbs[i]!, inline);
    } else if (!inline) {
      const loop: MaybeSoon = this._loop;
      if (loop._soon !== undefined) loop._soon(callback, cbs);
      else loop.callSoon(callback, cbs);
    } else {
      try {
        callback(cbs);
      } catch (exception) {
        this._loop.callExceptionHandler({ message: 'Exception in callback', exception, future: this });
      }
    }
  }

  /** @internal Adds a listener to a pending future. */
  _listen(listener: Listener): void {
    const cbs = this._callbacks;
    if (cbs == null) this._callbacks = listener;
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
    // The kind is told once, by typeof and one property read (cheaper in XS
    // than instanceof): a done callback, a DoneListener (a task), or a Reaction.
    let callback: ((arg: any) => void) | undefined;
    let arg: unknown;
    if (typeof listener === 'function') {
      callback = listener;
      arg = this;
    } else if ((callback = (listener as Partial<DoneListener>)._doneCallback) !== undefined) {
      arg = listener;
    } else {
      listener = listener as Reaction;
      listener._ok = this._state === RESULT;
      listener._value = listener._ok ? this._value : this._failure();
      listener._resolve(listener);
      return;
    }
    if (!inline) {
      const loop: MaybeSoon = this._loop;
      if (loop._soon !== undefined) loop._soon(callback, arg as object);
      else loop.callSoon(callback, arg);
      return;
    }
    try {
      callback(arg);
    } catch (exception) {
      this._loop.callExceptionHandler({ message: 'Exception in callback', exception, future: this });
    }
  }
}

/** The loop of a Future made with public options. */
function optionsLoop(options: FutureOptions | undefined): Loop {
  if (options === undefined) return getEventLoop();
  if (options === null || typeof options !== 'object') throw new TypeError('options must be an object');
  return options.loop === undefined ? getEventLoop() : checkLoop(options.loop);
}

/**
 * How `then()` waits: its handlers and the resolve function of the promise it
 * returned. Once the future is done, that promise is resolved with the
 * Reaction itself, a thenable: the engine then calls `Reaction.then` in a
 * promise job of its own, which runs the handler as a promise reaction job
 * would. So a pending `await fut` holds one native promise, not two.
 */
class Reaction {
  // Set when the future is done (declared, not initialised: no slots while pending).
  /** @internal Whether the future has a result. */
  declare _ok: boolean;
  /** @internal The result, or the failure. */
  declare _value: unknown;

  constructor(
    readonly _onFulfilled: ((value: any) => unknown) | null | undefined,
    readonly _onRejected: ((reason: unknown) => unknown) | null | undefined,
    readonly _resolve: (value: any) => void,
  ) {}

  /** Called by the engine, in a promise job, with fresh settle functions of the promise `then()` returned. */
  then(resolve: (value: unknown) => void, reject: (reason: unknown) => void): void {
    const handler = this._ok ? this._onFulfilled : this._onRejected;
    if (typeof handler !== 'function') {
      if (this._ok) resolve(this._value);
      else reject(this._value);
      return;
    }
    try {
      resolve(handler(this._value));
    } catch (e) {
      reject(e);
    }
  }
}

/**
 * @internal A listener that is an object rather than a done callback (a
 * task): no closure per listener. When the future is done,
 * `_doneCallback(listener)` runs as a done callback would (scheduled, or at
 * once `inline`): a plain function, which the loop calls with no frame in
 * between, given only the listener, which knows what it waits on (one
 * argument: a slot less of XS stack under every wake-up).
 */
export interface DoneListener {
  readonly _doneCallback: (listener: any) => void;
}

type Listener = DoneCallback<any> | Reaction | DoneListener;

/**
 * @internal What `yield* fut` drives: `next()` yields the future while it is pending,
 * and returns the result or throws once it is done. A task resumes the
 * coroutine only once what it waits on is done (a cancellation is thrown in
 * instead), so the state of the future alone tells the two calls apart.
 * `throw()` passes what is thrown in (a cancellation) on.
 *
 * It is its own IteratorResult (`done`, `value`): `yield*` reads the two and
 * hands the object to the task as it is, so a wait makes one object, not
 * three. Only Future[Symbol.iterator] makes one.
 */
export class FutureIterator<T> {
  /** True once the result is read. */
  done = false;
  /** The future while it is yielded, then its result. */
  value: unknown;

  constructor(readonly _future: Future<T>) {
    this.value = _future;
  }

  next(): IteratorResult<Future<unknown>, T> {
    const f = this._future;
    if (f._state > 0) {
      // A result read in place: a call less per wait (XS counts each).
      this.value = f._state === RESULT ? f._value : f.result();
      this.done = true;
    }
    return this as IteratorResult<Future<unknown>, T>;
  }

  throw(e: unknown): never {
    throw e;
  }

  return(value?: unknown): IteratorResult<Future<unknown>, T> {
    return { done: true, value: value as T };
  }
}

/** A failed future nobody listened to, until its exception is retrieved or reported. */
type Reportable = Future<unknown> & { _unretrieved?: boolean };

function reportUnretrieved(f: Future<unknown>): void {
  if ((f as Reportable)._unretrieved !== true) return;
  (f as Reportable)._unretrieved = false;
  const context: ExceptionContext = { message: f._unretrievedMessage(), exception: f._value, future: f };
  const source = (f as { _source?: string })._source;
  if (source !== undefined) context.source_traceback = source;
  f._loop.callExceptionHandler(context);
}

/** @internal A Future on `loop` already done with `value`: what a wait returns when it need not wait. */
export function resolvedFuture<T>(loop: Loop, value: T): Future<T> {
  const f = new Future<T>(undefined, loop);
  f._state = RESULT;
  f._value = value;
  return f;
}

/** @internal Completes `fut` with its `_value` unless it is done: asyncio's `_set_result_unless_cancelled`, a sleep's timer. */
export function resultUnlessDone(fut: Future<unknown>): void {
  if (fut._state === PENDING) fut._complete(RESULT, fut._value, false);
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

// One reaction per pending thenable, however many waits on it: a wait that
// gives up (a timeout) leaves nothing on the promise, which may stay pending
// for the life of the program. Made on first use, so that a preloaded
// (frozen) module holds no map.
type Waiting = Set<ThenableFuture<any>>;
const relays: { map: WeakMap<object, Waiting> | undefined } = { map: undefined };

/** A Future following a thenable through the thenable's shared reaction. */
class ThenableFuture<T> extends Future<T> {
  /** @internal The futures waiting on the same thenable, this one among them, until done. */
  _waiting: Waiting | null = null;

  // Explicit: without it the compiled class calls `super(...arguments)`, which costs about 80 computrons in XS.
  constructor(loop: Loop) {
    super(undefined, loop);
  }

  override _complete(state: number, value: unknown, inline: boolean): void {
    const waiting = this._waiting;
    if (waiting !== null) {
      waiting.delete(this);
      this._waiting = null;
    }
    super._complete(state, value, inline);
  }
}

/**
 * Wraps a PromiseLike in a Future on `loop`. Cancelling the Future does not
 * stop the promise; its later outcome is ignored, and the Future is no
 * longer referenced by the promise. Throws what `thenable.then` throws.
 */
export function futureFromThenable<T>(thenable: PromiseLike<T>, loop: Loop): Future<T> {
  const fut = new ThenableFuture<T>(loop);
  const map = relays.map ??= new WeakMap();
  let waiting = map.get(thenable);
  const first = waiting === undefined;
  if (waiting === undefined) map.set(thenable, waiting = new Set());
  waiting.add(fut);
  fut._waiting = waiting;
  if (first) {
    const w = waiting;
    try {
      thenable.then((v) => settle(thenable, w, RESULT, v), (e) => settle(thenable, w, EXCEPTION, e));
    } catch (e) {
      map.delete(thenable);
      fut._waiting = null;
      throw e;
    }
  }
  return fut;
}

function settle(thenable: object, waiting: Waiting, state: number, value: unknown): void {
  // A later wait on the settled thenable gets a reaction of its own.
  if (relays.map!.get(thenable) === waiting) relays.map!.delete(thenable);
  for (const fut of waiting) {
    try {
      if (state === RESULT) fut._complete(RESULT, value, false);
      else if (value instanceof CancelledError) fut.cancel(value.message);
      else fut._completeException(value, false);
    } catch (exception) {
      // Its loop is closed: the outcome cannot be delivered, and must not become an unhandled rejection.
      fut._loop.callExceptionHandler({ message: 'A promise settled after its loop was closed', exception, future: fut });
    }
  }
  waiting.clear();
}
