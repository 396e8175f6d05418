import { BrokenBarrierError } from '../contract/errors.js';
import type { Loop } from '../contract/loop.js';
import { RESULT, type Future } from '../future/future.js';
import { abortedWait, bindSignalFirst, type WaitOptions } from '../future/signal.js';
import { StepFuture } from '../future/step-future.js';
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
    return bindSignalFirst(options, () => new BarrierWait(this, loop));
  }

  /**
   * Returns the barrier to its empty state; tasks waiting in it fail with
   * BrokenBarrierError. Done once it has taken the condition's lock.
   */
  reset(): Future<void> {
    return new BarrierChange(this, this._getLoop(), true);
  }

  /**
   * Breaks the barrier: waiting tasks and every later `wait()` fail with
   * BrokenBarrierError until `reset()`. Done once it has taken the condition's lock.
   */
  abort(): Future<void> {
    return new BarrierChange(this, this._getLoop(), false);
  }

  /** @internal The last arrival: every waiter may go. */
  _release(): void {
    this._state = DRAINING;
    this._cond.notifyAll();
  }

  /** @internal The last task out ends draining or resetting and lets blocked newcomers in. */
  _exit(): void {
    if (this._count === 0) {
      if (this._state === RESETTING || this._state === DRAINING) this._state = FILLING;
      this._cond.notifyAll();
    }
  }

  /** `<Barrier [filling, waiters:1/3]>` (`<Barrier [broken]>`): asyncio's repr, without the address. */
  override toString(): string {
    const s = this._state;
    return `<Barrier [${STATE_NAMES[s]}${s === BROKEN ? '' : `, waiters:${this.nWaiting}/${this._parties}`}]>`;
  }
}

/** The steps of a `wait()`: taking the condition's lock, waiting while the barrier drains or resets, then waiting until it fills. */
const ACQUIRE = 0, BLOCK = 1, WAIT = 2;

/** asyncio's `Barrier.wait`, stepping itself (see StepFuture). */
class BarrierWait extends StepFuture<number> {
  /** @internal */ readonly _barrier: Barrier;
  /** @internal ACQUIRE, BLOCK or WAIT. */
  _phase = ACQUIRE;
  /** @internal This task's arrival index, from WAIT on. */
  declare _index: number;

  constructor(barrier: Barrier, loop: Loop) {
    super(loop);
    this._barrier = barrier;
    if (!this._await(barrier._cond.acquire())) this._block();
  }

  _step(ok: boolean, value: unknown): void {
    const phase = this._phase;
    if (!ok) {
      if (phase === ACQUIRE) this._fail(value);
      else this._leave(false, value);
    } else if (phase === ACQUIRE) {
      this._block();
    } else if (phase === BLOCK) {
      this._arrive();
    } else {
      this._passed();
    }
  }

  /** @internal Waits while the barrier drains or resets. */
  _block(): void {
    const b = this._barrier;
    this._phase = BLOCK;
    if (!this._await(b._cond.waitFor(() => b._state !== DRAINING && b._state !== RESETTING))) this._arrive();
  }

  /** @internal Fails when the barrier is broken; else counts this task in, and trips the barrier or waits until it fills. */
  _arrive(): void {
    const b = this._barrier;
    if (b._state === BROKEN) {
      this._leave(false, new BrokenBarrierError('Barrier aborted'));
      return;
    }
    this._phase = WAIT;
    const index = this._index = b._count++;
    if (index + 1 === b._parties) {
      b._release();
      this._leave(true, index);
    } else if (!this._await(b._cond.waitFor(() => b._state !== FILLING))) {
      this._passed();
    }
  }

  /** @internal The barrier stopped filling: it passes unless it was reset or aborted. */
  _passed(): void {
    const s = this._barrier._state;
    if (s === BROKEN || s === RESETTING) this._leave(false, new BrokenBarrierError('Abort or reset of barrier'));
    else this._leave(true, this._index);
  }

  /** @internal asyncio's `finally` blocks: a counted task leaves, the lock is released; then the outcome. */
  _leave(ok: boolean, value: unknown): void {
    const b = this._barrier;
    if (this._phase === WAIT) {
      b._count--;
      b._exit();
    }
    b._cond.release();
    if (ok) this._complete(RESULT, value, true);
    else this._fail(value);
  }
}

/** asyncio's `Barrier.reset` (`reset` true) or `Barrier.abort`: takes the lock, changes the state, notifies every waiter. */
class BarrierChange extends StepFuture<void> {
  /** @internal */ readonly _barrier: Barrier;
  /** @internal */ readonly _reset: boolean;

  constructor(barrier: Barrier, loop: Loop, reset: boolean) {
    super(loop);
    this._barrier = barrier;
    this._reset = reset;
    if (!this._await(barrier._cond.acquire())) this._change();
  }

  _step(ok: boolean, value: unknown): void {
    if (ok) this._change();
    else this._fail(value);
  }

  /** @internal With the lock held. */
  _change(): void {
    const b = this._barrier;
    if (!this._reset) b._state = BROKEN;
    else b._state = b._count > 0 ? RESETTING : FILLING;
    b._cond.notifyAll();
    b._cond.release();
    this._complete(RESULT, undefined, true);
  }
}
