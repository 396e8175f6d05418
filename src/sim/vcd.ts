import { adcCode, RESOLUTION } from './analog.js';
import { isLevelEvent, isPinEvent, type SimTrace } from './trace.js';

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
 */
export function formatVcd(trace: SimTrace, options: { version?: string } = {}): string {
  // A digital pin has one identifier; an analog input one per bit, most significant first.
  const ids = new Map<number, string[]>();
  let next = 0;
  for (const p of trace.pins) {
    const width = p.role === 'analog' ? RESOLUTION : 1;
    ids.set(p.pin, Array.from({ length: width }, () => vcdId(next++)));
  }
  const out: string[] = [
    `$version ${options.version ?? 'anyloop-sim'} $end`,
    '$timescale 1ms $end',
    '$scope module board $end',
  ];
  for (const p of trace.pins) {
    const name = p.label === `GPIO${p.pin}` ? p.label : `GPIO${p.pin}_${p.label}`;
    const bits = ids.get(p.pin)!;
    if (p.role !== 'analog') out.push(`$var wire 1 ${bits[0]} ${name} $end`);
    else bits.forEach((id, i) => out.push(`$var wire 1 ${id} ${name}[${bits.length - 1 - i}] $end`));
  }
  out.push('$upscope $end', '$enddefinitions $end', '#0', '$dumpvars');
  const analog = new Set(trace.pins.filter((p) => p.role === 'analog').map((p) => p.pin));
  const value = (pin: number, v: number): string[] => {
    const bits = ids.get(pin)!;
    return bits.map((id, i) => `${(v >> (bits.length - 1 - i)) & 1}${id}`);
  };
  const current = new Map<number, number>();
  for (const p of trace.pins) {
    const v = analog.has(p.pin) ? adcCode(p.initial) : p.initial;
    current.set(p.pin, v);
    out.push(...value(p.pin, v));
  }
  out.push('$end');
  // Collect each millisecond's final values, then write the ones that differ.
  let t = 0;
  let pending = new Map<number, number>();
  const flush = () => {
    const changed = [...pending].filter(([pin, v]) => current.get(pin) !== v);
    if (changed.length > 0) {
      if (t > 0) out.push(`#${t}`);
      for (const [pin, v] of changed.sort((a, b) => a[0] - b[0])) {
        current.set(pin, v);
        out.push(...value(pin, v));
      }
    }
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
  out.push(`#${trace.end}`);
  return `${out.join('\n')}\n`;
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
