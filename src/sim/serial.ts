/**
 * A drop-in implementation of ECMA-419 `embedded:io/serial` as Moddable
 * implements it on the ESP32 (modules/io/serial/esp32/serial.c), on a
 * SimBoard's UARTs (see uart.ts for the hardware and its interrupts):
 *
 * - `new Serial({ port?, receive?, transmit?, baud, format?, onReadable?,
 *   onWritable?, target? })`: `port` 0–2 (default 0; else RangeError
 *   "invalid port"), `baud` 1–20,000,000 (RangeError "invalid baud"),
 *   `format` "number" (the default: one byte per read/write) or "buffer"
 *   (RangeError "invalid format"). A pin held by another instance throws
 *   "in use", neither pin "invalid", a port already open RangeError "port in
 *   use". `onReadable` needs `receive`, `onWritable` needs `transmit`.
 * - `read()` returns undefined when the RX FIFO is empty, else (format
 *   "buffer") an ArrayBuffer of every waiting byte, or of at most `n` with
 *   `read(n)` (`n` <= 0 throws "invalid"; the device would read past the
 *   FIFO when `n` is larger than what waits, the simulator returns what
 *   waits), or fills a given buffer and returns the count.
 * - `write(bytes)` (an ArrayBuffer or a view) throws "output full" and
 *   writes nothing when the TX FIFO lacks room; otherwise the bytes go out at
 *   the baud rate.
 * - `onReadable(count)` with every byte waiting and `onWritable(count)` with
 *   the TX FIFO's room run from the host's message queue, `this` = the
 *   instance. Any use after `close()` throws; `close()` is idempotent.
 *
 * The default export acts on the current board (`board.install()`);
 * `serialFor(board)` returns a Serial class bound to one board.
 */
import { checkPin, currentBoard, type Level, type PinDriver, type SimBoard } from './board.js';
import { uartOf, type SimUart } from './uart.js';

/** Options of the Serial constructor. */
export interface SerialOptions {
  port?: number;
  receive?: number;
  transmit?: number;
  baud: number;
  format?: 'number' | 'buffer';
  /** Called (from the host's queue) with the bytes waiting in the RX FIFO. */
  onReadable?: (this: Serial, count: number) => void;
  /** Called (from the host's queue) with the room in the TX FIFO. */
  onWritable?: (this: Serial, count: number) => void;
  target?: unknown;
}

/** ECMA-419 Serial on a simulated ESP32. */
export class Serial {
  /** The `target` option, when one was given. */
  target?: unknown;
  /** @internal */ _open: SerialState | null;

  constructor(options: SerialOptions) {
    if (options === null || typeof options !== 'object') throw new TypeError('Serial: options must be an object');
    const board = (new.target as typeof Serial)._board();
    const transmit = 'transmit' in options ? freePin(board, options.transmit) : undefined;
    const receive = 'receive' in options ? freePin(board, options.receive) : undefined;
    if (receive === undefined && transmit === undefined) throw new Error('invalid');
    const port = 'port' in options ? toInteger(options.port) : 0;
    if (port < 0 || port > 2) throw new RangeError('invalid port');
    const baud = toInteger(options.baud);
    if (baud <= 0 || baud > 20_000_000) throw new RangeError('invalid baud');
    const onReadable = receive !== undefined && typeof options.onReadable === 'function' ? options.onReadable : null;
    const onWritable = transmit !== undefined && typeof options.onWritable === 'function' ? options.onWritable : null;
    if ('target' in options) this.target = options.target;
    const format = options.format ?? 'number';
    if (format !== 'number' && format !== 'buffer') throw new RangeError('invalid format');
    const uart = uartOf(board, port);
    uart._open({
      baud, receive, transmit,
      onReadable: onReadable === null ? null : (count) => onReadable.call(this, count),
      onWritable: onWritable === null ? null : (count) => onWritable.call(this, count),
    });
    const pins = [...new Set([transmit, receive])].filter((p): p is number => p !== undefined);
    for (const pin of pins) board._attach(pin, UART_PIN);
    this._open = { board, uart, format, pins };
  }

  /** What `read()` returns: `number` (a byte) or `buffer` (an ArrayBuffer). */
  get format(): 'number' | 'buffer' {
    return this._state().format;
  }

  set format(value: 'number' | 'buffer') {
    const s = this._state();
    if (value !== 'number' && value !== 'buffer') throw new RangeError('unimplemented');
    s.format = value;
  }

  /** Bytes from the RX FIFO (see the module documentation); undefined when none waits. */
  read(n?: number | ArrayBuffer | ArrayBufferView): ArrayBuffer | number | undefined {
    const s = this._state();
    const available = s.uart._available();
    if (available === 0) return undefined;
    if (s.format === 'number') return s.uart._read(1)[0]!;
    if (arguments.length > 0 && n !== null && typeof n === 'object') {
      const target = bytesOf(n);
      const got = s.uart._read(Math.min(target.length, available));
      target.set(got);
      return got.length;
    }
    const requested = arguments.length === 0 ? available : toInteger(n);
    if (requested <= 0) throw new Error('invalid');
    return new Uint8Array(s.uart._read(Math.min(requested, available))).buffer;
  }

  /** Queues bytes on the TX line; throws "output full" (writing nothing) when the TX FIFO lacks room. */
  write(data: number | ArrayBuffer | ArrayBufferView): void {
    const s = this._state();
    const free = s.uart._txFree();
    let bytes: Uint8Array;
    if (s.format === 'number') {
      if (free === 0) throw new Error('output full');
      bytes = new Uint8Array([toInteger(data) & 255]);
    } else {
      bytes = bytesOf(data).slice();
      if (bytes.length > free) throw new Error('output full');
    }
    s.uart._write(bytes);
  }

  /** Releases the UART and its pins. Idempotent. */
  close(): void {
    const s = this._open;
    if (s === null) return;
    this._open = null;
    s.uart._close();
    for (const pin of s.pins) s.board._detach(pin, UART_PIN);
  }

  /** @internal The board instances of this class use. */
  static _board(): SimBoard {
    return currentBoard();
  }

  private _state(): SerialState {
    const s = this._open;
    if (s === null) throw new SyntaxError('C: xsGetHostData: invalid');
    return s;
  }
}

/** A Serial class bound to `board`. */
export function serialFor(board: SimBoard): typeof Serial {
  return class BoardSerial extends Serial {
    static override _board(): SimBoard {
      return board;
    }
  };
}

export default Serial;

interface SerialState {
  board: SimBoard;
  uart: SimUart;
  format: 'number' | 'buffer';
  pins: number[];
}

/** The UART's pins: their levels are the link's (the VCD draws them from it), not pin changes. */
const UART_PIN: PinDriver = Object.freeze({ output: undefined, pull: 1 as Level, analog: true, changed() {} });

function freePin(board: SimBoard, pin: unknown): number {
  checkPin(pin);
  if (board.pinRole(pin as number) !== undefined) throw new Error('in use');
  return pin as number;
}

/** The bytes of an ArrayBuffer or a view of one (xsmcGetBufferReadable); a TypeError for anything else. */
export function bytesOf(data: unknown): Uint8Array {
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  if (ArrayBuffer.isView(data)) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  throw new TypeError('argument is no buffer');
}

/** xsmcToInteger: a number (NaN → 0), truncated to a signed 32-bit integer. */
export function toInteger(v: unknown): number {
  const n = Number(v);
  return Number.isFinite(n) ? Math.trunc(n) | 0 : 0;
}
