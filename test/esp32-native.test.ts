import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runScenario, type SimReport } from '../src/sim/host/run.js';
import { isPrintEvent, type TraceEvent } from '../src/sim/trace.js';

// The esp32 example app written again with native promises, async functions
// and Moddable timers (targets/esp32-native), against anyloop's
// (targets/esp32), on the scenarios that ship with anyloop's, in XS: the
// bench compares the two (bench/lib/app-compare.ts), so they must do the same.
const targets = resolve(import.meta.dirname, '..', 'targets');
const SLOW = 60_000;

function run(app: 'esp32' | 'esp32-native', scenario: string): Promise<SimReport> {
  return runScenario({ app: join(targets, app, 'main.ts'), scenario: join(targets, 'esp32', 'scenarios', `${scenario}.json`), engine: 'xs' });
}

/**
 * The printed lines as `time line`, in time order; within one millisecond in
 * text order: promise jobs and loop turns order the lines of one instant
 * differently (the native consumer's await of a ready reading takes a job,
 * anyloop's `yield*` of a done future does not).
 */
function lines(events: readonly TraceEvent[]): string[] {
  return events.filter(isPrintEvent).map((e) => [e.t, e.print] as const)
    .sort(([ta, a], [tb, b]) => ta - tb || (a < b ? -1 : a > b ? 1 : 0)).map(([t, p]) => `${t} ${p}`);
}

describe.each(['bounce', 'stall', 'backpressure', 'default'])('the native esp32 app, scenario %s', (name) => {
  it('holds every expectation and prints the same lines at the same times as the anyloop app, with the same pin changes', async () => {
    const [native, anyloop] = [await run('esp32-native', name), await run('esp32', name)];
    expect(native.failure).toBeNull();
    expect(native.unhandled).toEqual([]);
    expect(native.expectations.filter((e) => !e.ok).map((e) => e.message)).toEqual([]);
    expect(native.ok).toBe(true);
    expect(anyloop.ok).toBe(true);
    expect(lines(native.trace.events)).toEqual(lines(anyloop.trace.events));
    expect(native.trace.events.filter((e) => !isPrintEvent(e))).toEqual(anyloop.trace.events.filter((e) => !isPrintEvent(e)));
    expect(lines(native.trace.events).length).toBeGreaterThan(5);
  }, SLOW);
});
