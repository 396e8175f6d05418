/**
 * A simulated ESP32 running the Moddable SDK, on a virtual millisecond clock.
 *
 * The board is the hardware and the host: GPIO pins with levels, the host's
 * timer list (modTimer.c), its message queue (10 entries), and the run loop of
 * Moddable's ESP32 port, which forever does
 * `modTimersExecute(); modMessageService(the, modTimersNext());`:
 * fire the timers due now, then wait for a message (GPIO, network, promise
 * jobs) at most until the next timer is due, and deliver every queued message.
 * The Moddable modules an app imports (`timer`, `time`, `embedded:io/digital`,
 * `embedded:io/analog`) are provided by sibling modules bound to a board.
 *
 * Time moves only while the host waits (JavaScript takes no virtual time,
 * unless `passCost` says otherwise). The outside world (a scenario) acts
 * through `drive()`, `setAnalog()` and `at()`; its events run "in interrupt
 * context": they change pins, and interrupt handlers post messages, but no
 * JavaScript of the app runs until the host delivers them. Events at time t
 * happen before timers due at t fire.
 *
 * Binding app code: the Moddable module shims look up the *current* board
 * when called. `board.install()` makes a board current; install it before the
 * app's modules are loaded (module aliasing maps `timer` → src/sim/timer.ts
 * and so on). Tests that hold several boards use the bound classes instead:
 * `timerFor(board)`, `digitalFor(board)`, `board.Time`.
 *
 * An exception that escapes a host callback (a timer callback, an
 * `onReadable`) aborts XS and reboots a real device: the board records it in
 * `aborted` and every later run throws a SimAbort.
 */

/** A digital level. */
export type Level = 0 | 1;

/** A recorded level change: who caused it, and the virtual time it happened at. */
export interface PinChange {
  readonly t: number;
  readonly pin: number;
  readonly level: Level;
  /** `scenario` when the outside world drove the pin, `app` when the app wrote it. */
  readonly by: 'scenario' | 'app';
}

/** A recorded analog input change. */
export interface AnalogChange {
  readonly t: number;
  readonly pin: number;
  readonly value: number;
}

/** A line the app printed through `board.trace`. */
export interface PrintedLine {
  readonly t: number;
  readonly text: string;
}

/** Options of the board. */
export interface SimBoardOptions {
  /**
   * Virtual milliseconds since boot when the board starts (default 0). A
   * start near 2^31 lets a test cross the wrap of `Time.ticks`, which is a
   * signed 32-bit integer on the device.
   */
  start?: number;
  /** Capacity of the host message queue (Moddable's MODDEF_TASK_QUEUELENGTH; default 10). */
  queueLength?: number;
  /** Virtual milliseconds each pass of the host run loop takes (default 0). */
  passCost?: number;
  /**
   * Passes allowed at one virtual instant before a run gives up with an Error
   * (default 100,000): with `passCost` 0, an app that never lets the host go
   * idle would otherwise spin forever.
   */
  maxPassesPerInstant?: number;
  /**
   * Whether the board keeps `changes`, `analogChanges` and `printed` (default
   * true). A host that records through `onPinChange` turns it off, so that
   * the engine's heap holds the app and not a growing history.
   */
  record?: boolean;
  /**
   * Lets the engine run its pending promise jobs (default: a `setImmediate`
   * or `setTimeout` of the global object, when there is one). The async run
   * methods serve promise jobs with it.
   */
  runJobs?: () => Promise<void>;
  /**
   * Called with what the host calls into JavaScript for (`a timer callback`,
   * `an onReadable`, `promise jobs`, ...) before the call, and with null
   * after it: a host arms its watchdog there.
   */
  onHostCall?: (where: string | null) => void;
}

/**
 * What a simulated link (a UART, a TCP connection) reports: bytes that went
 * on its wire, or a note (a connection accepted, a FIFO overflow...). `link`
 * names it (`uart:1`, `tcp:192.0.2.7:80`).
 */
export type LinkEvent =
  | { t: number; link: string; dir: 'rx' | 'tx'; bytes: Uint8Array; start?: number }
  | { t: number; link: string; what: 'connect' | 'refused' | 'close' | 'reset' | 'closed' | 'overflow' | 'mismatch' | 'dropped'; note: string };

/** Thrown by every run of a board whose JavaScript aborted (what reboots a real device). */
export class SimAbort extends Error {
  override name = 'SimAbort';
}

/** What a GPIO driver attaches to a pin to see its level changes (its interrupt handler). */
export interface PinDriver {
  /** Output level when the driver drives the pin, undefined for an input. */
  output: Level | undefined;
  /** Level an undriven input settles at (its pull resistor). */
  pull: Level;
  /** True for a pin with no digital level to record: an analog input, a UART line (its link records its bits). */
  readonly analog?: boolean;
  /** Called "in interrupt context" after the pin's level changed. */
  changed(level: Level): void;
}

/** The ESP32's GPIO numbers (GPIO 20, 24 and 28–31 do not exist; 34–39 are inputs only). */
export const ESP32_PINS: readonly number[] = Object.freeze([
  0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 21, 22, 23, 25, 26, 27, 32, 33, 34, 35, 36, 37, 38, 39,
]);

/** Throws a RangeError unless `pin` is an ESP32 GPIO number. */
export function checkPin(pin: unknown): number {
  if (typeof pin !== 'number' || !ESP32_PINS.includes(pin)) {
    throw new RangeError(`invalid pin: ${String(pin)} is not an ESP32 GPIO number`);
  }
  return pin;
}

/** @internal A timer record of the host's timer list (modTimerRecord). */
export class HostTimerRecord {
  trigger: number;
  /** 0 for a one-shot, the period of a repeating timer, -1 once unscheduled. */
  repeat: number;
  unscheduled = false;
  fire = false;
  /** Set by Timer.clear; a cleared record is no longer in the list. */
  cleared = false;
  inCallback = false;

  constructor(
    readonly callback: (timer: object) => void,
    readonly self: object,
    trigger: number,
    repeat: number,
  ) {
    this.trigger = trigger;
    this.repeat = repeat;
  }
}

interface External {
  t: number;
  seq: number;
  run: () => void;
}

interface Message {
  deliver: () => void;
  what: string;
}

const HOUR = 60 * 60 * 1000;

/** The host's "run promise jobs" message. */
const JOBS: Message = Object.freeze({ deliver: () => {}, what: 'promise jobs' });

/** What stands in the outside world's list for an event that already ran. */
const SPENT: External = Object.freeze({ t: -Infinity, seq: -1, run: () => {} });

// The board app code is bound to (module state; see the note at the top), and
// the preloaded module whose body is running, if one is.
const current: { board: SimBoard | null; preloading: string | null; onPreloadCall: ((module: string) => void) | undefined } =
  { board: null, preloading: null, onPreloadCall: undefined };

/**
 * The installed board, for a host function of the module shims; throws an
 * Error naming `install()` when there is none. While a preloaded module's
 * body runs it throws what xsl throws for a host call at preload, where no
 * native code can run: `TypeError: not available` (xsl then fails the build).
 */
export function currentBoard(): SimBoard {
  const b = current.board;
  if (b === null) throw new Error('no SimBoard is installed: call board.install() before loading the app');
  if (current.preloading !== null) {
    current.onPreloadCall?.(current.preloading);
    throw new TypeError('not available');
  }
  return b;
}

/**
 * Marks the start (`module`: its name) or the end (null) of a preloaded
 * module's body: host calls made meanwhile fail as under xsl, after
 * `onCall` is told which module made one.
 */
export function setPreloading(module: string | null, onCall?: (module: string) => void): void {
  if (module !== null && typeof module !== 'string') throw new TypeError('module must be a string or null');
  current.preloading = module;
  current.onPreloadCall = onCall;
}

/** A simulated ESP32 board. See the module documentation. */
export class SimBoard {
  private _now: number;
  private readonly _queueLength: number;
  private readonly _passCost: number;
  private readonly _maxPasses: number;
  private readonly _record: boolean;
  private readonly _timers: HostTimerRecord[] = [];
  private readonly _queue: Message[] = [];
  private _external: External[] = [];
  private _externalHead = 0;
  private _externalSeq = 0;
  private readonly _driven = new Map<number, Level>();
  private readonly _drivers = new Map<number, PinDriver>();
  private readonly _levels = new Map<number, Level>();
  private readonly _analog = new Map<number, number>();
  private readonly _pinListeners: ((change: PinChange) => void)[] = [];
  private readonly _linkListeners: ((event: LinkEvent) => void)[] = [];
  private readonly _peripherals = new Map<string, unknown>();
  private _aborted: { error: unknown; where: string } | null = null;
  private readonly _runJobs: () => Promise<void>;
  private readonly _onHostCall: ((where: string | null) => void) | undefined;
  /** Whether the "run promise jobs" message is in the queue (async runs only). */
  private _jobsPosted = false;
  private _async = false;

  /** Every level change of every pin, in order. */
  readonly changes: PinChange[] = [];
  /** Every analog input change, in order. */
  readonly analogChanges: AnalogChange[] = [];
  /** Lines printed through `trace`. */
  readonly printed: PrintedLine[] = [];
  /** Passes of the host run loop so far (Moddable's "Turns" instrument). */
  turns = 0;
  /** Host timers created so far. */
  timersCreated = 0;
  /** Messages dropped because the queue was full (a real ESP32 loses them too). */
  droppedMessages = 0;

  constructor(options: SimBoardOptions = {}) {
    if (options === null || typeof options !== 'object') throw new TypeError('options must be an object');
    this._now = wholeMs(options.start ?? 0, 'start');
    this._queueLength = positiveInteger(options.queueLength ?? 10, 'queueLength');
    this._passCost = wholeMs(options.passCost ?? 0, 'passCost');
    this._maxPasses = positiveInteger(options.maxPassesPerInstant ?? 100_000, 'maxPassesPerInstant');
    this._record = options.record ?? true;
    if (typeof this._record !== 'boolean') throw new TypeError(`record must be a boolean, got ${typeof this._record}`);
    this._runJobs = options.runJobs ?? promiseJobs;
    this._onHostCall = options.onHostCall;
    if (typeof this._runJobs !== 'function') throw new TypeError('runJobs must be a function');
    if (this._onHostCall !== undefined && typeof this._onHostCall !== 'function') throw new TypeError('onHostCall must be a function');
    this.trace = this.trace.bind(this);
  }

  /** Makes this board the current one, the board the module shims (`timer`, `embedded:io/digital`, ...) use. */
  install(): this {
    current.board = this;
    return this;
  }

  /** Stops being the current board (no-op when another board is current). */
  uninstall(): void {
    if (current.board === this) current.board = null;
  }

  /** Virtual milliseconds since boot. */
  get now(): number {
    return this._now;
  }

  /** `Time.ticks` on the device: the millisecond counter as a signed 32-bit integer (it wraps after 24.8 days). */
  get ticks(): number {
    return this._now | 0;
  }

  /** Host timers alive (Moddable's "Timers" instrument). */
  get timerCount(): number {
    return this._timers.length;
  }

  /** Messages waiting in the host queue. */
  get pendingMessages(): number {
    return this._queue.length;
  }

  /** The failure that aborted the board's JavaScript, or null. */
  get aborted(): { error: unknown; where: string } | null {
    return this._aborted;
  }

  /** Prints like Moddable's `trace`: the text is recorded with the time (a trailing newline is dropped). */
  trace(...parts: unknown[]): void {
    let text = parts.map(String).join('');
    if (text.endsWith('\n')) text = text.slice(0, -1);
    if (this._record) this.printed.push({ t: this._now, text });
  }

  // ---- pins -------------------------------------------------------------

  /** The level of a pin now. */
  level(pin: number): Level {
    return this._levels.get(checkPin(pin)) ?? 0;
  }

  /**
   * The outside world drives an input pin to `level` now (a button, a sensor
   * line). Interrupt handlers see the change at once. Throws when the app
   * drives the pin as an output.
   */
  drive(pin: number, level: Level): void {
    checkPin(pin);
    checkLevel(level);
    const driver = this._drivers.get(pin);
    if (driver !== undefined && driver.output !== undefined) {
      throw new Error(`pin ${pin} is an output of the app: the outside world cannot drive it`);
    }
    this._driven.set(pin, level);
    this._settle(pin, 'scenario');
  }

  /** The outside world lets go of a pin: it settles at its pull level. */
  release(pin: number): void {
    checkPin(pin);
    this._driven.delete(pin);
    this._settle(pin, 'scenario');
  }

  /** Calls `listener` after every pin level change; returns a function that removes it. */
  onPinChange(listener: (change: PinChange) => void): () => void {
    if (typeof listener !== 'function') throw new TypeError('listener must be a function');
    this._pinListeners.push(listener);
    return () => {
      const i = this._pinListeners.indexOf(listener);
      if (i >= 0) this._pinListeners.splice(i, 1);
    };
  }

  /** Calls `listener` with what the board's links (UARTs, TCP connections) carry; returns a function that removes it. */
  onLinkEvent(listener: (event: LinkEvent) => void): () => void {
    if (typeof listener !== 'function') throw new TypeError('listener must be a function');
    this._linkListeners.push(listener);
    return () => {
      const i = this._linkListeners.indexOf(listener);
      if (i >= 0) this._linkListeners.splice(i, 1);
    };
  }

  /** @internal A link reports bytes or a note. */
  _link(event: LinkEvent): void {
    for (const l of this._linkListeners.slice()) l(event);
  }

  /** @internal The board's peripheral `key` (a UART, the network), made by `make` on first use. */
  _peripheral<T>(key: string, make: () => T): T {
    let p = this._peripherals.get(key) as T | undefined;
    if (p === undefined) {
      p = make();
      this._peripherals.set(key, p);
    }
    return p;
  }

  /** The raw value an analog input reads now (default 0). */
  analog(pin: number): number {
    return this._analog.get(checkPin(pin)) ?? 0;
  }

  /** The outside world sets an analog input to a raw ADC value from now on. */
  setAnalog(pin: number, value: number): void {
    checkPin(pin);
    if (typeof value !== 'number' || !Number.isFinite(value)) throw new TypeError(`analog value must be a finite number, got ${String(value)}`);
    if (this._analog.get(pin) === value) return;
    this._analog.set(pin, value);
    if (this._record) this.analogChanges.push({ t: this._now, pin, value });
  }

  /** How the app uses a pin now: `output` while it drives it, `input` while it holds it otherwise, undefined when unused. */
  pinRole(pin: number): 'input' | 'output' | undefined {
    const driver = this._drivers.get(checkPin(pin));
    return driver === undefined ? undefined : driver.output === undefined ? 'input' : 'output';
  }

  /** @internal A GPIO driver claims a pin. Throws "in use" when another driver holds it. */
  _attach(pin: number, driver: PinDriver): void {
    if (this._drivers.has(pin)) throw new Error('in use');
    this._drivers.set(pin, driver);
    if (driver.analog !== true) this._settle(pin, 'app');
  }

  /** @internal A driver lets its pin go. */
  _detach(pin: number, driver: PinDriver): void {
    if (this._drivers.get(pin) !== driver) return;
    this._drivers.delete(pin);
    if (driver.analog !== true) this._settle(pin, 'app');
  }

  /** @internal Recomputes a pin's level after its driver or the outside world changed. */
  _settle(pin: number, by: 'scenario' | 'app'): void {
    const driver = this._drivers.get(pin);
    const level: Level = driver?.output ?? this._driven.get(pin) ?? driver?.pull ?? 0;
    const before = this._levels.get(pin);
    this._levels.set(pin, level);
    if (before === level || (before === undefined && level === 0 && driver === undefined)) return;
    const change: PinChange = { t: this._now, pin, level, by };
    if (this._record) this.changes.push(change);
    for (const l of this._pinListeners.slice()) l(change);
    if (before !== undefined) driver?.changed(level);
  }

  // ---- the outside world's schedule --------------------------------------

  /**
   * Runs `event` at virtual time `t` (whole ms), in interrupt context: it may
   * drive pins and set analog values; it must not run app code. Events at the
   * same time run in the order they were added.
   */
  at(t: number, event: () => void): void {
    wholeMs(t, 't');
    if (typeof event !== 'function') throw new TypeError('event must be a function');
    const e: External = { t, seq: this._externalSeq++, run: event };
    const list = this._external;
    let i = list.length;
    while (i > this._externalHead && (list[i - 1]!.t > t)) i--;
    list.splice(i, 0, e);
  }

  /** The time of the next event of the outside world, or undefined. */
  nextExternal(): number | undefined {
    return this._external[this._externalHead]?.t;
  }

  // ---- the host message queue --------------------------------------------

  /**
   * @internal Posts a message to the host queue from an interrupt
   * (modMessagePostToMachineFromISR): dropped, and counted, when the queue is full.
   */
  _postFromISR(deliver: () => void, what: string): boolean {
    if (this._queue.length >= this._queueLength) {
      this.droppedMessages++;
      return false;
    }
    this._queue.push({ deliver, what });
    return true;
  }

  /**
   * @internal Posts a message from a task of the host (modMessagePostToMachine,
   * as lwIP's callbacks do): that task waits for room instead of losing the
   * message, so it is never dropped.
   */
  _post(deliver: () => void, what: string): void {
    this._queue.push({ deliver, what });
  }

  // ---- the host timer list (modTimer.c) ---------------------------------

  /** @internal modTimerAdd. */
  _timerAdd(callback: (timer: object) => void, self: object, interval: number, repeat: number): HostTimerRecord {
    const r = new HostTimerRecord(callback, self, this._now + interval, repeat);
    this._timers.push(r);
    this.timersCreated++;
    return r;
  }

  /** @internal modTimerReschedule. Like the host, it leaves a timer that is about to fire in this pass marked to fire. */
  _timerReschedule(r: HostTimerRecord, interval: number, repeat: number): void {
    r.trigger = this._now + interval;
    r.repeat = repeat;
    r.unscheduled = false;
  }

  /** @internal modTimerUnschedule. */
  _timerUnschedule(r: HostTimerRecord): void {
    r.unscheduled = true;
    r.fire = false;
    r.repeat = -1;
  }

  /** @internal modTimerRemove (Timer.clear, and one-shots after their callback). */
  _timerRemove(r: HostTimerRecord): void {
    r.cleared = true;
    r.unscheduled = true;
    r.fire = false;
    if (!r.inCallback) {
      const i = this._timers.indexOf(r);
      if (i >= 0) this._timers.splice(i, 1);
    }
  }

  /** @internal Timer.delay: the JavaScript task blocks; interrupts still happen and post messages. */
  _delay(ms: number): void {
    const end = this._now + ms;
    this._runExternal(end);
    this._now = end;
  }

  // ---- the run loop -----------------------------------------------------

  /** True when the host has something to do now: a timer due, a message queued, or an event of the outside world due. */
  busy(): boolean {
    return this._queue.length > 0 || this._timersNext() === 0 || (this.nextExternal() ?? Infinity) <= this._now;
  }

  /**
   * One pass of the host run loop: fire the timers due now, then wait for a
   * message until the next timer is due (at most an hour, and never past
   * `limit`), then deliver every queued message. Returns true when any
   * JavaScript ran.
   */
  step(limit = Infinity): boolean {
    this._checkAlive();
    this.turns++;
    let ran = this._timersExecute();
    if (this._aborted === null) ran = this._messageService(Math.min(this._now + this._timersNext(), limit)) || ran;
    this._now += this._passCost;
    this._checkAlive();
    return ran;
  }

  /** Runs the host until virtual time `t`, including everything due at `t`. */
  runUntil(t: number): void {
    wholeMs(t, 't');
    let instant = this._now, passes = 0;
    while (this._now < t || (this._now === t && this.busy())) {
      this.step(t);
      if (this._now !== instant) {
        instant = this._now;
        passes = 0;
      } else if (++passes > this._maxPasses) {
        throw new Error(`the host never went idle at ${this._now} ms (${this._maxPasses} passes): a task that never waits?`);
      }
    }
  }

  /** Runs the host for `ms` virtual milliseconds. */
  advance(ms: number): void {
    this.runUntil(this._now + wholeMs(ms, 'ms'));
  }

  /**
   * Like `runUntil`, for apps written with async functions: promise jobs run
   * as on the ESP32, where XS queuing them posts a "run promise jobs"
   * message (fxQueuePromiseJobs in xs/platforms/esp/xsHost.c) that the host
   * serves in the same pass, before it waits for the next timer.
   */
  async runUntilAsync(t: number): Promise<void> {
    wholeMs(t, 't');
    let instant = this._now, passes = 0;
    this._async = true;
    try {
      // From a promise job, as after each run of the promise jobs: the host's work around them then costs the same each time.
      await null;
      while (this._now < t || (this._now === t && this.busy())) {
        this._checkAlive();
        this.turns++;
        this._timersExecute();
        if (this._aborted === null && !this._wait(Math.min(this._now + this._timersNext(), t))) {
          let msg: Message | undefined;
          while (this._aborted === null && (msg = this._queue.shift()) !== undefined) {
            if (msg === JOBS) {
              this._jobsPosted = false;
              await this._jobs();
            } else {
              this._hostCall(msg.deliver, undefined, msg.what);
            }
          }
        }
        this._now += this._passCost;
        this._checkAlive();
        if (this._now !== instant) {
          instant = this._now;
          passes = 0;
        } else if (++passes > this._maxPasses) {
          throw new Error(`the host never went idle at ${this._now} ms (${this._maxPasses} passes): a task that never waits?`);
        }
      }
    } finally {
      this._async = false;
    }
  }

  /** Runs the host for `ms` virtual milliseconds, letting promise jobs run. */
  advanceAsync(ms: number): Promise<void> {
    return this.runUntilAsync(this._now + wholeMs(ms, 'ms'));
  }

  /** modTimersExecute: timers due now fire in list order; timers added meanwhile wait for a later pass. */
  private _timersExecute(): boolean {
    const now = this._now;
    const due: HostTimerRecord[] = [];
    for (const r of this._timers) {
      if (!r.unscheduled && !r.fire && r.trigger <= now) r.fire = true;
      if (r.fire) due.push(r);
    }
    for (const r of due) {
      if (!r.fire || r.cleared) continue;
      r.fire = false;
      r.trigger += r.repeat > 0 ? r.repeat : 0;
      r.inCallback = true;
      this._hostCall(r.callback, r.self, 'a timer callback');
      r.inCallback = false;
      if (r.cleared || r.repeat === 0) this._timerRemove(r);
      if (this._aborted !== null) break;
    }
    return due.length > 0;
  }

  /** modTimersNext: ms until the next timer is due (0 when one is due), at most an hour. */
  private _timersNext(): number {
    let next = HOUR;
    for (const r of this._timers) {
      if (r.unscheduled) continue;
      const delta = r.trigger - this._now;
      if (delta <= 0) return 0;
      if (delta < next) next = delta;
    }
    return next;
  }

  /** modMessageService: waits for a message until `until`, then delivers every queued message. */
  private _messageService(until: number): boolean {
    if (this._wait(until)) return false;
    let msg: Message | undefined;
    while (this._aborted === null && (msg = this._queue.shift()) !== undefined) this._hostCall(msg.deliver, undefined, msg.what);
    return true;
  }

  /** Waits until a message is queued or time `until` (whichever first); true when it timed out. */
  private _wait(until: number): boolean {
    while (this._queue.length === 0) {
      const e = this.nextExternal();
      if (e === undefined || e > until) {
        if (until > this._now) this._now = until;
        return true;
      }
      if (e > this._now) this._now = e;
      this._runExternal(this._now);
    }
    return false;
  }

  /** Runs the outside world's events due at or before `t`. */
  private _runExternal(t: number): void {
    const list = this._external;
    while (this._externalHead < list.length && list[this._externalHead]!.t <= t) {
      const e = list[this._externalHead]!;
      // The list keeps its spent head until it compacts: drop the event itself.
      list[this._externalHead++] = SPENT;
      if (e.t > this._now) this._now = e.t;
      e.run();
    }
    if (this._externalHead > 64 && this._externalHead * 2 > list.length) {
      this._external = list.slice(this._externalHead);
      this._externalHead = 0;
    }
  }

  /**
   * Calls `fn` as the host calls a callback, then runs the promise jobs as
   * the host does, through the same code as in a run (from a promise job)
   * but posting nothing: the simulator's meter calibrates itself with it
   * (`where` names the call to `onHostCall`).
   */
  async probeHostCalls(fn: (arg: undefined) => void, where: string): Promise<void> {
    await null;
    this._call(fn, undefined, where);
    await this._jobs();
  }

  /** Runs the pending promise jobs as the host does. */
  private async _jobs(): Promise<void> {
    this._onHostCall?.(JOBS.what);
    await this._runJobs();
    this._onHostCall?.(null);
  }

  /** Calls into the app's JavaScript as the host does: an exception that escapes aborts the machine. */
  private _call<A>(fn: (arg: A) => void, arg: A, where: string): void {
    this._onHostCall?.(where);
    try {
      fn(arg);
    } catch (error) {
      this._aborted = { error, where };
    }
    this._onHostCall?.(null);
  }

  /** A host call, after which the promise jobs it queued run. */
  private _hostCall<A>(fn: (arg: A) => void, arg: A, where: string): void {
    this._call(fn, arg, where);
    // The callback may have queued promise jobs: XS then posts the message that runs them.
    if (this._async && !this._jobsPosted) {
      this._jobsPosted = true;
      this._queue.push(JOBS);
    }
  }

  private _checkAlive(): void {
    const a = this._aborted;
    if (a !== null) {
      const e = a.error;
      throw new SimAbort(`XS aborted: an exception escaped ${a.where}: ${e instanceof Error ? `${e.name}: ${e.message}` : String(e)}`, { cause: e });
    }
  }
}

/** Lets the engine run every pending promise job. */
function promiseJobs(): Promise<void> {
  const g = globalThis as { setImmediate?: (cb: () => void) => unknown; setTimeout?: (cb: () => void, ms: number) => unknown };
  return new Promise((resolve) => {
    if (typeof g.setImmediate === 'function') g.setImmediate(resolve);
    else if (typeof g.setTimeout === 'function') g.setTimeout(resolve, 0);
    else resolve();
  });
}

function checkLevel(level: unknown): asserts level is Level {
  if (level !== 0 && level !== 1) throw new RangeError(`a level is 0 or 1, got ${String(level)}`);
}

function wholeMs(v: unknown, what: string): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) {
    throw new RangeError(`${what} must be a whole, non-negative number of milliseconds, got ${String(v)}`);
  }
  return v;
}

function positiveInteger(v: unknown, what: string): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) throw new RangeError(`${what} must be a positive integer, got ${String(v)}`);
  return v;
}
