/**
 * The part of the simulator that runs inside the engine, bundled before the
 * app: it installs a SimBoard, routes Moddable's global `trace` to it, plays
 * the scenario's schedule on the board, and records one ordered trace of
 * level changes, analog values and printed lines. It is the same code in
 * Node and in XS; the host talks to it through plain data only.
 */
import Analog from './analog.js';
import { setPreloading, SimBoard, type PinChange } from './board.js';
import Digital from './digital.js';
import Timer from './timer.js';
import { scheduleOf, type Level, type Scenario } from './scenario.js';
import type { SimTrace, TraceEvent, TracePin } from './trace.js';

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
   * `hostModules`.
   */
  computrons?: { app: number; hostModules: number };
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
  const { stream, watchdog, stack, meter } = host;
  // The meter's reading when the current host call began, or -1 outside host calls.
  let callStart = -1;
  const computrons: Metered = { app: 0, hostModules: 0, depth: 0 };
  const budget = host.watchdogBudget ?? 0;
  const slots = host.stackSlots ?? 0;
  let marked = -1;
  const onHostCall = stream === undefined && watchdog === undefined && stack === undefined && meter === undefined ? undefined : (where: string | null): void => {
    if (meter !== undefined) {
      if (where === null) {
        if (callStart >= 0) computrons.app += meter() - callStart;
        callStart = -1;
      } else {
        callStart = meter();
      }
    }
    if (where !== null && stream !== undefined && board.now !== marked) {
      marked = board.now;
      stream(`{"t":${marked}}`);
    }
    if (budget > 0) watchdog?.(where === null ? 0 : budget);
    // Promise jobs run from the top of the stack, once the host has returned.
    stack?.(where === null ? 0 : slots, where === 'promise jobs');
  };
  // The board keeps no history: the driver records, in flat arrays of
  // numbers and strings, which take no heap slots in XS, so that XS's heap
  // meters count the app and not the length of the run.
  const board = new SimBoard({ record: false, runJobs: host.runJobs, onHostCall }).install();
  if (meter !== undefined) meterHostModules(board, meter, computrons, () => callStart >= 0);
  const nums: number[] = [];
  const texts: string[] = [];
  // A host that takes the stream keeps the run itself: the engine's heap then holds only the app.
  const record = (t: number, kind: number, pin: number, v: number, text?: string): void => {
    if (stream === undefined) nums.push(t, kind, pin, v);
    else stream(`{"e":[${t},${kind},${pin},${v}]${text === undefined ? '' : `,"text":${JSON.stringify(text)}`}}`);
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
    for (const line of text.split('\n')) {
      record(board.now, PRINT, -1, texts.length, line);
      if (stream === undefined) texts.push(line);
    }
  };
  (globalThis as { trace?: (...parts: unknown[]) => void }).trace = meter === undefined ? trace
    : (...parts: unknown[]) => hostModuleCall(meter, computrons, callStart >= 0, trace, undefined, parts);

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

  const onPreloadCall = stream === undefined ? undefined : (module: string): void => stream(JSON.stringify({ preload: module }));
  return {
    preload(module: string | null): void {
      setPreloading(module, onPreloadCall);
    },
    async advance(t: number): Promise<void> {
      if (failure !== null) return;
      try {
        await board.runUntilAsync(Math.min(t, end));
      } catch (e) {
        failure = e instanceof Error ? e.message : String(e);
      }
    },
    result(): SimResult {
      return {
        trace: traceOf(end, [...pins.values()], nums, texts),
        reports: reports.slice(),
        failure,
        reached: board.now,
        ...(meter === undefined ? {} : { computrons: { app: computrons.app - computrons.hostModules, hostModules: computrons.hostModules } }),
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

/**
 * The simulated host modules' functions (what Moddable implements in C),
 * each replaced by one that meters its calls made during a host call as
 * the host's work, not the app's: the Timer functions, Digital's and
 * Analog's methods, and the board's tick (`Time.ticks`, a frozen object,
 * reads it).
 */
function meterHostModules(board: SimBoard, meter: () => number, computrons: Metered, inHostCall: () => boolean): void {
  const timer = Timer as unknown as Record<string, (...args: unknown[]) => unknown>;
  for (const name of ['set', 'repeat', 'schedule', 'clear', 'delay']) wrapMethod(timer, name, meter, computrons, inHostCall);
  for (const name of ['read', 'write', 'close']) wrapMethod(Digital.prototype as never, name, meter, computrons, inHostCall);
  for (const name of ['read', 'close']) wrapMethod(Analog.prototype as never, name, meter, computrons, inHostCall);
  const ticks = Object.getOwnPropertyDescriptor(Object.getPrototypeOf(board), 'ticks')!.get!;
  Object.defineProperty(board, 'ticks', { get(this: unknown) { return hostModuleCall(meter, computrons, inHostCall(), ticks, this, []); } });
}

function wrapMethod(o: Record<string, (...args: unknown[]) => unknown>, name: string, meter: () => number, computrons: Metered, inHostCall: () => boolean): void {
  const f = o[name]!;
  Object.defineProperty(o, name, {
    configurable: true,
    writable: true,
    value: function (this: unknown, ...args: unknown[]) {
      return hostModuleCall(meter, computrons, inHostCall(), f, this, args);
    },
  });
}

/** Calls `f`; when `metered`, its computrons go to the host modules' count (once, however deep the calls nest). */
/** The computrons counted so far, and how deep in host-module calls the app is. */
interface Metered {
  app: number;
  hostModules: number;
  depth: number;
}

function hostModuleCall<R>(meter: () => number, computrons: Metered, metered: boolean, f: (...args: any[]) => R, self: unknown, args: unknown[]): R {
  if (!metered || computrons.depth > 0) return f.apply(self, args);
  computrons.depth++;
  const start = meter();
  try {
    return f.apply(self, args);
  } finally {
    computrons.hostModules += meter() - start;
    computrons.depth--;
  }
}

/**
 * The trace of recorded events: `nums` holds four numbers per event (time,
 * kind, pin, level or value or the index of a printed text in `texts`).
 */
export function traceOf(end: number, pins: readonly TracePin[], nums: readonly number[], texts: readonly string[]): SimTrace {
  const events: TraceEvent[] = [];
  for (let i = 0; i < nums.length; i += 4) {
    const t = nums[i]!, kind = nums[i + 1]!, pin = nums[i + 2]!, v = nums[i + 3]!;
    if (kind === PRINT) events.push({ t, print: texts[v]! });
    else if (kind === ANALOG) events.push({ t, pin, value: v });
    else events.push({ t, pin, level: v as Level, by: kind === APP ? 'app' : 'scenario' });
  }
  return {
    end,
    pins: [...pins].sort((a, b) => a.pin - b.pin).map(({ pin, label: l, role, initial }) => ({ pin, label: l, role, initial })),
    events,
  };
}

// The kinds of recorded events: each is four numbers (time, kind, pin, value or text index).
const SCENARIO = 0, APP = 1, ANALOG = 2, PRINT = 3;
