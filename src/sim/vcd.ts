import { isLevelEvent, isPrintEvent, type SimTrace } from './trace.js';

/**
 * A Value Change Dump (IEEE 1364) of every pin of a run, for waveform viewers
 * (GTKWave, Surfer, PulseView). One wire per digital pin and one real per
 * analog input, in a `board` scope, with a 1 ms timescale: the board's clock.
 * Several changes of one pin within the same millisecond show as its last
 * value at that millisecond, since a VCD holds one value per time.
 */
export function formatVcd(trace: SimTrace, options: { version?: string } = {}): string {
  const ids = new Map<number, string>();
  trace.pins.forEach((p, i) => ids.set(p.pin, vcdId(i)));
  const out: string[] = [
    `$version ${options.version ?? 'anyloop-sim'} $end`,
    '$timescale 1ms $end',
    '$scope module board $end',
  ];
  for (const p of trace.pins) {
    const name = p.label === `GPIO${p.pin}` ? p.label : `GPIO${p.pin}_${p.label}`;
    out.push(p.role === 'analog' ? `$var real 64 ${ids.get(p.pin)} ${name} $end` : `$var wire 1 ${ids.get(p.pin)} ${name} $end`);
  }
  out.push('$upscope $end', '$enddefinitions $end', '#0', '$dumpvars');
  const analog = new Set(trace.pins.filter((p) => p.role === 'analog').map((p) => p.pin));
  const value = (pin: number, v: number) => (analog.has(pin) ? `r${v} ${ids.get(pin)}` : `${v}${ids.get(pin)}`);
  const current = new Map<number, number>();
  for (const p of trace.pins) {
    current.set(p.pin, p.initial);
    out.push(value(p.pin, p.initial));
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
        out.push(value(pin, v));
      }
    }
    pending = new Map();
  };
  for (const e of trace.events) {
    if (isPrintEvent(e) || !ids.has(e.pin)) continue;
    if (e.t !== t) {
      flush();
      t = e.t;
    }
    pending.set(e.pin, isLevelEvent(e) ? e.level : e.value);
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
