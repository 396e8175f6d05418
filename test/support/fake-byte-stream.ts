import type { ByteStreamClass, ByteStreamOptions, ByteStreamPort } from '../../src/xs.js';

/** The sizes of a fake's hardware buffers. */
export interface FakeSizes {
  /** Bytes the input FIFO holds; more are dropped and counted in `overruns` (default 128, an ESP32 UART's). */
  rx?: number;
  /** Bytes the output buffer holds (default 128). */
  tx?: number;
}

/**
 * An ECMA-419 byte-stream instance as a serial port or TCP socket behaves:
 * `onReadable(count)` with every byte waiting, `read(n)` returning an
 * ArrayBuffer of at most `n` bytes (undefined when none waits), `write()`
 * that throws and writes nothing when the output buffer lacks room,
 * `onWritable(count)` with the room there is, `onError()` once it failed,
 * after which it is unusable. The test plays the host and the other end:
 * `receive()` bytes, `transmit()` bytes onto the wire, `fail()` it.
 */
export class FakeByteStream implements ByteStreamPort {
  /** The options the constructor was given (callbacks included). */
  readonly options: ByteStreamOptions;
  /** Bytes received and not yet read. */
  readonly input: number[] = [];
  /** Bytes written and not yet on the wire. */
  readonly output: number[] = [];
  /** Bytes that went out on the wire. */
  readonly sent: number[] = [];
  /** Bytes dropped because the input FIFO was full. */
  overruns = 0;
  /** Calls of read(). */
  reads = 0;
  /** Calls of write() that threw for lack of room. */
  refusedWrites = 0;
  closed = false;
  failed = false;
  readonly rx: number;
  readonly tx: number;

  constructor(options: ByteStreamOptions, sizes: FakeSizes) {
    if (options.format !== 'buffer') throw new RangeError('the fake supports format "buffer" only');
    this.options = options;
    this.rx = sizes.rx ?? 128;
    this.tx = sizes.tx ?? 128;
  }

  read(count: number): ArrayBuffer | undefined {
    this.check();
    this.reads++;
    if (this.input.length === 0) return undefined;
    return new Uint8Array(this.input.splice(0, count)).buffer;
  }

  write(bytes: ArrayBuffer | Uint8Array): void {
    this.check();
    const view = bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes);
    if (view.length > this.tx - this.output.length) {
      this.refusedWrites++;
      throw new Error('output buffer full');
    }
    this.output.push(...view);
  }

  close(): void {
    this.closed = true;
  }

  /** The host: the link is up, the whole output buffer is free (a TCP connect, a UART's first onWritable). */
  open(): void {
    this.options.onWritable(this.tx - this.output.length);
  }

  /** The other end sends `data`: what fits in the FIFO is kept, then onReadable. */
  receive(data: string | Uint8Array): void {
    const bytes = typeof data === 'string' ? new TextEncoder().encode(data) : data;
    for (const b of bytes) {
      if (this.input.length < this.rx) this.input.push(b);
      else this.overruns++;
    }
    if (this.input.length > 0) this.options.onReadable(this.input.length);
  }

  /** The wire takes up to `n` bytes of the output buffer, then onWritable with the room there is. */
  transmit(n: number): void {
    const taken = this.output.splice(0, n);
    if (taken.length === 0) return;
    this.sent.push(...taken);
    this.options.onWritable(this.tx - this.output.length);
  }

  /** The connection died (reset, or closed by the peer): onError, and the instance is unusable. */
  fail(): void {
    this.failed = true;
    this.options.onError();
  }

  /** What went out on the wire, as text. */
  sentText(): string {
    return new TextDecoder().decode(new Uint8Array(this.sent));
  }

  private check(): void {
    if (this.closed || this.failed) throw new Error('the instance is closed');
  }
}

/** An IO class that makes FakeByteStreams, and the instances it made. */
export function fakeByteStreamClass(sizes: FakeSizes = {}): { io: ByteStreamClass; instances: FakeByteStream[] } {
  const instances: FakeByteStream[] = [];
  const io = class {
    constructor(options: ByteStreamOptions) {
      const port = new FakeByteStream(options, sizes);
      instances.push(port);
      return port;
    }
  } as unknown as ByteStreamClass;
  return { io, instances };
}
