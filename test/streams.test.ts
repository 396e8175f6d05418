import { describe, expect, it } from 'vitest';
import { CancelledError, InvalidStateError, createTask, type Coroutine, type ExceptionContext } from '../src/index.js';
import { VirtualTimeLoop } from '../src/testing.js';
import {
  ClosedError, ConnectionError, IncompleteReadError, LimitOverrunError, decodeText, encodeText, openConnection, openSerial,
  type ByteStreamOptions, type StreamReader, type StreamWriter,
} from '../src/xs.js';
import { fakeByteStreamClass, type FakeByteStream, type FakeSizes } from './support/fake-byte-stream.js';

const text = (bytes: Uint8Array): string => new TextDecoder().decode(bytes);
const bytes = (s: string): Uint8Array => new TextEncoder().encode(s);

interface Setup {
  loop: VirtualTimeLoop;
  port: FakeByteStream;
  reader: StreamReader;
  writer: StreamWriter;
  errors: ExceptionContext[];
}

/** Streams over a fake serial port that is open (its first onWritable came). */
function serial(options: { limit?: number; highWater?: number } = {}, sizes: FakeSizes = {}): Setup {
  const loop = new VirtualTimeLoop();
  const errors: ExceptionContext[] = [];
  loop.setExceptionHandler((_l, ctx) => errors.push(ctx));
  const { io, instances } = fakeByteStreamClass(sizes);
  const opened = openSerial({ io, receive: 16, transmit: 17, baud: 9600, port: 1, loop, ...options });
  const port = instances[0]!;
  port.open();
  const [reader, writer] = loop.runUntilComplete(opened);
  return { loop, port, reader, writer, errors };
}

/** Runs `body` as a task, logging what it returns or throws with the loop time. */
function run(loop: VirtualTimeLoop, body: () => Coroutine<unknown>) {
  const log: unknown[] = [];
  const task = createTask(function* () {
    try {
      log.push(['ok', yield* body(), loop.time()]);
    } catch (e) {
      log.push(['error', e, loop.time()]);
    }
  }, { loop });
  return { log, task };
}

describe('openSerial', () => {
  it('constructs the IO class with its own options, format "buffer" and the three callbacks', () => {
    const { port } = serial({ limit: 64 });
    const o = port.options;
    expect([o.receive, o.transmit, o.baud, o.port, o.format]).toEqual([16, 17, 9600, 1, 'buffer']);
    expect([typeof o.onReadable, typeof o.onWritable, typeof o.onError]).toEqual(['function', 'function', 'function']);
    expect(['io', 'limit', 'highWater', 'loop'].filter((k) => k in o)).toEqual([]);
  });

  it('refuses bad options with TypeError and RangeError', () => {
    const loop = new VirtualTimeLoop();
    const { io } = fakeByteStreamClass();
    expect(() => openSerial({ io: 'Serial' as never, loop })).toThrow(TypeError);
    expect(() => openSerial({ io, loop, limit: 0 })).toThrow(RangeError);
    expect(() => openSerial({ io, loop, highWater: -1 })).toThrow(RangeError);
    const { reader, writer } = serial({ limit: 16 });
    expect(() => reader.read(-1)).toThrow(RangeError);
    expect(() => reader.readexactly(17)).toThrow(RangeError);
    expect(() => reader.readuntil('\n' as never)).toThrow(TypeError);
    expect(() => writer.write('text' as never)).toThrow(TypeError);
  });
});

describe('StreamReader', () => {
  it('joins a line split across reads, and keeps the next line\'s start', () => {
    const { loop, port, reader } = serial();
    const { log } = run(loop, function* () {
      return [text(yield* reader.readline()), text(yield* reader.readline())];
    });
    loop.advance(10);
    port.receive('$GPGGA,1234');
    loop.advance(10);
    port.receive('56*4F\r\n$GPRMC');
    loop.advance(10);
    port.receive(',A*2B\r\n');
    loop.advance(10);
    expect(log).toEqual([['ok', ['$GPGGA,123456*4F\r\n', '$GPRMC,A*2B\r\n'], 30]]);
    expect(reader.buffered).toBe(0);
  });

  it('finds a separator split by a chunk boundary', () => {
    const { loop, port, reader } = serial();
    const { log } = run(loop, function* () {
      return text(yield* reader.readuntil(bytes('\r\n')));
    });
    port.receive('OK\r');
    loop.advance(5);
    expect(log).toEqual([]);
    port.receive('\nREADY');
    loop.advance(5);
    expect(log).toEqual([['ok', 'OK\r\n', 5]]);
    expect(text(reader.read(100).result())).toBe('READY');
  });

  it('stops reading from the IO instance when its buffer is full, and resumes as reads take bytes out', () => {
    const { loop, port, reader } = serial({ limit: 8 });
    const data = 'abcdefghijklmnopqrst';
    port.receive(data);
    expect([reader.buffered, port.input.length, reader.paused, reader.pauses]).toEqual([8, 12, true, 1]);
    const got: string[] = [];
    run(loop, function* () {
      for (;;) {
        const chunk = yield* reader.read(5);
        if (chunk.length === 0) return;
        got.push(text(chunk));
      }
    });
    loop.advance(1);
    expect(got.join('')).toBe(data);
    expect([reader.buffered, port.input.length, reader.paused, port.overruns]).toEqual([0, 0, false, 0]);
    expect(reader.pauses).toBeGreaterThan(1);
  });

  it('fails readuntil() with LimitOverrunError and leaves the bytes; readline() drops the over-long line', () => {
    const { loop, port, reader } = serial({ limit: 16 });
    port.receive('0123456789abcdefXYZ');
    const until = reader.readuntil();
    expect(until.exception()).toBeInstanceOf(LimitOverrunError);
    expect((until.exception() as LimitOverrunError).consumed).toBe(16);
    expect(reader.buffered).toBe(16);
    const line = reader.readline();
    expect(line.exception()).toBeInstanceOf(LimitOverrunError);
    // The rest of the long line comes next, as with asyncio.
    expect(reader.buffered).toBe(3);
    port.receive('\nnext\n');
    loop.runUntilIdle();
    expect(text(reader.readline().result())).toBe('XYZ\n');
    expect(text(reader.readline().result())).toBe('next\n');
  });

  it('at the end of the stream mid-line: readline() returns the partial line, then nothing', () => {
    const { loop, port, reader } = serial();
    const { log } = run(loop, function* () {
      const a = text(yield* reader.readline());
      const b = yield* reader.readline();
      return [a, b.length, reader.atEof()];
    });
    port.receive('no newline');
    loop.advance(1);
    expect(reader.atEof()).toBe(false);
    port.fail();
    loop.advance(1);
    expect(log).toEqual([['ok', ['no newline', 0, true], 1]]);
  });

  it('at the end of the stream: readexactly() and readuntil() fail with IncompleteReadError holding the partial bytes', () => {
    const { loop, port, reader } = serial();
    const exactly = reader.readexactly(6);
    port.receive('abc');
    loop.runUntilIdle();
    port.fail();
    loop.runUntilIdle();
    const e = exactly.exception() as IncompleteReadError;
    expect(e).toBeInstanceOf(IncompleteReadError);
    expect([text(e.partial), e.expected]).toEqual(['abc', 6]);
    const { port: port2, reader: reader2, loop: loop2 } = serial();
    port2.receive('xy');
    port2.fail();
    loop2.runUntilIdle();
    const u = reader2.readuntil().exception() as IncompleteReadError;
    expect([text(u.partial), u.expected]).toEqual(['xy', null]);
    expect(reader2.read(10).result().length).toBe(0);
  });

  it('leaves the bytes of a cancelled readline() in the buffer', () => {
    const { loop, port, reader } = serial();
    const { log, task } = run(loop, function* () {
      return yield* reader.readline();
    });
    port.receive('$GPGSV,3,1');
    loop.advance(5);
    task.cancel();
    loop.advance(5);
    expect(log[0]).toEqual(['error', expect.any(CancelledError), 5]);
    port.receive(',12*7A\n');
    loop.advance(5);
    expect(text(reader.readline().result())).toBe('$GPGSV,3,1,12*7A\n');
  });

  it('leaves the bytes of a readexactly() aborted by its signal in the buffer', () => {
    const { loop, port, reader } = serial();
    const ac = new AbortController();
    const header = reader.readexactly(4, { signal: ac.signal });
    port.receive(new Uint8Array([0xaa, 0x55, 0x02]));
    loop.runUntilIdle();
    ac.abort();
    loop.runUntilIdle();
    expect(header.cancelled()).toBe(true);
    port.receive(new Uint8Array([0x10, 0x20]));
    loop.runUntilIdle();
    expect([...reader.readexactly(4).result()]).toEqual([0xaa, 0x55, 0x02, 0x10]);
    expect(reader.buffered).toBe(1);
  });

  it('takes a new read while a cancelled one has not resumed yet, and gives it the bytes', () => {
    const { loop, port, reader } = serial();
    const ac = new AbortController();
    const first = reader.readline({ signal: ac.signal });
    ac.abort();
    const second = reader.readline();
    port.receive('line\n');
    loop.runUntilIdle();
    expect([first.cancelled(), text(second.result())]).toEqual([true, 'line\n']);
  });

  it('reports an IO instance whose read() throws to the exception handler, and goes on', () => {
    const { loop, port, reader, errors } = serial();
    const read = port.read.bind(port);
    port.read = () => { throw new Error('UART fault'); };
    const line = reader.readline();
    expect(() => port.receive('lost\n')).not.toThrow();
    expect(errors.map((e) => (e.exception as Error).message)).toEqual(['UART fault']);
    port.read = read;
    port.receive('next\n');
    loop.runUntilIdle();
    // The bytes the failed read() left in the IO instance come with the next onReadable.
    expect([text(line.result()), reader.buffered]).toEqual(['lost\n', 5]);
  });

  it('keeps the bytes of a read whose refill from the IO instance throws', () => {
    const { loop, port, reader, errors } = serial({ limit: 8 });
    port.receive('12345678abc');
    expect(reader.paused).toBe(true);
    port.read = () => { throw new Error('UART fault'); };
    const got = reader.read(4);
    loop.runUntilIdle();
    expect([text(got.result()), reader.buffered]).toEqual(['1234', 4]);
    expect(errors.map((e) => (e.exception as Error).message)).toEqual(['UART fault']);
  });

  it('lets one read wait at a time, as asyncio does', () => {
    const { reader } = serial();
    const first = reader.readline();
    expect(reader.read(1).exception()).toBeInstanceOf(InvalidStateError);
    expect(first.done()).toBe(false);
  });

  it('iterates lines in a generator coroutine until the end of the stream', () => {
    const { loop, port, reader } = serial();
    const { log } = run(loop, function* () {
      const lines: string[] = [];
      const it = reader.lines();
      for (;;) {
        const r = yield* it.next();
        if (r.done) return lines;
        lines.push(text(r.value));
      }
    });
    port.receive('one\ntw');
    loop.advance(1);
    port.receive('o\nthree');
    loop.advance(1);
    port.fail();
    loop.advance(1);
    expect(log).toEqual([['ok', ['one\n', 'two\n', 'three'], 2]]);
  });

  it('iterates lines with for await in an async function', async () => {
    const { loop, port, reader } = serial();
    const lines: string[] = [];
    const done = (async () => {
      for await (const line of reader) lines.push(text(line));
    })();
    port.receive('a\nb\n');
    port.fail();
    await loop.runUntilCompleteAsync(done);
    expect(lines).toEqual(['a\n', 'b\n']);
  });
});

describe('StreamWriter', () => {
  it('hands the IO instance only what onWritable said fits, and drain() waits on a slow UART', () => {
    const { loop, port, writer } = serial({}, { tx: 8 });
    const message = 'AT+CGATT=1\r\nAT+CIPSTART\r\n';
    const { log } = run(loop, function* () {
      writer.write(bytes(message));
      yield* writer.drain();
      return port.sent.length;
    });
    loop.runUntilIdle();
    expect([port.output.length, writer.pending]).toEqual([8, message.length - 8]);
    // The UART sends 3 bytes per ms.
    for (let t = 0; t < 20; t++) {
      loop.advance(1);
      port.transmit(3);
    }
    loop.advance(1);
    expect(port.sentText()).toBe(message);
    expect(port.refusedWrites).toBe(0);
    // 25 bytes: 8 into the output buffer at once, the other 17 as the wire frees 3 per ms: all handed over at 6 ms.
    expect(log).toEqual([['ok', 18, 6]]);
  });

  it('drain() waits while a full TCP window holds more than the high-water mark', () => {
    const { loop, port, writer } = serial({ highWater: 4 }, { tx: 16 });
    const { log } = run(loop, function* () {
      writer.write(new Uint8Array(30));
      yield* writer.drain();
      return writer.pending;
    });
    loop.advance(100);
    expect([log, writer.pending]).toEqual([[], 14]);
    port.transmit(8);
    loop.advance(1);
    expect(log).toEqual([]);
    port.transmit(16);
    loop.advance(1);
    expect(log).toEqual([['ok', 0, 101]]);
    expect(writer.drain().done()).toBe(true);
  });

  it('cancels a drain() by its signal, and a later drain() still waits for the wire', () => {
    const { loop, port, writer } = serial({}, { tx: 4 });
    writer.write(bytes('12345678'));
    const ac = new AbortController();
    const first = writer.drain({ signal: ac.signal });
    ac.abort();
    loop.runUntilIdle();
    expect(first.cancelled()).toBe(true);
    const second = writer.drain();
    port.transmit(4);
    loop.runUntilIdle();
    expect([second.done(), writer.pending, port.sentText()]).toEqual([true, 0, '1234']);
  });

  it('fails a pending drain(), later writes and waitClosed() with ConnectionError when the peer resets mid-write', () => {
    const { loop, port, reader, writer } = serial({}, { tx: 4 });
    port.receive('partial reply');
    const { log } = run(loop, function* () {
      writer.write(bytes('POST /fix HTTP/1.0\r\n'));
      yield* writer.drain();
    });
    loop.advance(1);
    port.transmit(4);
    loop.advance(1);
    port.fail();
    loop.advance(1);
    expect(log).toEqual([['error', expect.any(ConnectionError), 2]]);
    expect(() => writer.write(bytes('x'))).toThrow(ConnectionError);
    expect(writer.drain().exception()).toBeInstanceOf(ConnectionError);
    expect(writer.waitClosed().exception()).toBeInstanceOf(ConnectionError);
    expect([writer.pending, port.closed]).toEqual([0, true]);
    // What was received before the reset is still read, then the end.
    expect(text(reader.read(100).result())).toBe('partial reply');
    expect(reader.atEof()).toBe(true);
  });

  it('writes each byte once to an IO instance that calls onWritable from inside write()', () => {
    const loop = new VirtualTimeLoop();
    const written: number[] = [];
    class Eager {
      constructor(readonly options: ByteStreamOptions) {
        options.onWritable(2);
      }
      write(b: Uint8Array): void {
        written.push(...b);
        this.options.onWritable(2);
      }
      read(): undefined {
        return undefined;
      }
      close(): void {}
    }
    const [, writer] = loop.runUntilComplete(openSerial({ io: Eager, loop }));
    writer.write(bytes('abcdefg'));
    expect(new TextDecoder().decode(new Uint8Array(written))).toBe('abcdefg');
    expect(writer.pending).toBe(0);
  });

  it('close() hands over what is queued, then closes the IO instance and ends the reader', () => {
    const { loop, port, reader, writer } = serial({}, { tx: 4 });
    const { log } = run(loop, function* () {
      writer.write(bytes('bye\r\n'));
      writer.close();
      yield* writer.waitClosed();
      return port.output.length + port.sent.length;
    });
    loop.advance(1);
    expect([port.closed, writer.isClosing(), log]).toEqual([false, true, []]);
    expect(() => writer.write(bytes('more'))).toThrow(ClosedError);
    port.transmit(4);
    loop.advance(1);
    // The last byte went to the IO instance, which was then closed.
    expect(log).toEqual([['ok', 5, 1]]);
    expect([port.closed, reader.atEof(), writer.waitClosed().done()]).toEqual([true, true, true]);
  });
});

describe('openConnection', () => {
  it('resolves once the socket connects, with the address and port passed on', () => {
    const loop = new VirtualTimeLoop();
    const { io, instances } = fakeByteStreamClass();
    const opened = openConnection({ io, address: '192.0.2.7', port: 8080, loop });
    loop.advance(50);
    expect(opened.done()).toBe(false);
    const sock = instances[0]!;
    expect([sock.options.address, sock.options.port]).toEqual(['192.0.2.7', 8080]);
    sock.open();
    loop.runUntilIdle();
    const [reader, writer] = opened.result();
    writer.write(bytes('GET / HTTP/1.0\r\n\r\n'));
    expect(sock.sentText() + new TextDecoder().decode(new Uint8Array(sock.output))).toBe('GET / HTTP/1.0\r\n\r\n');
    sock.receive('HTTP/1.0 200 OK\r\n');
    expect(text(reader.readline().result())).toBe('HTTP/1.0 200 OK\r\n');
  });

  it('fails with ConnectionError when the socket errors before connecting, and closes it when cancelled', () => {
    const loop = new VirtualTimeLoop();
    const { io, instances } = fakeByteStreamClass();
    const refused = openConnection({ io, address: '192.0.2.7', port: 80, loop });
    instances[0]!.fail();
    loop.runUntilIdle();
    expect(refused.exception()).toBeInstanceOf(ConnectionError);
    const cancelled = openConnection({ io, address: '192.0.2.7', port: 80, loop });
    cancelled.cancel();
    loop.runUntilIdle();
    expect(instances[1]!.closed).toBe(true);
    expect(() => openConnection({ io, address: '192.0.2.7', port: 0, loop })).toThrow(RangeError);
    expect(() => openConnection({ io, address: 7 as never, port: 80, loop })).toThrow(TypeError);
  });
});

describe('decodeText / encodeText', () => {
  it('use TextDecoder / TextEncoder where the engine has no Moddable extensions', () => {
    const line = bytes('x\u00e9\r\n').subarray(1, 3);
    expect(decodeText(line)).toBe('\u00e9');
    expect([...encodeText('\u00e9\n')]).toEqual([0xc3, 0xa9, 0x0a]);
    expect(() => decodeText('text' as never)).toThrow(TypeError);
    expect(() => encodeText(1 as never)).toThrow(TypeError);
  });

  it('use String.fromArrayBuffer / ArrayBuffer.fromString on a Moddable device, given exactly the bytes', () => {
    const seen: number[][] = [];
    const S = String as unknown as Record<string, unknown>;
    const A = ArrayBuffer as unknown as Record<string, unknown>;
    S.fromArrayBuffer = (b: ArrayBuffer) => {
      seen.push([...new Uint8Array(b)]);
      return 'from device';
    };
    A.fromString = (t: string) => new Uint8Array([t.length]).buffer;
    try {
      expect(decodeText(bytes('$GPRMC\r\n').subarray(1, 4))).toBe('from device');
      expect([...encodeText('AT\r\n')]).toEqual([4]);
    } finally {
      delete S.fromArrayBuffer;
      delete A.fromString;
    }
    expect(seen).toEqual([[...bytes('GPR')]]);
  });
});
