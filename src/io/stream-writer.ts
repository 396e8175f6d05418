import { ClosedError } from '../contract/errors.js';
import type { Loop } from '../contract/loop.js';
import { failedFuture, resolvedFuture, type Future } from '../future/future.js';
import { Ring } from '../future/ring.js';
import { abortedWait, bindSignal, type WaitOptions } from '../future/signal.js';
import { Waiter } from '../future/waiter.js';
import { checkInteger } from '../primitives/check-integer.js';
import type { ByteStreamPort } from './byte-stream.js';
import type { StreamReader } from './stream-reader.js';
import { ConnectionError } from './stream-errors.js';

/**
 * The writer's default high-water mark, in bytes: `drain()` waits until
 * every byte written was handed to the IO instance. Little RAM stays
 * queued, and a task that writes then drains keeps pace with the wire.
 */
export const DEFAULT_HIGH_WATER = 0;

/**
 * asyncio.StreamWriter over an ECMA-419 byte-stream instance (made by
 * openSerial or openConnection).
 *
 * `write()` never waits: it copies the bytes into a queue and hands the IO
 * instance as many as its last `onWritable(count)` said fit, never more
 * (an ECMA-419 `write` throws when the output lacks room, and writes
 * nothing). The rest goes out as `onWritable` reports room. `drain()` waits
 * until the bytes still queued fit under the high-water mark: a task that
 * awaits it after each write holds at most that much in RAM.
 *
 * When the IO instance calls `onError` (a TCP connection refused, reset or
 * closed by the peer), the queued bytes are dropped, pending and later
 * `write()`, `drain()` and `waitClosed()` fail with ConnectionError, and the
 * reader sees the end of the stream after its buffered bytes.
 */
export class StreamWriter {
  /** The ECMA-419 instance (for what the streams do not cover, e.g. Serial's `set()`). */
  readonly io: ByteStreamPort | null = null;
  /** @internal */ readonly _loop: Loop;
  /** @internal */ readonly _highWater: number;
  /** @internal */ readonly _reader: StreamReader;
  /** @internal The bytes written and not yet handed to the IO instance. */
  readonly _chunks = new Ring<Uint8Array>(4);
  /** @internal Bytes of the first chunk already handed over. */
  _offset = 0;
  /** @internal Bytes queued in `_chunks` (less `_offset`). */
  _pending = 0;
  /** @internal Bytes the IO instance takes now without throwing. */
  _room = 0;
  /** @internal Set while `_flush()` writes. */
  _flushing = false;
  /** @internal */ _closing = false;
  /** @internal */ _closed = false;
  /** @internal The ConnectionError, once the IO instance failed. */
  _error: ConnectionError | null = null;
  /** @internal drain() and waitClosed() waits. */
  readonly _waiters = new Ring<WriterWaiter>(4);

  /** @internal Made by openSerial / openConnection. */
  constructor(highWater: number, reader: StreamReader, loop: Loop) {
    this._highWater = checkInteger(highWater, 'highWater', 0);
    this._reader = reader;
    this._loop = loop;
  }

  /** Bytes written and not yet handed to the IO instance (asyncio's `transport.get_write_buffer_size()`). */
  get pending(): number {
    return this._pending;
  }

  /** The high-water mark `drain()` waits to get under. */
  get highWater(): number {
    return this._highWater;
  }

  /** True once `close()` was called or the IO instance failed (asyncio's `is_closing()`). */
  isClosing(): boolean {
    return this._closing;
  }

  /**
   * Queues a copy of `bytes` and hands the IO instance what fits now. Throws
   * the ConnectionError once the IO instance failed, and ClosedError after
   * `close()`.
   */
  write(bytes: Uint8Array | ArrayBuffer): void {
    if (this._error !== null) throw this._error;
    if (this._closing) throw new ClosedError('write() after close()');
    let copy: Uint8Array;
    if (bytes instanceof Uint8Array) copy = bytes.slice();
    else if (bytes instanceof ArrayBuffer) copy = new Uint8Array(bytes.slice(0));
    else throw new TypeError('write() needs a Uint8Array or an ArrayBuffer');
    if (copy.length === 0) return;
    this._chunks.push(copy);
    this._pending += copy.length;
    this._flush();
  }

  /**
   * Resolves once the bytes still queued fit under the high-water mark (at
   * once when they do). Fails with the ConnectionError once the IO instance
   * failed.
   */
  drain(options?: WaitOptions): Future<void> {
    return this._wait(false, options);
  }

  /**
   * Closes the stream once the queued bytes are handed over: later writes
   * fail, the IO instance is closed, the reader sees the end. Idempotent.
   */
  close(): void {
    if (this._closing) return;
    this._closing = true;
    if (this._pending === 0) this._release();
  }

  /** Resolves once the stream is closed; fails with the ConnectionError if the IO instance failed. */
  waitClosed(options?: WaitOptions): Future<void> {
    return this._wait(true, options);
  }

  /** @internal */
  _wait(closed: boolean, options: WaitOptions | undefined): Future<void> {
    const loop = this._loop;
    const aborted = options && abortedWait<void>(loop, options);
    if (aborted) return aborted;
    if (this._error !== null) return failedFuture(loop, this._error);
    if (closed ? this._closed : this._pending <= this._highWater) return resolvedFuture(loop, undefined);
    const w = new WriterWaiter(this, loop, closed);
    this._waiters.push(w);
    return bindSignal(w, options);
  }

  /** @internal The IO instance is open. */
  _attach(port: ByteStreamPort): void {
    (this as { io: ByteStreamPort | null }).io = port;
    this._flush();
  }

  /** @internal Hands the IO instance the queued bytes that fit. */
  _flush(): void {
    const port = this.io;
    // An IO instance that calls onWritable from inside write() only updates the room: this loop goes on.
    if (port === null || this._error !== null || this._flushing) return;
    this._flushing = true;
    const chunks = this._chunks;
    while (this._pending > 0 && this._room > 0) {
      const chunk = chunks._items[chunks._head]!;
      const from = this._offset;
      const n = Math.min(this._room, chunk.length - from);
      this._room -= n;
      this._pending -= n;
      this._offset += n;
      if (this._offset === chunk.length) {
        chunks.shift();
        this._offset = 0;
      }
      try {
        port.write(n === chunk.length ? chunk : chunk.subarray(from, from + n));
      } catch (cause) {
        this._flushing = false;
        this._fail(new ConnectionError('the IO instance refused a write it had room for', { cause }));
        return;
      }
    }
    this._flushing = false;
    if (this._pending === 0 && this._closing && !this._closed) this._release();
    else if (this._pending <= this._highWater) this._wakeAll();
  }

  /** @internal The IO instance takes `count` bytes now. Runs outside the loop; never throws. */
  _onWritable(count: number): void {
    this._room = count;
    this._flush();
  }

  /** @internal The IO instance failed: everything pending and to come fails. */
  _fail(error: ConnectionError): void {
    if (this._error !== null || this._closed) return;
    this._error = error;
    this._chunks.clear();
    this._pending = this._offset = 0;
    this._closing = true;
    this._release();
  }

  /** @internal Closes the IO instance, ends the reader, wakes every wait. */
  _release(): void {
    this._closed = true;
    const port = this.io;
    try {
      port?.close();
    } catch (exception) {
      this._loop.callExceptionHandler({ message: 'Exception closing the stream\'s IO instance', exception });
    }
    this._reader._feedEof();
    this._wakeAll();
  }

  /** @internal */
  _wakeAll(): void {
    const waiters = this._waiters;
    for (let i = 0, n = waiters.length; i < n; i++) {
      const w = waiters.shift()!;
      if (w._closed && !this._closed && this._error === null) waiters.push(w);
      else w._wake();
    }
  }
}

/** A drain() or waitClosed() wait. */
class WriterWaiter extends Waiter<void, StreamWriter> {
  constructor(owner: StreamWriter, loop: Loop, readonly _closed: boolean) {
    super(owner, loop);
  }

  _resume(): void {
    const w = this._owner;
    if (this._cancelRequested()) {
      w._waiters.remove(this);
      this._cancelNow();
    } else if (w._error !== null) {
      this._completeException(w._error, true);
    } else if (this._closed ? w._closed : w._pending <= w._highWater) {
      this._finish(undefined);
    } else {
      this._rewait();
      w._waiters.push(this);
    }
  }
}
