/**
 * ECMA-419 `embedded:io/analog` as Moddable implements it on the ESP32
 * (modules/io/analog/esp32): ADC1 pins only (GPIO 32–39, else RangeError
 * "not analog pin"), a fixed `resolution` of 10 bits, `read()` returning the
 * integer the outside world set with `board.setAnalog()` (clamped to
 * 0..1023), "in use" for a pin already taken, "closed" after `close()`.
 * The default export acts on the current board; `analogFor(board)` is bound
 * to one board.
 */
import { checkPin, currentBoard, type Level, type PinDriver, type SimBoard } from './board.js';

/** Bits of an ESP32 ADC reading here. */
export const RESOLUTION = 10;

/** The reading `read()` gives for a raw board value: truncated and clamped to the ADC's range. */
export function adcCode(raw: number): number {
  return Math.min(Math.max(Math.trunc(raw), 0), (1 << RESOLUTION) - 1);
}
const ADC1_PINS: readonly number[] = Object.freeze([32, 33, 34, 35, 36, 37, 38, 39]);

/** Options of the Analog constructor. */
export interface AnalogOptions {
  pin: number;
  resolution?: number;
  format?: 'number';
  target?: unknown;
}

/** ECMA-419 Analog on a simulated ESP32. */
export class Analog {
  /** The `target` option, when one was given. */
  target?: unknown;
  /** @internal */ _driver: AnalogPin | null;

  constructor(options: AnalogOptions) {
    if (options === null || typeof options !== 'object') throw new TypeError('Analog: options must be an object');
    const board = (new.target as typeof Analog)._board();
    const pin = checkPin(options.pin);
    if (!ADC1_PINS.includes(pin)) throw new RangeError('not analog pin');
    if ('target' in options) this.target = options.target;
    if (options.format !== undefined && options.format !== 'number') throw new RangeError('invalid format');
    const driver = new AnalogPin(board, pin);
    try {
      board._attach(pin, driver);
    } catch {
      throw new RangeError('in use');
    }
    this._driver = driver;
  }

  /** Bits of a reading. */
  get resolution(): number {
    return RESOLUTION;
  }

  /** The input's value now: an integer from 0 to 2^resolution - 1. */
  read(): number {
    const d = this._driver;
    if (d === null) throw new Error('closed');
    return adcCode(d.board.analog(d.pin));
  }

  /** Releases the pin. Idempotent. */
  close(): void {
    const d = this._driver;
    if (d === null) return;
    this._driver = null;
    d.board._detach(d.pin, d);
  }

  /** @internal The board instances of this class use. */
  static _board(): SimBoard {
    return currentBoard();
  }
}

/** An Analog class bound to `board`. */
export function analogFor(board: SimBoard): typeof Analog {
  return class BoardAnalog extends Analog {
    static override _board(): SimBoard {
      return board;
    }
  };
}

export default Analog;

class AnalogPin implements PinDriver {
  readonly output = undefined;
  readonly pull: Level = 0;
  readonly analog = true;

  constructor(readonly board: SimBoard, readonly pin: number) {}

  changed(): void {}
}
