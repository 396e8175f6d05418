import type { Expectation, Level, Scenario } from './scenario.js';

/** A pin that took part in a run. */
export interface TracePin {
  pin: number;
  /** The scenario's label, or `GPIO<n>`. */
  label: string;
  /** `input` when the scenario drives it, `output` when the app does, `analog` for an analog input. */
  role: 'input' | 'output' | 'analog';
  /** The level (or analog value) at time 0, before the app started. */
  initial: number;
}

/** A pin changed level. `by` says whether the scenario or the app drove it. */
export interface LevelEvent {
  t: number;
  pin: number;
  level: Level;
  by: 'scenario' | 'app';
}

/** An analog input took a new value. */
export interface AnalogEvent {
  t: number;
  pin: number;
  value: number;
}

/** The app printed a line (Moddable `trace()` or `print()`). */
export interface PrintEvent {
  t: number;
  print: string;
}

/** Something in a run, at virtual time `t` (ms). */
export type TraceEvent = LevelEvent | AnalogEvent | PrintEvent;

/**
 * Everything observable in a run, in the order it happened: the same in every
 * engine for the same app and scenario.
 */
export interface SimTrace {
  end: number;
  pins: TracePin[];
  events: TraceEvent[];
}

/** True for a level change. */
export function isLevelEvent(e: TraceEvent): e is LevelEvent {
  return 'level' in e;
}

/** True for a printed line. */
export function isPrintEvent(e: TraceEvent): e is PrintEvent {
  return 'print' in e;
}

/** The level of a digital pin at the end of millisecond `t`. */
export function levelAt(trace: SimTrace, pin: number, t: number): Level | undefined {
  const p = trace.pins.find((x) => x.pin === pin && x.role !== 'analog');
  if (p === undefined) return undefined;
  let level = p.initial as Level;
  for (const e of trace.events) {
    if (e.t > t) break;
    if (isLevelEvent(e) && e.pin === pin) level = e.level;
  }
  return level;
}

/** The outcome of one expectation. */
export interface ExpectationResult {
  expectation: Expectation;
  ok: boolean;
  /** What was expected and what happened, e.g. `GPIO2 LED at 500 ms: expected 1, got 0`. */
  message: string;
}

/** Checks every expectation of `scenario` against a run's trace. */
export function checkExpectations(scenario: Scenario, trace: SimTrace): ExpectationResult[] {
  return (scenario.expect ?? []).map((x) => check(x, trace));
}

function check(x: Expectation, trace: SimTrace): ExpectationResult {
  const from = 'from' in x && x.from !== undefined ? x.from : 0;
  const to = 'to' in x && x.to !== undefined ? x.to : trace.end;
  const span = 'from' in x || 'to' in x ? ` from ${from} to ${to} ms` : '';
  if ('printed' in x) {
    const n = trace.events.filter((e) => isPrintEvent(e) && e.t >= from && e.t <= to && e.print.includes(x.printed)).length;
    const ok = x.count === undefined ? n > 0 : n === x.count;
    const want = x.count === undefined ? 'at least 1' : String(x.count);
    return { expectation: x, ok, message: `lines printed with ${JSON.stringify(x.printed)}${span}: expected ${want}, got ${n}` };
  }
  const name = pinName(trace, x.pin);
  if ('changes' in x) {
    const n = trace.events.filter((e) => isLevelEvent(e) && e.pin === x.pin && e.t >= from && e.t <= to).length;
    return { expectation: x, ok: n === x.changes, message: `${name} level changes${span}: expected ${x.changes}, got ${n}` };
  }
  const got = levelAt(trace, x.pin, x.at);
  return {
    expectation: x,
    ok: got === x.level,
    message: `${name} at ${x.at} ms: expected ${x.level}, got ${got === undefined ? 'no such pin' : got}`,
  };
}

/** `GPIO2 LED`, or `GPIO2` when the pin has no label of its own. */
export function pinName(trace: SimTrace, pin: number): string {
  const p = trace.pins.find((x) => x.pin === pin);
  const gpio = `GPIO${pin}`;
  return p === undefined || p.label === gpio ? gpio : `${gpio} ${p.label}`;
}
