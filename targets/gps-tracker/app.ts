/**
 * The gps-tracker example app: a GPS receiver on a UART, fixes reported to
 * a TCP server, a button for a status line.
 *
 * - The `gps` task reads NMEA 0183 sentences (9600 baud) with `readline()`,
 *   verifies each checksum and turns GGA and RMC sentences into fixes (one
 *   per second: the receiver's GGA and RMC of the same second are one). A
 *   garbage line, a bad checksum or a line longer than the reader's buffer
 *   is counted and skipped; the stream goes on with the next line.
 * - Fixes go through a bounded Queue to the `sender` task. The gps task
 *   never waits on it: when the queue is full the oldest fix is dropped (and
 *   counted), so the newest fixes are the ones kept while the server is away.
 * - The sender connects to the server, sends each fix as a line of JSON and
 *   waits for the server's "ok" line. When the server refuses the connection,
 *   resets it, closes it or does not answer, the sender retries with
 *   exponential backoff; the fix it was sending is sent again.
 * - A press of the BOOT button (GPIO 0, debounced) prints a status line.
 *
 * The app takes its IO classes from `main.ts` (Moddable's `embedded:io/serial`,
 * `embedded:io/socket/tcp`, `embedded:io/digital`), so tests give it fakes.
 */
import { Queue, TimeoutError, createTask, sleep, waitFor, type Task } from 'anyloop';
import {
  ConnectionError, DigitalIn, LimitOverrunError, openConnection, openSerial,
  type ByteStreamClass, type DigitalClass, type Streams, type XsLoop,
} from 'anyloop/xs';
import { parseSentence, type Fix } from './nmea.js';

/** The BOOT button of an ESP32 DevKit. */
export const BUTTON_PIN = 0;
/** The GPS receiver on UART 2, at its default pins, and its NMEA rate. */
export const GPS_PORT = 2, GPS_RX_PIN = 16, GPS_TX_PIN = 17, GPS_BAUD = 9600;

/** The ECMA-419 classes the app uses (Moddable's, on a device). */
export interface TrackerIo {
  Serial: ByteStreamClass;
  TCP: ByteStreamClass;
  Digital: DigitalClass & { readonly InputPullUp: unknown };
}

/** What the app needs, and its settings; the defaults are the firmware's. */
export interface TrackerOptions {
  /** The loop to run on (started when it is not running). */
  loop: XsLoop;
  io: TrackerIo;
  /** The server fixes are sent to (default 192.0.2.10:9000). */
  server?: { address: string; port: number };
  /** Where lines go (default: Moddable's `trace`). */
  print?: (line: string) => void;
  /** Fixes kept while the server is away (default 8). */
  queueSize?: number;
  /** The UART reader's buffer, so the longest line it takes (default 128; an NMEA sentence has at most 82 bytes). */
  lineLimit?: number;
  /** The first retry delay after a failed connection (default 1000 ms); it doubles up to `maxBackoffMs`. */
  backoffMs?: number;
  /** The longest retry delay (default 8000 ms). */
  maxBackoffMs?: number;
  /** How long the server may take to acknowledge a fix (default 2000 ms). */
  ackTimeoutMs?: number;
  /** Button debounce (default 20 ms). */
  debounceMs?: number;
}

/** What the app has seen so far. */
export interface TrackerStats {
  /** Fixes parsed (each one was queued). */
  fixes: number;
  /** Fixes the server acknowledged. */
  sent: number;
  /** Fixes dropped from the full queue, oldest first. */
  dropped: number;
  /** Lines that were not NMEA sentences. */
  garbage: number;
  /** Sentences whose checksum did not match. */
  badChecksum: number;
  /** Lines longer than the reader's buffer. */
  tooLong: number;
  /** Connections the server accepted. */
  connects: number;
  /** "connecting", "connected", or "down, retry in N ms". */
  server: string;
}

/** The running app. */
export interface Tracker {
  readonly loop: XsLoop;
  readonly stats: Readonly<TrackerStats>;
  /** The status line the button prints. */
  status(): string;
  /** Cancels the tasks (closing the UART and the connection) and releases the button. */
  stop(): void;
}

/** The bytes of an ASCII string (JSON of a fix is ASCII). */
function ascii(text: string): Uint8Array {
  const bytes = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) bytes[i] = text.charCodeAt(i);
  return bytes;
}

/** Starts the app's tasks on the loop and returns at once; the loop runs them. */
export function startTracker(options: TrackerOptions): Tracker {
  const { loop, io } = options;
  const { address, port } = options.server ?? { address: '192.0.2.10', port: 9000 };
  const print = options.print ?? ((line: string) => trace(`${line}\n`));
  const lineLimit = options.lineLimit ?? 128;
  const firstBackoff = options.backoffMs ?? 1000;
  const maxBackoff = options.maxBackoffMs ?? 8000;
  const ackTimeout = options.ackTimeoutMs ?? 2000;
  const stats: TrackerStats = { fixes: 0, sent: 0, dropped: 0, garbage: 0, badChecksum: 0, tooLong: 0, connects: 0, server: 'connecting' };
  const fixes = new Queue<Fix>(options.queueSize ?? 8, { loop });
  const button = new DigitalIn({
    pin: BUTTON_PIN, mode: io.Digital.InputPullUp, edge: 'falling', debounce: options.debounceMs ?? 20, io: io.Digital, loop,
  });
  const status = () => `status: ${stats.fixes} fixes, ${stats.sent} sent, ${stats.dropped} dropped, ${fixes.qsize()} queued; ` +
    `skipped ${stats.garbage} garbage, ${stats.badChecksum} bad checksum, ${stats.tooLong} too long; server ${stats.server}`;
  const tasks: Task<unknown>[] = [];

  tasks.push(createTask(function* () {
    const [gps] = yield* openSerial({
      io: io.Serial, port: GPS_PORT, receive: GPS_RX_PIN, transmit: GPS_TX_PIN, baud: GPS_BAUD, limit: lineLimit, loop,
    });
    // After an over-long line, the next line the reader returns is its tail.
    let inTail = false;
    // A receiver sends a GGA and an RMC for each position: the first one makes the fix.
    let lastTime = '';
    for (;;) {
      let line: Uint8Array;
      try {
        line = yield* gps.readline();
      } catch (e) {
        if (!(e instanceof LimitOverrunError)) throw e;
        if (!inTail) {
          stats.tooLong++;
          print(`gps: line longer than ${lineLimit} bytes skipped`);
        }
        inTail = true;
        continue;
      }
      if (line.length === 0) return;
      if (inTail) {
        inTail = false;
        continue;
      }
      const parsed = parseSentence(line);
      if (parsed === 'garbage') {
        stats.garbage++;
        print('gps: garbage line skipped');
      } else if (parsed === 'checksum') {
        stats.badChecksum++;
        print('gps: bad checksum, sentence skipped');
      } else if (typeof parsed === 'object' && parsed.time !== lastTime) {
        lastTime = parsed.time;
        stats.fixes++;
        print(`fix ${parsed.time} ${parsed.lat},${parsed.lon} quality ${parsed.quality}`);
        if (fixes.full()) {
          stats.dropped++;
          print(`queue full: dropped fix ${fixes.getNowait().time}`);
        }
        fixes.putNowait(parsed);
      }
    }
  }, { loop, name: 'gps' }));

  tasks.push(createTask(function* () {
    let backoff = firstBackoff;
    // Taken from the queue and not yet acknowledged: sent again after a reconnect.
    let fix: Fix | null = null;
    for (;;) {
      stats.server = 'connecting';
      let streams: Streams | null = null;
      try {
        streams = yield* openConnection({ io: io.TCP, address, port, limit: 64, loop });
      } catch (e) {
        if (!(e instanceof ConnectionError)) throw e;
      }
      let why = 'connection refused';
      if (streams !== null) {
        const [reader, writer] = streams;
        stats.connects++;
        stats.server = 'connected';
        print(`server: connected to ${address}:${port}`);
        try {
          for (;;) {
            fix ??= yield* fixes.get();
            writer.write(ascii(`${JSON.stringify(fix)}\n`));
            yield* writer.drain();
            const reply = yield* waitFor(reader.readline(), ackTimeout);
            // The end of the stream: the server closed or reset the connection.
            if (reply.length === 0) {
              why = 'connection lost';
              break;
            }
            if (String.fromCharCode(...reply).trim() !== 'ok') {
              why = 'unexpected reply';
              break;
            }
            stats.sent++;
            print(`sent fix ${fix.time}`);
            fix = null;
            backoff = firstBackoff;
          }
        } catch (e) {
          if (e instanceof ConnectionError) why = 'connection lost';
          else if (e instanceof TimeoutError) why = `no reply within ${ackTimeout} ms`;
          else if (e instanceof LimitOverrunError) why = 'unexpected reply';
          else throw e;
        } finally {
          writer.close();
        }
      }
      stats.server = `down, retry in ${backoff} ms`;
      print(`server: ${why}, retry in ${backoff} ms`);
      yield* sleep(backoff);
      backoff = Math.min(backoff * 2, maxBackoff);
    }
  }, { loop, name: 'sender' }));

  tasks.push(createTask(function* () {
    for (;;) {
      yield* button.edge();
      print(status());
    }
  }, { loop, name: 'button' }));

  if (!loop.isRunning()) loop.runForever();
  print('tracker started');
  return {
    loop,
    stats,
    status,
    stop() {
      for (const t of tasks) t.cancel();
      button.close();
    },
  };
}
