/**
 * A drop-in implementation of ECMA-419 `embedded:io/socket/tcp` as Moddable
 * implements it over lwIP on the ESP32 (modules/io/socket/lwip/tcp.c), on a
 * SimBoard's network (see network.ts for the connection's behaviour):
 *
 * - `new TCP({ address, port, format?, nodelay?, onReadable?, onWritable?,
 *   onError?, target? })`: `address` an IPv4 address (Error "invalid
 *   address": lwIP's sockets take no host names), `port` 0–65535 (RangeError
 *   "invalid port"), `format` "buffer" (the default) or "number"
 *   (RangeError "unimplemented"). It connects at once; `onWritable(count)`
 *   says it is connected, `onError()` that it was refused.
 * - `read()` returns undefined when nothing was received, else an
 *   ArrayBuffer of every waiting byte, or of `n` of them with `read(n)`
 *   (Error "invalid" when `n` <= 0 or more than waits).
 * - `write(bytes)` throws "not ready" before the connection is up and once
 *   its error was delivered, and "would block" (writing nothing) when the
 *   send buffer lacks room; between a reset and its `onError` it writes
 *   nothing, silently, as tcp.c does. It returns the room left.
 * - `onError()` comes when the server closes or resets the connection,
 *   after the bytes received before have been read.
 * - `remoteAddress`, `remotePort`; any use after `close()` throws;
 *   `close()` is idempotent.
 *
 * The default export acts on the current board (`board.install()`);
 * `tcpFor(board)` returns a TCP class bound to one board.
 */
import { currentBoard, type SimBoard } from './board.js';
import { networkOf, type Connection } from './network.js';
import { bytesOf, toInteger } from './serial.js';

/** Options of the TCP constructor. */
export interface TCPOptions {
  address: string;
  port: number;
  format?: 'buffer' | 'number';
  nodelay?: boolean;
  /** Called (from the host's queue) with the bytes received and not yet read. */
  onReadable?: (this: TCP, count: number) => void;
  /** Called once connected, and as the send buffer frees, with its room. */
  onWritable?: (this: TCP, count: number) => void;
  /** Called when the connection is refused, or closed or reset by the server (after what it sent was read). */
  onError?: (this: TCP) => void;
  target?: unknown;
}

/** ECMA-419 TCP socket on a simulated ESP32. */
export class TCP {
  /** The `target` option, when one was given. */
  target?: unknown;
  /** @internal */ _open: SocketState | null;

  constructor(options: TCPOptions) {
    if (options === null || typeof options !== 'object') throw new TypeError('TCP: options must be an object');
    const board = (new.target as typeof TCP)._board();
    const format = options.format ?? 'buffer';
    if (format !== 'buffer' && format !== 'number') throw new RangeError('unimplemented');
    const call = <A extends unknown[]>(f: unknown) => typeof f === 'function' ? (...a: A) => (f as (...a: A) => void).apply(this, a) : null;
    const address = String(options.address);
    if (!/^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/.test(address)) throw new Error('invalid address');
    const port = toInteger(options.port);
    if (port < 0 || port > 65535) throw new RangeError('invalid port');
    if ('target' in options) this.target = options.target;
    const connection = networkOf(board)._connect(`${address}:${port}`, {
      onReadable: call<[number]>(options.onReadable),
      onWritable: call<[number]>(options.onWritable),
      onError: call<[]>(options.onError),
    });
    this._open = { connection, format, address, port };
  }

  /** What `read()` returns: `buffer` (an ArrayBuffer) or `number` (a byte). */
  get format(): 'buffer' | 'number' {
    return this._state().format;
  }

  set format(value: 'buffer' | 'number') {
    const s = this._state();
    if (value !== 'buffer' && value !== 'number') throw new RangeError('unimplemented');
    s.format = value;
  }

  /** The server's address. */
  get remoteAddress(): string {
    return this._state().address;
  }

  /** The server's port. */
  get remotePort(): number {
    return this._state().port;
  }

  /** Received bytes (see the module documentation); undefined when none waits. */
  read(n?: number | ArrayBuffer | ArrayBufferView): ArrayBuffer | number | undefined {
    const s = this._state();
    const c = s.connection;
    const available = c.available;
    if (available === 0) return undefined;
    if (s.format === 'number') return c._read(1)[0]!;
    if (arguments.length > 0 && n !== null && typeof n === 'object') {
      const target = bytesOf(n);
      if (target.length <= 0 || target.length > available) throw new Error('invalid');
      target.set(c._read(target.length));
      return target.length;
    }
    const requested = arguments.length === 0 ? available : toInteger(n);
    if (requested <= 0 || requested > available) throw new Error('invalid');
    return c._read(requested).buffer as ArrayBuffer;
  }

  /** Queues bytes for the server; returns the room left in the send buffer. */
  write(data: number | ArrayBuffer | ArrayBufferView): number | undefined {
    const s = this._state();
    const c = s.connection;
    if (!c.ready) throw new Error('not ready');
    if (c.error || c.dead) return undefined;
    const bytes = s.format === 'number' ? new Uint8Array([toInteger(data) & 255]) : bytesOf(data);
    if (bytes.length > c.sendFree) throw new Error('would block');
    c._write(bytes);
    return c.sendFree;
  }

  /** Closes the connection. Idempotent. */
  close(): void {
    const s = this._open;
    if (s === null) return;
    this._open = null;
    s.connection._close();
  }

  /** @internal The board instances of this class use. */
  static _board(): SimBoard {
    return currentBoard();
  }

  private _state(): SocketState {
    const s = this._open;
    if (s === null) throw new SyntaxError('C: xsGetHostData: invalid');
    return s;
  }
}

/** A TCP class bound to `board`. */
export function tcpFor(board: SimBoard): typeof TCP {
  return class BoardTCP extends TCP {
    static override _board(): SimBoard {
      return board;
    }
  };
}

export default TCP;

interface SocketState {
  connection: Connection;
  format: 'buffer' | 'number';
  address: string;
  port: number;
}
