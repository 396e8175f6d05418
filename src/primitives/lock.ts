import type { Loop } from '../contract/loop.js';
import { RESULT, resolvedFuture, type Future } from '../future/future.js';
import { abortedWait, bindSignal, type WaitOptions } from '../future/signal.js';
import { Ring } from '../future/ring.js';
import { Waiter, WOKEN } from '../future/waiter.js';
import { LoopBound, type PrimitiveOptions } from './loop-bound.js';
import type { Coroutine } from '../future/coroutine.js';
import { hold, holding, type Held } from './hold.js';
import { stateRepr } from './repr.js';

/**
 * asyncio.Lock: a FIFO mutex. A newcomer never jumps ahead of live waiters;
 * `release()` wakes the first waiter, which takes the lock in its own next
 * step; a waiter woken and then cancelled wakes the next one instead.
 */
export class Lock extends LoopBound {
  /** @internal */ _locked = false;
  /** @internal Waiters in arrival order (a ring: the first leaves in O(1)), null until the first one. */
  _waiters: Ring<LockWaiter> | null = null;

  constructor(options?: PrimitiveOptions) {
    super(options);
  }

  /** True while the lock is held. */
  locked(): boolean {
    return this._locked;
  }

  /** Resolves with `true` once the lock is held by the caller (at once when it is free and nobody waits). */
  acquire(options?: WaitOptions): Future<true> {
    const loop = this._getLoop();
    const aborted = options && abortedWait<true>(loop, options);
    if (aborted) return aborted;
    const waiters = this._waiters;
    if (!this._locked && (waiters === null || allCancelled(waiters))) {
      this._locked = true;
      return resolvedFuture(loop, true);
    }
    const w = new LockWaiter(this, loop);
    (this._waiters ??= new Ring(4)).push(w);
    return options === undefined ? w : bindSignal(w, options);
  }

  /** Releases the lock and wakes the first waiter. Throws an Error when the lock is not held. */
  release(): void {
    if (!this._locked) throw new Error('Lock is not acquired.');
    this._locked = false;
    this._wakeUpFirst();
  }

  /** @internal Wakes the first waiter unless it is already woken or cancelled. */
  _wakeUpFirst(): void {
    const waiters = this._waiters;
    if (waiters !== null && waiters.length > 0) waiters.at(0)._wake();
  }

  /**
   * asyncio's `async with lock:` as a handle: a Future done with a Held once
   * acquired (in the same step as `acquire()`). `using _ = yield* lock.hold()`
   * in a task's coroutine, `using _ = await lock.hold()` in an async function:
   * leaving the block releases, on a throw or a cancellation too. Without
   * `using` (XS), call the Held's `release()` in a `finally`.
   */
  hold(options?: WaitOptions): Future<Held<this>> {
    return hold(this, this._getLoop(), options);
  }

  /**
   * asyncio's `async with lock:` around a block, for a task's coroutine:
   * `yield* lock.holding(function* () { ... })` acquires, runs the block and
   * releases, on a throw or a cancellation too; it gives the block's result.
   */
  holding<R>(body: () => Coroutine<R>): Coroutine<R> {
    return holding(this, body);
  }

  /** `<Lock [locked, waiters:2]>`: asyncio's repr, without the address. */
  override toString(): string {
    return stateRepr('Lock', this._locked ? 'locked' : 'unlocked', this._waiters?.length ?? 0);
  }
}

function allCancelled(waiters: Ring<LockWaiter>): boolean {
  for (let i = 0; i < waiters.length; i++) if (!waiters.at(i)._wCancelled()) return false;
  return true;
}

class LockWaiter extends Waiter<true, Lock> {
  // Explicit: XS runs an implicit derived constructor as `super(...args)`, about 80 computrons more per wait.
  constructor(owner: Lock, loop: Loop) {
    super(owner, loop);
  }

  _resume(): void {
    const lock = this._owner;
    lock._waiters!.remove(this);
    // Not simply woken: a cancellation was requested (a field test, cheaper in XS than _cancelRequested()).
    if (this._state !== WOKEN) {
      // Woken and then cancelled: the lock is still free, so the next waiter gets it.
      if (!lock._locked) lock._wakeUpFirst();
      this._cancelNow();
      return;
    }
    lock._locked = true;
    this._complete(RESULT, true, true);
  }
}
