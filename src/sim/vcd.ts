import { adcCode, RESOLUTION } from './analog.js';
import { fromHex, isPinEvent, isLevelEvent, isWireEvent, type SimTrace } from './trace.js';
import { UNITS_PER_BIT } from './uart.js';

/**
 * A Value Change Dump (IEEE 1364) of every pin of a run, for waveform viewers
 * (GTKWave, Surfer, PulseView). One wire per digital pin, in a `board`
 * scope, with a 1 ms timescale: the board's clock. An analog input is the
 * 10-bit code its `read()` gives, as one wire per bit, `GPIO34_ADC[9]` (most
 * significant) to `GPIO34_ADC[0]`: sigrok (and so PulseView) reads only
 * 1-bit wires, dropping `real` signals and vectors; GTKWave and Surfer can
 * combine the bits into one value.
 * Several changes of one pin within the same millisecond show as its last
 * value at that millisecond, since a VCD holds one value per time.
 *
 * A UART peer adds its two lines, `GPIO16_GPS_RX` and `GPIO17_GPS_TX`, as
 * real 8N1 waveforms: idle high, a start bit, the data bits LSB first, a stop
 * bit, each 1/baud s long. The timescale is then fine enough for a bit to
 * span at least 4 steps (1 µs up to 250,000 baud), so that sigrok's `uart`
 * decoder reads the bytes back.
 */
export function formatVcd(trace: SimTrace, options: { version?: string } = {}): string {
  // A digital pin has one identifier; an analog input one per bit, most significant first.
  const ids = new Map<number, string[]>();
  let next = 0;
  for (const p of trace.pins) {
    const width = p.role === 'analog' ? RESOLUTION : 1;
    ids.set(p.pin, Array.from({ length: width }, () => vcdId(next++)));
  }
  const uarts = (trace.links ?? []).map((l, i) => ({ l, i })).filter(({ l }) => l.kind === 'uart')
    .map(({ l, i }) => ({ link: i, baud: l.baud!, rx: vcdId(next++), tx: vcdId(next++), rxName: `GPIO${l.receive}_${l.label}_RX`, txName: `GPIO${l.transmit}_${l.label}_TX` }));
  const { name: timescale, perMs } = timescaleFor(Math.max(0, ...uarts.map((u) => u.baud)));
  const out: string[] = [
    `$version ${options.version ?? 'anyloop-sim'} $end`,
    `$timescale ${timescale} $end`,
    '$scope module board $end',
  ];
  for (const p of trace.pins) {
    const name = p.label === `GPIO${p.pin}` ? p.label : `GPIO${p.pin}_${p.label}`;
    const bits = ids.get(p.pin)!;
    if (p.role !== 'analog') out.push(`$var wire 1 ${bits[0]} ${name} $end`);
    else bits.forEach((id, i) => out.push(`$var wire 1 ${id} ${name}[${bits.length - 1 - i}] $end`));
  }
  for (const u of uarts) out.push(`$var wire 1 ${u.rx} ${u.rxName} $end`, `$var wire 1 ${u.tx} ${u.txName} $end`);
  out.push('$upscope $end', '$enddefinitions $end', '#0', '$dumpvars');
  const analog = new Set(trace.pins.filter((p) => p.role === 'analog').map((p) => p.pin));
  // The value of each pin (its whole code for an analog input) and of each UART line.
  const current = new Map<number | string, number>();
  const set = (key: number | string, v: number): void => {
    current.set(key, v);
    if (typeof key === 'string') out.push(`${v}${key}`);
    else for (const [id, bit] of values(key, v)) out.push(`${bit}${id}`);
  };
  // Each bit of an analog code is a wire of its own.
  const values = (pin: number, v: number): [string, number][] => {
    const bits = ids.get(pin)!;
    return bits.map((id, i) => [id, (v >> (bits.length - 1 - i)) & 1]);
  };
  for (const p of trace.pins) set(p.pin, analog.has(p.pin) ? adcCode(p.initial) : p.initial);
  for (const u of uarts) {
    set(u.rx, 1);
    set(u.tx, 1);
  }
  out.push('$end');
  // Every change, as [tick, pin or UART line, value]: a pin's last value in each millisecond, then each UART bit.
  const changes: [number, number | string, number][] = [];
  let t = -1;
  let pending = new Map<number, number>();
  const flush = () => {
    for (const [pin, v] of [...pending].sort((a, b) => a[0] - b[0])) changes.push([t * perMs, pin, v]);
    pending = new Map();
  };
  for (const e of trace.events) {
    if (!isPinEvent(e) || !ids.has(e.pin)) continue;
    if (e.t !== t) {
      flush();
      t = e.t;
    }
    pending.set(e.pin, isLevelEvent(e) ? e.level : adcCode(e.value));
  }
  flush();
  for (const u of uarts) {
    for (const e of trace.events) {
      if (!isWireEvent(e) || e.link !== u.link || e.start === undefined) continue;
      const id = e.dir === 'rx' ? u.rx : u.tx;
      fromHex(e.hex).forEach((byte, j) => {
        const start = e.start! + j * 10 * UNITS_PER_BIT;
        for (let k = 0; k < 10; k++) {
          const bit = k === 0 ? 0 : k === 9 ? 1 : (byte >> (k - 1)) & 1;
          changes.push([Math.round(((start + k * UNITS_PER_BIT) * perMs) / u.baud), id, bit]);
        }
      });
    }
  }
  // Stable: at one tick, pins (by number) before UART lines, and a wire's last value wins.
  changes.sort((a, b) => a[0] - b[0]);
  for (let i = 0; i < changes.length;) {
    const tick = changes[i]![0];
    const last = new Map<number | string, number>();
    for (; i < changes.length && changes[i]![0] === tick; i++) last.set(changes[i]![1], changes[i]![2]);
    const changed = [...last].filter(([id, v]) => current.get(id) !== v);
    if (changed.length === 0) continue;
    if (tick > 0) out.push(`#${tick}`);
    for (const [key, v] of changed) set(key, v);
  }
  out.push(`#${trace.end * perMs}`);
  return `${out.join('\n')}\n`;
}

/** The coarsest timescale in which a bit at `baud` spans at least 4 steps (1 ms with no UART). */
function timescaleFor(baud: number): { name: string; perMs: number } {
  if (baud === 0) return { name: '1ms', perMs: 1 };
  for (const [name, perMs] of [['1us', 1_000], ['100ns', 10_000], ['10ns', 100_000]] as const) {
    if ((perMs * 1000) / baud >= 4) return { name, perMs };
  }
  return { name: '1ns', perMs: 1_000_000 };
}

/** The short identifier codes of VCD: printable ASCII from `!`, then two characters, and so on. */
function vcdId(i: number): string {
  let s = '';
  let n = i;
  do {
    s += String.fromCharCode(33 + (n % 94));
    n = Math.floor(n / 94) - 1;
  } while (n >= 0);
  return s;
}
