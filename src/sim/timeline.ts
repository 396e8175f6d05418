import { isLevelEvent, isPrintEvent, pinName, type SimTrace } from './trace.js';

/**
 * A run as lines a person reads on a terminal: when (virtual ms), which pin,
 * what happened and who did it, with the app's printed lines in between.
 *
 * ```
 *    t (ms)  pin          event
 *         0  GPIO0 BOOT   input, rests at 1
 *       100  GPIO0 BOOT   ↓ 0          scenario
 *       130  GPIO2 LED    ↑ 1          app
 *       130  print        LED on
 * ```
 */
export function formatTimeline(trace: SimTrace): string[] {
  const names = new Map(trace.pins.map((p) => [p.pin, pinName(trace, p.pin)]));
  const width = Math.max(5, ...[...names.values()].map((n) => n.length)) + 2;
  const tw = Math.max(6, String(trace.end).length);
  const row = (t: number | string, who: string, what: string) =>
    `${String(t).padStart(tw + 2)}  ${who.padEnd(width)} ${what}`.trimEnd();
  const lines = [row('t (ms)', 'pin', 'event')];
  for (const p of trace.pins) {
    const what = p.role === 'input' ? `input, rests at ${p.initial}`
      : p.role === 'output' ? `output, starts at ${p.initial}` : `analog input, reads ${p.initial}`;
    lines.push(row(0, names.get(p.pin)!, what));
  }
  for (const e of trace.events) {
    if (isPrintEvent(e)) lines.push(row(e.t, 'print', e.print));
    else if (isLevelEvent(e)) lines.push(row(e.t, names.get(e.pin)!, `${e.level === 1 ? '↑ 1' : '↓ 0'}          ${e.by}`));
    else lines.push(row(e.t, names.get(e.pin)!, `= ${e.value}`));
  }
  lines.push(row(trace.end, '', 'end'));
  return lines;
}
