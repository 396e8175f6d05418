import type { Loop } from '../contract/loop.js';
import { RESULT, resolvedFuture, type Future } from '../future/future.js';
import { abortedWait, bindSignal, type WaitOptions } from '../future/signal.js';
import { Ring } from '../future/ring.js';
import { Waiter, WOKEN_THEN_CANCELLED } from '../future/waiter.js';
import { checkInteger } from './check-integer.js';
import { LoopBound, type PrimitiveOptions } from './loop-bound.js';
import type { Coroutine } from '../future/coroutine.js';
import { hold, holding, type Held } from './hold.js';
import { stateRepr } from './repr.js';

/**
 * asyncio.Semaphore: a counter of free units. `acquire()` takes one, waiting
 * in FIFO order while none is free; `release()` gives one back.
 *
 * As in CPython 3.13, a unit is handed over when a waiter is woken (the value
 * drops at wake time), so a newcomer never takes it first; a waiter woken and
 * then cancelled gives its unit back and wakes the next one.
 */
export class Semaphore extends LoopBound {
  /** @internal Free units, less those handed to woken waiters that have not run yet. */
  _value: number;
  /** @internal Waiters in arrival order (a ring: the first leaves in O(1)), null until the first one. */
  _waiters: Ring<SemaphoreWaiter> | null = null;

  /**
   * @param value The initial number of units: an integer >= 0 (TypeError
   * for a non-number, RangeError otherwise).
   */
  constructor(value = 1, options?: PrimitiveOptions) {
    super(options);
    this._value = checkInteger(value, 'Semaphore value', 0);
  }

  /** True when `acquire()` would wait: no free unit, or live waiters ahead. */
  locked(): boolean {
    if (this._value === 0) return true;
    const waiters = this._waiters;
    if (waiters !== null) for (let i = 0; i < waiters.length; i++) if (!waiters.at(i)._wCancelled()) return true;
    return false;
  }

  /** Resolves with `true` once the caller holds a unit (at once when one is free and nobody waits). */
  acquire(options?: WaitOptions): Future<true> {
    const loop = this._getLoop();
    const aborted = options && abortedWait<true>(loop, options);
    if (aborted) return aborted;
    if (!this.locked()) {
      this._value--;
      return resolvedFuture(loop, true);
    }
    const w = new SemaphoreWaiter(this, loop);
    (this._waiters ??= new Ring(4)).push(w);
    return options === undefined ? w : bindSignal(w, options);
  }

  /** Gives a unit back and wakes the first waiter, handing the unit to it. */
  release(): void {
    this._value++;
    this._wakeUpNext();
  }

  /** @internal Hands a unit to the first waiter still waiting; false when there is none. */
  _wakeUpNext(): boolean {
    const waiters = this._waiters;
    if (waiters === null) return false;
    for (let i = 0; i < waiters.length; i++) {
      const w = waiters.at(i);
      if (!w._wDone()) {
        this._value--;
        w._wake();
        return true;
      }
    }
    return false;
  }

  /**
   * asyncio's `async with sem:` as a handle: a Future done with a Held once
   * acquired (in the same step as `acquire()`). `using _ = yield* sem.hold()`
   * in a task's coroutine, `using _ = await sem.hold()` in an async function:
   * leaving the block releases, on a throw or a cancellation too. Without
   * `using` (XS), call the Held's `release()` in a `finally`.
   */
  hold(options?: WaitOptions): Future<Held<this>> {
    return hold(this, this._getLoop(), options);
  }

  /**
   * asyncio's `async with sem:` around a block, for a task's coroutine:
   * `yield* sem.holding(function* () { ... })` acquires, runs the block and
   * releases, on a throw or a cancellation too; it gives the block's result.
   */
  holding<R>(body: () => Coroutine<R>): Coroutine<R> {
    return holding(this, body);
  }

  /** `<Semaphore [unlocked, value:1, waiters:2]>`: asyncio's repr, without the address. */
  override toString(): string {
    return this._repr('Semaphore');
  }

  /** @internal */
  _repr(name: string): string {
    return stateRepr(name, this.locked() ? 'locked' : `unlocked, value:${this._value}`, this._waiters?.length ?? 0);
  }
}

/**
 * asyncio.BoundedSemaphore: a Semaphore whose `release()` throws a RangeError
 * rather than raise the value above its initial value.
 */
export class BoundedSemaphore extends Semaphore {
  /** @internal The initial value: the most units there can be. */
  readonly _boundValue: number;

  constructor(value = 1, options?: PrimitiveOptions) {
    super(value, options);
    this._boundValue = this._value;
  }

  /** Gives a unit back. Throws a RangeError when that would exceed the initial value. */
  override release(): void {
    if (this._value >= this._boundValue) {
      throw new RangeError(`BoundedSemaphore released too many times (its initial value is ${this._boundValue})`);
    }
    super.release();
  }

  /** `<BoundedSemaphore [unlocked, value:1, waiters:2]>`: asyncio's repr, without the address. */
  override toString(): string {
    return this._repr('BoundedSemaphore');
  }
}

class SemaphoreWaiter extends Waiter<true, Semaphore> {
  // Explicit: XS runs an implicit derived constructor as `super(...args)`, about 80 computrons more per wait.
  constructor(owner: Semaphore, loop: Loop) {
    super(owner, loop);
  }

  _resume(): void {
    const sem = this._owner;
    sem._waiters!.remove(this);
    const cancelled = this._cancelRequested();
    // Woken and then cancelled: the unit it was handed goes back.
    if (this._state === WOKEN_THEN_CANCELLED) sem._value++;
    // Waiters that arrived meanwhile had to queue behind it: wake as many as there are units.
    while (sem._value > 0 && sem._wakeUpNext());
    if (cancelled) this._cancelNow();
    else this._complete(RESULT, true, true);
  }
}
