/**
 * A drop-in implementation of ECMA-419 `embedded:io/digital` as Moddable
 * implements it on the ESP32 (modules/io/digital/digital.js and
 * esp32/digitalbank.c), on a SimBoard:
 *
 * - `new Digital({ pin, mode, edge?, onReadable?, format?, target? })` with
 *   the modes `Input`, `InputPullUp`, `InputPullDown`, `InputPullUpDown`,
 *   `Output`, `OutputOpenDrain`, and `edge` = `Digital.Rising` (1) |
 *   `Digital.Falling` (2), required with `onReadable`. A pin held by another
 *   instance throws "in use"; a bad mode, an output with `onReadable`, an
 *   `onReadable` without edges, and an output on an input-only pin (34–39)
 *   throw RangeErrors. An output starts low.
 * - Interrupts coalesce: on a selected edge the ISR only marks the pin and
 *   posts one message to the host queue when none is pending. The host
 *   delivers it on its next pass and calls `onReadable` with `this` = the
 *   instance and the bit mask of the triggered pins; there is no count and
 *   no timestamp: read the pin and the clock in the callback. (As on the
 *   device, a message lost to a full queue leaves the pin marked, and it
 *   never reports again.)
 * - `read()` on an output and `write()` on an input throw "unimplemented";
 *   any use after `close()` throws; `close()` is idempotent and drops a
 *   pending notification.
 *
 * The default export acts on the current board (`board.install()`);
 * `digitalFor(board)` returns a Digital class bound to one board.
 */
import { checkPin, currentBoard, type Level, type PinDriver, type SimBoard } from './board.js';

const INPUT = 0, INPUT_PULL_UP = 1, INPUT_PULL_DOWN = 2, INPUT_PULL_UP_DOWN = 3, OUTPUT = 8, OUTPUT_OPEN_DRAIN = 9;
const RISING = 1, FALLING = 2;

/** Options of the Digital constructor. */
export interface DigitalOptions {
  pin: number;
  mode: number;
  edge?: number;
  /** Called (from the host's queue, not the ISR) after a selected edge, with the triggered pins' bit mask. */
  onReadable?: (this: Digital, triggered: number) => void;
  format?: 'number';
  target?: unknown;
}

/** ECMA-419 Digital on a simulated ESP32. */
export class Digital {
  static readonly Input = INPUT;
  static readonly InputPullUp = INPUT_PULL_UP;
  static readonly InputPullDown = INPUT_PULL_DOWN;
  static readonly InputPullUpDown = INPUT_PULL_UP_DOWN;
  static readonly Output = OUTPUT;
  static readonly OutputOpenDrain = OUTPUT_OPEN_DRAIN;
  static readonly Rising = RISING;
  static readonly Falling = FALLING;

  /** The `target` option, when one was given. */
  target?: unknown;
  /** @internal */ _pin: GpioPin | null;

  constructor(options: DigitalOptions) {
    if (options === null || typeof options !== 'object') throw new TypeError('Digital: options must be an object');
    const board = (new.target as typeof Digital)._board();
    const pin = options.pin;
    if (pin === undefined) throw new Error('invalid');
    checkPin(pin);
    const mode = options.mode;
    const isInput = mode === INPUT || mode === INPUT_PULL_UP || mode === INPUT_PULL_DOWN || mode === INPUT_PULL_UP_DOWN;
    if (!isInput && mode !== OUTPUT && mode !== OUTPUT_OPEN_DRAIN) throw new RangeError('invalid mode');
    const onReadable = typeof options.onReadable === 'function' ? options.onReadable : null;
    const edge = options.edge ?? 0;
    if (onReadable !== null) {
      if (!isInput) throw new RangeError('invalid mode');
      if (typeof edge !== 'number' || (edge & (RISING | FALLING)) === 0) throw new RangeError('invalid edges');
    }
    if ('target' in options) this.target = options.target;
    if (options.format !== undefined && options.format !== 'number') throw new RangeError('invalid format');
    if (!isInput && pin >= 34) throw new RangeError('invalid mode');
    this._pin = new GpioPin(board, pin, mode, onReadable === null ? null : () => onReadable.call(this, 1 << (pin & 31)), edge);
    board._attach(pin, this._pin);
  }

  /** The level of an input pin. */
  read(): Level {
    const p = this._open();
    if (p.output !== undefined || p.mode === OUTPUT_OPEN_DRAIN) throw new Error('read() of an output pin: the ESP32 host answers "unimplemented"');
    return p.board.level(p.pin);
  }

  /** Drives an output pin: any truthy value is high. */
  write(value: unknown): void {
    const p = this._open();
    if (p.mode !== OUTPUT && p.mode !== OUTPUT_OPEN_DRAIN) throw new Error('write() to an input pin: the ESP32 host answers "unimplemented"');
    p.written = value ? 1 : 0;
    p.board._settle(p.pin, 'app');
  }

  /** Releases the pin; a pending notification is dropped. Idempotent. */
  close(): void {
    const p = this._pin;
    if (p === null) return;
    this._pin = null;
    p.closed = true;
    p.board._detach(p.pin, p);
  }

  /** Always `number`. */
  get format(): 'number' {
    this._open();
    return 'number';
  }

  /** Only `number` is accepted; anything else throws a RangeError. */
  set format(value: 'number') {
    this._open();
    if (value !== 'number') throw new RangeError('invalid format');
  }

  /** @internal The board instances of this class use. */
  static _board(): SimBoard {
    return currentBoard();
  }

  private _open(): GpioPin {
    const p = this._pin;
    if (p === null) throw new SyntaxError('C: xsGetHostData: invalid');
    return p;
  }
}

/** A Digital class bound to `board`. */
export function digitalFor(board: SimBoard): typeof Digital {
  return class BoardDigital extends Digital {
    static override _board(): SimBoard {
      return board;
    }
  };
}

export default Digital;

/** @internal The driver state of one open pin: the C DigitalRecord. */
class GpioPin implements PinDriver {
  written: Level = 0;
  triggered = false;
  closed = false;

  constructor(
    readonly board: SimBoard,
    readonly pin: number,
    readonly mode: number,
    private readonly _notify: (() => void) | null,
    private readonly _edges: number,
  ) {}

  get output(): Level | undefined {
    if (this.mode === OUTPUT) return this.written;
    if (this.mode === OUTPUT_OPEN_DRAIN && this.written === 0) return 0;
    return undefined;
  }

  get pull(): Level {
    return this.mode === INPUT_PULL_UP || this.mode === INPUT_PULL_UP_DOWN || this.mode === OUTPUT_OPEN_DRAIN ? 1 : 0;
  }

  /** The ISR: mark the pin, and post one message while none is pending. */
  changed(level: Level): void {
    if (this._notify === null || this.closed) return;
    if ((this._edges & (level === 1 ? RISING : FALLING)) === 0) return;
    const wasTriggered = this.triggered;
    this.triggered = true;
    if (!wasTriggered) this.board._postFromISR(this._deliver, `onReadable (pin ${this.pin})`);
  }

  private readonly _deliver = (): void => {
    if (this.closed) return;
    this.triggered = false;
    this._notify!();
  };
}
