import { Future, futureFromThenable } from '../future/future.js';
import { loopStarted, loopStopped } from '../contract/default-loop.js';
import { checkTime } from '../contract/handle.js';
import { BaseLoop } from './base.js';

/**
 * A deterministic loop on a virtual clock that starts at 0 and moves only when
 * told to (`advance`) or when nothing else can happen (`runUntilComplete`).
 * It never touches the host's timers, so tests with it have no wall-clock waits.
 */
export class VirtualTimeLoop extends BaseLoop {
  private _now = 0;
  /** Set while `advance`, `runUntilIdle` or `runUntilComplete` runs: they cannot be re-entered. */
  private _running: string | null = null;
  /** Turns `runUntilIdle` may run before it decides the loop never goes idle. */
  maxTurns = 1_000_000;

  time(): number {
    return this._now;
  }

  /**
   * Moves time forward by `ms`, running every timer due on the way in deadline
   * order (each at its own deadline), then the ready callbacks.
   */
  advance(ms: number): void {
    checkTime(ms, 'ms');
    if (ms < 0) throw new RangeError(`advance() needs a non-negative duration, got ${ms}`);
    this._enter('advance');
    try {
      const target = this._now + ms;
      this._idle();
      for (;;) {
        const next = this._timers.nextWhen();
        if (next === undefined || next > target) break;
        if (next > this._now) this._now = next;
        this._idle();
      }
      this._now = target;
      this._idle();
    } finally {
      this._running = null;
    }
  }

  /**
   * Runs turns until nothing is ready or due now, without moving time.
   * Throws an Error when called from one of the loop's callbacks (the loop is
   * already running).
   */
  runUntilIdle(): void {
    this._enter('runUntilIdle');
    try {
      this._idle();
    } finally {
      this._running = null;
    }
  }

  /** @internal runUntilIdle's turns. */
  private _idle(): void {
    let turns = 0;
    while (this._hasWork()) {
      if (++turns > this.maxTurns) {
        throw new Error(`runUntilIdle: the loop did not go idle within ${this.maxTurns} turns (a task that never waits?)`);
      }
      this._runOnce();
    }
  }

  /** @internal Refuses to run a closed loop, or one that runs already (re-entered from a callback). */
  private _enter(what: string): void {
    this._checkSchedule();
    if (this._running !== null) {
      throw new Error(`${what}: the VirtualTimeLoop is already running (in ${this._running}); a callback cannot run its own loop`);
    }
    this._running = what;
  }

  /**
   * Runs the loop until `future` is done and returns its result (or throws its
   * exception). Whenever nothing is ready, time jumps to the next deadline.
   * Throws an Error when nothing is left that could complete it.
   */
  runUntilComplete<T>(future: Future<T>): T {
    if (!(future instanceof Future)) throw new TypeError('runUntilComplete() needs a Future');
    listen(future);
    this._enter('runUntilComplete');
    try {
      let turns = 0;
      while (!future.done()) {
        if (++turns > this.maxTurns) {
          throw new Error(`runUntilComplete: the future was not done within ${this.maxTurns} turns`);
        }
        if (this._ready.length === 0 && !this._hasWork()) {
          const next = this._timers.nextWhen();
          if (next === undefined) {
            throw new Error('runUntilComplete: the future can never complete: no callback is ready and no timer is pending');
          }
          this._now = next;
        }
        this._runOnce();
      }
    } finally {
      this._running = null;
    }
    return future.result();
  }

  /**
   * Like runUntilComplete, for work that also waits on native promises (async
   * functions): whenever the loop is idle it lets the host run promise jobs
   * before moving virtual time.
   */
  async runUntilCompleteAsync<T>(awaitable: Future<T> | PromiseLike<T>): Promise<T> {
    this._checkSchedule();
    const future = awaitable instanceof Future ? awaitable : futureFromThenable(awaitable, this);
    listen(future);
    // Promise jobs run between its turns: code there (an async function after
    // an await) belongs to this loop while it runs (getEventLoop()).
    loopStarted(this);
    try {
      return await this._completeAsync(future);
    } finally {
      loopStopped(this);
    }
  }

  /** @internal runUntilCompleteAsync's turns and host turns. */
  private async _completeAsync<T>(future: Future<T>): Promise<T> {
    let turns = 0;
    while (!future.done()) {
      if (++turns > this.maxTurns) {
        throw new Error(`runUntilCompleteAsync: the future was not done within ${this.maxTurns} turns`);
      }
      if (this._hasWork()) {
        this._enter('runUntilCompleteAsync');
        try {
          this._runOnce();
        } finally {
          this._running = null;
        }
        continue;
      }
      await hostTurn();
      if (future.done() || this._hasWork()) continue;
      const next = this._timers.nextWhen();
      if (next === undefined) {
        throw new Error('runUntilCompleteAsync: the future can never complete: nothing is ready, no timer is pending and no promise job ran');
      }
      this._now = next;
    }
    return future.result();
  }
}

/** Resolves after the host has run every pending promise job. */
function hostTurn(): Promise<void> {
  const g = globalThis as { setImmediate?: (cb: () => void) => unknown; setTimeout?: (cb: () => void, ms: number) => unknown };
  return new Promise((resolve) => {
    if (typeof g.setImmediate === 'function') g.setImmediate(resolve);
    else if (typeof g.setTimeout === 'function') g.setTimeout(resolve, 0);
    else resolve();
  });
}

/** The caller gets the future's outcome: its failure is not one that nobody handles. */
function listen(future: Future<unknown>): void {
  if (!future.done()) future.then(undefined, ignore);
}

function ignore(): void {}
