/**
 * Scenarios: what happens on the simulated board over time, as plain JSON.
 * All times are whole virtual milliseconds from the start of the run.
 */
import { ESP32_PINS, type Level } from './board.js';

export type { Level };

/** A pin the scenario names: its label in the timeline and VCD, its level before anything happens. */
export interface PinSetup {
  /** A short name shown in the timeline and the VCD file, e.g. `BOOT`. */
  label?: string;
  /** The level the outside world holds an input at from time 0 (default 1: a pulled-up button at rest). */
  initial?: Level;
}

/** A button press: the contact closes at `at`, is held `holdMs`, then opens; each change may bounce. */
export interface Press {
  pin: number;
  at: number;
  /** How long the button is held (default 100 ms). Must be longer than `bounceMs`. */
  holdMs?: number;
  /** How long the contact chatters after closing and after opening, one change per ms (default 0: clean). */
  bounceMs?: number;
  /** The level of the pressed button (default 0: a button to ground with a pull-up). */
  activeLevel?: Level;
}

/** A pin driven through explicit levels: `[time, level]` pairs in time order. */
export interface Waveform {
  pin: number;
  levels: [number, Level][];
}

/** The raw reading (what `read()` returns) an analog input gives from each time on: `[time, value]` pairs in time order. */
export interface AnalogSeries {
  pin: number;
  values: [number, number][];
}

/** The level a pin must have at the end of virtual millisecond `at`. */
export interface LevelExpectation {
  pin: number;
  at: number;
  level: Level;
}

/** How many times a pin must change level within `[from, to]` (default: the whole run). */
export interface ChangesExpectation {
  pin: number;
  changes: number;
  from?: number;
  to?: number;
}

/** How many printed lines containing `printed` must occur within `[from, to]` (default: at least one). */
export interface PrintedExpectation {
  printed: string;
  count?: number;
  from?: number;
  to?: number;
}

/** One assertion on the outputs of a run. */
export type Expectation = LevelExpectation | ChangesExpectation | PrintedExpectation;

/** A whole scenario. */
export interface Scenario {
  /** Shown in reports. */
  name?: string;
  /** Virtual time (ms) at which the run stops. */
  end: number;
  /** Pins named by number (object keys are the GPIO numbers). */
  pins?: Record<string, PinSetup>;
  press?: Press[];
  waveforms?: Waveform[];
  analog?: AnalogSeries[];
  expect?: Expectation[];
}

/** A scenario that does not follow the format. The message starts with the path of the bad field. */
export class ScenarioError extends Error {
  override name = 'ScenarioError';
  /** The path of the offending field, e.g. `scenario.press[0].holdMs`. */
  readonly path: string;

  constructor(path: string, problem: string) {
    super(`${path}: ${problem}`);
    this.path = path;
  }
}

/** A level change the scenario makes on an input pin. */
export interface Stimulus {
  t: number;
  pin: number;
  level: Level;
}

/** An analog value that takes effect at `t`. */
export interface AnalogStep {
  t: number;
  pin: number;
  value: number;
}

/** What the board needs from a scenario: initial levels and the changes, sorted by time. */
export interface Schedule {
  end: number;
  initial: { pin: number; level: Level }[];
  changes: Stimulus[];
  analog: AnalogStep[];
}

type Obj = Record<string, unknown>;

/**
 * The limits a scenario must keep, so that a typo cannot make a run that
 * never ends or fills the host's memory. `end`: the range of the device's
 * `Time.ticks` (a signed 32-bit millisecond counter, 24.8 days), after which
 * it wraps. `bounceMs`: a second of chatter (real contacts settle within
 * 5-50 ms). `events`: the level changes and analog values the scenario
 * expands to (each bounce is one change per ms).
 */
export const SCENARIO_LIMITS = Object.freeze({ end: 2 ** 31 - 1, bounceMs: 1000, events: 1_000_000 });

const FIELDS = {
  scenario: ['name', 'end', 'pins', 'press', 'waveforms', 'analog', 'expect'],
  pin: ['label', 'initial'],
  press: ['pin', 'at', 'holdMs', 'bounceMs', 'activeLevel'],
  waveform: ['pin', 'levels'],
  analog: ['pin', 'values'],
  level: ['pin', 'at', 'level'],
  changes: ['pin', 'changes', 'from', 'to'],
  printed: ['printed', 'count', 'from', 'to'],
} as const;

/**
 * Checks that `value` is a well-formed scenario and returns it with defaults
 * filled in. Throws ScenarioError naming the first bad field (`scenario.press[1].holdMs: ...`),
 * including unknown fields, so a typo never goes unnoticed.
 */
export function parseScenario(value: unknown, root = 'scenario'): Scenario {
  const s = object(value, root);
  fields(s, root, FIELDS.scenario);
  const end = time(s.end, `${root}.end`);
  if (end === 0) throw new ScenarioError(`${root}.end`, 'must be after 0');
  if (end > SCENARIO_LIMITS.end) {
    throw new ScenarioError(`${root}.end`, `must be at most ${SCENARIO_LIMITS.end} ms (24.8 days, where Time.ticks wraps), got ${end}`);
  }
  const within = (t: number, path: string): number => {
    if (t > end) throw new ScenarioError(path, `${t} is after the end of the scenario (${end})`);
    return t;
  };
  const out: Scenario = { end };
  if (s.name !== undefined) out.name = str(s.name, `${root}.name`);
  if (s.pins !== undefined) {
    const pins = object(s.pins, `${root}.pins`);
    out.pins = {};
    for (const key of Object.keys(pins)) {
      const path = `${root}.pins.${key}`;
      if (!/^(0|[1-9]\d*)$/.test(key)) throw new ScenarioError(path, 'pin keys must be GPIO numbers');
      pinNumber(Number(key), path);
      const p = object(pins[key], path);
      fields(p, path, FIELDS.pin);
      const setup: PinSetup = {};
      if (p.label !== undefined) setup.label = label(p.label, `${path}.label`);
      if (p.initial !== undefined) setup.initial = level(p.initial, `${path}.initial`);
      out.pins[key] = setup;
    }
  }
  if (s.press !== undefined) {
    out.press = list(s.press, `${root}.press`).map((item, i) => {
      const path = `${root}.press[${i}]`;
      const p = object(item, path);
      fields(p, path, FIELDS.press);
      const press: Press = {
        pin: pinNumber(p.pin, `${path}.pin`),
        at: within(time(p.at, `${path}.at`), `${path}.at`),
        holdMs: p.holdMs === undefined ? 100 : time(p.holdMs, `${path}.holdMs`),
        bounceMs: p.bounceMs === undefined ? 0 : time(p.bounceMs, `${path}.bounceMs`),
        activeLevel: p.activeLevel === undefined ? 0 : level(p.activeLevel, `${path}.activeLevel`),
      };
      if (press.bounceMs! > SCENARIO_LIMITS.bounceMs) {
        throw new ScenarioError(`${path}.bounceMs`, `must be at most ${SCENARIO_LIMITS.bounceMs} ms, got ${press.bounceMs}`);
      }
      if (press.holdMs! <= press.bounceMs!) {
        throw new ScenarioError(`${path}.holdMs`, `must be longer than bounceMs (${press.bounceMs}), got ${press.holdMs}`);
      }
      within(press.at + press.holdMs! + press.bounceMs!, `${path}.holdMs`);
      return press;
    });
  }
  if (s.waveforms !== undefined) {
    out.waveforms = list(s.waveforms, `${root}.waveforms`).map((item, i) => {
      const path = `${root}.waveforms[${i}]`;
      const w = object(item, path);
      fields(w, path, FIELDS.waveform);
      return {
        pin: pinNumber(w.pin, `${path}.pin`),
        levels: series(w.levels, `${path}.levels`, within, level),
      };
    });
  }
  if (s.analog !== undefined) {
    out.analog = list(s.analog, `${root}.analog`).map((item, i) => {
      const path = `${root}.analog[${i}]`;
      const a = object(item, path);
      fields(a, path, FIELDS.analog);
      return {
        pin: pinNumber(a.pin, `${path}.pin`),
        values: series(a.values, `${path}.values`, within, finite),
      };
    });
  }
  if (s.expect !== undefined) {
    out.expect = list(s.expect, `${root}.expect`).map((item, i) => expectation(item, `${root}.expect[${i}]`, within));
  }
  checkOverlaps(out, root);
  checkSize(out, root);
  return out;
}

/** The scenario's expanded events must fit SCENARIO_LIMITS.events (counted before anything is expanded). */
function checkSize(s: Scenario, root: string): void {
  let events = 0;
  for (const p of s.press ?? []) events += 2 * (p.bounceMs! + 1);
  for (const w of s.waveforms ?? []) events += w.levels.length;
  for (const a of s.analog ?? []) events += a.values.length;
  if (events > SCENARIO_LIMITS.events) {
    throw new ScenarioError(root, `expands to ${events} level changes and analog values, more than the ${SCENARIO_LIMITS.events} a run allows`);
  }
}

function expectation(item: unknown, path: string, within: (t: number, path: string) => number): Expectation {
  const e = object(item, path);
  if ('printed' in e) {
    fields(e, path, FIELDS.printed);
    const x: PrintedExpectation = { printed: str(e.printed, `${path}.printed`) };
    if (e.count !== undefined) x.count = count(e.count, `${path}.count`);
    window(e, x, path, within);
    return x;
  }
  if ('changes' in e) {
    fields(e, path, FIELDS.changes);
    const x: ChangesExpectation = { pin: pinNumber(e.pin, `${path}.pin`), changes: count(e.changes, `${path}.changes`) };
    window(e, x, path, within);
    return x;
  }
  if ('level' in e) {
    fields(e, path, FIELDS.level);
    return {
      pin: pinNumber(e.pin, `${path}.pin`),
      at: within(time(e.at, `${path}.at`), `${path}.at`),
      level: level(e.level, `${path}.level`),
    };
  }
  throw new ScenarioError(path, 'an expectation needs one of level (with pin, at), changes (with pin) or printed');
}

function window(e: Obj, x: { from?: number; to?: number }, path: string, within: (t: number, path: string) => number): void {
  if (e.from !== undefined) x.from = within(time(e.from, `${path}.from`), `${path}.from`);
  if (e.to !== undefined) x.to = within(time(e.to, `${path}.to`), `${path}.to`);
  if (x.from !== undefined && x.to !== undefined && x.to < x.from) {
    throw new ScenarioError(`${path}.to`, `must not be before from (${x.from}), got ${x.to}`);
  }
}

/** Two stimuli driving one pin at overlapping times would fight: reject it (sorted by pin and start, then one sweep). */
function checkOverlaps(s: Scenario, root: string): void {
  const spans: { pin: number; from: number; to: number; path: string; i: number }[] = [];
  const add = (pin: number, from: number, to: number, path: string) => spans.push({ pin, from, to, path, i: spans.length });
  s.press?.forEach((p, i) => add(p.pin, p.at, p.at + p.holdMs! + p.bounceMs!, `${root}.press[${i}]`));
  s.waveforms?.forEach((w, i) => add(w.pin, w.levels[0]![0], w.levels[w.levels.length - 1]![0], `${root}.waveforms[${i}]`));
  spans.sort((a, b) => a.pin - b.pin || a.from - b.from || a.i - b.i);
  // Sorted, spans that do not overlap each end before the next one starts: compare neighbours only.
  for (let k = 1; k < spans.length; k++) {
    const a = spans[k - 1]!, b = spans[k]!;
    if (a.pin === b.pin && b.from <= a.to) {
      // Name the one written later, as a reader scans the file.
      const [first, second] = a.i < b.i ? [a, b] : [b, a];
      throw new ScenarioError(second.path, `drives pin ${second.pin} from ${second.from} to ${second.to} ms, overlapping ${first.path} (${first.from} to ${first.to} ms)`);
    }
  }
}

/**
 * Turns a valid scenario into the board's schedule: initial levels and every
 * level change (presses expanded into their bounces), sorted by time, with
 * changes that would not change anything dropped.
 */
export function scheduleOf(scenario: Scenario): Schedule {
  const initial = new Map<number, Level>();
  for (const key of Object.keys(scenario.pins ?? {})) {
    const setup = scenario.pins![key]!;
    if (setup.initial !== undefined) initial.set(Number(key), setup.initial);
  }
  const raw: Stimulus[] = [];
  for (const p of scenario.press ?? []) {
    const active = p.activeLevel ?? 0;
    const idle: Level = active === 1 ? 0 : 1;
    if (!initial.has(p.pin)) initial.set(p.pin, idle);
    chatter(raw, p.pin, p.at, p.bounceMs ?? 0, active, idle);
    chatter(raw, p.pin, p.at + (p.holdMs ?? 100), p.bounceMs ?? 0, idle, active);
  }
  for (const w of scenario.waveforms ?? []) {
    for (const [t, level] of w.levels) raw.push({ t, pin: w.pin, level });
  }
  // A stable sort keeps the order in which one pin's changes were written.
  raw.sort((a, b) => a.t - b.t);
  const now = new Map(initial);
  const changes: Stimulus[] = [];
  for (const c of raw) {
    if ((now.get(c.pin) ?? 1) === c.level) continue;
    now.set(c.pin, c.level);
    changes.push(c);
  }
  const analog: AnalogStep[] = [];
  for (const a of scenario.analog ?? []) {
    for (const [t, value] of a.values) analog.push({ t, pin: a.pin, value });
  }
  analog.sort((a, b) => a.t - b.t);
  return {
    end: scenario.end,
    initial: [...initial].sort((a, b) => a[0] - b[0]).map(([pin, level]) => ({ pin, level })),
    changes,
    analog,
  };
}

/** A contact that changes to `to` at `at` and chatters for `bounceMs`: one change per ms, settling at `to`. */
function chatter(out: Stimulus[], pin: number, at: number, bounceMs: number, to: Level, from: Level): void {
  for (let k = 0; k < bounceMs; k++) out.push({ t: at + k, pin, level: k % 2 === 0 ? to : from });
  out.push({ t: at + bounceMs, pin, level: to });
}

function object(v: unknown, path: string): Obj {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) {
    throw new ScenarioError(path, `must be an object, got ${kind(v)}`);
  }
  return v as Obj;
}

function list(v: unknown, path: string): unknown[] {
  if (!Array.isArray(v)) throw new ScenarioError(path, `must be an array, got ${kind(v)}`);
  return v;
}

function fields(o: Obj, path: string, allowed: readonly string[]): void {
  for (const key of Object.keys(o)) {
    if (!allowed.includes(key)) {
      throw new ScenarioError(`${path}.${key}`, `unknown field (expected ${allowed.join(', ')})`);
    }
  }
}

function time(v: unknown, path: string): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) {
    throw new ScenarioError(path, `must be a whole number of milliseconds >= 0, got ${kind(v)}`);
  }
  return v;
}

function count(v: unknown, path: string): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) {
    throw new ScenarioError(path, `must be a whole number >= 0, got ${kind(v)}`);
  }
  return v;
}

function pinNumber(v: unknown, path: string): number {
  if (typeof v !== 'number' || !ESP32_PINS.includes(v)) {
    throw new ScenarioError(path, `must be an ESP32 GPIO number (0-19, 21-23, 25-27, 32-39), got ${kind(v)}`);
  }
  return v;
}

function level(v: unknown, path: string): Level {
  if (v !== 0 && v !== 1) throw new ScenarioError(path, `must be 0 or 1, got ${kind(v)}`);
  return v;
}

function finite(v: unknown, path: string): number {
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new ScenarioError(path, `must be a finite number, got ${kind(v)}`);
  return v;
}

function str(v: unknown, path: string): string {
  if (typeof v !== 'string' || v === '') throw new ScenarioError(path, `must be a non-empty string, got ${kind(v)}`);
  return v;
}

function label(v: unknown, path: string): string {
  const s = str(v, path);
  // The VCD format forbids whitespace in names.
  if (!/^[A-Za-z_][\w.-]*$/.test(s)) throw new ScenarioError(path, `must be a name (letters, digits, _ . -), got ${JSON.stringify(s)}`);
  return s;
}

/** `[time, value]` pairs, in non-decreasing time order. */
function series<V>(v: unknown, path: string, within: (t: number, path: string) => number,
  value: (v: unknown, path: string) => V): [number, V][] {
  const items = list(v, path);
  if (items.length === 0) throw new ScenarioError(path, 'must not be empty');
  let last = -1;
  return items.map((pair, i) => {
    const p = `${path}[${i}]`;
    if (!Array.isArray(pair) || pair.length !== 2) throw new ScenarioError(p, `must be a [time, value] pair, got ${kind(pair)}`);
    const t = within(time(pair[0], `${p}[0]`), `${p}[0]`);
    if (t < last) throw new ScenarioError(`${p}[0]`, `times must not go backwards (${t} after ${last})`);
    last = t;
    return [t, value(pair[1], `${p}[1]`)];
  });
}

function kind(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'string') return JSON.stringify(v);
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return typeof v === 'object' ? 'an object' : typeof v;
}
