import { loopStarted, loopState, loopStopped } from '../../contract/default-loop.js';
import { BaseLoop } from '../base.js';

/**
 * The part of Moddable's `timer` module XsLoop uses: pass its default export
 * (`import Timer from "timer"`).
 */
export interface XsTimer {
  // The timer object's type is the host's (or the simulator's); the loop only hands it back.
  /** Moddable's `Timer.set`: calls `callback` after `interval` ms, then every `repeat` ms if given. */
  set(callback: (timer: any) => void, interval?: number, repeat?: number): unknown;
  /** Moddable's `Timer.schedule`: re-arms `timer`. */
  schedule(timer: any, interval?: number, repeat?: number): void;
  /** Moddable's `Timer.clear`. */
  clear(timer: any): void;
}

/** The part of Moddable's `time` module XsLoop uses: pass its default export (`import Time from "time"`). */
export interface XsTime {
  /** The host's millisecond counter (a signed 32-bit integer on the ESP32: it wraps). */
  readonly ticks: number;
}

/** Options of the XsLoop constructor. */
export interface XsLoopOptions {
  /** Moddable's Timer class. */
  Timer: XsTimer;
  /** Moddable's Time class. */
  Time: XsTime;
  /** Callbacks one turn may run; the rest of the turn's snapshot waits for the next turn (default 64). */
  maxCallbacksPerTurn?: number;
  /**
   * Turns one firing of the host timer may run, back to back while callbacks
   * are ready, before the loop yields to the host (default 8). The host
   * waits for at most `maxTurnsPerFiring × maxCallbacksPerTurn` callbacks.
   */
  maxTurnsPerFiring?: number;
  /** Where the default exception handler prints (default: the global `trace`). */
  trace?: (text: string) => void;
}

/**
 * How long the host timer may sleep: about 12 days. The loop wakes at least
 * this often, so that its clock sees every wrap of the 32-bit tick counter.
 */
const CLOCK_GUARD = 2 ** 30;

/** The default of `maxCallbacksPerTurn`. */
const MAX_PER_TURN = 64;

/**
 * The default of `maxTurnsPerFiring`: above the 5 turns of the esp32 example
 * app's longest chain of hand-offs, so that a chain seldom needs two
 * firings, while the host waits for at most 8 × 64 callbacks.
 */
const MAX_TURNS = 8;

/** How the exception handler hears of a failed turn of a firing. */
const FIRING_FAILED = 'Exception in the XsLoop host timer callback';

/** Where a host timer keeps its loop. */
const LOOP = Symbol('anyloop.XsLoop');

/** A host timer, as XsLoop tags it. */
type HostTimer = { [LOOP]: XsLoop };

/**
 * The event loop for the Moddable SDK's XS engine (ESP32 and every other
 * Moddable host), on ONE host timer for its whole life.
 *
 * Moddable keeps its timers in a list scanned on every pass of the host run
 * loop, each one a native record plus a pinned object; so the loop keeps its
 * own timers in a binary heap (a cancelled timer leaves it at once, a cancelled
 * sleep once it reaches the top or cancelled sleeps are half of them) and its ready
 * callbacks in a ring buffer, and reschedules its single host timer with
 * `Timer.schedule`: to 0 ms while callbacks are ready, to the earliest
 * deadline otherwise. The host timer repeats (with a 12-day period), so it is
 * never cleared by the host after firing, as one-shots are.
 *
 * Each turn runs the callbacks that were ready when it began (the due timers
 * first moved among them), at most `maxCallbacksPerTurn` of them; callbacks
 * scheduled meanwhile run in a later turn. A firing of the host timer runs
 * turns back to back while callbacks are ready, at most `maxTurnsPerFiring`
 * of them, then the host gets a full pass, in which it delivers GPIO,
 * network and promise-job messages: a task that loops on `sleep(0)` cannot
 * starve an interrupt. So promise jobs (an async function's continuation
 * after an `await`) run after the firing, not between its turns: the loop
 * never relies on them for its own ordering.
 *
 * Every callback runs wrapped: an exception goes to the exception handler
 * (the default one prints through `trace` and never throws), since one that
 * escaped to the host would abort XS and reboot the device. When idle the
 * loop does nothing and allocates nothing: the host timer sleeps.
 *
 * `time()` is the host's millisecond tick (`Time.ticks`), unwrapped into a
 * monotonic count; `Date.now()` is not used because SNTP can move it.
 *
 * Moddable's host owns the run loop, so `runForever()` returns at once: from
 * then on the host runs the loop, until `stop()`. Once `close()`d, scheduling
 * throws an Error.
 */
export class XsLoop extends BaseLoop {
  /**
   * Turns the loop has run, each one a `_runOnce` (due timers moved, the
   * ready snapshot run), however many share a firing of the host timer. A
   * firing while running runs one turn at least, an empty one when it
   * finds nothing to do (a clock-guard wake-up every 2^30 ms); a firing
   * while stopped runs none.
   */
  turns = 0;
  /**
   * @internal What XsLoop's host firing in C (src/moddable/native.c) needs
   * of this module, which anyloop/xs hands it with the C functions: the
   * symbol the loop hides under on its host timer, the defaults, the
   * clock guard and the failed firing's message (a string the C does not
   * allocate). A static: an export only anyloop/xs imported would be
   * tree-shaken out of dist/.
   */
  static readonly _constants = Object.freeze({
    loop: LOOP,
    clockGuard: CLOCK_GUARD,
    maxCallbacksPerTurn: MAX_PER_TURN,
    maxTurnsPerFiring: MAX_TURNS,
    firingFailed: FIRING_FAILED,
  });
  private readonly _Timer: XsTimer;
  private readonly _Time: XsTime;
  // Set only when given: an option at its default costs no XS slot.
  declare private readonly _maxPerTurn?: number;
  declare private readonly _maxTurns?: number;
  declare private readonly _trace?: (text: string) => void;
  private _host: unknown;
  /** The loop time the host timer fires at, as far as the loop knows. */
  private _armedAt: number;
  /** The unwrapped tick count: equal to the last `Time.ticks` read modulo 2^32. */
  private _now: number;
  private _running = false;
  /**
   * A host timer fired: turns of its loop (while running), then re-arm.
   * Nothing escapes to the host.
   *
   * While callbacks are ready after a turn the next turn follows at once,
   * up to `maxTurnsPerFiring` turns: a hand-off between tasks is a turn, and
   * going back to the host for each one (re-arming the host timer to 0 ms,
   * this function again) cost the esp32 example app about 120 computrons of
   * its own in XS, beside the host's work of a firing. Each turn
   * is still asyncio's: it moves the timers due by then (so a ready-queue
   * ping-pong cannot starve a timer) and runs the snapshot of callbacks ready
   * when it began. The bound protects the host: its GPIO, network and
   * promise-job messages wait while a firing runs, and two tasks handing
   * off to each other for ever would otherwise keep the firing from ever
   * returning, which hangs the device (the ESP32's task watchdog is off by
   * default). `stop()` ends the firing after its turn.
   *
   * One function for every loop, which finds its loop on the timer Moddable
   * calls it with (a closure per loop would be 9 XS slots); a function of
   * its own, not one calling a method: each frame costs XS stack, which a
   * device has little of.
   */
  private static _onHost(timer: HostTimer | number): void {
    const loop = (timer as HostTimer)[LOOP];
    // From here on `timer` counts the turns left in this firing, and is -1
    // once they are over, so that the catch tells a failure of
    // `Timer.schedule` from a failed turn: a local of its own would be a
    // slot more of XS stack under every callback of the firing.
    timer = loop._maxTurns ?? MAX_TURNS;
    try {
      // When the host timer fires next is not known without reading the
      // clock (a host call): taken as never, so _arm re-arms it, as it
      // does after nearly every firing anyway.
      loop._armedAt = Infinity;
      // The next turn at once while callbacks are ready, up to the bound (see above).
      while (loop._running) {
        loop.turns++;
        loop._runOnce(loop._maxPerTurn ?? MAX_PER_TURN);
        if (loop._ready.length === 0 || --timer === 0) break;
      }
      timer = -1;
      // The firing's one try covers the re-arming too (a try costs about 25 computrons in XS).
      loop._arm();
    } catch (exception) {
      // One try for the firing: a failed turn ends here too.
      if (timer === -1) loop._recover();
      else loop.callExceptionHandler({ message: FIRING_FAILED, exception });
    }
  }

  constructor(options: XsLoopOptions) {
    super();
    if (options === null || typeof options !== 'object') throw new TypeError('XsLoop needs options { Timer, Time }');
    const { Timer, Time, maxCallbacksPerTurn = MAX_PER_TURN, maxTurnsPerFiring = MAX_TURNS, trace } = options;
    if (Timer === null || typeof Timer !== 'object' && typeof Timer !== 'function' ||
        typeof Timer.set !== 'function' || typeof Timer.schedule !== 'function' || typeof Timer.clear !== 'function') {
      throw new TypeError('XsLoop: Timer must be Moddable\'s Timer (import Timer from "timer")');
    }
    // One read of the tick counter (a host call) both checks Time and starts the clock.
    const ticks = Time === null || typeof Time !== 'object' && typeof Time !== 'function' ? undefined : Time.ticks;
    if (typeof ticks !== 'number') throw new TypeError('XsLoop: Time must be Moddable\'s Time (import Time from "time")');
    if (!Number.isInteger(maxCallbacksPerTurn) || maxCallbacksPerTurn < 1) {
      throw new RangeError(`maxCallbacksPerTurn must be a positive integer, got ${String(maxCallbacksPerTurn)}`);
    }
    if (!Number.isInteger(maxTurnsPerFiring) || maxTurnsPerFiring < 1) {
      throw new RangeError(`maxTurnsPerFiring must be a positive integer, got ${String(maxTurnsPerFiring)}`);
    }
    if (trace !== undefined && typeof trace !== 'function') throw new TypeError('trace must be a function');
    this._Timer = Timer;
    this._Time = Time;
    if (maxCallbacksPerTurn !== MAX_PER_TURN) this._maxPerTurn = maxCallbacksPerTurn;
    if (maxTurnsPerFiring !== MAX_TURNS) this._maxTurns = maxTurnsPerFiring;
    if (trace !== undefined) this._trace = trace;
    this._now = ticks;
    this._host = this._setHost(CLOCK_GUARD);
    this._armedAt = this._now + CLOCK_GUARD;
  }

  /** Monotonic loop time in ms: the host's tick counter, with its wraps undone. */
  time(): number {
    // Signed 32-bit difference from the last read (`_now` is that read plus
    // a multiple of 2^32, which `| 0` drops): right across a wrap of the counter.
    return this._now += (this._Time.ticks - this._now) | 0;
  }

  /** True between `runForever()` and `stop()`. */
  isRunning(): boolean {
    return this._running;
  }

  /**
   * Starts running the loop and returns at once: the host runs it from now on,
   * until `stop()`. Throws an Error when the loop is closed or already running.
   */
  runForever(): void {
    this._checkSchedule();
    if (this._running) throw new Error('XsLoop is already running');
    this._running = true;
    loopStarted(this);
    this._armOrRecover();
  }

  /**
   * Stops running the loop once the current turn is over (asyncio's
   * `stop()`). Pending callbacks and timers stay, and run after the next
   * `runForever()`.
   */
  stop(): void {
    if (this._running) loopStopped(this);
    this._running = false;
    // Outside a turn of its own: the host timer's callback re-arms after one.
    if (loopState.turn !== this) this._armOrRecover();
  }

  /**
   * Closes the loop (see BaseLoop's `close()`: every task of the loop ends
   * cancelled, callbacks and timers are cancelled) and clears the host
   * timer. Throws while running (call `stop()` first). Idempotent.
   */
  override close(): void {
    if (this._running) throw new Error('cannot close a running XsLoop; call stop() first');
    super.close();
  }

  protected override _onClose(): void {
    const host = this._host;
    this._host = null;
    this._Timer.clear(host);
  }

  protected override _hostWake(): void {
    // In a turn of its own (the running turn is the loop's: no field of its
    // own, one XS slot less) the host timer's callback re-arms after it.
    // That case first: nearly every call comes from a callback of the turn.
    if (loopState.turn !== this && this._running) this._armOrRecover();
  }

  /** @internal Prints through `trace`, as Moddable apps do. */
  protected override _printError(text: string): void {
    const out = this._trace ?? (globalThis as { trace?: (s: string) => void }).trace;
    if (typeof out === 'function') out(`${text}\n`);
    else super._printError(text);
  }

  /**
   * Points the host timer at the next thing to do: now when callbacks are
   * ready, else the earliest deadline, else the clock guard. An earlier
   * arming is left alone: waking early costs one empty turn, fewer than
   * re-arming on every change would. Throws what `Timer.schedule` throws
   * (its callers recover with `_recover()`).
   */
  private _arm(): void {
    if (this._host === null) return;
    let delay = CLOCK_GUARD;
    if (this._running) {
      if (this._ready.length > 0) {
        delay = 0;
      } else {
        const timers = this._timers;
        // With no sleep in the heap the earliest deadline is the top handle's: a call less per host turn (XS counts each).
        const next = timers._futures.length === 0 ? timers._heap[0]?._when : timers.nextWhen();
        if (next !== undefined) {
          // Compared, not Math.min/Math.max: two calls less per host turn in XS.
          // time() inlined: a call less per host turn.
          const d = next - (this._now += (this._Time.ticks - this._now) | 0);
          // Deadlines are whole ms as a rule: Math.ceil (a call) only for a fraction.
          if (d < CLOCK_GUARD) delay = d <= 0 ? 0 : (d | 0) === d ? d : Math.ceil(d);
        }
      }
    }
    // Nothing to do: the clock is read all the same, so that it sees every wrap of the tick counter.
    const at = (delay === CLOCK_GUARD ? this.time() : this._now) + delay;
    if (this._armedAt <= at) return;
    this._armedAt = at;
    this._Timer.schedule(this._host, delay, CLOCK_GUARD);
  }

  /** `_arm()` outside a firing of the host timer, which has no try of its own around it. */
  private _armOrRecover(): void {
    try {
      this._arm();
    } catch {
      this._recover();
    }
  }

  /**
   * `Timer.schedule` threw in `_arm()`: the host timer was cleared behind the
   * loop's back, and a loop without one would never run again, so it takes a
   * new one, due when `_arm()` meant the old one to be (`_armedAt` was set).
   * Nothing escapes: its callers may be the host's callbacks.
   */
  private _recover(): void {
    try {
      this._host = this._setHost(this._armedAt - this._now);
    } catch (exception) {
      this.callExceptionHandler({ message: 'Exception taking a new XsLoop host timer', exception });
    }
  }

  /** A new host timer, repeating, that knows its loop. */
  private _setHost(delay: number): unknown {
    const host = this._Timer.set(XsLoop._onHost, delay, CLOCK_GUARD);
    if (host === null || typeof host !== 'object') throw new TypeError('XsLoop: Timer.set must return the timer object, as Moddable\'s does');
    (host as HostTimer)[LOOP] = this;
    return host;
  }
}
