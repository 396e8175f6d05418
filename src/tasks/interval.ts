import { ClosedError } from '../contract/errors.js';
import type { TimerHandle } from '../contract/handle.js';
import { checkLoop, type EntryTimers, type Loop, type MaybeAt, type TimerEntry, type TimerLoop } from '../contract/loop.js';
import { PENDING, RESULT, failedFuture, resolvedFuture, type Future } from '../future/future.js';
import { abortedWait, bindSignal, type WaitOptions } from '../future/signal.js';
import { Waiter, WOKEN } from '../future/waiter.js';
import { addWaiter, dropWaiter, waiterList, type Waiters } from '../primitives/waiters.js';
import { ClosableIterator } from '../future/closable-iterator.js';
import { currentLoop } from './task.js';
import { requireTimerLoop } from './timer-loop.js';

/** One tick of an interval. */
export interface Tick {
  /** The deadline this tick stands for, in loop time: `start + k * period`. */
  readonly time: number;
  /** Deadlines skipped since the previous tick because the consumer was late. */
  readonly missed: number;
}

/** Options of `interval`. */
export interface IntervalOptions {
  /** The loop (a TimerLoop); the current task's loop, else the default loop, when omitted. */
  loop?: Loop;
}

/**
 * A drift-free ticker: deadlines at `start + k * period` (k = 1, 2, ...),
 * where `start` is the loop time when it was made, whatever the consumer's
 * own delays. A consumer that falls behind does not get a burst of stale
 * ticks: the next `tick()` resolves at once with the latest deadline passed
 * and says how many it skipped (`missed`). Timers run only while someone
 * waits.
 *
 * ```ts
 * import { interval } from 'anyloop/xs';
 * const ticker = interval(500);
 * // in a generator coroutine
 * for (;;) { const { time, missed } = yield* ticker.tick(); trace(`${time} ${missed}\n`); }
 * ```
 *
 * ```ts
 * import { interval } from 'anyloop/xs';
 * const ticker = interval(500);
 * // in an async function
 * for await (const { time } of ticker) trace(`${time}\n`);
 * ```
 *
 * `close()` ends it: waiting ticks fail with ClosedError and `for await`
 * loops end.
 */
export function interval(period: number, options?: IntervalOptions): Interval {
  return new Interval(period, options);
}

/** The ticker `interval()` returns. */
export class Interval implements AsyncIterable<Tick> {
  /** Milliseconds between deadlines. */
  readonly period: number;
  /** @internal */ readonly _loop: TimerLoop;
  /** @internal The first deadline. */
  readonly _start: number;
  /** @internal The next deadline not yet handed out. */
  _next: number;
  /** @internal No array for a lone waiter (see Waiters). */ _waiters: Waiters<TickWaiter> = null;
  /**
   * @internal The deadline of the timer armed for `_next` while someone
   * waits, from arming until it has fired or is disarmed; else null.
   */
  _when: number | null = null;
  /** @internal Set by a loop with the EntryTimers hook (the interval is its own timer entry, with no TimerHandle per tick). */
  declare _seq?: number;
  /** @internal Set by a loop with the EntryTimers hook: >= 0 while the interval's timer is in its heap. */
  declare _index?: number;
  /** @internal The timer on a loop without the hook (declared: no XS slot otherwise). */
  declare _handle?: TimerHandle | null;
  /** @internal True once closed (declared: no XS slot while open). */
  declare _closed?: boolean;
  /** @internal Deadlines skipped so far (declared: no XS slot until the first). */
  declare _missed?: number;
  /**
   * @internal The loop time a tick was just taken at, while its consumer's
   * step runs inline in that same callback (else undefined): the `tick()`
   * that step mostly calls next needs no read of its own (a host call on a device).
   */
  declare _now?: number;

  constructor(period: number, options?: IntervalOptions) {
    if (typeof period !== 'number' || !Number.isFinite(period) || period <= 0) {
      throw new RangeError(`interval() period must be a positive, finite number of ms, got ${String(period)}`);
    }
    const loop = options?.loop === undefined ? currentLoop() : checkLoop(options.loop);
    this._loop = requireTimerLoop(loop, 'interval()');
    this.period = period;
    this._start = this._loop.time();
    this._next = this._start + period;
  }

  /** Deadlines skipped so far, in total. */
  get missed(): number {
    return this._missed ?? 0;
  }

  /** True once `close()` was called. */
  get closed(): boolean {
    return this._closed === true;
  }

  /**
   * Resolves with the next tick: at the next deadline, or at once (with the
   * latest deadline passed and the count of skipped ones) when the consumer
   * is late. Fails with ClosedError once the interval is closed.
   */
  tick(options?: WaitOptions): Future<Tick> {
    const aborted = options && abortedWait<Tick>(this._loop, options);
    if (aborted) return aborted;
    if (this._closed) return failedFuture(this._loop, closedError());
    // The clock is read once per tick and per wake-up: on a device each read is a host call.
    const now = this._now ?? this._loop.time();
    if (now >= this._next && waiterList(this._waiters).every(isCancelled)) {
      return resolvedFuture(this._loop, this._take(now));
    }
    const w = new TickWaiter(this, this._loop);
    const waiters = this._waiters;
    // The lone waiter inline: a call less per tick (XS counts each).
    this._waiters = waiters === null ? w : addWaiter(waiters, w);
    // `w` waits: the timer for the next deadline is due unless it is armed already (see _arm).
    if (this._when === null) this._setTimer();
    return options === undefined ? w : bindSignal(w, options);
  }

  /**
   * The ticks as an iterator that ends when the interval is closed (see
   * ClosableIterator). Once `options.signal` aborts, it fails with
   * CancelledError, and a deadline it was woken for goes to the next waiter.
   */
  ticks(options?: WaitOptions): ClosableIterator<Tick> {
    return new ClosableIterator((o) => this.tick(o), this._loop, options);
  }

  /** `for await (const tick of interval)`: the same as `ticks()`. */
  [Symbol.asyncIterator](): AsyncIterator<Tick, undefined> {
    return this.ticks()[Symbol.asyncIterator]();
  }

  /** Stops the ticker: its timer goes, waiters fail with ClosedError. Idempotent. */
  close(): void {
    if (this._closed) return;
    this._closed = true;
    this._disarm();
    for (const w of waiterList(this._waiters)) w._wake();
  }

  /** @internal Hands out the latest deadline passed at loop time `now`, counting the ones skipped. */
  _take(now: number): Tick {
    const period = this.period;
    // Math.floor of a quotient >= 0 (now >= _next > _start), without the call
    // (XS counts each): `q % 1` and so `q - q % 1` are exact.
    const q = (now - this._start) / period;
    let latest = this._start + (q - q % 1) * period;
    let missed = 0;
    // A tick on time (the common case) skips none: no Math.round to call.
    if (latest <= this._next) latest = this._next;
    else {
      missed = Math.round((latest - this._next) / period);
      if (missed !== 0) this._missed = (this._missed ?? 0) + missed;
    }
    this._next = latest + period;
    return { time: latest, missed };
  }

  /** @internal Keeps one timer for the next deadline while a waiter waits. */
  _arm(): void {
    if (this._when === null && waiterList(this._waiters).some(isWaiting)) this._setTimer();
  }

  /** @internal Arms the timer for `_next`: the interval itself on a loop with the EntryTimers hook, else a callAt. */
  _setTimer(): void {
    const loop = this._loop as MaybeAt & Partial<EntryTimers>;
    this._when = this._next;
    if (loop._expireAt !== undefined) loop._expireAt(this as TimerEntry);
    else this._handle = loop.callAt(this._next, fire, this);
  }

  /** @internal The timer goes, armed or already due: a due one that has not fired yet does nothing when it runs. */
  _disarm(): void {
    if (this._when === null) return;
    this._when = null;
    if (this._index! >= 0) (this._loop as unknown as EntryTimers)._expireCancel(this as TimerEntry);
    else if (this._handle != null) {
      this._handle.cancel();
      this._handle = null;
    }
  }

  /**
   * @internal TimerEntry: the deadline passed. Out of the heap and still
   * armed, else it is a due timer that was disarmed since (and maybe armed
   * again, in the heap then), which does nothing.
   */
  _expire(): void {
    // fire() written out: a call less per tick (XS counts each).
    if (this._when !== null && this._index === -1) {
      this._when = null;
      // _wakeFirst()'s common case, the lone waiter, in place: a call less per tick.
      const waiters = this._waiters;
      if (waiters instanceof TickWaiter) waiters._wake();
      else this._wakeFirst();
    }
  }

  /** @internal A deadline passed: wake the first waiter still waiting. */
  _wakeFirst(): void {
    const waiters = this._waiters;
    // The lone waiter without a list: a tick's common case.
    if (waiters instanceof TickWaiter) waiters._wake();
    else for (const w of waiterList(waiters)) if (w._wake()) return;
  }
}

function fire(it: Interval): void {
  it._when = null;
  if (it._handle != null) it._handle = null;
  it._wakeFirst();
}

function isCancelled(w: TickWaiter): boolean {
  return w._wCancelled();
}

function isWaiting(w: TickWaiter): boolean {
  return w._state === PENDING;
}

/** @internal A tick() waiting for its deadline (exported for anyloop/xs, whose C makes it). */
export class TickWaiter extends Waiter<Tick, Interval> {
  // Explicit: XS runs an implicit derived constructor as `super(...args)`, about 80 computrons more per tick.
  constructor(owner: Interval, loop: Loop) {
    super(owner, loop);
  }

  _resume(): void {
    const it = this._owner;
    // Simply woken (no cancellation requested: a field test, cheaper in XS than _cancelRequested()).
    if (this._state === WOKEN && !it._closed) {
      const now = it._loop.time();
      if (now < it._next) {
        // Woken for a deadline that another consumer took meanwhile: a tick is
        // never early, so it waits for the next deadline, keeping its place.
        this._rewait();
        it._arm();
        return;
      }
      // The lone waiter dropped in place, and _arm() called only when no timer
      // is armed (the consumer's next tick() in the step below arms it): calls less per tick.
      const waiters = it._waiters;
      it._waiters = waiters === this ? null : dropWaiter(waiters, this);
      const tick = it._take(now);
      it._now = now;
      this._complete(RESULT, tick, true);
      it._now = undefined;
      if (it._when === null) it._arm();
      return;
    }
    it._waiters = dropWaiter(it._waiters, this);
    if (this._cancelRequested()) {
      // Woken by a deadline and then cancelled: the deadline goes to the next waiter.
      if (!it._closed && it._loop.time() >= it._next) it._wakeFirst();
      if (!waiterList(it._waiters).some(isWaiting)) it._disarm();
      this._cancelNow();
    } else {
      this._completeException(closedError(), true);
    }
  }
}

function closedError(): ClosedError {
  return new ClosedError('the interval was closed');
}
