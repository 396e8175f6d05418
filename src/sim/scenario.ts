/**
 * Scenarios: what happens on the simulated board over time, as plain JSON.
 * All times are whole virtual milliseconds from the start of the run.
 */
import { ESP32_PINS, type Level } from './board.js';
import { utf8Encode } from './text.js';

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

/**
 * How many lines containing `received` the peer must have received from the
 * board within `[from, to]` (default: at least one). A line is the text up
 * to a newline, CR and LF stripped. `uart` names the UART by its port;
 * `tcp` names the server as `"<address>:<port>"`.
 */
export interface ReceivedExpectation {
  uart?: number;
  tcp?: string;
  received: string;
  count?: number;
  from?: number;
  to?: number;
}

/** How many connections the TCP server `"<address>:<port>"` accepted within `[from, to]`. */
export interface ConnectsExpectation {
  tcp: string;
  connects: number;
  from?: number;
  to?: number;
}

/** One assertion on the outputs of a run. */
export type Expectation = LevelExpectation | ChangesExpectation | PrintedExpectation | ReceivedExpectation | ConnectsExpectation;

/**
 * Bytes a peer sends, starting at `at`: `line` is text followed by CR LF
 * (NMEA sentences, modem replies), `text` is text as it is, `hex` is bytes
 * as hexadecimal pairs (spaces allowed between them). Text is sent as UTF-8.
 * With `count` (default 1) it is sent that many times, `every` ms apart (a
 * GPS's sentence each second).
 */
export type PeerSend = ({ at: number; line: string } | { at: number; text: string } | { at: number; hex: string }) & { every?: number; count?: number };

/**
 * A device wired to one of the board's UARTs (ECMA-419 `embedded:io/serial`),
 * 8N1: a start bit, 8 data bits, a stop bit.
 */
export interface UartPeer {
  /** The UART the app opens (Serial's `port` option: 0, 1 or 2). */
  port: number;
  /** The board's RX pin (the app's `receive` option): the peer drives it. */
  receive: number;
  /** The board's TX pin (the app's `transmit` option): the peer listens on it. */
  transmit: number;
  /** Bits per second (default 115200): a byte takes 10 bits on the wire. */
  baud?: number;
  /** Its name in the timeline and the VCD (default `UART<port>`). */
  label?: string;
  /** The RX hardware FIFO in bytes (default 128, the ESP32's); bytes that arrive while it is full are lost. */
  fifo?: number;
  /** What the peer sends, each starting at `at` or once the bytes before it are on the wire. */
  send?: PeerSend[];
}

/** What a TCP server does at `at` to the connection open then: send bytes, close it (FIN), or reset it (RST). */
export type TcpAction = PeerSend | { at: number; close: true } | { at: number; reset: true };

/** A TCP server the board can connect to (ECMA-419 `embedded:io/socket/tcp`). */
export interface TcpPeer {
  /** Its IPv4 address, as the app gives it (`"192.0.2.7"`). */
  address: string;
  port: number;
  /** Its name in the timeline (default `<address>:<port>`). */
  label?: string;
  /** `[from, to)` intervals of virtual ms during which it refuses connections (the server is down). */
  down?: [number, number][];
  /** What it does, in time order, to the connection open at each time (nothing when none is open). */
  script?: TcpAction[];
  /** Bytes per ms it reads of what the board sends (default: all at once). */
  readRate?: number;
  /** Its receive window in bytes (default 5744, lwIP's TCP_WND on the ESP32): a slow reader fills it and the board's writes stall. */
  window?: number;
}

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
  /** Devices on the board's UARTs. */
  uart?: UartPeer[];
  /** TCP servers the board can connect to. */
  tcp?: TcpPeer[];
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
 * 5-50 ms). `events`: the level changes, analog values and peer actions
 * the scenario expands to (each bounce is one change per ms). `bytes`: what
 * the peers send, all together.
 */
export const SCENARIO_LIMITS = Object.freeze({ end: 2 ** 31 - 1, bounceMs: 1000, events: 1_000_000, bytes: 1_000_000 });

/** The defaults and bounds of simulated peers. `baud`: what the ESP32's UARTs can do. */
export const PEER_LIMITS = Object.freeze({
  baud: 115200, minBaud: 300, maxBaud: 5_000_000, fifo: 128, maxFifo: 4096, window: 5744, maxWindow: 65535, ports: 3,
});

const FIELDS = {
  scenario: ['name', 'end', 'pins', 'press', 'waveforms', 'analog', 'uart', 'tcp', 'expect'],
  uart: ['port', 'receive', 'transmit', 'baud', 'label', 'fifo', 'send'],
  tcp: ['address', 'port', 'label', 'down', 'script', 'readRate', 'window'],
  received: ['uart', 'tcp', 'received', 'count', 'from', 'to'],
  connects: ['tcp', 'connects', 'from', 'to'],
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
  if (s.uart !== undefined) {
    out.uart = list(s.uart, `${root}.uart`).map((item, i) => uartPeer(item, `${root}.uart[${i}]`, within));
  }
  if (s.tcp !== undefined) {
    out.tcp = list(s.tcp, `${root}.tcp`).map((item, i) => tcpPeer(item, `${root}.tcp[${i}]`, within));
  }
  if (s.expect !== undefined) {
    out.expect = list(s.expect, `${root}.expect`).map((item, i) => expectation(item, `${root}.expect[${i}]`, within));
  }
  checkOverlaps(out, root);
  checkPeers(out, root);
  checkSize(out, root);
  return out;
}

function uartPeer(item: unknown, path: string, within: (t: number, path: string) => number): UartPeer {
  const u = object(item, path);
  fields(u, path, FIELDS.uart);
  const port = count(u.port, `${path}.port`);
  if (port >= PEER_LIMITS.ports) throw new ScenarioError(`${path}.port`, `must be an ESP32 UART: 0, 1 or 2, got ${port}`);
  const peer: UartPeer = {
    port,
    receive: pinNumber(u.receive, `${path}.receive`),
    transmit: pinNumber(u.transmit, `${path}.transmit`),
    baud: u.baud === undefined ? PEER_LIMITS.baud : bounded(u.baud, `${path}.baud`, PEER_LIMITS.minBaud, PEER_LIMITS.maxBaud),
    label: u.label === undefined ? `UART${port}` : label(u.label, `${path}.label`),
    fifo: u.fifo === undefined ? PEER_LIMITS.fifo : bounded(u.fifo, `${path}.fifo`, 1, PEER_LIMITS.maxFifo),
  };
  if (peer.transmit >= 34) throw new ScenarioError(`${path}.transmit`, `GPIO${peer.transmit} is input only: it cannot transmit`);
  if (peer.receive === peer.transmit) throw new ScenarioError(`${path}.transmit`, `must not be the receive pin (${peer.receive})`);
  if (u.send !== undefined) peer.send = timed(u.send, `${path}.send`, within, (a, p) => sendOf(a, p, within, ['at', 'line', 'text', 'hex', 'every', 'count']));
  return peer;
}

function tcpPeer(item: unknown, path: string, within: (t: number, path: string) => number): TcpPeer {
  const c = object(item, path);
  fields(c, path, FIELDS.tcp);
  const address = str(c.address, `${path}.address`);
  if (!isIPv4(address)) throw new ScenarioError(`${path}.address`, `must be an IPv4 address (Moddable's TCP takes no host names), got ${JSON.stringify(address)}`);
  const port = bounded(c.port, `${path}.port`, 1, 65535);
  const peer: TcpPeer = { address, port, label: c.label === undefined ? `${address}:${port}` : label(c.label, `${path}.label`) };
  if (c.down !== undefined) {
    let last = -1;
    peer.down = list(c.down, `${path}.down`).map((pair, i) => {
      const p = `${path}.down[${i}]`;
      if (!Array.isArray(pair) || pair.length !== 2) throw new ScenarioError(p, `must be a [from, to] pair, got ${kind(pair)}`);
      const from = within(time(pair[0], `${p}[0]`), `${p}[0]`);
      const to = within(time(pair[1], `${p}[1]`), `${p}[1]`);
      if (to <= from) throw new ScenarioError(`${p}[1]`, `must be after from (${from}), got ${to}`);
      if (from < last) throw new ScenarioError(`${p}[0]`, `intervals must be in time order and not overlap (${from} before ${last})`);
      last = to;
      return [from, to];
    });
  }
  if (c.script !== undefined) {
    peer.script = timed(c.script, `${path}.script`, within, (a, p): TcpAction => {
      if ('close' in a || 'reset' in a) {
        const what = 'close' in a ? 'close' : 'reset';
        fields(a, p, ['at', what]);
        if (a[what] !== true) throw new ScenarioError(`${p}.${what}`, `must be true, got ${kind(a[what])}`);
        return what === 'close' ? { at: a.at as number, close: true } : { at: a.at as number, reset: true };
      }
      return sendOf(a, p, within, ['at', 'line', 'text', 'hex', 'every', 'count', 'close', 'reset']);
    });
  }
  if (c.readRate !== undefined) peer.readRate = bounded(c.readRate, `${path}.readRate`, 1, Number.MAX_SAFE_INTEGER);
  peer.window = c.window === undefined ? PEER_LIMITS.window : bounded(c.window, `${path}.window`, 1, PEER_LIMITS.maxWindow);
  return peer;
}

/** A list of actions, each with a time `at`, in time order. */
function timed<T>(v: unknown, path: string, within: (t: number, path: string) => number, action: (a: Obj, path: string) => T): T[] {
  let last = -1;
  return list(v, path).map((item, i) => {
    const p = `${path}[${i}]`;
    const a = object(item, p);
    const at = within(time(a.at, `${p}.at`), `${p}.at`);
    if (at < last) throw new ScenarioError(`${p}.at`, `times must not go backwards (${at} after ${last})`);
    last = at;
    return action(a, p);
  });
}

/** One of `line`, `text` or `hex`, with `at`, and `every` and `count` when it repeats. */
function sendOf(a: Obj, path: string, within: (t: number, path: string) => number, allowed: readonly string[]): PeerSend {
  fields(a, path, allowed);
  const given = ['line', 'text', 'hex'].filter((k) => k in a);
  if (given.length !== 1) throw new ScenarioError(path, 'needs at and exactly one of line, text, hex');
  const at = a.at as number;
  let send: PeerSend;
  if ('hex' in a) {
    hexBytes(a.hex, `${path}.hex`);
    send = { at, hex: a.hex as string };
  } else if ('line' in a) {
    if (typeof a.line !== 'string') throw new ScenarioError(`${path}.line`, `must be a string, got ${kind(a.line)}`);
    send = { at, line: a.line };
  } else {
    send = { at, text: str(a.text, `${path}.text`) };
  }
  if (a.count !== undefined) {
    send.count = bounded(a.count, `${path}.count`, 1, SCENARIO_LIMITS.events);
    if (send.count > 1 && a.every === undefined) throw new ScenarioError(`${path}.every`, 'is needed with a count above 1 (ms between two sends)');
  }
  if (a.every !== undefined) {
    send.every = bounded(a.every, `${path}.every`, 1, SCENARIO_LIMITS.end);
    within(at + send.every * ((send.count ?? 1) - 1), `${path}.count`);
  }
  return send;
}

/** The bytes of a `hex` field: pairs of hexadecimal digits, spaces allowed between pairs. */
export function hexBytes(v: unknown, path: string): Uint8Array {
  if (typeof v !== 'string' || !/^\s*[0-9a-fA-F]{2}(\s*[0-9a-fA-F]{2})*\s*$/.test(v)) {
    throw new ScenarioError(path, `must be bytes as pairs of hexadecimal digits (e.g. "b5 62 0a"), got ${kind(v)}`);
  }
  const digits = v.replace(/\s+/g, '');
  const out = new Uint8Array(digits.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(digits.slice(2 * i, 2 * i + 2), 16);
  return out;
}

/** The bytes a peer's send puts on the wire. */
export function sendBytes(send: PeerSend): Uint8Array {
  if ('hex' in send) return hexBytes(send.hex, 'hex');
  return utf8Encode('line' in send ? `${send.line}\r\n` : send.text);
}

function isIPv4(s: string): boolean {
  return /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/.test(s);
}

/** UART ports and pins are used once; a peer's pins are not driven by anything else; expectations name declared peers. */
function checkPeers(s: Scenario, root: string): void {
  const ports = new Map<number, string>();
  const pins = new Map<number, string>();
  const claim = (pin: number, path: string) => {
    const other = pins.get(pin);
    if (other !== undefined) throw new ScenarioError(path, `GPIO${pin} is already used by ${other}`);
    pins.set(pin, path);
  };
  s.uart?.forEach((u, i) => {
    const path = `${root}.uart[${i}]`;
    const other = ports.get(u.port);
    if (other !== undefined) throw new ScenarioError(`${path}.port`, `UART${u.port} already has a peer (${other})`);
    ports.set(u.port, path);
    claim(u.receive, `${path}.receive`);
    claim(u.transmit, `${path}.transmit`);
  });
  if (pins.size > 0) {
    s.press?.forEach((p, i) => { if (pins.has(p.pin)) throw new ScenarioError(`${root}.press[${i}].pin`, `GPIO${p.pin} is wired to a UART peer (${pins.get(p.pin)})`); });
    s.waveforms?.forEach((w, i) => { if (pins.has(w.pin)) throw new ScenarioError(`${root}.waveforms[${i}].pin`, `GPIO${w.pin} is wired to a UART peer (${pins.get(w.pin)})`); });
    s.analog?.forEach((a, i) => { if (pins.has(a.pin)) throw new ScenarioError(`${root}.analog[${i}].pin`, `GPIO${a.pin} is wired to a UART peer (${pins.get(a.pin)})`); });
  }
  const servers = new Set<string>();
  s.tcp?.forEach((c, i) => {
    const key = `${c.address}:${c.port}`;
    if (servers.has(key)) throw new ScenarioError(`${root}.tcp[${i}]`, `a second server at ${key}`);
    servers.add(key);
  });
  s.expect?.forEach((x, i) => {
    const path = `${root}.expect[${i}]`;
    if ('uart' in x && x.uart !== undefined && !ports.has(x.uart)) throw new ScenarioError(`${path}.uart`, `no UART peer on port ${x.uart}`);
    if ('tcp' in x && x.tcp !== undefined && !servers.has(x.tcp)) throw new ScenarioError(`${path}.tcp`, `no TCP server ${JSON.stringify(x.tcp)} in scenario.tcp`);
  });
}

/** The scenario's expanded events must fit SCENARIO_LIMITS.events (counted before anything is expanded). */
function checkSize(s: Scenario, root: string): void {
  let events = 0;
  for (const p of s.press ?? []) events += 2 * (p.bounceMs! + 1);
  for (const w of s.waveforms ?? []) events += w.levels.length;
  for (const a of s.analog ?? []) events += a.values.length;
  let bytes = 0;
  const sends = (list: PeerSend[]) => {
    for (const x of list) {
      events += x.count ?? 1;
      bytes += sendBytes(x).length * (x.count ?? 1);
    }
  };
  for (const u of s.uart ?? []) sends(u.send ?? []);
  for (const c of s.tcp ?? []) {
    events += 2 * (c.down?.length ?? 0);
    sends((c.script ?? []).filter((x): x is PeerSend => !('close' in x) && !('reset' in x)));
    events += c.script?.filter((x) => 'close' in x || 'reset' in x).length ?? 0;
  }
  if (events > SCENARIO_LIMITS.events) {
    throw new ScenarioError(root, `expands to ${events} level changes, analog values and peer actions, more than the ${SCENARIO_LIMITS.events} a run allows`);
  }
  if (bytes > SCENARIO_LIMITS.bytes) {
    throw new ScenarioError(root, `has its peers send ${bytes} bytes, more than the ${SCENARIO_LIMITS.bytes} a run allows`);
  }
}

function expectation(item: unknown, path: string, within: (t: number, path: string) => number): Expectation {
  const e = object(item, path);
  if ('received' in e) {
    fields(e, path, FIELDS.received);
    const x: ReceivedExpectation = { received: str(e.received, `${path}.received`) };
    if (('uart' in e) === ('tcp' in e)) throw new ScenarioError(path, 'a received expectation names one peer: uart (a port) or tcp ("address:port")');
    if ('uart' in e) x.uart = count(e.uart, `${path}.uart`);
    else x.tcp = str(e.tcp, `${path}.tcp`);
    if (e.count !== undefined) x.count = count(e.count, `${path}.count`);
    window(e, x, path, within);
    return x;
  }
  if ('connects' in e) {
    fields(e, path, FIELDS.connects);
    const x: ConnectsExpectation = { tcp: str(e.tcp, `${path}.tcp`), connects: count(e.connects, `${path}.connects`) };
    window(e, x, path, within);
    return x;
  }
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
  throw new ScenarioError(path, 'an expectation needs one of level (with pin, at), changes (with pin), printed, received (with uart or tcp) or connects (with tcp)');
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

function bounded(v: unknown, path: string, min: number, max: number): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
    throw new ScenarioError(path, `must be a whole number from ${min} to ${max}, got ${kind(v)}`);
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
