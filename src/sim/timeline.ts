import { isLevelEvent, isNoteEvent, isPrintEvent, isWireEvent, linkLines, pinName, type LevelEvent, type SimTrace } from './trace.js';

/** Options of {@link formatTimeline}. */
export interface TimelineOptions {
  /**
   * Show every change of a bouncing contact on its own line (default false:
   * a burst of three or more changes of one pin by the scenario, each within
   * 2 ms of the last and with nothing else in between, is one line).
   */
  everyEdge?: boolean;
}

/**
 * A run as lines a person reads on a terminal: when (virtual ms), which pin,
 * what happened and who did it, with the app's printed lines in between.
 *
 * ```
 *    t (ms)  pin          event
 *         0  GPIO0 BOOT   input, rests at 1
 *       100  GPIO0 BOOT   ↓↑↓↑↓ 0      scenario, bounced: 5 changes in 4 ms
 *       130  GPIO2 LED    ↑ 1          app
 *       130  print        LED on
 * ```
 *
 * A link (a UART or TCP peer) shows each line it carried when its last byte
 * arrived, `rx` from the peer to the board, `tx` the other way (hex for
 * bytes that are not printable ASCII), and what happened to it (connects,
 * refusals, overflows).
 */
export function formatTimeline(trace: SimTrace, options: TimelineOptions = {}): string[] {
  const names = new Map(trace.pins.map((p) => [p.pin, pinName(trace, p.pin)]));
  const links = trace.links ?? [];
  const width = Math.max(5, ...[...names.values()].map((n) => n.length), ...links.map((l) => l.label.length)) + 2;
  const tw = Math.max(6, String(trace.end).length);
  const row = (t: number | string, who: string, what: string) =>
    `${String(t).padStart(tw + 2)}  ${who.padEnd(width)} ${what}`.trimEnd();
  const lines = [row('t (ms)', 'pin', 'event')];
  for (const p of trace.pins) {
    const what = p.role === 'input' ? `input, rests at ${p.initial}`
      : p.role === 'output' ? `output, starts at ${p.initial}` : `analog input, reads ${p.initial}`;
    lines.push(row(0, names.get(p.pin)!, what));
  }
  // A link's lines are dated by their last byte: they are merged in by time.
  const linkRows: { t: number; text: string }[] = [];
  links.forEach((l, i) => {
    for (const dir of ['rx', 'tx'] as const) {
      for (const line of linkLines(trace, i, dir)) linkRows.push({ t: line.t, text: row(line.t, l.label, `${dir}: ${shorten(line.text)}`) });
    }
  });
  linkRows.sort((a, b) => a.t - b.t);
  let k = 0;
  const linksUntil = (t: number) => {
    for (; k < linkRows.length && linkRows[k]!.t <= t; k++) lines.push(linkRows[k]!.text);
  };
  const events = trace.events;
  for (let i = 0; i < events.length; i++) {
    const e = events[i]!;
    linksUntil(e.t);
    if (isWireEvent(e)) continue;
    if (isNoteEvent(e)) {
      lines.push(row(e.t, links[e.link]?.label ?? '?', e.note));
    } else if (isPrintEvent(e)) {
      lines.push(row(e.t, 'print', e.print));
    } else if (isLevelEvent(e)) {
      const burst = options.everyEdge === true ? [e] : bounces(trace, i);
      const last = burst[burst.length - 1]!;
      const edges = `${burst.map(arrow).join('')} ${last.level}`.padEnd(12);
      const bounced = burst.length === 1 ? '' : `, bounced: ${burst.length} changes in ${last.t - e.t} ms`;
      lines.push(row(e.t, names.get(e.pin)!, `${edges} ${e.by}${bounced}`));
      i += burst.length - 1;
    } else {
      lines.push(row(e.t, names.get(e.pin)!, `= ${e.value}`));
    }
  }
  linksUntil(Infinity);
  lines.push(row(trace.end, '', 'end'));
  return lines;
}

/** At most 100 characters of a line, then how long it was. */
function shorten(text: string): string {
  return text.length <= 100 ? text : `${text.slice(0, 100)}… (${text.length} characters)`;
}

function arrow(e: LevelEvent): string {
  return e.level === 1 ? '↑' : '↓';
}

/** The burst of scenario changes of one pin starting at event `i`: itself alone unless three or more. */
function bounces(trace: SimTrace, i: number): LevelEvent[] {
  const first = trace.events[i] as LevelEvent;
  const burst = [first];
  if (first.by !== 'scenario') return burst;
  for (let j = i + 1; j < trace.events.length; j++) {
    const e = trace.events[j]!;
    const prev = burst[burst.length - 1]!;
    if (!isLevelEvent(e) || e.pin !== first.pin || e.by !== 'scenario' || e.t - prev.t > 2) break;
    burst.push(e);
  }
  return burst.length >= 3 ? burst : [first];
}
