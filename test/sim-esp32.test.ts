import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { SimReport } from '../src/sim/host/run.js';
import { isLevelEvent, isPrintEvent } from '../src/sim/trace.js';
import { formatVcd } from '../src/sim/vcd.js';
import { sigrokMissing, vcdTransitions } from './support/sigrok.js';
import { targetRuns } from './support/target-runs.js';

// The esp32 example app, unchanged (targets/esp32/main.ts), on the simulated
// board, through the scenarios that ship with it, in Node and in XS.
const { run } = targetRuns('esp32');
const SLOW = 60_000;

const prints = (r: SimReport, text: string) => r.trace.events.filter((e) => isPrintEvent(e) && e.print.includes(text));

describe.each(['bounce', 'stall', 'backpressure', 'default'])('the esp32 app, scenario %s', (name) => {
  it.each(['node', 'xs'] as const)('holds every expectation of the scenario in %s', async (engine) => {
    const r = await run(name, engine);
    expect(r.failure).toBeNull();
    expect(r.unhandled).toEqual([]);
    expect(r.expectations.filter((e) => !e.ok).map((e) => e.message)).toEqual([]);
    expect(r.expectations.length).toBeGreaterThan(0);
    expect(r.ok).toBe(true);
  }, SLOW);

  it('gives the same trace in Node and in XS', async () => {
    const [node, xs] = [await run(name, 'node'), await run(name, 'xs')];
    expect(xs.trace).toEqual(node.trace);
    expect(xs.board).toEqual(node.board);
    expect(node.trace.events.length).toBeGreaterThan(10);
  }, SLOW);
});

describe('what the scenarios show', () => {
  it('a bouncing button gives one toggle: seven contact changes, one LED edge 20 ms after the contact settled', async () => {
    const r = await run('bounce', 'xs');
    const boot = r.trace.events.filter((e) => isLevelEvent(e) && e.pin === 0 && e.t < 1400);
    expect(boot).toHaveLength(7);
    expect(r.trace.events.filter((e) => isLevelEvent(e) && e.pin === 2)).toEqual([{ t: 1226, pin: 2, level: 1, by: 'app' }]);
    expect(prints(r, 'button')).toEqual([{ t: 1226, print: 'button pressed at 1206 ms: LED on' }]);
  }, SLOW);

  it('a sensor stall trips the watchdog, which sees the recovery', async () => {
    const r = await run('stall', 'xs');
    expect(prints(r, 'watchdog')).toEqual([
      { t: 4000, print: 'watchdog: consumer stalled, no progress for 3000 ms' },
      { t: 6500, print: 'watchdog: consumer recovered after 5500 ms' },
    ]);
  }, SLOW);

  it('a full queue applies back-pressure: the sampler waits, skips ticks, and no reading is lost or reordered', async () => {
    const r = await run('backpressure', 'xs');
    expect(prints(r, 'sampler')).toEqual([
      { t: 6000, print: 'sampler: queue full at 6000 ms, waiting' },
      { t: 8500, print: 'sampler: skipped 4 readings while the queue was full' },
    ]);
    const taken = prints(r, 'sensor ').map((e) => Number(/at (\d+) ms/.exec((e as { print: string }).print)![1]));
    expect(taken).toEqual([...taken].sort((a, b) => a - b));
    // Every deadline the sampler did not skip is consumed exactly once.
    const skipped = [6500, 7000, 7500, 8000];
    const expected = Array.from({ length: 20 }, (_, i) => 500 * (i + 1)).filter((t) => !skipped.includes(t));
    expect(taken).toEqual(expected);
  }, SLOW);
});

describe('the VCD of the default scenario, read back by sigrok-cli', () => {
  const missing = sigrokMissing();
  const dir = mkdtempSync(join(tmpdir(), 'anyloop-esp32-vcd-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it.skipIf(missing)('holds the button bounces and the two LED toggles at their times', async () => {
    const r = await run('default', 'xs');
    const file = join(dir, 'default.vcd');
    writeFileSync(file, formatVcd(r.trace));
    const rows = vcdTransitions(file);
    const changesOf = (name: string) => rows.filter((row, i) => i === 0 || row.levels[name] !== rows[i - 1]!.levels[name])
      .map((row) => [row.t, row.levels[name]]);
    expect(changesOf('GPIO2_LED')).toEqual([[0, 0], [1226, 1], [10144, 0]]);
    expect(changesOf('GPIO0_BOOT')).toEqual([
      [0, 1],
      [1200, 0], [1201, 1], [1202, 0], [1203, 1], [1204, 0], [1205, 1], [1206, 0],
      [1450, 1], [1451, 0], [1452, 1], [1453, 0], [1454, 1], [1455, 0], [1456, 1],
      [10120, 0], [10121, 1], [10122, 0], [10123, 1], [10124, 0],
      [10370, 1], [10371, 0], [10372, 1], [10373, 0], [10374, 1],
    ]);
  }, SLOW);
});
