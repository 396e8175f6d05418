import { InvalidStateError } from '../contract/errors.js';
import type { Loop } from '../contract/loop.js';
import { ClosableIterator } from '../future/closable-iterator.js';
import { failedFuture, resolvedFuture, type Future } from '../future/future.js';
import { abortedWait, bindSignal, type WaitOptions } from '../future/signal.js';
import { Waiter } from '../future/waiter.js';
import { checkInteger } from '../primitives/check-integer.js';
import type { ByteStreamPort } from './byte-stream.js';
import { IncompleteReadError, LimitOverrunError } from './stream-errors.js';

/**
 * The reader's default limit, in bytes: three NMEA sentences (82 bytes at
 * most) or a long HTTP header line, about 22 ms of a 115200-baud UART.
 * asyncio's 64 KiB would take a sixth of an ESP32's free heap per stream.
 */
export const DEFAULT_LIMIT = 256;

const READ = 0, EXACTLY = 1, UNTIL = 2, LINE = 3, NEXT_LINE = 4;

/** What the line iterator's wait fails with at the end of the stream: the iteration ends. */
class EndOfStream extends Error {}

/**
 * asyncio.StreamReader over an ECMA-419 byte-stream instance (made by
 * openSerial or openConnection).
 *
 * Its buffer is one Uint8Array of `limit` bytes, allocated once. Bytes are
 * read from the IO instance in its `onReadable` callback while there is room;
 * once the buffer is full the reader stops reading (`paused` is true and
 * `pauses` counts it), which leaves the bytes in the UART FIFO or the TCP
 * window: back-pressure instead of growth. Reading resumes as soon as a read
 * takes bytes out. So a line (separator included) must fit in `limit` bytes,
 * and `readexactly(n)` needs `n <= limit`; asyncio instead lets its buffer
 * reach twice the limit before it pauses.
 *
 * Every read is a Future that a task cancels (or `{ signal }` aborts) like
 * any other wait. A read takes its bytes out of the buffer only when it
 * completes, so a cancelled `readline()` or `readexactly()` leaves every
 * byte it had seen for the next read. As in asyncio, one read at a time may
 * wait: a second one that would wait fails with InvalidStateError.
 */
export class StreamReader implements AsyncIterable<Uint8Array> {
  /** Times the reader stopped reading from the IO instance because its buffer was full. */
  pauses = 0;
  /** @internal */ readonly _loop: Loop;
  /** @internal */ readonly _buf: Uint8Array;
  /** @internal "\n" (per reader: a preloaded module holds no typed array, XS would put it in flash). */
  readonly _lf = new Uint8Array([10]);
  /** @internal Buffered bytes are `_buf[_start.._end)`. */
  _start = 0;
  /** @internal */ _end = 0;
  /** @internal */ _eof = false;
  /** @internal */ _port: ByteStreamPort | null = null;
  /** @internal Bytes the IO instance said are waiting and were not read yet. */
  _available = 0;
  /** @internal Bytes are waiting in the IO instance and the buffer has no room. */
  _paused = false;
  /** @internal The read waiting for bytes (asyncio's `_waiter`). */
  _waiter: ReadWaiter | null = null;

  /** @internal Made by openSerial / openConnection. */
  constructor(limit: number, loop: Loop) {
    this._buf = new Uint8Array(checkInteger(limit, 'limit', 1));
    this._loop = loop;
  }

  /** The most bytes the reader buffers. */
  get limit(): number {
    return this._buf.length;
  }

  /** Bytes in the buffer. */
  get buffered(): number {
    return this._end - this._start;
  }

  /** True while the buffer is full and bytes wait in the IO instance: the reader is not reading. */
  get paused(): boolean {
    return this._paused;
  }

  /** True once the stream ended and the buffer is empty (asyncio's `at_eof()`). */
  atEof(): boolean {
    return this._eof && this._end === this._start;
  }

  /**
   * Up to `n` bytes: what the buffer holds (at most `n`), else the next bytes
   * to come; an empty array at the end of the stream, or when `n` is 0.
   * asyncio's `read(-1)` (everything until the end) would need an unbounded
   * buffer, so `n` must be a non-negative integer.
   */
  read(n: number, options?: WaitOptions): Future<Uint8Array> {
    return this._op(READ, checkInteger(n, 'n', 0), this._lf, options);
  }

  /**
   * Exactly `n` bytes (at most `limit`). Fails with IncompleteReadError when
   * the stream ends first (its `partial` holds the bytes there were).
   */
  readexactly(n: number, options?: WaitOptions): Future<Uint8Array> {
    checkInteger(n, 'n', 0);
    if (n > this._buf.length) throw new RangeError(`readexactly(${n}) needs n <= limit (${this._buf.length})`);
    return this._op(EXACTLY, n, this._lf, options);
  }

  /**
   * The bytes up to and including `separator` (default "\n"). Fails with
   * IncompleteReadError (`partial`: the bytes left) when the stream ends
   * first, and with LimitOverrunError when the buffer is full without it
   * (the bytes stay in the buffer).
   */
  readuntil(separator: Uint8Array = this._lf, options?: WaitOptions): Future<Uint8Array> {
    if (!(separator instanceof Uint8Array) || separator.length === 0 || separator.length > this._buf.length) {
      throw new TypeError('readuntil() needs a separator: a non-empty Uint8Array no longer than the limit');
    }
    return this._op(UNTIL, 0, separator, options);
  }

  /**
   * A line, "\n" included; at the end of the stream, the bytes left without
   * one (an empty array once none is left). A line longer than `limit`
   * fails with LimitOverrunError and is dropped from the buffer (asyncio
   * raises ValueError there); the rest of it comes with the next read.
   */
  readline(options?: WaitOptions): Future<Uint8Array> {
    return this._op(LINE, 0, this._lf, options);
  }

  /**
   * The lines until the end of the stream, as an iterator (see
   * ClosableIterator): `for await (const line of reader.lines())` in async
   * functions, `const r = yield* it.next(); if (r.done) break;` in generator
   * coroutines. Once `options.signal` aborts, it fails with CancelledError
   * and the bytes stay in the buffer. A line longer than `limit` fails it
   * with LimitOverrunError, as `readline()` does (the line is dropped; a new
   * iteration goes on after it).
   */
  lines(options?: WaitOptions): ClosableIterator<Uint8Array> {
    return new ClosableIterator((o) => this._op(NEXT_LINE, 0, this._lf, o), this._loop, options, EndOfStream);
  }

  /** `for await (const line of reader)`: the same as `lines()`. */
  [Symbol.asyncIterator](): AsyncIterator<Uint8Array, undefined> {
    return this.lines()[Symbol.asyncIterator]();
  }

  /** @internal Starts a read: done at once when the buffer allows, else a waiter. */
  _op(kind: number, n: number, sep: Uint8Array, options: WaitOptions | undefined): Future<Uint8Array> {
    const loop = this._loop;
    const aborted = options && abortedWait<Uint8Array>(loop, options);
    if (aborted) return aborted;
    let bytes: Uint8Array | null;
    try {
      bytes = this._attempt(kind, n, sep);
    } catch (e) {
      return failedFuture(loop, e);
    }
    if (bytes !== null) return resolvedFuture(loop, bytes);
    // A read cancelled but not yet resumed takes nothing more: it does not count.
    if (this._waiter !== null && !this._waiter._cancelRequested()) {
      return failedFuture(loop, new InvalidStateError('another read is already waiting for data on this stream'));
    }
    const w = new ReadWaiter(this, loop, kind, n, sep);
    this._waiter = w;
    return bindSignal(w, options);
  }

  /** @internal The read's result when the buffer allows it now (null: wait), or its error. */
  _attempt(kind: number, n: number, sep: Uint8Array): Uint8Array | null {
    const size = this._end - this._start;
    if (kind === READ) {
      if (n === 0) return new Uint8Array(0);
      if (size > 0) return this._take(Math.min(n, size));
      return this._eof ? new Uint8Array(0) : null;
    }
    if (kind === EXACTLY) {
      if (size >= n) return this._take(n);
      if (this._eof) throw new IncompleteReadError(this._take(size), n);
      return null;
    }
    const at = this._find(sep);
    if (at >= 0) return this._take(at + sep.length);
    if (this._eof) {
      if (kind === UNTIL) throw new IncompleteReadError(this._take(size), null);
      if (size === 0 && kind === NEXT_LINE) throw new EndOfStream();
      return this._take(size);
    }
    if (size < this._buf.length) return null;
    const consumed = size - sep.length + 1;
    // asyncio's readline drops an over-long line; readuntil leaves it.
    if (kind !== UNTIL) this._take(size);
    throw new LimitOverrunError('Separator is not found, and chunk exceed the limit', consumed);
  }

  /** @internal Where `sep` starts in the buffer, relative to its start; -1 when absent. */
  _find(sep: Uint8Array): number {
    const buf = this._buf;
    const last = this._end - sep.length;
    outer: for (let i = this._start; i <= last; i++) {
      for (let j = 0; j < sep.length; j++) if (buf[i + j] !== sep[j]) continue outer;
      return i - this._start;
    }
    return -1;
  }

  /** @internal Removes and returns the first `n` buffered bytes, then reads on from the IO instance. */
  _take(n: number): Uint8Array {
    const out = this._buf.slice(this._start, this._start + n);
    this._start += n;
    if (this._start === this._end) this._start = this._end = 0;
    if (this._paused) this._pullReporting();
    return out;
  }

  /** @internal Reads what fits from the IO instance; pauses when the buffer is full. */
  _pull(): void {
    const port = this._port;
    if (port === null || this._available <= 0) return;
    const buf = this._buf;
    const room = buf.length - (this._end - this._start);
    if (room === 0) {
      if (!this._paused) this.pauses++;
      this._paused = true;
      return;
    }
    this._paused = false;
    const want = Math.min(this._available, room);
    if (this._end + want > buf.length) {
      buf.copyWithin(0, this._start, this._end);
      this._end -= this._start;
      this._start = 0;
    }
    const chunk = port.read(want);
    const got = chunk instanceof ArrayBuffer ? chunk.byteLength : 0;
    this._available = got === 0 ? 0 : this._available - got;
    if (got > 0) {
      buf.set(new Uint8Array(chunk as ArrayBuffer), this._end);
      this._end += got;
      this._waiter?._wake();
    }
    if (this._available > 0 && this._end - this._start === buf.length) {
      this.pauses++;
      this._paused = true;
    }
  }

  /** @internal The IO instance says `count` bytes wait. Runs outside the loop; never throws. */
  _onReadable(count: number): void {
    if (this._eof) return;
    this._available = count;
    this._pullReporting();
  }

  /** @internal `_pull()`, with a failing IO `read()` reported to the loop: a read that took its bytes keeps them. */
  _pullReporting(): void {
    try {
      this._pull();
    } catch (exception) {
      this._loop.callExceptionHandler({ message: 'Exception reading from the stream\'s IO instance', exception });
    }
  }

  /** @internal The stream ended (closed, or the IO instance failed): reads drain the buffer, then see the end. */
  _feedEof(): void {
    this._eof = true;
    this._port = null;
    this._available = 0;
    this._paused = false;
    this._waiter?._wake();
  }
}

/** A read waiting for bytes: re-tries its read each time bytes (or the end) come. */
class ReadWaiter extends Waiter<Uint8Array, StreamReader> {
  constructor(owner: StreamReader, loop: Loop, readonly _kind: number, readonly _n: number, readonly _sep: Uint8Array) {
    super(owner, loop);
  }

  _resume(): void {
    const r = this._owner;
    if (this._cancelRequested()) {
      // Nothing was taken: the bytes it saw stay for the next read.
      if (r._waiter === this) r._waiter = null;
      this._cancelNow();
      return;
    }
    let bytes: Uint8Array | null;
    try {
      bytes = r._attempt(this._kind, this._n, this._sep);
    } catch (e) {
      r._waiter = null;
      this._completeException(e, true);
      return;
    }
    if (bytes === null) {
      this._rewait();
      return;
    }
    r._waiter = null;
    this._finish(bytes);
  }
}
