import { ClosedError } from '../contract/errors.js';
import type { TimerHandle } from '../contract/handle.js';
import { checkLoop, type Loop, type MaybeAt, type TimerLoop } from '../contract/loop.js';
import { Future } from '../future/future.js';
import { currentLoop } from '../tasks/task.js';
import { requireTimerLoop } from '../tasks/timer-loop.js';
import { checkDigitalClass, type DigitalClass, type DigitalPort } from './digital-class.js';

/** Options of the DigitalOut constructor. */
export interface DigitalOutOptions {
  /** The GPIO number. */
  pin: number;
  /** The ECMA-419 Digital class (`import Digital from "embedded:io/digital"`). */
  io: DigitalClass;
  /** A Digital output mode (default `Digital.Output`). */
  mode?: unknown;
  /** The level to start at (default 0). */
  value?: 0 | 1;
  /** The loop (a TimerLoop, for `pulse`); the current task's loop, else the default loop, when omitted. */
  loop?: Loop;
}

const NO_PULSES: Future<void>[] = Object.freeze([]) as unknown as Future<void>[];

/**
 * A digital output. It remembers the level it wrote (an ESP32 cannot read
 * back an output pin), so `toggle()` needs no read.
 */
export class DigitalOut {
  /** The GPIO number. */
  readonly pin: number;
  /** @internal */ readonly _loop: TimerLoop;
  /** @internal */ readonly _port: DigitalPort;
  /** @internal */ _value: 0 | 1;
  // The pulse fields are set by the first pulse: an output that never pulses
  // does not pay their XS slots.
  /** @internal The timer that ends the current pulse. */
  declare _pulseTimer?: TimerHandle | null;
  /** @internal When the current pulse ends (set with `_pulseTimer`). */
  declare _pulseEnd: number;
  /** @internal Futures of `pulse()` calls waiting for the current pulse to end (unset until the first pulse). */
  declare _pulses?: Future<void>[];
  /** @internal True once closed (declared: no XS slot while open). */
  declare _closed?: boolean;

  constructor(options: DigitalOutOptions) {
    if (options === null || typeof options !== 'object') throw new TypeError('DigitalOut needs options { pin, io }');
    const io = checkDigitalClass(options.io);
    const value = options.value ?? 0;
    if (value !== 0 && value !== 1) throw new RangeError(`value must be 0 or 1, got ${String(value)}`);
    const loop = options.loop === undefined ? currentLoop() : checkLoop(options.loop);
    this._loop = requireTimerLoop(loop, 'DigitalOut');
    this.pin = options.pin;
    this._port = new io({ pin: options.pin, mode: (options.mode ?? io.Output) as never });
    this._value = value;
    this._port.write(value);
  }

  /** The level last written. */
  get value(): 0 | 1 {
    return this._value;
  }

  /** True once `close()` was called. */
  get closed(): boolean {
    return this._closed === true;
  }

  /** Drives the pin (any truthy value is high). Ends a pulse in progress: its futures resolve. */
  write(value: unknown): void {
    this._checkOpen();
    this._endPulse();
    this._set(value ? 1 : 0);
  }

  /** Inverts the pin and returns the new level. Ends a pulse in progress. */
  toggle(): 0 | 1 {
    this.write(this._value === 0 ? 1 : 0);
    return this._value;
  }

  /**
   * Inverts the pin for `ms` milliseconds, then restores it; the Future
   * resolves when it is restored. A pulse during a pulse extends it (both
   * resolve at the end); `write()` or `toggle()` ends it early.
   */
  pulse(ms: number): Future<void> {
    this._checkOpen();
    if (typeof ms !== 'number' || !Number.isFinite(ms) || ms < 0) {
      throw new RangeError(`pulse() needs a non-negative, finite number of ms, got ${String(ms)}`);
    }
    const loop: MaybeAt = this._loop;
    const end = loop.time() + ms;
    if (this._pulseTimer == null) {
      this._set(this._value === 0 ? 1 : 0);
      this._pulseEnd = end;
      this._pulseTimer = loop._at !== undefined ? loop._at(end, endPulse, this) : loop.callAt(end, endPulse, this);
    } else if (end > this._pulseEnd) {
      this._pulseTimer.cancel();
      this._pulseEnd = end;
      this._pulseTimer = loop._at !== undefined ? loop._at(end, endPulse, this) : loop.callAt(end, endPulse, this);
    }
    const f = new Future<void>(undefined, loop);
    if (this._pulses === undefined || this._pulses === NO_PULSES) this._pulses = [f];
    else this._pulses.push(f);
    return f;
  }

  /** Releases the pin; pulses in progress fail with ClosedError. Idempotent. */
  close(): void {
    if (this._closed) return;
    this._closed = true;
    this._pulseTimer?.cancel();
    this._pulseTimer = null;
    this._port.close();
    const pulses = this._pulses;
    if (pulses === undefined) return;
    this._pulses = NO_PULSES;
    for (const f of pulses) if (!f.done()) f.setException(closedError(this.pin));
  }

  /** @internal Ends the pulse in progress, if any, leaving the level as it is. */
  _endPulse(): void {
    if (this._pulseTimer == null) return;
    this._pulseTimer.cancel();
    this._pulseTimer = null;
    this._resolvePulses();
  }

  /** @internal The pulse is over: its futures resolve. */
  _resolvePulses(): void {
    const pulses = this._pulses;
    if (pulses === undefined) return;
    this._pulses = NO_PULSES;
    for (const f of pulses) if (!f.done()) f.setResult();
  }

  /** @internal */
  _set(level: 0 | 1): void {
    this._value = level;
    this._port.write(level);
  }

  private _checkOpen(): void {
    if (this._closed) throw closedError(this.pin);
  }
}

function endPulse(out: DigitalOut): void {
  out._pulseTimer = null;
  out._set(out._value === 0 ? 1 : 0);
  out._resolvePulses();
}

function closedError(pin: number): ClosedError {
  return new ClosedError(`DigitalOut on pin ${pin} was closed`);
}
