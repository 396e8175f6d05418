import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { BundleError } from '../src/sim/host/bundle.js';
import { AppStartError, runScenario, type SimReport } from '../src/sim/host/run.js';
import type { Scenario } from '../src/sim/scenario.js';
import { isPrintEvent } from '../src/sim/trace.js';

const fixtures = resolve(import.meta.dirname, 'fixtures', 'sim');
const app = (name: string) => join(fixtures, name);
const blinkScenario = JSON.parse(readFileSync(app('blink.json'), 'utf8')) as Scenario;
const SLOW = 60_000;

describe('one app, one scenario, two engines', () => {
  const runs: Partial<Record<'node' | 'xs', SimReport>> = {};
  const run = async (engine: 'node' | 'xs') => (runs[engine] ??= await runScenario({ app: app('blink.js'), scenario: blinkScenario, engine }));

  it('runs the app in Node with every expectation holding', async () => {
    const r = await run('node');
    expect(r.failure).toBeNull();
    expect(r.expectations.filter((e) => !e.ok)).toEqual([]);
    expect(r.ok).toBe(true);
    expect(r.meters).toBeUndefined();
  }, SLOW);

  it('runs the same bundle in the XS engine with every expectation holding, and reports its meters', async () => {
    const r = await run('xs');
    expect(r.failure).toBeNull();
    expect(r.ok).toBe(true);
    const m = r.meters!;
    expect(m.computrons).toBeGreaterThan(m.startupComputrons);
    expect(m.startupComputrons).toBeGreaterThan(0);
    expect(m.peakHeapSlots).toBeGreaterThanOrEqual(Math.max(m.startupHeapSlots, m.finalHeapSlots));
  }, SLOW);

  it('gives the identical trace and board counters in both engines', async () => {
    const [node, xs] = [await run('node'), await run('xs')];
    expect(xs.trace).toEqual(node.trace);
    expect(xs.board).toEqual(node.board);
    // Not a vacuous comparison: the trace holds the bounces, the app's promise jobs and the analog step.
    const prints = node.trace.events.filter(isPrintEvent).map((e) => e.print);
    expect(prints).toEqual([
      'started', 'sensor 100',
      'press 1 at 300, reads 0', 'press 2 at 302, reads 0', 'press 3 at 304, reads 0',
      'press 4 at 501, reads 0', 'press 5 at 503, reads 0',
      'sensor 900',
    ]);
  }, SLOW);

  it('gives XS meters that repeat exactly from run to run', async () => {
    const again = await runScenario({ app: app('blink.js'), scenario: blinkScenario, engine: 'xs' });
    expect(again.meters).toEqual((await run('xs')).meters);
  }, SLOW);

  it('measures the app, not the length of the run: the live XS heap stops growing once the app runs steadily', async () => {
    const heap = async (end: number) => (await runScenario({ app: app('blink.js'), scenario: { end }, engine: 'xs', sliceMs: 1000 })).meters!;
    const [short, long] = [await heap(2000), await heap(20000)];
    expect(long.finalHeapSlots).toBe(short.finalHeapSlots);
    expect(long.peakHeapSlots).toBe(short.peakHeapSlots);
    expect(long.computrons).toBeGreaterThan(5 * short.computrons);
  }, SLOW);

  it('keeps the scenario out of the XS heap: 100 presses cost the same slots as one', async () => {
    const presses = (n: number) => Array.from({ length: n }, (_, i) => ({ pin: 0, at: 100 + 50 * i, holdMs: 20, bounceMs: 3 }));
    const heap = async (n: number) => {
      const r = await runScenario({ app: app('blink.js'), scenario: { end: 5200, press: presses(n) }, engine: 'xs', sliceMs: 5200 });
      // Three falling edges per press: two while it closes, one while it opens.
      expect(r.trace.events.filter((e) => 'print' in e && e.print.startsWith('press')).length).toBe(3 * n);
      return r.meters!;
    };
    const [one, many] = [await heap(1), await heap(100)];
    expect(many.startupHeapSlots).toBe(one.startupHeapSlots);
    expect(many.finalHeapSlots).toBe(one.finalHeapSlots);
  }, SLOW);

  it('gives the same trace however the run is sliced', async () => {
    const fine = await runScenario({ app: app('blink.js'), scenario: blinkScenario, engine: 'node', sliceMs: 7 });
    const whole = await runScenario({ app: app('blink.js'), scenario: blinkScenario, engine: 'xs', sliceMs: blinkScenario.end });
    expect(fine.trace).toEqual((await run('node')).trace);
    expect(whole.trace).toEqual((await run('node')).trace);
  }, SLOW);
});

describe('failures', () => {
  it.each(['node', 'xs'] as const)('reports an app that throws at start-up with its message (%s)', async (engine) => {
    const e = await runScenario({ app: app('throws-at-startup.js'), scenario: { end: 100 }, engine }).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(AppStartError);
    expect((e as Error).message).toBe('the app threw at start-up: Error: no sensor on GPIO4');
  }, SLOW);

  it.each(['node', 'xs'] as const)('stops the run where an exception escaped a host callback, as XS aborts (%s)', async (engine) => {
    const r = await runScenario({ app: app('aborts.js'), scenario: { end: 1000, expect: [{ printed: 'never', count: 0 }] }, engine });
    expect(r.failure).toBe('XS aborted: an exception escaped a timer callback: RangeError: sensor out of range');
    expect(r.reached).toBe(300);
    expect(r.trace.events).toEqual([{ t: 100, print: 'before' }]);
    expect(r.expectations.every((e) => e.ok)).toBe(true);
    expect(r.ok).toBe(false);
  }, SLOW);

  // In Node, vitest itself reports an unhandled rejection: the CLI test runs that engine in a process of its own.
  it('reports a promise rejection nobody handled (xs)', async () => {
    const r = await runScenario({ app: app('rejects.js'), scenario: { end: 500 }, engine: 'xs' });
    expect(r.unhandled).toEqual(['unhandled rejection: Error: nobody listens']);
    expect(r.failure).toBeNull();
    expect(r.ok).toBe(false);
  }, SLOW);

  // The loop's default exception handler reports through trace, as on a device's serial log.
  it.each(['node', 'xs'] as const)('fails the run on each exception handler report, naming the line of the app\'s TypeScript source (%s)', async (engine) => {
    const r = await runScenario({ app: app('fails.ts'), scenario: { end: 500, expect: [{ printed: 'still running', count: 1 }] }, engine });
    expect(r.failure).toBeNull();
    expect(r.expectations.every((e) => e.ok)).toBe(true);
    const at = (line: number) => `test/fixtures/sim/fails.ts:${line}${engine === 'node' ? ':\\d+' : ''}`;
    expect(r.unhandled).toContainEqual(expect.stringMatching(
      new RegExp(`^exception handler report at 200 ms: Exception in callback: TypeError: callback broke \\(at ${at(14)}\\)$`)));
    // Every report (the failing task's too, once failing tasks are always reported) points into the app.
    for (const u of r.unhandled) expect(u).toMatch(/ \(at test\/fixtures\/sim\/fails\.ts:\d+(:\d+)?\)$/);
    expect(r.unhandled).toContainEqual(expect.stringMatching(
      new RegExp(`^exception handler report at 100 ms: Task exception was never retrieved: task Task-1: RangeError: sensor out of range \\(at ${at(11)}\\)$`)));
    expect(r.ok).toBe(false);
    // The stack in the timeline is mapped too: no position in the bundle (XS names it #2, after
    // the simulator's prelude #0; Node, anyloop-sim-app.js) is left.
    const printed = r.trace.events.filter(isPrintEvent).map((e) => e.print);
    expect(printed).toContainEqual(expect.stringMatching(new RegExp(`^\\s+at .*${at(14)}\\)?$`)));
    expect(printed.join('\n')).not.toMatch(/#2:\d|anyloop-sim-app\.js/);
  }, SLOW);

  describe('apps that do not bundle', () => {
    const dir = mkdtempSync(join(tmpdir(), 'anyloop-sim-app-'));
    afterAll(() => rmSync(dir, { recursive: true, force: true }));

    it('names an import the simulator cannot provide', async () => {
      const file = join(dir, 'wifi.js');
      writeFileSync(file, `import WiFi from 'wifi';\nnew WiFi();\n`);
      const e = await runScenario({ app: file, scenario: { end: 10 }, engine: 'node' }).catch((x: unknown) => x);
      expect(e).toBeInstanceOf(BundleError);
      expect((e as Error).message).toMatch(/^cannot resolve "wifi" imported by .*wifi\.js: the simulator bundles/);
    });

    it('names the file and line of a TypeScript syntax error', async () => {
      const file = join(dir, 'broken.ts');
      writeFileSync(file, 'const x: number = 1;\nlet y = (x +;\n');
      const e = await runScenario({ app: file, scenario: { end: 10 }, engine: 'xs', typecheck: false }).catch((x: unknown) => x);
      expect(e).toBeInstanceOf(BundleError);
      expect((e as Error).message).toMatch(/broken\.ts:2:\d+: Expression expected/);
    });
  });
});
