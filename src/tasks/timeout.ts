import { CancelledError, TimeoutError } from '../contract/errors.js';
import type { Handle } from '../contract/handle.js';
import type { EntryTimers, Loop, TimerEntry, TimerLoop } from '../contract/loop.js';
import { level, type Coroutine } from '../future/coroutine.js';
import { bodyCoroutine } from './follow.js';
import { Scope, type ScopeBody, type ScopeOptions } from './scope.js';
import type { Task } from './task.js';
import { checkDelay, requireTimerLoop } from './timer-loop.js';

/** @internal Timeout states. */
export const CREATED = 0, ENTERED = 1, EXPIRING = 2, EXPIRED = 3, EXITED = 4;
const STATE_NAMES = Object.freeze(['created', 'active', 'expiring', 'expired', 'finished']);

/**
 * asyncio.Timeout: the deadline of a `timeout()` scope, handed to its body.
 * Deadlines are loop times in milliseconds (`loop.time()`), as in asyncio;
 * null never expires.
 */
export class Timeout {
  /** @internal */ _state = CREATED;
  /** @internal */ _when: number | null;
  /** @internal */ readonly _loop: Loop;
  /**
   * @internal The expiry callback when it is a Handle: callSoon for a past
   * deadline, callAt on a loop without the EntryTimers hook (declared: no
   * XS slot otherwise; on anyloop's loops the scope is its own timer entry).
   */
  declare _handle?: Handle | null;
  /** @internal */ _task: Task<unknown> | null = null;
  /** @internal The task's `cancelling()` on entry, when not 0 (declared: no XS slot otherwise). */
  declare _cancelling?: number;
  /** @internal Set by a loop with the EntryTimers hook. */
  declare _seq?: number;
  /**
   * @internal Its place in the loop's heap (EntryTimers): >= 0 while in it,
   * -1 once due (its expiry queued), -2 once rescheduled since (that expiry
   * then does nothing).
   */
  declare _index?: number;

  /** @internal Made by `timeout()` and `timeoutAt()`. */
  constructor(when: number | null, loop: Loop) {
    this._when = when;
    this._loop = loop;
  }

  /** The deadline (loop time, ms), or null when there is none. */
  when(): number | null {
    return this._when;
  }

  /**
   * Moves the deadline to loop time `when` (absolute, as asyncio's
   * `reschedule`; null: never). A deadline already past expires in the next
   * loop turn. Only while the scope runs and has not expired.
   */
  reschedule(when: number | null): void {
    if (this._state !== ENTERED) {
      throw new Error(this._state === CREATED ? 'Timeout has not been entered'
        : `Cannot change state of ${STATE_NAMES[this._state]} Timeout`);
    }
    checkDelay(when, 'when', true);
    this._disarm();
    this._when = when;
    if (when === null || when === Infinity) return;
    const loop = requireTimerLoop(this._loop, 'a timeout') as TimerLoop & Partial<EntryTimers>;
    if (when <= loop.time()) this._handle = loop.callSoon(onTimeout, this);
    else if (loop._expireAt !== undefined) loop._expireAt(this as TimerEntry);
    else this._handle = loop.callAt(when, onTimeout, this);
  }

  /** `reschedule(loop.time() + ms)`; null: never. */
  rescheduleIn(ms: number | null): void {
    checkDelay(ms, 'ms', true);
    this.reschedule(ms === null ? null : requireTimerLoop(this._loop, 'a timeout').time() + ms);
  }

  /** True once the deadline passed and the scope cancelled its task. */
  expired(): boolean {
    return this._state === EXPIRING || this._state === EXPIRED;
  }

  /** `<Timeout [state] when=…>`, for logs. */
  toString(): string {
    return `<Timeout [${STATE_NAMES[this._state]}]${this._state === ENTERED ? ` when=${this._when}` : ''}>`;
  }

  /** @internal asyncio's `__aenter__`. */
  _enter(task: Task<unknown>): void {
    this._state = ENTERED;
    this._task = task;
    const cancelling = task.cancelling();
    if (cancelling !== 0) this._cancelling = cancelling;
    this.reschedule(this._when);
  }

  /** @internal asyncio's `__aexit__` (see exitTimeout). */
  _exit(failed: boolean, error: unknown): void {
    this._disarm();
    exitTimeout(this, failed, error);
  }

  /** @internal TimerEntry: the deadline passed. An expiry due before a reschedule or the exit does nothing. */
  _expire(): void {
    if (this._index === -1 && this._state === ENTERED) {
      this._task!.cancel();
      this._state = EXPIRING;
    }
  }

  /** @internal The timer goes, whichever it is; an expiry already due (queued) is made to do nothing. */
  _disarm(): void {
    const index = this._index;
    if (index !== undefined) {
      if (index >= 0) (this._loop as unknown as EntryTimers)._expireCancel(this as TimerEntry);
      this._index = -2;
    }
    if (this._handle != null) {
      this._handle.cancel();
      this._handle = null;
    }
  }
}

/** @internal What the expiry callback and `exitTimeout` act on: a Timeout, or a waitFor on a Future (wait-for.ts). */
export interface TimeoutState {
  _state: number;
  /** The expiry callback, when a Handle (a TimerEntry has none). */
  _handle?: Handle | null;
  _task: Task<unknown> | null;
  /** The task's `cancelling()` on entry; undefined is 0. */
  _cancelling?: number;
}

/**
 * @internal asyncio's `Timeout.__aexit__`: when the timeout expired and took
 * back its own cancellation (nobody else's is pending), the CancelledError
 * becomes TimeoutError. An outside cancellation is never converted.
 */
export function exitTimeout(t: TimeoutState, failed: boolean, error: unknown): void {
  // Tested, not `?.` then set: a TimerEntry has no handle field to set.
  if (t._handle != null) {
    t._handle.cancel();
    t._handle = null;
  }
  if (t._state === EXPIRING) {
    t._state = EXPIRED;
    if (t._task!.uncancel() <= (t._cancelling ?? 0) && failed && error instanceof CancelledError) {
      throw new TimeoutError('the timeout expired', { cause: error });
    }
  } else if (t._state === ENTERED) {
    t._state = EXITED;
  }
}

/** @internal The deadline passed: the scope's task is cancelled, and the scope takes that cancellation back on exit. */
export function onTimeout(t: TimeoutState): void {
  t._task!.cancel();
  t._state = EXPIRING;
  t._handle = null;
}

class TimeoutScope<T> extends Scope<T> {
  /** @internal */ readonly _timeout: Timeout;
  /** @internal */ readonly _body: ScopeBody<Timeout, T>;

  constructor(when: number | null, relative: boolean, body: ScopeBody<Timeout, T>, options: ScopeOptions | undefined) {
    if (typeof body !== 'function') throw new TypeError('the timeout() body must be a function');
    super(options);
    if (relative && when !== null) when += requireTimerLoop(this._loop, 'timeout(ms)').time();
    this._timeout = new Timeout(when, this._loop);
    this._body = body;
  }

  get _what(): string {
    return 'timeout()';
  }

  *_run(task: Task<unknown>): Coroutine<T> {
    const t = this._timeout;
    t._enter(task);
    let value: T;
    try {
      value = yield* level(bodyCoroutine<Timeout, T>(this._body, t, this._loop, 'the timeout() body'));
    } catch (e) {
      t._exit(true, e);
      throw e;
    }
    t._exit(false, undefined);
    return value;
  }
}

/**
 * asyncio.timeout as a scope: runs `body`, and if it is still running `ms`
 * milliseconds from now, cancels it and raises TimeoutError (its `cause` is
 * the CancelledError). `null` never expires. Inside a task:
 *
 * ```ts
 * import { Queue, timeout } from 'anyloop';
 * const queue = new Queue<string>();
 * const item = yield* timeout(100, function* () { return yield* queue.get(); });
 * ```
 *
 * From an async function: `await timeout(100, async (t, signal) => queue.get({ signal }))`
 * (the scope then runs in a task of its own, and an async body stops only
 * where it honours its signal). `t` is the Timeout: `reschedule()`, `expired()`.
 *
 * Nested timeouts: an expiry converts only its own cancellation, so with
 * equal deadlines the outer one raises TimeoutError and the inner one lets
 * CancelledError through. An outside `cancel()` is never turned into TimeoutError.
 */
export function timeout<T>(ms: number | null, body: ScopeBody<Timeout, T>, options?: ScopeOptions): Scope<T> {
  return new TimeoutScope(checkDelay(ms, 'timeout() delay', true), true, body, options);
}

/** asyncio.timeout_at: `timeout()` with a deadline in loop time (ms), or null for none. */
export function timeoutAt<T>(when: number | null, body: ScopeBody<Timeout, T>, options?: ScopeOptions): Scope<T> {
  return new TimeoutScope(checkDelay(when, 'timeoutAt() deadline', true), false, body, options);
}
