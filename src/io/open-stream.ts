import { checkLoop, type Loop } from '../contract/loop.js';
import { Future, failedFuture } from '../future/future.js';
import { currentLoop } from '../tasks/task.js';
import { checkByteStreamClass, type ByteStreamClass, type ByteStreamPort } from './byte-stream.js';
import { ConnectionError } from './stream-errors.js';
import { DEFAULT_LIMIT, StreamReader } from './stream-reader.js';
import { DEFAULT_HIGH_WATER, StreamWriter } from './stream-writer.js';

/** What the streams take, besides the IO class's own options. */
export interface StreamOptions {
  /** The ECMA-419 IO class (`import Serial from "embedded:io/serial"`, `import TCP from "embedded:io/socket/tcp"`). */
  io: ByteStreamClass;
  /** The reader's buffer, in bytes (default 256, see StreamReader). */
  limit?: number;
  /** The writer's high-water mark, in bytes (default 0, see StreamWriter). */
  highWater?: number;
  /** The loop; the current task's loop, else the default loop, when omitted. */
  loop?: Loop;
  /** The IO class's own options (pins, baud, port...), passed on as they are. */
  [option: string]: unknown;
}

/** openConnection's options: where to connect, besides the IO class's own options. */
export interface ConnectionOptions extends StreamOptions {
  /** The server's IP address. */
  address: string;
  /** The server's TCP port. */
  port: number;
}

/** A stream's two ends, as asyncio.open_connection returns them. */
export type Streams = [reader: StreamReader, writer: StreamWriter];

/**
 * Opens a serial port as streams: `const [reader, writer] = yield*
 * openSerial({ io: Serial, receive: 16, transmit: 17, baud: 9600, port: 1 })`.
 * The other options go to the IO class's constructor as they are. Resolves
 * at once; fails when the constructor throws (a pin already in use).
 */
export function openSerial(options: StreamOptions): Future<Streams> {
  return open(options, 'openSerial', false);
}

/**
 * asyncio.open_connection over ECMA-419 TCP: `const [reader, writer] =
 * yield* openConnection({ io: TCP, address: '192.0.2.7', port: 80 })`.
 * Resolves once connected (the socket's first `onWritable`); fails with
 * ConnectionError when the socket reports an error first (refused,
 * unreachable). Cancelling it closes the socket.
 */
export function openConnection(options: ConnectionOptions): Future<Streams> {
  if (options !== null && typeof options === 'object') {
    if (typeof options.address !== 'string') throw new TypeError('openConnection() needs an address string');
    if (!Number.isInteger(options.port) || options.port < 1 || options.port > 65535) {
      throw new RangeError(`openConnection() needs a port from 1 to 65535, got ${String(options.port)}`);
    }
  }
  return open(options, 'openConnection', true);
}

function open(options: StreamOptions, what: string, waitConnected: boolean): Future<Streams> {
  if (options === null || typeof options !== 'object') throw new TypeError(`${what}() needs options { io, ... }`);
  const { io, limit = DEFAULT_LIMIT, highWater = DEFAULT_HIGH_WATER, loop: given, ...rest } = options;
  const Io = checkByteStreamClass(io, `${what}()`);
  const loop = given === undefined ? currentLoop() : checkLoop(given);
  const reader = new StreamReader(limit, loop);
  const writer = new StreamWriter(highWater, reader, loop);
  const out = new Future<Streams>(undefined, loop);
  const report = (where: string, exception: unknown): void => {
    loop.callExceptionHandler({ message: `Exception in the ${what}() stream's ${where}`, exception });
  };
  let port: ByteStreamPort;
  try {
    port = new Io({
      ...rest,
      format: 'buffer',
      onReadable: (count: number) => reader._onReadable(count),
      onWritable: (count: number) => {
        try {
          writer._onWritable(count);
          if (!out.done()) out.setResult([reader, writer]);
        } catch (exception) {
          report('onWritable', exception);
        }
      },
      onError: (message?: unknown) => {
        try {
          const error = new ConnectionError(typeof message === 'string' ? message : `${what}(): the IO instance failed`);
          writer._fail(error);
          if (!out.done()) out.setException(error);
        } catch (exception) {
          report('onError', exception);
        }
      },
    });
  } catch (e) {
    return failedFuture(loop, e);
  }
  if (!reader._eof) {
    reader._port = port;
    // Bytes announced while the constructor ran.
    reader._pullReporting();
  }
  writer._attach(port);
  out.addDoneCallback((f) => {
    if (f.cancelled()) writer._fail(new ConnectionError(`${what}() was cancelled`));
  });
  if (!waitConnected && !out.done()) out.setResult([reader, writer]);
  return out;
}
