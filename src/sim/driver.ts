/**
 * The part of the simulator that runs inside the engine, bundled before the
 * app: it installs a SimBoard, routes Moddable's global `trace` to it, plays
 * the scenario's schedule on the board, and records one ordered trace of
 * level changes, analog values and printed lines. It is the same code in
 * Node and in XS; the host talks to it through plain data only.
 */
import Analog from './analog.js';
import { setPreloading, SimBoard, type LinkEvent, type PinChange } from './board.js';
import Digital from './digital.js';
import { networkOf } from './network.js';
import { scheduleOf, sendBytes, type Level, type PeerSend, type Scenario } from './scenario.js';
import { installModdableText } from './text.js';
import Time from './time.js';
import Timer from './timer.js';
import type { NoteEvent, SimTrace, TraceEvent, TraceLink, TracePin } from './trace.js';
import { UNITS_PER_BIT, uartOf } from './uart.js';

/**
 * What the host gives the driver: the scenario's schedule as flat arrays of
 * numbers (which take no heap slots in XS, however long the scenario), and
 * the pins' labels. Made by {@link simConfig}.
 */
export interface SimConfig {
  end: number;
  /** `pin, level` pairs: input levels before the app starts. */
  initial: number[];
  /** `time, pin, level` triples in time order: the level changes the scenario makes. */
  changes: number[];
  /** `time, pin, value` triples in time order: the analog inputs' values. */
  analog: number[];
  /** Labels by GPIO number. */
  labels: Record<string, string>;
  /** The devices on UARTs. */
  uart: UartConfig[];
  /** The TCP servers. */
  tcp: TcpConfig[];
}

/** A UART peer: what it sends as `at, offset, length, every, count` records into `bytes`. */
export interface UartConfig {
  port: number;
  receive: number;
  transmit: number;
  baud: number;
  fifo: number;
  label: string;
  sends: number[];
  bytes: number[];
}

/**
 * A TCP server: its script as `at, action, offset, length, every, count`
 * records (action 0: send `bytes[offset..offset+length)`, 1: close, 2: reset).
 */
export interface TcpConfig {
  key: string;
  label: string;
  /** `from, to` pairs. */
  down: number[];
  /** Bytes per ms (0: unlimited). */
  readRate: number;
  window: number;
  script: number[];
  bytes: number[];
}

/** Appends the bytes of a send to `bytes`, and `at, (extra), offset, length, every, count` to `out`. */
function packSend(send: PeerSend, bytes: number[], out: number[], ...extra: number[]): void {
  const b = sendBytes(send);
  out.push(send.at, ...extra, bytes.length, b.length, send.every ?? 0, send.count ?? 1);
  for (const x of b) bytes.push(x);
}

/** The driver's configuration for a (valid) scenario. */
export function simConfig(scenario: Scenario): SimConfig {
  const s = scheduleOf(scenario);
  const labels: Record<string, string> = {};
  for (const [pin, setup] of Object.entries(scenario.pins ?? {})) if (setup.label !== undefined) labels[pin] = setup.label;
  return {
    end: s.end,
    initial: s.initial.flatMap((p) => [p.pin, p.level]),
    changes: s.changes.flatMap((c) => [c.t, c.pin, c.level]),
    analog: s.analog.flatMap((a) => [a.t, a.pin, a.value]),
    labels,
    uart: (scenario.uart ?? []).map((u) => {
      const c: UartConfig = { port: u.port, receive: u.receive, transmit: u.transmit, baud: u.baud!, fifo: u.fifo!, label: u.label!, sends: [], bytes: [] };
      for (const x of u.send ?? []) packSend(x, c.bytes, c.sends);
      return c;
    }),
    tcp: (scenario.tcp ?? []).map((t) => {
      const c: TcpConfig = {
        key: `${t.address}:${t.port}`, label: t.label!, down: (t.down ?? []).flat(), readRate: t.readRate ?? 0, window: t.window!, script: [], bytes: [],
      };
      for (const x of t.script ?? []) {
        if ('close' in x) c.script.push(x.at, 1, 0, 0, 0, 1);
        else if ('reset' in x) c.script.push(x.at, 2, 0, 0, 0, 1);
        else packSend(x, c.bytes, c.script, 0);
      }
      return c;
    }),
  };
}

/** Counters of the simulated host (the same in every engine). */
export interface BoardStats {
  /** Passes of the host run loop. */
  turns: number;
  /** Host timers the app created. */
  timersCreated: number;
  /** Host timers alive at the end. */
  timersAlive: number;
  /** Messages lost to a full host queue. */
  droppedMessages: number;
}

/**
 * A failure report of an anyloop loop: what its default exception handler
 * printed through `trace` (text starting `anyloop: `), as a device's serial
 * log shows it. A report means a failure nobody handled.
 */
export interface LoopReport {
  t: number;
  /** The whole text printed: the message, the error and its stack. */
  text: string;
}

/** The first line anyloop's default exception handler prints starts with this. */
export const REPORT_PREFIX = 'anyloop: ';

/** What a run produced so far. */
export interface SimResult {
  trace: SimTrace;
  /**
   * With a metering host (`SimHost.meter`): the app's computrons after
   * start-up, in the host's calls into JavaScript (timer callbacks,
   * onReadable, promise jobs) less what the simulated host modules (timer,
   * time, digital, analog, trace; C on a device) took in them, which is
   * `hostModules`. The simulator's own JavaScript in those calls (its
   * bookkeeping around each host call, the wrappers that meter the host
   * modules) is neither: calibrated once per run against direct calls in
   * the same engine, it is `meterOverhead`, so that a host call costs the
   * app its callback's work and a host-module call what a call into a
   * native function costs.
   */
  computrons?: { app: number; hostModules: number; meterOverhead: number };
  /** The loops' failure reports, in order. */
  reports: LoopReport[];
  /** Why the run stopped early (an exception that aborted XS, a host that never went idle), or null. */
  failure: string | null;
  /** The virtual time the board reached (where a failure stopped it). */
  reached: number;
  board: BoardStats;
}

/** The driver as the host sees it. */
export interface SimDriver {
  /** Runs the board until virtual time `t` (capped at the scenario's end). Never rejects: a failure stops the run and is kept. */
  advance(t: number): Promise<void>;
  /** The run so far. */
  result(): SimResult;
  /**
   * Called by the bundle around each preloaded module's body: its name at
   * the start, null at the end. A host call in between fails as under xsl
   * (and, with a stream, `{ preload }` names the module first).
   */
  preload(module: string | null): void;
}

/**
 * What the engine's host gives the driver besides the configuration: the
 * means the app must not see (they are no globals of a Moddable device).
 */
export interface SimHost {
  /** Lets the engine run its pending promise jobs. */
  runJobs?: () => Promise<void>;
  /** Arms the watchdog for the host callback about to run (a computron budget) or, with 0, disarms it. */
  watchdog?: (computrons: number) => void;
  /** The computrons one host callback may take (default: no limit). */
  watchdogBudget?: number;
  /**
   * Gives JavaScript `slots` more stack slots from here on (from the top of
   * the stack with `fromTop`), or with 0 the whole stack: the host callback
   * about to run gets the device's stack, whatever the simulator's own
   * frames below it take.
   */
  stack?: (slots: number, fromTop?: boolean) => void;
  /** The device's stack, in slots. */
  stackSlots?: number;
  /**
   * The engine's instruction meter (computrons so far): given, the driver
   * meters the app's host calls apart from the simulated host modules'
   * work in them (each call into those modules is metered, at the cost of
   * a JavaScript frame more on the stack).
   */
  meter?: () => number;
  /**
   * Receives the run as it happens, one line each: JSON of `{ t }` when a
   * host callback starts at a new virtual time, `{ pin }` when a pin first
   * shows, `{ e: [t, kind, pin, value], text? }` for each event. The host
   * keeps the trace (the driver's `result()` then has no events), even when
   * the engine dies (XS aborting). `{ preload }` names a preloaded module
   * that called a host function while its body ran.
   */
  stream?: (line: string) => void;
}

/**
 * Installs a board for `config` and returns the driver. Called by the bundle
 * before the app's modules run, so that the app's `timer`, `time` and
 * `embedded:io/*` imports act on this board.
 */
export function installSim(config: SimConfig, host: SimHost = {}): SimDriver {
  const { end, initial, changes, analog, labels } = config;
  installModdableText();
  const { stream, watchdog, stack, meter } = host;
  // The meter's reading when the current host call began.
  let callStart = 0;
  const computrons = newMetered();
  const budget = host.watchdogBudget ?? 0;
  const slots = host.stackSlots ?? 0;
  let marked = -1;
  const onHostCall = stream === undefined && watchdog === undefined && stack === undefined && meter === undefined ? undefined : (where: string | null): void => {
    // The meter is read last when a call starts and first when it ends: the bookkeeping is the simulator's.
    if (where === null && meter !== undefined && computrons.open) {
      computrons.app += computrons.last = meter() - callStart;
      computrons.open = false;
      computrons.overhead += computrons.pending;
    }
    if (where !== null && where !== PROBE && stream !== undefined && board.now !== marked) {
      marked = board.now;
      stream(`{"t":${marked}}`);
    }
    if (budget > 0) watchdog?.(where === null ? 0 : budget);
    // Promise jobs run from the top of the stack, once the host has returned.
    stack?.(where === null ? 0 : slots, where === JOBS_WHAT);
    if (where !== null && meter !== undefined) {
      computrons.pending = where === JOBS_WHAT ? computrons.jobs : computrons.call;
      computrons.open = true;
      callStart = meter();
    }
  };
  // The board keeps no history: the driver records, in flat arrays of
  // numbers and strings, which take no heap slots in XS, so that XS's heap
  // meters count the app and not the length of the run.
  const board = new SimBoard({ record: false, runJobs: host.runJobs, onHostCall }).install();
  // The host calls' overhead is calibrated before the first run, when no app code is pending.
  let calibrated: Promise<void> | undefined;
  if (meter !== undefined) meterHostModules(board, meter, computrons);
  const nums: number[] = [];
  const texts: string[] = [];
  // A host that takes the stream keeps the run itself: the engine's heap then holds only the app.
  const record = (t: number, kind: number, pin: number, v: number, text?: string): void => {
    if (stream === undefined) nums.push(t, kind, pin, v);
    else stream(`{"e":[${t},${kind},${pin},${v}]${text === undefined ? '' : `,"text":${JSON.stringify(text)}`}}`);
  };
  const recordText = (t: number, kind: number, pin: number, text: string): void => {
    record(t, kind, pin, texts.length, text);
    if (stream === undefined) texts.push(text);
  };
  const addPin = (p: TracePin & { last: number }): void => {
    pins.set(p.pin, p);
    if (stream !== undefined) stream(JSON.stringify({ pin: { pin: p.pin, label: p.label, role: p.role, initial: p.initial } }));
  };
  const pins = new Map<number, TracePin & { last: number }>();
  const analogPins = new Set<number>();
  for (let i = 1; i < analog.length; i += 3) analogPins.add(analog[i]!);
  const scenarioPins = new Set<number>();
  for (let i = 0; i < initial.length; i += 2) scenarioPins.add(initial[i]!);
  for (let i = 1; i < changes.length; i += 3) scenarioPins.add(changes[i]!);
  const label = (pin: number) => labels[String(pin)] ?? `GPIO${pin}`;
  let failure: string | null = null;
  const reports: LoopReport[] = [];

  board.onPinChange((c: PinChange) => {
    if (analogPins.has(c.pin)) return;
    const p = pins.get(c.pin);
    if (p === undefined) {
      // A pin's first level is its initial one when it comes up at time 0;
      // later it starts from 0, the level the board reports for an unused pin.
      const first = c.t === 0 ? c.level : 0;
      const role = scenarioPins.has(c.pin) || board.pinRole(c.pin) === 'input' ? 'input' : 'output';
      addPin({ pin: c.pin, label: label(c.pin), role, initial: first, last: first });
      if (c.level !== first) record(c.t, c.by === 'app' ? APP : SCENARIO, c.pin, c.level);
    } else if (c.level !== p.last) {
      p.last = c.level;
      record(c.t, c.by === 'app' ? APP : SCENARIO, c.pin, c.level);
    }
  });

  const setAnalog = (pin: number, value: number) => {
    const had = pins.has(pin);
    if (had && board.analog(pin) === value) return;
    board.setAnalog(pin, value);
    if (!had) {
      // Like a digital pin: an input first set after time 0 read 0 until then.
      const first = board.now === 0 ? value : 0;
      addPin({ pin, label: label(pin), role: 'analog', initial: first, last: first });
      if (value === first) return;
    }
    record(board.now, ANALOG, pin, value);
  };

  const trace = (...parts: unknown[]): void => {
    let text = parts.map(String).join('');
    if (text.endsWith('\n')) text = text.slice(0, -1);
    if (text.startsWith(REPORT_PREFIX)) reports.push({ t: board.now, text });
    for (const line of text.split('\n')) recordText(board.now, PRINT, -1, line);
  };
  (globalThis as { trace?: (...parts: unknown[]) => void }).trace = meter === undefined ? trace : meteredFunction(meter, computrons, computrons.perArgs, trace);

  // The peers: what they send is fed to the board one instant at a time, as the pins' changes are.
  const links = new Map<string, number>();
  const uarts = config.uart.map((u, i) => {
    links.set(`uart:${u.port}`, i);
    const uart = uartOf(board, u.port);
    uart.peer = { baud: u.baud, receive: u.receive, transmit: u.transmit, fifo: u.fifo, label: u.label };
    const r = u.sends;
    play(r, 5, (k) => repeat(r[k + 3]!, r[k + 4]!, () => uart.peerSend(new Uint8Array(u.bytes.slice(r[k + 1]!, r[k + 1]! + r[k + 2]!)))));
    return uart;
  });
  const network = networkOf(board);
  config.tcp.forEach((c, i) => {
    links.set(`tcp:${c.key}`, config.uart.length + i);
    network.addServer(c.key, { label: c.label, down: c.down, readRate: c.readRate, window: c.window });
    const r = c.script;
    play(r, 6, (k) => repeat(r[k + 4]!, r[k + 5]!, () => {
      const action = r[k + 1]!;
      if (action === 0) network.serverSend(c.key, new Uint8Array(c.bytes.slice(r[k + 2]!, r[k + 2]! + r[k + 3]!)));
      else network.serverEnd(c.key, action === 1 ? 'close' : 'reset');
    }));
  });
  board.onLinkEvent((e: LinkEvent) => {
    const i = links.get(e.link);
    if (i === undefined) return;
    if (!('bytes' in e)) {
      recordText(e.t, NOTE, i, `${e.what} ${e.note}`);
      return;
    }
    // In pieces, so that the engine never holds a big temporary for the record (XS counts it against the app's heap).
    const kind = e.dir === 'rx' ? WIRE_RX : WIRE_TX, bytes = e.bytes;
    for (let k = 0; k < bytes.length; k += WIRE_PIECE) {
      const start = e.start === undefined ? '-' : e.start + k * 10 * UNITS_PER_BIT;
      recordText(e.t, kind, i, `${start} ${hex(bytes, k, Math.min(bytes.length, k + WIRE_PIECE))}`);
    }
  });
  let finished = false;

  // The schedule is fed to the board one instant at a time, so the board
  // holds one pending event, not one per change. At an instant, analog
  // values are set before levels change.
  let a = 0, c = 0;
  for (; a < analog.length && analog[a] === 0; a += 3) setAnalog(analog[a + 1]!, analog[a + 2]!);
  for (let i = 0; i < initial.length; i += 2) board.drive(initial[i]!, initial[i + 1] as Level);
  const feed = (): void => {
    const t = Math.min(a < analog.length ? analog[a]! : Infinity, c < changes.length ? changes[c]! : Infinity);
    if (t === Infinity) return;
    board.at(t, () => {
      for (; a < analog.length && analog[a] === t; a += 3) setAnalog(analog[a + 1]!, analog[a + 2]!);
      for (; c < changes.length && changes[c] === t; c += 3) board.drive(changes[c + 1]!, changes[c + 2] as Level);
      feed();
    });
  };
  feed();

  /** Runs `run(k)` at time `list[k]` for each record of `stride` numbers, one board event at a time. */
  function play(list: number[], stride: number, run: (k: number) => void): void {
    let k = 0;
    const next = (): void => {
      if (k >= list.length) return;
      const t = list[k]!;
      board.at(t, () => {
        for (; k < list.length && list[k] === t; k += stride) run(k);
        next();
      });
    };
    next();
  }

  /** Runs `fn` now and `count - 1` times more, `every` ms apart (one board event at a time). */
  function repeat(every: number, count: number, fn: () => void): void {
    fn();
    let left = count - 1;
    const again = (t: number): void => board.at(t, () => {
      fn();
      if (--left > 0) again(t + every);
    });
    if (left > 0) again(board.now + every);
  }

  const onPreloadCall = stream === undefined ? undefined : (module: string): void => stream(JSON.stringify({ preload: module }));
  return {
    preload(module: string | null): void {
      setPreloading(module, onPreloadCall);
    },
    async advance(t: number): Promise<void> {
      if (failure !== null) return;
      try {
        if (meter !== undefined) await (calibrated ??= calibrateHostCalls(board, meter, computrons));
        await board.runUntilAsync(Math.min(t, end));
        if (t >= end && !finished) {
          finished = true;
          for (const u of uarts) u.finish();
        }
      } catch (e) {
        failure = e instanceof Error ? e.message : String(e);
      }
    },
    result(): SimResult {
      return {
        trace: traceOf(end, [...pins.values()], nums, texts, linksOfConfig(config)),
        reports: reports.slice(),
        failure,
        reached: board.now,
        ...(meter === undefined ? {} : { computrons: { app: computrons.app - computrons.hostModules - computrons.overhead, hostModules: computrons.hostModules, meterOverhead: computrons.overhead } }),
        board: {
          turns: board.turns,
          timersCreated: board.timersCreated,
          timersAlive: board.timerCount,
          droppedMessages: board.droppedMessages,
        },
      };
    },
  };
}

/** The computrons counted so far, and the state of the metering. */
interface Metered {
  /** The host calls' computrons (host modules and overhead included). */
  app: number;
  hostModules: number;
  /** The simulator's own JavaScript in the host calls: see {@link SimResult.computrons}. */
  overhead: number;
  /** How deep in host-module calls the app is. */
  depth: number;
  /** In a host call. */
  open: boolean;
  /** The overhead of the current host call: `call` or `jobs`. */
  pending: number;
  /** The overhead of a host call, and of a run of the promise jobs. */
  call: number;
  jobs: number;
  /** The last host call's computrons. */
  last: number;
  /** The overhead of a metered host-module function call, by its number of arguments. */
  perArgs: number[];
  /** The overhead of a metered read of the tick. */
  perGet: number[];
}

/** Argument counts for which a metered call's overhead is calibrated (beyond, it grows as from the last but one). */
const CALIBRATED_ARGS = 4;

/** The calls' name to `onHostCall` when the driver calibrates the host calls. */
const PROBE = 'meter probe';

/** Where the board runs the promise jobs. */
const JOBS_WHAT = 'promise jobs';

const NO_ARGS: unknown[] = [];

/** The meter before anything is calibrated: a metered call then costs what its calibration measures. */
function newMetered(): Metered {
  return { app: 0, hostModules: 0, overhead: 0, depth: 0, open: false, pending: 0, call: 0, jobs: 0, last: 0, perArgs: new Array<number>(CALIBRATED_ARGS + 1).fill(0), perGet: [0] };
}

/**
 * The simulated host modules' functions (what Moddable implements in C),
 * each replaced by one that meters its calls made during a host call as
 * the host's work, not the app's: the Timer functions, Digital's and
 * Analog's methods, and the board's tick (`Time.ticks` reads it). Their
 * overhead is calibrated first.
 */
function meterHostModules(board: SimBoard, meter: () => number, c: Metered): void {
  const ticks = Object.getOwnPropertyDescriptor(Object.getPrototypeOf(board), 'ticks')!.get!;
  Object.defineProperty(board, 'ticks', { configurable: true, get: meteredGetter(meter, c, ticks) });
  calibrateHostModules(meter, c);
  const timer = Timer as unknown as Record<string, (...args: unknown[]) => unknown>;
  for (const name of ['set', 'repeat', 'schedule', 'clear', 'delay']) wrapMethod(timer, name, meter, c);
  for (const name of ['read', 'write', 'close']) wrapMethod(Digital.prototype as never, name, meter, c);
  for (const name of ['read', 'close']) wrapMethod(Analog.prototype as never, name, meter, c);
}

function wrapMethod(o: Record<string, (...args: unknown[]) => unknown>, name: string, meter: () => number, c: Metered): void {
  Object.defineProperty(o, name, { configurable: true, writable: true, value: meteredFunction(meter, c, c.perArgs, o[name]!) });
}

/** `f` as a metered host-module function (see {@link hostModuleCall}). */
function meteredFunction<R>(meter: () => number, c: Metered, overhead: readonly number[], f: (...args: any[]) => R): (...args: unknown[]) => R {
  return function (this: unknown, ...args: unknown[]): R {
    return hostModuleCall(meter, c, overhead, f, this, args);
  };
}

/** `get` as a metered host-module getter. */
function meteredGetter<R>(meter: () => number, c: Metered, get: () => R): () => R {
  return function (this: unknown): R {
    return hostModuleCall(meter, c, c.perGet, get, this, NO_ARGS);
  };
}

/**
 * Calls `f`; during a host call its computrons go to the host modules'
 * count (once, however deep the calls nest), and the calibrated overhead
 * of the metered call (`overhead` by number of arguments) to the meter's.
 */
function hostModuleCall<R>(meter: () => number, c: Metered, overhead: readonly number[], f: (...args: any[]) => R, self: unknown, args: unknown[]): R {
  if (!c.open || c.depth > 0) return f.apply(self, args);
  c.depth++;
  const n = args.length, last = overhead.length - 1;
  c.overhead += n <= last ? overhead[n]! : overhead[last]! + (n - last) * (overhead[last]! - overhead[last - 1]!);
  const start = meter();
  try {
    return f.apply(self, args);
  } finally {
    c.hostModules += meter() - start;
    c.depth--;
  }
}

/**
 * Calibrates, in this engine, what a metered host-module call costs the
 * app beyond a call of a native function with as many arguments (the
 * meter, which ignores them), and a read of `Time.ticks` beyond a native
 * getter (an ArrayBuffer's byteLength): the app is then charged what a
 * call into C costs on the device. Leaves the counts at zero.
 */
function calibrateHostModules(meter: () => number, c: Metered): void {
  const noop = (): void => {};
  const direct = meter as (...args: unknown[]) => number;
  c.open = true;
  const f = meteredFunction(meter, c, c.perArgs, noop);
  const perArgs = c.perArgs.map((_, n) => {
    const args = new Array<number>(n).fill(0);
    const h = c.hostModules;
    let a = meter();
    f(...args);
    const wrapped = meter() - a - (c.hostModules - h);
    a = meter();
    direct(...args);
    return wrapped - (meter() - a);
  });
  const buffer = new ArrayBuffer(0);
  const h = c.hostModules;
  let a = meter();
  void Time.ticks;
  const wrapped = meter() - a - (c.hostModules - h);
  a = meter();
  void buffer.byteLength;
  // Read before the array is made: its making is no part of the getter's cost.
  const native = meter() - a;
  c.perGet = [wrapped - native];
  c.perArgs = perArgs;
  c.open = false;
  c.hostModules = 0;
  c.overhead = 0;
}

/**
 * Calibrates the board's host calls with a native function (the meter,
 * which the bundler cannot drop) as the callback: their windows' cost
 * beyond calling it directly, and a run of the promise jobs with none
 * queued (none of it is the app's). A host call then costs the app what
 * calling its callback directly costs. Leaves the counts at zero.
 */
async function calibrateHostCalls(board: SimBoard, meter: () => number, c: Metered): Promise<void> {
  const probe = meter as (arg: unknown) => number;
  let a = meter();
  a = meter() - a;
  const b = meter();
  probe(undefined);
  const call = meter() - b - a;
  // The second probe's: the first one's runs cost more (things done once).
  for (let probes = 0; probes < 2; probes++) {
    c.app = 0;
    await board.probeHostCalls(probe, PROBE);
  }
  c.jobs = c.last;
  c.call = c.app - c.last - call;
  c.app = 0;
  c.hostModules = 0;
  c.overhead = 0;
}

/**
 * The trace of recorded events: `nums` holds four numbers per event (time,
 * kind, pin, level or value or the index of a printed text in `texts`).
 */
export function traceOf(end: number, pins: readonly TracePin[], nums: readonly number[], texts: readonly string[], links: TraceLink[] = []): SimTrace {
  const events: TraceEvent[] = [];
  for (let i = 0; i < nums.length; i += 4) {
    const t = nums[i]!, kind = nums[i + 1]!, pin = nums[i + 2]!, v = nums[i + 3]!;
    if (kind === PRINT) events.push({ t, print: texts[v]! });
    else if (kind === WIRE_RX || kind === WIRE_TX) {
      const text = texts[v]!, space = text.indexOf(' ');
      const start = text.slice(0, space);
      events.push({ t, link: pin, dir: kind === WIRE_RX ? 'rx' : 'tx', hex: text.slice(space + 1), ...(start === '-' ? {} : { start: Number(start) }) });
    } else if (kind === NOTE) {
      const text = texts[v]!, space = text.indexOf(' ');
      events.push({ t, link: pin, what: text.slice(0, space) as NoteEvent['what'], note: text.slice(space + 1) });
    }
    else if (kind === ANALOG) events.push({ t, pin, value: v });
    else events.push({ t, pin, level: v as Level, by: kind === APP ? 'app' : 'scenario' });
  }
  return {
    end,
    pins: [...pins].sort((a, b) => a.pin - b.pin).map(({ pin, label: l, role, initial }) => ({ pin, label: l, role, initial })),
    links,
    events,
  };
}

/** The links of a configuration, in the order trace events name them: UARTs, then TCP servers. */
export function linksOfConfig(config: SimConfig): TraceLink[] {
  return [
    ...config.uart.map((u): TraceLink => ({ kind: 'uart', label: u.label, port: u.port, baud: u.baud, receive: u.receive, transmit: u.transmit })),
    ...config.tcp.map((c): TraceLink => {
      const colon = c.key.lastIndexOf(':');
      return { kind: 'tcp', label: c.label, port: Number(c.key.slice(colon + 1)), address: c.key.slice(0, colon) };
    }),
  ];
}

/** Bytes per recorded piece of a link's traffic. */
const WIRE_PIECE = 64;

/** `bytes[from..to)` as hexadecimal pairs separated by spaces (as trace.ts's toHex), without an array. */
function hex(bytes: Uint8Array, from: number, to: number): string {
  let s = '';
  for (let k = from; k < to; k++) s += (k > from ? ' ' : '') + (bytes[k]! < 16 ? '0' : '') + bytes[k]!.toString(16);
  return s;
}

// The kinds of recorded events: each is four numbers (time, kind, pin or link, value or text index).
// A link's bytes are the text `<start or -> <hex>`, its note `<what> <text>`.
const SCENARIO = 0, APP = 1, ANALOG = 2, PRINT = 3, WIRE_RX = 4, WIRE_TX = 5, NOTE = 6;
