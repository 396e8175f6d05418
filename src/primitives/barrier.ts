import { BrokenBarrierError } from '../contract/errors.js';
import type { Loop } from '../contract/loop.js';
import { CoroutineFuture, type Coroutine } from '../future/coroutine.js';
import type { Future } from '../future/future.js';
import { abortedWait, bindSignalFirst, type WaitOptions } from '../future/signal.js';
import { checkInteger } from './check-integer.js';
import { Condition } from './condition.js';
import { LoopBound, type PrimitiveOptions } from './loop-bound.js';

/** asyncio's _BarrierState. */
const FILLING = 0, DRAINING = 1, RESETTING = 2, BROKEN = 3;
const STATE_NAMES = ['filling', 'draining', 'resetting', 'broken'];

/**
 * asyncio.Barrier: `parties` tasks wait until all of them have arrived, then
 * all go on together. Built, like asyncio's, on a Condition: while the last
 * arrivals drain out, newcomers wait for the next round. `reset()` and
 * `abort()` make current waiters fail with BrokenBarrierError; after
 * `abort()` every `wait()` fails until `reset()`.
 */
export class Barrier extends LoopBound {
  /** @internal Notified whenever the state changes. */
  readonly _cond: Condition;
  /** @internal */ readonly _parties: number;
  /** @internal FILLING, DRAINING, RESETTING or BROKEN. */
  _state = FILLING;
  /** @internal Tasks inside `wait()`. */
  _count = 0;

  /**
   * @param parties How many tasks trip the barrier: an integer >= 1
   * (TypeError for a non-number, RangeError otherwise).
   */
  constructor(parties: number, options?: PrimitiveOptions) {
    super(options);
    this._parties = checkInteger(parties, 'Barrier parties', 1);
    this._cond = new Condition(undefined, this._loop === null ? undefined : { loop: this._loop });
  }

  /** @internal The condition's loop, which the barrier shares. */
  override _getLoop(): Loop {
    return this._loop = this._cond._getLoop();
  }

  /** The number of tasks needed to trip the barrier. */
  get parties(): number {
    return this._parties;
  }

  /** The number of tasks waiting for the barrier to fill (0 while it drains, resets or is broken). */
  get nWaiting(): number {
    return this._state === FILLING ? this._count : 0;
  }

  /** True once `abort()` broke the barrier (until `reset()`). */
  get broken(): boolean {
    return this._state === BROKEN;
  }

  /**
   * Waits until `parties` tasks are waiting, then resolves with this task's
   * arrival index, 0 to parties - 1. Fails with BrokenBarrierError when the
   * barrier is reset or aborted meanwhile, or is broken.
   */
  wait(options?: WaitOptions): Future<number> {
    const loop = this._getLoop();
    const aborted = options && abortedWait<number>(loop, options);
    if (aborted) return aborted;
    return bindSignalFirst(options, () => new CoroutineFuture(this._waitCoro(), loop, true));
  }

  /**
   * Returns the barrier to its empty state; tasks waiting in it fail with
   * BrokenBarrierError. Done once it has taken the condition's lock.
   */
  reset(): Future<void> {
    return new CoroutineFuture(this._resetCoro(), this._getLoop(), true);
  }

  /**
   * Breaks the barrier: waiting tasks and every later `wait()` fail with
   * BrokenBarrierError until `reset()`. Done once it has taken the condition's lock.
   */
  abort(): Future<void> {
    return new CoroutineFuture(this._abortCoro(), this._getLoop(), true);
  }

  /** @internal */
  *_waitCoro(): Coroutine<number> {
    const cond = this._cond;
    yield* cond.acquire();
    try {
      yield* this._block();
      const index = this._count++;
      try {
        if (index + 1 === this._parties) this._release();
        else yield* this._wait();
        return index;
      } finally {
        this._count--;
        this._exit();
      }
    } finally {
      cond.release();
    }
  }

  /** @internal Waits while the barrier drains or resets; fails when it is broken. */
  *_block(): Coroutine<void> {
    yield* this._cond.waitFor(() => this._state !== DRAINING && this._state !== RESETTING);
    if (this._state === BROKEN) throw new BrokenBarrierError('Barrier aborted');
  }

  /** @internal The last arrival: every waiter may go. */
  _release(): void {
    this._state = DRAINING;
    this._cond.notifyAll();
  }

  /** @internal Waits until the barrier stops filling; fails unless it drains. */
  *_wait(): Coroutine<void> {
    yield* this._cond.waitFor(() => this._state !== FILLING);
    if (this._state === BROKEN || this._state === RESETTING) {
      throw new BrokenBarrierError('Abort or reset of barrier');
    }
  }

  /** @internal The last task out ends draining or resetting and lets blocked newcomers in. */
  _exit(): void {
    if (this._count === 0) {
      if (this._state === RESETTING || this._state === DRAINING) this._state = FILLING;
      this._cond.notifyAll();
    }
  }

  /** @internal */
  *_resetCoro(): Coroutine<void> {
    const cond = this._cond;
    yield* cond.acquire();
    try {
      if (this._count > 0) this._state = RESETTING;
      else this._state = FILLING;
      cond.notifyAll();
    } finally {
      cond.release();
    }
  }

  /** @internal */
  *_abortCoro(): Coroutine<void> {
    const cond = this._cond;
    yield* cond.acquire();
    try {
      this._state = BROKEN;
      cond.notifyAll();
    } finally {
      cond.release();
    }
  }

  /** `<Barrier [filling, waiters:1/3]>` (`<Barrier [broken]>`): asyncio's repr, without the address. */
  override toString(): string {
    const s = this._state;
    return `<Barrier [${STATE_NAMES[s]}${s === BROKEN ? '' : `, waiters:${this.nWaiting}/${this._parties}`}]>`;
  }
}
