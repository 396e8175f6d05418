import { loopStarted, loopStopped } from '../contract/default-loop.js';
import type { TimerHandle } from '../contract/handle.js';
import type { TimerEntry } from '../contract/loop.js';
import { Future, isThenable } from '../future/future.js';
import { BaseLoop } from './base.js';
import { TimerHeap } from './timer-heap.js';

/**
 * The host functions NodeLoop schedules with. The defaults are Node's globals;
 * tests inject their own to count host timers.
 */
export interface NodeHost {
  /** Node's `setTimeout`. */
  setTimeout(callback: () => void, ms: number): unknown;
  /** Node's `clearTimeout`. */
  clearTimeout(id: unknown): void;
  /** Node's `setImmediate`. */
  setImmediate(callback: () => void): unknown;
  /** Node's `clearImmediate`. */
  clearImmediate(id: unknown): void;
  /** Monotonic milliseconds (`performance.now()`). */
  now(): number;
  /**
   * Runs `callback` in the current host macrotask once the promise jobs
   * pending now, and every job they queue in turn, have run. Node's is a
   * promise job then `process.nextTick`: a tick queued while promise jobs
   * run waits until none is left. Without it, NodeLoop runs one turn per
   * `setImmediate`.
   */
  afterJobs?(callback: () => void): void;
}

/** Options of the NodeLoop constructor. */
export interface NodeLoopOptions {
  /** Host scheduling functions; Node's own when omitted. */
  host?: NodeHost;
}

/** Node clamps longer delays to 1 ms; a longer wait is armed in steps of this. */
const MAX_DELAY = 2_147_483_647;

/**
 * Turns run one after another (each after the promise jobs of the one
 * before) before the loop lets Node's timers and I/O in through a
 * `setImmediate`: a host macrotask costs more than a turn of a hand-off.
 */
export const TURNS_PER_MACROTASK = 64;

/**
 * A TimerLoop on Node's own scheduling.
 *
 * It is host-integrated: it processes callbacks whenever it has work, in any
 * Node program, without a run call. A turn runs once the promise jobs queued
 * before it (and those they queue) have run, so code after an `await` in an
 * async function runs between turns as it would between host macrotasks; up
 * to TURNS_PER_MACROTASK (64) turns run that way in one host macrotask, then
 * the next turn waits for a `setImmediate` (at most one is pending), so that
 * Node's timers and I/O are never starved. Timers share ONE host
 * `setTimeout`, re-armed for the earliest deadline. When nothing is pending the loop holds no host handle, so the
 * process can exit. `runForever()` and `runUntilComplete()` therefore only
 * wait: the first keeps the process alive until `stop()`; the second holds
 * nothing itself, since whatever can settle its awaitable (a timer, I/O) keeps
 * the process alive already.
 *
 * `time()` is `performance.now()`: monotonic milliseconds.
 */
export class NodeLoop extends BaseLoop {
  /** @internal The timer heap, telling the loop when a timer is cancelled. */
  override readonly _timers: TimerHeap = new NotifyingTimerHeap(() => this._onTimerCancelled());
  private readonly _host: NodeHost;
  private _immediate: unknown = null;
  /** A turn is queued behind the promise jobs (host.afterJobs). */
  private _chained = false;
  /** Turns run since the last host macrotask that started one. */
  private _turns = 0;
  private _timer: unknown = null;
  /** The deadline the host timer is armed for (Infinity when none). */
  private _armedWhen = Infinity;
  private _forever: { resolve: () => void } | null = null;
  private readonly _runs = new Set<{ reject: (e: Error) => void }>();
  private readonly _onImmediate = (): void => {
    this._immediate = null;
    this._turns = 0;
    this._turn();
  };
  private readonly _onChained = (): void => {
    this._chained = false;
    if (!this._closed) this._turn();
  };
  private readonly _onTimer = (): void => {
    this._timer = null;
    this._armedWhen = Infinity;
    // A turn already scheduled runs the due timers; running one here too would be a second.
    if (this._immediate === null && !this._chained) {
      this._turns = 0;
      this._turn();
    }
  };

  constructor(options?: NodeLoopOptions) {
    super();
    if (options !== undefined && (options === null || typeof options !== 'object')) {
      throw new TypeError('NodeLoop options must be an object');
    }
    this._host = options?.host === undefined ? nodeHost() : checkHost(options.host);
  }

  time(): number {
    return this._host.now();
  }

  /** True while `runForever()` or `runUntilComplete()` is waiting. */
  isRunning(): boolean {
    return this._forever !== null || this._runs.size > 0;
  }

  /**
   * Waits until `stop()` is called, keeping the process alive meanwhile.
   * Callbacks run whether or not this is called. Rejects with an Error when
   * the loop is closed or already running forever.
   */
  runForever(): Promise<void> {
    if (this._closed) return Promise.reject(closedError());
    if (this._forever !== null) return Promise.reject(new Error('NodeLoop is already running forever'));
    return new Promise<void>((resolve) => {
      this._forever = { resolve };
      loopStarted(this);
      this._reschedule();
    });
  }

  /**
   * Resolves with the result of `awaitable` (a Future or a PromiseLike), or
   * rejects with its exception. `stop()` before it settles rejects with an
   * Error, as asyncio's run_until_complete does; so does a closed loop.
   */
  runUntilComplete<T>(awaitable: Future<T> | PromiseLike<T>): Promise<T> {
    if (this._closed) return Promise.reject(closedError());
    if (!(awaitable instanceof Future) && !isThenable(awaitable)) {
      return Promise.reject(new TypeError('runUntilComplete() needs a Future or a PromiseLike'));
    }
    return new Promise<T>((resolve, reject) => {
      const run = { reject };
      this._runs.add(run);
      loopStarted(this);
      const settle = (ok: boolean, v: unknown): void => {
        if (!this._runs.delete(run)) return;
        loopStopped(this);
        if (ok) resolve(v as T);
        else reject(v);
      };
      try {
        awaitable.then((v) => settle(true, v), (e) => settle(false, e));
      } catch (e) {
        settle(false, e);
      }
    });
  }

  /**
   * Ends `runForever()` and makes pending `runUntilComplete()` calls reject.
   * Scheduled callbacks keep running: the loop is host-integrated.
   */
  stop(): void {
    const forever = this._forever;
    this._forever = null;
    if (forever !== null) {
      loopStopped(this);
      forever.resolve();
    }
    const runs = [...this._runs];
    this._runs.clear();
    for (const run of runs) {
      loopStopped(this);
      run.reject(new Error('NodeLoop stopped before the future completed'));
    }
    this._reschedule();
  }

  /**
   * Closes the loop (see BaseLoop's `close()`: every task of the loop ends
   * cancelled, callbacks and timers are cancelled) and releases the host
   * handles. Throws while running (call `stop()` first). Idempotent.
   */
  override close(): void {
    if (this.isRunning()) throw new Error('cannot close a running NodeLoop; call stop() first');
    super.close();
  }

  protected override _onClose(): void {
    this._reschedule();
  }

  protected override _hostWake(): void {
    if (this._immediate === null && !this._chained) this._reschedule();
  }

  /** One turn, then whatever host callback the remaining work needs. */
  private _turn(): void {
    this._turns++;
    this._runOnce();
    this._reschedule();
  }

  /** @internal EntryTimers: a time limit (waitFor, a timeout scope) or an interval's timer that goes counts as a cancelled timer. */
  override _expireCancel(entry: TimerEntry): void {
    super._expireCancel(entry);
    this._onTimerCancelled();
  }

  /**
   * With no live timer left, the host timer must go so that the process can
   * exit. Otherwise it stays: an early wake-up re-arms it, which is cheaper
   * than re-arming on every cancel (timeouts are mostly cancelled).
   */
  private _onTimerCancelled(): void {
    if (this._timers.size === 0 && this._immediate === null && !this._chained) this._reschedule();
  }

  /**
   * Keeps the host handles in step with the work: a turn queued behind the
   * promise jobs, or a pending setImmediate once this macrotask ran its share
   * of turns, when a turn can run now; else the host timer armed for the
   * earliest deadline (or a keep-alive while running forever), else nothing
   * at all.
   */
  private _reschedule(): void {
    const host = this._host;
    if (this._closed) {
      if (this._immediate !== null) host.clearImmediate(this._immediate);
      this._immediate = null;
      this._disarm();
      return;
    }
    if (this._hasWork()) {
      if (this._immediate !== null || this._chained) return;
      if (this._turns < TURNS_PER_MACROTASK && host.afterJobs !== undefined) {
        this._chained = true;
        host.afterJobs(this._onChained);
      } else {
        this._immediate = host.setImmediate(this._onImmediate);
      }
      return;
    }
    if (this._immediate !== null || this._chained) return;
    const next = this._timers.nextWhen();
    const want = next ?? (this._forever !== null ? this.time() + MAX_DELAY : Infinity);
    if (want === Infinity) {
      this._disarm();
    } else if (next === undefined ? this._timer === null : want !== this._armedWhen) {
      this._disarm();
      this._armedWhen = want;
      // Whole milliseconds, rounded up: Node's timers fire on its own ms clock.
      const delay = Math.min(MAX_DELAY, Math.max(0, Math.ceil(want - this.time())));
      this._timer = host.setTimeout(this._onTimer, delay);
    }
  }

  private _disarm(): void {
    if (this._timer !== null) this._host.clearTimeout(this._timer);
    this._timer = null;
    this._armedWhen = Infinity;
  }
}

function closedError(): Error {
  return new Error('NodeLoop is closed');
}

/** A TimerHeap that reports cancellations to its loop. */
class NotifyingTimerHeap extends TimerHeap {
  private readonly _onCancel: () => void;

  constructor(onCancel: () => void) {
    super();
    this._onCancel = onCancel;
  }

  override _timerCancelled(h: TimerHandle): void {
    super._timerCancelled(h);
    this._onCancel();
  }

  override _futureDone(): void {
    super._futureDone();
    this._onCancel();
  }
}

/** Settled once: `.then` on it queues a promise job (cheaper than Node's queueMicrotask, which tracks async context). */
const RESOLVED = Promise.resolve();

/** Node's own scheduling functions, read from globalThis (src/ is compiled without Node's types). */
function nodeHost(): NodeHost {
  const g = globalThis as unknown as {
    setTimeout?: (cb: () => void, ms: number) => unknown;
    clearTimeout?: (id: unknown) => void;
    setImmediate?: (cb: () => void) => unknown;
    clearImmediate?: (id: unknown) => void;
    performance?: { now(): number };
    process?: { nextTick?: (cb: () => void) => void };
  };
  const { setTimeout, clearTimeout, setImmediate, clearImmediate, performance } = g;
  const nextTick = g.process?.nextTick;
  if (typeof setTimeout !== 'function' || typeof clearTimeout !== 'function' ||
      typeof setImmediate !== 'function' || typeof clearImmediate !== 'function' ||
      typeof performance?.now !== 'function') {
    throw new Error('NodeLoop needs Node.js: setTimeout, setImmediate and performance.now were not found');
  }
  return {
    setTimeout: (cb, ms) => setTimeout(cb, ms),
    clearTimeout: (id) => clearTimeout(id),
    setImmediate: (cb) => setImmediate(cb),
    clearImmediate: (id) => clearImmediate(id),
    now: () => performance.now(),
    afterJobs: typeof nextTick === 'function' ? afterJobs(nextTick) : undefined,
  };
}

/** NodeHost's afterJobs on Node's `process.nextTick`. */
function afterJobs(nextTick: (cb: () => void) => void): (cb: () => void) => void {
  // A loop passes the same callback every turn: its relay is made once, not once per turn.
  let callback: (() => void) | undefined;
  let relay: () => void;
  return (cb) => {
    if (cb !== callback) {
      callback = cb;
      relay = () => nextTick(cb);
    }
    // A promise job first: a tick queued from a host callback would run before its promise jobs.
    RESOLVED.then(relay);
  };
}

function checkHost(host: unknown): NodeHost {
  const h = host as Partial<NodeHost> | null;
  if (h === null || typeof h !== 'object' || typeof h.setTimeout !== 'function' || typeof h.clearTimeout !== 'function' ||
      typeof h.setImmediate !== 'function' || typeof h.clearImmediate !== 'function' || typeof h.now !== 'function' ||
      (h.afterJobs !== undefined && typeof h.afterJobs !== 'function')) {
    throw new TypeError('host must provide setTimeout, clearTimeout, setImmediate, clearImmediate and now (and afterJobs, if any, a function)');
  }
  return h as NodeHost;
}
