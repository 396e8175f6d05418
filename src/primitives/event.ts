import type { Loop } from '../contract/loop.js';
import { RESULT, resolvedFuture, type Future } from '../future/future.js';
import { abortedWait, bindSignal, type WaitOptions } from '../future/signal.js';
import { Waiter, WOKEN } from '../future/waiter.js';
import { LoopBound, type PrimitiveOptions } from './loop-bound.js';
import { stateRepr } from './repr.js';
import { addWaiter, dropWaiter, waiterList, type Waiters } from './waiters.js';

/**
 * asyncio.Event: a flag that tasks wait on. `set()` wakes every waiter once,
 * on the false→true transition only; `clear()` does not touch waiters that
 * were already woken.
 */
export class Event extends LoopBound {
  /** @internal */ _value = false;
  /** @internal Waiting waiters (cancelled ones leave at their next step); no array for a lone one. */
  _waiters: Waiters<EventWaiter> = null;

  constructor(options?: PrimitiveOptions) {
    super(options);
  }

  /** True while the flag is set. */
  isSet(): boolean {
    return this._value;
  }

  /** Sets the flag and wakes every waiter. */
  set(): void {
    if (this._value) return;
    this._value = true;
    const waiters = this._waiters;
    if (waiters === null) return;
    this._waiters = null;
    if (waiters instanceof EventWaiter) waiters._wake();
    else for (let i = 0; i < waiters.length; i++) waiters[i]!._wake();
  }

  /** Clears the flag; later waits block until the next `set()`. */
  clear(): void {
    this._value = false;
  }

  /** Resolves with `true` once the flag is set (at once when it already is). */
  wait(options?: WaitOptions): Future<true> {
    // The bound loop read in place: a call less per wait (XS counts each).
    const loop = this._loop ?? this._getLoop();
    const aborted = options && abortedWait<true>(loop, options);
    if (aborted) return aborted;
    if (this._value) return resolvedFuture(loop, true);
    const w = new EventWaiter(this, loop);
    const waiters = this._waiters;
    // The lone waiter inline: a call less per wait (XS counts each).
    this._waiters = waiters === null ? w : addWaiter(waiters, w);
    return options === undefined ? w : bindSignal(w, options);
  }

  /**
   * `<Event [set, waiters:2]>`: asyncio's repr, without the address. The
   * waiters counted are those not woken yet (asyncio also counts those woken
   * by `set()` until they run).
   */
  override toString(): string {
    return stateRepr('Event', this._value ? 'set' : 'unset', waiterList(this._waiters).length);
  }
}

/** @internal A wait() waiting for the flag (exported for anyloop/xs, whose C makes it). */
export class EventWaiter extends Waiter<true, Event> {
  // Explicit: XS runs an implicit derived constructor as `super(...args)`, about 80 computrons more per wait.
  constructor(owner: Event, loop: Loop) {
    super(owner, loop);
  }

  _resume(): void {
    // Not simply woken: a cancellation was requested (a field test, cheaper in XS than _cancelRequested()).
    if (this._state !== WOKEN) {
      const event = this._owner;
      event._waiters = dropWaiter(event._waiters, this);
      this._cancelNow();
    } else {
      this._complete(RESULT, true, true);
    }
  }
}
