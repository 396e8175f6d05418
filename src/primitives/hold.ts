import type { Loop } from '../contract/loop.js';
import { level, isCoroutine, type Coroutine } from '../future/coroutine.js';
import { Future, PENDING, RESULT } from '../future/future.js';
import type { WaitOptions } from '../future/signal.js';

/** What can be held for a block: Lock, Semaphore, BoundedSemaphore, Condition. */
export interface Holdable {
  /** Takes the primitive (a unit, the lock), waiting as long as needed. */
  acquire(options?: WaitOptions): Future<unknown>;
  /** Gives the primitive back. */
  release(): void;
}

/**
 * A hold on a primitive, from its `hold()`: `release()` gives it back, once
 * (later calls do nothing). It is Disposable where the runtime has
 * `Symbol.dispose` (Node 20+, browsers; not XS), so `using` releases it at
 * the end of the block, on a throw or a cancellation too:
 *
 * ```ts
 * import { Lock, createTask } from 'anyloop';
 * const lock = new Lock();
 * createTask(function* () {
 *   using held = yield* lock.hold(); // in a task's coroutine
 *   console.log('locked:', held.primitive?.locked());
 * });
 * async function critical(): Promise<void> {
 *   using held = await lock.hold(); // in an async function
 *   console.log('locked:', held.primitive?.locked());
 * }
 * void critical();
 * ```
 *
 * Where there is no `using` (XS), call `release()` in a `finally`, or use
 * the primitive's `holding(body)`.
 */
export class Held<P extends Holdable> {
  /** @internal Null once released. */
  _primitive: P | null;

  /** @internal Made by `hold()`. */
  constructor(primitive: P) {
    this._primitive = primitive;
  }

  /** The primitive held, or null once released. */
  get primitive(): P | null {
    return this._primitive;
  }

  /** Releases the primitive; does nothing the second time. */
  release(): void {
    const p = this._primitive;
    if (p === null) return;
    this._primitive = null;
    p.release();
  }
}

export interface Held<P extends Holdable> extends Disposable {}

// The explicit resource management types, for projects whose lib lacks them
// (before TypeScript 5.2, or without esnext.disposable): declared as
// @types/node declares them, so they merge with the lib's.
declare global {
  interface SymbolConstructor {
    readonly dispose: unique symbol;
  }
  interface Disposable {
    /** Releases what the object holds: `using` calls it at the end of the block. */
    [Symbol.dispose](): void;
  }
}

const dispose = (Symbol as { dispose?: symbol }).dispose;
if (typeof dispose === 'symbol') {
  Object.defineProperty(Held.prototype, dispose, {
    value(this: Held<Holdable>) { this.release(); }, writable: true, configurable: true,
  });
}

/**
 * The Future `hold()` returns: done with a Held when the acquire is, in the
 * same step (no extra loop turn, as asyncio's `async with` awaits `acquire()`
 * itself). Cancelling it cancels the acquire.
 */
class HoldFuture<P extends Holdable> extends Future<Held<P>> {
  /** @internal */ readonly _acquiring: Future<unknown>;

  constructor(acquiring: Future<unknown>, loop: Loop) {
    super(undefined, loop);
    this._acquiring = acquiring;
  }

  override cancel(msg?: string): boolean {
    if (this._state !== PENDING) return super.cancel(msg);
    // Done when the acquire has given back what it was handed.
    return this._acquiring.cancel(msg);
  }
}

/** @internal `primitive.hold()`. */
export function hold<P extends Holdable>(primitive: P, loop: Loop, options: WaitOptions | undefined): Future<Held<P>> {
  const acquiring = primitive.acquire(options);
  const f = new HoldFuture<P>(acquiring, loop);
  const settle = (): void => {
    // A waiter completes inline, in the step where asyncio's acquire() returns: so does this.
    const s = acquiring._state;
    f._complete(s, s === RESULT ? new Held(primitive) : acquiring._value, true);
  };
  if (acquiring.done()) settle();
  else acquiring.addDoneCallback(settle);
  return f;
}

/** @internal `primitive.holding(body)`: asyncio's `async with primitive:` around `body`. */
export function holding<P extends Holdable, T>(primitive: P, body: () => Coroutine<T>): Coroutine<T> {
  if (typeof body !== 'function') throw new TypeError('holding() needs a generator function as its body');
  return holdingBody(primitive, body);
}

function* holdingBody<P extends Holdable, T>(primitive: P, body: () => Coroutine<T>): Coroutine<T> {
  yield* primitive.acquire();
  try {
    const coro = body();
    if (!isCoroutine(coro)) throw new TypeError('holding() needs a generator function as its body');
    // Stepped by the task as a level of its own (see delegate): no XS stack for this level while the body runs.
    return yield* level(coro);
  } finally {
    primitive.release();
  }
}
