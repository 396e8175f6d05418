import { BaseLoop } from './base.js';

/**
 * The host functions BrowserLoop schedules with. The defaults are the globals
 * of browsers, web workers, Deno and Bun; tests pass their own.
 */
export interface BrowserHost {
  /** Monotonic milliseconds (`performance.now()`). */
  now(): number;
  /** Calls `callback` once, `ms` milliseconds from now; returns an id for clearTimeout. */
  setTimeout(callback: () => void, ms: number): unknown;
  /** Cancels a pending setTimeout. */
  clearTimeout(id: unknown): void;
  /** The MessageChannel constructor: messages posted to `port2` arrive at `port1`, one host task each. */
  MessageChannel: new () => MessageChannelLike;
}

/** The part of a MessageChannel that BrowserLoop uses. */
export interface MessageChannelLike {
  /** The receiving port: BrowserLoop runs a turn in its `onmessage`. */
  readonly port1: {
    /** Called with each message that arrives. */
    onmessage: ((event: unknown) => void) | null;
    /** Disconnects the port. */
    close(): void;
  };
  /** The sending port: BrowserLoop posts one message per turn to it. */
  readonly port2: {
    /** Sends a message to port1. */
    postMessage(message: unknown): void;
    /** Disconnects the port. */
    close(): void;
  };
}

/** Options of the BrowserLoop constructor. */
export interface BrowserLoopOptions {
  /** Host scheduling functions; the global ones when omitted. */
  host?: BrowserHost;
  /** Callbacks one turn may run before the loop yields to the host (default 1000). */
  maxCallbacksPerTurn?: number;
}

/**
 * A TimerLoop for browsers and for any runtime with `MessageChannel` and
 * `setTimeout` (web workers, Deno, Bun).
 *
 * Each turn runs in its own MessageChannel message (at most one is posted at
 * a time) and runs at most `maxCallbacksPerTurn` callbacks, so the browser
 * renders and handles input between turns, however much work is queued.
 * Timers share ONE host `setTimeout`, armed for the earliest deadline: it only
 * posts the turn. Nothing needs starting: the loop runs whenever it has work.
 * `close()` releases the channel and the host timer.
 */
export class BrowserLoop extends BaseLoop {
  private readonly _host: BrowserHost;
  private readonly _maxPerTurn: number;
  private readonly _channel: MessageChannelLike;
  /** A turn message is on its way: no second one is posted. */
  private _posted = false;
  private _timer: unknown = null;
  /** The deadline the host timer is armed for (Infinity when none). */
  private _armedWhen = Infinity;
  private readonly _onTimer = (): void => {
    this._timer = null;
    this._armedWhen = Infinity;
    this._schedule();
  };

  constructor(options: BrowserLoopOptions = {}) {
    super();
    if (options === null || typeof options !== 'object') throw new TypeError('BrowserLoop options must be an object');
    const max = options.maxCallbacksPerTurn ?? 1000;
    if (typeof max !== 'number') throw new TypeError(`maxCallbacksPerTurn must be a number, got ${typeof max}`);
    if (!Number.isInteger(max) || max < 1) throw new RangeError(`maxCallbacksPerTurn must be an integer >= 1, got ${max}`);
    this._maxPerTurn = max;
    this._host = options.host === undefined ? globalHost() : checkHost(options.host);
    this._channel = new this._host.MessageChannel();
    this._channel.port1.onmessage = () => this._turn();
  }

  /** Monotonic loop time in milliseconds: the host's `performance.now()`. */
  time(): number {
    return this._host.now();
  }

  /** Once closed (BaseLoop's `close()`): the channel and the host timer are released. */
  protected override _onClose(): void {
    this._disarm();
    this._channel.port1.onmessage = null;
    this._channel.port1.close();
    this._channel.port2.close();
  }

  /** A first ready callback or a new timer: post a turn or arm the host timer. */
  protected override _hostWake(): void {
    if (!this._posted) this._schedule();
  }

  /** A turn message arrived: one bounded turn, then whatever the remaining work needs. */
  private _turn(): void {
    this._posted = false;
    this._runOnce(this._maxPerTurn);
    this._schedule();
  }

  /**
   * Posts a turn when one can run now, else arms the host timer for the
   * earliest deadline. An earlier arming is left alone: waking early costs
   * one call of this method, fewer than re-arming whenever a timer goes.
   */
  private _schedule(): void {
    if (this.isClosed()) return;
    if (this._hasWork()) {
      if (!this._posted) {
        this._posted = true;
        this._channel.port2.postMessage(null);
      }
      return;
    }
    const next = this._timers.nextWhen();
    if (next === undefined || next >= this._armedWhen) return;
    this._disarm();
    this._armedWhen = next;
    // Whole milliseconds, rounded up: host timers count in milliseconds.
    this._timer = this._host.setTimeout(this._onTimer, Math.max(0, Math.ceil(next - this.time())));
  }

  private _disarm(): void {
    if (this._timer !== null) this._host.clearTimeout(this._timer);
    this._timer = null;
    this._armedWhen = Infinity;
  }
}

/** The global scheduling functions (src/ is compiled without the DOM's types). */
function globalHost(): BrowserHost {
  const g = globalThis as unknown as {
    setTimeout?: (cb: () => void, ms: number) => unknown;
    clearTimeout?: (id: unknown) => void;
    performance?: { now(): number };
    MessageChannel?: new () => MessageChannelLike;
  };
  const { setTimeout, clearTimeout, performance, MessageChannel } = g;
  if (typeof setTimeout !== 'function' || typeof clearTimeout !== 'function' ||
      typeof performance?.now !== 'function' || typeof MessageChannel !== 'function') {
    throw new Error('BrowserLoop needs MessageChannel, setTimeout, clearTimeout and performance.now');
  }
  return {
    now: () => performance.now(),
    setTimeout: (cb, ms) => setTimeout(cb, ms),
    clearTimeout: (id) => clearTimeout(id),
    MessageChannel,
  };
}

function checkHost(host: unknown): BrowserHost {
  const h = host as Partial<BrowserHost> | null;
  if (h === null || typeof h !== 'object' || typeof h.now !== 'function' || typeof h.setTimeout !== 'function' ||
      typeof h.clearTimeout !== 'function' || typeof h.MessageChannel !== 'function') {
    throw new TypeError('host must provide now, setTimeout, clearTimeout and MessageChannel');
  }
  return h as BrowserHost;
}
