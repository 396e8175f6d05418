import { afterEach, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import ts from 'typescript';
import ts6 from 'typescript6';
import { XsLoop, type ByteStreamClass, type ByteStreamOptions } from '../src/xs.js';
import type { ExceptionContext } from '../src/index.js';
import { SimBoard } from '../src/sim/board.js';
import { timerFor } from '../src/sim/timer.js';
import { timeFor } from '../src/sim/time.js';
import { digitalFor } from '../src/sim/digital.js';
import { BUTTON_PIN, GPS_BAUD, GPS_PORT, GPS_RX_PIN, startTracker, type Tracker, type TrackerOptions } from '../targets/gps-tracker/app.js';
import { checksum, parseSentence } from '../targets/gps-tracker/nmea.js';
import { FakeByteStream } from './support/fake-byte-stream.js';

const bytes = (s: string): Uint8Array => new TextEncoder().encode(s);

/** An NMEA sentence with its checksum: "$" + body + "*" + XOR of the body's bytes, in hex. */
function nmea(body: string): string {
  let sum = 0;
  for (const b of bytes(body)) sum ^= b;
  return `$${body}*${sum.toString(16).toUpperCase().padStart(2, '0')}\r\n`;
}

/** A GGA sentence at second `s` after 12:00:00, at 48°07.038' N, 11°31.000' E. */
const gga = (s: number, quality = 1) =>
  nmea(`GPGGA,12${String(Math.floor(s / 60)).padStart(2, '0')}${String(s % 60).padStart(2, '0')},4807.038,N,01131.000,E,${quality},08,0.9,545.4,M,46.9,M,,`);
const time = (s: number) => `12:${String(Math.floor(s / 60)).padStart(2, '0')}:${String(s % 60).padStart(2, '0')}`;

describe('NMEA sentences', () => {
  // The classic examples of NMEA 0183 references, with their published checksums.
  const GGA = '$GPGGA,123519,4807.038,N,01131.000,E,1,08,0.9,545.4,M,46.9,M,,*47\r\n';
  const RMC = '$GPRMC,123519,A,4807.038,N,01131.000,E,022.4,084.4,230394,003.1,W*6A\r\n';

  it('computes the checksum as the XOR of the bytes between "$" and "*"', () => {
    const line = bytes(GGA);
    expect(checksum(line, 1, line.indexOf(0x2a))).toBe(0x47);
    expect(checksum(bytes(RMC), 1, RMC.indexOf('*'))).toBe(0x6a);
  });

  it('turns GGA and RMC into fixes: time, signed degrees, quality', () => {
    expect(parseSentence(bytes(GGA))).toEqual({ kind: 'GGA', time: '12:35:19', lat: 48.1173, lon: 11.516667, quality: 1 });
    expect(parseSentence(bytes(RMC))).toEqual({ kind: 'RMC', time: '12:35:19', lat: 48.1173, lon: 11.516667, quality: 1 });
    expect(parseSentence(bytes(nmea('GNGGA,235959.00,3345.1234,S,07037.5000,W,2,11,0.8,520.0,M,30.1,M,,'))))
      .toEqual({ kind: 'GGA', time: '23:59:59', lat: -33.752057, lon: -70.625, quality: 2 });
    // Without the line end (the end of the stream), and with a lowercase checksum.
    expect(parseSentence(bytes(RMC.trim().replace('*6A', '*6a')))).toMatchObject({ kind: 'RMC', lat: 48.1173 });
  });

  it('tells a sentence without a position from a fix', () => {
    expect(parseSentence(bytes(nmea('GPGGA,123519,,,,,0,00,99.9,,M,,M,,')))).toBe('nofix');
    expect(parseSentence(bytes(nmea('GPRMC,123519,V,,,,,,,230394,,,N')))).toBe('nofix');
    expect(parseSentence(bytes(nmea('GPGSV,3,1,11,03,03,111,00,04,15,270,00,06,01,010,00,13,06,292,00')))).toBe('other');
  });

  it('rejects a sentence whose checksum does not match, and says so apart from garbage', () => {
    expect(parseSentence(bytes(GGA.replace('*47', '*48')))).toBe('checksum');
    // One bit flipped on the wire.
    expect(parseSentence(bytes(GGA.replace('4807.038', '4807.039')))).toBe('checksum');
  });

  it('calls garbage what is not a sentence: noise, no "$", no checksum, bad fields', () => {
    for (const line of [
      '', '\r\n', 'hello\r\n', '\u0000\u00ff\u0013$GP\r\n', GGA.slice(1), GGA.replace('*47', ''), GGA.replace('*47', '*4G'),
      nmea('GPGGA,123519,4807.038,X,01131.000,E,1,08,0.9,545.4,M,46.9,M,,'),
      nmea('GPGGA,123519,4860.000,N,01131.000,E,1,08,0.9,545.4,M,46.9,M,,'),
      nmea('GPGGA,1235,4807.038,N,01131.000,E,1,08,0.9,545.4,M,46.9,M,,'),
      nmea('GPGGA,123519,4807.038,N,1131.000,E,1,08,0.9,545.4,M,46.9,M,,'),
      nmea('GPGGA,123519,4807.038,N,01131.000,E,x,08'),
      nmea('GPRMC,123519,Q,4807.038,N,01131.000,E,022.4,084.4,230394,003.1,W'),
    ]) {
      expect([line, parseSentence(bytes(line))]).toEqual([line, 'garbage']);
    }
    expect(parseSentence(new Uint8Array([0x24, 0x47, 0x50, 0x47, 0x47, 0x41, 0xe9, 0x2a, 0x30, 0x30]))).toBe('garbage');
  });
});

/** A scripted TCP server behind the fake socket class: up or down, answering "ok" to each line or not. */
class FakeServer {
  up = false;
  /** What it answers to each line; null: nothing. */
  answer: string | null = 'ok\r\n';
  readonly received: string[] = [];
  readonly connections: FakeByteStream[] = [];
  readonly refused: number[] = [];
  readonly io: ByteStreamClass;

  constructor(readonly board: SimBoard) {
    const server = this;
    this.io = class extends FakeByteStream {
      #partial = '';
      constructor(options: ByteStreamOptions) {
        super(options, {});
        server.connect(this);
      }

      override write(data: ArrayBuffer | Uint8Array): void {
        super.write(data);
        // The network task takes the bytes and the server answers, in a later host pass.
        board._postFromISR(() => {
          if (this.failed || this.closed) return;
          const before = this.sent.length;
          this.transmit(this.output.length);
          const lines = (this.#partial + new TextDecoder().decode(new Uint8Array(this.sent.slice(before)))).split('\n');
          this.#partial = lines.pop()!;
          for (const line of lines) {
            server.received.push(line);
            if (server.answer !== null) this.receive(server.answer);
          }
        }, 'tcp');
      }
    } as unknown as ByteStreamClass;
  }

  connect(port: FakeByteStream): void {
    this.board._postFromISR(() => {
      if (this.up) {
        this.connections.push(port);
        port.open();
      } else {
        this.refused.push(this.board.now);
        port.fail();
      }
    }, 'tcp');
  }

  /** The server resets the open connection. */
  reset(): void {
    this.board._postFromISR(() => this.connections.at(-1)!.fail(), 'tcp');
  }
}

let board: SimBoard;
let lines: string[];
let errors: ExceptionContext[];
let uart: FakeByteStream[];
let server: FakeServer;
let tracker: Tracker;

function start(options: Partial<TrackerOptions> = {}): void {
  board = new SimBoard();
  board.drive(BUTTON_PIN, 1);
  const loop = new XsLoop({ Timer: timerFor(board), Time: timeFor(board), trace: () => {} });
  errors = [];
  loop.setExceptionHandler((_l, ctx) => errors.push(ctx));
  lines = [];
  uart = [];
  server = new FakeServer(board);
  const Serial = class extends FakeByteStream {
    constructor(o: ByteStreamOptions) {
      super(o, { rx: 128 });
      uart.push(this);
      // A UART can be written to once it is open.
      board._postFromISR(() => this.open(), 'uart');
    }
  } as unknown as ByteStreamClass;
  tracker = startTracker({
    loop, io: { Serial, TCP: server.io, Digital: digitalFor(board) }, print: (line) => lines.push(`${board.now} ${line}`), ...options,
  });
}

/** The GPS sends `text` at `at` (the UART's FIFO takes it, then onReadable). */
function gps(at: number, text: string): void {
  board.at(at, () => board._postFromISR(() => uart[0]!.receive(text), 'uart'));
}

/** One GGA per second, at 1000 * s + 100 ms, for s in [from, to). */
function gpsEverySecond(from: number, to: number): void {
  for (let s = from; s < to; s++) gps(1000 * s + 100, gga(s));
}

function press(at: number): void {
  board.at(at, () => board.drive(BUTTON_PIN, 0));
  board.at(at + 100, () => board.drive(BUTTON_PIN, 1));
}

const printed = (what: string) => lines.filter((l) => l.includes(what));

describe('the gps-tracker app, on a simulated board with a fake UART and TCP server', () => {
  afterEach(() => {
    tracker.stop();
    board.advance(10);
    expect(board.aborted).toBe(null);
    expect(errors).toEqual([]);
  });

  it('opens the GPS UART at 9600 baud and sends each fix as a line of JSON, acknowledged by the server', () => {
    start();
    server.up = true;
    gpsEverySecond(1, 4);
    board.advance(4000);
    expect(uart[0]!.options).toMatchObject({ port: GPS_PORT, receive: GPS_RX_PIN, baud: GPS_BAUD, format: 'buffer' });
    expect(server.received.map((l) => JSON.parse(l))).toEqual([1, 2, 3].map((s) =>
      ({ kind: 'GGA', time: time(s), lat: 48.1173, lon: 11.516667, quality: 1 })));
    expect(lines).toEqual([
      '0 tracker started',
      '0 server: connected to 192.0.2.10:9000',
      '1100 fix 12:00:01 48.1173,11.516667 quality 1',
      '1100 sent fix 12:00:01',
      '2100 fix 12:00:02 48.1173,11.516667 quality 1',
      '2100 sent fix 12:00:02',
      '3100 fix 12:00:03 48.1173,11.516667 quality 1',
      '3100 sent fix 12:00:03',
    ]);
    expect(tracker.stats).toMatchObject({ fixes: 3, sent: 3, dropped: 0, connects: 1, server: 'connected' });
  });

  it('makes one fix of the GGA and RMC of one second, and none of sentences without a position', () => {
    start();
    server.up = true;
    // Each sentence takes about 70 ms on the wire at 9600 baud.
    gps(1100, nmea('GPGGA,120001,,,,,0,00,99.9,,M,,M,,'));
    gps(1200, nmea('GPGSV,1,1,00'));
    gps(1300, nmea('GPRMC,120001,V,,,,,,,010125,,,N'));
    gps(2100, gga(2));
    gps(2200, nmea('GPGSA,A,3,04,05,,09,12,,,24,,,,,2.5,1.3,2.1'));
    gps(2300, nmea('GPRMC,120002,A,4807.038,N,01131.000,E,0.0,0.0,010125,,,A'));
    gps(3100, nmea('GPRMC,120003,A,4807.100,N,01131.000,E,0.0,0.0,010125,,,A'));
    board.advance(4000);
    expect(lines.filter((l) => / fix /.test(l))).toEqual([
      '2100 fix 12:00:02 48.1173,11.516667 quality 1',
      '2100 sent fix 12:00:02',
      '3100 fix 12:00:03 48.118333,11.516667 quality 1',
      '3100 sent fix 12:00:03',
    ]);
    expect(server.received.map((l) => JSON.parse(l).kind)).toEqual(['GGA', 'RMC']);
    expect(tracker.stats).toMatchObject({ fixes: 2, garbage: 0, badChecksum: 0 });
  });

  it('skips noise, a bad checksum and an over-long line, counts each once, and parses the next sentence', () => {
    start();
    server.up = true;
    gps(1100, gga(1));
    gps(1500, '\u0000\u00ff#noise!!\r\n');
    gps(2100, gga(2).replace('4807.038', '4807.039'));
    // 200 bytes with no line end, as two bursts, then the rest of it and a good sentence.
    gps(2500, 'X'.repeat(100));
    gps(2600, 'Y'.repeat(100));
    gps(2700, 'tail of the long line\r\n');
    gps(3100, gga(3));
    gps(3200, 'GPGGA,123519\r\n');
    board.advance(4000);
    expect(lines.slice(1).filter((l) => !l.includes('server:') && !l.includes('sent fix'))).toEqual([
      '1100 fix 12:00:01 48.1173,11.516667 quality 1',
      '1500 gps: garbage line skipped',
      '2100 gps: bad checksum, sentence skipped',
      '2600 gps: line longer than 128 bytes skipped',
      '3100 fix 12:00:03 48.1173,11.516667 quality 1',
      '3200 gps: garbage line skipped',
    ]);
    expect(tracker.stats).toMatchObject({ fixes: 2, sent: 2, garbage: 2, badChecksum: 1, tooLong: 1 });
    expect(server.received.map((l) => JSON.parse(l).time)).toEqual([time(1), time(3)]);
  });

  it('retries a refused connection with doubling backoff while the GPS goes on; keeps the newest fixes and delivers them in order', () => {
    start({ queueSize: 4 });
    gpsEverySecond(1, 13);
    board.at(10_000, () => { server.up = true; });
    board.advance(13_500);
    // Connects at 0, 1000, 3000, 7000 are refused (backoff 1, 2, 4 s); the one at 15000 would be next (8 s cap).
    expect(server.refused).toEqual([0, 1000, 3000, 7000]);
    expect(printed('server:')).toEqual([
      '0 server: connection refused, retry in 1000 ms',
      '1000 server: connection refused, retry in 2000 ms',
      '3000 server: connection refused, retry in 4000 ms',
      '7000 server: connection refused, retry in 8000 ms',
    ]);
    // The gps task never waited: every fix was parsed at its time; the oldest were dropped.
    expect(lines.filter((l) => / fix 12/.test(l) && !/(sent|dropped) fix/.test(l))).toHaveLength(12);
    expect(printed('queue full')).toEqual([
      '5100 queue full: dropped fix 12:00:01',
      '6100 queue full: dropped fix 12:00:02',
      '7100 queue full: dropped fix 12:00:03',
      '8100 queue full: dropped fix 12:00:04',
      '9100 queue full: dropped fix 12:00:05',
      '10100 queue full: dropped fix 12:00:06',
      '11100 queue full: dropped fix 12:00:07',
      '12100 queue full: dropped fix 12:00:08',
    ]);
    expect(server.received).toEqual([]);
    board.advance(3000);
    expect(server.connections).toHaveLength(1);
    // The four newest fixes went out at once on connecting, in order, then the live ones.
    expect(server.received.map((l) => JSON.parse(l).time)).toEqual([9, 10, 11, 12].map(time));
    expect(printed('sent fix').map((l) => l.split(' ')[0])).toEqual(['15000', '15000', '15000', '15000']);
    expect(tracker.stats).toMatchObject({ fixes: 12, sent: 4, dropped: 8, connects: 1 });
  });

  it('sends the fix again after the server resets the connection, and resets the backoff once a fix gets through', () => {
    start();
    server.up = true;
    gpsEverySecond(1, 6);
    board.at(2500, () => server.reset());
    board.advance(7000);
    expect(printed('server:')).toEqual([
      '0 server: connected to 192.0.2.10:9000',
      '3100 server: connection lost, retry in 1000 ms',
      '4100 server: connected to 192.0.2.10:9000',
    ]);
    expect(server.received.map((l) => JSON.parse(l).time)).toEqual([1, 2, 3, 4, 5].map(time));
    expect(tracker.stats).toMatchObject({ sent: 5, connects: 2, dropped: 0 });
  });

  it('gives up on a server that does not answer, and sends the fix again on a new connection', () => {
    start({ ackTimeoutMs: 500 });
    server.up = true;
    server.answer = null;
    gps(1100, gga(1));
    board.at(1800, () => { server.answer = 'ok\r\n'; });
    board.advance(3000);
    expect(printed('server:')).toEqual([
      '0 server: connected to 192.0.2.10:9000',
      '1600 server: no reply within 500 ms, retry in 1000 ms',
      '2600 server: connected to 192.0.2.10:9000',
    ]);
    expect(server.received.map((l) => JSON.parse(l).time)).toEqual([time(1), time(1)]);
    expect(printed('sent fix')).toEqual(['2600 sent fix 12:00:01']);
    expect(server.connections[0]!.closed).toBe(true);
  });

  it('takes any other answer, a line too long for its buffer included, as a failed send: it reconnects and sends the fix again', () => {
    start();
    server.up = true;
    server.answer = 'error\r\n';
    gps(1100, gga(1));
    board.at(1500, () => { server.answer = `${'x'.repeat(100)}\r\n`; });
    board.at(2500, () => { server.answer = 'ok\r\n'; });
    board.advance(6000);
    expect(printed('server:')).toEqual([
      '0 server: connected to 192.0.2.10:9000',
      '1100 server: unexpected reply, retry in 1000 ms',
      '2100 server: connected to 192.0.2.10:9000',
      '2100 server: unexpected reply, retry in 2000 ms',
      '4100 server: connected to 192.0.2.10:9000',
    ]);
    expect(printed('sent fix')).toEqual(['4100 sent fix 12:00:01']);
    expect(server.received.map((l) => JSON.parse(l).time)).toEqual([time(1), time(1), time(1)]);
  });

  it('prints a status line when the button is pressed', () => {
    start({ queueSize: 2 });
    gpsEverySecond(1, 5);
    gps(2500, 'noise\r\n');
    press(4500);
    board.advance(5000);
    expect(printed('status')).toEqual([
      '4520 status: 4 fixes, 0 sent, 2 dropped, 2 queued; skipped 1 garbage, 0 bad checksum, 0 too long; server down, retry in 4000 ms',
    ]);
  });
});

describe('the gps-tracker target', () => {
  const root = resolve(import.meta.dirname, '..');
  const target = resolve(root, 'targets', 'gps-tracker');
  const typings = ['xs.d.ts', 'timer.d.ts', 'time.d.ts', 'embedded_io/_common.d.ts', 'embedded_io/digital.d.ts', 'embedded_io/serial.d.ts', 'embedded_io/socket/tcp.d.ts'];
  const sources = ['main.ts', 'app.ts', 'nmea.ts'];

  it('typechecks against @moddable/typings (targets/gps-tracker/tsconfig.json)', () => {
    const parsed = ts.getParsedCommandLineOfConfigFile(resolve(target, 'tsconfig.json'), {}, {
      ...ts.sys,
      onUnRecoverableConfigFileDiagnostic: (d) => { throw new Error(ts.flattenDiagnosticMessageText(d.messageText, '\n')); },
    })!;
    const program = ts.createProgram(parsed.fileNames, parsed.options);
    const diagnostics = ts.getPreEmitDiagnostics(program).map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'));
    expect(diagnostics).toEqual([]);
    expect(parsed.fileNames.some((f) => f.endsWith('@moddable/typings/embedded_io/serial.d.ts'))).toBe(true);
  }, 60_000);

  it('typechecks with TypeScript 6 as the Moddable SDK resolves modules: through the paths of manifest.json', () => {
    const manifest = JSON.parse(readFileSync(resolve(root, 'manifest.json'), 'utf8')) as { modules: Record<string, string> };
    const config = ts6.parseJsonConfigFileContent({
      compilerOptions: {
        target: 'es2025', lib: ['es2025'], module: 'esnext', moduleResolution: 'bundler', strict: true, skipLibCheck: true, noEmit: true, types: [],
        paths: Object.fromEntries(Object.entries(manifest.modules).map(([name, path]) => [name, [resolve(root, path)]])),
      },
      files: [...typings.map((f) => resolve(root, 'node_modules', '@moddable', 'typings', f)), ...sources.map((f) => resolve(target, f))],
    }, ts6.sys, root);
    expect(config.errors).toEqual([]);
    const program = ts6.createProgram(config.fileNames, config.options);
    expect(ts6.getPreEmitDiagnostics(program).map((d) => ts6.flattenDiagnosticMessageText(d.messageText, '\n'))).toEqual([]);
    expect(program.getSourceFiles().map((f) => f.fileName)).toContain(resolve(root, 'src', 'moddable', 'xs.d.ts'));
  }, 60_000);

  it('lists its modules in its manifest, and preloads the two that run nothing at load', () => {
    const manifest = JSON.parse(readFileSync(resolve(target, 'manifest.json'), 'utf8')) as { modules: { '*': string[] }; preload: string[]; include: string[] };
    expect(manifest.modules['*'].map((m) => `${m.slice(2)}.ts`).sort()).toEqual([...sources].sort());
    expect(manifest.preload).toEqual(['app', 'nmea']);
    expect(manifest.include).toContain('$(MODDABLE)/modules/io/manifest.json');
  });
});
