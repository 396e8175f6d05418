import { describe, expect, it } from 'vitest';
import type { SimReport } from '../src/sim/host/run.js';
import { isNoteEvent, isPrintEvent, linkLines } from '../src/sim/trace.js';
import { targetRuns } from './support/target-runs.js';

// The gps-tracker example app, unchanged (targets/gps-tracker/main.ts), on the
// simulated board with a GPS on UART 2 and a TCP server, through the scenarios
// that ship with it, in Node and in XS.
const { run } = targetRuns('gps-tracker');
const SLOW = 60_000;

const prints = (r: SimReport, text: string) => r.trace.events.filter((e) => isPrintEvent(e) && e.print.includes(text))
  .map((e) => [e.t, (e as { print: string }).print]);
const linkOf = (r: SimReport, kind: 'uart' | 'tcp') => r.trace.links!.findIndex((l) => l.kind === kind);
/** The fixes the server received, as [time it got the line, the fix's UTC time]. */
const received = (r: SimReport) => linkLines(r.trace, linkOf(r, 'tcp'), 'tx').map((l) => [l.t, (JSON.parse(l.text) as { time: string }).time]);
const notes = (r: SimReport, what: string) => r.trace.events.filter((e) => isNoteEvent(e) && e.what === what).map((e) => e.t);

describe.each(['default', 'garbage', 'server-down'])('the gps-tracker app, scenario %s', (name) => {
  it.each(['node', 'xs'] as const)('holds every expectation of the scenario in %s', async (engine) => {
    const r = await run(name, engine);
    expect(r.failure).toBeNull();
    expect(r.unhandled).toEqual([]);
    expect(r.expectations.filter((e) => !e.ok).map((e) => e.message)).toEqual([]);
    expect(r.expectations.length).toBeGreaterThan(5);
    expect(r.ok).toBe(true);
  }, SLOW);

  it('gives the same trace in Node and in XS', async () => {
    const [node, xs] = [await run(name, 'node'), await run(name, 'xs')];
    expect(xs.trace).toEqual(node.trace);
    expect(node.trace.events.length).toBeGreaterThan(10);
  }, SLOW);
});
