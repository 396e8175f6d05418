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

/** A simulated peer of a run: a device on a UART, or a TCP server. */
export interface TraceLink {
  kind: 'uart' | 'tcp';
  /** The scenario's label (`UART1`, `GPS`, `192.0.2.7:80`). */
  label: string;
  /** UART: the port. */
  port: number;
  /** TCP: the server's address. */
  address?: string;
  /** UART: bits per second, and the board's RX and TX pins. */
  baud?: number;
  receive?: number;
  transmit?: number;
}

/**
 * Bytes on a link: `rx` from the peer to the board, `tx` from the board to
 * the peer. UART: `t` is the millisecond in which the first byte started,
 * `start` when exactly (in 1/baud ms: a bit lasts 1000 of them), and the
 * bytes follow each other on the wire. TCP: `t` is when the bytes arrived.
 */
export interface WireEvent {
  t: number;
  /** Index in `trace.links`. */
  link: number;
  dir: 'rx' | 'tx';
  /** The bytes, as hexadecimal pairs. */
  hex: string;
  start?: number;
}

/** What happened to a link besides bytes (a connection accepted or refused, a FIFO overflow...). */
export interface NoteEvent {
  t: number;
  link: number;
  what: 'connect' | 'refused' | 'close' | 'reset' | 'closed' | 'overflow' | 'mismatch' | 'dropped';
  /** For a person: `FIFO full: 37 bytes lost`. */
  note: string;
}

/** Something in a run, at virtual time `t` (ms). */
export type TraceEvent = LevelEvent | AnalogEvent | PrintEvent | WireEvent | NoteEvent;

/**
 * Everything observable in a run, in the order it happened: the same in every
 * engine for the same app and scenario.
 */
export interface SimTrace {
  end: number;
  pins: TracePin[];
  /** The scenario's peers (UARTs first, then TCP servers); events name them by index. */
  links?: TraceLink[];
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

/** True for bytes on a link. */
export function isWireEvent(e: TraceEvent): e is WireEvent {
  return 'hex' in e;
}

/** True for a link's note. */
export function isNoteEvent(e: TraceEvent): e is NoteEvent {
  return 'note' in e;
}

/** True for an event of a pin (a level change or an analog value). */
export function isPinEvent(e: TraceEvent): e is LevelEvent | AnalogEvent {
  return 'pin' in e;
}

/** A line a link carried: its text (CR and LF stripped), or its bytes as hex when they are not printable. */
export interface LinkLine {
  /** When its last byte arrived (ms). */
  t: number;
  text: string;
  /** True when `text` is hex: the bytes were not printable ASCII. */
  binary: boolean;
}

/**
 * The lines a link carried one way: text up to each newline; binary bytes
 * (anything outside printable ASCII, tab, CR and LF) as hex as soon as their
 * chunk ends, since binary protocols have no newlines.
 */
export function linkLines(trace: SimTrace, link: number, dir: 'rx' | 'tx'): LinkLine[] {
  const out: LinkLine[] = [];
  const baud = trace.links?.[link]?.baud;
  let pending: number[] = [];
  let last = 0;
  const flush = () => {
    if (pending.length === 0) return;
    const bytes = pending.filter((b) => b !== 10 && b !== 13);
    const binary = bytes.some((b) => (b < 32 || b > 126) && b !== 9);
    out.push({ t: last, binary, text: binary ? toHex(pending) : ascii(bytes) });
    pending = [];
  };
  for (const e of trace.events) {
    if (!isWireEvent(e) || e.link !== link || e.dir !== dir) continue;
    const bytes = fromHex(e.hex);
    bytes.forEach((b, i) => {
      // A UART byte arrives once its stop bit is over.
      last = e.start !== undefined && baud !== undefined ? Math.ceil((e.start + (i + 1) * 10000) / baud) : e.t;
      pending.push(b);
      if (b === 10) flush();
    });
    if (pending.some((b) => (b < 32 || b > 126) && b !== 9 && b !== 10 && b !== 13)) flush();
  }
  flush();
  return out;
}

/** Printable ASCII bytes as text, in pieces: a long line must not overflow the call's arguments. */
function ascii(bytes: number[]): string {
  let s = '';
  for (let i = 0; i < bytes.length; i += 4096) s += String.fromCharCode(...bytes.slice(i, i + 4096));
  return s;
}

/** Bytes as lower-case hexadecimal pairs separated by spaces. */
export function toHex(bytes: ArrayLike<number>): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join(' ');
}

/** The bytes of `toHex`'s text. */
export function fromHex(hex: string): number[] {
  return hex === '' ? [] : hex.split(' ').map((h) => parseInt(h, 16));
}

/** The index of the link an expectation names (`uart`: a port, `tcp`: `"address:port"`), or -1. */
function linkOf(trace: SimTrace, x: { uart?: number; tcp?: string }): number {
  return (trace.links ?? []).findIndex((l) => (x.uart !== undefined ? l.kind === 'uart' && l.port === x.uart
    : l.kind === 'tcp' && `${l.address}:${l.port}` === x.tcp));
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
  if ('received' in x) {
    const link = linkOf(trace, x);
    const name = x.uart !== undefined ? `UART${x.uart}` : x.tcp!;
    const n = link < 0 ? 0 : linkLines(trace, link, 'tx').filter((l) => l.t >= from && l.t <= to && l.text.includes(x.received)).length;
    const ok = x.count === undefined ? n > 0 : n === x.count;
    const want = x.count === undefined ? 'at least 1' : String(x.count);
    return { expectation: x, ok, message: `lines ${name} received with ${JSON.stringify(x.received)}${span}: expected ${want}, got ${n}` };
  }
  if ('connects' in x) {
    const link = linkOf(trace, x);
    const n = trace.events.filter((e) => isNoteEvent(e) && e.link === link && e.what === 'connect' && e.t >= from && e.t <= to).length;
    return { expectation: x, ok: n === x.connects, message: `connections ${x.tcp} accepted${span}: expected ${x.connects}, got ${n}` };
  }
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
