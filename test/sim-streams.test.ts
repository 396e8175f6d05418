/**
 * anyloop's streams over the simulator's ECMA-419 Serial and TCP, in both
 * engines: each app below is a Moddable app (generator tasks on an XsLoop)
 * that prints what it saw; the scenario's peers send at the baud rate or
 * over the simulated network, in virtual time.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runScenario, type SimReport } from '../src/sim/host/run.js';
import type { Scenario } from '../src/sim/scenario.js';
import { isNoteEvent, isPrintEvent, linkLines } from '../src/sim/trace.js';

const SLOW = 120_000;
const dir = mkdtempSync(join(tmpdir(), 'anyloop-sim-streams-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A Moddable app whose main task is `body` (generator code with `serial()` and `connect()` at hand). */
function app(name: string, body: string): string {
  const file = join(dir, `${name}.js`);
  writeFileSync(file, `
import Serial from 'embedded:io/serial';
import TCP from 'embedded:io/socket/tcp';
import Timer from 'timer';
import Time from 'time';
import { createTask, setEventLoop, sleep, waitFor } from 'anyloop';
import { XsLoop, decodeText, encodeText, openConnection, openSerial } from 'anyloop/xs';
const loop = new XsLoop({ Timer, Time });
setEventLoop(loop);
const say = (text) => trace(text + ' @' + Time.ticks + '\\n');
const show = (bytes) => JSON.stringify(decodeText(bytes));
const serial = (options = {}) => openSerial({ io: Serial, receive: 16, transmit: 17, baud: 9600, port: 1, ...options });
const connect = (options = {}) => openConnection({ io: TCP, address: '192.0.2.7', port: 9000, ...options });
createTask(function* () {
  try {
${body}
  } catch (e) {
    say('failed: ' + e.name + ': ' + e.message);
  }
});
loop.runForever();
`);
  return file;
}

const UART = { port: 1, receive: 16, transmit: 17, baud: 9600, label: 'GPS' };
const SERVER = { address: '192.0.2.7', port: 9000, label: 'SRV' };

/** Runs in both engines; they must give the same trace. Returns the node run. */
async function both(file: string, scenario: Scenario): Promise<SimReport> {
  const node = await runScenario({ app: file, scenario, engine: 'node' });
  const xs = await runScenario({ app: file, scenario, engine: 'xs' });
  expect(xs.failure).toBeNull();
  expect(xs.unhandled).toEqual([]);
  expect(xs.trace).toEqual(node.trace);
  return node;
}

const printed = (r: SimReport) => r.trace.events.filter(isPrintEvent).map((e) => e.print);
const notes = (r: SimReport) => r.trace.events.filter(isNoteEvent).map((e) => `${e.t} ${e.note}`);

describe('streams over the simulated UART and TCP, in both engines', () => {
  it('reads lines split across reads and a separator split across TCP segments', async () => {
    const file = app('split', `
    const [reader] = yield* connect();
    say('line ' + show(yield* reader.readline()));
    say('until ' + show(yield* reader.readuntil(encodeText('\\r\\n'))));
    const [gps] = yield* serial();
    say('gps ' + show(yield* gps.readline()));`);
    const r = await both(file, {
      end: 300,
      uart: [{ ...UART, send: [{ at: 10, text: '$GPGGA,' }, { at: 100, line: '1,2' }] }],
      tcp: [{ ...SERVER, script: [{ at: 5, text: 'hel' }, { at: 7, text: 'lo\nab\r' }, { at: 9, text: '\ncd' }] }],
    });
    expect(printed(r)).toEqual([
      'line "hello\\n" @7',
      'until "ab\\r\\n" @9',
      // "$GPGGA," ends at 10 + 7 × 1.04 ms; "1,2\\r\\n" starts at 100 and ends at 105.2; the RX timeout fires 4.6 ms later.
      'gps "$GPGGA,1,2\\r\\n" @110',
    ]);
  }, SLOW);

  it('fails a line over the limit with LimitOverrunError and reads on after it', async () => {
    const file = app('overrun', `
    const [gps] = yield* serial({ limit: 16 });
    try {
      yield* gps.readline();
    } catch (e) {
      say(e.name);
    }
    say('next ' + show(yield* gps.readline()));
    say('after ' + show(yield* gps.readline()));`);
    const r = await both(file, { end: 400, uart: [{ ...UART, send: [{ at: 10, line: 'x'.repeat(20) }, { at: 200, line: 'ok' }] }] });
    expect(printed(r)).toEqual([
      // The first 16 bytes fill the buffer: dropped with the error; the line's rest is read as a line.
      expect.stringMatching(/^LimitOverrunError @\d+$/),
      'next "xxxx\\r\\n" @38',
      'after "ok\\r\\n" @209',
    ]);
  }, SLOW);

  it('sees the end of the stream mid-line when the server closes: the partial line, then EOF', async () => {
    const file = app('eof', `
    const [reader, writer] = yield* connect();
    say('line ' + show(yield* reader.readline()));
    say('eof ' + reader.atEof());
    try {
      yield* reader.readexactly(1);
    } catch (e) {
      say(e.name + ' ' + e.partial.length);
    }
    try {
      writer.write(encodeText('late'));
    } catch (e) {
      say('write: ' + e.name);
    }`);
    const r = await both(file, { end: 100, tcp: [{ ...SERVER, script: [{ at: 10, text: 'no newline' }, { at: 20, close: true }] }] });
    expect(printed(r)).toEqual(['line "no newline" @20', 'eof true @20', 'IncompleteReadError 0 @20', 'write: ConnectionError @20']);
    expect(notes(r)).toEqual(['1 connection accepted', '20 closed by the server (FIN)']);
  }, SLOW);

  it('leaves the bytes of a readline cancelled by a timeout for the next read', async () => {
    const file = app('cancel', `
    const [gps] = yield* serial();
    try {
      yield* waitFor(gps.readline(), 20);
    } catch (e) {
      say(e.name + ' with ' + gps.buffered + ' bytes buffered');
    }
    say('then ' + show(yield* gps.readline()));`);
    // "abcdefgh" is read at 13 ms (its last byte at 8.3 ms, then 4.6 ms of idle line: the RX timeout).
    // The line's 30 bytes take 31 ms from 15 ms, below the FIFO-full level: read at 46.3 + 4.6 ms.
    const r = await both(file, { end: 200, uart: [{ ...UART, send: [{ at: 0, text: 'abcdefgh' }, { at: 15, line: 'x'.repeat(28) }] }] });
    expect(printed(r)).toEqual(['TimeoutError with 8 bytes buffered @20', `then "abcdefgh${'x'.repeat(28)}\\r\\n" @51`]);
  }, SLOW);

  it('drain() waits for a slow UART: 300 bytes at 9600 baud leave the TX FIFO as the wire takes them', async () => {
    const file = app('drain-uart', `
    const [, out] = yield* serial();
    out.write(encodeText('${'y'.repeat(298)}\\r\\n'));
    say('written, pending ' + out.pending);
    yield* out.drain();
    say('drained, pending ' + out.pending);`);
    const r = await both(file, { end: 500, uart: [UART] });
    const [written, drained] = printed(r);
    // Nothing is handed over before the UART's first onWritable, which runs once this task yields.
    expect(written).toBe('written, pending 300 @0');
    // The FIFO takes 128 bytes, then room as fewer than 10 wait: 300 - 128 bytes handed over at 1.04 ms a byte.
    const at = Number(/@(\d+)$/.exec(drained!)![1]);
    expect(drained).toMatch(/^drained, pending 0 @/);
    expect(at).toBeGreaterThanOrEqual(Math.floor(((300 - 128) * 10_000) / 9600));
    expect(at).toBeLessThan(Math.ceil((300 * 10_000) / 9600));
    expect(linkLines(r.trace, 0, 'tx')).toEqual([{ t: 313, text: 'y'.repeat(298), binary: false }]);
  }, SLOW);

  it('drain() waits for a full TCP window: a server reading 10 bytes per ms holds the writer back', async () => {
    const body = `
    const [, writer] = yield* connect();
    writer.write(new Uint8Array(8000).fill(65));
    say('written, pending ' + writer.pending);
    yield* writer.drain();
    say('drained');`;
    const slow = await both(app('drain-tcp', body), { end: 1000, tcp: [{ ...SERVER, readRate: 10, window: 1000 }] });
    // The send buffer (5744 bytes) takes the first bytes; at 2 ms the server's window takes 1000 of them,
    // which frees as many; the last 1256 go as the server reads, 10 a ms.
    expect(printed(slow)).toEqual(['written, pending 2256 @1', 'drained @128']);
    const fast = await both(app('drain-tcp-fast', body), { end: 1000, tcp: [SERVER] });
    // A server that reads at once takes the whole send buffer at 2 ms: the rest is handed over then.
    expect(printed(fast)).toEqual(['written, pending 2256 @1', 'drained @2']);
  }, SLOW);

  it('fails write and drain with ConnectionError when the server resets mid-write; what was read stays readable', async () => {
    const file = app('reset', `
    const [reader, writer] = yield* connect();
    writer.write(new Uint8Array(20000));
    try {
      yield* writer.drain();
    } catch (e) {
      say('drain: ' + e.name);
    }
    say('read ' + show(yield* reader.readline()));
    say('then ' + show(yield* reader.readline()));`);
    const r = await both(file, { end: 200, tcp: [{ ...SERVER, readRate: 100, window: 1000, script: [{ at: 30, line: 'bye' }, { at: 50, reset: true }] }] });
    expect(printed(r)).toEqual(['drain: ConnectionError @50', 'read "bye\\r\\n" @50', 'then "" @50']);
    expect(notes(r)).toEqual(['1 connection accepted', '50 reset by the server (RST)']);
    // The server got the bytes its window let through before the reset (1000 at 2 ms, then 100 a ms
    // from 3 to 49 ms), no more.
    const received = r.trace.events.filter((e) => 'hex' in e && e.dir === 'tx').reduce((n, e) => n + (e as { hex: string }).hex.split(' ').length, 0);
    expect(received).toBe(1000 + 100 * 47);
  }, SLOW);

  it('refuses a connection while the server is down (ConnectionError), accepts it once it is up', async () => {
    const file = app('down', `
    for (;;) {
      try {
        const [, writer] = yield* connect();
        say('connected');
        writer.write(encodeText('hi\\n'));
        yield* writer.drain();
        break;
      } catch (e) {
        say(e.name);
        yield* sleep(100);
      }
    }`);
    const r = await both(file, {
      end: 400,
      tcp: [{ ...SERVER, down: [[0, 150]] }],
      expect: [{ tcp: '192.0.2.7:9000', connects: 1 }, { tcp: '192.0.2.7:9000', received: 'hi', from: 200, to: 210 }],
    });
    expect(printed(r)).toEqual(['ConnectionError @1', 'ConnectionError @102', 'connected @203']);
    expect(r.ok).toBe(true);
  }, SLOW);

  it('loses bytes when the RX FIFO overflows while the reader is paused, and says so in the timeline', async () => {
    const file = app('overflow', `
    const [gps] = yield* serial({ limit: 16 });
    yield* sleep(300);
    say('paused ' + gps.paused + ', pauses ' + gps.pauses);
    let total = 0;
    for (;;) {
      try {
        total += (yield* waitFor(gps.read(64), 50)).length;
      } catch (e) {
        break;
      }
    }
    say('read ' + total);`);
    const r = await both(file, { end: 600, uart: [{ ...UART, send: [{ at: 0, text: 'z'.repeat(200) }] }] });
    // The FIFO-full interrupt at 125 ms (120 bytes): the reader takes 16 and pauses. The FIFO fills
    // again by the 144th byte; the 145th (at 151.04 ms) and the 55 after it are lost.
    expect(printed(r)).toEqual(['paused true, pauses 1 @300', 'read 144 @350']);
    expect(notes(r)).toEqual([expect.stringMatching(/^\d+ RX FIFO full \(128 bytes\): 56 bytes lost from 152 ms$/)]);
  }, SLOW);
});

describe('no heap growth in the simulator\'s XS', () => {
  it('reads 100,000 lines from the UART with the same live heap as after 10,000', async () => {
    const file = app('lines', `
    const [reader] = yield* serial({ baud: 115200 });
    let n = 0;
    for (const it = reader.lines(); ;) {
      const r = yield* it.next();
      if (r.done) break;
      if (++n % 10000 === 0) say(n + ' lines');
    }`);
    const run = async (count: number) => {
      const scenario: Scenario = { end: count + 10, uart: [{ ...UART, baud: 115200, send: [{ at: 0, line: '123456', every: 1, count }] }] };
      const r = await runScenario({ app: file, scenario, engine: 'xs', sliceMs: 1000 });
      expect(r.failure).toBeNull();
      expect(printed(r).at(-1)).toBe(`${count} lines @${count}`);
      return r.meters!;
    };
    const [short, long] = [await run(10_000), await run(100_000)];
    expect(long.finalHeapSlots - long.startupHeapSlots).toBe(short.finalHeapSlots - short.startupHeapSlots);
    expect(long.peakHeapSlots - long.startupHeapSlots).toBe(short.peakHeapSlots - short.startupHeapSlots);
  }, 300_000);
});

describe("the README's device example for streams", () => {
  it('forwards the GPS\'s $GPRMC sentences to the server and skips a line of binary noise, in both engines', async () => {
    const readme = readFileSync(join(import.meta.dirname, '..', 'README.md'), 'utf8');
    const block = /<!-- not run: it needs a GPS and a server;[^\n]*-->\n```js\n([\s\S]*?)```/.exec(readme);
    expect(block).not.toBeNull();
    const file = join(dir, 'readme-streams.js');
    writeFileSync(file, block![1]!);
    const r = await both(file, {
      end: 3000,
      uart: [{ ...UART, send: [
        { at: 100, line: '$GPGGA,123519,4807.038,N,01131.000,E,1,08,0.9,545.4,M,46.9,M,,*47', every: 1000, count: 3 },
        { at: 200, line: '$GPRMC,123519,A,4807.038,N,01131.000,E,022.4,084.4,230394,003.1,W*6A', every: 1000, count: 3 },
        { at: 1500, hex: 'b5 62 01 07 ff' },
      ] }],
      tcp: [SERVER],
      expect: [
        { tcp: '192.0.2.7:9000', connects: 1 },
        { tcp: '192.0.2.7:9000', received: '$GPRMC', count: 3 },
        { tcp: '192.0.2.7:9000', received: '$GPGGA', count: 0 },
      ],
    });
    expect(r.expectations.filter((e) => !e.ok)).toEqual([]);
    expect(r.ok).toBe(true);
  }, SLOW);
});
